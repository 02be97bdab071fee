//! What each fuzz target checks of one input: the targets in fuzz/ include these files by path, and
//! tests/fuzz_regressions.rs replays through them every input that ever failed. Each check panics on what it
//! finds wrong; an input that is merely invalid passes.

pub mod build_dissect;
pub mod dissect;
pub mod language;
pub mod read_capture;
