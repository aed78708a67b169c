//! End-to-end pipeline benches, on all threads:
//!
//! * `pipeline/analyze_csv_ja_jsonl`: a CSV built from `../shared/corpus/ja.txt` (or
//!   the fixtures), parsed, analysed in parallel batches and serialised as JSON lines;
//! * `index/write_analysed`: indexing records that are already analysed (the index
//!   writer alone: documents, postings, columns, doc store, commit), reviews/s;
//! * `search/*`: queries against an index, with a latency report (p50/p99 over a
//!   mix of ja/ko/en keyword, phrase, filter and sorted queries) printed first.
//!   The index is `$KOE_BENCH_INDEX` when set (e.g. 1M generated reviews:
//!   `koe generate --size 1000000 -o gen.csv && koe index gen.csv --index DIR`),
//!   else one built from the corpus sample.
//!
//! Run: `cargo bench --bench pipeline [-- FILTER]`.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use koe::analyze::Analysis;
use koe::analyze::Analyzer;
use koe::analyze::output::write_jsonl;
use koe::analyze::pipeline::{self, BatchLimits, Outcome};
use koe::index::{KoeIndex, SearchOptions, Sort};
use koe::ingest::{IngestOptions, Reader, Record};

/// The allocator the `koe` binary uses (see src/main.rs), so that the figures are
/// those of the shipped tool rather than of glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SAMPLE_BYTES: usize = 4 * 1024 * 1024;

fn corpus_dir() -> PathBuf {
    std::env::var_os("KOE_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

fn csv_input() -> Vec<u8> {
    let dir = corpus_dir();
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
                    write_jsonl(&mut buf, r, a).expect("in memory");
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

/// Reviews from the corpus, ja/ko/en interleaved (the fixtures when there is no
/// corpus), as a CSV with date, rating and channel.
fn mixed_csv(records: usize) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lines = |lang: &str| -> Vec<String> {
        std::fs::read_to_string(corpus_dir().join(format!("{lang}.txt")))
            .or_else(|_| {
                std::fs::read_to_string(root.join(format!("fixtures/text/reviews_{lang}.txt")))
            })
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(records)
            .map(String::from)
            .collect()
    };
    let sources = [lines("ja"), lines("ko"), lines("en")];
    let mut out = String::from("id,date,rating,channel,text\n");
    let mut n = 0;
    'outer: for i in 0.. {
        for (k, src) in sources.iter().enumerate() {
            if src.is_empty() {
                continue;
            }
            if n >= records {
                break 'outer;
            }
            let line = &src[i % src.len()];
            out.push_str(&format!(
                "r{n},2026-{:02}-{:02},{},{},\"{}\"\n",
                n % 12 + 1,
                n % 28 + 1,
                (n * 7 + k) % 5 + 1,
                ["app", "web", "chat", "phone"][n % 4],
                line.replace('"', "\"\"")
            ));
            n += 1;
        }
    }
    out.into_bytes()
}

/// Analyses a CSV with index tokens, keeping every record and its analysis.
fn analysed(analyzer: &Analyzer, csv: Vec<u8>) -> Vec<(Box<Record>, Box<Analysis>)> {
    let reader = Reader::open(
        Arc::from("bench.csv"),
        Box::new(Cursor::new(csv)),
        None,
        &IngestOptions::default(),
    )
    .expect("reader");
    let mut out = Vec::new();
    pipeline::run(
        analyzer,
        reader,
        BatchLimits::default(),
        |_, _| Vec::new(),
        |o, _| -> std::io::Result<()> {
            if let Outcome::Analysed(r, a) = o {
                out.push((r, a));
            }
            Ok(())
        },
        || {},
    )
    .expect("pipeline");
    out
}

fn write_index(dir: &Path, analyzer: &Analyzer, docs: &[(Box<Record>, Box<Analysis>)]) -> KoeIndex {
    let index = KoeIndex::create_or_open(dir, analyzer.text(), true).expect("index");
    let mut writer = index.writer().expect("writer");
    for (r, a) in docs {
        writer.add(r, a).expect("add");
    }
    writer.finish().expect("commit");
    index
}

const INDEX_RECORDS: usize = 20_000;

fn bench_index(c: &mut Criterion) {
    let analyzer = Analyzer::builder()
        .build()
        .expect("dictionaries")
        .with_search_terms();
    let docs = analysed(&analyzer, mixed_csv(INDEX_RECORDS));
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("write_analysed", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let index = write_index(dir.path(), &analyzer, &docs);
            assert_eq!(index.num_docs().expect("count"), docs.len() as u64);
        })
    });
    group.finish();
}

