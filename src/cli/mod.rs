//! Command-line interface: one file per subcommand, one args struct each.

mod analyze;
mod calibrate;
mod eval;
mod export;
mod generate;
mod index;
mod options;
mod output;
mod report;
mod run;
mod sentiment;
mod serve;
mod themes;
mod tokenize;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// koe (声): sentiment, themes, metrics and search for Japanese, Korean and English customer feedback.
#[derive(Debug, Parser)]
#[command(name = "koe", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse review dumps / survey exports: one analysed record per line (JSONL or CSV).
    Analyze(Box<analyze::AnalyzeArgs>),
    /// Learn a sentiment lexicon overlay from the ratings in your own data.
    Calibrate(Box<calibrate::CalibrateArgs>),
    /// Score sentiment, one text per line, with the evidence.
    Sentiment(sentiment::SentimentArgs),
    /// Evaluate against labelled data.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Build a large realistic review dump from corpus files (for benchmarks).
    Generate(generate::GenerateArgs),
    /// Tokenize text, one text per input line (like `mecab -Owakati`, or JSON lines).
    Tokenize(tokenize::TokenizeArgs),
    /// Theme table of a dump: taxonomy themes with volume, sentiment, NPS impact and
    /// trend, plus recurring themes nobody listed (discovery).
    Themes(Box<themes::ThemesArgs>),
    /// The recurring-theme report (Markdown, HTML, JSON, CSV): KPIs, themes, emerging
    /// themes, top complaints with quotes, segments, goals.
    Report(Box<report::ReportArgs>),
    /// Analyse review dumps into a search index (records with an existing id are
    /// updated, not duplicated).
    Index(Box<index::IndexArgs>),
    /// Search the index: words, "phrases", OR, -exclusion, filters (theme:, sentiment:,
    /// rating:, date:, lang:, nps:, <segment>:), with highlighted snippets.
    Search(Box<index::SearchArgs>),
    /// Serve the HTTP API and the web page over an index (loopback by default).
    Serve(Box<serve::ServeArgs>),
    /// Analyse review dumps into bulk files for Elasticsearch / OpenSearch or Quickwit,
    /// with the index definition: search beyond one node.
    Export(Box<export::ExportArgs>),
}

/// Exit status of a command that ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went fine.
    Ok,
    /// A negative result (records rejected, no hits).
    Negative,
    /// The command ran but part of the input could not be read at all.
    Error,
    /// Ctrl-C or SIGTERM stopped the command (exit 130, as shells report SIGINT).
    Interrupted,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Tokenize(args) => tokenize::run(args),
        Command::Analyze(args) => analyze::run(*args),
        Command::Themes(args) => themes::run(*args),
        Command::Report(args) => report::run(*args),
        Command::Index(args) => index::run_index(*args),
        Command::Search(args) => index::run_search(*args),
        Command::Serve(args) => serve::run(*args),
        Command::Export(args) => export::run(*args),
        Command::Generate(args) => generate::run(args),
        Command::Sentiment(args) => sentiment::run(args),
        Command::Calibrate(args) => calibrate::run(*args),
        Command::Eval(cmd) => eval::run(cmd),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Ok(Outcome::Error) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("koe: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    // serde_json wraps the io error without exposing it as a source.
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
