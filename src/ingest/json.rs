//! JSON inputs: JSON Lines (one object per line) and a top-level JSON array of
//! objects, split into elements by a streaming scanner so memory stays bounded by the
//! largest element.

use std::io::BufRead;

use super::csv::RawError;

/// One raw unit of a line-based or array input.
#[derive(Debug, Clone)]
pub struct RawUnit {
    /// 1-based line where it starts.
    pub line: u64,
    /// 1-based element index (arrays) or record index.
    pub index: u64,
    /// Its bytes.
    pub raw: Vec<u8>,
}

/// Reads physical lines (without line breaks), skipping blank ones.
pub struct LineReader<R> {
    inner: R,
    line: u64,
    index: u64,
    max_bytes: usize,
}

impl<R: BufRead> LineReader<R> {
    /// A line reader; lines longer than `max_bytes` are truncated and flagged.
    pub fn new(inner: R, max_bytes: usize) -> Self {
        LineReader {
            inner,
            line: 0,
            index: 0,
            max_bytes,
        }
    }

    /// The next non-blank line, or an I/O error message with the line number. A line
    /// over the limit is rejected after reading only its first `max_bytes` (memory
    /// stays bounded), and reading goes on at the next line.
    pub fn next_line(&mut self) -> Option<Result<RawUnit, RawError>> {
        loop {
            let mut buf = Vec::new();
            let over =
                match super::csv::read_line_bounded(&mut self.inner, &mut buf, self.max_bytes) {
                    Ok((0, _)) => return None,
                    Ok((n, over)) => over.then_some(n),
                    Err(e) => {
                        return Some(Err(RawError {
                            line: self.line + 1,
                            reason: format!("read error: {e}"),
                            raw: buf,
                        }));
                    }
                };
            self.line += 1;
            if buf.ends_with(b"\n") {
                buf.pop();
                if buf.ends_with(b"\r") {
                    buf.pop();
                }
            }
            if over.is_none() && buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.index += 1;
            if let Some(n) = over {
                let reason = format!(
                    "line of {n} bytes is over the limit of {} bytes (4 x --max-field-bytes, raise it with --max-field-bytes)",
                    self.max_bytes
                );
                return Some(Err(RawError {
                    line: self.line,
                    reason,
                    raw: buf,
                }));
            }
            return Some(Ok(RawUnit {
                line: self.line,
                index: self.index,
                raw: buf,
            }));
        }
    }
}

/// Splits a top-level JSON array into its elements without parsing them.
pub struct ArraySplitter<R> {
    inner: R,
    line: u64,
    index: u64,
    started: bool,
    done: bool,
    max_bytes: usize,
}

impl<R: BufRead> ArraySplitter<R> {
    /// A splitter over a stream that starts (after whitespace) with `[`.
    pub fn new(inner: R, max_bytes: usize) -> Self {
        ArraySplitter {
            inner,
            line: 1,
            index: 0,
            started: false,
            done: false,
            max_bytes,
        }
    }

