//! A streaming CSV/TSV reader over bytes (RFC 4180 with lenient edges) that knows
//! line numbers, keeps each record's raw bytes for the rejects file, and recovers
//! from an unterminated quote by rejecting one line instead of swallowing the file.
//!
//! The parsing is `csv-core`'s; what is koe's own is the reading around it, line by
//! line: the `csv` crate's reader would take an unterminated quote to the end of the
//! file (every later record swallowed into one field), and keeps neither line
//! numbers of records nor their raw bytes.
//!
//! Works on UTF-8 and on the ASCII-compatible legacy encodings (Shift_JIS, EUC-JP,
//! EUC-KR/CP949): none of their multi-byte sequences contains `"`, `,`, tab or a
//! line break.

use std::io::BufRead;

/// One parsed record.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Field bytes, unquoted.
    pub fields: Vec<Vec<u8>>,
    /// The record as it appeared in the file (without the final line break).
    pub raw: Vec<u8>,
}

/// A record that could not be parsed.
#[derive(Debug, Clone)]
pub struct RawError {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Why.
    pub reason: String,
    /// The raw bytes that were given up.
    pub raw: Vec<u8>,
}

/// Limits that keep one bad record from eating the run.
#[derive(Debug, Clone, Copy)]
pub struct CsvLimits {
    /// A quoted field spanning more lines than this is taken as an unterminated quote.
    pub max_quoted_lines: usize,
    /// A record longer than this is cut off and rejected (memory bound).
    pub max_record_bytes: usize,
}

impl Default for CsvLimits {
    fn default() -> Self {
        CsvLimits {
            max_quoted_lines: 200,
            max_record_bytes: 64 * 1024 * 1024,
        }
    }
}

/// csv-core's parser of one record at a time, fed line by line: quotes open only at a
/// field's start (a stray `"` inside a field is literal; `"abc"def` reads `abcdef`),
/// `""` inside quotes is a quote, and only `\n` ends a record (a `\r` is data; the
/// caller takes off the line break's).
struct Parser {
    /// Boxed: its transition table is half a kilobyte.
    core: Box<csv_core::Reader>,
    /// Field bytes of the record so far, unquoted.
    out: Vec<u8>,
    /// End of each field in `out`.
    ends: Vec<usize>,
    nout: usize,
    nends: usize,
    /// Nothing was fed since the parser was made or reset.
    fresh: bool,
}

/// What the record needs after a piece of it was fed.
#[derive(Debug, PartialEq, Eq)]
enum Fed {
    /// A line break outside quotes (or the end of the input) ended it.
    Record,
    /// More: the input ended inside a quoted field, or without a line break.
    More,
}

impl Parser {
    fn new(delimiter: u8) -> Parser {
        Parser {
            core: Box::new(
                csv_core::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .terminator(csv_core::Terminator::Any(b'\n'))
                    .build(),
            ),
            out: vec![0; 256],
            ends: vec![0; 16],
            nout: 0,
            nends: 0,
            fresh: true,
        }
    }

    /// Forgets the record so far (and the room a huge one took).
    fn reset(&mut self) {
        self.core.reset();
        self.nout = 0;
        self.nends = 0;
        self.fresh = true;
        if self.out.len() > 1 << 20 {
            self.out = vec![0; 256];
        }
    }

