//! Ingest: sources → a stream of [`Record`]s, or [`Reject`]s with a reason.
//!
//! Formats: CSV, TSV, JSON Lines, JSON array of objects, plain text (one record per
//! line), each optionally gzip-compressed, from files or stdin; Parquet and Arrow IPC
//! files (feature `parquet`), whose column names are mapped like a CSV header. Encodings: UTF-8
//! (with or without BOM), UTF-16 with BOM, Shift_JIS/CP932, EUC-JP, EUC-KR/CP949,
//! detected automatically; files that mix encodings are decoded field by field.
//! Columns get their roles from header names in English, Japanese and Korean; the
//! rating scale and date formats are inferred from the data.
//!
//! Invariant: every record read ends up as exactly one `Ok(Record)` or one
//! `Err(Reject)`; nothing is dropped silently.

mod aliases;
#[cfg(feature = "parquet")]
mod columnar;
mod columns;
pub mod csv;
mod decode;
pub mod json;
pub mod time;
pub mod value;

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::Encoding;
use serde::Serialize;
use thiserror::Error;

pub use aliases::SegmentAliases;
pub use columns::{ColumnMap, ColumnSpec, is_nps_name};
pub use value::{Date, NpsClass, Rating, Scale, parse_date, parse_rating};

use self::csv::{CsvLimits, CsvReader};
use self::json::{ArraySplitter, LineReader};

/// Fatal ingest errors: the source cannot be read at all.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The file cannot be opened.
    #[error("cannot open {path}: {source} (check the path and permissions)")]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Reading failed before any record.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not text.
    #[error("{path} is not a text file: {reason}")]
    NotText {
        /// The file.
        path: PathBuf,
        /// Why we think so.
        reason: String,
    },
    /// Columns given on the command line do not exist.
    #[error("{path}: no column named {missing}; available columns: {available}")]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The names that were not found.
        missing: String,
        /// The header names.
        available: String,
    },
    /// No text column could be found.
    #[error(
        "{path}: cannot tell which column holds the text; available columns: {available} (choose with --text COLUMN)"
    )]
    NoTextColumn {
        /// The file.
        path: PathBuf,
        /// The header names.
        available: String,
    },
    /// A forced `--encoding` does not read the input.
    #[error("{path}: --encoding {encoding} does not fit: {reason} in it{detected}")]
    WrongEncoding {
        /// The file.
        path: PathBuf,
        /// The forced encoding.
        encoding: String,
        /// Which lines failed.
        reason: String,
        /// What koe would have detected, as a hint.
        detected: String,
    },
    /// A segment alias table cannot be read.
    #[error("segment aliases {path}: {message}")]
    Aliases {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The input is empty.
    #[error("{path} is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    Json,
    /// Plain text, one record per line.
    Text,
    /// Parquet (a file, not a stream): rows of the columns, mapped like CSV.
    Parquet,
    /// Arrow IPC: a file (`.arrow`, `.feather` v2) or a stream (`.arrows`).
    Arrow,
}

impl Format {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Text => "text",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "jsonl" | "ndjson" | "json-lines" => Format::Jsonl,
            "json" => Format::Json,
            "text" | "txt" | "lines" => Format::Text,
            "parquet" => Format::Parquet,
            "arrow" | "feather" | "ipc" | "arrows" => Format::Arrow,
            other => {
                return Err(format!(
                    "unknown input format '{other}' (expected csv, tsv, jsonl, json, text, parquet or arrow)"
                ));
            }
        })
    }
}

/// Ingest options (the CLI flags).
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Force the format.
    pub format: Option<Format>,
    /// Force the encoding.
    pub encoding: Option<&'static Encoding>,
    /// Explicit column roles.
    pub columns: ColumnSpec,
    /// Force the rating scale.
    pub scale: Option<Scale>,
    /// A text field larger than this is rejected.
    pub max_field_bytes: usize,
    /// Records read ahead to infer the rating scale and JSON keys.
    pub sample_records: usize,
    /// Segment value aliases (アプリ, 앱 → app); empty for none.
    pub segment_aliases: Arc<SegmentAliases>,
    /// The time zone of timestamps written without one.
    pub timezone: jiff::tz::TimeZone,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            encoding: None,
            columns: ColumnSpec::default(),
            scale: None,
            max_field_bytes: 1024 * 1024,
            sample_records: 1000,
            segment_aliases: SegmentAliases::builtin(),
            timezone: jiff::tz::TimeZone::UTC,
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Source name (path or `stdin`).
    pub file: Arc<str>,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based record number within the source.
    pub record: u64,
}

/// One piece of feedback.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Stable id: the id column, else `source:line`.
    pub id: String,
    /// The text fields that were found, in column order (e.g. title, body).
    pub texts: Vec<(Arc<str>, String)>,
    /// Rating, when the source has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// Date, when the source has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Segment columns (channel, product, ...), values through the alias table.
    pub segments: BTreeMap<Arc<str>, String>,
    /// The raw values of the segments that an alias replaced.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub segments_raw: BTreeMap<Arc<str>, String>,
    /// Ticket and message fields, when the source is a support export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support: Option<Box<Support>>,
    /// Where it came from.
    pub origin: Origin,
    /// Non-fatal problems (an unreadable rating, a field decoded with another encoding).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Record {
    /// The record's text: its text fields joined by a line break (borrowed when
    /// there is only one, the common case).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        let mut filled = self
            .texts
            .iter()
            .map(|(_, t)| t.as_str())
            .filter(|t| !t.trim().is_empty())
            .peekable();
        let Some(first) = filled.next() else {
            return std::borrow::Cow::Borrowed("");
        };
        if filled.peek().is_none() {
            return std::borrow::Cow::Borrowed(first);
        }
        let mut out = String::from(first);
        for t in filled {
            out.push('\n');
            out.push_str(t);
        }
        std::borrow::Cow::Owned(out)
    }
}

