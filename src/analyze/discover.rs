//! Theme discovery over records, before their analysis: the first of two passes.
//!
//! Discovery needs the corpus before it can assign themes: pass one analyses a sample
//! of the records (the first [`DEFAULT_SAMPLE`] by default) into a
//! [`Discovery`](crate::themes::discover::Discovery) table and finishes it into
//! themes; [`with_discovered`] compiles them with the analyzer's taxonomy, and pass two
//! (the caller's normal run) assigns them to every record like any taxonomy theme:
//! spans, per-mention sentiment, the index, the report.
//!
//! Memory does not grow with the input: pass one reads at most the sample, and its
//! table holds at most 100,000 candidates (lossy counting), each with at most 64
//! context words, 16 opinion words and 6 wordings (about 3 KB), so 300 MB in the
//! theoretical worst case; measured on the 348,779 Korean review lines of
//! `../shared/corpus/ko.txt` with a 200,000-record sample, discovery added 78 MB to
//! the run's peak RSS (306 MB against 228 MB without it). Pass two is the normal
//! streaming analysis. So `koe report` on 10M records holds the same memory as on 50k.

use std::convert::Infallible;

use super::pipeline::{self, BatchLimits, Outcome};
use super::{Analyzer, AnalyzerError};
use crate::ingest::Record;
use crate::themes::discover::{DiscoveredTheme, Discovery, to_taxonomy};
use crate::themes::{TaxonomyFile, ThemeMatcher};

/// Records analysed for discovery unless told otherwise: a theme with a share of 1%
/// shows 500 times, and pass one costs a few seconds whatever the input size.
pub const DEFAULT_SAMPLE: usize = 50_000;

/// Discovers up to `max` themes in `records` (pass one). `on_batch` is called after
/// every batch with the records analysed so far (for progress).
pub fn discover<I>(
    analyzer: &Analyzer,
    records: I,
    max: usize,
    mut on_batch: impl FnMut(u64),
) -> Vec<DiscoveredTheme>
where
    I: Iterator<Item = Record> + Send,
{
    let a = analyzer.with_discovery(true);
    let mut table = Discovery::default();
    let seen = std::cell::Cell::new(0u64);
    let _ = pipeline::run(
        &a,
        records.map(Ok),
        BatchLimits::default(),
        |_, _| Vec::new(),
        |outcome, _| {
            if let Outcome::Analysed(_, analysis) = outcome {
                table.add(&analysis.candidates);
                seen.set(seen.get() + 1);
            }
            Ok::<(), Infallible>(())
        },
        || on_batch(seen.get()),
    );
    table.finish(max, a.text())
}

/// The analyzer with `found` compiled into its taxonomy (pass two assigns them).
pub fn with_discovered(
    analyzer: &Analyzer,
    found: &[DiscoveredTheme],
) -> Result<Analyzer, AnalyzerError> {
    if found.is_empty() {
        return Ok(analyzer.with_discovery(false));
    }
    let mut file: TaxonomyFile = analyzer.themes().taxonomy().clone();
    file.merge(to_taxonomy(found));
    let matcher = ThemeMatcher::compile(file, analyzer.text(), "taxonomy + discovered themes")?;
    Ok(analyzer.with_themes(matcher).with_discovery(false))
}

/// Discovery and assignment over bare texts held in memory (an evaluation sample, a
/// notebook's list): each text is analysed once, in parallel; its candidates are
/// counted, the themes found are compiled, and every analysis is matched again.
pub fn discover_texts(
    analyzer: &Analyzer,
    texts: &[String],
    max: usize,
) -> Result<Discovered, AnalyzerError> {
    use rayon::prelude::*;
    let a = analyzer.with_discovery(true);
    let analysed: Vec<_> = texts
        .par_iter()
        .map_init(
            || a.worker(),
            |w, t| {
                let (ta, s) = w.analyze_text(t);
                let hits = a.themes().find(&ta, &s);
                let cands = crate::themes::discover::candidates(&ta, &s, &hits);
                (ta, s, cands)
            },
        )
        .collect();
    let mut table = Discovery::default();
    for (_, _, c) in &analysed {
        table.add(c);
    }
    let found = table.finish(max, a.text());
    let assigned = with_discovered(analyzer, &found)?;
    let themes = analysed
        .par_iter()
        .map(|(t, s, _)| {
            assigned
                .themes()
                .find(t, s)
                .into_iter()
                .map(|h| h.id)
                .collect()
        })
        .collect();
    Ok(Discovered {
        themes: found,
        per_text: themes,
    })
}

/// What [`discover_texts`] found.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The discovered themes.
    pub themes: Vec<DiscoveredTheme>,
    /// Per text, the ids of the themes it carries (the analyzer's taxonomy's and the
    /// discovered ones).
    pub per_text: Vec<Vec<std::sync::Arc<str>>>,
}
