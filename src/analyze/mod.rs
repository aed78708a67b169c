//! Record analysis: a [`Record`] in, an [`Analysis`] out. Built once
//! (`Analyzer::builder().build()?`), shared behind `Arc`, with per-thread scratch
//! through [`Analyzer::worker`].
//!
//! The analysis carries language, mojibake status, sentences, token count,
//! keyphrases and sentiment with its evidence; themes join it as they land. The JSON shape is
//! versioned: [`SCHEMA`].

pub mod discover;
pub mod output;
pub mod pipeline;
pub mod run;

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::ingest::Record;
use crate::sentiment::{
    ChurnDetector, ChurnError, ChurnSignal, LexiconError, SentimentModel, TextSentiment,
};
use crate::text::{
    Lang, LangHint, MojibakeStatus, Pos, TextAnalysis, TextError, TextProcessor, TextWorker,
};
use crate::themes::discover::Candidate;
use crate::themes::{ThemeError, ThemeHit, ThemeMatcher};

/// Errors building an [`Analyzer`].
#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    /// Dictionaries.
    #[error(transparent)]
    Text(#[from] TextError),
    /// Lexicons.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// Theme taxonomy.
    #[error(transparent)]
    Theme(#[from] ThemeError),
    /// Churn cue lists.
    #[error(transparent)]
    Churn(#[from] ChurnError),
}

/// Version tag of the analysis JSON; bump it when the shape changes.
pub const SCHEMA: &str = "koe.analysis/2";

/// One analysed sentence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SentenceInfo {
    /// Byte offset in the record text.
    pub start: usize,
    /// Byte end in the record text.
    pub end: usize,
    /// Language.
    pub lang: Lang,
    /// Sentiment score of the sentence in [−1, 1].
    pub sentiment: f32,
}

/// What koe knows about one record.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Language of the text.
    pub lang: Lang,
    /// Mojibake status.
    pub mojibake: MojibakeStatus,
    /// What a repair undid, when repaired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<&'static str>,
    /// The record text after mojibake repair, when it was repaired (sentence offsets
    /// still point into the original text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired_text: Option<String>,
    /// Sentences (offsets into the record text).
    pub sentences: Vec<SentenceInfo>,
    /// Sentiment of the record, its sentences and the evidence.
    pub sentiment: TextSentiment,
    /// Number of tokens.
    pub tokens: usize,
    /// Salient noun phrases, most frequent first.
    pub keyphrases: Vec<String>,
    /// Themes of the taxonomy found in the text, each with its sentiment and mentions.
    pub themes: Vec<ThemeHit>,
    /// Churn signals (leaving, threatening or asking to leave), spans into the record
    /// text; serialized only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub churn: Vec<ChurnSignal>,
    /// Phrase candidates for theme discovery (only when the analyzer was built with
    /// discovery on).
    #[serde(skip)]
    pub candidates: Vec<Candidate>,
    /// Search terms for the index (only when the analyzer was built with
    /// `search_terms(true)`).
    #[serde(skip)]
    pub search_terms: Vec<crate::text::SearchTerm>,
    /// Dictionary nouns inside the compounds of the text, for search by part (with
    /// the search terms).
    #[serde(skip)]
    pub search_parts: Vec<std::sync::Arc<str>>,
}

/// Builder of an [`Analyzer`].
#[derive(Debug, Default)]
pub struct AnalyzerBuilder {
    text: Option<TextProcessor>,
    sentiment: Option<SentimentModel>,
    themes: Option<ThemeMatcher>,
    load_text: Option<crate::text::TextProcessorBuilder>,
    load_sentiment: Option<crate::sentiment::SentimentModelBuilder>,
    taxonomy: Option<(crate::themes::TaxonomyFile, String)>,
    discovery: bool,
    search_terms: bool,
    lang: LangHint,
}

impl AnalyzerBuilder {
    /// Uses this text processor (default: `TextProcessor::builder().build()`).
    pub fn text(mut self, text: TextProcessor) -> Self {
        self.text = Some(text);
        self
    }

