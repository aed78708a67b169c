//! What the commands that read review dumps share around the library's run
//! ([`koe::analyze::run`]): the progress bar and messages on stderr, the rejects file,
//! the passes before the run (stdin spooled, `--domain auto`, theme discovery), the
//! summary and the exit status.

use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use koe::analyze::run::{Inputs, Observer, Run, Sources, Summary, run_sources};
use koe::analyze::{Analysis, Analyzer};
use koe::ingest::{Format, IngestError, Record, SourceInfo};
use koe::themes::discover::DiscoveredTheme;

use super::Outcome;
use super::options::{InputArgs, ThemeOptions, resolve_domains};
use super::output::AtomicFile;
use koe::analyze::output::write_reject;

/// A progress bar on stderr showing bytes read (hidden with `quiet` or when stderr is
/// not a terminal).
pub fn progress_bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

/// What the user hears during a run.
struct Messages {
    pb: ProgressBar,
    quiet: bool,
}

impl Observer for Messages {
    fn source_started(&mut self, info: &SourceInfo) {
        if !self.quiet {
            self.pb.suspend(|| describe_source(info));
        }
    }

    fn source_failed(&mut self, path: &Path, error: &IngestError) {
        eprintln!(
            "koe: error: {error} (when opened again to read it); skipping this input ({})",
            path.display()
        );
    }

    fn source_empty(&mut self, info: &SourceInfo) {
        eprintln!(
            "koe: warning: {}: no records{}",
            info.name,
            if matches!(info.format, Format::Csv | Format::Tsv) {
                " after the header"
            } else {
                ""
            }
        );
    }

    fn progress(&mut self, bytes: u64) {
        self.pb.set_position(bytes);
    }
}

/// Opens every input to check it and learn its columns; those that cannot be read
/// are reported (even with `--quiet`: it changes the exit code) and skipped.
pub fn open_sources(inputs: &Inputs) -> anyhow::Result<Sources> {
    let sources = inputs.open_all()?;
    for (_, e) in &sources.failed {
        eprintln!("koe: error: {e}; skipping this input");
    }
    Ok(sources)
}

