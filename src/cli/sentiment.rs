//! `koe sentiment` (one text per line → score, label, evidence) and
//! `koe eval sentiment` (labelled TSV → accuracy, F1, confusion matrix, speed).

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use koe::analyze::Analyzer;
use koe::sentiment::calibrate::{self, Sample, Settings};
use koe::sentiment::{Label, SentimentModel};
use koe::text::LangHint;
use serde::Serialize;

use super::{Outcome, TextOptions};

/// Lexicon options shared by the commands that score sentiment.
#[derive(Debug, Clone, Args)]
pub struct SentimentOptions {
    /// Extra lexicon (`entry<TAB>score[<TAB>POS]`, −4..4; a calibration overlay); may repeat.
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Do not load koe's own lexicons.
    #[arg(long)]
    pub no_builtin_lexicon: bool,
}

impl SentimentOptions {
    /// The model these options describe.
    pub fn model(&self) -> anyhow::Result<SentimentModel> {
        let mut b = SentimentModel::builder().builtin(!self.no_builtin_lexicon);
        for l in &self.lexicons {
            b = b.lexicon(l);
        }
        Ok(b.build()?)
    }
}

/// The analyzer the text and lexicon options describe.
pub fn analyzer(
    text: &TextOptions,
    lexicon: &SentimentOptions,
    lang: LangHint,
) -> anyhow::Result<Analyzer> {
    analyzer_with_themes(
        text,
        lexicon,
        &super::themes::ThemeOptions::default(),
        lang,
        false,
    )
}

