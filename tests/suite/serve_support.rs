//! Issue 28 in `koe serve`: the support and churn sections of `/api/report` (and of
//! `/api/themes`, for the dashboard) come from what the index keeps of each record,
//! through the same collector as `koe report`; every figure is compared with
//! `koe report --format json` of the same input.

use std::path::Path;

use serde_json::Value;

use super::common::{fixture, koe, run_ok};
use super::serve::{get, request, start};

fn report(inputs: &[&Path], args: &[&str]) -> Value {
    let out = run_ok(
        koe()
            .arg("report")
            .args(inputs)
            .args(args)
            .args(["-q", "--format", "json"]),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn index(dir: &Path, name: &str, inputs: &[&Path], args: &[&str]) -> std::path::PathBuf {
    let idx = dir.join(name);
    run_ok(
        koe()
            .args(["index", "-q", "--index"])
            .arg(&idx)
            .args(inputs)
            .args(args),
    );
    idx
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() < 0.002, "{got} != {want}");
}

/// The support and churn sections of the server's answer are those of the report,
/// figure for figure.
fn same_sections(api: &Value, report: &Value, what: &str) {
    assert!(
        report["support"].is_object(),
        "{what}: no support: {report}"
    );
    assert_eq!(api["support"], report["support"], "{what}: support");
    assert!(report["churn"].is_object(), "{what}: no churn: {report}");
    assert_eq!(api["churn"], report["churn"], "{what}: churn");
}

#[test]
fn ticket_figures_from_the_index_are_those_of_koe_report() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = fixture("support/tickets_ja.csv");
    let tz = ["--timezone", "+09:00"];
    let idx = index(dir.path(), "idx", &[&tickets], &tz);
    let server = start(&idx, &[]);
    let a = server.addr.as_str();

    let want = report(&[&tickets], &tz);
    let (status, v) = get(a, "/api/report");
    assert_eq!(status, 200, "{v}");
    same_sections(&v, &want, "tickets");
    // And they are the hand-computed figures of fixtures/support/README.md.
    let s = &v["support"];
    assert_eq!(s["kind"], "tickets");
    assert_eq!(s["all"]["units"], 10);
    close(&s["all"]["first_response"]["median_hours"], 1.5);
    close(&s["all"]["first_response"]["p90_hours"], 10.0);
    close(&s["all"]["first_response"]["within"][0][1], 0.444);
    close(&s["all"]["resolution"]["median_hours"], 5.0);
    assert_eq!(s["all"]["resolution_rate"]["count"], 8);
    assert_eq!(s["all"]["first_contact_resolution"]["count"], 5);
    close(
        &s["periods"]["2026-02"]["first_response"]["median_hours"],
        1.5,
    );
    assert_eq!(s["backlog"]["2026-01"], 1);
    assert_eq!(s["backlog"]["2026-02"], 2);
    assert_eq!(s["repeat_contact"]["count"], 1);
    assert_eq!(s["repeat_contact"]["of"], 8);
    assert_eq!(s["excluded_times"], 1);
    let bugs = s["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["theme"] == "product.bugs")
        .unwrap_or_else(|| panic!("no product.bugs: {s}"));
    close(&bugs["resolution_vs_all"], 5.2);
    // Customer cohorts of the churn section: January's customers, judged by February.
    assert_eq!(v["churn"]["all"]["records"], 10);
    assert_eq!(v["churn"]["cohorts"][0]["month"], "2026-01");

    // Per segment: `by` is `koe report --segment` (a synonym finds チャネル too).
    for col in ["チャネル", "channel"] {
        let want = report(&[&tickets], &["--timezone", "+09:00", "--segment", col]);
        let (status, v) = get(a, &format!("/api/report?by={}", encode(col)));
        assert_eq!(status, 200, "{v}");
        same_sections(&v, &want, col);
        let seg = &v["support"]["segments"];
        assert_eq!(seg["app"]["units"], 4, "{col}: {seg}");
        close(&seg["email"]["first_response"]["median_hours"], 1.0);
        assert_eq!(seg["email"]["resolution_rate"]["count"], 3);
    }
    // The dashboard reads the same sections from /api/themes.
    let (status, t) = get(a, "/api/themes");
    assert_eq!(status, 200);
    assert_eq!(t["support"], want["support"]);
    assert_eq!(t["churn"], want["churn"]);
    // A filter narrows the support figures like any other.
    let (_, v) = get(a, "/api/report?theme=product.bugs");
    assert_eq!(v["support"]["all"]["units"], 4, "{v}");
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn conversations_from_the_index_are_those_of_koe_report() {
    let dir = tempfile::tempdir().unwrap();
    let messages = fixture("support/messages.jsonl");
    let idx = index(dir.path(), "idx", &[&messages], &[]);
    let server = start(&idx, &[]);
    let want = report(&[&messages], &[]);
    let (status, v) = get(&server.addr, "/api/report");
    assert_eq!(status, 200, "{v}");
    same_sections(&v, &want, "messages");
    // The hand-computed figures: reply links and closing messages survived the index.
    let a = &v["support"]["all"];
    assert_eq!(v["support"]["kind"], "conversations");
    assert_eq!(a["units"], 5);
    close(&a["first_response"]["median_hours"], 0.333);
    close(&a["later_responses"]["median_hours"], 3.0);
    assert_eq!(a["resolution_rate"]["count"], 2);
    assert_eq!(a["first_contact_resolution"]["count"], 2);
    close(&a["replies_per_conversation"], 1.0);
    assert!(v["support"]["repeat_contact"].is_null());
}

/// A ticket export without first-response, resolution or reply columns, with churn
/// cues in three languages across two months.
const PARTIAL_TICKETS: &str = "id,customer_id,created_at,status,text
p1,A1,2026-01-05 09:00,open,解約します。もう使いません。
p2,A2,2026-01-06 10:00,solved,請求が二重になっています。
p3,A3,2026-01-07 11:00,closed,해지할게요. 너무 비싸요.
p4,A1,2026-02-03 12:00,open,I'm cancelling my subscription today.
p5,A4,2026-02-10 13:00,pending,The app crashes when I log in.
p6,A2,2026-02-11 14:00,solved,Thanks for fixing the invoice.
";

#[test]
fn missing_columns_are_named_as_in_the_report_and_posted_records_count() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("partial.csv");
    std::fs::write(&partial, PARTIAL_TICKETS).unwrap();
    // The server analyses posted records with the index's domain packs: the same
    // packs for the report, whatever each input alone would pick.
    let packs = ["--domain", "apps,ecommerce,support"];
    let idx = index(dir.path(), "idx", &[&partial], &packs);
    let server = start(&idx, &["--allow-ingest"]);
    let a = server.addr.as_str();
    let want = report(&[&partial], &packs);
    let (_, v) = get(a, "/api/report");
    same_sections(&v, &want, "partial");
    let s = &v["support"];
    assert!(s["all"]["first_response"].is_null(), "{s}");
    assert!(s["all"]["resolution"].is_null(), "{s}");
    let missing = s["missing"].to_string();
    for column in ["first_response_at", "solved_at", "replies"] {
        assert!(missing.contains(column), "{column}: {missing}");
    }
    assert_eq!(s["all"]["resolution_rate"]["count"], 3);
    // Churn signals in ja, ko and en, stored with the record.
    assert!(v["churn"]["all"]["signals"].as_u64().unwrap() >= 3, "{v}");

    // Records posted to the server carry their support fields too: the same figures
    // as a report of both files.
    let tickets = fixture("support/tickets_ja.csv");
    let body = std::fs::read(&tickets).unwrap();
    let (status, body) = request(a, "POST", "/api/records", Some(("text/csv", &body)));
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let want = report(&[&partial, &tickets], &packs);
    let (_, v) = get(a, "/api/report");
    same_sections(&v, &want, "posted");
    assert_eq!(v["support"]["all"]["units"], 16);
    assert_eq!(v["support"]["excluded_times"], 1);

    // Records without support fields: no support section, as in the report.
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, "id,text\nx1,配送が遅い\nx2,The app is great\n").unwrap();
    let idx = index(dir.path(), "plain", &[&plain], &[]);
    drop(server);
    let server = start(&idx, &[]);
    let (_, v) = get(&server.addr, "/api/report");
    assert!(v["support"].is_null(), "{v}");
    assert!(report(&[&plain], &[])["support"].is_null());
}

