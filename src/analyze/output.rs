//! Serialising analysed records: JSON lines (schema [`SCHEMA`](super::SCHEMA)) and CSV.

#[cfg(test)]
use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

#[cfg(test)]
use super::SentenceInfo;
use super::{Analysis, SCHEMA};
#[cfg(test)]
use crate::ingest::Origin;
use crate::ingest::{Record, Reject};
#[cfg(test)]
use crate::text::{Lang, MojibakeStatus};

#[cfg(test)]
#[derive(Serialize)]
struct RatingOut {
    value: f64,
    scale: &'static str,
    normalized: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<&'static str>,
}

/// The record as serde_json sees it: the reference of the hand-written JSON.
#[cfg(test)]
#[derive(Serialize)]
struct RecordOut<'a> {
    schema: &'static str,
    id: &'a str,
    source: &'a Origin,
    lang: Lang,
    mojibake: MojibakeStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    repair: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<RatingOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    segments: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    segments_raw: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support: Option<&'a crate::ingest::Support>,
    text: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired_text: Option<&'a str>,
    sentiment: &'a crate::sentiment::TextSentiment,
    sentences: &'a [SentenceInfo],
    themes: &'a [crate::themes::ThemeHit],
    #[serde(skip_serializing_if = "<[crate::sentiment::ChurnSignal]>::is_empty")]
    churn: &'a [crate::sentiment::ChurnSignal],
    tokens: usize,
    keyphrases: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

#[cfg(test)]
fn record_out<'a>(r: &'a Record, a: &'a Analysis) -> RecordOut<'a> {
    RecordOut {
        schema: SCHEMA,
        id: &r.id,
        source: &r.origin,
        lang: a.lang,
        mojibake: a.mojibake,
        repair: a.repair,
        rating: r.rating.map(|x| RatingOut {
            value: x.value,
            scale: x.scale.as_str(),
            normalized: (x.normalized() * 1000.0).round() / 1000.0,
            nps: x.nps_class().map(|c| c.as_str()),
        }),
        date: r.date.map(|d| d.to_string()),
        segments: r.segments.iter().map(|(k, v)| (&**k, v.as_str())).collect(),
        segments_raw: r
            .segments_raw
            .iter()
            .map(|(k, v)| (&**k, v.as_str()))
            .collect(),
        support: r.support.as_deref(),
        text: r.text(),
        repaired_text: a.repaired_text.as_deref(),
        sentiment: &a.sentiment,
        sentences: &a.sentences,
        themes: &a.themes,
        churn: &a.churn,
        tokens: a.tokens,
        keyphrases: &a.keyphrases,
        warnings: &r.warnings,
    }
}

/// Appends one analysed record as a JSON line (schema [`SCHEMA`](super::SCHEMA)) to
/// `out`.
///
/// Written by hand, field names as literals: through serde_json (43 keys and strings
/// per record, each a separate escape-and-write) the output was 7% of `koe analyze`.
/// The bytes are those serde_json writes for the same record; the unit test
/// `hand_written_json_equals_serde` compares them.
pub fn write_jsonl(out: &mut Vec<u8>, r: &Record, a: &Analysis) {
    json_record(out, r, a);
    out.push(b'\n');
}

/// The serde_json rendering of the same record (the reference of [`write_jsonl`]).
#[cfg(test)]
fn write_jsonl_serde(out: &mut Vec<u8>, r: &Record, a: &Analysis) {
    serde_json::to_writer(&mut *out, &record_out(r, a)).expect("in memory");
    out.push(b'\n');
}

/// A JSON string, escaped as serde_json escapes it.
/// `{"k": "v", ...}`.
fn json_map(b: &mut Vec<u8>, m: &std::collections::BTreeMap<std::sync::Arc<str>, String>) {
    b.push(b'{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        json_str(b, k);
        b.push(b':');
        json_str(b, v);
    }
    b.push(b'}');
}

fn json_str(b: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    b.push(b'"');
    let bytes = s.as_bytes();
    let clean = clean_prefix(bytes);
    b.extend_from_slice(&bytes[..clean]);
    let mut start = clean;
    for (i, &c) in bytes.iter().enumerate().skip(clean) {
        let control;
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0..=0x1F => {
                control = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 0xF) as usize],
                ];
                &control
            }
            _ => continue,
        };
        b.extend_from_slice(&bytes[start..i]);
        b.extend_from_slice(escape);
        start = i + 1;
    }
    b.extend_from_slice(&bytes[start..]);
    b.push(b'"');
}

