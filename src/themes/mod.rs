//! Themes: the taxonomy ([`taxonomy`]), the lemma-sequence matcher ([`ThemeMatcher`]),
//! discovery of themes nobody listed ([`discover`]), domain packs ([`domains`]) and the
//! scoring of discovery against annotated aspects ([`score`]). What is counted of
//! themes across records (shares, trends, impact) lives in the `metrics` stage.
//!
//! A theme term is analysed by the same text core as the feedback; its key tokens
//! (content words and negators) must then appear as lemmas, in order, inside one
//! sentence, with at most `max_gap` other tokens between them. So 遅い matches
//! 遅く/遅かった, 느리다 matches 느려서/느림, and "can't log in" matches "couldn't log in".

pub mod discover;
pub mod domains;
pub mod eval;
pub mod score;
pub mod taxonomy;

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::sentiment::{Sentiment, TextSentiment};
use crate::text::{Lang, LangHint, Lemma, Pos, TextAnalysis, TextProcessor, Token, same_bytes};
use rustc_hash::FxHashMap;
pub use taxonomy::{Domains, Labels, TaxonomyFile, ThemeDef, ThemeInfo};

/// Errors loading a taxonomy or a goals file.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The file could not be read.
    #[error("{source_name}: {error}")]
    Io {
        /// File name.
        source_name: String,
        /// What went wrong.
        error: String,
    },
    /// TOML syntax or shape error.
    #[error("{source_name}:{line}:{column}: {message}")]
    Syntax {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Well-formed but inconsistent (unknown category, duplicate id, bad term).
    #[error("{source_name}: {message}")]
    Invalid {
        /// File name.
        source_name: String,
        /// What is wrong.
        message: String,
    },
}

/// Index of a theme in its [`ThemeMatcher`].
pub type ThemeIdx = u16;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Lemma(Lemma),
    Negator,
}

#[derive(Debug, Clone)]
struct Item {
    key: Key,
    pos: Option<Pos>,
}

impl Item {
    fn matches(&self, t: &Token) -> bool {
        let key_ok = match &self.key {
            Key::Lemma(l) => same_bytes(t.lemma.as_bytes(), l.as_bytes()),
            Key::Negator => t.negator,
        };
        key_ok && self.pos.is_none_or(|p| p == t.pos)
    }
}

#[derive(Debug, Clone)]
struct Pattern {
    theme: ThemeIdx,
    exclude: bool,
    items: Vec<Item>,
    max_gap: usize,
    term: Arc<str>,
}

/// One place a theme was mentioned.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mention {
    /// Byte offset in the original text.
    pub start: usize,
    /// Byte end in the original text.
    pub end: usize,
    /// Index of the sentence.
    pub sentence: usize,
    /// The taxonomy term that matched.
    pub term: Arc<str>,
    /// Sentiment score of the mention's clause in [−1, 1] (its sentence's when the
    /// clause holds no evidence).
    pub sentiment: f32,
}

/// A theme found in one text, with its own sentiment.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeHit {
    /// Theme id.
    pub id: Arc<str>,
    /// Index in the matcher's theme list.
    #[serde(skip)]
    pub idx: ThemeIdx,
    /// Sentiment of the clauses that mention the theme.
    pub sentiment: Sentiment,
    /// The mentions, in text order.
    pub mentions: Vec<Mention>,
}

/// The compiled taxonomy: cheap to clone, shared read-only by all workers.
#[derive(Debug, Clone)]
pub struct ThemeMatcher {
    inner: Arc<MatcherInner>,
}

#[derive(Debug)]
struct MatcherInner {
    themes: Vec<ThemeInfo>,
    residual: Vec<bool>,
    patterns: Vec<Pattern>,
    /// Patterns by the lemma of their first item.
    by_lemma: FxHashMap<Lemma, Vec<u32>>,
    /// Patterns whose first item is a negator.
    by_negator: Vec<u32>,
    file: TaxonomyFile,
}

fn lang_of(code: &str) -> Lang {
    code.parse().unwrap_or(Lang::En)
}

