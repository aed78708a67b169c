//! Self-calibration from the user's own ratings, written in plain Rust.
//!
//! The model is the scorer's own: a text's score is the sum of its lexicon hits, so
//! calibration learns *adjustments in lexicon units* (`δ`) for content lemmas and lemma
//! pairs, on top of the lexicon score, with a logistic loss:
//!
//! `logit P(positive) = b + a · (lexicon score + Σ δ_f)`
//!
//! `a` (logit per lexicon point) is fitted first on the lexicon score alone and then
//! held fixed, so `δ` is on the lexicon's own scale; `b` only absorbs the class balance
//! during training (classes are weighted to balance) and is not part of the overlay.
//! Each `δ` has a Gaussian prior of one lexicon point (`Settings::prior_sd`), so a word
//! seen in a handful of records can move only a little. The learned entries become a
//! readable lexicon overlay (`entry<TAB>score`) that the scorer uses like any other
//! lexicon, so the calibrated scores keep the rules (negation, contrast, ...) and the
//! evidence.
//!
//! Hygiene: punctuation, numbers, symbols and function words never become entries
//! (an entry needs a content word), and an entry of the lexicon keeps its sign unless
//! the records contradict it significantly (exact binomial test).
//!
//! Honesty: [`assess`] cross-validates the calibration against the plain lexicon *and*
//! a majority-class baseline on the same held-out folds, all as two-class predictions
//! (a text without evidence counts as the training folds' majority class), and
//! [`Assessment::kept`] keeps the overlay only when the gain is significant (one-sided
//! exact McNemar test on the held-out texts) and positive on every fold.

use std::collections::HashMap;

use super::grams::GramModel;
use super::{SentimentModel, TextSentiment, rules};
use crate::text::{Lang, Pos, TextAnalysis, Token};

/// One labelled text, as features.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Features (lexicon entries: content lemmas and lemma pairs) with their value in
    /// the text: the sum, over their occurrences, of what the scorer's rules make of
    /// one lexicon point there (negated: negative, intensified: larger, ...).
    pub features: Vec<(String, f32)>,
    /// The lexicon's raw score of the text (sum of evidence values).
    pub lexicon: f32,
    /// The text's character n-grams ([`super::grams::char_grams`]) as ids of a
    /// [`GramVocab`], sorted.
    pub grams: Vec<u32>,
    /// Positive?
    pub positive: bool,
}

/// Character n-grams seen in the rated texts, each given an id (so samples hold
/// numbers, not strings).
#[derive(Debug, Clone, Default)]
pub struct GramVocab {
    ids: HashMap<String, u32>,
    /// The n-gram of each id.
    pub strings: Vec<String>,
}

