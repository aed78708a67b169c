//! English (and fallback) segmentation: unicode-segmentation word bounds, contractions
//! split (`don't` → `do` + `n't`), lemma = lower-cased Porter2 stem with a table of
//! irregular forms, POS from closed-class word lists and suffix heuristics.
//!
//! The same segmenter serves text in other languages (`Lang::Other`) without
//! stemming: rust-stemmers is only ever given ASCII English words.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

use super::Lang;
use super::normalize::is_emoji;
use super::segment::RawToken;
use super::stopwords::in_list;
use super::token::{Lemma, Pos};

const PRONOUNS: &[&str] = &[
    "i",
    "me",
    "my",
    "mine",
    "myself",
    "you",
    "your",
    "yours",
    "yourself",
    "he",
    "him",
    "his",
    "she",
    "her",
    "hers",
    "it",
    "its",
    "itself",
    "we",
    "us",
    "our",
    "ours",
    "they",
    "them",
    "their",
    "theirs",
    "this",
    "that",
    "these",
    "those",
    "who",
    "whom",
    "whose",
    "which",
    "what",
    "someone",
    "anyone",
    "everyone",
    "something",
    "anything",
    "everything",
    "nobody",
    "nothing",
    "somebody",
    "anybody",
];
const AUXILIARIES: &[&str] = &[
    "be", "am", "is", "are", "was", "were", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
    "ca", "wo", "sha",
];
const FUNCTION: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "into", "about", "than", "then", "so", "because", "while", "although", "though",
    "however", "yet", "nor", "over", "under", "after", "before", "since", "until", "up", "down",
    "out", "off", "through", "during", "per", "via", "'s", "s", "not", "n't", "no", "without",
];
const ADVERBS: &[&str] = &[
    "very",
    "too",
    "really",
    "quite",
    "just",
    "never",
    "always",
    "often",
    "still",
    "even",
    "again",
    "also",
    "only",
    "already",
    "soon",
    "now",
    "here",
    "there",
    "well",
    "almost",
    "rather",
    "pretty",
    "hardly",
    "barely",
    "extremely",
    "so",
    "ever",
    "once",
    "twice",
    "much",
    "more",
    "most",
    "less",
    "least",
    "somewhat",
    "slightly",
    "totally",
    "absolutely",
];
const NEGATORS: &[&str] = &[
    "not", "no", "never", "n't", "without", "hardly", "barely", "nobody", "nothing", "none", "nor",
    "neither", "nowhere", "cannot", "scarcely",
];

/// Irregular forms whose stem would not meet their lemma.
const IRREGULAR: &[(&str, &str)] = &[
    ("is", "be"),
    ("am", "be"),
    ("are", "be"),
    ("was", "be"),
    ("were", "be"),
    ("been", "be"),
    ("being", "be"),
    ("has", "have"),
    ("had", "have"),
    ("does", "do"),
    ("did", "do"),
    ("done", "do"),
    ("went", "go"),
    ("gone", "go"),
    ("got", "get"),
    ("gotten", "get"),
    ("bought", "buy"),
    ("paid", "pay"),
    ("sent", "send"),
    ("took", "take"),
    ("taken", "take"),
    ("made", "make"),
    ("gave", "give"),
    ("given", "give"),
    ("came", "come"),
    ("said", "say"),
    ("told", "tell"),
    ("broke", "break"),
    ("broken", "break"),
    ("kept", "keep"),
    ("left", "leave"),
    ("lost", "lose"),
    ("felt", "feel"),
    ("thought", "think"),
    ("found", "find"),
    ("spent", "spend"),
    ("ai", "be"),
    ("better", "good"),
    ("best", "good"),
    ("worse", "bad"),
    ("worst", "bad"),
    ("n't", "not"),
    ("ca", "can"),
    ("wo", "will"),
    ("sha", "shall"),
    ("'m", "be"),
    ("'re", "be"),
    ("'ve", "have"),
    ("'ll", "will"),
    ("'d", "would"),
    ("cannot", "cannot"),
    ("children", "child"),
    ("people", "people"),
    ("slower", "slow"),
    ("slowest", "slow"),
    ("faster", "fast"),
    ("fastest", "fast"),
    ("cheaper", "cheap"),
    ("cheapest", "cheap"),
    ("easier", "easi"),
    ("easiest", "easi"),
    ("harder", "hard"),
    ("longer", "long"),
    ("bigger", "big"),
    ("smaller", "small"),
    ("louder", "loud"),
    ("higher", "high"),
    ("lower", "low"),
    ("later", "late"),
    ("latest", "late"),
    ("nicer", "nice"),
    ("worked", "work"),
];