    /// Uses this sentiment model (default: koe's lexicons).
    pub fn sentiment(mut self, model: SentimentModel) -> Self {
        self.sentiment = Some(model);
        self
    }

    /// Uses this compiled taxonomy (default: koe's built-in `dictionaries/themes.toml`).
    pub fn themes(mut self, themes: ThemeMatcher) -> Self {
        self.themes = Some(themes);
        self
    }

    /// Loads the text processor this builder describes when the analyzer is built
    /// (in parallel with the lexicons of [`AnalyzerBuilder::load_sentiment`]).
    pub fn load_text(mut self, text: crate::text::TextProcessorBuilder) -> Self {
        self.load_text = Some(text);
        self
    }

    /// Loads the sentiment model this builder describes when the analyzer is built.
    pub fn load_sentiment(mut self, model: crate::sentiment::SentimentModelBuilder) -> Self {
        self.load_sentiment = Some(model);
        self
    }

    /// Compiles this taxonomy (from `source`, named in errors) with the analyzer's text
    /// processor when the analyzer is built.
    pub fn taxonomy(mut self, file: crate::themes::TaxonomyFile, source: String) -> Self {
        self.taxonomy = Some((file, source));
        self
    }

    /// Makes this the analyzer of discovery's first pass (default off): it collects
    /// aspect candidates for theme discovery, and leaves out what that pass never reads
    /// (keyphrases and churn signals stay empty; they cost a fifth of an analysis).
    pub fn discovery(mut self, on: bool) -> Self {
        self.discovery = on;
        self
    }

    /// Also keeps the search terms the index needs (default off).
    pub fn search_terms(mut self, on: bool) -> Self {
        self.search_terms = on;
        self
    }

    /// Language choice for every record.
    pub fn lang(mut self, lang: LangHint) -> Self {
        self.lang = lang;
        self
    }

    /// Builds the analyzer (loads dictionaries and lexicons unless given).
    pub fn build(self) -> Result<Analyzer, AnalyzerError> {
        // The dictionaries and the lexicons load at the same time (both are start-up).
        let (text, sentiment) = rayon::join(
            || match self.text {
                Some(t) => Ok(t),
                None => self.load_text.unwrap_or_default().build(),
            },
            || match self.sentiment {
                Some(s) => Ok(s),
                None => self
                    .load_sentiment
                    .unwrap_or_else(SentimentModel::builder)
                    .build(),
            },
        );
        let (text, sentiment) = (text?, sentiment?);
        let themes = match (self.themes, self.taxonomy) {
            (Some(t), _) => t,
            (None, Some((file, source))) => ThemeMatcher::compile(file, &text, &source)?,
            (None, None) => ThemeMatcher::builtin(&text)?,
        };
        Ok(Analyzer {
            inner: Arc::new(Inner {
                text,
                sentiment,
                themes,
                churn: ChurnDetector::builtin()?,
                discovery: self.discovery,
                search_terms: self.search_terms,
                lang: self.lang,
            }),
        })
    }
}

#[derive(Debug, Clone)]
struct Inner {
    text: TextProcessor,
    sentiment: SentimentModel,
    themes: ThemeMatcher,
    churn: ChurnDetector,
    discovery: bool,
    search_terms: bool,
    lang: LangHint,
}

/// Shared, read-only analysis state (cheap to clone).
#[derive(Debug, Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

impl Analyzer {
    /// A builder.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The sentiment model in use.
    pub fn sentiment_model(&self) -> &SentimentModel {
        &self.inner.sentiment
    }

    /// The compiled taxonomy in use.
    pub fn themes(&self) -> &ThemeMatcher {
        &self.inner.themes
    }

    /// The text processor in use.
    pub fn text(&self) -> &TextProcessor {
        &self.inner.text
    }

