//! `koe calibrate`: learns a lexicon overlay from the ratings in the user's own data,
//! with a held-out cross-validation report of the gain.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use koe::analyze::Analyzer;
use koe::ingest::Reader;
use koe::sentiment::calibrate::{self, Sample, Settings};
use koe::text::TextAnalysis;
use rayon::prelude::*;

use super::Outcome;
use super::TextOptions;
use super::analyze::InputArgs;
use super::sentiment::SentimentOptions;

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the overlay (a lexicon TSV for `--lexicon`).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Folds of the cross-validation that measures the gain.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Ignore words seen in fewer records than this.
    #[arg(long, default_value_t = 3)]
    pub min_count: usize,
    /// Records used for the cross-validation report (the overlay learns from all).
    #[arg(long, default_value_t = 20_000)]
    pub cv_records: usize,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

/// What a calibration run found.
pub struct Calibration {
    pub overlay: calibrate::Overlay,
    pub records: usize,
    pub plain: f64,
    pub calibrated: f64,
    pub cv_records: usize,
}

impl Calibration {
    /// One line on what was learned and the cross-validated gain.
    pub fn note(&self, folds: usize) -> String {
        format!(
            "{} rated records; {folds}-fold strict accuracy {:.4} plain -> {:.4} calibrated (on {} records)",
            self.records, self.plain, self.calibrated, self.cv_records
        )
    }
}

/// Reads rated records from the inputs, learns an overlay and cross-validates it.
pub fn learn(
    analyzer: &Analyzer,
    input: &InputArgs,
    folds: usize,
    min_count: usize,
    cv_records: usize,
) -> anyhow::Result<Calibration> {
    if input.paths().iter().any(|p| p.as_os_str() == "-") {
        bail!("calibration reads its input twice and cannot use stdin: give files");
    }
    let opts = input.ingest_options()?;
    let mut texts: Vec<(String, bool)> = Vec::new();
    for path in input.paths() {
        let reader = Reader::open_path(&path, &opts)?;
        if reader.info().rating_column.is_none() {
            eprintln!(
                "koe: warning: {}: no rating column; not used for calibration",
                path.display()
            );
            continue;
        }
        for r in reader.flatten() {
            let (Some(rating), text) = (r.rating, r.text()) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let v = rating.normalized();
            if v > 0.6 {
                texts.push((text.into_owned(), true));
            } else if v < 0.4 {
                texts.push((text.into_owned(), false));
            }
        }
    }
    if texts.len() < 20 {
        bail!(
            "only {} records have both text and a clearly positive or negative rating; calibration needs at least 20",
            texts.len()
        );
    }
    let analysed: Vec<(TextAnalysis, Sample)> = texts
        .par_iter()
        .map_init(
            || analyzer.worker(),
            |w, (text, positive)| {
                let (t, s) = w.analyze_text(text);
                let sample = calibrate::sample(&t, &s, *positive);
                (t, sample)
            },
        )
        .collect();
    let samples: Vec<Sample> = analysed.iter().map(|(_, s)| s.clone()).collect();
    let model = analyzer.sentiment_model();
    let settings = Settings {
        min_count,
        ..Settings::default()
    };
    // Cross-validation on (at most) cv_records of them.
    let n_cv = analysed.len().min(cv_records);
    let cv_texts: Vec<(&str, &TextAnalysis)> = texts
        .iter()
        .zip(&analysed)
        .take(n_cv)
        .map(|((t, _), (a, _))| (t.as_str(), a))
        .collect();
    let plain: Vec<f32> = cv_texts
        .iter()
        .map(|(t, a)| model.score(t, a).overall.score)
        .collect();
    let calibrated = calibrate::cross_validate(model, &cv_texts, &samples[..n_cv], folds, settings);
    let all: Vec<usize> = (0..samples.len()).collect();
    let overlay = calibrate::train(&samples, &all, settings, &|e| model.entry_score(e));
    Ok(Calibration {
        overlay,
        records: samples.len(),
        plain: calibrate::strict_accuracy(&plain, &samples[..n_cv]),
        calibrated: calibrate::strict_accuracy(&calibrated, &samples[..n_cv]),
        cv_records: n_cv,
    })
}

pub fn run(args: CalibrateArgs) -> anyhow::Result<Outcome> {
    super::output::check_outputs(&[&args.output], &args.input.paths())?;
    let analyzer = super::sentiment::analyzer(&args.text, &args.lexicon, args.input.lang)?;
    let c = learn(
        &analyzer,
        &args.input,
        args.folds,
        args.min_count,
        args.cv_records,
    )?;
    let note = c.note(args.folds);
    super::output::write_file(&args.output, c.overlay.to_tsv(&note).as_bytes())?;
    eprintln!("koe: calibration: {note}");
    eprintln!(
        "koe: wrote {} overlay entries to {} (use it with --lexicon)",
        c.overlay.entries.len(),
        args.output.display()
    );
    Ok(Outcome::Ok)
}