/// Opens the sources of `inputs` and runs `body` on them with `analyzer` under
/// [`drive`] (progress bar, rejects file, Ctrl-C): the one driver of `koe report`,
/// `koe report --partial` and `koe themes`.
pub fn drive_inputs<T>(
    quiet: bool,
    rejects_path: PathBuf,
    analyzer: &Analyzer,
    inputs: &Inputs,
    body: impl FnOnce(
        Run<'_>,
        Sources,
        &mut dyn Observer,
        &mut dyn FnMut(&koe::ingest::Reject) -> anyhow::Result<()>,
    ) -> anyhow::Result<(T, Summary)>,
) -> anyhow::Result<Option<(T, Summary)>> {
    let sources = open_sources(inputs)?;
    drive(
        quiet,
        rejects_path,
        sources.total_bytes(),
        |observer, on_reject| {
            let run = Run {
                analyzer,
                inputs,
                stop: super::output::interrupt_flag(),
            };
            body(run, sources, observer, on_reject)
        },
    )
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

/// Runs `body` (a library run over the inputs) with what the user sees around it: a
/// progress bar over `total` bytes and the messages of the run, rejects written to
/// `rejects_path` (created on the first one, committed at the end), Ctrl-C stopping the
/// reading. Returns `body`'s result with the run summary, or `None` when the output
/// pipe closed.
pub fn drive<T>(
    quiet: bool,
    rejects_path: PathBuf,
    total: Option<u64>,
    body: impl FnOnce(
        &mut dyn Observer,
        &mut dyn FnMut(&koe::ingest::Reject) -> anyhow::Result<()>,
    ) -> anyhow::Result<(T, Summary)>,
) -> anyhow::Result<Option<(T, Summary)>> {
    let mut rejects = Rejects {
        path: rejects_path,
        file: None,
    };
    let mut messages = Messages {
        pb: progress_bar(total, quiet),
        quiet,
    };
    let result = body(&mut messages, &mut |r| rejects.write(r));
    messages.pb.finish_and_clear();
    let (value, mut summary) = match result {
        Ok(v) => v,
        Err(e) if super::is_broken_pipe(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    if let Some(f) = rejects.file.take() {
        f.commit()?;
        summary.rejects_file = Some(rejects.path.display().to_string());
    }
    summary.peak_rss_mb = super::output::peak_rss_mb();
    Ok(Some((value, summary)))
}

/// Streams the inputs through the analysis ([`run_sources`]) under [`drive`]: `render`
/// runs in parallel per analysed record, `on_record` gets each record in input order
/// with its rendered bytes. Returns the run summary, or `None` when the output pipe
/// closed.
pub fn stream<R>(
    analyzer: &Analyzer,
    inputs: &Inputs,
    sources: Sources,
    quiet: bool,
    rejects_path: PathBuf,
    render: R,
    on_record: impl FnMut(&Record, &Analysis, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<Option<Summary>>
where
    R: Fn(&Record, &Analysis) -> Vec<u8> + Sync,
{
    let run = Run {
        analyzer,
        inputs,
        stop: super::output::interrupt_flag(),
    };
    let total = sources.total_bytes();
    let done = drive(quiet, rejects_path, total, |observer, on_reject| {
        run_sources(run, sources, observer, render, on_record, on_reject).map(|s| ((), s))
    })?;
    Ok(done.map(|((), s)| s))
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

/// The one-line account of a run on stderr (with mojibake and failed inputs).
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

/// Exit status of a run: interrupted (130), error when an input could not be read,
/// negative when records were rejected or an input held no record.
pub fn outcome(s: &Summary) -> Outcome {
    if s.interrupted {
        Outcome::Interrupted
    } else if !s.failed_sources.is_empty() {
        Outcome::Error
    } else if s.rejected > 0 || !s.empty_sources.is_empty() {
        Outcome::Negative
    } else {
        Outcome::Ok
    }
}

/// What the passes before a run made ([`prepare`]).
pub struct Prepared {
    /// The analyzer to stream with (resolved domain packs, discovered themes).
    pub analyzer: Analyzer,
    /// The themes discovery found.
    pub discovered: Vec<DiscoveredTheme>,
    /// The goals file's goals, checked against the taxonomy without the discovered
    /// themes (empty without a goals file).
    pub goals: Vec<koe::report::Goal>,
    /// The spooled copy of stdin: keep it until the stream ends.
    pub spool: Option<tempfile::TempPath>,
}

/// What a streaming command does with its input before analysing it: spools stdin
/// when discovery will read the input twice, resolves `--domain`, reads the goals file
/// (against the taxonomy before discovery adds to it), runs discovery's first pass.
pub fn prepare(
    input: &InputArgs,
    inputs: &mut Inputs,
    themes: &mut ThemeOptions,
    analyzer: &Analyzer,
    discover: usize,
    goals: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<Prepared> {
    let spool = if discover > 0 {
        inputs.spool_stdin()?
    } else {
        None
    };
    let analyzer = resolve_domains(themes, inputs, analyzer, quiet)?;
    let goals = match goals {
        Some(p) => koe::report::goals::read(p, analyzer.themes().taxonomy())?,
        None => Vec::new(),
    };
    let (analyzer, discovered) =
        discover_pass(inputs, &analyzer, discover, input.discover_sample, quiet)?;
    Ok(Prepared {
        analyzer,
        discovered,
        goals,
        spool,
    })
}

/// Pass one of theme discovery: up to `max` themes from the first `sample` records of
/// `inputs` (read once more by pass two; stdin must be spooled first), compiled into
/// the returned analyzer's taxonomy so pass two assigns them to every record. `max` 0
/// returns the analyzer unchanged.
pub fn discover_pass(
    inputs: &Inputs,
    analyzer: &Analyzer,
    max: usize,
    sample: usize,
    quiet: bool,
) -> anyhow::Result<(Analyzer, Vec<DiscoveredTheme>)> {
    if max == 0 {
        return Ok((analyzer.clone(), Vec::new()));
    }
    let pb = if quiet {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] discovering themes: {pos} records",
        ) {
            pb.set_style(style);
        }
        pb
    };
    // One input open at a time; one that cannot be opened is reported by pass two.
    let records = inputs.records().take(sample);
    let seen = std::cell::Cell::new(0u64);
    let found = koe::analyze::discover::discover(analyzer, records, max, |n| {
        seen.set(n);
        pb.set_position(n);
    });
    pb.finish_and_clear();
    if !quiet {
        let seen = seen.get();
        if found.is_empty() {
            eprintln!(
                "koe: discovery: no recurring aspect in {seen} records (nothing people give opinions about often enough)"
            );
        } else {
            eprintln!(
                "koe: discovery: {} themes from {seen} records{}: {}",
                found.len(),
                if seen as usize >= sample {
                    format!(" (the first {sample}: --discover-sample)")
                } else {
                    String::new()
                },
                found
                    .iter()
                    .take(8)
                    .map(|t| t.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let analyzer = koe::analyze::discover::with_discovered(analyzer, &found)?;
    Ok((analyzer, found))
}

/// Before a command reads anything: its outputs are not its inputs, and Ctrl-C stops
/// it cleanly.
pub fn guard_outputs(input: &InputArgs, outputs: &[Option<&Path>]) -> anyhow::Result<()> {
    let outputs: Vec<&Path> = outputs.iter().flatten().copied().collect();
    super::output::check_outputs(&outputs, &input.paths())?;
    super::output::catch_interrupts();
    Ok(())
}

/// After the run: the exit status to return at once (with a message) when there is
/// nothing to write, because no input could be read or Ctrl-C came before any record;
/// `None` to write the output (with a note when Ctrl-C cut the run short).
pub fn nothing_to_write(summary: &Summary, quiet: bool) -> Option<Outcome> {
    if !summary.any_source() {
        print_summary(summary);
        if summary.interrupted {
            eprintln!("koe: interrupted before any record was analysed: nothing written");
            return Some(Outcome::Interrupted);
        }
        eprintln!("koe: no input could be read: nothing written");
        return Some(Outcome::Error);
    }
    if summary.interrupted && !quiet {
        eprintln!(
            "koe: interrupted: the output covers only the {} records analysed before the interruption",
            summary.analysed
        );
    }
    None
}