impl GramVocab {
    /// The ids of `grams` (new n-grams get new ids), sorted.
    pub fn ids(&mut self, grams: Vec<String>) -> Vec<u32> {
        let mut out: Vec<u32> = grams
            .into_iter()
            .map(|g| match self.ids.get(&g) {
                Some(&i) => i,
                None => {
                    let i = self.strings.len() as u32;
                    self.strings.push(g.clone());
                    self.ids.insert(g, i);
                    i
                }
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether a lemma is a word: it has a letter and no digit (so never punctuation, a
/// symbol, a number or `1回`).
fn wordlike(tok: &Token) -> bool {
    !matches!(tok.pos, Pos::Punct | Pos::Num | Pos::Sym)
        && tok.lemma.chars().any(char::is_alphabetic)
        && !tok.lemma.chars().any(char::is_numeric)
}

/// Whether a token may carry sentiment by itself: a word that is not a stopword,
/// negator, intensifier or contrast marker, and not a particle, auxiliary or pronoun.
fn content(lang: Lang, tok: &Token) -> bool {
    wordlike(tok)
        && !tok.stop
        && !tok.negator
        && matches!(
            tok.pos,
            Pos::Noun | Pos::Verb | Pos::Adj | Pos::Adv | Pos::X
        )
        && rules::intensity(lang, &tok.lemma).is_none()
        && !rules::is_contrast(lang, tok)
}

/// Candidate features of an analysed text (no label needed): content lemmas, and
/// pairs of a word and the next one (skipping up to two particles, as the scorer does
/// when it matches an entry) where at least one is a content word, i.e. exactly what a
/// lexicon entry can match. Sorted, without duplicates.
pub fn candidates(t: &TextAnalysis) -> Vec<String> {
    let mut features = Vec::new();
    for sent in &t.sentences {
        let lang = sent.lang;
        let toks: Vec<&Token> = t
            .sentence_tokens(sent)
            .iter()
            .filter(|x| x.pos != Pos::Punct)
            .collect();
        for (i, tok) in toks.iter().enumerate() {
            let own = content(lang, tok);
            if own {
                features.push(tok.lemma.to_string());
            }
            let starts = own || (wordlike(tok) && (tok.negator || tok.pos == Pos::Adv));
            if !starts {
                continue;
            }
            let mut j = i + 1;
            while j < toks.len() && j <= i + 2 && toks[j].pos == Pos::Part && !toks[j].negator {
                j += 1;
            }
            if let Some(next) = toks.get(j) {
                let other = content(lang, next);
                if other || (own && next.negator && wordlike(next)) {
                    features.push(format!("{} {}", tok.lemma, next.lemma));
                }
            }
        }
    }
    features.sort();
    features.dedup();
    features
}

/// Measures candidate features the way the scorer will see them once they are in a
/// lexicon: two probe lexicons (every frequent candidate word, every frequent pair,
/// each at one point) run through the scorer, so a feature's value in a text carries
/// the rules (a negated word counts −1, an intensified one more than 1, ...).
#[derive(Debug, Clone)]
pub struct Prober {
    words: SentimentModel,
    pairs: SentimentModel,
}

impl Prober {
    /// Probes for the candidates seen in at least `min_count` texts (`docs`: each
    /// text's [`candidates`]).
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a [String]>, min_count: usize) -> Prober {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for d in docs {
            for f in d {
                *counts.entry(f.as_str()).or_default() += 1;
            }
        }
        let (mut words, mut pairs) = (String::new(), String::new());
        let mut frequent: Vec<&str> = counts
            .into_iter()
            .filter(|(_, c)| *c >= min_count.max(1))
            .map(|(f, _)| f)
            .collect();
        frequent.sort_unstable();
        for f in frequent {
            let out = if f.contains(' ') {
                &mut pairs
            } else {
                &mut words
            };
            out.push_str(f);
            out.push_str("\t1\n");
        }
        Prober {
            words: SentimentModel::from_tsv(&words),
            pairs: SentimentModel::from_tsv(&pairs),
        }
    }

    /// The sample of a text: its probed features, its lexicon score and its label.
    pub fn sample(
        &self,
        text: &str,
        t: &TextAnalysis,
        s: &TextSentiment,
        positive: bool,
    ) -> Sample {
        let mut values: HashMap<String, f32> = HashMap::new();
        for probe in [&self.words, &self.pairs] {
            for e in probe.score(text, t).evidence {
                *values.entry(e.entry).or_default() += e.value;
            }
        }
        let mut features: Vec<(String, f32)> =
            values.into_iter().filter(|(_, v)| *v != 0.0).collect();
        features.sort_by(|a, b| a.0.cmp(&b.0));
        Sample {
            features,
            lexicon: s.evidence.iter().map(|e| e.value).sum(),
            grams: Vec::new(),
            positive,
        }
    }
}

/// Training and assessment settings. The defaults are chosen by principle, not by
/// looking at evaluation scores (see each field).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Features seen in fewer records are ignored (3: fewer cannot show a pattern).
    pub min_count: usize,
    /// Prior standard deviation of a learned adjustment, in lexicon points (1: one
    /// step on the lexicon's −4..4 scale).
    pub prior_sd: f32,
    /// Floor of the logit per lexicon point (0.5: a lexicon point is never worth less
    /// than odds ×1.65; used when the lexicon alone predicts nothing).
    pub min_logit_per_point: f32,
    /// Prior standard deviation of a character n-gram's weight, as a factor of its
    /// naive-Bayes log-count ratio (NB-SVM, Wang & Manning 2012: the features are
    /// scaled by that ratio and a regularised logistic regression learns how far to
    /// trust each one). 0.5: the data may halve or one-and-a-half an n-gram's own
    /// evidence, not more without many records; with hundreds of n-grams per text the
    /// sum stays of the order of the lexicon's scale. 0 turns the n-grams off.
    pub gram_prior_sd: f32,
    /// Coordinate-descent passes over the features (at most).
    pub passes: usize,
    /// Descent stops once no step of a pass is larger than this (logit units: a
    /// thousandth of a logit changes no prediction worth counting).
    pub tolerance: f64,
    /// Adjustments smaller than this (lexicon points) are left out of the overlay.
    pub min_score: f32,
    /// Folds of the cross-validation that decides whether to keep the overlay.
    pub folds: usize,
    /// Significance level of the gain (one-sided McNemar) and of a sign flip.
    pub alpha: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_count: 3,
            prior_sd: 1.0,
            gram_prior_sd: 0.5,
            min_logit_per_point: 0.5,
            passes: 30,
            tolerance: 1e-3,
            min_score: 0.25,
            folds: 5,
            alpha: 0.01,
        }
    }
}

/// One overlay entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlayEntry {
    /// The lemmas, space-separated (as in a lexicon file).
    pub entry: String,
    /// The calibrated score (lexicon units, −4..4).
    pub score: f32,
    /// The part of speech of the lexicon entry it replaces, if that entry has one.
    pub pos: Option<Pos>,
    /// The lexicon's score before calibration, if the entry was in the lexicon.
    pub base: Option<f32>,
    /// Training records that contain the entry.
    pub records: usize,
}

