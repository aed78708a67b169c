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
    /// The counts of the chars of `text`.
    pub(crate) fn of(text: &str) -> Self {
        let mut s = ScriptCounts::default();
        for c in text.chars() {
            match script_of(c) {
                Script::Kana => s.kana += 1,
                Script::Han => s.han += 1,
                Script::Hangul => s.hangul += 1,
                Script::Latin => {
                    s.latin += 1;
                    s.latin_diacritics += u32::from(c as u32 >= 0xC0);
                }
                Script::Neutral => s.other_letters += u32::from(is_other_letter(c)),
            }
        }
        s
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

/// Whether `c`, of no [`Script`] but `Neutral`, is a letter (of another alphabet):
/// ASCII and the punctuation and symbol blocks common in CJK text are answered
/// without the Unicode table lookup.
fn is_other_letter(c: char) -> bool {
    let u = c as u32;
    u > 0x7F && !in_letterless_block(u) && c.is_alphabetic()
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

/// The [`Script`] of `c`, without Unicode tables.
pub(crate) fn script_of(c: char) -> Script {
    match c as u32 {
        0x3041..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D => Script::Kana,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x3005 => Script::Han,
        0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3131..=0x318E => Script::Hangul,
        u if is_latin(u) => Script::Latin,
        _ => Script::Neutral,
    }
}

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

/// The vote of a lower-case word for the English test: +1 for a frequent English
/// word, -1 for a frequent function word of another Latin-script language, 0 for
/// any other word. (No word is in both lists: the compiler rejects a repeated arm.)
fn vote(w: &str) -> i8 {
    match w {
        "the" | "and" | "is" | "it" | "to" | "of" | "a" | "i" | "this" | "that" | "for" | "was"
        | "not" | "my" | "with" | "you" | "but" | "are" | "have" | "be" | "they" | "very"
        | "on" | "in" | "so" | "no" | "can" | "its" | "it's" | "good" | "great" | "bad" | "app"
        | "service" | "product" | "would" | "will" | "did" | "do" | "don't" | "just" | "me"
        | "we" | "our" | "after" | "again" | "all" | "what" | "when" | "there" | "been" | "had"
        | "has" | "too" => 1,
        "de" | "la" | "le" | "les" | "el" | "los" | "las" | "und" | "der" | "die" | "das"
        | "est" | "une" | "des" | "que" | "y" | "con" | "por" | "para" | "ist" | "nicht"
        | "mit" | "ein" | "eine" | "pas" | "très" | "muy" | "il" | "di" | "che" | "del" | "och"
        | "het" | "een" | "niet" | "dan" | "yang" | "tidak" | "sehr" | "es" | "zu" | "auf"
        | "pero" | "mais" | "avec" | "sur" | "aber" | "não" | "uma" | "com" | "em" => -1,
        _ => 0,
    }
}

/// How many words (runs of letters and `'`) the English test reads at most.
const LANGUAGE_WORDS: usize = 200;

/// English, or `Other` when the text's first [`LANGUAGE_WORDS`] words (lower-cased)
/// vote for another Latin-script language or it has diacritics and no English word.
fn latin_language(text: &str, counts: &ScriptCounts) -> Lang {
    let (mut en, mut non) = (0u32, 0u32);
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
        match vote(w) {
            1 => en += 1,
            -1 => non += 1,
            _ => {}
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

    /// ASCII text counts its letters as Latin, and nothing else, at every length and
    /// for every ASCII byte.
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

    /// Every word of the two lists gets its list's vote; other words, their
    /// prefixes and extensions (and upper-case forms, which the caller lowers) none.
    #[test]
    fn vote_words_get_their_lists_vote() {
        const EN_WORDS: &[&str] = &[
            "the", "and", "is", "it", "to", "of", "a", "i", "this", "that", "for", "was", "not",
            "my", "with", "you", "but", "are", "have", "be", "they", "very", "on", "in", "so",
            "no", "can", "its", "it's", "good", "great", "bad", "app", "service", "product",
            "would", "will", "did", "do", "don't", "just", "me", "we", "our", "after", "again",
            "all", "what", "when", "there", "been", "had", "has", "too",
        ];
        const NON_EN_WORDS: &[&str] = &[
            "de", "la", "le", "les", "el", "los", "las", "und", "der", "die", "das", "est", "une",
            "des", "que", "y", "con", "por", "para", "ist", "nicht", "mit", "ein", "eine", "pas",
            "très", "muy", "il", "di", "che", "del", "och", "het", "een", "niet", "dan", "yang",
            "tidak", "sehr", "es", "zu", "auf", "pero", "mais", "avec", "sur", "aber", "não",
            "uma", "com", "em",
        ];
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
            assert_eq!(vote(w), listed(w), "{w}");
            probes.push(format!("{w}s"));
            probes.push(format!("x{w}"));
            probes.push(w.to_uppercase());
            if let Some((cut, _)) = w.char_indices().last() {
                probes.push(w[..cut].to_string());
            }
        }
        probes.extend(["", "thee", "an", "ok", "service's", "abcdefgh"].map(String::from));
        for w in &probes {
            assert_eq!(vote(w), listed(w), "{w:?}");
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

    /// Every char of the BMP (after a kana) counts as its script says, and a
    /// neutral char as a letter exactly when std's `is_alphabetic` says so (the
    /// ASCII and letterless-block shortcuts aside).
    #[test]
    fn counts_follow_the_scripts() {
        for c in (0..=0xFFFF).filter_map(char::from_u32) {
            let got = ScriptCounts::of(&format!("{c}\u{3042}"));
            let mut want = ScriptCounts {
                kana: 1,
                ..ScriptCounts::default()
            };
            match script_of(c) {
                Script::Kana => want.kana += 1,
                Script::Han => want.han += 1,
                Script::Hangul => want.hangul += 1,
                Script::Latin => {
                    want.latin += 1;
                    want.latin_diacritics += u32::from(c as u32 >= 0xC0);
                }
                Script::Neutral => want.other_letters += u32::from(c.is_alphabetic()),
            }
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
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
