//! Discovery of recurring themes nobody listed: the things people give opinions about.
//!
//! 1. **Aspect candidates**, per record and in parallel ([`candidates`]): nouns and noun
//!    compounds (IPADIC / ko-dic nouns; English words the tagger calls nouns that are
//!    not opinion words), kept whole (露天風呂, battery life, 배송 상태) with their parts.
//!    A candidate is an opinion *target* when an opinion word of the sentiment lexicon
//!    attaches to it within its clause: the noun before the predicate in Japanese and
//!    Korean (部屋が広い, 배송이 느려요), the noun after a prenominal opinion word
//!    (great pasta, 広い部屋) or, in English, the subject before it (the waiter was rude,
//!    battery life is short). Its opinion word and polarity are kept, and the content
//!    words around it are its context.
//! 2. **Counting while streaming** ([`Discovery`]): records per candidate, how often it
//!    is an opinion target, its opinion words split by polarity, its wordings, its
//!    context words and how often the taxonomy already covers it. The table is pruned
//!    lossy-counting style (at most `cap` candidates, context lists capped per
//!    candidate), so memory stays bounded on any input size.
//! 3. **Themes at the end** ([`Discovery::finish`]): candidates that are opinion targets
//!    (not numbers, pronouns, hedges, or names nobody gives opinions about) are ranked by
//!    how often people give opinions about them; they are grouped by evidence from the
//!    data itself: a compound joins the theme of one of its parts (battery life → battery,
//!    露天風呂 → 風呂), and candidates whose contexts and opinion words are alike (PPMI
//!    vectors, cosine similarity, computed on this corpus; no downloaded model) join the
//!    closest theme. A theme's label is its most representative member as people write
//!    it; its members are its sub-themes; its opinions are listed by polarity.
//!
//! Discovered themes are then compiled into taxonomy themes ([`to_taxonomy`]) and
//! assigned to records by the same matcher as the taxonomy, so the report, the records
//! and an adopted `--emit-toml` file count exactly the same records.

use std::collections::HashMap as StdHashMap;

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::ThemeHit;
use super::taxonomy::{CategoryDef, Labels, TaxonomyFile, Terms, ThemeDef};
use crate::sentiment::TextSentiment;
use crate::text::{Lang, LangHint, Lemma, Pos, TextAnalysis, TextProcessor, Token};

/// An aspect mention found in one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Lemmas of the compound, space-separated (the grouping key).
    pub key: String,
    /// Its lemmas.
    pub parts: Vec<Lemma>,
    /// The words as written (normalized; English lower-cased).
    pub surface: String,
    /// The language of its sentence.
    pub lang: Lang,
    /// Byte range in the original text.
    pub start: usize,
    /// Byte end in the original text.
    pub end: usize,
    /// The opinion word that attaches to it and its polarity (+1 / −1), if any.
    pub opinion: Option<(String, i8)>,
    /// Byte range of that opinion word in the original text.
    pub opinion_span: Option<(usize, usize)>,
    /// Content lemmas around it (its distributional context).
    pub context: Vec<Lemma>,
    /// A proper noun (a name).
    pub proper: bool,
    /// Whether a taxonomy theme was found at the same place.
    pub covered: bool,
}

/// How a token takes part in a noun compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NounRole {
    /// Not part of a compound.
    No,
    /// Can start, continue and end one.
    Noun,
    /// Only continues one (Japanese 接尾, Korean XSN: 使用感, 커버력).
    Suffix,
    /// Only starts one (接頭詞, XPN: 新商品, 대만족).
    Prefix,
}

fn alphabetic(s: &str) -> bool {
    s.chars().any(crate::text::is_alphabetic)
}

fn noun_role(t: &Token, lang: Lang, opinion: bool) -> NounRole {
    if t.negator || opinion {
        return NounRole::No;
    }
    let tag = t.tag;
    match lang {
        Lang::Ja => {
            if tag.starts_with("接頭詞,名詞接続") {
                return NounRole::Prefix;
            }
            if t.pos != Pos::Noun {
                return NounRole::No;
            }
            if tag.starts_with("名詞,接尾") && !tag.starts_with("名詞,接尾,助数詞") {
                return NounRole::Suffix;
            }
            let excluded = [
                "名詞,数",
                "名詞,非自立",
                "名詞,代名詞",
                "名詞,副詞可能",
                "名詞,特殊",
                "名詞,接尾",
                "名詞,形容動詞語幹",
                "名詞,ナイ形容詞語幹",
                "名詞,動詞非自立的",
                "名詞,接続詞的",
                "名詞,引用文字列",
            ];
            if t.stop || excluded.iter().any(|p| tag.starts_with(p)) || !alphabetic(&t.lemma) {
                return NounRole::No;
            }
            NounRole::Noun
        }
        Lang::Ko => {
            if tag.starts_with("XPN") {
                return NounRole::Prefix;
            }
            if tag.starts_with("XSN") {
                return NounRole::Suffix;
            }
            if !(tag.starts_with("NNG") || tag.starts_with("NNP")) {
                return NounRole::No;
            }
            if t.stop || !alphabetic(&t.lemma) {
                return NounRole::No;
            }
            NounRole::Noun
        }
        _ => {
            if t.pos != Pos::Noun
                || t.stop
                || t.lemma.len() < 3
                || !t.lemma.bytes().all(|b| b.is_ascii_lowercase())
                || NOT_NOUNS.binary_search(&&*t.lemma).is_ok()
            {
                return NounRole::No;
            }
            NounRole::Noun
        }
    }
}

