//! The theme taxonomy file (`dictionaries/themes.toml` and users' own files): its
//! TOML shape, loading with line/column errors, and merging of several files.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::ThemeError;

/// koe's built-in taxonomy.
pub const BUILTIN: &str = include_str!("../../dictionaries/themes.toml");

/// The built-in domain packs: (file name, TOML).
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    (
        "dictionaries/domains/support.toml",
        include_str!("../../dictionaries/domains/support.toml"),
    ),
    (
        "dictionaries/domains/ecommerce.toml",
        include_str!("../../dictionaries/domains/ecommerce.toml"),
    ),
    (
        "dictionaries/domains/apps.toml",
        include_str!("../../dictionaries/domains/apps.toml"),
    ),
    (
        "dictionaries/domains/hotels.toml",
        include_str!("../../dictionaries/domains/hotels.toml"),
    ),
    (
        "dictionaries/domains/restaurants.toml",
        include_str!("../../dictionaries/domains/restaurants.toml"),
    ),
    (
        "dictionaries/domains/movies.toml",
        include_str!("../../dictionaries/domains/movies.toml"),
    ),
];

/// Labels in the three languages (any may be missing; English is the fallback).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Japanese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    /// Korean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ko: Option<String>,
}

impl Labels {
    /// The label in `lang` (`en`, `ja`, `ko`), else English, else `fallback`.
    pub fn get<'a>(&'a self, lang: &str, fallback: &'a str) -> &'a str {
        let pick = match lang {
            "ja" => self.ja.as_deref(),
            "ko" => self.ko.as_deref(),
            _ => None,
        };
        pick.or(self.en.as_deref())
            .or(self.ja.as_deref())
            .or(self.ko.as_deref())
            .unwrap_or(fallback)
    }
}

/// Terms per language.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Japanese terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ja: Vec<String>,
    /// Korean terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ko: Vec<String>,
    /// English terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub en: Vec<String>,
}

impl Terms {
    /// `(language code, term)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let ja = self.ja.iter().map(|t| ("ja", t.as_str()));
        let ko = self.ko.iter().map(|t| ("ko", t.as_str()));
        let en = self.en.iter().map(|t| ("en", t.as_str()));
        ja.chain(ko).chain(en)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ja.len() + self.ko.len() + self.en.len()
    }

    /// No terms at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn extend(&mut self, other: Terms) {
        for (mine, theirs) in [
            (&mut self.ja, other.ja),
            (&mut self.ko, other.ko),
            (&mut self.en, other.en),
        ] {
            for t in theirs {
                if !mine.contains(&t) {
                    mine.push(t);
                }
            }
        }
    }
}

/// A category (first level).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Stable id (`support`).
    pub id: String,
    /// Labels.
    #[serde(default)]
    pub label: Labels,
}

/// A theme (second level) as written in the file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeDef {
    /// Stable id (`support.response_time`).
    pub id: String,
    /// The category id.
    pub category: String,
    /// Labels.
    #[serde(default)]
    pub label: Labels,
    /// What belongs to the theme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Terms that mark a mention.
    #[serde(default)]
    pub terms: Terms,
    /// Terms that cancel the theme's mentions in the same sentence.
    #[serde(default, skip_serializing_if = "Terms::is_empty")]
    pub exclude: Terms,
    /// Tokens allowed between two items of a term (overrides the file's `max_gap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gap: Option<usize>,
    /// A residual theme (general praise): its mentions count only in sentences where
    /// no other theme was found, and not at all when another theme of the text is
    /// negative ("great app but it keeps crashing" is a bug report, not praise).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub residual: bool,
    /// In a user file: add these terms to the existing theme of the same id instead of
    /// replacing it.
    #[serde(default, skip_serializing)]
    pub extend: bool,
    /// Set by discovery: a theme found in the data, not written by anyone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub discovered: bool,
    /// Domain packs the theme belongs to (`support`, `hotels`, ...); empty: a core
    /// theme that applies to any feedback.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

/// The header of a domain pack file (`dictionaries/domains/*.toml`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DomainDef {
    /// Pack id (`hotels`).
    pub id: String,
    /// Labels.
    #[serde(default)]
    pub label: Labels,
    /// Words whose use marks feedback of this domain (`--domain auto`).
    #[serde(default)]
    pub signals: Terms,
}

