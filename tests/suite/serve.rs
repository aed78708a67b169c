//! `koe serve` against a real server on a loopback port: every endpoint, errors as
//! JSON, limits, ingestion while searching, the embedded page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::common::{SUPPORT_DUMP, fixture, hit_ids, koe, run_ok};

/// A running `koe serve`, killed on drop.
pub(super) struct Server {
    child: Child,
    pub(super) addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_alive(server: &Server) -> bool {
    std::fs::metadata(format!("/proc/{}", server.child.id())).is_ok()
        && get(&server.addr, "/api/health").0 == 200
}

pub(super) fn start(index: &Path, extra: &[&str]) -> Server {
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
pub(super) fn request(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &[u8])>,
) -> (u16, Vec<u8>) {
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

pub(super) fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = request(addr, "GET", path, None);
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

pub(super) fn build_index(dir: &Path) -> std::path::PathBuf {
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

/// An index of `n` short records (dates, ratings, channels): big enough that a
/// report over all of it takes a noticeable time in a debug build.
fn build_big_index(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut csv = String::from("id,date,rating,channel,text\n");
    for i in 0..n {
        let channel = ["app", "email", "chat"][i % 3];
        csv.push_str(&format!(
            "r{i},2026-0{}-{:02},{},{channel},ok\n",
            1 + i % 9,
            1 + i % 28,
            1 + i % 5
        ));
    }
    let dump = dir.join("big.csv");
    std::fs::write(&dump, csv).unwrap();
    let idx = dir.join("big");
    run_ok(koe().args(["index", "-q", "--index"]).arg(&idx).arg(&dump));
    idx
}

/// (threads, user + system CPU ticks) of a process.
fn proc_stats(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    (threads, ticks)
}

#[cfg(target_os = "linux")]
#[test]
fn timed_out_requests_stop_their_work_and_health_answers_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_big_index(dir.path(), 100_000);
    let server = start(&idx, &["--timeout-secs", "2"]);
    let pid = server.child.id();
    let a = server.addr.clone();
    let (idle_threads, _) = proc_stats(pid);
    // 120 clients ask for reports with filters that change (no cache hits), twice
    // each: far more work than the timeout lets the server do.
    let clients: Vec<_> = (0..120)
        .map(|i| {
            let a = a.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for round in 0..2 {
                    let (status, v) = get(
                        &a,
                        &format!("/api/report?rating_min=1.{i}{round}&segment=channel:app"),
                    );
                    if status != 200 {
                        assert_eq!(v["status"], status, "{v}");
                    }
                    statuses.push(status);
                }
                statuses
            })
        })
        .collect();
    // The health check answers at once meanwhile: it does not queue behind the work.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut peak_threads = 0;
    for _ in 0..8 {
        let t = std::time::Instant::now();
        let (status, v) = get(&a, "/api/health");
        let took = t.elapsed();
        assert_eq!(status, 200, "{v}");
        assert!(took.as_millis() < 1000, "health took {took:?} under load");
        peak_threads = peak_threads.max(proc_stats(pid).0);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut answered = 0;
    for c in clients {
        for status in c.join().unwrap() {
            assert!(status == 200 || status == 503, "{status}");
            answered += 1;
        }
        peak_threads = peak_threads.max(proc_stats(pid).0);
    }
    assert_eq!(answered, 240);
    // At most 2 × cores requests work at once, each on one blocking thread.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    assert!(
        peak_threads <= idle_threads + 2 * cores + 6,
        "threads grew from {idle_threads} to {peak_threads}"
    );
    // Once every request has its answer, no work is left running: the CPU goes quiet
    // (a 503 cancelled its work).
    let quiet = (0..20).any(|_| {
        let (_, before) = proc_stats(pid);
        std::thread::sleep(std::time::Duration::from_millis(250));
        let (_, after) = proc_stats(pid);
        after - before <= 3
    });
    assert!(
        quiet,
        "the server kept working after answering every request"
    );
    let (status, _) = get(&a, "/api/health");
    assert_eq!(status, 200);
}

