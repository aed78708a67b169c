//! Opening an input: gzip, byte-order marks, encoding detection (UTF-8, UTF-16 with
//! BOM, Shift_JIS/CP932, EUC-JP, EUC-KR/CP949 via chardetng), binary-file refusal,
//! and per-field decoding with a fallback for files that mix encodings.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{EUC_JP, EUC_KR, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};

use super::IngestError;

/// Counts bytes read from the underlying file (for progress).
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened, decompressed input whose bytes are in `encoding` (UTF-16 is already
/// transcoded to UTF-8).
pub struct Opened {
    /// The byte stream.
    pub reader: Box<dyn BufRead + Send>,
    /// Encoding of the bytes `reader` yields.
    pub encoding: &'static Encoding,
    /// What was detected, for the summary: `UTF-8`, `UTF-8 (BOM)`, `UTF-16LE (BOM)`, `Shift_JIS`...
    pub encoding_label: String,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// Bytes read so far from the file (compressed).
    pub progress: Arc<AtomicU64>,
    /// The first bytes of the (decoded) stream, for format sniffing.
    pub sample: Vec<u8>,
    /// Lines end with CR alone (they are read as line ends).
    pub cr_line_ends: bool,
}

/// A stream whose lines end with CR alone, with each CR turned into LF. None of the
/// encodings read this way (UTF-8 and the ASCII-compatible CJK ones) has 0x0D inside
/// a multi-byte character.
struct CrLines<R>(R);

impl<R: Read> Read for CrLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

const SAMPLE: usize = 64 * 1024;

fn magic_kind(b: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"%PDF", "a PDF document"),
        (
            b"PK\x03\x04",
            "a ZIP archive (an Excel .xlsx workbook? export it as CSV)",
        ),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (
            b"\xD0\xCF\x11\xE0",
            "an old Office document (.xls? export it as CSV)",
        ),
        (b"SQLite format 3", "a SQLite database"),
        (b"\x7FELF", "an executable"),
        // Read from a file path (Reader::open_path); a stream (stdin, an upload) lands here.
        (
            b"PAR1",
            "a Parquet file, which koe reads from a file path, not a stream: save it to a file",
        ),
        (
            b"ARROW1",
            "an Arrow IPC file, which koe reads from a file path, not a stream: save it to a file",
        ),
    ];
    KINDS
        .iter()
        .find(|(m, _)| b.starts_with(m))
        .map(|(_, k)| *k)
}

/// Reads up to `max` bytes. An error after some bytes (a truncated gzip stream) is
/// returned beside the bytes, so the records before it can still be read.
fn read_sample(r: &mut dyn Read, max: usize) -> (Vec<u8>, Option<std::io::Error>) {
    let mut sample = Vec::with_capacity(max);
    let mut chunk = [0u8; 8192];
    while sample.len() < max {
        let want = (max - sample.len()).min(chunk.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => sample.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (sample, Some(e)),
        }
    }
    (sample, None)
}