/// The analyzer with the taxonomy options too; `discovery` collects phrase candidates.
pub fn analyzer_with_themes(
    text: &TextOptions,
    lexicon: &SentimentOptions,
    themes: &super::themes::ThemeOptions,
    lang: LangHint,
    discovery: bool,
) -> anyhow::Result<Analyzer> {
    // The lexicons load while the dictionaries do (both are start-up).
    let (processor, model) = rayon::join(|| text.processor(), || lexicon.model());
    let processor = processor?;
    let matcher = themes.matcher(&processor)?;
    Ok(Analyzer::builder()
        .text(processor)
        .sentiment(model?)
        .themes(matcher)
        .discovery(discovery)
        .lang(lang)
        .build()?)
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextOrJson {
    /// Human-readable.
    Text,
    /// JSON lines / a JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct SentimentArgs {
    /// Input file, one text per line; `-` or nothing for stdin.
    pub input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Language: auto, ja, ko, en.
    #[arg(long, default_value = "auto")]
    pub lang: LangHint,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

fn open_input(path: &Option<PathBuf>) -> anyhow::Result<(Box<dyn BufRead>, String)> {
    Ok(match path {
        None => (Box::new(std::io::stdin().lock()), "<stdin>".into()),
        Some(p) if p.as_os_str() == "-" => (Box::new(std::io::stdin().lock()), "<stdin>".into()),
        Some(p) => {
            let f = std::fs::File::open(p)
                .with_context(|| format!("cannot open {}: check the path", p.display()))?;
            (
                Box::new(std::io::BufReader::new(f)),
                p.display().to_string(),
            )
        }
    })
}

pub fn run(args: SentimentArgs) -> anyhow::Result<Outcome> {
    let analyzer = analyzer(&args.text, &args.lexicon, args.lang)?;
    let mut worker = analyzer.worker();
    let (reader, name) = open_input(&args.input)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{name}:{}: not valid UTF-8 text", i + 1))?;
        let line = line.trim_end_matches('\r');
        let (t, s) = worker.analyze_text(line);
        match args.format {
            TextOrJson::Json => {
                #[derive(Serialize)]
                struct Line<'a> {
                    line: usize,
                    lang: &'static str,
                    #[serde(flatten)]
                    sentiment: &'a koe::sentiment::TextSentiment,
                }
                serde_json::to_writer(
                    &mut out,
                    &Line {
                        line: i + 1,
                        lang: t.lang.as_str(),
                        sentiment: &s,
                    },
                )?;
                out.write_all(b"\n")?;
            }
            TextOrJson::Text => {
                let ev: Vec<String> = s
                    .evidence
                    .iter()
                    .map(|e| {
                        let rules = if e.rules.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", e.rules.join(","))
                        };
                        format!(
                            "{}({:+.1}→{:+.2}){}",
                            &line[e.start..e.end],
                            e.score,
                            e.value,
                            rules
                        )
                    })
                    .collect();
                writeln!(
                    out,
                    "{}\t{:+.3}\t{:.2}\t{}\t{}",
                    s.overall.label.as_str(),
                    s.overall.score,
                    s.overall.confidence,
                    ev.join(" "),
                    line
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

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
    Themes(Box<super::themes::EvalThemesArgs>),
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

#[derive(Debug, Default, Serialize)]
struct ClassStats {
    precision: f64,
    recall: f64,
    f1: f64,
    support: u64,
}

/// Evaluation figures.
#[derive(Debug, Default, Serialize)]
pub struct EvalReport {
    file: String,
    n: u64,
    skipped: u64,
    /// Right predictions over all rows; neu predicted for pos/neg counts as wrong.
    strict_accuracy: f64,
    /// Over pos/neg rows; a neu prediction counts as the majority class of those rows.
    lenient_accuracy: f64,
    /// Over pos/neg rows: always predicting their majority class.
    majority_baseline: f64,
    coverage: f64,
    macro_f1: f64,
    classes: BTreeMap<&'static str, ClassStats>,
    /// confusion[gold][predicted]
    confusion: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    rows_per_second: f64,
    seconds: f64,
}

pub fn run_eval(cmd: EvalCommand) -> anyhow::Result<Outcome> {
    let args = match cmd {
        EvalCommand::Sentiment(args) => args,
        EvalCommand::Themes(args) => return super::themes::run_eval(*args),
    };
    let analyzer = analyzer(&args.text, &args.lexicon, args.lang)?;
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
            let (scores, folds) = calibrate_split(&analyzer, &rows, &analyses, &predictions, k);
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

/// One outer fold of `--calibrate-split`.
#[derive(Debug, Serialize)]
struct SplitFold {
    /// Held-out pos/neg rows.
    n: usize,
    /// Strict accuracy of the plain lexicon on them.
    plain_strict: f64,
    /// Strict accuracy after calibrating on the other folds.
    calibrated_strict: f64,
    /// Whether the calibration on the other folds kept its overlay.
    kept: bool,
    /// The inner cross-validation's summary that decided it.
    decision: String,
}

/// `--calibrate-split k`: for each of `k` folds of the pos/neg rows, runs the
/// calibration (with its keep-or-refuse decision) on the other folds and scores the
/// fold with the result. Returns every row's score (neutral rows keep the plain one).
fn calibrate_split(
    analyzer: &Analyzer,
    rows: &[(Label, String)],
    analyses: &[(koe::text::TextAnalysis, koe::sentiment::TextSentiment)],
    plain: &[f32],
    k: usize,
) -> (Vec<f32>, Vec<SplitFold>) {
    let polar: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].0 != Label::Neu)
        .collect();
    let prober = calibrate::Prober::new(
        polar
            .iter()
            .map(|&i| calibrate::candidates(&analyses[i].0))
            .collect::<Vec<_>>()
            .iter()
            .map(Vec::as_slice),
        Settings::default().min_count,
    );
    let samples: Vec<Sample> = polar
        .iter()
        .map(|&i| {
            let (t, s) = &analyses[i];
            prober.sample(&rows[i].1, t, s, rows[i].0 == Label::Pos)
        })
        .collect();
    let texts: Vec<(&str, &koe::text::TextAnalysis)> = polar
        .iter()
        .map(|&i| (rows[i].1.as_str(), &analyses[i].0))
        .collect();
    let plain_polar: Vec<f32> = polar.iter().map(|&i| plain[i]).collect();
    let model = analyzer.sentiment_model();
    let settings = Settings::default();
    let mut scores = plain.to_vec();
    let mut out = Vec::new();
    let strict = |score: f32, positive: bool| {
        if positive { score > 0.0 } else { score < 0.0 }
    };
    for (train_rows, test_rows) in calibrate::folds(polar.len(), k) {
        let verdict =
            calibrate::assess(model, &texts, &samples, &plain_polar, &train_rows, settings);
        let kept = verdict.kept();
        let calibrated = kept.then(|| {
            let overlay = calibrate::train(&samples, &train_rows, settings, &|e| model.entry(e));
            model.with_overlay(&overlay)
        });
        let (mut p, mut c) = (0usize, 0usize);
        for &j in &test_rows {
            let score = match &calibrated {
                Some(m) => m.score(texts[j].0, texts[j].1).overall.score,
                None => plain_polar[j],
            };
            scores[polar[j]] = score;
            p += usize::from(strict(plain_polar[j], samples[j].positive));
            c += usize::from(strict(score, samples[j].positive));
        }
        let n = test_rows.len().max(1) as f64;
        out.push(SplitFold {
            n: test_rows.len(),
            plain_strict: p as f64 / n,
            calibrated_strict: c as f64 / n,
            kept,
            decision: verdict.summary(),
        });
    }
    (scores, out)
}

fn evaluate(
    file: &str,
    rows: &[(Label, String)],
    scores: &[f32],
    skipped: u64,
    seconds: f64,
) -> EvalReport {
    let mut r = EvalReport {
        file: file.into(),
        n: rows.len() as u64,
        skipped,
        seconds,
        ..EvalReport::default()
    };
    let (mut strict, mut lenient, mut covered) = (0u64, 0u64, 0u64);
    let polar = rows.iter().filter(|(g, _)| *g != Label::Neu).count();
    let positives = rows.iter().filter(|(g, _)| *g == Label::Pos).count();
    let majority = if 2 * positives >= polar {
        Label::Pos
    } else {
        Label::Neg
    };
    let labels = [Label::Pos, Label::Neg, Label::Neu];
    let mut confusion: BTreeMap<&'static str, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for ((gold, _), &score) in rows.iter().zip(scores) {
        let predicted = if score > 0.0 {
            Label::Pos
        } else if score < 0.0 {
            Label::Neg
        } else {
            Label::Neu
        };
        if score != 0.0 {
            covered += 1;
        }
        if predicted == *gold {
            strict += 1;
        }
        let lenient_pred = if predicted == Label::Neu {
            majority
        } else {
            predicted
        };
        if *gold != Label::Neu && lenient_pred == *gold {
            lenient += 1;
        }
        *confusion
            .entry(gold.as_str())
            .or_default()
            .entry(predicted.as_str())
            .or_default() += 1;
    }
    let n = rows.len().max(1) as f64;
    r.strict_accuracy = strict as f64 / n;
    r.lenient_accuracy = lenient as f64 / polar.max(1) as f64;
    let majority_right = if majority == Label::Pos {
        positives
    } else {
        polar - positives
    };
    r.majority_baseline = majority_right as f64 / polar.max(1) as f64;
    r.coverage = covered as f64 / n;
    let mut f1s = Vec::new();
    for l in labels {
        let support = rows.iter().filter(|(g, _)| *g == l).count() as u64;
        let tp = confusion
            .get(l.as_str())
            .and_then(|m| m.get(l.as_str()))
            .copied()
            .unwrap_or(0);
        let predicted: u64 = confusion.values().filter_map(|m| m.get(l.as_str())).sum();
        if support == 0 && predicted == 0 {
            continue;
        }
        let precision = if predicted > 0 {
            tp as f64 / predicted as f64
        } else {
            0.0
        };
        let recall = if support > 0 {
            tp as f64 / support as f64
        } else {
            0.0
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        if support > 0 {
            f1s.push(f1);
        }
        r.classes.insert(
            l.as_str(),
            ClassStats {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    r.macro_f1 = if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    };
    r.confusion = confusion;
    r.rows_per_second = rows.len() as f64 / seconds.max(1e-9);
    r
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
