//! `ls(obj, verbose=True)` prints what Scapy's does (`tests/data/vectors/ls_verbose.txt`, from
//! `gen_vectors.py`): every class, and packets, whose first layer lists its enums' names and flags' names.

mod common;

use common::Sink;
use wirecraft::lang::Session;

/// The cases of the file: each `=== EXPR` line and the text Scapy printed for it.
fn cases(text: &str) -> Vec<(&str, String)> {
    let mut cases: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        match (line.strip_prefix("=== "), cases.last_mut()) {
            (Some(expr), _) => cases.push((expr, String::new())),
            (None, Some((_, want))) => {
                want.push_str(line);
                want.push('\n');
            }
            (None, None) => panic!("ls_verbose.txt starts without a === line"),
        }
    }
    cases
}

#[test]
fn ls_verbose_matches_scapy() {
    let path = format!("{}/tests/data/vectors/ls_verbose.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases = cases(&text);
    let mut failures = Vec::new();
    for (expr, want) in &cases {
        let out = Sink::default();
        let mut s = Session::with_output(out.clone());
        match s.run(&format!("ls({expr}, verbose=True)"), "<ls>") {
            Ok(_) => {
                let got = out.take();
                if got != *want {
                    failures.push(format!("{expr}:\n--- want\n{want}--- got\n{got}"));
                }
            }
            Err(e) => failures.push(format!("{expr}: {e}")),
        }
    }
    assert!(cases.len() > 90, "ls_verbose.txt holds {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