/// English lemmas (Porter2 stems) the suffix tagger calls nouns but that are mostly
/// verbs, adjectives or function words in reviews: common general-English words, not
/// words of any data set. Sorted (binary search).
const NOT_NOUNS: &[&str] = &[
    "abl",
    "actual",
    "add",
    "ago",
    "allow",
    "almost",
    "alreadi",
    "also",
    "alway",
    "anoth",
    "anymor",
    "anyway",
    "anywher",
    "appear",
    "awesom",
    "back",
    "becaus",
    "begin",
    "believ",
    "best",
    "better",
    "big",
    "bit",
    "bought",
    "brought",
    "call",
    "came",
    "cannot",
    "care",
    "certain",
    "chang",
    "check",
    "choos",
    "clean",
    "clear",
    "close",
    "complet",
    "consid",
    "continu",
    "cool",
    "could",
    "day",
    "decid",
    "definit",
    "didn",
    "differ",
    "doesn",
    "done",
    "dont",
    "earli",
    "easi",
    "either",
    "els",
    "end",
    "enough",
    "entir",
    "especi",
    "etc",
    "even",
    "ever",
    "everi",
    "everybodi",
    "everywher",
    "exact",
    "excel",
    "expens",
    "extra",
    "fair",
    "far",
    "fast",
    "fine",
    "first",
    "fit",
    "follow",
    "found",
    "free",
    "full",
    "gave",
    "general",
    "got",
    "gotten",
    "great",
    "half",
    "happen",
    "hard",
    "heard",
    "help",
    "high",
    "hold",
    "hope",
    "howev",
    "huge",
    "idea",
    "includ",
    "instead",
    "isn",
    "just",
    "keep",
    "kind",
    "larg",
    "last",
    "later",
    "least",
    "less",
    "let",
    "littl",
    "live",
    "long",
    "look",
    "lot",
    "lots",
    "low",
    "made",
    "main",
    "mani",
    "mayb",
    "mean",
    "might",
    "mind",
    "minut",
    "month",
    "more",
    "most",
    "move",
    "much",
    "must",
    "near",
    "nearli",
    "new",
    "next",
    "nice",
    "now",
    "nowher",
    "obvious",
    "off",
    "ok",
    "okay",
    "old",
    "one",
    "onli",
    "open",
    "other",
    "overal",
    "own",
    "part",
    "perfect",
    "pick",
    "plus",
    "point",
    "poor",
    "pretti",
    "probabl",
    "put",
    "quick",
    "quit",
    "rather",
    "read",
    "readi",
    "real",
    "realli",
    "reason",
    "right",
    "run",
    "said",
    "same",
    "saw",
    "second",
    "set",
    "sever",
    "short",
    "show",
    "side",
    "similar",
    "simpl",
    "sinc",
    "small",
    "sold",
    "someday",
    "someth",
    "sometim",
    "somewher",
    "soon",
    "sort",
    "start",
    "still",
    "stop",
    "stuff",
    "such",
    "suppos",
    "sure",
    "talk",
    "thank",
    "thing",
    "though",
    "thought",
    "thru",
    "time",
    "today",
    "togeth",
    "told",
    "tomorrow",
    "tonight",
    "took",
    "total",
    "tri",
    "turn",
    "two",
    "upon",
    "use",
    "usual",
    "veri",
    "want",
    "wasn",
    "way",
    "week",
    "well",
    "went",
    "whatev",
    "whole",
    "wish",
    "won",
    "wonder",
    "work",
    "worth",
    "would",
    "wow",
    "wrong",
    "year",
    "yes",
    "yesterday",
    "yet",
];

/// `dictionaries/discovery/generic-nouns.txt`: nouns that are never a theme alone.
const GENERIC_NOUNS: &str = include_str!("../../dictionaries/discovery/generic-nouns.txt");

/// The generic nouns by language (English ones stemmed like tokens).
fn generic_nouns() -> &'static std::collections::HashSet<(Lang, String)> {
    static SET: std::sync::OnceLock<std::collections::HashSet<(Lang, String)>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| word_list(GENERIC_NOUNS))
}

/// `dictionaries/discovery/whole-nouns.txt`: nouns naming the thing reviewed as a whole.
const WHOLE_NOUNS: &str = include_str!("../../dictionaries/discovery/whole-nouns.txt");

/// The whole nouns by language (English ones stemmed like tokens).
fn whole_nouns() -> &'static std::collections::HashSet<(Lang, String)> {
    static SET: std::sync::OnceLock<std::collections::HashSet<(Lang, String)>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| word_list(WHOLE_NOUNS))
}

/// A `lang<TAB>word` list (English words stemmed like tokens).
fn word_list(text: &str) -> std::collections::HashSet<(Lang, String)> {
    let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(lang, word)| {
            let lang: Lang = lang.parse().ok()?;
            let word = word.trim();
            let word = if lang == Lang::En {
                stemmer.stem(&word.to_lowercase()).into_owned()
            } else {
                word.to_string()
            };
            Some((lang, word))
        })
        .collect()
}

/// A noun compound of a sentence: token indices `from..to` (sentence-relative).
#[derive(Debug, Clone)]
struct Compound {
    from: usize,
    to: usize,
    proper: bool,
}

fn compounds(toks: &[Token], lang: Lang, opinion_tok: &[bool]) -> Vec<Compound> {
    let mut out = Vec::new();
    let n = toks.len();
    let mut i = 0;
    while i < n {
        let role = noun_role(&toks[i], lang, opinion_tok[i]);
        let starts = match role {
            NounRole::Noun => true,
            NounRole::Prefix => {
                i + 1 < n && noun_role(&toks[i + 1], lang, opinion_tok[i + 1]) == NounRole::Noun
            }
            _ => false,
        };
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && j - i < 4 {
            match noun_role(&toks[j], lang, opinion_tok[j]) {
                NounRole::Noun | NounRole::Suffix => j += 1,
                _ => break,
            }
        }
        let proper = toks[i..j].iter().any(Token::is_proper_noun);
        out.push(Compound {
            from: i,
            to: j,
            proper,
        });
        i = j;
    }
    out
}

/// Whether a token ends a clause for opinion attachment.
fn clause_break(t: &TextAnalysis, tok: &Token) -> bool {
    super::breaks_clause(t, tok) || (tok.pos == Pos::Punct && !matches!(t.norm(tok), "-" | "'"))
}

