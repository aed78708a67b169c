//! The built-in lexicons' policy (issue 25): topic nouns are not sentiment, neutral
//! expressions are neutral.

use serde_json::Value;

use super::common::{koe, run_ok};

/// `(label, evidence entries)` of each line, scored by `koe sentiment`.
fn scored(lines: &[&str]) -> Vec<(String, Vec<String>)> {
    let out = run_ok(
        koe()
            .args(["sentiment", "--format", "json"])
            .write_stdin(lines.join("\n") + "\n"),
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let entries = v["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["entry"].as_str().unwrap().to_string())
                .collect();
            (v["label"].as_str().unwrap().to_string(), entries)
        })
        .collect()
}

#[test]
fn topic_nouns_carry_no_sentiment() {
    // The praise that was quoted as a complaint under two themes.
    let got = scored(&[
        "The chatbot actually handled my missing-item refund. Nice improvement.",
        "Refund, chatbot, fee, ad.",
        "返金、返品、解約、手数料、広告。",
        "환불, 반품, 해지, 챗봇, 요금, 배송, 고객센터, 상담원.",
    ]);
    assert_eq!(got[0].0, "pos", "{got:?}");
    for (_, entries) in &got {
        for topic in [
            "chatbot",
            "refund",
            "fee",
            "ad",
            "返金",
            "返品",
            "解約",
            "手数料",
            "広告",
            "환불",
            "반품",
            "해지",
            "챗봇",
            "요금",
            "배송",
            "고객센터",
        ] {
            assert!(
                !entries.iter().any(|e| e == topic),
                "{topic} scored: {got:?}"
            );
        }
    }
    for (label, _) in &got[1..] {
        assert_eq!(label, "neu", "{got:?}");
    }
    // Nouns that name a problem still do.
    let got = scored(&["バグが多い", "버그가 있어요", "Another bug."]);
    for (label, _) in &got {
        assert_eq!(label, "neg", "{got:?}");
    }
}

#[test]
fn neutral_expressions_are_neutral() {
    let got = scored(&["普通です", "ふつうです", "보통이에요"]);
    for (label, entries) in &got {
        assert_eq!(label, "neu", "{got:?}");
        assert!(entries.is_empty(), "{got:?}");
    }
}