/// The domain packs in use per language of the text: a pack picked for Japanese hotel
/// reviews does not apply to Korean movie reviews in the same data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domains {
    /// Packs for Japanese text.
    pub ja: Vec<String>,
    /// Packs for Korean text.
    pub ko: Vec<String>,
    /// Packs for English (and other) text.
    pub en: Vec<String>,
}

impl Domains {
    /// The same packs for every language.
    pub fn every_lang(packs: &[String]) -> Domains {
        Domains {
            ja: packs.to_vec(),
            ko: packs.to_vec(),
            en: packs.to_vec(),
        }
    }

    /// The packs of any language, sorted.
    pub fn union(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .ja
            .iter()
            .chain(&self.ko)
            .chain(&self.en)
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The packs of one language (`ja`, `ko`, anything else: `en`).
    pub fn of(&self, lang: &str) -> &[String] {
        match lang {
            "ja" => &self.ja,
            "ko" => &self.ko,
            _ => &self.en,
        }
    }
}

/// A whole taxonomy file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyFile {
    /// Format version (1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Default tokens allowed between two items of a term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gap: Option<usize>,
    /// Categories.
    #[serde(default, rename = "category")]
    pub categories: Vec<CategoryDef>,
    /// Themes.
    #[serde(default, rename = "theme")]
    pub themes: Vec<ThemeDef>,
    /// Set in a domain pack file: the pack its themes belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainDef>,
}

