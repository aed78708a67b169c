//! Mojibake detection and repair.
//!
//! Text that was decoded with the wrong code page is flagged and, when one
//! re-interpretation is clearly more plausible than the text as it stands, repaired.
//! Handled:
//!
//! * UTF-8 (or Shift_JIS / EUC-KR) bytes read as Windows-1252 or Latin-1
//!   (`ã‚µãƒ¼ãƒ“ã‚¹` → `サービス`), also when only part of a text is damaged;
//! * UTF-8 whose bytes were swapped between the ISO-8859-15 and Windows-1252 code
//!   pages (`サヌビス` → `サービス`, private-use characters → full-width punctuation);
//! * Shift_JIS bytes read as EUC-KR / CP949 and the reverse, UTF-8 read as Shift_JIS
//!   (`繧ｵ繝ｼ繝薙せ`), EUC-KR or EUC-JP.
//!
//! Plausibility is judged per character class: kana, common kanji (JIS X 0208),
//! common hangul (KS X 1001) are plausible; private-use, CJK extension A, C1
//! controls, U+FFFD are implausible; half-width katakana and JIS level-2 kanji are
//! mildly suspicious. A repair is applied only when it removes the implausible
//! characters and produces real CJK text; otherwise a damaged-looking text is
//! reported as [`MojibakeStatus::Suspect`] and left alone.

use std::ops::Range;

use encoding_rs::{EUC_JP, EUC_KR, Encoding, SHIFT_JIS, UTF_8};
use serde::{Deserialize, Serialize};

use super::{BmpBits, in_bmp_bits};

/// The outcome of the mojibake check for one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MojibakeStatus {
    /// Nothing suspicious.
    #[default]
    Clean,
    /// Damaged text that was repaired.
    Repaired,
    /// Looks damaged, but no repair was unambiguous; analysed as it is.
    Suspect,
}

impl MojibakeStatus {
    /// Lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MojibakeStatus::Clean => "clean",
            MojibakeStatus::Repaired => "repaired",
            MojibakeStatus::Suspect => "suspect",
        }
    }
}

/// Maps byte ranges of a repaired text to byte ranges of the original.
#[derive(Debug, Clone, Default)]
pub struct RepairMap {
    /// Per repaired char: (repaired byte start, original start, original end).
    entries: Vec<(u32, u32, u32)>,
}

impl RepairMap {
    /// Original byte range for a range of the repaired text.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        if self.entries.is_empty() {
            return 0..0;
        }
        let find = |off: usize| {
            self.entries
                .partition_point(|e| (e.0 as usize) <= off)
                .saturating_sub(1)
        };
        let a = &self.entries[find(range.start)];
        let b = &self.entries[find(range.end.saturating_sub(1).max(range.start))];
        a.1 as usize..(b.2 as usize).max(a.1 as usize)
    }
}

/// A repaired text with its map back to the original.
#[derive(Debug, Clone)]
pub struct Repair {
    /// The repaired text.
    pub text: String,
    /// Map from the repaired text to the original.
    pub map: RepairMap,
    /// Short description of what was undone, e.g. `utf-8 read as windows-1252`.
    pub kind: &'static str,
}

/// Result of [`check`].
#[derive(Debug, Clone)]
pub struct MojibakeCheck {
    /// Clean, repaired or suspect.
    pub status: MojibakeStatus,
    /// The repair, when one was applied.
    pub repair: Option<Repair>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// ASCII, punctuation, other scripts: says nothing.
    Neutral,
    /// Kana, common kanji, common hangul, compatibility jamo.
    Cjk,
    /// Half-width katakana, JIS level-2 kanji, non-KS hangul, Latin-1 letters next to each other.
    Odd,
    /// Private use, CJK extension A/B, C1 controls, U+FFFD.
    Bad,
}

/// The bytes of one char in a legacy encoding (no allocation: the repair probes call
/// it per char).
struct Encoded {
    buf: [u8; 8],
    len: usize,
}

