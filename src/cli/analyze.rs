//! `koe analyze`: review dumps and survey exports → one analysed record per line.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use koe::analyze::output::{CsvOut, write_jsonl, write_reject};
use koe::analyze::pipeline::{self, BatchLimits, Outcome as Item};
use koe::ingest::{ColumnSpec, Format, IngestOptions, Reader, Scale, SourceInfo};
use koe::text::LangHint;
use serde::Serialize;

use super::output::{AtomicFile, check_outputs, write_file};
use super::{Outcome, TextOptions};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per record (schema koe.analysis/2).
    Jsonl,
    /// CSV with one row per record.
    Csv,
}

/// Options shared by the commands that read review dumps.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Input files (CSV, TSV, JSONL, JSON, text; .gz too); `-` or nothing for stdin.
    pub inputs: Vec<PathBuf>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_name = "csv|tsv|jsonl|json|text")]
    pub input_format: Option<Format>,
    /// Force the encoding (utf-8, utf-16le, shift_jis, cp932, euc-jp, euc-kr, cp949, ...).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Text column (name or 1-based number); repeat for several (e.g. title + body).
    #[arg(long = "text", value_name = "COL")]
    pub text_columns: Vec<String>,
    /// Rating column.
    #[arg(long = "rating", value_name = "COL")]
    pub rating_column: Option<String>,
    /// Date column.
    #[arg(long = "date", value_name = "COL")]
    pub date_column: Option<String>,
    /// Id column.
    #[arg(long = "id", value_name = "COL")]
    pub id_column: Option<String>,
    /// Segment column (channel, product, ...); may repeat.
    #[arg(long = "segment", value_name = "COL")]
    pub segment_columns: Vec<String>,
    /// Rating scale: stars5 (1–5), ten (1–10), nps (0–10), percent.
    #[arg(long)]
    pub scale: Option<Scale>,
    /// Reject text fields larger than this many bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_field_bytes: usize,
    /// Language: auto (per text and sentence), ja, ko, en.
    #[arg(long, default_value = "auto")]
    pub lang: LangHint,
    /// Theme discovery reads at most this many records (the first ones) before the
    /// analysis assigns the themes it found to every record.
    #[arg(long, value_name = "N", default_value_t = koe::analyze::discover::DEFAULT_SAMPLE)]
    pub discover_sample: usize,
    /// Segment value aliases to add to the built-in table (`canonical = ["alias", ...]`,
    /// TOML; see dictionaries/segments.toml): アプリ, 앱 and App are one channel.
    #[arg(long, value_name = "FILE")]
    pub segment_aliases: Option<PathBuf>,
    /// Time zone of timestamps written without one (ticket exports): an IANA name
    /// (Asia/Tokyo), UTC or an offset (+09:00).
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub timezone: String,
    /// Keep segment values as they are (no alias table).
    #[arg(long, conflicts_with = "segment_aliases")]
    pub no_segment_aliases: bool,
    /// A copy of stdin to read instead of stdin (set by [`InputArgs::spool_stdin`] for
    /// commands that read their input twice).
    #[arg(skip)]
    pub stdin_spool: Option<PathBuf>,
    /// The alias table, loaded once.
    #[arg(skip)]
    aliases: std::sync::OnceLock<std::sync::Arc<koe::ingest::SegmentAliases>>,
}

impl InputArgs {
    /// The ingest options these flags describe.
    pub fn ingest_options(&self) -> anyhow::Result<IngestOptions> {
        let encoding = match &self.encoding {
            None => None,
            Some(label) => {
                let label = match label.to_ascii_lowercase().as_str() {
                    "cp932" | "ms932" | "windows-31j" | "sjis" => "shift_jis".to_string(),
                    "cp949" | "uhc" | "ms949" => "euc-kr".to_string(),
                    other => other.to_string(),
                };
                Some(encoding_rs::Encoding::for_label(label.as_bytes()).with_context(|| {
                    format!("unknown encoding '{label}' (try utf-8, utf-16le, shift_jis, euc-jp, euc-kr)")
                })?)
            }
        };
        Ok(IngestOptions {
            format: self.input_format,
            encoding,
            columns: ColumnSpec {
                text: self.text_columns.clone(),
                rating: self.rating_column.clone(),
                date: self.date_column.clone(),
                id: self.id_column.clone(),
                segments: self.segment_columns.clone(),
            },
            scale: self.scale,
            max_field_bytes: self.max_field_bytes,
            segment_aliases: self.aliases()?,
            timezone: koe::ingest::time::parse_timezone(&self.timezone)
                .map_err(|e| anyhow::anyhow!("--timezone: {e}"))?,
            ..IngestOptions::default()
        })
    }

