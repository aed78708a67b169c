//! Parquet and Arrow IPC as file formats: inputs written here with arrow-rs (columns
//! mapped like CSV headers, nulls, bad rows, several row groups) and `--format
//! parquet` output read back with the parquet crate and compared with the JSON lines
//! of the same input.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, DictionaryArray, Float64Array, Int64Array, ListArray,
    RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Float32Type, Int32Type, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use super::common::{analyze_run, fixture, koe, records, run_ok};

/// 2026-01-05 as days since 1970-01-01.
const JAN_5_2026: i32 = 20458;

/// Japanese NPS survey columns (mapped by their names, as in a CSV header), with a
/// numeric rating, a date column, a dictionary-encoded segment, a list column no role
/// reads, and rows that must be rejected: null text and no rating, empty text and no
/// rating. Row 4 has a null text and a rating (kept, as in CSV).
fn survey_batch() -> RecordBatch {
    let ids = StringArray::from(vec!["A1", "A2", "A3", "A4", "A5", "A6", "A7"]);
    let dates = Date32Array::from(vec![
        Some(JAN_5_2026),
        Some(JAN_5_2026 + 31),
        None,
        Some(JAN_5_2026 + 2),
        Some(JAN_5_2026 + 3),
        Some(JAN_5_2026 + 40),
        Some(JAN_5_2026 + 41),
    ]);
    let ratings = Int64Array::from(vec![Some(2), Some(9), None, Some(7), None, None, Some(10)]);
    let texts = StringArray::from(vec![
        Some("配送が遅くて最悪でした。サポートも対応が悪い。"),
        Some("アプリが使いやすくて、画質もきれいです。"),
        None,
        None,
        Some("  "),
        Some("料金が高すぎるので解約します。"),
        Some("毎日使っています。番組の数が多くて満足しています。"),
    ]);
    let channels: DictionaryArray<Int32Type> = vec![
        Some("アプリ"),
        Some("Web"),
        Some("アプリ"),
        None,
        Some("アプリ"),
        Some("Web"),
        Some("アプリ"),
    ]
    .into_iter()
    .collect();
    let tags = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1)]),
        None,
        Some(vec![]),
        Some(vec![Some(2), Some(3)]),
        None,
        None,
        Some(vec![Some(4)]),
    ]);
    let schema = Schema::new(vec![
        Field::new("回答ID", DataType::Utf8, false),
        Field::new("回答日", DataType::Date32, true),
        Field::new("推奨度", DataType::Int64, true),
        Field::new("ご意見", DataType::Utf8, true),
        Field::new("チャネル", channels.data_type().clone(), true),
        Field::new("tags", tags.data_type().clone(), true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(ids) as ArrayRef,
            Arc::new(dates),
            Arc::new(ratings),
            Arc::new(texts),
            Arc::new(channels),
            Arc::new(tags),
        ],
    )
    .unwrap()
}

/// The same survey as CSV (nulls as empty cells).
const SURVEY_CSV: &str = "回答ID,回答日,推奨度,ご意見,チャネル,tags
A1,2026-01-05,2,配送が遅くて最悪でした。サポートも対応が悪い。,アプリ,[1]
A2,2026-02-05,9,アプリが使いやすくて、画質もきれいです。,Web,
A3,,,,アプリ,[]
A4,2026-01-07,7,,,\"[2, 3]\"
A5,2026-01-08,,  ,アプリ,
A6,2026-02-14,,料金が高すぎるので解約します。,Web,
A7,2026-02-15,10,毎日使っています。番組の数が多くて満足しています。,アプリ,[4]
";

