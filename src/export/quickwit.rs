//! Quickwit: the index config (doc mapping of [`FIELDS`]) and index ids.
//!
//! The config targets Quickwit's config format `0.7` (read by Quickwit 0.7 and
//! later): `doc_mapping` in `strict` mode, so a document with a field that is not
//! mapped is counted as an error instead of being dropped silently.

use serde::{Deserialize, Serialize};

use super::{FIELDS, Field, FieldKind};

/// Config file format version written.
pub const CONFIG_VERSION: &str = "0.7";

/// A Quickwit index config (the parts koe writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexConfig {
    /// Config format version ([`CONFIG_VERSION`]).
    pub version: String,
    /// Index id.
    pub index_id: String,
    /// The doc mapping.
    pub doc_mapping: DocMapping,
    /// Search settings.
    pub search_settings: SearchSettings,
}

/// `doc_mapping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMapping {
    /// `strict`.
    pub mode: String,
    /// The fields.
    pub field_mappings: Vec<FieldMapping>,
}

/// `search_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    /// Fields a query without a field name searches: `terms`.
    pub default_search_fields: Vec<String>,
}

/// One entry of `field_mappings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMapping {
    /// Field name.
    pub name: String,
    /// `text`, `array<text>`, `f64`, `datetime`, `object`, `array<json>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What the field holds (not on objects: Quickwit has no description there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `false` for a field kept for display only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexed: Option<bool>,
    /// `false` for a field nobody reads back (`terms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<bool>,
    /// Tokenizer of a text or json field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<String>,
    /// `position` for `terms` (phrase queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// BM25 needs them on `terms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fieldnorms: Option<bool>,
    /// Columnar values for aggregations and sorting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast: Option<bool>,
    /// Formats a datetime field parses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_formats: Option<Vec<String>>,
    /// The fields of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_mappings: Option<Vec<FieldMapping>>,
}

fn mapping(f: &Field) -> FieldMapping {
    let mut m = FieldMapping {
        name: f.name.to_string(),
        kind: String::new(),
        description: Some(f.about.to_string()),
        indexed: None,
        stored: None,
        tokenizer: None,
        record: None,
        fieldnorms: None,
        fast: None,
        input_formats: None,
        field_mappings: None,
    };
    let raw = || Some("raw".to_string());
    match f.kind {
        FieldKind::Id => {
            m.kind = "text".into();
            m.tokenizer = raw();
        }
        FieldKind::Keyword | FieldKind::Keywords => {
            m.kind = if f.kind == FieldKind::Keywords {
                "array<text>".into()
            } else {
                "text".into()
            };
            m.tokenizer = raw();
            m.fast = Some(true);
        }
        FieldKind::Terms => {
            m.kind = "text".into();
            m.tokenizer = Some("whitespace".into());
            m.record = Some("position".into());
            m.fieldnorms = Some(true);
            m.stored = Some(false);
        }
        FieldKind::Display => {
            m.kind = "text".into();
            m.indexed = Some(false);
        }
        FieldKind::Float => {
            m.kind = "f64".into();
            m.fast = Some(true);
        }
        FieldKind::Date => {
            m.kind = "datetime".into();
            m.input_formats = Some(vec!["rfc3339".into()]);
            m.fast = Some(true);
        }
        FieldKind::Object(fields) => {
            m.kind = "object".into();
            m.description = None;
            m.field_mappings = Some(fields.iter().map(mapping).collect());
        }
        FieldKind::Objects(_) => {
            m.kind = "array<json>".into();
            m.tokenizer = raw();
        }
    }
    m
}

/// The index config of an index with id `index_id`: every field of [`FIELDS`],
/// `terms` searched by default.
pub fn config(index_id: &str) -> IndexConfig {
    IndexConfig {
        version: CONFIG_VERSION.to_string(),
        index_id: index_id.to_string(),
        doc_mapping: DocMapping {
            mode: "strict".to_string(),
            field_mappings: FIELDS.iter().map(mapping).collect(),
        },
        search_settings: SearchSettings {
            default_search_fields: vec!["terms".to_string()],
        },
    }
}

/// What is wrong with `id` as a Quickwit index id, if anything: ASCII letters, digits,
/// `-` and `_`, starting with a letter, 3 to 255 characters.
pub fn index_id_problem(id: &str) -> Option<&'static str> {
    if !(3..=255).contains(&id.len()) {
        Some("it must be 3 to 255 characters long")
    } else if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("it must start with a letter")
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Some("it may hold only ASCII letters, digits, - and _")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_through_yaml() {
        let c = config("koe");
        let yaml = serde_yaml_ng::to_string(&c).unwrap();
        let back: IndexConfig = serde_yaml_ng::from_str(&yaml).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.doc_mapping.field_mappings.len(), FIELDS.len());
        let terms = &back.doc_mapping.field_mappings[3];
        assert_eq!(terms.name, "terms");
        assert_eq!(terms.tokenizer.as_deref(), Some("whitespace"));
    }
}