/// Length of the prefix of `bytes` that needs no escape (no control char, `"` or
/// `\\`), eight bytes at a time.
fn clean_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte of `x` that is zero (exact when no byte is over 0x80,
    // which `x & !v` below ensures for the bytes that matter).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let v = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // A byte under 0x20 (bytes >= 0x80 excluded), a quote, a backslash.
        let control = v.wrapping_sub(ONES * 0x20) & !v & HIGHS;
        if control | zero(v ^ (ONES * b'"' as u64)) | zero(v ^ (ONES * b'\\' as u64)) != 0 {
            break;
        }
        at += 8;
    }
    at
}

/// A float as serde_json writes it (shortest round-trip form, non-finite as null).
#[inline]
fn json_num<T: Serialize>(b: &mut Vec<u8>, x: T) {
    // Writing a number into memory cannot fail.
    let _ = serde_json::to_writer(&mut *b, &x);
}

/// An integer.
#[inline]
fn json_int(b: &mut Vec<u8>, x: u64) {
    b.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
}

/// `,"key":` (without the comma for the first field).
#[inline]
fn json_key(b: &mut Vec<u8>, first: bool, key: &str) {
    if !first {
        b.push(b',');
    }
    b.push(b'"');
    b.extend_from_slice(key.as_bytes());
    b.extend_from_slice(b"\":");
}

/// `"start":S,"end":E`, the first fields of an object.
#[inline]
fn json_span(b: &mut Vec<u8>, start: usize, end: usize) {
    json_key(b, true, "start");
    json_int(b, start as u64);
    json_key(b, false, "end");
    json_int(b, end as u64);
}

/// An array of objects; `fields` writes the fields of one (without braces).
fn json_objects<T>(b: &mut Vec<u8>, items: &[T], mut fields: impl FnMut(&mut Vec<u8>, &T)) {
    b.push(b'[');
    for (i, item) in items.iter().enumerate() {
        b.extend_from_slice(if i > 0 { b",{" } else { b"{" });
        fields(b, item);
        b.push(b'}');
    }
    b.push(b']');
}

fn json_strs<S: AsRef<str>>(b: &mut Vec<u8>, items: &[S]) {
    b.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        json_str(b, s.as_ref());
    }
    b.push(b']');
}

/// The fields of a sentiment, without braces.
fn json_sentiment(b: &mut Vec<u8>, s: &crate::sentiment::Sentiment) {
    json_key(b, true, "score");
    json_num(b, s.score);
    json_key(b, false, "label");
    json_str(b, s.label.as_str());
    json_key(b, false, "confidence");
    json_num(b, s.confidence);
}

