//! Sentence segmentation of normalized text.
//!
//! Splits after 。 ! ? (and their full-width forms, already folded by NFKC), after
//! `.` when it ends a sentence, after an ellipsis, and at line breaks. Never splits
//! inside numbers (3.5), URLs and e-mail addresses, emoticons, or after common
//! abbreviations (Mr., e.g., No. 5). Closing brackets and quotes stay with their sentence.

use std::ops::Range;

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "no", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "approx",
    "min", "max", "p.m", "a.m", "u.s", "fig",
];

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '」' | '』' | ')' | ']' | '}' | '"' | '\'' | '】' | '〉' | '》' | '»' | '〕' | '）'
    )
}

/// Whether `word` (before a `.`) is one of [`ABBREVIATIONS`], in any case.
fn is_abbreviation(word: &str) -> bool {
    if word.is_ascii() {
        // The list is ASCII lower case.
        ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
    } else {
        // Only a word whose lower case is ASCII can be on the list (e.g. with the
        // Kelvin sign K); lower-cased on the stack, not in a new string.
        let mut lower = [0u8; LONGEST_ABBREVIATION];
        let mut len = 0;
        for c in word.chars().flat_map(char::to_lowercase) {
            if !c.is_ascii() || len == lower.len() {
                return false;
            }
            lower[len] = c as u8;
            len += 1;
        }
        ABBREVIATIONS.iter().any(|a| a.as_bytes() == &lower[..len])
    }
}

/// Bytes (= chars) of the longest of [`ABBREVIATIONS`].
const LONGEST_ABBREVIATION: usize = 6;

/// URL / e-mail / domain-like spans that must not be split.
fn protected_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if !text.contains("://") && !text.contains("www.") && !text.contains('@') {
        return out;
    }
    let mut start = 0;
    for word in text.split_inclusive(|c: char| c.is_whitespace()) {
        let w = word.trim_end();
        if w.contains("://") || w.starts_with("www.") || (w.contains('@') && w.contains('.')) {
            let a = start + w.find(|c: char| c.is_ascii_alphanumeric()).unwrap_or(0);
            // URLs end at the first non-URL character (e.g. Japanese text glued after it).
            let len = w[a - start..]
                .find(|c: char| !(c.is_ascii_graphic()))
                .unwrap_or(w.len() - (a - start));
            let mut end = a + len;
            // Trailing punctuation is not part of the URL.
            while end > a && matches!(text.as_bytes()[end - 1], b'.' | b',' | b'!' | b'?' | b')') {
                end -= 1;
            }
            out.push(a..end);
        }
        start += word.len();
    }
    out
}

/// The first bytes of the terminators [`terminator_at`] knows.
const CAN_START_TERMINATOR: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let firsts = [b'\n', b'!', b'?', b'.', 0xE2, 0xE3, 0xEF];
    while k < firsts.len() {
        t[firsts[k] as usize] = true;
        k += 1;
    }
    t
};

/// The terminator that starts at byte `i` of `bytes`, if any: `\n`, `!`, `?`, `.`,
/// `…`, `‼`, `⁉`, `。` or `｡` (the chars [`split`] reacts to), by their UTF-8 bytes.
#[inline]
fn terminator_at(bytes: &[u8], i: usize) -> Option<char> {
    let tail = |a: u8, b: u8| bytes.get(i + 1) == Some(&a) && bytes.get(i + 2) == Some(&b);
    match bytes[i] {
        b'\n' => Some('\n'),
        b'!' => Some('!'),
        b'?' => Some('?'),
        b'.' => Some('.'),
        0xE2 if tail(0x80, 0xA6) => Some('…'),
        0xE2 if tail(0x80, 0xBC) => Some('‼'),
        0xE2 if tail(0x81, 0x89) => Some('⁉'),
        0xE3 if tail(0x80, 0x82) => Some('。'),
        0xEF if tail(0xBD, 0xA1) => Some('｡'),
        _ => None,
    }
}

