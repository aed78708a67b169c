//! Issue 25's "smaller truths": names, values and messages that say what they hold.

use serde_json::Value;

use super::common::{SUPPORT_DUMP, fixture, koe, run_ok};

#[test]
fn search_hits_call_a_theme_sentiment_sentiment_not_label() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump.csv");
    std::fs::write(&dump, SUPPORT_DUMP).unwrap();
    let idx = dir.path().join("idx");
    run_ok(
        koe()
            .arg("index")
            .arg(&dump)
            .arg("--index")
            .arg(&idx)
            .arg("-q"),
    );
    let out = run_ok(
        koe()
            .args([
                "search",
                "解約 OR 해지 OR refund",
                "--format",
                "json",
                "--index",
            ])
            .arg(&idx),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let themes: Vec<&Value> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["themes"].as_array().unwrap())
        .collect();
    assert!(!themes.is_empty(), "{v}");
    for t in themes {
        assert!(t.get("label").is_none(), "{t}");
        assert!(
            ["pos", "neg", "neu"].contains(&t["sentiment"].as_str().unwrap()),
            "{t}"
        );
    }
}

#[test]
fn a_report_named_with_an_unknown_extension_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("r.pdf");
    let out = koe()
        .arg("report")
        .arg(fixture("ingest/appstore_reviews.csv"))
        .arg("-o")
        .arg(&pdf)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(".pdf") && err.contains("--format"), "{err}");
    assert!(!pdf.exists(), "Markdown was written under a .pdf name");
    // --format decides whatever the name.
    let out = koe()
        .arg("report")
        .arg(fixture("ingest/appstore_reviews.csv"))
        .args(["-q", "--format", "md", "-o"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&pdf).unwrap().starts_with('#'));
}

#[test]
fn themes_of_an_empty_file_say_why_there_is_no_table() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = koe().arg("themes").arg(&empty).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "an empty table was printed");
    assert!(
        err.contains("is empty") && err.contains("nothing written"),
        "{err}"
    );
}

#[test]
fn cp949_data_is_reported_as_cp949() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(
        koe()
            .arg("analyze")
            .arg(fixture("ingest/reviews_cp949.csv"))
            .arg("-o")
            .arg(dir.path().join("out.jsonl")),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("csv CP949"), "{err}");
}

