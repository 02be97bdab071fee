//! The `dissect` fuzz target: tests/fuzz_checks/dissect.rs says what it checks and how it reads its input. The
//! check lives with the main crate's tests, so that tests/fuzz_regressions.rs replays each input that failed
//! through exactly the code that found it.

#![no_main]

#[path = "../../tests/fuzz_checks/dissect.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
