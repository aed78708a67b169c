//! Sentiment rules, with a small test lexicon (fixtures/sentiment/rules_lexicon.tsv)
//! so that the rules are tested independently of the built-in lexicons.

use std::sync::OnceLock;

use koe::sentiment::{Label, SentimentModel, TextSentiment};
use koe::text::LangHint;

use super::common::{Rng, fixture, koe, processor, run_ok};

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

/// The fixture's rows (`id,rating,text`; no text holds a comma or a quote), as (id,
/// rating, text).
fn rated_rows() -> Vec<(String, u8, String)> {
    std::fs::read_to_string(fixture("sentiment/rated_reviews.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut c = l.splitn(3, ',');
            let (id, rating, text) = (c.next().unwrap(), c.next().unwrap(), c.next().unwrap());
            assert!(!text.contains(['"', ',']), "{l}");
            (id.to_string(), rating.parse().unwrap(), text.to_string())
        })
        .collect()
}

/// Writes `rows` as a rated CSV.
fn write_rated(path: &std::path::Path, rows: &[(String, u8, String)]) {
    let mut out = String::from("id,rating,text\n");
    for (id, rating, text) in rows {
        out.push_str(&format!("{id},{rating},{text}\n"));
    }
    std::fs::write(path, out).unwrap();
}

/// The fixture's texts with ratings that say nothing about them: each text gets a
/// rating drawn at random (fixed seed) from 1, 2, 4, 5.
fn random_ratings(path: &std::path::Path) {
    let mut rng = Rng::new(0x2545_F491_4F6C_DD1D);
    let rows: Vec<(String, u8, String)> = rated_rows()
        .into_iter()
        .map(|(id, _, text)| (id, rng.pick(&[1, 2, 4, 5]), text))
        .collect();
    write_rated(path, &rows);
}

#[test]
fn calibration_refuses_random_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("random.csv");
    random_ratings(&data);
    let overlay = dir.path().join("overlay.tsv");
    let out = koe()
        .args(["calibrate", "-o"])
        .arg(&overlay)
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no reliable gain: the ratings do not predict the text's sentiment"),
        "{stderr}"
    );
    // Like with like: the majority baseline is reported next to plain and calibrated.
    assert!(stderr.contains("majority 0."), "{stderr}");
    assert!(!overlay.exists(), "an overlay was written: {stderr}");

    // analyze --calibrate applies nothing, writes no overlay and says so, even quiet.
    let calibrated_out = dir.path().join("cal.jsonl");
    let plain_out = dir.path().join("plain.jsonl");
    let out = koe()
        .args(["analyze", "-q", "--calibrate", "-o"])
        .arg(&calibrated_out)
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("calibration not applied") && stderr.contains("no reliable gain"),
        "{stderr}"
    );
    assert!(!dir.path().join("cal.jsonl.overlay.tsv").exists());
    run_ok(
        koe()
            .args(["analyze", "-q", "-o"])
            .arg(&plain_out)
            .arg(&data),
    );
    let labels = |p: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!("{}:{}", v["id"], v["sentiment"]["score"])
            })
            .collect()
    };
    assert_eq!(labels(&calibrated_out), labels(&plain_out));
}

/// Lemmas the analyser tags as content words (not stopwords, negators, particles,
/// auxiliaries, pronouns, numbers, punctuation or symbols) somewhere in the fixture.
fn content_lemmas() -> std::collections::HashSet<String> {
    use koe::text::Pos;
    let mut out = std::collections::HashSet::new();
    for (_, _, text) in rated_rows() {
        let t = processor().new_worker().analyze(&text, LangHint::Auto);
        for x in &t.tokens {
            if !x.stop
                && !x.negator
                && matches!(x.pos, Pos::Noun | Pos::Verb | Pos::Adj | Pos::Adv | Pos::X)
            {
                out.insert(x.lemma.to_string());
            }
        }
    }
    out
}

/// Whether an overlay entry is made of words with at least one content word (a single
/// word must be one): no punctuation, symbol, number or function-word entries.
fn clean_entry(entry: &str, content: &std::collections::HashSet<String>) -> bool {
    let words: Vec<&str> = entry.split(' ').collect();
    let wordlike = words
        .iter()
        .all(|w| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_numeric));
    wordlike && words.iter().any(|w| content.contains(*w))
}

