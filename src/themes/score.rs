//! Scoring theme discovery against annotated aspects (`koe eval themes --aspects`).
//!
//! The standard metric of unsupervised aspect extraction with automatic mapping, the
//! same as `../shared/tools/themes-eval/eval.py`:
//! - every theme is a set of sentences; it is mapped to the gold category that is the
//!   majority label among its sentences that carry a scored category;
//! - for each gold category holding ≥ 2% of the sentences, the union of the themes
//!   mapped to it is scored against the sentences labelled with it (precision over the
//!   sentences of the union that carry any category); **macro-F1** is the mean F1;
//! - **coverage** is the share of sentences in at least one theme; a theme is **junk**
//!   with fewer than 3 sentences or a best precision under 0.4; **purity** is the
//!   size-weighted precision of the themes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// How a gold category is read from an aspect row's category and target columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoldLevel {
    /// The category column as it is.
    Category,
    /// The target column (the annotated feature), lower-cased.
    Target,
    /// The part of the category before `#` (`NULL` dropped): chABSA entities.
    Entity,
    /// The part after `#` (`general` dropped): chABSA attributes.
    Attribute,
}

impl GoldLevel {
    /// The scored label of one row, if any.
    pub fn label(self, category: &str, target: &str) -> Option<String> {
        let s = match self {
            GoldLevel::Category => category.trim().to_string(),
            GoldLevel::Target => target.trim().to_lowercase(),
            GoldLevel::Entity => {
                let e = category.split('#').next().unwrap_or("").trim();
                if e == "NULL" {
                    return None;
                }
                e.to_string()
            }
            GoldLevel::Attribute => {
                let a = category.split_once('#').map_or(category, |(_, a)| a).trim();
                if a == "general" {
                    return None;
                }
                a.to_string()
            }
        };
        // `NULL` marks a sentence without an aspect in ABSA data sets.
        (!s.is_empty() && s != "NULL").then_some(s)
    }
}

/// One theme after mapping.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MappedTheme {
    /// Theme id.
    pub id: String,
    /// Sentences in the theme.
    pub size: usize,
    /// The gold category it maps to.
    pub category: Option<String>,
    /// Precision of that mapping over its labelled sentences.
    pub precision: f64,
    /// Fewer than 3 sentences or precision under 0.4.
    pub junk: bool,
}

/// Precision, recall and F1 of one gold category.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryScore {
    /// Sentences labelled with it.
    pub support: usize,
    /// Themes mapped to it.
    pub themes: usize,
    /// Precision of the union of its themes.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// The discovery score of a set of themes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DiscoveryScore {
    /// Sentences.
    pub sentences: usize,
    /// Themes scored.
    pub themes: usize,
    /// Mean F1 over the scored categories.
    pub macro_f1: f64,
    /// Size-weighted precision of the themes.
    pub purity: f64,
    /// Share of sentences in at least one theme.
    pub coverage: f64,
    /// Junk themes.
    pub junk: usize,
    /// Per scored category (≥ 2% of the sentences).
    pub categories: BTreeMap<String, CategoryScore>,
    /// Every theme with its mapping.
    pub mapped: Vec<MappedTheme>,
}

