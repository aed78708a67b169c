//! Themes: the matcher through the library (inflections, negation, exclusions, POS,
//! spans, per-theme sentiment), taxonomy errors, discovery, metrics and `koe themes` /
//! `koe report` end to end.

use std::io::Write as _;

use koe::analyze::Analyzer;
use koe::report::Report;
use koe::themes::{TaxonomyFile, ThemeMatcher};

use super::common::{Rng, fixture, koe, processor, run_ok};

const TAXONOMY: &str = r#"
version = 1
[[category]]
id = "c"
label = { en = "C" }

[[theme]]
id = "slow"
category = "c"
terms.ja = ["返信 遅い", "電話 繋がらない"]
terms.ko = ["배송 느리다", "답변 늦다"]
terms.en = ["slow reply", "refund/NOUN"]
exclude.en = ["slow reply button"]

[[theme]]
id = "staff"
category = "c"
terms.ja = ["サポート 対応"]
terms.en = ["support"]

[[theme]]
id = "praise"
category = "c"
residual = true
terms.ja = ["最高"]
terms.en = ["great"]
"#;

fn analyzer() -> Analyzer {
    static A: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let file = TaxonomyFile::parse(TAXONOMY, "test.toml").expect("parses");
        let matcher = ThemeMatcher::compile(file, processor(), "test.toml").expect("compiles");
        Analyzer::builder()
            .text(processor().clone())
            .themes(matcher)
            .build()
            .expect("builds")
    })
    .clone()
}