fn write_parquet(path: &Path, batches: &[RecordBatch], rows_per_group: usize) {
    let file = std::fs::File::create(path).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let mut w = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

fn read_parquet(path: &Path) -> (Vec<RecordBatch>, usize) {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups = builder.metadata().num_row_groups();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (batches, groups)
}

/// What a test compares of an analysed record: id, language, sentiment label and
/// score, themes with their labels and scores, rating, date, segments.
fn essence(v: &Value) -> Value {
    let themes: Vec<Value> = v["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| serde_json::json!([t["id"], t["sentiment"]["label"], t["sentiment"]["score"]]))
        .collect();
    serde_json::json!({
        "id": v["id"],
        "lang": v["lang"],
        "label": v["sentiment"]["label"],
        "score": v["sentiment"]["score"],
        "themes": themes,
        "rating": v.get("rating").map(|r| r["value"].clone()),
        "date": v.get("date"),
        "segments": v["segments"],
        "keyphrases": v["keyphrases"],
    })
}

#[test]
fn parquet_input_is_mapped_like_csv_and_accounts_for_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("survey.parquet");
    write_parquet(&pq, &[survey_batch()], 1024);
    let csv = dir.path().join("survey.csv");
    std::fs::write(&csv, SURVEY_CSV).unwrap();

    let from_pq = analyze_run(&[&pq], &["-q"]);
    assert_eq!(from_pq.code, Some(0), "{}", from_pq.stderr);
    let from_csv = analyze_run(&[&csv], &["-q"]);
    assert_eq!(from_csv.code, Some(0), "{}", from_csv.stderr);

    let pq_records = records(&from_pq);
    let csv_records = records(&from_csv);
    let ids: Vec<&str> = pq_records
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["A1", "A2", "A4", "A6", "A7"]);
    assert_eq!(pq_records.len(), csv_records.len());
    for (p, c) in pq_records.iter().zip(&csv_records) {
        assert_eq!(essence(p), essence(c));
    }
    // Roles by header name: the rating on the NPS scale, the date, the segment.
    let a1 = &pq_records[0];
    assert_eq!(a1["rating"]["value"], 2.0);
    assert_eq!(a1["rating"]["scale"], "nps");
    assert_eq!(a1["date"], "2026-01-05");
    assert_eq!(a1["segments"]["チャネル"], "app");
    assert_eq!(a1["sentiment"]["label"], "neg");
    assert_eq!(a1["source"]["line"], 1, "the row number");
    // Null text with a rating is kept (a rating-only record, as in CSV).
    assert_eq!(pq_records[2]["id"], "A4");
    assert_eq!(pq_records[2]["text"], "");

    // Every row analysed or rejected, with file, row number and reason.
    let s = &from_pq.summary;
    assert_eq!(s["read"], 7);
    assert_eq!(s["analysed"], 5);
    assert_eq!(s["rejected"], 2);
    let rejects = &from_pq.rejects;
    assert_eq!(rejects.len(), 2);
    assert_eq!(rejects[0]["file"], pq.display().to_string());
    assert_eq!(rejects[0]["line"], 3);
    assert_eq!(rejects[0]["reason"], "null text (and no rating)");
    assert_eq!(rejects[1]["line"], 5);
    assert_eq!(rejects[1]["reason"], "empty text (and no rating)");
    // The raw row, as a JSON object of its cells.
    let raw: Value = serde_json::from_str(rejects[0]["raw"].as_str().unwrap()).unwrap();
    assert_eq!(raw["回答ID"], "A3");
    assert_eq!(raw["ご意見"], Value::Null);
}

#[test]
fn explicit_columns_and_a_non_string_text_column() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("survey.parquet");
    write_parquet(&pq, &[survey_batch()], 1024);
    // The same options as for CSV: --text, --rating, --id, --segment by name.
    let run = analyze_run(
        &[&pq],
        &[
            "-q",
            "--text",
            "ご意見",
            "--rating",
            "推奨度",
            "--id",
            "回答ID",
            "--segment",
            "チャネル",
            "--scale",
            "ten",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let recs = records(&run);
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[0]["rating"]["scale"], "10");
    // A numeric column as the text: every row rejected, saying why.
    let run = analyze_run(&[&pq], &["-q", "--text", "推奨度"]);
    assert_eq!(run.summary["read"], 7);
    assert_eq!(run.summary["analysed"], 0);
    assert_eq!(run.rejects.len(), 7);
    for r in &run.rejects {
        let reason = r["reason"].as_str().unwrap();
        assert!(
            reason.contains("'推奨度' holds Int64 values, not strings"),
            "{reason}"
        );
    }
    // An unknown column is refused up front, listing the columns.
    let run = analyze_run(&[&pq], &["-q", "--text", "nope"]);
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.contains("no column named 'nope'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ご意見"), "{}", run.stderr);
}

