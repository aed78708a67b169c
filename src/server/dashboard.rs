//! Theme metrics and the report from the index's columns: every matching record's
//! rating, date, sentiment, segments and themes with their sentiment feed the same
//! streaming aggregator as `koe report`. Mentions and quotes need the text and the
//! analysis, which the index does not keep: their counts are records here.

use std::collections::HashMap;

use crate::index::{Cancel, IndexError, KoeIndex};
use crate::metrics::{Facts, Metrics, MetricsConfig, Summary};
use crate::report::{Report, SCHEMA};
use crate::sentiment::Sentiment;
use crate::themes::{ThemeHit, ThemeIdx, ThemeMatcher};

/// Theme table, periods and segments of the records `query` matches (blank: all);
/// stops with [`IndexError::Cancelled`] soon after `cancel` is.
pub fn themes_from_index(
    index: &KoeIndex,
    themes: &ThemeMatcher,
    query: &str,
    config: MetricsConfig,
    cancel: &Cancel,
) -> Result<Summary, IndexError> {
    Ok(themes_and_lang(index, themes, query, config, cancel)?.0)
}

/// [`themes_from_index`] and the dominant language (ja, ko or en) of the records.
fn themes_and_lang(
    index: &KoeIndex,
    themes: &ThemeMatcher,
    query: &str,
    config: MetricsConfig,
    cancel: &Cancel,
) -> Result<(Summary, &'static str), IndexError> {
    let mut langs = [0u64; 3];
    let ids: HashMap<&str, ThemeIdx> = themes
        .themes()
        .iter()
        .enumerate()
        .filter_map(|(i, t)| Some((&*t.id, ThemeIdx::try_from(i).ok()?)))
        .collect();
    let segment = config.segment.clone().map(|s| s.to_lowercase());
    let mut m = Metrics::new(themes.themes().to_vec(), config);
    let mut hits: Vec<ThemeHit> = Vec::new();
    index.for_each_record_until(query, cancel, |f| {
        match f.lang.as_str() {
            "ja" => langs[0] += 1,
            "ko" => langs[1] += 1,
            "en" => langs[2] += 1,
            _ => {}
        }
        hits.clear();
        for (id, label) in &f.themes {
            if let Some((&id, &idx)) = ids.get_key_value(id.as_str()) {
                hits.push(ThemeHit {
                    id: id.into(),
                    idx,
                    sentiment: Sentiment {
                        score: 0.0,
                        label: *label,
                        confidence: 0.0,
                    },
                    mentions: Vec::new(),
                });
            }
        }
        let seg = match segment.as_deref() {
            Some("lang" | "language") => Some(f.lang.as_str()),
            Some(col) => f.segments.get(col).map(String::as_str),
            None => None,
        };
        m.add(&Facts {
            rating: f.rating,
            date: f.date,
            label: f.label,
            segment: seg,
            themes: &hits,
            id: "",
            text: "",
        });
    })?;
    Ok((
        m.finish(),
        crate::report::dominant_lang(langs[0], langs[1], langs[2]),
    ))
}

/// The JSON report of the records `query` matches (no discovery: that needs the
/// text); stops with [`IndexError::Cancelled`] soon after `cancel` is.
pub fn report_from_index(
    index: &KoeIndex,
    themes: &ThemeMatcher,
    query: &str,
    config: MetricsConfig,
    cancel: &Cancel,
) -> Result<Report, IndexError> {
    let (summary, lang) = themes_and_lang(index, themes, query, config, cancel)?;
    Ok(Report {
        domains: Vec::new(),
        schema: SCHEMA.to_string(),
        title: "koe report".into(),
        // The labels of the records' dominant language.
        label_lang: lang.into(),
        inputs: vec![index.path().display().to_string()],
        rejected: 0,
        summary,
        discovered: Vec::new(),
        goals: Vec::new(),
        // The index keeps no ticket times yet: support figures come from `koe report`.
        support: None,
        churn: None,
    })
}
