//! Normalization with a map back to the original text.
//!
//! The normalized text is what the segmenters see: NFKC (full-width ASCII → ASCII,
//! half-width katakana → full-width), lower-cased letters, curly quotes folded,
//! spaces collapsed, control and zero-width characters dropped, long repeats of one
//! character collapsed (ｗｗｗｗ → ww, ㅋㅋㅋㅋ → ㅋㅋ, !!!!! → !!, ーーー → ー).
//! Digits are never collapsed. Emoji pass through untouched.
//!
//! Every piece of normalized text remembers the byte range of the original text it
//! came from, so any normalized range maps back to an original range on char
//! boundaries ([`Normalized::to_original`]).

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use super::mojibake::RepairMap;
use super::{BmpBits, in_bmp_bits};

/// A run of normalized bytes produced from one cluster of the original text, or
/// (`linear`) a run of characters copied unchanged, mapped byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unit {
    norm: u32,
    orig_start: u32,
    orig_end: u32,
    linear: bool,
}

impl Unit {
    /// Where in the original a range that starts at normalized offset `offset` (in
    /// this unit) begins: the same byte of a linear run, else the unit's start.
    #[inline]
    fn orig_start_of(&self, offset: usize) -> usize {
        if self.linear {
            self.orig_start as usize + offset.saturating_sub(self.norm as usize)
        } else {
            self.orig_start as usize
        }
    }

    /// Where in the original a range that ends at normalized offset `offset` (in this
    /// unit) ends: the same byte of a linear run, else the unit's end.
    #[inline]
    fn orig_end_of(&self, offset: usize) -> usize {
        if self.linear {
            (self.orig_start as usize + offset.saturating_sub(self.norm as usize))
                .min(self.orig_end as usize)
        } else {
            self.orig_end as usize
        }
    }
}

/// Normalized text plus its offset map to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalized text.
    pub text: String,
    units: Vec<Unit>,
}

impl Normalized {
    /// Maps a byte range of the normalized text to the byte range of the original text
    /// it was produced from. The result is on char boundaries of the original.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        self.to_original_after(range, &mut 0)
    }

    /// [`Self::to_original`] for ranges met in text order: `cursor` (start at 0) is
    /// where the search for the next range begins, so that mapping every token of a
    /// text walks its units once instead of searching them per token. Any order is
    /// still correct, only slower.
    pub(crate) fn to_original_after(
        &self,
        range: Range<usize>,
        cursor: &mut usize,
    ) -> Range<usize> {
        let (first, last) = match self.units.as_slice() {
            [] => return 0..0,
            // One unit (an English line mostly is one linear run): no search.
            [u] => (u, u),
            units => {
                let first_at = self.unit_from(*cursor, range.start);
                *cursor = first_at;
                let last_at = if range.end > range.start {
                    self.unit_from(first_at, range.end - 1)
                } else {
                    first_at
                };
                (&units[first_at], &units[last_at])
            }
        };
        let start = first.orig_start_of(range.start);
        start..last.orig_end_of(range.end).max(start)
    }

    /// [`Self::unit_at`], searching forward from unit `from` when it starts at or
    /// before `norm_offset` (a few steps, then a binary search of the rest).
    #[inline]
    fn unit_from(&self, from: usize, norm_offset: usize) -> usize {
        let units = &self.units;
        if units
            .get(from)
            .is_none_or(|u| u.norm as usize > norm_offset)
        {
            return self.unit_at(norm_offset);
        }
        let mut i = from;
        for _ in 0..4 {
            match units.get(i + 1) {
                Some(u) if u.norm as usize <= norm_offset => i += 1,
                _ => return i,
            }
        }
        i + units[i + 1..].partition_point(|u| (u.norm as usize) <= norm_offset)
    }

    fn unit_at(&self, norm_offset: usize) -> usize {
        let idx = self
            .units
            .partition_point(|u| (u.norm as usize) <= norm_offset);
        idx.saturating_sub(1)
    }

    /// Byte offset in the original text where normalized offset `offset` begins.
    pub fn original_offset(&self, offset: usize) -> usize {
        if offset >= self.text.len() {
            return self.units.last().map_or(0, |u| u.orig_end as usize);
        }
        self.units
            .get(self.unit_at(offset))
            .map_or(0, |u| u.orig_start_of(offset))
    }
}

