//! Korean segmentation: lindera with the embedded ko-dic (mecab-ko-dic) and koe's user
//! dictionary; ko-dic's left-space penalty stays on, as in mecab-ko.
//!
//! Lemma is the dictionary form of predicates: the stem from ko-dic's analysis plus
//! 다 (느려서 → 느리다, 했 → 하다), and a verb- or adjective-forming suffix after a noun
//! or root takes the whole predicate (해지 + 하고 → 해지하다, 답답 + 하고 → 답답하다).
//! Negators: 안, 못 (adverbs), 않다, 없다, 아니다, 말다.

use std::sync::Arc;

use super::{Lang, TextError};
use rustc_hash::FxHashSet;

use super::lattice::Mode as SearchMode;
use super::morph::{MorphWorker, Morphology, WordInfo, load_morphology};
use super::segment::{RawToken, UserDictSource};
use super::token::{Lemma, Pos, intern_tag};

/// The shared Korean segmenter (dictionary loaded once; cheap to clone).
#[derive(Clone)]
pub struct KoreanSegmenter {
    morphology: Arc<Morphology>,
}

impl KoreanSegmenter {
    /// Loads ko-dic with the given user dictionaries.
    pub(crate) fn new(user_dicts: &[UserDictSource]) -> Result<Self, TextError> {
        Ok(KoreanSegmenter {
            morphology: Arc::new(load_morphology("ko-dic", user_dicts, SearchMode::MeCab)?),
        })
    }

    /// A per-thread worker flagging the words of `stopwords`.
    pub(crate) fn new_worker(&self, stopwords: FxHashSet<&'static str>) -> KoreanWorker {
        KoreanWorker {
            inner: MorphWorker::new(&self.morphology, describe, is_part, (Lang::Ko, stopwords)),
        }
    }
}

/// Per-thread Korean segmentation state.
pub(crate) struct KoreanWorker {
    inner: MorphWorker,
}

impl KoreanWorker {
    /// The dictionary nouns inside `word` (see [`MorphWorker::parts`]).
    pub(crate) fn parts(&self, word: &str, whole: bool) -> Vec<Arc<str>> {
        self.inner.parts(word, whole)
    }

    pub(crate) fn segment(&mut self, text: &str, base: usize, out: &mut Vec<RawToken>) {
        let first = out.len();
        self.inner.segment(text, base, |mut t| {
            t.negator = match &*t.lemma {
                "않다" | "없다" | "아니다" => true,
                "말다" => t.pos == Pos::Aux,
                "안" | "못" => t.pos == Pos::Adv,
                _ => false,
            };
            out.push(t);
        });
        // Noun/root + 하다/되다/시키다/스럽다...: the suffix carries the whole predicate.
        for i in first + 1..out.len() {
            let (head, rest) = out.split_at_mut(i);
            let prev = &head[i - 1];
            let cur = &mut rest[0];
            let suffix = cur.tag.starts_with("XSV") || cur.tag.starts_with("XSA");
            let stem_like = prev.tag.starts_with("NNG")
                || prev.tag.starts_with("XR")
                || prev.tag.starts_with("NNP");
            if suffix && stem_like && prev.norm.end == cur.norm.start {
                let noun = &text[prev.norm.start - base..prev.norm.end - base];
                cur.lemma = Lemma::from(format!("{noun}{}", cur.lemma));
                cur.stop = None; // a new lemma: the text core looks it up
            }
        }
    }
}

/// A compound part: a common or proper noun.
fn is_part(p0: &str, _p1: &str) -> bool {
    p0.starts_with("NNG") || p0.starts_with("NNP")
}

/// ko-dic details: [품사, 의미부류, 종성유무, 읽기, 타입, 첫번째품사, 마지막품사, 표현].
fn describe(d: &[&str]) -> WordInfo {
    let get = |i: usize| d.get(i).copied().unwrap_or("*");
    let tag = get(0);
    let first = tag.split('+').next().unwrap_or(tag);
    let pos = match first {
        "NNG" | "NNP" | "NNB" | "NNBC" | "XR" | "XSN" | "SL" | "SH" => Pos::Noun,
        "NR" | "SN" => Pos::Num,
        "NP" => Pos::Pron,
        "VV" | "XSV" => Pos::Verb,
        "VA" | "XSA" | "MM" => Pos::Adj,
        "VX" | "VCP" | "VCN" => Pos::Aux,
        "MAG" | "MAJ" => Pos::Adv,
        "SF" | "SE" | "SSO" | "SSC" | "SC" => Pos::Punct,
        "SY" => Pos::Sym,
        f if f.starts_with('J') || f.starts_with('E') => Pos::Part,
        _ => Pos::X,
    };
    let predicate = matches!(first, "VV" | "VA" | "VX" | "VCP" | "VCN" | "XSV" | "XSA");
    let lemma = if predicate {
        // The stem is the first morpheme of the analysis (느리/VA/*+어서/EC/*).
        let expression = get(7);
        let stem = if expression != "*" && !expression.is_empty() {
            expression
                .split('+')
                .next()
                .and_then(|m| m.split('/').next())
                .filter(|s| !s.is_empty())
        } else {
            None
        };
        let stem = match stem {
            Some(s) => s.to_string(),
            None => get(3).to_string(), // reading; replaced by the surface below when '*'
        };
        if stem == "*" || stem.is_empty() {
            None
        } else {
            Some(Lemma::from(format!("{stem}다")))
        }
    } else {
        None
    };
    let known = tag != "*" && !tag.is_empty() && get(3) != "*";
    WordInfo {
        pos,
        tag: intern_tag(if tag.is_empty() { "UNK" } else { tag }),
        lemma,
        known,
        stop: None,
    }
}
