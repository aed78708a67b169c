//! The text core: normalization with an offset map, mojibake repair, language and
//! sentence detection, and tokenization with lemma and part of speech for Japanese,
//! Korean and English.
//!
//! ```no_run
//! use koe::text::{TextProcessor, LangHint};
//!
//! let processor = TextProcessor::builder().build()?;     // loads dictionaries once
//! let mut worker = processor.new_worker();                // one per thread
//! let text = "対応が遅くて解約しました。";
//! let analysis = worker.analyze(text, LangHint::Auto);
//! for token in &analysis.tokens {
//!     println!("{} {} {}", &text[token.span.clone()], token.lemma, token.pos);
//! }
//! # Ok::<(), koe::text::TextError>(())
//! ```
//!
//! Invariants: every `span` is a byte range of the ORIGINAL text on char boundaries;
//! analysis never fails on a text (segmenter errors degrade to the fallback
//! segmenter); dictionaries load once per [`TextProcessor`].

mod emoticon;
mod english;
#[cfg(feature = "ja")]
mod japanese;
#[cfg(feature = "ko")]
mod korean;
pub mod lang;
#[cfg(any(feature = "ja", feature = "ko"))]
mod lattice;
pub mod mojibake;
#[cfg(any(feature = "ja", feature = "ko"))]
mod morph;
pub mod normalize;
mod segment;
mod sentence;
pub mod snippet;
mod stopwords;
mod tags;
mod terms;
pub mod token;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

pub use english::EnglishSegmenter;
#[cfg(feature = "ja")]
pub use japanese::JapaneseSegmenter;
#[cfg(feature = "ko")]
pub use korean::KoreanSegmenter;
pub use lang::Lang;
pub use mojibake::MojibakeStatus;
pub use normalize::Normalized;
pub use terms::{SearchTerm, search_terms};
pub use token::{Lemma, Pos, Token};

use lang::{Script, script_of};
use segment::{RawToken, UserDictSource};
use stopwords::Stopwords;

/// Errors of the text core: only set-up can fail (dictionaries), never analysis.
#[derive(Debug, Error)]
pub enum TextError {
    /// A system dictionary could not be loaded.
    #[error("cannot load the {name} dictionary: {message}")]
    Dictionary {
        /// Dictionary name (ipadic, ko-dic).
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A user dictionary file is malformed or unreadable.
    #[error("user dictionary {path}: {message}")]
    UserDictionary {
        /// The file.
        path: PathBuf,
        /// What went wrong (lindera's message names the row).
        message: String,
    },
    /// A user dictionary was given for a language this build does not analyse.
    #[error(
        "cannot use a user dictionary for '{0}': this build has no morphological analyser for it (enable the cargo feature)"
    )]
    UnsupportedLanguage(Lang),
}

/// How to choose the language of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LangHint {
    /// Detect per text and per sentence.
    #[default]
    Auto,
    /// Treat everything as this language.
    Fixed(Lang),
}

impl std::str::FromStr for LangHint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(LangHint::Auto)
        } else {
            s.parse().map(LangHint::Fixed)
        }
    }
}

/// One sentence of an analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Byte range in the original text.
    pub span: Range<usize>,
    /// Byte range in the normalized text.
    pub norm: Range<usize>,
    /// Language of the sentence.
    pub lang: Lang,
    /// Indices of the sentence's tokens in [`TextAnalysis::tokens`].
    pub tokens: Range<usize>,
}

/// Everything the text core knows about one text.
#[derive(Debug, Clone, Default)]
pub struct TextAnalysis {
    /// Language of the text as a whole.
    pub lang: Lang,
    /// Mojibake status.
    pub mojibake: MojibakeStatus,
    /// What a repair undid (`utf-8 read as windows-1252`, ...), when repaired.
    pub repair: Option<&'static str>,
    /// The whole text after repair (before normalization), when it was repaired.
    pub repaired: Option<String>,
    /// The normalized text (after any repair) the tokens' `norm` ranges point into.
    pub normalized: String,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
    /// Tokens in order.
    pub tokens: Vec<Token>,
}

