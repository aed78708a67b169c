//! Theme metrics and the report from the index's columns: every matching record's
//! rating, date, sentiment, segments, themes with their sentiment, churn signal kinds
//! and support fields feed the same collector as `koe report`
//! ([`crate::report::Collector::add_facts`]), so the support and churn sections are
//! computed by the same code. Mentions and quotes need the text and the analysis,
//! which the index does not keep: their counts are records here.

use std::collections::HashMap;

use crate::index::{Cancel, IndexError, KoeIndex};
use crate::metrics::{Facts, MetricsConfig, Summary};
use crate::report::{Collector, Report, ReportMeta};
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
    Ok(report_from_index(index, themes, query, config, cancel)?.summary)
}

/// The JSON report of the records `query` matches, with its support and churn
/// sections (no discovery: that needs the text; no goals); stops with
/// [`IndexError::Cancelled`] soon after `cancel` is.
pub fn report_from_index(
    index: &KoeIndex,
    themes: &ThemeMatcher,
    query: &str,
    config: MetricsConfig,
    cancel: &Cancel,
) -> Result<Report, IndexError> {
    let mut langs = [0u64; 3];
    let ids: HashMap<&str, ThemeIdx> = themes
        .themes()
        .iter()
        .enumerate()
        .filter_map(|(i, t)| Some((&*t.id, ThemeIdx::try_from(i).ok()?)))
        .collect();
    let mut collector = Collector::new(themes, config);
    // Index segment columns are lower-cased.
    let segment = collector.segment().map(str::to_lowercase);
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
        // The segment value as `koe report` finds it (by name, else a synonym).
        let seg = match segment.as_deref() {
            Some("lang" | "language") => Some(f.lang.as_str()),
            Some(col) => crate::report::segment_in(
                f.segments.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                col,
            ),
            None => None,
        };
        let support = f.support.as_ref().map(|s| s.facts());
        collector.add_facts(
            &Facts {
                rating: f.rating,
                date: f.date,
                label: f.label,
                segment: seg,
                themes: &hits,
                id: "",
                text: "",
            },
            support.as_ref(),
            f.churn.iter().copied(),
        );
    })?;
    let meta = ReportMeta {
        title: "koe report".into(),
        // The labels of the records' dominant language.
        label_lang: crate::report::dominant_lang(langs[0], langs[1], langs[2]).into(),
        inputs: vec![index.path().display().to_string()],
        rejected: 0,
    };
    Ok(collector.finish(meta, &[], Vec::new()))
}
