//! Search terms of an analysed text: what the search index stores for it.
//!
//! They belong to the text core (not to `index/`) so that the analysis can keep them
//! while the tokens are at hand, and `index/` turns them into its own token type
//! without `analyze` ever depending on `index`.

use super::{Lemma, Pos, TextAnalysis};

/// One search term: the lemma of a token and its byte span in the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchTerm {
    /// Lemma.
    pub lemma: Lemma,
    /// Byte offset in the original text.
    pub start: usize,
    /// Byte end.
    pub end: usize,
}

/// The search terms of an analysed text: every token but punctuation and symbols,
/// by lemma, with its span in the original text.
pub fn search_terms(t: &TextAnalysis) -> Vec<SearchTerm> {
    t.tokens
        .iter()
        .filter(|tok| !matches!(tok.pos, Pos::Punct | Pos::Sym))
        .map(|tok| SearchTerm {
            lemma: tok.lemma.clone(),
            start: tok.span.start,
            end: tok.span.end,
        })
        .collect()
}