/// Byte equality that turns most unequal pairs away on their length and last byte
/// before comparing the bytes (a call into `memcmp`): lexicon and taxonomy words are
/// compared with many tokens, mostly unequal, often of the same length (a kana or
/// hangul syllable is 3 bytes).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// One bit per char of the Basic Multilingual Plane (8 KB): a per-char class that
/// text alternating scripts reads without taking a branch per script.
pub(crate) type BmpBits = [u8; 8192];

/// Whether `c`'s bit is set in `bits` (false outside the BMP).
#[inline]
pub(crate) fn in_bmp_bits(bits: &BmpBits, c: char) -> bool {
    let u = c as u32 as usize;
    bits.get(u >> 3)
        .is_some_and(|byte| byte >> (u & 7) & 1 == 1)
}

/// [`char::is_alphabetic`], answered without Unicode tables for ASCII, kana, the
/// common kanji and hangul syllables (std looks non-ASCII chars up in a table).
#[inline]
pub(crate) fn is_alphabetic(c: char) -> bool {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A => true,
        0..=0x7F => false,
        0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x4E00..=0x9FFF => true,
        0xAC00..=0xD7A3 => true,
        _ => c.is_alphabetic(),
    }
}

/// [`char::is_alphanumeric`] with the fast paths of [`is_alphabetic`].
#[inline]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_alphabetic(c) || c.is_numeric()
    }
}

/// Whether `needle` occurs in `hay`: for short strings such as part-of-speech tags,
/// where a plain scan is cheaper than setting up `str::contains`'s searcher.
#[inline]
pub(crate) fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    let n = needle.len();
    let (Some(&first), Some(&last)) = (needle.first(), needle.last()) else {
        return true;
    };
    // The first and last bytes before the whole window (a call into `memcmp`).
    hay.windows(n)
        .any(|w| w[0] == first && w[n - 1] == last && w == needle)
}

impl TextAnalysis {
    /// The token's normalized form.
    pub fn norm<'a>(&'a self, token: &Token) -> &'a str {
        self.normalized.get(token.norm.clone()).unwrap_or("")
    }

    /// The token's normalized form as bytes (no char-boundary checks).
    pub(crate) fn norm_bytes<'a>(&'a self, token: &Token) -> &'a [u8] {
        self.normalized
            .as_bytes()
            .get(token.norm.clone())
            .unwrap_or(&[])
    }

    /// The tokens of a sentence.
    pub fn sentence_tokens(&self, sentence: &Sentence) -> &[Token] {
        self.tokens.get(sentence.tokens.clone()).unwrap_or(&[])
    }
}

/// Texts longer than this are analysed in chunks cut at line or sentence ends, so
/// memory stays bounded and time linear for any input size.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Builder of a [`TextProcessor`].
#[derive(Debug, Clone)]
pub struct TextProcessorBuilder {
    builtin_user_dicts: bool,
    user_dicts: Vec<(Lang, PathBuf)>,
}

impl Default for TextProcessorBuilder {
    fn default() -> Self {
        TextProcessorBuilder {
            builtin_user_dicts: true,
            user_dicts: Vec::new(),
        }
    }
}

impl TextProcessorBuilder {
    /// Whether to load koe's own user dictionaries (`dictionaries/user/`, on by default).
    pub fn builtin_user_dicts(mut self, on: bool) -> Self {
        self.builtin_user_dicts = on;
        self
    }

    /// Adds a user dictionary (lindera user-dictionary CSV) for `lang` (ja or ko).
    pub fn user_dict(mut self, lang: Lang, path: impl AsRef<Path>) -> Self {
        self.user_dicts.push((lang, path.as_ref().to_path_buf()));
        self
    }