/// Verbs (by lemma) that are seldom nouns, so their forms are tagged VERB.
const VERBS: &[&str] = &[
    "get",
    "make",
    "take",
    "go",
    "come",
    "buy",
    "pay",
    "send",
    "tri",
    "want",
    "need",
    "like",
    "love",
    "hate",
    "wait",
    "receiv",
    "arriv",
    "deliv",
    "break",
    "crash",
    "sign",
    "instal",
    "recommend",
    "expect",
    "say",
    "tell",
    "ask",
    "give",
    "keep",
    "leav",
    "lose",
    "feel",
    "think",
    "find",
    "spend",
    "know",
    "see",
    "seem",
    "becom",
    "stop",
    "open",
    "close",
    "cancel",
    "refus",
    "ignor",
    "answer",
    "repli",
    "respond",
    "resolv",
    "fix",
    "help",
    "work",
    "charg",
    "forc",
    "lie",
    "steal",
    "wast",
    "regret",
    "enjoy",
    "disappoint",
    "frustrat",
    "annoy",
    "appreci",
    "suck",
];

/// Contractions written without an apostrophe, as base + "nt".
const BARE_NT: &[&str] = &[
    "dont", "doesnt", "didnt", "cant", "wont", "isnt", "arent", "wasnt", "werent", "couldnt",
    "wouldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint", "mustnt",
];

/// What the segmenter remembers about a word it has seen.
#[derive(Clone)]
struct WordEntry {
    lemma: Lemma,
    pos: Pos,
    negator: bool,
    /// Whether the word is an English stopword (by lemma or surface), when the
    /// segmenter knows the stopwords and the word was stemmed as English.
    stop: Option<bool>,
}

/// Bound of the per-worker caches (words, symbols): cleared when exceeded.
const CACHE_LIMIT: usize = 200_000;

/// A per-worker cache by word. Words of at most 15 bytes (nearly all) are keyed
/// inline by one u128 (their bytes, zero padded, and the length in the last byte): a
/// lookup hashes two machine words and compares one key, without following a pointer
/// to the key's bytes and comparing them there. Longer words are keyed by their
/// string.
struct WordCache<V> {
    short: HashMap<u128, V>,
    long: HashMap<Box<str>, V>,
}

impl<V> Default for WordCache<V> {
    fn default() -> Self {
        WordCache {
            short: HashMap::default(),
            long: HashMap::default(),
        }
    }
}

impl<V> WordCache<V> {
    /// The inline key of `w`, if it has at most 15 bytes: its bytes in order (little
    /// endian), zero-padded, and its length in the last byte.
    ///
    /// Read as two loads that may overlap rather than copied into a zeroed array:
    /// the array's byte-wise stores, read back as one u128, stalled each lookup on
    /// store forwarding.
    #[inline]
    fn key(w: &str) -> Option<u128> {
        let b = w.as_bytes();
        let n = b.len();
        // Little-endian words of `b` from `at` (the arms below keep them inside `b`).
        let u32_at = |at: usize| b[at..].first_chunk().map_or(0, |c| u32::from_le_bytes(*c));
        let u64_at = |at: usize| b[at..].first_chunk().map_or(0, |c| u64::from_le_bytes(*c));
        let bytes: u128 = match n {
            0 => 0,
            // First, middle and last byte (some of them the same byte).
            1..=3 => {
                u128::from(b[0])
                    | u128::from(b[n / 2]) << (8 * (n / 2))
                    | u128::from(b[n - 1]) << (8 * (n - 1))
            }
            // The first four and the last four bytes, overlapping: the bytes they share
            // are equal, so OR-ing them keeps them.
            4..=8 => u128::from(u32_at(0)) | u128::from(u32_at(n - 4)) << (8 * (n - 4)),
            // The first eight bytes, then the last eight shifted right past the ones
            // already read.
            9..=15 => u128::from(u64_at(0)) | u128::from(u64_at(n - 8) >> (8 * (16 - n))) << 64,
            _ => return None,
        };
        Some(bytes | (n as u128) << 120)
    }

