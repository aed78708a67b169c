//! The Python package `koe` (feature `python`; maturin builds it from
//! `pyproject.toml` as the extension module `koe._koe`, and `python/koe/` wraps it).
//! The only module that knows pyo3.
//!
//! It calls the library as the CLI and the server do: the [`Analyzer`] the taxonomy,
//! lexicon and language options describe; records analysed on the rayon pool
//! ([`crate::analyze::pipeline::analyze_records`]); analyses as the `koe.analysis` JSON
//! of [`crate::analyze::output::write_jsonl`] (turned into Python objects by Python's
//! own `json`, so `analyze` and `koe analyze` cannot drift apart); reports through the
//! [`crate::report::Collector`] and partial reports of [`crate::report::partial`].
//!
//! The dictionaries and koe's lexicons load once per process and are shared by every
//! `Analyzer` (and thread). Analysis runs with the GIL released. Bad input (None, a
//! non-string, a lone UTF-16 surrogate) raises `ValueError` / `TypeError` naming the
//! record; nothing panics across the boundary.

mod arrow;
mod report;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::analyze::pipeline::{Workers, analyze_records};
use crate::analyze::{Analysis, Analyzer, AnalyzerError};
use crate::ingest::{Origin, Record};
use crate::sentiment::{LexiconError, SentimentModel};
use crate::text::{LangHint, TextProcessor};
use crate::themes::{Domains, TaxonomyFile, ThemeError, ThemeMatcher};

/// Errors of the Python package (raised as `ValueError`, or `TypeError` for a value
/// of the wrong type).
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// Building the analyzer.
    #[error(transparent)]
    Analyzer(#[from] AnalyzerError),
    /// A taxonomy file.
    #[error(transparent)]
    Theme(#[from] ThemeError),
    /// A lexicon file.
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    /// The dictionaries did not load.
    #[error("cannot load koe's dictionaries: {0}")]
    Dictionaries(String),
    /// An argument with a value koe does not know.
    #[error("{0}")]
    Argument(String),
    /// A record that cannot be analysed or added (the message names it).
    #[error("{0}")]
    Record(String),
    /// A value of the wrong type (the message names it).
    #[error("{0}")]
    Type(String),
    /// A partial report that cannot be read or merged.
    #[error(transparent)]
    Partial(#[from] crate::report::PartialError),
    /// JSON (of analyses, reports or a pickled state).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// Arrow data.
    #[error("{0}")]
    Arrow(#[from] ::arrow::error::ArrowError),
    /// A record batch of analyses.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// The thread pool of `threads=`.
    #[error("cannot start {threads} analysis threads: {reason}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// What failed.
        reason: String,
    },
}

impl From<PythonError> for PyErr {
    fn from(e: PythonError) -> PyErr {
        match e {
            PythonError::Type(m) => PyTypeError::new_err(m),
            other => PyValueError::new_err(other.to_string()),
        }
    }
}

/// The text processor (dictionaries), loaded once per process.
fn shared_text() -> Result<TextProcessor, PythonError> {
    static TEXT: OnceLock<Result<TextProcessor, String>> = OnceLock::new();
    TEXT.get_or_init(|| {
        TextProcessor::builder()
            .builtin_user_dicts(true)
            .build()
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(PythonError::Dictionaries)
}

/// koe's own lexicons, loaded once per process.
fn shared_sentiment() -> Result<SentimentModel, PythonError> {
    static MODEL: OnceLock<Result<SentimentModel, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| SentimentModel::builder().build().map_err(|e| e.to_string()))
        .clone()
        .map_err(PythonError::Dictionaries)
}

/// The analyzer of `koe.sentiment` (koe's lexicons, built-in taxonomy), built once.
fn default_analyzer() -> Result<Analyzer, PythonError> {
    static DEFAULT: OnceLock<Result<Analyzer, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            let build = || -> Result<Analyzer, PythonError> {
                Ok(Analyzer::builder()
                    .text(shared_text()?)
                    .sentiment(shared_sentiment()?)
                    .build()?)
            };
            build().map_err(|e| e.to_string())
        })
        .clone()
        .map_err(PythonError::Dictionaries)
}

/// The domain packs `domain` names: `all`, `none`, or names separated by commas.
fn domain_packs(domain: &str) -> Result<Vec<String>, PythonError> {
    let all = TaxonomyFile::builtin_pack_ids();
    match domain.trim() {
        "all" => Ok(all),
        "none" | "core" | "" => Ok(Vec::new()),
        list => list
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|name| {
                if all.iter().any(|a| a == name) {
                    Ok(name.to_string())
                } else {
                    Err(PythonError::Argument(format!(
                        "unknown domain '{name}' (known: all, none, {})",
                        all.join(", ")
                    )))
                }
            })
            .collect(),
    }
}

