//! Sentiment rules, with a small test lexicon (fixtures/sentiment/rules_lexicon.tsv)
//! so that the rules are tested independently of the built-in lexicons.

use std::sync::OnceLock;

use koe::sentiment::{Label, SentimentModel, TextSentiment};
use koe::text::LangHint;

use super::common::{fixture, koe, processor};

fn model() -> &'static SentimentModel {
    static M: OnceLock<SentimentModel> = OnceLock::new();
    M.get_or_init(|| {
        SentimentModel::builder()
            .builtin(false)
            .lexicon(fixture("sentiment/rules_lexicon.tsv"))
            .build()
            .expect("test lexicon")
    })
}

fn score(text: &str) -> TextSentiment {
    let t = processor().new_worker().analyze(text, LangHint::Auto);
    model().score(text, &t)
}

fn rules(s: &TextSentiment) -> Vec<String> {
    s.evidence
        .iter()
        .map(|e| format!("{}:{}", e.entry, e.rules.join("+")))
        .collect()
}

#[test]
fn english_rules() {
    assert_eq!(score("The service was good").overall.label, Label::Pos);
    let s = score("The service was not good");
    assert_eq!(s.overall.label, Label::Neg, "{:?}", rules(&s));
    assert_eq!(rules(&s), ["good:negated"]);
    let s = score("It wasn't bad");
    assert_eq!(s.overall.label, Label::Pos);
    let very = score("very good").overall.score;
    let plain = score("good").overall.score;
    let slightly = score("slightly good").overall.score;
    assert!(
        very > plain && plain > slightly,
        "{very} {plain} {slightly}"
    );
    // Contrast: the clause after "but" weighs more.
    assert_eq!(
        score("The app is good but the support is terrible")
            .overall
            .label,
        Label::Neg
    );
    assert_eq!(
        score("The app is bad but the support is great")
            .overall
            .label,
        Label::Pos
    );
    assert_eq!(
        score("Although the price was good, it is terrible")
            .overall
            .label,
        Label::Neg
    );
    // Conditionals and questions damp.
    assert!(
        score("If the price were good I would buy")
            .overall
            .score
            .abs()
            < plain.abs()
    );
    assert!(score("Is it good?").overall.score.abs() < plain.abs());
    // Emphasis.
    assert!(score("good!!!").overall.score > plain);
    assert!(score("It is GOOD, really").overall.score > score("It is good, really").overall.score);
    // Multi-word expressions, including the negated idiom.
    assert_eq!(rules(&score("What a waste of money")), ["waste of money:"]);
    assert_eq!(score("No problem at all").overall.label, Label::Pos);
}

#[test]
fn japanese_rules() {
    assert_eq!(score("配送が遅い").overall.label, Label::Neg);
    let s = score("配送は遅くない");
    assert_eq!(s.overall.label, Label::Pos, "{:?}", rules(&s));
    assert_eq!(score("問題ないです").overall.label, Label::Pos);
    assert_eq!(score("使いやすいです").overall.label, Label::Pos);
    assert_eq!(rules(&score("二度と買わない")), ["二度と 買う ない:"]);
    // Double negation is not a negation.
    assert_eq!(score("良くないわけではない").overall.label, Label::Pos);
    // けど: the later clause decides.
    assert_eq!(
        score("デザインは良いけど配送が最悪").overall.label,
        Label::Neg
    );
    assert_eq!(score("配送は遅いけど最高です").overall.label, Label::Pos);
    assert!(score("とても良い").overall.score > score("良い").overall.score);
    assert!(score("少し良い").overall.score < score("良い").overall.score);
}

#[test]
fn korean_rules() {
    assert_eq!(score("배송이 느려요").overall.label, Label::Neg);
    let s = score("배송이 느리지 않아요");
    assert_eq!(s.overall.label, Label::Pos, "{:?}", rules(&s));
    let s = score("안 좋아요");
    assert_eq!(s.overall.label, Label::Neg, "{:?}", rules(&s));
    assert_eq!(score("재미 없어요").overall.label, Label::Neg);
    assert_eq!(score("상담원이 불친절했어요").overall.label, Label::Neg);
    assert_eq!(
        score("가격은 좋지만 배송이 느려요").overall.label,
        Label::Neg
    );
    assert!(score("정말 좋아요").overall.score > score("좋아요").overall.score);
    assert_eq!(score("돈 아깝다").overall.label, Label::Neg);
}

