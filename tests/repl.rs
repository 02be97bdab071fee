//! The REPL driven through a pseudo-terminal, as a person uses it: completion, hints, history across
//! sessions, multi-line input, Ctrl-C and Ctrl-D, colours.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{ControlCode, Eof, Expect, Regex, Session};

const UP: &str = "\x1b[A";

/// Starts `wirecraft` in a terminal, in `dir`, with its history in `dir/history`, and waits for the prompt.
fn start(dir: &Path, args: &[&str]) -> OsSession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirecraft"));
    cmd.args(args)
        .current_dir(dir)
        .env("WIRECRAFT_HISTORY", dir.join("history"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut s = Session::spawn(cmd).expect("the binary starts in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s.expect(">>> ").expect("a prompt");
    s
}

/// Sends `keys`, then waits for the line to be taken (rustyline ends it with `\r\n`; redrawing the line as it
/// is typed repeats the prompt, so the prompt alone is no sign) and for the next `prompt`, which is only drawn
/// once the editor reads again. Returns what was printed in between.
fn enter(s: &mut OsSession, keys: &str, prompt: &str) -> String {
    s.send(keys).expect("typed");
    s.expect("\r\n").expect("the line taken");
    let out = s.expect(prompt).expect("the next prompt");
    String::from_utf8_lossy(out.before()).into_owned()
}

/// Types a line and Enter, and waits for the next `>>> `.
fn line(s: &mut OsSession, text: &str) -> String {
    enter(s, &format!("{text}\r"), ">>> ")
}

/// Waits (within the timeout) for the REPL to end, and gives its exit code.
fn exit_code(mut s: OsSession) -> i32 {
    s.expect(Eof).expect("the terminal closed");
    match s.get_process().wait().expect("exits") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    }
}

/// Ctrl-D at an empty prompt: the REPL ends with status 0.
fn quit(mut s: OsSession) {
    s.send(ControlCode::EndOfTransmission).expect("Ctrl-D");
    assert_eq!(exit_code(s), 0);
}

#[test]
fn tab_completes_keyword_arguments_of_layers_and_builtins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    s.send("TCP(dp\t").expect("typed");
    s.expect("TCP(dport=").expect("dport= completed");
    assert!(line(&mut s, "80)").contains("<TCP  dport=http |>"));
    s.send("print(1, 2, sep\t").expect("typed");
    s.expect("print(1, 2, sep=").expect("sep= completed");
    assert!(line(&mut s, "'-')").contains("1-2"));
    // The issue's own example, inside a lambda so that nothing is captured.
    s.send("f = lambda: sniff(co\t").expect("typed");
    s.expect("sniff(count=").expect("count= completed");
    let out = line(&mut s, "1)");
    assert!(!out.contains("Error"), "{out}");
    quit(s);
}

#[test]
fn tab_completes_variables_fields_and_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("capture.pcap"), b"").expect("file");
    let mut s = start(dir.path(), &[]);
    line(&mut s, "packet_count = 7");
    s.send("packet_c\t").expect("typed");
    s.expect("packet_count").expect("variable completed");
    assert!(line(&mut s, "").contains('7'));
    line(&mut s, "p = IP()/TCP()");
    s.send("p[TCP].dp\t").expect("typed");
    s.expect("p[TCP].dport").expect("field completed");
    assert!(line(&mut s, "").contains("80"));
    s.send("f = 'capt\t").expect("typed");
    s.expect("'capture.pcap").expect("path completed inside a string");
    line(&mut s, "'");
    assert!(line(&mut s, "f").contains("'capture.pcap'"));
    s.send("print capt\t").expect("typed");
    s.expect("print capture.pcap")
        .expect("path completed at a command form's argument");
    assert!(line(&mut s, "").contains("capture.pcap\r\n"));
    quit(s);
}

#[test]
fn the_signature_of_the_call_being_typed_is_hinted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    s.send("print(").expect("typed");
    s.expect("print(*objects, sep=' ', end='\\n')").expect("the hint");
    line(&mut s, ")");
    quit(s);
}

#[test]
fn history_is_kept_across_sessions_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    line(&mut s, "answer = 41 + 1");
    quit(s);
    let mode = std::fs::metadata(dir.path().join("history"))
        .expect("history file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut s = start(dir.path(), &[]);
    s.send(UP).expect("Up");
    s.expect("answer = 41 + 1").expect("the previous session's line");
    line(&mut s, "");
    assert!(line(&mut s, "answer").contains("42"));
    quit(s);
}

#[test]
fn an_existing_history_file_is_made_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history");
    std::fs::write(&path, "#V2\nold = 1\n").expect("history");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut s = start(dir.path(), &[]);
    assert_eq!(
        std::fs::metadata(&path).expect("history").permissions().mode() & 0o777,
        0o600
    );
    s.send(UP).expect("Up");
    s.expect("old = 1").expect("the file's line");
    line(&mut s, "");
    quit(s);
}

#[test]
fn open_brackets_continue_on_the_next_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    enter(&mut s, "x = [1,\r", "... ");
    line(&mut s, "2]");
    assert!(line(&mut s, "x").contains("[1, 2]"));
    enter(&mut s, "for i in range(3):\r", "... ");
    enter(&mut s, "    print(i * 10)\r", "... ");
    let out = line(&mut s, "");
    assert!(out.contains("0") && out.contains("10") && out.contains("20"), "{out}");
    quit(s);
}

#[test]
fn ctrl_c_at_the_prompt_drops_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    enter(&mut s, "undefined_name\x03", ">>> ");
    enter(&mut s, "x = [1,\r", "... ");
    enter(&mut s, "\x03", ">>> ");
    let out = line(&mut s, "6 * 7");
    assert!(out.contains("42") && !out.contains("Error"), "{out}");
    quit(s);
}

#[test]
fn ctrl_c_stops_a_running_loop_and_keeps_its_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &[]);
    enter(&mut s, "for i in range(10**9):\r", "... ");
    enter(&mut s, "    if i == 1000: print('running')\r", "... ");
    enter(&mut s, "\r", "running");
    s.send(ControlCode::EndOfText).expect("Ctrl-C");
    s.expect("KeyboardInterrupt").expect("reported");
    s.expect(">>> ").expect("back at the prompt");
    // The Ctrl-C may land while `i` is still 1000, right after the line that announced it.
    assert!(line(&mut s, "i >= 1000").contains("True"));
    quit(s);
}

#[test]
fn statements_from_c_then_interactive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &["-c", "x = 5", "-i"]);
    assert!(line(&mut s, "x * 2").contains("10"));
    s.send_line("exit(3)").expect("typed");
    assert_eq!(exit_code(s), 3);
}

#[test]
fn colour_always_wins_over_no_color_and_conf_color_turns_it_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = start(dir.path(), &["--color=always"]);
    s.send("TCP").expect("typed");
    s.expect(Regex("\x1b\\[[0-9;]*mTCP")).expect("a highlighted layer name");
    s.send(ControlCode::EndOfText).expect("Ctrl-C");
    s.expect("\r\n").expect("the line dropped");
    s.expect(Regex("\x1b\\[[0-9;]*m>>> ")).expect("a coloured prompt");
    line(&mut s, "conf.color = False");
    let out = line(&mut s, "TCP");
    let sgr = out.split("\x1b[").skip(1).any(|t| {
        t.trim_start_matches(|c: char| c.is_ascii_digit() || c == ';')
            .starts_with('m')
    });
    assert!(!sgr, "conf.color = False turns colours off: {out:?}");
    quit(s);
}