#[test]
fn ingest_that_times_out_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &["--allow-ingest", "--timeout-secs", "1"]);
    let a = server.addr.as_str();
    // Far more records than one second of analysis.
    let mut csv = String::from("id,rating,text\n");
    for i in 0..80_000 {
        csv.push_str(&format!(
            "slow{i},{},The delivery was late again.\n",
            1 + i % 5
        ));
    }
    let (status, body) = request(
        a,
        "POST",
        "/api/records",
        Some(("text/csv", csv.as_bytes())),
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["status"], 503, "{v}");
    // The next ingest gets the writer once the first let it go; the first request's
    // records were rolled back, not committed with the next commit.
    let late = "id,text\nlate1,The refund is late.\n";
    let answer = (0..30)
        .find_map(|_| {
            let (status, body) = request(
                a,
                "POST",
                "/api/records",
                Some(("text/csv", late.as_bytes())),
            );
            let v: Value = serde_json::from_slice(&body).unwrap();
            (status == 201).then_some(v)
        })
        .expect("a small ingest succeeds");
    assert_eq!(answer["records"], 10, "{answer}");
    let (_, v) = get(a, "/api/health");
    assert_eq!(v["records"], 10, "{v}");
}

/// Reads one HTTP response: status, lower-cased head, body (by Content-Length, or to
/// the end). `None` when the server closed the connection without answering.
fn read_response(s: &mut TcpStream) -> std::io::Result<Option<(u16, String, Vec<u8>)>> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(std::io::Error::other("connection closed inside the head"))
            };
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap());
    let mut body = raw[split + 4..].to_vec();
    while length.is_none_or(|n| body.len() < n) {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Ok(Some((status, head, body)))
}

/// Sends raw bytes on a new connection and reads one response, waiting at most 15 s.
fn raw(addr: &str, bytes: &[u8]) -> (u16, String, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .unwrap();
    s.write_all(bytes).unwrap();
    let (status, head, body) = read_response(&mut s)
        .expect("an answer within 15 s")
        .expect("an answer, not a closed connection");
    (
        status,
        head,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

/// A JSON error answer: `{"status": N, "error": "..."}` as application/json.
fn assert_json_error(status: u16, head: &str, v: &Value, expected: u16) {
    assert_eq!(status, expected, "{head}\n{v}");
    assert!(
        head.contains("content-type: application/json"),
        "{expected}: {head}"
    );
    assert_eq!(v["status"], expected, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
}

#[test]
fn ingest_checks_come_before_reading_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    // Without --allow-ingest: 403 at once, without waiting for 15 MB that never come.
    let server = start(&idx, &[]);
    let head = format!(
        "POST /api/records HTTP/1.1\r\nHost: {}\r\nContent-Type: text/csv\r\nContent-Length: 15000000\r\n\r\nid,text\n",
        server.addr
    );
    let (status, h, v) = raw(&server.addr, head.as_bytes());
    assert_json_error(status, &h, &v, 403);
    drop(server);
    // With it: a Content-Length over the limit is 413 before reading.
    let server = start(&idx, &["--allow-ingest", "--max-body-bytes", "4096"]);
    let head = format!(
        "POST /api/records HTTP/1.1\r\nHost: {}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nid,text\n",
        server.addr
    );
    let (status, h, v) = raw(&server.addr, head.as_bytes());
    assert_json_error(status, &h, &v, 413);
}

#[test]
fn slow_clients_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(
        &idx,
        &[
            "--allow-ingest",
            "--header-timeout-secs",
            "1",
            "--body-timeout-secs",
            "1",
        ],
    );
    let a = server.addr.as_str();
    let connect = |bytes: &[u8]| {
        let mut s = TcpStream::connect(a).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(15)))
            .unwrap();
        s.write_all(bytes).unwrap();
        s
    };
    // Silent, half a request line, half the headers: closed without an answer.
    let partial = format!("GET /api/health HTTP/1.1\r\nHost: {a}\r\nX-Slow: 1");
    let mut held: Vec<TcpStream> = vec![
        connect(b""),
        connect(b"GET /api/hea"),
        connect(partial.as_bytes()),
    ];
    for (i, s) in held.iter_mut().enumerate() {
        match read_response(s) {
            Ok(None) => {}
            Ok(Some((status, _, _))) => assert_eq!(status, 408, "connection {i}"),
            Err(e) => panic!("connection {i} still open after 15 s: {e}"),
        }
    }
    // A body that stops coming: 408 as JSON.
    let head = format!(
        "POST /api/records HTTP/1.1\r\nHost: {a}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nid,text\nx1,"
    );
    let mut s = connect(head.as_bytes());
    let (status, h, body) = read_response(&mut s)
        .expect("an answer within 15 s")
        .expect("an answer");
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_json_error(status, &h, &v, 408);
    // Keep-alive connections that go idle are closed too.
    let mut s = connect(format!("GET /api/health HTTP/1.1\r\nHost: {a}\r\n\r\n").as_bytes());
    let (status, _, _) = read_response(&mut s).unwrap().unwrap();
    assert_eq!(status, 200);
    assert!(read_response(&mut s).unwrap().is_none());
    // The server still answers.
    let (status, _) = get(a, "/api/health");
    assert_eq!(status, 200);
}