#[test]
fn arrow_ipc_files_read_like_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let batch = survey_batch();
    let pq = dir.path().join("survey.parquet");
    write_parquet(&pq, std::slice::from_ref(&batch), 1024);
    let ipc = dir.path().join("survey.feather");
    {
        let f = std::fs::File::create(&ipc).unwrap();
        let mut w = arrow::ipc::writer::FileWriter::try_new(f, &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    }
    let a = analyze_run(&[&pq], &["-q"]);
    let b = analyze_run(&[&ipc], &["-q"]);
    assert_eq!(b.code, Some(0), "{}", b.stderr);
    let (a, b) = (records(&a), records(&b));
    assert_eq!(a.len(), 5);
    assert_eq!(
        a.iter().map(essence).collect::<Vec<_>>(),
        b.iter().map(essence).collect::<Vec<_>>()
    );
}

/// Rows of a generated input: `n` reviews, every 97th with a null text (rejected).
fn many_rows(n: usize, start: usize) -> RecordBatch {
    let phrases = [
        "The delivery was late again and support never answered.",
        "配送が早くて助かりました。",
        "앱이 자꾸 멈춰서 불편해요.",
        "Great app, the refund was quick.",
        "料金が高いです。",
    ];
    let ids: Vec<String> = (start..start + n).map(|i| format!("r{i}")).collect();
    let texts: Vec<Option<String>> = (start..start + n)
        .map(|i| (i % 97 != 5).then(|| format!("{} #{i}", phrases[i % phrases.len()])))
        .collect();
    let ratings: Vec<Option<f64>> = (start..start + n)
        .map(|i| (i % 97 != 5).then_some((i % 5 + 1) as f64))
        .collect();
    let schema = Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("review", DataType::LargeUtf8, true),
        Field::new("stars", DataType::Float64, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(StringArray::from(ids)) as ArrayRef,
            Arc::new(arrow::array::LargeStringArray::from(texts)),
            Arc::new(Float64Array::from(ratings)),
        ],
    )
    .unwrap()
}

#[test]
fn inputs_of_many_row_groups_stream_through() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("many.parquet");
    let batches: Vec<RecordBatch> = (0..6).map(|k| many_rows(500, k * 500)).collect();
    write_parquet(&pq, &batches, 256);
    let groups = {
        let f = std::fs::File::open(&pq).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .metadata()
            .num_row_groups()
    };
    assert!(groups >= 10, "{groups} row groups");
    let run = analyze_run(&[&pq], &["-q"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let recs = records(&run);
    let rejected: Vec<usize> = (0..3000).filter(|i| i % 97 == 5).collect();
    assert_eq!(run.summary["read"], 3000);
    assert_eq!(run.summary["rejected"], rejected.len());
    assert_eq!(recs.len() + rejected.len(), 3000);
    // In order, rows numbered through the row groups.
    let mut expected = (0..3000).filter(|i| i % 97 != 5);
    for r in &recs {
        let i = expected.next().unwrap();
        assert_eq!(r["id"], format!("r{i}"));
        assert_eq!(r["source"]["line"], i + 1);
        assert_eq!(r["rating"]["value"], (i % 5 + 1) as f64);
    }
    let lines: Vec<u64> = run
        .rejects
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        rejected.iter().map(|&i| i as u64 + 1).collect::<Vec<_>>()
    );
}

fn analyze_to(out: &Path, inputs: &[PathBuf], format: &str) {
    run_ok(
        koe()
            .args(["analyze", "-q", "--format", format, "-o"])
            .arg(out)
            .args(inputs),
    );
}

