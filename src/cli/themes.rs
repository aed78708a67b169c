//! `koe themes`: the theme table of a dump (taxonomy themes with their metrics, plus
//! the recurring themes discovery found), and the taxonomy options every analysing
//! command shares.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use koe::metrics::MetricsConfig;
use koe::report::{Collector, Report, ReportMeta};
use koe::text::TextProcessor;
use koe::themes::{Domains, TaxonomyFile, ThemeMatcher};

use super::Outcome;
use super::analyze::{InputArgs, open_readers, print_summary, sibling, stream};

/// Taxonomy options.
#[derive(Debug, Args, Clone, Default)]
pub struct ThemeOptions {
    /// Extra taxonomy TOML (adds themes; a theme with an existing id replaces it, or
    /// adds to it with `extend = true`); may repeat.
    #[arg(long = "taxonomy", value_name = "FILE")]
    pub taxonomy: Vec<PathBuf>,
    /// Do not load koe's built-in taxonomy (use only `--taxonomy` files).
    #[arg(long)]
    pub no_builtin_taxonomy: bool,
    /// Domain packs of the taxonomy besides its core: `auto` (the packs whose words
    /// the data uses), `all`, `none`, or names: support, ecommerce, apps, hotels,
    /// restaurants, movies (comma-separated).
    #[arg(long, value_name = "auto|all|none|NAME[,NAME]", default_value = "auto")]
    pub domain: String,
    /// The packs in use once `--domain` is resolved (all until then).
    #[arg(skip)]
    pub resolved: Option<Domains>,
}

/// The packs `--domain` names without looking at data (`None` for `auto`).
pub fn named_domains(choice: &str) -> anyhow::Result<Option<Vec<String>>> {
    let all = TaxonomyFile::builtin_pack_ids();
    match choice.trim() {
        "auto" => Ok(None),
        "all" => Ok(Some(all)),
        "none" | "core" => Ok(Some(Vec::new())),
        list => {
            let mut out = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !all.iter().any(|a| a == name) {
                    anyhow::bail!(
                        "unknown domain '{name}' in --domain (known: auto, all, none, {})",
                        all.join(", ")
                    );
                }
                out.push(name.to_string());
            }
            Ok(Some(out))
        }
    }
}

/// Resolves `--domain` for `input`: names as given, `auto` from the input's first
/// records (stdin that is not spooled cannot be looked at first: all packs), and
/// returns the analyzer with the resolved taxonomy.
pub fn resolve_domains(
    themes: &mut ThemeOptions,
    input: &InputArgs,
    analyzer: &koe::analyze::Analyzer,
    quiet: bool,
) -> anyhow::Result<koe::analyze::Analyzer> {
    let picked = match named_domains(&themes.domain)? {
        Some(list) => Domains::every_lang(&list),
        // Only your own files: nothing to pick among (their themes with `domains`
        // apply; name the packs with --domain to choose).
        None if themes.no_builtin_taxonomy => {
            Domains::every_lang(&TaxonomyFile::builtin_pack_ids())
        }
        None => {
            let stdin = input.paths().iter().any(|p| p.as_os_str() == "-");
            if stdin && input.stdin_spool.is_none() {
                if !quiet {
                    eprintln!(
                        "koe: --domain auto cannot look at stdin before analysing it: all domain packs are on (choose with --domain)"
                    );
                }
                Domains::every_lang(&TaxonomyFile::builtin_pack_ids())
            } else {
                let opts = input.ingest_options()?;
                let paths = input.paths();
                let per = (koe::themes::domains::SAMPLE / paths.len().max(1)).max(1);
                // One input open at a time (memory and file handles stay bounded
                // whatever the number of inputs).
                let texts = paths.into_iter().flat_map(|path| {
                    input
                        .open(&path, &opts)
                        .into_iter()
                        .flat_map(|r| r.filter_map(Result::ok).take(per))
                        .map(|rec| rec.text().into_owned())
                });
                let d = koe::themes::domains::detect(texts, analyzer.text())?;
                if !quiet {
                    let mut parts = Vec::new();
                    for (lang, n, counts) in &d.counts {
                        if *n == 0 {
                            continue;
                        }
                        let picked = d.picked.of(lang);
                        let seen: Vec<String> = counts
                            .iter()
                            .filter(|(_, c)| *c > 0)
                            .map(|(id, c)| format!("{id} {c}"))
                            .collect();
                        parts.push(format!(
                            "{lang} ({n} records): {} [{}]",
                            if picked.is_empty() {
                                "core only".to_string()
                            } else {
                                picked.join(", ")
                            },
                            if seen.is_empty() {
                                "no pack's words".to_string()
                            } else {
                                seen.join(", ")
                            }
                        ));
                    }
                    if parts.is_empty() {
                        eprintln!(
                            "koe: domain packs (auto): no record to look at, core themes only"
                        );
                    } else {
                        eprintln!("koe: domain packs (auto): {}", parts.join("; "));
                    }
                }
                d.picked
            }
        }
    };
    themes.resolved = Some(picked);
    Ok(analyzer.with_themes(themes.matcher(analyzer.text())?))
}