impl std::ops::Deref for Encoded {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn encodes_in(c: char, enc: &'static Encoding) -> Option<Encoded> {
    let mut utf8 = [0u8; 4];
    let s = c.encode_utf8(&mut utf8);
    let mut out = Encoded {
        buf: [0; 8],
        len: 0,
    };
    let mut encoder = enc.new_encoder();
    let (result, _, written) = encoder.encode_from_utf8_without_replacement(s, &mut out.buf, true);
    out.len = written;
    matches!(result, encoding_rs::EncoderResult::InputEmpty).then_some(out)
}

/// Bitsets of the everyday CJK sets, built once: JIS X 0208 level-1 kanji, other
/// kanji encodable in Shift_JIS or EUC-KR, KS X 1001 hangul syllables.
struct CommonSets {
    kanji_level1: Vec<u64>,
    kanji_known: Vec<u64>,
    hangul_ks: Vec<u64>,
}

fn bit(set: &[u64], i: u32) -> bool {
    set.get((i / 64) as usize)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn common_sets() -> &'static CommonSets {
    static SETS: std::sync::OnceLock<CommonSets> = std::sync::OnceLock::new();
    SETS.get_or_init(CommonSets::by_decoding)
}

impl CommonSets {
    /// The sets from one decode of every double-byte code of Shift_JIS and EUC-KR
    /// (about 1 ms; asking the encoders char by char, [`Self::by_encoding`], took 15 ms
    /// of every start-up). Each code is followed by a newline, so an invalid code
    /// cannot shift the rest: piece `k` of the output is what code `k` decodes to.
    fn by_decoding() -> CommonSets {
        fn codes(
            leads: &[std::ops::RangeInclusive<u8>],
            trails: &[std::ops::RangeInclusive<u8>],
        ) -> Vec<(u8, u8)> {
            let mut out = Vec::new();
            for lead in leads.iter().cloned().flatten() {
                for trail in trails.iter().cloned().flatten() {
                    out.push((lead, trail));
                }
            }
            out
        }
        // Calls `mark(code, char)` for every code that decodes to a single char.
        fn decode_each(
            enc: &'static Encoding,
            codes: &[(u8, u8)],
            mut mark: impl FnMut((u8, u8), char),
        ) {
            let mut bytes = Vec::with_capacity(codes.len() * 3);
            for &(lead, trail) in codes {
                bytes.extend_from_slice(&[lead, trail, b'\n']);
            }
            let (text, _) = enc.decode_without_bom_handling(&bytes);
            for (&code, piece) in codes.iter().zip(text.split('\n')) {
                let mut chars = piece.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    mark(code, c);
                }
            }
        }
        let mut kanji_level1 = vec![0u64; (0x9FFF - 0x4E00 + 64) / 64];
        let mut kanji_known = kanji_level1.clone();
        let mut hangul_ks = vec![0u64; (0xD7A3 - 0xAC00 + 64) / 64];
        let set = |bits: &mut [u64], i: u32| bits[(i / 64) as usize] |= 1 << (i % 64);
        let kanji = |c: char| {
            (0x4E00..=0x9FFF)
                .contains(&(c as u32))
                .then(|| c as u32 - 0x4E00)
        };
        let sjis = codes(&[0x81..=0x9F, 0xE0..=0xFC], &[0x40..=0x7E, 0x80..=0xFC]);
        decode_each(SHIFT_JIS, &sjis, |(lead, _), c| {
            if let Some(i) = kanji(c) {
                set(&mut kanji_known, i);
                if (0x88..=0x98).contains(&lead) {
                    set(&mut kanji_level1, i);
                }
            }
        });
        let euc_kr = codes(&[0xA1..=0xFE], &[0xA1..=0xFE]);
        decode_each(EUC_KR, &euc_kr, |(lead, _), c| {
            if let Some(i) = kanji(c) {
                set(&mut kanji_known, i);
            } else if (0xAC00..=0xD7A3).contains(&(c as u32)) && lead >= 0xB0 {
                set(&mut hangul_ks, c as u32 - 0xAC00);
            }
        });
        CommonSets {
            kanji_level1,
            kanji_known,
            hangul_ks,
        }
    }

    /// The sets by asking the encoders char by char (the definition
    /// [`Self::by_decoding`] is tested against).
    #[cfg(test)]
    fn by_encoding() -> CommonSets {
        let mut kanji_level1 = vec![0u64; (0x9FFF - 0x4E00 + 64) / 64];
        let mut kanji_known = kanji_level1.clone();
        for u in 0x4E00u32..=0x9FFF {
            let Some(c) = char::from_u32(u) else { continue };
            let i = u - 0x4E00;
            match encodes_in(c, SHIFT_JIS) {
                Some(b) if b.len() == 2 && (0x88..=0x98).contains(&b[0]) => {
                    kanji_level1[(i / 64) as usize] |= 1 << (i % 64);
                    kanji_known[(i / 64) as usize] |= 1 << (i % 64);
                }
                Some(_) => kanji_known[(i / 64) as usize] |= 1 << (i % 64),
                None => {
                    if encodes_in(c, EUC_KR).is_some_and(|b| b.len() == 2 && b[0] >= 0xA1) {
                        kanji_known[(i / 64) as usize] |= 1 << (i % 64);
                    }
                }
            }
        }
        let mut hangul_ks = vec![0u64; (0xD7A3 - 0xAC00 + 64) / 64];
        for u in 0xAC00u32..=0xD7A3 {
            let Some(c) = char::from_u32(u) else { continue };
            if encodes_in(c, EUC_KR).is_some_and(|b| b.len() == 2 && b[0] >= 0xB0 && b[1] >= 0xA1) {
                let i = u - 0xAC00;
                hangul_ks[(i / 64) as usize] |= 1 << (i % 64);
            }
        }
        CommonSets {
            kanji_level1,
            kanji_known,
            hangul_ks,
        }
    }
}

fn is_rare_hangul(c: char) -> bool {
    let u = c as u32;
    (0xAC00..=0xD7A3).contains(&u) && !bit(&common_sets().hangul_ks, u - 0xAC00)
}