    /// Loads the dictionaries. Expensive: do it once per process.
    pub fn build(self) -> Result<TextProcessor, TextError> {
        let mut ja_dicts: Vec<UserDictSource> = Vec::new();
        let mut ko_dicts: Vec<UserDictSource> = Vec::new();
        if self.builtin_user_dicts {
            ja_dicts.push(UserDictSource {
                name: "dictionaries/user/ja.csv".into(),
                csv: BUILTIN_JA_USER.into(),
            });
            ko_dicts.push(UserDictSource {
                name: "dictionaries/user/ko.csv".into(),
                csv: BUILTIN_KO_USER.into(),
            });
        }
        for (lang, path) in &self.user_dicts {
            let supported = (*lang == Lang::Ja && cfg!(feature = "ja"))
                || (*lang == Lang::Ko && cfg!(feature = "ko"));
            if !supported {
                return Err(TextError::UnsupportedLanguage(*lang));
            }
            let csv = crate::read_config(path).map_err(|e| TextError::UserDictionary {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let source = UserDictSource {
                name: path.display().to_string(),
                csv,
            };
            if *lang == Lang::Ja {
                ja_dicts.push(source)
            } else {
                ko_dicts.push(source)
            }
        }
        let _ = (&ja_dicts, &ko_dicts);
        // Side by side: laying out ko-dic's 29 MB connection matrix is most of start-up.
        #[cfg(all(feature = "ja", feature = "ko"))]
        let (ja, ko) = {
            let (ja, ko) = rayon::join(
                || JapaneseSegmenter::new(&ja_dicts),
                || KoreanSegmenter::new(&ko_dicts),
            );
            (ja?, ko?)
        };
        #[cfg(all(feature = "ja", not(feature = "ko")))]
        let ja = JapaneseSegmenter::new(&ja_dicts)?;
        #[cfg(all(feature = "ko", not(feature = "ja")))]
        let ko = KoreanSegmenter::new(&ko_dicts)?;
        Ok(TextProcessor {
            inner: Arc::new(Inner {
                #[cfg(feature = "ja")]
                ja,
                #[cfg(feature = "ko")]
                ko,
                stopwords: Stopwords::builtin(),
            }),
        })
    }
}

/// koe's user dictionary for Japanese (IPADIC format), embedded at build time.
pub const BUILTIN_JA_USER: &str = include_str!("../../dictionaries/user/ja.csv");
/// koe's user dictionary for Korean (ko-dic format), embedded at build time.
pub const BUILTIN_KO_USER: &str = include_str!("../../dictionaries/user/ko.csv");

struct Inner {
    #[cfg(feature = "ja")]
    ja: JapaneseSegmenter,
    #[cfg(feature = "ko")]
    ko: KoreanSegmenter,
    stopwords: Stopwords,
}

/// The text core, loaded once and shared (cheap to clone).
#[derive(Clone)]
pub struct TextProcessor {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TextProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextProcessor").finish_non_exhaustive()
    }
}

impl TextProcessor {
    /// A builder with the defaults (built-in user dictionaries on).
    pub fn builder() -> TextProcessorBuilder {
        TextProcessorBuilder::default()
    }

