//! Emoticons and kaomoji: `:)`, `:-(`, `;)`, `:D`, `<3`, `^^`, `T_T`, `(^^)`, `(´;ω;`)`.
//!
//! They are kept as single `SYM` tokens (they carry sentiment) and never split a
//! sentence. Input is normalized text (NFKC has already turned `（＾＾）` into `(^^)`).

use std::ops::Range;

/// The Western emoticons; [`western_from`] serves them grouped by first byte (a test
/// keeps both lists the same).
#[cfg_attr(not(test), allow(dead_code))]
const WESTERN: &[&str] = &[
    ":-)", ":)", ":-(", ":(", ":-d", ":d", ";-)", ";)", ":-p", ":p", ":'(", ":'-(", ":/", ":-/",
    ":|", ":o", "<3", "</3", "^^", "^_^", "^-^", "^o^", "^^;", "t_t", "t.t", "orz", "xd", "=)",
    "=(", ":-o", ">_<", "-_-", "-_-;", "o_o", "@_@", ">.<", "^^b",
];

/// The `WESTERN` emoticons that start with byte `b` (the same set, grouped, so a
/// candidate position tries only its own few).
fn western_from(b: u8) -> &'static [&'static str] {
    match b {
        b':' => &[
            ":-)", ":)", ":-(", ":(", ":-d", ":d", ":-p", ":p", ":'(", ":'-(", ":/", ":-/", ":|",
            ":o", ":-o",
        ],
        b';' => &[";-)", ";)"],
        b'<' => &["<3", "</3"],
        b'^' => &["^^", "^_^", "^-^", "^o^", "^^;", "^^b"],
        b't' => &["t_t", "t.t"],
        b'o' => &["orz", "o_o"],
        b'x' => &["xd"],
        b'=' => &["=)", "=("],
        b'>' => &[">_<", ">.<"],
        b'-' => &["-_-", "-_-;"],
        b'@' => &["@_@"],
        _ => &[],
    }
}

/// Bytes at which an emoticon can start: `(` for kaomoji, and the first bytes of
/// the Western ones.
const fn may_start(b: u8) -> bool {
    matches!(
        b,
        b'(' | b':' | b';' | b'^' | b'<' | b'=' | b'>' | b'-' | b't' | b'x' | b'o' | b'@'
    )
}

/// Per byte, the classes [`next_start`] reads with one load: [`may_start`], ASCII
/// letter, ASCII alphanumeric.
static SCAN: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if may_start(byte) {
            table[b] |= START;
        }
        if byte.is_ascii_alphabetic() {
            table[b] |= LETTER;
        }
        if byte.is_ascii_alphanumeric() {
            table[b] |= ALNUM;
        }
        b += 1;
    }
    table
};
/// Bits of [`SCAN`]: the byte may start an emoticon, is an ASCII letter, is ASCII
/// alphanumeric.
const START: u8 = 1;
const LETTER: u8 = 2;
const ALNUM: u8 = 4;

/// The first position from `i` where an emoticon may start: a byte of [`may_start`],
/// except a letter right after an ASCII letter or digit (`t`, `o` and `x` inside
/// English words, which [`find`] would reject there at once) and a letter not
/// followed by the second byte of one of its emoticons ("the", "to", "of": `find`
/// would reject those too).
#[inline]
fn next_start(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut prev = if i > 0 {
        SCAN[usize::from(bytes[i - 1])]
    } else {
        0
    };
    while i < bytes.len() {
        let k = SCAN[usize::from(bytes[i])];
        // A letter inside a word is no start: its START bit is masked out when the
        // byte before is alphanumeric (ALNUM is bit 2, LETTER bit 1).
        let inside_word = k & ((prev & ALNUM) >> 1);
        if (k & START != 0) & (inside_word == 0) && (k & LETTER == 0 || second_fits(bytes, i)) {
            return Some(i);
        }
        prev = k;
        i += 1;
    }
    None
}