/// A learned overlay: entries with scores in lexicon units (−4..4), and the weights of
/// character n-grams in the same units.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// Entries, largest adjustment first.
    pub entries: Vec<OverlayEntry>,
    /// The character n-gram model (added to a text's lexicon score).
    pub grams: GramModel,
    /// Logit per lexicon point (the scale of the adjustments).
    pub logit_per_point: f32,
}

impl Overlay {
    /// The overlay as lexicon TSV (format version [`super::grams::OVERLAY_VERSION`]),
    /// with a header that says where it came from: the `@` lines (version, then the
    /// n-gram model), then the lexicon entries.
    pub fn to_tsv(&self, note: &str) -> String {
        let mut out = format!(
            "# koe calibration overlay: {note}\n# @gram lines: character n-gram<TAB>weight (lexicon units, added to a text's score once per n-gram it contains); @bias: added to every text with an n-gram\n# entry\tscore (lexicon units, -4..4)\tPOS of the lexicon entry it replaces\n"
        );
        out.push_str(&self.grams.to_lines());
        out.push_str(&self.entry_lines());
        out
    }

    /// The lexicon entries as lexicon TSV lines.
    fn entry_lines(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            match e.pos {
                Some(p) => out.push_str(&format!("{}\t{:.2}\t{p}\n", e.entry, e.score)),
                None => out.push_str(&format!("{}\t{:.2}\n", e.entry, e.score)),
            }
        }
        out
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ln of the binomial probability mass at 0..=n (p = success probability).
fn binomial_ln_pmf(n: usize, p: f64) -> Vec<f64> {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let mut out = Vec::with_capacity(n + 1);
    let mut ln = n as f64 * (1.0 - p).ln();
    out.push(ln);
    for i in 0..n {
        ln += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + p.ln() - (1.0 - p).ln();
        out.push(ln);
    }
    out
}

fn ln_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// P(X ≤ k) for X ~ Binomial(n, p).
pub fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    ln_sum_exp(&binomial_ln_pmf(n, p)[..=k]).exp().min(1.0)
}

/// One-sided exact McNemar test: the probability of at least `better` improvements
/// among `better + worse` discordant texts if either direction were equally likely.
pub fn mcnemar_p(better: usize, worse: usize) -> f64 {
    let n = better + worse;
    if better == 0 {
        return 1.0;
    }
    // P(X ≥ better) = P(X ≤ worse) by symmetry at p = 1/2.
    binomial_cdf(worse, n, 0.5)
}

/// What `train` may look up in the current lexicon: the score and POS of an entry.
pub type BaseLookup<'a> = &'a dyn Fn(&str) -> Option<(f32, Option<Pos>)>;

