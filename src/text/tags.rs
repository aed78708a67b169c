//! The few dictionary categories below [`Pos`](super::Pos) that later stages ask
//! about, named here so that only the text core reads analyser tags (IPADIC
//! `助詞,接続助詞`, ko-dic `XSV`, `VA+EC`).

use super::Token;

impl Token {
    /// A Korean derivational suffix (ko-dic `XSN`, `XSV`, `XSA`: 력 in 커버력, 하 in
    /// 사용하다).
    pub fn is_derivational_suffix(&self) -> bool {
        self.tag.starts_with("XS")
    }

    /// A Japanese conjunctive particle (IPADIC `助詞,接続助詞`: が, けど, のに, て).
    pub fn is_conjunctive_particle(&self) -> bool {
        self.tag.starts_with("助詞,接続助詞")
    }

    /// Holds a Korean connective ending (ko-dic `EC`, alone or in a compound tag such
    /// as `VA+EC`: 지만, 는데, 면).
    pub fn has_connective_ending(&self) -> bool {
        // ko-dic tags start with an upper-case letter: the first test spares the
        // search in Japanese and English tags.
        self.tag.starts_with(|c: char| c.is_ascii_uppercase()) && self.tag.contains("EC")
    }

    /// A proper noun (IPADIC `名詞,固有名詞`, ko-dic `NNP`).
    pub fn is_proper_noun(&self) -> bool {
        self.tag.contains("固有名詞") || self.tag.starts_with("NNP")
    }
}

#[cfg(test)]
mod tests {
    use crate::text::{Lemma, Pos, Token};

    fn token(tag: &'static str, pos: Pos) -> Token {
        Token {
            span: 0..0,
            norm: 0..0,
            lemma: Lemma::from("x"),
            pos,
            tag,
            stop: false,
            negator: false,
        }
    }

    #[test]
    fn categories_of_each_dictionary() {
        assert!(token("XSV", Pos::Verb).is_derivational_suffix());
        assert!(token("XSN", Pos::Noun).is_derivational_suffix());
        assert!(!token("NNG", Pos::Noun).is_derivational_suffix());
        assert!(token("助詞,接続助詞,*,*", Pos::Part).is_conjunctive_particle());
        assert!(!token("助詞,格助詞,一般,*", Pos::Part).is_conjunctive_particle());
        assert!(token("VA+EC", Pos::Adj).has_connective_ending());
        assert!(token("EC", Pos::Part).has_connective_ending());
        assert!(!token("EF", Pos::Part).has_connective_ending());
        assert!(!token("en:word", Pos::Noun).has_connective_ending());
        assert!(token("名詞,固有名詞,地域,一般", Pos::Noun).is_proper_noun());
        assert!(token("NNP", Pos::Noun).is_proper_noun());
        assert!(!token("名詞,一般,*,*", Pos::Noun).is_proper_noun());
    }
}