    #[inline]
    fn get(&self, w: &str) -> Option<&V> {
        match Self::key(w) {
            Some(k) => self.short.get(&k),
            None => self.long.get(w),
        }
    }

    /// Inserts `w`, first clearing the cache when it holds more than [`CACHE_LIMIT`].
    fn insert(&mut self, w: &str, v: V) {
        if self.short.len() + self.long.len() > CACHE_LIMIT {
            self.short.clear();
            self.long.clear();
        }
        match Self::key(w) {
            Some(k) => self.short.insert(k, v),
            None => self.long.insert(Box::from(w), v),
        };
    }
}

/// Per-thread English segmenter.
pub struct EnglishSegmenter {
    stemmer: Stemmer,
    /// Cached entries, for stemmed (English) and plain (other languages) words.
    words: [WordCache<WordEntry>; 2],
    irregular: HashMap<&'static str, &'static str>,
    closed: HashMap<&'static str, Pos>,
    negators: FxHashSet<&'static str>,
    /// The English stopwords, to flag cached words once instead of per token.
    en_stop: Option<FxHashSet<&'static str>>,
    /// Lemmas of non-word pieces (punctuation, numbers, symbols), made once rather
    /// than per token, with their stopword flags (as `en_stop`).
    symbols: WordCache<(Lemma, Option<bool>)>,
    /// The lemma of every negator token (`n't`, `nt`).
    not: Lemma,
}

/// Word pieces of a text: the ASCII fast path or Unicode word bounds.
enum Pieces<'a> {
    Ascii(AsciiWordBounds<'a>),
    Unicode(unicode_segmentation::UWordBoundIndices<'a>),
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Pieces::Ascii(it) => it.next(),
            Pieces::Unicode(it) => it.next(),
        }
    }
}

impl Default for EnglishSegmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl EnglishSegmenter {
    /// A new segmenter (cheap; one per worker thread).
    pub fn new() -> Self {
        // Closed classes, first list wins (a word in two lists keeps the first).
        let mut closed = HashMap::default();
        for (list, pos) in [
            (PRONOUNS, Pos::Pron),
            (AUXILIARIES, Pos::Aux),
            (ADVERBS, Pos::Adv),
            (FUNCTION, Pos::Part),
            (NEGATORS, Pos::Part),
        ] {
            for w in list {
                closed.entry(*w).or_insert(pos);
            }
        }
        EnglishSegmenter {
            stemmer: Stemmer::create(Algorithm::English),
            words: [WordCache::default(), WordCache::default()],
            irregular: IRREGULAR.iter().copied().collect(),
            closed,
            negators: NEGATORS.iter().copied().collect(),
            en_stop: None,
            symbols: WordCache::default(),
            not: Lemma::new("not"),
        }
    }

    /// A segmenter that also flags English stopwords (`set`: the English stopword
    /// list) in its word cache, for [`RawToken::stop`].
    pub(crate) fn with_stopwords(set: FxHashSet<&'static str>) -> Self {
        EnglishSegmenter {
            en_stop: Some(set),
            ..Self::new()
        }
    }

    /// The token of a non-word `piece` at `span`: its lemma is the piece itself,
    /// shared and flagged as a stopword or not once per worker (as words are).
    fn symbol(&mut self, span: Range<usize>, piece: &str, pos: Pos, tag: &'static str) -> RawToken {
        let (lemma, stop) = match self.symbols.get(piece) {
            Some(cached) => cached.clone(),
            None => {
                let stop = self.en_stop.as_ref().map(|set| in_list(set, piece, piece));
                let cached = (Lemma::new(piece), stop);
                self.symbols.insert(piece, cached.clone());
                cached
            }
        };
        let mut t = RawToken::new(span, lemma, pos, tag);
        t.stop = stop.map(|s| (Lang::En, s));
        t
    }