/// Trains on `samples` (indices `rows`) and returns the overlay; `base` gives the
/// current lexicon entry so the overlay states absolute scores.
pub fn train(
    samples: &[Sample],
    rows: &[usize],
    settings: Settings,
    base: BaseLookup,
    gram_vocab: &GramVocab,
) -> Overlay {
    let n = rows.len();
    // Document and positive counts per feature.
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for &r in rows {
        for (f, _) in &samples[r].features {
            let c = counts.entry(f.as_str()).or_default();
            c.0 += 1;
            c.1 += usize::from(samples[r].positive);
        }
    }
    let mut vocab: Vec<(&str, usize, usize)> = counts
        .iter()
        .filter(|(f, c)| c.0 >= settings.min_count.max(1) && additive(f, base))
        .map(|(f, c)| (*f, c.0, c.1))
        .collect();
    vocab.sort_unstable();
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, f)| (f.0, i)).collect();
    // Inverted lists: which rows (positions in `rows`) hold each feature, with its value.
    let mut docs: Vec<Vec<(u32, f64)>> = vec![Vec::new(); vocab.len()];
    for (p, &r) in rows.iter().enumerate() {
        for (f, v) in &samples[r].features {
            if let Some(&i) = index.get(f.as_str()) {
                docs[i].push((p as u32, f64::from(*v)));
            }
        }
    }
    let pos = rows.iter().filter(|&&r| samples[r].positive).count();
    let neg = n - pos;
    let y: Vec<f64> = rows
        .iter()
        .map(|&r| f64::from(u8::from(samples[r].positive)))
        .collect();
    // Balanced class weights.
    let c: Vec<f64> = rows
        .iter()
        .map(|&r| {
            let k = if samples[r].positive { pos } else { neg };
            n as f64 / (2.0 * k.max(1) as f64)
        })
        .collect();
    let lex: Vec<f64> = rows
        .iter()
        .map(|&r| f64::from(samples[r].lexicon.clamp(-12.0, 12.0)))
        .collect();
    let a = fit_scale(&lex, &y, &c).max(f64::from(settings.min_logit_per_point));
    // Character n-grams seen in `min_count` training records, scaled by their
    // naive-Bayes log-count ratio (add-one smoothing) on the training records.
    let mut gcounts: HashMap<u32, (usize, usize)> = HashMap::new();
    if settings.gram_prior_sd > 0.0 {
        for &r in rows {
            for &g in &samples[r].grams {
                let e = gcounts.entry(g).or_default();
                e.0 += 1;
                e.1 += usize::from(samples[r].positive);
            }
        }
    }
    let mut gvocab: Vec<(u32, usize, usize)> = gcounts
        .iter()
        .filter(|(_, c)| c.0 >= settings.min_count.max(1))
        .map(|(g, c)| (*g, c.0, c.1))
        .collect();
    gvocab.sort_unstable();
    let (sum_pos, sum_neg) = gvocab.iter().fold((0.0f64, 0.0f64), |acc, &(_, seen, p)| {
        (acc.0 + 1.0 + p as f64, acc.1 + 1.0 + (seen - p) as f64)
    });
    let ratio: Vec<f64> = gvocab
        .iter()
        .map(|&(_, seen, p)| {
            ((1.0 + p as f64) / sum_pos).ln() - ((1.0 + (seen - p) as f64) / sum_neg).ln()
        })
        .collect();
    let gindex: HashMap<u32, usize> = gvocab.iter().enumerate().map(|(i, g)| (g.0, i)).collect();
    let mut gdocs: Vec<Vec<u32>> = vec![Vec::new(); gvocab.len()];
    for (p, &r) in rows.iter().enumerate() {
        for g in &samples[r].grams {
            if let Some(&i) = gindex.get(g) {
                gdocs[i].push(p as u32);
            }
        }
    }
    let ginv = 1.0 / f64::from(settings.gram_prior_sd.max(1e-3)).powi(2);
    let mut w = vec![0.0f64; gvocab.len()];
    let mut bias = 0.0f64;
    // Coordinate Newton descent on b and δ (convex with a fixed).
    let inv_var = 1.0 / f64::from(settings.prior_sd.max(1e-3)).powi(2);
    let mut delta = vec![0.0f64; vocab.len()];
    let mut z: Vec<f64> = lex.iter().map(|l| a * l).collect();
    if pos > 0 && neg > 0 {
        for _ in 0..settings.passes.max(1) {
            let mut largest = 0.0f64;
            // Bias.
            let (mut g, mut h) = (0.0, 1e-9);
            for i in 0..n {
                let p = sigmoid(z[i]);
                g += c[i] * (p - y[i]);
                h += c[i] * p * (1.0 - p);
            }
            // The intercept only absorbs the class balance: it is not part of the overlay.
            let d = (-g / h).clamp(-2.0, 2.0);
            z.iter_mut().for_each(|v| *v += d);
            bias += d;
            largest = largest.max(d.abs());
            // Character n-grams (feature value: the log-count ratio).
            for (k, rows_k) in gdocs.iter().enumerate() {
                let x = ratio[k];
                let (mut g, mut h) = (w[k] * ginv, ginv);
                for &i in rows_k {
                    let i = i as usize;
                    let p = sigmoid(z[i]);
                    g += x * c[i] * (p - y[i]);
                    h += x * x * c[i] * p * (1.0 - p);
                }
                let d = (-g / h).clamp(-1.0, 1.0);
                if d != 0.0 {
                    w[k] += d;
                    for &i in rows_k {
                        z[i as usize] += d * x;
                    }
                }
                largest = largest.max(d.abs());
            }
            for (f, rows_f) in docs.iter().enumerate() {
                let (mut g, mut h) = (delta[f] * inv_var, inv_var);
                for &(i, x) in rows_f {
                    let i = i as usize;
                    let p = sigmoid(z[i]);
                    g += a * x * c[i] * (p - y[i]);
                    h += a * a * x * x * c[i] * p * (1.0 - p);
                }
                let d = (-g / h).clamp(-1.0, 1.0);
                if d != 0.0 {
                    delta[f] += d;
                    for &(i, x) in rows_f {
                        z[i as usize] += a * d * x;
                    }
                }
                largest = largest.max(d.abs());
            }
            if largest < settings.tolerance {
                break;
            }
        }
    }
    // What each word's adjustment is once written (entries below `min_score` are not).
    let min = f64::from(settings.min_score);
    let written = |w: &str| {
        index
            .get(w)
            .map(|&i| delta[i])
            .filter(|d| d.abs() >= min)
            .unwrap_or(0.0)
    };
    let rate = pos as f64 / n.max(1) as f64;
    let mut entries: Vec<OverlayEntry> = vocab
        .iter()
        .zip(&delta)
        .filter_map(|(&(f, seen, seen_pos), &d)| {
            if d.abs() < min {
                return None;
            }
            let found = base(f);
            let old = found.map_or(0.0, |x| f64::from(x.0));
            // A pair entry replaces the hits of its words when it matches: it carries
            // their adjustments too.
            let words = f
                .split_once(' ')
                .map_or(0.0, |(w1, w2)| written(w1) + written(w2));
            let mut score = (old + d + words).clamp(-4.0, 4.0);
            // Keep the lexicon's sign unless the records contradict it significantly.
            if old != 0.0 && score * old <= 0.0 {
                let contradicted = if old > 0.0 {
                    binomial_cdf(seen_pos, seen, rate) < settings.alpha
                } else {
                    binomial_cdf(seen - seen_pos, seen, 1.0 - rate) < settings.alpha
                };
                if !contradicted {
                    score = old.signum() * min.min(old.abs());
                }
            }
            let score = ((score * 100.0).round() / 100.0) as f32;
            if (f64::from(score) - old).abs() < min / 2.0 || score == 0.0 {
                return None;
            }
            Some(OverlayEntry {
                entry: f.to_string(),
                score,
                pos: found.and_then(|x| x.1),
                base: found.map(|x| x.0),
                records: seen,
            })
        })
        .collect();
    entries.sort_by(|x, y| {
        let dx = (x.score - x.base.unwrap_or(0.0)).abs();
        let dy = (y.score - y.base.unwrap_or(0.0)).abs();
        dy.total_cmp(&dx).then(x.entry.cmp(&y.entry))
    });
    // The n-gram model in lexicon points (logit / a); its intercept comes with it (the
    // n-gram weights were learned next to it), and nothing without n-grams.
    let mut grams = GramModel::default();
    for (k, &(g, _, _)) in gvocab.iter().enumerate() {
        let v = w[k] * ratio[k] / a;
        // Below a hundredth of a lexicon point: no effect worth a line.
        if v.abs() >= 0.01
            && let Some(s) = gram_vocab.strings.get(g as usize)
        {
            grams.weights.insert(s.clone(), v as f32);
        }
    }
    if !grams.weights.is_empty() {
        grams.bias = (bias / a) as f32;
    }
    Overlay {
        entries,
        grams,
        logit_per_point: a as f32,
    }
}

