//! Issue 24, the ingest and output half: every record is in the output or in the
//! rejects file, memory stays bounded on any input, and koe never destroys a user's
//! file. Each test is a reproducer that failed before the fix.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use super::common::{Rng, analyze_run, fixture, koe, records};

/// Read = analysed + rejected, and output lines + rejects lines = read.
fn assert_accounted(run: &super::common::Run) {
    let s = &run.summary;
    let (read, analysed, rejected) = (
        s["read"].as_u64().unwrap(),
        s["analysed"].as_u64().unwrap(),
        s["rejected"].as_u64().unwrap(),
    );
    assert_eq!(read, analysed + rejected, "{}", run.stderr);
    assert_eq!(
        records(run).len() as u64 + run.rejects.len() as u64,
        read,
        "{}",
        run.stderr
    );
}

#[test]
fn a_one_line_json_array_keeps_every_record() {
    // What `json.dump` writes: every element on line 1, so `file:line` ids collided.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    let elements: Vec<String> = (0..1000)
        .map(|i| format!("{{\"text\":\"review number {i} says the app is fine\"}}"))
        .collect();
    std::fs::write(&path, format!("[{}]", elements.join(","))).unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_accounted(&run);
    let ids: std::collections::BTreeSet<String> = records(&run)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1000);
    assert!(ids.contains(&format!("{}#1000", path.display())));
    // Indexed twice: 1,000 records, updated in place the second time.
    let index = dir.path().join("idx");
    for _ in 0..2 {
        super::common::run_ok(
            koe()
                .arg("index")
                .arg(&path)
                .arg("--index")
                .arg(&index)
                .arg("-q"),
        );
    }
    let out = super::common::run_ok(
        koe()
            .args([
                "search", "review", "--format", "json", "--limit", "1", "--index",
            ])
            .arg(&index),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1000, "{v}");
}

#[test]
fn cr_only_line_ends_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cr.csv");
    std::fs::write(
        &path,
        "id,rating,text\r1,5,great app\r2,1,refund never came\r",
    )
    .unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_accounted(&run);
    let recs = records(&run);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["text"], "refund never came");
    assert_eq!(recs[1]["rating"]["value"], 1.0);
}

#[test]
fn a_header_without_records_is_a_negative_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    std::fs::write(&path, "id,text\n\n  \n").unwrap();
    let run = analyze_run(&[&path], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("no records"), "{}", run.stderr);
}

#[test]
fn a_json_element_over_the_limit_is_rejected_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(b"[{\"text\":\"one\"},{\"text\":\"").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..65 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\"},{\"text\":\"three\"}]").unwrap();
    drop(f);
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_accounted(&run);
    assert_eq!(run.summary["read"], 3);
    let texts: Vec<Value> = records(&run).iter().map(|r| r["text"].clone()).collect();
    assert_eq!(texts, ["one", "three"]);
    assert!(
        run.rejects[0]["reason"]
            .as_str()
            .unwrap()
            .contains("over the limit"),
        "{}",
        run.rejects[0]["reason"]
    );
}

/// The records read ahead when an input opens (to learn its columns and rating scale)
/// stay a few MiB whatever their length: 40 records of 1 MB of text each read
/// ~16 MB ahead before (32 MiB counted), and that read-ahead stood on top of the
/// analysis in flight at the start of a run (`benches/long-records.sh` measures the
/// whole run's peak).
#[test]
fn the_read_ahead_of_an_input_holds_a_few_mib_of_long_records() {
    let line = "配送が遅くて困りました。返金の対応は早かったです。".repeat(1_000_000 / 72) + "\n";
    for (name, data) in [
        ("long.txt", line.repeat(40)),
        (
            "long.jsonl",
            format!("{{\"text\":\"{}\"}}\n", line.trim_end()).repeat(40),
        ),
    ] {
        let size = data.len() as u64;
        let reader = koe::ingest::Reader::open(
            std::sync::Arc::from(name),
            Box::new(std::io::Cursor::new(data.into_bytes())),
            Some(size),
            &koe::ingest::IngestOptions::default(),
        )
        .expect("opens");
        let (read, _) = reader.progress();
        assert!(read <= 6 << 20, "{name}: {read} bytes read ahead of {size}");
        assert_eq!(reader.count(), 40, "{name}");
    }
}

