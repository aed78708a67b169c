//! `koe export`: analysed records as bulk files for Elasticsearch / OpenSearch or
//! Quickwit, with the index definition, in a directory.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use koe::export::elasticsearch::usable_id;
use koe::export::{
    DEFAULT_MAX_FILE_BYTES, ES_MAX_ID_BYTES, Exporter, Format, Manifest, SCHEMA, Splitter,
};

use super::Outcome;
use super::options::{InputArgs, SentimentOptions, TextOptions, ThemeOptions, analyzer};
use super::output::{AtomicFile, write_file};
use super::run::{
    Prepared, guard_outputs, nothing_to_write, open_sources, outcome, prepare, print_summary,
    stream,
};

/// What the run writes besides the data files and the index definition.
const MANIFEST: &str = "manifest.json";
/// The rejects file's default name (in the directory).
const REJECTS: &str = "rejects.jsonl";

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EngineArg {
    /// Elasticsearch or OpenSearch: `_bulk` NDJSON files and `mapping.json`.
    #[value(alias = "opensearch")]
    Elasticsearch,
    /// Quickwit: ingest NDJSON files and `index-config.yaml`.
    Quickwit,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The search engine the files are for.
    #[arg(long, value_enum)]
    pub format: EngineArg,
    /// Directory to write into (created when missing; must be empty unless --force).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Index name in the files (Elasticsearch `_index`, Quickwit `index_id`).
    #[arg(long, default_value = "koe")]
    pub index_name: String,
    /// Largest data file in bytes; more records go to the next file
    /// (`bulk-0002.ndjson`, …).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
    /// Write into a directory that already holds files (files of the same names are
    /// replaced; others are left as they are).
    #[arg(long)]
    pub force: bool,
    /// Rejects file (default `<DIR>/rejects.jsonl`). Created only when something is
    /// rejected.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
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

/// The names already in `dir` (empty when it does not exist yet); an error when it
/// holds files and `force` is off, or is not a directory.
fn existing(dir: &Path, force: bool) -> anyhow::Result<BTreeSet<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            bail!("{} is not a directory", dir.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut names = BTreeSet::new();
    for e in entries {
        let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
        names.insert(e.file_name().to_string_lossy().into_owned());
    }
    if !names.is_empty() && !force {
        bail!(
            "{} is not empty ({} entries): koe export writes into a new or empty directory; \
             --force writes there anyway (files of the same names are replaced, others left as they are)",
            dir.display(),
            names.len()
        );
    }
    Ok(names)
}

/// What the run has written into the directory so far (committed files only: one
/// being written is a temporary file that goes by itself), to take back if it fails.
struct Written {
    dir: PathBuf,
    created_dir: bool,
    files: Vec<PathBuf>,
}

impl Written {
    /// Removes what this run wrote (only that), and the directory when the run made
    /// it and it is empty again.
    fn take_back(&self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
        if self.created_dir {
            // Fails, as it should, when anything else is in it.
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

pub fn run(args: ExportArgs) -> anyhow::Result<Outcome> {
    let mut args = args;
    let format = match args.format {
        EngineArg::Elasticsearch => Format::Elasticsearch,
        EngineArg::Quickwit => Format::Quickwit,
    };
    let exporter = Exporter::new(format, &args.index_name)?;
    let dir = args.output.clone();
    let before = existing(&dir, args.force)?;
    let rejects = args.rejects.clone().unwrap_or_else(|| dir.join(REJECTS));
    let definition = dir.join(format.definition_file());
    let manifest = dir.join(MANIFEST);
    // Outputs are never inputs: the fixed names, and every data file already there
    // (this run may replace any of them).
    let mut outputs: Vec<PathBuf> = vec![rejects.clone(), definition.clone(), manifest.clone()];
    outputs.extend(
        before
            .iter()
            .filter(|n| format.is_data_file(n))
            .map(|n| dir.join(n)),
    );
    let refs: Vec<Option<&Path>> = outputs.iter().map(|p| Some(p.as_path())).collect();
    guard_outputs(&args.input, &refs)?;

    let mut inputs = args.input.inputs()?;
    let analyzer = analyzer(
        &args.text,
        &args.lexicon,
        Some(&args.themes),
        args.input.lang,
    )?
    .with_search_terms();
    let Prepared {
        analyzer,
        spool: _spool,
        ..
    } = prepare(
        &args.input,
        &mut inputs,
        &mut args.themes,
        &analyzer,
        0,
        None,
        args.quiet,
    )?;
    let sources = open_sources(&inputs)?;

    let created_dir = !dir.exists();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Written {
        dir: dir.clone(),
        created_dir,
        files: Vec::new(),
    };
    let mut splitter = Splitter::new(format, args.max_file_bytes);
    // The data file being written: committed (and only then counted as this run's)
    // when the next one starts or the run ends.
    let mut current: Option<(PathBuf, AtomicFile)> = None;
    let mut without_id = 0u64;
    let streamed = stream(
        &analyzer,
        &inputs,
        sources,
        args.quiet,
        rejects.clone(),
        |record, analysis| {
            // A document line is about 3 times its text (text, lemmas, fields).
            let text_len: usize = record.texts.iter().map(|(_, t)| t.len()).sum();
            let mut buf = Vec::with_capacity(512 + 3 * text_len);
            exporter.render(record, analysis, &mut buf);
            buf
        },
        |record, _analysis, bytes| {
            if let Some(name) = splitter.place(bytes.len() as u64) {
                if let Some((path, f)) = current.take() {
                    f.commit()?;
                    written.files.push(path);
                }
                let path = dir.join(&name);
                let f = AtomicFile::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                current = Some((path, f));
            }
            if let Some((_, f)) = current.as_mut() {
                f.write_all(bytes)?;
            }
            if format == Format::Elasticsearch && !usable_id(&record.id) {
                without_id += 1;
            }
            Ok(())
        },
    );
    let finished = match streamed {
        Ok(Some(summary)) => match nothing_to_write(&summary, args.quiet) {
            None => match current.take() {
                Some((path, f)) => f.commit().map(|()| {
                    written.files.push(path);
                    summary
                }),
                None => Ok(summary),
            },
            Some(o) => {
                drop(current);
                written.take_back();
                return Ok(o);
            }
        },
        Ok(None) => {
            drop(current);
            written.take_back();
            return Ok(Outcome::Ok);
        }
        Err(e) => Err(e),
    };
    let summary = match finished {
        Ok(s) => s,
        Err(e) => {
            written.take_back();
            return Err(e);
        }
    };

    let files = splitter.files().to_vec();
    let records: u64 = files.iter().map(|f| f.records).sum();
    let m = Manifest {
        schema: SCHEMA,
        format,
        index: exporter.index().to_string(),
        definition: format.definition_file(),
        files: files.clone(),
        records,
        read: summary.read,
        rejected: summary.rejected,
        without_id,
        interrupted: summary.interrupted,
    };
    let wrote =
        write_file(&definition, format.definition(exporter.index())?.as_bytes()).and_then(|()| {
            let mut json = serde_json::to_vec_pretty(&m)?;
            json.push(b'\n');
            write_file(&manifest, &json)
        });
    if let Err(e) = wrote {
        written.take_back();
        return Err(e);
    }

    if !args.quiet {
        print_summary(&summary);
    }
    if without_id > 0 {
        eprintln!(
            "koe: warning: {without_id} records have an id Elasticsearch refuses as _id (empty or over {ES_MAX_ID_BYTES} bytes): they are written without one (the engine makes one; the `id` field keeps theirs), so loading them again adds them again"
        );
    }
    let ours: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    // A rejects file of an earlier run, when this one rejected nothing.
    let old_rejects = args.rejects.is_none() && summary.rejects_file.is_none();
    let stale: Vec<&String> = before
        .iter()
        .filter(|n| {
            let data = Format::Elasticsearch.is_data_file(n) || Format::Quickwit.is_data_file(n);
            (data && !ours.contains(n.as_str())) || (old_rejects && n.as_str() == REJECTS)
        })
        .collect();
    if !stale.is_empty() {
        eprintln!(
            "koe: warning: {} also holds {} files of an earlier export, not from this run ({}{}): load only the files listed in {}",
            dir.display(),
            stale.len(),
            stale
                .iter()
                .take(3)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if stale.len() > 3 { ", …" } else { "" },
            manifest.display()
        );
    }
    if !args.quiet {
        let names = match (files.first(), files.last()) {
            (Some(a), Some(b)) if files.len() > 1 => format!("{} … {}", a.name, b.name),
            (Some(a), _) => a.name.clone(),
            _ => "no data file".to_string(),
        };
        eprintln!(
            "koe: export {}: {records} records in {} files ({names}) for {} index '{}'; index definition {}",
            dir.display(),
            files.len(),
            format.as_str(),
            exporter.index(),
            definition.display(),
        );
    }
    if summary.interrupted {
        eprintln!(
            "koe: interrupted: the files hold the {records} records analysed before the interruption"
        );
    }
    Ok(outcome(&summary))
}
