//! `koe.Report`: the [`Collector`] of `koe report`, fed with analyses, merged through
//! [`Partial::merge`] and pickled as its versioned partial state, so a merged report
//! equals the report of the whole input (see [`crate::report::partial`] for what merges
//! exactly).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ::arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch};
use ::arrow::compute::cast;
use ::arrow::datatypes::{Date32Type, Float32Type, Float64Type, Int64Type};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde::{Deserialize, Serialize};

use super::{PyAnalyzer, PythonError, json_loads};
use crate::ingest::{Date, Rating, Scale};
use crate::metrics::{Facts, MetricsConfig, Period};
use crate::report::{Collector, Order, Partial, Report, ReportMeta};
use crate::sentiment::churn::ChurnKind;
use crate::sentiment::{Label, Sentiment};
use crate::themes::{Mention, ThemeHit, ThemeIdx};

/// What a report reads of one analysis in the `koe.analysis` schema (the dicts of
/// `Analyzer.analyze`, the lines of `koe analyze`).
#[derive(Deserialize)]
struct AnalysisIn {
    #[serde(default)]
    id: String,
    lang: String,
    #[serde(default)]
    rating: Option<Rating>,
    #[serde(default)]
    date: Option<Date>,
    #[serde(default)]
    segments: BTreeMap<String, String>,
    #[serde(default)]
    support: Option<serde_json::Value>,
    #[serde(default)]
    text: String,
    sentiment: SentimentIn,
    #[serde(default)]
    themes: Vec<ThemeIn>,
    #[serde(default)]
    churn: Vec<ChurnIn>,
}

#[derive(Deserialize)]
struct SentimentIn {
    score: f32,
    label: String,
    #[serde(default)]
    confidence: f32,
}

impl SentimentIn {
    fn sentiment(&self, index: usize) -> Result<Sentiment, PythonError> {
        Ok(Sentiment {
            score: self.score,
            label: label(&self.label, index)?,
            confidence: self.confidence,
        })
    }
}

#[derive(Deserialize)]
struct ThemeIn {
    id: String,
    sentiment: SentimentIn,
    #[serde(default)]
    mentions: Vec<MentionIn>,
}

#[derive(Deserialize)]
struct MentionIn {
    start: usize,
    end: usize,
    #[serde(default)]
    sentence: usize,
    #[serde(default)]
    term: String,
    #[serde(default)]
    sentiment: f32,
}

#[derive(Deserialize)]
struct ChurnIn {
    kind: String,
}

fn label(s: &str, index: usize) -> Result<Label, PythonError> {
    s.parse()
        .map_err(|_| PythonError::Record(format!("record {index}: unknown sentiment label '{s}'")))
}

fn churn_kind(s: &str, index: usize) -> Result<ChurnKind, PythonError> {
    ChurnKind::from_name(s)
        .ok_or_else(|| PythonError::Record(format!("record {index}: unknown churn signal '{s}'")))
}

/// What a pickled report holds: the partial report and the report's settings.
#[derive(Serialize, Deserialize)]
struct State {
    partial: Partial,
    /// Theme ids in the collector's order (a hit's index).
    themes: Vec<String>,
    title: String,
    labels: String,
}

/// A report over analysed records, as `koe report` makes it: add analyses (the dicts
/// of `Analyzer.analyze`, or lines of `koe analyze` read with `json.loads`), merge
/// reports of other parts of the data, render it as JSON, HTML or Markdown. Pickles
/// as its partial state (`koe.partial/1`), so Ray and Spark can ship it.
///
/// `Report(analyzer=None, period="month", segment=None, csat_top=2,
/// title="Customer feedback report", labels="auto")`: `analyzer` gives the taxonomy
/// (default: `Analyzer()`); `segment` a segment column to break figures down by
/// (`"lang"`: the language); `labels` the report's language (`auto`, `en`, `ja`, `ko`).
/// Theme discovery is not part of it (as `koe report --discover 0`).
#[pyclass(module = "koe._koe", name = "Report")]
pub struct PyReport {
    partial: Partial,
    themes: Vec<String>,
    ids: HashMap<String, ThemeIdx>,
    title: String,
    labels: String,
}