/// Combining marks (and variation selectors, skin tones, tags) that join the char
/// before them.
const fn combining_by_range(u: u32) -> bool {
    matches!(u,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        | 0x3099 | 0x309A | 0xFF9E | 0xFF9F | 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0100..=0xE01EF)
}

/// Characters removed outright: C0/C1 controls (except tab/newline), zero-width and
/// bidi marks, soft hyphen, BOM.
const fn dropped_by_range(u: u32) -> bool {
    (u < 0x20 && u != 0x0A && u != 0x09 && u != 0x0D)
        || u == 0x7F
        || (u >= 0x80 && u <= 0x9F)
        || matches!(u, 0x00AD | 0x200B | 0x200C | 0x200E | 0x200F | 0x2060 | 0xFEFF | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// A [`BmpBits`] table with the bits of the chars where `$test` holds, built at
/// compile time.
macro_rules! bmp_bits {
    ($test:ident) => {{
        let mut bits: BmpBits = [0u8; 8192];
        let mut u = 0;
        while u < 0x10000 {
            if $test(u as u32) {
                bits[u >> 3] |= 1 << (u & 7);
            }
            u += 1;
        }
        bits
    }};
}

static COMBINING_BITS: BmpBits = bmp_bits!(combining_by_range);
static DROPPED_BITS: BmpBits = bmp_bits!(dropped_by_range);

/// [`combining_by_range`]: a table read in the BMP, where nearly every char is.
#[inline]
fn is_combining(c: char) -> bool {
    if (c as u32) < 0x10000 {
        in_bmp_bits(&COMBINING_BITS, c)
    } else {
        combining_by_range(c as u32)
    }
}

/// [`dropped_by_range`] (all of whose chars are in the BMP), as a table read.
#[inline]
fn is_dropped(c: char) -> bool {
    in_bmp_bits(&DROPPED_BITS, c)
}

/// Characters whose NFKC image we do not want: compatibility jamo (ㅋ, ㅠ) would turn
/// into conjoining jamo, the spacing voiced marks ゛゜ into a space + combining mark,
/// and the ellipses … ‥ into dots (the dictionaries know them as one symbol).
fn keep_as_is(c: char) -> bool {
    matches!(
        c as u32,
        0x3131..=0x318E | 0x309B | 0x309C | 0x2025 | 0x2026 | 0x00B4 | 0x00A8 | 0x00AF
    )
}

/// Fast check for characters that NFKC leaves alone and that need no case folding:
/// one bit per BMP char (an 8 KB table), so that text mixing kana, kanji and hangul
/// does not take a different branch per script.
#[inline]
fn is_plain(c: char) -> bool {
    in_bmp_bits(&PLAIN_BITS, c)
}

/// [`is_plain`]'s table (every char it names is in the BMP).
static PLAIN_BITS: BmpBits = bmp_bits!(plain_by_range);

/// The chars of [`is_plain`], by range.
const fn plain_by_range(u: u32) -> bool {
    matches!(u,
        0x3041..=0x3096 | 0x309D..=0x309F | 0x30A1..=0x30FF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3 | 0x3131..=0x318E | 0x3001..=0x3003 | 0x3005..=0x3007 | 0x300C..=0x300F)
}

/// Characters whose long runs collapse: letters (ｗｗｗｗ, ㅋㅋㅋㅋ, soooo), ! ? and
/// prolonged sound marks. Digits, dots, ellipses and the middle dot (・・・) stay.
fn collapsible(c: char) -> bool {
    (super::is_alphabetic(c) && !c.is_ascii_digit())
        || matches!(
            c,
            '!' | '?' | 'ー' | '〜' | '~' | '♪' | '☆' | '★' | '♡' | '❤'
        )
        || is_emoji(c)
}

fn is_prolonged(c: char) -> bool {
    matches!(c, 'ー' | '〜' | '~' | '-' | '—' | '―')
}

fn fold_char(c: char, out: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{FF07}' => out.push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => out.push('"'),
        '\t'
        | '\u{00A0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{2028}'
        | '\u{205F}'
        | '\u{3000}' => out.push(' '),
        '\u{2029}' => out.push('\n'),
        c if c.is_uppercase() => out.extend(c.to_lowercase()),
        c => out.push(c),
    }
}

struct Builder<'m> {
    out: Normalized,
    map: Option<&'m RepairMap>,
    last_char: Option<char>,
    run: usize,
    scratch: String,
}

