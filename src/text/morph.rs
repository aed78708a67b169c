//! Shared machinery of the dictionary-based segmenters (Japanese, Korean): loading a
//! lindera dictionary with an optional user dictionary once, per-thread workers that
//! reuse lindera's lattice, and a per-worker cache of word information keyed by
//! dictionary word id, so dictionary details are parsed once per distinct word.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use std::path::PathBuf;
use std::sync::Arc;

use lindera::dictionary::{Dictionary, DictionaryBuilder};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;

use super::stopwords::in_list;
use super::{Lang, TextError};

use super::lattice::{ContextOrder, Lattice, Lex, Mode as SearchMode, PathWord, SearchTables};
use super::segment::{RawToken, UserDictSource, classify_unknown};
use super::token::{Lemma, Pos};

/// What a segmenter needs to know about a dictionary word.
#[derive(Debug, Clone)]
pub(crate) struct WordInfo {
    pub pos: Pos,
    pub tag: &'static str,
    /// Dictionary form. `None` when it is the surface: then the token's lemma is a
    /// copy of its surface. (Cached infos of dictionary words hold that copy here, so
    /// tokens share it.)
    pub lemma: Option<Lemma>,
    /// Whether the details say this is a known (dictionary or user) word.
    pub known: bool,
    /// Whether the word is on the worker's stopword list (by lemma or surface), for a
    /// dictionary word; `None` when not known (an unknown word's surface varies).
    pub stop: Option<bool>,
}

/// A loaded dictionary pair (system + merged user dictionaries) and the tables koe's
/// Viterbi search derives from it. Shared read-only between workers.
pub(crate) struct Morphology {
    /// lindera's segmenter: the dictionaries, with user context ids remapped.
    pub segmenter: Segmenter,
    tables: SearchTables,
}

impl Morphology {
    /// The search tables.
    #[cfg(test)]
    pub(crate) fn tables(&self) -> &SearchTables {
        &self.tables
    }

    /// The system dictionary.
    pub(crate) fn dictionary(&self) -> &Dictionary {
        &self.segmenter.dictionary
    }
}

/// Loads `embedded://{name}` with the user dictionaries and prepares the search.
pub(crate) fn load_morphology(
    name: &str,
    user_dicts: &[UserDictSource],
    mode: SearchMode,
) -> Result<Morphology, TextError> {
    let (mut dictionary, user) = load_dictionaries(name, user_dicts)?;
    // koe's search applies the left-space penalty itself: lindera need not build its
    // own table of it (a pass over every word's details).
    let penalty = Arc::make_mut(&mut dictionary.metadata).space_penalty.take();
    let segmenter = Segmenter::new(Mode::Normal, dictionary, user);
    let tables = SearchTables::new(
        &segmenter.dictionary,
        segmenter.user_dictionary.as_ref(),
        penalty.as_ref(),
        mode,
        ContextOrder {
            text: context_order(name),
        },
    );
    Ok(Morphology { segmenter, tables })
}

/// koe's layout of the dictionary's connection matrix (see [`ContextOrder`]).
fn context_order(name: &str) -> &'static str {
    match name {
        #[cfg(feature = "ja")]
        "ipadic" => include_str!("../../dictionaries/morph/ipadic.order"),
        #[cfg(feature = "ko")]
        "ko-dic" => include_str!("../../dictionaries/morph/ko-dic.order"),
        _ => "",
    }
}

/// lindera's own segmenter over the same dictionaries (the reference koe's search is
/// tested against).
#[cfg(test)]
pub(crate) fn load_segmenter(
    name: &str,
    user_dicts: &[UserDictSource],
) -> Result<Segmenter, TextError> {
    let (dictionary, user) = load_dictionaries(name, user_dicts)?;
    Ok(Segmenter::new(Mode::Normal, dictionary, user))
}

/// Loads `embedded://{name}` and builds the user dictionaries.
fn load_dictionaries(
    name: &str,
    user_dicts: &[UserDictSource],
) -> Result<(Dictionary, Option<lindera::dictionary::UserDictionary>), TextError> {
    let dictionary: Dictionary =
        lindera::dictionary::load_dictionary(&format!("embedded://{name}")).map_err(|e| {
            TextError::Dictionary {
                name: name.to_string(),
                message: e.to_string(),
            }
        })?;
    let build = |csv: &str, path: &str| {
        DictionaryBuilder::new((*dictionary.metadata).clone())
            .build_user_dict_from_reader(csv.as_bytes())
            .map_err(|e| TextError::UserDictionary {
                path: PathBuf::from(path),
                message: e.to_string(),
            })
    };
    let user = match user_dicts {
        [] => None,
        // One source is built once, under its own name.
        [src] => Some(build(&src.csv, &src.name)?),
        _ => {
            // Validate each source on its own, so an error names the file.
            let mut merged = String::new();
            for src in user_dicts {
                build(&src.csv, &src.name)?;
                merged.push_str(&src.csv);
                if !merged.ends_with('\n') {
                    merged.push('\n');
                }
            }
            Some(build(&merged, "<merged user dictionaries>")?)
        }
    };
    Ok((dictionary, user))
}

fn cache_key(lex: Lex, id: u32) -> u64 {
    let kind: u64 = match lex {
        Lex::System => 0,
        Lex::User => 1,
        Lex::Unknown => 2,
    };
    (kind << 32) | id as u64
}