/// Whether a feature's adjustment adds to the text's score the way the model assumes:
/// a single word, a pair that is a lexicon entry, or a pair none of whose words is one
/// (an overlay pair replaces the hits of its words, and negation inside a pair is not
/// applied, so a pair over a scored word would not add up).
fn additive(feature: &str, base: BaseLookup) -> bool {
    match feature.split_once(' ') {
        None => true,
        Some((w1, w2)) => base(feature).is_some() || (base(w1).is_none() && base(w2).is_none()),
    }
}

/// Logistic regression of the label on the lexicon score alone (slope only matters):
/// Newton's method on (intercept, slope).
fn fit_scale(lex: &[f64], y: &[f64], c: &[f64]) -> f64 {
    let (mut b, mut a) = (0.0f64, 0.0f64);
    for _ in 0..25 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 1e-6, 0.0, 1e-6);
        for i in 0..lex.len() {
            let p = sigmoid(b + a * lex[i]);
            let e = c[i] * (p - y[i]);
            let w = c[i] * p * (1.0 - p);
            g0 += e;
            g1 += e * lex[i];
            h00 += w;
            h01 += w * lex[i];
            h11 += w * lex[i] * lex[i];
        }
        let det = h00 * h11 - h01 * h01;
        if det.abs() < 1e-12 {
            break;
        }
        let db = (h11 * g0 - h01 * g1) / det;
        let da = (h00 * g1 - h01 * g0) / det;
        b -= db.clamp(-5.0, 5.0);
        a -= da.clamp(-5.0, 5.0);
        if db.abs() + da.abs() < 1e-8 {
            break;
        }
    }
    if a.is_finite() { a } else { 0.0 }
}

/// k-fold split of `n` rows: (train, test) positions per fold (deterministic interleave).
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

/// The two-class prediction of a score: its sign, or `fallback` when it is 0 (no evidence).
pub fn predicts_positive(score: f32, fallback: bool) -> bool {
    if score == 0.0 { fallback } else { score > 0.0 }
}

/// Held-out figures of one fold (counts of right two-class predictions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FoldCounts {
    /// Held-out texts.
    pub n: usize,
    /// Right when always predicting the training folds' majority class.
    pub majority: usize,
    /// Right with the plain lexicon (no evidence: the majority class).
    pub plain: usize,
    /// Right with the calibrated lexicon (no evidence: the majority class).
    pub calibrated: usize,
}

/// The cross-validated verdict on a calibration.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Per fold.
    pub folds: Vec<FoldCounts>,
    /// Held-out texts the calibration got right and the plain lexicon wrong.
    pub better: usize,
    /// Held-out texts the calibration got wrong and the plain lexicon right.
    pub worse: usize,
    /// One-sided exact McNemar p-value of the gain.
    pub p_value: f64,
    /// Significance level the verdict uses.
    pub alpha: f64,
}

impl Assessment {
    fn total(&self, f: impl Fn(&FoldCounts) -> usize) -> f64 {
        let n: usize = self.folds.iter().map(|x| x.n).sum();
        self.folds.iter().map(f).sum::<usize>() as f64 / n.max(1) as f64
    }

