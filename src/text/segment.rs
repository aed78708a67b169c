//! What the language segmenters share: the raw token they produce before offsets are
//! mapped back to the original text, and the dispatch by language.

use std::ops::Range;

use super::Lang;
use super::token::{Lemma, Pos};

/// A token with offsets into the normalized text, before mapping to the original.
#[derive(Debug, Clone)]
pub(crate) struct RawToken {
    pub norm: Range<usize>,
    pub lemma: Lemma,
    pub pos: Pos,
    pub tag: &'static str,
    pub negator: bool,
    /// The stopword flag, when the segmenter already knows it (cached per word), and
    /// the language whose list it is from: valid only for a sentence of that language.
    pub stop: Option<(Lang, bool)>,
}

impl RawToken {
    pub(crate) fn new(norm: Range<usize>, lemma: Lemma, pos: Pos, tag: &'static str) -> Self {
        RawToken {
            norm,
            lemma,
            pos,
            tag,
            negator: false,
            stop: None,
        }
    }
}

/// Coarse class of a token the dictionary could not name (emoji, digits, symbols).
#[cfg_attr(not(any(feature = "ja", feature = "ko")), allow(dead_code))]
pub(crate) fn classify_unknown(surface: &str) -> Option<Pos> {
    let first = surface.chars().next()?;
    if super::normalize::is_emoji(first) {
        Some(Pos::Sym)
    } else if surface
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && surface.chars().any(|c| c.is_ascii_digit())
    {
        Some(Pos::Num)
    } else if !surface.chars().any(super::is_alphanumeric) {
        if surface.chars().all(is_punct_char) {
            Some(Pos::Punct)
        } else {
            Some(Pos::Sym)
        }
    } else {
        None
    }
}

/// Sentence punctuation and brackets (as opposed to symbols such as ♪ or %).
#[cfg_attr(not(any(feature = "ja", feature = "ko")), allow(dead_code))]
pub(crate) fn is_punct_char(c: char) -> bool {
    const PUNCT: &str =
        ".,!?;:()[]{}\"'-/~、。「」『』【】・〈〉《》…‥〔〕〜ー！？（），．：；［］＿｛｝";
    PUNCT.contains(c)
}

/// Splits `range` of `text` around emoticon spans: yields (piece, is_emoticon).
pub(crate) fn around_emoticons(
    range: Range<usize>,
    emoticons: &[Range<usize>],
) -> Vec<(Range<usize>, bool)> {
    let mut out = Vec::new();
    let mut pos = range.start;
    for e in emoticons {
        if e.end <= range.start || e.start >= range.end {
            continue;
        }
        let s = e.start.max(range.start);
        let t = e.end.min(range.end);
        if s > pos {
            out.push((pos..s, false));
        }
        out.push((s..t, true));
        pos = t;
    }
    if pos < range.end {
        out.push((pos..range.end, false));
    }
    out
}

/// A user-dictionary source: the built-in file of this repository or a user's file.
#[derive(Debug, Clone)]
#[cfg_attr(not(any(feature = "ja", feature = "ko")), allow(dead_code))]
pub(crate) struct UserDictSource {
    /// Where it came from, for error messages.
    pub name: String,
    /// The CSV content (lindera user-dictionary format of the language's dictionary).
    pub csv: String,
}
