//! `koe eval`: sentiment (labelled TSV → accuracy, F1, confusion matrix, speed, and
//! calibration measured on held-out folds) and themes (theme assignment precision and
//! recall, or discovery against annotated aspects).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use koe::sentiment::Label;
use koe::sentiment::eval::{EvalReport, calibrate_split, evaluate};
use koe::text::LangHint;
use koe::themes::{Domains, TaxonomyFile, ThemeMatcher};

use super::Outcome;
use super::options::{
    SentimentOptions, TextOptions, TextOrJson, ThemeOptions, analyzer, named_domains,
};
use super::output::write_output;
use koe::themes::eval::{Prf, read_labelled};

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Evaluate sentiment on a labelled TSV (`label<TAB>text`, label pos/neg/neu).
    ///
    /// A prediction is the sign of koe's score: pos, neg, or neu when the score is 0
    /// (no evidence, or evidence that cancels out).
    ///
    /// strict accuracy: share of all rows whose prediction equals the gold label; a neu
    /// prediction on a pos or neg row counts as wrong.
    ///
    /// lenient accuracy: on the pos/neg rows only, a neu prediction is replaced by the
    /// majority class of those rows (what a two-class system that backs off to the
    /// majority class when it finds no evidence would say); the sign of any non-zero
    /// score is kept.
    ///
    /// majority baseline: on the pos/neg rows, the accuracy of always predicting their
    /// majority class; lenient accuracy is comparable with it, strict accuracy is not.
    ///
    /// With --calibrate-split K, the rows are split into K folds; for each fold,
    /// `koe calibrate` is run on the other folds (including its own cross-validated
    /// decision whether to keep the overlay) and the fold is scored with the result, so
    /// the calibrated figures measure what calibration would really do.
    Sentiment(EvalSentimentArgs),
    /// Evaluate theme assignment (precision / recall) on a labelled TSV
    /// (`id<TAB>lang<TAB>themes<TAB>text`).
    Themes(Box<EvalThemesArgs>),
}