/// Key tokens of an analysed term: content words and negators; Korean derivational
/// suffixes (XS*), particles, auxiliaries, punctuation and stopwords are dropped
/// (a chunk left with nothing keeps its stopwords, see `compile_term`).
fn key_tokens(t: &TextAnalysis) -> Vec<&Token> {
    t.tokens.iter().filter(|tok| is_key_token(tok)).collect()
}

/// Whether the matcher keeps a token of a term as a key item (see [`key_tokens`]).
fn is_key_token(tok: &Token) -> bool {
    if tok.negator {
        return true;
    }
    if tok.is_derivational_suffix() || tok.stop {
        return false;
    }
    !matches!(tok.pos, Pos::Part | Pos::Aux | Pos::Punct)
}

impl ThemeMatcher {
    /// Compiles a taxonomy, analysing every term with `text`.
    pub fn new(file: TaxonomyFile, text: &TextProcessor) -> Result<ThemeMatcher, ThemeError> {
        Self::compile(file, text, "taxonomy")
    }

    /// Compiles koe's built-in taxonomy.
    pub fn builtin(text: &TextProcessor) -> Result<ThemeMatcher, ThemeError> {
        Self::compile(TaxonomyFile::builtin(), text, "dictionaries/themes.toml")
    }

    /// Compiles; `source` names the taxonomy in errors.
    pub fn compile(
        file: TaxonomyFile,
        text: &TextProcessor,
        source: &str,
    ) -> Result<ThemeMatcher, ThemeError> {
        file.validate(source)?;
        if file.themes.len() > ThemeIdx::MAX as usize {
            return Err(ThemeError::Invalid {
                source_name: source.to_string(),
                message: format!("too many themes ({})", file.themes.len()),
            });
        }
        let default_gap = file.max_gap.unwrap_or(taxonomy::DEFAULT_MAX_GAP);
        let themes: Vec<ThemeInfo> = file
            .themes
            .iter()
            .map(|def| ThemeInfo {
                id: def.id.as_str().into(),
                category: def.category.as_str().into(),
                category_label: file
                    .categories
                    .iter()
                    .find(|c| c.id == def.category)
                    .map(|c| c.label.clone())
                    .unwrap_or_default(),
                label: def.label.clone(),
                description: def.description.clone(),
                discovered: def.discovered,
            })
            .collect();
        // Every term is analysed in parallel (a worker per pool thread: the built-in
        // taxonomy is a good part of start-up); the first bad term in file order is
        // the error.
        let jobs: Vec<_> = file
            .themes
            .iter()
            .enumerate()
            .flat_map(|(ti, def)| {
                let terms = def.terms.iter().map(move |t| (ti, def, false, t));
                terms.chain(def.exclude.iter().map(move |t| (ti, def, true, t)))
            })
            .collect();
        let compiled: Vec<Result<Pattern, ThemeError>> = {
            use rayon::prelude::*;
            jobs.par_iter()
                .map_init(
                    || text.new_worker(),
                    |worker, &(ti, def, exclude, (lang, term))| {
                        let items = compile_term(worker, lang_of(lang), term).map_err(|m| {
                            ThemeError::Invalid {
                                source_name: source.to_string(),
                                message: format!("theme '{}', {lang} term \"{term}\": {m}", def.id),
                            }
                        })?;
                        Ok(Pattern {
                            theme: ti as ThemeIdx,
                            exclude,
                            items,
                            max_gap: def.max_gap.unwrap_or(default_gap),
                            term: term.into(),
                        })
                    },
                )
                .collect()
        };
        let mut patterns = compiled.into_iter().collect::<Result<Vec<_>, _>>()?;
        // Identical patterns of one theme (the same lemmas written twice) are kept once.
        let mut seen = std::collections::HashSet::new();
        patterns.retain(|p| {
            let sig: Vec<(Key, Option<Pos>)> =
                p.items.iter().map(|i| (i.key.clone(), i.pos)).collect();
            seen.insert((p.theme, p.exclude, sig))
        });
        let mut by_lemma: FxHashMap<Lemma, Vec<u32>> = FxHashMap::default();
        let mut by_negator = Vec::new();
        for (pi, p) in patterns.iter().enumerate() {
            match &p.items[0].key {
                Key::Lemma(l) => by_lemma.entry(l.clone()).or_default().push(pi as u32),
                Key::Negator => by_negator.push(pi as u32),
            }
        }
        let residual = file.themes.iter().map(|t| t.residual).collect();
        Ok(ThemeMatcher {
            inner: Arc::new(MatcherInner {
                themes,
                residual,
                patterns,
                by_lemma,
                by_negator,
                file,
            }),
        })
    }