/// Aspect candidates of an analysed text, one per key (the first mention, preferring
/// one with an opinion); `themes` marks the ones a taxonomy theme covers.
pub fn candidates(t: &TextAnalysis, s: &TextSentiment, themes: &[ThemeHit]) -> Vec<Candidate> {
    let mut out = mentions(t, s);
    // Covered = overlaps a theme mention: mentions sorted by start with the running
    // maximum of their ends, one binary search per candidate.
    let mut spans: Vec<(usize, usize)> = themes
        .iter()
        .flat_map(|h| h.mentions.iter().map(|m| (m.start, m.end)))
        .collect();
    spans.sort_unstable();
    let mut max_end = Vec::with_capacity(spans.len());
    let mut running = 0;
    for &(_, e) in &spans {
        running = running.max(e);
        max_end.push(running);
    }
    for c in &mut out {
        let k = spans.partition_point(|&(s, _)| s < c.end);
        c.covered = k > 0 && max_end[k - 1] > c.start;
    }
    // One count per record: the first mention, preferring one with an opinion.
    out.sort_by(|a, b| {
        a.key
            .cmp(&b.key)
            .then(b.opinion.is_some().cmp(&a.opinion.is_some()))
            .then(a.start.cmp(&b.start))
    });
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// Original-text spans of the opinion words that are about one aspect (朝食が最高,
/// great pasta), not about the thing reviewed as a whole (a whole noun such as 商品,
/// 영화, product, or a generic one): praise there is that aspect's, not general praise.
pub fn aspect_opinion_spans(t: &TextAnalysis, s: &TextSentiment) -> Vec<(usize, usize)> {
    let generic = generic_nouns();
    let whole = whole_nouns();
    let mut spans: Vec<(usize, usize)> = mentions(t, s)
        .into_iter()
        .filter(|c| {
            c.parts.iter().all(|p| {
                let key = (c.lang, p.to_string());
                !generic.contains(&key) && !whole.contains(&key)
            })
        })
        .filter_map(|c| c.opinion_span)
        .collect();
    spans.sort_unstable();
    spans.dedup();
    spans
}

/// An opinion word attached to a compound: its display form, polarity and span.
type Attached = (String, i8, (usize, usize));

/// Every aspect mention of an analysed text, in text order.
pub fn mentions(t: &TextAnalysis, s: &TextSentiment) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let opinion_at = opinion_tokens(s, t.tokens.len());
    for sent in &t.sentences {
        let base = sent.tokens.start;
        let toks = t.sentence_tokens(sent);
        let n = toks.len();
        if n == 0 {
            continue;
        }
        let opinions = opinion_at.get(base..).unwrap_or(&[]);
        let opinion_tok: Vec<bool> = (0..n)
            .map(|i| opinions.get(i).is_some_and(|o| o.is_some()))
            .collect();
        let lang = sent.lang;
        let comps = compounds(toks, lang, &opinion_tok);
        if comps.is_empty() {
            continue;
        }
        let mut opinion_of = attach_opinions(t, s, toks, lang, &comps, opinions);
        for (ci, cp) in comps.iter().enumerate() {
            let attached = opinion_of[ci].take();
            push_compound(&mut out, t, toks, lang, cp, attached);
        }
    }
    out
}

/// Opinion tokens: the first token of every lexicon hit (and the rest of a multi-word
/// entry), with the hit's index and polarity after the rules (negation flips it);
/// `n` tokens.
fn opinion_tokens(s: &TextSentiment, n: usize) -> Vec<Option<(usize, i8)>> {
    let mut opinion_at: Vec<Option<(usize, i8)>> = vec![None; n];
    for (k, (&h, e)) in s.hit_tokens.iter().zip(&s.evidence).enumerate() {
        // A weak lexicon entry (a topic noun with a slight lean, e.g. 스토리 0.2) is
        // not an opinion word: its noun stays a candidate.
        if e.score.abs() < 0.5 {
            continue;
        }
        let sign = if e.value > 0.0 {
            1
        } else if e.value < 0.0 {
            -1
        } else {
            0
        };
        let words = e.entry.split(' ').count().max(1);
        for slot in opinion_at.iter_mut().skip(h).take(words) {
            *slot = Some((k, sign));
        }
    }
    opinion_at
}

/// The clause of each token of a sentence, counted from 0.
fn clause_ids(t: &TextAnalysis, toks: &[Token]) -> Vec<usize> {
    let mut clause = vec![0usize; toks.len()];
    let mut c = 0;
    for (i, tok) in toks.iter().enumerate() {
        clause[i] = c;
        if clause_break(t, tok) {
            c += 1;
        }
    }
    clause
}

/// Opinion attachment in one sentence: each opinion hit (`opinion_at`, by token of
/// the sentence) picks one compound of `comps`, the first hit a compound gets stays.
fn attach_opinions(
    t: &TextAnalysis,
    s: &TextSentiment,
    toks: &[Token],
    lang: Lang,
    comps: &[Compound],
    opinion_at: &[Option<(usize, i8)>],
) -> Vec<Option<Attached>> {
    let n = toks.len();
    let clause = clause_ids(t, toks);
    let mut opinion_of: Vec<Option<Attached>> = vec![None; comps.len()];
    let mut i = 0;
    while i < n {
        let Some(Some((k, sign))) = opinion_at.get(i).copied() else {
            i += 1;
            continue;
        };
        // Skip the rest of the same hit.
        let mut end = i + 1;
        while end < n && opinion_at.get(end).copied().flatten().map(|x| x.0) == Some(k) {
            end += 1;
        }
        // Emoticons, laughter and crying (^^, ㅋㅋ, ㅠㅠ) carry a mood, not an
        // opinion about a thing.
        let wordlike = toks[i..end]
            .iter()
            .any(|x| !matches!(x.pos, Pos::Sym | Pos::X | Pos::Punct));
        if sign != 0 && wordlike {
            let target = attach(comps, &clause, i, end, lang);
            if let Some(ci) = target
                && opinion_of[ci].is_none()
            {
                let e = &s.evidence[k];
                let word = opinion_word(t, &toks[i..end], &e.entry, lang, &e.rules);
                let span = (toks[i].span.start, toks[end - 1].span.end);
                opinion_of[ci] = Some((word, sign, span));
            }
        }
        i = end;
    }
    opinion_of
}