    fn aliases(&self) -> anyhow::Result<std::sync::Arc<koe::ingest::SegmentAliases>> {
        use koe::ingest::SegmentAliases;
        if let Some(a) = self.aliases.get() {
            return Ok(a.clone());
        }
        let table = if self.no_segment_aliases {
            std::sync::Arc::new(SegmentAliases::default())
        } else {
            match &self.segment_aliases {
                Some(p) => std::sync::Arc::new(SegmentAliases::builtin().with_file(p)?),
                None => SegmentAliases::builtin(),
            }
        };
        Ok(self.aliases.get_or_init(|| table).clone())
    }

    /// Copies stdin (when it is an input) to a temporary file that later readers of
    /// these args read instead, so the input can be read twice (theme discovery, then
    /// analysis). The file is removed when the returned guard drops.
    pub fn spool_stdin(&mut self) -> anyhow::Result<Option<tempfile::TempPath>> {
        if self.stdin_spool.is_some() || !self.paths().iter().any(|p| p.as_os_str() == "-") {
            return Ok(None);
        }
        let mut tmp = tempfile::Builder::new()
            .prefix("koe-stdin-")
            .tempfile()
            .context("cannot create a temporary file to hold stdin")?;
        std::io::copy(&mut std::io::stdin().lock(), &mut tmp)
            .context("cannot copy stdin to a temporary file")?;
        let path = tmp.into_temp_path();
        self.stdin_spool = Some(path.to_path_buf());
        Ok(Some(path))
    }

    /// Opens one input (`-` is stdin, or its spooled copy).
    pub fn open(
        &self,
        path: &Path,
        opts: &IngestOptions,
    ) -> Result<Reader, koe::ingest::IngestError> {
        match &self.stdin_spool {
            Some(spool) if path.as_os_str() == "-" => {
                let file =
                    std::fs::File::open(spool).map_err(|e| koe::ingest::IngestError::Open {
                        path: spool.clone(),
                        source: e,
                    })?;
                let size = file.metadata().ok().map(|m| m.len());
                Reader::open(std::sync::Arc::from("stdin"), Box::new(file), size, opts)
            }
            _ => Reader::open_path(path, opts),
        }
    }

    /// Inputs, `-` when none were given.
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.inputs.is_empty() {
            vec![PathBuf::from("-")]
        } else {
            self.inputs.clone()
        }
    }
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: OutputFormat,
    /// Write records here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Rejects file (default: next to the output, `<output>.rejects.jsonl`, or
    /// `koe-rejects.jsonl` when writing to stdout). Created only when something is rejected.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Also write the run summary as JSON here.
    #[arg(long)]
    pub summary_json: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// First learn a sentiment overlay from the records' ratings (cross-validated),
    /// then analyse with it; when the gain is not reliable nothing is applied or
    /// written, and a warning says so. Needs files (the input is read twice).
    #[arg(long)]
    pub calibrate: bool,
    /// Where `--calibrate` writes the learned overlay (default `<output>.overlay.tsv`).
    #[arg(long, value_name = "FILE")]
    pub overlay: Option<PathBuf>,
    /// Also discover up to N recurring themes nobody listed and assign them to every
    /// record like taxonomy themes (the input is read twice; stdin is spooled to a
    /// temporary file). 0: off.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub discover: usize,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub themes: super::themes::ThemeOptions,
    #[command(flatten)]
    pub lexicon: super::sentiment::SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

