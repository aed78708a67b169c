//! The token type shared by every language segmenter.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Coarse part of speech, shared across Japanese, Korean and English.
///
/// The language-specific tag stays available in [`Token::tag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Pos {
    /// Nouns, including proper nouns and noun-like roots.
    Noun,
    /// Verbs and verb-forming suffixes.
    Verb,
    /// Adjectives, adjectival nouns' predicates and determiners.
    Adj,
    /// Adverbs and conjunctive adverbs.
    Adv,
    /// Auxiliaries, copulas and auxiliary verbs (ja 助動詞, ko VX/VCP/VCN, en be/have/do/modals).
    Aux,
    /// Particles, endings, conjunctions and other function words.
    Part,
    /// Pronouns.
    Pron,
    /// Numbers.
    Num,
    /// Sentence punctuation and brackets.
    Punct,
    /// Symbols, emoji and emoticons.
    Sym,
    /// Anything else: interjections, prefixes, foreign or unknown material.
    X,
}

impl Pos {
    /// The upper-case name used in output (`NOUN`, `VERB`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Pos::Noun => "NOUN",
            Pos::Verb => "VERB",
            Pos::Adj => "ADJ",
            Pos::Adv => "ADV",
            Pos::Aux => "AUX",
            Pos::Part => "PART",
            Pos::Pron => "PRON",
            Pos::Num => "NUM",
            Pos::Punct => "PUNCT",
            Pos::Sym => "SYM",
            Pos::X => "X",
        }
    }

    /// True for the open word classes that carry content (noun, verb, adjective, adverb).
    pub fn is_content(self) -> bool {
        matches!(self, Pos::Noun | Pos::Verb | Pos::Adj | Pos::Adv)
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Pos {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "NOUN" => Pos::Noun,
            "VERB" => Pos::Verb,
            "ADJ" => Pos::Adj,
            "ADV" => Pos::Adv,
            "AUX" => Pos::Aux,
            "PART" => Pos::Part,
            "PRON" => Pos::Pron,
            "NUM" => Pos::Num,
            "PUNCT" => Pos::Punct,
            "SYM" => Pos::Sym,
            "X" => Pos::X,
            other => return Err(format!("unknown part of speech '{other}'")),
        })
    }
}

/// One token of analysed text.
///
/// Spans are byte ranges: `span` into the ORIGINAL input text (always on char
/// boundaries, suitable for highlighting), `norm` into the normalized text held by
/// the [`TextAnalysis`](super::TextAnalysis) the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range of the token in the original input.
    pub span: Range<usize>,
    /// Byte range of the token's normalized form in the normalized text.
    pub norm: Range<usize>,
    /// Dictionary form: ja base form (遅く→遅い), ko dictionary form (느려서→느리다),
    /// en lower-cased stem (refunds→refund).
    pub lemma: Arc<str>,
    /// Coarse part of speech.
    pub pos: Pos,
    /// The raw tag of the analyser (IPADIC `名詞,一般`, ko-dic `VA+EC`, `en:word`).
    pub tag: &'static str,
    /// Whether the lemma is in the language's stopword list.
    pub stop: bool,
    /// Whether the token negates (ない/ず/ません, 안/못/않다/없다, not/no/never/n't).
    pub negator: bool,
}

/// Interns raw tags so tokens carry a `&'static str` instead of an allocation.
///
/// Tag sets are small and finite (dictionary part-of-speech combinations), so the
/// leaked strings are bounded by the dictionaries loaded.
#[cfg_attr(not(any(feature = "ja", feature = "ko")), allow(dead_code))]
pub(crate) fn intern_tag(tag: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TAGS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let set = TAGS.get_or_init(|| Mutex::new(HashSet::new()));
    let mut guard = match set.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = guard.get(tag) {
        return found;
    }
    // Guard against unbounded growth from pathological user dictionaries.
    if guard.len() > 100_000 {
        return "X";
    }
    let leaked: &'static str = Box::leak(tag.to_owned().into_boxed_str());
    guard.insert(leaked);
    leaked
}