#[test]
fn calibration_learns_from_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay.tsv");
    // Without any lexicon the plain scorer knows nothing: every text counts as the
    // majority class. Ratings that agree with the text must give a kept overlay.
    let out = koe()
        .args(["calibrate", "--no-builtin-lexicon", "-o"])
        .arg(&overlay)
        .arg(fixture("sentiment/rated_reviews.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line = stderr.lines().find(|l| l.contains("calibration:")).unwrap();
    assert!(line.contains("gain on 5/5 folds"), "{line}");
    let figure = |name: &str| -> f64 {
        line.split(&format!("{name} "))
            .nth(1)
            .unwrap()
            .split([',', ';'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(figure("calibrated") > 0.85, "{line}");
    assert!(figure("calibrated") > figure("plain") + 0.2, "{line}");
    let tsv = std::fs::read_to_string(&overlay).unwrap();
    // The overlay format: its version, the n-gram model (`@` lines), the entries.
    assert!(tsv.contains("\n@koe-overlay\t2\n"), "{tsv}");
    let grams: Vec<&str> = tsv.lines().filter(|l| l.starts_with("@gram\t")).collect();
    assert!(grams.len() > 20, "{tsv}");
    for g in &grams {
        let gram = g.split('\t').nth(1).unwrap();
        // Letters only: never punctuation, digits or symbols.
        assert!(
            gram.chars().all(|c| c.is_alphabetic() || c == ' ') && gram.trim() != "",
            "{g}"
        );
    }
    let entries: Vec<(String, f32)> = tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('@'))
        .map(|l| {
            let mut c = l.split('\t');
            (
                c.next().unwrap().to_string(),
                c.next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert!(entries.len() > 20, "{tsv}");
    let content = content_lemmas();
    for (e, score) in &entries {
        assert!(clean_entry(e, &content), "junk entry {e:?} in\n{tsv}");
        // 300 records: every entry is seen a few dozen times at most; none may reach
        // the cap.
        assert!(score.abs() < 4.0, "{e} {score}");
    }
    // The overlay is a lexicon: it loads with --lexicon and moves scores.
    let out = run_ok(
        koe()
            .args(["analyze", "-q", "--no-builtin-lexicon", "--lexicon"])
            .arg(&overlay)
            .arg(fixture("sentiment/rated_reviews.csv")),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.contains("\"label\":\"pos\""))
            && text.lines().any(|l| l.contains("\"label\":\"neg\""))
    );

    // With the built-in lexicons too: whatever is decided, nothing is junk and a kept
    // overlay never loses on a fold.
    let out = koe()
        .args(["calibrate", "-o"])
        .arg(&overlay)
        .arg(fixture("sentiment/rated_reviews.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");

    // Calibration needs files, not stdin.
    let out = koe()
        .args(["calibrate", "-o"])
        .arg(&overlay)
        .arg("-")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // eval --calibrate-split: the fixture as labelled TSV; calibration is kept on every
    // fold and never loses against the plain lexicon.
    let labelled = dir.path().join("labelled.tsv");
    let tsv: String = rated_rows()
        .iter()
        .map(|(_, r, t)| format!("{}\t{t}\n", if *r >= 4 { "pos" } else { "neg" }))
        .collect();
    std::fs::write(&labelled, tsv).unwrap();
    let out = run_ok(
        koe()
            .args([
                "eval",
                "sentiment",
                "--format",
                "json",
                "--no-builtin-lexicon",
                "--calibrate-split",
                "5",
            ])
            .arg(&labelled),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["plain"]["n"] == 300 && v["calibrated"]["n"] == 300);
    let folds = v["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 5);
    for f in folds {
        assert_eq!(f["kept"], true, "{f}");
        assert!(
            f["calibrated_strict"].as_f64().unwrap() > f["plain_strict"].as_f64().unwrap(),
            "{f}"
        );
    }
    assert!(
        v["calibrated"]["strict_accuracy"].as_f64().unwrap()
            > v["plain"]["strict_accuracy"].as_f64().unwrap() + 0.5
    );
}

#[test]
fn eval_calibrate_split_never_loses_on_random_labels() {
    // Labels drawn at random: the calibration learns nothing, so every fold keeps the
    // plain scores.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("random.csv");
    random_ratings(&data);
    let tsv: String = std::fs::read_to_string(&data)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut c = l.splitn(3, ',');
            let pos = c.nth(1).unwrap().parse::<u8>().unwrap() >= 4;
            format!(
                "{}\t{}\n",
                if pos { "pos" } else { "neg" },
                c.next().unwrap()
            )
        })
        .collect();
    let labelled = dir.path().join("labelled.tsv");
    std::fs::write(&labelled, tsv).unwrap();
    let out = run_ok(
        koe()
            .args([
                "eval",
                "sentiment",
                "--format",
                "json",
                "--calibrate-split",
                "5",
            ])
            .arg(&labelled),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in v["folds"].as_array().unwrap() {
        assert_eq!(f["kept"], false, "{f}");
        assert_eq!(f["calibrated_strict"], f["plain_strict"], "{f}");
    }
    // Lenient accuracy is over pos/neg rows with neu as the majority class, so it is
    // never below the majority baseline by more than the lexicon's own errors, and the
    // baseline is reported.
    assert!(v["plain"]["majority_baseline"].as_f64().unwrap() >= 0.5);
}