    /// A copy of this analyzer with `change` applied to its shared state (the
    /// dictionaries, lexicons and taxonomy are shared, not reloaded).
    fn changed(&self, change: impl FnOnce(&mut Inner)) -> Analyzer {
        let mut inner = (*self.inner).clone();
        change(&mut inner);
        Analyzer {
            inner: Arc::new(inner),
        }
    }

    /// This analyzer with another sentiment model (e.g. with a calibration overlay).
    pub fn with_sentiment(&self, sentiment: SentimentModel) -> Analyzer {
        self.changed(|i| i.sentiment = sentiment)
    }

    /// This analyzer with another compiled taxonomy (e.g. with discovered themes).
    pub fn with_themes(&self, themes: ThemeMatcher) -> Analyzer {
        self.changed(|i| i.themes = themes)
    }

    /// This analyzer as discovery's first pass or not (see [`AnalyzerBuilder::discovery`]).
    pub fn with_discovery(&self, on: bool) -> Analyzer {
        self.changed(|i| i.discovery = on)
    }

    /// This analyzer, also keeping the search terms the index needs.
    pub fn with_search_terms(&self) -> Analyzer {
        self.changed(|i| i.search_terms = true)
    }

    /// Per-thread scratch.
    pub fn worker(&self) -> AnalyzerWorker {
        AnalyzerWorker {
            text: self.inner.text.new_worker(),
            sentiment: self.inner.sentiment.clone(),
            themes: self.inner.themes.clone(),
            churn: self.inner.churn.clone(),
            discovery: self.inner.discovery,
            search_terms: self.inner.search_terms,
            lang: self.inner.lang,
        }
    }
}

/// Per-thread analysis state.
pub struct AnalyzerWorker {
    text: TextWorker,
    sentiment: SentimentModel,
    themes: ThemeMatcher,
    churn: ChurnDetector,
    discovery: bool,
    search_terms: bool,
    lang: LangHint,
}

impl AnalyzerWorker {
    /// Analyses one record. Never fails: bad text gives an empty analysis.
    pub fn analyze(&mut self, record: &Record) -> Analysis {
        let text = record.text();
        if text.len() > LONG_TEXT {
            return self.analyze_long(&text);
        }
        let t = self.text.analyze(&text, self.lang);
        let sentiment = self.sentiment.score(&text, &t);
        let themes = self.themes.find(&t, &sentiment);
        let candidates = if self.discovery {
            crate::themes::discover::candidates(&t, &sentiment, &themes)
        } else {
            Vec::new()
        };
        Analysis {
            lang: t.lang,
            mojibake: t.mojibake,
            repair: t.repair,
            repaired_text: t.repaired.clone(),
            sentences: t
                .sentences
                .iter()
                .zip(&sentiment.sentences)
                .map(|(s, st)| SentenceInfo {
                    start: s.span.start,
                    end: s.span.end,
                    lang: s.lang,
                    sentiment: st.score,
                })
                .collect(),
            tokens: t.tokens.len(),
            keyphrases: if self.discovery {
                Vec::new()
            } else {
                keyphrases(&t, 8)
            },
            sentiment,
            themes,
            churn: if self.discovery {
                Vec::new()
            } else {
                self.churn.detect(&text, &t)
            },
            candidates,
            search_terms: if self.search_terms {
                crate::text::search_terms(&t)
            } else {
                Vec::new()
            },
            search_parts: if self.search_terms {
                self.text.compound_parts(&t)
            } else {
                Vec::new()
            },
        }
    }

