//! `koe calibrate`: learns a lexicon overlay from the ratings in the user's own data,
//! with a held-out cross-validation of the gain; writes nothing (exit 1) when the gain
//! is not reliable.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use koe::analyze::Analyzer;
use koe::analyze::run::Inputs;
use koe::sentiment::calibrate::{self, Calibration, FitOptions};

use super::Outcome;
use super::options::{InputArgs, SentimentOptions, TextOptions, analyzer};

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the overlay (a lexicon TSV with the n-gram model's `@` lines, format
    /// version 2, for `--lexicon`).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Folds of the cross-validation that decides whether the overlay is kept (a gain on
    /// every fold and a one-sided McNemar p < 0.01 over the held-out records).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Ignore words seen in fewer records than this.
    #[arg(long, default_value_t = 3)]
    pub min_count: usize,
    /// Records used for the cross-validation (spread over the input; the overlay learns
    /// from all).
    #[arg(long, default_value_t = 20_000)]
    pub cv_records: usize,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

/// Reads the rated records of the inputs and calibrates the analyzer's lexicons on
/// them ([`calibrate::fit`]).
pub fn learn(
    analyzer: &Analyzer,
    inputs: &Inputs,
    options: FitOptions,
) -> anyhow::Result<Calibration> {
    if inputs.paths().iter().any(|p| p.as_os_str() == "-") {
        bail!("calibration reads its input twice and cannot use stdin: give files");
    }
    options.check()?;
    let rated = inputs.rated_texts()?;
    for path in &rated.unrated {
        eprintln!(
            "koe: warning: {}: no rating column; not used for calibration",
            path.display()
        );
    }
    Ok(calibrate::fit(
        analyzer.sentiment_model(),
        &rated.texts,
        || analyzer.worker(),
        |w, text| w.analyze_text(text),
        options,
    )?)
}

pub fn run(args: CalibrateArgs) -> anyhow::Result<Outcome> {
    super::output::check_outputs(&[&args.output], &args.input.paths())?;
    let analyzer = analyzer(&args.text, &args.lexicon, None, args.input.lang)?;
    let options = FitOptions {
        folds: args.folds,
        min_count: args.min_count,
        cv_records: args.cv_records,
    };
    let c = learn(&analyzer, &args.input.inputs()?, options)?;
    if !c.kept() {
        eprintln!("koe: calibration: {}", c.refusal());
        eprintln!("koe: wrote no overlay");
        return Ok(Outcome::Negative);
    }
    let note = c.note();
    super::output::write_file(&args.output, c.overlay.to_tsv(&note).as_bytes())?;
    eprintln!("koe: calibration: {note}");
    eprintln!(
        "koe: wrote {} overlay entries and {} character n-gram weights to {} (use it with --lexicon)",
        c.overlay.entries.len(),
        c.overlay.grams.weights.len(),
        args.output.display()
    );
    Ok(Outcome::Ok)
}
