//! Serialising analysed records: JSON lines (schema [`SCHEMA`](super::SCHEMA)) through
//! serde_json and CSV through the `csv` crate.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use serde::Serialize;

use super::{Analysis, SCHEMA, SentenceInfo};
use crate::ingest::{Date, Origin, Record, Reject, Support};
use crate::sentiment::{ChurnSignal, Evidence, Label, Sentiment};
use crate::text::{Lang, MojibakeStatus};
use crate::themes::ThemeHit;

/// A record's rating as the JSON shows it.
#[derive(Serialize)]
struct RatingOut {
    value: f64,
    scale: &'static str,
    /// On 0–1, rounded to three decimals.
    normalized: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<&'static str>,
}

/// The record's sentiment: the overall fields written in place (what
/// `#[serde(flatten)]` on [`crate::sentiment::TextSentiment`] gives, without the map
/// that flattening goes through).
#[derive(Serialize)]
struct SentimentOut<'a> {
    score: f32,
    label: Label,
    confidence: f32,
    sentences: &'a [Sentiment],
    evidence: &'a [Evidence],
}

/// One analysed record, every field borrowed: the JSON line's schema.
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
    date: Option<Date>,
    segments: &'a BTreeMap<Arc<str>, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    segments_raw: &'a BTreeMap<Arc<str>, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support: Option<&'a Support>,
    text: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired_text: Option<&'a str>,
    sentiment: SentimentOut<'a>,
    sentences: &'a [SentenceInfo],
    themes: &'a [ThemeHit],
    #[serde(skip_serializing_if = "<[ChurnSignal]>::is_empty")]
    churn: &'a [ChurnSignal],
    tokens: usize,
    keyphrases: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

impl<'a> RecordOut<'a> {
    fn new(r: &'a Record, a: &'a Analysis) -> RecordOut<'a> {
        let s = &a.sentiment;
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
            date: r.date,
            segments: &r.segments,
            segments_raw: &r.segments_raw,
            support: r.support.as_deref(),
            text: r.text(),
            repaired_text: a.repaired_text.as_deref(),
            sentiment: SentimentOut {
                score: s.overall.score,
                label: s.overall.label,
                confidence: s.overall.confidence,
                sentences: &s.sentences,
                evidence: &s.evidence,
            },
            sentences: &a.sentences,
            themes: &a.themes,
            churn: &a.churn,
            tokens: a.tokens,
            keyphrases: &a.keyphrases,
            warnings: &r.warnings,
        }
    }
}

/// Appends one analysed record as a JSON line (schema [`SCHEMA`](super::SCHEMA)) to
/// `out`.
///
/// Into memory, serialising cannot fail: every map key is a string and no field's
/// `Serialize` reports an error of its own. Should one ever do so, `out` is left as it
/// was and the error is returned.
pub fn write_jsonl(out: &mut Vec<u8>, r: &Record, a: &Analysis) -> std::io::Result<()> {
    let len = out.len();
    if let Err(e) = serde_json::to_writer(&mut *out, &RecordOut::new(r, a)) {
        out.truncate(len);
        return Err(e.into());
    }
    out.push(b'\n');
    Ok(())
}

/// Writes one reject as a JSON line: file, line, record, reason, raw.
pub fn write_reject(out: &mut dyn Write, r: &Reject) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    out.write_all(b"\n")
}

/// A cell made safe for spreadsheets. A cell that starts with `=`, `+`, `-`, `@`, tab or
/// CR would run as a formula in Excel, LibreOffice or Google Sheets ("CSV injection");
/// it gets a leading `'`, as OWASP recommends, unless it is a plain number (`-0.25`).
/// Quoting is the CSV writer's ([`write_csv_row`]).
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Appends one CSV row to `out` as koe writes CSV: every cell [`spreadsheet_safe`],
/// quoted only when it holds a comma, a quote or a line break (quotes doubled), the
/// row ended by `\n`. (A row of one empty cell is written `""`, which a reader cannot
/// take for a blank line.)
pub fn write_csv_row<W: Write, S: AsRef<str>>(out: W, cells: &[S]) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    let cells: Vec<Cow<'_, str>> = cells.iter().map(|c| spreadsheet_safe(c.as_ref())).collect();
    w.write_record(cells.iter().map(|c| c.as_bytes()))?;
    w.flush()
}

