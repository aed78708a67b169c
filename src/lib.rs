//! # koe (声) — the voice of the customer, in Japanese, Korean and English
//!
//! koe turns raw customer feedback — review dumps, free-text survey answers,
//! support tickets — into sentiment, recurring themes, survey metrics and a
//! searchable complaint index.
//!
//! The library is organised by pipeline stage; see `ARCHITECTURE.md` for the map.
//!
//! * [`ingest`]: review dumps and survey exports (CSV, TSV, JSONL, JSON, text; gzip;
//!   any common encoding) → [`ingest::Record`]s, or rejects with a reason.
//! * [`analyze`]: the [`analyze::Analyzer`] (record → analysis), the streaming
//!   parallel pipeline and the output writers.
//! * [`sentiment`]: explainable lexicon + rules sentiment per record, sentence and span.
//! * [`themes`]: the theme taxonomy and matcher, discovery of unlisted themes.
//! * [`metrics`]: survey and theme metrics over analysed records (NPS, CSAT, trends,
//!   emerging themes, impact, quotes; support and churn figures).
//! * [`export`]: analysed records as bulk files for Elasticsearch / OpenSearch and
//!   Quickwit, with the index definition, carrying koe's lemmas and analysis.
//! * `python` (feature `python`): the Python package `koe` (pyo3; built with maturin).
//! * [`text`]: normalization, mojibake repair, language and sentence detection,
//!   tokenization with lemma and part of speech (lindera IPADIC / ko-dic, English
//!   by unicode-segmentation + rust-stemmers).
//!
//! Only the binary (`src/main.rs`, `src/cli/`) prints; the library returns values
//! and typed errors.

#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod analyze;
pub mod export;
pub mod index;
pub mod ingest;
pub mod metrics;
#[cfg(feature = "python")]
pub mod python;
pub mod report;
pub mod sentiment;
pub mod server;
pub mod text;
pub mod themes;

/// Largest configuration file koe reads (taxonomy, lexicon, goals, user dictionary):
/// a bigger one is refused with a clear error instead of filling memory
/// (`--taxonomy /dev/zero`).
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a configuration file as UTF-8, refusing one over [`MAX_CONFIG_BYTES`]
/// (counted while reading, so endless devices and pipes are caught too).
pub fn read_config(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is over {} MiB, too big for a configuration file (is it the right file?)",
                MAX_CONFIG_BYTES >> 20
            ),
        ));
    }
    Ok(text)
}
