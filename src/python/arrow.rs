//! `Analyzer.analyze_arrow`: Arrow data in through the Arrow C data interface (the
//! input's buffers are read in place, never turned into Python objects), records
//! analysed in bounded chunks on the rayon pool without the GIL, the analyses out as
//! record batches of the schema of [`crate::export::arrow`] (flat columns; with
//! `full=True` also the text and the nested sentences, evidence and mentions).

use std::sync::Arc;

use ::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use ::arrow::compute::cast;
use ::arrow::datatypes::{DataType, Float64Type};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::{PyAnalyzer, PythonError, record};
use crate::export::arrow::{Layout, record_batch, schema};
use crate::ingest::{Date, Rating, Scale, SegmentAliases, parse_date, parse_rating};

/// Records analysed at a time: bounds the memory of a call whatever the table's size
/// (the pipeline's batch size).
const CHUNK: usize = 1024;

/// The input columns of `analyze_arrow`.
#[derive(Debug)]
pub(super) struct Columns {
    text: Vec<String>,
    rating: Option<String>,
    date: Option<String>,
    id: Option<String>,
    segments: Vec<String>,
    scale: Option<Scale>,
}

impl Columns {
    pub(super) fn new(
        text: Option<&Bound<'_, PyAny>>,
        rating: Option<String>,
        date: Option<String>,
        id: Option<String>,
        segments: Option<Vec<String>>,
        scale: Option<String>,
    ) -> PyResult<Columns> {
        let text = match text {
            None => vec!["text".to_string()],
            Some(t) if t.is_none() => vec!["text".to_string()],
            Some(t) => match t.extract::<String>() {
                Ok(one) => vec![one],
                Err(_) => t.extract::<Vec<String>>().map_err(|_| {
                    PyTypeError::new_err("text: a column name or a list of column names")
                })?,
            },
        };
        let scale = match scale.as_deref() {
            None => None,
            Some(s) => Some(match s {
                "stars5" => Scale::Stars5,
                "ten" => Scale::Ten,
                "nps" => Scale::Nps,
                "percent" => Scale::Percent,
                other => {
                    return Err(PythonError::Argument(format!(
                        "scale: '{other}' is not stars5, ten, nps or percent"
                    ))
                    .into());
                }
            }),
        };
        Ok(Columns {
            text,
            rating,
            date,
            id,
            segments: segments.unwrap_or_default(),
            scale,
        })
    }
}

/// The batches of `data`: a stream (`pyarrow.Table`, `RecordBatchReader`, a polars
/// DataFrame, anything with `__arrow_c_stream__`) or one `RecordBatch`.
pub(super) fn batches(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if data.hasattr("__arrow_c_stream__")? {
        Ok(Table::from_pyarrow_bound(data)?.into_inner().0)
    } else if data.hasattr("__arrow_c_array__")? {
        Ok(vec![RecordBatch::from_pyarrow_bound(data)?])
    } else {
        let name = data
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        Err(PyTypeError::new_err(format!(
            "analyze_arrow: expected a pyarrow Table or RecordBatch (or a DataFrame koe.analyze_arrow converts), got {name}"
        )))
    }
}

pub(super) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, PythonError> {
    batch.column_by_name(name).ok_or_else(|| {
        let have: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        PythonError::Argument(format!(
            "no column '{name}' (the columns: {})",
            have.join(", ")
        ))
    })
}

/// A column as strings, read in place when it is one (any other type is cast).
enum Strings {
    Utf8(ArrayRef),
    Large(ArrayRef),
    View(ArrayRef),
}

impl Strings {
    fn of(array: &ArrayRef) -> Result<Strings, PythonError> {
        Ok(match array.data_type() {
            DataType::Utf8 => Strings::Utf8(array.clone()),
            DataType::LargeUtf8 => Strings::Large(array.clone()),
            DataType::Utf8View => Strings::View(array.clone()),
            _ => Strings::Large(cast(array, &DataType::LargeUtf8)?),
        })
    }

    fn get(&self, i: usize) -> Option<&str> {
        let a = match self {
            Strings::Utf8(a) | Strings::Large(a) | Strings::View(a) => a,
        };
        if a.is_null(i) {
            return None;
        }
        Some(match self {
            Strings::Utf8(a) => a.as_string::<i32>().value(i),
            Strings::Large(a) => a.as_string::<i64>().value(i),
            Strings::View(a) => a.as_string_view().value(i),
        })
    }
}

