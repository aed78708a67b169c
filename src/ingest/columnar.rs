//! Parquet and Arrow IPC (`.arrow`, `.feather`, `.arrows`) inputs: their rows as
//! cells, which the [`Reader`](super::Reader) maps to roles exactly like CSV cells
//! (the column names are the header).
//!
//! Rows stream batch by batch: a Parquet file is read row group by row group, page by
//! page, in batches of at most [`BATCH_ROWS`] rows and about [`BATCH_BYTES`] of data
//! (estimated from the row groups' uncompressed sizes), never the whole file. String
//! columns (also dictionary-encoded or large/view strings) give text cells; binary
//! columns give bytes decoded as UTF-8; every other type (numbers, dates,
//! timestamps, booleans) is rendered as text by Arrow's cast, which is what a CSV
//! export of it would hold, so ratings and dates parse the same way. A value of a
//! type without such a rendering (lists, structs) is an opaque cell: no role reads
//! it, and as a text column it rejects the row.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Format, IngestError};

/// Rows per batch at most.
pub const BATCH_ROWS: usize = 1024;
/// Decoded bytes per batch, about (fewer rows when rows are large).
pub const BATCH_BYTES: u64 = 4 << 20;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// Null.
    Null,
    /// A string.
    Text(String),
    /// Binary data (decoded as UTF-8 where a role reads it).
    Bytes(Vec<u8>),
    /// A value of another type rendered as text (empty when the type has no text
    /// rendering).
    Other(String),
}

impl Cell {
    /// Its size in bytes (for read-ahead bounds).
    pub(super) fn len(&self) -> usize {
        match self {
            Cell::Null => 0,
            Cell::Text(s) => s.len(),
            Cell::Bytes(b) => b.len(),
            Cell::Other(value) => value.len(),
        }
    }

    /// Its length as text content (strings and bytes only: a number is never the
    /// text column by content).
    pub(super) fn text_len(&self) -> usize {
        match self {
            Cell::Text(s) => s.len(),
            Cell::Bytes(b) => b.len(),
            Cell::Null | Cell::Other(_) => 0,
        }
    }

    /// As JSON (for the rejects file's `raw`).
    fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => s.as_str().into(),
            Cell::Bytes(b) => String::from_utf8_lossy(b).into_owned().into(),
            Cell::Other(value) => value.as_str().into(),
        }
    }
}

/// A row as a JSON object of its columns (the rejects file's `raw`).
pub(super) fn row_json(names: &[Arc<str>], cells: &[Cell]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .zip(cells)
        .map(|(n, c)| (n.to_string(), c.to_json()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// How a column of a batch is read.
enum Column {
    Utf8(ArrayRef),
    LargeUtf8(ArrayRef),
    Utf8View(ArrayRef),
    Binary(ArrayRef),
    LargeBinary(ArrayRef),
    BinaryView(ArrayRef),
    /// Rendered as text; the original (for its nulls).
    Cast(ArrayRef, ArrayRef),
    /// No text rendering.
    Opaque(ArrayRef),
}

impl Column {
    fn of(array: &ArrayRef) -> Column {
        let a = array.clone();
        match array.data_type() {
            DataType::Utf8 => Column::Utf8(a),
            DataType::LargeUtf8 => Column::LargeUtf8(a),
            DataType::Utf8View => Column::Utf8View(a),
            DataType::Binary => Column::Binary(a),
            DataType::LargeBinary => Column::LargeBinary(a),
            DataType::BinaryView => Column::BinaryView(a),
            DataType::Dictionary(_, v) if is_string(v) => {
                match arrow::compute::cast(array, &DataType::Utf8) {
                    Ok(c) => Column::Utf8(c),
                    Err(_) => Column::Opaque(a),
                }
            }
            ty => {
                if arrow::compute::can_cast_types(ty, &DataType::Utf8)
                    && let Ok(c) = arrow::compute::cast(array, &DataType::Utf8)
                {
                    Column::Cast(c, a)
                } else {
                    Column::Opaque(a)
                }
            }
        }
    }

    fn cell(&self, i: usize) -> Cell {
        match self {
            Column::Utf8(a) => text(a.is_null(i), || a.as_string::<i32>().value(i)),
            Column::LargeUtf8(a) => text(a.is_null(i), || a.as_string::<i64>().value(i)),
            Column::Utf8View(a) => text(a.is_null(i), || a.as_string_view().value(i)),
            Column::Binary(a) => bytes(a.is_null(i), || a.as_binary::<i32>().value(i)),
            Column::LargeBinary(a) => bytes(a.is_null(i), || a.as_binary::<i64>().value(i)),
            Column::BinaryView(a) => bytes(a.is_null(i), || a.as_binary_view().value(i)),
            Column::Cast(c, a) => {
                if a.is_null(i) || c.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Other(c.as_string::<i32>().value(i).to_string())
                }
            }
            Column::Opaque(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Other(String::new())
                }
            }
        }
    }
}

fn text<'a>(null: bool, value: impl FnOnce() -> &'a str) -> Cell {
    if null {
        Cell::Null
    } else {
        Cell::Text(value().to_string())
    }
}

fn bytes<'a>(null: bool, value: impl FnOnce() -> &'a [u8]) -> Cell {
    if null {
        Cell::Null
    } else {
        Cell::Bytes(value().to_vec())
    }
}