/// Per-source part of the summary.
#[derive(Debug, Serialize)]
struct SourceSummary {
    #[serde(flatten)]
    info: SourceInfo,
    read: u64,
    analysed: u64,
    rejected: u64,
}

/// The run summary (stderr and `--summary-json`).
#[derive(Debug, Serialize, Default)]
pub struct Summary {
    schema: &'static str,
    read: u64,
    analysed: u64,
    rejected: u64,
    languages: std::collections::BTreeMap<&'static str, u64>,
    mojibake: std::collections::BTreeMap<&'static str, u64>,
    sources: Vec<SourceSummary>,
    failed_sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rejects_file: Option<String>,
    /// Stopped by Ctrl-C or SIGTERM: the counts cover the records read until then.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
    /// Sources that had a header and no record after it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    empty_sources: Vec<String>,
    bytes: u64,
    /// Peak resident memory of the process in MB (Linux: VmHWM), for sizing machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_rss_mb: Option<u64>,
    seconds: f64,
    records_per_second: f64,
    megabytes_per_second: f64,
}

/// `<output stem>.<suffix>` next to the output, or `koe-<suffix>` when writing to stdout.
pub fn sibling(output: Option<&Path>, suffix: &str) -> PathBuf {
    match output {
        Some(p) => {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "koe".into());
            p.with_file_name(format!("{stem}.{suffix}"))
        }
        None => PathBuf::from(format!("koe-{suffix}")),
    }
}

/// Lazily created rejects file (written atomically: committed at the end of the run).
struct Rejects {
    path: PathBuf,
    file: Option<AtomicFile>,
}

impl Rejects {
    fn write(&mut self, r: &koe::ingest::Reject) -> anyhow::Result<()> {
        if self.file.is_none() {
            let f = AtomicFile::create(&self.path).with_context(|| {
                format!("cannot create the rejects file {}", self.path.display())
            })?;
            self.file = Some(f);
        }
        if let Some(f) = self.file.as_mut() {
            write_reject(f, r)?;
        }
        Ok(())
    }
}

/// An input that opened: what was detected, and the reader itself only for stdin
/// (which cannot be opened twice). Other inputs are opened again, one at a time, when
/// their turn comes, so memory and file handles stay bounded whatever the number
/// of inputs.
pub struct Source {
    path: PathBuf,
    info: SourceInfo,
    size: Option<u64>,
    reader: Option<Reader>,
}

impl Source {
    fn open(&mut self, input: &InputArgs, opts: &IngestOptions) -> Result<Reader, String> {
        match self.reader.take() {
            Some(r) => Ok(r),
            None => input
                .open(&self.path, opts)
                .map_err(|e| format!("{e} (when opened again to read it)")),
        }
    }
}

/// The inputs of a run: those that opened, and the names of those that could not.
pub struct Sources {
    opened: Vec<Source>,
    failed: Vec<String>,
}

impl Sources {
    /// What was detected about each input that opened.
    pub fn infos(&self) -> impl Iterator<Item = &SourceInfo> {
        self.opened.iter().map(|s| &s.info)
    }
}

/// Opens every input to check it and learn its columns (for a CSV output's header);
/// those that cannot be read are reported and listed as failed.
pub fn open_readers(input: &InputArgs, quiet: bool) -> anyhow::Result<Sources> {
    let opts = input.ingest_options()?;
    let mut sources = Vec::new();
    let mut failed = Vec::new();
    for path in input.paths() {
        match input.open(&path, &opts) {
            Ok(r) => {
                let keep = path.as_os_str() == "-" && input.stdin_spool.is_none();
                sources.push(Source {
                    info: r.info().clone(),
                    size: r.progress().1,
                    reader: keep.then_some(r),
                    path,
                });
            }
            // A wrong column name is a usage error: stop before doing any work. (A file
            // whose text column cannot be found is that file's problem: it is skipped
            // like an unreadable one, and the others are read.)
            Err(e @ koe::ingest::IngestError::UnknownColumn { .. }) => {
                bail!(e)
            }
            Err(e) => {
                // Reported even with --quiet: it changes the exit code.
                let _ = quiet;
                eprintln!("koe: error: {e}; skipping this input");
                failed.push(path.display().to_string());
            }
        }
    }
    Ok(Sources {
        opened: sources,
        failed,
    })
}