/// The fields of a ticket or a threaded message (support exports).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Support {
    /// When the ticket or message was created (the date column, when it has a time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<jiff::Timestamp>,
    /// When the first agent response was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response: Option<jiff::Timestamp>,
    /// When the ticket was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<jiff::Timestamp>,
    /// Ticket status as written in the export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Message author (threaded exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The message comes from the customer (threaded exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound: Option<bool>,
    /// Id of the message this one answers (threaded exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Agent replies on the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<u32>,
}

/// Whether a message comes from the customer: `True`/`False`, `1`/`0`, `in`/`out`,
/// `customer`/`agent` and their Japanese and Korean forms.
fn parse_inbound(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" | "in" | "inbound" | "customer" | "user" | "end-user"
        | "enduser" | "requester" | "顧客" | "お客様" | "고객" => Some(true),
        "false" | "f" | "0" | "no" | "n" | "out" | "outbound" | "agent" | "staff" | "admin"
        | "operator" | "support" | "担当者" | "オペレーター" | "상담원" | "직원" => {
            Some(false)
        }
        _ => None,
    }
}

/// Reads cell `i` of a record as text, noting problems in the warnings.
type CellGetter<'a> = dyn Fn(usize, &mut Vec<String>) -> Result<Option<String>, String> + 'a;

/// Longest a response or a resolution may plausibly take; longer is a data error.
const MAX_SUPPORT_SECONDS: i64 = 366 * 24 * 3600;

/// A record that could not be used, with why and its raw content.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    /// Source name.
    pub file: Arc<str>,
    /// 1-based line where it starts.
    pub line: u64,
    /// 1-based record number.
    pub record: u64,
    /// Why it was rejected.
    pub reason: String,
    /// The raw content (decoded lossily for display).
    pub raw: String,
}

/// What was detected about a source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// Source name.
    pub name: Arc<str>,
    /// Format.
    pub format: Format,
    /// Encoding label.
    pub encoding: String,
    /// Gzip-compressed.
    pub gzip: bool,
    /// Header names (CSV/TSV) or JSON keys.
    pub columns: Vec<String>,
    /// Text columns used.
    pub text_columns: Vec<String>,
    /// Rating column used.
    pub rating_column: Option<String>,
    /// Rating scale.
    pub scale: Option<Scale>,
    /// Date column used.
    pub date_column: Option<String>,
    /// Id column used.
    pub id_column: Option<String>,
    /// Segment columns used.
    pub segment_columns: Vec<String>,
    /// Lines end with CR alone (old Mac and some Excel exports); read as line ends.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cr_line_ends: bool,
}

impl SourceInfo {
    /// What is known of a source before its columns are read (none mapped yet).
    fn new(
        name: Arc<str>,
        format: Format,
        encoding: String,
        gzip: bool,
        cr_line_ends: bool,
    ) -> Self {
        SourceInfo {
            name,
            format,
            encoding,
            gzip,
            columns: vec![],
            text_columns: vec![],
            rating_column: None,
            scale: None,
            date_column: None,
            id_column: None,
            segment_columns: vec![],
            cr_line_ends,
        }
    }
}

enum Fields {
    Cells(Vec<Vec<u8>>),
    Object(serde_json::Map<String, serde_json::Value>),
    Line(Vec<u8>),
    /// A row of a Parquet or Arrow file (`raw` is empty: made from the cells when the
    /// row is rejected).
    #[cfg(feature = "parquet")]
    Typed(Vec<columnar::Cell>),
}

struct Parsed {
    line: u64,
    record: u64,
    fields: Fields,
    raw: Vec<u8>,
    /// Problems found while parsing (duplicate JSON keys, replaced bytes).
    notes: Vec<String>,
}

impl Parsed {
    /// Bytes it holds (for the read-ahead bound).
    fn size(&self) -> usize {
        #[cfg(feature = "parquet")]
        if let Fields::Typed(c) = &self.fields {
            return c.iter().map(columnar::Cell::len).sum();
        }
        self.raw.len()
    }
}

struct Failed {
    line: u64,
    record: u64,
    reason: String,
    raw: Vec<u8>,
}

enum Kind {
    Csv(CsvReader<Box<dyn BufRead + Send>>),
    Lines(LineReader<Box<dyn BufRead + Send>>, Format),
    Array(ArraySplitter<Box<dyn BufRead + Send>>),
    /// A Parquet or Arrow file: its rows, column names and (per column) the type's
    /// name when it does not hold text.
    #[cfg(feature = "parquet")]
    Columnar(columnar::Rows, Vec<String>, Vec<Option<Arc<str>>>),
}

