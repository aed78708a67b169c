//! Sentiment: an explainable lexicon-and-rules scorer for Japanese, Korean and English.
//!
//! Every lexicon hit (a lemma or a lemma sequence from `dictionaries/sentiment/`) is
//! weighed by rules: negation with scope (not/never/n't; ない/ず/ません after the
//! predicate; 안/못 before, -지 않다/없다/아니다 after), intensifiers and downtoners,
//! contrast (the clause after but / けど / -지만 weighs more), conditionals and
//! questions (damped), exclamation marks, ALL CAPS and stretched words (boosted).
//! Sentence scores are normalised to [−1, 1]; the record score aggregates them with
//! position and contrast weighting. Each hit is reported as evidence.
//!
//! Per-span scores (`TextSentiment::span`) give a theme mention the sentiment of its
//! own clause or sentence.

pub mod calibrate;
pub mod churn;
pub mod eval;
pub mod grams;
pub mod lexicon;
mod rules;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use churn::{ChurnDetector, ChurnError, ChurnKind, ChurnSignal};
pub use lexicon::{Lexicon, LexiconError};

use crate::text::{Lang, Pos, TextAnalysis, Token, contains_bytes, same_bytes};

/// koe's Japanese lexicon, embedded at build time.
pub const BUILTIN_JA: &str = include_str!("../../dictionaries/sentiment/ja.tsv");
/// koe's Korean lexicon, embedded at build time.
pub const BUILTIN_KO: &str = include_str!("../../dictionaries/sentiment/ko.tsv");
/// koe's English lexicon, embedded at build time.
pub const BUILTIN_EN: &str = include_str!("../../dictionaries/sentiment/en.tsv");

/// Polarity label.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Negative.
    Neg,
    /// Neutral or mixed without a lean.
    Neu,
    /// Positive.
    Pos,
}

impl Label {
    /// `pos`, `neu`, `neg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Pos => "pos",
            Label::Neu => "neu",
            Label::Neg => "neg",
        }
    }

    /// The label of a score (|score| < 0.05 is neutral).
    pub fn of(score: f32) -> Label {
        if score >= 0.05 {
            Label::Pos
        } else if score <= -0.05 {
            Label::Neg
        } else {
            Label::Neu
        }
    }
}

impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pos" | "positive" | "1" | "+1" | "p" => Ok(Label::Pos),
            "neg" | "negative" | "0" | "-1" | "n" => Ok(Label::Neg),
            "neu" | "neutral" | "2" => Ok(Label::Neu),
            other => Err(format!(
                "unknown label '{other}' (expected pos, neg or neu)"
            )),
        }
    }
}

/// A score with its label and confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// Score in [−1, 1].
    pub score: f32,
    /// pos / neu / neg.
    pub label: Label,
    /// How sure the scorer is, in [0, 1] (0 when no evidence was found).
    pub confidence: f32,
}

impl Sentiment {
    /// No evidence.
    pub const NEUTRAL: Sentiment = Sentiment {
        score: 0.0,
        label: Label::Neu,
        confidence: 0.0,
    };
}

/// One lexicon hit and what the rules did to it.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Byte offset in the original text.
    pub start: usize,
    /// Byte end in the original text.
    pub end: usize,
    /// The lexicon entry that matched (lemmas).
    pub entry: String,
    /// Its lexicon score (−4..4).
    pub score: f32,
    /// Its contribution after the rules.
    pub value: f32,
    /// What the rules did: negated, intensified, downtoned, contrast-weak,
    /// contrast-strong, conditional, question, caps, stretched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<&'static str>,
}

