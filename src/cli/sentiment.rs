//! `koe sentiment`: one text per line → score, label, evidence.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use koe::text::LangHint;
use serde::Serialize;

use super::Outcome;
use super::options::{SentimentOptions, TextOptions, TextOrJson, analyzer};

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
    let analyzer = analyzer(&args.text, &args.lexicon, None, args.lang)?;
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