impl Builder<'_> {
    fn orig(&self, range: Range<usize>) -> (u32, u32) {
        match self.map {
            Some(map) => {
                let r = map.to_original(range);
                (r.start as u32, r.end as u32)
            }
            None => (range.start as u32, range.end as u32),
        }
    }

    /// Makes the last unit cover only the last normalized char (splitting a linear run).
    fn isolate_last_char(&mut self) {
        let Some(last_char) = self.out.text.chars().next_back() else {
            return;
        };
        let len = last_char.len_utf8() as u32;
        let text_len = self.out.text.len() as u32;
        if let Some(last) = self.out.units.last_mut()
            && last.linear
        {
            if text_len - last.norm > len {
                last.orig_end -= len;
                let orig_start = last.orig_end;
                self.out.units.push(Unit {
                    norm: text_len - len,
                    orig_start,
                    orig_end: orig_start + len,
                    linear: false,
                });
            } else {
                last.linear = false;
            }
        }
    }

    fn extend_last(&mut self, src: Range<usize>) {
        let (_, end) = self.orig(src);
        self.isolate_last_char();
        if let Some(last) = self.out.units.last_mut() {
            last.orig_end = last.orig_end.max(end);
        }
    }

    /// [`Self::emit`] of a char that stays as it is (no repair map, not whitespace):
    /// the same repeat rule and units, without decoding or rechecking the char.
    #[inline]
    fn emit_unchanged(&mut self, at: usize, c: char) {
        let len = c.len_utf8();
        if self.cut_repeat(c) {
            self.extend_last(at..at + len);
            return;
        }
        let norm = self.out.text.len() as u32;
        add_unit(
            &mut self.out.units,
            norm,
            (at as u32, (at + len) as u32),
            true,
        );
        self.out.text.push(c);
    }

    /// The repeat rule for char `c`: whether it is a repeat past the limit (two, one
    /// for prolonged sound marks), which the caller folds into the last unit; else it
    /// is counted.
    #[inline]
    fn cut_repeat(&mut self, c: char) -> bool {
        if self.last_char == Some(c) && collapsible(c) {
            self.run += 1;
            let limit = if is_prolonged(c) { 1 } else { 2 };
            self.run > limit
        } else {
            self.last_char = Some(c);
            self.run = 1;
            false
        }
    }

    /// Emits the normalized form of one source cluster; `identity` when it is the
    /// source text unchanged.
    fn emit(&mut self, src: Range<usize>, normalized: &str, identity: bool) {
        let mut chars = normalized.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        if let Some(c) = single {
            // Whitespace collapse.
            if c == ' ' {
                if self.out.text.is_empty() || self.out.text.ends_with([' ', '\n']) {
                    self.extend_last(src);
                    return;
                }
            } else if c == '\n' && self.out.text.ends_with(' ') {
                // Trailing space before a newline: turn it into the newline.
                self.isolate_last_char();
                self.out.text.pop();
                if let Some(last) = self.out.units.last_mut() {
                    last.norm = self.out.text.len() as u32;
                }
                self.out.text.push('\n');
                self.extend_last(src);
                self.last_char = Some('\n');
                self.run = 1;
                return;
            }
            // Repeat collapse.
            if self.cut_repeat(c) {
                self.extend_last(src);
                return;
            }
        } else {
            self.last_char = normalized.chars().last();
            self.run = 1;
        }
        let orig = self.orig(src);
        let identity = identity && self.map.is_none();
        let norm = self.out.text.len() as u32;
        add_unit(&mut self.out.units, norm, orig, identity);
        self.out.text.push_str(normalized);
    }
}

/// Records that normalized bytes from `norm` come from the original range `orig`:
/// a `linear` (unchanged) range right after the last linear unit extends it,
/// anything else starts a unit.
#[inline]
fn add_unit(units: &mut Vec<Unit>, norm: u32, (orig_start, orig_end): (u32, u32), linear: bool) {
    match units.last_mut() {
        Some(last) if linear && last.linear && last.orig_end == orig_start => {
            last.orig_end = orig_end
        }
        _ => units.push(Unit {
            norm,
            orig_start,
            orig_end,
            linear,
        }),
    }
}