    /// The themes, in taxonomy order.
    pub fn themes(&self) -> &[ThemeInfo] {
        &self.inner.themes
    }

    /// The taxonomy this matcher was compiled from.
    pub fn taxonomy(&self) -> &TaxonomyFile {
        &self.inner.file
    }

    /// Index of a theme id.
    pub fn theme_index(&self, id: &str) -> Option<ThemeIdx> {
        self.inner
            .themes
            .iter()
            .position(|t| &*t.id == id)
            .map(|i| i as ThemeIdx)
    }

    /// Finds the themes of an analysed text, each with its mentions and the sentiment
    /// of the clauses that mention it.
    pub fn find(&self, t: &TextAnalysis, sentiment: &TextSentiment) -> Vec<ThemeHit> {
        let inner = &*self.inner;
        // (theme, sentence, token range, pattern)
        let mut found: Vec<(ThemeIdx, usize, Range<usize>, u32)> = Vec::new();
        let mut excluded: Vec<(ThemeIdx, usize)> = Vec::new();
        for (si, s) in t.sentences.iter().enumerate() {
            let toks = t.tokens.get(s.tokens.clone()).unwrap_or(&[]);
            for (i, tok) in toks.iter().enumerate() {
                let by_lemma = inner
                    .by_lemma
                    .get(&*tok.lemma)
                    .map_or(&[][..], Vec::as_slice);
                let by_neg = if tok.negator {
                    inner.by_negator.as_slice()
                } else {
                    &[]
                };
                // Patterns found by the token's lemma have that lemma as first key.
                let keyed = by_lemma.iter().map(|&pi| (pi, true));
                for (pi, key_known) in keyed.chain(by_neg.iter().map(|&pi| (pi, false))) {
                    let p = &inner.patterns[pi as usize];
                    let matched = if key_known {
                        match_keyed(p, toks, i)
                    } else {
                        match_at(p, toks, i)
                    };
                    if let Some(end) = matched {
                        let range = s.tokens.start + i..s.tokens.start + end + 1;
                        if p.exclude {
                            excluded.push((p.theme, si));
                        } else {
                            found.push((p.theme, si, range, pi));
                        }
                    }
                }
            }
        }
        if found.is_empty() {
            return Vec::new();
        }
        // Everything below is O(n log n) in the mentions: a 20 MB text can hold a
        // million of them.
        if !excluded.is_empty() {
            excluded.sort_unstable();
            excluded.dedup();
            found.retain(|(th, si, _, _)| excluded.binary_search(&(*th, *si)).is_err());
        }
        found.sort_by_key(|(th, _, r, _)| (*th, r.start, std::cmp::Reverse(r.end)));
        let breaks = ClauseBreaks::new(t);
        let mut hits: Vec<ThemeHit> = Vec::new();
        let mut clauses: Vec<Range<usize>> = Vec::new();
        let mut sentences: Vec<usize> = Vec::new();
        let mut last_end = 0usize;
        for (th, si, range, pi) in found {
            let new_theme = hits.last().is_none_or(|h| h.idx != th);
            if new_theme {
                if let Some(h) = hits.last_mut() {
                    h.sentiment = theme_sentiment(t, sentiment, &clauses, &sentences);
                }
                clauses.clear();
                sentences.clear();
                hits.push(ThemeHit {
                    id: inner.themes[th as usize].id.clone(),
                    idx: th,
                    sentiment: Sentiment::NEUTRAL,
                    mentions: Vec::new(),
                });
            } else if range.start < last_end {
                // Overlaps a mention already taken for this theme.
                continue;
            }
            last_end = range.end;
            let (Some(first), Some(last)) =
                (t.tokens.get(range.start), t.tokens.get(range.end - 1))
            else {
                continue;
            };
            let clause = breaks.clause_of(t, si, range.clone());
            let mut own = sentiment.span(clause.clone());
            if own.confidence == 0.0
                && let Some(sen) = t.sentences.get(si)
            {
                own = sentiment.span(sen.tokens.clone());
            }
            clauses.push(clause);
            if sentences.last() != Some(&si) {
                sentences.push(si);
            }
            if let Some(h) = hits.last_mut() {
                h.mentions.push(Mention {
                    start: first.span.start,
                    end: last.span.end,
                    sentence: si,
                    term: inner.patterns[pi as usize].term.clone(),
                    sentiment: own.score,
                });
            }
        }
        if let Some(h) = hits.last_mut() {
            h.sentiment = theme_sentiment(t, sentiment, &clauses, &sentences);
        }
        self.drop_residual(&mut hits, t, sentiment);
        hits
    }