impl ThemeOptions {
    /// The merged taxonomy file.
    pub fn file(&self) -> anyhow::Result<TaxonomyFile> {
        let domains = match &self.resolved {
            Some(d) => d.clone(),
            None => Domains::every_lang(
                &named_domains(&self.domain)?.unwrap_or_else(TaxonomyFile::builtin_pack_ids),
            ),
        };
        let mut file = if self.no_builtin_taxonomy {
            TaxonomyFile::default()
        } else {
            TaxonomyFile::builtin_for(&domains)
        };
        if self.no_builtin_taxonomy && self.taxonomy.is_empty() {
            anyhow::bail!("--no-builtin-taxonomy needs at least one --taxonomy FILE");
        }
        for path in &self.taxonomy {
            file.merge(TaxonomyFile::read(path)?);
        }
        // A user theme with `domains` follows the same choice.
        file.retain_domains(&domains);
        Ok(file)
    }

    /// The domain packs in use in any language (after [`resolve_domains`]).
    pub fn domains(&self) -> Vec<String> {
        self.resolved
            .as_ref()
            .map(Domains::union)
            .unwrap_or_default()
    }

    /// The compiled taxonomy.
    pub fn matcher(&self, text: &TextProcessor) -> anyhow::Result<ThemeMatcher> {
        let source = self
            .taxonomy
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        Ok(ThemeMatcher::compile(self.file()?, text, &source)?)
    }
}

/// `--order` of the theme table.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OrderArg {
    /// Most negative mentions first (the biggest problems first).
    Negative,
    /// Most records first.
    Volume,
}

impl From<OrderArg> for koe::report::Order {
    fn from(o: OrderArg) -> Self {
        match o {
            OrderArg::Negative => koe::report::Order::Negative,
            OrderArg::Volume => koe::report::Order::Volume,
        }
    }
}

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
    pub lexicon: super::sentiment::SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

use super::TextOptions;

/// Runs inputs through the analysis into a [`Report`]; shared by `koe themes` and
/// `koe report`.
pub struct Collected {
    pub report: Report,
    pub summary: super::analyze::Summary,
}

#[allow(clippy::too_many_arguments)]
pub fn collect(
    input: &InputArgs,
    themes: &ThemeOptions,
    lexicon: &super::sentiment::SentimentOptions,
    text: &TextOptions,
    config: MetricsConfig,
    goals: Option<&std::path::Path>,
    discover: usize,
    meta: ReportMeta,
    rejects: PathBuf,
    quiet: bool,
) -> anyhow::Result<Option<Collected>> {
    let mut input = input.clone();
    let _spool = if discover > 0 {
        input.spool_stdin()?
    } else {
        None
    };
    let input = &input;
    let analyzer =
        super::sentiment::analyzer_with_themes(text, lexicon, themes, input.lang, false)?;
    let mut themes = themes.clone();
    let analyzer = resolve_domains(&mut themes, input, &analyzer, quiet)?;
    let goals = match goals {
        Some(p) => koe::report::goals::read(p, analyzer.themes().taxonomy())?,
        None => Vec::new(),
    };
    let (analyzer, discovered) = discover_pass(input, &analyzer, discover, quiet)?;
    let sources = open_readers(input, quiet)?;
    let mut collector = Collector::new(analyzer.themes(), config);
    let streamed = stream(
        &analyzer,
        input,
        sources,
        quiet,
        rejects,
        |_, _| Vec::new(),
        |record, analysis, _| {
            collector.add(record, analysis);
            Ok(())
        },
    )?;
    let Some(summary) = streamed else {
        return Ok(None);
    };
    let label_lang = match meta.label_lang.as_str() {
        "auto" => summary.dominant_lang().to_string(),
        other => other.to_string(),
    };
    let meta = ReportMeta {
        label_lang,
        rejected: summary.rejected(),
        inputs: input
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        ..meta
    };
    let mut report = collector.finish(meta, &goals, discovered);
    report.domains = themes.domains();
    Ok(Some(Collected { report, summary }))
}