    /// Held-out accuracy of the majority-class baseline.
    pub fn majority(&self) -> f64 {
        self.total(|f| f.majority)
    }

    /// Held-out two-class accuracy of the plain lexicon.
    pub fn plain(&self) -> f64 {
        self.total(|f| f.plain)
    }

    /// Held-out two-class accuracy of the calibrated lexicon.
    pub fn calibrated(&self) -> f64 {
        self.total(|f| f.calibrated)
    }

    /// Folds on which the calibration was right more often than the plain lexicon.
    pub fn folds_gained(&self) -> usize {
        self.folds.iter().filter(|f| f.calibrated > f.plain).count()
    }

    /// Keep the overlay? Only when the gain is significant and positive on every fold.
    pub fn kept(&self) -> bool {
        !self.folds.is_empty()
            && self.p_value < self.alpha
            && self.folds_gained() == self.folds.len()
    }

    /// One line with the figures.
    pub fn summary(&self) -> String {
        let n: usize = self.folds.iter().map(|x| x.n).sum();
        format!(
            "{}-fold held-out accuracy on {n} rated texts (pos/neg; no evidence counts as the majority class): majority {:.4}, plain {:.4}, calibrated {:.4}; calibration right where plain was wrong on {}, wrong where plain was right on {} (McNemar p = {:.2e}); gain on {}/{} folds",
            self.folds.len(),
            self.majority(),
            self.plain(),
            self.calibrated(),
            self.better,
            self.worse,
            self.p_value,
            self.folds_gained(),
            self.folds.len()
        )
    }
}

/// Cross-validates the calibration on `rows` (indices into `texts`/`samples`/`plain`):
/// for each of `settings.folds` folds, learns an overlay on the other folds and scores
/// the fold through the scorer with it. `plain[i]` is the plain score of text `i`.
pub fn assess(
    model: &SentimentModel,
    texts: &[(&str, &TextAnalysis)],
    samples: &[Sample],
    plain: &[f32],
    rows: &[usize],
    settings: Settings,
    vocab: &GramVocab,
) -> Assessment {
    use rayon::prelude::*;
    let mut out = Assessment {
        alpha: settings.alpha,
        ..Assessment::default()
    };
    // The folds are independent: learned and scored in parallel.
    let per_fold: Vec<(FoldCounts, usize, usize)> = folds(rows.len(), settings.folds)
        .into_par_iter()
        .map(|(train_pos, test_pos)| {
            let train_rows: Vec<usize> = train_pos.iter().map(|&p| rows[p]).collect();
            let positives = train_rows.iter().filter(|&&r| samples[r].positive).count();
            let majority = 2 * positives >= train_rows.len();
            let overlay = train(samples, &train_rows, settings, &|e| model.entry(e), vocab);
            let calibrated = model.with_overlay(&overlay);
            let (mut f, mut better, mut worse) = (FoldCounts::default(), 0, 0);
            for p in test_pos {
                let r = rows[p];
                let gold = samples[r].positive;
                let (text, t) = texts[r];
                let plain_right = predicts_positive(plain[r], majority) == gold;
                let cal_right =
                    predicts_positive(calibrated.score(text, t).overall.score, majority) == gold;
                f.n += 1;
                f.majority += usize::from(majority == gold);
                f.plain += usize::from(plain_right);
                f.calibrated += usize::from(cal_right);
                better += usize::from(cal_right && !plain_right);
                worse += usize::from(plain_right && !cal_right);
            }
            (f, better, worse)
        })
        .collect();
    for (f, better, worse) in per_fold {
        out.folds.push(f);
        out.better += better;
        out.worse += worse;
    }
    out.p_value = mcnemar_p(out.better, out.worse);
    out
}

/// The samples of analysed texts with a known side, for [`train`] and [`assess`]:
/// candidate lemma features measured through the scorer (those seen in `min_count`
/// texts), the plain lexicon score, and the character n-grams. `items`: the text, its
/// analysis, its plain sentiment and its side.
pub fn samples(
    items: &[(&str, &TextAnalysis, &TextSentiment, bool)],
    min_count: usize,
) -> (Vec<Sample>, GramVocab) {
    use rayon::prelude::*;
    let found: Vec<(Vec<String>, Vec<String>)> = items
        .par_iter()
        .map(|(_, t, _, _)| (candidates(t), super::grams::char_grams(t)))
        .collect();
    let prober = Prober::new(found.iter().map(|x| x.0.as_slice()), min_count);
    let mut out: Vec<Sample> = items
        .par_iter()
        .map(|(text, t, s, positive)| prober.sample(text, t, s, *positive))
        .collect();
    let mut vocab = GramVocab::default();
    for (sample, (_, grams)) in out.iter_mut().zip(found) {
        sample.grams = vocab.ids(grams);
    }
    (out, vocab)
}