/// Where a sentence ends when char `c` at byte `i` (not `\n`, not inside a protected
/// span) ends it: right after a terminator, or after a `.` that is no decimal point,
/// part of a longer ellipsis, abbreviation or initial. `None` when it does not.
fn cut_after(text: &str, i: usize, c: char) -> Option<usize> {
    match c {
        '。' | '!' | '?' | '…' | '‼' | '⁉' | '｡' => Some(i + c.len_utf8()),
        '.' => {
            let prev = text[..i].chars().next_back();
            let next = text[i + 1..].chars().next();
            let digit_around = prev.is_some_and(|p| p.is_ascii_digit())
                && next.is_some_and(|n| n.is_ascii_digit());
            // 3.5, 1.2.3; or part of an ellipsis, decided at its last dot
            if digit_around || next == Some('.') {
                return None;
            }
            let ellipsis = prev == Some('.');
            // The word before the dot (letters, digits, dots). Only whether it is an
            // abbreviation or a single letter matters, so the scan back stops once it
            // is longer than any abbreviation (Japanese and Korean runs without spaces
            // can be a whole sentence long).
            let mut word_start = i;
            let mut long = false;
            for (chars, (p, ch)) in text[..i].char_indices().rev().enumerate() {
                if !(ch.is_alphanumeric() || ch == '.') {
                    break;
                }
                if chars == LONGEST_ABBREVIATION {
                    long = true;
                    break;
                }
                word_start = p;
            }
            let word = &text[word_start..i];
            let abbreviation = !ellipsis && !long && is_abbreviation(word);
            let single_letter = !ellipsis
                && !long
                && word.len() == 1
                && word.bytes().all(|b| b.is_ascii_alphabetic());
            let ends = match next {
                None => true,
                Some(n) if n.is_whitespace() => !abbreviation && !single_letter,
                Some(n) if is_closer(n) => true,
                // Korean and Japanese often glue the next sentence on: "절정.이종원도"
                Some(n) => !n.is_ascii() && !abbreviation && (n.is_alphabetic() || ellipsis),
            };
            ends.then_some(i + 1)
        }
        _ => None,
    }
}

/// The end of a sentence cut at `end`, past further terminators and closing brackets:
/// "!?", "。」", "...)" (but not the dot of a number that follows).
fn absorb_closers(text: &str, mut end: usize) -> usize {
    while let Some(n) = text[end..].chars().next() {
        if !(matches!(n, '!' | '?' | '。' | '.' | '…' | '｡' | '~' | 'ー') || is_closer(n)) {
            break;
        }
        if n == '.'
            && text
                .as_bytes()
                .get(end + 1)
                .is_some_and(|b| b.is_ascii_digit())
        {
            break;
        }
        end += n.len_utf8();
    }
    end
}

/// Whether a byte position of `text` lies in one of its `emoticons` or in a URL or
/// e-mail span: no sentence ends there.
fn shielded<'a>(text: &str, emoticons: &'a [Range<usize>]) -> impl Fn(usize) -> bool + 'a {
    let protected = protected_spans(text);
    move |pos| {
        emoticons.iter().any(|r| r.start <= pos && pos < r.end)
            || protected.iter().any(|r| r.start <= pos && pos < r.end)
    }
}

/// Splits normalized `text` into trimmed, non-empty sentence ranges.
pub(crate) fn split(text: &str, emoticons: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let inside = shielded(text, emoticons);
    let bytes = text.as_bytes();
    let mut start = 0;
    // Only terminators matter: scan the bytes for them and decode nothing else.
    let mut pos = 0;
    while pos < bytes.len() {
        // Skip bytes that cannot start a terminator, a table test each.
        while pos < bytes.len() && !CAN_START_TERMINATOR[bytes[pos] as usize] {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let i = pos;
        let Some(c) = terminator_at(bytes, i) else {
            pos += 1;
            continue;
        };
        pos += c.len_utf8();
        if let Some(end) = take_terminator(text, &mut out, &mut start, (i, c), &inside) {
            pos = end;
        }
    }
    push(text, &mut out, start..text.len());
    out
}

/// What [`split`] (and its test reference) does at terminator `c` at byte `i`: a line
/// break ends the sentence before it; another terminator, outside the spans `inside`
/// protects, ends it where [`cut_after`] says, with the closers after it. Returns where
/// the scan resumes after such a cut.
fn take_terminator(
    text: &str,
    out: &mut Vec<Range<usize>>,
    start: &mut usize,
    (i, c): (usize, char),
    inside: impl Fn(usize) -> bool,
) -> Option<usize> {
    if c == '\n' {
        push(text, out, *start..i);
        *start = i + 1;
        return None;
    }
    if inside(i) {
        return None;
    }
    let end = absorb_closers(text, cut_after(text, i, c)?);
    // A sentence that is only punctuation joins the previous one (e.g. "!!" alone).
    push(text, out, *start..end);
    *start = end;
    Some(end)
}

/// [`split`] visiting every char instead of scanning bytes for terminators: the
/// reference the byte scan is tested against.
#[cfg(test)]
fn split_by_chars(text: &str, emoticons: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let inside = shielded(text, emoticons);
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if let Some(end) = take_terminator(text, &mut out, &mut start, (i, c), &inside) {
            while iter.next_if(|&(j, _)| j < end).is_some() {}
        }
    }
    push(text, &mut out, start..text.len());
    out
}