/// Scores `themes` (id, member sentence indices) against `gold` (the scored labels of
/// each sentence).
pub fn score(themes: &[(String, Vec<usize>)], gold: &[BTreeSet<String>]) -> DiscoveryScore {
    let n = gold.len();
    let labelled: BTreeSet<usize> = (0..n).filter(|&i| !gold[i].is_empty()).collect();
    let mut freq: BTreeMap<&str, usize> = BTreeMap::new();
    for g in gold {
        for c in g {
            *freq.entry(c.as_str()).or_default() += 1;
        }
    }
    let scored: Vec<&str> = freq
        .iter()
        .filter(|(_, k)| **k as f64 >= 0.02 * n as f64)
        .map(|(c, _)| *c)
        .collect();
    let mut mapped = Vec::new();
    for (id, members) in themes {
        let mem: BTreeSet<usize> = members.iter().copied().filter(|&i| i < n).collect();
        let lab: Vec<usize> = mem
            .iter()
            .copied()
            .filter(|i| labelled.contains(i))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in &lab {
            for c in &gold[i] {
                *counts.entry(c.as_str()).or_default() += 1;
            }
        }
        // The majority category; ties go to the smaller name (as eval.py).
        let best = counts
            .iter()
            .min_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)))
            .map(|(c, k)| (c.to_string(), *k));
        let (category, precision) = match best {
            Some((c, k)) => (Some(c), k as f64 / lab.len() as f64),
            None => (None, 0.0),
        };
        mapped.push((
            mem,
            lab.len(),
            MappedTheme {
                id: id.clone(),
                size: members.len(),
                junk: members.len() < 3 || precision < 0.4,
                category,
                precision,
            },
        ));
    }
    let mut categories = BTreeMap::new();
    for c in &scored {
        let mut union: BTreeSet<usize> = BTreeSet::new();
        let mut count = 0;
        for (mem, _, m) in &mapped {
            if m.category.as_deref() == Some(*c) {
                union.extend(mem.iter().copied());
                count += 1;
            }
        }
        let gold_c: BTreeSet<usize> = (0..n).filter(|&i| gold[i].contains(*c)).collect();
        let tp = union.intersection(&gold_c).count();
        let den = union.intersection(&labelled).count();
        let p = if den > 0 { tp as f64 / den as f64 } else { 0.0 };
        let r = tp as f64 / gold_c.len().max(1) as f64;
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        categories.insert(
            c.to_string(),
            CategoryScore {
                support: gold_c.len(),
                themes: count,
                precision: p,
                recall: r,
                f1: f,
            },
        );
    }
    let covered: BTreeSet<usize> = mapped
        .iter()
        .flat_map(|(m, _, _)| m.iter().copied())
        .collect();
    let hit: f64 = mapped
        .iter()
        .map(|(_, lab, m)| (m.precision * *lab as f64).round())
        .sum();
    let lab_total: usize = mapped.iter().map(|(_, lab, _)| *lab).sum();
    DiscoveryScore {
        sentences: n,
        themes: themes.len(),
        macro_f1: if categories.is_empty() {
            0.0
        } else {
            categories.values().map(|c| c.f1).sum::<f64>() / categories.len() as f64
        },
        purity: if lab_total > 0 {
            hit / lab_total as f64
        } else {
            0.0
        },
        coverage: covered.len() as f64 / n.max(1) as f64,
        junk: mapped.iter().filter(|(_, _, m)| m.junk).count(),
        categories,
        mapped: mapped.into_iter().map(|(_, _, m)| m).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(rows: &[&[&str]]) -> Vec<BTreeSet<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_hand_computed_example() {
        // 10 sentences: a a a a b b b c - -
        let g = gold(&[
            &["a"],
            &["a"],
            &["a"],
            &["a"],
            &["b"],
            &["b"],
            &["b"],
            &["c"],
            &[],
            &[],
        ]);
        let themes = vec![
            ("t1".to_string(), vec![0, 1, 2, 4]), // a 3/4
            ("t2".to_string(), vec![5, 6, 8]),    // b 2/2 labelled
            ("t3".to_string(), vec![7]),          // c, junk (size 1)
        ];
        let s = score(&themes, &g);
        assert_eq!(s.sentences, 10);
        // a: P 3/4, R 3/4; b: P 2/2, R 2/3; c: P 1, R 1.
        let a = &s.categories["a"];
        assert!((a.precision - 0.75).abs() < 1e-9 && (a.recall - 0.75).abs() < 1e-9);
        let b = &s.categories["b"];
        assert!((b.precision - 1.0).abs() < 1e-9 && (b.recall - 2.0 / 3.0).abs() < 1e-9);
        let f_a = 0.75;
        let f_b = 2.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);
        assert!((s.macro_f1 - (f_a + f_b + 1.0) / 3.0).abs() < 1e-9);
        assert!((s.coverage - 0.8).abs() < 1e-9);
        assert_eq!(s.junk, 1);
        // purity: (3 + 2 + 1) / (4 + 2 + 1)
        assert!((s.purity - 6.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn gold_levels_read_the_columns() {
        assert_eq!(
            GoldLevel::Entity.label("company#sales", "x"),
            Some("company".into())
        );
        assert_eq!(GoldLevel::Entity.label("NULL#general", "x"), None);
        assert_eq!(GoldLevel::Attribute.label("company#general", "x"), None);
        assert_eq!(
            GoldLevel::Attribute.label("company#sales", "x"),
            Some("sales".into())
        );
        assert_eq!(
            GoldLevel::Target.label("Canon", "Battery Life"),
            Some("battery life".into())
        );
    }
}
