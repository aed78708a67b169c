//! The OpenAPI 3.1 document of the API (`GET /api/openapi.json`).

use axum::Json;
use serde_json::{Value, json};

fn param(name: &str, kind: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false,
           "schema": {"type": kind}, "description": desc})
}

fn filters() -> Vec<Value> {
    vec![
        param(
            "theme",
            "string",
            "Theme id, its last part, or a category (billing)",
        ),
        param("sentiment", "string", "pos | neu | neg"),
        param("lang", "string", "ja | ko | en | other"),
        param("nps", "string", "promoter | passive | detractor"),
        param("rating_min", "number", "Lowest rating"),
        param("rating_max", "number", "Highest rating"),
        param(
            "from",
            "string",
            "First year, month or day (2026, 2026-01, 2026-01-05)",
        ),
        param("to", "string", "Last year, month or day"),
        param("segment", "string", "column:value, e.g. channel:email"),
    ]
}

fn error_response(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The document.
pub fn spec() -> Value {
    let mut search_params = vec![
        param(
            "q",
            "string",
            "Query: words (AND), \"phrases\", OR, -exclusion, filters such as theme:billing rating:<=2",
        ),
        param("sort", "string", "relevance (default) | date | rating"),
        param("limit", "integer", "Hits per page, 1-100 (default 10)"),
        param("offset", "integer", "Hits to skip, at most 10000"),
    ];
    search_params.extend(filters());
    let mut theme_params = vec![
        param("period", "string", "month (default) | week"),
        param(
            "order",
            "string",
            "negative (default: most negative mentions first) | volume (most records first)",
        ),
    ];
    theme_params.extend(filters());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "koe",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Search complaints and explore themes of customer feedback (Japanese, Korean, English)."
        },
        "paths": {
            "/api/health": {"get": {"summary": "Liveness and record count", "responses": {"200": {"description": "ok"}}}},
            "/api/search": {"get": {
                "summary": "Search records: hits with highlighted snippets, facets and the total",
                "parameters": search_params,
                "responses": {"200": {"description": "Results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}}},
                              "400": error_response("Malformed query or parameter (the message points at the position)"),
                              "503": error_response("Timed out")}
            }},
            "/api/themes": {"get": {
                "summary": "Theme table with metrics and trends for the matching records",
                "parameters": theme_params.clone(),
                "responses": {"200": {"description": "Summary: totals, periods, themes (discovered ones marked), segments, and `discovered`: the members and opinions of the discovered themes (from `koe index --discover`); `label_lang`: the records' dominant language, for labels"}, "400": error_response("Bad parameter")}
            }},
            "/api/report": {"get": {
                "summary": "The JSON report (schema koe.report/1) of the matching records",
                "parameters": theme_params,
                "responses": {"200": {"description": "Report"}, "400": error_response("Bad parameter")}
            }},
            "/api/records/{id}": {"get": {
                "summary": "One record with its whole text",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The record", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Hit"}}}},
                              "404": error_response("No such record")}
            }},
            "/api/records": {"post": {
                "summary": "Add feedback (only when the server runs with --allow-ingest): CSV, TSV, JSON array or JSON lines, same ingest as koe index",
                "requestBody": {"required": true, "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/tab-separated-values": {"schema": {"type": "string"}}
                }},
                "responses": {"201": {"description": "Added; rejected records listed with their reasons"},
                              "403": error_response("Ingestion is off, or posted from another site's page (Origin)"),
                              "408": error_response("The body did not arrive in time"),
                              "413": error_response("Body too large"),
                              "415": error_response("Content-Type is not one of the types above"),
                              "422": error_response("Nothing could be added"),
                              "503": error_response("Timed out: nothing was added")}
            }},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["status", "error"],
                      "properties": {"status": {"type": "integer"}, "error": {"type": "string"}}},
            "Hit": {"type": "object", "properties": {
                "id": {"type": "string"}, "score": {"type": "number"}, "date": {"type": "string"},
                "rating": {"type": "number"}, "nps": {"type": "string"}, "lang": {"type": "string"},
                "sentiment": {"type": "string"}, "sentiment_score": {"type": "number"},
                "themes": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "sentiment": {"type": "string", "enum": ["pos", "neg", "neu"], "description": "sentiment of the record's mentions of the theme"}}}},
                "segments": {"type": "object", "additionalProperties": {"type": "string"}},
                "snippet": {"type": "string"},
                "highlights": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
                "matches": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
            }},
            "SearchResults": {"type": "object", "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "object", "properties": {
                    "theme": {"type": "object"}, "sentiment": {"type": "object"}, "lang": {"type": "object"}, "month": {"type": "object"}}}
            }}
        }}
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
