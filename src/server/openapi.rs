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
            "by",
            "string",
            "Segment column to break the figures down by, as koe report --segment (channel, lang, ...); default: the column of the segment filter",
        ),
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
                "responses": {"200": {"description": "Summary: totals, periods, themes (discovered ones marked), segments, and `discovered`: the members and opinions of the discovered themes (from `koe index --discover`); `label_lang`: the records' dominant language, for labels; `support` and `churn`: the sections of the report (see /api/report)"}, "400": error_response("Bad parameter")}
            }},
            "/api/report": {"get": {
                "summary": "The JSON report (schema koe.report/1) of the matching records",
                "parameters": theme_params,
                "responses": {"200": {"description": "Report: the same JSON as `koe report --format json` of the same records (mention counts are records here: the index keeps no mentions), with its `support` section (response and resolution times, resolution rate, first-contact resolution, repeat contacts, backlog; per period, theme and `by` segment; null when no record has support fields) and its `churn` section (churn-signal rates per period and theme, customer cohorts), computed by the same code", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}}, "400": error_response("Bad parameter")}
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
            "Report": {"type": "object", "properties": {
                "schema": {"type": "string", "const": "koe.report/1"},
                "title": {"type": "string"}, "label_lang": {"type": "string"},
                "inputs": {"type": "array", "items": {"type": "string"}},
                "summary": {"type": "object", "description": "totals, periods, themes and segments (as /api/themes)"},
                "support": {"oneOf": [{"$ref": "#/components/schemas/Support"}, {"type": "null"}]},
                "churn": {"oneOf": [{"$ref": "#/components/schemas/Churn"}, {"type": "null"}]}
            }},
            "Durations": {"type": "object", "description": "Durations in hours (nearest-rank quantiles; log buckets within 2.5% past 4096 values)", "properties": {
                "n": {"type": "integer"}, "median_hours": {"type": "number"}, "p90_hours": {"type": "number"}, "mean_hours": {"type": "number"},
                "within": {"type": "array", "description": "[target hours, share within it] (first response only)", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}
            }},
            "Rate": {"type": "object", "properties": {"rate": {"type": "number"}, "count": {"type": "integer"}, "of": {"type": "integer"}}},
            "SupportFigures": {"type": "object", "description": "A figure without the columns it needs is null (see `missing`)", "properties": {
                "units": {"type": "integer", "description": "tickets or conversations"},
                "first_response": {"oneOf": [{"$ref": "#/components/schemas/Durations"}, {"type": "null"}]},
                "later_responses": {"oneOf": [{"$ref": "#/components/schemas/Durations"}, {"type": "null"}]},
                "resolution": {"oneOf": [{"$ref": "#/components/schemas/Durations"}, {"type": "null"}]},
                "resolution_rate": {"oneOf": [{"$ref": "#/components/schemas/Rate"}, {"type": "null"}]},
                "first_contact_resolution": {"oneOf": [{"$ref": "#/components/schemas/Rate"}, {"type": "null"}]},
                "replies_per_conversation": {"type": ["number", "null"]}
            }},
            "Support": {"type": "object", "properties": {
                "kind": {"type": "string", "description": "tickets | conversations | tickets and conversations"},
                "all": {"$ref": "#/components/schemas/SupportFigures"},
                "periods": {"type": "object", "description": "YYYY-MM of the creation time (UTC)", "additionalProperties": {"$ref": "#/components/schemas/SupportFigures"}},
                "backlog": {"type": ["object", "null"], "description": "open at the end of each month", "additionalProperties": {"type": "integer"}},
                "themes": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/SupportFigures"}, {"type": "object", "properties": {
                    "theme": {"type": "string"}, "resolution_vs_all": {"type": ["number", "null"]}, "first_response_vs_all": {"type": ["number", "null"]}}}]}},
                "segments": {"type": "object", "description": "per value of the `by` column", "additionalProperties": {"$ref": "#/components/schemas/SupportFigures"}},
                "repeat_contact": {"oneOf": [{"$ref": "#/components/schemas/Rate"}, {"type": "null"}]},
                "repeat_days": {"type": "integer"},
                "missing": {"type": "array", "description": "figures that cannot be computed, each naming the column it needs", "items": {"type": "string"}},
                "excluded_times": {"type": "integer", "description": "times left out because they ran backwards or were over a year"}
            }},
            "ChurnCount": {"type": "object", "properties": {"signals": {"type": "integer"}, "records": {"type": "integer"}, "rate": {"type": "number"}}},
            "Churn": {"type": "object", "properties": {
                "all": {"$ref": "#/components/schemas/ChurnCount"},
                "kinds": {"type": "object", "description": "records per signal kind: decided, threat, ask, blocked, done", "additionalProperties": {"type": "integer"}},
                "periods": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/ChurnCount"}},
                "themes": {"type": "array", "description": "[theme id, counts]", "items": {"type": "array"}},
                "cohorts": {"type": "array", "items": {"type": "object", "properties": {
                    "month": {"type": "string"}, "customers": {"type": "integer"}, "came_back": {"type": "integer"}, "with_signal": {"type": "integer"}}}},
                "cohorts_note": {"type": "string", "description": "why cohorts are missing (e.g. no customer id column)"}
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