impl PyReport {
    fn from_state(state: State) -> Result<PyReport, PythonError> {
        let ids = index_of(&state.themes)?;
        Ok(PyReport {
            partial: state.partial,
            themes: state.themes,
            ids,
            title: state.title,
            labels: state.labels,
        })
    }

    fn state_json(&self) -> Result<String, PythonError> {
        #[derive(Serialize)]
        struct StateRef<'a> {
            partial: &'a Partial,
            themes: &'a [String],
            title: &'a str,
            labels: &'a str,
        }
        Ok(serde_json::to_string(&StateRef {
            partial: &self.partial,
            themes: &self.themes,
            title: &self.title,
            labels: &self.labels,
        })?)
    }

    /// The finished report (themes ordered as `koe report` orders them by default).
    fn report(&self) -> Report {
        let mut report = self.partial.clone().finish(ReportMeta {
            title: self.title.clone(),
            label_lang: self.labels.clone(),
            ..ReportMeta::default()
        });
        report.order_themes(Order::Negative);
        report
    }

    /// Adds analyses in the `koe.analysis` JSON (an array).
    fn add_json(&mut self, json: &str) -> Result<(), PythonError> {
        let analyses: Vec<serde_json::Value> = serde_json::from_str(json)?;
        // Checked first, so that a bad record adds nothing.
        let mut parsed = Vec::with_capacity(analyses.len());
        for (i, v) in analyses.into_iter().enumerate() {
            let a: AnalysisIn = serde_json::from_value(v).map_err(|e| {
                PythonError::Record(format!("record {i}: not a koe.analysis dict: {e}"))
            })?;
            if a.support.as_ref().is_some_and(|s| !s.is_null()) {
                return Err(PythonError::Record(format!(
                    "record {i}: support-ticket records are reported from their files (koe report), not from analysis dicts"
                )));
            }
            let mut hits = Vec::with_capacity(a.themes.len());
            for t in &a.themes {
                let Some(&idx) = self.ids.get(&t.id) else {
                    return Err(PythonError::Record(format!(
                        "record {i}: theme '{}' is not in the report's taxonomy (make the Report with the Analyzer that analysed it)",
                        t.id
                    )));
                };
                hits.push(ThemeHit {
                    id: Arc::from(t.id.as_str()),
                    idx,
                    sentiment: t.sentiment.sentiment(i)?,
                    mentions: t
                        .mentions
                        .iter()
                        .map(|m| Mention {
                            start: m.start,
                            end: m.end,
                            sentence: m.sentence,
                            term: Arc::from(m.term.as_str()),
                            sentiment: m.sentiment,
                        })
                        .collect(),
                });
            }
            let overall = label(&a.sentiment.label, i)?;
            let churn = a
                .churn
                .iter()
                .map(|c| churn_kind(&c.kind, i))
                .collect::<Result<Vec<_>, _>>()?;
            parsed.push((a, hits, overall, churn));
        }
        self.add_parsed(&parsed);
        Ok(())
    }
}

/// The columns of `koe analyze --format parquet` / `analyze_arrow(full=True)` a report
/// reads, each cast to the type of [`crate::export::arrow::schema`] (so large strings
/// and large lists, as polars writes them, read the same).
struct AnalysisColumns {
    id: ArrayRef,
    lang: ArrayRef,
    text: ArrayRef,
    label: ArrayRef,
    themes: ArrayRef,
    theme_scores: ArrayRef,
    theme_labels: ArrayRef,
    churn: ArrayRef,
    rating: ArrayRef,
    rating_scale: ArrayRef,
    date: ArrayRef,
    mentions: ArrayRef,
    segments: Option<ArrayRef>,
}

