//! Elasticsearch / OpenSearch: `_bulk` action lines, the index mapping, index names.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{ES_MAX_ID_BYTES, FIELDS, Field, FieldKind, SCHEMA};

/// The analyzer of the `terms` field: split at whitespace only, nothing else (no
/// lower-casing or stemming: the terms are koe's lemmas already).
pub const TERMS_ANALYZER: &str = "koe_terms";

#[derive(Serialize)]
struct Action<'a> {
    index: Target<'a>,
}

#[derive(Serialize)]
struct Target<'a> {
    _index: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    _id: Option<&'a str>,
}

/// Whether Elasticsearch takes `id` as a document `_id`: not empty, at most
/// [`ES_MAX_ID_BYTES`] bytes.
pub fn usable_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= ES_MAX_ID_BYTES
}

/// Appends the `_bulk` action line of a document (`{"index":{"_index":…,"_id":…}}`
/// and `\n`): indexing it again replaces it. An id Elasticsearch refuses
/// ([`usable_id`]) is left out: the engine makes one of its own.
pub fn action_line(index: &str, id: &str, out: &mut Vec<u8>) {
    let action = Action {
        index: Target {
            _index: index,
            _id: usable_id(id).then_some(id),
        },
    };
    let written = serde_json::to_writer(&mut *out, &action);
    debug_assert!(written.is_ok());
    out.push(b'\n');
}

fn property(f: &Field) -> Value {
    match f.kind {
        FieldKind::Id | FieldKind::Keyword | FieldKind::Keywords => json!({ "type": "keyword" }),
        FieldKind::Terms => json!({ "type": "text", "analyzer": TERMS_ANALYZER }),
        FieldKind::Display => json!({ "type": "text", "index": false }),
        FieldKind::Float => json!({ "type": "float" }),
        FieldKind::Date => json!({ "type": "date", "format": "strict_date_optional_time" }),
        FieldKind::Object(fields) => json!({ "properties": properties(fields) }),
        FieldKind::Objects(fields) => json!({ "type": "nested", "properties": properties(fields) }),
    }
}

fn properties(fields: &[Field]) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| (f.name.to_string(), property(f)))
        .collect()
}

/// The body of `PUT /<index>`: settings (the `terms` analyzer) and mappings (every
/// field of [`FIELDS`]; `dynamic: strict`, so a document with another field is
/// refused rather than mapped by guess).
pub fn mapping() -> Value {
    json!({
        "settings": {
            "analysis": {
                "tokenizer": {
                    // The default would cut tokens at 255 characters.
                    "koe_whitespace": { "type": "whitespace", "max_token_length": 1024 }
                },
                "analyzer": {
                    TERMS_ANALYZER: { "type": "custom", "tokenizer": "koe_whitespace" }
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": { "schema": SCHEMA },
            "properties": properties(FIELDS)
        }
    })
}

/// What is wrong with `name` as an Elasticsearch index name, if anything: lower case
/// only, none of `\ / * ? " < > | , # :` or spaces, not starting with `-`, `_` or `+`,
/// not `.` or `..`, at most 255 bytes.
pub fn index_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 255 {
        Some("it is longer than 255 bytes")
    } else if name == "." || name == ".." {
        Some("it cannot be . or ..")
    } else if name.starts_with(['-', '_', '+']) {
        Some("it cannot start with -, _ or +")
    } else if name.chars().any(char::is_uppercase) {
        Some("it must be lower case")
    } else if name.chars().any(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\\' | '/' | '*' | '?' | '"' | '<' | '>' | '|' | ',' | '#' | ':'
            )
    }) {
        Some("it cannot hold spaces or any of \\ / * ? \" < > | , # :")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_lines() {
        let mut out = Vec::new();
        action_line("koe", "a\"b", &mut out);
        assert_eq!(
            out,
            b"{\"index\":{\"_index\":\"koe\",\"_id\":\"a\\\"b\"}}\n"
        );
        out.clear();
        action_line("koe", &"x".repeat(ES_MAX_ID_BYTES + 1), &mut out);
        assert_eq!(out, b"{\"index\":{\"_index\":\"koe\"}}\n");
        out.clear();
        action_line("koe", "", &mut out);
        assert_eq!(out, b"{\"index\":{\"_index\":\"koe\"}}\n");
    }

    #[test]
    fn mapping_has_every_field() {
        let m = mapping();
        let props = m["mappings"]["properties"].as_object().unwrap();
        assert_eq!(props.len(), FIELDS.len());
        assert_eq!(props["terms"]["analyzer"], TERMS_ANALYZER);
        assert_eq!(props["theme_sentiments"]["type"], "nested");
        assert_eq!(props["sentiment"]["properties"]["score"]["type"], "float");
    }
}
