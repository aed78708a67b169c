//! Export to search engines beyond one node: analysed records as bulk files for
//! Elasticsearch / OpenSearch (`_bulk` NDJSON and an index mapping) or Quickwit
//! (ingest NDJSON and an index config).
//!
//! Each record becomes one JSON [`Document`] that carries koe's analysis, so the
//! engine needs no Japanese or Korean analyzer of its own: `terms` holds the lemmas
//! koe's own index stores for the text ([`crate::text::search_terms`]) followed by the
//! dictionary nouns inside its compounds, separated by single spaces, and is mapped
//! with a whitespace tokenizer. A query for a lemma (`遅い`, `해지`, `refund`) finds in
//! the engine what `koe search` finds for that word. The lemmas are lower-case already
//! (English stems, Latin and full-width letters in ja/ko text), so neither mapping
//! lower-cases or stems them again.
//!
//! The fields and their types are one table, [`FIELDS`]; the Elasticsearch mapping
//! ([`elasticsearch::mapping`]) and the Quickwit doc mapping ([`quickwit::config`]) are
//! both made from it, and a test checks the documents against it.
//!
//! Segments are a flat keyword list of `name=value` (`channel=app`), the form koe's
//! own index keeps them in: segment names come from the user's columns (`チャネル`,
//! `채널`), which Quickwit does not accept as field names, and one field per name
//! would grow the Elasticsearch mapping with every new column.
//!
//! Files are split at a size bound ([`Splitter`]) so each one fits in one request
//! (Elasticsearch takes at most 100 MB a request by default).

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod elasticsearch;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod quickwit;

use std::borrow::Cow;

use serde::Serialize;

use crate::analyze::Analysis;
use crate::ingest::Record;

/// Version tag of the export (documents, mapping and manifest); bump it when their
/// shape changes.
pub const SCHEMA: &str = "koe.export/1";

/// Default size bound of one bulk or ingest file (50 MiB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// Longest document `_id` Elasticsearch accepts, in bytes; a record with a longer (or
/// an empty) id is written without `_id` (the engine makes one; the `id` field keeps
/// the record's).
pub const ES_MAX_ID_BYTES: usize = 512;

/// Errors of an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The index name is not one the engine accepts.
    #[error("invalid index name '{name}' for {engine}: {reason}")]
    IndexName {
        /// The name given.
        name: String,
        /// The engine.
        engine: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The Quickwit config could not be written as YAML.
    #[error("cannot write the Quickwit index config: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// A mapping or manifest could not be written as JSON.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Arrow refused a batch (a bug of koe's schema, reported rather than panicking).
    #[cfg(feature = "arrow")]
    #[error("cannot build an Arrow batch: {0}")]
    Arrow(#[from] ::arrow::error::ArrowError),
    /// A record batch cannot take more strings (Arrow's 32-bit offsets): finish it and
    /// start another.
    #[cfg(feature = "arrow")]
    #[error("the Arrow batch is full ({rows} records, {bytes} bytes of strings): finish it first")]
    BatchFull {
        /// Records in the batch.
        rows: usize,
        /// String bytes in the batch.
        bytes: usize,
    },
    /// Writing a Parquet file failed.
    #[cfg(feature = "parquet")]
    #[error("cannot write Parquet: {0}")]
    Parquet(#[from] ::parquet::errors::ParquetError),
}

/// The engine an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Elasticsearch or OpenSearch: `_bulk` NDJSON (action line + document line)
    /// and `mapping.json` (index settings and mappings).
    Elasticsearch,
    /// Quickwit: ingest NDJSON (document lines) and `index-config.yaml`.
    Quickwit,
}

impl Format {
    /// `elasticsearch` or `quickwit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Elasticsearch => "elasticsearch",
            Format::Quickwit => "quickwit",
        }
    }

    /// The name of the `n`th data file (from 1): `bulk-0001.ndjson` or
    /// `docs-0001.ndjson`.
    pub fn data_file(self, n: usize) -> String {
        let stem = match self {
            Format::Elasticsearch => "bulk",
            Format::Quickwit => "docs",
        };
        format!("{stem}-{n:04}.ndjson")
    }

    /// Whether `name` is one of this format's data file names.
    pub fn is_data_file(self, name: &str) -> bool {
        let stem = match self {
            Format::Elasticsearch => "bulk-",
            Format::Quickwit => "docs-",
        };
        name.strip_prefix(stem)
            .and_then(|r| r.strip_suffix(".ndjson"))
            .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The file holding the index definition: `mapping.json` or `index-config.yaml`.
    pub fn definition_file(self) -> &'static str {
        match self {
            Format::Elasticsearch => "mapping.json",
            Format::Quickwit => "index-config.yaml",
        }
    }

    /// The index definition for an index called `index`: the Elasticsearch settings
    /// and mappings (JSON) or the Quickwit index config (YAML).
    pub fn definition(self, index: &str) -> Result<String, ExportError> {
        Ok(match self {
            Format::Elasticsearch => {
                let mut s = serde_json::to_string_pretty(&elasticsearch::mapping())?;
                s.push('\n');
                s
            }
            Format::Quickwit => serde_yaml_ng::to_string(&quickwit::config(index))?,
        })
    }

    /// Checks `name` against the engine's rules for index names.
    pub fn check_index_name(self, name: &str) -> Result<(), ExportError> {
        let reason = match self {
            Format::Elasticsearch => elasticsearch::index_name_problem(name),
            Format::Quickwit => quickwit::index_id_problem(name),
        };
        match reason {
            None => Ok(()),
            Some(reason) => Err(ExportError::IndexName {
                name: name.to_string(),
                engine: self.as_str(),
                reason,
            }),
        }
    }
}