    /// A per-thread worker holding the segmenters' scratch space.
    pub fn new_worker(&self) -> TextWorker {
        TextWorker {
            inner: self.inner.clone(),
            #[cfg(feature = "ja")]
            ja: self
                .inner
                .ja
                .new_worker(self.inner.stopwords.set(Lang::Ja).clone()),
            #[cfg(feature = "ko")]
            ko: self
                .inner
                .ko
                .new_worker(self.inner.stopwords.set(Lang::Ko).clone()),
            en: EnglishSegmenter::with_stopwords(self.inner.stopwords.set(Lang::En).clone()),
            raw: Vec::new(),
            parts: Default::default(),
        }
    }
}

/// Per-thread analysis state; create with [`TextProcessor::new_worker`].
pub struct TextWorker {
    inner: Arc<Inner>,
    #[cfg(feature = "ja")]
    ja: japanese::JapaneseWorker,
    #[cfg(feature = "ko")]
    ko: korean::KoreanWorker,
    en: EnglishSegmenter,
    raw: Vec<RawToken>,
    parts: rustc_hash::FxHashMap<(Lang, Box<str>), PartList>,
}

/// The compound parts of one word.
type PartList = Arc<[Arc<str>]>;

impl TextWorker {
    /// Analyses one text: repair, normalize, detect language, split sentences, tokenize.
    /// Long texts are processed in chunks and merged.
    pub fn analyze(&mut self, text: &str, hint: LangHint) -> TextAnalysis {
        if text.len() <= CHUNK_BYTES {
            return self.analyze_chunk(text, 0, hint);
        }
        let mut merged = TextAnalysis::default();
        let mut repaired = false;
        let mut suspect = false;
        let mut repaired_text = String::new();
        let mut start = 0;
        while start < text.len() {
            let end = chunk_end(text, start);
            let part = self.analyze_chunk(&text[start..end], start, hint);
            repaired_text.push_str(part.repaired.as_deref().unwrap_or(&text[start..end]));
            start = end;

            let norm_shift = merged.normalized.len();
            let tok_shift = merged.tokens.len();
            if !merged.normalized.is_empty() {
                merged.normalized.push('\n');
            }
            let norm_shift = norm_shift + usize::from(norm_shift > 0);
            merged.normalized.push_str(&part.normalized);
            for mut s in part.sentences {
                s.norm = s.norm.start + norm_shift..s.norm.end + norm_shift;
                s.tokens = s.tokens.start + tok_shift..s.tokens.end + tok_shift;
                merged.sentences.push(s);
            }
            for mut t in part.tokens {
                t.norm = t.norm.start + norm_shift..t.norm.end + norm_shift;
                merged.tokens.push(t);
            }
            repaired |= part.mojibake == MojibakeStatus::Repaired;
            suspect |= part.mojibake == MojibakeStatus::Suspect;
            if merged.repair.is_none() {
                merged.repair = part.repair;
            }
        }
        if repaired {
            merged.repaired = Some(repaired_text);
        }
        merged.mojibake = if repaired {
            MojibakeStatus::Repaired
        } else if suspect {
            MojibakeStatus::Suspect
        } else {
            MojibakeStatus::Clean
        };
        merged.lang = match hint {
            LangHint::Fixed(l) => l,
            LangHint::Auto => lang::detect(&merged.normalized),
        };
        merged
    }

    /// Analyses a text of any size chunk by chunk, calling `f` with each chunk's
    /// analysis. Spans are relative to the whole `text`; `norm` ranges to the chunk's
    /// own `normalized`. Memory stays bounded by [`CHUNK_BYTES`].
    pub fn analyze_chunked(&mut self, text: &str, hint: LangHint, mut f: impl FnMut(TextAnalysis)) {
        let mut start = 0;
        while start < text.len() {
            let end = chunk_end(text, start);
            let part = self.analyze_chunk(&text[start..end], start, hint);
            f(part);
            start = end;
        }
    }