/// Whether the byte after `i` is the second byte of an emoticon starting with the
/// byte at `i`.
#[inline]
fn second_fits(bytes: &[u8], i: usize) -> bool {
    let second = bytes.get(i + 1);
    western_from(bytes[i])
        .iter()
        .any(|e| e.as_bytes().get(1) == second)
}

/// Characters typical inside a kaomoji's brackets.
fn kaomoji_char(c: char) -> bool {
    matches!(
        c,
        '^' | ';'
            | '_'
            | '´'
            | '`'
            | '\''
            | '・'
            | '･'
            | 'ω'
            | '∀'
            | '▽'
            | '△'
            | '▼'
            | 'д'
            | 'Д'
            | '°'
            | 'ﾟ'
            | '゜'
            | '*'
            | '>'
            | '<'
            | '≧'
            | '≦'
            | '~'
            | '〜'
            | 'o'
            | 'O'
            | '0'
            | '.'
            | '-'
            | '='
            | '+'
            | 'ε'
            | 'з'
            | '皿'
            | '艸'
            | 'ノ'
            | 'ヽ'
            | '｀'
            | '￣'
            | '"'
            | '#'
            | '@'
            | 'T'
            | 't'
            | 'Ｔ'
            | '；'
            | 'ー'
            | '、'
            | '。'
            | ','
            | '□'
            | '◇'
            | '◎'
            | '●'
            | '○'
            | '◕'
            | '‿'
            | '人'
            | 'ｪ'
            | 'ェ'
            | 'ㅠ'
            | 'ㅜ'
            | '｡'
            | 'v'
            | 'ゞ'
            | 'ゝ'
            | '/'
            | '\\'
            | '|'
            | '!'
            | '?'
            | ' '
            | '☆'
            | '★'
            | '✿'
            | '♪'
            | '♡'
            | '❤'
            | 'σ'
            | 'ρ'
            | 'Θ'
            | 'θ'
            | '益'
            | 'ㅂ'
            | 'ㅅ'
            | 'ㅁ'
            | 'ᴗ'
            | 'ᵔ'
            | '◡'
    )
}

fn is_eye(c: char) -> bool {
    matches!(
        c,
        '^' | '´'
            | '`'
            | '・'
            | '･'
            | 'ﾟ'
            | '°'
            | '≧'
            | '≦'
            | ';'
            | '；'
            | '>'
            | '<'
            | 'T'
            | 'Ｔ'
            | '◕'
            | 'ᵔ'
            | '∀'
            | 'ω'
            | 'д'
            | 'Д'
            | '▽'
            | '_'
            | '￣'
            | '-'
            | 'o'
            | 'ε'
            | '皿'
            | '益'
            | '◡'
            | 'ᴗ'
            | 'ㅠ'
            | 'ㅜ'
            | 'ㅂ'
            | 'ㅅ'
    )
}