/// The candidates of one compound of a sentence, with the opinion attached to it:
/// the compound, and for Japanese and Korean each of its nouns too.
fn push_compound(
    out: &mut Vec<Candidate>,
    t: &TextAnalysis,
    toks: &[Token],
    lang: Lang,
    cp: &Compound,
    attached: Option<Attached>,
) {
    let n = toks.len();
    let ts = &toks[cp.from..cp.to];
    // The lemmas the matcher will look for (suffixes such as 력 are not keys).
    let parts: Vec<Lemma> = ts
        .iter()
        .filter(|x| super::is_key_token(x))
        .map(|x| x.lemma.clone())
        .collect();
    if parts.is_empty() {
        return;
    }
    let key = parts
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let surface = surface_of(t, ts, lang);
    // Context: content lemmas of the sentence within six tokens, and the
    // opinion word.
    let lo = cp.from.saturating_sub(6);
    let hi = (cp.to + 6).min(n);
    let mut context: Vec<Lemma> = (lo..hi)
        .filter(|&x| x < cp.from || x >= cp.to)
        .map(|x| &toks[x])
        .filter(|x| x.pos.is_content() && !x.stop && !x.negator && alphabetic(&x.lemma))
        .map(|x| x.lemma.clone())
        .collect();
    context.sort_unstable();
    context.dedup();
    let (Some(first), Some(last)) = (ts.first(), ts.last()) else {
        return;
    };
    let (opinion, opinion_span) = match attached {
        Some((w, sign, span)) => (Some((w, sign)), Some(span)),
        None => (None, None),
    };
    // A Japanese or Korean compound also counts for each of its nouns (露天風呂
    // for 風呂, 한국영화 for 영화), so a theme can gather a head and its
    // compounds. English compounds are not split: their head is often a
    // general word (battery life, sound quality) that would swallow them.
    if parts.len() > 1 && lang != Lang::En {
        for tok in ts
            .iter()
            .filter(|x| super::is_key_token(x) && noun_role(x, lang, false) == NounRole::Noun)
        {
            out.push(Candidate {
                key: tok.lemma.to_string(),
                parts: vec![tok.lemma.clone()],
                surface: surface_of(t, std::slice::from_ref(tok), lang),
                lang,
                start: tok.span.start,
                end: tok.span.end,
                opinion: opinion.clone(),
                opinion_span,
                context: context.clone(),
                proper: cp.proper,
                covered: false,
            });
        }
    }
    out.push(Candidate {
        key,
        parts,
        surface,
        lang,
        start: first.span.start,
        end: last.span.end,
        opinion,
        opinion_span,
        context,
        proper: cp.proper,
        covered: false,
    });
}

/// The compound an opinion word at tokens `from..to` is about, within its clause.
fn attach(
    comps: &[Compound],
    clause: &[usize],
    from: usize,
    to: usize,
    lang: Lang,
) -> Option<usize> {
    let cl = clause[from];
    let same = |i: usize| clause.get(i) == Some(&cl);
    // Prenominal: great pasta, 広い部屋, 좋은 영화 (one word may sit between).
    let after = comps
        .iter()
        .position(|c| c.from >= to && c.from <= to + 1 && same(c.from));
    // The noun before the predicate: 部屋が広い, 배송이 느려요, the waiter was rude.
    let before = comps
        .iter()
        .rposition(|c| c.to <= from && from - c.to <= 5 && same(c.to - 1));
    // The object after a verb: love the camera, recommend this player.
    let object = comps
        .iter()
        .position(|c| c.from >= to && c.from <= to + 3 && same(c.from));
    match lang {
        Lang::En => after.or(before).or(object),
        _ => after.filter(|&a| comps[a].from == to).or(before).or(after),
    }
}

/// How an opinion word is shown: the dictionary form in Japanese and Korean, the
/// word as written in English; a negated one says so.
fn opinion_word(
    t: &TextAnalysis,
    toks: &[Token],
    entry: &str,
    lang: Lang,
    rules: &[&str],
) -> String {
    let word = match lang {
        Lang::En => {
            let words: Vec<String> = toks
                .iter()
                .filter(|x| !x.stop && !matches!(x.pos, Pos::Aux | Pos::Part | Pos::Punct))
                .map(|x| t.norm(x).to_lowercase())
                .collect();
            if words.is_empty() {
                entry.to_string()
            } else {
                words.join(" ")
            }
        }
        // One word: its dictionary form (広かった → 広い). Several: as written
        // (自動更新される, not the lemmas 自動更新するれる).
        _ if !entry.contains(' ') => entry.to_string(),
        // Korean lemmas read well joined (연결안되다); Japanese ones do not
        // (自動更新するれる): those are shown as written.
        Lang::Ko => entry.replace(' ', ""),
        _ => match (toks.first(), toks.last()) {
            (Some(a), Some(b)) => t
                .normalized
                .get(a.norm.start..b.norm.end)
                .unwrap_or(entry)
                .to_string(),
            _ => entry.replace(' ', ""),
        },
    };
    if rules.contains(&"negated") {
        match lang {
            Lang::Ja => format!("{word}(否定)"),
            Lang::Ko => format!("{word}(부정)"),
            _ => format!("not {word}"),
        }
    } else {
        word
    }
}

/// A compound as written: Japanese and Korean words joined as in the text (a space
/// kept where there was one), English words lower-cased with one space.
fn surface_of(t: &TextAnalysis, toks: &[Token], lang: Lang) -> String {
    let mut out = String::new();
    let mut last_end: Option<usize> = None;
    for tok in toks {
        let norm = t.norm(tok);
        if let Some(e) = last_end
            && (tok.norm.start > e || lang == Lang::En)
        {
            out.push(' ');
        }
        if lang == Lang::En {
            out.push_str(&norm.to_lowercase());
        } else {
            out.push_str(norm);
        }
        last_end = Some(tok.norm.end);
    }
    out
}