    /// The byte ranges [`TextWorker::analyze_chunked`] cuts `text` into.
    pub fn chunk_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let end = chunk_end(text, start);
            out.push(start..end);
            start = end;
        }
        out
    }

    /// Analyses one chunk of `text` (a range from [`TextWorker::chunk_ranges`]): spans
    /// relative to the whole `text`, `norm` ranges to the chunk's own `normalized`.
    pub fn analyze_range(
        &mut self,
        text: &str,
        range: std::ops::Range<usize>,
        hint: LangHint,
    ) -> TextAnalysis {
        self.analyze_chunk(&text[range.clone()], range.start, hint)
    }

    /// The dictionary nouns inside the Japanese and Korean content words of `a`, for
    /// search by part: compound parts (露天風呂 → 露天, 風呂; 연기력 → 연기; 재미있다 →
    /// 재미) and a conjugated surface that is itself a noun (感じ of 感じた). Each
    /// once, lemmas of `a` excluded.
    pub fn compound_parts(&mut self, a: &TextAnalysis) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = Vec::new();
        for s in &a.sentences {
            if !matches!(s.lang, Lang::Ja | Lang::Ko) {
                continue;
            }
            for t in a.sentence_tokens(s) {
                if !matches!(t.pos, Pos::Noun | Pos::Verb | Pos::Adj) {
                    continue;
                }
                let norm = a.norm(t);
                let whole = *t.lemma != *norm;
                let chars = norm.chars().count();
                if chars < 2 || (!whole && chars < 3) {
                    continue;
                }
                let key = (s.lang, Box::<str>::from(norm));
                let found = match self.parts.get(&key) {
                    Some(p) => p.clone(),
                    None => {
                        let p: Vec<Arc<str>> = match s.lang {
                            #[cfg(feature = "ja")]
                            Lang::Ja => self.ja.parts(norm, whole),
                            #[cfg(feature = "ko")]
                            Lang::Ko => self.ko.parts(norm, whole),
                            _ => Vec::new(),
                        };
                        let p: PartList = p.into();
                        if self.parts.len() > 200_000 {
                            self.parts.clear();
                        }
                        self.parts.insert(key, p.clone());
                        p
                    }
                };
                for p in found.iter() {
                    if **p != *t.lemma && !out.contains(p) {
                        out.push(p.clone());
                    }
                }
            }
        }
        out
    }

    fn analyze_chunk(&mut self, text: &str, offset: usize, hint: LangHint) -> TextAnalysis {
        #[cfg(feature = "ja")]
        let check = {
            let ja = &mut self.ja;
            let mut scorer = |w: &str| ja.implausibility(w);
            mojibake::check_with(text, Some(&mut scorer))
        };
        #[cfg(not(feature = "ja"))]
        let check = mojibake::check(text);
        let (normalized, repair_kind) = match &check.repair {
            Some(r) => (normalize::normalize(&r.text, Some(&r.map)), Some(r.kind)),
            None => (normalize::normalize(text, None), None),
        };
        let norm = &normalized.text;
        let emoticons = emoticon::find(norm);
        let counts = lang::ScriptCounts::of(norm);
        let text_lang = match hint {
            LangHint::Fixed(l) => l,
            LangHint::Auto => lang::detect_counts(norm, &counts),
        };
        // Sentences need their own detection only when scripts are mixed.
        let mixed = counts.is_mixed();
        // A sentence of the language of the text's only script family is one run.
        let cjk_only = counts.cjk_only();
        let ranges = sentence::split(norm, &emoticons);
        let langs: Vec<Lang> = ranges
            .iter()
            .map(|range| match hint {
                LangHint::Fixed(l) => l,
                LangHint::Auto if !mixed => text_lang,
                LangHint::Auto => {
                    let l = lang::detect(&norm[range.clone()]);
                    if l == Lang::Other
                        && text_lang != Lang::Other
                        && !norm[range.clone()].chars().any(char::is_alphabetic)
                    {
                        text_lang
                    } else {
                        l
                    }
                }
            })
            .collect();
        // The original is only needed to restore full-width characters for IPADIC.
        // (A memchr for the lead byte first: most texts have none.)
        let has_fullwidth = text.as_bytes().contains(&0xEF)
            && text
                .as_bytes()
                .windows(2)
                .any(|w| w[0] == 0xEF && (w[1] == 0xBC || w[1] == 0xBD));
        let original = (check.repair.is_none() && has_fullwidth).then_some(text);
        // Consecutive sentences of one language are segmented in one call, as MeCab
        // would see the line: a sentence start is no reason to lose the left context.
        self.raw.clear();
        let mut i = 0;
        while i < ranges.len() {
            let mut j = i;
            while j + 1 < ranges.len() && langs[j + 1] == langs[i] {
                j += 1;
            }
            for (piece, is_emoticon) in
                segment::around_emoticons(ranges[i].start..ranges[j].end, &emoticons)
            {
                if is_emoticon {
                    self.raw.push(RawToken::new(
                        piece.clone(),
                        Lemma::new(&norm[piece]),
                        Pos::Sym,
                        "emoticon",
                    ));
                } else {
                    self.segment_piece(&normalized, original, piece, langs[i], cjk_only);
                }
            }
            i = j + 1;
        }
        let stop = &self.inner.stopwords;
        let mut sentences = Vec::with_capacity(ranges.len());
        let mut tokens = Vec::with_capacity(self.raw.len());
        // Tokens and sentences come in text order: map each kind with its own cursor.
        // A sentence is closed when the first token past its end arrives (a plain
        // loop over the drain: a peekable one kept the peeked token in memory and
        // stalled on re-reading its unaligned copy).
        let (mut token_cursor, mut sentence_cursor) = (0, 0);
        let mut sentence_ranges = ranges.into_iter().zip(langs);
        let mut current = sentence_ranges.next();
        let mut first_token = 0;
        let close = |sentences: &mut Vec<Sentence>,
                     (range, slang): (Range<usize>, Lang),
                     tokens: Range<usize>,
                     cursor: &mut usize| {
            let span = normalized.to_original_after(range.clone(), cursor);
            sentences.push(Sentence {
                span: span.start + offset..span.end + offset,
                norm: range,
                lang: slang,
                tokens,
            });
        };
        for r in self.raw.drain(..) {
            let slang = loop {
                match current {
                    Some((ref range, slang)) if r.norm.start < range.end => break Some(slang),
                    Some(done) => {
                        close(
                            &mut sentences,
                            done,
                            first_token..tokens.len(),
                            &mut sentence_cursor,
                        );
                        first_token = tokens.len();
                        current = sentence_ranges.next();
                    }
                    None => break None,
                }
            };
            // Past the last sentence (no segmenter emits such a token): dropped.
            let Some(slang) = slang else { break };
            let span = normalized.to_original_after(r.norm.clone(), &mut token_cursor);
            let surface_norm = &norm[r.norm.clone()];
            // The segmenters flag their cached words once: the same lookup,
            // valid when the sentence is of the segmenter's language.
            let is_stop = match r.stop {
                Some((lang, s)) if lang == slang => s,
                _ => stop.contains(slang, &r.lemma, surface_norm),
            };
            tokens.push(Token {
                span: span.start + offset..span.end + offset,
                stop: !r.negator && is_stop,
                norm: r.norm,
                lemma: r.lemma,
                pos: r.pos,
                tag: r.tag,
                negator: r.negator,
            });
        }
        while let Some(done) = current {
            close(
                &mut sentences,
                done,
                first_token..tokens.len(),
                &mut sentence_cursor,
            );
            first_token = tokens.len();
            current = sentence_ranges.next();
        }
        TextAnalysis {
            lang: text_lang,
            mojibake: check.status,
            repair: repair_kind,
            repaired: check.repair.map(|r| r.text),
            normalized: normalized.text,
            sentences,
            tokens,
        }
    }

    fn segment_piece(
        &mut self,
        normalized: &Normalized,
        original: Option<&str>,
        piece: Range<usize>,
        lang: Lang,
        cjk_only: Option<Lang>,
    ) {
        // Runs of another script go to that language's segmenter: "login" inside
        // Japanese is stemmed as English, "新宿" inside English is analysed as Japanese.
        // ASCII is Latin and neutral only: one run in the sentence language.
        // A text whose letters are all kana and kanji (or all hangul) has no other
        // script to split off when the sentence is Japanese (Korean).
        let text = &normalized.text[piece.clone()];
        if text.is_ascii() || cjk_only == Some(lang) {
            if !text.is_empty() {
                self.segment_part(normalized, original, piece, lang);
            }
            return;
        }
        for (part, part_lang) in script_runs(text, piece.start, lang) {
            self.segment_part(normalized, original, part, part_lang);
        }
    }

    fn segment_part(
        &mut self,
        normalized: &Normalized,
        original: Option<&str>,
        piece: Range<usize>,
        lang: Lang,
    ) {
        #[cfg(not(feature = "ja"))]
        let _ = original;
        let text = &normalized.text[piece.clone()];
        let before = self.raw.len();
        match lang {
            #[cfg(feature = "ja")]
            Lang::Ja => match original.and_then(|o| fullwidth_view(normalized, o, piece.clone())) {
                // IPADIC knows full-width numbers, letters and symbols (４月, ３つ, ！):
                // let it see them as written, then map offsets back and fold the lemmas.
                Some((view, map)) => {
                    self.ja.segment(&view, 0, &mut self.raw);
                    for t in &mut self.raw[before..] {
                        t.norm = map[t.norm.start]..map[t.norm.end];
                        if t.lemma.chars().any(is_fullwidth_alnum) {
                            let folded: String = t.lemma.chars().map(fold_fullwidth).collect();
                            t.lemma = Lemma::from(folded);
                        }
                    }
                }
                None => self.ja.segment(text, piece.start, &mut self.raw),
            },
            #[cfg(feature = "ko")]
            Lang::Ko => self.ko.segment(text, piece.start, &mut self.raw),
            Lang::En => self.en.segment(text, piece.start, &[], true, &mut self.raw),
            _ => self
                .en
                .segment(text, piece.start, &[], false, &mut self.raw),
        }
        if matches!(lang, Lang::Ja | Lang::Ko) {
            // Latin words inside Japanese or Korean keep the dictionary's boundaries
            // (as MeCab would cut them) but get English lemmas: "refunds" → refund.
            for t in &mut self.raw[before..] {
                let word = &normalized.text[t.norm.clone()];
                if word.len() >= 2 && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'\'') {
                    let (lemma, pos, negator) = self.en.describe_word(word);
                    t.lemma = lemma;
                    t.pos = pos;
                    t.negator = negator;
                    t.tag = "en:word";
                }
            }
        }
    }
}