/// The type of a document field, as both engines map it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// The record id: one exact value, unique (ES `keyword`; Quickwit `text` with the
    /// `raw` tokenizer, no column: nobody aggregates ids).
    Id,
    /// One exact value (ES `keyword`; Quickwit `text` with the `raw` tokenizer and a
    /// column for aggregations).
    Keyword,
    /// A list of exact values (ES `keyword`; Quickwit `array<text>`, `raw`).
    Keywords,
    /// koe's lemmas, space-separated (ES `text` with an analyzer that is the
    /// whitespace tokenizer alone, [`elasticsearch::TERMS_ANALYZER`]; Quickwit `text`
    /// with the `whitespace` tokenizer and positions).
    Terms,
    /// Text kept for display only, not indexed (ES `text` with `index: false`;
    /// Quickwit `text` with `indexed: false`).
    Display,
    /// A number (ES `float`; Quickwit `f64`).
    Float,
    /// A date as an RFC 3339 timestamp at midnight UTC (ES `date`; Quickwit
    /// `datetime`).
    Date,
    /// An object with these fields (ES `properties`; Quickwit `object`).
    Object(&'static [Field]),
    /// A list of objects with these fields (ES `nested`, so a query can pair their
    /// fields; Quickwit `array<json>`, since its objects cannot be in arrays).
    Objects(&'static [Field]),
}

/// One field of the exported documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Name in the document.
    pub name: &'static str,
    /// Type.
    pub kind: FieldKind,
    /// What it holds (a `description` in the Quickwit config).
    pub about: &'static str,
}

const fn field(name: &'static str, kind: FieldKind, about: &'static str) -> Field {
    Field { name, kind, about }
}

const SENTIMENT: &[Field] = &[
    field("label", FieldKind::Keyword, "pos, neu or neg"),
    field("score", FieldKind::Float, "score in [-1, 1]"),
];

const THEME_SENTIMENT: &[Field] = &[
    field("id", FieldKind::Keyword, "theme id"),
    field("label", FieldKind::Keyword, "pos, neu or neg"),
    field("score", FieldKind::Float, "score in [-1, 1]"),
];

/// The fields of an exported document, in document order.
pub const FIELDS: &[Field] = &[
    field(
        "id",
        FieldKind::Id,
        "record id (the id column, else source:line)",
    ),
    field(
        "lang",
        FieldKind::Keyword,
        "language of the text: ja, ko, en or other",
    ),
    field("text", FieldKind::Display, "the original text, for display"),
    field(
        "terms",
        FieldKind::Terms,
        "koe's lemmas of the text then the parts of its compounds, space-separated: query them with lemmas",
    ),
    field(
        "sentiment",
        FieldKind::Object(SENTIMENT),
        "sentiment of the record",
    ),
    field(
        "themes",
        FieldKind::Keywords,
        "ids of the themes found in the text",
    ),
    field(
        "theme_sentiments",
        FieldKind::Objects(THEME_SENTIMENT),
        "each theme with the sentiment of its mentions",
    ),
    field(
        "rating",
        FieldKind::Float,
        "the rating mapped to [0, 1] (0 worst, 1 best)",
    ),
    field("rating_value", FieldKind::Float, "the rating as given"),
    field(
        "rating_scale",
        FieldKind::Keyword,
        "scale of the rating: stars5, ten, nps or percent",
    ),
    field(
        "nps",
        FieldKind::Keyword,
        "NPS band of a 0-10 answer: detractor, passive or promoter",
    ),
    field("date", FieldKind::Date, "date of the record"),
    field(
        "segments",
        FieldKind::Keywords,
        "segment columns as name=value (name lower-cased)",
    ),
    field(
        "churn",
        FieldKind::Keywords,
        "churn signals: decided, threat, ask, blocked or done",
    ),
];

