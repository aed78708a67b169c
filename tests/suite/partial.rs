//! Issue 27 §3: partial reports. The input is split 1, 2 and 7 ways (rows shuffled by
//! a seeded generator), each part written with `koe report --partial`, the parts
//! merged in a shuffled order with `koe report merge`, and the merged report JSON
//! compared with `koe report --format json` over the whole input: equal in every
//! field but the input names and which of the quotes tied in rank are shown.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{Rng, fixture, koe, run_ok};

/// The paths where two JSON values differ (the first few), with both values.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if out.len() >= 10 || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                diff(
                    &format!("{path}.{k}"),
                    v,
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ => out.push(format!("{path}: merged {a} vs whole {b}")),
    }
}

/// The report without its input names, each theme's quotes as their sorted
/// sentiments (one pass breaks ties in rank by arrival, a merge by record id).
fn without_inputs(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("inputs");
    }
    for t in v["themes"].as_array_mut().into_iter().flatten() {
        let mut s: Vec<String> = t["quotes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| q["sentiment"].to_string())
            .collect();
        s.sort();
        t["quotes"] = serde_json::json!(s);
    }
    v
}

fn whole(input: &Path, args: &[&str]) -> Value {
    let out = run_ok(
        koe()
            .args(["report", "-q", "--format", "json"])
            .args(args)
            .arg(input),
    );
    without_inputs(serde_json::from_slice(&out.stdout).unwrap())
}

/// Splits `input` (a header line when `header`, then one record per line) into `k`
/// files of shuffled rows, writes their partial reports, merges them in a shuffled
/// order; returns the merged report.
fn split_merge(
    dir: &Path,
    input: &Path,
    header: bool,
    k: usize,
    rng: &mut Rng,
    args: &[&str],
) -> Value {
    let text = std::fs::read_to_string(input).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let head = if header { Some(lines.remove(0)) } else { None };
    rng.shuffle(&mut lines);
    let ext = input.extension().unwrap().to_str().unwrap();
    let mut parts: Vec<PathBuf> = Vec::new();
    for i in 0..k {
        let mut body = String::new();
        if let Some(h) = head {
            body.push_str(h);
            body.push('\n');
        }
        for l in lines.iter().skip(i).step_by(k) {
            body.push_str(l);
            body.push('\n');
        }
        let data = dir.join(format!("part{k}-{i}.{ext}"));
        std::fs::write(&data, body).unwrap();
        let part = dir.join(format!("part{k}-{i}.json"));
        run_ok(
            koe()
                .args(["report", "-q", "--partial"])
                .arg(&part)
                .args(args)
                .arg(&data),
        );
        parts.push(part);
    }
    rng.shuffle(&mut parts);
    let out = run_ok(
        koe()
            .args(["report", "merge", "-q", "--format", "json"])
            .args(&parts),
    );
    without_inputs(serde_json::from_slice(&out.stdout).unwrap())
}

fn check_splits(input: &Path, header: bool, args: &[&str], seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let want = whole(input, args);
    let mut rng = Rng::new(seed);
    for k in [1, 2, 7] {
        let got = split_merge(dir.path(), input, header, k, &mut rng, args);
        let mut diffs = Vec::new();
        diff("", &got, &want, &mut diffs);
        assert!(diffs.is_empty(), "split {k} ways: {}", diffs.join("\n"));
    }
}

#[test]
fn merged_partials_equal_the_whole_report_of_generated_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    let mut lines = String::new();
    for lang in ["en", "ja", "ko"] {
        let tsv = std::fs::read_to_string(fixture(&format!("churn/{lang}.tsv"))).unwrap();
        for l in tsv.lines() {
            if let Some((_, text)) = l.split_once('\t') {
                lines.push_str(text);
                lines.push('\n');
            }
        }
    }
    std::fs::write(&corpus, lines).unwrap();
    let data = dir.path().join("reviews.csv");
    run_ok(
        koe()
            .args(["generate", "--size", "40K", "--seed", "7", "--corpus"])
            .arg(&corpus)
            .arg("-o")
            .arg(&data),
    );
    check_splits(
        &data,
        true,
        &["--discover", "0", "--domain", "all", "--segment", "channel"],
        0x9E37_79B9_7F4A_7C15,
    );
}

#[test]
fn merged_partials_equal_the_whole_report_of_tickets() {
    check_splits(
        &fixture("support/tickets_ja.csv"),
        true,
        &["--discover", "0", "--domain", "all", "--timezone", "+09:00"],
        27,
    );
}

#[test]
fn merged_partials_equal_the_whole_report_of_threaded_messages() {
    check_splits(
        &fixture("support/messages.jsonl"),
        false,
        &["--discover", "0", "--domain", "all"],
        3,
    );
}

#[test]
fn parts_of_other_settings_or_versions_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("support/tickets_ja.csv");
    let month = dir.path().join("month.json");
    let week = dir.path().join("week.json");
    for (path, period) in [(&month, "month"), (&week, "week")] {
        run_ok(
            koe()
                .args([
                    "report",
                    "-q",
                    "--discover",
                    "0",
                    "--period",
                    period,
                    "--partial",
                ])
                .arg(path)
                .arg(&input),
        );
    }
    let out = koe()
        .args(["report", "merge", "-q"])
        .arg(&month)
        .arg(&week)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("differ in settings"), "{err}");

    let old = dir.path().join("old.json");
    let text = std::fs::read_to_string(&month)
        .unwrap()
        .replace("koe.partial/1", "koe.partial/0");
    std::fs::write(&old, text).unwrap();
    let out = koe()
        .args(["report", "merge", "-q"])
        .arg(&month)
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("koe.partial/0"), "{err}");
}