    fn next_byte(&mut self) -> std::io::Result<Option<u8>> {
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let b = buf[0];
        self.inner.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    /// The next element's bytes, or an error (malformed array, I/O).
    pub fn next_element(&mut self) -> Option<Result<RawUnit, RawError>> {
        if self.done {
            return None;
        }
        let err = |s: &mut Self, msg: String, raw: Vec<u8>| {
            s.done = true;
            Some(Err(RawError {
                line: s.line,
                reason: msg,
                raw,
            }))
        };
        if !self.started {
            loop {
                match self.next_byte() {
                    Ok(Some(b'[')) => break,
                    Ok(Some(b))
                        if b.is_ascii_whitespace() || b == 0xEF || b == 0xBB || b == 0xBF =>
                    {
                        continue;
                    }
                    Ok(Some(b)) => {
                        return err(
                            self,
                            format!("expected a JSON array, found '{}'", b as char),
                            vec![b],
                        );
                    }
                    Ok(None) => {
                        return err(self, "empty input, expected a JSON array".into(), vec![]);
                    }
                    Err(e) => return err(self, format!("read error: {e}"), vec![]),
                }
            }
            self.started = true;
        }
        let mut raw = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escape = false;
        let mut start_line = self.line;
        // Bytes of an element over the limit: counted, not stored.
        let mut skipped = 0u64;
        loop {
            let b = match self.next_byte() {
                Ok(Some(b)) => b,
                Ok(None) => {
                    if raw.iter().all(|b: &u8| b.is_ascii_whitespace()) {
                        return err(self, "JSON array is not closed (missing ']')".into(), raw);
                    }
                    return err(
                        self,
                        "JSON array ends inside an element (truncated file?)".into(),
                        raw,
                    );
                }
                Err(e) => return err(self, format!("read error: {e}"), raw),
            };
            if raw.is_empty() && depth == 0 && !in_string {
                if b.is_ascii_whitespace() {
                    start_line = self.line;
                    continue;
                }
                if b == b']' {
                    self.done = true;
                    return None;
                }
                if b == b',' {
                    continue;
                }
            }
            if in_string {
                if raw.len() < self.max_bytes {
                    raw.push(b);
                } else {
                    skipped += 1;
                }
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b']' => {
                    // End of the array right after an element.
                    self.done = true;
                    self.index += 1;
                    while raw.last().is_some_and(|b| b.is_ascii_whitespace()) {
                        raw.pop();
                    }
                    return Some(self.element(start_line, raw, skipped));
                }
                b',' if depth == 0 => {
                    self.index += 1;
                    return Some(self.element(start_line, raw, skipped));
                }
                _ => {}
            }
            if raw.len() < self.max_bytes {
                raw.push(b);
            } else {
                skipped += 1;
            }
        }
    }

    /// One element, or its rejection when it was over the limit (only its first
    /// `max_bytes` were kept; the elements after it are read on).
    fn element(&self, line: u64, raw: Vec<u8>, skipped: u64) -> Result<RawUnit, RawError> {
        if skipped > 0 {
            return Err(RawError {
                line,
                reason: format!(
                    "array element of {} bytes is over the limit of {} bytes (4 x --max-field-bytes, raise it with --max-field-bytes)",
                    raw.len() as u64 + skipped,
                    self.max_bytes
                ),
                raw,
            });
        }
        Ok(RawUnit {
            line,
            index: self.index,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_array() {
        let data = b"[\n {\"a\": \"x,]\"},\n {\"b\": [1,2]}, 3\n]";
        let mut s = ArraySplitter::new(&data[..], 1 << 20);
        let mut got = Vec::new();
        while let Some(e) = s.next_element() {
            let e = e.unwrap();
            got.push((e.line, String::from_utf8(e.raw).unwrap()));
        }
        assert_eq!(
            got,
            vec![
                (2, "{\"a\": \"x,]\"}".to_string()),
                (3, "{\"b\": [1,2]}".to_string()),
                (3, "3".to_string())
            ]
        );
    }

    #[test]
    fn an_element_over_the_limit_is_rejected_and_the_rest_read() {
        let long = "x".repeat(3000);
        let data = format!("[{{\"text\":\"one\"}},{{\"text\":\"{long}\"}},{{\"text\":\"three\"}}]");
        let mut s = ArraySplitter::new(data.as_bytes(), 1000);
        let got: Vec<_> = std::iter::from_fn(|| s.next_element())
            .map(|e| {
                e.map(|u| String::from_utf8(u.raw).unwrap())
                    .map_err(|e| e.raw.len())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                Ok("{\"text\":\"one\"}".to_string()),
                Err(1000),
                Ok("{\"text\":\"three\"}".to_string())
            ]
        );
        let data = format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n");
        let mut l = LineReader::new(data.as_bytes(), 1000);
        let got: Vec<_> = std::iter::from_fn(|| l.next_line())
            .map(|e| e.map(|u| u.line).map_err(|e| (e.line, e.raw.len())))
            .collect();
        assert_eq!(got, vec![Ok(1), Err((2, 1000)), Ok(3)]);
    }

    #[test]
    fn truncated_array() {
        let data = b"[{\"a\": 1}, {\"b\": ";
        let mut s = ArraySplitter::new(&data[..], 1 << 20);
        assert!(s.next_element().unwrap().is_ok());
        assert!(s.next_element().unwrap().is_err());
        assert!(s.next_element().is_none());
    }
}
