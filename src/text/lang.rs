//! Language detection for Japanese, Korean and English (everything else is `other`).
//!
//! Script counts decide between the CJK languages and Latin text: kana and kanji
//! vote for Japanese, hangul for Korean, Latin letters for English; a CJK character
//! weighs as much as three Latin letters, so "iPhoneの画面が割れた" is Japanese and
//! "앱 login이 안 돼요" Korean. Latin text is English unless function words or
//! diacritics of other European languages dominate. Han-only text of eight or more
//! characters without kana is treated as Chinese (`other`). Works on one word.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::swar;

/// A language koe analyses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Japanese.
    Ja,
    /// Korean.
    Ko,
    /// English.
    En,
    /// Anything else (other scripts, other Latin languages, no letters at all).
    #[default]
    Other,
}

impl Lang {
    /// ISO 639-1 code (`ja`, `ko`, `en`) or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::Ko => "ko",
            Lang::En => "en",
            Lang::Other => "other",
        }
    }

    /// All languages, in output order.
    pub const ALL: [Lang; 4] = [Lang::Ja, Lang::Ko, Lang::En, Lang::Other];
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" => Ok(Lang::Ja),
            "ko" | "kr" | "korean" => Ok(Lang::Ko),
            "en" | "english" => Ok(Lang::En),
            "other" => Ok(Lang::Other),
            other => Err(format!(
                "unknown language '{other}' (expected ja, ko, en or other)"
            )),
        }
    }
}

/// Script counts of a piece of text.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ScriptCounts {
    kana: u32,
    han: u32,
    hangul: u32,
    latin: u32,
    other_letters: u32,
    latin_diacritics: u32,
}

impl ScriptCounts {
    pub(crate) fn of(text: &str) -> Self {
        // ASCII text (the common case in English): only letters count, as Latin.
        // One branch-free pass that also tells whether a byte was not ASCII.
        let mut high = 0u8;
        let mut latin = 0u32;
        for &b in text.as_bytes() {
            high |= b;
            latin += u32::from(b.is_ascii_alphabetic());
        }
        if high < 0x80 {
            return ScriptCounts {
                latin,
                ..ScriptCounts::default()
            };
        }
        let mut s = ScriptCounts::default();
        for c in text.chars() {
            let u = c as u32;
            // Most chars of CJK text sit in blocks of one kind: one table read.
            let kind = match BLOCK_KINDS.get((u >> 6) as usize) {
                Some(&kind) if kind != MIXED => kind,
                _ => kind_of(u),
            };
            s.count(kind, c);
        }
        s
    }

    /// Counts `c`, of [`kind_of`] `kind` (or its block's kind).
    fn count(&mut self, kind: u8, c: char) {
        let u = c as u32;
        match kind {
            NO_LETTER => {}
            KANA if u != 0x3040 => self.kana += 1,
            HAN => self.han += 1,
            HANGUL => self.hangul += 1,
            _ if is_latin(u) => {
                self.latin += 1;
                self.latin_diacritics += u32::from(u >= 0xC0);
            }
            _ if c.is_alphabetic() => self.other_letters += 1,
            _ => {}
        }
    }

    /// More than one script family present (CJK, hangul, Latin, other), or Latin
    /// text whose language words could differ per sentence.
    pub(crate) fn is_mixed(&self) -> bool {
        let families = [
            self.kana + self.han,
            self.hangul,
            self.latin,
            self.other_letters,
        ];
        families.iter().filter(|n| **n > 0).count() > 1 || self.latin_diacritics > 0
    }

    /// The language every letter of the text belongs to when they are all of one
    /// CJK script family: kana and kanji only (Japanese), or hangul only (Korean).
    pub(crate) fn cjk_only(&self) -> Option<Lang> {
        let cjk = self.kana + self.han;
        if self.latin + self.other_letters > 0 {
            None
        } else if cjk > 0 && self.hangul == 0 {
            Some(Lang::Ja)
        } else if self.hangul > 0 && cjk == 0 {
            Some(Lang::Ko)
        } else {
            None
        }
    }

    fn has_letters(&self) -> bool {
        self.kana + self.han + self.hangul + self.latin + self.other_letters > 0
    }
}

/// What a char counts as in [`ScriptCounts`]; `MIXED`: Latin, another alphabet or no
/// letter, which [`ScriptCounts::count`] tells char by char. The hiragana block's
/// first char, U+3040, is unassigned and no letter: [`kind_of`] calls it kana so that
/// the whole block is, and `count` excepts that one char.
const NO_LETTER: u8 = 0;
const KANA: u8 = 1;
const HAN: u8 = 2;
const HANGUL: u8 = 3;
const MIXED: u8 = 4;