/// The repeat limit of an ASCII byte whose runs collapse (letters, `!` and `?` keep
/// two, the prolonged `~` one); `None` for bytes whose runs stay.
#[inline]
fn ascii_repeat_limit(b: u8) -> Option<usize> {
    match b {
        b'~' => Some(1),
        b'!' | b'?' => Some(2),
        _ if b.is_ascii_alphabetic() => Some(2),
        _ => None,
    }
}

/// Whether byte `c`, after `prev` (the last byte of the normalized text), stays as
/// it is in [`normalize_ascii`]'s fast run (lower-cased, repeats aside): letters,
/// digits, most punctuation, and a space after a byte that is no space or newline.
#[inline]
fn ascii_plain(c: u8, prev: Option<u8>) -> bool {
    match c {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'?' => true,
        b' ' => !matches!(prev, None | Some(b' ' | b'\n')),
        b'"'..=b'/' | b':'..=b'>' | b'@' | b'['..=b'`' | b'{'..=b'}' => true,
        _ => false,
    }
}

/// Makes the last unit cover only the last normalized byte of an ASCII text
/// (splitting a linear run): [`Builder::isolate_last_char`] for one-byte chars.
fn isolate_last_ascii(text: &str, units: &mut [Unit]) -> Option<Unit> {
    let text_len = text.len() as u32;
    let last = units.last_mut()?;
    if text_len == 0 || !last.linear {
        return None;
    }
    if text_len - last.norm > 1 {
        last.orig_end -= 1;
        Some(Unit {
            norm: text_len - 1,
            orig_start: last.orig_end,
            orig_end: last.orig_end + 1,
            linear: false,
        })
    } else {
        last.linear = false;
        None
    }
}

/// [`normalize`] of a pure-ASCII text without a repair map, byte by byte. It makes
/// exactly the text and units the general path makes (same rules: CR LF → LF, tabs
/// to spaces, controls dropped, lower case, space runs collapsed, repeats of a
/// letter, `!` or `?` cut to two and of `~` to one), without decoding chars or
/// building a string per char. The test `ascii_path_matches_general_path` compares
/// the two. Measured need: `koe analyze` of ../shared/corpus/en.txt runs 5% faster
/// end to end with it (benches/README.md, "Text core fast paths").
fn normalize_ascii(src: &str) -> Normalized {
    let bytes = src.as_bytes();
    let mut text = String::with_capacity(bytes.len());
    let mut units: Vec<Unit> = Vec::with_capacity(bytes.len() / 8 + 1);
    let mut last_char: Option<u8> = None;
    let mut run = 0usize;
    // The general path's `extend_last`: isolate the last char, then let its unit
    // reach to the end of the source byte `at`.
    let extend_last = |text: &str, units: &mut Vec<Unit>, at: usize| {
        if let Some(u) = isolate_last_ascii(text, units) {
            units.push(u);
        }
        if let Some(last) = units.last_mut() {
            last.orig_end = last.orig_end.max(at as u32 + 1);
        }
    };
    let mut pos = 0;
    while pos < bytes.len() {
        // Fast run: bytes that stay in place and extend one linear unit (letters,
        // lower-cased, digits, most punctuation, a single space), under the same
        // repeat rule; everything else takes the byte-by-byte path below.
        let run_start = pos;
        let mut prev = text.as_bytes().last().copied();
        while let Some(&c) = bytes.get(pos) {
            if !ascii_plain(c, prev) {
                break;
            }
            let c = c.to_ascii_lowercase();
            if last_char == Some(c)
                && let Some(limit) = ascii_repeat_limit(c)
            {
                if run >= limit {
                    break; // a repeat past the limit: cut below
                }
                run += 1;
            } else {
                last_char = Some(c);
                run = 1;
            }
            prev = Some(c);
            pos += 1;
        }
        if pos > run_start {
            let orig = (run_start as u32, pos as u32);
            let at = text.len();
            add_unit(&mut units, at as u32, orig, true);
            // The run is ASCII, so it is a str on its own.
            text.push_str(&src[run_start..pos]);
            text[at..].make_ascii_lowercase();
        }
        // One byte the byte-by-byte way (`i`, its index, shadows the position, which
        // moves past it).
        let Some(&c) = bytes.get(pos) else {
            break;
        };
        let i = pos;
        pos += 1;

        let (n, identity) = match c {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => continue,
            b'\r' => (b'\n', false),
            b'\t' => (b' ', false),
            b'\n' => (b'\n', true),
            0..=0x1F | 0x7F => continue,
            b'A'..=b'Z' => (c.to_ascii_lowercase(), true),
            _ => (c, true),
        };
        if n == b' ' {
            // Whitespace collapse.
            if matches!(text.as_bytes().last(), None | Some(b' ' | b'\n')) {
                extend_last(&text, &mut units, i);
                continue;
            }
        } else if n == b'\n' && text.ends_with(' ') {
            // Trailing space before a newline: turn it into the newline.
            if let Some(u) = isolate_last_ascii(&text, &mut units) {
                units.push(u);
            }
            text.pop();
            if let Some(last) = units.last_mut() {
                last.norm = text.len() as u32;
            }
            text.push('\n');
            extend_last(&text, &mut units, i);
            last_char = Some(b'\n');
            run = 1;
            continue;
        }
        // Repeat collapse (ASCII letters, `!`, `?` and the prolonged `~`).
        if last_char == Some(n)
            && let Some(limit) = ascii_repeat_limit(n)
        {
            run += 1;
            if run > limit {
                extend_last(&text, &mut units, i);
                continue;
            }
        } else {
            last_char = Some(n);
            run = 1;
        }
        let at = i as u32;
        add_unit(&mut units, text.len() as u32, (at, at + 1), identity);
        text.push(char::from(n));
    }
    // Trim a trailing space.
    if text.ends_with(' ') {
        if let Some(u) = isolate_last_ascii(&text, &mut units) {
            units.push(u);
        }
        text.pop();
        if units.last().is_some_and(|u| u.norm as usize >= text.len()) {
            units.pop();
        }
    }
    Normalized { text, units }
}

