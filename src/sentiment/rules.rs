//! Per-language function words the scorer reacts to: intensifiers and downtoners
//! (multipliers), contrast markers (later clause weighs more), conditionals (damp),
//! and clause ends. Negators come from the tokens themselves (`Token::negator`).

use crate::text::{Lang, Pos, Token};

use std::sync::OnceLock;

use crate::text::fxhash::FxHashMap;

/// Intensifiers and downtoners per language, with their multiplier.
const INTENSIFIERS: &[(Lang, f32, &[&str])] = &[
    (
        Lang::En,
        1.3,
        &[
            "very",
            "realli",
            "really",
            "so",
            "too",
            "total",
            "totally",
            "complet",
            "completely",
            "high",
            "highly",
        ],
    ),
    (
        Lang::En,
        1.5,
        &[
            "extrem",
            "extremely",
            "incred",
            "incredibly",
            "absolut",
            "absolutely",
            "utter",
            "utterly",
            "insan",
            "super",
            "truli",
            "truly",
            "ridicul",
            "ridiculously",
            "most",
        ],
    ),
    (
        Lang::En,
        1.1,
        &["quit", "quite", "pretti", "pretty", "fair", "fairly"],
    ),
    (
        Lang::En,
        0.6,
        &[
            "slight", "slightly", "somewhat", "bit", "littl", "little", "kinda", "sorta", "mild",
            "mildly", "partial", "partly",
        ],
    ),
    (
        Lang::Ja,
        1.35,
        &[
            "とても",
            "すごい",
            "すごく",
            "本当に",
            "本当",
            "かなり",
            "大変",
            "とっても",
            "マジ",
            "まじ",
            "めっちゃ",
            "すっごく",
            "ほんと",
            "ほんとう",
        ],
    ),
    (
        Lang::Ja,
        1.5,
        &[
            "非常",
            "非常に",
            "めちゃくちゃ",
            "超",
            "極めて",
            "全く",
            "まったく",
            "全然",
            "断然",
            "圧倒的",
            "最も",
            "ものすごく",
            "ものすごい",
        ],
    ),
    (
        Lang::Ja,
        0.6,
        &[
            "少し",
            "ちょっと",
            "やや",
            "若干",
            "多少",
            "少々",
            "わりと",
            "割と",
            "比較的",
            "あまり",
            "あんまり",
            "まあまあ",
        ],
    ),
    (
        Lang::Ko,
        1.35,
        &[
            "너무",
            "정말",
            "진짜",
            "아주",
            "매우",
            "되게",
            "참",
            "넘",
            "진심",
            "정말로",
            "많이",
        ],
    ),
    (
        Lang::Ko,
        1.5,
        &[
            "완전",
            "엄청",
            "굉장히",
            "제일",
            "가장",
            "최고로",
            "대박",
            "무척",
            "몹시",
            "전혀",
        ],
    ),
    (
        Lang::Ko,
        0.6,
        &[
            "좀",
            "조금",
            "약간",
            "다소",
            "그럭저럭",
            "별로",
            "살짝",
            "그다지",
        ],
    ),
];

/// Contrast marker lemmas per language (Japanese ones also need a fitting part of
/// speech, see [`contrast_given`]).
const CONTRASTS: &[(Lang, &[&str])] = &[
    (
        Lang::En,
        &[
            "but",
            "howev",
            "however",
            "yet",
            "nevertheless",
            "nonetheless",
            "though",
            "although",
            "whereas",
        ],
    ),
    (
        Lang::Ja,
        &[
            "けど",
            "けれど",
            "けれども",
            "しかし",
            "のに",
            "ところが",
            "ただ",
            "だけど",
            "だが",
            "ですが",
            "でも",
        ],
    ),
    (
        Lang::Ko,
        &[
            "지만",
            "는데",
            "ㄴ데",
            "은데",
            "그런데",
            "하지만",
            "그러나",
            "근데",
            "그렇지만",
            "반면",
        ],
    ),
];

/// What a lemma is to the rules: its multiplier, and whether it is a contrast word.
#[derive(Debug, Clone, Copy, Default)]
struct FunctionWord {
    intensity: Option<f32>,
    contrast: bool,
}