/// Why a calibration could not run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Cross-validation needs two folds at least.
    #[error("--folds needs at least 2 folds, got {0}")]
    Folds(usize),
    /// Too few rated texts to learn anything.
    #[error(
        "only {0} records have both text and a clearly positive or negative rating; calibration needs at least 20"
    )]
    TooFew(usize),
}

/// How [`fit`] learns and checks an overlay.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// Folds of the cross-validation that decides whether the overlay is kept.
    pub folds: usize,
    /// Words seen in fewer records are ignored.
    pub min_count: usize,
    /// Records used for the cross-validation (spread over the input; the overlay
    /// learns from all).
    pub cv_records: usize,
}

impl FitOptions {
    /// Refuses options no calibration can run with (fewer than 2 folds), before any
    /// input is read.
    pub fn check(&self) -> Result<(), CalibrationError> {
        if self.folds < 2 {
            return Err(CalibrationError::Folds(self.folds));
        }
        Ok(())
    }
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            folds: 5,
            min_count: 3,
            cv_records: 20_000,
        }
    }
}

/// What a calibration found.
#[derive(Debug)]
pub struct Calibration {
    /// The overlay learned from all rated texts (empty when not kept).
    pub overlay: Overlay,
    /// Rated texts with a clear side (pos/neg).
    pub records: usize,
    /// The cross-validated verdict.
    pub assessment: Assessment,
}

impl Calibration {
    /// Whether the overlay should be written and applied.
    pub fn kept(&self) -> bool {
        self.assessment.kept()
    }

    /// One line on what was measured (and learned).
    pub fn note(&self) -> String {
        format!(
            "{} rated records; {}",
            self.records,
            self.assessment.summary()
        )
    }

    /// The message when nothing is kept.
    pub fn refusal(&self) -> String {
        format!(
            "no reliable gain: the ratings do not predict the text's sentiment better than the lexicon does (a kept overlay needs a gain on every fold and McNemar p < {}); nothing learned. {}",
            self.assessment.alpha,
            self.note()
        )
    }
}

/// Calibrates `model` on texts with a known side (`true`: positive rating):
/// cross-validates the gain on (at most) `cv_records` of them spread over all, and
/// when the gain is reliable learns the overlay from all of them. `analyze` gives the
/// text analysis and plain sentiment of a text with a per-thread worker made by
/// `new_worker` (texts are analysed in parallel).
pub fn fit<T, W, A>(
    model: &SentimentModel,
    texts: &[(String, bool)],
    new_worker: W,
    analyze: A,
    options: FitOptions,
) -> Result<Calibration, CalibrationError>
where
    T: Send,
    W: Fn() -> T + Sync + Send,
    A: Fn(&mut T, &str) -> (TextAnalysis, TextSentiment) + Sync + Send,
{
    use rayon::prelude::*;
    options.check()?;
    if texts.len() < 20 {
        return Err(CalibrationError::TooFew(texts.len()));
    }
    let analysed: Vec<(TextAnalysis, TextSentiment)> = texts
        .par_iter()
        .map_init(&new_worker, |w, (text, _)| analyze(w, text))
        .collect();
    let items: Vec<(&str, &TextAnalysis, &TextSentiment, bool)> = texts
        .iter()
        .zip(&analysed)
        .map(|((text, positive), (t, s))| (text.as_str(), t, s, *positive))
        .collect();
    let (samples, vocab) = samples(&items, options.min_count);
    let plain: Vec<f32> = analysed.iter().map(|x| x.1.overall.score).collect();
    let settings = Settings {
        min_count: options.min_count,
        folds: options.folds,
        ..Settings::default()
    };
    let cv_texts: Vec<(&str, &TextAnalysis)> = texts
        .iter()
        .zip(&analysed)
        .map(|((t, _), (a, _))| (t.as_str(), a))
        .collect();
    let n = samples.len();
    let n_cv = n.min(options.cv_records.max(options.folds * 10));
    let rows: Vec<usize> = (0..n_cv).map(|i| i * n / n_cv).collect();
    let assessment = assess(model, &cv_texts, &samples, &plain, &rows, settings, &vocab);
    let overlay = if assessment.kept() {
        let all: Vec<usize> = (0..n).collect();
        train(&samples, &all, settings, &|e| model.entry(e), &vocab)
    } else {
        Overlay::default()
    };
    Ok(Calibration {
        overlay,
        records: n,
        assessment,
    })
}

impl SentimentModel {
    /// The current score and POS of a lexicon entry (as written in a lexicon file), if any.
    pub fn entry(&self, entry: &str) -> Option<(f32, Option<Pos>)> {
        let mut parts = entry.split(' ');
        let first = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        for lex in self.inner.iter() {
            if let Some(e) = lex.starting_with(first).iter().find(|e| {
                e.rest.len() == rest.len() && e.rest.iter().zip(&rest).all(|(a, b)| &**a == *b)
            }) {
                return Some((e.score, e.pos));
            }
        }
        None
    }

