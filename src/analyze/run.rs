//! Running inputs through the analysis: the one streaming loop behind `koe analyze`,
//! `themes`, `report` and `index` (and anything else that reads review dumps).
//!
//! [`Inputs`] names the files (or stdin) and how to read them; [`Inputs::open_all`]
//! checks every input and learns its columns; [`run_sources`] streams their records
//! through the parallel [`pipeline`](super::pipeline), in input order, and counts what
//! was read, analysed and rejected in a [`Summary`] (read = analysed + rejected).
//! Nothing here prints: what a user should hear about (an input that could not be
//! opened, one with no records, progress) goes to an [`Observer`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::pipeline::{self, BatchLimits, Outcome};
use super::{Analysis, Analyzer};
use crate::ingest::{IngestError, IngestOptions, Reader, Record, Reject, SourceInfo};

/// The inputs of a run: paths (`-` is stdin) and how to read them.
#[derive(Debug, Clone)]
pub struct Inputs {
    paths: Vec<PathBuf>,
    options: IngestOptions,
    /// A copy of stdin read instead of stdin (see [`Inputs::spool_stdin`]).
    stdin_spool: Option<PathBuf>,
}

impl Inputs {
    /// Inputs `paths` (stdin when empty) read with `options`.
    pub fn new(paths: Vec<PathBuf>, options: IngestOptions) -> Inputs {
        Inputs {
            paths: Inputs::or_stdin(paths),
            options,
            stdin_spool: None,
        }
    }

    /// `paths`, or `-` (stdin) when there are none.
    pub fn or_stdin(paths: Vec<PathBuf>) -> Vec<PathBuf> {
        if paths.is_empty() {
            vec![PathBuf::from("-")]
        } else {
            paths
        }
    }

    /// The input paths (`-` is stdin).
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// How the inputs are read.
    pub fn options(&self) -> &IngestOptions {
        &self.options
    }

    /// Whether an input is stdin that was not spooled (it can be read only once).
    pub fn reads_stdin(&self) -> bool {
        self.stdin_spool.is_none() && self.paths.iter().any(|p| p.as_os_str() == "-")
    }

    /// Copies stdin (when it is an input) to a temporary file that later reads use
    /// instead, so the input can be read twice (theme discovery, then analysis). The
    /// file is removed when the returned guard drops.
    pub fn spool_stdin(&mut self) -> Result<Option<tempfile::TempPath>, IngestError> {
        if !self.reads_stdin() {
            return Ok(None);
        }
        let spool_err = |source| IngestError::Read {
            path: PathBuf::from("stdin (copied to a temporary file to read it twice)"),
            source,
        };
        let mut tmp = tempfile::Builder::new()
            .prefix("koe-stdin-")
            .tempfile()
            .map_err(spool_err)?;
        std::io::copy(&mut std::io::stdin().lock(), &mut tmp).map_err(spool_err)?;
        let path = tmp.into_temp_path();
        self.stdin_spool = Some(path.to_path_buf());
        Ok(Some(path))
    }

    /// Opens one input (`-` is stdin, or its spooled copy).
    pub fn open(&self, path: &Path) -> Result<Reader, IngestError> {
        match &self.stdin_spool {
            Some(spool) if path.as_os_str() == "-" => {
                let file = std::fs::File::open(spool).map_err(|e| IngestError::Open {
                    path: spool.clone(),
                    source: e,
                })?;
                let size = file.metadata().ok().map(|m| m.len());
                Reader::open(Arc::from("stdin"), Box::new(file), size, &self.options)
            }
            _ => Reader::open_path(path, &self.options),
        }
    }