/// The query mix of the latency report: (query, sort).
const QUERIES: &[(&str, Sort)] = &[
    ("部屋", Sort::Relevance),
    ("対応", Sort::Relevance),
    ("風呂", Sort::Relevance),
    ("遅い", Sort::Relevance),
    ("料金 高い", Sort::Relevance),
    ("\"朝食 が\"", Sort::Relevance),
    ("スタッフ -笑顔", Sort::Relevance),
    ("영화", Sort::Relevance),
    ("배우", Sort::Relevance),
    ("재미", Sort::Relevance),
    ("연기 최악", Sort::Relevance),
    ("스토리 OR 내용", Sort::Relevance),
    ("\"시간 아깝다\"", Sort::Relevance),
    ("refund", Sort::Relevance),
    ("battery", Sort::Relevance),
    ("\"customer service\"", Sort::Relevance),
    ("screen broken", Sort::Relevance),
    ("price OR cost", Sort::Relevance),
    ("sentiment:neg", Sort::Relevance),
    ("theme:billing", Sort::Date),
    ("lang:ja rating:<=2", Sort::Date),
    ("date:2026-01..2026-03 영화", Sort::Rating),
    ("nps:detractor channel:app", Sort::Date),
    ("部屋 sentiment:neg", Sort::Date),
    ("재미 rating:>=4", Sort::Rating),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench_search(c: &mut Criterion) {
    let analyzer = Analyzer::builder()
        .build()
        .expect("dictionaries")
        .with_search_terms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = match std::env::var_os("KOE_BENCH_INDEX") {
        Some(dir) => KoeIndex::open(Path::new(&dir), analyzer.text()).expect("KOE_BENCH_INDEX"),
        None => write_index(
            tmp.path(),
            &analyzer,
            &analysed(&analyzer, mixed_csv(INDEX_RECORDS)),
        ),
    };
    let docs = index.num_docs().expect("count");
    let usage = index.space_usage().expect("space usage");
    let total: u64 = usage.values().sum();
    eprintln!("index of {docs} reviews: {:.1} MB", total as f64 / 1e6);
    for (part, bytes) in &usage {
        eprintln!("  {:>9.2} MB  {part}", *bytes as f64 / 1e6);
    }
    let opts = |sort| SearchOptions {
        limit: 10,
        offset: 0,
        sort,
    };
    // Latency report: every query of the mix, warm, several rounds.
    let mut all = Vec::new();
    let mut rows = Vec::new();
    for round in 0..6 {
        for (q, sort) in QUERIES {
            let t = Instant::now();
            let r = index.search(q, &opts(*sort)).expect("search");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round > 0 {
                all.push(ms);
                if round == 1 {
                    rows.push((q, r.total, ms));
                }
            }
        }
    }
    all.sort_by(f64::total_cmp);
    eprintln!(
        "search latency over {docs} reviews, {} queries (limit 10, snippets, facets):",
        all.len()
    );
    for (q, total, ms) in &rows {
        eprintln!("  {ms:8.2} ms  {total:>8} hits  {q}");
    }
    eprintln!(
        "  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
        percentile(&all, 1.0)
    );
    let mut group = c.benchmark_group("search");
    for (name, q, sort) in [
        ("ja_word", "部屋", Sort::Relevance),
        ("ko_word", "영화", Sort::Relevance),
        ("en_phrase", "\"customer service\"", Sort::Relevance),
        ("filters_by_date", "lang:ja rating:<=2", Sort::Date),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let r = index.search(q, &opts(sort)).expect("search");
                assert!(r.total > 0, "{q}: no hits");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_pipeline, bench_index, bench_search);
criterion_main!(benches);
