//! Shared test helpers.

use std::path::PathBuf;
use std::sync::OnceLock;

use koe::text::{LangHint, TextAnalysis, TextProcessor};

/// One processor per test binary: dictionaries load once.
pub fn processor() -> &'static TextProcessor {
    static P: OnceLock<TextProcessor> = OnceLock::new();
    P.get_or_init(|| TextProcessor::builder().build().expect("dictionaries load"))
}

/// Analyses `text` with a fresh worker.
pub fn analyze(text: &str, hint: LangHint) -> TextAnalysis {
    processor().new_worker().analyze(text, hint)
}

/// `surface/lemma/POS` per token, `!` marking negators, space-separated.
pub fn render(text: &str, a: &TextAnalysis) -> String {
    a.tokens
        .iter()
        .map(|t| {
            format!(
                "{}/{}/{}{}",
                &text[t.span.clone()],
                t.lemma,
                t.pos,
                if t.negator { "!" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The `koe` binary under test.
pub fn koe() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("koe").expect("koe binary")
}

/// The ids of a search answer's hits, sorted.
pub fn hit_ids(v: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}