fn json_record(b: &mut Vec<u8>, r: &Record, a: &Analysis) {
    b.push(b'{');
    json_key(b, true, "schema");
    json_str(b, SCHEMA);
    json_key(b, false, "id");
    json_str(b, &r.id);
    json_key(b, false, "source");
    b.push(b'{');
    json_key(b, true, "file");
    json_str(b, &r.origin.file);
    json_key(b, false, "line");
    json_int(b, r.origin.line);
    json_key(b, false, "record");
    json_int(b, r.origin.record);
    b.push(b'}');
    json_key(b, false, "lang");
    json_str(b, a.lang.as_str());
    json_key(b, false, "mojibake");
    json_str(b, a.mojibake.as_str());
    if let Some(repair) = a.repair {
        json_key(b, false, "repair");
        json_str(b, repair);
    }
    if let Some(x) = r.rating {
        json_key(b, false, "rating");
        b.push(b'{');
        json_key(b, true, "value");
        json_num(b, x.value);
        json_key(b, false, "scale");
        json_str(b, x.scale.as_str());
        json_key(b, false, "normalized");
        json_num(b, (x.normalized() * 1000.0).round() / 1000.0);
        if let Some(c) = x.nps_class() {
            json_key(b, false, "nps");
            json_str(b, c.as_str());
        }
        b.push(b'}');
    }
    if let Some(d) = r.date {
        json_key(b, false, "date");
        json_str(b, &d.to_string());
    }
    json_key(b, false, "segments");
    json_map(b, &r.segments);
    if !r.segments_raw.is_empty() {
        json_key(b, false, "segments_raw");
        json_map(b, &r.segments_raw);
    }
    if let Some(s) = &r.support {
        // Rare and small: serde is fast enough here.
        json_key(b, false, "support");
        if serde_json::to_writer(&mut *b, s).is_err() {
            b.extend_from_slice(b"null");
        }
    }
    json_key(b, false, "text");
    json_str(b, &r.text());
    if let Some(t) = &a.repaired_text {
        json_key(b, false, "repaired_text");
        json_str(b, t);
    }
    json_key(b, false, "sentiment");
    b.push(b'{');
    json_sentiment(b, &a.sentiment.overall);
    json_key(b, false, "sentences");
    json_objects(b, &a.sentiment.sentences, json_sentiment);
    json_key(b, false, "evidence");
    json_objects(b, &a.sentiment.evidence, |b, e| {
        json_span(b, e.start, e.end);
        json_key(b, false, "entry");
        json_str(b, &e.entry);
        json_key(b, false, "score");
        json_num(b, e.score);
        json_key(b, false, "value");
        json_num(b, e.value);
        if !e.rules.is_empty() {
            json_key(b, false, "rules");
            json_strs(b, &e.rules);
        }
    });
    b.push(b'}');
    json_key(b, false, "sentences");
    json_objects(b, &a.sentences, |b, s| {
        json_span(b, s.start, s.end);
        json_key(b, false, "lang");
        json_str(b, s.lang.as_str());
        json_key(b, false, "sentiment");
        json_num(b, s.sentiment);
    });
    json_key(b, false, "themes");
    json_objects(b, &a.themes, |b, h| {
        json_key(b, true, "id");
        json_str(b, &h.id);
        json_key(b, false, "sentiment");
        b.push(b'{');
        json_sentiment(b, &h.sentiment);
        b.push(b'}');
        json_key(b, false, "mentions");
        json_objects(b, &h.mentions, |b, m| {
            json_span(b, m.start, m.end);
            json_key(b, false, "sentence");
            json_int(b, m.sentence as u64);
            json_key(b, false, "term");
            json_str(b, &m.term);
            json_key(b, false, "sentiment");
            json_num(b, m.sentiment);
        });
    });
    if !a.churn.is_empty() {
        json_key(b, false, "churn");
        json_objects(b, &a.churn, |b, c| {
            json_span(b, c.start, c.end);
            json_key(b, false, "kind");
            json_str(b, c.kind.as_str());
            json_key(b, false, "cue");
            json_str(b, &c.cue);
        });
    }
    json_key(b, false, "tokens");
    json_int(b, a.tokens as u64);
    json_key(b, false, "keyphrases");
    json_strs(b, &a.keyphrases);
    if !r.warnings.is_empty() {
        json_key(b, false, "warnings");
        json_strs(b, &r.warnings);
    }
    b.push(b'}');
}

/// Writes one reject as a JSON line: file, line, record, reason, raw.
pub fn write_reject(out: &mut dyn Write, r: &Reject) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    out.write_all(b"\n")
}

/// CSV writer for analysed records; segment columns are fixed up front.
pub struct CsvOut {
    segments: Vec<String>,
}

fn csv_field<W: Write + ?Sized>(out: &mut W, s: &str) -> std::io::Result<()> {
    out.write_all(csv_cell(s).as_bytes())
}

