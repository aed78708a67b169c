//! Measuring sentiment on labelled text (`koe eval sentiment`): strict and lenient
//! accuracy, the majority baseline, F1 per class and the confusion matrix; and what
//! calibration does on held-out folds (`--calibrate-split`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::calibrate::{self, Sample, Settings};
use super::{Label, SentimentModel, TextSentiment};
use crate::text::TextAnalysis;

/// Precision, recall and F1 of one class.
#[derive(Debug, Default, Serialize)]
pub struct ClassStats {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold rows of the class.
    pub support: u64,
}

/// Evaluation figures.
#[derive(Debug, Default, Serialize)]
pub struct EvalReport {
    /// The file.
    pub file: String,
    /// Rows scored.
    pub n: u64,
    /// Lines skipped (no label or no tab).
    pub skipped: u64,
    /// Right predictions over all rows; neu predicted for pos/neg counts as wrong.
    pub strict_accuracy: f64,
    /// Over pos/neg rows; a neu prediction counts as the majority class of those rows.
    pub lenient_accuracy: f64,
    /// Over pos/neg rows: always predicting their majority class.
    pub majority_baseline: f64,
    /// Share of rows with a non-zero score.
    pub coverage: f64,
    /// Mean F1 over the classes.
    pub macro_f1: f64,
    /// Per class.
    pub classes: BTreeMap<&'static str, ClassStats>,
    /// confusion[gold][predicted]
    pub confusion: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    /// Rows scored per second (one thread).
    pub rows_per_second: f64,
    /// Time scoring.
    pub seconds: f64,
}

/// One outer fold of `--calibrate-split`.
#[derive(Debug, Serialize)]
pub struct SplitFold {
    /// Held-out pos/neg rows.
    pub n: usize,
    /// Strict accuracy of the plain lexicon on them.
    pub plain_strict: f64,
    /// Strict accuracy after calibrating on the other folds.
    pub calibrated_strict: f64,
    /// Whether the calibration on the other folds kept its overlay.
    pub kept: bool,
    /// The inner cross-validation's summary that decided it.
    pub decision: String,
}

/// `--calibrate-split k`: for each of `k` folds of the pos/neg rows, runs the
/// calibration (with its keep-or-refuse decision) on the other folds and scores the
/// fold with the result. Returns every row's score (neutral rows keep the plain one).
pub fn calibrate_split(
    model: &SentimentModel,
    rows: &[(Label, String)],
    analyses: &[(TextAnalysis, TextSentiment)],
    plain: &[f32],
    k: usize,
) -> (Vec<f32>, Vec<SplitFold>) {
    let polar: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].0 != Label::Neu)
        .collect();
    let items: Vec<(&str, &TextAnalysis, &TextSentiment, bool)> = polar
        .iter()
        .map(|&i| {
            let (t, s) = &analyses[i];
            (rows[i].1.as_str(), t, s, rows[i].0 == Label::Pos)
        })
        .collect();
    let (samples, vocab): (Vec<Sample>, _) =
        calibrate::samples(&items, Settings::default().min_count);
    let texts: Vec<(&str, &TextAnalysis)> = polar
        .iter()
        .map(|&i| (rows[i].1.as_str(), &analyses[i].0))
        .collect();
    let plain_polar: Vec<f32> = polar.iter().map(|&i| plain[i]).collect();
    let settings = Settings::default();
    let mut scores = plain.to_vec();
    let mut out = Vec::new();
    let strict = |score: f32, positive: bool| {
        if positive { score > 0.0 } else { score < 0.0 }
    };
    for (train_rows, test_rows) in calibrate::folds(polar.len(), k) {
        let verdict = calibrate::assess(
            model,
            &texts,
            &samples,
            &plain_polar,
            &train_rows,
            settings,
            &vocab,
        );
        let kept = verdict.kept();
        let calibrated = kept.then(|| {
            let overlay =
                calibrate::train(&samples, &train_rows, settings, &|e| model.entry(e), &vocab);
            model.with_overlay(&overlay)
        });
        let (mut p, mut c) = (0usize, 0usize);
        for &j in &test_rows {
            let score = match &calibrated {
                Some(m) => m.score(texts[j].0, texts[j].1).overall.score,
                None => plain_polar[j],
            };
            scores[polar[j]] = score;
            p += usize::from(strict(plain_polar[j], samples[j].positive));
            c += usize::from(strict(score, samples[j].positive));
        }
        let n = test_rows.len().max(1) as f64;
        out.push(SplitFold {
            n: test_rows.len(),
            plain_strict: p as f64 / n,
            calibrated_strict: c as f64 / n,
            kept,
            decision: verdict.summary(),
        });
    }
    (scores, out)
}

/// Accuracy, F1 and the confusion matrix of `scores` (the sign is the prediction) on
/// labelled `rows`.
pub fn evaluate(
    file: &str,
    rows: &[(Label, String)],
    scores: &[f32],
    skipped: u64,
    seconds: f64,
) -> EvalReport {
    let mut r = EvalReport {
        file: file.into(),
        n: rows.len() as u64,
        skipped,
        seconds,
        ..EvalReport::default()
    };
    let (mut strict, mut lenient, mut covered) = (0u64, 0u64, 0u64);
    let polar = rows.iter().filter(|(g, _)| *g != Label::Neu).count();
    let positives = rows.iter().filter(|(g, _)| *g == Label::Pos).count();
    let majority = if 2 * positives >= polar {
        Label::Pos
    } else {
        Label::Neg
    };
    let labels = [Label::Pos, Label::Neg, Label::Neu];
    let mut confusion: BTreeMap<&'static str, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for ((gold, _), &score) in rows.iter().zip(scores) {
        let predicted = if score > 0.0 {
            Label::Pos
        } else if score < 0.0 {
            Label::Neg
        } else {
            Label::Neu
        };
        if score != 0.0 {
            covered += 1;
        }
        if predicted == *gold {
            strict += 1;
        }
        let lenient_pred = if predicted == Label::Neu {
            majority
        } else {
            predicted
        };
        if *gold != Label::Neu && lenient_pred == *gold {
            lenient += 1;
        }
        *confusion
            .entry(gold.as_str())
            .or_default()
            .entry(predicted.as_str())
            .or_default() += 1;
    }
    let n = rows.len().max(1) as f64;
    r.strict_accuracy = strict as f64 / n;
    r.lenient_accuracy = lenient as f64 / polar.max(1) as f64;
    let majority_right = if majority == Label::Pos {
        positives
    } else {
        polar - positives
    };
    r.majority_baseline = majority_right as f64 / polar.max(1) as f64;
    r.coverage = covered as f64 / n;
    let mut f1s = Vec::new();
    for l in labels {
        let support = rows.iter().filter(|(g, _)| *g == l).count() as u64;
        let tp = confusion
            .get(l.as_str())
            .and_then(|m| m.get(l.as_str()))
            .copied()
            .unwrap_or(0);
        let predicted: u64 = confusion.values().filter_map(|m| m.get(l.as_str())).sum();
        if support == 0 && predicted == 0 {
            continue;
        }
        let precision = if predicted > 0 {
            tp as f64 / predicted as f64
        } else {
            0.0
        };
        let recall = if support > 0 {
            tp as f64 / support as f64
        } else {
            0.0
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        if support > 0 {
            f1s.push(f1);
        }
        r.classes.insert(
            l.as_str(),
            ClassStats {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    r.macro_f1 = if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    };
    r.confusion = confusion;
    r.rows_per_second = rows.len() as f64 / seconds.max(1e-9);
    r
}