/// Sentiment of a document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SentimentDoc {
    /// `pos`, `neu` or `neg`.
    pub label: &'static str,
    /// Score in [−1, 1].
    pub score: f32,
}

/// One theme of a document with its sentiment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThemeSentimentDoc<'a> {
    /// Theme id.
    pub id: &'a str,
    /// `pos`, `neu` or `neg`.
    pub label: &'static str,
    /// Score in [−1, 1].
    pub score: f32,
}

/// One exported record: the fields of [`FIELDS`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Document<'a> {
    /// Record id.
    pub id: &'a str,
    /// Language code.
    pub lang: &'static str,
    /// The original text.
    pub text: Cow<'a, str>,
    /// Lemmas, then compound parts, space-separated.
    pub terms: String,
    /// Sentiment of the record.
    pub sentiment: SentimentDoc,
    /// Theme ids.
    pub themes: Vec<&'a str>,
    /// Themes with their sentiment.
    pub theme_sentiments: Vec<ThemeSentimentDoc<'a>>,
    /// Rating in [0, 1].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// Rating as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_value: Option<f64>,
    /// Rating scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_scale: Option<&'static str>,
    /// NPS band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<&'static str>,
    /// `YYYY-MM-DDT00:00:00Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `name=value` per segment column.
    pub segments: Vec<String>,
    /// Kinds of the churn signals, each once, in text order.
    pub churn: Vec<&'static str>,
}

impl<'a> Document<'a> {
    /// The document of a record and its analysis. `terms` is empty unless the
    /// analyzer kept search terms ([`crate::analyze::Analyzer::with_search_terms`]).
    pub fn new(record: &'a Record, analysis: &'a Analysis) -> Document<'a> {
        let mut terms = String::new();
        let lemmas = analysis.search_terms.iter().map(|t| &*t.lemma);
        let parts = analysis.search_parts.iter().map(|p| &**p);
        for word in lemmas.chain(parts).filter(|w| !w.is_empty()) {
            if !terms.is_empty() {
                terms.push(' ');
            }
            terms.push_str(word);
        }
        let overall = &analysis.sentiment.overall;
        let rating = record.rating.filter(|r| r.value.is_finite());
        let mut churn: Vec<&'static str> = Vec::new();
        for s in &analysis.churn {
            let kind = s.kind.as_str();
            if !churn.contains(&kind) {
                churn.push(kind);
            }
        }
        Document {
            id: &record.id,
            lang: analysis.lang.as_str(),
            text: record.text(),
            terms,
            sentiment: SentimentDoc {
                label: overall.label.as_str(),
                score: overall.score,
            },
            themes: analysis.themes.iter().map(|h| &*h.id).collect(),
            theme_sentiments: analysis
                .themes
                .iter()
                .map(|h| ThemeSentimentDoc {
                    id: &h.id,
                    label: h.sentiment.label.as_str(),
                    score: h.sentiment.score,
                })
                .collect(),
            rating: rating.map(|r| (r.normalized() * 10_000.0).round() / 10_000.0),
            rating_value: rating.map(|r| r.value),
            rating_scale: rating.map(|r| r.scale.as_str()),
            nps: rating.and_then(|r| r.nps_class()).map(|c| c.as_str()),
            date: record.date.map(|d| format!("{d}T00:00:00Z")),
            // The form of koe's own index (`<segment>:value` in `koe search`).
            segments: record
                .segments
                .iter()
                .map(|(k, v)| format!("{}={}", k.to_lowercase(), v.trim()))
                .collect(),
            churn,
        }
    }
}

/// What an export writes for each record, in an engine's format.
#[derive(Debug, Clone)]
pub struct Exporter {
    format: Format,
    index: String,
}

impl Exporter {
    /// An exporter for `format` into the index called `index` (checked against the
    /// engine's rules).
    pub fn new(format: Format, index: &str) -> Result<Exporter, ExportError> {
        format.check_index_name(index)?;
        Ok(Exporter {
            format,
            index: index.to_string(),
        })
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The index name.
    pub fn index(&self) -> &str {
        &self.index
    }

    /// Appends the lines of one record to `out`: for Elasticsearch the action line
    /// (`{"index":{"_index":…,"_id":…}}`) and the document line, for Quickwit the
    /// document line. Each line ends with `\n`.
    pub fn render(&self, record: &Record, analysis: &Analysis, out: &mut Vec<u8>) {
        if self.format == Format::Elasticsearch {
            elasticsearch::action_line(&self.index, &record.id, out);
        }
        // Serialising strings and numbers into memory cannot fail.
        let written = serde_json::to_writer(&mut *out, &Document::new(record, analysis));
        debug_assert!(written.is_ok());
        out.push(b'\n');
    }
}

/// One data file an export wrote.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileInfo {
    /// File name (in the export directory).
    pub name: String,
    /// Records in it.
    pub records: u64,
    /// Its size.
    pub bytes: u64,
}

