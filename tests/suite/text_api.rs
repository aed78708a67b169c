//! The text core through its library API: normalization offsets, mojibake, language,
//! sentences, long inputs, user dictionaries.

use koe::text::{Lang, LangHint, MojibakeStatus, Pos, TextProcessor};

use super::common::{analyze, fixture, processor};

#[test]
fn spans_point_into_the_original() {
    let text = "ＡＰＰが重い！！！！ｻｰﾋﾞｽ最悪";
    let a = analyze(text, LangHint::Auto);
    let surfaces: Vec<&str> = a.tokens.iter().map(|t| &text[t.span.clone()]).collect();
    assert!(surfaces.contains(&"ＡＰＰ"), "{surfaces:?}");
    assert!(surfaces.contains(&"ｻｰﾋﾞｽ"), "{surfaces:?}");
    // The collapsed run "！！！！" is covered, in original offsets, by its tokens.
    let bangs: String = surfaces
        .iter()
        .filter(|s| s.starts_with('！'))
        .copied()
        .collect();
    assert_eq!(bangs, "！！！！", "{surfaces:?}");
    let norms: Vec<&str> = a.tokens.iter().map(|t| a.norm(t)).collect();
    assert!(
        norms.contains(&"app") && norms.contains(&"サービス"),
        "{norms:?}"
    );
}

#[test]
fn mojibake_cp1252_is_repaired_with_spans_on_the_damaged_text() {
    let lines = std::fs::read_to_string(fixture("text/mixed.txt")).unwrap();
    let damaged = lines.lines().nth(4).unwrap();
    let a = analyze(damaged, LangHint::Auto);
    assert_eq!(a.mojibake, MojibakeStatus::Repaired);
    assert_eq!(a.lang, Lang::Ja);
    let norms: Vec<&str> = a.tokens.iter().map(|t| a.norm(t)).collect();
    assert_eq!(norms[..4], ["サービス", "が", "最悪", "です"]);
    // The span of サービス covers the 15 damaged characters it came from.
    assert_eq!(&damaged[a.tokens[0].span.clone()], "ã‚µãƒ¼ãƒ“ã‚¹");
}

#[test]
fn mojibake_8859_15_swap_is_repaired_by_dictionary_check() {
    // Our own sentences, damaged the way seed 003 is (bytes A4 A6 A8 B4 B8 BC BD BE
    // of the UTF-8 turned into 80 8A 9A 8E 9E 8C 9C 9F).
    let cases = [
        (
            "顧客サヌビスの察応が遅くお䞍満です",
            "顧客サービスの対応が遅くて不満です",
        ),
        (
            "ステップバむステップガむドの説明がわかりやすかった",
            "ステップバイステップガイドの説明がわかりやすかった",
        ),
    ];
    for (damaged, expected) in cases {
        let a = analyze(damaged, LangHint::Auto);
        assert_eq!(a.mojibake, MojibakeStatus::Repaired, "{damaged}");
        assert_eq!(a.normalized, expected);
    }
}

#[test]
fn clean_text_is_clean() {
    for text in [
        "café au lait",
        "ｶﾀｶﾅだけ",
        "미쳤다 ㅋㅋ",
        "価格は¥3,000です",
        "Ça va très bien",
    ] {
        assert_eq!(
            analyze(text, LangHint::Auto).mojibake,
            MojibakeStatus::Clean,
            "{text}"
        );
    }
}

#[test]
fn languages_per_sentence() {
    let text = "配送が遅い。The box was damaged. 환불해 주세요";
    let a = analyze(text, LangHint::Auto);
    let langs: Vec<Lang> = a.sentences.iter().map(|s| s.lang).collect();
    assert_eq!(langs, [Lang::Ja, Lang::En, Lang::Ko]);
    let sentence_texts: Vec<&str> = a.sentences.iter().map(|s| &text[s.span.clone()]).collect();
    assert_eq!(
        sentence_texts,
        ["配送が遅い。", "The box was damaged.", "환불해 주세요"]
    );
}

#[test]
fn negators_and_stopwords() {
    let a = analyze("It is not good, never again", LangHint::Auto);
    let neg: Vec<&str> = a
        .tokens
        .iter()
        .filter(|t| t.negator)
        .map(|t| &*t.lemma)
        .collect();
    assert_eq!(neg, ["not", "never"]);
    assert!(a.tokens.iter().any(|t| &*t.lemma == "it" && t.stop));
    assert!(!a.tokens.iter().any(|t| t.negator && t.stop));
    let a = analyze("안 좋고 못 쓰고 없어요", LangHint::Auto);
    assert_eq!(a.tokens.iter().filter(|t| t.negator).count(), 3);
}