#[cfg_attr(not(feature = "ja"), allow(dead_code))]
fn is_fullwidth_alnum(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}')
}

#[cfg_attr(not(feature = "ja"), allow(dead_code))]
fn fold_fullwidth(c: char) -> char {
    if is_fullwidth_alnum(c) {
        char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
    } else {
        c
    }
}

/// The normalized `piece` with ASCII letters and digits that were full-width in the
/// original put back to full width, plus a map from its bytes to normalized offsets
/// (one entry per byte, and one for the end). `None` when nothing was full-width.
#[cfg_attr(not(feature = "ja"), allow(dead_code))]
fn fullwidth_view(
    normalized: &Normalized,
    original: &str,
    piece: Range<usize>,
) -> Option<(String, Vec<usize>)> {
    let text = &normalized.text[piece.clone()];
    if !text
        .bytes()
        .any(|b| b.is_ascii_graphic() && !b.is_ascii_alphabetic())
    {
        return None;
    }
    let mut view = String::with_capacity(text.len() + 16);
    let mut map = Vec::with_capacity(text.len() + 17);
    let mut changed = false;
    for (i, c) in text.char_indices() {
        let at = piece.start + i;
        let mut out = c;
        // Letters stay ASCII: lindera groups them like MeCab groups full-width ones.
        if c.is_ascii_graphic() && !c.is_ascii_alphabetic() {
            let orig = normalized.to_original(at..at + 1);
            // The original char, when the unit is one full-width char (or a collapsed run of it).
            if let Some(oc) = original.get(orig).and_then(|s| {
                let first = s.chars().next()?;
                (is_fullwidth_alnum(first) && s.chars().all(|x| x == first)).then_some(first)
            }) {
                out = oc;
                changed = true;
            }
        }
        for _ in 0..out.len_utf8() {
            map.push(at);
        }
        view.push(out);
    }
    map.push(piece.end);
    changed.then_some((view, map))
}

