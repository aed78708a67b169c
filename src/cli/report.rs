//! `koe report`: the monthly (or weekly) recurring-theme report in Markdown, HTML,
//! JSON or CSV.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use koe::metrics::{MetricsConfig, Period};
use koe::report::ReportMeta;

use super::Outcome;
use super::options::{InputArgs, OrderArg, SentimentOptions, TextOptions, ThemeOptions};
use super::output::{sibling, write_output};
use super::run::{guard_outputs, nothing_to_write, outcome, print_summary};
use super::themes::{CollectArgs, collect};

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
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format (default: from the output file's extension, else md).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
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
    /// Report title.
    #[arg(long, default_value = "Customer feedback report")]
    pub title: String,
    /// Label language: auto (the data's dominant language), en, ja, ko.
    #[arg(long, default_value = "auto", value_parser = ["auto", "en", "ja", "ko"])]
    pub labels: String,
    /// Theme order: negative (most negative mentions first) or volume (most records first).
    #[arg(long, value_enum, default_value = "negative")]
    pub order: OrderArg,
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

pub fn run(mut args: ReportArgs) -> anyhow::Result<Outcome> {
    if !(1..=4).contains(&args.csat_top) {
        anyhow::bail!("--csat-top must be 1 to 4 (boxes of a 1–5 scale)");
    }
    let format = match args.format {
        Some(f) => f,
        None => match args
            .output
            .as_ref()
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
    };
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
        title: args.title.clone(),
        label_lang: args.labels.clone(),
        ..ReportMeta::default()
    };
    let rejects = args
        .rejects
        .clone()
        .unwrap_or_else(|| sibling(args.output.as_deref(), "rejects.jsonl"));
    guard_outputs(&args.input, &[args.output.as_deref(), Some(&rejects)])?;
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
    let Some(c) = collect(collect_args, config, meta)? else {
        return Ok(Outcome::Ok);
    };
    let mut c = c;
    if let Some(outcome) = nothing_to_write(&c.summary, args.quiet) {
        return Ok(outcome);
    }
    c.report.order_themes(args.order.into());
    let text = match format {
        ReportFormat::Md => koe::report::markdown::render(&c.report),
        ReportFormat::Html => koe::report::html::render(&c.report),
        ReportFormat::Json => serde_json::to_string_pretty(&c.report)? + "\n",
        ReportFormat::Csv => koe::report::csv::render(&c.report),
    };
    write_output(args.output.as_deref(), &text)?;
    if !args.quiet {
        print_summary(&c.summary);
        if let Some(p) = &args.output {
            eprintln!("koe: report written to {}", p.display());
        }
    }
    Ok(outcome(&c.summary))
}
