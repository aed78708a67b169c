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
    let (encoding, label, skip): (&'static Encoding, String, usize) = if let Some(enc) = forced {
        let skip = match Encoding::for_bom(&sample) {
            Some((bom_enc, len)) if bom_enc == enc => len,
            _ => 0,
        };
        (enc, format!("{} (forced)", enc.name()), skip)
    } else if let Some((enc, len)) = Encoding::for_bom(&sample) {
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
            if control * 10 > sample.len() {
                return Err(IngestError::NotText {
                    path: name.into(),
                    reason: format!(
                        "{control} of its first {} bytes are control characters",
                        sample.len()
                    ),
                });
            }
            if mostly_utf8(&sample) {
                (UTF_8, "UTF-8".into(), 0)
            } else {
                let mut det = chardetng::EncodingDetector::new();
                det.feed(&sample, sample.len() < SAMPLE);
                let guess = det.guess(None, false);
                let guess = if [SHIFT_JIS, EUC_JP, EUC_KR].contains(&guess) {
                    guess
                } else {
                    guess_cjk(&sample).unwrap_or(guess)
                };
                (guess, guess.name().to_string(), 0)
            }
        }
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
    Ok(Opened {
        reader,
        encoding,
        encoding_label: label,
        gzip,
        progress,
        sample,
    })
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

/// Decodes one field or line. Falls back to the other CJK encodings for files that
/// mix them; `Err` when the bytes are not text in any of them.
pub fn decode_field(
    bytes: &[u8],
    encoding: &'static Encoding,
) -> Result<(String, Option<&'static str>), String> {
    if let Some(s) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok((s.into_owned(), None));
    }
    // Files that mix encodings are CJK in practice: take the most plausible CJK reading.
    if let Some(enc) = guess_cjk(bytes).filter(|e| *e != encoding)
        && let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok((s.into_owned(), Some(enc.name())));
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    let guess = det.guess(None, false);
    for enc in [guess, UTF_8] {
        if enc == encoding {
            continue;
        }
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok((s.into_owned(), Some(enc.name())));
        }
    }
    Err(format!(
        "bytes are not valid {} text (nor Shift_JIS, EUC-KR or EUC-JP)",
        encoding.name()
    ))
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