fn classify(c: char) -> Class {
    let u = c as u32;
    match u {
        0..=0x7F => Class::Neutral,
        0x80..=0x9F
        | 0xE000..=0xF8FF
        | 0xFFFD
        | 0x3400..=0x4DBF
        | 0x20000..=0x2FFFF
        | 0xF0000.. => Class::Bad,
        0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC | 0x3001..=0x3002 | 0x3131..=0x318E => {
            Class::Cjk
        }
        0xFF61..=0xFF9F => Class::Odd,
        // JIS X 0208 level 1 (lead bytes 0x88..=0x98) is the everyday set.
        0x4E00..=0x9FFF => {
            let sets = common_sets();
            if bit(&sets.kanji_level1, u - 0x4E00) {
                Class::Cjk
            } else if bit(&sets.kanji_known, u - 0x4E00) {
                Class::Odd
            } else {
                Class::Bad
            }
        }
        0xAC00..=0xD7A3 => {
            if is_rare_hangul(c) {
                Class::Odd
            } else {
                Class::Cjk
            }
        }
        _ => Class::Neutral,
    }
}

/// Cheap scan: could this text be mojibake at all? Latin-1 / Windows-1252 letters,
/// C1 controls, private use, CJK extension A, half-width katakana, U+FFFD, kanji in
/// neither JIS X 0208 nor KS X 1001, swap artifacts in katakana words, two rare
/// hangul, or hanja mixed into hangul (Shift_JIS read as EUC-KR).
///
/// Branch-free per char (bit tables and flags), whatever the script: text that
/// alternates kana, kanji, hangul and ASCII takes no data-dependent branch, and
/// every sign is sticky, so the answer is the same as stopping at the first one.
fn may_be_damaged(text: &str) -> bool {
    let t = scan_tables();
    let mut sign = false;
    let mut hangul = false;
    let mut han = false;
    let mut rare_hangul = 0u32;
    // Whether the previous char was katakana other than ヌ (a swap artifact's left).
    let mut after_katakana = false;
    for c in text.chars() {
        let u = c as u32;
        sign |= in_bmp_bits(&t.sign, c);
        sign |= after_katakana & ((c == 'ヌ') | (c == 'む'));
        hangul |= (0xAC00..=0xD7A3).contains(&u);
        rare_hangul += u32::from(in_bmp_bits(&t.rare_hangul, c));
        han |= (0x4E00..=0x9FFF).contains(&u);
        after_katakana = is_katakana(c) & (c != 'ヌ');
    }
    sign | (rare_hangul >= 2) | (hangul & han)
}

/// A char that is a sign of damage by itself: Latin-1 / Windows-1252 letters and C1
/// controls, private use, CJK extension A, half-width katakana, U+FFFD.
fn damage_sign(u: u32) -> bool {
    (0x80..=0xFF).contains(&u)
        || matches!(u, 0x152 | 0x153 | 0x160 | 0x161 | 0x178 | 0x17D | 0x17E | 0x192 | 0x2C6 | 0x2DC
            | 0x2013 | 0x2014 | 0x2018..=0x201E | 0x2020..=0x2022 | 0x2026 | 0x2030 | 0x2039 | 0x203A | 0x20AC | 0x2122)
        || (0xE000..=0xF8FF).contains(&u)
        || (0x3400..=0x4DBF).contains(&u)
        || (0xFF61..=0xFF9F).contains(&u)
        || u == 0xFFFD
}

/// Per BMP char, one bit each: a sign of damage by itself ([`damage_sign`], or a kanji
/// in neither JIS X 0208 nor KS X 1001), a hangul syllable outside KS X 1001.
struct ScanTables {
    sign: BmpBits,
    rare_hangul: BmpBits,
}

fn scan_tables() -> &'static ScanTables {
    static TABLES: std::sync::OnceLock<ScanTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let sets = common_sets();
        let mut sign: BmpBits = [0; 8192];
        let mut rare_hangul: BmpBits = [0; 8192];
        for u in 0x80u32..0x10000 {
            let is_sign = damage_sign(u)
                || ((0x4E00..=0x9FFF).contains(&u) && !bit(&sets.kanji_known, u - 0x4E00));
            let i = u as usize;
            if is_sign {
                sign[i >> 3] |= 1 << (i & 7);
            }
            if char::from_u32(u).is_some_and(is_rare_hangul) {
                rare_hangul[i >> 3] |= 1 << (i & 7);
            }
        }
        ScanTables { sign, rare_hangul }
    })
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    cjk: usize,
    odd: usize,
    halfwidth: usize,
    bad: usize,
    fffd: usize,
    latin_pairs: usize,
    /// Kanji outside JIS X 0208 and KS X 1001 (also everyday Chinese characters).
    rare_han: usize,
}

impl Score {
    fn badness(&self) -> usize {
        self.bad * 4 + self.odd + self.halfwidth + self.latin_pairs
    }

    /// Signs of damage that legitimate text rarely shows.
    fn evidence(&self) -> usize {
        self.bad + self.odd + self.latin_pairs
    }
}

fn score(text: &str) -> Score {
    let mut s = Score::default();
    let mut prev_high_latin = false;
    let mut prev = None;
    for c in text.chars() {
        if katakana_artifact(prev, c) {
            s.odd += 1;
        }
        prev = Some(c);
        let high_latin = matches!(c as u32, 0xA0..=0xFF | 0x152 | 0x153 | 0x160 | 0x161 | 0x178 | 0x17D | 0x17E | 0x192 | 0x2C6 | 0x2DC | 0x2013 | 0x2014 | 0x2018..=0x201E | 0x2020..=0x2022 | 0x2026 | 0x2030 | 0x2039 | 0x203A | 0x20AC | 0x2122);
        if high_latin && prev_high_latin {
            s.latin_pairs += 1;
        }
        prev_high_latin = high_latin;
        match classify(c) {
            Class::Neutral => {}
            Class::Cjk => s.cjk += 1,
            Class::Odd if (0xFF61..=0xFF9F).contains(&(c as u32)) => s.halfwidth += 1,
            Class::Odd => s.odd += 1,
            Class::Bad if c == '\u{FFFD}' => {
                s.bad += 1;
                s.fffd += 1;
            }
            Class::Bad => {
                s.bad += 1;
                if (0x4E00..=0x9FFF).contains(&(c as u32)) {
                    s.rare_han += 1;
                }
            }
        }
    }
    s
}

