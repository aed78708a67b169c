//! Measuring theme assignment on labelled text: precision, recall and F1 per theme,
//! per language and overall (`koe eval themes`), and reading annotated aspects for
//! the discovery metric ([`super::score`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::ThemeHit;
use super::score::GoldLevel;

/// A line of a labelled file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Not the expected tab-separated columns.
    #[error("{line}: expected {expected}")]
    Columns {
        /// Line number (from 1).
        line: usize,
        /// What the line should hold.
        expected: &'static str,
    },
    /// A label names no theme of the taxonomy.
    #[error("{line}: theme '{theme}' is not in the taxonomy")]
    UnknownTheme {
        /// Line number (from 1).
        line: usize,
        /// The label.
        theme: String,
    },
}

/// Precision, recall and F1 of one theme, language or all.
#[derive(Debug, Default, Serialize, Clone, PartialEq)]
pub struct Prf {
    /// Records labelled with it.
    pub support: u64,
    /// Found and labelled.
    pub tp: u64,
    /// Found, not labelled.
    pub fp: u64,
    /// Labelled, not found.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// tp / (tp + fp) (1 when nothing was found).
    pub precision: f64,
    /// tp / (tp + fn) (1 when nothing was labelled).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Prf {
    fn count(&mut self, gold: bool, found: bool) {
        self.support += u64::from(gold);
        self.tp += u64::from(gold && found);
        self.fp += u64::from(!gold && found);
        self.fn_ += u64::from(gold && !found);
    }

    fn finish(&mut self) {
        self.precision = ratio(self.tp, self.tp + self.fp);
        self.recall = ratio(self.tp, self.tp + self.fn_);
        self.f1 = if self.precision + self.recall > 0.0 {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        } else {
            0.0
        };
    }
}

/// `a / b`, 1 when `b` is 0 (nothing to get wrong).
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One labelled record: `id<TAB>lang<TAB>themes<TAB>text`, themes comma-separated.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// Record id.
    pub id: String,
    /// Language label (for the per-language figures).
    pub lang: String,
    /// The themes a person assigned.
    pub themes: BTreeSet<String>,
    /// The text.
    pub text: String,
}

/// The four tab-separated columns of line `line` (the last one keeps any further tabs).
fn four_columns<'a>(
    text: &'a str,
    line: usize,
    expected: &'static str,
) -> Result<[&'a str; 4], EvalError> {
    let mut cols = text.splitn(4, '\t');
    match (cols.next(), cols.next(), cols.next(), cols.next()) {
        (Some(a), Some(b), Some(c), Some(d)) => Ok([a, b, c, d]),
        _ => Err(EvalError::Columns { line, expected }),
    }
}