/// A reader that fails once with a stored error (after the sample of a truncated stream).
struct FailOnce(Option<std::io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Share of non-ASCII lines that are valid UTF-8, judging a file that mixes encodings.
fn mostly_utf8(sample: &[u8]) -> bool {
    let (mut ok, mut bad) = (0usize, 0usize);
    let cut = match std::str::from_utf8(sample) {
        Ok(_) => return true,
        Err(e) if e.error_len().is_none() => return true, // only a char cut at the end
        Err(_) => sample,
    };
    for line in cut.split(|&b| b == b'\n') {
        if line.is_ascii() {
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(_) => ok += 1,
            Err(e) if e.error_len().is_none() => ok += 1,
            Err(_) => bad += 1,
        }
    }
    ok > 0 && ok >= bad
}

/// Opens `reader` (named `name` in messages): decompresses gzip, detects the encoding
/// unless `forced`, and refuses binary data.
pub fn open(
    name: &str,
    reader: Box<dyn Read + Send>,
    forced: Option<&'static Encoding>,
) -> Result<Opened, IngestError> {
    let progress = Arc::new(AtomicU64::new(0));
    let counted = CountingReader {
        inner: reader,
        count: progress.clone(),
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, counted);
    let head = buffered.fill_buf().map_err(|e| IngestError::Read {
        path: name.into(),
        source: e,
    })?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut stream: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let (sample, sample_error) = read_sample(&mut stream, SAMPLE);
    if let Some(e) = sample_error {
        if sample.is_empty() {
            return Err(IngestError::Read {
                path: name.into(),
                source: e,
            });
        }
        stream = Box::new(FailOnce(Some(e)));
    }
    if let Some(kind) = magic_kind(&sample) {
        return Err(IngestError::NotText {
            path: name.into(),
            reason: format!("it is {kind}"),
        });
    }
    // Encoding.
    let (encoding, label, skip) = match forced {
        Some(enc) => {
            let skip = match Encoding::for_bom(&sample) {
                Some((bom_enc, len)) if bom_enc == enc => len,
                _ => 0,
            };
            check_forced(name, &sample[skip..], enc, || detect(name, &sample))?;
            (enc, format!("{} (forced)", enc.name()), skip)
        }
        None => detect(name, &sample)?,
    };
    let body: Box<dyn Read + Send> = Box::new(Cursor::new(sample.clone()).chain(stream));
    let mut body: Box<dyn Read + Send> = body;
    if skip > 0 {
        let mut bom = vec![0u8; skip];
        body.read_exact(&mut bom).map_err(|e| IngestError::Read {
            path: name.into(),
            source: e,
        })?;
    }
    let (reader, encoding): (Box<dyn BufRead + Send>, &'static Encoding) =
        if encoding == UTF_16LE || encoding == UTF_16BE {
            let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_override(false)
                .build(body);
            (
                Box::new(BufReader::with_capacity(256 * 1024, decoded)),
                UTF_8,
            )
        } else {
            (
                Box::new(BufReader::with_capacity(256 * 1024, body)),
                encoding,
            )
        };
    // The sample in the stream's own encoding (for sniffing the format).
    let sample = if encoding == UTF_8 && (label.starts_with("UTF-16")) {
        let (enc, _) = if label.starts_with("UTF-16LE") {
            (UTF_16LE, 0)
        } else {
            (UTF_16BE, 0)
        };
        enc.decode_without_bom_handling(&sample[skip..])
            .0
            .into_owned()
            .into_bytes()
    } else {
        sample[skip..].to_vec()
    };
    // Old Mac / some Excel exports end lines with CR alone: read them as line ends.
    let cr_only = sample.contains(&b'\r') && !sample.contains(&b'\n');
    let reader: Box<dyn BufRead + Send> = if cr_only {
        Box::new(BufReader::with_capacity(256 * 1024, CrLines(reader)))
    } else {
        reader
    };
    let sample = if cr_only {
        sample
            .into_iter()
            .map(|b| if b == b'\r' { b'\n' } else { b })
            .collect()
    } else {
        sample
    };
    Ok(Opened {
        reader,
        encoding,
        encoding_label: label,
        cr_line_ends: cr_only,
        gzip,
        progress,
        sample,
    })
}

/// The encoding of `sample` (the first bytes of an input), its label and the length
/// of its byte-order mark; `NotText` for binary data.
fn detect(name: &str, sample: &[u8]) -> Result<(&'static Encoding, String, usize), IngestError> {
    Ok(if let Some((enc, len)) = Encoding::for_bom(sample) {
        (enc, format!("{} (BOM)", enc.name()), len)
    } else {
        let nul = sample.iter().filter(|&&b| b == 0).count();
        if nul * 4 > sample.len() && sample.len() >= 4 {
            // UTF-16 without BOM: NULs on one side of every pair.
            let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
            let odd = nul - even;
            if odd > even * 4 {
                (UTF_16LE, "UTF-16LE (no BOM)".into(), 0)
            } else if even > odd * 4 {
                (UTF_16BE, "UTF-16BE (no BOM)".into(), 0)
            } else {
                return Err(IngestError::NotText {
                    path: name.into(),
                    reason: format!("{nul} of its first {} bytes are NUL", sample.len()),
                });
            }
        } else {
            let control = sample
                .iter()
                .filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b) && b != 0x1B)
                .count();
            // Text has next to no C0 controls; random or compressed bytes have about
            // 10%, and they are not UTF-8. (A cut-off of 10% alone let half of the
            // random files through as windows-1252.)
            let utf8 = mostly_utf8(sample);
            if control * 10 > sample.len() || (control * 50 > sample.len() && !utf8) {
                return Err(IngestError::NotText {
                    path: name.into(),
                    reason: format!(
                        "{control} of its first {} bytes are control characters",
                        sample.len()
                    ),
                });
            }
            if utf8 {
                (UTF_8, "UTF-8".into(), 0)
            } else {
                let mut det = chardetng::EncodingDetector::new();
                det.feed(sample, sample.len() < SAMPLE);
                let guess = det.guess(None, false);
                let guess = if [SHIFT_JIS, EUC_JP, EUC_KR].contains(&guess) {
                    guess
                } else {
                    guess_cjk(sample).unwrap_or(guess)
                };
                (guess, legacy_label(guess, sample), 0)
            }
        }
    })
}