    /// The readable records of every input in turn, one input open at a time (memory
    /// and file handles stay bounded whatever the number of inputs); inputs that do not
    /// open and rejected records are skipped (the full run reports them). For the
    /// sampling passes before a run: domain detection, theme discovery.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.paths.iter().flat_map(move |path| {
            self.open(path)
                .into_iter()
                .flat_map(|r| r.filter_map(Result::ok))
        })
    }

    /// Up to `n` texts spread over the inputs (the first `n / inputs` of each).
    pub fn sample_texts(&self, n: usize) -> impl Iterator<Item = String> + '_ {
        let per = (n / self.paths.len().max(1)).max(1);
        self.paths.iter().flat_map(move |path| {
            self.open(path)
                .into_iter()
                .flat_map(move |r| r.filter_map(Result::ok).take(per))
                .map(|rec| rec.text().into_owned())
        })
    }

    /// The texts whose rating gives them a clear side (normalized rating above 0.6:
    /// positive, below 0.4: negative), for calibration; inputs without a rating column
    /// are listed in `unrated` and not read.
    pub fn rated_texts(&self) -> Result<RatedTexts, IngestError> {
        let mut out = RatedTexts::default();
        for path in &self.paths {
            let reader = self.open(path)?;
            if reader.info().rating_column.is_none() {
                out.unrated.push(path.clone());
                continue;
            }
            for r in reader.flatten() {
                let (Some(rating), text) = (r.rating, r.text()) else {
                    continue;
                };
                if text.trim().is_empty() {
                    continue;
                }
                let v = rating.normalized();
                if v > 0.6 {
                    out.texts.push((text.into_owned(), true));
                } else if v < 0.4 {
                    out.texts.push((text.into_owned(), false));
                }
            }
        }
        Ok(out)
    }

    /// Opens every input to check it and learn its columns (for a CSV output's
    /// header). A wrong column name is an error of the whole run; an input that cannot
    /// be read otherwise is listed in [`Sources::failed`] and the others are read.
    pub fn open_all(&self) -> Result<Sources, IngestError> {
        let mut opened = Vec::new();
        let mut failed = Vec::new();
        for path in &self.paths {
            match self.open(path) {
                Ok(r) => {
                    let keep = path.as_os_str() == "-" && self.stdin_spool.is_none();
                    opened.push(Source {
                        info: r.info().clone(),
                        size: r.progress().1,
                        reader: keep.then_some(r),
                        path: path.clone(),
                    });
                }
                Err(e @ IngestError::UnknownColumn { .. }) => return Err(e),
                Err(e) => failed.push((path.clone(), e)),
            }
        }
        Ok(Sources { opened, failed })
    }
}

/// Texts with a side from their ratings ([`Inputs::rated_texts`]).
#[derive(Debug, Default)]
pub struct RatedTexts {
    /// Text and whether its rating is positive.
    pub texts: Vec<(String, bool)>,
    /// Inputs with no rating column.
    pub unrated: Vec<PathBuf>,
}

/// An input that opened: what was detected, and the reader itself only for stdin
/// (which cannot be opened twice). Other inputs are opened again, one at a time, when
/// their turn comes.
pub struct Source {
    path: PathBuf,
    info: SourceInfo,
    size: Option<u64>,
    reader: Option<Reader>,
}

/// The inputs of a run: those that opened, and those that could not.
pub struct Sources {
    opened: Vec<Source>,
    /// Inputs that could not be read, with the reason.
    pub failed: Vec<(PathBuf, IngestError)>,
}

impl Sources {
    /// What was detected about each input that opened.
    pub fn infos(&self) -> impl Iterator<Item = &SourceInfo> {
        self.opened.iter().map(|s| &s.info)
    }

    /// Total bytes of the inputs that opened, when every size is known.
    pub fn total_bytes(&self) -> Option<u64> {
        self.opened.iter().map(|s| s.size).sum()
    }

    /// The segment columns of every input, first seen first.
    pub fn segment_columns(&self) -> Vec<String> {
        let mut segments: Vec<String> = Vec::new();
        for info in self.infos() {
            for s in &info.segment_columns {
                if !segments.contains(s) {
                    segments.push(s.clone());
                }
            }
        }
        segments
    }
}

