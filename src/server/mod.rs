//! `koe serve`: the HTTP API and the web page over a search index.
//!
//! axum on tokio, served with hyper directly ([`http`]): a header read timeout closes
//! slow and idle connections, and request heads are bounded. Every request that
//! touches the index runs on a fixed pool of 2 × cores threads under a deadline that
//! cancels its work, so a slow query never stalls the event loop, the health check
//! never waits behind it, and a panic becomes a JSON 500. Errors are always
//! `{"status": N, "error": "..."}`. Requests must name this server in `Host` (DNS
//! rebinding). Ingestion (`POST /api/records`, only with `allow_ingest`) holds the one
//! index writer; searches keep running on the last commit meanwhile.
//!
//! The web page (`web/`) is embedded in the binary: no CDN, works offline.

mod api;
mod dashboard;
mod guard;
mod http;
mod openapi;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::analyze::Analyzer;
use crate::index::{KoeIndex, KoeWriter};
pub use dashboard::{report_from_index, themes_from_index};

/// Request limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest query, in characters.
    pub max_query_chars: usize,
    /// Largest page.
    pub max_page: usize,
    /// Deepest offset.
    pub max_offset: usize,
    /// Largest request body (POST /api/records), in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may run.
    pub timeout: Duration,
    /// Longest a client may take to send a request's head (request line and headers);
    /// also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Longest a client may take to send a request body.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_chars: 1000,
            max_page: 100,
            max_offset: crate::index::MAX_OFFSET,
            max_body_bytes: 16 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
        }
    }
}

/// What the server serves.
#[derive(Clone)]
pub struct AppState {
    pub(crate) index: KoeIndex,
    pub(crate) analyzer: Analyzer,
    pub(crate) writer: Option<Arc<tokio::sync::Mutex<KoeWriter>>>,
    pub(crate) limits: Limits,
    /// At most this many requests work on the index at once, one per thread of
    /// `pool`; the rest wait in turn (fair latency under load instead of hundreds of
    /// threads fighting for cores). A permit is released when the work really ends.
    pub(crate) work: Arc<tokio::sync::Semaphore>,
    /// The threads that run index work.
    pub(crate) pool: Arc<rayon::ThreadPool>,
    /// The address the server listens on (set by [`serve`]): `Host` must name it.
    pub(crate) bound: Option<SocketAddr>,
    /// Other names `Host` may give ([`AppState::with_hosts`]).
    pub(crate) hosts: Arc<Vec<String>>,
    /// Dashboard answers by (endpoint and parameters), valid for one index generation.
    pub(crate) cache: Arc<Mutex<DashboardCache>>,
    /// The discovered themes of the index (`koe index --discover`): members, opinions.
    pub(crate) discovered: Arc<Vec<crate::themes::discover::DiscoveredTheme>>,
    /// Names ingest requests uniquely (records without an id are named after their
    /// request): the server's start time and a counter.
    pub(crate) requests: Arc<RequestNames>,
}

/// Unique names for ingest requests: `request-<start>-<n>`, where `<start>` is the
/// server's start time in milliseconds (hex) and `<n>` counts requests.
#[derive(Debug)]
pub(crate) struct RequestNames {
    start: u128,
    next: std::sync::atomic::AtomicU64,
}

impl RequestNames {
    fn new() -> RequestNames {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        RequestNames {
            start,
            next: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// A name no other request of any server run gets (unless the clock goes back).
    pub(crate) fn next(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("request-{:x}-{n}", self.start)
    }
}

/// Cached dashboard answers: key → (index generation, answer).
pub(crate) type DashboardCache = HashMap<String, (u64, Arc<serde_json::Value>)>;

impl AppState {
    /// State over `index`; `writer` enables `POST /api/records`. Starts the work
    /// threads (2 × cores).
    pub fn new(
        index: KoeIndex,
        analyzer: Analyzer,
        writer: Option<KoeWriter>,
        limits: Limits,
    ) -> std::io::Result<AppState> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("koe-work-{i}"))
            .build()
            .map_err(|e| std::io::Error::other(format!("cannot start the work threads: {e}")))?;
        Ok(AppState {
            index,
            analyzer: analyzer.with_search_terms(),
            writer: writer.map(|w| Arc::new(tokio::sync::Mutex::new(w))),
            limits,
            work: Arc::new(tokio::sync::Semaphore::new(threads)),
            pool: Arc::new(pool),
            bound: None,
            hosts: Arc::default(),
            cache: Arc::default(),
            discovered: Arc::default(),
            requests: Arc::new(RequestNames::new()),
        })
    }

    /// Other names clients may reach the server by (`Host` and `Origin`): `name` on
    /// any port, or `name:port`. Loopback names and addresses are always allowed.
    pub fn with_hosts(mut self, hosts: Vec<String>) -> AppState {
        self.hosts = Arc::new(hosts);
        self
    }

    /// The index's discovered themes, shown with their members and opinions by
    /// `/api/themes` and `/api/report` (their ids must be in the analyzer's taxonomy).
    pub fn with_discovered(
        mut self,
        discovered: Vec<crate::themes::discover::DiscoveredTheme>,
    ) -> AppState {
        self.discovered = Arc::new(discovered);
        self
    }
}

/// The router: API, OpenAPI document and the embedded page.
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    let hosts = axum::middleware::from_fn_with_state(state.clone(), guard::check_host);
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/search", get(api::search))
        .route("/api/themes", get(api::themes))
        .route("/api/report", get(api::report))
        .route("/api/records", axum::routing::post(api::add_records))
        .route("/api/records/{id}", get(api::record))
        .route("/api/openapi.json", get(openapi::document))
        .route(
            "/",
            get(|| async { page(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/style.css",
            get(|| async { page(STYLE_CSS, "text/css; charset=utf-8") }),
        )
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(hosts)
        .layer(axum::middleware::from_fn(guard::json_errors))
        .with_state(state)
}

const INDEX_HTML: &str = include_str!("web/index.html");
const APP_JS: &str = include_str!("web/app.js");
const STYLE_CSS: &str = include_str!("web/style.css");

fn page(body: &'static str, mime: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Binds `addr`, calls `ready` with the address actually bound (port 0 picks one),
/// and serves until Ctrl-C or SIGTERM, on a tokio runtime of its own.
pub fn run(
    addr: SocketAddr,
    state: AppState,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        ready(listener.local_addr()?);
        serve(listener, state).await
    })
}

/// Serves on `listener` until Ctrl-C (or SIGTERM), then lets the requests under way
/// finish (for at most the request timeout).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let mut state = state;
    state.bound = Some(listener.local_addr()?);
    let header_timeout = state.limits.header_timeout;
    let grace = state.limits.timeout;
    http::serve_connections(listener, router(state), header_timeout, grace, shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