/// Finds emoticon spans in normalized text, in order, non-overlapping.
pub(crate) fn find(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Every emoticon starts with one of a few ASCII bytes: jump to the next one.
        match next_start(bytes, i) {
            Some(k) => i = k,
            None => break,
        }
        // Kaomoji in brackets: "(" + 2..=16 kaomoji chars with at least one eye + ")".
        if bytes[i] == b'(' {
            let rest = &text[i + 1..];
            let mut eyes = 0;
            let mut ok = true;
            let mut len_chars = 0;
            let mut close = None;
            for (k, c) in rest.char_indices() {
                if c == ')' {
                    close = Some(k);
                    break;
                }
                len_chars += 1;
                if len_chars > 16 || !kaomoji_char(c) {
                    ok = false;
                    break;
                }
                if is_eye(c) {
                    eyes += 1;
                }
            }
            if ok
                && let Some(k) = close
                && len_chars >= 2
                && eyes >= 1
                && !rest[..k]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '.' || c == ',')
            {
                let mut end = i + 1 + k + 1;
                // Trailing arms / marks: (^^)v  (´;ω;`)ノ
                while let Some(c) = text[end..].chars().next() {
                    if matches!(c, 'v' | 'ノ' | 'ゞ' | '/' | '♪' | '☆' | '★' | '♡' | 'b')
                        && end < text.len()
                    {
                        let after = text[end + c.len_utf8()..].chars().next();
                        if c.is_ascii_alphabetic() && after.is_some_and(|a| a.is_alphanumeric()) {
                            break;
                        }
                        end += c.len_utf8();
                    } else {
                        break;
                    }
                }
                out.push(i..end);
                i = end;
                continue;
            }
        }
        // Western emoticons, matched at a word boundary. `next_start` stopped at a
        // byte of `may_start`, not at a letter inside a word; `(` starts none.
        let b = bytes[i];
        if b == b'(' {
            i += 1;
            continue;
        }
        let prev_alnum = i > 0
            && text[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric());
        if !prev_alnum || !bytes[i].is_ascii_alphanumeric() {
            let mut matched = None;
            for e in western_from(b) {
                if text[i..].starts_with(e) {
                    let end = i + e.len();
                    let next_ok = !text[end..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric());
                    let letter_start = e.as_bytes()[0].is_ascii_alphabetic();
                    if next_ok
                        && matched.is_none_or(|m: usize| end > m)
                        && (!letter_start || e.len() >= 2)
                    {
                        matched = Some(end);
                    }
                }
            }
            if let Some(end) = matched {
                out.push(i..end);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(t: &str) -> Vec<&str> {
        find(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn western_grouped_by_first_byte() {
        let mut grouped: Vec<&str> = (0..=255u8).flat_map(western_from).copied().collect();
        for b in 0..=255u8 {
            assert!(western_from(b).iter().all(|e| e.as_bytes()[0] == b));
            assert_eq!(
                !western_from(b).is_empty() || b == b'(',
                may_start(b),
                "{b}"
            );
        }
        let mut all = WESTERN.to_vec();
        grouped.sort_unstable();
        all.sort_unstable();
        assert_eq!(grouped, all);
    }

    /// The scan stops exactly where a start byte is not a letter inside a word, nor a
    /// letter whose next byte no emoticon of it has second.
    #[test]
    fn next_start_skips_letters_inside_words() {
        let text =
            "Not too bad :) xd, photo(^^) t_t 3x o_o é-t <3 ;) tax (x) 日本o the to orz t.t x";
        let bytes = text.as_bytes();
        let seconds =
            |b: u8| -> Vec<u8> { western_from(b).iter().map(|e| e.as_bytes()[1]).collect() };
        for from in 0..=bytes.len() {
            let expected = (from..bytes.len()).find(|&j| {
                let b = bytes[j];
                may_start(b)
                    && !(b.is_ascii_alphabetic() && j > 0 && bytes[j - 1].is_ascii_alphanumeric())
                    && (!b.is_ascii_alphabetic()
                        || bytes.get(j + 1).is_some_and(|n| seconds(b).contains(n)))
            });
            assert_eq!(next_start(bytes, from), expected, "from {from}");
        }
    }

    #[test]
    fn finds() {
        assert_eq!(spans("good :) but slow :-("), vec![":)", ":-("]);
        assert_eq!(spans("最高(^^)v 次も"), vec!["(^^)v"]);
        assert_eq!(spans("悲しい(´;ω;`)"), vec!["(´;ω;`)"]);
        assert_eq!(spans("ありがとう^^"), vec!["^^"]);
        assert_eq!(spans("price (about 3.5) ok"), Vec::<&str>::new());
        assert_eq!(spans("the box:d1 model"), Vec::<&str>::new());
        assert_eq!(spans("t_t 너무해 xd"), vec!["t_t", "xd"]);
    }
}