/// The kind of `u`, without Unicode tables.
const fn kind_of(u: u32) -> u8 {
    match u {
        0x3040 => KANA, // unassigned: excepted by `count`
        0x3041..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D => KANA,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x3005 => HAN,
        0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3131..=0x318E => HANGUL,
        _ if is_latin(u) => MIXED,
        0..=0x7F => NO_LETTER,
        _ if in_letterless_block(u) => NO_LETTER,
        _ => MIXED,
    }
}

/// Latin letters: ASCII and Latin-1 Supplement to Latin Extended-B (diacritics).
const fn is_latin(u: u32) -> bool {
    matches!(u, 0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F)
}

/// The script family of a char, by the same classes as [`ScriptCounts`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Latin,
    Kana,
    Han,
    Hangul,
    Neutral,
}

/// The [`Script`] of `c`.
pub(crate) fn script_of(c: char) -> Script {
    let u = c as u32;
    match kind_of(u) {
        KANA if u != 0x3040 => Script::Kana,
        HAN => Script::Han,
        HANGUL => Script::Hangul,
        _ if is_latin(u) => Script::Latin,
        _ => Script::Neutral,
    }
}

/// The kind of each 64-char block of the BMP whose chars are all of one kind
/// (`MIXED` for the others).
static BLOCK_KINDS: [u8; 1024] = {
    let mut table = [MIXED; 1024];
    let mut block = 0;
    while block < 1024 {
        let first = kind_of(block as u32 * 64);
        let mut same = true;
        let mut i = 1;
        while i < 64 {
            if kind_of(block as u32 * 64 + i) != first {
                same = false;
            }
            i += 1;
        }
        if same {
            table[block] = first;
        }
        block += 1;
    }
    table
};

/// Punctuation and symbol blocks common in CJK text that hold no letter, spared the
/// Unicode table lookup (the unit test `symbol_blocks_hold_no_letters` checks every
/// char of them).
#[inline]
const fn in_letterless_block(u: u32) -> bool {
    matches!(
        u,
        0x2000..=0x206F
            | 0x2190..=0x245F
            | 0x2500..=0x2BFF
            | 0x3000..=0x3004
            | 0x3008..=0x3020
            | 0xFF01..=0xFF20
            | 0xFF3B..=0xFF40
            | 0xFF5B..=0xFF65
    )
}

/// Frequent English words (lower case): votes for English.
const EN_WORDS: &[&str] = &[
    "the", "and", "is", "it", "to", "of", "a", "i", "this", "that", "for", "was", "not", "my",
    "with", "you", "but", "are", "have", "be", "they", "very", "on", "in", "so", "no", "can",
    "its", "it's", "good", "great", "bad", "app", "service", "product", "would", "will", "did",
    "do", "don't", "just", "me", "we", "our", "after", "again", "all", "what", "when", "there",
    "been", "had", "has", "too",
];

/// Frequent function words of other Latin-script languages: votes against English.
const NON_EN_WORDS: &[&str] = &[
    "de", "la", "le", "les", "el", "los", "las", "und", "der", "die", "das", "est", "une", "des",
    "que", "y", "con", "por", "para", "ist", "nicht", "mit", "ein", "eine", "pas", "très", "muy",
    "il", "di", "che", "del", "och", "het", "een", "niet", "dan", "yang", "tidak", "sehr", "es",
    "zu", "auf", "pero", "mais", "avec", "sur", "aber", "não", "uma", "com", "em",
];

/// Slots of [`VOTES`] (a power of two, about five times the number of words, so that
/// a probe nearly always ends at its first slot).
const VOTE_SLOTS: usize = 512;

/// The vote of each word of [`EN_WORDS`] (+1) and [`NON_EN_WORDS`] (-1): an open
/// addressing table keyed by the word's bytes packed into a u64 ([`pack`]), built at
/// compile time. One multiply and a compare or two per word, where a hash map hashed
/// the string and compared it in memory. An English word wins a (hypothetical) tie,
/// as the English test came first.
struct VoteTable {
    keys: [u64; VOTE_SLOTS],
    votes: [i8; VOTE_SLOTS],
}