/// Per-input part of the [`Summary`].
#[derive(Debug, Serialize)]
pub struct SourceSummary {
    /// What was detected about the input.
    #[serde(flatten)]
    pub info: SourceInfo,
    /// Records read.
    pub read: u64,
    /// Records analysed.
    pub analysed: u64,
    /// Records rejected.
    pub rejected: u64,
}

/// The account of a run (schema `koe.summary/1`): read = analysed + rejected.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `koe.summary/1`.
    pub schema: &'static str,
    /// Records read.
    pub read: u64,
    /// Records analysed.
    pub analysed: u64,
    /// Records rejected (each in the rejects file with its reason).
    pub rejected: u64,
    /// Records per detected language.
    pub languages: BTreeMap<&'static str, u64>,
    /// Records per mojibake status.
    pub mojibake: BTreeMap<&'static str, u64>,
    /// Every input that was read.
    pub sources: Vec<SourceSummary>,
    /// Inputs that could not be read.
    pub failed_sources: Vec<String>,
    /// The rejects file, when something was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects_file: Option<String>,
    /// Stopped by Ctrl-C or SIGTERM: the counts cover the records read until then.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Sources that had a header and no record after it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub empty_sources: Vec<String>,
    /// Input bytes read.
    pub bytes: u64,
    /// Peak resident memory of the process in MB (Linux: VmHWM), for sizing machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_mb: Option<u64>,
    /// Wall time of the run.
    pub seconds: f64,
    /// Records read per second.
    pub records_per_second: f64,
    /// Input megabytes (10^6 bytes) read per second.
    pub megabytes_per_second: f64,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            schema: "koe.summary/1",
            read: 0,
            analysed: 0,
            rejected: 0,
            languages: BTreeMap::new(),
            mojibake: BTreeMap::new(),
            sources: Vec::new(),
            failed_sources: Vec::new(),
            rejects_file: None,
            interrupted: false,
            empty_sources: Vec::new(),
            bytes: 0,
            peak_rss_mb: None,
            seconds: 0.0,
            records_per_second: 0.0,
            megabytes_per_second: 0.0,
        }
    }
}

impl Summary {
    /// The label language of the analysed records ([`dominant_lang`]).
    pub fn dominant_lang(&self) -> &'static str {
        let n = |l: &str| self.languages.get(l).copied().unwrap_or(0);
        dominant_lang(n("ja"), n("ko"), n("en"))
    }

    /// Whether some input could be read (an output is written only then).
    pub fn any_source(&self) -> bool {
        !self.sources.is_empty()
    }

    /// Sets the timing figures from the start of the run.
    pub fn timed(&mut self, started: Instant) {
        self.seconds = started.elapsed().as_secs_f64();
        self.records_per_second = self.read as f64 / self.seconds.max(1e-9);
        self.megabytes_per_second = self.bytes as f64 / 1e6 / self.seconds.max(1e-9);
    }
}

/// The label language of data with this many ja, ko and en records: the most frequent,
/// English on a tie with English, Korean on a tie between Japanese and Korean.
pub fn dominant_lang(ja: u64, ko: u64, en: u64) -> &'static str {
    if ja > ko.max(en) {
        "ja"
    } else if ko > en {
        "ko"
    } else {
        "en"
    }
}

/// What a run tells its caller as it goes (the CLI prints it; the library never does).
pub trait Observer {
    /// An input starts being read.
    fn source_started(&mut self, _info: &SourceInfo) {}
    /// An input that opened before could not be opened again when its turn came.
    fn source_failed(&mut self, _path: &Path, _error: &IngestError) {}
    /// An input held no record (after its header, for CSV and TSV).
    fn source_empty(&mut self, _info: &SourceInfo) {}
    /// Bytes of all inputs read so far (after every batch).
    fn progress(&mut self, _bytes: u64) {}
}

/// An [`Observer`] that hears nothing.
pub struct Silent;

impl Observer for Silent {}

/// What a run reads with: the analyzer, the inputs, and a flag that stops the reading
/// when set (Ctrl-C): the records in flight are finished, and the summary says
/// `interrupted`.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The analyzer.
    pub analyzer: &'a Analyzer,
    /// The inputs.
    pub inputs: &'a Inputs,
    /// Set to stop reading.
    pub stop: &'a AtomicBool,
}