/// Context similarity for an aspect to join a theme instead of starting one.
const JOIN: f64 = 0.45;
/// Context similarity for a frequent noun that is seldom an opinion target to join a
/// theme.
const ATTACH: f64 = 0.35;

/// Records a candidate needs before its context can join it to a theme.
const CONTEXT_SUPPORT: u32 = 8;

/// Most context words kept per candidate (a bound on memory).
const CONTEXT_CAP: usize = 64;
/// Most opinion words kept per candidate.
const OPINION_CAP: usize = 16;

#[derive(Debug, Default, Clone)]
struct Stat {
    records: u32,
    targets: u32,
    covered: u32,
    proper: u32,
    lang: Option<Lang>,
    parts: Vec<Lemma>,
    /// Wordings seen (at most 6), with counts.
    surfaces: Vec<(String, u32)>,
    /// Opinion words: (word, sign, count).
    opinions: Vec<(String, i8, u32)>,
    /// Context lemmas with counts.
    context: HashMap<Lemma, u32>,
}

/// Streaming aspect statistics (bounded memory: at most `cap` candidates, each with at
/// most 64 context words, 16 opinion words and 6 wordings).
#[derive(Debug)]
pub struct Discovery {
    stats: HashMap<String, Stat>,
    /// Context lemma totals (for PPMI).
    context_totals: HashMap<Lemma, u64>,
    records: u64,
    /// Candidates seen fewer times than this were pruned at some point.
    floor: u32,
    cap: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Self::new(100_000)
    }
}

/// A member (sub-theme) of a discovered theme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    /// The member as people write it.
    pub label: String,
    /// Records of the discovery sample that mention it.
    pub records: u64,
    /// Of those, records where an opinion is given about it.
    pub opinions: u64,
    /// The wordings the theme matches it by (`--emit-toml` terms).
    pub terms: Vec<String>,
}

/// Opinion words said about a theme, split by polarity (most frequent first).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Opinions {
    /// Positive opinion words with counts.
    pub positive: Vec<(String, u64)>,
    /// Negative opinion words with counts.
    pub negative: Vec<(String, u64)>,
}

/// A theme found in the data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiscoveredTheme {
    /// Readable id: `discovered.<label>` (`discovered.room`, `discovered.部屋`).
    pub id: String,
    /// Its most representative member, as people write it.
    pub label: String,
    /// Language of its members.
    pub lang: String,
    /// Mentions of its members in the discovery sample (a record mentioning two members
    /// counts twice; the theme table gives the exact records).
    pub mentions: u64,
    /// Records of the discovery sample where an opinion is given about one of its members.
    pub opinion_records: u64,
    /// Rank score (opinion records, then mentions).
    pub score: f64,
    /// Its members (sub-themes), most mentioned first.
    pub members: Vec<Member>,
    /// What people say about it, by polarity.
    pub opinions: Opinions,
}

impl Discovery {
    /// A table that prunes itself beyond `cap` candidates.
    pub fn new(cap: usize) -> Discovery {
        Discovery {
            stats: HashMap::default(),
            context_totals: HashMap::default(),
            records: 0,
            floor: 0,
            cap: cap.max(1000),
        }
    }

    /// Records added so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Adds one record's candidates.
    pub fn add(&mut self, cands: &[Candidate]) {
        self.records += 1;
        for c in cands {
            if !self.stats.contains_key(&c.key) {
                self.stats.insert(c.key.clone(), Stat::default());
            }
            let Some(st) = self.stats.get_mut(&c.key) else {
                continue;
            };
            st.records += 1;
            st.covered += u32::from(c.covered);
            st.proper += u32::from(c.proper);
            if st.lang.is_none() {
                st.lang = Some(c.lang);
                st.parts = c.parts.clone();
            }
            if let Some(n) = st.surfaces.iter_mut().find(|(s, _)| *s == c.surface) {
                n.1 += 1;
            } else if st.surfaces.len() < 6 {
                st.surfaces.push((c.surface.clone(), 1));
            }
            if let Some((word, sign)) = &c.opinion {
                st.targets += 1;
                if let Some(o) = st
                    .opinions
                    .iter_mut()
                    .find(|(w, s, _)| w == word && s == sign)
                {
                    o.2 += 1;
                } else if st.opinions.len() < OPINION_CAP {
                    st.opinions.push((word.clone(), *sign, 1));
                }
            }
            for w in &c.context {
                match self.context_totals.get_mut(w) {
                    Some(n) => *n += 1,
                    None => {
                        self.context_totals.insert(w.clone(), 1);
                    }
                }
                if let Some(x) = st.context.get_mut(w) {
                    *x += 1;
                } else if st.context.len() < CONTEXT_CAP {
                    st.context.insert(w.clone(), 1);
                }
            }
        }
        if self.stats.len() > self.cap {
            self.prune();
        }
    }

    fn prune(&mut self) {
        while self.stats.len() > self.cap / 2 {
            self.floor += 1;
            let floor = self.floor;
            self.stats.retain(|_, s| s.records > floor);
        }
        if self.context_totals.len() > self.cap {
            let floor = u64::from(self.floor);
            self.context_totals.retain(|_, n| *n > floor);
        }
    }

    /// The best `max` discovered themes. `text` checks that every member's wordings
    /// analyse back to the member (so an adopted theme matches what was counted).
    pub fn finish(&self, max: usize, text: &TextProcessor) -> Vec<DiscoveredTheme> {
        if max == 0 {
            return Vec::new();
        }
        let pool = self.pool(max);
        let vectors = self.context_vectors(&pool);
        let with_self = with_own_words(&pool, &vectors);
        let groups = group(&pool, &vectors, &with_self, max);
        let mut worker = text.new_worker();
        let mut ids: Vec<String> = Vec::new();
        let mut themes: Vec<DiscoveredTheme> = groups
            .into_iter()
            .filter_map(|g| theme_of(&pool, g, &mut worker, &mut ids))
            .collect();
        themes.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        themes
    }