impl AnalysisColumns {
    fn of(batch: &RecordBatch) -> Result<AnalysisColumns, PythonError> {
        let full = crate::export::arrow::schema(&crate::export::arrow::Layout::full(Vec::new()));
        let col = |name: &str| -> Result<ArrayRef, PythonError> {
            let want = full
                .field_with_name(name)
                .map_err(PythonError::from)?
                .data_type();
            let have = batch.column_by_name(name).ok_or_else(|| {
                PythonError::Argument(format!(
                    "Report.add: no column '{name}' (add the tables of analyze_arrow(..., full=True) or koe analyze --format parquet)"
                ))
            })?;
            Ok(if have.data_type() == want {
                have.clone()
            } else {
                cast(have, want)?
            })
        };
        Ok(AnalysisColumns {
            id: col("id")?,
            lang: col("lang")?,
            text: col("text")?,
            label: col("sentiment_label")?,
            themes: col("themes")?,
            theme_scores: col("theme_sentiments")?,
            theme_labels: col("theme_labels")?,
            churn: col("churn")?,
            rating: col("rating")?,
            rating_scale: col("rating_scale")?,
            date: col("date")?,
            mentions: col("mentions")?,
            segments: batch.column_by_name("segments").cloned(),
        })
    }
}

fn strings_of(list: &ListArray, i: usize) -> Vec<String> {
    let v = list.value(i);
    let s = v.as_string::<i32>();
    (0..s.len()).map(|j| s.value(j).to_string()).collect()
}

fn scale_named(s: &str) -> Option<Scale> {
    [Scale::Stars5, Scale::Ten, Scale::Nps, Scale::Percent]
        .into_iter()
        .find(|x| x.as_str() == s)
}

impl PyReport {
    /// Adds the rows of analysed record batches.
    fn add_batches(&mut self, batches: &[RecordBatch]) -> Result<(), PythonError> {
        let mut parsed = Vec::new();
        let mut index = 0usize;
        for batch in batches {
            let c = AnalysisColumns::of(batch)?;
            let (id, lang, text, label_col) = (
                c.id.as_string::<i32>(),
                c.lang.as_string::<i32>(),
                c.text.as_string::<i32>(),
                c.label.as_string::<i32>(),
            );
            let (themes, scores, labels, churn) = (
                c.themes.as_list::<i32>(),
                c.theme_scores.as_list::<i32>(),
                c.theme_labels.as_list::<i32>(),
                c.churn.as_list::<i32>(),
            );
            let rating = c.rating.as_primitive::<Float64Type>();
            let rating_scale = c.rating_scale.as_string::<i32>();
            let date = c.date.as_primitive::<Date32Type>();
            let mentions = c.mentions.as_list::<i32>();
            let segments = c.segments.as_ref().and_then(|s| s.as_struct_opt());
            for i in 0..batch.num_rows() {
                let at = index + i;
                let ids = strings_of(themes, i);
                let theme_labels = strings_of(labels, i);
                let theme_scores = scores.value(i);
                let theme_scores = theme_scores.as_primitive::<Float32Type>();
                let m = mentions.value(i);
                let m = m.as_struct();
                let (m_theme, m_start, m_end, m_sentence, m_term, m_sent) = (
                    m.column(0).as_string::<i32>(),
                    m.column(1).as_primitive::<Int64Type>(),
                    m.column(2).as_primitive::<Int64Type>(),
                    m.column(3).as_primitive::<Int64Type>(),
                    m.column(4).as_string::<i32>(),
                    m.column(5).as_primitive::<Float32Type>(),
                );
                let mut hits = Vec::with_capacity(ids.len());
                for (k, theme) in ids.iter().enumerate() {
                    let Some(&idx) = self.ids.get(theme) else {
                        return Err(PythonError::Record(format!(
                            "record {at}: theme '{theme}' is not in the report's taxonomy (make the Report with the Analyzer that analysed it)"
                        )));
                    };
                    let score = if k < theme_scores.len() {
                        theme_scores.value(k)
                    } else {
                        0.0
                    };
                    let l = theme_labels.get(k).map_or("neu", String::as_str);
                    let off = |x: i64| usize::try_from(x).unwrap_or(0);
                    hits.push(ThemeHit {
                        id: Arc::from(theme.as_str()),
                        idx,
                        sentiment: Sentiment {
                            score,
                            label: label(l, at)?,
                            confidence: 0.0,
                        },
                        mentions: (0..m.len())
                            .filter(|&j| m_theme.value(j) == theme)
                            .map(|j| Mention {
                                start: off(m_start.value(j)),
                                end: off(m_end.value(j)),
                                sentence: off(m_sentence.value(j)),
                                term: Arc::from(m_term.value(j)),
                                sentiment: m_sent.value(j),
                            })
                            .collect(),
                    });
                }
                let rating = if rating.is_null(i) || rating_scale.is_null(i) {
                    None
                } else {
                    let scale = scale_named(rating_scale.value(i)).ok_or_else(|| {
                        PythonError::Record(format!(
                            "record {at}: unknown rating scale '{}'",
                            rating_scale.value(i)
                        ))
                    })?;
                    Some(Rating {
                        value: rating.value(i),
                        scale,
                    })
                };
                let mut segs = BTreeMap::new();
                if let Some(s) = segments {
                    for (f, col) in s.fields().iter().zip(s.columns()) {
                        if let Some(col) = col.as_string_opt::<i32>()
                            && !col.is_null(i)
                        {
                            segs.insert(f.name().clone(), col.value(i).to_string());
                        }
                    }
                }
                parsed.push((
                    AnalysisIn {
                        id: id.value(i).to_string(),
                        lang: lang.value(i).to_string(),
                        rating,
                        date: (!date.is_null(i))
                            .then(|| Date::from_days_since_epoch(i64::from(date.value(i)))),
                        segments: segs,
                        support: None,
                        text: text.value(i).to_string(),
                        sentiment: SentimentIn {
                            score: 0.0,
                            label: label_col.value(i).to_string(),
                            confidence: 0.0,
                        },
                        themes: Vec::new(),
                        churn: Vec::new(),
                    },
                    hits,
                    label(label_col.value(i), at)?,
                    strings_of(churn, i)
                        .iter()
                        .map(|k| churn_kind(k, at))
                        .collect::<Result<Vec<_>, _>>()?,
                ));
            }
            index += batch.num_rows();
        }
        self.add_parsed(&parsed);
        Ok(())
    }