/// What a streaming command does with its input before analysing it: spools stdin
/// when discovery will read the input twice, resolves `--domain`, runs discovery's
/// first pass. Returns the analyzer to stream with, the discovered themes and the guard
/// of the spooled stdin (keep it until the stream ends). (`collect` does the same
/// steps itself: it validates the goals file between them, against the taxonomy
/// without the discovered themes.)
pub fn prepare(
    input: &mut InputArgs,
    themes: &mut ThemeOptions,
    analyzer: &koe::analyze::Analyzer,
    discover: usize,
    quiet: bool,
) -> anyhow::Result<(
    koe::analyze::Analyzer,
    Vec<koe::themes::discover::DiscoveredTheme>,
    Option<tempfile::TempPath>,
)> {
    let spool = if discover > 0 {
        input.spool_stdin()?
    } else {
        None
    };
    let analyzer = resolve_domains(themes, input, analyzer, quiet)?;
    let (analyzer, discovered) = discover_pass(input, &analyzer, discover, quiet)?;
    Ok((analyzer, discovered, spool))
}

/// Pass one of theme discovery: up to `max` themes from the first
/// `--discover-sample` records of `input` (read once more by pass two; stdin must be
/// spooled first), compiled into the returned analyzer's taxonomy so pass two assigns
/// them to every record. `max` 0 returns the analyzer unchanged.
pub fn discover_pass(
    input: &InputArgs,
    analyzer: &koe::analyze::Analyzer,
    max: usize,
    quiet: bool,
) -> anyhow::Result<(
    koe::analyze::Analyzer,
    Vec<koe::themes::discover::DiscoveredTheme>,
)> {
    if max == 0 {
        return Ok((analyzer.clone(), Vec::new()));
    }
    let sample = input.discover_sample;
    let opts = input.ingest_options()?;
    let pb = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let pb =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] discovering themes: {pos} records",
        ) {
            pb.set_style(style);
        }
        pb
    };
    // One input open at a time; one that cannot be opened is reported by pass two.
    let records = input
        .paths()
        .into_iter()
        .flat_map(|path| {
            input
                .open(&path, &opts)
                .into_iter()
                .flat_map(|r| r.filter_map(Result::ok))
        })
        .take(sample);
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

