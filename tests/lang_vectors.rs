//! Golden vectors for the language (tests/data/vectors/lang.jsonl, from tests/data/scripts/gen_vectors.py): Scapy
//! expression text run through wirecraft's language must build Scapy 2.8.0's bytes, stand for as many
//! packets, and read back each recorded expression with Scapy's repr. These pin how typed values become field
//! values (a tuple inside TCP options is a value, a list of flag names one flags value, a deprecated field
//! name the field it now means), which the API-level vectors in tests/golden.rs cannot see.
//!
//! `GOLDEN=substring cargo test --test lang_vectors` runs only the cases whose id contains the substring.

mod vectors;

use serde_json::Value as Json;
use vectors::cases;
use wirecraft::lang::Session;

/// The repr of `expr`'s value, or the error it raised.
fn eval(s: &mut Session, expr: &str) -> String {
    match s.run(expr, "<vector>") {
        Ok(v) => v.map_or_else(|| "None".into(), |v| s.repr(&v)),
        Err(e) => format!("error: {e}"),
    }
}

fn text(c: &Json, key: &str) -> String {
    c[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no {key}", c["id"]))
        .to_string()
}

#[test]
fn scapy_expressions_build_and_read_as_in_scapy() {
    let all = cases("lang.jsonl");
    assert!(!all.is_empty(), "no language vectors");
    let mut failures = Vec::new();
    for c in &all {
        let id = text(c, "id");
        let expr = text(c, "expr");
        let mut s = Session::with_output(std::io::sink());
        let checks = [
            (format!("raw({expr}).hex()"), format!("'{}'", text(c, "hex"))),
            (format!("len(list({expr}))"), c["count"].to_string()),
        ];
        let reads = c["reads"].as_array().into_iter().flatten().map(|r| {
            let pair = r.as_array().expect("a read is [expr, repr]");
            (text_of(&pair[0]), text_of(&pair[1]))
        });
        for (what, want) in checks.into_iter().chain(reads) {
            let got = eval(&mut s, &what);
            if got != want {
                failures.push(format!("{id}: {what}\n  scapy:     {want}\n  wirecraft: {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} checks of the {} language vectors differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

fn text_of(j: &Json) -> String {
    j.as_str().expect("text").to_string()
}