    /// Adds records checked and parsed: analysis, theme hits, overall label, churn.
    fn add_parsed(&mut self, parsed: &[(AnalysisIn, Vec<ThemeHit>, Label, Vec<ChurnKind>)]) {
        for (a, hits, overall, churn) in parsed {
            let collector: &mut Collector = &mut self.partial.collector;
            // The segment value as `Collector::add` finds it.
            let segment = match collector.segment() {
                Some("lang" | "language") => Some(a.lang.as_str()),
                Some(col) => crate::report::segment_in(
                    a.segments.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    col,
                ),
                None => None,
            };
            let facts = Facts {
                rating: a.rating,
                date: a.date,
                label: *overall,
                segment,
                themes: hits,
                id: &a.id,
                text: &a.text,
            };
            collector.add_facts(&facts, None, churn.iter().copied());
            *self.partial.languages.entry(a.lang.clone()).or_default() += 1;
        }
    }
}

fn index_of(themes: &[String]) -> Result<HashMap<String, ThemeIdx>, PythonError> {
    themes
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let idx = ThemeIdx::try_from(i)
                .map_err(|_| PythonError::Argument("too many themes".into()))?;
            Ok((id.clone(), idx))
        })
        .collect()
}

#[pymethods]
impl PyReport {
    #[new]
    #[pyo3(signature = (analyzer=None, period="month", segment=None, csat_top=2, title="Customer feedback report", labels="auto"))]
    fn new(
        py: Python<'_>,
        analyzer: Option<PyRef<'_, PyAnalyzer>>,
        period: &str,
        segment: Option<String>,
        csat_top: u8,
        title: &str,
        labels: &str,
    ) -> PyResult<PyReport> {
        let period: Period = period.parse().map_err(PythonError::Argument)?;
        if !(1..=4).contains(&csat_top) {
            return Err(PythonError::Argument(
                "csat_top must be 1 to 4 (boxes of a 1–5 scale)".into(),
            )
            .into());
        }
        if !["auto", "en", "ja", "ko"].contains(&labels) {
            return Err(PythonError::Argument(format!(
                "labels: '{labels}' is not auto, en, ja or ko"
            ))
            .into());
        }
        let config = MetricsConfig {
            period,
            csat_top,
            segment,
            ..MetricsConfig::default()
        };
        let default;
        let analyzer: &PyAnalyzer = match &analyzer {
            Some(a) => a,
            None => {
                default = py
                    .detach(|| PyAnalyzer::build(Vec::new(), Vec::new(), "auto", "all", Some(1)))?;
                &default
            }
        };
        let matcher = analyzer.analyzer.themes();
        let themes: Vec<String> = matcher.themes().iter().map(|t| t.id.to_string()).collect();
        let partial = Partial {
            domains: analyzer.domains.clone(),
            ..Partial::new(Collector::new(matcher, config))
        };
        Ok(PyReport::from_state(State {
            partial,
            themes,
            title: title.to_string(),
            labels: labels.to_string(),
        })?)
    }