    /// Feeds the next bytes of the record; empty `input` means the end of the input.
    /// Bytes after a line break that ends the record are not read.
    fn feed(&mut self, mut input: &[u8]) -> Fed {
        if self.fresh && input.len() > 1 {
            // csv-core drops a UTF-8 BOM at the start of its first input; here that is
            // the start of a record (the file's BOM is gone before the reader), whose
            // bytes stay as they are: the first byte alone is never taken for one.
            self.fresh = false;
            self.feed(&input[..1]);
            input = &input[1..];
        }
        self.fresh = false;
        loop {
            let (res, nin, nout, nends) = self.core.read_record(
                input,
                &mut self.out[self.nout..],
                &mut self.ends[self.nends..],
            );
            input = &input[nin..];
            self.nout += nout;
            self.nends += nends;
            match res {
                csv_core::ReadRecordResult::InputEmpty => return Fed::More,
                csv_core::ReadRecordResult::OutputFull => {
                    self.out.resize(self.out.len() * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    self.ends.resize(self.ends.len() * 2, 0);
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => {
                    return Fed::Record;
                }
            }
        }
    }

    /// The fields of the record that was ended, without `trailing_cr` carriage returns
    /// at the end of the last field; the parser is ready for the next record.
    fn take_fields(&mut self, trailing_cr: usize) -> Vec<Vec<u8>> {
        let mut start = 0;
        let mut fields: Vec<Vec<u8>> = self.ends[..self.nends]
            .iter()
            .map(|&end| {
                let field = self.out.get(start..end).unwrap_or_default().to_vec();
                start = end;
                field
            })
            .collect();
        if let Some(last) = fields.last_mut() {
            for _ in 0..trailing_cr {
                if last.ends_with(b"\r") {
                    last.pop();
                }
            }
        }
        self.nout = 0;
        self.nends = 0;
        fields
    }
}

/// Streaming CSV reader.
pub struct CsvReader<R> {
    inner: R,
    /// Bytes handed back after a recovery, read before `inner`.
    pending: Vec<u8>,
    pending_pos: usize,
    line: u64,
    parser: Parser,
    limits: CsvLimits,
    eof: bool,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader with `delimiter` (`b','` or `b'\t'`).
    pub fn new(inner: R, delimiter: u8, limits: CsvLimits) -> Self {
        CsvReader {
            inner,
            pending: Vec::new(),
            pending_pos: 0,
            line: 0,
            parser: Parser::new(delimiter),
            limits,
            eof: false,
        }
    }

    /// Appends one physical line (with its `\n`) to `buf`, storing no more than
    /// `max_record_bytes` in `buf` (the rest of an overlong line is skipped); returns
    /// the bytes consumed and whether some were skipped.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
        let max = self.limits.max_record_bytes;
        if self.pending_pos < self.pending.len() {
            let rest = &self.pending[self.pending_pos..];
            let n = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| p + 1);
            buf.extend_from_slice(&rest[..n]);
            self.pending_pos += n;
            if self.pending_pos == self.pending.len() {
                self.pending.clear();
                self.pending_pos = 0;
            }
            // A pending tail without newline continues from the inner reader.
            if !buf.ends_with(b"\n") {
                let (m, over) = read_line_bounded(&mut self.inner, buf, max)?;
                return Ok((n + m, over || buf.len() > max));
            }
            return Ok((n, buf.len() > max));
        }
        if self.eof {
            return Ok((0, false));
        }
        let (n, over) = read_line_bounded(&mut self.inner, buf, max)?;
        if n == 0 {
            self.eof = true;
        }
        Ok((n, over))
    }

    /// The next record: `None` at the end, `Some(Err)` for a record that is given up,
    /// and an I/O error (e.g. a truncated gzip stream) as `Some(Err)` with its reason.
    pub fn next_record(&mut self) -> Option<Result<RawRecord, RawError>> {
        let mut buf = Vec::new();
        'record: loop {
            buf.clear();
            self.parser.reset();
            let start_line = self.line + 1;
            // Inside a quoted field at the end of the lines read so far.
            let mut quoted = false;
            let mut lines = 0usize;
            loop {
                let from = buf.len();
                let (n, over) = match self.read_line(&mut buf) {
                    Ok(r) => r,
                    Err(e) => {
                        self.eof = true;
                        return Some(Err(RawError {
                            line: start_line,
                            reason: format!("read error: {e}"),
                            raw: buf,
                        }));
                    }
                };
                if n == 0 {
                    if buf.is_empty() {
                        return None;
                    }
                    break;
                }
                self.line += 1;
                lines += 1;
                if over {
                    // Never hold more than the limit: the rest of the line was skipped
                    // unread; reading goes on at the next line.
                    buf.truncate(self.limits.max_record_bytes);
                    return Some(Err(RawError {
                        line: start_line,
                        reason: format!(
                            "record is over the limit of {} bytes (4 x --max-field-bytes, raise it with --max-field-bytes); the rest of its line was skipped",
                            self.limits.max_record_bytes
                        ),
                        raw: buf,
                    }));
                }
                if lines == 1 && buf.iter().all(|b| b.is_ascii_whitespace()) {
                    continue 'record; // blank line
                }
                let line = &buf[from..];
                let mut fed = self.parser.feed(line);
                if !line.ends_with(b"\n") {
                    // The last line of the input: ended here, unless inside quotes.
                    fed = self.parser.feed(b"\n");
                }
                quoted = fed == Fed::More;
                if !quoted {
                    break;
                }
                if lines > self.limits.max_quoted_lines || buf.len() > self.limits.max_record_bytes
                {
                    return Some(Err(self.recover(
                        buf,
                        start_line,
                        "unterminated quoted field",
                    )));
                }
            }
            if quoted {
                // EOF inside quotes.
                if lines <= 1 {
                    return Some(Err(RawError {
                        line: start_line,
                        reason: "unterminated quoted field at end of file".into(),
                        raw: trim_eol(buf),
                    }));
                }
                return Some(Err(self.recover(
                    buf,
                    start_line,
                    "unterminated quoted field",
                )));
            }
            // The last field's `\r`s before the line break are data to csv-core: the
            // line break's own `\r`, and one more as in `1,x\r\r\n` (taken as a
            // stray end of line).
            let crlf = buf.ends_with(b"\r\n");
            let raw = trim_eol(std::mem::take(&mut buf));
            let fields = self
                .parser
                .take_fields(usize::from(crlf) + usize::from(raw.ends_with(b"\r")));
            return Some(Ok(RawRecord {
                line: start_line,
                fields,
                raw,
            }));
        }
    }

    /// Gives up the first line of `buf` and hands the rest back for re-reading.
    fn recover(&mut self, mut buf: Vec<u8>, start_line: u64, reason: &str) -> RawError {
        let first_end = buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |p| p + 1);
        let rest = buf.split_off(first_end);
        let mut pending = rest;
        pending.extend_from_slice(&self.pending[self.pending_pos..]);
        self.pending = pending;
        self.pending_pos = 0;
        self.line = start_line;
        RawError {
            line: start_line,
            reason: format!(
                "{reason} (the quote opened on this line never closes; the following lines are read again)"
            ),
            raw: trim_eol(buf),
        }
    }
}

