//! `koe themes`: the theme table of a dump (taxonomy themes with their metrics, plus
//! the recurring themes discovery found).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use koe::analyze::run::{Inputs, Summary};
use koe::metrics::MetricsConfig;
use koe::report::{Report, ReportMeta, ReportSpec};

use super::Outcome;
use super::options::{InputArgs, OrderArg, SentimentOptions, TextOptions, ThemeOptions, analyzer};
use super::output::{sibling, write_output};
use super::run::{
    Prepared, drive_inputs, guard_outputs, nothing_to_write, outcome, prepare, print_summary,
};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ThemesFormat {
    /// An aligned table.
    Text,
    /// The report JSON (themes, discovered themes, totals).
    Json,
    /// One row per theme (and per theme and period).
    Csv,
}

#[derive(Debug, Args)]
pub struct ThemesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ThemesFormat,
    /// Write here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Write the discovered themes as a taxonomy snippet to adopt (`--taxonomy FILE`).
    #[arg(long, value_name = "FILE")]
    pub emit_toml: Option<PathBuf>,
    /// How many discovered themes to report (0 turns discovery off).
    #[arg(long, default_value_t = 12)]
    pub discover: usize,
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

/// Runs inputs through the analysis into a [`Report`]; shared by `koe themes` and
/// `koe report`.
pub struct Collected {
    pub report: Report,
    pub summary: Summary,
}

/// What `koe themes` and `koe report` read with.
pub struct CollectArgs<'a> {
    pub input: &'a InputArgs,
    pub themes: &'a ThemeOptions,
    pub lexicon: &'a SentimentOptions,
    pub text: &'a TextOptions,
    pub goals: Option<&'a Path>,
    pub discover: usize,
    pub rejects: PathBuf,
    pub quiet: bool,
}

/// The inputs, taxonomy options and passes before a report's run ([`prepare`]: stdin
/// spooled for discovery, `--domain auto`, goals checked against the taxonomy,
/// discovery), shared by [`collect`] and `koe report --partial`.
pub fn prepare_report(args: &CollectArgs<'_>) -> anyhow::Result<(Inputs, ThemeOptions, Prepared)> {
    let mut inputs = args.input.inputs()?;
    let analyzer = analyzer(args.text, args.lexicon, Some(args.themes), args.input.lang)?;
    let mut themes = args.themes.clone();
    let prepared = prepare(
        args.input,
        &mut inputs,
        &mut themes,
        &analyzer,
        args.discover,
        args.goals,
        args.quiet,
    )?;
    Ok((inputs, themes, prepared))
}

/// The report of the inputs ([`koe::report::build`]) after [`prepare_report`];
/// `None` when the output pipe closed.
pub fn collect(
    args: CollectArgs<'_>,
    config: MetricsConfig,
    meta: ReportMeta,
) -> anyhow::Result<Option<Collected>> {
    let (inputs, themes, prepared) = prepare_report(&args)?;
    let Prepared {
        analyzer,
        discovered,
        goals,
        spool: _spool,
    } = prepared;
    let spec = ReportSpec {
        config,
        goals,
        discovered,
        meta,
        domains: themes.domains(),
    };
    let built = drive_inputs(
        args.quiet,
        args.rejects,
        &analyzer,
        &inputs,
        |run, sources, observer, on_reject| {
            koe::report::build(run, sources, observer, on_reject, spec)
        },
    )?;
    Ok(built.map(|(report, summary)| Collected { report, summary }))
}

