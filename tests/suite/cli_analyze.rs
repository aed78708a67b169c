//! `koe analyze` end to end on the bundled fixtures: every record is either in the
//! output or in the rejects file, exit codes, encodings, columns, determinism.

use std::path::Path;

use serde_json::Value;

use super::common::{analyze_run, fixture, koe, records};

#[test]
fn every_record_is_analysed_or_rejected() {
    // (file, read, analysed, rejected, exit code)
    let cases: &[(&str, u64, u64, u64, i32)] = &[
        ("appstore_reviews.csv", 60, 60, 0, 0),
        ("nps_survey_ja.csv", 60, 60, 0, 0),
        ("nps_survey_ko.csv", 50, 50, 0, 0),
        ("support_tickets.jsonl", 50, 50, 0, 0),
        ("reviews_array.json", 20, 20, 0, 0),
        ("reviews_sjis.csv", 30, 30, 0, 0),
        ("reviews_cp949.csv", 30, 30, 0, 0),
        ("reviews_utf16.txt", 15, 15, 0, 0),
        ("plain_lines.txt", 30, 30, 0, 0),
        ("crlf.csv", 10, 10, 0, 0),
        ("reviews.csv.gz", 40, 40, 0, 0),
        ("reviews.jsonl.gz", 20, 20, 0, 0),
        ("bad_quoting.csv", 15, 12, 3, 1),
        ("bad_lines.jsonl", 15, 11, 4, 1),
        ("truncated.csv.gz", 79, 78, 1, 1),
        ("nul_bytes.csv", 10, 9, 1, 1),
        ("mixed_encoding.csv", 15, 15, 0, 0),
        ("mojibake.csv", 12, 12, 0, 0),
    ];
    for &(name, read, analysed, rejected, code) in cases {
        let run = analyze_run(&[&fixture(&format!("ingest/{name}"))], &["-q"]);
        let s = &run.summary;
        assert_eq!(
            (
                s["read"].as_u64(),
                s["analysed"].as_u64(),
                s["rejected"].as_u64(),
                run.code
            ),
            (Some(read), Some(analysed), Some(rejected), Some(code)),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(
            s["read"],
            s["analysed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap()
        );
        assert_eq!(records(&run).len() as u64, analysed, "{name}");
        assert_eq!(run.rejects.len() as u64, rejected, "{name}");
        for r in &run.rejects {
            for key in ["file", "line", "reason", "raw"] {
                assert!(r.get(key).is_some(), "{name}: reject without {key}: {r}");
            }
        }
    }
}

#[test]
fn rejects_name_line_and_reason() {
    let run = analyze_run(&[&fixture("ingest/bad_quoting.csv")], &["-q"]);
    let lines: Vec<u64> = run
        .rejects
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [6, 7, 8]);
    assert!(
        run.rejects[2]["reason"]
            .as_str()
            .unwrap()
            .contains("unterminated")
    );
    // The lines after the broken quote were read again, not swallowed.
    let ids: Vec<String> = records(&run)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"15".to_string()), "{ids:?}");
    let run = analyze_run(&[&fixture("ingest/truncated.csv.gz")], &["-q"]);
    assert!(
        run.rejects[0]["reason"]
            .as_str()
            .unwrap()
            .contains("deflate")
    );
}