/// Runs `koe analyze FILE` with stdout to /dev/null and returns (exit code, stderr,
/// peak RSS in MB, summary). The peak is the process's own VmHWM, which koe reports
/// in its summary: the wait4 figure of a child includes the RSS of the (large) test
/// process it was spawned from, as Linux keeps the high-water mark across exec.
#[cfg(target_os = "linux")]
fn analyze_peak_rss(path: &Path, dir: &Path) -> (i32, String, u64, Value) {
    let summary = dir.join("summary.json");
    let rejects = dir.join("rejects.jsonl");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("koe"))
        .arg("analyze")
        .arg(path)
        .arg("-q")
        .arg("--summary-json")
        .arg(&summary)
        .arg("--rejects")
        .arg(&rejects)
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let summary: Value = std::fs::read_to_string(&summary)
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        summary["peak_rss_mb"]
            .as_u64()
            .expect("koe reports its peak RSS on Linux"),
        summary,
    )
}

#[test]
#[cfg(target_os = "linux")]
fn one_huge_line_is_rejected_in_bounded_memory() {
    // A gzip of a few hundred KB that expands to one 400 MiB record, then a good
    // record, in each format: the readers used to load the whole line first.
    let dir = tempfile::tempdir().unwrap();
    const HUGE: usize = 400 << 20;
    // (file name, bytes before the huge value, bytes after it, the byte it repeats)
    type Case<'a> = (&'a str, &'a [u8], &'a [u8], &'a [u8]);
    let cases: &[Case] = &[
        ("t.txt.gz", b"", b"\nsecond line is fine\n", b"a"),
        (
            "c.csv.gz",
            b"id,text\n1,",
            b"\n2,second record is fine\n",
            b"a",
        ),
        (
            "q.csv.gz",
            b"id,text\n1,\"",
            b"\"\n2,second record is fine\n",
            b"a",
        ),
        (
            "l.jsonl.gz",
            b"{\"text\":\"",
            b"\"}\n{\"text\":\"second record is fine\"}\n",
            b"a",
        ),
        (
            "a.json.gz",
            b"[{\"text\":\"",
            b"\"},{\"text\":\"second record is fine\"}]",
            b"a",
        ),
    ];
    for (name, head, tail, fill) in cases {
        let path = dir.path().join(name);
        let f = std::fs::File::create(&path).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        gz.write_all(head).unwrap();
        let chunk = fill.repeat(1 << 20);
        for _ in 0..HUGE >> 20 {
            gz.write_all(&chunk).unwrap();
        }
        gz.write_all(tail).unwrap();
        gz.finish().unwrap();
        let (code, stderr, rss_mb, summary) = analyze_peak_rss(&path, dir.path());
        assert_eq!(code, 1, "{name}: {stderr}");
        assert_eq!(
            (summary["read"].as_u64(), summary["analysed"].as_u64()),
            (Some(2), Some(1)),
            "{name}: {stderr}"
        );
        eprintln!("{name}: peak RSS {rss_mb} MB");
        assert!(rss_mb <= 300, "{name}: peak RSS {rss_mb} MB");
    }
}

#[test]
fn a_stray_invalid_byte_is_replaced_not_the_field_re_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stray.csv");
    let mut data = "id,text\n1,".as_bytes().to_vec();
    data.extend_from_slice("配送が遅くて解約しました".as_bytes());
    data.extend_from_slice(b"\xe3\x81\n2,");
    data.extend_from_slice("返金が早かったです".as_bytes());
    data.push(b'\n');
    std::fs::write(&path, data).unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let recs = records(&run);
    assert_eq!(recs[0]["text"], "配送が遅くて解約しました\u{FFFD}");
    assert_eq!(recs[0]["lang"], "ja");
    assert!(
        recs[0]["warnings"].to_string().contains("invalid UTF-8"),
        "{}",
        recs[0]
    );
}

#[test]
fn ratings_that_are_not_numbers_in_the_scale_are_dropped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ratings.csv");
    std::fs::write(
        &path,
        "id,rating,text\n1,5,great app\n2,1,awful app\n3,-5,minus five\n4,1e3,exponent\n\
         5,99999999999999999999999,huge\n6,\"[1,2]\",array\n7,0/0,zero over zero\n8,3,okay app\n",
    )
    .unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let recs = records(&run);
    assert_eq!(recs.len(), 8, "the text is still analysed");
    for r in &recs[2..7] {
        assert!(r.get("rating").is_none(), "{r}");
        assert!(r["warnings"].to_string().contains("rating"), "{r}");
    }
    for (r, v) in [(&recs[0], 5.0), (&recs[1], 1.0), (&recs[7], 3.0)] {
        assert_eq!(r["rating"]["value"], v);
    }
}