pub fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<Outcome> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .ok();
    }
    let started = Instant::now();
    let mut args = args;
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| sibling(args.output.as_deref(), "rejects.jsonl"));
    let overlay_path = args
        .overlay
        .clone()
        .unwrap_or_else(|| sibling(args.output.as_deref(), "overlay.tsv"));
    let mut outputs: Vec<&Path> = vec![&rejects_path];
    outputs.extend(args.output.as_deref());
    outputs.extend(args.summary_json.as_deref());
    if args.calibrate {
        outputs.push(&overlay_path);
    }
    check_outputs(&outputs, &args.input.paths())?;
    super::output::catch_interrupts();
    let analyzer = super::sentiment::analyzer_with_themes(
        &args.text,
        &args.lexicon,
        &args.themes,
        args.input.lang,
        false,
    )?;
    let analyzer = if args.calibrate {
        let c = super::calibrate::learn(&analyzer, &args.input, 5, 3, 20_000)?;
        if !c.kept() {
            // Said even with --quiet: the user asked for a calibration and gets none.
            eprintln!(
                "koe: warning: calibration not applied (no overlay written): {}",
                c.refusal()
            );
            analyzer
        } else {
            let note = c.note();
            let path = &overlay_path;
            write_file(path, c.overlay.to_tsv(&note).as_bytes())?;
            if !args.quiet {
                eprintln!(
                    "koe: calibration: {note}; overlay ({} entries) in {}",
                    c.overlay.entries.len(),
                    path.display()
                );
            }
            analyzer.with_sentiment(analyzer.sentiment_model().with_overlay(&c.overlay))
        }
    } else {
        analyzer
    };
    let (analyzer, _, _spool) = super::themes::prepare(
        &mut args.input,
        &mut args.themes,
        &analyzer,
        args.discover,
        args.quiet,
    )?;
    let sources = open_readers(&args.input, args.quiet)?;

    let mut file = match &args.output {
        Some(p) => Some(
            AtomicFile::create(p)
                .with_context(|| format!("cannot create the output file {}", p.display()))?,
        ),
        None => None,
    };
    let sink: Box<dyn Write + '_> = match file.as_mut() {
        Some(f) => Box::new(f),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, sink);
    let mut segments: Vec<String> = Vec::new();
    for info in sources.infos() {
        for s in &info.segment_columns {
            if !segments.contains(s) {
                segments.push(s.clone());
            }
        }
    }
    let csv = match args.format {
        OutputFormat::Csv => Some(CsvOut::new(&mut out, segments)?),
        OutputFormat::Jsonl => None,
    };
    let streamed = stream(
        &analyzer,
        &args.input,
        sources,
        args.quiet,
        rejects_path,
        |record, analysis| {
            // A JSON line is about 8 times its text (tokens, spans, sentiment, themes).
            let text_len: usize = record.texts.iter().map(|(_, t)| t.len()).sum();
            let mut buf = Vec::with_capacity(1024 + 8 * text_len);
            let written = match &csv {
                Some(c) => c.write(&mut buf, record, analysis),
                None => write_jsonl(&mut buf, record, analysis),
            };
            // Writing into memory cannot fail.
            debug_assert!(written.is_ok());
            buf
        },
        |_record, _analysis, bytes| {
            out.write_all(bytes)?;
            Ok(())
        },
    )?;
    let Some(mut summary) = streamed else {
        return Ok(Outcome::Ok);
    };
    out.flush()?;
    drop(out);
    // The output exists when the run produced it: not when no input could be read.
    if let Some(f) = file
        && !summary.sources.is_empty()
    {
        f.commit()?;
        if summary.interrupted {
            eprintln!(
                "koe: interrupted: {} holds the {} records analysed so far (incomplete)",
                args.output.as_deref().unwrap_or(Path::new("-")).display(),
                summary.analysed
            );
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    summary.records_per_second = summary.read as f64 / summary.seconds.max(1e-9);
    summary.megabytes_per_second = summary.bytes as f64 / 1e6 / summary.seconds.max(1e-9);
    if !args.quiet {
        print_summary(&summary);
    }
    if let Some(p) = &args.summary_json {
        write_file(p, &serde_json::to_vec_pretty(&summary)?)?;
    }
    Ok(summary.outcome())
}

impl Summary {
    /// The label language of the analysed records ([`koe::report::dominant_lang`]).
    pub fn dominant_lang(&self) -> &'static str {
        let n = |l: &str| self.languages.get(l).copied().unwrap_or(0);
        koe::report::dominant_lang(n("ja"), n("ko"), n("en"))
    }

    /// Records analysed.
    pub fn analysed(&self) -> u64 {
        self.analysed
    }

    /// Records rejected.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Whether Ctrl-C or SIGTERM stopped the run.
    pub fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// Whether some input could be read (an output is written only then).
    pub fn any_source(&self) -> bool {
        !self.sources.is_empty()
    }

    /// Exit status: interrupted (130), error when an input could not be read, negative
    /// when records were rejected or an input held no record.
    pub fn outcome(&self) -> Outcome {
        if self.interrupted {
            Outcome::Interrupted
        } else if !self.failed_sources.is_empty() {
            Outcome::Error
        } else if self.rejected > 0 || !self.empty_sources.is_empty() {
            Outcome::Negative
        } else {
            Outcome::Ok
        }
    }
}