/// Normalizes `src`. When `map` is given, `src` is a repaired text and the map leads
/// from its byte ranges to the original text's.
pub(crate) fn normalize(src: &str, map: Option<&RepairMap>) -> Normalized {
    if map.is_none() && src.is_ascii() {
        return normalize_ascii(src);
    }
    normalize_chars(src, map)
}

/// The general path of [`normalize`], char by char.
fn normalize_chars(src: &str, map: Option<&RepairMap>) -> Normalized {
    let mut b = Builder {
        out: Normalized {
            text: String::with_capacity(src.len()),
            units: Vec::with_capacity(src.len() / 2 + 1),
        },
        map,
        last_char: None,
        run: 0,
        scratch: String::new(),
    };
    let mut iter = src.char_indices().peekable();
    let mut buf = [0u8; 4];
    while let Some((i, c)) = iter.next() {
        let mut end = i + c.len_utf8();
        if c.is_ascii() {
            if c == '\r' {
                if matches!(iter.peek(), Some((_, '\n'))) {
                    continue;
                }
                b.emit(i..end, "\n", false);
            } else if is_dropped(c) {
                continue;
            } else if c == '\t' {
                b.emit(i..end, " ", false);
            } else {
                // Lower-casing ASCII keeps every byte in its place: a linear unit
                // either way.
                let lc = c.to_ascii_lowercase();
                b.emit(i..end, lc.encode_utf8(&mut buf), true);
            }
            continue;
        }
        if is_dropped(c) {
            continue;
        }
        // Kana, hangul, kanji and CJK punctuation with no mark after them (most chars
        // of Japanese and Korean text) stay as they are.
        if map.is_none()
            && is_plain(c)
            && !iter
                .peek()
                .is_some_and(|&(_, n)| is_combining(n) || n == '\u{200D}')
        {
            b.emit_unchanged(i, c);
            continue;
        }
        // Gather the cluster: base char + combining marks (+ ZWJ-joined emoji).
        let mut has_marks = false;
        while let Some(&(j, next)) = iter.peek() {
            // Half-width voiced marks join only half-width kana (ｶﾞ); in kaomoji (ﾟдﾟ)
            // they stand alone.
            let halfwidth_mark = matches!(next, '\u{FF9E}' | '\u{FF9F}');
            if is_combining(next) && (!halfwidth_mark || ('\u{FF66}'..='\u{FF9D}').contains(&c)) {
                has_marks = true;
                end = j + next.len_utf8();
                iter.next();
            } else if next == '\u{200D}' {
                has_marks = true;
                end = j + next.len_utf8();
                iter.next();
                if let Some(&(k, joined)) = iter.peek() {
                    end = k + joined.len_utf8();
                    iter.next();
                }
            } else {
                break;
            }
        }
        if !has_marks && matches!(c, '\u{FF9E}' | '\u{FF9F}') {
            b.emit(
                i..end,
                if c == '\u{FF9E}' {
                    "\u{309B}"
                } else {
                    "\u{309C}"
                },
                false,
            );
            continue;
        }
        if !has_marks && (is_plain(c) || keep_as_is(c)) {
            b.emit(i..end, c.encode_utf8(&mut buf), true);
            continue;
        }
        let cluster = &src[i..end];
        let mut scratch = std::mem::take(&mut b.scratch);
        scratch.clear();
        if keep_as_is(c) || is_emoji(c) {
            scratch.push_str(cluster);
        } else {
            for n in cluster.nfkc() {
                fold_char(n, &mut scratch);
            }
        }
        if !scratch.is_empty() {
            // NFKC can produce characters that we drop (e.g. U+FEFF never survives).
            if scratch.chars().any(is_dropped) {
                scratch.retain(|ch| !is_dropped(ch));
            }
            if !scratch.is_empty() {
                let same = scratch == cluster;
                b.emit(i..end, &scratch, same);
            }
        }
        b.scratch = scratch;
    }
    // Trim a trailing space.
    if b.out.text.ends_with(' ') {
        b.isolate_last_char();
        b.out.text.pop();
        if let Some(last) = b.out.units.last()
            && last.norm as usize >= b.out.text.len()
        {
            b.out.units.pop();
        }
    }
    b.out
}

