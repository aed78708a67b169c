//! Character n-grams and the calibrated text model built on them.
//!
//! Short noisy reviews (spacing mistakes in Korean, no spaces in Japanese, slang and
//! misspellings everywhere) carry much of their sentiment in pieces of words that a
//! lexicon of lemmas does not list. A calibration (`calibrate.rs`) therefore also
//! learns weights for character n-grams of the user's own rated texts; this module
//! extracts those n-grams (the same way when learning and when scoring) and holds the
//! learned weights ([`GramModel`]), which the scorer adds to a text's lexicon score.
//!
//! Which n-grams: only letters count (punctuation, digits and symbols break a run and
//! never take part, so they can never be given a score).
//! - Japanese and Korean sentences: the letters of consecutive word tokens form one run
//!   whatever the spacing between them (Korean spacing is unreliable; Japanese has
//!   none); n-grams of 1 to 3 characters (a Hangul syllable or a kanji is a morpheme or
//!   most of one).
//! - Other sentences: each word on its own, with a space as its boundary marker
//!   (` good `), n-grams of 2 to 5 characters (sub-word pieces: stems, suffixes,
//!   misspellings).
//!
//! A text's n-grams are a set: each counts once however often it occurs.

use std::collections::HashMap;

use crate::text::{Lang, Pos, TextAnalysis, Token};

/// Whether a token takes part in n-grams: a word with letters and no digits.
fn letters(tok: &Token, norm: &str) -> bool {
    !matches!(tok.pos, Pos::Punct | Pos::Num | Pos::Sym)
        && norm.chars().any(char::is_alphabetic)
        && !norm.chars().any(char::is_numeric)
}

/// Adds the n-grams of `chars` with `n` in `lengths` to `out`.
fn push_grams(chars: &[char], lengths: std::ops::RangeInclusive<usize>, out: &mut Vec<String>) {
    for n in lengths {
        if chars.len() < n {
            break;
        }
        for w in chars.windows(n) {
            out.push(w.iter().collect());
        }
    }
}

/// The character n-grams of an analysed text (see the module docs), sorted, without
/// duplicates.
pub fn char_grams(t: &TextAnalysis) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for sent in &t.sentences {
        let cjk = matches!(sent.lang, Lang::Ja | Lang::Ko);
        run.clear();
        for tok in t.sentence_tokens(sent) {
            let norm = t.norm(tok);
            if !letters(tok, norm) {
                if cjk {
                    push_grams(&run, 1..=3, &mut out);
                    run.clear();
                }
                continue;
            }
            let word = norm
                .chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase);
            if cjk {
                run.extend(word);
            } else {
                run.clear();
                run.push(' ');
                run.extend(word);
                run.push(' ');
                push_grams(&run, 2..=5, &mut out);
                run.clear();
            }
        }
        if cjk {
            push_grams(&run, 1..=3, &mut out);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Why a text model line of an overlay does not parse.
#[derive(Debug, thiserror::Error)]
pub enum GramError {
    /// A malformed `@` line.
    #[error(
        "line {line}: {reason} (calibration lines: `@koe-overlay<TAB>2`, `@bias<TAB>value`, `@gram<TAB>n-gram<TAB>weight`)"
    )]
    Parse {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The overlay format version this build writes and reads.
pub const OVERLAY_VERSION: u32 = 2;

/// Learned character n-gram weights (lexicon units), added to a text's lexicon score
/// by the scorer. Empty unless a calibration overlay with `@gram` lines was loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GramModel {
    /// Weight per n-gram, in lexicon points.
    pub weights: HashMap<String, f32>,
    /// Added once to every text that has at least one n-gram (lexicon points): the
    /// model's intercept.
    pub bias: f32,
}

impl GramModel {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty() && self.bias == 0.0
    }

    /// What the model adds to the lexicon score of `t` (lexicon points), or `None` when
    /// the model is empty or the text has no n-gram.
    pub fn contribution(&self, t: &TextAnalysis) -> Option<f32> {
        if self.is_empty() {
            return None;
        }
        let grams = char_grams(t);
        if grams.is_empty() {
            return None;
        }
        let sum: f32 = grams.iter().filter_map(|g| self.weights.get(g)).sum();
        Some(self.bias + sum)
    }

    /// Reads the `@` lines of an overlay (other lines are lexicon entries and are left
    /// to [`super::Lexicon::add_text`]); later weights replace earlier ones.
    pub fn add_text(&mut self, text: &str) -> Result<(), GramError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            let Some(rest) = line.strip_prefix('@') else {
                continue;
            };
            let err = |reason: String| GramError::Parse {
                line: i + 1,
                reason,
            };
            let mut cols = rest.split('\t');
            let kind = cols.next().unwrap_or("");
            let number = |s: Option<&str>| -> Result<f32, GramError> {
                let s = s.ok_or_else(|| err("missing value".into()))?.trim();
                s.parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite() && v.abs() <= 16.0)
                    .ok_or_else(|| err(format!("'{s}' is not a number from -16 to 16")))
            };
            match kind {
                "koe-overlay" => {
                    let v = cols.next().unwrap_or("").trim();
                    if v.parse::<u32>().ok() != Some(OVERLAY_VERSION) {
                        return Err(err(format!(
                            "overlay format version '{v}' is not {OVERLAY_VERSION} (made by another koe version: calibrate again)"
                        )));
                    }
                }
                "bias" => self.bias = number(cols.next())?,
                "gram" => {
                    let g = cols.next().unwrap_or("");
                    if g.is_empty() || !g.chars().any(char::is_alphabetic) {
                        return Err(err(format!("n-gram '{g}' has no letter")));
                    }
                    let w = number(cols.next())?;
                    self.weights.insert(g.to_string(), w);
                }
                other => return Err(err(format!("unknown calibration line '@{other}'"))),
            }
        }
        Ok(())
    }

    /// The model as overlay lines (version line first, n-grams by weight).
    pub fn to_lines(&self) -> String {
        let mut out = format!("@koe-overlay\t{OVERLAY_VERSION}\n");
        if self.is_empty() {
            return out;
        }
        out.push_str(&format!("@bias\t{:.4}\n", self.bias));
        let mut grams: Vec<(&String, &f32)> = self.weights.iter().collect();
        grams.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(b.0)));
        for (g, w) in grams {
            out.push_str(&format!("@gram\t{g}\t{w:.4}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_lines() {
        let mut m = GramModel::default();
        m.weights.insert(" goo".into(), 0.5);
        m.weights.insert("재미".into(), 1.25);
        m.bias = -0.125;
        let text = m.to_lines();
        let mut back = GramModel::default();
        back.add_text(&format!("# note\ngood\t2\n{text}")).unwrap();
        assert_eq!(back, m);
        for bad in [
            "@koe-overlay\t1\n",
            "@gram\t!!\t1\n",
            "@gram\tab\tx\n",
            "@gram\tab\t99\n",
            "@what\t1\n",
        ] {
            assert!(GramModel::default().add_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grams_of_a_run() {
        let mut out = Vec::new();
        push_grams(&['재', '미', '없'], 1..=3, &mut out);
        assert_eq!(out, ["재", "미", "없", "재미", "미없", "재미없"]);
    }
}
