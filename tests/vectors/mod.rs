//! The golden vectors' files (tests/data/vectors/*.jsonl, made by tests/data/scripts/gen_vectors.py), read
//! for the tests that check against them. `GOLDEN=substring` keeps only the cases whose id contains it.

use serde_json::Value as Json;

/// The cases of `tests/data/vectors/{file}`, one JSON object per line.
pub fn cases(file: &str) -> Vec<Json> {
    let path = format!("{}/tests/data/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let filter = std::env::var("GOLDEN").unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Json>(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .filter(|c| c["id"].as_str().unwrap_or("").contains(&filter))
        .collect()
}