/// Splits a sentence of language `lang` into runs to be segmented as one language
/// each. Offsets are shifted by `base`. Latin words need two letters to leave a
/// Japanese or Korean sentence (so "3G" or "A社" stay); digits, spaces and
/// punctuation stay with the run they are in.
fn script_runs(text: &str, base: usize, lang: Lang) -> Vec<(Range<usize>, Lang)> {
    let run_lang = |script: Script| -> Lang {
        match (script, lang) {
            (Script::Neutral, l) => l,
            (Script::Latin, l) => l,
            (Script::Kana, _) => Lang::Ja,
            (Script::Han, Lang::Ko) => Lang::Ko,
            (Script::Han, Lang::Other) => Lang::Other,
            (Script::Han, _) => Lang::Ja,
            (Script::Hangul, _) => Lang::Ko,
        }
    };
    let mut runs: Vec<(Range<usize>, Lang, usize)> = Vec::new(); // (range, lang, letters)
    for (i, c) in text.char_indices() {
        let script = script_of(c);
        let l = run_lang(script);
        let end = i + c.len_utf8();
        match runs.last_mut() {
            Some(last) if script == Script::Neutral || last.1 == l => {
                last.0.end = end;
                if script != Script::Neutral {
                    last.2 += 1;
                }
            }
            _ => runs.push((i..end, l, usize::from(script != Script::Neutral))),
        }
    }
    // Short Latin runs inside CJK go back to the sentence language; merge neighbours.
    let mut out: Vec<(Range<usize>, Lang)> = Vec::with_capacity(runs.len());
    for (r, mut l, letters) in runs {
        if l == Lang::En && lang != Lang::En && letters < 2 {
            l = lang;
        }
        match out.last_mut() {
            Some(last) if last.1 == l => last.0.end = r.end,
            _ => out.push((r, l)),
        }
    }
    out.into_iter()
        .map(|(r, l)| (r.start + base..r.end + base, l))
        .collect()
}