fn lang_hint(lang: &str) -> Result<LangHint, PythonError> {
    lang.parse().map_err(|e: String| {
        PythonError::Argument(format!("lang: {e} (use 'auto', 'ja', 'ko' or 'en')"))
    })
}

/// Paths from None, one path (str or os.PathLike) or a list of them.
fn paths(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<PathBuf>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    if obj.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(p) = obj.extract::<PathBuf>() {
        return Ok(vec![p]);
    }
    let mut out = Vec::new();
    for item in obj
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("{what}: expected a path or a list of paths")))?
    {
        out.push(
            item?
                .extract::<PathBuf>()
                .map_err(|_| PyTypeError::new_err(format!("{what}: expected paths")))?,
        );
    }
    Ok(out)
}

/// The text of record `index`: a `str` that is valid Unicode, else an exception that
/// names the record.
fn text_of(item: &Bound<'_, PyAny>, index: usize) -> Result<String, PythonError> {
    if item.is_none() {
        return Err(PythonError::Record(format!(
            "record {index}: the text is None (give a str; '' for an empty text)"
        )));
    }
    let s = item.cast::<PyString>().map_err(|_| {
        let name = item
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PythonError::Type(format!("record {index}: expected a str, got {name}"))
    })?;
    s.to_cow().map(Cow::into_owned).map_err(|_| {
        PythonError::Record(format!(
            "record {index}: the text is not valid Unicode (a lone UTF-16 surrogate such as '\\ud800'); \
             clean it first, e.g. s.encode('utf-8', 'replace').decode()"
        ))
    })
}

/// A record of one text, as the bindings make them: id and record number from the
/// position (`file` names the source in the analysis JSON).
pub(crate) fn record(id: String, index: usize, text: String) -> Record {
    Record {
        id,
        texts: vec![(Arc::from("text"), text)],
        rating: None,
        date: None,
        segments: BTreeMap::new(),
        segments_raw: BTreeMap::new(),
        support: None,
        origin: Origin {
            file: Arc::from("<python>"),
            line: index as u64 + 1,
            record: index as u64 + 1,
        },
        warnings: Vec::new(),
    }
}

/// JSON text → Python objects, by Python's own `json.loads`.
fn json_loads<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((json,))
}

/// Analyses customer feedback: sentiment with its evidence, themes of the taxonomy,
/// keyphrases, language, sentences, churn signals.
///
/// `Analyzer(taxonomy=None, lexicon=None, lang="auto", domain="all", threads=None)`:
/// `taxonomy` and `lexicon` are extra files (a path or a list, as `--taxonomy` and
/// `--lexicon`); `lang` is `auto`, `ja`, `ko` or `en`; `domain` the taxonomy's domain
/// packs (`all`, `none` or names separated by commas); `threads` the analysis threads
/// (None: koe's shared pool, one per core; 1: the calling thread only, for one process
/// per core as Ray and Spark run them). The dictionaries load once per process.
#[pyclass(module = "koe._koe", name = "Analyzer", frozen, subclass)]
pub struct PyAnalyzer {
    pub(crate) analyzer: Analyzer,
    /// The domain packs in use (any language), as reports list them.
    pub(crate) domains: Vec<String>,
    pool: Option<rayon::ThreadPool>,
    /// `threads=1`: analyse in the calling thread only.
    pub(crate) sequential: bool,
    /// Workers between calls (one set per concurrent call).
    idle: Mutex<Vec<Workers>>,
}