#[test]
fn five_megabyte_line_is_chunked() {
    let unit = "対応が遅くて困りました。배송이 느려요. Not great! ";
    let text = unit.repeat(5 * 1024 * 1024 / unit.len());
    let a = analyze(&text, LangHint::Auto);
    assert!(a.tokens.len() > 500_000);
    let last = a.tokens.last().unwrap();
    assert!(last.span.end <= text.len() && last.span.end > text.len() - 16);
    // Chunks agree with whole-sentence analysis: same token count per unit.
    let per_unit = analyze(unit, LangHint::Auto).tokens.len();
    let units = text.len() / unit.len();
    let diff = a.tokens.len().abs_diff(per_unit * units);
    assert!(diff <= units / 100, "chunking changed {diff} tokens");
}

#[test]
fn builtin_user_dictionary_keeps_support_vocabulary_whole() {
    let a = analyze(
        "チャットボットのサブスクを解約したら解約金を取られた",
        LangHint::Auto,
    );
    let nouns: Vec<&str> = a
        .tokens
        .iter()
        .filter(|t| t.pos == Pos::Noun)
        .map(|t| &*t.lemma)
        .collect();
    for w in ["チャットボット", "サブスク", "解約金"] {
        assert!(nouns.contains(&w), "{w} in {nouns:?}");
    }
    let a = analyze(
        "챗봇 말고 상담원 연결해 주세요. 구독료 환불금은 언제 들어오나요",
        LangHint::Auto,
    );
    let nouns: Vec<&str> = a
        .tokens
        .iter()
        .filter(|t| t.pos == Pos::Noun)
        .map(|t| &*t.lemma)
        .collect();
    for w in ["챗봇", "구독료", "환불금"] {
        assert!(nouns.contains(&w), "{w} in {nouns:?}");
    }
    // Without them, IPADIC splits these words.
    let bare = TextProcessor::builder()
        .builtin_user_dicts(false)
        .build()
        .unwrap();
    let a = bare.new_worker().analyze("解約金", LangHint::Auto);
    assert!(a.tokens.len() > 1);
}

#[test]
fn user_supplied_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.csv");
    std::fs::write(&path, "ポチポチ課金,カスタム名詞,ポチポチカキン\n").unwrap();
    let p = TextProcessor::builder()
        .user_dict(Lang::Ja, &path)
        .build()
        .unwrap();
    let a = p
        .new_worker()
        .analyze("ポチポチ課金がやめられない", LangHint::Auto);
    assert_eq!(&*a.tokens[0].lemma, "ポチポチ課金");
    // Broken file: a clear error naming it.
    std::fs::write(&path, "only_one_field\n").unwrap();
    let err = TextProcessor::builder()
        .user_dict(Lang::Ja, &path)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("mine.csv"), "{err}");
}

#[test]
fn workers_share_one_processor_across_threads() {
    let p = processor().clone();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut w = p.new_worker();
                (0..50)
                    .map(|_| {
                        w.analyze(&format!("対応{i}が遅い"), LangHint::Auto)
                            .tokens
                            .len()
                    })
                    .sum::<usize>()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() > 0);
    }
}

#[test]
fn katakana_words_are_repaired_whole() {
    // Issue 25: ー damaged into ヌ (the ISO-8859-15 / windows-1252 swap) stayed in long
    // katakana words (カスタマヌサヌビス). fixtures/text/mojibake_katakana.tsv: our own
    // support sentences, damaged by that swap byte for byte (damaged<TAB>original).
    let data =
        std::fs::read_to_string(super::common::fixture("text/mojibake_katakana.tsv")).unwrap();
    let is_kata = |c: char| ('\u{30A1}'..='\u{30FA}').contains(&c);
    let (mut damaged_words, mut restored, mut exact, mut lines) = (0, 0, 0, 0);
    for line in data.lines() {
        let (damaged, original) = line.split_once('\t').unwrap();
        let a = super::common::analyze(damaged, LangHint::Auto);
        let repaired = a.repaired.clone().unwrap_or_else(|| damaged.to_string());
        lines += 1;
        exact += usize::from(repaired == original);
        // Every ヌ after katakana in the damaged line is a damaged ー of the original.
        let (d, r): (Vec<char>, Vec<char>) =
            (damaged.chars().collect(), repaired.chars().collect());
        for i in 1..d.len() {
            if d[i] == 'ヌ' && (is_kata(d[i - 1]) || d[i - 1] == '\u{309C}') {
                damaged_words += 1;
                restored += usize::from(r.get(i) == Some(&'ー'));
            }
        }
    }
    assert!(damaged_words >= 40, "{damaged_words}");
    assert!(
        restored * 100 >= damaged_words * 95,
        "{restored} of {damaged_words} restored"
    );
    assert!(exact * 10 >= lines * 8, "{exact} of {lines} lines exact");
}
