//! `koe report`: the monthly (or weekly) recurring-theme report in Markdown, HTML,
//! JSON or CSV; `--partial` writes the accumulator state of a part of the input
//! instead, and `koe report merge` renders the merge of such parts.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use koe::metrics::{MetricsConfig, Period};
use koe::report::ReportMeta;

use super::Outcome;

use super::options::{InputArgs, OrderArg, SentimentOptions, TextOptions, ThemeOptions};
use super::output::{sibling, write_output};
use super::run::{Prepared, drive_inputs, guard_outputs, nothing_to_write, outcome, print_summary};
use super::themes::{CollectArgs, collect, prepare_report};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// One self-contained HTML file with inline SVG charts.
    Html,
    /// The report data (schema koe.report/1).
    Json,
    /// The theme table and its trend.
    Csv,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the report's accumulator state (schema koe.partial/1) to FILE instead of
    /// rendering it, for `koe report merge` (inputs split across runs or machines).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["output", "format"])]
    pub partial: Option<PathBuf>,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Trend granularity: week or month.
    #[arg(long, default_value = "month")]
    pub period: Period,
    /// Goals file (TOML): metric, target, direction.
    #[arg(long, value_name = "FILE")]
    pub goals: Option<PathBuf>,
    /// CSAT counts the top this-many boxes of a 1–5 scale.
    #[arg(long, default_value_t = 2)]
    pub csat_top: u8,
    /// How many discovered themes to report (0 turns discovery off).
    #[arg(long, default_value_t = 8)]
    pub discover: usize,
    /// Rejects file (default `<output>.rejects.jsonl` or `koe-rejects.jsonl`).
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

/// How a report is rendered and where it goes: shared by `koe report` and
/// `koe report merge`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Output format (default: from the output file's extension, else md).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Report title.
    #[arg(long, default_value = "Customer feedback report")]
    pub title: String,
    /// Label language: auto (the data's dominant language), en, ja, ko.
    #[arg(long, default_value = "auto", value_parser = ["auto", "en", "ja", "ko"])]
    pub labels: String,
    /// Theme order: negative (most negative mentions first) or volume (most records first).
    #[arg(long, value_enum, default_value = "negative")]
    pub order: OrderArg,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge partial reports (`koe report --partial`) into one report, rendered like
    /// `koe report` over all their records.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial reports (`koe report ... --partial FILE`), in any order.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    #[command(flatten)]
    pub render: RenderArgs,
    /// No summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The format asked for, else the one the output file's extension names, else md.
fn output_format(
    format: Option<ReportFormat>,
    output: Option<&std::path::Path>,
) -> anyhow::Result<ReportFormat> {
    Ok(match format {
        Some(f) => f,
        None => match output
            .and_then(|p| p.extension())
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("html" | "htm") => ReportFormat::Html,
            Some("json") => ReportFormat::Json,
            Some("csv") => ReportFormat::Csv,
            Some("md" | "markdown" | "txt") | None => ReportFormat::Md,
            // `-o r.pdf` must not silently write Markdown under a .pdf name.
            Some(other) => anyhow::bail!(
                "koe cannot write a .{other} report: name the output .md, .html, .json or .csv, or choose with --format md|html|json|csv"
            ),
        },
    })
}

fn render(report: &koe::report::Report, format: ReportFormat) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Md => koe::report::markdown::render(report),
        ReportFormat::Html => koe::report::html::render(report),
        ReportFormat::Json => serde_json::to_string_pretty(report)? + "\n",
        ReportFormat::Csv => koe::report::csv::render(report),
    })
}

