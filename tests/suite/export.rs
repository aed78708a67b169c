//! `koe export`: the files for Elasticsearch / OpenSearch and Quickwit, checked for
//! structure (every line JSON, action/document pairs, documents against the mapping
//! the same run wrote), for what their `terms` let an engine find (what `koe search`
//! finds), for accounting (read = exported + rejected) and for the directory rules
//! (a non-empty directory only with --force; only koe's own files are ever removed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{SUPPORT_DUMP, analyze_run, fixture, hit_ids, koe, records};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn export(out: &Path, format: &str, inputs: &[&Path], extra: &[&str]) -> std::process::Output {
    koe()
        .args(["export", "-q", "--format", format, "-o"])
        .arg(out)
        .args(inputs)
        .args(extra)
        .output()
        .unwrap()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}:{}: not JSON ({e}): {l}", path.display(), i + 1))
        })
        .collect()
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// The inputs of the structure tests: the support dump (ja/ko/en with segments and
/// ratings), a Japanese NPS survey (Japanese segment names, NPS bands) and a JSONL
/// file with broken lines (rejects).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    vec![
        write(dir, "dump.csv", SUPPORT_DUMP),
        fixture("ingest/nps_survey_ja.csv"),
        fixture("ingest/bad_lines.jsonl"),
    ]
}

/// The data files of a run, from its manifest, with its accounting checked: the
/// files in the directory are exactly the run's, the manifest's counts match the
/// lines, and read = exported + rejected (the rejects file's lines).
fn manifest_files(out: &Path, definition: &str, lines_per_record: usize) -> (Value, Vec<PathBuf>) {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "koe.export/1");
    assert_eq!(manifest["definition"], definition);
    let files: Vec<PathBuf> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = out.join(f["name"].as_str().unwrap());
            let n = std::fs::read_to_string(&p).unwrap().lines().count();
            assert_eq!(
                n,
                lines_per_record * f["records"].as_u64().unwrap() as usize
            );
            assert_eq!(
                std::fs::metadata(&p).unwrap().len(),
                f["bytes"].as_u64().unwrap()
            );
            p
        })
        .collect();
    let mut expected: BTreeSet<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    expected.extend(["manifest.json", definition, "rejects.jsonl"].map(String::from));
    assert_eq!(names(out), expected);
    let rejected = lines(&out.join("rejects.jsonl")).len() as u64;
    assert_eq!(manifest["rejected"].as_u64(), Some(rejected));
    assert_eq!(
        manifest["records"].as_u64().unwrap() + rejected,
        manifest["read"].as_u64().unwrap(),
        "read = exported + rejected"
    );
    (manifest, files)
}

/// The JSON type a mapped Elasticsearch property takes, checked on `value`.
fn check_es(path: &str, prop: &Value, value: &Value) {
    let props = prop.get("properties");
    match (prop["type"].as_str(), props) {
        (Some("nested"), Some(props)) => {
            let items = value
                .as_array()
                .unwrap_or_else(|| panic!("{path}: {value}"));
            for item in items {
                check_es_object(path, props, item);
            }
        }
        (None, Some(props)) => check_es_object(path, props, value),
        (Some("keyword"), _) => {
            // One value or a list of them.
            let ok = value.is_string()
                || value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string));
            assert!(ok, "{path}: keyword, got {value}");
        }
        (Some("text"), _) => assert!(value.is_string(), "{path}: text, got {value}"),
        (Some("float"), _) => assert!(value.is_number(), "{path}: float, got {value}"),
        (Some("date"), _) => {
            let s = value.as_str().unwrap_or_else(|| panic!("{path}: {value}"));
            assert!(
                s.len() == 20 && s.ends_with("T00:00:00Z") && s.as_bytes()[4] == b'-',
                "{path}: date, got {s}"
            );
        }
        other => panic!("{path}: unexpected mapping {other:?}"),
    }
}

fn check_es_object(path: &str, props: &Value, value: &Value) {
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("{path}: object, got {value}"));
    for (k, v) in obj {
        let prop = props
            .get(k)
            .unwrap_or_else(|| panic!("{path}.{k} is not in the mapping"));
        check_es(&format!("{path}.{k}"), prop, v);
    }
}

/// The JSON type a Quickwit field mapping takes, checked on `value`.
fn check_qw(path: &str, mapping: &Value, value: &Value) {
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    match mapping["type"].as_str().unwrap() {
        "text" => assert!(value.is_string(), "{path}: text, got {value}"),
        "array<text>" => assert!(strings(value), "{path}: array<text>, got {value}"),
        "f64" => assert!(value.is_f64() || value.is_i64(), "{path}: f64, got {value}"),
        "datetime" => {
            let s = value.as_str().unwrap();
            assert!(s.ends_with("T00:00:00Z"), "{path}: rfc3339, got {s}");
        }
        "object" => check_qw_object(path, &mapping["field_mappings"], value),
        "array<json>" => assert!(
            value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object)),
            "{path}: array<json>, got {value}"
        ),
        other => panic!("{path}: unexpected type {other}"),
    }
}

