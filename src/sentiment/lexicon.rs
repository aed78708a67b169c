//! Sentiment lexicons: `entry<TAB>score[<TAB>POS]`, where an entry is one lemma or a
//! space-separated sequence of lemmas matched on consecutive tokens, and the score
//! runs from −4 to +4. koe's own lexicons live in `dictionaries/sentiment/`; users add
//! or override entries with `--lexicon FILE` (the calibration overlay has this format,
//! plus `@` lines for its character n-gram model, read by `grams.rs`).

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::text::Pos;

/// A malformed lexicon.
#[derive(Debug, Error)]
pub enum LexiconError {
    /// The file cannot be read.
    #[error("cannot read lexicon {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line does not parse.
    #[error("{path}:{line}: {reason} (expected `entry<TAB>score[<TAB>POS]`, score from -4 to 4)")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// One lexicon entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Lemmas after the first (empty for single-word entries).
    pub rest: Vec<Box<str>>,
    /// Score, −4..4.
    pub score: f32,
    /// Part of speech the first token must have, when given.
    pub pos: Option<Pos>,
}

/// A lexicon: entries keyed by their first lemma, longest first.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    by_first: HashMap<Box<str>, Vec<Entry>>,
    len: usize,
}

impl Lexicon {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Parses lexicon text (`name` for error messages) and adds it; later entries
    /// replace earlier ones with the same lemmas and POS.
    pub fn add_text(&mut self, name: &Path, text: &str) -> Result<usize, LexiconError> {
        let mut added = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            // `@` lines are a calibration overlay's text model (`grams.rs`).
            if line.trim().is_empty() || line.trim_start().starts_with('#') || line.starts_with('@')
            {
                continue;
            }
            let err = |reason: String| LexiconError::Parse {
                path: name.to_path_buf(),
                line: i + 1,
                reason,
            };
            let mut cols = line.split('\t');
            let entry = cols.next().unwrap_or("").trim();
            let score = cols
                .next()
                .ok_or_else(|| err("missing score column".into()))?
                .trim();
            let pos = match cols.next().map(str::trim) {
                None | Some("") => None,
                Some(p) => Some(p.parse::<Pos>().map_err(err)?),
            };
            if entry.is_empty() {
                return Err(err("empty entry".into()));
            }
            let score: f32 = score
                .parse()
                .map_err(|_| err(format!("score '{score}' is not a number")))?;
            if !(-4.0..=4.0).contains(&score) || !score.is_finite() {
                return Err(err(format!("score {score} is outside -4..4")));
            }
            let lemmas: Vec<String> = entry
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase)
                .collect();
            let (first, rest) = lemmas
                .split_first()
                .ok_or_else(|| err("empty entry".into()))?;
            let rest: Vec<Box<str>> = rest.iter().map(|s| Box::from(s.as_str())).collect();
            let list = self.by_first.entry(Box::from(first.as_str())).or_default();
            match list.iter_mut().find(|e| e.rest == rest && e.pos == pos) {
                Some(e) => e.score = score,
                None => {
                    list.push(Entry { rest, score, pos });
                    self.len += 1;
                }
            }
            list.sort_by_key(|e| std::cmp::Reverse(e.rest.len()));
            added += 1;
        }
        Ok(added)
    }

    /// Reads a lexicon file and adds it.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, LexiconError> {
        let text = crate::read_config(path).map_err(|e| LexiconError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        self.add_text(path, &text)
    }

    /// Entries starting with `lemma`, longest first.
    pub fn starting_with(&self, lemma: &str) -> &[Entry] {
        self.by_first.get(lemma).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_overrides() {
        let mut l = Lexicon::default();
        l.add_text(
            Path::new("a.tsv"),
            "# c\ngood\t2\nwaste of money\t-3.5\nlike\t1.5\tVERB\n",
        )
        .unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l.starting_with("waste")[0].rest.len(), 2);
        l.add_text(Path::new("b.tsv"), "good\t1\n").unwrap();
        assert_eq!(l.starting_with("good")[0].score, 1.0);
        let e = l
            .add_text(Path::new("c.tsv"), "ok\n\nbad\t9\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.tsv:1: missing score"), "{e}");
        let e = l
            .add_text(Path::new("c.tsv"), "bad\t9\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.tsv:1") && e.contains("outside"), "{e}");
    }
}