impl PyAnalyzer {
    fn build(
        taxonomy: Vec<PathBuf>,
        lexicon: Vec<PathBuf>,
        lang: &str,
        domain: &str,
        threads: Option<usize>,
    ) -> Result<PyAnalyzer, PythonError> {
        let lang = lang_hint(lang)?;
        let packs = domain_packs(domain)?;
        let domains = Domains::every_lang(&packs);
        let text = shared_text()?;
        let sentiment = if lexicon.is_empty() {
            shared_sentiment()?
        } else {
            let mut b = SentimentModel::builder();
            for p in &lexicon {
                b = b.lexicon(p);
            }
            b.build()?
        };
        let mut file = TaxonomyFile::builtin_for(&domains);
        for p in &taxonomy {
            file.merge(TaxonomyFile::read(p)?);
        }
        file.retain_domains(&domains);
        let source = taxonomy
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        let themes = ThemeMatcher::compile(file, &text, &source)?;
        let analyzer = Analyzer::builder()
            .text(text)
            .sentiment(sentiment)
            .themes(themes)
            .lang(lang)
            .build()?;
        let pool = match threads {
            None | Some(1) => None,
            Some(0) => {
                return Err(PythonError::Argument(
                    "threads must be at least 1 (None: one per core)".into(),
                ));
            }
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("koe-{i}"))
                    .build()
                    .map_err(|e| PythonError::Threads {
                        threads: n,
                        reason: e.to_string(),
                    })?,
            ),
        };
        Ok(PyAnalyzer {
            analyzer,
            domains: domains.union(),
            pool,
            sequential: threads == Some(1),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Analyses records in memory on this analyzer's threads, in input order (without
    /// the GIL: call it inside `py.detach`).
    pub(crate) fn run(&self, records: &[Record]) -> Vec<Analysis> {
        let taken = match self.idle.lock() {
            Ok(mut idle) => idle.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        let workers = taken.unwrap_or_else(|| match &self.pool {
            Some(pool) => pool.install(|| Workers::new(&self.analyzer)),
            None => Workers::new(&self.analyzer),
        });
        let out = if self.sequential {
            records
                .iter()
                .map(|r| workers.analyze(r))
                .collect::<Vec<_>>()
        } else {
            match &self.pool {
                Some(pool) => pool.install(|| analyze_records(&workers, records)),
                None => analyze_records(&workers, records),
            }
        };
        match self.idle.lock() {
            Ok(mut idle) => idle.push(workers),
            Err(poisoned) => poisoned.into_inner().push(workers),
        }
        out
    }
}

#[pymethods]
impl PyAnalyzer {
    #[new]
    #[pyo3(signature = (taxonomy=None, lexicon=None, lang="auto", domain="all", threads=None))]
    fn new(
        py: Python<'_>,
        taxonomy: Option<&Bound<'_, PyAny>>,
        lexicon: Option<&Bound<'_, PyAny>>,
        lang: &str,
        domain: &str,
        threads: Option<usize>,
    ) -> PyResult<PyAnalyzer> {
        let taxonomy = paths(taxonomy, "taxonomy")?;
        let lexicon = paths(lexicon, "lexicon")?;
        let (lang, domain) = (lang.to_string(), domain.to_string());
        Ok(py.detach(|| PyAnalyzer::build(taxonomy, lexicon, &lang, &domain, threads))?)
    }

    /// Analyses texts: a list of `str` → a list of dicts in the `koe.analysis` schema
    /// (what `koe analyze` writes per record; offsets are UTF-8 byte offsets). `ids`
    /// (optional, as many as texts) become the records' `id`, else their position.
    #[pyo3(signature = (texts, ids=None))]
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        ids: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if texts.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "texts: expected a list of str, got one str (wrap it in a list)",
            ));
        }
        let mut records = Vec::new();
        for (i, item) in texts
            .try_iter()
            .map_err(|_| PyTypeError::new_err("texts: expected a list of str"))?
            .enumerate()
        {
            let text = text_of(&item?, i)?;
            let id = match &ids {
                Some(ids) => ids.get(i).cloned().ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "ids: fewer ids than texts (none for record {i})"
                    ))
                })?,
                None => i.to_string(),
            };
            records.push(record(id, i, text));
        }
        if let Some(ids) = &ids
            && ids.len() != records.len()
        {
            return Err(PyValueError::new_err(format!(
                "ids: {} ids for {} texts",
                ids.len(),
                records.len()
            )));
        }
        let json = py.detach(|| -> Result<String, PythonError> {
            let analyses = self.run(&records);
            let mut out = Vec::with_capacity(records.len() * 2048 + 2);
            out.push(b'[');
            for (r, a) in records.iter().zip(&analyses) {
                crate::analyze::output::write_jsonl(&mut out, r, a)
                    .map_err(|e| PythonError::Argument(e.to_string()))?;
                // The line's `\n` becomes the array's separator.
                out.pop();
                out.push(b',');
            }
            if out.len() > 1 {
                out.pop();
            }
            out.push(b']');
            String::from_utf8(out).map_err(|e| PythonError::Argument(e.to_string()))
        })?;
        json_loads(py, &json)
    }

    /// Analyses a `pyarrow.Table` or `RecordBatch` (or anything with
    /// `__arrow_c_stream__`, such as a polars DataFrame): columns `text`, and
    /// optionally `rating`, `date`, `id` and `segments` → a `pyarrow.Table` of flat
    /// columns, through the Arrow C data interface, without the GIL; `full=True` adds
    /// the text and the nested sentences, evidence and mentions (what `Report.add`
    /// reads, and `koe analyze --format parquet` writes).
    #[pyo3(signature = (data, text=None, rating=None, date=None, id=None, segments=None, scale=None, full=false))]
    #[allow(clippy::too_many_arguments)]
    fn analyze_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        text: Option<&Bound<'py, PyAny>>,
        rating: Option<String>,
        date: Option<String>,
        id: Option<String>,
        segments: Option<Vec<String>>,
        scale: Option<String>,
        full: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns = arrow::Columns::new(text, rating, date, id, segments, scale)?;
        arrow::analyze(self, py, data, &columns, full)
    }

    /// The domain packs of the taxonomy in use.
    #[getter]
    fn domains(&self) -> Vec<String> {
        self.domains.clone()
    }

    /// The ids of the taxonomy's themes.
    #[getter]
    fn themes(&self) -> Vec<String> {
        self.analyzer
            .themes()
            .themes()
            .iter()
            .map(|t| t.id.to_string())
            .collect()
    }
}