#[test]
fn duplicate_json_keys_are_warned_on_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.jsonl");
    std::fs::write(
        &path,
        "{\"text\":\"first text\",\"rating\":5,\"text\":\"second text\"}\n{\"text\":\"fine\"}\n",
    )
    .unwrap();
    let run = analyze_run(&[&path], &["-q"]);
    let recs = records(&run);
    assert_eq!(recs[0]["text"], "second text");
    assert!(
        recs[0]["warnings"]
            .to_string()
            .contains("duplicate key 'text'"),
        "{}",
        recs[0]
    );
    assert!(recs[1].get("warnings").is_none());
}

#[test]
fn a_forced_encoding_that_does_not_fit_is_an_error_naming_the_detected_one() {
    let run = analyze_run(
        &[&fixture("ingest/nps_survey_ja.csv")],
        &["-q", "--encoding", "euc-kr"],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("--encoding EUC-KR does not fit") && run.stderr.contains("UTF-8"),
        "{}",
        run.stderr
    );
    // The right one still works.
    let run = analyze_run(
        &[&fixture("ingest/reviews_sjis.csv")],
        &["-q", "--encoding", "shift_jis"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn random_bytes_are_refused_as_binary() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    for i in 0..20 {
        let path = dir.path().join(format!("random{i}.csv"));
        std::fs::write(&path, rng.bytes(1 << 20)).unwrap();
        let run = analyze_run(&[&path], &["-q"]);
        assert_eq!(run.code, Some(2), "random{i}: {}", run.stderr);
        assert!(run.stderr.contains("is not a text file"), "{}", run.stderr);
    }
}

// ---- Never destroy a user's file ----

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    std::fs::copy(fixture("ingest/appstore_reviews.csv"), &data).unwrap();
    let before = std::fs::read(&data).unwrap();
    // The same file under another name (a hard link) is the same file.
    let link = dir.path().join("alias.csv");
    std::fs::hard_link(&data, &link).unwrap();
    for flag in ["-o", "--rejects", "--summary-json"] {
        for target in [&data, &link] {
            let out = koe()
                .arg("analyze")
                .arg(&data)
                .arg(flag)
                .arg(target)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{flag} {}", target.display());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("is also an input"), "{err}");
            assert_eq!(std::fs::read(&data).unwrap(), before);
        }
    }
    let out = koe()
        .arg("report")
        .arg(&data)
        .arg("-o")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&data).unwrap(), before);
}

#[test]
#[cfg(unix)]
fn a_symlinked_output_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "do not touch").unwrap();
    let rejects = dir.path().join("rejects.jsonl");
    std::os::unix::fs::symlink(&precious, &rejects).unwrap();
    let out = koe()
        .arg("analyze")
        .arg(fixture("ingest/bad_quoting.csv"))
        .arg("--rejects")
        .arg(&rejects)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "do not touch");
    assert!(!std::fs::symlink_metadata(&rejects).unwrap().is_symlink());
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap().lines().count(),
        3
    );
}

#[test]
fn a_failing_run_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.jsonl");
    let out = koe()
        .arg("analyze")
        .arg(dir.path().join("missing.csv"))
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_path.exists(), "a 0-byte output was left behind");
    // A report of an input that cannot be read says so and writes nothing.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let html = dir.path().join("r.html");
    let out = koe()
        .arg("report")
        .arg(&empty)
        .arg("-o")
        .arg(&html)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("report written"), "{err}");
    assert!(!html.exists());
    // Nothing else was left in the directory (no temporary files).
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["empty.csv"]);
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inj.csv");
    std::fs::write(
        &path,
        "id,channel,text\n=1+1,@SUM(A1),\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\") the app crashes\"\n\
         -2,+web,normal text about refunds\n",
    )
    .unwrap();
    let out = super::common::run_ok(koe().arg("analyze").arg(&path).args([
        "--format",
        "csv",
        "-q",
        "--segment",
        "channel",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = text.lines();
    let header = rdr.next().unwrap();
    assert!(header.starts_with("id,"), "{header}");
    for line in rdr {
        for cell in split_csv_line(line) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.parse::<f64>().is_ok(),
                "dangerous cell {cell:?} in {line}"
            );
        }
    }
    assert!(text.contains("'=1+1"), "{text}");
    assert!(text.contains("'@SUM(A1)"), "{text}");
    assert!(text.contains("'=HYPERLINK("), "{text}");
}

