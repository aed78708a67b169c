//! Serialising analysed records: JSON lines (schema [`SCHEMA`](super::SCHEMA)) and CSV.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{Analysis, SCHEMA, SentenceInfo};
use crate::ingest::{Origin, Record, Reject};
use crate::text::{Lang, MojibakeStatus};

#[derive(Serialize)]
struct RatingOut {
    value: f64,
    scale: &'static str,
    normalized: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<&'static str>,
}

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
    text: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired_text: Option<&'a str>,
    sentiment: &'a crate::sentiment::TextSentiment,
    sentences: &'a [SentenceInfo],
    themes: &'a [crate::themes::ThemeHit],
    tokens: usize,
    keyphrases: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

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
        text: r.text(),
        repaired_text: a.repaired_text.as_deref(),
        sentiment: &a.sentiment,
        sentences: &a.sentences,
        themes: &a.themes,
        tokens: a.tokens,
        keyphrases: &a.keyphrases,
        warnings: &r.warnings,
    }
}

/// Writes one analysed record as a JSON line. Generic over the writer so that a
/// `Vec<u8>` gets serde_json's many small writes inlined (through `dyn Write` they
/// were 9% of `koe analyze`).
pub fn write_jsonl<W: Write + ?Sized>(
    out: &mut W,
    r: &Record,
    a: &Analysis,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &record_out(r, a))?;
    out.write_all(b"\n")
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
    if s.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(s.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(s.as_bytes())
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
            ["text", "themes", "keyphrases", "tokens", "warnings"]
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