/// Pictographic characters kept exactly as written.
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2190..=0x21FF
        | 0x2300..=0x23FF | 0x25A0..=0x25FF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x2122 | 0x2139)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_tables_are_the_ranges() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let u = c as u32;
            assert_eq!(is_plain(c), plain_by_range(u), "U+{u:04X}");
            assert_eq!(is_combining(c), combining_by_range(u), "U+{u:04X}");
            assert_eq!(is_dropped(c), dropped_by_range(u), "U+{u:04X}");
        }
    }

    /// The chars [`is_plain`] lets through unchanged are those the general path
    /// would leave as they are (NFKC and folding map each to itself, or it is kept as
    /// is), except two digraphs that NFKC spells out (ゟ → より, ヿ → コト): the
    /// shortcut keeps them, as outputs always have.
    #[test]
    fn plain_chars_are_their_own_normal_form() {
        let mut differ = Vec::new();
        for c in (0..=0xFFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_plain(c))
        {
            assert!(!is_dropped(c) && !is_combining(c), "U+{:04X}", c as u32);
            if keep_as_is(c) {
                continue;
            }
            let mut general = String::new();
            for n in c.to_string().nfkc() {
                fold_char(n, &mut general);
            }
            if general != c.to_string() {
                differ.push(c);
            }
        }
        assert_eq!(differ, ['\u{309F}', '\u{30FF}']);
    }

    fn norm(s: &str) -> String {
        normalize(s, None).text
    }

    #[test]
    fn width_and_case() {
        assert_eq!(norm("ＡＢＣ１２３"), "abc123");
        assert_eq!(norm("ｻｰﾋﾞｽ"), "サービス");
        assert_eq!(norm("Great App"), "great app");
    }

    #[test]
    fn repeats() {
        assert_eq!(norm("ｗｗｗｗｗ"), "ww");
        assert_eq!(norm("ㅋㅋㅋㅋㅋ"), "ㅋㅋ");
        assert_eq!(norm("最高!!!!!"), "最高!!");
        assert_eq!(norm("すごーーーい"), "すごーい");
        assert_eq!(norm("10000円"), "10000円");
    }

    #[test]
    fn spaces_and_controls() {
        assert_eq!(norm("a\u{3000}\u{3000}b\u{200B}c\r\nd\u{0007}"), "a bc\nd");
        assert_eq!(norm("  lead"), "lead");
    }

    #[test]
    fn offsets_map_back() {
        let src = "ＡＢ ｻｰﾋﾞｽ!!!!";
        let n = normalize(src, None);
        let pos = n.text.find("サービス").unwrap();
        let r = n.to_original(pos..pos + "サービス".len());
        assert_eq!(&src[r], "ｻｰﾋﾞｽ");
        let bang = n.text.find("!!").unwrap();
        let r = n.to_original(bang..n.text.len());
        assert_eq!(&src[r], "!!!!");
    }

    #[test]
    fn linear_runs_map_inside() {
        let src = "Hello  World ｗｗｗｗ end";
        let n = normalize(src, None);
        assert_eq!(n.text, "hello world ww end");
        for word in ["world", "end", "ww"] {
            let p = n.text.find(word).unwrap();
            let r = n.to_original(p..p + word.len());
            assert_eq!(
                src[r]
                    .to_lowercase()
                    .replace('ｗ', "w")
                    .replace("www", "w")
                    .replace("ww", "w"),
                word.replace("ww", "w")
            );
        }
        let p = n.text.find("orl").unwrap();
        assert_eq!(&src[n.to_original(p..p + 3)], "orl");
    }

    #[test]
    fn ascii_path_matches_general_path() {
        let pieces = [
            "Hello",
            "WORLD",
            "sooooo",
            "!!!!!",
            "???",
            "~~~~",
            "---",
            "...",
            " ",
            "  ",
            "\t",
            "\r\n",
            "\r",
            "\n",
            "\u{1}",
            "\u{7f}",
            ":)",
            "AaA",
            "x",
            "!",
            "~",
            " \n",
            "\t\n",
            " \r",
            "\n ",
            "ab ",
            "a",
            "aa",
            "ll",
            "oo!",
            "b!",
            "x y",
            "z?!",
            "e.g.",
            "don't",
            "100%",
            "{[<@>]}",
            "so",
            "?",
            "~",
            // Longer runs.
            "great service",
            "the box arrived late",
            "1000000 ",
            "abb",
            "aab",
            "zz ",
            "ok,so",
        ];
        for s in super::super::generated_texts(&pieces, 5000, 12, 0x2545_f491_4f6c_dd1d) {
            let fast = normalize_ascii(&s);
            let slow = normalize_chars(&s, None);
            assert_eq!(fast.text, slow.text, "{s:?}");
            assert_eq!(fast.units, slow.units, "{s:?}");
        }
    }

    #[test]
    fn cursor_mapping_equals_search() {
        let src = "ＡＢＣ ａｂｃ  ｄ!!!!  x\u{3000}ｶﾞ ﾊﾟﾝ… テスト ｗｗｗｗ end";
        let n = normalize(src, None);
        assert!(n.units.len() > 8, "{:?}", n.units);
        // Texts of one linear run map by arithmetic, to where their bytes came from.
        for (text, lead) in [("The App Works, Mostly.", 0), ("  lead Text", 2)] {
            let one = normalize(text, None);
            assert_eq!(one.units.len(), 1, "{:?}", one.units);
            for from in 0..=one.text.len() {
                for to in from..=one.text.len() {
                    let want = from + lead..to + lead;
                    assert_eq!(one.to_original(from..to), want, "{text:?} {from}..{to}");
                }
            }
        }
        let bounds: Vec<usize> = (0..=n.text.len())
            .filter(|&i| n.text.is_char_boundary(i))
            .collect();
        let by_search = |at: usize| n.unit_at(at);
        for &from in &bounds {
            // In text order with one cursor, and from every cursor position.
            let mut cursor = 0;
            for &to in bounds.iter().filter(|&&t| t >= from) {
                let a = n.to_original_after(from..to, &mut cursor);
                assert_eq!(a, n.to_original(from..to), "{from}..{to}");
            }
            for start in 0..n.units.len() {
                assert_eq!(n.unit_from(start, from), by_search(from), "{start} {from}");
            }
        }
    }

    #[test]
    fn emoji_kept() {
        assert_eq!(norm("👍🏻 good"), "👍🏻 good");
        assert_eq!(norm("👨\u{200D}👩"), "👨\u{200D}👩");
    }
}