/// Streams every reader through the analysis pipeline: `render` runs in parallel per
/// analysed record, `on_record` gets each record in input order with its rendered
/// bytes; rejects go to `rejects_path` (created on the first one); a progress bar
/// shows bytes read. Returns the run summary, or `None` when the output pipe closed.
pub fn stream<R>(
    analyzer: &koe::analyze::Analyzer,
    input: &InputArgs,
    sources: Sources,
    quiet: bool,
    rejects_path: PathBuf,
    render: R,
    mut on_record: impl FnMut(
        &koe::ingest::Record,
        &koe::analyze::Analysis,
        &[u8],
    ) -> anyhow::Result<()>,
) -> anyhow::Result<Option<Summary>>
where
    R: Fn(&koe::ingest::Record, &koe::analyze::Analysis) -> Vec<u8> + Sync,
{
    let started = Instant::now();
    let mut rejects = Rejects {
        path: rejects_path,
        file: None,
    };
    let opts = input.ingest_options()?;
    let Sources {
        opened: sources,
        failed,
    } = sources;
    let total: Option<u64> = sources.iter().map(|s| s.size).sum();
    let pb = progress_bar(total, quiet);
    let mut summary = Summary {
        schema: "koe.summary/1",
        failed_sources: failed,
        ..Summary::default()
    };
    let mut done_bytes = 0u64;
    for mut source in sources {
        let reader = match source.open(input, &opts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("koe: error: {e}; skipping this input");
                summary
                    .failed_sources
                    .push(source.path.display().to_string());
                continue;
            }
        };
        let info = reader.info().clone();
        if !quiet {
            pb.suspend(|| describe_source(&info));
        }
        let mut src = SourceSummary {
            info,
            read: 0,
            analysed: 0,
            rejected: 0,
        };
        let progress = std::sync::Arc::new(std::sync::Mutex::new((0u64, None::<u64>)));
        if super::output::interrupted() {
            summary.interrupted = true;
            break;
        }
        let reader = ProgressReader {
            inner: reader,
            shared: progress.clone(),
            stopped: false,
        };
        let result = pipeline::run(
            analyzer,
            reader,
            BatchLimits::default(),
            &render,
            |item, bytes| -> anyhow::Result<()> {
                src.read += 1;
                match item {
                    Item::Analysed(record, analysis) => {
                        src.analysed += 1;
                        *summary.languages.entry(analysis.lang.as_str()).or_default() += 1;
                        *summary
                            .mojibake
                            .entry(analysis.mojibake.as_str())
                            .or_default() += 1;
                        on_record(&record, &analysis, &bytes)?;
                    }
                    Item::Rejected(reject) => {
                        src.rejected += 1;
                        rejects.write(&reject)?;
                    }
                }
                Ok(())
            },
            || {
                if let Ok(p) = progress.lock() {
                    pb.set_position(done_bytes + p.0);
                }
            },
        );
        if let Ok(p) = progress.lock() {
            done_bytes += p.1.unwrap_or(p.0);
        }
        if let Err(e) = result {
            if super::is_broken_pipe(&e) {
                return Ok(None);
            }
            return Err(e);
        }
        if super::output::interrupted() {
            summary.interrupted = true;
        }
        if src.read == 0 && !summary.interrupted {
            eprintln!(
                "koe: warning: {}: no records{}",
                src.info.name,
                if matches!(src.info.format, Format::Csv | Format::Tsv) {
                    " after the header"
                } else {
                    ""
                }
            );
            summary.empty_sources.push(src.info.name.to_string());
        }
        summary.read += src.read;
        summary.analysed += src.analysed;
        summary.rejected += src.rejected;
        summary.sources.push(src);
    }
    if let Some(f) = rejects.file.take() {
        f.commit()?;
        summary.rejects_file = Some(rejects.path.display().to_string());
    }
    pb.finish_and_clear();
    summary.bytes = done_bytes;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.records_per_second = summary.read as f64 / summary.seconds.max(1e-9);
    summary.megabytes_per_second = done_bytes as f64 / 1e6 / summary.seconds.max(1e-9);
    debug_assert_eq!(summary.read, summary.analysed + summary.rejected);
    summary.peak_rss_mb = super::output::peak_rss_mb();
    Ok(Some(summary))
}