/// A rating cell: the value and the scale it names (`4/5`), if any.
type RatingCell = Option<(f64, Option<Scale>)>;

/// Ratings of a column: numbers read as they are, strings as `koe analyze` reads them
/// (`4/5`, `★★★★☆`, `80%`).
fn ratings(array: &ArrayRef) -> Result<Vec<RatingCell>, PythonError> {
    if array.data_type().is_numeric() {
        let f = cast(array, &DataType::Float64)?;
        let f = f.as_primitive::<Float64Type>();
        return Ok((0..f.len())
            .map(|i| (!f.is_null(i) && f.value(i).is_finite()).then(|| (f.value(i), None)))
            .collect());
    }
    let s = Strings::of(array)?;
    Ok((0..array.len())
        .map(|i| s.get(i).and_then(parse_rating))
        .collect())
}

/// Dates of a column: Arrow dates and timestamps (their calendar day), or strings as
/// `koe analyze` reads them.
fn dates(array: &ArrayRef) -> Result<Vec<Option<Date>>, PythonError> {
    match array.data_type() {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
            let d = cast(array, &DataType::Date32)?;
            let d = d.as_primitive::<::arrow::datatypes::Date32Type>();
            Ok((0..d.len())
                .map(|i| {
                    (!d.is_null(i)).then(|| Date::from_days_since_epoch(i64::from(d.value(i))))
                })
                .collect())
        }
        _ => {
            let s = Strings::of(array)?;
            Ok((0..array.len())
                .map(|i| s.get(i).and_then(parse_date))
                .collect())
        }
    }
}

/// The records of rows `start..end` of `batch` (row numbers from `first`).
struct Input<'a> {
    texts: Vec<(Arc<str>, Strings)>,
    ratings: Option<Vec<RatingCell>>,
    dates: Option<Vec<Option<Date>>>,
    ids: Option<Strings>,
    segments: Vec<(Arc<str>, Strings)>,
    columns: &'a Columns,
}