/// How plausible `text` is as Japanese or Korean: common kana, kanji and hangul
/// count for it; rare or damaged-looking characters against it.
pub fn plausibility(text: &str) -> i64 {
    let s = score(text);
    s.cjk as i64 - 2 * (s.odd + s.halfwidth) as i64 - 4 * s.bad as i64 - 2 * s.latin_pairs as i64
}

/// Windows-1252 byte of a char, with Latin-1 (C1 controls) for the code points
/// Windows-1252 leaves undefined, so that both mis-decodings are reversible.
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) || (0x80..=0x9F).contains(&u) {
        return Some(u as u8);
    }
    Some(match u {
        0x20AC => 0x80,
        0x201A => 0x82,
        0x0192 => 0x83,
        0x201E => 0x84,
        0x2026 => 0x85,
        0x2020 => 0x86,
        0x2021 => 0x87,
        0x02C6 => 0x88,
        0x2030 => 0x89,
        0x0160 => 0x8A,
        0x2039 => 0x8B,
        0x0152 => 0x8C,
        0x017D => 0x8E,
        0x2018 => 0x91,
        0x2019 => 0x92,
        0x201C => 0x93,
        0x201D => 0x94,
        0x2022 => 0x95,
        0x2013 => 0x96,
        0x2014 => 0x97,
        0x02DC => 0x98,
        0x2122 => 0x99,
        0x0161 => 0x9A,
        0x203A => 0x9B,
        0x0153 => 0x9C,
        0x017E => 0x9E,
        0x0178 => 0x9F,
        _ => return None,
    })
}

/// Per char of a re-read text: (byte start in it, original start, original end).
type CharMap = Vec<(u32, u32, u32)>;

/// Bytes of `text` re-encoded by `encode_char`, with the original char range of each byte run.
fn reencode(
    text: &str,
    mut encode_char: impl FnMut(char, &mut Vec<u8>) -> bool,
) -> Option<(Vec<u8>, CharMap)> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let start = bytes.len() as u32;
        if !encode_char(c, &mut bytes) {
            return None;
        }
        origin.push((start, i as u32, (i + c.len_utf8()) as u32));
    }
    Some((bytes, origin))
}

/// Decodes `bytes` strictly and builds the map from the decoded text to the original.
fn decode_mapped(
    bytes: &[u8],
    origin: &[(u32, u32, u32)],
    enc: &'static Encoding,
    offset: u32,
    lossy: bool,
) -> Option<(String, CharMap)> {
    let decoded = match enc.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(d) => d.into_owned(),
        // Text that already lost bytes (U+FFFD) can only be repaired lossily.
        None if lossy => enc.decode_without_bom_handling(bytes).0.into_owned(),
        None => return None,
    };
    let mut entries = Vec::with_capacity(decoded.len() / 2);
    let mut byte_pos = 0usize;
    let find = |b: usize| {
        origin
            .partition_point(|o| (o.0 as usize) <= b)
            .saturating_sub(1)
    };
    for (i, c) in decoded.char_indices() {
        let len = if enc == UTF_8 {
            c.len_utf8()
        } else {
            let mut buf = [0u8; 4];
            let (b, _, _) = enc.encode(c.encode_utf8(&mut buf));
            b.len().max(1)
        };
        let first = find(byte_pos.min(bytes.len().saturating_sub(1)));
        let last = find((byte_pos + len - 1).min(bytes.len().saturating_sub(1))).max(first);
        entries.push((offset + i as u32, origin[first].1, origin[last].2));
        byte_pos += len;
    }
    Some((decoded, entries))
}

struct Candidate {
    text: String,
    entries: Vec<(u32, u32, u32)>,
    kind: &'static str,
    score: Score,
}

