//! Self-calibration from the user's own ratings: an L2-regularised logistic
//! regression over lemma unigrams and bigrams plus the lexicon score, written in plain
//! Rust. The learned weights become a readable lexicon overlay (`entry<TAB>score`)
//! that the scorer uses like any other lexicon (`--lexicon overlay.tsv`), so the
//! calibrated scores keep the rules (negation, contrast, ...) and the evidence.

use std::collections::HashMap;

use super::{SentimentModel, TextSentiment};
use crate::text::{Pos, TextAnalysis};

/// One labelled text, as features.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Feature names: lemmas and lemma pairs (as lexicon entries).
    pub features: Vec<String>,
    /// The lexicon's raw score of the text (sum of evidence values).
    pub lexicon: f32,
    /// Positive?
    pub positive: bool,
}

/// Features of an analysed text: content lemmas and pairs of consecutive
/// non-punctuation lemmas, i.e. exactly what a lexicon entry can match.
pub fn sample(t: &TextAnalysis, s: &TextSentiment, positive: bool) -> Sample {
    let mut features = Vec::new();
    for sent in &t.sentences {
        let toks: Vec<&crate::text::Token> = t
            .sentence_tokens(sent)
            .iter()
            .filter(|x| x.pos != Pos::Punct)
            .collect();
        for (i, tok) in toks.iter().enumerate() {
            let useful = !tok.stop && !tok.negator && tok.pos != Pos::Num;
            if useful {
                features.push(tok.lemma.to_string());
            }
            if let Some(next) = toks.get(i + 1)
                && (useful || !next.stop)
                && next.pos != Pos::Num
            {
                features.push(format!("{} {}", tok.lemma, next.lemma));
            }
        }
    }
    features.sort();
    features.dedup();
    let lexicon = s.evidence.iter().map(|e| e.value).sum();
    Sample {
        features,
        lexicon,
        positive,
    }
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Features seen in fewer texts are ignored.
    pub min_count: usize,
    /// L2 strength.
    pub l2: f32,
    /// Passes over the data.
    pub epochs: usize,
    /// Overlay entries whose learned score is smaller than this are left out.
    pub min_score: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_count: 3,
            l2: 1e-4,
            epochs: 30,
            min_score: 0.25,
        }
    }
}

/// A learned overlay: entries with scores in lexicon units (−4..4).
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// (entry, score), strongest first.
    pub entries: Vec<(String, f32)>,
    /// Logit per lexicon point learned for the lexicon feature.
    pub lexicon_weight: f32,
}

impl Overlay {
    /// The overlay as lexicon TSV, with a header that says where it came from.
    pub fn to_tsv(&self, note: &str) -> String {
        let mut out =
            format!("# koe calibration overlay: {note}\n# entry\tscore (lexicon units, -4..4)\n");
        for (e, s) in &self.entries {
            out.push_str(&format!("{e}\t{s:.2}\n"));
        }
        out
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Trains on `samples` (indices `rows`) and returns the overlay; `base` gives the
/// current lexicon score of an entry so the overlay states absolute scores.
pub fn train(
    samples: &[Sample],
    rows: &[usize],
    settings: Settings,
    base: &dyn Fn(&str) -> Option<f32>,
) -> Overlay {
    // Vocabulary with document counts.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &r in rows {
        for f in &samples[r].features {
            *counts.entry(f.as_str()).or_default() += 1;
        }
    }
    let mut vocab: Vec<&str> = counts
        .iter()
        .filter(|(_, c)| **c >= settings.min_count)
        .map(|(f, _)| *f)
        .collect();
    vocab.sort_unstable();
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let xs: Vec<Vec<usize>> = rows
        .iter()
        .map(|&r| {
            samples[r]
                .features
                .iter()
                .filter_map(|f| index.get(f.as_str()).copied())
                .collect()
        })
        .collect();
    let pos = rows.iter().filter(|&&r| samples[r].positive).count().max(1) as f32;
    let neg = (rows.len() as f32 - pos).max(1.0);
    let mut w = vec![0.0f32; vocab.len()];
    let mut g2 = vec![1e-6f32; vocab.len()];
    let (mut a, mut ga2) = (0.5f32, 1e-6f32);
    let (mut b, mut gb2) = ((pos / neg).ln(), 1e-6f32);
    let lr = 0.1f32;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut seed = 0x9E37_79B9_u64;
    for _ in 0..settings.epochs {
        // Shuffle (deterministic).
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &o in &order {
            let s = &samples[rows[o]];
            let x = &xs[o];
            let lex = s.lexicon.clamp(-12.0, 12.0);
            let z = b + a * lex + x.iter().map(|&i| w[i]).sum::<f32>();
            let y = if s.positive { 1.0 } else { 0.0 };
            // Balanced classes.
            let weight = if s.positive {
                rows.len() as f32 / (2.0 * pos)
            } else {
                rows.len() as f32 / (2.0 * neg)
            };
            let err = (sigmoid(z) - y) * weight;
            for &i in x {
                let g = err + settings.l2 * w[i] * rows.len() as f32 / 100.0;
                g2[i] += g * g;
                w[i] -= lr * g / g2[i].sqrt();
            }
            let ga = err * lex;
            ga2 += ga * ga;
            a -= lr * ga / ga2.sqrt();
            gb2 += err * err;
            b -= lr * err / gb2.sqrt();
        }
    }
    let a = a.max(0.05);
    let mut entries: Vec<(String, f32)> = vocab
        .iter()
        .zip(&w)
        .filter_map(|(f, &wi)| {
            let delta = wi / a;
            if delta.abs() < settings.min_score {
                return None;
            }
            let score = (base(f).unwrap_or(0.0) + delta).clamp(-4.0, 4.0);
            (score.abs() >= settings.min_score)
                .then(|| (f.to_string(), (score * 100.0).round() / 100.0))
        })
        .collect();
    entries.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()).then(x.0.cmp(&y.0)));
    Overlay {
        entries,
        lexicon_weight: a,
    }
}

