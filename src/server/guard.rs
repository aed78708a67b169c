//! What every request passes through: the `Host` check against DNS rebinding, and
//! JSON bodies on every error answer (axum's own 405s and extractor rejections
//! included).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::api::ApiError;

/// Whether `host` (a `Host` header, or an origin without its scheme) names this
/// server: `localhost`, a loopback address or the bound address, on the bound port; or
/// one of `extra` (`name`: any port; `name:port`: that port). A page from any other
/// name (DNS rebinding: evil.example resolving to 127.0.0.1) is refused.
pub(crate) fn host_allowed(host: &str, bound: SocketAddr, extra: &[String]) -> bool {
    let host = host.trim();
    let (name, port) = match host.rsplit_once(':') {
        // An IPv6 address without a port: [::1].
        Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    let Some(port) = port else {
        return false;
    };
    if extra
        .iter()
        .any(|e| e.eq_ignore_ascii_case(host) || (!e.contains(':') && e.eq_ignore_ascii_case(name)))
    {
        return true;
    }
    if port != bound.port() {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    match literal.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == bound.ip() || bound.ip().is_unspecified(),
        Err(_) => false,
    }
}

/// Refuses requests whose `Host` is not this server (421).
pub(crate) async fn check_host(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(bound) = state.bound {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        match host {
            None => {
                return ApiError::new(StatusCode::BAD_REQUEST, "the request has no Host header")
                    .into_response();
            }
            Some(h) if !host_allowed(h, bound, &state.hosts) => {
                return ApiError::new(
                    StatusCode::MISDIRECTED_REQUEST,
                    format!(
                        "this server is {bound}, not '{h}' (start it with --host NAME to answer to another name)"
                    ),
                )
                .into_response();
            }
            Some(_) => {}
        }
    }
    next.run(req).await
}

/// Gives every error answer that is not JSON yet a `{"status": N, "error": "..."}`
/// body, keeping its other headers (`Allow` of a 405).
pub(crate) async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        text
    };
    let mut out = ApiError::new(status, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// `Connection: close` on an answer (the request body was not read).
pub(crate) fn closing(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn hosts_of_this_server_only() {
        let bound = "127.0.0.1:7700".parse().unwrap();
        let extra = vec!["koe.internal".to_string(), "proxy.lan:8080".to_string()];
        for ok in [
            "127.0.0.1:7700",
            "localhost:7700",
            "LOCALHOST:7700",
            "[::1]:7700",
            "127.0.0.2:7700",
            "koe.internal",
            "koe.internal:9999",
            "proxy.lan:8080",
        ] {
            assert!(host_allowed(ok, bound, &extra), "{ok}");
        }
        for bad in [
            "evil.example:7700",
            "evil.example",
            "localhost",
            "localhost:80",
            "127.0.0.1:1",
            "10.0.0.1:7700",
            "proxy.lan:8081",
            "localhost.evil.example:7700",
            "[::1]",
            "",
            "127.0.0.1:x",
        ] {
            assert!(!host_allowed(bad, bound, &extra), "{bad}");
        }
        // Bound to every address: any address literal, still no foreign names.
        let any = "0.0.0.0:7700".parse().unwrap();
        assert!(host_allowed("192.0.2.7:7700", any, &[]));
        assert!(!host_allowed("evil.example:7700", any, &[]));
    }
}