/// Default `max_gap`.
pub const DEFAULT_MAX_GAP: usize = 3;

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl TaxonomyFile {
    /// Parses taxonomy TOML; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<TaxonomyFile, ThemeError> {
        let file: TaxonomyFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            ThemeError::Syntax {
                source_name: source.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        if let Some(v) = file.version
            && v != 1
        {
            return Err(ThemeError::Invalid {
                source_name: source.to_string(),
                message: format!("unsupported taxonomy version {v} (this koe reads version 1)"),
            });
        }
        Ok(file)
    }

    /// Reads and parses a taxonomy file.
    pub fn read(path: &Path) -> Result<TaxonomyFile, ThemeError> {
        let name = path.display().to_string();
        let text = crate::read_config(path).map_err(|e| ThemeError::Io {
            source_name: name.clone(),
            error: e.to_string(),
        })?;
        Self::parse(&text, &name)
    }

    /// koe's built-in taxonomy with every domain pack.
    pub fn builtin() -> TaxonomyFile {
        let packs = Self::builtin_packs();
        let ids: Vec<String> = packs
            .iter()
            .filter_map(|p| p.domain.as_ref().map(|d| d.id.clone()))
            .collect();
        Self::builtin_for(&Domains::every_lang(&ids))
    }

    /// koe's built-in taxonomy with the core themes and those of the packs `domains`.
    pub fn builtin_for(domains: &Domains) -> TaxonomyFile {
        // The built-in files are tested; a parse failure here is a build defect.
        static CORE: std::sync::OnceLock<TaxonomyFile> = std::sync::OnceLock::new();
        let mut file = CORE
            .get_or_init(|| Self::parse(BUILTIN, "dictionaries/themes.toml").unwrap_or_default())
            .clone();
        let union = domains.union();
        for mut pack in Self::builtin_packs() {
            let Some(d) = &pack.domain else { continue };
            if union.contains(&d.id) {
                pack.domain = None;
                file.merge(pack);
            }
        }
        file.retain_domains(domains);
        file
    }

    /// The built-in domain packs, each theme tagged with its pack.
    pub fn builtin_packs() -> Vec<TaxonomyFile> {
        // Parsed once per process: every command asks for them several times (the pack
        // ids, the taxonomy, domain detection).
        static PACKS: std::sync::OnceLock<Vec<TaxonomyFile>> = std::sync::OnceLock::new();
        PACKS
            .get_or_init(|| {
                BUILTIN_PACKS
                    .iter()
                    .filter_map(|(name, text)| Self::parse(text, name).ok())
                    .map(|mut f| {
                        if let Some(d) = &f.domain {
                            let id = d.id.clone();
                            for t in &mut f.themes {
                                if t.domains.is_empty() {
                                    t.domains.push(id.clone());
                                }
                            }
                        }
                        f
                    })
                    .collect()
            })
            .clone()
    }

    /// The ids of the built-in domain packs.
    pub fn builtin_pack_ids() -> Vec<String> {
        Self::builtin_packs()
            .into_iter()
            .filter_map(|p| p.domain.map(|d| d.id))
            .collect()
    }

    /// Keeps the core themes (no `domains`) and, per language, the terms of the themes
    /// of the packs `domains` picked for that language; a theme left without terms goes.
    pub fn retain_domains(&mut self, domains: &Domains) {
        for t in &mut self.themes {
            if t.domains.is_empty() {
                continue;
            }
            let on = |lang: &str| t.domains.iter().any(|d| domains.of(lang).contains(d));
            let (ja, ko, en) = (on("ja"), on("ko"), on("en"));
            for terms in [&mut t.terms, &mut t.exclude] {
                if !ja {
                    terms.ja.clear();
                }
                if !ko {
                    terms.ko.clear();
                }
                if !en {
                    terms.en.clear();
                }
            }
        }
        self.themes
            .retain(|t| t.domains.is_empty() || !t.terms.is_empty());
    }

    /// Adds `other` on top: new categories and themes are appended, a theme with an
    /// existing id replaces it (or, with `extend = true`, adds its terms to it).
    pub fn merge(&mut self, other: TaxonomyFile) {
        if other.max_gap.is_some() {
            self.max_gap = other.max_gap;
        }
        for c in other.categories {
            match self.categories.iter_mut().find(|m| m.id == c.id) {
                Some(mine) => *mine = c,
                None => self.categories.push(c),
            }
        }
        for t in other.themes {
            match self.themes.iter_mut().find(|m| m.id == t.id) {
                Some(mine) if t.extend => {
                    mine.terms.extend(t.terms);
                    mine.exclude.extend(t.exclude);
                }
                Some(mine) => *mine = t,
                None => self.themes.push(t),
            }
        }
    }

    /// Checks ids and references; `source` names the file in errors.
    pub fn validate(&self, source: &str) -> Result<(), ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            source_name: source.to_string(),
            message,
        };
        let mut seen = BTreeMap::new();
        for c in &self.categories {
            if !valid_id(&c.id) {
                return Err(invalid(format!(
                    "category id '{}' must be letters, digits, '_', '-' or '.'",
                    c.id
                )));
            }
            if seen.insert(c.id.as_str(), ()).is_some() {
                return Err(invalid(format!("category '{}' is defined twice", c.id)));
            }
        }
        let mut themes = BTreeMap::new();
        for t in &self.themes {
            if !valid_id(&t.id) {
                return Err(invalid(format!(
                    "theme id '{}' must be letters, digits, '_', '-' or '.'",
                    t.id
                )));
            }
            if themes.insert(t.id.as_str(), ()).is_some() {
                return Err(invalid(format!("theme '{}' is defined twice", t.id)));
            }
            if !seen.contains_key(t.category.as_str()) {
                return Err(invalid(format!(
                    "theme '{}' names category '{}', which is not defined (add a [[category]] with that id)",
                    t.id, t.category
                )));
            }
            if t.terms.is_empty() {
                return Err(invalid(format!("theme '{}' has no terms", t.id)));
            }
        }
        Ok(())
    }

    /// The file as TOML text.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if let Some(v) = self.version {
            out.push_str(&format!("version = {v}\n"));
        }
        if let Some(g) = self.max_gap {
            out.push_str(&format!("max_gap = {g}\n"));
        }
        for c in &self.categories {
            out.push_str("\n[[category]]\n");
            out.push_str(&format!("id = {}\n", toml_str(&c.id)));
            out.push_str(&format!("label = {}\n", labels_toml(&c.label)));
        }
        for t in &self.themes {
            out.push_str("\n[[theme]]\n");
            out.push_str(&format!("id = {}\n", toml_str(&t.id)));
            out.push_str(&format!("category = {}\n", toml_str(&t.category)));
            out.push_str(&format!("label = {}\n", labels_toml(&t.label)));
            if let Some(d) = &t.description {
                out.push_str(&format!("description = {}\n", toml_str(d)));
            }
            if t.discovered {
                out.push_str("discovered = true\n");
            }
            if !t.domains.is_empty() {
                let list: Vec<String> = t.domains.iter().map(|d| toml_str(d)).collect();
                out.push_str(&format!("domains = [{}]\n", list.join(", ")));
            }
            if t.residual {
                out.push_str("residual = true\n");
            }
            if let Some(g) = t.max_gap {
                out.push_str(&format!("max_gap = {g}\n"));
            }
            for (key, terms) in [("terms", &t.terms), ("exclude", &t.exclude)] {
                for (lang, list) in [("ja", &terms.ja), ("ko", &terms.ko), ("en", &terms.en)] {
                    if list.is_empty() {
                        continue;
                    }
                    let items: Vec<String> = list.iter().map(|s| toml_str(s)).collect();
                    out.push_str(&format!("{key}.{lang} = [{}]\n", items.join(", ")));
                }
            }
        }
        out
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A TOML basic string.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn labels_toml(l: &Labels) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("en", &l.en), ("ja", &l.ja), ("ko", &l.ko)] {
        if let Some(v) = v {
            parts.push(format!("{k} = {}", toml_str(v)));
        }
    }
    format!("{{ {} }}", parts.join(", "))
}