fn whole_text_candidates(text: &str, lossy: bool, out: &mut Vec<Candidate>) {
    // 1. Windows-1252 / Latin-1 misreadings of UTF-8, Shift_JIS, EUC-KR.
    if let Some((bytes, origin)) = reencode(text, |c, b| match cp1252_byte(c) {
        Some(x) => {
            b.push(x);
            true
        }
        None if c == '\u{FFFD}' => {
            b.push(b'?');
            true
        }
        None => false,
    }) {
        for (enc, kind) in [
            (UTF_8, "utf-8 read as windows-1252"),
            (SHIFT_JIS, "shift_jis read as windows-1252"),
            (EUC_KR, "euc-kr read as windows-1252"),
        ] {
            if let Some((t, e)) = decode_mapped(&bytes, &origin, enc, 0, lossy) {
                let score = score(&t);
                out.push(Candidate {
                    text: t,
                    entries: e,
                    kind,
                    score,
                });
            }
        }
    }
    // 2. Multi-byte code pages read as each other.
    for (wrong, right, kind) in [
        (SHIFT_JIS, UTF_8, "utf-8 read as shift_jis"),
        (SHIFT_JIS, EUC_KR, "euc-kr read as shift_jis"),
        (EUC_KR, UTF_8, "utf-8 read as euc-kr"),
        (EUC_KR, SHIFT_JIS, "shift_jis read as euc-kr"),
        (EUC_JP, UTF_8, "utf-8 read as euc-jp"),
    ] {
        let enc = |c: char, b: &mut Vec<u8>| {
            if c.is_ascii() {
                b.push(c as u8);
                return true;
            }
            if c == '\u{FFFD}' {
                b.push(b'?');
                return true;
            }
            match encodes_in(c, wrong) {
                Some(x) => {
                    b.extend_from_slice(&x);
                    true
                }
                None => false,
            }
        };
        if let Some((bytes, origin)) = reencode(text, enc)
            && let Some((t, e)) = decode_mapped(&bytes, &origin, right, 0, lossy)
        {
            let score = score(&t);
            out.push(Candidate {
                text: t,
                entries: e,
                kind,
                score,
            });
        }
    }
}

/// The readings of one char with some of its continuation bytes swapped back from
/// Windows-1252 to ISO-8859-15 (0x80 0x8A 0x8C 0x8E 0x9A 0x9C 0x9E 0x9F → 0xA4 0xA6
/// 0xBC 0xB4 0xA8 0xBD 0xB8 0xBE). Bytes 0x80–0x9F of the original survive the
/// damage unchanged, so every subset of the swappable bytes is a possible reading.
fn unswap_variants(c: char) -> Vec<char> {
    fn back(b: u8) -> Option<u8> {
        Some(match b {
            0x80 => 0xA4,
            0x8A => 0xA6,
            0x8C => 0xBC,
            0x8E => 0xB4,
            0x9A => 0xA8,
            0x9C => 0xBD,
            0x9E => 0xB8,
            0x9F => 0xBE,
            _ => return None,
        })
    }
    let mut buf = [0u8; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    let mut out = Vec::new();
    if bytes.len() < 2 {
        return out;
    }
    let positions: Vec<usize> = (1..bytes.len())
        .filter(|&i| back(bytes[i]).is_some())
        .collect();
    for mask in 1u32..(1 << positions.len()) {
        let mut nb = [0u8; 4];
        nb[..bytes.len()].copy_from_slice(bytes);
        for (k, &p) in positions.iter().enumerate() {
            if mask & (1 << k) != 0
                && let Some(x) = back(nb[p])
            {
                nb[p] = x;
            }
        }
        if let Some(n) = std::str::from_utf8(&nb[..bytes.len()])
            .ok()
            .and_then(|s| s.chars().next())
            && classify(n) != Class::Bad
        {
            out.push(n);
        }
    }
    out
}

fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A1..=0x30FA)
}

/// Typical artifacts of the swap that are valid kana on their own: ー → ヌ and
/// イ → む inside katakana words (サヌビス, バむス).
fn katakana_artifact(prev: Option<char>, c: char) -> bool {
    matches!(c, 'ヌ' | 'む') && prev.is_some_and(|p| is_katakana(p) && p != 'ヌ')
}

/// Scores how implausible a short text is (lower is better); the text core passes
/// one backed by the Japanese dictionary (unknown words and token count).
pub type Plausibility<'a> = &'a mut dyn FnMut(&str) -> u32;

