//! `koe tokenize`: one text per input line → wakati or JSON lines.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use koe::text::{LangHint, TextAnalysis};
use serde::Serialize;

use super::Outcome;
use super::options::TextOptions;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenizeFormat {
    /// Token surfaces separated by single spaces, one output line per input line.
    Wakati,
    /// One JSON object per input line: language, mojibake status, sentences, tokens.
    Json,
}

#[derive(Debug, Args)]
pub struct TokenizeArgs {
    /// Input file, one text per line; `-` or nothing for standard input.
    pub input: Option<PathBuf>,
    /// Language: auto (per text and sentence), ja, ko, en.
    #[arg(long, default_value = "auto")]
    pub lang: LangHint,
    /// Output format.
    #[arg(long, value_enum, default_value = "wakati")]
    pub format: TokenizeFormat,
    #[command(flatten)]
    pub text: TextOptions,
}

#[derive(Serialize)]
struct JsonToken<'a> {
    surface: &'a str,
    norm: &'a str,
    lemma: &'a str,
    pos: &'static str,
    tag: &'static str,
    start: usize,
    end: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stop: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    negator: bool,
}

#[derive(Serialize)]
struct JsonSentence {
    start: usize,
    end: usize,
    lang: &'static str,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    line: usize,
    lang: &'static str,
    mojibake: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    repair: Option<&'static str>,
    sentences: Vec<JsonSentence>,
    tokens: Vec<JsonToken<'a>>,
}

fn json_line<'a>(line: usize, text: &'a str, a: &'a TextAnalysis) -> JsonLine<'a> {
    JsonLine {
        line,
        lang: a.lang.as_str(),
        mojibake: a.mojibake.as_str(),
        repair: a.repair,
        sentences: a
            .sentences
            .iter()
            .map(|s| JsonSentence {
                start: s.span.start,
                end: s.span.end,
                lang: s.lang.as_str(),
            })
            .collect(),
        tokens: a
            .tokens
            .iter()
            .map(|t| JsonToken {
                surface: &text[t.span.clone()],
                norm: a.norm(t),
                lemma: &t.lemma,
                pos: t.pos.as_str(),
                tag: t.tag,
                start: t.span.start,
                end: t.span.end,
                stop: t.stop,
                negator: t.negator,
            })
            .collect(),
    }
}

pub fn run(args: TokenizeArgs) -> anyhow::Result<Outcome> {
    let processor = args.text.processor()?;
    let mut worker = processor.new_worker();
    let (reader, name): (Box<dyn BufRead>, String) = match &args.input {
        None => (Box::new(std::io::stdin().lock()), "<stdin>".into()),
        Some(p) if p.as_os_str() == "-" => (Box::new(std::io::stdin().lock()), "<stdin>".into()),
        Some(p) => {
            let f = std::fs::File::open(p)
                .with_context(|| format!("cannot open {}: check the path", p.display()))?;
            (
                Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
                p.display().to_string(),
            )
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut reader = reader;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut lossy_lines = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {name}"))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.ends_with(b"\n") {
            buf.pop();
            if buf.ends_with(b"\r") {
                buf.pop();
            }
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                lossy_lines += 1;
                if lossy_lines <= 5 {
                    eprintln!(
                        "koe: warning: {name}:{line_no}: not valid UTF-8; invalid bytes replaced with U+FFFD"
                    );
                }
                String::from_utf8_lossy(&buf)
            }
        };
        match args.format {
            TokenizeFormat::Wakati => {
                let mut first = true;
                worker.analyze_chunked(&text, args.lang, |a| {
                    for t in &a.tokens {
                        if !first {
                            let _ = out.write_all(b" ");
                        }
                        first = false;
                        let _ = out.write_all(text[t.span.clone()].as_bytes());
                    }
                });
                out.write_all(b"\n")?;
            }
            TokenizeFormat::Json => {
                let a = worker.analyze(&text, args.lang);
                serde_json::to_writer(&mut out, &json_line(line_no, &text, &a))?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    if lossy_lines > 5 {
        eprintln!("koe: warning: {name}: {lossy_lines} lines were not valid UTF-8 in all");
    }
    Ok(Outcome::Ok)
}
