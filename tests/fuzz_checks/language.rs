//! The language on any program: the parser on any text, and the evaluator on whatever parses, with every
//! builtin that stays inside the session (packets, sets, lists, strings, formatting, dissection, fragments)
//! reachable. A program may fail with a Python error; the session must not panic, abort or hang.
//!
//! The session is confined (`Session::confine`: nothing sends, sniffs, opens sockets, talks to other hosts or
//! touches files; `conf.max_memory` is locked) and bounded (`Session::limit_steps` and a small
//! `conf.max_memory`), so that the worst a program can do is STEPS values of MAX_MEMORY bytes each. Standard
//! input is /dev/null, so `import_hexcap()` without text reads nothing instead of waiting.
//!
//! Input: the program's text (invalid UTF-8 replaced), run once as a script and once line by line, as the REPL
//! sends a session lines.

use wirecraft::lang::Session;

/// Loop iterations and calls per run.
const STEPS: u64 = 2_000;
/// The most one value may take, in bytes.
const MAX_MEMORY: u64 = 256 << 10;

/// One input, as the fuzz target and the regression tests run it.
pub fn check(data: &[u8]) {
    stdin_is_empty();
    let program = String::from_utf8_lossy(data);
    let mut script = confined_session();
    let _ = script.run(&program, "<fuzz>").map_err(|e| e.to_string());
    let mut prompt = confined_session();
    prompt.echo = true;
    for line in program.lines() {
        if let Ok(Some(v)) = prompt.run(line, "<stdin>") {
            let _ = (prompt.repr(&v), prompt.text(&v));
        }
    }
}

fn confined_session() -> Session {
    let mut s = Session::with_output(std::io::sink());
    s.run(&format!("conf.max_memory = {MAX_MEMORY}"), "<fuzz>")
        .expect("a memory limit");
    s.confine();
    s.limit_steps(Some(STEPS));
    s
}

/// Replaces standard input with /dev/null, once.
fn stdin_is_empty() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let null = std::fs::File::open("/dev/null").expect("/dev/null");
        // SAFETY: dup2 of an open descriptor onto 0; `null` stays open until after the call.
        unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), 0) };
    });
}
