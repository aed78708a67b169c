//! `koe index` / `koe search` end to end: lemma-aware recall in ja/ko/en, filters,
//! updates by id, query errors, index versions, and a `kill -9` in the middle of
//! indexing.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{SUPPORT_DUMP, fixture, hit_ids, koe};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn index(dir: &Path, inputs: &[&Path], extra: &[&str]) -> std::process::Output {
    koe()
        .args(["index", "-q", "--index"])
        .arg(dir.join("idx"))
        .args(inputs)
        .args(extra)
        .output()
        .unwrap()
}

fn search(dir: &Path, q: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let limit: &[&str] = if extra.contains(&"--limit") {
        &[]
    } else {
        &["--limit", "50"]
    };
    let out = koe()
        .args(["search", "--format", "json", "--index"])
        .arg(dir.join("idx"))
        .arg(q)
        .args(limit)
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lemma_aware_search_filters_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    let out = index(dir.path(), &[&dump], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Inflections: 遅い finds 遅く / 遅かった, 해지 finds 해지하고 / 해지했는데,
    // refund finds refunded / refunds.
    assert_eq!(hit_ids(&search(dir.path(), "遅い", &[]).1), ["j1", "j2"]);
    assert_eq!(hit_ids(&search(dir.path(), "해지", &[]).1), ["k1", "k2"]);
    assert_eq!(hit_ids(&search(dir.path(), "refund", &[]).1), ["e1", "e2"]);
    // Mixed-language OR, exclusion, phrases.
    assert_eq!(
        hit_ids(&search(dir.path(), "遅い OR refund", &[]).1),
        ["e1", "e2", "j1", "j2"]
    );
    assert_eq!(hit_ids(&search(dir.path(), "refund -half", &[]).1), ["e2"]);
    assert_eq!(
        hit_ids(&search(dir.path(), "\"fast delivery\"", &[]).1),
        ["e3"]
    );
    assert!(hit_ids(&search(dir.path(), "\"delivery fast\"", &[]).1).is_empty());
    // Filters.
    assert_eq!(
        hit_ids(&search(dir.path(), "rating:<=1", &[]).1),
        ["e1", "j2", "k1"]
    );
    assert_eq!(
        hit_ids(&search(dir.path(), "date:2026-03", &[]).1),
        ["e1", "k2", "k3"]
    );
    assert_eq!(
        hit_ids(&search(dir.path(), "channel:email", &[]).1),
        ["e1", "j2"]
    );
    assert_eq!(
        hit_ids(&search(dir.path(), "lang:ko rating:>=5", &[]).1),
        ["k3"]
    );
    assert_eq!(
        hit_ids(&search(dir.path(), "sentiment:neg lang:ja", &[]).1),
        ["j1", "j2"]
    );
    let subs = hit_ids(&search(dir.path(), "theme:billing", &[]).1);
    assert!(subs.contains(&"k2".to_string()), "{subs:?}");

    // Highlights are cut from the original text at the matched tokens.
    let (_, v, _) = search(dir.path(), "遅い", &[]);
    for h in v["hits"].as_array().unwrap() {
        let snippet = h["snippet"].as_str().unwrap();
        let marked: Vec<&str> = h["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &snippet[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
            .collect();
        assert!(marked.iter().all(|m| m.starts_with('遅')), "{marked:?}");
        assert!(!marked.is_empty());
    }
    // Facets of the whole matched set, total, paging and sort.
    let (_, v, _) = search(
        dir.path(),
        "rating:<=2",
        &["--limit", "2", "--sort", "date"],
    );
    assert_eq!(v["total"], 6);
    assert_eq!(v["hits"].as_array().unwrap().len(), 2);
    assert_eq!(v["hits"][0]["id"], "e2");
    assert_eq!(v["facets"]["lang"]["ja"], 2);
    assert_eq!(
        v["facets"]["month"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        6
    );
    // Hits carry their segments and their themes' sentiment from the columns.
    let (_, v, _) = search(dir.path(), "해지했는데", &[]);
    let k2 = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "k2")
        .unwrap();
    assert_eq!(k2["segments"]["channel"], "app");
    let themes = k2["themes"].as_array().unwrap();
    assert!(
        themes
            .iter()
            .any(|t| t["id"].as_str().unwrap().starts_with("billing.") && t["sentiment"] == "neg"),
        "{themes:?}"
    );
    // No hit: exit 1.
    assert_eq!(search(dir.path(), "zzzqqq", &[]).0, Some(1));
}

#[test]
fn words_inside_compounds_and_glued_words_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(
        dir.path(),
        "dump.csv",
        "id,text
j1,貸切露天風呂が最高でした。
j2,お風呂が狭かった。
j3,部屋が広い。
k1,주말에 영화관에서 관람했어요.
k2,재미있게 봤어요.
k3,배송이 빨라요.
e1,Phone volume not so great.Camera definitely needs work.
e2,great:it's romantic
e3,The screen is fine.
",
    );
    let out = index(dir.path(), &[&dump], &[]);
    assert_eq!(out.status.code(), Some(0));
    // 風呂 inside 露天風呂 (one IPADIC word), 영화 inside 영화관, 재미 inside 재미있다.
    assert_eq!(hit_ids(&search(dir.path(), "風呂", &[]).1), ["j1", "j2"]);
    assert_eq!(hit_ids(&search(dir.path(), "영화", &[]).1), ["k1"]);
    assert_eq!(hit_ids(&search(dir.path(), "재미", &[]).1), ["k2"]);
    // A whole-word match ranks above a match inside a compound.
    let (_, v, _) = search(dir.path(), "風呂", &[]);
    assert_eq!(v["hits"][0]["id"], "j2");
    // The compound is highlighted.
    let h = &v["hits"][1];
    let snippet = h["snippet"].as_str().unwrap();
    let r = &h["highlights"][0];
    let marked = &snippet[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize];
    assert!(marked.contains("風呂"), "{marked}");
    // Words glued by '.' or ':' without a space.
    assert_eq!(hit_ids(&search(dir.path(), "camera", &[]).1), ["e1"]);
    assert_eq!(hit_ids(&search(dir.path(), "romantic", &[]).1), ["e2"]);
    assert_eq!(hit_ids(&search(dir.path(), "great", &[]).1), ["e1", "e2"]);
}

#[test]
fn reindexing_updates_by_id_and_rebuild_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    assert_eq!(
        search(dir.path(), "lang:ja OR lang:ko OR lang:en", &[]).1["total"],
        9
    );
    // j1 changes: the old text is gone, the new one is found, nothing doubles.
    let changed = write(dir.path(), "changed.csv", "id,text\nj1,解約金が高すぎる\n");
    assert!(index(dir.path(), &[&changed], &[]).status.success());
    assert_eq!(hit_ids(&search(dir.path(), "遅い", &[]).1), ["j2"]);
    assert_eq!(hit_ids(&search(dir.path(), "解約金", &[]).1), ["j1"]);
    assert_eq!(
        search(dir.path(), "lang:ja OR lang:ko OR lang:en", &[]).1["total"],
        9
    );
    assert!(
        index(dir.path(), &[&changed], &["--rebuild"])
            .status
            .success()
    );
    assert_eq!(
        search(dir.path(), "lang:ja OR lang:ko OR lang:en", &[]).1["total"],
        1
    );
}