/// Streams every opened input through the analysis pipeline: `render` runs in parallel
/// per analysed record, `on_record` gets each record in input order with its rendered
/// bytes, `on_reject` each rejected record. An error from either stops the run and is
/// returned (a closed output pipe, say).
pub fn run_sources<R, E>(
    run: Run<'_>,
    sources: Sources,
    observer: &mut dyn Observer,
    render: R,
    mut on_record: impl FnMut(&Record, &Analysis, &[u8]) -> Result<(), E>,
    mut on_reject: impl FnMut(&Reject) -> Result<(), E>,
) -> Result<Summary, E>
where
    R: Fn(&Record, &Analysis) -> Vec<u8> + Sync,
{
    let started = Instant::now();
    let Sources { opened, failed } = sources;
    let mut summary = Summary {
        failed_sources: failed
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect(),
        ..Summary::default()
    };
    let mut done_bytes = 0u64;
    for mut source in opened {
        let reader = match source.reader.take() {
            Some(r) => Ok(r),
            None => run.inputs.open(&source.path),
        };
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                observer.source_failed(&source.path, &e);
                summary
                    .failed_sources
                    .push(source.path.display().to_string());
                continue;
            }
        };
        if run.stop.load(Ordering::Relaxed) {
            summary.interrupted = true;
            break;
        }
        let info = reader.info().clone();
        observer.source_started(&info);
        let mut src = SourceSummary {
            info,
            read: 0,
            analysed: 0,
            rejected: 0,
        };
        let progress = Arc::new(Mutex::new((0u64, None::<u64>)));
        let reader = ProgressReader {
            inner: reader,
            shared: progress.clone(),
            stop: run.stop,
            stopped: false,
        };
        let (languages, mojibake) = (&mut summary.languages, &mut summary.mojibake);
        let result = pipeline::run(
            run.analyzer,
            reader,
            BatchLimits::default(),
            &render,
            |item, bytes| -> Result<(), E> {
                src.read += 1;
                match item {
                    Outcome::Analysed(record, analysis) => {
                        src.analysed += 1;
                        *languages.entry(analysis.lang.as_str()).or_default() += 1;
                        *mojibake.entry(analysis.mojibake.as_str()).or_default() += 1;
                        on_record(&record, &analysis, &bytes)
                    }
                    Outcome::Rejected(reject) => {
                        src.rejected += 1;
                        on_reject(&reject)
                    }
                }
            },
            || {
                if let Ok(p) = progress.lock() {
                    observer.progress(done_bytes + p.0);
                }
            },
        );
        if let Ok(p) = progress.lock() {
            done_bytes += p.1.unwrap_or(p.0);
        }
        result?;
        if run.stop.load(Ordering::Relaxed) {
            summary.interrupted = true;
        }
        if src.read == 0 && !summary.interrupted {
            observer.source_empty(&src.info);
            summary.empty_sources.push(src.info.name.to_string());
        }
        summary.read += src.read;
        summary.analysed += src.analysed;
        summary.rejected += src.rejected;
        summary.sources.push(src);
    }
    summary.bytes = done_bytes;
    summary.timed(started);
    debug_assert_eq!(summary.read, summary.analysed + summary.rejected);
    Ok(summary)
}

/// Wraps a reader to publish its byte progress, and to stop reading when asked.
struct ProgressReader<'a> {
    inner: Reader,
    shared: Arc<Mutex<(u64, Option<u64>)>>,
    stop: &'a AtomicBool,
    stopped: bool,
}

impl Iterator for ProgressReader<'_> {
    type Item = Result<Record, Reject>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.stop.load(Ordering::Relaxed) {
            self.stopped = true;
            return None;
        }
        let item = self.inner.next();
        if let Ok(mut p) = self.shared.lock() {
            *p = self.inner.progress();
        }
        item
    }
}
