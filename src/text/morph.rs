//! Shared machinery of the dictionary-based segmenters (Japanese, Korean): loading a
//! lindera dictionary with an optional user dictionary once, per-thread workers that
//! reuse lindera's lattice, and a per-worker cache of word information keyed by
//! dictionary word id, so dictionary details are parsed once per distinct word.

use super::fxhash::FxHashMap as HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use lindera::dictionary::{Dictionary, DictionaryBuilder, WordId};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::worker::SegmentWorker;

use super::TextError;
use super::segment::{RawToken, UserDictSource, classify_unknown};
use super::token::Pos;

/// What a segmenter needs to know about a dictionary word.
#[derive(Debug, Clone)]
pub(crate) struct WordInfo {
    pub pos: Pos,
    pub tag: &'static str,
    /// Dictionary form, or `None` when it equals the surface.
    pub lemma: Option<Arc<str>>,
    /// Whether the details say this is a known (dictionary or user) word.
    pub known: bool,
}

/// Loads `embedded://{name}` and builds a lindera segmenter with the user dictionaries.
pub(crate) fn load_segmenter(
    name: &str,
    user_dicts: &[UserDictSource],
) -> Result<Segmenter, TextError> {
    let dictionary: Dictionary =
        lindera::dictionary::load_dictionary(&format!("embedded://{name}")).map_err(|e| {
            TextError::Dictionary {
                name: name.to_string(),
                message: e.to_string(),
            }
        })?;
    let user = if user_dicts.is_empty() {
        None
    } else {
        // Validate each source on its own, so an error names the file.
        for src in user_dicts {
            DictionaryBuilder::new((*dictionary.metadata).clone())
                .build_user_dict_from_reader(src.csv.as_bytes())
                .map_err(|e| TextError::UserDictionary {
                    path: PathBuf::from(&src.name),
                    message: e.to_string(),
                })?;
        }
        let mut merged = String::new();
        for src in user_dicts {
            merged.push_str(&src.csv);
            if !merged.ends_with('\n') {
                merged.push('\n');
            }
        }
        Some(
            DictionaryBuilder::new((*dictionary.metadata).clone())
                .build_user_dict_from_reader(merged.as_bytes())
                .map_err(|e| TextError::UserDictionary {
                    path: PathBuf::from("<merged user dictionaries>"),
                    message: e.to_string(),
                })?,
        )
    };
    Ok(Segmenter::new(Mode::Normal, dictionary, user))
}

fn cache_key(id: &WordId) -> u64 {
    let kind: u64 = if id.is_unknown() {
        2
    } else if id.is_system() {
        0
    } else {
        1
    };
    (kind << 32) | id.id() as u64
}

/// One thread's lindera worker plus its word-info cache.
pub(crate) struct MorphWorker {
    worker: SegmentWorker,
    cache: HashMap<u64, WordInfo>,
    describe: fn(&[&str]) -> WordInfo,
    /// Emit unknown ASCII punctuation runs char by char too (mecab-ko does; MeCab with
    /// IPADIC groups "..." but splits full-width runs such as "！！" and "）、").
    split_punct_runs: bool,
}

impl MorphWorker {
    pub(crate) fn new(
        segmenter: &Segmenter,
        describe: fn(&[&str]) -> WordInfo,
        split_punct_runs: bool,
    ) -> Self {
        MorphWorker {
            worker: segmenter.new_worker(),
            cache: HashMap::default(),
            describe,
            split_punct_runs,
        }
    }