/// Cells of one CSV line (quotes removed).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_cleanly_with_the_summary_so_far() {
    // A dump big enough to take many seconds; SIGINT once output has started.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    let rows = std::fs::read_to_string(fixture("ingest/appstore_reviews.csv")).unwrap();
    let mut lines = rows.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let mut data = format!("{header}\n");
    for i in 0..4000 {
        for l in &body {
            // Fresh ids so that every row is its own record.
            let rest = l.split_once(',').map_or(*l, |(_, r)| r);
            data.push_str(&format!("r{i}-{},{rest}\n", data.len()));
        }
    }
    std::fs::write(&big, data).unwrap();
    for (signal, command) in [("INT", "analyze"), ("TERM", "report")] {
        let out_path = dir.path().join(format!("out-{command}"));
        let summary = dir.path().join(format!("summary-{command}.json"));
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("koe"));
        cmd.arg(command).arg(&big).arg("-o").arg(&out_path);
        if command == "analyze" {
            cmd.arg("--summary-json").arg(&summary);
        } else {
            cmd.args(["--discover", "0"]);
        }
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the analysis is under way (the temporary output grows, or for
        // report, a bounded pause), then signal.
        let started = std::time::Instant::now();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let growing = std::fs::read_dir(dir.path()).unwrap().any(|e| {
                let e = e.unwrap();
                e.file_name().to_string_lossy().contains("koe-tmp")
                    && e.metadata().unwrap().len() > 0
            });
            if growing || started.elapsed().as_secs() > 8 {
                break;
            }
        }
        let killed = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{command}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(err.contains("koe: read "), "the summary so far: {err}");
        // The partial output is complete records, and says how many.
        if command == "analyze" {
            let text = std::fs::read_to_string(&out_path).unwrap();
            let s: Value =
                serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
            assert_eq!(s["interrupted"], true);
            let n = s["analysed"].as_u64().unwrap();
            assert!(n > 0 && n < 4000 * body.len() as u64, "{n}");
            assert_eq!(text.lines().count() as u64, n);
            for l in text.lines() {
                serde_json::from_str::<Value>(l).unwrap();
            }
        } else if out_path.exists() {
            // A report of the records analysed before the signal, said so.
            assert!(err.contains("covers only the"), "{err}");
            assert!(std::fs::read_to_string(&out_path).unwrap().contains("# "));
        } else {
            assert!(err.contains("nothing written"), "{err}");
        }
        // No temporary file is left.
        assert!(
            !std::fs::read_dir(dir.path()).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("koe-tmp"))
        );
    }
}

#[test]
#[cfg(unix)]
fn configuration_files_are_read_with_a_size_cap() {
    // `/dev/zero` used to be read until memory ran out.
    let data = fixture("ingest/appstore_reviews.csv");
    for (command, flag) in [
        ("analyze", "--taxonomy"),
        ("analyze", "--lexicon"),
        ("analyze", "--user-dict-ja"),
        ("report", "--goals"),
    ] {
        let out = koe()
            .arg(command)
            .arg(&data)
            .args([flag, "/dev/zero", "-q"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(
            err.contains("/dev/zero") && err.contains("too big"),
            "{flag}: {err}"
        );
    }
}

// ---- Property: mutated fixtures ----

/// One random mutation of `data`: bytes flipped, truncated, quotes added or removed,
/// line ends changed, a slice repeated.
fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(7) {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(d.len());
                    if let Some(b) = d.get_mut(i) {
                        *b = rng.next() as u8;
                    }
                }
            }
            1 => d.truncate(rng.below(d.len() + 1)),
            2 => {
                let i = rng.below(d.len() + 1);
                d.insert(i, b'"');
            }
            3 => {
                let quotes: Vec<usize> = (0..d.len()).filter(|&i| d[i] == b'"').collect();
                if !quotes.is_empty() {
                    d.remove(quotes[rng.below(quotes.len())]);
                }
            }
            4 => {
                let to: &[u8] = match rng.below(3) {
                    0 => b"\r\n",
                    1 => b"\r",
                    _ => b"",
                };
                let mut out = Vec::with_capacity(d.len());
                for &b in &d {
                    if b == b'\n' && rng.below(2) == 0 {
                        out.extend_from_slice(to);
                    } else {
                        out.push(b);
                    }
                }
                d = out;
            }
            5 => {
                let a = rng.below(d.len() + 1);
                let b = (a + rng.below(200)).min(d.len());
                let slice = d[a..b].to_vec();
                let at = rng.below(d.len() + 1);
                d.splice(at..at, slice);
            }
            _ => {
                let i = rng.below(d.len() + 1);
                let junk: &[u8] =
                    [b",".as_slice(), b"\t", b"{", b"]", b"\\", b"\0", b"\xff"][rng.below(7)];
                d.splice(i..i, junk.iter().copied());
            }
        }
    }
    d
}