fn check_qw_object(path: &str, field_mappings: &Value, value: &Value) {
    let by_name: BTreeMap<&str, &Value> = field_mappings
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m))
        .collect();
    for (k, v) in value.as_object().unwrap() {
        let m = by_name
            .get(k.as_str())
            .unwrap_or_else(|| panic!("{path}.{k} is not in the doc mapping"));
        check_qw(&format!("{path}.{k}"), m, v);
    }
}

/// The ids `koe analyze` gives the same inputs, each once.
fn analysed_ids(inputs: &[&Path]) -> (Vec<String>, u64) {
    let run = analyze_run(inputs, &[]);
    let mut ids: Vec<String> = records(&run)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    (ids, run.summary["read"].as_u64().unwrap())
}

fn terms(doc: &Value) -> Vec<&str> {
    doc["terms"].as_str().unwrap().split(' ').collect()
}

#[test]
fn elasticsearch_bulk_pairs_match_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let out = dir.path().join("es");
    // Small files, to see the split.
    let max = 4000u64;
    let run = export(&out, "elasticsearch", &refs, &["--max-file-bytes", "4000"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "rejects make exit 1: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (manifest, files) = manifest_files(&out, "mapping.json", 2);
    assert!(files.len() > 2, "{manifest}");
    assert_eq!(manifest["index"], "koe");

    let mapping: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("mapping.json")).unwrap()).unwrap();
    let props = &mapping["mappings"]["properties"];
    assert_eq!(mapping["mappings"]["dynamic"], "strict");
    let analyzer = props["terms"]["analyzer"].as_str().unwrap();
    assert_eq!(
        mapping["settings"]["analysis"]["analyzer"][analyzer]["tokenizer"],
        "koe_whitespace"
    );
    assert_eq!(
        mapping["settings"]["analysis"]["tokenizer"]["koe_whitespace"]["type"],
        "whitespace"
    );

    let mut ids = Vec::new();
    let mut docs = Vec::new();
    for f in &files {
        let size = std::fs::metadata(f).unwrap().len();
        let ls = lines(f);
        assert!(
            size <= max || ls.len() == 2,
            "{}: {size} bytes",
            f.display()
        );
        for pair in ls.chunks(2) {
            let [action, doc] = pair else {
                panic!("{}: an action line without a document", f.display())
            };
            let target = action["index"].as_object().expect("an index action");
            assert_eq!(target["_index"], "koe");
            assert_eq!(target["_id"], doc["id"], "action and document pair up");
            assert!(doc.get("index").is_none());
            check_es_object("", props, doc);
            ids.push(doc["id"].as_str().unwrap().to_string());
            docs.push(doc.clone());
        }
    }
    // Every analysed record exactly once, and nothing else.
    ids.sort();
    let (expected, read) = analysed_ids(&refs);
    assert_eq!(ids, expected);
    assert_eq!(manifest["read"].as_u64(), Some(read));

    // Every mapped field is used, and those every document has are there.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for d in &docs {
        seen.extend(d.as_object().unwrap().keys().map(String::as_str));
        for always in [
            "id",
            "lang",
            "text",
            "terms",
            "sentiment",
            "themes",
            "segments",
        ] {
            assert!(d.get(always).is_some(), "{always} missing in {d}");
        }
    }
    let mapped: BTreeSet<&str> = props
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(seen, mapped);

    // What the documents carry, on known records.
    let by_id: BTreeMap<&str, &Value> = docs
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d))
        .collect();
    let j2 = by_id["j2"];
    // 返信が遅かったです。二度と使いません。: an adjective and a verb, both conjugated,
    // are in `terms` by their lemma.
    assert!(terms(j2).contains(&"遅い"), "{j2}");
    assert!(terms(j2).contains(&"使う"), "{j2}");
    assert!(!j2["text"].as_str().unwrap().contains("使う"));
    assert_eq!(j2["lang"], "ja");
    assert_eq!(j2["sentiment"]["label"], "neg");
    assert_eq!(j2["date"], "2026-01-20T00:00:00Z");
    assert_eq!(j2["rating_value"], 1.0);
    assert_eq!(j2["rating"], 0.0);
    assert_eq!(j2["rating_scale"], "stars5");
    assert_eq!(j2["segments"], serde_json::json!(["channel=email"]));
    assert!(
        j2["churn"].as_array().unwrap().contains(&"decided".into()),
        "{j2}"
    );
    let k1 = by_id["k1"];
    assert!(terms(k1).contains(&"해지"), "{k1}");
    let themes: Vec<&Value> = k1["themes"].as_array().unwrap().iter().collect();
    let paired: Vec<&Value> = k1["theme_sentiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(themes, paired);
    let ja1 = by_id["JA-0004"];
    assert_eq!(ja1["nps"], "detractor");
    assert!(
        ja1["segments"]
            .as_array()
            .unwrap()
            .contains(&"チャネル=phone".into()),
        "{ja1}"
    );
}