/// Reads one source into records.
pub struct Reader {
    info: SourceInfo,
    kind: Kind,
    encoding: &'static Encoding,
    map: ColumnMap,
    headers: Vec<Arc<str>>,
    scale: Option<Scale>,
    buffer: VecDeque<Result<Parsed, Failed>>,
    opts: IngestOptions,
    records: u64,
    progress: Arc<AtomicU64>,
    size: Option<u64>,
}

/// Records read ahead to infer columns and the scale hold at most about this many bytes
/// (1,000 reviews take far less; records of 1 MB stop it after a few: with 32 MiB the
/// read-ahead alone added ~30 MB to the peak of a run over such records).
const SAMPLE_BYTES: usize = 4 * 1024 * 1024;

/// The read-ahead goes on past rejected records (an oversized first record, say) up to
/// this many bytes in all, to find good ones to learn from.
const SAMPLE_MAX_BYTES: usize = 32 * 1024 * 1024;

fn sniff_format(name: &str, sample: &[u8]) -> Format {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    let ext = Path::new(base)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    match ext {
        "csv" => return Format::Csv,
        "tsv" | "tab" => return Format::Tsv,
        "jsonl" | "ndjson" => return Format::Jsonl,
        "json" => {
            let first = sample.iter().find(|b| !b.is_ascii_whitespace());
            return if first == Some(&b'{') {
                Format::Jsonl
            } else {
                Format::Json
            };
        }
        _ => {}
    }
    match sample.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => return Format::Json,
        Some(b'{') => return Format::Jsonl,
        _ => {}
    }
    // Delimited if the first lines agree on a field count of two or more.
    let lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(6)
        .collect();
    let complete = if lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    for (delim, fmt) in [(b'\t', Format::Tsv), (b',', Format::Csv)] {
        let counts: Vec<usize> = complete
            .iter()
            .map(|l| self::csv::split_fields(l, delim).len())
            .collect();
        if counts.len() >= 2 && counts[0] >= 2 && counts.iter().all(|&c| c == counts[0]) {
            return fmt;
        }
        if ext != "txt" && counts.len() == 1 && counts[0] >= 2 && delim == b'\t' {
            return fmt;
        }
    }
    Format::Text
}

/// The columnar format of `path`: the forced one, else by its first bytes.
fn columnar_format(path: &Path, opts: &IngestOptions) -> Option<Format> {
    match opts.format {
        Some(f @ (Format::Parquet | Format::Arrow)) => Some(f),
        Some(_) => None,
        None => sniff_columnar(path),
    }
}

/// Parquet (`PAR1`) or Arrow IPC file (`ARROW1`) by the first bytes; an Arrow IPC
/// stream, which has no magic, by its name (`.arrows`).
fn sniff_columnar(path: &Path) -> Option<Format> {
    use std::io::Read;
    let mut head = [0u8; 6];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    let stream = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("arrows"));
    if head[..n].starts_with(b"PAR1") {
        Some(Format::Parquet)
    } else if head[..n].starts_with(b"ARROW1") || stream {
        Some(Format::Arrow)
    } else {
        None
    }
}

fn lossy(raw: &[u8], encoding: &'static Encoding) -> String {
    encoding.decode_without_bom_handling(raw).0.into_owned()
}

impl Reader {
    /// Opens a file (`-` for stdin).
    pub fn open_path(path: &Path, opts: &IngestOptions) -> Result<Reader, IngestError> {
        if path.as_os_str() == "-" {
            return Reader::open(Arc::from("stdin"), Box::new(std::io::stdin()), None, opts);
        }
        if let Some(format) = columnar_format(path, opts) {
            return Reader::open_columnar(path, format, opts);
        }
        let file = std::fs::File::open(path).map_err(|e| IngestError::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        Reader::open(
            Arc::from(path.display().to_string()),
            Box::new(file),
            size,
            opts,
        )
    }

    /// Opens any byte stream named `name`.
    pub fn open(
        name: Arc<str>,
        input: Box<dyn Read + Send>,
        size: Option<u64>,
        opts: &IngestOptions,
    ) -> Result<Reader, IngestError> {
        let opened = decode::open(&name, input, opts.encoding)?;
        let format = opts
            .format
            .unwrap_or_else(|| sniff_format(&name, &opened.sample));
        if opened.sample.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(IngestError::Empty {
                path: PathBuf::from(&*name),
            });
        }
        // A record holds a few fields: 4 x the field limit bounds it (plus room for
        // the ids, dates and JSON punctuation around them). Readers never hold more.
        let max = opts.max_field_bytes.max(1024);
        let limits = CsvLimits {
            max_record_bytes: max.saturating_mul(4).saturating_add(64 * 1024),
            ..CsvLimits::default()
        };
        let kind = match format {
            Format::Csv => Kind::Csv(CsvReader::new(opened.reader, b',', limits)),
            Format::Tsv => Kind::Csv(CsvReader::new(opened.reader, b'\t', limits)),
            Format::Jsonl | Format::Text => Kind::Lines(
                LineReader::new(opened.reader, limits.max_record_bytes),
                format,
            ),
            Format::Json => Kind::Array(ArraySplitter::new(opened.reader, limits.max_record_bytes)),
            Format::Parquet | Format::Arrow => {
                return Err(IngestError::NotText {
                    path: PathBuf::from(&*name),
                    reason: format!(
                        "{} is read from a file, not from a stream (save it to a file first)",
                        format.as_str()
                    ),
                });
            }
        };
        let info = SourceInfo::new(
            name.clone(),
            format,
            opened.encoding_label,
            opened.gzip,
            opened.cr_line_ends,
        );
        Reader::prepared(info, kind, opened.encoding, opts, opened.progress, size)
    }