#[test]
fn an_index_of_the_previous_layout_asks_for_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, "id,text\nx1,配送が遅い\n").unwrap();
    let idx = index(dir.path(), "idx", &[&plain], &[]);
    // An index written before the support columns (koe.index/3).
    std::fs::write(
        idx.join("koe-index.json"),
        r#"{"schema":"koe.index/3","koe":"0.1.0"}"#,
    )
    .unwrap();
    let out = koe()
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(&idx)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("koe.index/3") && err.contains("--rebuild"),
        "{err}"
    );
}

#[test]
fn the_openapi_document_describes_the_support_section() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, "id,text\nx1,配送が遅い\n").unwrap();
    let idx = index(dir.path(), "idx", &[&plain], &[]);
    let server = start(&idx, &[]);
    let (_, doc) = get(&server.addr, "/api/openapi.json");
    let report = &doc["paths"]["/api/report"]["get"];
    assert!(
        report["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "by")
    );
    let schemas = &doc["components"]["schemas"];
    for key in [
        "first_response",
        "later_responses",
        "resolution",
        "resolution_rate",
        "first_contact_resolution",
    ] {
        assert!(
            schemas["SupportFigures"]["properties"][key].is_object(),
            "{key}"
        );
    }
    for key in ["backlog", "repeat_contact", "missing", "themes", "periods"] {
        assert!(schemas["Support"]["properties"][key].is_object(), "{key}");
    }
    assert!(schemas["Churn"]["properties"]["cohorts"].is_object());
    // The page has the support section and renders it from the themes answer.
    let (_, page) = request(&server.addr, "GET", "/", None);
    assert!(String::from_utf8_lossy(&page).contains("id=\"support\""));
    let (_, js) = request(&server.addr, "GET", "/app.js", None);
    assert!(String::from_utf8_lossy(&js).contains("renderSupport(s.support, s.churn)"));
}