#[test]
fn quickwit_docs_match_the_index_config() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let out = dir.path().join("qw");
    let run = export(&out, "quickwit", &refs, &["--index-name", "koe-reviews"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (manifest, files) = manifest_files(&out, "index-config.yaml", 1);
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].file_name().unwrap().to_string_lossy(),
        "docs-0001.ndjson"
    );

    // The config parses as YAML (with the serde_yaml fork koe writes it with).
    let yaml = std::fs::read_to_string(out.join("index-config.yaml")).unwrap();
    let config: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(config["version"], "0.7");
    assert_eq!(config["index_id"], "koe-reviews");
    assert_eq!(manifest["index"], "koe-reviews");
    let mapping = &config["doc_mapping"];
    assert_eq!(mapping["mode"], "strict");
    assert_eq!(
        config["search_settings"]["default_search_fields"],
        serde_json::json!(["terms"])
    );
    let fields = mapping["field_mappings"].as_array().unwrap();
    let terms_field = fields.iter().find(|f| f["name"] == "terms").unwrap();
    assert_eq!(terms_field["tokenizer"], "whitespace");
    assert_eq!(terms_field["record"], "position");
    let text_field = fields.iter().find(|f| f["name"] == "text").unwrap();
    assert_eq!(text_field["indexed"], false);

    let docs = lines(&files[0]);
    let mut ids: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for d in &docs {
        assert!(d.get("index").is_none(), "documents only: {d}");
        check_qw_object("", &mapping["field_mappings"], d);
        seen.extend(d.as_object().unwrap().keys().cloned());
        ids.push(d["id"].as_str().unwrap().to_string());
    }
    // The field list matches the documents.
    let mapped: BTreeSet<String> = fields
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, mapped);
    ids.sort();
    assert_eq!(ids, analysed_ids(&refs).0);
}

#[test]
fn terms_find_what_koe_search_finds() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    let out = dir.path().join("es");
    let run = export(&out, "elasticsearch", &[&dump], &[]);
    assert_eq!(run.status.code(), Some(0));
    let docs: Vec<Value> = lines(&out.join("bulk-0001.ndjson"))
        .into_iter()
        .skip(1)
        .step_by(2)
        .collect();
    assert_eq!(docs.len(), 9);
    let index = koe()
        .args(["index", "-q", "--index"])
        .arg(dir.path().join("idx"))
        .arg(&dump)
        .output()
        .unwrap();
    assert!(index.status.success());
    // Each word is its own lemma: what a whitespace match on `terms` does in the
    // engine is what `koe search` does with the word.
    for word in [
        "遅い",
        "使う",
        "助かる",
        "해지",
        "요금",
        "refund",
        "deliveri",
    ] {
        let search = koe()
            .args(["search", "--format", "json", "--limit", "50", "--index"])
            .arg(dir.path().join("idx"))
            .arg(word)
            .output()
            .unwrap();
        let found = hit_ids(&serde_json::from_slice(&search.stdout).unwrap());
        let mut matched: Vec<String> = docs
            .iter()
            .filter(|d| terms(d).contains(&word))
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect();
        matched.sort();
        assert!(!found.is_empty(), "{word}");
        assert_eq!(matched, found, "{word}");
    }
}

#[test]
fn directory_rules_force_and_nothing_left_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let dump = write(dir.path(), "dump.csv", SUPPORT_DUMP);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    write(&out, "notes.txt", "mine");
    write(&out, "bulk-0009.ndjson", "{}\n");
    write(&out, "rejects.jsonl", "{}\n");

    // Not empty: refused before anything is written.
    let run = export(&out, "elasticsearch", &[&dump], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--force"));
    let before: BTreeSet<String> = ["bulk-0009.ndjson", "notes.txt", "rejects.jsonl"]
        .map(String::from)
        .into();
    assert_eq!(names(&out), before);

    // --force: written beside the others, which stay; the files of an earlier export
    // (a bulk file, a rejects file while this run rejects nothing) are named.
    let run = koe()
        .args(["export", "--format", "elasticsearch", "--force", "-o"])
        .arg(&out)
        .arg(&dump)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("bulk-0009.ndjson"), "{stderr}");
    assert!(stderr.contains("rejects.jsonl"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("rejects.jsonl")).unwrap(),
        "{}\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("bulk-0009.ndjson")).unwrap(),
        "{}\n"
    );
    assert!(out.join("bulk-0001.ndjson").exists());
    assert!(out.join("mapping.json").exists());

    // No input could be read: the directory the run made is gone again.
    let fresh = dir.path().join("fresh");
    let run = export(&fresh, "quickwit", &[&dir.path().join("missing.csv")], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!fresh.exists());

    // An index name the engine refuses, before anything is read.
    let run = export(&fresh, "elasticsearch", &[&dump], &["--index-name", "Koe"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("lower case"));
    assert!(!fresh.exists());
    let run = export(&fresh, "quickwit", &[&dump], &["--index-name", "koe.v1"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!fresh.exists());

    // An input is never an output: a data file the run would replace.
    let again = koe()
        .args(["export", "-q", "--format", "elasticsearch", "--force", "-o"])
        .arg(&out)
        .arg(out.join("bulk-0001.ndjson"))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("also an input"));
}