    /// Opens a Parquet or Arrow IPC file.
    #[cfg(feature = "parquet")]
    fn open_columnar(
        path: &Path,
        format: Format,
        opts: &IngestOptions,
    ) -> Result<Reader, IngestError> {
        let opened = columnar::open(path, format)?;
        let info = SourceInfo::new(
            Arc::from(path.display().to_string()),
            format,
            "utf-8".into(),
            false,
            false,
        );
        Reader::prepared(
            info,
            Kind::Columnar(opened.rows, opened.names, opened.non_text),
            encoding_rs::UTF_8,
            opts,
            opened.progress,
            opened.size,
        )
    }

    /// A reader of `info`'s source with nothing read yet, prepared (columns learned
    /// from its first records): the one constructor of every kind of input.
    fn prepared(
        info: SourceInfo,
        kind: Kind,
        encoding: &'static Encoding,
        opts: &IngestOptions,
        progress: Arc<AtomicU64>,
        size: Option<u64>,
    ) -> Result<Reader, IngestError> {
        let mut reader = Reader {
            info,
            kind,
            encoding,
            map: ColumnMap::default(),
            headers: vec![],
            scale: opts.scale,
            buffer: VecDeque::new(),
            opts: opts.clone(),
            records: 0,
            progress,
            size,
        };
        reader.prepare()?;
        Ok(reader)
    }

    /// Without the `parquet` feature: a Parquet or Arrow file is refused.
    #[cfg(not(feature = "parquet"))]
    fn open_columnar(
        path: &Path,
        format: Format,
        _opts: &IngestOptions,
    ) -> Result<Reader, IngestError> {
        Err(IngestError::NotText {
            path: path.to_path_buf(),
            reason: format!(
                "it is a {} file, and this koe was built without the `parquet` feature",
                format.as_str()
            ),
        })
    }

    /// What was detected.
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// Bytes of the file read so far, and its size when known (for progress bars).
    pub fn progress(&self) -> (u64, Option<u64>) {
        (self.progress.load(Ordering::Relaxed), self.size)
    }

    fn next_parsed(&mut self) -> Option<Result<Parsed, Failed>> {
        let (unit, text) = match &mut self.kind {
            Kind::Csv(r) => {
                let rec = r.next_record()?;
                self.records += 1;
                let record = self.records;
                return Some(match rec {
                    Ok(r) => Ok(Parsed {
                        line: r.line,
                        record,
                        fields: Fields::Cells(r.fields),
                        raw: r.raw,
                        notes: Vec::new(),
                    }),
                    Err(e) => Err(Failed {
                        line: e.line,
                        record,
                        reason: e.reason,
                        raw: e.raw,
                    }),
                });
            }
            Kind::Lines(r, fmt) => (r.next_line()?, *fmt == Format::Text),
            Kind::Array(r) => (r.next_element()?, false),
            #[cfg(feature = "parquet")]
            Kind::Columnar(rows, _, _) => {
                let row = rows.next_row()?;
                self.records += 1;
                let record = self.records;
                // The line of a row is its 1-based row number in the file.
                return Some(match row {
                    Ok(cells) => Ok(Parsed {
                        line: record,
                        record,
                        fields: Fields::Typed(cells),
                        raw: Vec::new(),
                        notes: Vec::new(),
                    }),
                    Err(reason) => Err(Failed {
                        line: record,
                        record,
                        reason,
                        raw: Vec::new(),
                    }),
                });
            }
        };
        self.records += 1;
        let record = self.records;
        Some(match unit {
            Err(csv::RawError { line, reason, raw }) => Err(Failed {
                line,
                record,
                reason,
                raw,
            }),
            Ok(u) if text => Ok(Parsed {
                line: u.line,
                record,
                fields: Fields::Line(u.raw.clone()),
                raw: u.raw,
                notes: Vec::new(),
            }),
            Ok(u) => parse_object(u.line, record, u.raw, self.encoding),
        })
    }