    /// Lemma, POS and negation of a word (cached per worker).
    fn entry(&mut self, word: &str, stem: bool) -> WordEntry {
        let slot = usize::from(stem);
        if let Some(e) = self.words[slot].get(word) {
            return e.clone();
        }
        let closed = self.closed.get(word).copied();
        let lemma = if let Some(l) = self.irregular.get(word) {
            Lemma::new(l)
        } else if stem
            && closed.is_none()
            && word.len() > 2
            && word.bytes().all(|b| b.is_ascii_lowercase())
        {
            Lemma::new(self.stemmer.stem(word).as_ref())
        } else {
            Lemma::new(word)
        };
        let pos = if !stem {
            Pos::X
        } else if let Some(p) = closed {
            p
        } else if VERBS.contains(&&*lemma)
            || (self.irregular.contains_key(word) && !matches!(&*lemma, "good" | "bad"))
        {
            Pos::Verb
        } else {
            english_pos(word)
        };
        let stop = match &self.en_stop {
            Some(set) if stem => Some(in_list(set, &lemma, word)),
            _ => None,
        };
        let entry = WordEntry {
            lemma,
            pos,
            negator: stem && self.negators.contains(word),
            stop,
        };
        self.words[slot].insert(word, entry.clone());
        entry
    }

    /// Lemma, POS and negator flag of one English word (lower case).
    pub(crate) fn describe_word(&mut self, word: &str) -> (Lemma, Pos, bool) {
        let e = self.entry(word, true);
        (e.lemma, e.pos, e.negator)
    }

    fn lemma(&mut self, word: &str, stem: bool) -> Lemma {
        self.entry(word, stem).lemma
    }

    /// Segments the normalized `text` (one sentence; `base` is its offset in the
    /// normalized document) and appends raw tokens with document offsets.
    pub(crate) fn segment(
        &mut self,
        text: &str,
        base: usize,
        emoticons: &[Range<usize>],
        stem: bool,
        out: &mut Vec<RawToken>,
    ) {
        let mut emo = emoticons.iter().peekable();
        let pieces = if text.is_ascii() {
            Pieces::Ascii(AsciiWordBounds { text, pos: 0 })
        } else {
            Pieces::Unicode(text.split_word_bound_indices())
        };
        for (off, piece) in pieces {
            let start = base + off;
            let end = start + piece.len();
            // Emoticons (document offsets) become one token.
            while emo.peek().is_some_and(|r| r.end <= start) {
                emo.next();
            }
            if let Some(r) = emo.peek()
                && r.start < end
                && r.end > start
            {
                if r.start >= start {
                    let piece = &text[r.start - base..r.end - base];
                    out.push(self.symbol((*r).clone(), piece, Pos::Sym, "en:emoticon"));
                }
                continue;
            }
            let first = match piece.chars().next() {
                Some(c) => c,
                None => continue,
            };
            if first.is_whitespace() {
                continue;
            }
            if piece.chars().any(|c| c.is_alphabetic()) {
                self.joined_words(piece, start, stem, out);
            } else if first.is_numeric() {
                out.push(self.symbol(start..end, piece, Pos::Num, "en:num"));
            } else if is_emoji(first) {
                out.push(self.symbol(start..end, piece, Pos::Sym, "en:emoji"));
            } else if first.is_ascii_punctuation()
                && !matches!(
                    first,
                    '$' | '%'
                        | '+'
                        | '<'
                        | '='
                        | '>'
                        | '^'
                        | '|'
                        | '~'
                        | '`'
                        | '#'
                        | '&'
                        | '*'
                        | '@'
                        | '\\'
                )
                || matches!(first, '、' | '。' | '「' | '」' | '・')
            {
                out.push(self.symbol(start..end, piece, Pos::Punct, "en:punct"));
            } else {
                out.push(self.symbol(start..end, piece, Pos::Sym, "en:sym"));
            }
        }
    }