/// The 8859-15/1252 swap is ambiguous per character: the bytes 0x80–0x9F of the
/// original survive unchanged, so た may be た or a damaged ま. Characters whose
/// swapped reading is implausible (CJK extension A, private use) are repaired
/// outright; for the others both readings are scored in context by `plausibility`.
fn unswap_8859_15(text: &str, mut plausibility: Option<Plausibility<'_>>) -> Option<Candidate> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Evidence first: damaged characters with a plausible reading, or swap artifacts.
    let mut prev = None;
    let mut fixable = 0;
    for &(_, c) in &chars {
        if (classify(c) == Class::Bad && !unswap_variants(c).is_empty())
            || katakana_artifact(prev, c)
        {
            fixable += 1;
        }
        prev = Some(c);
    }
    // One sign alone is enough only when the dictionary confirms the repair below.
    if fixable == 0 || (fixable < 2 && plausibility.is_none()) {
        return None;
    }
    let best_variant = |c: char| -> Option<char> {
        let v = unswap_variants(c);
        v.iter()
            .copied()
            .find(|n| classify(*n) == Class::Cjk)
            .or_else(|| v.first().copied())
    };
    // First guess for the right-hand context: damaged characters get their best reading.
    // First guess for the right-hand context: damaged characters and swap artifacts
    // get their best reading, so that neighbours are decided together (オペレヌタヌ).
    let mut prev = None;
    let mut guess: Vec<char> = chars
        .iter()
        .map(|&(_, r)| {
            let g = if classify(r) == Class::Bad || katakana_artifact(prev, r) {
                best_variant(r).unwrap_or(r)
            } else {
                r
            };
            prev = Some(r);
            g
        })
        .collect();
    let mut window = String::new();
    // Two passes: the second sees the first pass's decisions on its right.
    let passes = if plausibility.is_some() { 2 } else { 1 };
    for _ in 0..passes {
        let mut decided: Vec<char> = Vec::with_capacity(chars.len());
        for (k, &(_, c)) in chars.iter().enumerate() {
            let variants = unswap_variants(c);
            let oc = classify(c);
            let chosen = if variants.is_empty() {
                c
            } else if let Some(score) = plausibility.as_deref_mut() {
                let left_from = decided.len().saturating_sub(6);
                let right_to = (k + 7).min(guess.len());
                let mut options: Vec<char> = Vec::with_capacity(variants.len() + 1);
                if oc != Class::Bad {
                    options.push(c);
                }
                options.extend(variants.iter().copied());
                let mut best = (u32::MAX, c);
                for o in options {
                    window.clear();
                    window.extend(&decided[left_from..]);
                    window.push(o);
                    window.extend(&guess[k + 1..right_to]);
                    let cost = score(&window);
                    if cost < best.0 {
                        best = (cost, o);
                    }
                }
                best.1
            } else if oc == Class::Bad || (oc == Class::Odd && classify(variants[0]) == Class::Cjk)
            {
                best_variant(c).unwrap_or(c)
            } else {
                c
            };
            decided.push(chosen);
        }
        guess = decided;
    }
    // Per word, not per character: in a text that carries this damage, ヌ after a
    // katakana character is ー almost always (カスタマヌサヌビス, フィヌドバック), even
    // where a window of the dictionary prefers the other reading for one of them.
    for k in 1..chars.len() {
        // (The left neighbour as repaired: ゜ヌ is a damaged ソー.)
        if chars[k].1 == 'ヌ' && katakana_artifact(Some(guess[k - 1]), 'ヌ') {
            guess[k] = 'ー';
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut entries = Vec::with_capacity(chars.len());
    for (&(i, c), &chosen) in chars.iter().zip(&guess) {
        entries.push((out.len() as u32, i as u32, (i + c.len_utf8()) as u32));
        out.push(chosen);
    }
    if fixable < 2 {
        // Weak evidence: the repaired text must read clearly better to the dictionary.
        let score = plausibility?;
        let (before, after) = (score(text), score(&out));
        if after.saturating_add(3000) > before {
            return None;
        }
    }
    let score = score(&out);
    Some(Candidate {
        text: out,
        entries,
        kind: "utf-8 bytes swapped between iso-8859-15 and windows-1252",
        score,
    })
}

/// Repairs runs of Windows-1252-looking characters inside an otherwise clean text
/// (e.g. an English sentence with a Japanese product name that was mis-decoded).
fn run_candidate(text: &str) -> Option<Candidate> {
    let mut out = String::with_capacity(text.len());
    let mut entries: Vec<(u32, u32, u32)> = Vec::new();
    let mut changed = false;
    let mut kind = "utf-8 read as windows-1252";
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        // A run: chars that map to a Windows-1252 byte, at least one of them >= 0x80.
        let mut j = i;
        let mut high = 0;
        while j < chars.len() {
            match cp1252_byte(chars[j].1) {
                Some(b) if b >= 0x80 => high += 1,
                Some(b) if b.is_ascii_alphanumeric() || b == b' ' => {}
                _ => break,
            }
            j += 1;
        }
        if high >= 2 {
            let run_end = chars.get(j).map_or(text.len(), |x| x.0);
            let run = &text[pos..run_end];
            // Trim trailing ASCII (keeps words after the damaged part untouched).
            let trimmed_len = run.trim_end_matches(|ch: char| ch.is_ascii()).len();
            let run = &run[..trimmed_len];
            let mut best: Option<(String, CharMap, &'static str, Score)> = None;
            if let Some((bytes, origin)) = reencode(run, |ch, b| match cp1252_byte(ch) {
                Some(x) => {
                    b.push(x);
                    true
                }
                None => false,
            }) {
                let high_share = bytes.iter().filter(|b| **b >= 0x80).count() * 2 >= bytes.len();
                for (enc, k) in [
                    (UTF_8, "utf-8 read as windows-1252"),
                    (SHIFT_JIS, "shift_jis read as windows-1252"),
                    (EUC_KR, "euc-kr read as windows-1252"),
                ] {
                    if enc != UTF_8 && (!high_share || high < 3) {
                        continue;
                    }
                    if let Some((t, e)) =
                        decode_mapped(&bytes, &origin, enc, out.len() as u32, false)
                    {
                        let s = score(&t);
                        // Two or more Windows-1252 characters that form valid UTF-8
                        // are UTF-8 read wrongly, whatever the script (perdÃ£o → perdão).
                        if enc == UTF_8 && s.bad == 0 && !t.is_ascii() {
                            best = Some((t, e, k, s));
                            break;
                        }
                        if s.bad == 0
                            && s.cjk >= 1
                            && s.cjk > s.odd
                            && best.as_ref().is_none_or(|b| s.badness() < b.3.badness())
                        {
                            best = Some((t, e, k, s));
                        }
                    }
                }
            }
            if let Some((t, e, k, _)) = best {
                let shift = pos as u32;
                entries.extend(e.into_iter().map(|(a, b, c)| (a, b + shift, c + shift)));
                out.push_str(&t);
                changed = true;
                kind = k;
                // Continue after the repaired part.
                let consumed_to = pos + run.len();
                while i < chars.len() && chars[i].0 < consumed_to {
                    i += 1;
                }
                continue;
            }
        }
        entries.push((out.len() as u32, pos as u32, (pos + c.len_utf8()) as u32));
        out.push(c);
        i += 1;
    }
    if !changed {
        return None;
    }
    let score = score(&out);
    Some(Candidate {
        text: out,
        entries,
        kind,
        score,
    })
}

/// Checks `text` for mojibake and repairs it when one reading is clearly right.
pub fn check(text: &str) -> MojibakeCheck {
    check_with(text, None)
}

/// Like [`check`], with a plausibility scorer for readings that character classes
/// alone cannot tell apart.
pub fn check_with(text: &str, plausibility: Option<Plausibility<'_>>) -> MojibakeCheck {
    let clean = MojibakeCheck {
        status: MojibakeStatus::Clean,
        repair: None,
    };
    if text.is_ascii() || !may_be_damaged(text) {
        return clean;
    }
    let original = score(text);
    if original.badness() == 0 {
        return clean;
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    if original.evidence() >= 2 {
        whole_text_candidates(text, original.fffd > 0, &mut candidates);
    }
    if original.evidence() >= 1
        && let Some(c) = unswap_8859_15(text, plausibility)
    {
        candidates.push(c);
    }
    if let Some(c) = run_candidate(text) {
        candidates.push(c);
    }
    // A valid UTF-8 reading of Windows-1252 characters wins over the CJK readings:
    // it is how most mojibake happens, in every script.
    let latin_fix = candidates.iter().position(|c| {
        c.kind == "utf-8 read as windows-1252"
            && c.score.bad == 0
            && c.score.latin_pairs < original.latin_pairs
    });
    let candidates = match latin_fix {
        Some(i) => vec![candidates.swap_remove(i)],
        None => candidates,
    };
    let best = candidates
        .into_iter()
        .filter(|c| {
            if c.kind == "utf-8 read as windows-1252"
                && c.score.bad == 0
                && c.score.latin_pairs < original.latin_pairs
            {
                return true;
            }
            let s = c.score;
            s.bad <= original.fffd
                && s.fffd <= original.fffd
                && s.cjk >= 2
                && s.badness() * 3 < original.badness()
                && s.odd * 4 <= s.cjk
        })
        .min_by_key(|c| (c.score.badness(), usize::MAX - c.score.cjk));
    if let Some(best) = best {
        return MojibakeCheck {
            status: MojibakeStatus::Repaired,
            repair: Some(Repair {
                text: best.text,
                map: RepairMap {
                    entries: best.entries,
                },
                kind: best.kind,
            }),
        };
    }
    let total = text.chars().count().max(1);
    // Chinese text is full of characters Japanese and Korean code pages lack: only
    // private use, extension A, C1 controls and U+FFFD count as damage on their own.
    let strong_bad = original.bad - original.rare_han;
    let suspicious = strong_bad >= 2
        || (strong_bad >= 1 && total < 40)
        || original.latin_pairs >= 3
        || (original.odd * 5 > total && original.odd >= 3);
    MojibakeCheck {
        status: if suspicious {
            MojibakeStatus::Suspect
        } else {
            MojibakeStatus::Clean
        },
        repair: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(s: &str) -> (MojibakeStatus, String) {
        let c = check(s);
        let t = c.repair.map(|r| r.text).unwrap_or_else(|| s.to_string());
        (c.status, t)
    }

    fn as_cp1252(s: &str) -> String {
        let (t, _, _) = encoding_rs::WINDOWS_1252.decode(s.as_bytes());
        t.into_owned()
    }

    /// [`may_be_damaged`] test by test, stopping at the first sign, as it was written
    /// first: the reference the table-driven scan is tested against.
    fn may_be_damaged_by_tests(text: &str) -> bool {
        let mut hangul = false;
        let mut han = false;
        let mut rare_hangul = 0;
        let mut prev = None;
        for c in text.chars() {
            let u = c as u32;
            // ASCII, kana and CJK punctuation are no sign on their own (but ヌ and む after
            // katakana are), and change neither flag: the common chars take one test.
            if (u < 0x80 || (0x3000..=0x30FF).contains(&u)) && c != 'ヌ' && c != 'む' {
                prev = Some(c);
                continue;
            }
            if damage_sign(u) || katakana_artifact(prev, c) {
                return true;
            }
            if (0xAC00..=0xD7A3).contains(&u) {
                hangul = true;
                if is_rare_hangul(c) {
                    rare_hangul += 1;
                    if rare_hangul >= 2 {
                        return true;
                    }
                }
            }
            if (0x4E00..=0x9FFF).contains(&u) {
                han = true;
                // A kanji in neither JIS X 0208 nor KS X 1001.
                if !bit(&common_sets().kanji_known, u - 0x4E00) {
                    return true;
                }
            }
            if hangul && han {
                return true;
            }
            prev = Some(c);
        }
        false
    }

    /// The table-driven scan answers as the test-by-test one: every BMP char after
    /// a few neighbours (katakana, ヌ, hangul, a kanji, ASCII), pairs of rare hangul,
    /// hangul with hanja, and corpus-like lines.
    #[test]
    fn damage_scan_equals_tests() {
        let lefts = ["", "a", "サ", "ヌ", "バ", "한", "漢", "\u{1F600}", "뷁"];
        for c in (0..=0xFFFF)
            .filter_map(char::from_u32)
            .chain(['\u{1F600}', '𠮷'])
        {
            for left in lefts {
                for text in [
                    format!("{left}{c}"),
                    format!("{c}{left}"),
                    format!("{left}{c}{c}"),
                ] {
                    assert_eq!(
                        may_be_damaged(&text),
                        may_be_damaged_by_tests(&text),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn common_sets_by_decoding_equal_by_encoding() {
        let (d, e) = (CommonSets::by_decoding(), CommonSets::by_encoding());
        assert_eq!(d.kanji_level1, e.kanji_level1);
        assert_eq!(d.kanji_known, e.kanji_known);
        assert_eq!(d.hangul_ks, e.hangul_ks);
        let count = |v: &[u64]| v.iter().map(|w| w.count_ones()).sum::<u32>();
        // JIS X 0208 level 1 (2,965 kanji, plus level 2 kanji on lead 0x98), the
        // 2,350 hangul of KS X 1001.
        assert!(count(&d.kanji_level1) >= 2965, "{}", count(&d.kanji_level1));
        assert_eq!(count(&d.hangul_ks), 2350);
    }

    #[test]
    fn utf8_read_as_cp1252() {
        assert_eq!(
            repaired("ã‚µãƒ¼ãƒ“ã‚¹"),
            (MojibakeStatus::Repaired, "サービス".into())
        );
        let bad = as_cp1252("返金してください。対応が遅い");
        assert_eq!(repaired(&bad).1, "返金してください。対応が遅い");
    }

    #[test]
    fn partial_damage_in_english_text() {
        let bad = format!("The app {} crashes", as_cp1252("ログイン画面"));
        let (st, t) = repaired(&bad);
        assert_eq!(st, MojibakeStatus::Repaired);
        assert_eq!(t, "The app ログイン画面 crashes");
    }

    #[test]
    fn cp_swap_8859_15() {
        // サービス with ー (E3 83 BC) turned into ヌ (E3 83 8C); 不 into 䞍; と into ず.
        // Without a plausibility scorer only the unambiguous characters are repaired,
        // and ヌ after katakana (decided per word: in damaged text it is ー).
        let (st, t) = repaired("顧客サヌビスは䞍満ず感じた。䜓隓が悪い");
        assert_eq!(st, MojibakeStatus::Repaired);
        assert_eq!(t, "顧客サービスは不満ず感じた。体験が悪い");
        // Long katakana words keep no ヌ (issue 25: カスタマヌサヌビス, フィヌドバック).
        let (_, t) = repaired("カスタマヌサヌビスの䞍満ずフィヌドバック");
        assert_eq!(t, "カスタマーサービスの不満ずフィードバック");
        // With one, the ambiguous ones are decided in context.
        let mut scorer = |w: &str| -> u32 {
            ["サヌ", "満ず"]
                .iter()
                .map(|bad| w.matches(bad).count() as u32)
                .sum()
        };
        let c = check_with("顧客サヌビスは䞍満ず感じた。䜓隓が悪い", Some(&mut scorer));
        assert_eq!(
            c.repair.unwrap().text,
            "顧客サービスは不満と感じた。体験が悪い"
        );
        // A single private-use character alone is not enough evidence.
        assert_eq!(check("まずは\u{E63E}").status, MojibakeStatus::Suspect);
    }

    #[test]
    fn sjis_read_as_euckr_and_utf8_as_sjis() {
        let (sjis, _, _) = SHIFT_JIS.encode("配送が遅くて困りました");
        let (as_kr, _, _) = EUC_KR.decode(&sjis);
        let (st, t) = repaired(&as_kr);
        assert_eq!(
            (st, t.as_str()),
            (MojibakeStatus::Repaired, "配送が遅くて困りました")
        );
        // UTF-8 read as Shift_JIS loses the odd trailing byte: a lossy repair.
        let (as_sjis, _, _) = SHIFT_JIS.decode("サービスが最悪です".as_bytes());
        let (st, t) = repaired(&as_sjis);
        assert_eq!(st, MojibakeStatus::Repaired);
        assert!(t.starts_with("サービスが最悪で"), "{t}");
        let (kr, _, _) = EUC_KR.encode("배송이 너무 늦어요");
        let (as_1252, _, _) = encoding_rs::WINDOWS_1252.decode(&kr);
        assert_eq!(repaired(&as_1252).1, "배송이 너무 늦어요");
    }

    #[test]
    fn clean_text_untouched() {
        for s in [
            "café crème brûlée",
            "対応が早くて助かりました",
            "배송이 빨라요 👍",
            "Señor Müller",
            "naïve résumé",
            "ｶﾀｶﾅ",
        ] {
            assert_eq!(check(s).status, MojibakeStatus::Clean, "{s}");
        }
    }

    #[test]
    fn map_points_to_original() {
        let bad = "ok ã‚µãƒ¼ãƒ“ã‚¹!";
        let c = check(bad);
        let r = c.repair.unwrap();
        let pos = r.text.find("ビ").unwrap();
        let orig = r.map.to_original(pos..pos + "ビ".len());
        assert_eq!(&bad[orig], "ãƒ“");
    }
}