fn describe_source(info: &SourceInfo) {
    eprintln!(
        "koe: {}: {} {}{}, text: {}{}{}",
        info.name,
        info.format.as_str(),
        info.encoding,
        if info.gzip { " (gzip)" } else { "" },
        info.text_columns.join(" + "),
        info.rating_column
            .as_ref()
            .map(|r| format!(", rating: {r} ({})", info.scale.map_or("?", |s| s.as_str())))
            .unwrap_or_default(),
        info.date_column
            .as_ref()
            .map(|d| format!(", date: {d}"))
            .unwrap_or_default(),
    );
}

pub fn print_summary(s: &Summary) {
    let langs: Vec<String> = s
        .languages
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    eprintln!(
        "koe: read {} records, analysed {}, rejected {}{} in {:.2}s ({:.0} records/s, {:.2} MB/s); languages: {}",
        s.read,
        s.analysed,
        s.rejected,
        s.rejects_file
            .as_ref()
            .map(|p| format!(" (see {p})"))
            .unwrap_or_default(),
        s.seconds,
        s.records_per_second,
        s.megabytes_per_second,
        if langs.is_empty() {
            "-".into()
        } else {
            langs.join(", ")
        },
    );
    let repaired = s.mojibake.get("repaired").copied().unwrap_or(0);
    let suspect = s.mojibake.get("suspect").copied().unwrap_or(0);
    if repaired + suspect > 0 {
        eprintln!("koe: mojibake: {repaired} repaired, {suspect} suspect");
    }
    for f in &s.failed_sources {
        eprintln!("koe: failed: {f}");
    }
}

/// Wraps a reader to publish its byte progress to the progress bar, and to stop
/// reading on Ctrl-C.
struct ProgressReader {
    inner: Reader,
    shared: std::sync::Arc<std::sync::Mutex<(u64, Option<u64>)>>,
    stopped: bool,
}

impl Iterator for ProgressReader {
    type Item = Result<koe::ingest::Record, koe::ingest::Reject>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || super::output::interrupted() {
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