/// Places records into data files of bounded size: a new file starts when the next
/// record would take the current one past the bound (a record larger than the bound
/// gets a file of its own).
#[derive(Debug, Clone)]
pub struct Splitter {
    format: Format,
    max_bytes: u64,
    files: Vec<FileInfo>,
}

impl Splitter {
    /// Files of at most `max_bytes` bytes (at least 1) named for `format`.
    pub fn new(format: Format, max_bytes: u64) -> Splitter {
        Splitter {
            format,
            max_bytes: max_bytes.max(1),
            files: Vec::new(),
        }
    }

    /// Accounts one record of `len` bytes; returns the name of the file to start
    /// before writing it, or `None` to write it to the current file.
    pub fn place(&mut self, len: u64) -> Option<String> {
        let start = match self.files.last() {
            None => true,
            Some(f) => f.records > 0 && f.bytes + len > self.max_bytes,
        };
        let new = start.then(|| {
            let name = self.format.data_file(self.files.len() + 1);
            self.files.push(FileInfo {
                name: name.clone(),
                records: 0,
                bytes: 0,
            });
            name
        });
        if let Some(f) = self.files.last_mut() {
            f.records += 1;
            f.bytes += len;
        }
        new
    }

    /// The files so far.
    pub fn files(&self) -> &[FileInfo] {
        &self.files
    }
}

/// `manifest.json`: what one export run wrote, for loading scripts (and for telling
/// its files from others in the directory).
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The engine.
    pub format: Format,
    /// The index name in the files.
    pub index: String,
    /// The index definition file.
    pub definition: &'static str,
    /// The data files, in order.
    pub files: Vec<FileInfo>,
    /// Records written (the sum over the files).
    pub records: u64,
    /// Records read from the inputs.
    pub read: u64,
    /// Records rejected (in the rejects file).
    pub rejected: u64,
    /// Records written without `_id` (empty id, or over [`ES_MAX_ID_BYTES`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub without_id: u64,
    /// The run stopped early (Ctrl-C): the files hold the records before it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter_bounds_files_and_keeps_big_records_whole() {
        let mut s = Splitter::new(Format::Elasticsearch, 100);
        assert_eq!(s.place(60).as_deref(), Some("bulk-0001.ndjson"));
        assert_eq!(s.place(40), None);
        assert_eq!(s.place(1).as_deref(), Some("bulk-0002.ndjson"));
        // Bigger than the bound: a file of its own.
        assert_eq!(s.place(500).as_deref(), Some("bulk-0003.ndjson"));
        assert_eq!(s.place(10).as_deref(), Some("bulk-0004.ndjson"));
        let counts: Vec<(u64, u64)> = s.files().iter().map(|f| (f.records, f.bytes)).collect();
        assert_eq!(counts, [(2, 100), (1, 1), (1, 500), (1, 10)]);
    }

    #[test]
    fn data_file_names() {
        assert_eq!(Format::Quickwit.data_file(12), "docs-0012.ndjson");
        assert!(Format::Quickwit.is_data_file("docs-0012.ndjson"));
        assert!(Format::Elasticsearch.is_data_file("bulk-12345.ndjson"));
        assert!(!Format::Elasticsearch.is_data_file("docs-0001.ndjson"));
        assert!(!Format::Elasticsearch.is_data_file("bulk-01.ndjson"));
        assert!(!Format::Elasticsearch.is_data_file("bulk-000a.ndjson"));
    }

    #[test]
    fn index_names() {
        assert!(Exporter::new(Format::Elasticsearch, "koe").is_ok());
        assert!(Exporter::new(Format::Elasticsearch, "Koe").is_err());
        assert!(Exporter::new(Format::Elasticsearch, "_koe").is_err());
        assert!(Exporter::new(Format::Elasticsearch, "a b").is_err());
        assert!(Exporter::new(Format::Elasticsearch, "..").is_err());
        assert!(Exporter::new(Format::Quickwit, "koe-reviews_2").is_ok());
        assert!(Exporter::new(Format::Quickwit, "ko").is_err());
        assert!(Exporter::new(Format::Quickwit, "1koe").is_err());
        assert!(Exporter::new(Format::Quickwit, "koe.reviews").is_err());
    }
}
