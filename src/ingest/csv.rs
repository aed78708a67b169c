//! A streaming CSV/TSV reader over bytes (RFC 4180 with lenient edges) that knows
//! line numbers, keeps each record's raw bytes for the rejects file, and recovers
//! from an unterminated quote by rejecting one line instead of swallowing the file.
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Streaming CSV reader.
pub struct CsvReader<R> {
    inner: R,
    /// Bytes handed back after a recovery, read before `inner`.
    pending: Vec<u8>,
    pending_pos: usize,
    line: u64,
    delimiter: u8,
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
            delimiter,
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
        loop {
            buf.clear();
            let start_line = self.line + 1;
            let mut state = State::FieldStart;
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
                for &b in &buf[from..] {
                    state = match (state, b) {
                        (State::FieldStart, b'"') => State::Quoted,
                        (State::FieldStart | State::Unquoted, b'\n') => State::FieldStart,
                        (State::FieldStart | State::Unquoted, d) if d == self.delimiter => {
                            State::FieldStart
                        }
                        (State::FieldStart | State::Unquoted, _) => State::Unquoted,
                        (State::Quoted, b'"') => State::QuoteInQuoted,
                        (State::Quoted, _) => State::Quoted,
                        (State::QuoteInQuoted, b'"') => State::Quoted,
                        (State::QuoteInQuoted, b'\n') => State::FieldStart,
                        (State::QuoteInQuoted, d) if d == self.delimiter => State::FieldStart,
                        // "abc"def: lenient, the rest of the field is taken as is.
                        (State::QuoteInQuoted, _) => State::Unquoted,
                    };
                }
                if state != State::Quoted {
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
            if state == State::Quoted {
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
            let raw = trim_eol(std::mem::take(&mut buf));
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue; // blank line
            }
            let fields = split_fields(&raw, self.delimiter);
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

/// Splits one complete record into unquoted fields.
pub fn split_fields(raw: &[u8], delimiter: u8) -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut state = State::FieldStart;
    for &b in raw {
        match (state, b) {
            (State::FieldStart, b'"') => state = State::Quoted,
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, d) if d == delimiter => {
                fields.push(std::mem::take(&mut field));
                state = State::FieldStart;
            }
            (State::FieldStart | State::Unquoted, _) => {
                field.push(b);
                state = State::Unquoted;
            }
            (State::Quoted, b'"') => state = State::QuoteInQuoted,
            (State::Quoted, _) => field.push(b),
            (State::QuoteInQuoted, b'"') => {
                field.push(b'"');
                state = State::Quoted;
            }
            (State::QuoteInQuoted, _) => {
                field.push(b);
                state = State::Unquoted;
            }
        }
    }
    // Trailing \r inside an unquoted last field of a CRLF file.
    if state == State::Unquoted && field.ends_with(b"\r") {
        field.pop();
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = Result<(u64, Vec<String>), (u64, String)>;

    fn read_all(data: &str) -> Vec<Got> {
        let mut r = CsvReader::new(
            data.as_bytes(),
            b',',
            CsvLimits {
                max_quoted_lines: 3,
                ..CsvLimits::default()
            },
        );
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
}