    /// Reads the header and a sample; decides columns and the rating scale.
    fn prepare(&mut self) -> Result<(), IngestError> {
        let path = PathBuf::from(&*self.info.name);
        let header_names = self.read_header(&path)?;
        self.read_sample();
        let names = self.column_names(header_names);
        let available = names.join(", ");
        let mut map = if self.info.format == Format::Text {
            ColumnMap {
                text: vec![0],
                ..ColumnMap::default()
            }
        } else {
            columns::assign(&names, &self.opts.columns).map_err(|missing| {
                IngestError::UnknownColumn {
                    path: path.clone(),
                    missing: missing
                        .iter()
                        .map(|m| format!("'{m}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    available: available.clone(),
                }
            })?
        };
        if map.text.is_empty() {
            match self.longest_column(&map, &names) {
                Some(i) => map.text.push(i),
                None => return Err(IngestError::NoTextColumn { path, available }),
            }
        }
        self.headers = names.iter().map(|n| Arc::from(n.as_str())).collect();
        if let Some(r) = map.rating
            && self.scale.is_none()
        {
            self.scale = Some(self.sample_scale(r, &names[r]));
        }
        let name_of = |i: usize| names.get(i).cloned().unwrap_or_default();
        self.info.columns = names.clone();
        self.info.text_columns = map.text.iter().map(|&i| name_of(i)).collect();
        self.info.rating_column = map.rating.map(name_of);
        self.info.date_column = map.date.map(name_of);
        self.info.id_column = map.id.map(name_of);
        self.info.segment_columns = map.segments.iter().map(|&i| name_of(i)).collect();
        self.info.scale = self.scale;
        self.map = map;
        Ok(())
    }

    /// The header names of a delimited source (none for the other formats).
    fn read_header(&mut self, path: &Path) -> Result<Vec<String>, IngestError> {
        #[cfg(feature = "parquet")]
        if let Kind::Columnar(_, names, _) = &self.kind {
            return Ok(names.clone());
        }
        let Kind::Csv(r) = &mut self.kind else {
            return Ok(Vec::new());
        };
        match r.next_record() {
            Some(Ok(h)) => Ok(h
                .fields
                .iter()
                .map(|f| {
                    let s = lossy(f, self.encoding);
                    s.trim_start_matches('\u{FEFF}').trim().to_string()
                })
                .collect()),
            Some(Err(e)) => Err(IngestError::Read {
                path: path.to_path_buf(),
                source: std::io::Error::other(format!("header line: {}", e.reason)),
            }),
            None => Err(IngestError::Empty {
                path: path.to_path_buf(),
            }),
        }
    }

    /// Reads ahead into the buffer: a number of records, and no more than
    /// [`SAMPLE_BYTES`] of good ones ([`SAMPLE_MAX_BYTES`] with the rejected ones).
    fn read_sample(&mut self) {
        let (mut good, mut all) = (0usize, 0usize);
        while self.buffer.len() < self.opts.sample_records
            && good < SAMPLE_BYTES
            && all < SAMPLE_MAX_BYTES
        {
            match self.next_parsed() {
                Some(p) => {
                    match &p {
                        Ok(p) => {
                            good += p.size() * 2;
                            all += p.size() * 2;
                        }
                        Err(f) => all += f.raw.len(),
                    }
                    self.buffer.push_back(p);
                }
                None => break,
            }
        }
    }

    /// The column names: the header's, the keys of the sampled JSON objects in order
    /// of appearance, or `text` for plain text.
    fn column_names(&self, header_names: Vec<String>) -> Vec<String> {
        match self.info.format {
            Format::Csv | Format::Tsv | Format::Parquet | Format::Arrow => header_names,
            Format::Text => vec!["text".to_string()],
            Format::Jsonl | Format::Json => {
                let mut keys: Vec<String> = Vec::new();
                for p in self.buffer.iter().flatten() {
                    if let Fields::Object(m) = &p.fields {
                        for k in m.keys() {
                            if !keys.contains(k) {
                                keys.push(k.clone());
                            }
                        }
                    }
                }
                keys
            }
        }
    }

    /// When no header name says "text": the column with the longest values in the
    /// sample, among those without another role (none when all are empty).
    fn longest_column(&self, map: &ColumnMap, names: &[String]) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, _) in names.iter().enumerate() {
            if Some(i) == map.id
                || Some(i) == map.date
                || Some(i) == map.rating
                || map.segments.contains(&i)
            {
                continue;
            }
            let total: usize = self
                .buffer
                .iter()
                .flatten()
                .map(|p| self.cell_len(p, i, names))
                .sum();
            if best.is_none_or(|b| total > b.1) {
                best = Some((i, total));
            }
        }
        match best {
            Some((i, total)) if total > 0 && !names.is_empty() => Some(i),
            _ => None,
        }
    }

    /// The rating scale of column `r` (named `name`), from the sampled values.
    fn sample_scale(&self, r: usize, name: &str) -> Scale {
        let mut values = Vec::new();
        let mut implied = None;
        for p in self.buffer.iter().flatten() {
            if let Some(s) = self.cell(p, r)
                && let Some((v, imp)) = parse_rating(&s)
            {
                values.push(v);
                implied = implied.or(imp);
            }
        }
        if columns::is_nps_name(name) {
            Scale::Nps
        } else {
            implied.unwrap_or_else(|| value::infer_scale(&values, name))
        }
    }

    fn cell_len(&self, p: &Parsed, i: usize, names: &[String]) -> usize {
        match &p.fields {
            Fields::Cells(c) => c.get(i).map_or(0, |v| v.len()),
            Fields::Object(m) => names
                .get(i)
                .and_then(|k| m.get(k))
                .and_then(|v| v.as_str())
                .map_or(0, str::len),
            Fields::Line(l) => l.len(),
            #[cfg(feature = "parquet")]
            Fields::Typed(c) => c.get(i).map_or(0, columnar::Cell::text_len),
        }
    }