fn is_string(ty: &DataType) -> bool {
    matches!(
        ty,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// The type's name when its values are not text (strings or binary), else `None`.
fn non_text(ty: &DataType) -> Option<Arc<str>> {
    match ty {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => None,
        DataType::Dictionary(_, v) if is_string(v) => None,
        other => Some(Arc::from(other.to_string())),
    }
}

/// The rows of a Parquet or Arrow IPC file.
pub(super) struct Rows {
    batches: Batches,
    columns: Vec<Column>,
    /// Rows of the current batch, and the next one to hand out.
    len: usize,
    next: usize,
    /// Rows handed out so far.
    read: u64,
    /// Rows in the file, when its metadata says (Parquet, Arrow IPC files).
    total: Option<u64>,
    /// The read failed: the reason, given to every row not read.
    failed: Option<String>,
    size: Option<u64>,
    progress: Arc<AtomicU64>,
}

/// An opened columnar file: its rows, column names and size.
pub(super) struct Opened {
    pub rows: Rows,
    pub names: Vec<String>,
    /// Per column, the type's name when it does not hold text (see [`Rows`]).
    pub non_text: Vec<Option<Arc<str>>>,
    pub size: Option<u64>,
    pub progress: Arc<AtomicU64>,
}

fn read_error(path: &Path, e: impl std::fmt::Display) -> IngestError {
    IngestError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Opens `path` as `format` (Parquet or Arrow IPC).
pub(super) fn open(path: &Path, format: Format) -> Result<Opened, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::Open {
        path: path.to_path_buf(),
        source: e,
    })?;
    let size = file.metadata().ok().map(|m| m.len());
    let (batches, schema, total): (Batches, _, _) = match format {
        Format::Parquet => {
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read_error(path, e))?;
            let meta = builder.metadata().clone();
            let total = u64::try_from(meta.file_metadata().num_rows()).unwrap_or(0);
            // Rows per batch from the largest uncompressed row size of any row group.
            let row_bytes = meta
                .row_groups()
                .iter()
                .filter(|g| g.num_rows() > 0)
                .map(|g| g.total_byte_size().max(0) as u64 / g.num_rows() as u64)
                .max()
                .unwrap_or(0)
                .max(1);
            let rows = (BATCH_BYTES / row_bytes).clamp(1, BATCH_ROWS as u64) as usize;
            let schema = builder.schema().clone();
            let reader = builder
                .with_batch_size(rows)
                .build()
                .map_err(|e| read_error(path, e))?;
            (Box::new(reader), schema, Some(total))
        }
        _ => {
            let buffered = std::io::BufReader::new(file);
            // The IPC file format starts with `ARROW1`; the stream format has no magic.
            if super::sniff_columnar(path) == Some(Format::Arrow)
                && !path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("arrows"))
            {
                let reader = arrow::ipc::reader::FileReader::try_new(buffered, None)
                    .map_err(|e| read_error(path, e))?;
                let schema = reader.schema();
                // An IPC file lists its batches, not its rows.
                (Box::new(reader), schema, None)
            } else {
                let reader = arrow::ipc::reader::StreamReader::try_new(buffered, None)
                    .map_err(|e| read_error(path, e))?;
                let schema = reader.schema();
                (Box::new(reader), schema, None)
            }
        }
    };
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    let non_text = schema
        .fields()
        .iter()
        .map(|f| non_text(f.data_type()))
        .collect();
    let progress = Arc::new(AtomicU64::new(0));
    Ok(Opened {
        rows: Rows {
            batches,
            columns: Vec::new(),
            len: 0,
            next: 0,
            read: 0,
            total,
            failed: None,
            size,
            progress: progress.clone(),
        },
        names,
        non_text,
        size,
        progress,
    })
}

impl Rows {
    /// The next row's cells, or why it cannot be read (a damaged file: every row
    /// after the damage gets the reason, so that each row of the file is accounted
    /// for when the file says how many it has).
    pub(super) fn next_row(&mut self) -> Option<Result<Vec<Cell>, String>> {
        while self.next >= self.len {
            if let Some(reason) = &self.failed {
                return match self.total {
                    Some(t) if self.read < t => {
                        self.read += 1;
                        Some(Err(reason.clone()))
                    }
                    _ => None,
                };
            }
            match self.batches.next()? {
                Ok(batch) => {
                    self.columns = batch.columns().iter().map(Column::of).collect();
                    self.len = batch.num_rows();
                    self.next = 0;
                }
                Err(e) => {
                    self.columns.clear();
                    self.len = 0;
                    self.next = 0;
                    self.failed = Some(format!(
                        "cannot read the file from row {} on: {e}",
                        self.read + 1
                    ));
                    // A stream without a row count: one reject says where it stopped.
                    if self.total.is_none() {
                        self.total = Some(self.read + 1);
                    }
                }
            }
        }
        let i = self.next;
        self.next += 1;
        self.read += 1;
        if let (Some(size), Some(total)) = (self.size, self.total)
            && total > 0
        {
            let done = (size as u128 * self.read as u128 / total as u128) as u64;
            self.progress.store(done, Ordering::Relaxed);
        }
        Some(Ok(self.columns.iter().map(|c| c.cell(i)).collect()))
    }
}