    /// The candidates a theme can be made of: the aspects first (nouns people give
    /// opinions about, by how often), then the other frequent nouns, which may only
    /// join a theme; each with its rank and whether it is an aspect.
    fn pool(&self, max: usize) -> Vec<Pooled<'_>> {
        let n = self.records.max(1) as f64;
        let min_support = 3u32.max((n * 0.001) as u32).max(self.floor + 1);
        // Aspects: opinion targets often enough, not mostly covered by the taxonomy,
        // not a name nobody gives opinions about.
        // A generic noun (こと, thing) or the thing reviewed as a whole (商品, 영화,
        // product) is not a theme by itself.
        let (generic, whole) = (generic_nouns(), whole_nouns());
        let eligible = |s: &Stat| {
            let lang = s.lang.unwrap_or_default();
            let alone = |set: &std::collections::HashSet<(Lang, String)>| {
                s.parts.len() == 1 && set.contains(&(lang, s.parts[0].to_string()))
            };
            s.records >= min_support
                && (s.covered as f64) < 0.5 * s.records as f64
                && !alone(generic)
                && !alone(whole)
        };
        let is_aspect = |s: &Stat| {
            let target_share = s.targets as f64 / s.records as f64;
            let proper = s.proper as f64 > 0.5 * s.records as f64;
            s.targets >= 2 && target_share >= if proper { 0.3 } else { 0.08 }
        };
        // Seeds first (aspects by how often people give opinions about them), then the
        // other frequent nouns, which may only join a theme.
        // A name (proper noun) nobody gives opinions about is not even a member: it
        // says which thing a sentence is about, not which aspect of it.
        let name_only = |s: &Stat| s.proper as f64 > 0.5 * s.records as f64 && !is_aspect(s);
        let mut pool: Vec<Pooled<'_>> = self
            .stats
            .iter()
            .filter(|(_, s)| eligible(s) && !name_only(s))
            .map(|(k, s)| {
                let score = rank(u64::from(s.targets), u64::from(s.records));
                (k, s, score, is_aspect(s))
            })
            .collect();
        pool.sort_by(|a, b| b.3.cmp(&a.3).then(b.2.total_cmp(&a.2)).then(a.0.cmp(b.0)));
        let aspects = pool
            .iter()
            .filter(|p| p.3)
            .count()
            .min(max.saturating_mul(15).saturating_add(50));
        let extra = pool
            .len()
            .saturating_sub(aspects)
            .min(max.saturating_mul(25).saturating_add(100));
        let mut keep: Vec<Pooled<'_>> = pool[..aspects].to_vec();
        keep.extend(pool.iter().skip_while(|p| p.3).take(extra).cloned());
        keep
    }

    /// PPMI context vectors of the candidates (with the opinion words as features),
    /// L2-normalised.
    fn context_vectors(&self, pool: &[Pooled<'_>]) -> Vec<StdHashMap<String, f64>> {
        let total: f64 = self.context_totals.values().sum::<u64>().max(1) as f64;
        pool.iter()
            .map(|(_, s, _, _)| {
                let mut v: StdHashMap<String, f64> = StdHashMap::new();
                let own: f64 = s.context.values().map(|c| *c as f64).sum::<f64>().max(1.0);
                for (w, c) in &s.context {
                    let pw = self.context_totals.get(w).copied().unwrap_or(1) as f64 / total;
                    let pmi = ((*c as f64 / own) / pw).ln();
                    if pmi > 0.0 && *c >= 2 {
                        v.insert(w.to_string(), pmi);
                    }
                }
                let ops: f64 = s.opinions.iter().map(|o| o.2 as f64).sum::<f64>().max(1.0);
                for (w, _, c) in &s.opinions {
                    if *c >= 2 {
                        *v.entry(format!("op:{w}")).or_default() += (*c as f64 / ops) * 2.0;
                    }
                }
                let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for x in v.values_mut() {
                        *x /= norm;
                    }
                }
                v
            })
            .collect()
    }
}

/// A candidate of the pool: its key, its statistics, its rank and whether it is an
/// aspect (an opinion target often enough).
type Pooled<'a> = (&'a String, &'a Stat, f64, bool);

/// A discovered theme in the making: its members (indices in the pool) and their
/// summed context vectors.
struct Group {
    members: Vec<usize>,
    centroid: StdHashMap<String, f64>,
    centroid_self: StdHashMap<String, f64>,
    parts: Vec<Lemma>,
}