fn push(text: &str, out: &mut Vec<Range<usize>>, range: Range<usize>) {
    let s = &text[range.clone()];
    let trimmed_start = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return;
    }
    let a = range.start + trimmed_start;
    let b = a + trimmed.len();
    // Glue punctuation-only fragments to the previous sentence.
    if !trimmed.chars().any(super::is_alphanumeric)
        && let Some(last) = out.last_mut()
        && text[last.end..a].trim().is_empty()
    {
        last.end = b;
        return;
    }
    out.push(a..b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(t: &str) -> Vec<&str> {
        let emo = super::super::emoticon::find(t);
        split(t, &emo).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn byte_scan_equals_char_scan() {
        let pieces = [
            "対応が遅い",
            "。",
            "!",
            "?",
            "…",
            "‼",
            "⁉",
            "｡",
            ".",
            "..",
            "3.5",
            "Mr.",
            "e.g.",
            " ",
            "\n",
            "」",
            ")",
            "'",
            "~",
            "ー",
            "절정",
            "이종원",
            "www.ex.com",
            "https://a.b/c?d=1",
            "a@b.co",
            ":)",
            "(^^)",
            "x",
            "U.S.",
            "good",
            "é",
            "👍",
            "\t",
            "、",
        ];
        for s in super::super::generated_texts(&pieces, 20_000, 14, 0x9e37_79b9_7f4a_7c15) {
            let emo = super::super::emoticon::find(&s);
            assert_eq!(split(&s, &emo), split_by_chars(&s, &emo), "{s:?}");
        }
    }

    #[test]
    fn abbreviations_up_to_the_longest() {
        let longest = ABBREVIATIONS.iter().map(|a| a.chars().count()).max();
        assert_eq!(longest, Some(LONGEST_ABBREVIATION));
        // Six letters: an abbreviation; seven: a word that ends its sentence.
        assert_eq!(sents("Approx. five"), vec!["Approx. five"]);
        assert_eq!(sents("Xapprox. Five"), vec!["Xapprox.", "Five"]);

        assert!(is_abbreviation("MRS") && is_abbreviation("e.G"));
        assert!(!is_abbreviation("ＭＲ") && !is_abbreviation("\u{212A}") && !is_abbreviation("mé"));
        // A long run of letters before the dot, as Japanese writes without spaces.
        assert_eq!(
            sents("これは本当に良い商品です.次も買います"),
            vec!["これは本当に良い商品です.", "次も買います"]
        );
    }

    #[test]
    fn japanese() {
        assert_eq!(
            sents("対応が遅い。二度と買わない!"),
            vec!["対応が遅い。", "二度と買わない!"]
        );
        assert_eq!(
            sents("「最高です。」と言われた。"),
            vec!["「最高です。」", "と言われた。"]
        );
        assert_eq!(
            sents("楽しかった(^^)!また来ます"),
            vec!["楽しかった(^^)!", "また来ます"]
        );
    }

    #[test]
    fn korean() {
        assert_eq!(
            sents("배송이 늦어요. 환불해 주세요"),
            vec!["배송이 늦어요.", "환불해 주세요"]
        );
        assert_eq!(
            sents("드라마의 절정.이종원도 좋았다"),
            vec!["드라마의 절정.", "이종원도 좋았다"]
        );
        assert_eq!(sents("가슴..진실이"), vec!["가슴..", "진실이"]);
    }

    #[test]
    fn english() {
        assert_eq!(
            sents("It costs 3.5 dollars. Mr. Smith agreed! See https://ex.com/a?b=1. Ok"),
            vec![
                "It costs 3.5 dollars.",
                "Mr. Smith agreed!",
                "See https://ex.com/a?b=1.",
                "Ok"
            ]
        );
        assert_eq!(
            sents("Great app :) but slow.\nline two"),
            vec!["Great app :) but slow.", "line two"]
        );
        assert_eq!(sents("wait... what?!"), vec!["wait...", "what?!"]);
    }
}