/// Writes `text` to `output` (atomically) or stdout.
pub fn write_output(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => super::output::write_file(p, text.as_bytes()),
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Before a report-like command reads anything: its outputs are not its inputs, and
/// Ctrl-C stops it cleanly.
pub fn guard_outputs(
    input: &InputArgs,
    outputs: &[Option<&std::path::Path>],
) -> anyhow::Result<()> {
    let outputs: Vec<&std::path::Path> = outputs.iter().flatten().copied().collect();
    super::output::check_outputs(&outputs, &input.paths())?;
    super::output::catch_interrupts();
    Ok(())
}

/// After the run: the exit status to return at once (with a message) when there is
/// nothing to write, because no input could be read or Ctrl-C came before any record;
/// `None` to write the output (with a note when Ctrl-C cut the run short).
pub fn nothing_to_write(summary: &super::analyze::Summary, quiet: bool) -> Option<Outcome> {
    if !summary.any_source() {
        print_summary(summary);
        if summary.interrupted() {
            eprintln!("koe: interrupted before any record was analysed: nothing written");
            return Some(Outcome::Interrupted);
        }
        eprintln!("koe: no input could be read: nothing written");
        return Some(Outcome::Error);
    }
    if summary.interrupted() && !quiet {
        eprintln!(
            "koe: interrupted: the output covers only the {} records analysed before the interruption",
            summary.analysed()
        );
    }
    None
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
    let Some(c) = collect(
        &args.input,
        &args.themes,
        &args.lexicon,
        &args.text,
        MetricsConfig::default(),
        None,
        args.discover,
        meta,
        rejects,
        args.quiet,
    )?
    else {
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
    Ok(c.summary.outcome())
}

#[derive(Debug, Args)]
pub struct EvalThemesArgs {
    /// Labelled TSV with a header: `id<TAB>lang<TAB>themes<TAB>text`, themes comma-separated.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::sentiment::TextOrJson,
    /// Also list every wrong record (missed and extra themes, with the matched terms).
    #[arg(long)]
    pub errors: bool,
    /// FILE holds annotated aspects (`polarity<TAB>category<TAB>target<TAB>sentence`, no
    /// header, one row per opinion): score theme discovery alone (no taxonomy) by mapped
    /// macro-F1, coverage, junk and purity.
    #[arg(long)]
    pub aspects: bool,
    /// With `--aspects`: the gold label of a row: its category, its target (lower-cased),
    /// or the entity / attribute of an `ENTITY#ATTRIBUTE` category.
    #[arg(long, value_enum, default_value = "category")]
    pub gold: GoldArg,
    /// With `--aspects`: how many themes to discover.
    #[arg(long, default_value_t = 20)]
    pub discover: usize,
    #[command(flatten)]
    pub themes: ThemeOptions,
    #[command(flatten)]
    pub lexicon: super::sentiment::SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

/// `--gold` of `koe eval themes --aspects`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GoldArg {
    /// The category column.
    Category,
    /// The target column, lower-cased.
    Target,
    /// The entity of `ENTITY#ATTRIBUTE` (NULL dropped).
    Entity,
    /// The attribute of `ENTITY#ATTRIBUTE` (general dropped).
    Attribute,
}

/// `koe eval themes --aspects`: discovery alone against annotated aspects.
fn run_eval_aspects(args: &EvalThemesArgs) -> anyhow::Result<Outcome> {
    use koe::themes::score::GoldLevel;
    use std::collections::{BTreeMap, BTreeSet};
    let level = match args.gold {
        GoldArg::Category => GoldLevel::Category,
        GoldArg::Target => GoldLevel::Target,
        GoldArg::Entity => GoldLevel::Entity,
        GoldArg::Attribute => GoldLevel::Attribute,
    };
    let body = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut order: Vec<String> = Vec::new();
    let mut gold: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, line) in body.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(4, '\t').collect();
        let [_polarity, category, target, sentence] = cols[..] else {
            anyhow::bail!(
                "{}:{}: expected 4 tab-separated columns (polarity, category, target, sentence)",
                args.file.display(),
                i + 1
            );
        };
        if !gold.contains_key(sentence) {
            order.push(sentence.to_string());
        }
        let g = gold.entry(sentence.to_string()).or_default();
        if let Some(label) = level.label(category, target) {
            g.insert(label);
        }
    }
    let gold: Vec<BTreeSet<String>> = order
        .iter()
        .map(|s| gold.get(s).cloned().unwrap_or_default())
        .collect();
    let started = std::time::Instant::now();
    // Discovery alone: an empty taxonomy.
    let processor = args.text.processor()?;
    let empty = ThemeMatcher::compile(
        TaxonomyFile {
            version: Some(1),
            ..TaxonomyFile::default()
        },
        &processor,
        "empty taxonomy",
    )?;
    let analyzer = koe::analyze::Analyzer::builder()
        .text(processor)
        .sentiment(args.lexicon.model()?)
        .themes(empty)
        .build()?;
    let koe::analyze::discover::Discovered {
        themes: found,
        per_text,
    } = koe::analyze::discover::discover_texts(&analyzer, &order, args.discover)?;
    let mut members: BTreeMap<String, Vec<usize>> =
        found.iter().map(|d| (d.id.clone(), Vec::new())).collect();
    for (i, ids) in per_text.iter().enumerate() {
        for id in ids {
            members.entry(id.to_string()).or_default().push(i);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let themes: Vec<(String, Vec<usize>)> = found
        .iter()
        .map(|d| (d.id.clone(), members.remove(&d.id).unwrap_or_default()))
        .collect();
    let score = koe::themes::score::score(&themes, &gold);
    use std::fmt::Write as _;
    let mut out = String::new();
    match args.format {
        super::sentiment::TextOrJson::Json => {
            let labels: Vec<(&str, &str)> = found
                .iter()
                .map(|d| (d.id.as_str(), d.label.as_str()))
                .collect();
            let v = serde_json::json!({
                "file": args.file.display().to_string(),
                "gold": format!("{:?}", args.gold).to_lowercase(),
                "seconds": seconds,
                "score": score,
                "labels": labels,
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v)?);
        }
        super::sentiment::TextOrJson::Text => {
            let _ = writeln!(
                out,
                "{}: {} sentences, {} themes discovered in {:.2}s (gold: {:?})",
                args.file.display(),
                score.sentences,
                score.themes,
                seconds,
                args.gold
            );
            let _ = writeln!(
                out,
                "macro-F1 {:.3}  coverage {:.2}  junk {}/{}  purity {:.2}",
                score.macro_f1, score.coverage, score.junk, score.themes, score.purity
            );
            let _ = writeln!(out, "\nCATEGORY  SUPPORT  THEMES  PRECISION  RECALL  F1");
            for (c, v) in &score.categories {
                let _ = writeln!(
                    out,
                    "{c}  {}  {}  {:.3}  {:.3}  {:.3}",
                    v.support, v.themes, v.precision, v.recall, v.f1
                );
            }
            let _ = writeln!(out, "\nTHEME  SIZE  -> CATEGORY  PRECISION");
            for (m, d) in score.mapped.iter().zip(&found) {
                let _ = writeln!(
                    out,
                    "{} ({})  {}  -> {}  {:.2}{}",
                    d.label,
                    m.id,
                    m.size,
                    m.category.as_deref().unwrap_or("–"),
                    m.precision,
                    if m.junk { "  junk" } else { "" }
                );
            }
        }
    }
    write_output(None, &out)?;
    Ok(Outcome::Ok)
}

#[derive(Debug, Default, serde::Serialize, Clone)]
struct Prf {
    support: u64,
    tp: u64,
    fp: u64,
    #[serde(rename = "fn")]
    fn_: u64,
    precision: f64,
    recall: f64,
    f1: f64,
}

impl Prf {
    fn finish(&mut self) {
        self.precision = ratio(self.tp, self.tp + self.fp);
        self.recall = ratio(self.tp, self.tp + self.fn_);
        self.f1 = if self.precision + self.recall > 0.0 {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        } else {
            0.0
        };
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// `koe eval themes`: precision and recall of theme assignment on a labelled file.
pub fn run_eval(args: EvalThemesArgs) -> anyhow::Result<Outcome> {
    if args.aspects {
        return run_eval_aspects(&args);
    }
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::BufRead;
    let analyzer = super::sentiment::analyzer_with_themes(
        &args.text,
        &args.lexicon,
        &args.themes,
        koe::text::LangHint::Auto,
        false,
    )?;
    // `--domain auto`: the packs whose words the sample's texts use.
    let mut themes = args.themes.clone();
    let picked = match named_domains(&themes.domain)? {
        Some(list) => Domains::every_lang(&list),
        None => {
            let body = std::fs::read_to_string(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let texts: Vec<String> = body
                .lines()
                .filter(|l| !l.starts_with("id\t"))
                .filter_map(|l| l.splitn(4, '\t').nth(3).map(str::to_string))
                .collect();
            koe::themes::domains::detect(texts, analyzer.text())?.picked
        }
    };
    themes.resolved = Some(picked);
    let analyzer = analyzer.with_themes(themes.matcher(analyzer.text())?);
    let matcher = analyzer.themes().clone();
    // Labels may name themes of packs `--domain` left off: they count as missed.
    let mut all = themes.clone();
    all.resolved = Some(Domains::every_lang(&TaxonomyFile::builtin_pack_ids()));
    let known: BTreeSet<String> = all.file()?.themes.iter().map(|t| t.id.clone()).collect();
    let f = File::open(&args.file)
        .with_context(|| format!("cannot open {}: check the path", args.file.display()))?;
    let mut worker = analyzer.worker();
    let mut overall = Prf::default();
    let mut by_theme: BTreeMap<String, Prf> = BTreeMap::new();
    let mut by_lang: BTreeMap<String, Prf> = BTreeMap::new();
    let mut records = 0u64;
    let mut exact = 0u64;
    let mut errors = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line =
            line.with_context(|| format!("{}:{}: not valid UTF-8", args.file.display(), i + 1))?;
        if i == 0 && line.starts_with("id\t") || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(4, '\t').collect();
        let [id, lang, labels, text] = cols[..] else {
            anyhow::bail!(
                "{}:{}: expected 4 tab-separated columns (id, lang, themes, text)",
                args.file.display(),
                i + 1
            );
        };
        let gold: BTreeSet<String> = labels
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        for g in &gold {
            if !known.contains(g) {
                anyhow::bail!(
                    "{}:{}: theme '{g}' is not in the taxonomy",
                    args.file.display(),
                    i + 1
                );
            }
        }
        records += 1;
        let (t, s) = worker.analyze_text(text);
        let hits = matcher.find(&t, &s);
        let found: BTreeSet<String> = hits.iter().map(|h| h.id.to_string()).collect();
        if found == gold {
            exact += 1;
        }
        let lang_stats = by_lang.entry(lang.to_string()).or_default();
        for th in gold.union(&found) {
            let stats = by_theme.entry(th.clone()).or_default();
            let (g, p) = (gold.contains(th), found.contains(th));
            for s in [&mut *stats, &mut overall, &mut *lang_stats] {
                s.support += u64::from(g);
                s.tp += u64::from(g && p);
                s.fp += u64::from(!g && p);
                s.fn_ += u64::from(g && !p);
            }
        }
        if found != gold && args.errors {
            let terms: Vec<String> = hits
                .iter()
                .map(|h| {
                    let ts: Vec<&str> = h.mentions.iter().map(|m| &*m.term).collect();
                    format!("{}[{}]", h.id, ts.join("; "))
                })
                .collect();
            errors.push(serde_json::json!({
                "id": id,
                "missed": gold.difference(&found).collect::<Vec<_>>(),
                "extra": found.difference(&gold).collect::<Vec<_>>(),
                "matched": terms,
                "text": text,
            }));
        }
    }
    overall.finish();
    by_theme.values_mut().for_each(Prf::finish);
    by_lang.values_mut().for_each(Prf::finish);
    use std::fmt::Write as _;
    let mut out = String::new();
    match args.format {
        super::sentiment::TextOrJson::Json => {
            let doc = serde_json::json!({
                "file": args.file.display().to_string(),
                "records": records,
                "exact_match": ratio(exact, records),
                "micro": overall,
                "by_language": by_lang,
                "by_theme": by_theme,
                "errors": errors,
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc)?);
        }
        super::sentiment::TextOrJson::Text => {
            let _ = writeln!(
                out,
                "{:<28} {:>7} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                "THEME", "SUPPORT", "TP", "FP", "FN", "PRECISION", "RECALL", "F1"
            );
            let line = |out: &mut String, name: &str, p: &Prf| {
                let _ = writeln!(
                    out,
                    "{:<28} {:>7} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
                    name, p.support, p.tp, p.fp, p.fn_, p.precision, p.recall, p.f1
                );
            };
            for (k, p) in &by_theme {
                line(&mut out, k, p);
            }
            let _ = writeln!(out);
            for (k, p) in &by_lang {
                line(&mut out, &format!("lang {k}"), p);
            }
            line(&mut out, "micro (all)", &overall);
            let _ = writeln!(
                out,
                "\n{records} records, {:.1}% with exactly the labelled themes",
                ratio(exact, records) * 100.0
            );
            for e in &errors {
                let _ = writeln!(out, "{e}");
            }
        }
    }
    write_output(None, &out)?;
    Ok(Outcome::Ok)
}
