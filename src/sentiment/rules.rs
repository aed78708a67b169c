//! Per-language function words the scorer reacts to: intensifiers and downtoners
//! (multipliers), contrast markers (later clause weighs more), conditionals (damp),
//! and clause ends. Negators come from the tokens themselves (`Token::negator`).

use crate::text::{Lang, Pos, Token};

/// Multiplier of an intensifier or downtoner lemma.
pub fn intensity(lang: Lang, lemma: &str) -> Option<f32> {
    let v = match lang {
        Lang::En => match lemma {
            "very" | "realli" | "really" | "so" | "too" | "total" | "totally" | "complet"
            | "completely" | "high" | "highly" => 1.3,
            "extrem" | "extremely" | "incred" | "incredibly" | "absolut" | "absolutely"
            | "utter" | "utterly" | "insan" | "super" | "truli" | "truly" | "ridicul"
            | "ridiculously" | "most" => 1.5,
            "quit" | "quite" | "pretti" | "pretty" | "fair" | "fairly" => 1.1,
            "slight" | "slightly" | "somewhat" | "bit" | "littl" | "little" | "kinda" | "sorta"
            | "mild" | "mildly" | "partial" | "partly" => 0.6,
            _ => return None,
        },
        Lang::Ja => match lemma {
            "とても" | "すごい" | "すごく" | "本当に" | "本当" | "かなり" | "大変" | "とっても"
            | "マジ" | "まじ" | "めっちゃ" | "すっごく" | "ほんと" | "ほんとう" => {
                1.35
            }
            "非常" | "非常に" | "めちゃくちゃ" | "超" | "極めて" | "全く" | "まったく" | "全然"
            | "断然" | "圧倒的" | "最も" | "ものすごく" | "ものすごい" => 1.5,
            "少し" | "ちょっと" | "やや" | "若干" | "多少" | "少々" | "わりと" | "割と"
            | "比較的" | "あまり" | "あんまり" | "まあまあ" => 0.6,
            _ => return None,
        },
        Lang::Ko => match lemma {
            "너무" | "정말" | "진짜" | "아주" | "매우" | "되게" | "참" | "넘" | "진심"
            | "정말로" | "많이" => 1.35,
            "완전" | "엄청" | "굉장히" | "제일" | "가장" | "최고로" | "대박" | "무척" | "몹시"
            | "전혀" => 1.5,
            "좀" | "조금" | "약간" | "다소" | "그럭저럭" | "별로" | "살짝" | "그다지" => {
                0.6
            }
            _ => return None,
        },
        Lang::Other => return None,
    };
    Some(v)
}

/// Whether the token is a contrast marker (but, however; けど, しかし; -지만, 하지만).
pub fn is_contrast(lang: Lang, t: &Token) -> bool {
    let l = &*t.lemma;
    match lang {
        Lang::En => matches!(
            l,
            "but"
                | "howev"
                | "however"
                | "yet"
                | "nevertheless"
                | "nonetheless"
                | "though"
                | "although"
                | "whereas"
        ),
        Lang::Ja => {
            matches!(
                l,
                "けど"
                    | "けれど"
                    | "けれども"
                    | "しかし"
                    | "のに"
                    | "ところが"
                    | "ただ"
                    | "だけど"
                    | "だが"
                    | "ですが"
                    | "でも"
            ) && (t.pos == Pos::Part
                || t.pos == Pos::Adv
                || t.pos == Pos::X
                || t.tag.starts_with("接続"))
                || (l == "が" && t.tag.contains("接続助詞"))
        }
        Lang::Ko => matches!(
            l,
            "지만"
                | "는데"
                | "ㄴ데"
                | "은데"
                | "그런데"
                | "하지만"
                | "그러나"
                | "근데"
                | "그렇지만"
                | "반면"
        ),
        Lang::Other => false,
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