    /// A long text, chunk by chunk ([`crate::text::CHUNK_BYTES`]): each chunk is scored
    /// and matched on its own and the results merged, so that memory holds one chunk's
    /// tokens, never the whole text's (a 1 MiB record took ~100 MB at once). Against the
    /// whole-text path: a contrast sentence does not weaken sentences of the previous
    /// chunk, and the later-sentences weight is by position in the text.
    fn analyze_long(&mut self, text: &str) -> Analysis {
        use std::collections::HashMap;
        let mut sentences: Vec<SentenceInfo> = Vec::new();
        let mut sent_scores: Vec<crate::sentiment::Sentiment> = Vec::new();
        let mut evidence = Vec::new();
        let mut hit_tokens = Vec::new();
        let mut weighted: Vec<f32> = Vec::new();
        let mut calibration: Option<f32> = None;
        let mut themes: Vec<(ThemeHit, f32, usize)> = Vec::new(); // hit, score sum, parts
        let mut candidates = Vec::new();
        let mut churn = Vec::new();
        let mut search_terms = Vec::new();
        let mut search_parts: Vec<std::sync::Arc<str>> = Vec::new();
        let mut phrases: HashMap<String, (usize, usize)> = HashMap::new();
        let mut lang_bytes: HashMap<Lang, usize> = HashMap::new();
        let mut tokens = 0usize;
        let (mut repaired, mut suspect) = (false, false);
        let mut repair = None;
        let mut repaired_text = String::new();
        let total = text.len().max(1) as f32;
        let hint = self.lang;
        // One chunk at a time: analyse, fold in, drop.
        for range in TextWorker::chunk_ranges(text) {
            let t = self.text.analyze_range(text, range.clone(), hint);
            let sentiment = self.sentiment.score(text, &t);
            let found = self.themes.find(&t, &sentiment);
            if self.discovery {
                candidates.extend(crate::themes::discover::candidates(&t, &sentiment, &found));
            } else {
                churn.extend(self.churn.detect(text, &t));
            }
            if self.search_terms {
                search_terms.extend(crate::text::search_terms(&t));
                for p in self.text.compound_parts(&t) {
                    if !search_parts.contains(&p) {
                        search_parts.push(p);
                    }
                }
            }
            let phrase_list = if self.discovery {
                Vec::new()
            } else {
                keyphrase_list(&t)
            };
            for (phrase, count, _) in phrase_list {
                let next = phrases.len();
                phrases.entry(phrase).or_insert((0, next)).0 += count;
            }
            let sent_base = sentences.len();
            let weight = 1.0 + 0.3 * (range.start as f32 / total);
            for (s, st) in t.sentences.iter().zip(&sentiment.sentences) {
                *lang_bytes.entry(s.lang).or_default() += s.span.len();
                sentences.push(SentenceInfo {
                    start: s.span.start,
                    end: s.span.end,
                    lang: s.lang,
                    sentiment: st.score,
                });
                sent_scores.push(*st);
            }
            weighted.extend(sentiment.evidence.iter().map(|e| e.value * weight));
            if let Some(c) = sentiment.calibration {
                *calibration.get_or_insert(0.0) += c;
            }
            hit_tokens.extend(sentiment.hit_tokens.iter().map(|h| h + tokens));
            evidence.extend(sentiment.evidence);
            for mut hit in found {
                for m in &mut hit.mentions {
                    m.sentence += sent_base;
                }
                match themes.iter_mut().find(|(h, _, _)| h.id == hit.id) {
                    Some((h, sum, n)) => {
                        *sum += hit.sentiment.score;
                        *n += 1;
                        h.mentions.extend(hit.mentions);
                    }
                    None => {
                        let score = hit.sentiment.score;
                        themes.push((hit, score, 1));
                    }
                }
            }
            tokens += t.tokens.len();
            repaired |= t.mojibake == MojibakeStatus::Repaired;
            suspect |= t.mojibake == MojibakeStatus::Suspect;
            repair = repair.or(t.repair);
            repaired_text.push_str(t.repaired.as_deref().unwrap_or(&text[range]));
        }
        weighted.extend(calibration);
        let overall = TextSentiment::from_values(&weighted);
        let mut keyphrases: Vec<(String, (usize, usize))> = phrases.into_iter().collect();
        keyphrases.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
        let lang = lang_bytes
            .into_iter()
            .max_by_key(|(l, n)| (*n, *l as u8))
            .map_or(Lang::Other, |(l, _)| l);
        Analysis {
            lang: match hint {
                LangHint::Fixed(l) => l,
                LangHint::Auto => lang,
            },
            mojibake: if repaired {
                MojibakeStatus::Repaired
            } else if suspect {
                MojibakeStatus::Suspect
            } else {
                MojibakeStatus::Clean
            },
            repair,
            repaired_text: repaired.then_some(repaired_text),
            sentences,
            tokens,
            keyphrases: keyphrases.into_iter().take(8).map(|(k, _)| k).collect(),
            sentiment: TextSentiment {
                overall,
                sentences: sent_scores,
                evidence,
                hit_tokens,
                calibration,
            },
            themes: themes
                .into_iter()
                .map(|(mut h, sum, n)| {
                    let score = sum / n as f32;
                    h.sentiment = crate::sentiment::Sentiment {
                        score,
                        label: crate::sentiment::Label::of(score),
                        confidence: h.sentiment.confidence,
                    };
                    h
                })
                .collect(),
            churn,
            candidates,
            search_terms,
            search_parts,
        }
    }

