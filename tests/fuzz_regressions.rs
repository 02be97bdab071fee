//! Every input a fuzz target ever failed on, replayed through the target's own check (tests/fuzz_checks), so
//! that a fixed bug stays fixed without running the fuzzer. The inputs are in tests/data/fuzz/TARGET/, each
//! named after what it found, with a test of that name below; the first test replays them all, so that an
//! input committed without its own test is still run.

mod fuzz_checks;

use std::path::{Path, PathBuf};

/// A fuzz target's check of one input.
type Check = fn(&[u8]);

/// The check of each target, by the name of its directory.
const TARGETS: [(&str, Check); 4] = [
    ("dissect", fuzz_checks::dissect::check),
    ("read_capture", fuzz_checks::read_capture::check),
    ("language", fuzz_checks::language::check),
    ("build_dissect", fuzz_checks::build_dissect::check),
];

fn inputs(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target)
}

#[test]
fn every_committed_input_passes_its_check() {
    for (target, check) in TARGETS {
        let Ok(dir) = std::fs::read_dir(inputs(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            check(&std::fs::read(&path).unwrap());
        }
    }
}