/// Appends the bytes of `r` up to and including the next `\n` to `buf`, but stores
/// only while `buf` is shorter than `max`: the rest of the line is consumed and
/// dropped. Returns the bytes consumed and whether some were dropped. Memory stays
/// bounded by `max` whatever the line length (a one-line 8 GiB file).
pub fn read_line_bounded<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0usize;
    let mut dropped = false;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, dropped));
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(p) => (p + 1, true),
            None => (available.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        if room >= take {
            buf.extend_from_slice(&available[..take]);
        } else {
            buf.extend_from_slice(&available[..room]);
            dropped = true;
        }
        r.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, dropped));
        }
    }
}

fn trim_eol(mut v: Vec<u8>) -> Vec<u8> {
    if v.ends_with(b"\n") {
        v.pop();
        if v.ends_with(b"\r") {
            v.pop();
        }
    }
    v
}

/// Splits one record into unquoted fields: `raw` is one line, or several joined by line
/// breaks inside quotes (a line break outside quotes ends the record; its end may be
/// inside an unterminated quote). A `\r` ending an unquoted last field is taken as the
/// end of a CRLF line.
pub fn split_fields(raw: &[u8], delimiter: u8) -> Vec<Vec<u8>> {
    if raw.is_empty() {
        return vec![Vec::new()];
    }
    let mut parser = Parser::new(delimiter);
    if parser.feed(raw) == Fed::Record {
        return parser.take_fields(0);
    }
    if parser.feed(b"\n") == Fed::Record {
        return parser.take_fields(usize::from(raw.ends_with(b"\r")));
    }
    // Inside an unterminated quote: the field runs to the end of `raw`, without the
    // line break fed to find that out.
    parser.feed(b"");
    let mut fields = parser.take_fields(0);
    if let Some(last) = fields.last_mut() {
        last.pop();
    }
    if fields.is_empty() {
        fields.push(Vec::new());
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = Result<(u64, Vec<String>), (u64, String)>;

    fn read_all(data: &str) -> Vec<Got> {
        read_with(
            data,
            CsvLimits {
                max_quoted_lines: 3,
                ..CsvLimits::default()
            },
        )
    }

    fn read_with(data: &str, limits: CsvLimits) -> Vec<Got> {
        let mut r = CsvReader::new(data.as_bytes(), b',', limits);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record() {
            out.push(match rec {
                Ok(r) => Ok((
                    r.line,
                    r.fields
                        .into_iter()
                        .map(|f| String::from_utf8(f).unwrap())
                        .collect(),
                )),
                Err(e) => Err((e.line, String::from_utf8_lossy(&e.raw).into_owned())),
            });
        }
        out
    }

    #[test]
    fn quoting_and_lines() {
        let got = read_all("a,b\r\n1,\"x, \"\"y\"\"\"\r\n2,\"multi\r\nline\"\r\n\r\n3,plain\n");
        assert_eq!(
            got,
            vec![
                Ok((1, vec!["a".into(), "b".into()])),
                Ok((2, vec!["1".into(), "x, \"y\"".into()])),
                Ok((3, vec!["2".into(), "multi\r\nline".into()])),
                Ok((6, vec!["3".into(), "plain".into()])),
            ]
        );
    }

    #[test]
    fn unterminated_quote_rejects_one_line() {
        let got = read_all("1,ok\n2,\"broken\n3,fine\n4,fine\n5,fine\n6,fine\n");
        assert_eq!(got[0], Ok((1, vec!["1".into(), "ok".into()])));
        assert_eq!(got[1], Err((2, "2,\"broken".into())));
        assert_eq!(got[2], Ok((3, vec!["3".into(), "fine".into()])));
        assert_eq!(got.len(), 6);
        // At end of file.
        let got = read_all("1,ok\n2,\"broken\n3,x");
        assert_eq!(got[1], Err((2, "2,\"broken".into())));
        assert_eq!(got[2], Ok((3, vec!["3".into(), "x".into()])));
    }

    #[test]
    fn an_overlong_line_is_rejected_and_reading_goes_on() {
        let long = "x".repeat(5000);
        let data = format!("1,ok\n2,{long}\n3,\"{long}\n4,fine\n");
        let mut r = CsvReader::new(
            data.as_bytes(),
            b',',
            CsvLimits {
                max_quoted_lines: 3,
                max_record_bytes: 1000,
            },
        );
        let mut got = Vec::new();
        while let Some(rec) = r.next_record() {
            got.push(rec.map(|r| r.line).map_err(|e| (e.line, e.raw.len())));
        }
        assert_eq!(got, vec![Ok(1), Err((2, 1000)), Err((3, 1000)), Ok(4)]);
    }

    #[test]
    fn stray_quote_is_literal() {
        let got = read_all("8,it's \"fine\" i guess\n");
        assert_eq!(
            got[0],
            Ok((1, vec!["8".into(), "it's \"fine\" i guess".into()]))
        );
    }

    #[test]
    fn carriage_returns_before_the_line_break() {
        let got = read_all("1,x\r\r\n2,\"y\r\"\r\n3,\"z\"\r\r\n4,\r\n5,w\r");
        assert_eq!(
            got,
            vec![
                Ok((1, vec!["1".into(), "x".into()])),
                Ok((2, vec!["2".into(), "y\r".into()])),
                Ok((3, vec!["3".into(), "z".into()])),
                Ok((4, vec!["4".into(), "".into()])),
                Ok((5, vec!["5".into(), "w".into()])),
            ]
        );
        assert_eq!(
            split_fields(b"a,\"b\r", b','),
            vec![b"a".to_vec(), b"b\r".to_vec()]
        );
        assert_eq!(split_fields(b"", b','), vec![Vec::<u8>::new()]);
    }

    /// A byte order mark is the file's only at its start (taken off before this
    /// reader); at the start of a record it is data.
    #[test]
    fn a_byte_order_mark_inside_the_file_is_data() {
        let got = read_all("\u{feff}a,b\n\u{feff}\"c\",d\n");
        assert_eq!(
            got,
            vec![
                Ok((1, vec!["\u{feff}a".into(), "b".into()])),
                Ok((2, vec!["\u{feff}\"c\"".into(), "d".into()])),
            ]
        );
    }

    proptest::proptest! {
        /// What the `csv` crate writes (koe's CSV output) reads back field for field,
        /// each record from the line it starts on.
        #[test]
        fn reads_what_the_csv_writer_writes(
            records in proptest::collection::vec(
                proptest::collection::vec("[a ,\"\r\n\u{feff}é\t]{0,6}", 2..5),
                1..6,
            )
        ) {
            let mut w = ::csv::WriterBuilder::new()
                .flexible(true)
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let mut lines = Vec::new();
            let mut line = 1u64;
            for r in &records {
                lines.push(line);
                w.write_record(r).unwrap();
                line += 1 + r.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
            }
            let data = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let got = read_with(&data, CsvLimits::default());
            let want: Vec<Got> = records
                .iter()
                .zip(lines)
                .map(|(r, line)| Ok((line, r.clone())))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