#[test]
fn bad_queries_and_incompatible_indexes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    let (code, _, err) = search(dir.path(), "slow \"never answered", &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("column 6") && err.contains("unterminated phrase"),
        "{err}"
    );
    let (code, _, err) = search(dir.path(), "rating:lots", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("'lots' is not a number"), "{err}");
    // Another version's index.
    std::fs::write(
        dir.path().join("idx/koe-index.json"),
        r#"{"schema":"koe.index/0","koe":"0.0.1"}"#,
    )
    .unwrap();
    let (code, _, err) = search(dir.path(), "refund", &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("incompatible") && err.contains("--rebuild"),
        "{err}"
    );
    // No index at all.
    let out = koe()
        .args(["search", "refund", "--index"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no koe index"));
}

#[test]
fn kill_during_indexing_leaves_a_usable_index_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    // 30,000 records from the fixtures' texts, unique ids.
    let base: Vec<String> = std::fs::read_to_string(fixture("ingest/plain_lines.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.replace('"', "\"\""))
        .collect();
    let mut csv = String::from("id,text\n");
    let n = 30_000;
    for i in 0..n {
        csv.push_str(&format!("r{i},\"{} #{i}\"\n", base[i % base.len()]));
    }
    let dump = write(dir.path(), "big.csv", &csv);
    let idx = dir.path().join("idx");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("koe"))
        .args(["index", "-q", "--commit-every", "2000", "--index"])
        .arg(&idx)
        .arg(&dump)
        .spawn()
        .unwrap();
    // Wait for the first commit, then kill -9.
    let started = std::time::Instant::now();
    let mut killed = false;
    while started.elapsed() < std::time::Duration::from_secs(120) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let (code, v, _) = search(
            dir.path(),
            "lang:ja OR lang:ko OR lang:en OR lang:other",
            &["--limit", "1"],
        );
        if code == Some(0) && v["total"].as_u64().unwrap_or(0) > 0 {
            child.kill().unwrap(); // SIGKILL
            killed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.wait();
    let (code, v, _) = search(
        dir.path(),
        "lang:ja OR lang:ko OR lang:en OR lang:other",
        &["--limit", "1"],
    );
    assert_eq!(code, Some(0));
    let partial = v["total"].as_u64().unwrap();
    assert!(partial > 0 && partial <= n as u64);
    if killed {
        assert_eq!(
            partial % 2000,
            0,
            "the index holds whole commits: {partial}"
        );
    }
    // The same command again completes it, without duplicates.
    let out = index(dir.path(), &[&dump], &["--commit-every", "2000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, v, _) = search(
        dir.path(),
        "lang:ja OR lang:ko OR lang:en OR lang:other",
        &["--limit", "1"],
    );
    assert_eq!(v["total"].as_u64().unwrap(), n as u64);
}

#[test]
fn paging_past_the_caps_is_an_error_naming_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    // The same caps as the server: no page buffer of a billion hits.
    for extra in [
        &["--offset", "1000000000"][..],
        &["--offset", "10001"],
        &["--limit", "10001"],
        &["--limit", "0"],
    ] {
        let (code, _, err) = search(dir.path(), "refund", extra);
        assert_eq!(code, Some(2), "{extra:?}: {err}");
        assert!(err.contains("10000") || err.contains("at least 1"), "{err}");
    }
    let (code, v, _) = search(dir.path(), "refund", &["--offset", "10000"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["hits"].as_array().unwrap().len(), 0);
}

#[test]
fn rebuild_deletes_only_what_koe_created() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    // Somebody's directory that happens to hold a meta.json.
    let theirs = dir.path().join("idx");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("meta.json"), "{}").unwrap();
    std::fs::write(theirs.join("thesis.tex"), "years of work").unwrap();
    let out = index(dir.path(), &[&dump], &["--rebuild"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("koe-index.json") && err.contains("delete it yourself"),
        "{err}"
    );
    assert!(theirs.join("thesis.tex").is_file());
    // A directory with other files only: refused the same way.
    std::fs::remove_file(theirs.join("meta.json")).unwrap();
    let out = index(dir.path(), &[&dump], &["--rebuild"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(theirs.join("thesis.tex").is_file());
    // koe's own index (with its marker) is rebuilt.
    std::fs::remove_dir_all(&theirs).unwrap();
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    assert!(theirs.join("koe-index.json").is_file());
    std::fs::write(theirs.join("stale.txt"), "x").unwrap();
    assert!(index(dir.path(), &[&dump], &["--rebuild"]).status.success());
    assert!(!theirs.join("stale.txt").exists());
}

/// Overwrites the middle of every term dictionary, fast field and doc store file of
/// an index.
pub(super) fn damage(idx: &Path) {
    let mut hit = 0;
    for e in std::fs::read_dir(idx).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ["term", "fast", "idx", "store", "pos"].contains(&ext) {
            // Overwritten in place, never truncated: a server that has the file
            // mapped would be killed by SIGBUS on a read past a shrunken end, which
            // is how memory maps work, not damage koe can answer.
            let n = std::fs::metadata(&p).unwrap().len() as usize;
            let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
            std::os::unix::fs::FileExt::write_all_at(
                &f,
                &vec![0xA5; n * 3 / 4 - n / 4],
                (n / 4) as u64,
            )
            .unwrap();
            hit += 1;
        }
    }
    assert!(hit > 0);
}

#[test]
fn a_damaged_index_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    assert!(index(dir.path(), &[&dump], &[]).status.success());
    damage(&dir.path().join("idx"));
    for q in ["refund", "lang:ja", "遅い", "theme:billing"] {
        let (code, _, err) = search(dir.path(), q, &[]);
        assert_eq!(code, Some(2), "{q}: {err}");
        assert!(
            err.contains("is damaged") && err.contains("--rebuild"),
            "{q}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // --rebuild starts over.
    assert!(index(dir.path(), &[&dump], &["--rebuild"]).status.success());
    let (code, _, _) = search(dir.path(), "refund", &[]);
    assert_eq!(code, Some(0));
}
