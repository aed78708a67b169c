//! `koe index` (analyse and index review dumps) and `koe search` (query the index).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use koe::index::{KoeIndex, SearchOptions, Sort, query};

use super::Outcome;
use super::options::{InputArgs, SentimentOptions, TextOptions, ThemeOptions, analyzer};
use super::run::{Prepared, guard_outputs, open_sources, outcome, prepare, print_summary, stream};

#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Index directory (created when missing).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Delete the index and start over.
    #[arg(long)]
    pub rebuild: bool,
    /// Commit every this many records (a crash loses at most this many; re-running the
    /// same command completes the index without duplicates).
    #[arg(long, default_value_t = 20_000)]
    pub commit_every: u64,
    /// Also discover up to N recurring themes nobody listed and index them on every
    /// record (`theme:discovered.…`); they are kept in the index directory
    /// (`koe-discovered.toml`) for `koe serve`. 0: off.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub discover: usize,
    /// Rejects file (default `<index>/../<name>.rejects.jsonl`).
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

/// The discovered themes of an index as a taxonomy, in its directory (read by `koe serve`).
pub const DISCOVERED_FILE: &str = "koe-discovered.toml";
/// Their members and opinions (JSON), beside it.
pub const DISCOVERED_JSON: &str = "koe-discovered.json";
/// The domain packs the index was built with, per language (JSON; read by `koe serve`).
pub const DOMAINS_FILE: &str = "koe-domains.json";

pub fn run_index(args: IndexArgs) -> anyhow::Result<Outcome> {
    let mut args = args;
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
        discovered,
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
    let sources = open_sources(&inputs)?;
    let index = KoeIndex::create_or_open(&args.index, analyzer.text(), args.rebuild)?;
    let write = |name: &str, text: String| {
        let path = args.index.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    if !discovered.is_empty() {
        write(
            DISCOVERED_FILE,
            koe::themes::discover::to_taxonomy(&discovered).to_toml(),
        )?;
        write(DISCOVERED_JSON, serde_json::to_string_pretty(&discovered)?)?;
    }
    if let Some(d) = &args.themes.resolved {
        write(DOMAINS_FILE, serde_json::to_string_pretty(d)?)?;
    }
    let mut writer = index.writer()?;
    let rejects = args.rejects.clone().unwrap_or_else(|| {
        let name = args
            .index
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "koe-index".into());
        args.index.with_file_name(format!("{name}.rejects.jsonl"))
    });
    guard_outputs(&args.input, &[Some(rejects.as_path())])?;
    let commit_every = args.commit_every.max(1);
    let streamed = stream(
        &analyzer,
        &inputs,
        sources,
        args.quiet,
        rejects,
        |_, _| Vec::new(),
        |record, analysis, _| {
            writer.add(record, analysis)?;
            if writer.pending() >= commit_every {
                writer.commit()?;
            }
            Ok(())
        },
    )?;
    writer.finish()?;
    let Some(summary) = streamed else {
        return Ok(Outcome::Ok);
    };
    if !args.quiet {
        print_summary(&summary);
        eprintln!(
            "koe: index {}: {} records",
            args.index.display(),
            index.num_docs()?
        );
    }
    if summary.interrupted {
        eprintln!(
            "koe: interrupted: the index holds the {} records analysed before the interruption (committed); run the same command again to complete it (records are updated in place)",
            summary.analysed
        );
    }
    Ok(outcome(&summary))
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Newest first.
    Date,
    /// Lowest rating first.
    Rating,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words (AND), "phrases", OR, -exclusion, filters theme:ID,
    /// sentiment:neg, rating:<=2, date:2026-01..2026-03, lang:ja, nps:detractor,
    /// <segment>:value.
    pub query: String,
    /// Index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Hits per page (at most 10000).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip (at most 10000).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Order.
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::options::TextOrJson,
    #[command(flatten)]
    pub text: TextOptions,
}

pub fn run_search(args: SearchArgs) -> anyhow::Result<Outcome> {
    // A search holds offset + limit hits in memory: the server's caps.
    if args.offset > koe::index::MAX_OFFSET {
        anyhow::bail!("--offset must be at most {}", koe::index::MAX_OFFSET);
    }
    if args.limit == 0 || args.limit > koe::index::MAX_LIMIT {
        anyhow::bail!(
            "--limit must be at least 1 and at most {}",
            koe::index::MAX_LIMIT
        );
    }
    let processor = args.text.processor()?;
    let index = KoeIndex::open_unverified(&args.index, &processor)?;
    let opts = SearchOptions {
        limit: args.limit,
        offset: args.offset,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
            SortArg::Rating => Sort::Rating,
        },
    };
    if args.query.trim().is_empty() {
        // The library reads a blank query as "everything"; on the command line it is
        // more likely a mistake.
        query::parse(&args.query)?;
    }
    let results = index.search(&args.query, &opts)?;
    let stdout = std::io::stdout();
    let color = stdout.is_terminal();
    let mut out = stdout.lock();
    match args.format {
        super::options::TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut out, &results)?;
            writeln!(out)?;
        }
        super::options::TextOrJson::Text => {
            for h in &results.hits {
                let themes: Vec<&str> = h.themes.iter().map(|t| t.id.as_str()).collect();
                writeln!(
                    out,
                    "{}  {}  rating {}  {} {:+.2}  {}",
                    h.id,
                    h.date.as_deref().unwrap_or("-"),
                    h.rating.map_or("-".to_string(), |r| r.to_string()),
                    h.sentiment,
                    h.sentiment_score,
                    themes.join(",")
                )?;
                let mut line = String::new();
                let mut at = 0;
                for &(s, e) in &h.highlights {
                    if s < at || !h.snippet.is_char_boundary(s) || !h.snippet.is_char_boundary(e) {
                        continue;
                    }
                    line.push_str(&h.snippet[at..s]);
                    let (open, close) = if color {
                        ("\x1b[1;31m", "\x1b[0m")
                    } else {
                        ("[", "]")
                    };
                    line.push_str(open);
                    line.push_str(&h.snippet[s..e]);
                    line.push_str(close);
                    at = e;
                }
                line.push_str(&h.snippet[at..]);
                writeln!(out, "    {}", line.replace(['\n', '\r'], " "))?;
            }
            out.flush()?;
            eprintln!(
                "koe: {} hits{}",
                results.total,
                if results.total as usize > opts.offset + results.hits.len() {
                    format!(
                        " (showing {}–{}; --offset for more)",
                        opts.offset + 1,
                        opts.offset + results.hits.len()
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(if results.total == 0 {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}
