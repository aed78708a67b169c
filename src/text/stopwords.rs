//! Stopword lists per language (`dictionaries/stopwords/*.txt`, embedded at build time).

use rustc_hash::FxHashSet as HashSet;

use super::Lang;

/// Stopword sets, matched on lemma and on normalized surface.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stopwords {
    ja: HashSet<&'static str>,
    ko: HashSet<&'static str>,
    en: HashSet<&'static str>,
}

fn parse(list: &'static str) -> HashSet<&'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

impl Stopwords {
    pub(crate) fn builtin() -> Self {
        Stopwords {
            ja: parse(include_str!("../../dictionaries/stopwords/ja.txt")),
            ko: parse(include_str!("../../dictionaries/stopwords/ko.txt")),
            en: parse(include_str!("../../dictionaries/stopwords/en.txt")),
        }
    }

    /// The list of `lang` (empty for other languages).
    pub(crate) fn set(&self, lang: Lang) -> &HashSet<&'static str> {
        static NONE: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
        match lang {
            Lang::Ja => &self.ja,
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
            Lang::Other => NONE.get_or_init(HashSet::default),
        }
    }

    pub(crate) fn contains(&self, lang: Lang, lemma: &str, surface: &str) -> bool {
        lang != Lang::Other && in_list(self.set(lang), lemma, surface)
    }
}

/// Whether a word with `lemma` and normalized `surface` is on `list`.
pub(crate) fn in_list(list: &HashSet<&'static str>, lemma: &str, surface: &str) -> bool {
    list.contains(lemma) || list.contains(surface)
}