#[test]
fn parquet_output_matches_the_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = vec![
        fixture("ingest/appstore_reviews.csv"),
        fixture("ingest/nps_survey_ja.csv"),
        fixture("ingest/nps_survey_ko.csv"),
    ];
    let pq = dir.path().join("out.parquet");
    let jl = dir.path().join("out.jsonl");
    analyze_to(&pq, &inputs, "parquet");
    analyze_to(&jl, &inputs, "jsonl");
    let json: Vec<Value> = std::fs::read_to_string(&jl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (batches, groups) = read_parquet(&pq);
    assert!(groups >= 1);
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, json.len());
    assert!(rows > 50);
    let mut i = 0;
    let mut theme_mentions = 0;
    for b in &batches {
        let col = |n: &str| b.column_by_name(n).unwrap_or_else(|| panic!("column {n}"));
        let id = col("id").as_string::<i32>();
        let text = col("text").as_string::<i32>();
        let label = col("sentiment_label").as_string::<i32>();
        let score = col("sentiment_score").as_primitive::<Float32Type>();
        let themes = col("themes").as_list::<i32>();
        let theme_scores = col("theme_sentiments").as_list::<i32>();
        let theme_labels = col("theme_labels").as_list::<i32>();
        let rating = col("rating")
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        let date = col("date").as_any().downcast_ref::<Date32Array>().unwrap();
        let segments = col("segments").as_struct();
        let sentences = col("sentences").as_list::<i32>();
        let mentions = col("mentions").as_list::<i32>();
        for k in 0..b.num_rows() {
            let j = &json[i];
            assert_eq!(id.value(k), j["id"]);
            assert_eq!(text.value(k), j["text"]);
            assert_eq!(label.value(k), j["sentiment"]["label"]);
            assert_eq!(
                f64::from(score.value(k)),
                j["sentiment"]["score"].as_f64().unwrap()
            );
            let t = themes.value(k);
            let t = t.as_string::<i32>();
            let ts = theme_scores.value(k);
            let ts = ts.as_primitive::<Float32Type>();
            let tl = theme_labels.value(k);
            let tl = tl.as_string::<i32>();
            let jt = j["themes"].as_array().unwrap();
            assert_eq!(t.len(), jt.len(), "{}", j["id"]);
            for (m, x) in jt.iter().enumerate() {
                assert_eq!(t.value(m), x["id"]);
                assert_eq!(tl.value(m), x["sentiment"]["label"]);
                assert_eq!(
                    f64::from(ts.value(m)),
                    x["sentiment"]["score"].as_f64().unwrap()
                );
                theme_mentions += x["mentions"].as_array().unwrap().len();
            }
            match j.get("rating") {
                Some(r) => assert_eq!(rating.value(k), r["value"].as_f64().unwrap()),
                None => assert!(rating.is_null(k)),
            }
            match j.get("date") {
                Some(d) => {
                    let want = koe::ingest::parse_date(d.as_str().unwrap()).unwrap();
                    assert_eq!(i64::from(date.value(k)), want.days_since_epoch());
                }
                None => assert!(date.is_null(k)),
            }
            for (n, f) in segments.fields().iter().enumerate() {
                let c = segments.column(n).as_string::<i32>();
                match j["segments"].get(f.name()) {
                    Some(v) => assert_eq!(c.value(k), v),
                    None => assert!(c.is_null(k)),
                }
            }
            assert_eq!(
                sentences.value(k).len(),
                j["sentences"].as_array().unwrap().len()
            );
            i += 1;
        }
        let _ = mentions;
    }
    assert!(theme_mentions > 0);
    let total_mentions: usize = batches
        .iter()
        .map(|b| {
            b.column_by_name("mentions")
                .unwrap()
                .as_list::<i32>()
                .values()
                .len()
        })
        .sum();
    assert_eq!(total_mentions, theme_mentions);
}

#[test]
fn parquet_output_to_a_pipe_and_into_row_groups() {
    // stdout is a pipe here: allowed (a terminal is refused).
    let out = run_ok(koe().args([
        "analyze",
        "-q",
        "--format",
        "parquet",
        fixture("ingest/appstore_reviews.csv").to_str().unwrap(),
    ]));
    assert!(out.stdout.starts_with(b"PAR1") && out.stdout.ends_with(b"PAR1"));
    let dir = tempfile::tempdir().unwrap();
    let piped = dir.path().join("piped.parquet");
    std::fs::write(&piped, &out.stdout).unwrap();
    let (batches, _) = read_parquet(&piped);
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert!(rows > 10);

    // An input bigger than a batch of the writer: several batches, one file, every row.
    let pq = dir.path().join("many.parquet");
    let n = koe::export::parquet::BATCH_ROWS + 300;
    write_parquet(&pq, &[many_rows(n, 0)], 1000);
    let out = dir.path().join("out.parquet");
    analyze_to(&out, std::slice::from_ref(&pq), "parquet");
    let (batches, _) = read_parquet(&out);
    let ids: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let c = b.column_by_name("id").unwrap().as_string::<i32>().clone();
            (0..c.len()).map(move |k| c.value(k).to_string())
        })
        .collect();
    let expected: Vec<String> = (0..n)
        .filter(|i| i % 97 != 5)
        .map(|i| format!("r{i}"))
        .collect();
    assert_eq!(ids, expected);
}