fn ingest_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture("ingest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn mutated_fixtures_never_panic_and_every_record_is_accounted_for() {
    // In process: each fixture mutated 2,000 times through the reader; every 25th
    // mutation's records through the whole analysis as well.
    use koe::ingest::{IngestOptions, Reader};
    let mut analyzer = koe::analyze::Analyzer::builder()
        .text(super::common::processor().clone())
        .build()
        .unwrap()
        .worker();
    let opts = IngestOptions::default();
    let (mut units, mut files) = (0u64, 0u64);
    for (name, data) in ingest_fixtures() {
        let mut rng = Rng::new(0x5EED ^ data.len() as u64);
        for i in 0..2000 {
            let bytes = mutate(&data, &mut rng);
            let n = bytes.len() as u64;
            let reader = Reader::open(
                std::sync::Arc::from(name.as_str()),
                Box::new(std::io::Cursor::new(bytes)),
                Some(n),
                &opts,
            );
            let Ok(reader) = reader else { continue };
            files += 1;
            let mut last_record = 0;
            for item in reader {
                units += 1;
                let record = match &item {
                    Ok(r) => r.origin.record,
                    Err(r) => r.record,
                };
                assert_eq!(
                    record,
                    last_record + 1,
                    "{name} #{i}: records numbered in order"
                );
                last_record = record;
                if let Ok(r) = item {
                    assert!(!r.id.is_empty());
                    if i % 25 == 0 {
                        analyzer.analyze(&r);
                    }
                }
            }
        }
    }
    assert!(
        files > 10_000 && units > 100_000,
        "{files} files, {units} records"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn mutated_fixtures_through_the_cli_keep_exact_accounts_in_bounded_memory() {
    // The real binary on 40 mutations of every fixture in one run: per source and in
    // total, read = analysed + rejected and output lines + rejects lines = read.
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let mut paths = Vec::new();
    for (name, data) in ingest_fixtures() {
        let mut rng = Rng::new(0xC0FFEE ^ data.len() as u64);
        for i in 0..40 {
            let p = inputs.join(format!("{i:02}-{name}"));
            std::fs::write(&p, mutate(&data, &mut rng)).unwrap();
            paths.push(p);
        }
    }
    let out = dir.path().join("out.jsonl");
    let summary = dir.path().join("summary.json");
    let rejects = dir.path().join("rejects.jsonl");
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("koe"))
        .arg("analyze")
        .args(&paths)
        .arg("-o")
        .arg(&out)
        .arg("--summary-json")
        .arg(&summary)
        .arg("--rejects")
        .arg(&rejects)
        .arg("-q")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        matches!(run.status.code(), Some(0..=2)),
        "{:?}: {err}",
        run.status
    );
    let s: Value = serde_json::from_str(
        &std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("{e}: {err}")),
    )
    .unwrap();
    let rss = s["peak_rss_mb"].as_u64().unwrap();
    assert!(rss <= 300, "peak RSS {rss} MB");
    let lines = |p: &Path| {
        std::fs::read_to_string(p)
            .map(|t| t.lines().count() as u64)
            .unwrap_or(0)
    };
    let (read, analysed, rejected) = (
        s["read"].as_u64().unwrap(),
        s["analysed"].as_u64().unwrap(),
        s["rejected"].as_u64().unwrap(),
    );
    assert_eq!(read, analysed + rejected);
    assert_eq!(lines(&out), analysed);
    assert_eq!(lines(&rejects), rejected);
    for src in s["sources"].as_array().unwrap() {
        assert_eq!(
            src["read"].as_u64(),
            Some(src["analysed"].as_u64().unwrap() + src["rejected"].as_u64().unwrap()),
            "{src}"
        );
    }
    let opened =
        s["sources"].as_array().unwrap().len() + s["failed_sources"].as_array().unwrap().len();
    assert_eq!(
        opened,
        paths.len(),
        "every input is read or reported as failed"
    );
    assert!(read > 10_000, "{read}");
}

#[test]
#[cfg(unix)]
fn a_device_or_a_pipe_as_output_is_written_through_not_replaced() {
    // A rename over /dev/null would put a regular file in its place (as root).
    use std::os::unix::fs::FileTypeExt;
    let out = koe()
        .arg("analyze")
        .arg(fixture("ingest/appstore_reviews.csv"))
        .args(["-q", "-o", "/dev/null", "--summary-json", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = std::fs::metadata("/dev/null").unwrap();
    assert!(m.file_type().is_char_device(), "/dev/null was replaced");
    // A FIFO gets the records.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let out = koe()
            .arg("analyze")
            .arg(fixture("ingest/appstore_reviews.csv"))
            .arg("-q")
            .arg("-o")
            .arg(&fifo)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(reader.join().unwrap().lines().count(), 60);
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
