//! Scapy's own UTScapy regression tests (tests/data/uts/*.uts, ported from Scapy's l2, inet, inet6, dns and
//! regression campaigns by tests/data/scripts/port_uts.py, which keeps only tests that pass in Scapy 2.8.0) run
//! through wirecraft's language, without Python.
//!
//! As UTScapy does, each file's tests share one session and run in order; each test's code runs as one source
//! text, and an error fails that test only. UTScapy's pass rule (scapy/tools/UTscapy.py `run_test`,
//! scapy/autorun.py): no error escapes, and `_` — the last non-None value of an expression statement, never
//! reset between tests — is None or true afterwards. The one difference: wirecraft sets `_` only for
//! statements at the top level of the code, Python's interactive mode also inside a top-level `if`/`for`/`try`.
//!
//! The known failures are listed, with their reasons, in tests/data/uts/deviations.txt. The test fails when an
//! unlisted test fails, and when a listed one passes or no longer exists, so that the list stays exact.
//!
//! `UTS=substring cargo test --test scapy_uts -- --nocapture` prints every failure whose file or title contains
//! the substring, listed or not.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use wirecraft::lang::Session;

const FILES: [&str; 5] = ["l2.uts", "inet.uts", "inet6.uts", "dns.uts", "regression.uts"];

/// One UTScapy test: its title (made unique within its file) and the code UTScapy runs.
struct UtsTest {
    title: String,
    code: String,
}

/// The tests of a campaign file, read as UTScapy's `parse_campaign_file` reads them: `#` lines are skipped,
/// `%`, `+`, `~` and `*` lines are the campaign, test set, keyword and comment lines, `=` starts a test and
/// every other line is code of the current test. A title seen before in the file gets ` (2)`, ` (3)`, …
fn parse_campaign(text: &str) -> Vec<UtsTest> {
    let mut tests: Vec<UtsTest> = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for line in text.split_inclusive('\n') {
        match line.chars().next() {
            Some('#' | '%' | '+' | '~' | '*') => {}
            Some('=') => {
                let title = line[1..].trim();
                let n = seen.entry(title).or_default();
                *n += 1;
                let title = match *n {
                    1 => title.to_string(),
                    n => format!("{title} ({n})"),
                };
                tests.push(UtsTest {
                    title,
                    code: String::new(),
                });
            }
            _ => {
                if let Some(t) = tests.last_mut() {
                    t.code.push_str(line);
                }
            }
        }
    }
    tests
}

/// Runs one test in the file's session: `Err` says why it failed.
fn run(session: &mut Session, file: &str, test: &UtsTest) -> Result<(), String> {
    let origin = format!("{file}: {}", test.title);
    let ran = catch_unwind(AssertUnwindSafe(|| session.run(test.code.trim(), &origin)));
    match ran {
        Err(_) => Err("wirecraft panicked".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(_)) => match session.get("_") {
            Some(v) if !v.truthy() => Err(format!("the last value, {}, is false", session.repr(&v))),
            _ => Ok(()),
        },
    }
}

/// deviations.txt: `file.uts | test title | reason` per line, `#` comments; keyed by (file, title).
fn deviations() -> BTreeMap<(String, String), String> {
    let path = format!("{}/tests/data/uts/deviations.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut list = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let (file, rest) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("{path}: no ' | ' in: {line}"));
        let (title, reason) = rest
            .rsplit_once(" | ")
            .unwrap_or_else(|| panic!("{path}: no reason in: {line}"));
        let key = (file.to_string(), title.to_string());
        assert!(
            list.insert(key, reason.to_string()).is_none(),
            "{path}: listed twice: {line}"
        );
    }
    list
}

#[test]
fn scapy_uts_tests_pass_or_are_listed_deviations() {
    let mut listed = deviations();
    let show = std::env::var("UTS").ok();
    let mut problems = String::new();
    let mut counts = String::new();
    for file in FILES {
        let path = format!("{}/tests/data/uts/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let tests = parse_campaign(&text);
        let mut session = Session::with_output(std::io::sink());
        let (mut passing, mut deviating) = (0, 0);
        for test in &tests {
            let outcome = run(&mut session, file, test);
            let reason = listed.remove(&(file.to_string(), test.title.clone()));
            if let (Err(e), Some(s)) = (&outcome, &show) {
                if file.contains(s.as_str()) || test.title.contains(s.as_str()) {
                    println!("--- {file} | {}\n{}\n=> {e}\n", test.title, test.code.trim_end());
                }
            }
            match (outcome, reason) {
                (Ok(()), None) => passing += 1,
                (Err(_), Some(_)) => deviating += 1,
                (Ok(()), Some(reason)) => {
                    let _ = writeln!(
                        problems,
                        "{file} | {} passes now: remove it from deviations.txt ({reason})\n",
                        test.title
                    );
                }
                (Err(e), None) => {
                    let _ = writeln!(
                        problems,
                        "{file} | {} fails:\n{}\n=> {e}\n",
                        test.title,
                        test.code.trim_end()
                    );
                }
            }
        }
        let _ = writeln!(
            counts,
            "{file:<15} selected {:>3}  passing {passing:>3}  listed deviations {deviating:>3}",
            tests.len()
        );
    }
    for ((file, title), _) in listed {
        let _ = writeln!(
            problems,
            "{file} | {title}: listed in deviations.txt but there is no such test\n"
        );
    }
    println!("{counts}");
    assert!(problems.is_empty(), "{problems}{counts}");
}

#[test]
fn campaign_files_read_as_utscapy_reads_them() {
    let text = "% campaign\n+ set\n= a\n~ kw\n* comment\nx = 1\n# skipped\nx\n= a\ny\n";
    let tests = parse_campaign(text);
    let got: Vec<_> = tests.iter().map(|t| (t.title.as_str(), t.code.as_str())).collect();
    assert_eq!(got, [("a", "x = 1\nx\n"), ("a (2)", "y\n")]);
}

#[test]
fn a_test_fails_on_an_error_or_a_false_underscore_as_in_utscapy() {
    let mut s = Session::with_output(std::io::sink());
    let mut outcome = |code: &str| {
        run(
            &mut s,
            "f.uts",
            &UtsTest {
                title: "t".into(),
                code: code.into(),
            },
        )
        .is_ok()
    };
    assert!(outcome("x = 1"), "`_` unset is None");
    assert!(
        !outcome("x == 2\ny = 3"),
        "the last expression's value, not the last statement's"
    );
    assert!(!outcome("y = 4"), "`_` is never reset between tests");
    assert!(outcome("x == 1"));
    assert!(!outcome("assert x == 2"));
}
