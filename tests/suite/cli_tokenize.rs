//! `koe tokenize` end to end.

use super::common::{fixture, koe};

#[test]
fn wakati_on_fixtures_snapshot() {
    for name in ["reviews_ja", "reviews_ko", "reviews_en", "mixed"] {
        let out = koe()
            .args(["tokenize"])
            .arg(fixture(&format!("text/{name}.txt")))
            .output()
            .unwrap();
        assert!(out.status.success());
        let stdout = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!(format!("tokenize_wakati_{name}"), stdout);
    }
}

#[test]
fn one_output_line_per_input_line() {
    let input = "対応が遅い\n\n배송이 느려요\r\nnot good";
    let out = koe()
        .args(["tokenize", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "対応 が 遅い\n\n배송 이 느려요\nnot good\n");
}

#[test]
fn json_lines_carry_tokens_and_status() {
    let out = koe()
        .args(["tokenize", "--format", "json"])
        .arg(fixture("text/mixed.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["lang"], "ja");
    assert_eq!(lines[1]["lang"], "ko");
    assert_eq!(lines[4]["mojibake"], "repaired");
    let tok = &lines[0]["tokens"][0];
    for key in ["surface", "lemma", "pos", "tag", "start", "end"] {
        assert!(tok.get(key).is_some(), "{key} missing in {tok}");
    }
}

#[test]
fn forced_language() {
    let out = koe()
        .args(["tokenize", "--lang", "en", "-"])
        .write_stdin("refunds refunded\n")
        .output()
        .unwrap();
    let out = koe()
        .args(["tokenize", "--lang", "en", "--format", "json", "-"])
        .write_stdin("refunds refunded\n")
        .output()
        .map(|o| (o, out))
        .unwrap()
        .0;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tokens"][0]["lemma"], "refund");
    assert_eq!(v["tokens"][1]["lemma"], "refund");
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let out = koe()
        .args(["tokenize", "no/such/file.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no/such/file.txt"), "{err}");

    let out = koe()
        .args(["tokenize", "--lang", "xx", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x\n").unwrap();
    let out = koe()
        .args(["tokenize", "--user-dict-ja"])
        .arg(&bad)
        .arg("-")
        .write_stdin("a")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("bad.csv"));
}

#[test]
fn invalid_utf8_is_replaced_with_a_warning() {
    let out = koe()
        .args(["tokenize", "-"])
        .write_stdin(&b"ok \xff\xfe text\n"[..])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
}

/// A reader that stops early (`koe tokenize ... | head -1`) is no error: koe stops
/// quietly with exit code 0, for JSON lines as for wakati.
#[test]
fn closed_stdout_stops_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.txt");
    std::fs::write(
        &input,
        "対応が遅いけど、スタッフは親切でした。\n".repeat(20_000),
    )
    .unwrap();
    for format in ["json", "wakati"] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("koe"))
            .args(["tokenize", "--format", format])
            .arg(&input)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        // The read end is closed here (dropped with the reader).
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}