/// Up to 8 bytes as one u64, little endian, zero padded (no vote word is longer;
/// the unit test `vote_words_fit_the_table` checks).
const fn pack(w: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < w.len() && i < 8 {
        key |= (w[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

/// The first slot to probe for `key`.
#[inline]
const fn vote_slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize % VOTE_SLOTS
}

static VOTES: VoteTable = {
    let mut table = VoteTable {
        keys: [0; VOTE_SLOTS],
        votes: [0; VOTE_SLOTS],
    };
    let lists: [(&[&str], i8); 2] = [(NON_EN_WORDS, -1), (EN_WORDS, 1)];
    let mut l = 0;
    while l < lists.len() {
        let (words, vote) = lists[l];
        let mut w = 0;
        while w < words.len() {
            let key = pack(words[w].as_bytes());
            let mut s = vote_slot(key);
            while table.keys[s] != 0 && table.keys[s] != key {
                s = (s + 1) % VOTE_SLOTS;
            }
            table.keys[s] = key;
            table.votes[s] = vote;
            w += 1;
        }
        l += 1;
    }
    table
};

/// The vote of the word packed as `key` (0 for words not listed). Words over 8 bytes
/// must not be asked: their packing drops bytes.
#[inline]
fn vote(key: u64) -> i8 {
    let mut s = vote_slot(key);
    loop {
        let k = VOTES.keys[s];
        // An empty slot (key 0, which no word packs to) has vote 0: one test for
        // both ends of the probe.
        if k == key || k == 0 {
            return VOTES.votes[s];
        }
        s = (s + 1) % VOTE_SLOTS;
    }
}

/// Counts `w` (lower case) as an English or a non-English function word.
#[inline]
fn tally(w: &[u8], en: &mut u32, non: &mut u32) {
    if !w.is_empty() && w.len() <= 8 {
        count_vote(vote(pack(w)), en, non);
    }
}

/// Adds vote `v` (+1, -1 or 0) to the English or the non-English count.
#[inline]
fn count_vote(v: i8, en: &mut u32, non: &mut u32) {
    *en += u32::from(v == 1);
    *non += u32::from(v == -1);
}

/// Bytes of words for the English test of ASCII text: letters and `'`.
#[cfg(test)]
static IN_WORD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphabetic() || b == b'\'' as usize {
            table[b] = 1;
        }
        b += 1;
    }
    table
};

/// The vote of the ASCII word `bytes[start..end]`, lower-cased (0 for words over 8
/// bytes: none is listed).
#[inline]
fn word_vote(bytes: &[u8], start: usize, end: usize) -> i8 {
    let len = end - start;
    if len == 0 || len > 8 {
        return 0;
    }
    // The word's 8 bytes in one read where the text has them, masked to its length.
    let raw = match bytes[start..].first_chunk::<8>() {
        Some(b) => u64::from_le_bytes(*b),
        None => pack(&bytes[start..end]),
    };
    // Lower case by setting bit 5 of every byte: A-Z become a-z, and a-z and `'`
    // have it set already.
    vote((raw | 0x2020_2020_2020_2020) & (u64::MAX >> (64 - 8 * len)))
}

/// The English and non-English votes among the first [`LANGUAGE_WORDS`] words (runs
/// of letters and `'`) of ASCII `bytes`. Words are found 64 bytes at a time: a bit
/// mask of the word bytes, whose edges (word starts and ends, which alternate) are
/// walked by trailing zeros, so the loops branch once per word edge in a fixed
/// pattern instead of on every byte's class.
fn ascii_votes(bytes: &[u8]) -> (u32, u32) {
    let (mut en, mut non, mut seen) = (0u32, 0u32, 0usize);
    let mut in_word = false;
    let mut start = 0;
    for (n, block) in bytes.chunks(64).enumerate() {
        // Eight bits at a time; the last few bytes zero-padded (a zero byte is no
        // word byte).
        let words = block.chunks_exact(8);
        let rest = words.remainder();
        let mut mask = 0u64;
        let mut k = 0;
        for w in words {
            let w = w.first_chunk::<8>().map_or(0, |c| u64::from_le_bytes(*c));
            mask |= word_bits(w) << (8 * k);
            k += 1;
        }
        if !rest.is_empty() {
            mask |= word_bits(pack(rest)) << (8 * k);
        }
        // Bit k: byte k is a word byte and the one before is not, or the reverse.
        let mut edges =
            (mask ^ (mask << 1 | u64::from(in_word))) & (u64::MAX >> (64 - block.len()));
        while edges != 0 {
            let at = n * 64 + edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if in_word {
                count_vote(word_vote(bytes, start, at), &mut en, &mut non);
                seen += 1;
                if seen == LANGUAGE_WORDS {
                    return (en, non);
                }
            } else {
                start = at;
            }
            in_word = !in_word;
        }
    }
    if in_word {
        count_vote(word_vote(bytes, start, bytes.len()), &mut en, &mut non);
    }
    (en, non)
}

/// Bit k set where byte k of the eight ASCII bytes `w` (little endian) is a letter or
/// `'` (what the test table `IN_WORD` says), by word arithmetic instead of eight
/// table reads.
#[inline]
fn word_bits(w: u64) -> u64 {
    let word = swar::letters(w) | swar::equal(w, b'\'');
    // The high bits gathered into the low byte, byte k's to bit k.
    word.wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// How many words (runs of letters and `'`) the English test reads at most.
const LANGUAGE_WORDS: usize = 200;

fn latin_language(text: &str, counts: &ScriptCounts) -> Lang {
    let mut en = 0u32;
    let mut non = 0u32;
    if text.is_ascii() {
        // The same words as the general path below, found over bytes.
        (en, non) = ascii_votes(text.as_bytes());
    } else {
        let mut lower = String::new();
        for w in text
            .split(|c: char| !(c.is_alphabetic() || c == '\''))
            .filter(|w| !w.is_empty())
            .take(LANGUAGE_WORDS)
        {
            let w = if w.chars().any(char::is_uppercase) {
                lower.clear();
                lower.extend(w.chars().flat_map(char::to_lowercase));
                lower.as_str()
            } else {
                w
            };
            tally(w.as_bytes(), &mut en, &mut non);
        }
    }
    let diacritic_share = counts.latin_diacritics as f32 / counts.latin.max(1) as f32;
    if non > en + 1 || (diacritic_share > 0.03 && en == 0 && counts.latin > 12) {
        Lang::Other
    } else {
        Lang::En
    }
}

/// Detects the language of `text`.
pub fn detect(text: &str) -> Lang {
    let c = ScriptCounts::of(text);
    detect_counts(text, &c)
}

pub(crate) fn detect_counts(text: &str, c: &ScriptCounts) -> Lang {
    if !c.has_letters() {
        return Lang::Other;
    }
    let ja = if c.kana > 0 || c.hangul == 0 {
        (c.kana + c.han) * 3
    } else {
        c.kana * 3
    };
    let ko = c.hangul * 3
        + if c.hangul > 0 && c.kana == 0 {
            c.han
        } else {
            0
        };
    let latin = c.latin;
    let other = c.other_letters;
    if ja >= ko && ja >= latin && ja >= other && ja > 0 {
        if c.kana == 0 && c.han >= 8 {
            return Lang::Other; // Chinese
        }
        Lang::Ja
    } else if ko >= latin && ko >= other && ko > 0 {
        Lang::Ko
    } else if latin >= other && latin > 0 {
        latin_language(text, c)
    } else {
        Lang::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 64-byte block scan votes as a plain split of the text into words would,
    /// over texts of listed and other words in mixed case, with words across block
    /// edges, past the word limit, and at the very end.
    #[test]
    fn ascii_votes_match_a_plain_split() {
        let plain = |text: &str| {
            let (mut en, mut non) = (0, 0);
            for w in text
                .split(|c: char| !(c.is_ascii_alphabetic() || c == '\''))
                .filter(|w| !w.is_empty())
                .take(LANGUAGE_WORDS)
            {
                tally(w.to_ascii_lowercase().as_bytes(), &mut en, &mut non);
            }
            (en, non)
        };
        let vocabulary: Vec<&str> = EN_WORDS
            .iter()
            .chain(NON_EN_WORDS)
            .copied()
            .filter(|w| w.is_ascii())
            .chain([
                "service's",
                "it'S",
                "THE",
                "Product",
                "x",
                "''",
                "abcdefghij",
            ])
            .collect();
        let separators = [" ", ", ", "  ", "!", "\n", "-", "3", "_", ". "];
        let mut rng = fastrand::Rng::with_seed(0x2545_F491_4F6C_DD1D);
        let mut next = |n: usize| rng.usize(..n);
        for _ in 0..400 {
            let words = next(260);
            let mut text = String::new();
            for _ in 0..words {
                text.push_str(vocabulary[next(vocabulary.len())]);
                text.push_str(separators[next(separators.len())]);
            }
            for cut in [text.len(), text.len().saturating_sub(1), text.len() / 2] {
                let t = &text[..cut];
                assert_eq!(ascii_votes(t.as_bytes()), plain(t), "{t:?}");
            }
        }
    }

    /// ASCII text counts its letters as Latin, and nothing else, at every length (the
    /// eight-byte blocks and the padded tail) and for every ASCII byte.
    #[test]
    fn ascii_counts_are_its_letters() {
        let all: String = (0..0x80u8).map(char::from).collect();
        let text = all.repeat(3);
        for start in 0..16 {
            for end in (start..text.len()).step_by(7).chain([text.len()]) {
                let t = &text[start..end];
                let c = ScriptCounts::of(t);
                let letters = t.bytes().filter(u8::is_ascii_alphabetic).count() as u32;
                assert_eq!(c.latin, letters, "{start}..{end}");
                assert_eq!((c.kana, c.han, c.hangul, c.other_letters), (0, 0, 0, 0));
            }
        }
    }

    /// The eight-byte mask is the table's, for every ASCII byte at every place.
    #[test]
    fn word_bits_are_the_table() {
        for b in 0..0x80u8 {
            for at in 0..8 {
                for filler in [b'a', b' ', b'\'', b'Z'] {
                    let mut block = [filler; 8];
                    block[at] = b;
                    let want = block.iter().enumerate().fold(0u64, |m, (k, &c)| {
                        m | u64::from(IN_WORD[usize::from(c)]) << k
                    });
                    assert_eq!(word_bits(u64::from_le_bytes(block)), want, "{b:#x} at {at}");
                }
            }
        }
    }

    /// Every vote word fits a key and gets its list's vote back; other words, their
    /// prefixes and extensions get none.
    #[test]
    fn vote_words_fit_the_table() {
        let listed = |w: &str| -> i8 {
            if EN_WORDS.contains(&w) {
                1
            } else if NON_EN_WORDS.contains(&w) {
                -1
            } else {
                0
            }
        };
        let mut probes: Vec<String> = Vec::new();
        for w in EN_WORDS.iter().chain(NON_EN_WORDS) {
            assert!(!w.is_empty() && w.len() <= 8, "{w}");
            assert_eq!(vote(pack(w.as_bytes())), listed(w), "{w}");
            probes.push(format!("{w}s"));
            probes.push(format!("x{w}"));
            probes.push(w[..w.len() - 1].to_string());
        }
        probes.extend(["", "thee", "an", "ok", "service's", "abcdefgh"].map(String::from));
        for w in &probes {
            let (mut en, mut non) = (0, 0);
            tally(w.as_bytes(), &mut en, &mut non);
            let expected = if w.len() <= 8 { listed(w) } else { 0 };
            assert_eq!(en as i8 - non as i8, expected, "{w:?}");
        }
    }

    #[test]
    fn symbol_blocks_hold_no_letters() {
        let mut checked = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if in_letterless_block(c as u32) {
                assert!(!c.is_alphabetic(), "U+{:04X}", c as u32);
                checked += 1;
            }
        }
        assert!(checked > 2000, "{checked}");
    }

    #[test]
    fn block_table_counts_as_kind_of() {
        for c in (0..=0xFFFF).filter_map(char::from_u32) {
            let fast = ScriptCounts::of(&format!("{c}\u{3042}"));
            let mut slow = ScriptCounts::default();
            slow.count(kind_of(c as u32), c);
            slow.count(KANA, '\u{3042}');
            assert_eq!(
                format!("{fast:?}"),
                format!("{slow:?}"),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn basics() {
        assert_eq!(detect("対応が遅い"), Lang::Ja);
        assert_eq!(detect("最悪"), Lang::Ja);
        assert_eq!(detect("배송이 너무 늦어요"), Lang::Ko);
        assert_eq!(detect("ㅋㅋㅋ"), Lang::Ko);
        assert_eq!(detect("Great app, terrible support."), Lang::En);
        assert_eq!(detect("ok"), Lang::En);
        assert_eq!(detect("12345 !!"), Lang::Other);
        assert_eq!(
            detect("C'est très bien, mais le service est lent"),
            Lang::Other
        );
        assert_eq!(detect("这个产品质量很好我很满意"), Lang::Other);
    }

    #[test]
    fn mixed() {
        assert_eq!(detect("iPhoneアプリのlogin画面が固まる"), Lang::Ja);
        assert_eq!(detect("Netflix 구독 해지가 안 돼요"), Lang::Ko);
        assert_eq!(
            detect("The ramen at 一蘭 was amazing, would go again"),
            Lang::En
        );
    }
}
