//! Churn signals: precision and recall on koe's own labelled samples
//! (`fixtures/churn/{ja,ko,en}.tsv`, labels written from the rules in
//! `fixtures/churn/README.md`), focused cases of negation, questions, tense and
//! conditionals per language, and the flag in `koe analyze` output.

use koe::sentiment::{ChurnDetector, ChurnKind, ChurnSignal};
use koe::text::{Lang, LangHint};

use super::common::{analyze, fixture, koe, run_ok};

fn detector() -> ChurnDetector {
    ChurnDetector::builtin().expect("built-in churn cues parse")
}

fn signals(text: &str, lang: Lang) -> Vec<ChurnSignal> {
    detector().detect(text, &analyze(text, LangHint::Fixed(lang)))
}

/// The kinds found in `text`.
fn kinds(text: &str, lang: Lang) -> Vec<ChurnKind> {
    signals(text, lang).iter().map(|s| s.kind).collect()
}

/// Precision and recall of "any signal" against the labels of one sample file;
/// prints the figures and every miss.
fn measure(lang: Lang, file: &str) -> (f64, f64) {
    let path = fixture(&format!("churn/{file}"));
    let data = std::fs::read_to_string(&path).expect("sample file");
    let det = detector();
    let (mut tp, mut fp, mut fn_, mut n) = (0usize, 0usize, 0usize, 0usize);
    for (i, line) in data.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, text) = line.split_once('\t').expect("label<TAB>text");
        let want = match label {
            "intent" => true,
            "none" => false,
            other => panic!("{file}:{}: unknown label {other}", i + 1),
        };
        n += 1;
        let found = det.detect(text, &analyze(text, LangHint::Fixed(lang)));
        let got = !found.is_empty();
        match (want, got) {
            (true, true) => tp += 1,
            (false, true) => {
                fp += 1;
                println!("  {file}:{} false positive {found:?}: {text}", i + 1);
            }
            (true, false) => {
                fn_ += 1;
                println!("  {file}:{} missed: {text}", i + 1);
            }
            (false, false) => {}
        }
    }
    assert!(n >= 100, "{file}: {n} lines");
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "churn {file}: {n} lines, tp {tp} fp {fp} fn {fn_}: precision {precision:.3} recall {recall:.3}"
    );
    (precision, recall)
}

fn check_sample(lang: Lang, file: &str) {
    let (p, r) = measure(lang, file);
    assert!(p >= 0.9, "{file}: precision {p:.3} < 0.9");
    assert!(r >= 0.8, "{file}: recall {r:.3} < 0.8");
}

#[test]
fn churn_sample_ja() {
    check_sample(Lang::Ja, "ja.tsv");
}

#[test]
fn churn_sample_ko() {
    check_sample(Lang::Ko, "ko.tsv");
}

#[test]
fn churn_sample_en() {
    check_sample(Lang::En, "en.tsv");
}

use ChurnKind::{Ask, Blocked, Decided, Done, Threat};

/// Each case: text and the kinds expected (empty: no signal).
fn check_cases(lang: Lang, cases: &[(&str, &[ChurnKind])]) {
    for (text, want) in cases {
        assert_eq!(kinds(text, lang), *want, "{lang:?}: {text}");
    }
}

#[test]
fn churn_japanese_negation_question_tense() {
    check_cases(
        Lang::Ja,
        &[
            // Decided, and its negations.
            ("来月で解約します。", &[Decided]),
            ("解約しない。", &[]),
            ("解約はしません。", &[]),
            ("解約するつもりはありません。", &[]),
            ("解約するしかない。", &[Decided]),
            // A negated ability is someone trying to leave.
            ("解約できない。", &[Blocked]),
            // Questions ask; a question about the terms does not.
            ("解約できますか？", &[Ask]),
            ("解約方法を教えてください。", &[Ask]),
            ("いつでも解約できますか？", &[]),
            // Tense: done, unless they came back or nearly did it.
            ("先月解約しました。", &[Done]),
            ("去年解約したけど戻ってきました。", &[]),
            ("危うく解約するところだった。", &[]),
            // Conditionals: a threat after the condition, a question inside it.
            ("次も遅れたら解約します。", &[Threat]),
            ("解約したら返金されますか？", &[Ask]),
            // Other senses and other people.
            ("キャンセル料が高い。", &[]),
            ("注文をキャンセルしました。", &[]),
            ("サブスクをキャンセルしました。", &[Done]),
            ("勝手に解約されました。", &[]),
            ("他社に乗り換えます。", &[Decided]),
            ("新しいプランに乗り換えました。", &[]),
            ("もう二度と使いません。", &[Decided]),
            ("使いません。", &[]),
        ],
    );
}