#[test]
fn spans_and_evidence_offsets() {
    let text = "The app is good. The support is terrible.";
    let s = score(text);
    assert_eq!(s.sentences.len(), 2);
    assert_eq!(s.sentences[0].label, Label::Pos);
    assert_eq!(s.sentences[1].label, Label::Neg);
    for e in &s.evidence {
        assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end));
    }
    assert_eq!(&text[s.evidence[1].start..s.evidence[1].end], "terrible");
    let t = processor().new_worker().analyze(text, LangHint::Auto);
    let second = t.sentences[1].tokens.clone();
    assert_eq!(s.span(second).label, Label::Neg);
    assert_eq!(score("The package arrived.").overall.confidence, 0.0);
}

#[test]
fn cli_sentiment_and_eval() {
    let out = koe()
        .args([
            "sentiment",
            "--format",
            "json",
            "--no-builtin-lexicon",
            "--lexicon",
        ])
        .arg(fixture("sentiment/rules_lexicon.tsv"))
        .arg("-")
        .write_stdin("not good\n最高です\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["label"], "neg");
    assert_eq!(lines[0]["evidence"][0]["rules"][0], "negated");
    assert_eq!(lines[1]["label"], "pos");

    let out = koe()
        .args([
            "eval",
            "sentiment",
            "--format",
            "json",
            "--no-builtin-lexicon",
            "--lexicon",
        ])
        .arg(fixture("sentiment/rules_lexicon.tsv"))
        .arg(fixture("sentiment/labelled.tsv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["n"], 8);
    assert!(r["strict_accuracy"].as_f64().unwrap() >= 0.99, "{r}");
    assert_eq!(r["confusion"]["neu"]["neu"], 1);

    // A broken lexicon is a clear error with file and line.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "good\t2\nbad\tminus\n").unwrap();
    let out = koe()
        .args(["sentiment", "--lexicon"])
        .arg(&bad)
        .arg("-")
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.tsv:2"));
}

#[test]
fn calibration_learns_from_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.tsv");
    let out = koe()
        .args([
            "calibrate",
            "--min-count",
            "2",
            "--no-builtin-lexicon",
            "-o",
        ])
        .arg(&overlay)
        .arg(fixture("ingest/appstore_reviews.csv"))
        .arg(fixture("ingest/nps_survey_ja.csv"))
        .arg(fixture("ingest/nps_survey_ko.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Without any lexicon the plain scorer knows nothing; the overlay learns the words.
    let line = stderr.lines().find(|l| l.contains("calibration:")).unwrap();
    let calibrated: f64 = line
        .split("-> ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(calibrated > 0.6, "{line}");
    let tsv = std::fs::read_to_string(&overlay).unwrap();
    assert!(tsv.lines().filter(|l| !l.starts_with('#')).count() > 20);
    // The overlay is a lexicon: it loads with --lexicon and moves scores.
    let out = koe()
        .args(["analyze", "-q", "--no-builtin-lexicon", "--lexicon"])
        .arg(&overlay)
        .arg(fixture("ingest/appstore_reviews.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.contains("\"label\":\"pos\""))
            && text.lines().any(|l| l.contains("\"label\":\"neg\""))
    );

    // Calibration needs files, not stdin.
    let out = koe()
        .args(["calibrate", "-o"])
        .arg(&overlay)
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // eval --calibrate-split reports plain and calibrated figures.
    let out = koe()
        .args([
            "eval",
            "sentiment",
            "--format",
            "json",
            "--calibrate-split",
            "2",
        ])
        .arg(fixture("sentiment/labelled.tsv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["plain"]["n"] == 8 && v["calibrated"]["n"] == 8);
}
