//! The JSON endpoints.

use std::io::Cursor;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::report::Order;

use super::AppState;
use crate::index::{Cancel, IndexError, KoeWriter, SearchOptions, Sort};
use crate::ingest::{Format, IngestOptions, Reader, Reject};
use crate::metrics::{MetricsConfig, Period};

/// An API error: always `{"status": N, "error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"status": self.status.as_u16(), "error": self.message})),
        )
            .into_response()
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        match e {
            IndexError::Query(q) => ApiError::bad(q.to_string()),
            IndexError::Paging(p) => ApiError::bad(p),
            IndexError::Cancelled => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the request was cancelled")
            }
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn timed_out(timeout: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the request took longer than {} s", timeout.as_secs()),
    )
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error while handling the request",
    )
}

/// Cancels the work of a request whose handler is dropped (the client went away).
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs index work on the blocking pool under the request timeout.
///
/// The work gets a [`Cancel`] that fires at the request's deadline (or when the
/// client goes away) and stops its scans; the work permit belongs to the blocking
/// task itself, so a request that timed out keeps its slot until its work has really
/// stopped, and at most `work` permits' worth of index work ever runs at once.
/// Waiting for a permit counts against the deadline.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Cancel) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let deadline = tokio::time::Instant::now() + state.limits.timeout;
    blocking_until(state, deadline, f).await
}

/// [`blocking`] with the request's deadline already set.
async fn blocking_until<T: Send + 'static>(
    state: &AppState,
    deadline: tokio::time::Instant,
    f: impl FnOnce(&Cancel) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let timeout = state.limits.timeout;
    let cancel = Cancel::at(deadline.into_std());
    let _guard = CancelOnDrop(cancel.clone());
    let permit = match tokio::time::timeout_at(deadline, state.work.clone().acquire_owned()).await {
        Err(_) => return Err(timed_out(timeout)),
        Ok(Err(_)) => return Err(internal()),
        Ok(Ok(p)) => p,
    };
    let c = cancel.clone();
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    state.pool.spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&c)));
        // The slot is free before the answer is.
        drop(permit);
        let _ = tx.send(result);
    });
    let joined = match tokio::time::timeout_at(deadline, &mut rx).await {
        Ok(joined) => joined,
        // Past its point of no return (a commit), the work finishes: wait for it and
        // tell what happened.
        Err(_) if !cancel.cancel() => rx.await,
        Err(_) => return Err(timed_out(timeout)),
    };
    match joined {
        Err(_) | Ok(Err(_)) => Err(internal()),
        Ok(Ok(Err(e))) if e.status == StatusCode::SERVICE_UNAVAILABLE => Err(timed_out(timeout)),
        Ok(Ok(r)) => r,
    }
}

fn params<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError::bad(format!("bad query parameters: {}", e.body_text())))
}

/// Filters shared by search, themes and report.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// Theme id or category.
    theme: Option<String>,
    /// pos | neu | neg.
    sentiment: Option<String>,
    /// ja | ko | en | other.
    lang: Option<String>,
    /// promoter | passive | detractor.
    nps: Option<String>,
    /// Lowest rating (strings: query parameters inside `flatten` arrive untyped).
    rating_min: Option<String>,
    /// Highest rating.
    rating_max: Option<String>,
    /// First day / month / year.
    from: Option<String>,
    /// Last day / month / year.
    to: Option<String>,
    /// `column:value`.
    segment: Option<String>,
}

fn plain(name: &str, v: &str) -> ApiResult<()> {
    if v.is_empty() || v.chars().any(|c| c.is_whitespace() || "\"()".contains(c)) {
        return Err(ApiError::bad(format!(
            "{name}: '{v}' must be one word without quotes or parentheses"
        )));
    }
    Ok(())
}

