//! Domain packs: which parts of the taxonomy apply to the data.
//!
//! The built-in taxonomy is a general *core* (price and value, staff attitude, quality,
//! waiting, praise) plus domain packs (`dictionaries/domains/*.toml`: support, e-commerce,
//! apps, hotels, restaurants, movies), each with a `[domain]` table whose `signals` are
//! words that mark feedback of that domain. [`detect`] picks the packs whose signals a
//! sample of the data actually uses, so a movie review is never matched against
//! refund or bug themes.

use serde::Serialize;

use super::taxonomy::{CategoryDef, Domains, Labels, TaxonomyFile, ThemeDef};
use super::{ThemeError, ThemeMatcher};
use crate::sentiment::{Sentiment, TextSentiment};
use crate::text::{LangHint, TextProcessor};

/// A pack is picked when at least this share of the sample uses its signals...
pub const MIN_SHARE: f64 = 0.05;
/// ...and at least this many records (one in a sample under [`SMALL`] records).
pub const MIN_RECORDS: u64 = 3;
/// Below this many records of a language, one record using a pack's signals picks it.
pub const SMALL: u64 = 50;
/// Records looked at by [`detect`].
pub const SAMPLE: usize = 2_000;

/// One language's line of a [`Detection`]: the language, its records, and per pack the
/// records that use its signals.
pub type LangCounts = (String, u64, Vec<(String, u64)>);

/// What [`detect`] found.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Detection {
    /// Records looked at.
    pub records: u64,
    /// Per language (`ja`, `ko`, `en`): records, and per pack the records that use its
    /// signals.
    pub counts: Vec<LangCounts>,
    /// The packs picked per language (share of that language's records ≥ [`MIN_SHARE`]
    /// and ≥ [`MIN_RECORDS`] records).
    pub picked: Domains,
}

/// A matcher with one theme per pack whose terms are its signals.
fn signal_matcher(
    packs: &[TaxonomyFile],
    text: &TextProcessor,
) -> Result<ThemeMatcher, ThemeError> {
    let mut file = TaxonomyFile {
        version: Some(1),
        categories: vec![CategoryDef {
            id: "domain".into(),
            label: Labels::default(),
        }],
        ..TaxonomyFile::default()
    };
    for p in packs {
        let Some(d) = &p.domain else { continue };
        if d.signals.is_empty() {
            continue;
        }
        file.themes.push(ThemeDef {
            id: d.id.clone(),
            category: "domain".into(),
            label: d.label.clone(),
            description: None,
            terms: d.signals.clone(),
            exclude: Default::default(),
            max_gap: Some(0),
            residual: false,
            extend: false,
            discovered: false,
            domains: Vec::new(),
        });
    }
    ThemeMatcher::compile(file, text, "domain signals")
}

/// How much of each record domain detection reads.
const HEAD: usize = 16 * 1024;

/// Picks the built-in packs whose signal words the texts use (the first [`SAMPLE`],
/// each up to its first 16 KiB).
pub fn detect<I>(texts: I, text: &TextProcessor) -> Result<Detection, ThemeError>
where
    I: IntoIterator<Item = String>,
{
    let packs = TaxonomyFile::builtin_packs();
    let matcher = signal_matcher(&packs, text)?;
    let langs = ["ja", "ko", "en"];
    let lang_index = |l: crate::text::Lang| match l {
        crate::text::Lang::Ja => 0,
        crate::text::Lang::Ko => 1,
        _ => 2,
    };
    let mut counts: Vec<Vec<u64>> = vec![vec![0; matcher.themes().len()]; 3];
    let mut per_lang = [0u64; 3];
    let mut worker = text.new_worker();
    let mut records = 0u64;
    let none = TextSentiment {
        overall: Sentiment::NEUTRAL,
        sentences: Vec::new(),
        evidence: Vec::new(),
        hit_tokens: Vec::new(),
        calibration: None,
    };
    for t in texts.into_iter().take(SAMPLE) {
        records += 1;
        // A record's domain shows in its first words: a long one is read only as far as
        // HEAD bytes (memory and time stay small whatever the record).
        let mut end = t.len().min(HEAD);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        let a = worker.analyze(&t[..end], LangHint::Auto);
        let li = lang_index(a.lang);
        per_lang[li] += 1;
        for hit in matcher.find(&a, &none) {
            if let Some(c) = counts[li].get_mut(hit.idx as usize) {
                *c += 1;
            }
        }
    }
    let ids: Vec<String> = matcher.themes().iter().map(|t| t.id.to_string()).collect();
    let mut picked = Domains::default();
    let mut table = Vec::new();
    for (li, lang) in langs.iter().enumerate() {
        let n = per_lang[li];
        // In a small sample one record is evidence enough.
        let min = if n < SMALL { 1 } else { MIN_RECORDS };
        let chosen: Vec<String> = ids
            .iter()
            .zip(&counts[li])
            .filter(|(_, c)| **c >= min && **c as f64 >= MIN_SHARE * n as f64)
            .map(|(id, _)| id.clone())
            .collect();
        match li {
            0 => picked.ja = chosen,
            1 => picked.ko = chosen,
            _ => picked.en = chosen,
        }
        table.push((
            lang.to_string(),
            n,
            ids.iter()
                .cloned()
                .zip(counts[li].iter().copied())
                .collect(),
        ));
    }
    Ok(Detection {
        records,
        counts: table,
        picked,
    })
}
