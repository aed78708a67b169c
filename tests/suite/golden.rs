//! Golden segmentations per language, charabia style: a TEXT and the expected
//! `surface/lemma/POS` tokens (`!` marks negators). Written for koe, not taken
//! from any evaluation data.

use koe::text::{Lang, LangHint};

use super::common::{analyze, render};

fn check(lang: Lang, cases: &[(&str, &str)]) {
    for (text, expected) in cases {
        let a = analyze(text, LangHint::Fixed(lang));
        assert_eq!(render(text, &a), *expected, "\nTEXT: {text}");
        // Auto detection agrees on these monolingual texts.
        assert_eq!(analyze(text, LangHint::Auto).lang, lang, "{text}");
    }
}

const JA: &[(&str, &str)] = &[
    (
        "配送が遅くて、サポートに問い合わせても返事がありませんでした。",
        "配送/配送/NOUN が/が/PART 遅く/遅い/ADJ て/て/PART 、/、/PUNCT サポート/サポート/NOUN に/に/PART 問い合わせ/問い合わせる/VERB て/て/PART も/も/PART 返事/返事/NOUN が/が/PART あり/ある/VERB ませ/ます/AUX ん/ん/AUX! でし/です/AUX た/た/AUX 。/。/PUNCT",
    ),
    (
        "解約金を取られたので二度と使わない。",
        "解約金/解約金/NOUN を/を/PART 取ら/取る/VERB れ/れる/VERB た/た/AUX ので/ので/PART 二度と/二度と/ADV 使わ/使う/VERB ない/ない/AUX! 。/。/PUNCT",
    ),
    (
        "ｽﾀｯﾌの対応は丁寧で良かったです！！！",
        "ｽﾀｯﾌ/スタッフ/NOUN の/の/PART 対応/対応/NOUN は/は/PART 丁寧/丁寧/NOUN で/だ/AUX 良かっ/良い/ADJ た/た/AUX です/です/AUX ！/!/PUNCT ！！/!/PUNCT",
    ),
    (
        "アプリが重すぎて使い物にならないｗｗｗ",
        "アプリ/アプリ/NOUN が/が/PART 重/重い/ADJ すぎ/すぎる/AUX て/て/PART 使い物/使い物/NOUN に/に/PART なら/なる/VERB ない/ない/AUX! ｗｗｗ/ww/NOUN",
    ),
    (
        "問題ないです。",
        "問題/問題/NOUN ない/ない/AUX! です/です/AUX 。/。/PUNCT",
    ),
];

const KO: &[(&str, &str)] = &[
    (
        "배송이 느려서 해지하고 환불받았어요.",
        "배송/배송/NOUN 이/이/PART 느려서/느리다/ADJ 해지/해지/NOUN 하/해지하다/VERB 고/고/PART 환불/환불/NOUN 받/받다/VERB 았/았/PART 어요/어요/PART ././PUNCT",
    ),
    (
        "상담원이 불친절하고 답변도 없었습니다 ㅠㅠ",
        "상담원/상담원/NOUN 이/이/PART 불친절/불친절/NOUN 하/불친절하다/VERB 고/고/PART 답변/답변/NOUN 도/도/PART 없/없다/ADJ! 었/었/PART 습니다/습니다/PART ㅠㅠ/ㅠㅠ/X",
    ),
    (
        "구독료가 너무 비싸지 않나요?",
        "구독료/구독료/NOUN 가/가/PART 너무/너무/ADV 비싸/비싸다/ADJ 지/지/PART 않/않다/AUX! 나요/나요/PART ?/?/PUNCT",
    ),
];

const EN: &[(&str, &str)] = &[
    (
        "The refunds were slow and support didn't answer.",
        "The/the/PART refunds/refund/NOUN were/be/AUX slow/slow/NOUN and/and/PART support/support/NOUN did/do/AUX n't/not/PART! answer/answer/VERB ././PUNCT",
    ),
    (
        "I can't log in since the update!!!",
        "I/i/PRON ca/can/AUX n't/not/PART! log/log/NOUN in/in/PART since/since/PART the/the/PART update/updat/NOUN !/!/PUNCT !!/!/PUNCT",
    ),
    (
        "Great app, works perfectly :)",
        "Great/great/NOUN app/app/NOUN ,/,/PUNCT works/work/VERB perfectly/perfect/ADV :)/:)/SYM",
    ),
];

#[test]
fn japanese() {
    check(Lang::Ja, JA);
}

#[test]
fn korean() {
    check(Lang::Ko, KO);
}

#[test]
fn english() {
    check(Lang::En, EN);
}

#[test]
fn mixed_scripts_go_to_their_segmenter() {
    let text = "The staff at the 新宿 store were kind, ありがとう!";
    let a = analyze(text, LangHint::Auto);
    assert_eq!(a.lang, Lang::En);
    let r = render(text, &a);
    assert!(r.contains("新宿/新宿/NOUN"), "{r}");
    assert!(r.contains("ありがとう/ありがとう/"), "{r}");
    let text = "iPhoneアプリのloginができない";
    let a = analyze(text, LangHint::Auto);
    assert_eq!(a.lang, Lang::Ja);
    assert!(
        render(text, &a)
            .starts_with("iPhone/iphon/NOUN アプリ/アプリ/NOUN の/の/PART login/login/NOUN")
    );
}
