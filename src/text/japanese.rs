//! Japanese segmentation: lindera with the embedded IPADIC and koe's user dictionary.
//!
//! Lemma is IPADIC's base form (遅く → 遅い, ません → ます + ん); the coarse POS comes
//! from the first two IPADIC fields; negators are the auxiliaries ない/ぬ/ん and the
//! adjective ない (問題ない).

use std::sync::Arc;

use super::{Lang, TextError};
use rustc_hash::FxHashSet;

use super::lattice::Mode as SearchMode;
use super::morph::{MorphWorker, Morphology, WordInfo, load_morphology};
use super::segment::{RawToken, UserDictSource};
use super::token::{Lemma, Pos, intern_tag};

/// The shared Japanese segmenter (dictionary loaded once; cheap to clone).
#[derive(Clone)]
pub struct JapaneseSegmenter {
    morphology: Arc<Morphology>,
}

impl JapaneseSegmenter {
    /// Loads IPADIC with the given user dictionaries.
    pub(crate) fn new(user_dicts: &[UserDictSource]) -> Result<Self, TextError> {
        Ok(JapaneseSegmenter {
            morphology: Arc::new(load_morphology("ipadic", user_dicts, SearchMode::MeCab)?),
        })
    }

    /// A per-thread worker flagging the words of `stopwords`.
    pub(crate) fn new_worker(&self, stopwords: FxHashSet<&'static str>) -> JapaneseWorker {
        JapaneseWorker {
            inner: MorphWorker::new(&self.morphology, describe, is_part, (Lang::Ja, stopwords)),
        }
    }
}

/// Per-thread Japanese segmentation state.
pub(crate) struct JapaneseWorker {
    inner: MorphWorker,
}

const NEGATOR_LEMMAS: &[&str] = &[
    "ない", "ぬ", "ん", "ず", "無い", "ねぇ", "ねえ", "なし", "無し",
];

impl JapaneseWorker {
    /// The dictionary nouns inside `word` (see [`MorphWorker::parts`]).
    pub(crate) fn parts(&self, word: &str, whole: bool) -> Vec<Arc<str>> {
        self.inner.parts(word, whole)
    }

    /// How implausible `text` is as Japanese (lower is better).
    pub(crate) fn implausibility(&mut self, text: &str) -> u32 {
        self.inner.implausibility(text)
    }

    pub(crate) fn segment(&mut self, text: &str, base: usize, out: &mut Vec<RawToken>) {
        self.inner.segment(text, base, |mut t| {
            t.negator = matches!(t.pos, Pos::Aux | Pos::Adj) && NEGATOR_LEMMAS.contains(&&*t.lemma)
                || (t.pos == Pos::Noun && (&*t.lemma == "なし" || &*t.lemma == "無し"));
            out.push(t);
        })
    }
}

/// A compound part: a common or proper noun (not a number, pronoun, suffix or
/// dependent noun).
fn is_part(p0: &str, p1: &str) -> bool {
    p0 == "名詞" && !matches!(p1, "数" | "代名詞" | "非自立" | "接尾" | "特殊")
}

/// IPADIC details: [品詞, 細分類1, 細分類2, 細分類3, 活用型, 活用形, 原形, 読み, 発音].
fn describe(d: &[&str]) -> WordInfo {
    let get = |i: usize| d.get(i).copied().unwrap_or("*");
    let (p0, p1) = (get(0), get(1));
    let pos = match p0 {
        "名詞" => match p1 {
            "数" => Pos::Num,
            "代名詞" => Pos::Pron,
            _ => Pos::Noun,
        },
        "動詞" => {
            if p1 == "非自立" {
                Pos::Aux
            } else {
                Pos::Verb
            }
        }
        "形容詞" => Pos::Adj,
        "副詞" => Pos::Adv,
        "連体詞" => Pos::Adj,
        "接続詞" | "助詞" => Pos::Part,
        "助動詞" => Pos::Aux,
        "記号" => match p1 {
            "句点" | "読点" | "括弧開" | "括弧閉" => Pos::Punct,
            "アルファベット" => Pos::X,
            _ => Pos::Sym,
        },
        "カスタム名詞" => Pos::Noun,
        _ => Pos::X,
    };
    let mut tag = String::with_capacity(32);
    for (i, f) in d.iter().take(4).enumerate() {
        if *f == "*" {
            break;
        }
        if i > 0 {
            tag.push(',');
        }
        tag.push_str(f);
    }
    if tag.is_empty() {
        tag.push_str("UNK");
    }
    let base = get(6);
    let lemma = if base == "*" || base.is_empty() {
        None
    } else {
        Some(Lemma::new(base))
    };
    WordInfo {
        pos,
        tag: intern_tag(&tag),
        lemma,
        known: d.len() > 6 && base != "*",
        stop: None,
    }
}
