//! Every example in the normative grammar and every script in `examples/` parses.

use wirecraft::lang::parse::parse;

/// The `(*> source *)` examples of the grammar; a line ending in `⏎` continues on the next example.
fn grammar_examples() -> Vec<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/wirecraft.ebnf")).expect("grammar");
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let Some(src) = line.trim().strip_prefix("(*>").and_then(|l| l.strip_suffix("*)")) else {
            continue;
        };
        let src = src.strip_prefix(' ').unwrap_or(src).trim_end();
        match src.strip_suffix('⏎') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push('\n');
            }
            None => {
                pending.push_str(src);
                out.push(std::mem::take(&mut pending));
            }
        }
    }
    out
}

#[test]
fn grammar_examples_parse() {
    let examples = grammar_examples();
    assert!(examples.len() >= 30, "found {} examples", examples.len());
    for src in &examples {
        if let Err(e) = parse(src) {
            panic!("grammar example does not parse:\n{src}\n{}", e.locate("<grammar>", src));
        }
    }
}

#[test]
fn example_scripts_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wc") {
            let src = std::fs::read_to_string(&path).expect("readable");
            if let Err(e) = parse(&src) {
                panic!("{}", e.locate(&path.display().to_string(), &src));
            }
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} examples");
}