    /// Segments `text` (normalized; `base` is its offset in the document) and calls
    /// `emit` with (document range, word info, surface) for every token.
    pub(crate) fn segment(
        &mut self,
        text: &str,
        base: usize,
        mut emit: impl FnMut(std::ops::Range<usize>, &WordInfo, &str),
    ) -> Result<(), TextError> {
        if self.cache.len() > 500_000 {
            self.cache.clear();
        }
        let mut tokens = self
            .worker
            .segment(text)
            .map_err(|e| TextError::Segmentation(e.to_string()))?;
        for token in tokens.iter_mut() {
            let key = cache_key(&token.word_id);
            if !self.cache.contains_key(&key) {
                let details: Vec<&str> = token.details();
                let info = (self.describe)(&details);
                self.cache.insert(key, info);
            }
            let Some(info) = self.cache.get(&key) else {
                continue;
            };
            let surface: &str = &token.surface;
            let range = base + token.byte_start..base + token.byte_end;
            if token.word_id.is_unknown() || !info.known {
                // Runs of punctuation ("..", "?!") are one unknown word for lindera but
                // separate symbols for MeCab: emit them one by one.
                let split = surface.chars().count() > 1
                    && surface.chars().all(super::segment::is_symbol_char)
                    && (self.split_punct_runs || !surface.is_ascii());
                if split {
                    let mut at = range.start;
                    for c in surface.chars() {
                        let end = at + c.len_utf8();
                        let pos = if super::segment::is_punct_char(c) {
                            Pos::Punct
                        } else {
                            Pos::Sym
                        };
                        let fixed = WordInfo {
                            pos,
                            tag: info.tag,
                            lemma: None,
                            known: false,
                        };
                        let mut buf = [0u8; 4];
                        emit(at..end, &fixed, c.encode_utf8(&mut buf));
                        at = end;
                    }
                    continue;
                }
                if let Some(pos) = classify_unknown(surface) {
                    let fixed = WordInfo {
                        pos,
                        tag: info.tag,
                        lemma: None,
                        known: false,
                    };
                    emit(range, &fixed, surface);
                    continue;
                }
            }
            if info.pos == Pos::Sym && surface.chars().all(super::segment::is_punct_char) {
                // IPADIC files ！ and ？ under 記号,一般.
                let fixed = WordInfo {
                    pos: Pos::Punct,
                    ..info.clone()
                };
                emit(range, &fixed, surface);
                continue;
            }
            emit(range, info, surface);
        }
        Ok(())
    }
}

impl MorphWorker {
    /// Implausibility of `text` for the dictionary: the cost of lindera's best path
    /// (word costs plus connection costs, as MeCab scores it), shifted to be
    /// non-negative. Used to choose between mojibake readings.
    pub(crate) fn implausibility(&mut self, text: &str) -> u32 {
        let Ok(tokens) = self.worker.segment(text) else {
            return u32::MAX;
        };
        let mut total: i64 = 0;
        let mut prev_right: u32 = 0; // BOS
        for t in tokens.iter() {
            let dict = t.dictionary;
            let entry = if t.word_id.is_unknown() {
                Some(dict.unknown_dictionary.word_entry(t.word_id.id()))
            } else if t.word_id.is_system() {
                dict.prefix_dictionary
                    .find_surface_iter(&t.surface)
                    .find(|e| e.word_id() == t.word_id)
            } else {
                None
            };
            let (cost, left, right) = match entry {
                Some(e) => (e.word_cost() as i64, e.left_id(), e.right_id()),
                None => (0, 0, 0),
            };
            total += cost + dict.connection_cost_matrix.cost(prev_right, left) as i64;
            prev_right = right;
        }
        if let Some(t) = tokens.first() {
            total += t.dictionary.connection_cost_matrix.cost(prev_right, 0) as i64;
        }
        (total + (1 << 30)).clamp(0, u32::MAX as i64) as u32
    }
}

/// Converts a segmented token into a raw token; lemma defaults to the surface.
pub(crate) fn raw(range: std::ops::Range<usize>, info: &WordInfo, surface: &str) -> RawToken {
    let lemma = match &info.lemma {
        Some(l) => l.clone(),
        None => Arc::from(surface),
    };
    RawToken::new(range, lemma, info.pos, info.tag)
}

/// Dictionary words of at least two characters inside `word` whose first two detail
/// fields `is_part` accepts: the parts of a compound (露天風呂 → 露天, 風呂; 연기력 →
/// 연기), for search by part. `word` itself counts only when `whole` (a conjugated
/// surface that is also a noun: 感じ of 感じた). Appends to `out` without repeats.
pub(crate) fn dictionary_parts(
    dictionary: &Dictionary,
    word: &str,
    whole: bool,
    is_part: fn(&str, &str) -> bool,
    out: &mut Vec<Arc<str>>,
) {
    for (start, _) in word.char_indices() {
        let rest = &word[start..];
        for (end, entry) in dictionary.prefix_dictionary.prefix(rest) {
            let part = &rest[..end];
            if part.chars().nth(1).is_none() || (!whole && part.len() == word.len()) {
                continue;
            }
            let mut details = dictionary.word_details_iter(entry.word_id().id() as usize);
            let p0 = details.next().unwrap_or("");
            let p1 = details.next().unwrap_or("");
            if is_part(p0, p1) && !out.iter().any(|o| &**o == part) {
                out.push(Arc::from(part));
            }
        }
    }
}
