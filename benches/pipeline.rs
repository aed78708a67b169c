//! End-to-end `analyze` pipeline throughput (ingest + text core + output), on all
//! threads: a CSV built from `../shared/corpus/ja.txt` (or the fixtures), parsed,
//! analysed in parallel batches and serialised as JSON lines.
//!
//! Run: `cargo bench --bench pipeline`.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use koe::analyze::Analyzer;
use koe::analyze::output::write_jsonl;
use koe::analyze::pipeline::{self, BatchLimits, Outcome};
use koe::ingest::{IngestOptions, Reader};

const SAMPLE_BYTES: usize = 4 * 1024 * 1024;

fn csv_input() -> Vec<u8> {
    let dir = std::env::var_os("KOE_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let text = std::fs::read_to_string(dir.join("ja.txt")).unwrap_or_else(|_| {
        std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/text/reviews_ja.txt"),
        )
        .expect("fixture")
        .repeat(2000)
    });
    let mut out = String::from("id,date,rating,text\n");
    for (i, line) in text.lines().enumerate() {
        if out.len() > SAMPLE_BYTES {
            break;
        }
        out.push_str(&format!(
            "{i},2026-01-{:02},{},\"{}\"\n",
            i % 28 + 1,
            i % 5 + 1,
            line.replace('"', "\"\"")
        ));
    }
    out.into_bytes()
}

fn bench_pipeline(c: &mut Criterion) {
    let analyzer = Analyzer::builder().build().expect("dictionaries");
    let input = csv_input();
    let expected = input.iter().filter(|&&b| b == b'\n').count() - 1;
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("analyze_csv_ja_jsonl", |b| {
        b.iter(|| {
            let reader = Reader::open(
                Arc::from("bench.csv"),
                Box::new(Cursor::new(input.clone())),
                None,
                &IngestOptions::default(),
            )
            .expect("reader");
            let mut out = Vec::with_capacity(input.len() * 3);
            let mut n = 0usize;
            pipeline::run(
                &analyzer,
                reader,
                BatchLimits::default(),
                |r, a| {
                    let mut buf = Vec::new();
                    let _ = write_jsonl(&mut buf, r, a);
                    buf
                },
                |o, bytes| -> std::io::Result<()> {
                    if let Outcome::Analysed(..) = o {
                        n += 1;
                        out.extend_from_slice(&bytes);
                    }
                    Ok(())
                },
                || {},
            )
            .expect("pipeline");
            assert!(n + 50 >= expected, "{n} of {expected}");
        })
    });
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