    /// The text analysis and sentiment of a bare text (for `koe sentiment`, `koe eval`).
    pub fn analyze_text(&mut self, text: &str) -> (TextAnalysis, TextSentiment) {
        let t = self.text.analyze(text, self.lang);
        let s = self.sentiment.score(text, &t);
        (t, s)
    }
}

/// Records longer than this are analysed chunk by chunk (see `analyze_long`).
pub const LONG_TEXT: usize = 256 * 1024;

/// Noun phrases: runs of content nouns (with leading adjectives in English), joined
/// as written in their language; most frequent first, then first seen.
pub fn keyphrases(t: &TextAnalysis, max: usize) -> Vec<String> {
    let mut found = keyphrase_list(t);
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    found.into_iter().take(max).map(|f| f.0).collect()
}

/// Every noun phrase of `t` with its count and the order of its first occurrence.
fn keyphrase_list(t: &TextAnalysis) -> Vec<(String, usize, usize)> {
    let mut found: Vec<(String, usize, usize)> = Vec::new(); // phrase, count, first index
    for s in &t.sentences {
        let toks = t.sentence_tokens(s);
        let mut i = 0;
        while i < toks.len() {
            let start = i;
            // English: adjectives may lead.
            while i < toks.len() && s.lang == Lang::En && toks[i].pos == Pos::Adj && !toks[i].stop {
                i += 1;
            }
            let nouns_from = i;
            while i < toks.len()
                && toks[i].pos == Pos::Noun
                && !toks[i].stop
                && is_word(t.norm(&toks[i]))
            {
                i += 1;
            }
            if i > nouns_from {
                let span: Range<usize> = start..i;
                let phrase = join(t, &toks[span]);
                if phrase.chars().count() >= 2 {
                    match found.iter_mut().find(|f| f.0 == phrase) {
                        Some(f) => f.1 += 1,
                        None => {
                            let n = found.len();
                            found.push((phrase, 1, n));
                        }
                    }
                }
            } else {
                i = start + 1;
            }
        }
    }
    found
}

fn is_word(s: &str) -> bool {
    s.chars().any(crate::text::is_alphabetic) && !s.chars().all(|c| c.is_ascii_alphabetic())
        || s.chars().filter(|&c| crate::text::is_alphabetic(c)).count() >= 2
}