/// The context vectors with each candidate's own words added, so that a noun that
/// occurs beside a theme's members (zoom beside camera) resembles the theme: first-order
/// association, used only to attach nouns that are seldom opinion targets
/// (aspects that occur together are different aspects).
fn with_own_words(
    pool: &[Pooled<'_>],
    vectors: &[StdHashMap<String, f64>],
) -> Vec<StdHashMap<String, f64>> {
    pool.iter()
        .zip(vectors)
        .map(|((_, s, _, _), v)| {
            let mut v = v.clone();
            for p in &s.parts {
                *v.entry(p.to_string()).or_default() += 1.0;
            }
            v
        })
        .collect()
}

/// Groups the candidates into at most `max` themes: seeds in rank order; a candidate
/// joins a theme through a shared part (a compound and its head or modifier) or
/// close contexts.
fn group(
    pool: &[Pooled<'_>],
    vectors: &[StdHashMap<String, f64>],
    with_self: &[StdHashMap<String, f64>],
    max: usize,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let breadth = breadth(pool);
    let breadth_of = |l: &Lemma| breadth.get(l).copied().unwrap_or(0);
    for (i, (_, s, _, aspect)) in pool.iter().enumerate() {
        // A compound joins the theme of its most specific part: the one fewest other
        // compounds share (sound quality → sound, not quality, which picture, build
        // and image quality share too); ties in rank order.
        let by_part = groups
            .iter()
            .enumerate()
            .filter_map(|(gi, g)| {
                if s.parts.len() > 1 && g.parts.len() == 1 && s.parts.contains(&g.parts[0]) {
                    Some((gi, breadth_of(&g.parts[0])))
                } else if g.parts.len() > 1 && s.parts.len() == 1 && g.parts.contains(&s.parts[0]) {
                    Some((gi, 0))
                } else {
                    None
                }
            })
            .min_by_key(|&(gi, b)| (b, gi))
            .map(|(gi, _)| gi);
        let threshold = if *aspect { JOIN } else { ATTACH };
        // Contexts of a rare word say little: only candidates seen often enough
        // join by context.
        let enough = s.records >= CONTEXT_SUPPORT;
        let by_context = || {
            groups
                .iter()
                .enumerate()
                .filter(|_| enough)
                .map(|(gi, g)| {
                    let c = if *aspect {
                        &g.centroid
                    } else {
                        &g.centroid_self
                    };
                    (gi, cosine(&vectors[i], c))
                })
                .filter(|(_, c)| *c >= threshold)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(gi, _)| gi)
        };
        let lang_ok = |gi: usize| pool[groups[gi].members[0]].1.lang == s.lang;
        let target = by_part
            .filter(|&g| lang_ok(g))
            .or_else(|| by_context().filter(|&g| lang_ok(g)));
        match target {
            Some(gi) => {
                let g = &mut groups[gi];
                g.members.push(i);
                add_into(&mut g.centroid, &vectors[i], s.records as f64);
                add_into(&mut g.centroid_self, &with_self[i], s.records as f64);
            }
            None if groups.len() < max && *aspect => {
                let mut centroid = StdHashMap::new();
                add_into(&mut centroid, &vectors[i], s.records as f64);
                let mut centroid_self = StdHashMap::new();
                add_into(&mut centroid_self, &with_self[i], s.records as f64);
                groups.push(Group {
                    members: vec![i],
                    centroid,
                    centroid_self,
                    parts: s.parts.clone(),
                });
            }
            None => {}
        }
    }
    groups
}

/// How many compounds of the pool contain each lemma.
fn breadth<'a>(pool: &[Pooled<'a>]) -> HashMap<&'a Lemma, usize> {
    let mut out: HashMap<&'a Lemma, usize> = HashMap::default();
    for (_, s, _, _) in pool {
        if s.parts.len() > 1 {
            for p in &s.parts {
                *out.entry(p).or_default() += 1;
            }
        }
    }
    out
}