impl<'a> Input<'a> {
    fn new(batch: &RecordBatch, columns: &'a Columns) -> Result<Input<'a>, PythonError> {
        Ok(Input {
            texts: columns
                .text
                .iter()
                .map(|c| Ok((Arc::from(c.as_str()), Strings::of(column(batch, c)?)?)))
                .collect::<Result<_, PythonError>>()?,
            ratings: columns
                .rating
                .as_deref()
                .map(|c| ratings(column(batch, c)?))
                .transpose()?,
            dates: columns
                .date
                .as_deref()
                .map(|c| dates(column(batch, c)?))
                .transpose()?,
            ids: columns
                .id
                .as_deref()
                .map(|c| Strings::of(column(batch, c)?))
                .transpose()?,
            segments: columns
                .segments
                .iter()
                .map(|c| Ok((Arc::from(c.as_str()), Strings::of(column(batch, c)?)?)))
                .collect::<Result<_, PythonError>>()?,
            columns,
        })
    }
}

/// The scale of the rating column: given, else what its values imply, else inferred
/// from them as `koe analyze` does from a sample.
fn scale_of(inputs: &[Input<'_>], columns: &Columns) -> Scale {
    if let Some(s) = columns.scale {
        return s;
    }
    let name = columns.rating.as_deref().unwrap_or("rating");
    if crate::ingest::is_nps_name(name) {
        return Scale::Nps;
    }
    let mut values = Vec::new();
    let mut implied = None;
    for input in inputs {
        for (v, imp) in input.ratings.iter().flatten().flatten() {
            values.push(*v);
            implied = implied.or(*imp);
        }
    }
    implied.unwrap_or_else(|| crate::ingest::value::infer_scale(&values, name))
}

/// One record of the input (row `i` of its batch, `index` in the whole input).
fn make_record(
    input: &Input<'_>,
    i: usize,
    index: usize,
    scale: Scale,
    aliases: &SegmentAliases,
) -> Result<crate::ingest::Record, PythonError> {
    let mut texts = Vec::with_capacity(input.texts.len());
    for (name, col) in &input.texts {
        match col.get(i) {
            Some(t) => texts.push((name.clone(), t.to_string())),
            None if input.texts.len() > 1 => texts.push((name.clone(), String::new())),
            None => {
                return Err(PythonError::Record(format!(
                    "record {index}: the text ('{name}') is null (fill nulls with '' or drop them first)"
                )));
            }
        }
    }
    let id = match &input.ids {
        Some(ids) => ids.get(i).map_or_else(|| index.to_string(), str::to_string),
        None => index.to_string(),
    };
    let mut r = record(id, index, String::new());
    r.texts = texts;
    let mut warnings = Vec::new();
    r.rating = input
        .ratings
        .as_ref()
        .and_then(|v| v[i])
        .and_then(|(v, _)| {
            let (lo, hi) = scale.bounds();
            if v < lo || v > hi {
                warnings.push(format!(
                    "rating '{v}' is outside the {} scale; ignored",
                    scale.as_str()
                ));
                None
            } else {
                Some(Rating { value: v, scale })
            }
        });
    r.date = input.dates.as_ref().and_then(|d| d[i]);
    for (name, col) in &input.segments {
        if let Some(v) = col.get(i) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match aliases.canonical(v) {
                Some(c) if &**c != v => {
                    r.segments_raw.insert(name.clone(), v.to_string());
                    r.segments.insert(name.clone(), c.to_string());
                }
                _ => {
                    r.segments.insert(name.clone(), v.to_string());
                }
            }
        }
    }
    let _ = input.columns;
    r.warnings = warnings;
    Ok(r)
}

/// `Analyzer.analyze_arrow`.
pub(super) fn analyze<'py>(
    analyzer: &PyAnalyzer,
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    columns: &Columns,
    full: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let batches = batches(data)?;
    let layout = Layout {
        nested: full,
        text: full,
        segments: columns.segments.clone(),
    };
    let out = py.detach(|| -> Result<Vec<RecordBatch>, PythonError> {
        let inputs = batches
            .iter()
            .map(|b| Input::new(b, columns))
            .collect::<Result<Vec<_>, _>>()?;
        // A null text fails before any analysis.
        let mut first_row = 0usize;
        for (batch, input) in batches.iter().zip(&inputs) {
            if let [(name, col)] = input.texts.as_slice()
                && let Some(i) = (0..batch.num_rows()).find(|&i| col.get(i).is_none())
            {
                return Err(PythonError::Record(format!(
                    "record {}: the text ('{name}') is null (fill nulls with '' or drop them first)",
                    first_row + i
                )));
            }
            first_row += batch.num_rows();
        }
        let scale = scale_of(&inputs, columns);
        let aliases = SegmentAliases::builtin();
        let mut out = Vec::new();
        let mut index = 0usize;
        // The previous chunk, analysed: its record batch is built on a thread of its
        // own while the pool analyses the next chunk (as the pipeline overlaps its
        // stages); with `threads=1` everything stays on the calling thread.
        let mut pending: Option<(Vec<crate::ingest::Record>, Vec<crate::analyze::Analysis>)> =
            None;
        let build = |(r, a): (Vec<crate::ingest::Record>, Vec<crate::analyze::Analysis>)| {
            record_batch(&layout, r.iter().zip(&a)).map_err(PythonError::from)
        };
        for (batch, input) in batches.iter().zip(&inputs) {
            let mut start = 0;
            while start < batch.num_rows() {
                let end = (start + CHUNK).min(batch.num_rows());
                let records = (start..end)
                    .map(|i| make_record(input, i, index + i - start, scale, &aliases))
                    .collect::<Result<Vec<_>, _>>()?;
                let (built, analyses) = match pending.take() {
                    None => (None, analyzer.run(&records)),
                    Some(prev) if analyzer.sequential => {
                        (Some(build(prev)), analyzer.run(&records))
                    }
                    Some(prev) => std::thread::scope(|scope| {
                        let handle = scope.spawn(|| build(prev));
                        let analyses = analyzer.run(&records);
                        let built = handle.join().unwrap_or_else(|_| {
                            Err(PythonError::Argument("building a record batch failed".into()))
                        });
                        (Some(built), analyses)
                    }),
                };
                if let Some(b) = built {
                    out.push(b?);
                }
                pending = Some((records, analyses));
                index += end - start;
                start = end;
            }
        }
        if let Some(prev) = pending {
            out.push(build(prev)?);
        }
        Ok(out)
    })?;
    Table::try_new(out, schema(&layout))
        .map_err(PythonError::from)?
        .into_pyarrow(py)
}