    /// Residual themes (general praise) give way to the specific ones: their mentions
    /// go where another theme shares the sentence or where the praise word is about one
    /// aspect (朝食が最高, great pasta: see [`discover::aspect_opinion_spans`]), and the
    /// whole hit goes when another theme of the text is negative.
    fn drop_residual(&self, hits: &mut Vec<ThemeHit>, t: &TextAnalysis, s: &TextSentiment) {
        let residual = |h: &ThemeHit| self.inner.residual.get(h.idx as usize) == Some(&true);
        if !hits.iter().any(residual) {
            return;
        }
        let aspect_praise = discover::aspect_opinion_spans(t, s);
        if !aspect_praise.is_empty() {
            for h in hits.iter_mut().filter(|h| residual(h)) {
                h.mentions
                    .retain(|m| !aspect_praise.iter().any(|&(a, b)| a < m.end && m.start < b));
            }
            hits.retain(|h| !h.mentions.is_empty());
        }
        let specific = hits.iter().filter(|h| !residual(h));
        let any_negative = specific
            .clone()
            .any(|h| h.sentiment.label == crate::sentiment::Label::Neg);
        let mut taken: Vec<usize> = specific
            .flat_map(|h| h.mentions.iter().map(|m| m.sentence))
            .collect();
        taken.sort_unstable();
        taken.dedup();
        hits.retain_mut(|h| {
            if !residual(h) {
                return true;
            }
            if any_negative {
                return false;
            }
            h.mentions
                .retain(|m| taken.binary_search(&m.sentence).is_err());
            !h.mentions.is_empty()
        });
    }
}

/// Tries pattern `p` with its first item at token `i`; returns the index of the
/// token that matched its last item.
fn match_at(p: &Pattern, toks: &[Token], i: usize) -> Option<usize> {
    let first = p.items.first()?;
    if !first.matches(toks.get(i)?) {
        return None;
    }
    match_rest(p, toks, i)
}

/// [`match_at`] for a pattern whose first key is known to be token `i`'s lemma (it
/// was looked up by it): only the first item's part of speech is left to test.
fn match_keyed(p: &Pattern, toks: &[Token], i: usize) -> Option<usize> {
    let first = p.items.first()?;
    let tok = toks.get(i)?;
    if first.pos.is_some_and(|q| q != tok.pos) {
        return None;
    }
    match_rest(p, toks, i)
}

/// The items after the first, each within the gap after the one before.
fn match_rest(p: &Pattern, toks: &[Token], i: usize) -> Option<usize> {
    let mut at = i;
    for item in &p.items[1..] {
        let limit = (at + 1 + p.max_gap).min(toks.len() - 1);
        at = (at + 1..=limit).find(|&j| item.matches(&toks[j]))?;
    }
    Some(at)
}