impl Filters {
    /// The filters in koe's query syntax.
    fn query(&self) -> ApiResult<String> {
        let mut out = Vec::new();
        for (name, v) in [
            ("theme", &self.theme),
            ("sentiment", &self.sentiment),
            ("lang", &self.lang),
            ("nps", &self.nps),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                plain(name, v)?;
                out.push(format!("{name}:{v}"));
            }
        }
        let number = |name: &str, v: &Option<String>| -> ApiResult<Option<f64>> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| ApiError::bad(format!("{name}: '{v}' is not a number"))),
            }
        };
        match (
            number("rating_min", &self.rating_min)?,
            number("rating_max", &self.rating_max)?,
        ) {
            (Some(a), Some(b)) => out.push(format!("rating:{a}..{b}")),
            (Some(a), None) => out.push(format!("rating:>={a}")),
            (None, Some(b)) => out.push(format!("rating:<={b}")),
            (None, None) => {}
        }
        let from = self.from.as_deref().filter(|v| !v.is_empty());
        let to = self.to.as_deref().filter(|v| !v.is_empty());
        if from.is_some() || to.is_some() {
            for (n, v) in [("from", from), ("to", to)] {
                if let Some(v) = v {
                    plain(n, v)?;
                }
            }
            out.push(format!("date:{}..{}", from.unwrap_or(""), to.unwrap_or("")));
        }
        if let Some(s) = self.segment.as_deref().filter(|v| !v.is_empty()) {
            plain("segment", s)?;
            if !s.contains(':') {
                return Err(ApiError::bad(format!(
                    "segment: '{s}' must be column:value, e.g. channel:email"
                )));
            }
            out.push(s.to_string());
        }
        Ok(out.join(" "))
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    sort: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
    #[serde(flatten)]
    filters: Filters,
}

/// Answers at once, whatever the load: no index work, no wait for the work pool.
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({
        "status": "ok",
        "records": state.index.searchable_docs(),
        "schema": crate::index::SCHEMA_VERSION,
        "ingest": state.writer.is_some(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
}

pub async fn search(
    State(state): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let p = params(q)?;
    let limits = &state.limits;
    let text = p.q.unwrap_or_default();
    if text.chars().count() > limits.max_query_chars {
        return Err(ApiError::bad(format!(
            "q is longer than {} characters",
            limits.max_query_chars
        )));
    }
    let limit = p.limit.unwrap_or(10);
    if limit == 0 || limit > limits.max_page {
        return Err(ApiError::bad(format!(
            "limit must be between 1 and {}",
            limits.max_page
        )));
    }
    let offset = p.offset.unwrap_or(0);
    if offset > limits.max_offset {
        return Err(ApiError::bad(format!(
            "offset must be at most {}",
            limits.max_offset
        )));
    }
    let sort = match p.sort.as_deref().unwrap_or("relevance") {
        "relevance" => Sort::Relevance,
        "date" => Sort::Date,
        "rating" => Sort::Rating,
        other => {
            return Err(ApiError::bad(format!(
                "sort: '{other}' is not one of relevance, date, rating"
            )));
        }
    };
    let filters = p.filters.query()?;
    let query = format!("{text} {filters}").trim().to_string();
    let opts = SearchOptions {
        limit,
        offset,
        sort,
    };
    let s = state.clone();
    let results = blocking(&state, move |cancel| {
        Ok(s.index.search_until(&query, &opts, cancel)?)
    })
    .await?;
    Ok(Json(json!({
        "query": results.query,
        "total": results.total,
        "offset": offset,
        "limit": limit,
        "hits": results.hits,
        "facets": results.facets,
    })))
}

pub async fn record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = state.clone();
    let key = id.clone();
    match blocking(&state, move |_| Ok(s.index.record(&key)?)).await? {
        Some(hit) => Ok(Json(json!(hit))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no record with id '{id}'"),
        )),
    }
}

#[derive(Debug, Deserialize)]
pub struct ThemeParams {
    period: Option<String>,
    /// Segment column to break the figures down by (`koe report --segment`); without
    /// it, the column of the `segment` filter.
    by: Option<String>,
    /// negative (default) | volume.
    order: Option<String>,
    #[serde(flatten)]
    filters: Filters,
}

fn metrics_config(p: &ThemeParams) -> ApiResult<MetricsConfig> {
    let period = match p.period.as_deref() {
        None | Some("") => Period::Month,
        Some(s) => s.parse::<Period>().map_err(ApiError::bad)?,
    };
    Ok(MetricsConfig {
        period,
        segment: match p.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(by) => Some(by.to_string()),
            None => p
                .filters
                .segment
                .as_deref()
                .and_then(|s| s.split_once(':'))
                .map(|(k, _)| k.to_string()),
        },
        ..MetricsConfig::default()
    })
}

