//! The `wirecraft` command: thin over `wirecraft::lang::Session`. Runs `-c` statements, a script file or a
//! piped stdin; otherwise (or with `-i` after them) reads statements interactively.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use wirecraft::lang::{is_complete, ErrorKind, LangError, Session};

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
    /// A script to run (`-` reads standard input).
    script: Option<String>,
}

/// Deep expressions and recursive lambdas get a generous stack, whatever the platform's main thread has.
const STACK: usize = 64 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new().stack_size(STACK).spawn(move || run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(70),
    }
}

fn run(cli: Cli) -> u8 {
    let mut session = Session::new();
    let flag = session.interrupt_flag();
    // Ctrl-C stops the running statement, not the program; a second one while nothing checks still exits.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
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
    interact(&mut session)
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
            eprintln!("{e}");
            130
        }
        _ => {
            eprintln!("{e}");
            1
        }
    }
}

/// A minimal prompt loop until the line editor lands: `>>> `, `... ` while the input is incomplete.
fn interact(session: &mut Session) -> u8 {
    session.echo = true;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut buf = String::new();
    loop {
        eprint!("{}", if buf.is_empty() { ">>> " } else { "... " });
        let _ = std::io::stderr().flush();
        let Some(Ok(line)) = lines.next() else {
            eprintln!();
            return 0;
        };
        if !buf.is_empty() {
            buf.push('\n');
        }
        buf.push_str(&line);
        if !is_complete(&buf) {
            continue;
        }
        let src = std::mem::take(&mut buf);
        if let Err(e) = session.run(&src, "<stdin>") {
            if let ErrorKind::Exit(_) = e.kind {
                return report(&e);
            }
            report(&e);
        }
    }
}