/// k-fold split of `n` rows: fold `f` of `k` (deterministic interleave).
pub fn folds(n: usize, k: usize) -> Vec<(Vec<usize>, Vec<usize>)> {
    let k = k.max(2);
    (0..k)
        .map(|f| {
            let test: Vec<usize> = (0..n).filter(|i| i % k == f).collect();
            let train: Vec<usize> = (0..n).filter(|i| i % k != f).collect();
            (train, test)
        })
        .collect()
}

/// k-fold cross-validation of the calibration: for each fold, learns an overlay on
/// the other folds and rescores the fold's texts through the scorer with it. Returns
/// the held-out calibrated score of every text (`texts[i]` = original text and its
/// analysis; `samples[i]` its features and label).
pub fn cross_validate(
    model: &SentimentModel,
    texts: &[(&str, &TextAnalysis)],
    samples: &[Sample],
    k: usize,
    settings: Settings,
) -> Vec<f32> {
    let mut scores = vec![0.0f32; texts.len()];
    for (train_rows, test_rows) in folds(texts.len(), k) {
        let overlay = train(samples, &train_rows, settings, &|e| model.entry_score(e));
        let calibrated = model.with_overlay(&overlay);
        for i in test_rows {
            let (text, t) = texts[i];
            scores[i] = calibrated.score(text, t).overall.score;
        }
    }
    scores
}

/// Share of texts whose score sign matches the label (0 counts as wrong).
pub fn strict_accuracy(scores: &[f32], samples: &[Sample]) -> f64 {
    let right = scores
        .iter()
        .zip(samples)
        .filter(|(s, x)| if x.positive { **s > 0.0 } else { **s < 0.0 })
        .count();
    right as f64 / scores.len().max(1) as f64
}

impl SentimentModel {
    /// The current score of a lexicon entry (as written in a lexicon file), if any.
    pub fn entry_score(&self, entry: &str) -> Option<f32> {
        let mut parts = entry.split(' ');
        let first = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        for lex in self.inner.iter() {
            if let Some(e) = lex.starting_with(first).iter().find(|e| {
                e.rest.len() == rest.len() && e.rest.iter().zip(&rest).all(|(a, b)| &**a == *b)
            }) {
                return Some(e.score);
            }
        }
        None
    }

    /// This model with an overlay's entries added to every language's lexicon.
    pub fn with_overlay(&self, overlay: &Overlay) -> SentimentModel {
        let tsv = overlay.to_tsv("in memory");
        let mut lexicons = (*self.inner).clone();
        for lex in lexicons.iter_mut() {
            // The overlay was produced by us: it always parses.
            let _ = lex.add_text(std::path::Path::new("<overlay>"), &tsv);
        }
        SentimentModel {
            inner: std::sync::Arc::new(lexicons),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separating_word() {
        let mut samples = Vec::new();
        for i in 0..200 {
            let positive = i % 2 == 0;
            let mut features = vec![
                if positive {
                    "lovely".to_string()
                } else {
                    "awful".to_string()
                },
                "the".to_string(),
            ];
            if i % 7 == 0 {
                features.push("noise".into());
            }
            samples.push(Sample {
                features,
                lexicon: 0.0,
                positive,
            });
        }
        let rows: Vec<usize> = (0..samples.len()).collect();
        let o = train(&samples, &rows, Settings::default(), &|_| None);
        let get = |w: &str| o.entries.iter().find(|e| e.0 == w).map(|e| e.1);
        assert!(get("lovely").unwrap() > 0.5, "{o:?}");
        assert!(get("awful").unwrap() < -0.5, "{o:?}");
        assert!(get("the").is_none_or(|s| s.abs() < 0.5));
        assert_eq!(folds(10, 5).len(), 5);
        assert!(o.to_tsv("test").contains("lovely\t"));
    }
}