    /// A word piece as Unicode word bounds leave it may hold several words that
    /// reviews glue together: "great.Camera", "great:it's", "all_in_one". They are
    /// split at ':' and '_', and at '.' unless both sides are single letters
    /// (e.g, u.s.a stay whole).
    fn joined_words(&mut self, piece: &str, start: usize, stem: bool, out: &mut Vec<RawToken>) {
        if !piece.bytes().any(|b| matches!(b, b'.' | b':' | b'_')) {
            return self.word(piece, start, stem, out);
        }
        let parts: Vec<&str> = piece.split(['.', ':', '_']).collect();
        let single = |s: &str| s.chars().count() == 1;
        let mut at = 0;
        let mut word_start = 0;
        for (i, part) in parts.iter().enumerate() {
            let sep_at = at + part.len();
            if sep_at >= piece.len() {
                break;
            }
            let sep = piece.as_bytes()[sep_at];
            let keep = sep == b'.' && single(part) && parts.get(i + 1).is_some_and(|n| single(n));
            if !keep {
                self.glued_part(&piece[word_start..sep_at], start + word_start, stem, out);
                out.push(self.symbol(
                    start + sep_at..start + sep_at + 1,
                    &piece[sep_at..sep_at + 1],
                    if sep == b'_' { Pos::Sym } else { Pos::Punct },
                    if sep == b'_' { "en:sym" } else { "en:punct" },
                ));
                word_start = sep_at + 1;
            }
            at = sep_at + 1;
        }
        self.glued_part(&piece[word_start..], start + word_start, stem, out);
    }

    fn glued_part(&mut self, w: &str, start: usize, stem: bool, out: &mut Vec<RawToken>) {
        if w.chars().any(char::is_alphabetic) {
            self.word(w, start, stem, out);
        } else if !w.is_empty() {
            out.push(self.symbol(start..start + w.len(), w, Pos::Num, "en:num"));
        }
    }

    fn word(&mut self, word: &str, start: usize, stem: bool, out: &mut Vec<RawToken>) {
        // Contractions: don't → do + n't; it's → it + 's; dont → do + nt.
        if word.len() > 3 && word.ends_with("n't") {
            let base_len = word.len() - 3;
            self.plain_word(&word[..base_len], start, stem, out);
            out.push(self.negator_token(start + base_len..start + word.len()));
            return;
        }
        // Every BARE_NT form ends in "nt": test that before the list.
        if stem && word.ends_with("nt") && BARE_NT.contains(&word) {
            let base_len = word.len() - 2;
            self.plain_word(&word[..base_len], start, stem, out);
            out.push(self.negator_token(start + base_len..start + word.len()));
            return;
        }
        // '\'' is ASCII: its last byte position is its last char position.
        if let Some(pos) = word.bytes().rposition(|b| b == b'\'')
            && pos > 0
            && matches!(&word[pos..], "'s" | "'re" | "'ve" | "'ll" | "'d" | "'m")
        {
            self.plain_word(&word[..pos], start, stem, out);
            let suffix = &word[pos..];
            let lemma = self.lemma(suffix, stem);
            let p = if suffix == "'s" { Pos::Part } else { Pos::Aux };
            out.push(RawToken::new(
                start + pos..start + word.len(),
                lemma,
                p,
                "en:clitic",
            ));
            return;
        }
        self.plain_word(word, start, stem, out);
    }

    fn negator_token(&mut self, span: Range<usize>) -> RawToken {
        let mut t = RawToken::new(span, self.not.clone(), Pos::Part, "en:neg");
        t.negator = true;
        t
    }

    fn plain_word(&mut self, word: &str, start: usize, stem: bool, out: &mut Vec<RawToken>) {
        if word.is_empty() {
            return;
        }
        let e = self.entry(word, stem);
        let tag = if stem { "en:word" } else { "other:word" };
        let mut t = RawToken::new(start..start + word.len(), e.lemma, e.pos, tag);
        t.negator = e.negator;
        t.stop = e.stop.map(|s| (Lang::En, s));
        out.push(t);
    }
}

/// Open-class POS by suffix (closed classes are looked up first).
fn english_pos(w: &str) -> Pos {
    if w.bytes().all(|b| b.is_ascii_digit()) {
        Pos::Num
    } else if w.len() > 4 && w.ends_with("ly") {
        Pos::Adv
    } else if w.len() > 4
        && (w.ends_with("ing") || w.ends_with("ed") || w.ends_with("ize") || w.ends_with("ise"))
    {
        Pos::Verb
    } else if w.len() > 4
        && [
            "ous", "ful", "less", "able", "ible", "ive", "al", "ic", "ish", "est",
        ]
        .iter()
        .any(|s| w.ends_with(s))
    {
        Pos::Adj
    } else {
        Pos::Noun
    }
}