#[test]
fn segment_values_in_three_languages_are_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("seg.csv");
    std::fs::write(
        &dump,
        "id,channel,text\n1,アプリ,配送が遅い\n2,앱,배송이 느려요\n3,App,slow shipping\n\
         4,Web,slow site\n5,メール,返信が遅い\n6,kiosk,fine\n",
    )
    .unwrap();
    let out = run_ok(koe().arg("analyze").arg(&dump).arg("-q"));
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let channels: Vec<&str> = recs
        .iter()
        .map(|r| r["segments"]["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["app", "app", "app", "web", "email", "kiosk"]);
    // The raw value stays available.
    assert_eq!(recs[0]["segments_raw"]["channel"], "アプリ");
    assert!(recs[5].get("segments_raw").is_none());
    // The report has one row per channel.
    let out = run_ok(koe().arg("report").arg(&dump).args([
        "-q",
        "--format",
        "json",
        "--segment",
        "channel",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("アプリ") && !text.contains("\"앱\""),
        "{text}"
    );
    // A user's table adds to the built-in one; --no-segment-aliases keeps values.
    let aliases = dir.path().join("aliases.toml");
    std::fs::write(&aliases, "app = [\"kiosk\"]\n").unwrap();
    let out = run_ok(
        koe()
            .arg("analyze")
            .arg(&dump)
            .arg("-q")
            .arg("--segment-aliases")
            .arg(&aliases),
    );
    let last: Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(last["segments"]["channel"], "app");
    assert_eq!(last["segments_raw"]["channel"], "kiosk");
    let out = run_ok(
        koe()
            .arg("analyze")
            .arg(&dump)
            .args(["-q", "--no-segment-aliases"]),
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("\"channel\":\"アプリ\"")
    );
    // A broken table is a clear error.
    std::fs::write(&aliases, "app = 3\n").unwrap();
    let out = koe()
        .arg("analyze")
        .arg(&dump)
        .arg("--segment-aliases")
        .arg(&aliases)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be a list"));
}

#[test]
fn top_complaints_quote_only_negative_mentions_of_the_theme() {
    // The 4-star praise was quoted as a refund and a chatbot complaint.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("q.csv");
    std::fs::write(
        &dump,
        "id,rating,title,review\n\
         p1,4,Chatbot refund,The chatbot actually handled my missing-item refund in two minutes. Nice improvement.\n\
         c1,1,No refund,The refund never came and support stopped answering my emails.\n\
         c2,2,Refund,Still waiting for my refund after three weeks. Terrible.\n",
    )
    .unwrap();
    let out = run_ok(
        koe()
            .arg("report")
            .arg(&dump)
            .args(["-q", "--format", "json"]),
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refund = r["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "orders.refund")
        .unwrap_or_else(|| panic!("no refund theme: {r}"));
    let ids: Vec<&str> = refund["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"p1"),
        "praise quoted as a complaint: {ids:?}"
    );
    assert!(ids.contains(&"c1") && ids.contains(&"c2"), "{ids:?}");
    for q in refund["quotes"].as_array().unwrap() {
        assert!(q["sentiment"].as_f64().unwrap() < 0.0, "{q}");
    }
    // Title and body stay apart in the quotes ("No refund The refund" ran together).
    let out = run_ok(koe().arg("report").arg(&dump).arg("-q"));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("No **refund** / The **refund** never came"),
        "{md}"
    );
}

#[test]
fn report_words_follow_the_label_language() {
    // Japanese tickets: headings, table headers and KPI names in Japanese by default.
    let tickets = fixture("support/tickets_ja.csv");
    let out = run_ok(
        koe()
            .arg("report")
            .arg(&tickets)
            .args(["-q", "--timezone", "+09:00"]),
    );
    let md = String::from_utf8(out.stdout).unwrap();
    for w in [
        "## 概要",
        "| 指標 | 値 | 根拠 |",
        "## テーマ",
        "## サポート (チケット: 10)",
        "| 解決率 | 80.0% (8/10) |",
    ] {
        assert!(md.contains(w), "{w}: {md}");
    }
    assert!(!md.contains("## Summary"), "{md}");
    // Korean survey answers: Korean; --labels en: English.
    let out = run_ok(
        koe()
            .arg("report")
            .arg(fixture("ingest/nps_survey_ko.csv"))
            .arg("-q"),
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("## 요약") && md.contains("| 지표 | 값 | 기준 |"),
        "{md}"
    );
    let out = run_ok(
        koe()
            .arg("report")
            .arg(fixture("ingest/nps_survey_ko.csv"))
            .args(["-q", "--labels", "en"]),
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("## Summary")
    );
    // The HTML report too.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    run_ok(
        koe()
            .arg("report")
            .arg(fixture("ingest/nps_survey_ja.csv"))
            .arg("-q")
            .arg("-o")
            .arg(&html),
    );
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<h2>テーマ</h2>"), "no Japanese heading");
    assert!(!html.contains("<h2>Themes</h2>"));
    // KPI cards, their lines and koe's notes follow the label language too.
    for w in [
        "<div class=\"k\">平均評価（0–100）</div>",
        "<div class=\"k\">不満</div>",
        "<div class=\"k\">感情スコア</div>",
        "回答 ",
        "全体の ",
        "尺度の異なる評価は",
        "分類: 基本テーマ",
    ] {
        assert!(html.contains(w), "{w} missing in the Japanese HTML report");
    }
    for w in [
        "answers (0–10)",
        "answers (1–5)",
        "of records</div>",
        "Ratings of different scales",
        "Bar length",
        "Taxonomy: core themes",
        "<div class=\"k\">Complaints</div>",
    ] {
        assert!(
            !html.contains(w),
            "English left in the Japanese HTML report: {w}"
        );
    }
}

/// Runs of two or more English words (ASCII letters, ≥ 2 each, one space apart) in
/// `text`: English prose left in a report whose labels are Japanese or Korean.
fn english_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let w = &text[start..i];
            let joined = words.is_empty() || bytes[start - 1] == b' ';
            if w.len() >= 2 && joined {
                words.push(w);
            } else {
                if words.len() >= 2 {
                    runs.push(words.join(" "));
                }
                words.clear();
                if w.len() >= 2 {
                    words.push(w);
                }
            }
            // A word ends a run unless one space and another word follow.
            if !(i + 1 < bytes.len() && bytes[i] == b' ' && bytes[i + 1].is_ascii_alphabetic()) {
                if words.len() >= 2 {
                    runs.push(words.join(" "));
                }
                words.clear();
            }
        } else {
            i += 1;
        }
    }
    runs
}

