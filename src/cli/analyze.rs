//! `koe analyze`: review dumps and survey exports → one analysed record per line.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use koe::analyze::Analyzer;
use koe::analyze::output::{CsvOut, write_jsonl};
use koe::analyze::run::Inputs;
use koe::sentiment::calibrate::FitOptions;

use super::Outcome;
use super::options::{InputArgs, SentimentOptions, TextOptions, ThemeOptions, analyzer};
use super::output::{AtomicFile, sibling, write_file};
use super::run::{Prepared, guard_outputs, open_sources, outcome, prepare, print_summary, stream};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per record (schema koe.analysis/2).
    Jsonl,
    /// CSV with one row per record.
    Csv,
    /// Parquet: one row per record, flat columns (id, file, line, lang, text,
    /// sentiment_score/label, themes, theme_sentiments, theme_labels, keyphrases,
    /// mojibake, rating, date, segments, ...) and the sentences, evidence and theme
    /// mentions as lists of structs; written in row groups as records stream. Needs
    /// -o FILE (or a pipe, never a terminal).
    #[cfg(feature = "parquet")]
    Parquet,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: OutputFormat,
    /// Write records here instead of stdout (written to a temporary file beside it and
    /// renamed over it when the run is done).
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
    pub themes: ThemeOptions,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
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
    guard_outputs(
        &args.input,
        &[
            Some(rejects_path.as_path()),
            args.output.as_deref(),
            args.summary_json.as_deref(),
            args.calibrate.then_some(overlay_path.as_path()),
        ],
    )?;
    let mut inputs = args.input.inputs()?;
    let analyzer = analyzer(
        &args.text,
        &args.lexicon,
        Some(&args.themes),
        args.input.lang,
    )?;
    let analyzer = if args.calibrate {
        calibrated(analyzer, &inputs, &overlay_path, args.quiet)?
    } else {
        analyzer
    };
    let Prepared {
        analyzer,
        spool: _spool,
        ..
    } = prepare(
        &args.input,
        &mut inputs,
        &mut args.themes,
        &analyzer,
        args.discover,
        None,
        args.quiet,
    )?;
    #[cfg(feature = "parquet")]
    if args.format == OutputFormat::Parquet && args.output.is_none() {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            anyhow::bail!(
                "--format parquet writes binary data: give an output file with -o FILE, or pipe stdout"
            );
        }
    }
    let sources = open_sources(&inputs)?;

    let mut file = match &args.output {
        Some(p) => Some(
            AtomicFile::create(p)
                .with_context(|| format!("cannot create the output file {}", p.display()))?,
        ),
        None => None,
    };
    let sink: Box<dyn Write + Send + '_> = match file.as_mut() {
        Some(f) => Box::new(f),
        None => Box::new(std::io::stdout()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, sink);
    let csv = match args.format {
        OutputFormat::Csv => Some(CsvOut::new(&mut out, sources.segment_columns())?),
        _ => None,
    };
    let binary = !matches!(args.format, OutputFormat::Csv | OutputFormat::Jsonl);
    let mut out = match args.format {
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet => Sink::Parquet(koe::export::parquet::ParquetWriter::new(
            out,
            koe::export::arrow::Layout::full(sources.segment_columns()),
        )?),
        _ => Sink::Bytes(out),
    };
    let streamed = stream(
        &analyzer,
        &inputs,
        sources,
        args.quiet,
        rejects_path,
        |record, analysis| {
            if binary {
                // Parquet: the sink adds the record to its batch.
                return Vec::new();
            }
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
        |record, analysis, bytes| {
            match &mut out {
                Sink::Bytes(w) => w.write_all(bytes)?,
                #[cfg(feature = "parquet")]
                Sink::Parquet(p) => p.push(record, analysis)?,
            }
            let _ = (record, analysis);
            Ok(())
        },
    )?;
    let Some(mut summary) = streamed else {
        return Ok(Outcome::Ok);
    };
    let mut out = out.finish()?;
    out.flush()?;
    drop(out);
    // The output exists when the run produced it: not when no input could be read.
    if let Some(f) = file
        && summary.any_source()
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
    summary.timed(started);
    if !args.quiet {
        print_summary(&summary);
    }
    if let Some(p) = &args.summary_json {
        write_file(p, &serde_json::to_vec_pretty(&summary)?)?;
    }
    Ok(outcome(&summary))
}

/// Where analysed records go: bytes (JSON lines, CSV) or a Parquet writer.
enum Sink<W: Write + Send> {
    Bytes(W),
    #[cfg(feature = "parquet")]
    Parquet(koe::export::parquet::ParquetWriter<W>),
}

impl<W: Write + Send> Sink<W> {
    /// The output, after a Parquet file's last row group and footer (written also
    /// when interrupted: the file then holds the records analysed so far).
    fn finish(self) -> anyhow::Result<W> {
        Ok(match self {
            Sink::Bytes(w) => w,
            #[cfg(feature = "parquet")]
            Sink::Parquet(p) => p.finish()?,
        })
    }
}

/// `--calibrate`: the analyzer with an overlay learned from the inputs' ratings (also
/// written to `overlay_path`), or unchanged with a warning when the gain is not
/// reliable.
fn calibrated(
    analyzer: Analyzer,
    inputs: &Inputs,
    overlay_path: &Path,
    quiet: bool,
) -> anyhow::Result<Analyzer> {
    let c = super::calibrate::learn(&analyzer, inputs, FitOptions::default())?;
    if !c.kept() {
        // Said even with --quiet: the user asked for a calibration and gets none.
        eprintln!(
            "koe: warning: calibration not applied (no overlay written): {}",
            c.refusal()
        );
        return Ok(analyzer);
    }
    let note = c.note();
    write_file(overlay_path, c.overlay.to_tsv(&note).as_bytes())?;
    if !quiet {
        eprintln!(
            "koe: calibration: {note}; overlay ({} entries, {} n-gram weights) in {}",
            c.overlay.entries.len(),
            c.overlay.grams.weights.len(),
            overlay_path.display()
        );
    }
    Ok(analyzer.with_sentiment(analyzer.sentiment_model().with_overlay(&c.overlay)))
}