#[test]
fn every_error_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &[]);
    let a = server.addr.as_str();
    let cases: Vec<(String, u16)> = vec![
        // Method not allowed.
        (
            format!("DELETE /api/search HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n"),
            405,
        ),
        // A path that is not UTF-8 once decoded.
        (
            format!("GET /api/records/%FF%FE HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n"),
            400,
        ),
        // URI too long.
        (
            format!(
                "GET /api/search?q={} HTTP/1.1\r\nHost: {a}\r\n\r\n",
                "a".repeat(70_000)
            ),
            414,
        ),
        // Headers too large.
        (
            format!(
                "GET /api/health HTTP/1.1\r\nHost: {a}\r\nX-Big: {}\r\n\r\n",
                "b".repeat(600_000)
            ),
            431,
        ),
        // Not HTTP.
        ("GARBAGE\r\n\r\n".to_string(), 400),
        (
            format!("GET /api/health HTTP/1.1\r\nHost: {a}\r\nBad Header\r\n\r\n"),
            400,
        ),
    ];
    for (req, expected) in cases {
        let (status, h, v) = raw(a, req.as_bytes());
        assert_json_error(status, &h, &v, expected);
    }
}

#[test]
fn foreign_hosts_origins_and_content_types_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &["--allow-ingest", "--host", "koe.internal"]);
    let a = server.addr.as_str();
    let port = a.rsplit(':').next().unwrap();
    let with_host = |host: &str| {
        raw(
            a,
            format!("GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    // DNS rebinding: a name that is not ours.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
    ] {
        let (status, h, v) = with_host(&host);
        assert_json_error(status, &h, &v, 421);
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("koe.internal:{port}"),
    ] {
        let (status, _, v) = with_host(&host);
        assert_eq!(status, 200, "{host}: {v}");
    }
    let post = |mime: Option<&str>, origin: Option<&str>| {
        let body = "id,text\nh1,hello there\n";
        let mut req = format!("POST /api/records HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n");
        if let Some(m) = mime {
            req.push_str(&format!("Content-Type: {m}\r\n"));
        }
        if let Some(o) = origin {
            req.push_str(&format!("Origin: {o}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        raw(a, req.as_bytes())
    };
    // Cross-origin form posts.
    for mime in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let (status, h, v) = post(mime, None);
        assert_json_error(status, &h, &v, 415);
    }
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let (status, h, v) = post(Some("text/csv"), Some(origin));
        assert_json_error(status, &h, &v, 403);
    }
    let own = format!("http://{a}");
    let (status, _, v) = post(Some("text/csv; charset=utf-8"), Some(&own));
    assert_eq!(status, 201, "{v}");
}

#[test]
fn a_damaged_index_answers_500_json_and_the_server_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let idx = build_index(dir.path());
    let server = start(&idx, &[]);
    let a = server.addr.as_str();
    let (status, _) = get(a, "/api/search?q=refund");
    assert_eq!(status, 200);
    // The files change under the running server.
    super::search::damage(&idx);
    let mut damaged = 0;
    for path in [
        "/api/search?q=refund",
        "/api/search?lang=ja&sort=date",
        "/api/search?rating_max=2&sort=rating",
        "/api/report?from=2026-02",
        "/api/themes?segment=channel:app",
        "/api/records/k2",
    ] {
        let (status, h, v) = raw(
            a,
            format!("GET {path} HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        // Damage tantivy notices is a 500 that says what to do; the process lives on.
        if status != 200 {
            assert_json_error(status, &h, &v, 500);
            let e = v["error"].as_str().unwrap();
            assert!(e.contains("is damaged") && e.contains("--rebuild"), "{e}");
            damaged += 1;
        }
        let (status, _) = get(a, "/api/health");
        assert_eq!(status, 200, "after {path}");
    }
    assert!(damaged > 0, "no request noticed the damage");
    assert!(server_alive(&server));
}

/// The `WORDS` table of the web page's script: English → (Japanese, Korean).
fn dashboard_words(js: &str) -> std::collections::HashMap<String, (String, String)> {
    let start = js.find("const WORDS = {").expect("a WORDS table in app.js");
    let end = start + js[start..].find("\n};").expect("the end of WORDS");
    js[start..end]
        .lines()
        .skip(1)
        .filter_map(|l| {
            // `  "English": ["日本語", "한국어"],` (keys and values are JSON strings)
            let l = l.trim().trim_end_matches(',');
            let (k, v) = l.split_once("\": [")?;
            let key: String = serde_json::from_str(&format!("{k}\"")).ok()?;
            let vals: Vec<String> = serde_json::from_str(&format!("[{v}")).ok()?;
            Some((key, (vals.first()?.clone(), vals.get(1)?.clone())))
        })
        .collect()
}

#[test]
fn dashboard_words_are_in_japanese_and_korean() {
    let html = include_str!("../../src/server/web/index.html");
    let js = include_str!("../../src/server/web/app.js");
    let words = dashboard_words(js);
    assert!(words.len() > 40, "{}", words.len());
    for (en, (ja, ko)) in &words {
        assert!(!ja.is_empty() && !ko.is_empty(), "{en}");
        // Placeholders survive translation.
        for i in 0..8 {
            let p = format!("{{{i}}}");
            assert_eq!(en.contains(&p), ja.contains(&p), "{en} / {ja}");
            assert_eq!(en.contains(&p), ko.contains(&p), "{en} / {ko}");
        }
    }
    // Every English word of the page's body (text, placeholders, titles, labels) and
    // the title has its translation.
    let body = &html[html.find("<body>").unwrap()..];
    let mut wanted: Vec<String> = Vec::new();
    for piece in body.split('>').skip(1) {
        let text = piece.split('<').next().unwrap_or("").trim();
        if text.chars().any(|c| c.is_ascii_alphabetic()) && text != "koe" {
            wanted.push(text.to_string());
        }
    }
    for attr in ["placeholder=\"", "title=\"", "aria-label=\""] {
        for piece in body.split(attr).skip(1) {
            let v = piece.split('"').next().unwrap().replace("&quot;", "\"");
            // Examples of input (dates, `channel:email`) are not words of the page.
            if v.chars().any(|c| c.is_ascii_alphabetic()) && !v.contains(':')
                || v.starts_with("Search")
            {
                wanted.push(v);
            }
        }
    }
    let title = html
        .split("<title>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    wanted.push(title.to_string());
    // Words the script writes (`t("…")`).
    for (at, _) in js.match_indices("t(\"") {
        // `t(` itself, not `get(` or `set(`.
        if js[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            continue;
        }
        let piece = &js[at + 3..];
        let mut s = String::new();
        let mut chars = piece.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => s.extend(chars.next()),
                '"' => break,
                c => s.push(c),
            }
        }
        wanted.push(s);
    }
    // Names the script passes to t() through tables (facets, KPI cards, units).
    for w in [
        "Month",
        "Records",
        "Net sentiment",
        "NPS points",
        "rating points /100",
    ] {
        wanted.push(w.into());
    }
    let missing: Vec<&String> = wanted.iter().filter(|w| !words.contains_key(*w)).collect();
    assert!(
        missing.is_empty(),
        "not in the WORDS table of app.js: {missing:?}"
    );
    // The page picks its language from ?lang=, the data, then the browser.
    assert!(
        js.contains("get(\"lang\")")
            && js.contains("s.label_lang")
            && js.contains("navigator.language")
    );
}