/// One CSV cell as koe writes it: quoted when it holds a delimiter, quote or line
/// break, and made safe for spreadsheets. A cell that starts with `=`, `+`, `-`, `@`,
/// tab or CR would run as a formula in Excel, LibreOffice or Google Sheets ("CSV
/// injection"); it gets a leading `'`, as OWASP recommends, unless it is a plain
/// number (`-0.25`).
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    let needs_quotes = s.contains([',', '"', '\n', '\r']);
    if !risky && !needs_quotes {
        return std::borrow::Cow::Borrowed(s);
    }
    let body = if risky {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if needs_quotes {
        std::borrow::Cow::Owned(format!("\"{}\"", body.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Owned(body)
    }
}

impl CsvOut {
    /// A writer with these segment columns; writes the header.
    pub fn new(out: &mut dyn Write, segments: Vec<String>) -> std::io::Result<CsvOut> {
        let mut cols: Vec<String> = [
            "id",
            "file",
            "line",
            "lang",
            "mojibake",
            "sentiment",
            "sentiment_score",
            "rating",
            "scale",
            "nps",
            "date",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cols.extend(segments.iter().cloned());
        cols.extend(
            [
                "text",
                "themes",
                "churn",
                "keyphrases",
                "tokens",
                "warnings",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            csv_field(out, c)?;
        }
        out.write_all(b"\n")?;
        Ok(CsvOut { segments })
    }

    /// Writes one row.
    pub fn write<W: Write + ?Sized>(
        &self,
        out: &mut W,
        r: &Record,
        a: &Analysis,
    ) -> std::io::Result<()> {
        let rating = r.rating.map(|x| x.value.to_string()).unwrap_or_default();
        let scale = r.rating.map(|x| x.scale.as_str()).unwrap_or("");
        let nps = r
            .rating
            .and_then(|x| x.nps_class())
            .map(|c| c.as_str())
            .unwrap_or("");
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        let mut fields: Vec<String> = vec![
            r.id.clone(),
            r.origin.file.to_string(),
            r.origin.line.to_string(),
            a.lang.as_str().into(),
            a.mojibake.as_str().into(),
            a.sentiment.overall.label.as_str().into(),
            format!("{:.3}", a.sentiment.overall.score),
            rating,
            scale.into(),
            nps.into(),
            date,
        ];
        for s in &self.segments {
            fields.push(
                r.segments
                    .iter()
                    .find(|(k, _)| &***k == s)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        fields.push(r.text().into_owned());
        let themes: Vec<String> = a
            .themes
            .iter()
            .map(|t| format!("{}:{}", t.id, t.sentiment.label.as_str()))
            .collect();
        fields.push(themes.join(" | "));
        let churn: Vec<String> = a
            .churn
            .iter()
            .map(|c| format!("{}@{}-{}", c.kind.as_str(), c.start, c.end))
            .collect();
        fields.push(churn.join(" | "));
        fields.push(a.keyphrases.join(" | "));
        fields.push(a.tokens.to_string());
        fields.push(r.warnings.join(" | "));
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            csv_field(out, f)?;
        }
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_spreadsheet_safe() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("+web"), "'+web");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("=A1,\"b\""), "\"'=A1,\"\"b\"\"\"");
        assert_eq!(csv_cell("-0.25"), "-0.25");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
    use crate::analyze::Analyzer;
    use crate::ingest::{IngestOptions, Reader};
    use std::sync::Arc;

    #[test]
    fn clean_prefix_stops_at_the_chunk_of_the_first_escape() {
        for byte in 0..=255u8 {
            for at in 0..24 {
                let mut s = vec![b'a'; 24];
                s[at] = byte;
                let needs = byte < 0x20 || byte == b'"' || byte == b'\\';
                let want = if needs { at / 8 * 8 } else { 24 };
                assert_eq!(clean_prefix(&s), want, "byte {byte:#x} at {at}");
            }
        }
        assert_eq!(clean_prefix("配送が遅い".as_bytes()), 8);
    }

    /// Every record of every readable ingest fixture (ratings, dates, segments,
    /// warnings, mojibake repairs, ja/ko/en text) plus strings with every escape.
    #[test]
    fn hand_written_json_equals_serde() {
        let analyzer = Analyzer::builder().build().expect("dictionaries");
        let mut worker = analyzer.worker();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ingest");
        let mut records = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x != "md"))
            .collect();
        paths.sort();
        for path in paths {
            let Ok(reader) = Reader::open_path(&path, &IngestOptions::default()) else {
                continue;
            };
            records.extend(reader.filter_map(Result::ok));
        }
        assert!(records.len() > 50, "{}", records.len());
        let mut odd = records[0].clone();
        odd.id = "q\"uote\\back\u{1}\u{1f}\u{7f}\u{8}\u{c}\t\r\n/é😀".into();
        odd.texts = vec![(Arc::from("text"), "\"配送\" が遅い\u{0}!\n\t最悪".into())];
        odd.warnings = vec![
            "w\"1".into(),
            "w2".into(),
            "abcdefghijklmnopqrstuvwxyz\"end\\x\u{1}".into(),
            "0123456789abcdef0123456789abcdef\n".into(),
        ];
        odd.segments.insert(Arc::from("ch\"an"), "a\\b".into());
        records.push(odd);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for r in &records {
            let a = worker.analyze(r);
            ours.clear();
            theirs.clear();
            write_jsonl(&mut ours, r, &a);
            write_jsonl_serde(&mut theirs, r, &a);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "record {}",
                r.id
            );
        }
    }
}