/// The discovered theme of a group: its members that have wordings which analyse
/// back to them, a unique id (not in `ids`, then added to it), its opinion words;
/// none when no member is left.
fn theme_of(
    pool: &[Pooled<'_>],
    g: Group,
    worker: &mut crate::text::TextWorker,
    ids: &mut Vec<String>,
) -> Option<DiscoveredTheme> {
    let mut members: Vec<Member> = Vec::new();
    let mut positive: StdHashMap<String, u64> = StdHashMap::new();
    let mut negative: StdHashMap<String, u64> = StdHashMap::new();
    let mut mentions = 0u64;
    let mut opinion_records = 0u64;
    let lang = pool[g.members[0]].1.lang.unwrap_or_default();
    for &mi in &g.members {
        let (_, s, _, _) = pool[mi];
        let mut surfaces = s.surfaces.clone();
        surfaces.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let terms: Vec<String> = surfaces
            .iter()
            .filter(|(w, _)| round_trips(worker, w, lang, &s.parts))
            .map(|(w, _)| w.clone())
            .take(3)
            .collect();
        if terms.is_empty() {
            continue;
        }
        mentions += u64::from(s.records);
        opinion_records += u64::from(s.targets);
        for (w, sign, c) in &s.opinions {
            let map = if *sign > 0 {
                &mut positive
            } else {
                &mut negative
            };
            *map.entry(w.clone()).or_default() += u64::from(*c);
        }
        members.push(Member {
            label: terms[0].clone(),
            records: u64::from(s.records),
            opinions: u64::from(s.targets),
            terms,
        });
    }
    if members.is_empty() {
        return None;
    }
    let label = members[0].label.clone();
    let mut id = format!("discovered.{}", slug(&label));
    let mut k = 2;
    while ids.contains(&id) {
        id = format!("discovered.{}-{k}", slug(&label));
        k += 1;
    }
    ids.push(id.clone());
    members.sort_by(|a, b| b.records.cmp(&a.records).then(a.label.cmp(&b.label)));
    let top = |m: StdHashMap<String, u64>| {
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(8);
        v
    };
    Some(DiscoveredTheme {
        id,
        label,
        lang: lang.as_str().to_string(),
        mentions,
        opinion_records,
        score: rank(opinion_records, mentions),
        members,
        opinions: Opinions {
            positive: top(positive),
            negative: top(negative),
        },
    })
}

/// How much people talk about an aspect: the records with an opinion about it count
/// fully, mere mentions a quarter (candidates and themes are ranked alike).
fn rank(opinions: u64, mentions: u64) -> f64 {
    opinions as f64 + 0.25 * mentions as f64
}

fn add_into(acc: &mut StdHashMap<String, f64>, v: &StdHashMap<String, f64>, w: f64) {
    for (k, x) in v {
        *acc.entry(k.clone()).or_default() += x * w;
    }
}

fn cosine(a: &StdHashMap<String, f64>, b: &StdHashMap<String, f64>) -> f64 {
    let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f64 = small
        .iter()
        .filter_map(|(k, x)| big.get(k).map(|y| x * y))
        .sum();
    let na = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Whether `term` analysed on its own gives the lemmas `parts` (what the matcher will
/// look for), so adopting it matches the mentions discovery counted.
fn round_trips(
    worker: &mut crate::text::TextWorker,
    term: &str,
    lang: Lang,
    parts: &[Lemma],
) -> bool {
    let a = worker.analyze(term, LangHint::Fixed(lang));
    let keys = super::key_tokens(&a);
    keys.len() == parts.len() && keys.iter().zip(parts).all(|(k, p)| k.lemma == *p)
}

/// An id-safe form of a label: letters and digits of any script kept (lower-cased),
/// anything else as `-`.
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("theme");
    }
    out
}

/// Discovered themes as a taxonomy to adopt (`koe themes --emit-toml`): every member's
/// wordings as terms, the label in the data's language.
pub fn to_taxonomy(themes: &[DiscoveredTheme]) -> TaxonomyFile {
    let mut file = TaxonomyFile {
        version: Some(1),
        max_gap: None,
        categories: vec![CategoryDef {
            id: "discovered".into(),
            label: Labels {
                en: Some("Discovered".into()),
                ja: Some("発見されたテーマ".into()),
                ko: Some("발견된 주제".into()),
            },
        }],
        themes: Vec::new(),
        domain: None,
    };
    for t in themes {
        let mut terms = Terms::default();
        let list = match t.lang.as_str() {
            "ja" => &mut terms.ja,
            "ko" => &mut terms.ko,
            _ => &mut terms.en,
        };
        for m in &t.members {
            for term in &m.terms {
                if !list.contains(term) {
                    list.push(term.clone());
                }
            }
        }
        let label = Some(t.label.clone());
        let mut opinions = Vec::new();
        if let Some((w, c)) = t.opinions.positive.first() {
            opinions.push(format!("+ {w} {c}"));
        }
        if let Some((w, c)) = t.opinions.negative.first() {
            opinions.push(format!("− {w} {c}"));
        }
        file.themes.push(ThemeDef {
            id: t.id.clone(),
            category: "discovered".into(),
            label: Labels {
                en: if t.lang == "en" { label.clone() } else { None },
                ja: if t.lang == "ja" { label.clone() } else { None },
                ko: if t.lang == "ko" { label.clone() } else { None },
            },
            description: Some(format!(
                "Discovered by koe: {} members, {} opinion mentions{}.",
                t.members.len(),
                t.opinion_records,
                if opinions.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", opinions.join(", "))
                }
            )),
            terms,
            exclude: Terms::default(),
            max_gap: Some(0),
            residual: false,
            extend: false,
            discovered: true,
            domains: Vec::new(),
        });
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_nouns_are_sorted_for_binary_search() {
        assert!(NOT_NOUNS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn generic_nouns_load_in_every_language() {
        let g = generic_nouns();
        assert!(g.contains(&(Lang::Ja, "こと".to_string())));
        assert!(g.contains(&(Lang::Ko, "생각".to_string())));
        // English words are stemmed like tokens (things → thing).
        assert!(g.contains(&(Lang::En, "thing".to_string())));
        assert!(g.contains(&(Lang::En, "experi".to_string())));
    }

    fn stat(parts: &[&str], records: u32, targets: u32, proper: u32) -> Stat {
        Stat {
            records,
            targets,
            proper,
            lang: Some(Lang::Ja),
            parts: parts.iter().map(|p| Lemma::from(*p)).collect(),
            ..Stat::default()
        }
    }

    #[test]
    fn a_compound_joins_the_theme_of_its_most_specific_part() {
        // quality is ranked first, but picture, build and sound quality all share it:
        // sound quality is about the sound.
        let stats = [
            ("quality", stat(&["quality"], 60, 30, 0)),
            ("sound", stat(&["sound"], 50, 25, 0)),
            ("sound quality", stat(&["sound", "quality"], 40, 20, 0)),
            ("picture quality", stat(&["picture", "quality"], 20, 10, 0)),
            ("build quality", stat(&["build", "quality"], 10, 5, 0)),
        ];
        let keys: Vec<String> = stats.iter().map(|(k, _)| k.to_string()).collect();
        let pool: Vec<Pooled<'_>> = keys
            .iter()
            .zip(&stats)
            .map(|(k, (_, s))| (k, s, rank(s.targets.into(), s.records.into()), true))
            .collect();
        let vectors = vec![StdHashMap::new(); pool.len()];
        let groups = group(&pool, &vectors, &vectors, 20);
        let names =
            |g: &Group| -> Vec<&str> { g.members.iter().map(|&m| keys[m].as_str()).collect() };
        let sound = groups
            .iter()
            .find(|g| keys[g.members[0]] == "sound")
            .unwrap();
        assert_eq!(names(sound), ["sound", "sound quality"]);
        let quality = groups
            .iter()
            .find(|g| keys[g.members[0]] == "quality")
            .unwrap();
        assert_eq!(
            names(quality),
            ["quality", "picture quality", "build quality"]
        );
    }

    #[test]
    fn names_nobody_gives_opinions_about_are_not_members() {
        let mut d = Discovery::new(1000);
        d.records = 200;
        for (k, s) in [
            // A name people only mention: out.
            ("米国", stat(&["米国"], 40, 1, 40)),
            // A name people give opinions about: a theme.
            ("ディズニー", stat(&["ディズニー"], 30, 15, 30)),
            // A frequent noun seldom an opinion target: may still join a theme.
            ("年度", stat(&["年度"], 40, 0, 0)),
            ("部屋", stat(&["部屋"], 40, 20, 0)),
        ] {
            d.stats.insert(k.to_string(), s);
        }
        let pool = d.pool(20);
        let keys: Vec<&str> = pool.iter().map(|p| p.0.as_str()).collect();
        assert!(!keys.contains(&"米国"), "{keys:?}");
        for k in ["ディズニー", "年度", "部屋"] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
    }

    #[test]
    fn slugs_keep_letters_of_every_script() {
        assert_eq!(slug("部屋"), "部屋");
        assert_eq!(slug("Battery life"), "battery-life");
        assert_eq!(slug("세안 후"), "세안-후");
        assert_eq!(slug("!!"), "theme");
    }
}