/// The function words of a language by lemma: one hash lookup per token instead of
/// a string compare per listed word of the same length.
fn function_word(lang: Lang, lemma: &str) -> FunctionWord {
    static MAPS: OnceLock<[FxHashMap<&'static str, FunctionWord>; 3]> = OnceLock::new();
    let maps = MAPS.get_or_init(|| {
        let mut maps: [FxHashMap<&'static str, FunctionWord>; 3] = Default::default();
        let slot = |lang: Lang| match lang {
            Lang::En => 0,
            Lang::Ja => 1,
            _ => 2,
        };
        for &(lang, value, words) in INTENSIFIERS {
            for w in words {
                // The first listing of a word wins (as the first match arm did).
                let e = maps[slot(lang)].entry(*w).or_default();
                e.intensity.get_or_insert(value);
            }
        }
        for &(lang, words) in CONTRASTS {
            for w in words {
                maps[slot(lang)].entry(*w).or_default().contrast = true;
            }
        }
        maps
    });
    let map = match lang {
        Lang::En => &maps[0],
        Lang::Ja => &maps[1],
        Lang::Ko => &maps[2],
        Lang::Other => return FunctionWord::default(),
    };
    map.get(lemma).copied().unwrap_or_default()
}

/// Contrast flag and multiplier of a token, from one lookup of its lemma.
pub fn contrast_and_intensity(lang: Lang, t: &Token) -> (bool, Option<f32>) {
    let w = function_word(lang, &t.lemma);
    (contrast_given(lang, t, w.contrast), w.intensity)
}

/// Whether a token is a contrast marker (but, however; けど, しかし; -지만, 하지만), once
/// its lemma's listing is known: Japanese ones also need a fitting part of speech.
fn contrast_given(lang: Lang, t: &Token, listed: bool) -> bool {
    match lang {
        Lang::Ja => {
            listed
                && (t.pos == Pos::Part
                    || t.pos == Pos::Adv
                    || t.pos == Pos::X
                    || t.tag.starts_with("接続"))
                || (&*t.lemma == "が" && t.tag.contains("接続助詞"))
        }
        _ => listed,
    }
}

/// Contrast markers whose PRECEDING clause is the weak one only when they open the
/// sentence ("Although it was cheap, it broke"): the clause they introduce is weak.
pub fn is_concessive_opener(lang: Lang, lemma: &str) -> bool {
    lang == Lang::En && matches!(lemma, "although" | "though" | "even")
}

/// Whether the token ends a conditional clause (its clause is damped): if/unless at
/// the start (en), 〜たら/〜ば/〜なら (ja), -면 (ko).
pub fn is_conditional(lang: Lang, t: &Token, surface_norm: &str) -> bool {
    match lang {
        Lang::En => matches!(&*t.lemma, "if" | "unless" | "whether"),
        // The surface first: it rules out almost every token without a tag search.
        Lang::Ja => match surface_norm {
            "たら" | "なら" | "だら" | "ならば" => true,
            "ば" | "と" => t.tag.contains("接続助詞"),
            _ => false,
        },
        Lang::Ko => surface_norm.ends_with('면') && t.tag.contains("EC"),
        Lang::Other => false,
    }
}

/// Whether the conditional marker comes before its clause (en) or after it (ja, ko).
pub fn conditional_precedes(lang: Lang) -> bool {
    lang == Lang::En
}

/// Question endings beside `?` (ja か, ko -나요/-까).
pub fn is_question_end(lang: Lang, t: &Token, surface_norm: &str) -> bool {
    surface_norm.contains('?')
        || match lang {
            // The surface first: it rules out almost every token without a tag search.
            Lang::Ja => matches!(surface_norm, "か" | "かな" | "の") && t.tag.contains("終助詞"),
            Lang::Ko => {
                (surface_norm.ends_with('까')
                    || surface_norm.ends_with("나요")
                    || surface_norm.ends_with("을까"))
                    && t.tag.contains("EF")
            }
            _ => false,
        }
}

/// Languages whose negators follow what they negate (ja ない after the predicate,
/// ko -지 않다/없다 after); Korean 안/못 precede, as English negators do.
pub fn negator_follows(lang: Lang, t: &Token) -> bool {
    match lang {
        Lang::Ja => true,
        Lang::Ko => t.pos != Pos::Adv,
        _ => false,
    }
}