/// CSV writer for analysed records; segment columns are fixed up front.
pub struct CsvOut {
    segments: Vec<String>,
}

impl CsvOut {
    /// A writer with these segment columns; writes the header.
    pub fn new(out: &mut dyn Write, segments: Vec<String>) -> std::io::Result<CsvOut> {
        let mut cols: Vec<&str> = vec![
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
        ];
        cols.extend(segments.iter().map(String::as_str));
        cols.extend([
            "text",
            "themes",
            "churn",
            "keyphrases",
            "tokens",
            "warnings",
        ]);
        write_csv_row(out, &cols)?;
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
        let mut fields: Vec<Cow<'_, str>> = vec![
            r.id.as_str().into(),
            (*r.origin.file).into(),
            r.origin.line.to_string().into(),
            a.lang.as_str().into(),
            a.mojibake.as_str().into(),
            a.sentiment.overall.label.as_str().into(),
            format!("{:.3}", a.sentiment.overall.score).into(),
            rating.into(),
            scale.into(),
            nps.into(),
            date.into(),
        ];
        for s in &self.segments {
            fields.push(r.segments.get(s.as_str()).map_or("", String::as_str).into());
        }
        fields.push(r.text());
        let themes: Vec<String> = a
            .themes
            .iter()
            .map(|t| format!("{}:{}", t.id, t.sentiment.label.as_str()))
            .collect();
        fields.push(themes.join(" | ").into());
        let churn: Vec<String> = a
            .churn
            .iter()
            .map(|c| format!("{}@{}-{}", c.kind.as_str(), c.start, c.end))
            .collect();
        fields.push(churn.join(" | ").into());
        fields.push(a.keyphrases.join(" | ").into());
        fields.push(a.tokens.to_string().into());
        fields.push(r.warnings.join(" | ").into());
        write_csv_row(out, &fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::ingest::{IngestOptions, Reader};

    /// One cell as [`write_csv_row`] writes it (a row of two cells, the first one kept).
    fn cell(s: &str) -> String {
        let mut out = Vec::new();
        write_csv_row(&mut out, &[s, ""]).expect("in memory");
        let row = String::from_utf8(out).expect("UTF-8 in, UTF-8 out");
        row.strip_suffix(",\n").expect("two cells").to_string()
    }

    #[test]
    fn csv_cells_are_spreadsheet_safe() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+web"), "'+web");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("=A1,\"b\""), "\"'=A1,\"\"b\"\"\"");
        assert_eq!(cell("-0.25"), "-0.25");
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
    }

    #[test]
    fn csv_rows_quote_only_what_needs_it() {
        let mut out = Vec::new();
        write_csv_row(&mut out, &["", "a\nb", "c\rd", "e\"f", " g ", "h'i"]).expect("in memory");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            ",\"a\nb\",\"c\rd\",\"e\"\"f\", g ,h'i\n"
        );
    }

    /// Every record of every readable ingest fixture (ratings, dates, segments,
    /// warnings, mojibake repairs, ja/ko/en text) plus strings with every escape: one
    /// line each, which reads back to the record's strings.
    #[test]
    fn json_lines_read_back() {
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
        let mut line = Vec::new();
        for r in &records {
            let a = worker.analyze(r);
            line.clear();
            write_jsonl(&mut line, r, &a).expect("in memory");
            assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
            assert_eq!(line.last(), Some(&b'\n'));
            let v: serde_json::Value = serde_json::from_slice(&line).expect("JSON");
            assert_eq!(v["schema"], SCHEMA);
            assert_eq!(v["id"], r.id.as_str(), "record {}", r.id);
            assert_eq!(v["text"], &*r.text());
            assert_eq!(v["tokens"], a.tokens);
            for (k, val) in &r.segments {
                assert_eq!(v["segments"][&**k], val.as_str());
            }
            for (i, w) in r.warnings.iter().enumerate() {
                assert_eq!(v["warnings"][i], w.as_str());
            }
        }
    }
}