pub async fn themes(
    State(state): State<AppState>,
    q: Result<Query<ThemeParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    dashboard(state, params(q)?, false).await
}

pub async fn report(
    State(state): State<AppState>,
    q: Result<Query<ThemeParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    dashboard(state, params(q)?, true).await
}

/// Themes or report of the matching records; answers are cached per index
/// generation (a commit makes them stale).
async fn dashboard(state: AppState, p: ThemeParams, report: bool) -> ApiResult<Json<Value>> {
    let config = metrics_config(&p)?;
    let query = p.filters.query()?;
    let order = match p.order.as_deref() {
        None | Some("") | Some("negative") => Order::Negative,
        Some("volume") => Order::Volume,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "unknown order '{other}' (negative or volume)"
            )));
        }
    };
    let key = format!(
        "{}|{:?}|{:?}|{order:?}|{query}",
        if report { "report" } else { "themes" },
        config.period,
        config.segment
    );
    let s = state.clone();
    let value = blocking(&state, move |cancel| {
        let generation = s.index.generation();
        if let Ok(cache) = s.cache.lock()
            && let Some((g, v)) = cache.get(&key)
            && *g == generation
        {
            return Ok(v.clone());
        }
        let themes = s.analyzer.themes();
        let mut r = super::report_from_index(&s.index, themes, &query, config, cancel)?;
        r.order_themes(order);
        r.discovered = s.discovered.to_vec();
        let v = if report {
            json!(r)
        } else {
            let mut v = json!(r.summary);
            if let Some(o) = v.as_object_mut() {
                o.insert("discovered".into(), json!(r.discovered));
                o.insert("label_lang".into(), json!(r.label_lang));
                // The support and churn sections, for the dashboard.
                o.insert("support".into(), json!(r.support));
                o.insert("churn".into(), json!(r.churn));
            }
            v
        };
        let v = Arc::new(v);
        if let Ok(mut cache) = s.cache.lock() {
            if cache.len() >= 256 {
                cache.clear();
            }
            cache.insert(key, (generation, v.clone()));
        }
        Ok(v)
    })
    .await?;
    Ok(Json(Value::clone(&value)))
}

/// What `POST /api/records` answers.
#[derive(Debug, Serialize)]
struct Added {
    added: u64,
    rejected: Vec<Reject>,
    records: u64,
}

/// Media types `POST /api/records` reads. Form and text types are refused: a page on
/// another site can post those without asking (no CORS preflight).
const INGEST_TYPES: &str =
    "application/json, application/x-ndjson, text/csv or text/tab-separated-values";

/// The input format of a request's `Content-Type` (None: the type is not accepted).
/// JSON is an array or lines, by the body's first byte.
fn ingest_format(content_type: &str) -> Option<Option<Format>> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/csv" => Some(Some(Format::Csv)),
        "text/tab-separated-values" => Some(Some(Format::Tsv)),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => {
            Some(Some(Format::Jsonl))
        }
        "application/json" => Some(None),
        _ => None,
    }
}

/// Reads a body of at most `limit` bytes within `timeout`.
async fn read_body(
    body: axum::body::Body,
    limit: usize,
    timeout: std::time::Duration,
    expected: usize,
) -> ApiResult<Bytes> {
    use http_body_util::BodyExt as _;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes"),
        )
    };
    let mut body = body;
    let mut out = Vec::with_capacity(expected.min(limit));
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| ApiError::bad(format!("cannot read the body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if out.len() + data.len() > limit {
                    return Err(too_large());
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the body did not arrive within {} s", timeout.as_secs_f64()),
        )),
        Ok(r) => r.map(|()| Bytes::from(out)),
    }
}

/// `POST /api/records`. Everything that can be refused is refused before the body is
/// read (the answer then closes the connection): ingest off (403), an origin that is
/// not this server (403), a type that is not data (415), a declared length over the
/// limit (413).
pub async fn add_records(State(state): State<AppState>, req: Request) -> Response {
    match ingest(state, req).await {
        Ok(answer) => answer.into_response(),
        Err(e) => super::guard::closing(e.into_response()),
    }
}