/// `koe report merge`: reads the parts, merges them, renders the report.
pub fn run_merge(args: MergeArgs) -> anyhow::Result<Outcome> {
    let format = output_format(args.render.format, args.render.output.as_deref())?;
    let mut parts = Vec::with_capacity(args.parts.len());
    for p in &args.parts {
        let text = std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        let part = koe::report::Partial::from_json(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        parts.push(part);
    }
    let merged = koe::report::merge(parts)?;
    let mut report = merged.finish(ReportMeta {
        title: args.render.title,
        label_lang: args.render.labels,
        ..ReportMeta::default()
    });
    report.order_themes(args.render.order.into());
    write_output(args.render.output.as_deref(), &render(&report, format)?)?;
    if !args.quiet {
        eprintln!(
            "koe: merged {} partial reports: {} records, {} rejected",
            args.parts.len(),
            report.summary.totals.records,
            report.rejected
        );
        if let Some(p) = &args.render.output {
            eprintln!("koe: report written to {}", p.display());
        }
    }
    Ok(Outcome::Ok)
}

pub fn run(mut args: ReportArgs) -> anyhow::Result<Outcome> {
    if let Some(ReportCommand::Merge(m)) = args.command.take() {
        return run_merge(m);
    }
    if !(1..=4).contains(&args.csat_top) {
        anyhow::bail!("--csat-top must be 1 to 4 (boxes of a 1–5 scale)");
    }
    let format = output_format(args.render.format, args.render.output.as_deref())?;
    // `--segment COL` (the first one) is the breakdown. Every column without another
    // role is a segment already, so the inputs need not all have it (a file without it
    // falls under `(none)`); `lang` is the detected language.
    let by = args.input.segment_columns.first().cloned();
    args.input.segment_columns.clear();
    let config = MetricsConfig {
        period: args.period,
        csat_top: args.csat_top,
        segment: by,
        ..MetricsConfig::default()
    };
    let meta = ReportMeta {
        title: args.render.title.clone(),
        label_lang: args.render.labels.clone(),
        ..ReportMeta::default()
    };
    let rejects = args
        .rejects
        .clone()
        .unwrap_or_else(|| sibling(args.render.output.as_deref(), "rejects.jsonl"));
    guard_outputs(
        &args.input,
        &[
            args.render.output.as_deref(),
            args.partial.as_deref(),
            Some(&rejects),
        ],
    )?;
    let collect_args = CollectArgs {
        input: &args.input,
        themes: &args.themes,
        lexicon: &args.lexicon,
        text: &args.text,
        goals: args.goals.as_deref(),
        discover: args.discover,
        rejects,
        quiet: args.quiet,
    };
    if let Some(path) = &args.partial {
        return write_partial(collect_args, config, path);
    }
    let Some(c) = collect(collect_args, config, meta)? else {
        return Ok(Outcome::Ok);
    };
    let mut c = c;
    if let Some(outcome) = nothing_to_write(&c.summary, args.quiet) {
        return Ok(outcome);
    }
    c.report.order_themes(args.render.order.into());
    let text = render(&c.report, format)?;
    write_output(args.render.output.as_deref(), &text)?;
    if !args.quiet {
        print_summary(&c.summary);
        if let Some(p) = &args.render.output {
            eprintln!("koe: report written to {}", p.display());
        }
    }
    Ok(outcome(&c.summary))
}

/// `koe report --partial FILE`: the passes and the run of `koe report`
/// ([`prepare_report`], [`koe::report::collect`]), whose collector state is written
/// instead of a report.
fn write_partial(
    args: CollectArgs<'_>,
    config: MetricsConfig,
    path: &std::path::Path,
) -> anyhow::Result<Outcome> {
    let quiet = args.quiet;
    let (inputs, themes, prepared) = prepare_report(&args)?;
    let Prepared {
        analyzer,
        discovered,
        goals,
        spool: _spool,
    } = prepared;
    let collected = drive_inputs(
        quiet,
        args.rejects,
        &analyzer,
        &inputs,
        |run, sources, observer, on_reject| {
            koe::report::collect(run, sources, observer, on_reject, config)
        },
    )?;
    let Some((collector, summary)) = collected else {
        return Ok(Outcome::Ok);
    };
    if let Some(outcome) = nothing_to_write(&summary, quiet) {
        return Ok(outcome);
    }
    let languages = summary
        .languages
        .iter()
        .map(|(l, n)| (l.to_string(), *n))
        .collect();
    let partial = koe::report::Partial {
        inputs: inputs
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        rejected: summary.rejected,
        languages,
        domains: themes.domains(),
        discovered,
        goals,
        ..koe::report::Partial::new(collector)
    };
    write_output(Some(path), &(partial.to_json()? + "\n"))?;
    if !quiet {
        print_summary(&summary);
        eprintln!("koe: partial report written to {}", path.display());
    }
    Ok(outcome(&summary))
}