    /// Adds analysed records: a list of dicts in the `koe.analysis` schema (what
    /// `Analyzer.analyze` returns and `koe analyze` writes), or Arrow data of
    /// `Analyzer.analyze_arrow(..., full=True)` (or `koe analyze --format parquet`).
    /// Nothing is added when a record is not one (the exception names it).
    fn add(&mut self, py: Python<'_>, analyses: &Bound<'_, PyAny>) -> PyResult<()> {
        if analyses.hasattr("__arrow_c_stream__")? || analyses.hasattr("__arrow_c_array__")? {
            let batches = super::arrow::batches(analyses)?;
            return Ok(py.detach(|| self.add_batches(&batches))?);
        }
        let json: String = py
            .import("json")?
            .getattr("dumps")?
            .call1((analyses,))
            .map_err(|e| {
                PyTypeError::new_err(format!("Report.add: analyses are not JSON data: {e}"))
            })?
            .extract()?;
        Ok(py.detach(|| self.add_json(&json))?)
    }

    /// Adds the records of another report (of other records, with the same taxonomy
    /// and settings). Merging is commutative and associative.
    fn merge(&mut self, other: &Bound<'_, PyReport>) -> PyResult<()> {
        let other = other
            .try_borrow()
            .map_err(|_| PythonError::Argument("a report cannot be merged with itself".into()))?;
        if other.themes != self.themes {
            return Err(PythonError::Argument(
                "the reports were made with different taxonomies".into(),
            )
            .into());
        }
        self.partial
            .merge(&other.partial)
            .map_err(PythonError::from)?;
        Ok(())
    }

    /// Records added so far.
    #[getter]
    fn records(&self) -> u64 {
        self.partial.languages.values().sum()
    }

    /// The report as JSON (`koe.report/1`, as `koe report --format json`).
    fn to_json(&self) -> PyResult<String> {
        Ok(serde_json::to_string_pretty(&self.report()).map_err(PythonError::from)? + "\n")
    }

    /// The report as a dict (the JSON of `to_json`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.to_json()?)
    }

    /// The report as one self-contained HTML page (as `koe report --format html`).
    fn to_html(&self) -> String {
        crate::report::html::render(&self.report())
    }

    /// The report as Markdown (as `koe report --format md`).
    fn to_markdown(&self) -> String {
        crate::report::markdown::render(&self.report())
    }

    /// The partial report (`koe.partial/1`) as `koe report --partial` writes it, for
    /// `koe report merge`.
    fn to_partial_json(&self) -> PyResult<String> {
        Ok(self.partial.to_json().map_err(PythonError::from)?)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let state = slf.borrow().state_json()?;
        let module = py.import("koe._koe")?;
        let f = module.getattr("_report_from_state")?;
        PyTuple::new(py, [f, PyTuple::new(py, [state])?.into_any()])
    }

    fn __repr__(&self) -> String {
        format!("koe.Report({} records)", self.records())
    }
}

/// A report from the state `Report.__reduce__` pickles.
#[pyfunction]
#[pyo3(name = "_report_from_state")]
pub fn report_from_state(state: &str) -> PyResult<PyReport> {
    let state: State = serde_json::from_str(state).map_err(PythonError::from)?;
    if state.partial.schema != crate::report::PARTIAL_SCHEMA {
        return Err(PythonError::from(crate::report::PartialError::Schema {
            found: state.partial.schema,
        })
        .into());
    }
    Ok(PyReport::from_state(state)?)
}