/// `id@surface` per mention.
fn themes_of(text: &str) -> Vec<String> {
    let a = analyzer();
    let (t, s) = a.worker().analyze_text(text);
    a.themes()
        .find(&t, &s)
        .iter()
        .flat_map(|h| {
            h.mentions
                .iter()
                .map(|m| format!("{}@{}", h.id, &text[m.start..m.end]))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn inflections_and_spacing_match_by_lemma() {
    assert_eq!(themes_of("返信が遅かったです。"), ["slow@返信が遅かっ"]);
    assert_eq!(
        themes_of("返信がとても遅くて困る"),
        ["slow@返信がとても遅く"]
    );
    assert_eq!(
        themes_of("배송이 너무 느려서 화났어요"),
        ["slow@배송이 너무 느려서"]
    );
    assert_eq!(themes_of("답변이 늦어요"), ["slow@답변이 늦"]);
    // Up to max_gap (3) tokens may stand between the items of a term.
    assert_eq!(
        themes_of("They were slow to reply."),
        ["slow@slow to reply"]
    );
    assert!(themes_of("slow, and we waited for days for a reply").is_empty());
    assert_eq!(themes_of("Such a slow reply."), ["slow@slow reply"]);
    assert_eq!(themes_of("Refunds take ages"), ["slow@Refunds"]);
}

#[test]
fn negated_terms_match_any_negator() {
    assert_eq!(
        themes_of("電話が全然繋がりませんでした"),
        ["slow@電話が全然繋がりません"]
    );
    assert_eq!(themes_of("電話はすぐ繋がった"), Vec::<String>::new());
}

#[test]
fn pos_restriction_and_exclusion() {
    // refund/NOUN: the verb does not count.
    assert!(themes_of("They refunded me").is_empty());
    assert_eq!(themes_of("No refund yet"), ["slow@refund"]);
    // Exclusion cancels the theme in that sentence only.
    assert!(themes_of("The slow reply button is grey.").is_empty());
    assert_eq!(
        themes_of("The slow reply button is grey. A slow reply again."),
        ["slow@slow reply"]
    );
}

#[test]
fn theme_sentiment_follows_its_clause() {
    let a = analyzer();
    let text = "返信は遅いけど、サポート対応は最高でした。";
    let (t, s) = a.worker().analyze_text(text);
    let hits = a.themes().find(&t, &s);
    let get = |id: &str| {
        hits.iter()
            .find(|h| &*h.id == id)
            .map(|h| h.sentiment.score)
    };
    assert!(get("slow").unwrap() < 0.0, "{hits:?}");
    assert!(get("staff").unwrap() > 0.0, "{hits:?}");
    // Praise is residual: it shares the sentence with specific themes, so it goes.
    assert!(get("praise").is_none(), "{hits:?}");
    assert_eq!(themes_of("最高でした。"), ["praise@最高"]);
    // Praise next to a complaint elsewhere in the text does not count either.
    assert!(
        !themes_of("Great app. Such a slow reply though.")
            .iter()
            .any(|m| m.starts_with("praise"))
    );
}

#[test]
fn builtin_taxonomy_compiles_with_all_themes() {
    let m = ThemeMatcher::builtin(processor()).expect("built-in taxonomy compiles");
    assert!(m.themes().len() >= 17);
    for id in [
        "support.response_time",
        "billing.subscription",
        "orders.refund",
        "overall.praise",
    ] {
        assert!(m.theme_index(id).is_some(), "{id}");
    }
}

fn write_temp(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p
}

#[test]
fn malformed_taxonomy_is_an_error_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write_temp(
        dir.path(),
        "bad.toml",
        "[[category]]\nid = \"c\"\n[[theme]]\nid = \"t\"\ncategory = \"c\"\nterms.en = [\"a\",\n",
    );
    let out = koe()
        .args(["themes", "-q", "--taxonomy"])
        .arg(&bad)
        .arg(fixture("ingest/crlf.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:6:") || err.contains("bad.toml:7:"),
        "{err}"
    );
    let unknown = write_temp(
        dir.path(),
        "unknown.toml",
        "[[theme]]\nid = \"t\"\ncategory = \"nope\"\nterms.en = [\"a\"]\n",
    );
    let out = koe()
        .args(["themes", "-q", "--taxonomy"])
        .arg(&unknown)
        .arg(fixture("ingest/crlf.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("category 'nope'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const MAIN_FIXTURES: [&str; 4] = [
    "ingest/appstore_reviews.csv",
    "ingest/nps_survey_ja.csv",
    "ingest/nps_survey_ko.csv",
    "ingest/support_tickets.jsonl",
];

fn report_json(extra: &[&str]) -> Report {
    let out = koe()
        .args(["report", "-q", "--format", "json"])
        .args(MAIN_FIXTURES.iter().map(|f| fixture(f)))
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report JSON")
}

/// Minimal RFC 4180 reader (quoted fields may hold commas and line breaks).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// NPS recomputed from the raw survey files, independently of koe.
fn nps_from_surveys() -> f64 {
    let (mut p, mut d, mut n) = (0, 0, 0);
    for (file, col) in [
        ("ingest/nps_survey_ja.csv", 2),
        ("ingest/nps_survey_ko.csv", 2),
    ] {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        for fields in csv_rows(&text).iter().skip(1) {
            let score: f64 = fields[col].trim().parse().unwrap();
            n += 1;
            if score >= 9.0 {
                p += 1;
            } else if score <= 6.0 {
                d += 1;
            }
        }
    }
    100.0 * (p as f64 - d as f64) / n as f64
}

#[test]
fn report_metrics_match_the_raw_data() {
    let r = report_json(&[]);
    let t = &r.summary.totals;
    assert_eq!(t.records, 220);
    assert_eq!(t.nps_answers, 110);
    let expected = nps_from_surveys();
    assert!(
        (t.nps.unwrap() - expected).abs() < 0.051,
        "{:?} vs {expected}",
        t.nps
    );
    // Six months of data, every record dated.
    assert_eq!(r.summary.periods.len(), 6);
    assert_eq!(r.summary.undated, 0);
    assert_eq!(
        r.summary
            .periods
            .iter()
            .map(|p| p.kpis.records)
            .sum::<u64>(),
        220
    );
    // The fixtures were written around known complaints: they must show up.
    let ids: Vec<&str> = r.summary.themes.iter().map(|t| t.id.as_str()).collect();
    for id in [
        "product.bugs",
        "billing.subscription",
        "orders.delivery",
        "billing.price",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for th in &r.summary.themes {
        assert_eq!(th.trend.iter().map(|p| p.records).sum::<u64>(), th.records);
        assert!(th.records <= t.records);
        assert_eq!(th.positive + th.neutral + th.negative, th.records);
        // Quotes highlight real places of their text.
        for q in &th.quotes {
            for &(s, e) in &q.highlights {
                assert!(q.text.get(s..e).is_some(), "{q:?}");
            }
        }
        // Impact is never negative: removing detractors cannot lower NPS.
        if let Some(i) = th.impact {
            assert!(i >= 0.0, "{}: {i}", th.id);
        }
    }
    // The login bug of March: product.bugs peaks in 2026-03.
    let bugs = r
        .summary
        .themes
        .iter()
        .find(|t| t.id == "product.bugs")
        .unwrap();
    let peak = bugs
        .trend
        .iter()
        .max_by(|a, b| a.share.total_cmp(&b.share))
        .unwrap();
    assert_eq!(peak.period, "2026-03", "{:?}", bugs.trend);
}

#[test]
fn report_segments_goals_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let goals = write_temp(
        dir.path(),
        "goals.toml",
        "[[goal]]\nmetric = \"csat\"\ntarget = 0.99\ndirection = \"higher\"\n\n[[goal]]\nmetric = \"theme:product.bugs:share\"\ntarget = 0.5\ndirection = \"lower\"\nlabel = \"Bugs under half\"\n",
    );
    let r = report_json(&["--segment", "channel", "--goals", goals.to_str().unwrap()]);
    assert_eq!(r.summary.segment.as_deref(), Some("channel"));
    // チャネル (ja) and channel (en) columns both count as the channel segment, and
    // their values in two languages are one row (メール is email: the alias table).
    let values: Vec<&str> = r
        .summary
        .segments
        .iter()
        .map(|s| s.value.as_str())
        .collect();
    assert!(
        values.contains(&"email") && !values.contains(&"メール"),
        "{values:?}"
    );
    assert_eq!(
        r.summary
            .segments
            .iter()
            .map(|s| s.kpis.records)
            .sum::<u64>(),
        220
    );
    assert_eq!(r.goals.len(), 2);
    assert_eq!(r.goals[0].status, "not met");
    assert_eq!(r.goals[1].status, "met");

    let bad_goals = write_temp(
        dir.path(),
        "bad.toml",
        "[[goal]]\nmetric = \"happiness\"\ntarget = 1\ndirection = \"higher\"\n",
    );
    let out = koe()
        .args(["report", "-q", "--goals"])
        .arg(&bad_goals)
        .arg(fixture("ingest/crlf.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown goal metric 'happiness'"));

    // Markdown, HTML (self-contained), CSV by output extension.
    for (ext, must) in [
        (
            "md",
            vec![
                "## Summary",
                "## Themes",
                "## Top complaints",
                "## Goals",
                "▁",
            ],
        ),
        ("html", vec!["<svg", "<mark>", "<table", "@media print"]),
        ("csv", vec!["kind,id,category,label,period", "\ntrend,"]),
    ] {
        let path = dir.path().join(format!("report.{ext}"));
        let out = run_ok(
            koe()
                .args(["report", "-q", "--labels", "en", "--goals"])
                .arg(&goals)
                .arg("-o")
                .arg(&path)
                .args(MAIN_FIXTURES.iter().map(|f| fixture(f))),
        );
        assert!(out.stdout.is_empty(), "data goes to the file");
        let text = std::fs::read_to_string(&path).unwrap();
        for m in must {
            assert!(text.contains(m), "{ext}: no {m:?}");
        }
        if ext == "html" {
            for external in [
                "<script",
                "<link",
                "src=\"http",
                "href=\"http",
                "@import",
                "url(",
            ] {
                assert!(
                    !text.contains(external),
                    "html fetches something: {external}"
                );
            }
        }
    }
}

/// A dump where one complaint jumps in the last month.
fn drifting_dump(dir: &std::path::Path) -> std::path::PathBuf {
    let mut csv = String::from("id,date,rating,text\n");
    let mut n = 0;
    for month in 1..=6 {
        for i in 0..60 {
            n += 1;
            let text = if month == 6 && i < 20 || month < 6 && i < 2 {
                "The new update logs me out, I can't log in anymore."
            } else if i % 3 == 0 {
                "Delivery was late again and the box was damaged."
            } else if i % 3 == 1 {
                "Great service, thank you!"
            } else {
                "Prices went up but quality is the same."
            };
            csv.push_str(&format!(
                "{n},2026-{month:02}-{:02},{},\"{text}\"\n",
                i % 28 + 1,
                1 + i % 5
            ));
        }
    }
    write_temp(dir, "drift.csv", &csv)
}

#[test]
fn emerging_themes_are_tested_for_significance() {
    let dir = tempfile::tempdir().unwrap();
    let dump = drifting_dump(dir.path());
    let out = run_ok(koe().args(["report", "-q", "--format", "json"]).arg(&dump));
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let mut emerging: Vec<&str> = r.emerging().map(|t| t.id.as_str()).collect();
    emerging.sort_unstable();
    // The drifting text ("The new update logs me out, I can't log in anymore.") is a
    // bug and, with the apps pack on, an update complaint.
    assert_eq!(
        emerging,
        ["apps.updates", "product.bugs"],
        "{:#?}",
        r.summary.themes
    );
    // Steady themes are not emerging even with large volume.
    let delivery = r
        .summary
        .themes
        .iter()
        .find(|t| t.id == "orders.delivery")
        .unwrap();
    assert!(!delivery.emerging.as_ref().unwrap().emerging);
}

/// An empty taxonomy file, so only discovered themes are found.
fn empty_taxonomy(dir: &std::path::Path) -> std::path::PathBuf {
    write_temp(dir, "empty.toml", "version = 1\n")
}

/// `koe themes --format json` on `args`, parsed.
fn themes_json(args: &[&std::ffi::OsStr]) -> Report {
    let out = run_ok(koe().args(["themes", "-q", "--format", "json"]).args(args));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn discovery_finds_aspects_with_opinions_split_by_polarity() {
    let dir = tempfile::tempdir().unwrap();
    let empty = empty_taxonomy(dir.path());
    let dump = fixture("themes/reviews_discovery.csv");
    let r = themes_json(&[
        "--no-builtin-taxonomy".as_ref(),
        "--taxonomy".as_ref(),
        empty.as_os_str(),
        "--discover".as_ref(),
        "20".as_ref(),
        dump.as_os_str(),
    ]);
    let labels: Vec<&str> = r.discovered.iter().map(|d| d.label.as_str()).collect();
    // The things people give opinions about, in each language, as people write them.
    for want in ["部屋", "朝食", "food", "service", "스토리", "연기"] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    // Not phrases without an aspect: hedges, negated generic verbs.
    for junk in ["know", "wait", "sure", "back"] {
        assert!(!labels.contains(&junk), "{junk} in {labels:?}");
    }
    for junk in ["わから", "모르", "기대"] {
        assert!(
            !labels.iter().any(|l| l.starts_with(junk)),
            "{junk} in {labels:?}"
        );
    }
    // Readable ids; opinions of both polarities kept apart under a neutral label.
    let room = r.discovered.iter().find(|d| d.label == "部屋").unwrap();
    assert_eq!(room.id, "discovered.部屋");
    let pos: Vec<&str> = room
        .opinions
        .positive
        .iter()
        .map(|(w, _)| w.as_str())
        .collect();
    let neg: Vec<&str> = room
        .opinions
        .negative
        .iter()
        .map(|(w, _)| w.as_str())
        .collect();
    assert!(pos.contains(&"広い"), "{pos:?}");
    assert!(neg.contains(&"汚い"), "{neg:?}");
    let acting = r.discovered.iter().find(|d| d.label == "연기").unwrap();
    assert!(
        acting
            .opinions
            .negative
            .iter()
            .any(|(w, _)| w == "어색하다"),
        "{:?}",
        acting.opinions
    );
    // Discovered themes are rows of the theme table, marked, with their records.
    let row = r.row_of("discovered.部屋").expect("a theme row");
    assert!(row.discovered);
    assert!(row.records >= 8, "{row:?}");
    assert!(row.negative >= 1 && row.positive >= 5, "{row:?}");
}

#[test]
fn adopted_discovered_themes_count_exactly_what_the_report_counted() {
    let dir = tempfile::tempdir().unwrap();
    let empty = empty_taxonomy(dir.path());
    let dump = fixture("themes/reviews_discovery.csv");
    let toml = dir.path().join("found.toml");
    let r = themes_json(&[
        "--no-builtin-taxonomy".as_ref(),
        "--taxonomy".as_ref(),
        empty.as_os_str(),
        "--emit-toml".as_ref(),
        toml.as_os_str(),
        dump.as_os_str(),
    ]);
    assert!(!r.discovered.is_empty());
    let snippet = std::fs::read_to_string(&toml).unwrap();
    let file = TaxonomyFile::parse(&snippet, "found.toml").expect("valid TOML taxonomy");
    // Terms are what a person would write: surface forms, every member.
    let food = file
        .themes
        .iter()
        .find(|t| t.id == "discovered.food")
        .unwrap();
    assert!(food.terms.en.contains(&"food".to_string()), "{food:?}");
    assert!(snippet.contains("\"部屋\""), "{snippet}");
    // Adopted, each theme counts the records the report counted.
    let adopted = themes_json(&[
        "--discover".as_ref(),
        "0".as_ref(),
        "--no-builtin-taxonomy".as_ref(),
        "--taxonomy".as_ref(),
        toml.as_os_str(),
        dump.as_os_str(),
    ]);
    for d in &r.discovered {
        let before = r.row_of(&d.id).map(|t| t.records);
        let after = adopted.row_of(&d.id).map(|t| t.records);
        assert_eq!(before, after, "{}", d.id);
        assert!(before.unwrap_or(0) > 0, "{}", d.id);
    }
    // And `koe analyze` with the file puts them on the same records.
    let out = koe()
        .args(["analyze", "-q", "--no-builtin-taxonomy", "--taxonomy"])
        .arg(&toml)
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut per: std::collections::BTreeMap<String, u64> = Default::default();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for t in v["themes"].as_array().unwrap() {
            *per.entry(t["id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    for d in &r.discovered {
        assert_eq!(
            per.get(&d.id).copied(),
            r.row_of(&d.id).map(|t| t.records),
            "{}",
            d.id
        );
    }
}

#[test]
fn analyze_discover_puts_discovered_themes_on_records_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let empty = empty_taxonomy(dir.path());
    let csv = std::fs::read(fixture("themes/reviews_discovery.csv")).unwrap();
    let out = run_ok(
        koe()
            .args([
                "analyze",
                "-q",
                "--discover",
                "12",
                "--no-builtin-taxonomy",
                "--taxonomy",
            ])
            .arg(&empty)
            .write_stdin(csv),
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 75, "every record once");
    let mut rooms = 0;
    for v in &lines {
        let text = v["text"].as_str().unwrap();
        for t in v["themes"].as_array().unwrap() {
            assert!(t["id"].as_str().unwrap().starts_with("discovered."));
            if t["id"] == "discovered.部屋" {
                rooms += 1;
                let m = &t["mentions"][0];
                let (a, b) = (
                    m["start"].as_u64().unwrap() as usize,
                    m["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(&text[a..b], "部屋");
            }
        }
    }
    assert!(rooms >= 8, "{rooms}");
}

#[test]
fn index_discover_makes_discovered_themes_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let empty = empty_taxonomy(dir.path());
    let index = dir.path().join("idx");
    run_ok(
        koe()
            .args([
                "index",
                "-q",
                "--discover",
                "12",
                "--no-builtin-taxonomy",
                "--taxonomy",
            ])
            .arg(&empty)
            .arg("--index")
            .arg(&index)
            .arg(fixture("themes/reviews_discovery.csv")),
    );
    assert!(index.join("koe-discovered.toml").is_file());
    let out = koe()
        .args(["search", "--format", "json", "--limit", "50", "--index"])
        .arg(&index)
        .arg("theme:discovered.部屋")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = v["hits"].as_array().unwrap();
    assert!(hits.len() >= 8, "{v}");
    for h in hits {
        assert!(h["snippet"].as_str().unwrap().contains("部屋"), "{h}");
    }
}

#[test]
fn domain_auto_picks_the_packs_the_data_uses() {
    let dump = fixture("themes/reviews_discovery.csv");
    let r = themes_json(&["--discover".as_ref(), "0".as_ref(), dump.as_os_str()]);
    for want in ["hotels", "movies", "restaurants"] {
        assert!(r.domains.iter().any(|d| d == want), "{:?}", r.domains);
    }
    assert!(!r.domains.iter().any(|d| d == "support"), "{:?}", r.domains);
    let ids: Vec<&str> = r.summary.themes.iter().map(|t| t.id.as_str()).collect();
    assert!(ids.iter().any(|i| i.starts_with("hotels.")), "{ids:?}");
    // No support-domain theme on hotel, restaurant and movie reviews.
    for off in [
        "product.bugs",
        "orders.refund",
        "billing.subscription",
        "support.explanation",
    ] {
        assert!(!ids.contains(&off), "{off} in {ids:?}");
    }
    // The table and the report say which packs were used.
    let out = koe()
        .args(["themes", "-q", "--discover", "0"])
        .arg(&dump)
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("Taxonomy: core themes + domain packs hotels, movies, restaurants."),
        "{table}"
    );
    // Named packs are taken as given; an unknown one is a usage error.
    let r = themes_json(&[
        "--discover".as_ref(),
        "0".as_ref(),
        "--domain".as_ref(),
        "none".as_ref(),
        dump.as_os_str(),
    ]);
    assert!(r.domains.is_empty());
    assert!(
        r.summary
            .themes
            .iter()
            .all(|t| !t.id.starts_with("hotels."))
    );
    let out = koe()
        .args(["themes", "-q", "--domain", "casinos"])
        .arg(&dump)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown domain 'casinos'"));
}

/// Micro precision of `koe eval themes FILE` (`--domain auto`) and its record count.
fn eval_precision(file: &str) -> (f64, u64) {
    let out = run_ok(
        koe()
            .args(["eval", "themes", "--format", "json"])
            .arg(fixture(file)),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["micro"]["precision"].as_f64().unwrap(),
        v["records"].as_u64().unwrap(),
    )
}

#[test]
fn builtin_taxonomy_keeps_to_its_domain_on_out_of_domain_reviews() {
    // Real hotel, movie and product review lines. The development sample, whose
    // errors were studied while the packs and sense guards were written (0.64 before).
    let (p, n) = eval_precision("themes/out_of_domain.tsv");
    assert_eq!(n, 300);
    assert!(p >= 0.85, "development sample: precision {p}");
    // The blind held-out sample, labelled without seeing koe's output: 0.667 with the
    // taxonomy before domain packs (on its own themes), 0.759 now; the goal is 0.85.
    let (p, n) = eval_precision("themes/out_of_domain_heldout.tsv");
    assert_eq!(n, 150);
    assert!(p >= 0.74, "held-out sample: precision {p}");
}

#[test]
fn labelled_sample_meets_precision_and_recall() {
    let out = run_ok(
        koe()
            .args(["eval", "themes", "--format", "json"])
            .arg(fixture("themes/labelled.tsv")),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 300);
    let p = v["micro"]["precision"].as_f64().unwrap();
    let r = v["micro"]["recall"].as_f64().unwrap();
    assert!(p >= 0.85, "precision {p}");
    assert!(r >= 0.75, "recall {r}");
}

#[test]
fn analyze_output_carries_themes_with_spans_into_the_original_text() {
    let out = run_ok(
        koe()
            .args(["analyze", "-q"])
            .args(MAIN_FIXTURES.iter().map(|f| fixture(f))),
    );
    let mut mentions = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema"], "koe.analysis/2");
        let text = v["text"].as_str().unwrap();
        for theme in v["themes"].as_array().unwrap() {
            let s = theme["sentiment"]["score"].as_f64().unwrap();
            assert!((-1.0..=1.0).contains(&s));
            for m in theme["mentions"].as_array().unwrap() {
                let (a, b) = (
                    m["start"].as_u64().unwrap() as usize,
                    m["end"].as_u64().unwrap() as usize,
                );
                let surface = text
                    .get(a..b)
                    .unwrap_or_else(|| panic!("{a}..{b} in {text}"));
                assert!(!surface.trim().is_empty());
                let ms = m["sentiment"].as_f64().unwrap();
                assert!((-1.0..=1.0).contains(&ms));
                mentions += 1;
            }
        }
    }
    assert!(mentions > 150, "{mentions}");
}

#[test]
fn eval_themes_aspects_scores_discovery_against_annotated_aspects() {
    let out = run_ok(
        koe()
            .args(["eval", "themes", "--aspects", "--format", "json"])
            .arg(fixture("themes/aspects_sample.tsv")),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["score"];
    assert_eq!(s["sentences"], 75);
    let f1 = s["macro_f1"].as_f64().unwrap();
    let coverage = s["coverage"].as_f64().unwrap();
    let purity = s["purity"].as_f64().unwrap();
    assert!(f1 >= 0.45, "macro-F1 {f1}");
    assert!(coverage >= 0.6, "coverage {coverage}");
    assert!(purity >= 0.9, "purity {purity}");
    assert!(s["junk"].as_u64().unwrap() <= 2, "{s}");
    // The room theme holds the room sentences and nothing else.
    assert_eq!(s["categories"]["room"]["f1"], 1.0, "{s}");
    // A malformed row is an error naming the line.
    let dir = tempfile::tempdir().unwrap();
    let bad = write_temp(
        dir.path(),
        "bad.tsv",
        "pos\tfood\tfood\tok\npos\tonly two\n",
    );
    let out = koe()
        .args(["eval", "themes", "--aspects"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.tsv:2"));
}

#[test]
fn theme_order_and_label_language_follow_the_options() {
    let dump = fixture("themes/reviews_discovery.csv");
    for (order, key) in [("negative", "negative"), ("volume", "records")] {
        let r = themes_json(&[
            "--discover".as_ref(),
            "0".as_ref(),
            "--order".as_ref(),
            order.as_ref(),
            dump.as_os_str(),
        ]);
        let v = serde_json::to_value(&r.summary.themes).unwrap();
        let keys: Vec<u64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[key].as_u64().unwrap())
            .collect();
        assert!(keys.len() > 3);
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{order}: {keys:?}");
    }
    // Labels follow the data's dominant language unless told.
    let ja = fixture("ingest/nps_survey_ja.csv");
    let r = themes_json(&["--discover".as_ref(), "0".as_ref(), ja.as_os_str()]);
    assert_eq!(r.label_lang, "ja");
    let r = themes_json(&[
        "--discover".as_ref(),
        "0".as_ref(),
        "--labels".as_ref(),
        "en".as_ref(),
        ja.as_os_str(),
    ]);
    assert_eq!(r.label_lang, "en");
}

#[test]
fn discovered_opinions_are_words_not_emoticons() {
    let dir = tempfile::tempdir().unwrap();
    let empty = empty_taxonomy(dir.path());
    let mut csv = String::from("id,text\n");
    for (i, t) in [
        "연기가 좋아요 ㅋㅋ",
        "연기가 어색하다 ㅠㅠ",
        "연기 최고 ^^",
        "연기가 훌륭하다 ㅋㅋㅋ",
        "연기가 좋다 -_-",
    ]
    .iter()
    .enumerate()
    {
        csv.push_str(&format!("{i},{t}\n"));
    }
    let dump = write_temp(dir.path(), "emoticons.csv", &csv);
    let r = themes_json(&[
        "--no-builtin-taxonomy".as_ref(),
        "--taxonomy".as_ref(),
        empty.as_os_str(),
        dump.as_os_str(),
    ]);
    let acting = r
        .discovered
        .iter()
        .find(|d| d.label == "연기")
        .unwrap_or_else(|| panic!("{:#?}", r.discovered));
    let words: Vec<&str> = acting
        .opinions
        .positive
        .iter()
        .chain(&acting.opinions.negative)
        .map(|(w, _)| w.as_str())
        .collect();
    assert!(words.contains(&"좋다"), "{words:?}");
    for e in ["ㅋㅋ", "ㅠㅠ", "^^", "-_-", "ㅋㅋㅋ"] {
        assert!(!words.contains(&e), "{e} in {words:?}");
    }
}

/// One analysed record of the main fixtures, as the metrics see it.
struct PoolRecord {
    rating: Option<koe::ingest::Rating>,
    label: koe::sentiment::Label,
    /// (theme id, label of its mention).
    themes: Vec<(String, koe::sentiment::Label)>,
}

fn label_of(v: &serde_json::Value) -> koe::sentiment::Label {
    match v.as_str() {
        Some("pos") => koe::sentiment::Label::Pos,
        Some("neg") => koe::sentiment::Label::Neg,
        _ => koe::sentiment::Label::Neu,
    }
}

/// The 220 records of the main fixtures, analysed once by `koe analyze` (real texts,
/// real themes and sentiment), for dumps built in the tests.
fn pool() -> &'static [PoolRecord] {
    static POOL: std::sync::OnceLock<Vec<PoolRecord>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let out = run_ok(
            koe()
                .args(["analyze", "-q"])
                .args(MAIN_FIXTURES.iter().map(|f| fixture(f))),
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let rating = v["rating"]["value"]
                    .as_f64()
                    .map(|value| koe::ingest::Rating {
                        value,
                        scale: v["rating"]["scale"].as_str().unwrap().parse().unwrap(),
                    });
                let themes = v["themes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        (
                            t["id"].as_str().unwrap().to_string(),
                            label_of(&t["sentiment"]["label"]),
                        )
                    })
                    .collect();
                PoolRecord {
                    rating,
                    label: label_of(&v["sentiment"]["label"]),
                    themes,
                }
            })
            .collect()
    })
}

/// Feeds `(record, date)` pairs to the metrics, as `koe report` does.
fn summarize(dump: &[(&PoolRecord, koe::ingest::Date)]) -> koe::metrics::Summary {
    use koe::metrics::{Facts, Metrics, MetricsConfig};
    use koe::themes::{ThemeHit, ThemeInfo};
    let mut ids: Vec<&str> = pool()
        .iter()
        .flat_map(|r| r.themes.iter().map(|t| t.0.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let infos: Vec<ThemeInfo> = ids
        .iter()
        .map(|id| ThemeInfo {
            id: (*id).into(),
            category: "c".into(),
            category_label: Default::default(),
            label: Default::default(),
            description: None,
            discovered: false,
        })
        .collect();
    let mut m = Metrics::new(infos, MetricsConfig::default());
    for (r, date) in dump {
        let hits: Vec<ThemeHit> = r
            .themes
            .iter()
            .map(|(id, label)| ThemeHit {
                id: id.as_str().into(),
                idx: ids.iter().position(|x| x == id).unwrap() as u16,
                sentiment: koe::sentiment::Sentiment {
                    score: 0.0,
                    label: *label,
                    confidence: 0.0,
                },
                mentions: Vec::new(),
            })
            .collect();
        m.add(&Facts {
            rating: r.rating,
            date: Some(*date),
            label: r.label,
            segment: None,
            themes: &hits,
            id: "",
            text: "",
        });
    }
    m.finish()
}

/// A uniformly random day from `from`, `days` days long.
fn random_day(rng: &mut Rng, from: koe::ingest::Date, days: u64) -> koe::ingest::Date {
    koe::ingest::Date::from_days_since_epoch(
        from.days_since_epoch() + rng.below(days as usize) as i64,
    )
}

#[test]
fn emerging_flags_nothing_on_random_dates() {
    // The main fixtures ten times over (2,200 records) with dates drawn uniformly from
    // 2025-01-01 to 2025-06-03: five full months and a partial June of three days.
    // No theme's rate changes over time, so nothing is emerging.
    let start = koe::ingest::Date::new(2025, 1, 1).unwrap();
    let days = (koe::ingest::Date::new(2025, 6, 3)
        .unwrap()
        .days_since_epoch()
        - start.days_since_epoch()
        + 1) as u64;
    let mut flagged = Vec::new();
    for seed in 1..=20u64 {
        let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let dump: Vec<_> = (0..10)
            .flat_map(|_| pool().iter())
            .map(|r| (r, random_day(&mut rng, start, days)))
            .collect();
        let s = summarize(&dump);
        let june = s.periods.last().unwrap();
        assert!(june.partial, "{} of {} days", june.days_covered, june.days);
        assert_eq!(june.period, "2025-06");
        let hits: Vec<String> = s
            .themes
            .iter()
            .filter(|t| t.emerging.as_ref().is_some_and(|e| e.emerging))
            .map(|t| format!("{} {:?}", t.id, t.emerging))
            .collect();
        if !hits.is_empty() {
            flagged.push((seed, hits));
        }
    }
    assert!(flagged.len() <= 1, "{flagged:#?}");
}

#[test]
fn emerging_flags_a_theme_at_three_times_its_rate() {
    // 10,000 records over six full months; in June one theme is mentioned at three
    // times its rate of the earlier months (records drawn from the pool with and
    // without the theme), every other record as before.
    let pool = pool();
    let count = |id: &str| {
        pool.iter()
            .filter(|r| r.themes.iter().any(|t| t.0 == id))
            .count()
    };
    // The commonest theme mentioned by at most a tenth of the records.
    let mut ids: Vec<&str> = pool
        .iter()
        .flat_map(|r| r.themes.iter().map(|t| t.0.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let target = ids
        .iter()
        .copied()
        .filter(|id| count(id) * 10 <= pool.len())
        .max_by_key(|id| (count(id), std::cmp::Reverse(*id)))
        .unwrap();
    let yes: Vec<&PoolRecord> = pool
        .iter()
        .filter(|r| r.themes.iter().any(|t| t.0 == target))
        .collect();
    let no: Vec<&PoolRecord> = pool
        .iter()
        .filter(|r| !r.themes.iter().any(|t| t.0 == target))
        .collect();
    let base = yes.len() as f64 / pool.len() as f64;
    let mut rng = Rng::new(42);
    let start = koe::ingest::Date::new(2025, 1, 1).unwrap();
    let dump: Vec<_> = (0..10_000)
        .map(|_| {
            let date = random_day(&mut rng, start, 181);
            let rate = if date.month == 6 { 3.0 * base } else { base };
            let from = if rng.chance(rate) { &yes } else { &no };
            (from[rng.below(from.len())], date)
        })
        .collect();
    let s = summarize(&dump);
    assert!(!s.periods.iter().any(|p| p.partial), "{:?}", s.periods);
    let row = s.themes.iter().find(|t| t.id == target).unwrap();
    let e = row.emerging.as_ref().unwrap();
    assert!(e.emerging, "{target} at ×3 (base {base:.3}): {e:?}");
    assert_eq!(e.window, ["2025-06"]);
    assert!(e.growth.unwrap() > 2.0 && e.p_adjusted < 0.001, "{e:?}");
}

#[test]
fn a_partial_last_month_with_three_mentions_is_not_emerging_in_any_format() {
    // Five steady months, then three days of June whose three records all ask to
    // cancel a subscription (解約・サブスク): three mentions in a partial period are no evidence.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,date,rating,text\n");
    let texts = [
        "Delivery was late again and the box was damaged.",
        "Great service, thank you!",
        "Prices went up but quality is the same.",
        "サブスクを解約したいのに解約できません。",
    ];
    let mut n = 0;
    for month in 1..=5 {
        for i in 0..40 {
            n += 1;
            // One record in forty mentions the subscription before June.
            let text = if i == 0 { texts[3] } else { texts[i % 3] };
            csv.push_str(&format!(
                "{n},2026-{month:02}-{:02},{},\"{text}\"\n",
                i % 28 + 1,
                1 + i % 5
            ));
        }
    }
    for day in 1..=3 {
        n += 1;
        csv.push_str(&format!("{n},2026-06-{day:02},1,\"{}\"\n", texts[3]));
    }
    let dump = write_temp(dir.path(), "partial.csv", &csv);
    let out = run_ok(koe().args(["report", "-q", "--format", "json"]).arg(&dump));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let june = v["periods"].as_array().unwrap().last().unwrap();
    assert_eq!(june["period"], "2026-06");
    assert_eq!(june["partial"], true, "{june}");
    let subscription = v["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "billing.subscription")
        .expect("the subscription theme is found");
    let e = &subscription["emerging"];
    assert_eq!(e["emerging"], false, "{e}");
    // The partial June is tested together with May.
    assert_eq!(
        e["window"],
        serde_json::json!(["2026-05", "2026-06"]),
        "{e}"
    );
    assert!(e["p_adjusted"].as_f64().unwrap() >= e["p_value"].as_f64().unwrap());
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.emerging().count(), 0);

    for (ext, must) in [
        (
            "md",
            vec![
                "is partial (3 of 30 days",
                "Benjamini–Hochberg",
                "adjusted p",
            ],
        ),
        (
            "html",
            vec![
                "is partial (3 of 30 days",
                "Benjamini–Hochberg",
                "adjusted p",
            ],
        ),
        (
            "csv",
            vec![",emerging,growth,difference,p_value,p_adjusted\n"],
        ),
    ] {
        let path = dir.path().join(format!("report.{ext}"));
        run_ok(koe().args(["report", "-q", "-o"]).arg(&path).arg(&dump));
        let text = std::fs::read_to_string(&path).unwrap();
        for m in must {
            assert!(text.contains(m), "{ext}: no {m:?} in\n{text}");
        }
        assert!(
            !text.contains("▲ emerging") && !text.contains(">emerging<"),
            "{ext}"
        );
    }
}

/// 330 records: praise, a bug and a price remark in turn, each with every score of
/// `scores` equally often (so scores are unrelated to the themes).
fn impact_dump(dir: &std::path::Path, name: &str, scores: &[u32]) -> std::path::PathBuf {
    let texts = [
        "Love this app, it is the best!",
        "The app crashes every time I open it.",
        "Prices went up but quality is the same.",
    ];
    let mut csv = String::from("id,date,score,text\n");
    for i in 0..330usize {
        csv.push_str(&format!(
            "{i},2026-0{}-{:02},{},\"{}\"\n",
            1 + i % 3,
            1 + i % 28,
            scores[(i / 3) % scores.len()],
            texts[i % 3]
        ));
    }
    write_temp(dir, name, &csv)
}

#[test]
fn impact_measures_harm_not_volume_on_the_score_the_data_has() {
    let dir = tempfile::tempdir().unwrap();
    for (name, scores, basis, unit) in [
        (
            "nps.csv",
            (0..=10).collect::<Vec<u32>>(),
            "nps",
            "NPS points",
        ),
        (
            "stars.csv",
            (1..=5).collect(),
            "csat",
            "CSAT percentage points",
        ),
    ] {
        let dump = impact_dump(dir.path(), name, &scores);
        let out = run_ok(koe().args(["report", "-q", "--format", "json"]).arg(&dump));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["impact_basis"], basis, "{name}");
        let row = |id: &str| {
            v["themes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == id)
                .unwrap_or_else(|| panic!("{name}: no {id}"))
                .clone()
        };
        // Praise is mentioned by as many low scorers as the bug, but positively.
        let praise = row("overall.praise");
        assert_eq!(praise["impact"], 0.0, "{name}: {praise}");
        assert_eq!(praise["impact_records"], 0, "{name}");
        let bugs = row("product.bugs");
        assert!(bugs["impact"].as_f64().unwrap() > 0.0, "{name}: {bugs}");
        // The bug's low scorers: 7 of 11 scores (0–6) or 3 of 5 (1–3) of its 110.
        let low = if basis == "nps" { 70 } else { 66 };
        assert_eq!(bugs["impact_records"], low, "{name}");
        for ext in ["md", "html", "csv"] {
            let path = dir.path().join(format!("{name}.{ext}"));
            run_ok(koe().args(["report", "-q", "-o"]).arg(&path).arg(&dump));
            let text = std::fs::read_to_string(&path).unwrap();
            let must = if ext == "csv" {
                format!(",{basis},")
            } else {
                format!("Impact ({unit})")
            };
            assert!(text.contains(&must), "{name}.{ext}: no {must:?}");
        }
        let out = run_ok(koe().args(["themes", "-q"]).arg(&dump));
        let head = format!("IMPACT ({})", basis.to_uppercase());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&head),
            "{name}: no {head}"
        );
    }
}

#[test]
fn mixed_rating_scales_share_one_documented_scale() {
    // A 1–5 source (channel app) beside a 1–10 source (channel web): every rating
    // counts in the 0–100 average, CSAT says what it leaves out, and the channels are
    // compared on the same scale.
    let dir = tempfile::tempdir().unwrap();
    let stars = [5, 4, 5, 4, 3];
    let tens = [1, 2, 3, 10];
    let mut a = String::from("id,date,rating,channel,text\n");
    for i in 0..60 {
        a.push_str(&format!(
            "a{i},2026-01-{:02},{},app,Fast delivery.\n",
            1 + i % 28,
            stars[i % 5]
        ));
    }
    let mut b = String::from("id,date,rating,channel,text\n");
    for i in 0..40 {
        b.push_str(&format!(
            "b{i},2026-01-{:02},{},web,Slow delivery.\n",
            1 + i % 28,
            tens[i % 4]
        ));
    }
    let a = write_temp(dir.path(), "stars.csv", &a);
    let b = write_temp(dir.path(), "tens.csv", &b);
    // Independently: each value mapped from its scale's bounds to 0–100.
    let app: f64 = (0..60)
        .map(|i| (stars[i % 5] - 1) as f64 / 4.0 * 100.0)
        .sum::<f64>()
        / 60.0;
    let web: f64 = (0..40)
        .map(|i| (tens[i % 4] - 1) as f64 / 9.0 * 100.0)
        .sum::<f64>()
        / 40.0;
    let all = (app * 60.0 + web * 40.0) / 100.0;

    let out = run_ok(
        koe()
            .args(["report", "-q", "--format", "json", "--segment", "channel"])
            .arg(&a)
            .arg(&b),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["totals"];
    assert_eq!(t["ratings"], 100, "{t}");
    assert!(
        (t["rating_100"].as_f64().unwrap() - all).abs() < 0.051,
        "{t} vs {all}"
    );
    assert_eq!(t["csat_answers"], 60);
    let seg = |name: &str| {
        v["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["value"] == name)
            .unwrap()["kpis"]
            .clone()
    };
    assert!((seg("app")["rating_100"].as_f64().unwrap() - app).abs() < 0.051);
    assert!((seg("web")["rating_100"].as_f64().unwrap() - web).abs() < 0.051);

    let out = run_ok(
        koe()
            .args(["report", "-q", "--segment", "channel"])
            .arg(&a)
            .arg(&b),
    );
    let md = String::from_utf8(out.stdout).unwrap();
    for must in [
        format!("| Average rating (0–100) | {all:.1} | 100 ratings: stars5 60"),
        "60 answers (1–5); 40 ratings on other scales not counted (ten 40)".to_string(),
        format!("| web | 40 | – | – | {web:.1} (40) |"),
        format!(
            "| app | 60 | – | {:.1}% (60) | {app:.1} (60) |",
            100.0 * 48.0 / 60.0
        ),
    ] {
        assert!(md.contains(&must), "no {must:?} in\n{md}");
    }
}

#[test]
fn goals_table_shows_csat_as_a_percentage_and_nps_as_a_score() {
    let goals = fixture("report/goals.toml");
    let r = report_json(&["--goals", goals.to_str().unwrap()]);
    let goal = |m: &str| r.goals.iter().find(|g| g.goal.metric == m).unwrap();
    let (csat, nps) = (goal("csat"), goal("nps"));
    let out = run_ok(
        koe()
            .args(["report", "-q", "--goals"])
            .arg(&goals)
            .args(MAIN_FIXTURES.iter().map(|f| fixture(f))),
    );
    let md = String::from_utf8(out.stdout).unwrap();
    let row = |metric: &str| {
        md.lines()
            .find(|l| l.contains(&format!("| `{metric}` |")))
            .unwrap_or_else(|| panic!("no goal row for {metric} in\n{md}"))
            .to_string()
    };
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let csat_row = row("csat");
    assert!(
        csat_row.contains("| ≥ 80.0% |")
            && csat_row.contains(&format!("| {} |", pct(csat.current.unwrap()))),
        "{csat_row}"
    );
    let nps_row = row("nps");
    assert!(
        nps_row.contains("| ≥ 10 |")
            && nps_row.contains(&format!("| {} |", nps.current.unwrap().round() as i64)),
        "{nps_row}"
    );
    let share_row = row("theme:support.response_time:share");
    assert!(share_row.contains("| ≤ 5.0% |"), "{share_row}");
}