fn join(t: &TextAnalysis, toks: &[crate::text::Token]) -> String {
    // Words plus a space between each: one allocation.
    let len = toks.iter().map(|tok| tok.norm.len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len);
    let mut last_end = None;
    for tok in toks {
        let norm = t.norm(tok);
        if let Some(end) = last_end
            && (tok.norm.start > end || norm.is_ascii())
            && !out.is_empty()
        {
            out.push(' ');
        }
        out.push_str(norm);
        last_end = Some(tok.norm.end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: String) -> Record {
        Record {
            id: "r".into(),
            texts: vec![(std::sync::Arc::from("text"), text)],
            rating: None,
            date: None,
            segments: Default::default(),
            segments_raw: Default::default(),
            support: None,
            origin: crate::ingest::Origin {
                file: std::sync::Arc::from("mem"),
                line: 1,
                record: 1,
            },
            warnings: Vec::new(),
        }
    }

    #[test]
    fn long_texts_chunk_by_chunk_agree_with_the_whole_text_path() {
        // The plain path (whole text at once) is the reference of the chunked one.
        let analyzer = Analyzer::builder().build().expect("dictionaries");
        let mut w = analyzer.worker();
        let unit = "配送が遅くて困りました。返金の対応は早かったです。The app crashes after the update. \
                    배송이 빨라서 좋아요. Support never answered my emails! ";
        let text = unit.repeat(150_000 / unit.len() + 1);
        assert!(text.len() > 2 * crate::text::CHUNK_BYTES && text.len() < LONG_TEXT);
        let whole = w.analyze(&record(text.clone()));
        let long = w.analyze_long(&text);
        assert_eq!(long.tokens, whole.tokens);
        assert_eq!(long.sentences.len(), whole.sentences.len());
        assert_eq!(
            long.sentiment.evidence.len(),
            whole.sentiment.evidence.len()
        );
        assert_eq!(long.sentiment.overall.label, whole.sentiment.overall.label);
        assert_eq!(long.lang, whole.lang);
        let ids = |a: &Analysis| {
            let mut v: Vec<String> = a.themes.iter().map(|t| t.id.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(ids(&long), ids(&whole));
        for (l, h) in long.themes.iter().zip(&whole.themes) {
            let h = whole.themes.iter().find(|x| x.id == l.id).unwrap_or(h);
            assert_eq!(l.mentions.len(), h.mentions.len(), "{}", l.id);
            assert_eq!(l.sentiment.label, h.sentiment.label, "{}", l.id);
        }
        assert_eq!(long.keyphrases, whole.keyphrases);
        for (a, b) in long.sentences.iter().zip(&whole.sentences) {
            assert_eq!((a.start, a.end), (b.start, b.end));
        }
    }

    #[test]
    fn discovery_pass_reads_candidates_and_skips_what_it_never_uses() {
        // Pass one of discovery only reads the candidates: it gets the same candidates,
        // sentiment and themes as a full analysis, without keyphrases or churn signals.
        let full = Analyzer::builder().build().expect("dictionaries");
        let pass = full.with_discovery(true);
        let with_candidates = |a: &Analyzer, text: &str| a.worker().analyze(&record(text.into()));
        for text in [
            "I am cancelling my subscription, the battery life is terrible.",
            "部屋は広いけど朝食がまずかったので解約します。",
            "배송이 느려서 해지했어요. 연기가 어색하다.",
        ] {
            let a = with_candidates(&pass, text);
            let b = with_candidates(&full.with_discovery(false), text);
            assert!(!a.candidates.is_empty(), "{text}");
            assert!(b.candidates.is_empty(), "{text}");
            assert!(a.churn.is_empty() && a.keyphrases.is_empty(), "{text}");
            assert!(!b.keyphrases.is_empty(), "{text}");
            assert_eq!(
                a.sentiment.overall.label, b.sentiment.overall.label,
                "{text}"
            );
            assert_eq!(
                a.sentiment.evidence.len(),
                b.sentiment.evidence.len(),
                "{text}"
            );
            assert_eq!(a.themes.len(), b.themes.len(), "{text}");
            // The chunked path of long texts agrees.
            let long = text.repeat(crate::text::CHUNK_BYTES / text.len() + 2);
            let l = pass.worker().analyze_long(&long);
            assert!(l.churn.is_empty() && l.keyphrases.is_empty(), "{text}");
            assert!(!l.candidates.is_empty(), "{text}");
        }
    }
}