/// Tokens of a text: a list of dicts with `surface`, `norm`, `lemma`, `pos`, `tag`,
/// `start`, `end` (UTF-8 byte offsets), `stop`, `negator` (as `koe tokenize --format
/// json`). `lang`: `auto`, `ja`, `ko` or `en`.
#[pyfunction]
#[pyo3(signature = (text, lang="auto"))]
fn tokenize<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    lang: &str,
) -> PyResult<Bound<'py, PyList>> {
    let text = text_of(text, 0)?;
    let hint = lang_hint(lang)?;
    let tokens = py.detach(|| -> Result<_, PythonError> {
        let processor = shared_text()?;
        let mut worker = processor.new_worker();
        let mut tokens = Vec::new();
        worker.analyze_chunked(&text, hint, |a| {
            for t in &a.tokens {
                tokens.push((
                    text[t.span.clone()].to_string(),
                    a.norm(t).to_string(),
                    t.lemma.to_string(),
                    t.pos.as_str(),
                    t.tag,
                    (t.span.start, t.span.end),
                    (t.stop, t.negator),
                ));
            }
        });
        Ok(tokens)
    })?;
    let out = PyList::empty(py);
    for (surface, norm, lemma, pos, tag, (start, end), (stop, negator)) in tokens {
        let d = PyDict::new(py);
        d.set_item("surface", surface)?;
        d.set_item("norm", norm)?;
        d.set_item("lemma", lemma)?;
        d.set_item("pos", pos)?;
        d.set_item("tag", tag)?;
        d.set_item("start", start)?;
        d.set_item("end", end)?;
        d.set_item("stop", stop)?;
        d.set_item("negator", negator)?;
        out.append(d)?;
    }
    Ok(out)
}

/// Sentiment of a text with koe's lexicons: a dict with `lang`, `score` (−1..1),
/// `label` (`pos`, `neu`, `neg`), `confidence`, `sentences` and `evidence` (as `koe
/// sentiment --format json`).
#[pyfunction]
#[pyo3(signature = (text, lang="auto"))]
fn sentiment<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    lang: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let text = text_of(text, 0)?;
    let hint = lang_hint(lang)?;
    let json = py.detach(|| -> Result<String, PythonError> {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            lang: &'static str,
            #[serde(flatten)]
            sentiment: &'a crate::sentiment::TextSentiment,
        }
        let analyzer = default_analyzer()?;
        let mut worker = match hint {
            LangHint::Auto => analyzer.worker(),
            fixed => Analyzer::builder()
                .text(analyzer.text().clone())
                .sentiment(analyzer.sentiment_model().clone())
                .themes(analyzer.themes().clone())
                .lang(fixed)
                .build()?
                .worker(),
        };
        let (t, s) = worker.analyze_text(&text);
        Ok(serde_json::to_string(&Out {
            lang: t.lang.as_str(),
            sentiment: &s,
        })?)
    })?;
    json_loads(py, &json)
}

/// The extension module `koe._koe` (the package `koe` re-exports it).
#[pymodule]
fn _koe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAnalyzer>()?;
    m.add_class::<report::PyReport>()?;
    m.add_function(wrap_pyfunction!(tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(sentiment, m)?)?;
    m.add_function(wrap_pyfunction!(report::report_from_state, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ANALYSIS_SCHEMA", crate::analyze::SCHEMA)?;
    m.add("PARTIAL_SCHEMA", crate::report::PARTIAL_SCHEMA)?;
    Ok(())
}
