//! Snapshots of what koe ships: the analysis JSON lines of `koe analyze`, the report
//! JSON of `koe report --format json` and the OpenAPI document of `koe serve`, from the
//! real binary on the fixtures. Keys stay in the order koe writes them; paths and the
//! version are redacted.
//!
//! A missing or changed snapshot fails the test (insta writes a `.snap.new` beside it
//! outside CI and nothing in CI); review with `cargo insta review` or by hand.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::common::{fixture, koe, run_ok};
use super::serve::{build_index, get, start};

/// A JSON value whose objects keep their keys in document order (serde_json's `Value`
/// sorts them), so that a snapshot shows the output's own field order.
enum Json {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn parse(s: &str) -> Json {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::U64(n))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::I64(n))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
                Ok(Json::F64(n))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(x) = a.next_element()? {
                    items.push(x);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some(kv) = a.next_entry()? {
                    fields.push(kv);
                }
                Ok(Json::Object(fields))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::U64(n) => s.serialize_u64(*n),
            Json::I64(n) => s.serialize_i64(*n),
            Json::F64(n) => s.serialize_f64(*n),
            Json::Str(x) => s.serialize_str(x),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for x in items {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            Json::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The records `koe analyze` writes for a fixture, one JSON value each.
fn analyze(rel: &str) -> Vec<Json> {
    let out = run_ok(koe().args(["analyze", "-q"]).arg(fixture(rel)));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().map(Json::parse).collect()
}

/// Support tickets: dates, support times, status, agents, segments with their raw
/// values, themes, churn.
#[test]
fn analyze_support_tickets() {
    insta::assert_json_snapshot!("analyze_tickets_ja", analyze("support/tickets_ja.csv"), {
        "[].source.file" => "[fixture]",
    });
}

/// An NPS survey: ratings with their NPS class, dates, two segments; and English app
/// store reviews with star ratings and titles.
#[test]
fn analyze_surveys_and_reviews() {
    let mut records = analyze("ingest/nps_survey_ja.csv");
    records.truncate(12);
    insta::assert_json_snapshot!("analyze_nps_survey_ja", records, {
        "[].source.file" => "[fixture]",
    });
    let mut records = analyze("ingest/appstore_reviews.csv");
    records.truncate(12);
    insta::assert_json_snapshot!("analyze_appstore_reviews", records, {
        "[].source.file" => "[fixture]",
    });
}

/// The report of the support tickets (support metrics, churn) and of the NPS survey
/// (NPS, ratings, impact, segments).
#[test]
fn report_json() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rel) in [
        ("report_tickets_ja", "support/tickets_ja.csv"),
        ("report_nps_survey_ja", "ingest/nps_survey_ja.csv"),
    ] {
        let path = dir.path().join(format!("{name}.json"));
        run_ok(
            koe()
                .args(["report", "-q", "--format", "json", "-o"])
                .arg(&path)
                .arg(fixture(rel)),
        );
        let report = Json::parse(&std::fs::read_to_string(&path).unwrap());
        insta::assert_json_snapshot!(name, report, {
            ".inputs[]" => "[fixture]",
        });
    }
}

#[test]
fn openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&build_index(dir.path()), &[]);
    let (status, doc) = get(&server.addr, "/api/openapi.json");
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("openapi", doc, {
        ".info.version" => "[version]",
    });
}