/// Reads a labelled file's text (an `id\t…` header line and blank lines are
/// skipped); every label must be one of `known`.
pub fn read_labelled(body: &str, known: &BTreeSet<String>) -> Result<Vec<Labelled>, EvalError> {
    let mut out = Vec::new();
    for (i, line) in body.lines().enumerate() {
        if i == 0 && line.starts_with("id\t") || line.trim().is_empty() {
            continue;
        }
        let [id, lang, labels, text] = four_columns(
            line,
            i + 1,
            "4 tab-separated columns (id, lang, themes, text)",
        )?;
        let themes: BTreeSet<String> = labels
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if let Some(theme) = themes.iter().find(|t| !known.contains(*t)) {
            return Err(EvalError::UnknownTheme {
                line: i + 1,
                theme: theme.clone(),
            });
        }
        out.push(Labelled {
            id: id.to_string(),
            lang: lang.to_string(),
            themes,
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// A record whose themes were not exactly the labelled ones.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Record id.
    pub id: String,
    /// Labelled, not found.
    pub missed: Vec<String>,
    /// Found, not labelled.
    pub extra: Vec<String>,
    /// Every theme found with the terms that matched (`id[term; term]`).
    pub matched: Vec<String>,
    /// The text.
    pub text: String,
}

/// Theme assignment measured on labelled records.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentEval {
    /// Records measured.
    pub records: u64,
    /// Share of records whose themes are exactly the labelled ones.
    pub exact_match: f64,
    /// Over every (record, theme) pair.
    pub micro: Prf,
    /// Per language label.
    pub by_language: BTreeMap<String, Prf>,
    /// Per theme.
    pub by_theme: BTreeMap<String, Prf>,
    /// The records that were not exactly right (when asked for).
    pub errors: Vec<Miss>,
}

/// Measures `find` (the themes a text gets) on `rows`; keeps the wrong records when
/// `keep_errors`.
pub fn evaluate(
    rows: &[Labelled],
    mut find: impl FnMut(&str) -> Vec<ThemeHit>,
    keep_errors: bool,
) -> AssignmentEval {
    let mut micro = Prf::default();
    let mut by_theme: BTreeMap<String, Prf> = BTreeMap::new();
    let mut by_language: BTreeMap<String, Prf> = BTreeMap::new();
    let mut exact = 0u64;
    let mut errors = Vec::new();
    for row in rows {
        let hits = find(&row.text);
        let found: BTreeSet<String> = hits.iter().map(|h| h.id.to_string()).collect();
        let gold = &row.themes;
        if &found == gold {
            exact += 1;
        }
        let lang = by_language.entry(row.lang.clone()).or_default();
        for th in gold.union(&found) {
            let (g, p) = (gold.contains(th), found.contains(th));
            by_theme.entry(th.clone()).or_default().count(g, p);
            micro.count(g, p);
            lang.count(g, p);
        }
        if &found != gold && keep_errors {
            errors.push(Miss {
                id: row.id.clone(),
                missed: gold.difference(&found).cloned().collect(),
                extra: found.difference(gold).cloned().collect(),
                matched: hits
                    .iter()
                    .map(|h| {
                        let ts: Vec<&str> = h.mentions.iter().map(|m| &*m.term).collect();
                        format!("{}[{}]", h.id, ts.join("; "))
                    })
                    .collect(),
                text: row.text.clone(),
            });
        }
    }
    micro.finish();
    by_theme.values_mut().for_each(Prf::finish);
    by_language.values_mut().for_each(Prf::finish);
    let records = rows.len() as u64;
    AssignmentEval {
        records,
        exact_match: ratio(exact, records),
        micro,
        by_language,
        by_theme,
        errors,
    }
}

/// Annotated aspects (`polarity<TAB>category<TAB>target<TAB>sentence`, no header, one
/// row per opinion): the sentences in first-seen order and the gold labels of each at
/// `level`.
pub fn read_aspects(
    body: &str,
    level: GoldLevel,
) -> Result<(Vec<String>, Vec<BTreeSet<String>>), EvalError> {
    let mut order: Vec<String> = Vec::new();
    let mut gold: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let [_polarity, category, target, sentence] = four_columns(
            line,
            i + 1,
            "4 tab-separated columns (polarity, category, target, sentence)",
        )?;
        if !gold.contains_key(sentence) {
            order.push(sentence.to_string());
        }
        let g = gold.entry(sentence.to_string()).or_default();
        if let Some(label) = level.label(category, target) {
            g.insert(label);
        }
    }
    let labels = order
        .iter()
        .map(|s| gold.get(s).cloned().unwrap_or_default())
        .collect();
    Ok((order, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_of_counts() {
        let mut p = Prf::default();
        for (g, f) in [(true, true), (true, false), (false, true), (true, true)] {
            p.count(g, f);
        }
        p.finish();
        assert_eq!((p.support, p.tp, p.fp, p.fn_), (3, 2, 1, 1));
        assert!((p.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((p.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((p.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn labelled_lines_are_checked() {
        let known: BTreeSet<String> = ["a".to_string(), "b".to_string()].into();
        let rows =
            read_labelled("id\tlang\tthemes\ttext\n1\ten\ta, b\thello\n\n", &known).expect("valid");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].themes.len(), 2);
        assert!(matches!(
            read_labelled("1\ten\tc\thello\n", &known),
            Err(EvalError::UnknownTheme { line: 1, .. })
        ));
        assert!(matches!(
            read_labelled("x\n1\ten\thello\n", &known),
            Err(EvalError::Columns { line: 1, .. })
        ));
    }
}
