//! Property tests: analysis never panics, and every span is a char-boundary range
//! inside the original text, in order.

use koe::text::{LangHint, TextAnalysis};
use proptest::prelude::*;

use super::common::processor;

fn model() -> &'static koe::sentiment::SentimentModel {
    static M: std::sync::OnceLock<koe::sentiment::SentimentModel> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        koe::sentiment::SentimentModel::builder()
            .build()
            .expect("lexicons")
    })
}

fn check_invariants(text: &str, a: &TextAnalysis) {
    let mut last = 0;
    for t in &a.tokens {
        assert!(
            t.span.start <= t.span.end && t.span.end <= text.len(),
            "{t:?} in {text:?}"
        );
        assert!(text.is_char_boundary(t.span.start) && text.is_char_boundary(t.span.end));
        assert!(
            t.span.start >= last || t.span.start + 1 >= last,
            "tokens out of order in {text:?}"
        );
        last = t.span.start;
        assert!(t.norm.end <= a.normalized.len());
        assert!(
            a.normalized.is_char_boundary(t.norm.start)
                && a.normalized.is_char_boundary(t.norm.end)
        );
        assert!(!t.lemma.is_empty());
    }
    for s in &a.sentences {
        assert!(
            s.span.end <= text.len()
                && text.is_char_boundary(s.span.start)
                && text.is_char_boundary(s.span.end)
        );
        assert!(s.tokens.end <= a.tokens.len());
    }
}

/// Strings mixing the scripts and troublemakers koe meets.
fn review_like() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("対応が遅い".to_string()),
            Just("배송이 느려요".to_string()),
            Just("not good".to_string()),
            Just("ｻｰﾋﾞｽ".to_string()),
            Just("ｗｗｗｗ".to_string()),
            Just("ㅋㅋㅋㅋ".to_string()),
            Just("(´；ω；｀)".to_string()),
            Just("ã‚µãƒ¼ãƒ“ã‚¹".to_string()),
            Just("サヌビス䞍満".to_string()),
            Just("\u{FFFD}\u{0000}\u{200B}\u{FEFF}\r\n".to_string()),
            Just("👨\u{200D}👩🏻 ".to_string()),
            Just("https://ex.com/a?b=1. ".to_string()),
            Just("3.5 ".to_string()),
            Just("か\u{3099}".to_string()),
            "\\PC{0,12}",
            any::<String>(),
        ],
        0..12,
    );
    pieces.prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

        #[test]
    fn never_panics_on_strings(text in review_like()) {
        let mut w = processor().new_worker();
        for hint in [LangHint::Auto, "ja".parse().unwrap(), "ko".parse().unwrap(), "en".parse().unwrap()] {
            let a = w.analyze(&text, hint);
            check_invariants(&text, &a);
            // Sentiment on the same analysis: scores bounded, evidence inside the text.
            let s = model().score(&text, &a);
            prop_assert!(s.overall.score.abs() <= 1.0 && s.overall.confidence <= 1.0);
            for e in &s.evidence {
                prop_assert!(e.start <= e.end && e.end <= text.len());
                prop_assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end));
            }
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let a = processor().new_worker().analyze(&text, LangHint::Auto);
        check_invariants(&text, &a);
    }

    #[test]
    fn arbitrary_unicode(text in "\\PC{0,64}") {
        let a = processor().new_worker().analyze(&text, LangHint::Auto);
        check_invariants(&text, &a);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// Ingest never panics on arbitrary bytes in any format, and stops.
    #[test]
    fn ingest_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), name in prop_oneof![
        Just("p.csv"), Just("p.tsv"), Just("p.jsonl"), Just("p.json"), Just("p.txt"), Just("p")
    ]) {
        let opts = koe::ingest::IngestOptions::default();
        let input = Box::new(std::io::Cursor::new(bytes));
        if let Ok(reader) = koe::ingest::Reader::open(std::sync::Arc::from(name), input, None, &opts) {
            let mut n = 0;
            for item in reader {
                n += 1;
                prop_assert!(n < 10_000, "reader does not stop");
                if let Err(reject) = item {
                    prop_assert!(!reject.reason.is_empty());
                }
            }
        }
    }
}