/// The name to show for a detected legacy encoding. encoding_rs's `EUC-KR` decoder is
/// CP949 (Unified Hangul Code), a superset: the label says CP949 when the bytes use
/// its extension (a lead byte 0x81–0xA0, or a trail byte below 0xA1), which plain
/// EUC-KR cannot encode.
fn legacy_label(enc: &'static Encoding, sample: &[u8]) -> String {
    if enc == EUC_KR {
        let mut i = 0;
        while i + 1 < sample.len() {
            let (lead, trail) = (sample[i], sample[i + 1]);
            if lead >= 0x81 && lead != 0xFF {
                if lead <= 0xA0 || (lead <= 0xC6 && trail < 0xA1) {
                    return "CP949".into();
                }
                i += 2;
            } else {
                i += 1;
            }
        }
    }
    enc.name().to_string()
}

/// A forced encoding must read the input: replacement characters in the header line
/// or in most of the first lines mean it is the wrong one.
fn check_forced(
    name: &str,
    sample: &[u8],
    enc: &'static Encoding,
    detected: impl FnOnce() -> Result<(&'static Encoding, String, usize), IngestError>,
) -> Result<(), IngestError> {
    // UTF-16 cannot be judged line by line on raw bytes.
    if enc == UTF_16LE || enc == UTF_16BE {
        return Ok(());
    }
    let mut lines = sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .peekable();
    // The last line of a sample may be cut in the middle of a character.
    let complete: Vec<&[u8]> = {
        let mut v: Vec<&[u8]> = Vec::new();
        while let Some(l) = lines.next() {
            if lines.peek().is_some() || sample.ends_with(b"\n") {
                v.push(l);
            }
        }
        v
    };
    let bad = |l: &[u8]| {
        enc.decode_without_bom_handling_and_without_replacement(l)
            .is_none()
    };
    let header_bad = complete.first().is_some_and(|l| bad(l));
    let bad_lines = complete.iter().filter(|l| bad(l)).count();
    if header_bad || (complete.len() >= 2 && bad_lines * 2 > complete.len()) {
        let would = match detected() {
            Ok((e, _, _)) if e != enc => format!("; koe detects {} (drop --encoding)", e.name()),
            _ => String::new(),
        };
        return Err(IngestError::WrongEncoding {
            path: name.into(),
            encoding: enc.name().to_string(),
            reason: if header_bad {
                "the first line does not decode".to_string()
            } else {
                format!(
                    "{bad_lines} of the first {} lines do not decode",
                    complete.len()
                )
            },
            detected: would,
        });
    }
    Ok(())
}

/// Among the CJK legacy encodings, the one that decodes `bytes` without errors and
/// with the most plausible result.
fn guess_cjk(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut best: Option<(&'static Encoding, i64)> = None;
    for enc in [SHIFT_JIS, EUC_KR, EUC_JP] {
        if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            let score = crate::text::mojibake::plausibility(&text);
            if best.is_none_or(|b| score > b.1) {
                best = Some((enc, score));
            }
        }
    }
    best.map(|b| b.0)
}

/// Decodes one field or line; the second value, when there is one, says how it was
/// read otherwise than plainly in `encoding` ("decoded as Shift_JIS", "2 invalid
/// bytes replaced with U+FFFD"). Falls back to the other CJK encodings for files that
/// mix them; `Err` when the bytes are not text in any of them.
pub fn decode_field(
    bytes: &[u8],
    encoding: &'static Encoding,
) -> Result<(String, Option<String>), String> {
    if let Some(s) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok((s.into_owned(), None));
    }
    // UTF-8 with a few stray bytes (a cut character, one corrupted byte): replace only
    // those bytes, never re-read the whole field in another encoding.
    if encoding == UTF_8 {
        let invalid = invalid_utf8_bytes(bytes);
        if invalid * 10 < bytes.len() {
            let text = String::from_utf8_lossy(bytes).into_owned();
            return Ok((
                text,
                Some(format!(
                    "had {invalid} invalid UTF-8 byte{} (replaced with U+FFFD)",
                    if invalid == 1 { "" } else { "s" }
                )),
            ));
        }
    }
    let decoded_as = |enc: &'static Encoding| Some(format!("decoded as {}", enc.name()));
    // Files that mix encodings are CJK in practice: take the most plausible CJK reading.
    if let Some(enc) = guess_cjk(bytes).filter(|e| *e != encoding)
        && let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok((s.into_owned(), decoded_as(enc)));
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    let guess = det.guess(None, false);
    for enc in [guess, UTF_8] {
        if enc == encoding {
            continue;
        }
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok((s.into_owned(), decoded_as(enc)));
        }
    }
    Err(format!(
        "bytes are not valid {} text (nor Shift_JIS, EUC-KR or EUC-JP)",
        encoding.name()
    ))
}