#[test]
fn a_file_full_of_bad_records() {
    let run = analyze_run(
        &[
            &fixture("ingest/bad_lines.jsonl"),
            &fixture("ingest/bad_quoting.csv"),
            &fixture("ingest/nul_bytes.csv"),
        ],
        &["-q"],
    );
    let s = &run.summary;
    assert_eq!(
        s["read"].as_u64().unwrap(),
        s["analysed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap()
    );
    assert_eq!(s["rejected"].as_u64(), Some(8));
    assert_eq!(run.code, Some(1));
}

#[test]
fn twenty_megabyte_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let big = "配送が遅い。".repeat(20 * 1024 * 1024 / "配送が遅い。".len());
    std::fs::write(&path, format!("id,text\n1,{big}\n2,ok then\n")).unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.rejects.len(), 1);
    assert!(
        run.rejects[0]["reason"]
            .as_str()
            .unwrap()
            .contains("over the limit")
    );
    assert_eq!(records(&run).len(), 1);
    // With a higher limit it is analysed, in bounded chunks.
    let run = analyze_run(&[&path], &["-q", "--max-field-bytes", "30000000"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let recs = records(&run);
    assert_eq!(recs[0]["lang"], "ja");
    assert!(recs[0]["tokens"].as_u64().unwrap() > 1_000_000);
}

#[test]
fn not_text_is_refused_by_name_and_other_inputs_go_on() {
    let run = analyze_run(
        &[&fixture("ingest/not_text.csv"), &fixture("ingest/crlf.csv")],
        &[],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("not_text.csv is not a text file: it is a PNG image"),
        "{}",
        run.stderr
    );
    assert_eq!(records(&run).len(), 10);
}

#[test]
fn unknown_column_lists_the_available_ones() {
    let run = analyze_run(&[&fixture("ingest/wrong_columns.csv")], &["--text", "body"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("no column named 'body'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("foo, bar, baz"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn encodings_are_detected_and_reported() {
    for (name, label, needle) in [
        ("reviews_sjis.csv", "Shift_JIS", "使いやすい"),
        ("reviews_cp949.csv", "CP949", "똠양꿍"),
        ("reviews_utf16.txt", "UTF-16LE", "\t"),
        ("nps_survey_ja.csv", "UTF-8 (BOM)", "解約"),
    ] {
        let run = analyze_run(&[&fixture(&format!("ingest/{name}"))], &["-q"]);
        let enc = run.summary["sources"][0]["encoding"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(enc.starts_with(label), "{name}: {enc}");
        if needle != "\t" {
            assert!(run.stdout.contains(needle), "{name}");
        }
    }
}

#[test]
fn columns_scales_and_dates() {
    let run = analyze_run(&[&fixture("ingest/nps_survey_ja.csv")], &["-q"]);
    let src = &run.summary["sources"][0];
    assert_eq!(src["rating_column"], "推奨度");
    assert_eq!(src["scale"], "nps");
    assert_eq!(src["text_columns"][0], "ご意見・ご要望");
    let recs = records(&run);
    assert!(recs.iter().any(|r| r["rating"]["nps"] == "detractor"));
    assert!(recs.iter().any(|r| r["rating"]["nps"] == "promoter"));
    assert!(
        recs.iter()
            .all(|r| r["date"].as_str().is_some_and(|d| d.starts_with("2026-")))
    );
    assert!(recs.iter().all(|r| r["segments"]["チャネル"].is_string()));
    // Empty comments with a score are kept for the metrics.
    assert!(
        recs.iter()
            .any(|r| r["text"] == "" && r["rating"].is_object())
    );

    let run = analyze_run(&[&fixture("ingest/reviews_array.json")], &["-q"]);
    let recs = records(&run);
    assert_eq!(run.summary["sources"][0]["format"], "json");
    assert!(
        recs.iter()
            .all(|r| r["date"].as_str().is_some_and(|d| d.starts_with("2026-")))
    );
    assert!(recs.iter().all(|r| r["rating"]["scale"] == "stars5"));

    let run = analyze_run(
        &[&fixture("ingest/appstore_reviews.csv")],
        &["-q", "--text", "review", "--segment", "country"],
    );
    let src = &run.summary["sources"][0];
    assert_eq!(src["text_columns"], serde_json::json!(["review"]));
    assert_eq!(src["segment_columns"], serde_json::json!(["country"]));
}

#[test]
fn output_is_in_input_order_whatever_the_threads() {
    let inputs = [
        fixture("ingest/appstore_reviews.csv"),
        fixture("ingest/support_tickets.jsonl"),
        fixture("ingest/nps_survey_ko.csv"),
    ];
    let refs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    let one = analyze_run(&refs, &["-q", "--threads", "1"]);
    let two = analyze_run(&refs, &["-q", "--threads", "2"]);
    assert_eq!(one.stdout, two.stdout);
    let lines: Vec<u64> = records(&one)
        .iter()
        .take(5)
        .map(|r| r["source"]["line"].as_u64().unwrap())
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
}

#[test]
fn csv_output_and_stdin() {
    // Empty stdin is an error that says so.
    let run = analyze_run(&[Path::new("-")], &["-q", "--format", "csv"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("stdin is empty"), "{}", run.stderr);
    let out = koe()
        .args(["analyze", "-q", "--format", "csv", "-"])
        .write_stdin(std::fs::read(fixture("ingest/crlf.csv")).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(
        "id,file,line,lang,mojibake,sentiment,sentiment_score,rating,scale,nps,date,"
    ));
    // Every row has as many fields as the header.
    let width = |l: &str| koe::ingest::csv::split_fields(l.as_bytes(), b',').len();
    let header = width(text.lines().next().unwrap());
    for line in text
        .lines()
        .skip(1)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
    {
        if !line.contains('"') {
            assert_eq!(width(line), header, "{line}");
        }
    }
    // Header + 10 records, one of them spanning two lines inside quotes.
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
            .count(),
        10
    );
}

#[test]
fn mojibake_rows_come_back_repaired() {
    let run = analyze_run(&[&fixture("ingest/mojibake.csv")], &["-q"]);
    let expected: Vec<(String, String)> = std::fs::read_to_string(fixture("ingest/mojibake.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f = koe::ingest::csv::split_fields(l.as_bytes(), b',');
            (
                String::from_utf8(f[0].clone()).unwrap(),
                String::from_utf8(f[2].clone()).unwrap(),
            )
        })
        .collect();
    let recs = records(&run);
    let mut repaired = 0;
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        let want = &expected.iter().find(|e| e.0 == id).unwrap().1;
        let got = r
            .get("repaired_text")
            .and_then(Value::as_str)
            .unwrap_or(r["text"].as_str().unwrap());
        assert_eq!(got, want, "row {id}");
        repaired += usize::from(r["mojibake"] == "repaired");
    }
    assert_eq!(repaired, 10);
}

#[test]
fn generator_feeds_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    std::fs::write(&corpus, "配送が遅い\n배송이 느려요\nslow delivery\n").unwrap();
    let big = dir.path().join("gen.csv");
    let out = koe()
        .args(["generate", "--size", "200K", "--corpus"])
        .arg(&corpus)
        .arg("-o")
        .arg(&big)
        .output()
        .unwrap();
    assert!(out.status.success());
    let run = analyze_run(&[&big], &["-q"]);
    assert_eq!(run.code, Some(0));
    let read = run.summary["read"].as_u64().unwrap();
    assert!(read > 3000, "{read}");
    assert_eq!(run.summary["analysed"].as_u64().unwrap(), read);
}
