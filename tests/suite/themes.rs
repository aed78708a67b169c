//! Themes: the matcher through the library (inflections, negation, exclusions, POS,
//! spans, per-theme sentiment), taxonomy errors, discovery, metrics and `koe themes` /
//! `koe report` end to end.

use std::io::Write as _;

use koe::analyze::Analyzer;
use koe::report::Report;
use koe::themes::{TaxonomyFile, ThemeMatcher};

use super::common::{fixture, koe, processor};

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
    // チャネル (ja) and channel (en) columns both count as the channel segment.
    let values: Vec<&str> = r
        .summary
        .segments
        .iter()
        .map(|s| s.value.as_str())
        .collect();
    assert!(
        values.contains(&"email") && values.contains(&"メール"),
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
        let out = koe()
            .args(["report", "-q", "--goals"])
            .arg(&goals)
            .arg("-o")
            .arg(&path)
            .args(MAIN_FIXTURES.iter().map(|f| fixture(f)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
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
    let out = koe()
        .args(["report", "-q", "--format", "json"])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let emerging: Vec<&str> = r.emerging().map(|t| t.id.as_str()).collect();
    assert_eq!(emerging, ["product.bugs"], "{:#?}", r.summary.themes);
    // Steady themes are not emerging even with large volume.
    let delivery = r
        .summary
        .themes
        .iter()
        .find(|t| t.id == "orders.delivery")
        .unwrap();
    assert!(!delivery.emerging.as_ref().unwrap().emerging);
}

#[test]
fn discovery_finds_unlisted_themes_and_emits_toml_to_adopt() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text\n");
    for i in 0..30 {
        let text = match i % 3 {
            0 => "ポイント還元が反映されない。もう三回目です。",
            1 => "ポイント還元が遅い。問い合わせても反映されない",
            _ => "좋아요",
        };
        csv.push_str(&format!("{i},{text}\n"));
    }
    let dump = write_temp(dir.path(), "points.csv", &csv);
    let toml = dir.path().join("found.toml");
    let out = koe()
        .args(["themes", "-q", "--format", "json", "--no-builtin-taxonomy", "--taxonomy"])
        .arg(write_temp(dir.path(), "min.toml", "[[category]]\nid = \"c\"\n[[theme]]\nid = \"greeting\"\ncategory = \"c\"\nterms.en = [\"hello\"]\n"))
        .arg("--emit-toml")
        .arg(&toml)
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let found = r
        .discovered
        .iter()
        .find(|d| d.label.contains("ポイント"))
        .unwrap_or_else(|| panic!("{:#?}", r.discovered));
    assert_eq!(found.records, 20, "{found:?}");
    assert!(!found.quotes.is_empty() && found.quotes.len() <= 3);
    // The snippet is a taxonomy: adopted, the theme is matched like any other.
    let snippet = std::fs::read_to_string(&toml).unwrap();
    TaxonomyFile::parse(&snippet, "found.toml").expect("valid TOML taxonomy");
    let out = koe()
        .args([
            "themes",
            "-q",
            "--format",
            "json",
            "--discover",
            "0",
            "--taxonomy",
        ])
        .arg(&toml)
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let adopted = r
        .summary
        .themes
        .iter()
        .find(|t| t.id == found.id)
        .unwrap_or_else(|| panic!("{} not matched: {:#?}", found.id, r.summary.themes));
    assert!(adopted.records >= 20, "{adopted:?}");
    assert!(adopted.discovered);
}

#[test]
fn labelled_sample_meets_precision_and_recall() {
    let out = koe()
        .args(["eval", "themes", "--format", "json"])
        .arg(fixture("themes/labelled.tsv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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
    let out = koe()
        .args(["analyze", "-q"])
        .args(MAIN_FIXTURES.iter().map(|f| fixture(f)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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