/// How many bytes of `bytes` are not part of a valid UTF-8 sequence.
fn invalid_utf8_bytes(mut bytes: &[u8]) -> usize {
    let mut invalid = 0;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return invalid,
            Err(e) => {
                let bad = e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                invalid += bad;
                bytes = &bytes[e.valid_up_to() + bad..];
            }
        }
    }
}

/// How much of a decoded text is binary junk (control characters other than tab/newline).
pub fn control_share(text: &str) -> f64 {
    let total = text.chars().count().max(1);
    let control = text
        .chars()
        // C0 controls and U+FFFD; C1 controls are left out, they are what mojibake looks like.
        .filter(|&c| {
            ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{7F}'
                || c == '\u{FFFD}'
        })
        .count();
    control as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp949_is_named_cp949() {
        let (uhc, _, _) = EUC_KR.encode("똠양꿍 컵라면 맛있어요");
        assert_eq!(legacy_label(EUC_KR, &uhc), "CP949");
        let (plain, _, _) = EUC_KR.encode("배송이 빨라요");
        assert_eq!(legacy_label(EUC_KR, &plain), "EUC-KR");
    }

    #[test]
    fn a_stray_byte_is_replaced_not_the_field_re_decoded() {
        // Issue 24: this became windows-1252 mojibake.
        let mut bytes = "配送が遅くて解約しました".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xe3\x81");
        let (text, note) = decode_field(&bytes, UTF_8).unwrap();
        assert_eq!(text, "配送が遅くて解約しました\u{FFFD}");
        assert!(note.unwrap().contains("invalid UTF-8"));
        // A Shift_JIS field in a UTF-8 file is still read as Shift_JIS.
        let (sjis, _, _) = SHIFT_JIS.encode("配送が遅くて解約しました");
        let (text, note) = decode_field(&sjis, UTF_8).unwrap();
        assert_eq!(text, "配送が遅くて解約しました");
        assert_eq!(note.as_deref(), Some("decoded as Shift_JIS"));
    }
}