/// Analyses a term into matcher items (`/POS` suffixes restrict a chunk's last item).
fn compile_term(
    worker: &mut crate::text::TextWorker,
    lang: Lang,
    term: &str,
) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    for chunk in term.split_whitespace() {
        let (text, pos) = match chunk.rsplit_once('/') {
            Some((text, pos))
                if !text.is_empty() && pos.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                (text, Some(pos.parse::<Pos>()?))
            }
            _ => (chunk, None),
        };
        let analysis = worker.analyze(text, LangHint::Fixed(lang));
        let mut keys = key_tokens(&analysis);
        if keys.is_empty() {
            // A chunk of function words only ("for", "a") is not required; a lone
            // stopword with content (되다, する) stays, without its endings.
            keys = analysis
                .tokens
                .iter()
                .filter(|t| !matches!(t.pos, Pos::Part | Pos::Aux | Pos::Punct))
                .filter(|t| !t.is_derivational_suffix())
                .collect();
            if keys.is_empty() {
                // Auxiliaries only ("must-have"): they are the words.
                keys = analysis
                    .tokens
                    .iter()
                    .filter(|t| !matches!(t.pos, Pos::Punct | Pos::Part))
                    .collect();
            }
            if keys.is_empty() {
                continue;
            }
        }
        let n = items.len();
        for tok in keys {
            items.push(Item {
                key: if tok.negator {
                    Key::Negator
                } else {
                    Key::Lemma(tok.lemma.clone())
                },
                pos: None,
            });
        }
        if items.len() == n {
            continue;
        }
        if let (Some(pos), Some(last)) = (pos, items.last_mut()) {
            last.pos = Some(pos);
        }
    }
    if items.is_empty() {
        return Err("the term has no word to match".into());
    }
    Ok(items)
}

/// True when a token ends a clause: commas, and contrast / concession connectives
/// (が・けど・のに, 지만・는데, but・however・although).
fn breaks_clause(t: &TextAnalysis, tok: &Token) -> bool {
    match tok.pos {
        Pos::Punct => matches!(t.norm(tok), "," | "、" | ";" | ":"),
        Pos::Part | Pos::Adv | Pos::X | Pos::Aux => {
            let lemma = &*tok.lemma;
            if tok.is_conjunctive_particle() {
                matches!(
                    lemma,
                    "が" | "けど" | "けれど" | "けれども" | "のに" | "ものの"
                )
            } else if tok.has_connective_ending() {
                let s = t.norm(tok);
                s.ends_with("지만")
                    || s.ends_with("는데")
                    || s.ends_with("은데")
                    || s.ends_with("ㄴ데")
            } else {
                matches!(
                    lemma,
                    "but" | "howev" | "however" | "although" | "though" | "wherea" | "whereas"
                )
            }
        }
        _ => false,
    }
}

/// Token indices that end a clause, in order (computed once per text with mentions).
struct ClauseBreaks {
    at: Vec<usize>,
}

impl ClauseBreaks {
    fn new(t: &TextAnalysis) -> ClauseBreaks {
        let at = t
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, tok)| breaks_clause(t, tok))
            .map(|(i, _)| i)
            .collect();
        ClauseBreaks { at }
    }

    /// The tokens of the clause(s) that hold `range` within sentence `si`: from after
    /// the last break before it to the first break at or after its last token (a
    /// clause-ending connective belongs to its clause: …遅いけど).
    fn clause_of(&self, t: &TextAnalysis, si: usize, range: Range<usize>) -> Range<usize> {
        let Some(s) = t.sentences.get(si) else {
            return range;
        };
        let before = self.at.partition_point(|&b| b < range.start);
        let start = before
            .checked_sub(1)
            .map_or(s.tokens.start, |k| (self.at[k] + 1).max(s.tokens.start));
        let after = self
            .at
            .partition_point(|&b| b < range.end.saturating_sub(1));
        let end = self
            .at
            .get(after)
            .map_or(s.tokens.end, |&b| (b + 1).min(s.tokens.end));
        start.min(range.start)..end.max(range.end)
    }
}

/// Sentiment of a theme: the evidence inside its clauses; when they hold none, the
/// evidence of its sentences.
fn theme_sentiment(
    t: &TextAnalysis,
    s: &TextSentiment,
    clauses: &[Range<usize>],
    sentences: &[usize],
) -> Sentiment {
    let in_clauses = s.spans(clauses);
    if in_clauses.confidence > 0.0 {
        return in_clauses;
    }
    let ranges: Vec<Range<usize>> = sentences
        .iter()
        .filter_map(|&i| t.sentences.get(i))
        .map(|sen| sen.tokens.clone())
        .collect();
    s.spans(&ranges)
}