/// koe's own text of a Markdown report: not the user's quotes (`>` lines), code spans
/// (commands and file names) or the source file names.
fn own_markdown(md: &str) -> String {
    md.lines()
        .filter(|l| !l.starts_with('>'))
        .map(|l| {
            l.split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, p)| p)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// koe's own text of an HTML report: text outside tags, without style, script,
/// blockquotes (the user's words) and code.
fn own_html(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skip.is_none() {
            out.push_str(&rest[..lt]);
            out.push(' ');
        }
        rest = &rest[lt..];
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[1..gt];
        let name = tag.split([' ', '/']).find(|s| !s.is_empty()).unwrap_or("");
        match skip {
            Some(s) if tag.starts_with('/') && name == s => skip = None,
            None if ["style", "script", "blockquote", "code", "title"].contains(&name)
                && !tag.starts_with('/') =>
            {
                skip = Some(
                    ["style", "script", "blockquote", "code", "title"]
                        .into_iter()
                        .find(|n| *n == name)
                        .unwrap_or(""),
                );
            }
            _ => {}
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
}

#[test]
fn japanese_and_korean_reports_carry_no_english_prose() {
    assert_eq!(
        english_runs("a.csv の 12 件 Closest: x — not emerging: y. NPS 12"),
        vec!["not emerging".to_string()]
    );
    let dir = tempfile::tempdir().unwrap();
    for (n, (file, lang)) in [
        ("ingest/nps_survey_ja.csv", "ja"),
        ("ingest/nps_survey_ko.csv", "ko"),
        ("support/tickets_ja.csv", "ja"),
    ]
    .into_iter()
    .enumerate()
    {
        let out = run_ok(
            koe()
                .arg("report")
                .arg(fixture(file))
                .args(["-q", "--labels", lang, "--format", "md"]),
        );
        let md = String::from_utf8(out.stdout).unwrap();
        let mut runs = english_runs(&own_markdown(&md));
        // koe's single words that must not stay English either.
        for w in [" within ", ": none", "Closest", "records", " net "] {
            if own_markdown(&md).contains(w) {
                runs.push(w.to_string());
            }
        }
        assert!(runs.is_empty(), "{file} ({lang}) Markdown: {runs:?}\n{md}");
        let html = dir.path().join(format!("{n}.html"));
        run_ok(
            koe()
                .arg("report")
                .arg(fixture(file))
                .args(["-q", "--labels", lang, "-o"])
                .arg(&html),
        );
        let page = std::fs::read_to_string(&html).unwrap();
        let runs = english_runs(&own_html(&page));
        assert!(runs.is_empty(), "{file} ({lang}) HTML: {runs:?}");
    }
}

#[test]
fn the_theme_closest_to_emerging_is_one_whose_rate_rose() {
    let mut seen = 0;
    for file in [
        "ingest/nps_survey_ja.csv",
        "ingest/nps_survey_ko.csv",
        "support/tickets_ja.csv",
        "ingest/appstore_reviews.csv",
    ] {
        let out = run_ok(
            koe()
                .arg("report")
                .arg(fixture(file))
                .args(["-q", "--labels", "en", "--format", "md"]),
        );
        let md = String::from_utf8(out.stdout).unwrap();
        let Some(line) = md.lines().find(|l| l.starts_with("Closest: ")) else {
            continue;
        };
        seen += 1;
        let growth = line
            .split_once("): ×")
            .and_then(|(_, g)| g.split(',').next())
            .unwrap_or_else(|| panic!("no growth in {line}"));
        assert!(
            growth == "∞" || growth.parse::<f64>().unwrap() > 1.0,
            "{file}: {line}"
        );
    }
    assert!(seen > 0, "no fixture has a closest theme");
}