/// A shared, immutable theme description.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeInfo {
    /// Stable id.
    pub id: Arc<str>,
    /// Category id.
    pub category: Arc<str>,
    /// Category labels.
    pub category_label: Labels,
    /// Labels.
    pub label: Labels,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Found by discovery rather than written in a taxonomy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub discovered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_line_and_column() {
        let text = "version = 1\n[[theme]]\nid = \"a\"\ncategory = \n";
        match TaxonomyFile::parse(text, "x.toml") {
            Err(ThemeError::Syntax { line, column, .. }) => {
                assert_eq!(line, 4);
                assert!(column >= 11, "column {column}");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_field_is_an_error() {
        let text = "[[theme]]\nid = \"a\"\ncategory = \"c\"\nterm = [\"x\"]\n";
        let err = TaxonomyFile::parse(text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("x.toml:"), "{err}");
        assert!(err.contains("term"), "{err}");
    }

    #[test]
    fn builtin_parses_and_validates() {
        let t = TaxonomyFile::parse(BUILTIN, "builtin").expect("parses");
        t.validate("builtin").expect("valid");
        assert!(t.themes.len() >= 17);
        for (name, text) in BUILTIN_PACKS {
            let p = TaxonomyFile::parse(text, name).expect("pack parses");
            assert!(p.domain.is_some(), "{name} has a [domain] table");
        }
        let all = TaxonomyFile::builtin();
        all.validate("builtin + packs").expect("valid");
        let core = TaxonomyFile::builtin_for(&Domains::default());
        assert!(core.themes.iter().all(|t| t.domains.is_empty()));
        assert!(core.themes.len() < all.themes.len());
        let hotels = TaxonomyFile::builtin_for(&Domains::every_lang(&["hotels".to_string()]));
        assert!(hotels.themes.iter().any(|t| t.id.starts_with("hotels.")));
        assert!(!hotels.themes.iter().any(|t| t.id == "product.bugs"));
        // Per language: hotels for Japanese only keeps no Korean or English hotel term.
        let ja_only = TaxonomyFile::builtin_for(&Domains {
            ja: vec!["hotels".to_string()],
            ..Domains::default()
        });
        let room = ja_only
            .themes
            .iter()
            .find(|t| t.id == "hotels.room")
            .unwrap();
        assert!(!room.terms.ja.is_empty());
        assert!(room.terms.ko.is_empty() && room.terms.en.is_empty());
    }

    #[test]
    fn merge_replaces_or_extends() {
        let mut base = TaxonomyFile::parse(
            "[[category]]\nid = \"c\"\n[[theme]]\nid = \"t\"\ncategory = \"c\"\nterms.en = [\"a\"]\n",
            "a",
        )
        .unwrap();
        let ext = TaxonomyFile::parse(
            "[[theme]]\nid = \"t\"\ncategory = \"c\"\nextend = true\nterms.en = [\"b\", \"a\"]\n",
            "b",
        )
        .unwrap();
        base.merge(ext);
        assert_eq!(base.themes[0].terms.en, vec!["a", "b"]);
        let rep = TaxonomyFile::parse(
            "[[theme]]\nid = \"t\"\ncategory = \"c\"\nterms.en = [\"z\"]\n",
            "c",
        )
        .unwrap();
        base.merge(rep);
        assert_eq!(base.themes[0].terms.en, vec!["z"]);
        let round = TaxonomyFile::parse(&base.to_toml(), "round").unwrap();
        assert_eq!(round.themes[0].terms.en, vec!["z"]);
    }
}
