//! `koe serve`: the HTTP API and web page over an index.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use koe::index::KoeIndex;
use koe::server::{AppState, Limits};
use koe::text::LangHint;

use super::Outcome;
use super::options::{SentimentOptions, TextOptions, ThemeOptions, analyzer};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Index directory (built with `koe index`).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Address to listen on; loopback unless you say otherwise (port 0 picks a free
    /// port, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub addr: SocketAddr,
    /// Accept new feedback on `POST /api/records` (holds the index writer).
    #[arg(long)]
    pub allow_ingest: bool,
    /// Longest query, in characters.
    #[arg(long, default_value_t = 1000)]
    pub max_query_chars: usize,
    /// Largest page of hits (at most 10000).
    #[arg(long, default_value_t = 100)]
    pub max_page: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds (its work is then cancelled: 503).
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
    /// Longest a client may take to send a request's headers, in seconds; idle
    /// connections are closed after as long.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Longest a client may take to send a request body, in seconds (408).
    #[arg(long, default_value_t = 60)]
    pub body_timeout_secs: u64,
    /// Another name clients may reach the server by (`Host`/`Origin`), as NAME (any
    /// port) or NAME:PORT; may repeat. localhost and the loopback and bound addresses
    /// always work; requests naming anything else are refused (421) against DNS
    /// rebinding.
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    #[command(flatten)]
    pub themes: ThemeOptions,
    #[command(flatten)]
    pub lexicon: SentimentOptions,
    #[command(flatten)]
    pub text: TextOptions,
}

/// A JSON file koe wrote into the index directory; `what` names it in errors.
fn read_json<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    what: &str,
) -> anyhow::Result<T> {
    use anyhow::Context as _;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not {what}", path.display()))
}

pub fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    // Themes `koe index --discover` found are part of the index's taxonomy.
    let mut themes = args.themes.clone();
    // `--domain auto`: the packs the index was built with.
    let domains = args.index.join(super::index::DOMAINS_FILE);
    if themes.domain == "auto" && domains.is_file() {
        themes.resolved = Some(read_json(&domains, "koe's domain list")?);
    }
    let discovered = args.index.join(super::index::DISCOVERED_FILE);
    if discovered.is_file() {
        themes.taxonomy.push(discovered);
    }
    let analyzer = analyzer(&args.text, &args.lexicon, Some(&themes), LangHint::Auto)?;
    let index = KoeIndex::open(&args.index, analyzer.text())?;
    let writer = if args.allow_ingest {
        Some(index.writer()?)
    } else {
        None
    };
    let limits = Limits {
        max_query_chars: args.max_query_chars,
        max_page: args.max_page.min(koe::index::MAX_LIMIT),
        max_body_bytes: args.max_body_bytes,
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
        header_timeout: Duration::from_secs(args.header_timeout_secs.max(1)),
        body_timeout: Duration::from_secs(args.body_timeout_secs.max(1)),
        ..Limits::default()
    };
    let records = index.num_docs()?;
    let mut state = AppState::new(index, analyzer, writer, limits)?.with_hosts(args.hosts);
    let members = args.index.join(super::index::DISCOVERED_JSON);
    if args.index.join(super::index::DISCOVERED_FILE).is_file() && members.is_file() {
        state = state.with_discovered(read_json(&members, "koe's discovered themes")?);
    }
    koe::server::run(args.addr, state, |addr| {
        if !addr.ip().is_loopback() {
            eprintln!("koe: warning: listening on {addr}, reachable from other machines");
        }
        eprintln!(
            "koe: serving {} ({records} records{}) on http://{addr}/ — Ctrl-C to stop",
            args.index.display(),
            if args.allow_ingest {
                ", POST /api/records on"
            } else {
                ""
            }
        );
    })?;
    Ok(Outcome::Ok)
}