    /// Cell `i` as text (lossy; for sampling).
    fn cell(&self, p: &Parsed, i: usize) -> Option<String> {
        match &p.fields {
            Fields::Cells(c) => c.get(i).map(|v| lossy(v, self.encoding)),
            Fields::Object(m) => json_cell(m.get(&*self.headers[i])?),
            Fields::Line(l) => Some(lossy(l, self.encoding)),
            #[cfg(feature = "parquet")]
            Fields::Typed(c) => match c.get(i)? {
                columnar::Cell::Null => None,
                columnar::Cell::Text(s) => Some(s.clone()),
                columnar::Cell::Bytes(b) => Some(lossy(b, self.encoding)),
                columnar::Cell::Other(value) => Some(value.clone()),
            },
        }
    }

    /// The raw record for the rejects file: its bytes as read, or for a row of a
    /// Parquet or Arrow file its cells as a JSON object.
    fn raw_text(&self, p: &Parsed) -> String {
        #[cfg(feature = "parquet")]
        if let Fields::Typed(c) = &p.fields {
            return columnar::row_json(&self.headers, c);
        }
        lossy(&p.raw, self.encoding)
    }

    fn reject(&self, f: Failed) -> Reject {
        Reject {
            file: self.info.name.clone(),
            line: f.line,
            record: f.record,
            reason: f.reason,
            raw: lossy(&f.raw, self.encoding),
        }
    }

