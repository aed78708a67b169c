//! `koe serve` against a real server on a loopback port: every endpoint, errors as
//! JSON, limits, ingestion while searching, the embedded page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::common::{SUPPORT_DUMP, fixture, hit_ids, koe, run_ok};

/// A running `koe serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(index: &Path, extra: &[&str]) -> Server {
    let bin = assert_cmd::cargo::cargo_bin("koe");
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(index)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 request; returns status and body.
fn request(addr: &str, method: &str, path: &str, body: Option<(&str, &[u8])>) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some((mime, b)) = body {
        head.push_str(&format!(
            "Content-Type: {mime}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    if let Some((_, b)) = body {
        s.write_all(b).unwrap();
    }
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 2 + n + 2..];
        }
        body = out;
    }
    (status, body)
}

fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = request(addr, "GET", path, None);
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn build_index(dir: &Path) -> std::path::PathBuf {
    let dump = dir.join("dump.csv");
    std::fs::write(&dump, SUPPORT_DUMP).unwrap();
    let idx = dir.join("idx");
    run_ok(koe().args(["index", "-q", "--index"]).arg(&idx).arg(&dump));
    idx
}

#[test]
fn api_search_records_themes_report_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &[]);
    let a = server.addr.as_str();

    let (status, v) = get(a, "/api/health");
    assert_eq!(status, 200);
    assert_eq!(v["records"], 9);
    assert_eq!(v["ingest"], false);

    // Japanese and Korean searches, lemma-aware, with highlights and facets.
    let (status, v) = get(a, &format!("/api/search?q={}", encode("遅い")));
    assert_eq!(status, 200, "{v}");
    assert_eq!(hit_ids(&v), ["j1", "j2"]);
    assert_eq!(v["total"], 2);
    assert_eq!(v["facets"]["lang"]["ja"], 2);
    let h = &v["hits"][0];
    let snippet = h["snippet"].as_str().unwrap();
    let r = &h["highlights"][0];
    assert!(snippet[r[0].as_u64().unwrap() as usize..].starts_with('遅'));
    let (_, v) = get(a, &format!("/api/search?q={}", encode("해지")));
    assert_eq!(hit_ids(&v), ["k1", "k2"]);
    // Filters as parameters, sort and paging.
    let (_, v) = get(a, "/api/search?rating_max=2&lang=ja&sort=date&limit=1");
    assert_eq!(v["total"], 2);
    assert_eq!(v["hits"].as_array().unwrap().len(), 1);
    assert_eq!(v["hits"][0]["id"], "j2");
    let (_, v) = get(a, "/api/search?rating_max=1&from=2026-02&to=2026-03");
    assert_eq!(hit_ids(&v), ["e1", "k1"]);
    let (_, v) = get(a, "/api/search?segment=channel:email");
    assert_eq!(hit_ids(&v), ["e1", "j2"]);
    // One record, whole text.
    let (status, v) = get(a, "/api/records/k2");
    assert_eq!(status, 200);
    assert_eq!(v["snippet"], "해지했는데 요금이 또 나갔어요.");
    assert_eq!(v["segments"]["channel"], "app");
    // Themes and report, over a date range and a segment.
    let (status, v) = get(a, "/api/themes");
    assert_eq!(status, 200);
    assert_eq!(v["totals"]["records"], 9);
    assert!(
        v["themes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["records"].as_u64() > Some(0))
    );
    let (_, v) = get(a, "/api/themes?from=2026-03&segment=channel:app");
    assert_eq!(v["totals"]["records"], 3);
    assert_eq!(v["segment"], "channel");
    let (status, v) = get(a, "/api/report");
    assert_eq!(status, 200);
    assert_eq!(v["schema"], "koe.report/1");
    // OpenAPI.
    let (status, v) = get(a, "/api/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(v["openapi"], "3.1.0");
    assert!(v["paths"]["/api/search"]["get"].is_object());

    // Errors are JSON with a status and a message.
    let (status, v) = get(a, &format!("/api/search?q={}", encode("\"never answered")));
    assert_eq!(status, 400);
    assert_eq!(v["status"], 400);
    assert!(
        v["error"].as_str().unwrap().contains("unterminated phrase"),
        "{v}"
    );
    let (status, v) = get(a, "/api/search?q=x&limit=500");
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("limit"));
    let (status, _) = get(a, &format!("/api/search?q={}", "a".repeat(1200)));
    assert_eq!(status, 400);
    let (status, v) = get(a, "/api/search?q=x&sort=sideways");
    assert_eq!(status, 400, "{v}");
    let (status, v) = get(a, "/api/search?q=x&limit=ten");
    assert_eq!(status, 400, "{v}");
    let (status, _) = get(a, "/api/search?segment=no%20colon");
    assert_eq!(status, 400);
    let (status, v) = get(a, "/api/records/nope");
    assert_eq!(status, 404);
    assert!(v["error"].as_str().unwrap().contains("nope"));
    let (status, v) = get(a, "/api/nothing");
    assert_eq!(status, 404);
    assert_eq!(v["status"], 404);
    // Ingestion is off unless asked for.
    let (status, body) = request(
        a,
        "POST",
        "/api/records",
        Some(("text/csv", b"id,text\nx,hello\n")),
    );
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));

    // The page and its assets are embedded.
    let (status, body) = request(a, "GET", "/", None);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("<script src=\"/app.js\">"));
    let (status, body) = request(a, "GET", "/app.js", None);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("/api/search"));
}