/// End of the chunk starting at `start`: the last line break, sentence end or space
/// before `start + CHUNK_BYTES`, else a char boundary.
fn chunk_end(text: &str, start: usize) -> usize {
    let limit = start + CHUNK_BYTES;
    if limit >= text.len() {
        return text.len();
    }
    let mut hard = limit;
    while !text.is_char_boundary(hard) {
        hard -= 1;
    }
    let window = &text[start..hard];
    let min = window.len() / 2;
    for pat in ["\n", "。", ". ", "! ", "? ", " "] {
        if let Some(p) = window.rfind(pat)
            && p >= min
        {
            return start + p + pat.len();
        }
    }
    hard
}

/// `count` deterministic pseudo-random texts (seeded from `seed`), each a
/// concatenation of fewer than `max_pieces` of `pieces`: inputs for the tests that
/// compare a fast path with its reference.
#[cfg(test)]
pub(crate) fn generated_texts(
    pieces: &[&str],
    count: usize,
    max_pieces: usize,
    seed: u64,
) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count)
        .map(|_| {
            (0..rng.usize(..max_pieces))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{contains_bytes, is_alphabetic, is_alphanumeric, same_bytes};

    /// The fast letter tests answer as std on every char.
    #[test]
    fn letter_tests_match_std() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "U+{:04X}", c as u32);
            assert_eq!(
                is_alphanumeric(c),
                c.is_alphanumeric(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    /// The quick byte helpers agree with `==` and `str::contains` on every pair of
    /// short strings over a few letters (equal lengths, shared first or last bytes).
    #[test]
    fn byte_helpers_match_std() {
        let alphabet = [
            "",
            "a",
            "b",
            "非",
            "自",
            "立",
            "ab",
            "非自立",
            "名詞,非自立",
            ",",
        ];
        let words: Vec<String> = alphabet
            .iter()
            .flat_map(|a| alphabet.iter().map(move |b| format!("{a}{b}")))
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(
                    same_bytes(a.as_bytes(), b.as_bytes()),
                    a == b,
                    "{a:?} {b:?}"
                );
                let found = contains_bytes(a.as_bytes(), b.as_bytes());
                assert_eq!(found, a.contains(b.as_str()), "{a:?} {b:?}");
            }
        }
    }
}