    /// The support fields of a record; times that run backwards or are absurd (over a
    /// year) go to the warnings and out of the record.
    fn support(&self, get: &CellGetter<'_>, warnings: &mut Vec<String>) -> Option<Box<Support>> {
        let cols = &self.map.support;
        let text = |i: Option<usize>, warnings: &mut Vec<String>| -> Option<String> {
            let v = get(i?, warnings).ok()??;
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let tz = &self.opts.timezone;
        let time = |i: Option<usize>, what: &str, warnings: &mut Vec<String>| {
            let raw = text(i, warnings)?;
            let t = time::parse_timestamp(&raw, tz);
            if t.is_none() {
                warnings.push(format!("{what} '{raw}' is not a time; ignored"));
            }
            t
        };
        // The date column is the creation time when it has a time of day.
        let created = self
            .map
            .date
            .and_then(|d| get(d, &mut Vec::new()).ok().flatten())
            .filter(|raw| raw.contains([':', '時', '시']) || raw.contains('T'))
            .and_then(|raw| time::parse_timestamp(&raw, tz));
        let mut s = Support {
            created,
            first_response: time(cols.first_response, "first response", warnings),
            resolved: time(cols.resolved, "resolution time", warnings),
            status: text(cols.status, warnings),
            customer: text(cols.customer, warnings),
            agent: text(cols.agent, warnings),
            author: text(cols.author, warnings),
            inbound: text(cols.inbound, warnings).and_then(|v| {
                let b = parse_inbound(&v);
                if b.is_none() {
                    warnings.push(format!(
                        "inbound '{v}' is neither customer nor agent; ignored"
                    ));
                }
                b
            }),
            reply_to: text(cols.reply_to, warnings),
            replies: text(cols.replies, warnings).and_then(|v| {
                let n = v.trim().parse::<u32>().ok();
                if n.is_none() {
                    warnings.push(format!("replies '{v}' is not a count; ignored"));
                }
                n
            }),
        };
        if let Some(c) = s.created {
            for (slot, what) in [
                (&mut s.first_response, "first response"),
                (&mut s.resolved, "resolution"),
            ] {
                if let Some(t) = *slot {
                    let secs = t.as_second() - c.as_second();
                    if secs < 0 {
                        warnings.push(format!(
                            "{what} {t} is before the creation {c}; left out of the figures"
                        ));
                        *slot = None;
                    } else if secs > MAX_SUPPORT_SECONDS {
                        warnings.push(format!(
                            "{what} {t} is over a year after the creation {c}; left out of the figures"
                        ));
                        *slot = None;
                    }
                }
            }
        }
        (s != Support::default()).then(|| Box::new(s))
    }

    /// Turns a parsed record into a [`Record`]: its text fields, rating, date, id,
    /// segments and support fields, or a [`Reject`] saying why it cannot be used.
    fn to_record(&self, p: Parsed) -> Result<Record, Reject> {
        let fail = |reason: String| Reject {
            file: self.info.name.clone(),
            line: p.line,
            record: p.record,
            reason,
            raw: self.raw_text(&p),
        };
        let mut warnings = p.notes.clone();
        self.check_field_count(&p).map_err(fail)?;
        let texts = self.texts(&p, &mut warnings).map_err(fail)?;
        let rating = self.rating(&p, &mut warnings);
        let has_text = texts.iter().any(|(_, t)| !t.trim().is_empty());
        if !has_text && rating.is_none() {
            let what = if self.text_is_null(&p) {
                "null text"
            } else {
                "empty text"
            };
            return Err(fail(format!("{what} (and no rating)")));
        }
        let date = self.date(&p, &mut warnings);
        let id = self.record_id(&p, &mut warnings);
        let (segments, segments_raw) = self.segments(&p, &mut warnings);
        let support = if self.map.support.any() {
            let get = |i: usize, w: &mut Vec<String>| self.decoded_cell(&p, i, w);
            self.support(&get, &mut warnings)
        } else {
            None
        };
        Ok(Record {
            id,
            texts,
            rating,
            date,
            segments,
            segments_raw,
            support,
            origin: Origin {
                file: self.info.name.clone(),
                line: p.line,
                record: p.record,
            },
            warnings,
        })
    }

    /// Cell `i` of a record as decoded text (`None` when the record has no such
    /// cell); a field over the size limit or undecodable is an error, a field read
    /// with another encoding a warning.
    fn decoded_cell(
        &self,
        p: &Parsed,
        i: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, String> {
        match &p.fields {
            Fields::Cells(c) => match c.get(i) {
                None => Ok(None),
                Some(bytes) => {
                    if bytes.len() > self.opts.max_field_bytes {
                        return Err(format!(
                            "field '{}' is {} bytes, over the limit of {} bytes (raise it with --max-field-bytes)",
                            self.headers[i],
                            bytes.len(),
                            self.opts.max_field_bytes
                        ));
                    }
                    let (s, other) = decode::decode_field(bytes, self.encoding)
                        .map_err(|e| format!("field '{}': {e}", self.headers[i]))?;
                    if let Some(note) = other {
                        warnings.push(format!("field '{}' {note}", self.headers[i]));
                    }
                    Ok(Some(s))
                }
            },
            Fields::Object(m) => Ok(m.get(&*self.headers[i]).and_then(json_cell)),
            Fields::Line(l) => {
                if l.len() > self.opts.max_field_bytes {
                    return Err(format!(
                        "line is {} bytes, over the limit of {} bytes (raise it with --max-field-bytes)",
                        l.len(),
                        self.opts.max_field_bytes
                    ));
                }
                let (s, other) = decode::decode_field(l, self.encoding)?;
                if let Some(note) = other {
                    warnings.push(format!("line {note}"));
                }
                Ok(Some(s))
            }
            #[cfg(feature = "parquet")]
            Fields::Typed(c) => {
                use columnar::Cell;
                let cell = match c.get(i) {
                    None | Some(Cell::Null) => return Ok(None),
                    Some(cell) => cell,
                };
                if cell.len() > self.opts.max_field_bytes {
                    return Err(format!(
                        "field '{}' is {} bytes, over the limit of {} bytes (raise it with --max-field-bytes)",
                        self.headers[i],
                        cell.len(),
                        self.opts.max_field_bytes
                    ));
                }
                match cell {
                    Cell::Text(s) | Cell::Other(s) => Ok(Some(s.clone())),
                    Cell::Bytes(b) => {
                        let (s, _) = decode::decode_field(b, encoding_rs::UTF_8)
                            .map_err(|e| format!("field '{}': {e}", self.headers[i]))?;
                        Ok(Some(s))
                    }
                    Cell::Null => Ok(None),
                }
            }
        }
    }

    /// Whether every text cell of a Parquet or Arrow row is null.
    fn text_is_null(&self, p: &Parsed) -> bool {
        #[cfg(feature = "parquet")]
        if let Fields::Typed(c) = &p.fields {
            return self
                .map
                .text
                .iter()
                .all(|&t| matches!(c.get(t), None | Some(columnar::Cell::Null)));
        }
        let _ = p;
        false
    }

    /// A delimited record must not hold more non-blank fields than the header, nor
    /// so few that the text column is missing.
    fn check_field_count(&self, p: &Parsed) -> Result<(), String> {
        let Fields::Cells(c) = &p.fields else {
            return Ok(());
        };
        let n = self.headers.len();
        if c.len() > n
            && c[n..]
                .iter()
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
        {
            return Err(format!(
                "record has {} fields but the header has {n} (an unquoted delimiter in the text?)",
                c.len()
            ));
        }
        if c.len() < n && self.map.text.iter().all(|&t| t >= c.len()) {
            return Err(format!(
                "record has {} fields but the header has {n}; the text column is missing",
                c.len()
            ));
        }
        Ok(())
    }

    /// The text fields that are there, with their column names; an oversized or
    /// binary one rejects the record.
    fn texts(
        &self,
        p: &Parsed,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<(Arc<str>, String)>, String> {
        let mut texts = Vec::new();
        for &t in &self.map.text {
            #[cfg(feature = "parquet")]
            if let Kind::Columnar(_, _, types) = &self.kind
                && let Some(Some(ty)) = types.get(t)
            {
                return Err(format!(
                    "text column '{}' holds {ty} values, not strings (choose the text column with --text)",
                    self.headers[t]
                ));
            }
            let Some(s) = self.decoded_cell(p, t, warnings)? else {
                continue;
            };
            if s.len() > self.opts.max_field_bytes {
                return Err(format!(
                    "field '{}' is {} bytes, over the limit of {} bytes (raise it with --max-field-bytes)",
                    self.headers[t],
                    s.len(),
                    self.opts.max_field_bytes
                ));
            }
            if decode::control_share(&s) > 0.2 {
                return Err(format!(
                    "field '{}' is binary data, not text",
                    self.headers[t]
                ));
            }
            texts.push((self.headers[t].clone(), s));
        }
        Ok(texts)
    }

    /// The rating on the source's scale; one that is no number or off the scale is
    /// a warning and no rating.
    fn rating(&self, p: &Parsed, warnings: &mut Vec<String>) -> Option<Rating> {
        let s = self.decoded_cell(p, self.map.rating?, warnings).ok()??;
        if s.trim().is_empty() {
            return None;
        }
        let Some((v, _)) = parse_rating(&s) else {
            warnings.push(format!("rating '{}' is not a number; ignored", s.trim()));
            return None;
        };
        let scale = self.scale.unwrap_or(Scale::Stars5);
        let (lo, hi) = scale.bounds();
        if v < lo || v > hi {
            warnings.push(format!(
                "rating '{}' is outside the {} scale; ignored",
                s.trim(),
                scale.as_str()
            ));
            return None;
        }
        Some(Rating { value: v, scale })
    }

    /// The date; one not understood is a warning and no date.
    fn date(&self, p: &Parsed, warnings: &mut Vec<String>) -> Option<Date> {
        let s = self.decoded_cell(p, self.map.date?, warnings).ok()??;
        if s.trim().is_empty() {
            return None;
        }
        let parsed = parse_date(&s);
        if parsed.is_none() {
            warnings.push(format!("date '{}' not understood; ignored", s.trim()));
        }
        parsed
    }

    /// The id column's value, else a default id unique per record and stable across
    /// re-runs of the same file: `file:line` where a line holds one record, `file#N`
    /// (the N-th element) in a JSON array, whose elements may share a line.
    fn record_id(&self, p: &Parsed, warnings: &mut Vec<String>) -> String {
        let given = self
            .map
            .id
            .and_then(|i| self.decoded_cell(p, i, warnings).ok().flatten())
            .filter(|s| !s.trim().is_empty());
        match given {
            Some(s) => s.trim().to_string(),
            None => match self.info.format {
                Format::Json => format!("{}#{}", self.info.name, p.record),
                _ => format!("{}:{}", self.info.name, p.line),
            },
        }
    }

    /// The segment columns' values through the alias table, and the raw values the
    /// aliases replaced.
    fn segments(
        &self,
        p: &Parsed,
        warnings: &mut Vec<String>,
    ) -> (BTreeMap<Arc<str>, String>, BTreeMap<Arc<str>, String>) {
        let mut segments = BTreeMap::new();
        let mut segments_raw = BTreeMap::new();
        for &sidx in &self.map.segments {
            let Ok(Some(s)) = self.decoded_cell(p, sidx, warnings) else {
                continue;
            };
            let s = s.trim();
            if s.is_empty() {
                continue;
            }
            let column = self.headers[sidx].clone();
            match self.opts.segment_aliases.canonical(s) {
                Some(c) => {
                    segments.insert(column.clone(), c.to_string());
                    segments_raw.insert(column, s.to_string());
                }
                None => {
                    segments.insert(column, s.to_string());
                }
            }
        }
        (segments, segments_raw)
    }
}

impl Iterator for Reader {
    type Item = Result<Record, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self.buffer.pop_front() {
            Some(i) => i,
            None => self.next_parsed()?,
        };
        Some(match item {
            Ok(p) => self.to_record(p),
            Err(f) => Err(self.reject(f)),
        })
    }
}

fn json_cell(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn parse_object(
    line: u64,
    record: u64,
    raw: Vec<u8>,
    encoding: &'static Encoding,
) -> Result<Parsed, Failed> {
    let (text, note) = match decode::decode_field(&raw, encoding) {
        Ok(t) => t,
        Err(e) => {
            return Err(Failed {
                line,
                record,
                reason: e,
                raw,
            });
        }
    };
    let mut notes: Vec<String> = note.map(|n| format!("record {n}")).into_iter().collect();
    match serde_json::from_str::<Object>(&text) {
        Ok(Object { map, duplicates }) => {
            if !duplicates.is_empty() {
                notes.push(format!(
                    "duplicate key{} {}: the last value is used",
                    if duplicates.len() == 1 { "" } else { "s" },
                    duplicates
                        .iter()
                        .map(|k| format!("'{k}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Ok(Parsed {
                line,
                record,
                fields: Fields::Object(map),
                raw,
                notes,
            })
        }
        Err(e) => {
            // Say what the value is when it is valid JSON but not an object.
            let reason = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(other) => {
                    let kind = match other {
                        serde_json::Value::Array(_) => "an array",
                        serde_json::Value::String(_) => "a string",
                        serde_json::Value::Number(_) => "a number",
                        _ => "not an object",
                    };
                    format!("JSON value is {kind}, expected an object")
                }
                Err(_) => format!("invalid JSON: {e}"),
            };
            Err(Failed {
                line,
                record,
                reason,
                raw,
            })
        }
    }
}

/// A JSON object read key by key, so that repeated keys are noticed (a plain
/// `serde_json::Map` keeps the last one silently).
struct Object {
    map: serde_json::Map<String, serde_json::Value>,
    duplicates: Vec<String>,
}

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Object, A::Error> {
                let mut map = serde_json::Map::new();
                let mut duplicates = Vec::new();
                while let Some(k) = a.next_key::<String>()? {
                    let v: serde_json::Value = a.next_value()?;
                    if map.insert(k.clone(), v).is_some() && !duplicates.contains(&k) {
                        duplicates.push(k);
                    }
                }
                Ok(Object { map, duplicates })
            }
        }
        d.deserialize_map(Visit)
    }
}