    /// The current score of a lexicon entry (as written in a lexicon file), if any.
    pub fn entry_score(&self, entry: &str) -> Option<f32> {
        self.entry(entry).map(|e| e.0)
    }

    /// A model with only the entries of `tsv` (made by us: it always parses).
    fn from_tsv(tsv: &str) -> SentimentModel {
        let mut lexicons: [super::Lexicon; 3] = Default::default();
        for lex in lexicons.iter_mut() {
            let _ = lex.add_text(std::path::Path::new("<probe>"), tsv);
        }
        SentimentModel {
            inner: std::sync::Arc::new(lexicons),
            grams: std::sync::Arc::default(),
        }
    }

    /// This model with an overlay's entries added to every language's lexicon and its
    /// n-gram model (replacing any loaded before).
    pub fn with_overlay(&self, overlay: &Overlay) -> SentimentModel {
        let tsv = overlay.entry_lines();
        let mut lexicons = (*self.inner).clone();
        for lex in lexicons.iter_mut() {
            // The overlay was produced by us: it always parses.
            let _ = lex.add_text(std::path::Path::new("<overlay>"), &tsv);
        }
        SentimentModel {
            inner: std::sync::Arc::new(lexicons),
            grams: std::sync::Arc::new(overlay.grams.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(n: usize, rare_every: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let positive = i % 2 == 0;
                let mut features = vec![
                    (if positive { "lovely" } else { "awful" }.to_string(), 1.0),
                    ("parcel".to_string(), 1.0),
                ];
                // A word seen a few times, always in positive texts.
                if i % rare_every == 0 && i < 3 * rare_every {
                    features.push(("rare".into(), 1.0));
                }
                Sample {
                    features,
                    lexicon: 0.0,
                    grams: Vec::new(),
                    positive,
                }
            })
            .collect()
    }

    #[test]
    fn learns_separating_words_and_shrinks_rare_ones() {
        let s = samples(200, 10);
        let rows: Vec<usize> = (0..s.len()).collect();
        let o = train(
            &s,
            &rows,
            Settings::default(),
            &|_| None,
            &GramVocab::default(),
        );
        let get = |w: &str| o.entries.iter().find(|e| e.entry == w).map(|e| e.score);
        assert!(get("lovely").unwrap() > 1.0, "{o:?}");
        assert!(get("awful").unwrap() < -1.0, "{o:?}");
        assert!(get("parcel").is_none(), "{o:?}");
        // Seen 3 times, all positive: a small step, nowhere near the cap.
        assert!(get("rare").is_none_or(|v| v.abs() < 1.0), "{o:?}");
        assert!(o.to_tsv("test").contains("lovely\t"));
    }

    #[test]
    fn keeps_the_lexicon_sign_without_strong_evidence() {
        // "fine" is +0.5 in the lexicon and appears in 3 negative texts only: the fit
        // pulls it below zero, but 3 texts are no strong evidence, so it stays positive.
        let mut s = samples(200, 1000);
        for x in s.iter_mut().filter(|x| !x.positive).take(3) {
            x.features = vec![("fine".into(), 1.0), ("parcel".into(), 1.0)];
            x.lexicon += 0.5;
        }
        let rows: Vec<usize> = (0..s.len()).collect();
        let base = |e: &str| (e == "fine").then_some((0.5f32, None));
        let o = train(&s, &rows, Settings::default(), &base, &GramVocab::default());
        let e = o.entries.iter().find(|e| e.entry == "fine").unwrap();
        assert!(e.score > 0.0 && e.score < 0.5, "{e:?}");
        // 60 of 60 negative texts: strong evidence, the sign may flip.
        let mut s = samples(400, 1000);
        for x in s.iter_mut().filter(|x| !x.positive).take(60) {
            x.features = vec![("fine".into(), 1.0), ("parcel".into(), 1.0)];
            x.lexicon += 2.0;
        }
        let rows: Vec<usize> = (0..s.len()).collect();
        let base = |e: &str| (e == "fine").then_some((2.0f32, None));
        let o = train(&s, &rows, Settings::default(), &base, &GramVocab::default());
        let e = o.entries.iter().find(|e| e.entry == "fine").unwrap();
        assert!(e.score < 0.0, "{e:?}");
    }

    #[test]
    fn statistics() {
        assert!((binomial_cdf(0, 1, 0.5) - 0.5).abs() < 1e-9);
        assert!((binomial_cdf(2, 4, 0.5) - 11.0 / 16.0).abs() < 1e-9);
        assert_eq!(binomial_cdf(5, 5, 0.3), 1.0);
        // 10 better, 0 worse: p = 2^-10.
        assert!((mcnemar_p(10, 0) - 1.0 / 1024.0).abs() < 1e-9);
        assert_eq!(mcnemar_p(0, 5), 1.0);
        assert!(mcnemar_p(50, 50) > 0.4);
        assert_eq!(folds(10, 5).len(), 5);
        assert!(predicts_positive(0.0, true) && !predicts_positive(-0.1, true));
    }
}