/// The detail fields of a word, padded with "*" to the schema's width (as lindera).
fn details(m: &Morphology, lex: Lex, id: u32) -> Vec<&str> {
    let dict = m.dictionary();
    let id = id as usize;
    let mut out: Vec<&str> = match lex {
        Lex::System => dict.word_details_iter(id).collect(),
        Lex::Unknown => dict.unknown_word_details_iter(id).collect(),
        Lex::User => match &m.segmenter.user_dictionary {
            Some(u) => u.word_details_iter(id).collect(),
            None => vec!["UNK"],
        },
    };
    let width = dict.metadata.dictionary_schema.get_custom_fields().len();
    if out.len() < width {
        out.resize(width, "*");
    }
    out
}

/// One thread's search state plus its word-info cache.
pub(crate) struct MorphWorker {
    morphology: Arc<Morphology>,
    lattice: Lattice,
    words: Vec<PathWord>,
    /// Word-info cache: (lexicon, word id) -> index into `infos`. The map's slots stay
    /// small (16 bytes), so more of it fits in the processor's caches than a map
    /// holding the infos themselves; the infos of frequent words, found first, sit
    /// together at the front of `infos`.
    cache: HashMap<u64, u32>,
    infos: Vec<WordInfo>,
    describe: fn(&[&str]) -> WordInfo,
    is_part: fn(&str, &str) -> bool,
    /// The dictionary's language, and its stopword list.
    lang: Lang,
    stopwords: FxHashSet<&'static str>,
}

impl MorphWorker {
    /// A worker describing words with `describe` and accepting compound parts by their
    /// first two detail fields with `is_part`.
    pub(crate) fn new(
        morphology: &Arc<Morphology>,
        describe: fn(&[&str]) -> WordInfo,
        is_part: fn(&str, &str) -> bool,
        (lang, stopwords): (Lang, FxHashSet<&'static str>),
    ) -> Self {
        MorphWorker {
            morphology: morphology.clone(),
            lattice: Lattice::new(&morphology.tables),
            words: Vec::new(),
            cache: HashMap::default(),
            infos: Vec::new(),
            describe,
            is_part,
            lang,
            stopwords,
        }
    }

    /// The dictionary nouns inside `word` (see [`dictionary_parts`]).
    pub(crate) fn parts(&self, word: &str, whole: bool) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        let dictionary = self.morphology.dictionary();
        dictionary_parts(dictionary, word, whole, self.is_part, &mut out);
        out
    }

    /// The best path through `text` into `self.words`; returns its cost.
    fn search(&mut self, text: &str) -> i64 {
        let m = &*self.morphology;
        self.words.clear();
        self.lattice.segment(
            m.dictionary(),
            m.segmenter.user_dictionary.as_ref(),
            &m.tables,
            text,
            &mut self.words,
        )
    }

    /// Segments `text` (normalized; `base` is its offset in the document) and calls
    /// `emit` with every token (offsets in the document).
    pub(crate) fn segment(&mut self, text: &str, base: usize, mut emit: impl FnMut(RawToken)) {
        if self.infos.len() > 500_000 {
            self.cache.clear();
            self.infos.clear();
        }
        self.search(text);
        let m = &*self.morphology;
        for word in &self.words {
            let key = cache_key(word.lex, word.id);
            let surface = &text[word.start..word.end];
            let at = match self.cache.get(&key) {
                Some(&at) => at as usize,
                None => {
                    let mut info = (self.describe)(&details(m, word.lex, word.id));
                    // A dictionary word's surface is its key, the same wherever it is
                    // found: keep it as the lemma once rather than make one per token.
                    // (An unknown word's surface varies.)
                    if word.lex != Lex::Unknown {
                        if info.lemma.is_none() {
                            info.lemma = Some(Lemma::new(surface));
                        }
                        // Likewise its stopword flag (the text core's test, once).
                        let lemma = info.lemma.as_deref().unwrap_or(surface);
                        info.stop = Some(in_list(&self.stopwords, lemma, surface));
                    }
                    self.infos.push(info);
                    self.cache.insert(key, (self.infos.len() - 1) as u32);
                    self.infos.len() - 1
                }
            };
            let info = &self.infos[at];
            let range = base + word.start..base + word.end;
            if (word.lex == Lex::Unknown || !info.known)
                && let Some(pos) = classify_unknown(surface)
            {
                emit(RawToken::new(range, Lemma::new(surface), pos, info.tag));
                continue;
            }
            let mut t = raw(range, info, surface, self.lang);
            if info.pos == Pos::Sym && surface.chars().all(super::segment::is_punct_char) {
                // IPADIC files ！ and ？ under 記号,一般.
                t.pos = Pos::Punct;
            }
            emit(t);
        }
    }
}

impl MorphWorker {
    /// Implausibility of `text` for the dictionary: the cost of the best path (word
    /// costs plus connection costs, as MeCab scores it), shifted to be non-negative.
    /// Used to choose between mojibake readings.
    pub(crate) fn implausibility(&mut self, text: &str) -> u32 {
        let total = self.search(text);
        (total + (1 << 30)).clamp(0, u32::MAX as i64) as u32
    }
}

/// Converts a segmented token of language `lang` into a raw token; lemma defaults to
/// the surface.
fn raw(range: std::ops::Range<usize>, info: &WordInfo, surface: &str, lang: Lang) -> RawToken {
    let lemma = match &info.lemma {
        Some(l) => l.clone(),
        None => Lemma::new(surface),
    };
    let mut t = RawToken::new(range, lemma, info.pos, info.tag);
    t.stop = info.stop.map(|s| (lang, s));
    t
}

/// Dictionary words of at least two characters inside `word` whose first two detail
/// fields `is_part` accepts: the parts of a compound (露天風呂 → 露天, 風呂; 연기력 →
/// 연기), for search by part. `word` itself counts only when `whole` (a conjugated
/// surface that is also a noun: 感じ of 感じた). Appends to `out` without repeats.
fn dictionary_parts(
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