/// UAX #29 word boundaries for ASCII text, the common case, without the general
/// Unicode machinery: letters and digits join (with `_`), and `'` `.` `:` join two
/// letters, `.` `,` two digits; whitespace runs and every other byte stand alone.
///
/// Measured need: `koe analyze` of ../shared/corpus/en.txt runs 6% faster end to end
/// with it than with Unicode word bounds for all text (benches/README.md, "Text core
/// fast paths").
///
/// One known difference from `split_word_bound_indices`, its reference: `;` between
/// two digits (`&#10;2`) is a piece of its own here, where UAX #29 (MidNum) joins
/// `10;2`. It stays, as the tokens of English output depend on it (ten lines of
/// `../shared/corpus/en.txt` would change); the tests pin it.
struct AsciiWordBounds<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for AsciiWordBounds<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.text.as_bytes();
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let mut end = start + 1;
        if word(b[start]) {
            while end < b.len() {
                if word(b[end]) {
                    end += 1;
                    continue;
                }
                if end + 1 < b.len()
                    && ((matches!(b[end], b'\'' | b'.' | b':')
                        && b[end - 1].is_ascii_alphabetic()
                        && b[end + 1].is_ascii_alphabetic())
                        || (matches!(b[end], b'.' | b',' | b'\'')
                            && b[end - 1].is_ascii_digit()
                            && b[end + 1].is_ascii_digit()))
                {
                    end += 2;
                } else {
                    break;
                }
            }
        } else if b[start].is_ascii_whitespace() {
            while end < b.len() && b[end].is_ascii_whitespace() {
                end += 1;
            }
        }
        self.pos = end;
        Some((start, &self.text[start..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inline and string keys find exactly their own word: lengths 0 to 40, a NUL
    /// byte (the inline padding), and the clearing bound.
    #[test]
    fn word_cache_keys() {
        // The inline key is the bytes, zero-padded, with the length in the last byte.
        let all = "abcdefghijklmnop";
        for n in 0..=16 {
            let w = &all[..n];
            let mut k = [0u8; 16];
            k[..n.min(15)].copy_from_slice(&w.as_bytes()[..n.min(15)]);
            k[15] = n as u8;
            let expected = (n <= 15).then(|| u128::from_le_bytes(k));
            assert_eq!(WordCache::<()>::key(w), expected, "{w:?}");
        }

        let mut cache = WordCache::default();
        let words: Vec<String> = (0..=40)
            .map(|n| "w".repeat(n))
            .chain(["a\0".to_string(), "a\0\0".to_string(), "é".to_string()])
            .collect();
        for (i, w) in words.iter().enumerate() {
            cache.insert(w, i);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(cache.get(w), Some(&i), "{w:?}");
        }
        assert_eq!(cache.get("x"), None);
        assert_eq!(cache.get(&"w".repeat(41)), None);
        for i in 0..=CACHE_LIMIT + 1 {
            cache.insert(&i.to_string(), i);
        }
        assert!(cache.short.len() + cache.long.len() <= CACHE_LIMIT + 1);
        assert_eq!(
            cache.get(&(CACHE_LIMIT + 1).to_string()),
            Some(&(CACHE_LIMIT + 1))
        );
    }

    /// Cached stopword flags, of words and of symbols alike, are the list's answer
    /// for the token's lemma and surface (twice over: first sight and cache).
    #[test]
    fn cached_stop_flags_match_the_list() {
        let list: FxHashSet<&'static str> = ["the", "be", "-", "1", ":)", "...", "_"]
            .into_iter()
            .collect();
        let mut seg = EnglishSegmenter::with_stopwords(list.clone());
        let text = "The 1 - box was :) late... 2 all_in_one :( e.g - the";
        let emoticons: Vec<Range<usize>> = [":)", ":("]
            .iter()
            .filter_map(|e| text.find(e).map(|at| at..at + e.len()))
            .collect();
        for _ in 0..2 {
            let mut out = Vec::new();
            seg.segment(text, 0, &emoticons, true, &mut out);
            let mut flagged = 0;
            for t in &out {
                let surface = &text[t.norm.clone()];
                let expected = in_list(&list, &t.lemma, surface);
                assert_eq!(t.stop, Some((Lang::En, expected)), "{surface:?}");
                flagged += usize::from(expected);
            }
            assert_eq!(flagged, 8, "{out:?}");
        }
    }

    #[test]
    fn glued_words_are_split_but_abbreviations_stay() {
        let mut seg = EnglishSegmenter::new();
        let text = "great.Camera great:it's all_in_one e.g u.s.a v1.2";
        let mut out = Vec::new();
        seg.segment(text, 0, &[], true, &mut out);
        let words: Vec<&str> = out
            .iter()
            .filter(|t| !matches!(t.pos, Pos::Punct | Pos::Sym))
            .map(|t| &text[t.norm.clone()])
            .collect();
        assert_eq!(
            words,
            [
                "great", "Camera", "great", "it", "'s", "all", "in", "one", "e.g", "u.s.a", "v1",
                "2"
            ]
        );
    }

    /// The one difference of the ASCII word scan from Unicode word bounds: `;`
    /// between digits stands alone (UAX #29 joins `10;2`).
    #[test]
    fn semicolon_between_digits_is_the_known_difference() {
        let text = "&#10;2 a;b 1; 2";
        let fast: Vec<&str> = AsciiWordBounds { text, pos: 0 }.map(|(_, p)| p).collect();
        let slow: Vec<&str> = text.split_word_bounds().collect();
        assert_eq!(
            fast,
            [
                "&", "#", "10", ";", "2", " ", "a", ";", "b", " ", "1", ";", " ", "2"
            ]
        );
        assert_eq!(
            slow,
            [
                "&", "#", "10;2", " ", "a", ";", "b", " ", "1", ";", " ", "2"
            ]
        );
    }

    #[test]
    fn bare_nt_forms_end_in_nt() {
        assert!(BARE_NT.iter().all(|w| w.ends_with("nt")));
    }

    #[test]
    fn ascii_bounds_match_unicode_segmentation() {
        for text in [
            "I can't log in since the update!!! e.g. 3.5 or 1,000 items, x.com t_t :) it's",
            "a-b c--d 'quoted' \"dq\" (paren) 12ab ab12 a.b. a:b end.",
        ] {
            let fast: Vec<_> = AsciiWordBounds { text, pos: 0 }.collect();
            let slow: Vec<_> = text.split_word_bound_indices().collect();
            assert_eq!(fast, slow, "{text}");
        }
    }

    /// The ASCII word scan cuts generated texts (words, numbers, joiners at word and
    /// number edges, punctuation, runs of spaces) where Unicode word bounds do; with
    /// tabs and line ends, whose runs it keeps as one piece, the pieces that are not
    /// whitespace (the only ones [`EnglishSegmenter::segment`] keeps) are the same.
    /// (`;` is left out: see `semicolon_between_digits_is_the_known_difference`.)
    #[test]
    fn ascii_bounds_match_unicode_segmentation_on_generated_texts() {
        let pieces = [
            "refund",
            "A",
            "b",
            "IT",
            "x1",
            "42",
            "3",
            "_",
            "'",
            ".",
            ",",
            ":",
            "-",
            "!",
            "?",
            "(",
            ")",
            "\"",
            "$",
            "%",
            "@",
            "#",
            "/",
            " ",
            "  ",
            "don't",
            "e.g.",
            "1,000",
            "2.5",
            "u.s.a",
            "a:b",
            "ab_cd",
            "9'9",
            "'s",
            "..",
            "zz",
            "areallylongwordofmanyletters",
        ];
        let non_space = |v: Vec<(usize, &str)>| -> Vec<(usize, String)> {
            v.into_iter()
                .filter(|(_, p)| !p.starts_with(|c: char| c.is_ascii_whitespace()))
                .map(|(at, p)| (at, p.to_string()))
                .collect()
        };
        for text in crate::text::generated_texts(&pieces, 20_000, 16, 0x5eed_0001) {
            let fast: Vec<_> = AsciiWordBounds {
                text: &text,
                pos: 0,
            }
            .collect();
            let slow: Vec<_> = text.split_word_bound_indices().collect();
            assert_eq!(fast, slow, "{text:?}");
        }
        let with_breaks: Vec<&str> = pieces
            .iter()
            .copied()
            .chain(["\t", "\n", "\r\n", "\t "])
            .collect();
        for text in crate::text::generated_texts(&with_breaks, 20_000, 16, 0x5eed_0002) {
            let fast = non_space(
                AsciiWordBounds {
                    text: &text,
                    pos: 0,
                }
                .collect(),
            );
            let slow = non_space(text.split_word_bound_indices().collect());
            assert_eq!(fast, slow, "{text:?}");
        }
    }
}
