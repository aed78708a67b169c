//! Stopword lists per language (`dictionaries/stopwords/*.txt`, embedded at build time).

use super::fxhash::FxHashSet as HashSet;

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

    /// The English list.
    pub(crate) fn en(&self) -> &HashSet<&'static str> {
        &self.en
    }

    pub(crate) fn contains(&self, lang: Lang, lemma: &str, surface: &str) -> bool {
        let set = match lang {
            Lang::Ja => &self.ja,
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
            Lang::Other => return false,
        };
        set.contains(lemma) || set.contains(surface)
    }
}
