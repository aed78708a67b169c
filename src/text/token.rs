//! The token type shared by every language segmenter.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

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

/// A token's lemma: a string that is cheap to clone and reads as a `&str`.
///
/// Every token carries its own, and segmenters hand out the same lemma of a word
/// again and again: a [`SmolStr`] keeps a lemma of at most 23 bytes (nearly every
/// English word, seven kana, kanji or hangul) inline, cloned by copying 24 bytes,
/// and shares a single allocation for a longer one. Compares, orders and hashes as
/// the string it holds.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lemma(SmolStr);

impl Lemma {
    /// The lemma `s`.
    #[inline]
    pub fn new(s: &str) -> Self {
        Lemma(SmolStr::new(s))
    }

    /// The lemma as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for Lemma {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Lemma {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Lemma {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Lemma {
    fn from(s: &str) -> Self {
        Lemma::new(s)
    }
}

impl From<String> for Lemma {
    fn from(s: String) -> Self {
        Lemma(SmolStr::from(s))
    }
}

impl From<Arc<str>> for Lemma {
    /// Shares `s` when it is too long to be kept inline.
    fn from(s: Arc<str>) -> Self {
        Lemma(SmolStr::from(s))
    }
}

impl PartialEq<str> for Lemma {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Lemma {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::hash::Hash for Lemma {
    /// As the `str` (so maps keyed by lemmas can be asked with a `&str`).
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Lemma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Lemma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Lemma {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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
    pub lemma: Lemma,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A lemma reads, compares, orders and hashes as its string, inline (up to 23
    /// bytes) or shared (longer), at the boundary and with multi-byte chars; it is no
    /// bigger than 24 bytes.
    #[test]
    fn lemma_is_its_string() {
        assert!(std::mem::size_of::<Lemma>() <= 24);
        let texts = [
            "",
            "a",
            "refund",
            "느리다",
            "遅い",
            "abcdefghijklmnopqrstuv",   // 22 bytes: inline
            "abcdefghijklmnopqrstuvw",  // 23 bytes: inline
            "abcdefghijklmnopqrstuvwx", // 24 bytes: shared
            "サブスクリプション",       // 27 bytes
            "해지하다해지하다",         // 24 bytes
            "😀",
        ];
        let mut map: HashMap<Lemma, usize> = HashMap::new();
        for (i, t) in texts.iter().enumerate() {
            let l = Lemma::new(t);
            assert_eq!(&*l, *t);
            assert_eq!(l.as_str(), *t);
            assert_eq!(l.to_string(), *t);
            assert_eq!(format!("{l:?}"), format!("{t:?}"));
            assert_eq!(l, Lemma::from(t.to_string()));
            assert_eq!(l, Lemma::from(Arc::<str>::from(*t)));
            assert_eq!(l.clone(), l);
            assert!(l == *t);
            let inline = !l.0.is_heap_allocated();
            assert_eq!(inline, t.len() <= 23, "{t}");
            map.insert(l, i);
        }
        for (i, t) in texts.iter().enumerate() {
            // Looked up by `&str`: the hash is the string's.
            assert_eq!(map.get(*t), Some(&i));
        }
        let mut sorted: Vec<Lemma> = texts.iter().map(|t| Lemma::new(t)).collect();
        sorted.sort();
        let mut want: Vec<&str> = texts.to_vec();
        want.sort();
        assert!(sorted.iter().map(|l| l.as_str()).eq(want));
        assert_eq!(
            serde_json::to_string(&Lemma::new("遅い")).ok().as_deref(),
            Some("\"遅い\"")
        );
    }

    /// A clone of a shared lemma is one more owner of the same allocation (the
    /// clone raises the count; dropping either leaves the other readable); an inline
    /// clone is independent of its original.
    #[test]
    fn lemma_clones_own_their_share() {
        let long: Arc<str> = Arc::from("abcdefghijklmnopqrstuvwxyz");
        let a = Lemma::from(Arc::clone(&long));
        assert_eq!(Arc::strong_count(&long), 2);
        let b = a.clone();
        let c = b.clone();
        assert_eq!(Arc::strong_count(&long), 4);
        drop(a);
        drop(b);
        assert_eq!(Arc::strong_count(&long), 2);
        assert_eq!(&*c, &*long);
        drop(c);
        assert_eq!(Arc::strong_count(&long), 1);
        let short = Lemma::new("refund");
        let copy = short.clone();
        drop(short);
        assert_eq!(&*copy, "refund");
    }
}