#[test]
fn ingest_while_searching_with_rejects_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &["--allow-ingest", "--max-body-bytes", "4096"]);
    let a = server.addr.as_str();
    // Searches keep answering while records are added.
    let addr = server.addr.clone();
    let searcher = std::thread::spawn(move || {
        let mut ok = 0;
        for _ in 0..30 {
            let (status, _) = get(&addr, &format!("/api/search?q={}", encode("refund")));
            assert_eq!(status, 200);
            ok += 1;
        }
        ok
    });
    let csv = "id,date,rating,text\nn1,2026-05-01,1,返金がまだ届きません。\nn2,2026-05-02,2,환불이 안 돼요.\nn3,2026-05-03,3,text,with,extra,fields\n";
    let (status, body) = request(
        a,
        "POST",
        "/api/records",
        Some(("text/csv", csv.as_bytes())),
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["added"], 2);
    assert_eq!(v["rejected"].as_array().unwrap().len(), 1, "{v}");
    assert!(v["rejected"][0]["reason"].as_str().unwrap().len() > 3);
    assert_eq!(v["records"], 11);
    let json = r#"[{"id": "n4", "review": "The refund never came."}]"#;
    let (status, body) = request(
        a,
        "POST",
        "/api/records",
        Some(("application/json", json.as_bytes())),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    assert_eq!(searcher.join().unwrap(), 30);
    // New records are searchable at once, updates by id do not duplicate.
    let (_, v) = get(a, &format!("/api/search?q={}", encode("返金")));
    assert_eq!(hit_ids(&v), ["n1"]);
    let (_, v) = get(a, "/api/search?q=refund");
    assert!(hit_ids(&v).contains(&"n4".to_string()));
    let (status, _) = request(
        a,
        "POST",
        "/api/records",
        Some(("application/json", json.as_bytes())),
    );
    assert_eq!(status, 201);
    let (_, v) = get(a, "/api/health");
    assert_eq!(v["records"], 12);
    // Too big a body.
    let big = format!("id,text\nb1,{}\n", "x".repeat(8000));
    let (status, body) = request(
        a,
        "POST",
        "/api/records",
        Some(("text/csv", big.as_bytes())),
    );
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["status"], 413);
    // Nothing usable.
    let (status, body) = request(a, "POST", "/api/records", Some(("text/csv", b"id,text\n")));
    assert!(
        status == 400 || status == 422,
        "{status} {}",
        String::from_utf8_lossy(&body)
    );
}

#[test]
fn dashboard_shows_discovered_themes_with_members_and_orders_themes() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    run_ok(
        koe()
            .args(["index", "-q", "--discover", "12", "--index"])
            .arg(&idx)
            .arg(fixture("themes/reviews_discovery.csv")),
    );
    // The index keeps its domain packs and discovered themes for the server.
    for f in [
        "koe-domains.json",
        "koe-discovered.toml",
        "koe-discovered.json",
    ] {
        assert!(idx.join(f).is_file(), "{f}");
    }
    let server = start(&idx, &[]);
    let (status, v) = get(&server.addr, "/api/themes");
    assert_eq!(status, 200, "{v}");
    let rows = v["themes"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|t| t["discovered"] == true)
        .unwrap_or_else(|| panic!("no discovered row: {v}"));
    let id = row["id"].as_str().unwrap();
    let d = v["discovered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("{id} has no members: {v}"));
    assert!(!d["members"].as_array().unwrap().is_empty());
    // The packs of the index, not every pack: no support theme on these reviews.
    assert!(!rows.iter().any(|t| t["id"] == "product.bugs"), "{rows:?}");
    // Order: most negative first (default) or most records first.
    for (order, key) in [("negative", "negative"), ("volume", "records")] {
        let (status, v) = get(&server.addr, &format!("/api/themes?order={order}"));
        assert_eq!(status, 200);
        let keys: Vec<u64> = v["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[key].as_u64().unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{order}: {keys:?}");
    }
    let (status, v) = get(&server.addr, "/api/themes?order=sideways");
    assert_eq!(status, 400, "{v}");
    let (status, v) = get(&server.addr, "/api/report");
    assert_eq!(status, 200);
    assert!(!v["discovered"].as_array().unwrap().is_empty(), "{v}");
    drop(server);
    // Labels follow the records' dominant language.
    let ja = dir.path().join("ja");
    let out = koe()
        .args(["index", "-q", "--index"])
        .arg(&ja)
        .arg(fixture("ingest/nps_survey_ja.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let server = start(&ja, &[]);
    let (_, v) = get(&server.addr, "/api/themes");
    assert_eq!(v["label_lang"], "ja", "{v}");
    let (_, v) = get(&server.addr, "/api/report");
    assert_eq!(v["label_lang"], "ja");
}

fn post_json(addr: &str, json: &str) -> (u16, Value) {
    let (status, body) = request(
        addr,
        "POST",
        "/api/records",
        Some(("application/json", json.as_bytes())),
    );
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn records_without_ids_get_unique_ids_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &["--allow-ingest"]);
    let a = server.addr.as_str();
    // One line, two records, no id column: twice.
    let json = r#"[{"text": "The app crashes at login."}, {"text": "Refund took a month."}]"#;
    for expected in [11, 13] {
        let (status, v) = post_json(a, json);
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["added"], 2, "{v}");
        assert_eq!(v["records"], expected, "{v}");
    }
    let (_, v) = get(a, "/api/search?q=refund&limit=100");
    let ids = hit_ids(&v);
    let mine: Vec<&String> = ids.iter().filter(|id| id.starts_with("request-")).collect();
    assert_eq!(mine.len(), 2, "{ids:?}");
    assert_ne!(mine[0], mine[1]);
}