#[derive(Debug, Args)]
pub struct EvalSentimentArgs {
    /// The labelled file.
    pub file: PathBuf,
    /// Language: auto, ja, ko, en.
    #[arg(long, default_value = "auto")]
    pub lang: LangHint,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Also calibrate inside the file with K-fold cross-validation (run the calibration,
    /// with its keep-or-refuse decision, on K-1 folds from the labels, score the
    /// held-out fold) and report both, per fold too.
    #[arg(long, value_name = "K")]
    pub calibrate_split: Option<usize>,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

pub fn run(cmd: EvalCommand) -> anyhow::Result<Outcome> {
    let args = match cmd {
        EvalCommand::Sentiment(args) => args,
        EvalCommand::Themes(args) => return run_eval_themes(*args),
    };
    let analyzer = analyzer(&args.text, &args.lexicon, None, args.lang)?;
    let mut worker = analyzer.worker();
    let f = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}: check the path", args.file.display()))?;
    let mut rows: Vec<(Label, String)> = Vec::new();
    let mut skipped = 0u64;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line =
            line.with_context(|| format!("{}:{}: not valid UTF-8", args.file.display(), i + 1))?;
        let Some((label, text)) = line.split_once('\t') else {
            if !line.trim().is_empty() {
                skipped += 1;
                eprintln!(
                    "koe: warning: {}:{}: no tab between label and text; skipped",
                    args.file.display(),
                    i + 1
                );
            }
            continue;
        };
        match label.parse::<Label>() {
            Ok(l) => rows.push((l, text.to_string())),
            Err(e) => {
                if i == 0 {
                    continue; // header
                }
                skipped += 1;
                eprintln!(
                    "koe: warning: {}:{}: {e}; skipped",
                    args.file.display(),
                    i + 1
                );
            }
        }
    }
    let started = Instant::now();
    let mut predictions = Vec::with_capacity(rows.len());
    let mut analyses = Vec::new();
    for (_, text) in &rows {
        let (t, s) = worker.analyze_text(text);
        predictions.push(s.overall.score);
        if args.calibrate_split.is_some() {
            analyses.push((t, s));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let name = args.file.display().to_string();
    let report = evaluate(&name, &rows, &predictions, skipped, seconds);
    let calibrated = match args.calibrate_split {
        Some(k) if k >= 2 => {
            let (scores, folds) = calibrate_split(
                analyzer.sentiment_model(),
                &rows,
                &analyses,
                &predictions,
                k,
            );
            Some((
                evaluate(
                    &format!("{name} (calibrated, {k}-fold)"),
                    &rows,
                    &scores,
                    skipped,
                    seconds,
                ),
                folds,
            ))
        }
        Some(k) => anyhow::bail!("--calibrate-split needs at least 2 folds, got {k}"),
        None => None,
    };
    match args.format {
        TextOrJson::Json => match &calibrated {
            Some((c, folds)) => println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"plain": report, "calibrated": c, "folds": folds})
                )?
            ),
            None => println!("{}", serde_json::to_string_pretty(&report)?),
        },
        TextOrJson::Text => {
            print_report(&report);
            if let Some((c, folds)) = &calibrated {
                println!();
                print_report(c);
                println!("per fold (held-out pos/neg rows, strict accuracy plain -> calibrated):");
                for (i, f) in folds.iter().enumerate() {
                    println!(
                        "  fold {}: n={} {:.4} -> {:.4} ({})",
                        i + 1,
                        f.n,
                        f.plain_strict,
                        f.calibrated_strict,
                        if f.kept {
                            "overlay kept"
                        } else {
                            "no reliable gain: plain lexicon"
                        }
                    );
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn print_report(r: &EvalReport) {
    println!("file              {}", r.file);
    println!(
        "n                 {}{}",
        r.n,
        if r.skipped > 0 {
            format!(" ({} lines skipped)", r.skipped)
        } else {
            String::new()
        }
    );
    println!(
        "strict accuracy   {:.4}  (all rows; neu predicted for pos/neg = wrong)",
        r.strict_accuracy
    );
    println!(
        "lenient accuracy  {:.4}  (pos/neg rows; neu predicted = majority class)",
        r.lenient_accuracy
    );
    println!("majority baseline {:.4}", r.majority_baseline);
    println!("coverage          {:.4}", r.coverage);
    println!("macro F1          {:.4}", r.macro_f1);
    for (l, c) in &r.classes {
        println!(
            "  {l}: precision {:.4} recall {:.4} F1 {:.4} (n={})",
            c.precision, c.recall, c.f1, c.support
        );
    }
    println!("confusion (gold → predicted pos / neg / neu):");
    for (g, m) in &r.confusion {
        let get = |k: &str| m.get(k).copied().unwrap_or(0);
        println!("  {g}: {} / {} / {}", get("pos"), get("neg"), get("neu"));
    }
    println!(
        "speed             {:.0} rows/s ({:.2}s, one thread)",
        r.rows_per_second, r.seconds
    );
}

#[derive(Debug, Args)]
pub struct EvalThemesArgs {
    /// Labelled TSV with a header: `id<TAB>lang<TAB>themes<TAB>text`, themes comma-separated.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
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
    pub lexicon: SentimentOptions,
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
    let level = match args.gold {
        GoldArg::Category => GoldLevel::Category,
        GoldArg::Target => GoldLevel::Target,
        GoldArg::Entity => GoldLevel::Entity,
        GoldArg::Attribute => GoldLevel::Attribute,
    };
    let body = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let (order, gold) = koe::themes::eval::read_aspects(&body, level)
        .map_err(|e| anyhow::anyhow!("{}:{e}", args.file.display()))?;
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
        TextOrJson::Json => {
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
        TextOrJson::Text => {
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

/// `koe eval themes`: precision and recall of theme assignment on a labelled file.
pub fn run_eval_themes(args: EvalThemesArgs) -> anyhow::Result<Outcome> {
    if args.aspects {
        return run_eval_aspects(&args);
    }
    use std::collections::BTreeSet;
    let analyzer = analyzer(
        &args.text,
        &args.lexicon,
        Some(&args.themes),
        LangHint::Auto,
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
    let body = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}: check the path", args.file.display()))?;
    let rows =
        read_labelled(&body, &known).map_err(|e| anyhow::anyhow!("{}:{e}", args.file.display()))?;
    let mut worker = analyzer.worker();
    let e = koe::themes::eval::evaluate(
        &rows,
        |text| {
            let (t, s) = worker.analyze_text(text);
            matcher.find(&t, &s)
        },
        args.errors,
    );
    use std::fmt::Write as _;
    let mut out = String::new();
    match args.format {
        TextOrJson::Json => {
            let doc = serde_json::json!({
                "file": args.file.display().to_string(),
                "records": e.records,
                "exact_match": e.exact_match,
                "micro": e.micro,
                "by_language": e.by_language,
                "by_theme": e.by_theme,
                "errors": e.errors,
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc)?);
        }
        TextOrJson::Text => {
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
            for (k, p) in &e.by_theme {
                line(&mut out, k, p);
            }
            let _ = writeln!(out);
            for (k, p) in &e.by_language {
                line(&mut out, &format!("lang {k}"), p);
            }
            line(&mut out, "micro (all)", &e.micro);
            let _ = writeln!(
                out,
                "\n{} records, {:.1}% with exactly the labelled themes",
                e.records,
                e.exact_match * 100.0
            );
            for m in &e.errors {
                let _ = writeln!(out, "{}", serde_json::to_value(m)?);
            }
        }
    }
    write_output(None, &out)?;
    Ok(Outcome::Ok)
}