fn text_table(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut rows: Vec<[String; 7]> = vec![[
        "THEME".into(),
        "RECORDS".into(),
        "SHARE".into(),
        "NEG/NEU/POS".into(),
        "NET".into(),
        match r.summary.impact_basis {
            Some(koe::metrics::ImpactBasis::Nps) => "IMPACT (NPS)".into(),
            Some(koe::metrics::ImpactBasis::Csat) => "IMPACT (CSAT)".into(),
            Some(koe::metrics::ImpactBasis::Rating100) => "IMPACT (/100)".into(),
            None => "IMPACT".into(),
        },
        "TREND".into(),
    ]];
    for t in &r.summary.themes {
        let trend: Vec<f64> = t.trend.iter().map(|p| p.share).collect();
        let flag = if t.emerging.as_ref().is_some_and(|e| e.emerging) {
            " ▲"
        } else {
            ""
        };
        let kind = if t.discovered { ", discovered" } else { "" };
        rows.push([
            format!("{} ({}{kind}){flag}", r.label(t), t.id),
            t.records.to_string(),
            format!("{:.1}%", t.share * 100.0),
            format!("{}/{}/{}", t.negative, t.neutral, t.positive),
            format!("{:+.2}", t.net_sentiment),
            t.impact
                .map(|x| format!("{x:+.1}"))
                .unwrap_or_else(|| "–".into()),
            koe::report::sparkline(&trend),
        ]);
    }
    let width = |s: &str| {
        s.chars()
            .map(|c| {
                if (c as u32) >= 0x1100 && !matches!(c as u32, 0x2580..=0x259F) {
                    2
                } else {
                    1
                }
            })
            .sum::<usize>()
    };
    let mut widths = [0usize; 7];
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            let pad = widths[i] - width(c);
            if i == 0 || i == 6 {
                let _ = write!(out, "{c}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "{}{c}", " ".repeat(pad));
            }
            if i < 6 {
                out.push_str("  ");
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    }
    let t = &r.summary.totals;
    let _ = writeln!(
        out,
        "\n{} records; {} taxonomy themes found, {} discovered; NPS {}; CSAT {}; complaints {}",
        t.records,
        r.summary.themes.iter().filter(|t| !t.discovered).count(),
        r.summary.themes.iter().filter(|t| t.discovered).count(),
        t.nps
            .map(|x| format!("{x:.1}"))
            .unwrap_or_else(|| "–".into()),
        t.csat
            .map(|x| format!("{:.1}%", x * 100.0))
            .unwrap_or_else(|| "–".into()),
        t.complaints
    );
    let _ = writeln!(out, "{}", r.domains_note());
    out
}

pub fn run(args: ThemesArgs) -> anyhow::Result<Outcome> {
    let meta = ReportMeta {
        title: "koe themes".into(),
        label_lang: args.labels.clone(),
        ..ReportMeta::default()
    };
    let rejects = args
        .rejects
        .clone()
        .unwrap_or_else(|| sibling(args.output.as_deref(), "rejects.jsonl"));
    guard_outputs(
        &args.input,
        &[
            args.output.as_deref(),
            Some(&rejects),
            args.emit_toml.as_deref(),
        ],
    )?;
    let collect_args = CollectArgs {
        input: &args.input,
        themes: &args.themes,
        lexicon: &args.lexicon,
        text: &args.text,
        goals: None,
        discover: args.discover,
        rejects,
        quiet: args.quiet,
    };
    let Some(c) = collect(collect_args, MetricsConfig::default(), meta)? else {
        return Ok(Outcome::Ok);
    };
    let mut c = c;
    if let Some(outcome) = nothing_to_write(&c.summary, args.quiet) {
        return Ok(outcome);
    }
    c.report.order_themes(args.order.into());
    let text = match args.format {
        ThemesFormat::Text => text_table(&c.report),
        ThemesFormat::Json => serde_json::to_string_pretty(&c.report)? + "\n",
        ThemesFormat::Csv => koe::report::csv::render(&c.report),
    };
    write_output(args.output.as_deref(), &text)?;
    if let Some(p) = &args.emit_toml {
        let snippet = koe::themes::discover::to_taxonomy(&c.report.discovered);
        let header = "# Themes koe discovered in your data. Review, rename, move terms into existing\n# themes or keep them as they are, then use: koe report --taxonomy THIS_FILE ...\n";
        super::output::write_file(p, format!("{header}{}", snippet.to_toml()).as_bytes())?;
        if !args.quiet {
            eprintln!(
                "koe: {} discovered themes written to {}",
                c.report.discovered.len(),
                p.display()
            );
        }
    }
    if !args.quiet {
        print_summary(&c.summary);
    }
    Ok(outcome(&c.summary))
}