async fn ingest(state: AppState, req: Request) -> ApiResult<(StatusCode, Json<Value>)> {
    let Some(writer) = state.writer.clone() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "adding records is off: start the server with --allow-ingest",
        ));
    };
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    if let (Some(origin), Some(bound)) = (headers.get(header::ORIGIN), state.bound) {
        let own = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| super::guard::host_allowed(o, bound, &state.hosts));
        if !own {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "records may only be posted from this server's own pages, not from {}",
                    String::from_utf8_lossy(origin.as_bytes())
                ),
            ));
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(format) = ingest_format(content_type) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type '{content_type}' is not accepted: send {INGEST_TYPES}"),
        ));
    };
    let limit = state.limits.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes"),
        ));
    }
    let expected = declared.map_or(0, |n| usize::try_from(n).unwrap_or(limit));
    let body = read_body(body, limit, state.limits.body_timeout, expected).await?;
    let format = format.or_else(|| {
        let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        Some(if first == Some(b'[') {
            Format::Json
        } else {
            Format::Jsonl
        })
    });
    // Records without an id are named `<request>:<line>` (or `#<record>`): the
    // request's name must be unique, or a later request would replace them.
    let name: Arc<str> = Arc::from(state.requests.next());
    let deadline = tokio::time::Instant::now() + state.limits.timeout;
    // One ingest at a time; waiting for the writer counts against the deadline and
    // holds no work permit.
    let Ok(mut w) = tokio::time::timeout_at(deadline, writer.lock_owned()).await else {
        return Err(timed_out(state.limits.timeout));
    };
    let s = state.clone();
    let out = blocking_until(&state, deadline, move |cancel| {
        // Whatever happens before the commit is undone: a failed or cancelled request
        // leaves nothing behind for the next commit to publish.
        let added = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            add_all(&s, &mut w, body, format, &name, cancel)
        }))
        .unwrap_or_else(|_| Err(internal()));
        let committed = match added {
            Ok(added) if cancel.commit_point() => {
                w.commit().map(|()| added).map_err(ApiError::from)
            }
            Ok(_) => Err(IndexError::Cancelled.into()),
            Err(e) => Err(e),
        };
        let (added, rejected) = match committed {
            Ok(a) => a,
            Err(e) => {
                w.rollback()?;
                return Err(e);
            }
        };
        drop(w);
        s.index.refresh()?;
        Ok(Added {
            added,
            rejected,
            records: s.index.num_docs()?,
        })
    })
    .await?;
    let status = if out.added > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(json!(out))))
}

/// Reads, analyses and adds the records of a request body (uncommitted); stops when
/// cancelled.
fn add_all(
    state: &AppState,
    w: &mut KoeWriter,
    body: Bytes,
    format: Option<Format>,
    name: &Arc<str>,
    cancel: &Cancel,
) -> ApiResult<(u64, Vec<Reject>)> {
    let opts = IngestOptions {
        format,
        ..IngestOptions::default()
    };
    let reader = Reader::open(name.clone(), Box::new(Cursor::new(body)), None, &opts)
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let mut worker = state.analyzer.worker();
    let mut rejected = Vec::new();
    let mut added = 0u64;
    // Until the reader numbers the records of a one-line JSON array itself, their
    // default ids (`<request>:<line>`) repeat: the later ones are numbered here.
    let default_prefix = format!("{name}:");
    let mut defaulted = std::collections::HashSet::new();
    for (n, item) in reader.enumerate() {
        cancel.check()?;
        match item {
            Ok(mut record) => {
                if record.id.starts_with(&default_prefix) && !defaulted.insert(record.id.clone()) {
                    record.id = format!("{name}#{}", n + 1);
                }
                let analysis = worker.analyze(&record);
                w.add(&record, &analysis)?;
                added += 1;
            }
            Err(reject) => rejected.push(reject),
        }
    }
    Ok((added, rejected))
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("nothing at {}", uri.path()))
}
