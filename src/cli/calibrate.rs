//! `koe calibrate`: learns a lexicon overlay from the ratings in the user's own data,
//! with a held-out cross-validation of the gain; writes nothing (exit 1) when the gain
//! is not reliable.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use koe::analyze::Analyzer;
use koe::ingest::Reader;
use koe::sentiment::TextSentiment;
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

/// What a calibration run found.
pub struct Calibration {
    /// The overlay learned from all rated records (empty when not kept).
    pub overlay: calibrate::Overlay,
    /// Rated records with a clear side (pos/neg).
    pub records: usize,
    /// The cross-validated verdict.
    pub assessment: calibrate::Assessment,
}

impl Calibration {
    /// Whether the overlay should be written and applied.
    pub fn kept(&self) -> bool {
        self.assessment.kept()
    }

    /// One line on what was measured (and learned).
    pub fn note(&self) -> String {
        format!(
            "{} rated records; {}",
            self.records,
            self.assessment.summary()
        )
    }

    /// The message when nothing is kept.
    pub fn refusal(&self) -> String {
        format!(
            "no reliable gain: the ratings do not predict the text's sentiment better than the lexicon does (a kept overlay needs a gain on every fold and McNemar p < {}); nothing learned. {}",
            self.assessment.alpha,
            self.note()
        )
    }
}

/// Reads rated records from the inputs, cross-validates the calibration and, when the
/// gain is reliable, learns the overlay from all of them.
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
    if folds < 2 {
        bail!("--folds needs at least 2 folds, got {folds}");
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
    let analysed: Vec<(TextAnalysis, TextSentiment, Vec<String>)> = texts
        .par_iter()
        .map_init(
            || analyzer.worker(),
            |w, (text, _)| {
                let (t, s) = w.analyze_text(text);
                let candidates = calibrate::candidates(&t);
                (t, s, candidates)
            },
        )
        .collect();
    let prober = calibrate::Prober::new(analysed.iter().map(|x| x.2.as_slice()), min_count);
    let samples: Vec<Sample> = texts
        .par_iter()
        .zip(&analysed)
        .map(|((text, positive), (t, s, _))| prober.sample(text, t, s, *positive))
        .collect();
    let plain: Vec<f32> = analysed.iter().map(|x| x.1.overall.score).collect();
    let model = analyzer.sentiment_model();
    let settings = Settings {
        min_count,
        folds,
        ..Settings::default()
    };
    let cv_texts: Vec<(&str, &TextAnalysis)> = texts
        .iter()
        .zip(&analysed)
        .map(|((t, _), (a, _, _))| (t.as_str(), a))
        .collect();
    // Cross-validation on (at most) cv_records of them, spread over the whole input.
    let n = samples.len();
    let n_cv = n.min(cv_records.max(folds * 10));
    let rows: Vec<usize> = (0..n_cv).map(|i| i * n / n_cv).collect();
    let assessment = calibrate::assess(model, &cv_texts, &samples, &plain, &rows, settings);
    let overlay = if assessment.kept() {
        let all: Vec<usize> = (0..n).collect();
        calibrate::train(&samples, &all, settings, &|e| model.entry(e))
    } else {
        calibrate::Overlay::default()
    };
    Ok(Calibration {
        overlay,
        records: n,
        assessment,
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
    if !c.kept() {
        eprintln!("koe: calibration: {}", c.refusal());
        eprintln!("koe: wrote no overlay");
        return Ok(Outcome::Negative);
    }
    let note = c.note();
    super::output::write_file(&args.output, c.overlay.to_tsv(&note).as_bytes())?;
    eprintln!("koe: calibration: {note}");
    eprintln!(
        "koe: wrote {} overlay entries to {} (use it with --lexicon)",
        c.overlay.entries.len(),
        args.output.display()
    );
    Ok(Outcome::Ok)
}