/// The sentiment of a whole text.
#[derive(Debug, Clone, Serialize)]
pub struct TextSentiment {
    /// The record as a whole.
    #[serde(flatten)]
    pub overall: Sentiment,
    /// Per sentence, in order.
    pub sentences: Vec<Sentiment>,
    /// The hits, in order.
    pub evidence: Vec<Evidence>,
    /// Token index (first token of the hit) of each evidence entry.
    #[serde(skip)]
    pub hit_tokens: Vec<usize>,
    /// What a calibration overlay's character n-gram model added to the record's
    /// score (lexicon points, before squashing), when one is loaded; not part of the
    /// sentence scores or the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<f32>,
}

/// VADER-style squashing of a raw sum into [−1, 1].
fn squash(raw: f32) -> f32 {
    if raw == 0.0 {
        0.0
    } else {
        raw / (raw * raw + 15.0).sqrt()
    }
}

fn confidence(values: &[f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let pos: f32 = values.iter().filter(|v| **v > 0.0).sum();
    let neg: f32 = -values.iter().filter(|v| **v < 0.0).sum::<f32>();
    let total = pos + neg;
    if total == 0.0 {
        return 0.0;
    }
    let agreement = (pos - neg).abs() / total;
    let strength = 1.0 - (-(pos - neg).abs() / 3.0).exp();
    (strength * (0.5 + 0.5 * agreement)).clamp(0.0, 1.0)
}

impl TextSentiment {
    /// The sentiment of these evidence values (summed, squashed into [−1, 1]).
    pub fn from_values(values: &[f32]) -> Sentiment {
        let raw: f32 = values.iter().sum();
        let score = squash(raw);
        Sentiment {
            score,
            label: Label::of(score),
            confidence: confidence(values),
        }
    }

    /// Sentiment of the hits whose first token lies in `tokens` (a clause, a
    /// sentence, a theme mention's context).
    pub fn span(&self, tokens: Range<usize>) -> Sentiment {
        // Hits are in token order: two binary searches.
        let from = self.hit_tokens.partition_point(|&t| t < tokens.start);
        let to = self.hit_tokens.partition_point(|&t| t < tokens.end);
        let values: Vec<f32> = self
            .evidence
            .get(from..to.max(from))
            .unwrap_or(&[])
            .iter()
            .map(|e| e.value)
            .collect();
        Self::from_values(&values)
    }

    /// Sentiment of the hits whose first token lies in any of `ranges` (each hit
    /// counted once, however many ranges hold it).
    pub fn spans(&self, ranges: &[Range<usize>]) -> Sentiment {
        // Sorted, merged ranges and a binary search per hit: linear-logarithmic even
        // for a huge text with a million mentions.
        let mut sorted: Vec<Range<usize>> =
            ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
        sorted.sort_unstable_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
        for r in sorted {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let values: Vec<f32> = self
            .hit_tokens
            .iter()
            .zip(&self.evidence)
            .filter(|(t, _)| {
                let k = merged.partition_point(|r| r.end <= **t);
                merged.get(k).is_some_and(|r| r.contains(t))
            })
            .map(|(_, e)| e.value)
            .collect();
        Self::from_values(&values)
    }
}

/// Builder of a [`SentimentModel`].
#[derive(Debug, Clone)]
pub struct SentimentModelBuilder {
    builtin: bool,
    extra: Vec<PathBuf>,
}

impl Default for SentimentModelBuilder {
    fn default() -> Self {
        SentimentModelBuilder {
            builtin: true,
            extra: Vec::new(),
        }
    }
}

impl SentimentModelBuilder {
    /// Whether to load koe's own lexicons (on by default).
    pub fn builtin(mut self, on: bool) -> Self {
        self.builtin = on;
        self
    }

    /// Adds a lexicon file whose entries add to or override the built-in ones (all
    /// languages: entries are lemmas, which do not collide across scripts).
    pub fn lexicon(mut self, path: impl AsRef<Path>) -> Self {
        self.extra.push(path.as_ref().to_path_buf());
        self
    }

    /// Loads the lexicons.
    pub fn build(self) -> Result<SentimentModel, LexiconError> {
        let mut ja = Lexicon::default();
        let mut ko = Lexicon::default();
        let mut en = Lexicon::default();
        let mut grams = grams::GramModel::default();
        if self.builtin {
            ja.add_text(Path::new("dictionaries/sentiment/ja.tsv"), BUILTIN_JA)?;
            ko.add_text(Path::new("dictionaries/sentiment/ko.tsv"), BUILTIN_KO)?;
            en.add_text(Path::new("dictionaries/sentiment/en.tsv"), BUILTIN_EN)?;
        }
        for path in &self.extra {
            let text = crate::read_config(path).map_err(|e| LexiconError::Read {
                path: path.clone(),
                source: e,
            })?;
            for lex in [&mut ja, &mut ko, &mut en] {
                lex.add_text(path, &text)?;
            }
            grams.add_text(&text).map_err(|e| match e {
                grams::GramError::Parse { line, reason } => LexiconError::Parse {
                    path: path.clone(),
                    line,
                    reason,
                },
            })?;
        }
        Ok(SentimentModel {
            inner: Arc::new([ja, ko, en]),
            grams: Arc::new(grams),
        })
    }
}

/// The sentiment scorer (lexicons loaded once; cheap to clone; no per-thread state).
#[derive(Debug, Clone)]
pub struct SentimentModel {
    inner: Arc<[Lexicon; 3]>,
    /// A calibration's character n-gram model (empty without one).
    grams: Arc<grams::GramModel>,
}

struct Hit {
    first: usize,
    last: usize,
    entry: String,
    score: f32,
    value: f32,
    rules: Vec<&'static str>,
}

impl SentimentModel {
    /// A builder.
    pub fn builder() -> SentimentModelBuilder {
        SentimentModelBuilder::default()
    }

    /// Lexicon sizes (ja, ko, en).
    pub fn sizes(&self) -> [usize; 3] {
        [
            self.inner[0].len(),
            self.inner[1].len(),
            self.inner[2].len(),
        ]
    }

    fn lexicon(&self, lang: Lang) -> &Lexicon {
        match lang {
            Lang::Ja => &self.inner[0],
            Lang::Ko => &self.inner[1],
            _ => &self.inner[2],
        }
    }

    /// The lexicon to look a token up in: its own script's, English for Latin words,
    /// any for symbols and emoji.
    fn token_lexicons(&self, sentence_lang: Lang, t: &Token) -> [Option<&Lexicon>; 3] {
        if t.tag.starts_with("en:word") || t.tag == "en:neg" || t.tag == "en:clitic" {
            return [Some(self.lexicon(Lang::En)), None, None];
        }
        if t.pos == Pos::Sym || t.tag == "emoticon" || t.tag.starts_with("en:") {
            return [
                Some(self.lexicon(sentence_lang)),
                Some(&self.inner[2]),
                Some(&self.inner[0]),
            ];
        }
        [Some(self.lexicon(sentence_lang)), None, None]
    }

    /// Scores a text analysed by the text core.
    pub fn score(&self, text: &str, t: &TextAnalysis) -> TextSentiment {
        // Per sentence: its hits, exclamation boost, and whether it opens with contrast.
        let mut scored: Vec<(Vec<Hit>, f32, bool)> = t
            .sentences
            .iter()
            .map(|s| self.score_sentence(text, t, s.tokens.clone(), s.lang))
            .collect();
        // A sentence opening with "But ..." / "でも" / "하지만" weakens what came before.
        for i in 0..scored.len() {
            if scored[i].2 {
                for (hits, _, _) in scored.iter_mut().take(i) {
                    for h in hits.iter_mut() {
                        if !h.rules.contains(&"contrast-weak") {
                            h.value *= 0.5;
                            h.rules.push("contrast-weak");
                        }
                    }
                }
                for h in scored[i].0.iter_mut() {
                    if !h.rules.contains(&"contrast-strong") {
                        h.value *= 1.5;
                        h.rules.push("contrast-strong");
                    }
                }
            }
        }
        let n = scored.len();
        let mut sentences = Vec::with_capacity(n);
        let mut evidence = Vec::new();
        let mut hit_tokens = Vec::new();
        let mut all_values = Vec::new();
        let mut values: Vec<f32> = Vec::new();
        for (i, (hits, extra, _)) in scored.into_iter().enumerate() {
            values.clear();
            values.extend(hits.iter().map(|h| h.value));
            let raw: f32 = values.iter().sum();
            if raw != 0.0 && extra != 0.0 {
                values.push(extra * raw.signum());
            }
            sentences.push(TextSentiment::from_values(&values));
            // Later sentences weigh a little more (the conclusion of a review).
            let weight = if n > 1 {
                1.0 + 0.3 * i as f32 / (n - 1) as f32
            } else {
                1.0
            };
            all_values.extend(values.iter().map(|v| v * weight));
            // Evidence in token order (`span` binary-searches it).
            let mut hits = hits;
            hits.sort_by_key(|h| h.first);
            for h in hits {
                let start = t.tokens[h.first].span.start;
                let end = t.tokens[h.last].span.end;
                hit_tokens.push(h.first);
                evidence.push(Evidence {
                    start,
                    end,
                    entry: h.entry,
                    score: h.score,
                    value: h.value,
                    rules: h.rules,
                });
            }
        }
        // A calibration's text model adds its part to the record's score.
        let calibration = self.grams.contribution(t);
        all_values.extend(calibration);
        TextSentiment {
            overall: TextSentiment::from_values(&all_values),
            sentences,
            evidence,
            hit_tokens,
            calibration,
        }
    }

    /// Scores one sentence: its hits, the exclamation boost, and whether it opens with
    /// a contrast marker.
    fn score_sentence(
        &self,
        text: &str,
        t: &TextAnalysis,
        range: Range<usize>,
        lang: Lang,
    ) -> (Vec<Hit>, f32, bool) {
        let s = SentenceScorer::new(self, text, t, range, lang);
        let mut hits = s.lexicon_hits();
        let opener = s.weigh_contrast(&mut hits);
        s.damp_conditionals(&mut hits);
        s.damp_question(&mut hits);
        (hits, s.exclamation_boost(), opener)
    }
}

/// One sentence being scored: its tokens and what is known of each.
struct SentenceScorer<'a> {
    model: &'a SentimentModel,
    /// The original text (token spans point into it).
    text: &'a str,
    t: &'a TextAnalysis,
    /// The sentence's tokens.
    toks: &'a [Token],
    /// Index of the sentence's first token in the text.
    base: usize,
    lang: Lang,
    /// (contrast marker, intensity) per token, computed once.
    flags: Vec<(bool, Option<f32>)>,
    /// The tokens that are not punctuation, by index.
    content: Vec<usize>,
}

impl<'a> SentenceScorer<'a> {
    fn new(
        model: &'a SentimentModel,
        text: &'a str,
        t: &'a TextAnalysis,
        range: Range<usize>,
        lang: Lang,
    ) -> Self {
        let toks = &t.tokens[range.clone()];
        let flags = toks
            .iter()
            .map(|x| {
                (
                    rules::is_contrast(lang, x),
                    rules::intensity(lang, &x.lemma),
                )
            })
            .collect();
        let content = (0..toks.len())
            .filter(|&i| toks[i].pos != Pos::Punct)
            .collect();
        SentenceScorer {
            model,
            text,
            t,
            toks,
            base: range.start,
            lang,
            flags,
            content,
        }
    }

    /// Token `i` is a contrast marker (but, けど, 하지만).
    fn contrast(&self, i: usize) -> bool {
        self.flags[i].0
    }

    /// The intensifier or downtoner factor of token `i`.
    fn intensity(&self, i: usize) -> Option<f32> {
        self.flags[i].1
    }

    /// Token `i` ends a clause: punctuation and contrast markers.
    fn is_boundary(&self, i: usize) -> bool {
        self.toks[i].pos == Pos::Punct || self.contrast(i)
    }

    /// The lexicon hits of the sentence, each weighed by the rules around it
    /// (intensifiers, negation, stretched and shouted words).
    fn lexicon_hits(&self) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut k = 0;
        while k < self.content.len() {
            if self.predicate_follows(k) {
                k += 1;
                continue;
            }
            let Some((extra, score, entry)) = self.lookup(k) else {
                k += 1;
                continue;
            };
            hits.push(self.weigh(k, extra, score, entry));
            k += extra + 1;
        }
        hits
    }

    /// Korean noun + 하다/되다: the predicate (불친절하다) carries the score when the
    /// lexicon has it; the noun (불친절, content token `k`) is not counted as well.
    fn predicate_follows(&self, k: usize) -> bool {
        if self.lang != Lang::Ko {
            return false;
        }
        let Some(&next) = self.content.get(k + 1) else {
            return false;
        };
        let next = &self.toks[next];
        (next.tag.starts_with("XSV") || next.tag.starts_with("XSA"))
            && !self
                .model
                .lexicon(self.lang)
                .starting_with(&next.lemma)
                .is_empty()
    }

    /// The lexicon entry starting at content token `k`: how many more content
    /// tokens it spans, its score and its words.
    fn lookup(&self, k: usize) -> Option<(usize, f32, String)> {
        let i = self.content[k];
        let tok = &self.toks[i];
        // Function words only start multi-word entries ("no problem"), never score alone.
        let function_word = tok.negator || self.intensity(i).is_some() || self.contrast(i);
        for lex in self
            .model
            .token_lexicons(self.lang, tok)
            .into_iter()
            .flatten()
        {
            let norm = self.t.norm(tok);
            // The written form first: it is the more specific key (helpful vs help).
            let keys: [&str; 2] = [norm, &tok.lemma];
            // Most lemmas are their written form: look such a key up once.
            let distinct = if norm == &*tok.lemma { 1 } else { 2 };
            for &key in &keys[..distinct] {
                for e in lex.starting_with(key) {
                    if e.pos.is_some_and(|p| p != tok.pos) || (function_word && e.rest.is_empty()) {
                        continue;
                    }
                    if let Some(pos) = self.match_rest(k, &e.rest) {
                        let mut entry = key.to_string();
                        for r in &e.rest {
                            entry.push(' ');
                            entry.push_str(r);
                        }
                        return Some((pos - k, e.score, entry));
                    }
                }
            }
        }
        None
    }

    /// The rest of a multi-word entry after content token `k`, in order; particles,
    /// endings and intensifiers of the text may sit between its words (돈이 아깝다 for
    /// `돈 아깝다`, 사진이랑 완전 달라요), at most two per gap. Returns the content
    /// index of its last word.
    fn match_rest<S: AsRef<str>>(&self, k: usize, rest: &[S]) -> Option<usize> {
        let mut pos = k;
        for want in rest {
            let want = want.as_ref().as_bytes();
            let mut skipped = 0;
            loop {
                pos += 1;
                let &ti = self.content.get(pos)?;
                let tj = &self.toks[ti];
                if same_bytes(tj.lemma.as_bytes(), want) || same_bytes(self.t.norm_bytes(tj), want)
                {
                    break;
                }
                let skippable =
                    (tj.pos == Pos::Part && !tj.negator) || self.intensity(ti).is_some();
                skipped += 1;
                if !skippable || skipped > 2 {
                    return None;
                }
            }
        }
        Some(pos)
    }

    /// The hit of an entry found at content token `k` spanning `extra` more, with the
    /// rules around it applied to its score.
    fn weigh(&self, k: usize, extra: usize, score: f32, entry: String) -> Hit {
        let toks = self.toks;
        let i = self.content[k];
        let tok = &toks[i];
        // A Korean predicate on a 하다/되다 suffix covers its noun too (친절+했어요).
        let first = if self.lang == Lang::Ko
            && i > 0
            && (tok.tag.starts_with("XSV") || tok.tag.starts_with("XSA"))
            && toks[i - 1].span.end == tok.span.start
            && toks[i - 1].pos == Pos::Noun
        {
            i - 1
        } else {
            i
        };
        let last = self.content[k + extra];
        let mut value = score;
        let mut rules_applied = Vec::new();
        if let Some(m) = self.modifier_before(first) {
            value *= m;
            rules_applied.push(if m >= 1.0 { "intensified" } else { "downtoned" });
        }
        if self.negations(first, last) % 2 == 1 {
            value *= -0.75;
            rules_applied.push("negated");
        }
        if self.stretched(first, last) {
            value *= 1.2;
            rules_applied.push("stretched");
        }
        if self.shouted(first, last) {
            value *= 1.4;
            rules_applied.push("caps");
        }
        Hit {
            first: self.base + first,
            last: self.base + last,
            entry,
            score,
            value,
            rules: rules_applied,
        }
    }

    /// The intensifier or downtoner just before token `first` (same clause, at most
    /// three content words back).
    fn modifier_before(&self, first: usize) -> Option<f32> {
        let mut j = first;
        let mut steps = 0;
        while j > 0 && steps < 3 {
            j -= 1;
            let p = &self.toks[j];
            if self.is_boundary(j) {
                break;
            }
            if let Some(m) = self.intensity(j) {
                return Some(m);
            }
            if p.pos.is_content() && !p.negator {
                steps += 1;
            }
        }
        None
    }

    /// Negators of the tokens `first..=last`: before them (en, ko 안/못) and after
    /// them (ja, ko -지 않다/없다), within the clause.
    fn negations(&self, first: usize, last: usize) -> u32 {
        let (toks, lang) = (self.toks, self.lang);
        let mut negations = 0;
        let mut j = first;
        let mut steps = 0;
        while j > 0 && steps < 3 {
            j -= 1;
            let p = &toks[j];
            if self.is_boundary(j) {
                break;
            }
            if p.negator && !rules::negator_follows(lang, p) {
                negations += 1;
            }
            steps += 1;
        }
        let mut j = last + 1;
        let mut steps = 0;
        while j < toks.len() && steps < 6 {
            let p = &toks[j];
            if self.is_boundary(j) {
                break;
            }
            if p.negator && rules::negator_follows(lang, p) {
                negations += 1;
            } else if p.pos.is_content()
                && p.pos != Pos::Aux
                // わけ, こと, の (非自立 nouns and verbs) sit between double negations.
                && !(lang == Lang::Ja && contains_bytes(p.tag.as_bytes(), "非自立".as_bytes()))
            {
                // The negator must follow closely (良く|ない, 좋|지|않다).
                if lang != Lang::Ko || !p.tag.starts_with('V') {
                    break;
                }
            }
            j += 1;
            steps += 1;
        }
        negations
    }

    /// A word of the hit is stretched (soooo, すごーーい): two or more characters
    /// longer than its normalized form.
    fn stretched(&self, first: usize, last: usize) -> bool {
        (first..=last).any(|x| {
            let surface = &self.text[self.toks[x].span.clone()];
            surface.chars().count() >= self.t.norm(&self.toks[x]).chars().count() + 2
                && surface.chars().any(crate::text::is_alphabetic)
        })
    }

    /// An English hit written in capitals inside a sentence that has lower case.
    fn shouted(&self, first: usize, last: usize) -> bool {
        let toks = self.toks;
        let orig = &self.text[toks[first].span.start..toks[last].span.end];
        if self.lang == Lang::En
            && orig.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && orig
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
        {
            let sentence_text = &self.text[toks[0].span.start..toks[toks.len() - 1].span.end];
            return sentence_text.chars().any(char::is_lowercase);
        }
        false
    }

    /// Contrast inside the sentence: hits before the last marker weigh less, after it
    /// more ("Although it was cheap, it broke": the clause up to the first comma is
    /// weak). Returns whether the sentence opens with a marker (it then weakens the
    /// sentences before it).
    fn weigh_contrast(&self, hits: &mut [Hit]) -> bool {
        let toks = self.toks;
        let first_marker = (0..toks.len()).find(|&i| self.contrast(i));
        let last_marker = (0..toks.len()).rfind(|&i| self.contrast(i));
        let opener = first_marker.is_some_and(|m| toks[..m].iter().all(|x| x.pos == Pos::Punct));
        let Some(m) = last_marker else {
            return opener;
        };
        let concessive = rules::is_concessive_opener(self.lang, &toks[m].lemma)
            && toks[..m].iter().all(|x| x.pos == Pos::Punct);
        let split = if concessive {
            (m + 1..toks.len())
                .find(|&i| toks[i].pos == Pos::Punct)
                .unwrap_or(toks.len())
        } else if !opener || first_marker != last_marker {
            m
        } else {
            return opener;
        };
        for h in hits.iter_mut() {
            if h.first - self.base < split {
                h.value *= 0.5;
                h.rules.push("contrast-weak");
            } else {
                h.value *= 1.5;
                h.rules.push("contrast-strong");
            }
        }
        opener
    }

    /// Conditionals: en "if ..." damps the clause after; ja/ko damp the clause before.
    fn damp_conditionals(&self, hits: &mut [Hit]) {
        let toks = self.toks;
        for (ci, ct) in toks.iter().enumerate() {
            if !rules::is_conditional(self.lang, ct, self.t.norm(ct)) {
                continue;
            }
            let (lo, hi) = if rules::conditional_precedes(self.lang) {
                let end = (ci + 1..toks.len())
                    .find(|&i| toks[i].pos == Pos::Punct)
                    .unwrap_or(toks.len());
                (ci, end)
            } else {
                let start = (0..ci)
                    .rev()
                    .find(|&i| self.is_boundary(i))
                    .map_or(0, |i| i + 1);
                (start, ci)
            };
            for h in hits.iter_mut() {
                let f = h.first - self.base;
                if f >= lo && f < hi && !h.rules.contains(&"conditional") {
                    h.value *= 0.3;
                    h.rules.push("conditional");
                }
            }
        }
    }

    /// Questions are damped.
    fn damp_question(&self, hits: &mut [Hit]) {
        let (toks, t) = (self.toks, self.t);
        let question = toks
            .iter()
            .rev()
            .find(|x| x.pos != Pos::Sym)
            .is_some_and(|x| rules::is_question_end(self.lang, x, t.norm(x)))
            || toks.iter().rev().take(2).any(|x| t.norm(x).contains('?'));
        if question {
            for h in hits.iter_mut() {
                h.value *= 0.6;
                h.rules.push("question");
            }
        }
    }

    /// Exclamation marks add emphasis in the direction of the sentence.
    fn exclamation_boost(&self) -> f32 {
        let bangs = self
            .toks
            .iter()
            .map(|x| self.t.norm_bytes(x).iter().filter(|&&b| b == b'!').count())
            .sum::<usize>()
            .min(4);
        0.29 * bangs as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_squash() {
        assert_eq!(Label::of(0.3), Label::Pos);
        assert_eq!(Label::of(-0.3), Label::Neg);
        assert_eq!(Label::of(0.0), Label::Neu);
        assert!(squash(100.0) < 1.0 && squash(-100.0) > -1.0);
        assert_eq!(confidence(&[]), 0.0);
        assert!(confidence(&[2.0, 1.0]) > confidence(&[2.0, -1.5]));
    }
}
