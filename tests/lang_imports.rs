//! The import directions inside `src/lang`: the parser knows no table, no evaluator and no session; values
//! know no subsystem; the modules that bind a subsystem or define builtins import the session, never the
//! evaluator. A failure names the file and the offending `use` line.

use std::path::Path;

/// The lang modules a file imports (`use super::x`, `use super::{x, y}`, `super::x::` in code), with the line.
fn imports(file: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lang").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices("super::") {
            let rest = &line[at + "super::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
                None => vec![rest],
            };
            for n in names {
                let module: String = n
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((module, line.trim().to_string()));
            }
        }
    }
    out
}

/// Also `crate::x` paths, for the subsystems outside `src/lang`.
fn crate_imports(file: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lang").join(file);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|line| {
            line.match_indices("crate::").map(move |(at, _)| {
                let module = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                (module, line.trim().to_string())
            })
        })
        .collect()
}

fn forbid(file: &str, found: Vec<(String, String)>, banned: &[&str], why: &str) {
    for (module, line) in found {
        assert!(
            !banned.contains(&module.as_str()),
            "src/lang/{file} imports {module} ({why}): {line}"
        );
    }
}

#[test]
fn the_parser_knows_no_table_evaluator_or_session() {
    let banned = ["builtins", "table", "rows", "eval", "session", "live", "pcap"];
    forbid(
        "parser.rs",
        imports("parser.rs"),
        &banned,
        "the grammar is given its command names",
    );
}

#[test]
fn values_know_no_subsystem() {
    let banned = [
        "live",
        "pcap",
        "pcap_reader",
        "pcap_writer",
        "results",
        "net_table",
        "builtins",
        "table",
        "eval",
    ];
    forbid(
        "value.rs",
        imports("value.rs"),
        &banned,
        "a kind of value is its own file",
    );
    forbid(
        "value.rs",
        crate_imports("value.rs"),
        &["net", "layers"],
        "values are language-level",
    );
}

#[test]
fn binding_modules_import_the_session_not_the_evaluator() {
    for file in [
        "builtins.rs",
        "live.rs",
        "pcap.rs",
        "pcap_reader.rs",
        "pcap_writer.rs",
        "results.rs",
        "net_table.rs",
    ] {
        forbid(
            file,
            imports(file),
            &["eval", "table"],
            "bodies use the session's host API; only the table joins rows",
        );
    }
}
