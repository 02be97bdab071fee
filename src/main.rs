//! The `wirecraft` command: thin over `wirecraft::lang::Session`. Runs `-c` statements, a script file or a
//! piped stdin; otherwise (or with `-i` after them) hands the session to the REPL.

mod repl;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use colored::Colorize;
use wirecraft::lang::{ErrorKind, LangError, Session};

/// A fast, Scapy-compatible packet crafting language and REPL.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Run these statements (separated by newlines or `;`), then exit.
    #[arg(short = 'c', value_name = "STATEMENTS")]
    command: Option<String>,
    /// Stay interactive after running the statements or the script.
    #[arg(short = 'i')]
    interactive: bool,
    /// Colours for the prompt, highlighting and errors; `auto` means when standard output is a terminal and
    /// `NO_COLOR` is not set.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    /// A script to run (`-` reads standard input).
    script: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// An explicit `always` or `never` wins over the environment.
    fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// Runs on the main thread: the language's calls grow their own stack (`stacker`) and its parser bounds
/// nesting, so no big-stack thread is needed — and starting one, with its malloc arena, was half of the
/// start-up time (`wirecraft -c 1`: 5.7 -> 2.1 ms on a busy machine).
fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}

fn run(cli: Cli) -> u8 {
    let color = cli.color.enabled();
    colored::control::set_override(color);
    let mut session = Session::new();
    let flag = session.interrupt_flag();
    // Ctrl-C stops the running statement, not the program; a second one while nothing checks still exits.
    // Set in the signal handler itself (no thread waiting for it): the exit is registered first, so that it
    // sees the flag as the previous Ctrl-C left it.
    let sigint = signal_hook::consts::SIGINT;
    let _ = signal_hook::flag::register_conditional_shutdown(sigint, 130, Arc::clone(&flag))
        .and_then(|_| signal_hook::flag::register(sigint, flag));
    let stdin_is_tty = std::io::stdin().is_terminal();
    let batch = match (&cli.command, &cli.script) {
        (Some(c), _) => Some((c.clone(), "<string>".to_string())),
        (None, Some(path)) if path == "-" => Some((read_stdin(), "<stdin>".to_string())),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(src) => Some((src, path.clone())),
            Err(e) => {
                eprintln!("wirecraft: cannot read {path}: {e}");
                return 2;
            }
        },
        (None, None) if !stdin_is_tty => Some((read_stdin(), "<stdin>".to_string())),
        (None, None) => None,
    };
    if let Some((src, origin)) = &batch {
        if let Err(e) = session.run(src, origin) {
            let code = report(&e);
            if !cli.interactive || matches!(e.kind, ErrorKind::Exit(_)) {
                return code;
            }
        }
        if !cli.interactive {
            return 0;
        }
    }
    repl::run(session, color)
}

fn read_stdin() -> String {
    let mut s = String::new();
    let _ = std::io::stdin().read_to_string(&mut s);
    s
}

/// Prints an error on stderr (nothing for a quiet exit) and gives the exit code it asks for.
fn report(e: &LangError) -> u8 {
    match e.kind {
        ErrorKind::Exit(code) => u8::try_from(code).unwrap_or(1),
        ErrorKind::Interrupted => {
            eprintln!("{}", e.to_string().red());
            130
        }
        _ => {
            eprintln!("{}", e.to_string().red());
            1
        }
    }
}
