//! Segment value aliases: アプリ, 앱 and App are one channel, `app`.
//!
//! The table (`dictionaries/segments.toml`, embedded; users add their own file) maps
//! aliases to a canonical value; matching ignores case, width (NFKC) and surrounding
//! space. The record keeps the raw value beside the canonical one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use unicode_normalization::UnicodeNormalization;

use super::IngestError;

const BUILTIN: &str = include_str!("../../dictionaries/segments.toml");

/// Alias → canonical segment value.
#[derive(Debug, Clone, Default)]
pub struct SegmentAliases {
    map: HashMap<String, Arc<str>>,
}

fn fold(value: &str) -> String {
    value.trim().nfkc().collect::<String>().to_lowercase()
}

impl SegmentAliases {
    /// The built-in table.
    pub fn builtin() -> Arc<SegmentAliases> {
        static B: OnceLock<Arc<SegmentAliases>> = OnceLock::new();
        B.get_or_init(|| {
            // The embedded table is tested to parse (`builtin_parses`).
            Arc::new(Self::parse(BUILTIN, "dictionaries/segments.toml").unwrap_or_default())
        })
        .clone()
    }

    /// Parses a table (`canonical = ["alias", ...]`); `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<SegmentAliases, IngestError> {
        let bad = |message: String| IngestError::Aliases {
            path: name.into(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        let mut out = SegmentAliases::default();
        for (canonical, aliases) in table {
            let list = aliases
                .as_array()
                .ok_or_else(|| bad(format!("'{canonical}' must be a list of aliases")))?;
            let value: Arc<str> = Arc::from(canonical.trim());
            out.map.insert(fold(&canonical), value.clone());
            for a in list {
                let a = a
                    .as_str()
                    .ok_or_else(|| bad(format!("an alias of '{canonical}' is not a string")))?;
                out.map.insert(fold(a), value.clone());
            }
        }
        Ok(out)
    }

    /// This table with the entries of the file at `path` added (they win).
    pub fn with_file(&self, path: &Path) -> Result<SegmentAliases, IngestError> {
        let text = crate::read_config(path).map_err(|e| IngestError::Aliases {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let extra = Self::parse(&text, &path.display().to_string())?;
        let mut out = self.clone();
        out.map.extend(extra.map);
        Ok(out)
    }

    /// The canonical value of `value`, when it differs from it.
    pub fn canonical(&self, value: &str) -> Option<&Arc<str>> {
        if self.map.is_empty() {
            return None;
        }
        self.map.get(&fold(value)).filter(|c| ***c != *value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses() {
        let b = SegmentAliases::parse(BUILTIN, "builtin").unwrap();
        assert!(b.map.len() > 50);
    }

    #[test]
    fn aliases_fold_case_width_and_space() {
        let b = SegmentAliases::builtin();
        for v in ["アプリ", "앱", "App", " APP ", "ｱﾌﾟﾘ"] {
            assert_eq!(b.canonical(v).map(|c| &**c), Some("app"), "{v}");
        }
        assert_eq!(b.canonical("app"), None, "already canonical");
        assert_eq!(b.canonical("Premium plan"), None);
        let custom = b
            .with_file(Path::new("/nonexistent/aliases.toml"))
            .unwrap_err();
        assert!(custom.to_string().contains("aliases.toml"));
    }
}