#[test]
fn churn_korean_negation_question_tense() {
    check_cases(
        Lang::Ko,
        &[
            ("해지할게요.", &[Decided]),
            ("해지 안 할게요.", &[]),
            ("해지하지 않을 거예요.", &[]),
            ("해지할 생각 없어요.", &[]),
            ("해지가 안 돼요.", &[Blocked]),
            ("해지를 못 했어요.", &[Blocked]),
            ("해지할 수 있나요?", &[Ask]),
            ("해지 방법 알려주세요.", &[Ask]),
            ("언제든지 해지할 수 있나요?", &[]),
            ("어제 해지했어요.", &[Done]),
            ("작년에 해지했다가 다시 가입했어요.", &[]),
            ("또 이러면 해지할 거예요.", &[Threat]),
            ("해지하면 환불되나요?", &[Ask]),
            ("주문 취소했어요.", &[]),
            ("구독 취소할게요.", &[Decided]),
            ("해지 방어가 심해요.", &[]),
            ("다른 통신사로 갈아탈게요.", &[Decided]),
            ("다시는 안 써요.", &[Decided]),
            ("안 써요.", &[]),
        ],
    );
}

#[test]
fn churn_english_negation_question_tense() {
    check_cases(
        Lang::En,
        &[
            ("I'm cancelling my subscription.", &[Decided]),
            ("I won't cancel.", &[]),
            ("I'm not cancelling.", &[]),
            ("I don't want to cancel.", &[]),
            ("I can't cancel my subscription.", &[Blocked]),
            ("How do I cancel?", &[Ask]),
            ("Can I cancel anytime?", &[]),
            ("I cancelled last month.", &[Done]),
            ("I cancelled last year and came back.", &[]),
            ("I almost cancelled.", &[]),
            ("If this happens again I will cancel.", &[Threat]),
            ("I will cancel if this happens again.", &[Threat]),
            ("Fix it or I'll cancel.", &[Threat]),
            ("If I cancel now, do I get a refund?", &[Ask]),
            ("Please cancel my order.", &[]),
            ("Please cancel my subscription.", &[Decided]),
            ("My order was cancelled.", &[]),
            ("Order cancelled without notice.", &[]),
            ("The cancellation fee is high.", &[]),
            ("I'm switching to Spotify.", &[Decided]),
            ("I'm switching to dark mode.", &[]),
            ("Never using this again.", &[Decided]),
            ("I never use this feature.", &[]),
        ],
    );
}

/// Spans are byte ranges of the original text, also after width normalization.
#[test]
fn churn_spans_point_into_the_original_text() {
    let text = "ｻﾎﾟｰﾄが最悪。来月で解約します。";
    let found = signals(text, Lang::Ja);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&text[found[0].start..found[0].end], "解約し");
    let text = "배송도 느리고, 해지할게요.";
    let found = signals(text, Lang::Ko);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&text[found[0].start..found[0].end], "해지할게요");
    let text = "Honestly?  I'm SWITCHING to Hulu.";
    let found = signals(text, Lang::En);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&text[found[0].start..found[0].end], "SWITCHING to");
}

/// `koe analyze` writes the flag with its span (JSON) and a churn column (CSV);
/// records without a signal carry no `churn` key.
#[test]
fn churn_in_analyze_output() {
    let input = "id,text\n1,サポートが遅いので来月で解約します。\n2,配送が早くて助かりました。\n3,\"Fix the sync bug, or I'll cancel.\"\n";
    let out = run_ok(koe().args(["analyze", "-q", "-"]).write_stdin(input));
    let text = String::from_utf8(out.stdout).unwrap();
    let recs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 3);
    let churn = recs[0]["churn"].as_array().expect("churn on record 1");
    assert_eq!(churn.len(), 1);
    let body = recs[0]["text"].as_str().unwrap();
    let (s, e) = (
        churn[0]["start"].as_u64().unwrap() as usize,
        churn[0]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&body[s..e], "解約し");
    assert_eq!(churn[0]["kind"], "decided");
    assert_eq!(churn[0]["cue"], "解約 する");
    assert!(recs[1].get("churn").is_none(), "{}", recs[1]);
    assert_eq!(recs[2]["churn"][0]["kind"], "threat");

    let out = run_ok(
        koe()
            .args(["analyze", "-q", "--format", "csv", "-"])
            .write_stdin(input),
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|c| *c == "churn")
        .expect("churn column");
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| {
            koe::ingest::csv::split_fields(l.as_bytes(), b',')
                .into_iter()
                .map(|f| String::from_utf8_lossy(&f).into_owned())
                .collect()
        })
        .collect();
    assert_eq!(rows[0][col], format!("decided@{s}-{e}"));
    assert_eq!(rows[1][col], "");
    assert!(rows[2][col].starts_with("threat@"), "{:?}", rows[2]);
}
