//! `koe generate`: builds a large, realistic review dump from corpus files (one
//! review per line) for benchmarks and scale tests: ids, dates over 18 months,
//! ratings, NPS scores and channels around real review text.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::Outcome;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GenFormat {
    /// CSV: id,date,rating,nps,channel,text
    Csv,
    /// JSON lines with the same fields.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Corpus files, one review per line (may repeat to mix languages).
    #[arg(long = "corpus", required = true)]
    pub corpus: Vec<PathBuf>,
    /// Target size, e.g. 100M, 1G (bytes of output).
    #[arg(long, default_value = "100M")]
    pub size: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: GenFormat,
    /// Output file (default stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Random seed (same seed, same output).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

fn parse_size(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num
        .parse()
        .with_context(|| format!("bad size '{s}' (use e.g. 100M or 1G)"))?;
    Ok((n * mult as f64) as u64)
}

pub fn run(args: GenerateArgs) -> anyhow::Result<Outcome> {
    let target = parse_size(&args.size)?;
    let mut lines: Vec<String> = Vec::new();
    for p in &args.corpus {
        let f = File::open(p).with_context(|| format!("cannot open corpus {}", p.display()))?;
        for line in BufReader::new(f).lines() {
            let line = line.with_context(|| format!("reading {}", p.display()))?;
            let t = line.trim();
            if !t.is_empty() {
                lines.push(t.to_string());
            }
        }
    }
    if lines.is_empty() {
        bail!("the corpus files hold no text lines");
    }
    let mut file = match &args.output {
        Some(p) => Some(super::output::AtomicFile::create(p)?),
        None => None,
    };
    let sink: Box<dyn Write + '_> = match file.as_mut() {
        Some(f) => Box::new(f),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let channels = ["web", "app", "phone", "email", "chat"];
    let start = koe::ingest::Date::new(2025, 1, 1)
        .map(|d| d.days_since_epoch())
        .unwrap_or(20089);
    let mut written: u64 = 0;
    let mut id: u64 = 0;
    if let GenFormat::Csv = args.format {
        let h = "id,date,rating,nps,channel,text\n";
        out.write_all(h.as_bytes())?;
        written += h.len() as u64;
    }
    while written < target {
        id += 1;
        let text = &lines[rng.usize(..lines.len())];
        let date = koe::ingest::Date::from_days_since_epoch(start + rng.i64(0..540));
        let rating = rng.u64(1..=5);
        let nps = (rating * 2).saturating_sub(rng.u64(..3)).min(10);
        let channel = channels[rng.usize(..channels.len())];
        let row = match args.format {
            GenFormat::Csv => format!(
                "G{id},{date},{rating},{nps},{channel},\"{}\"\n",
                text.replace('"', "\"\"")
            ),
            GenFormat::Jsonl => {
                let v = serde_json::json!({"id": format!("G{id}"), "date": date.to_string(), "rating": rating, "nps": nps, "channel": channel, "text": text});
                format!("{v}\n")
            }
        };
        out.write_all(row.as_bytes())?;
        written += row.len() as u64;
    }
    out.flush()?;
    drop(out);
    if let Some(f) = file {
        f.commit()?;
    }
    eprintln!("koe: generated {id} records, {written} bytes");
    Ok(Outcome::Ok)
}
