//! Text-core throughput, single thread: normalization + mojibake check + language
//! and sentence detection + tokenization, per language.
//!
//! Input: the first ~2 MB of `../shared/corpus/{ja,ko,en}.txt` when present
//! (`KOE_CORPUS_DIR` overrides the folder), else the bundled fixtures repeated.
//! Run: `cargo bench --bench text` (set LINDERA_BUILD_DICTIONARY_CACHE_DIR offline).

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use koe::text::{Lang, LangHint, TextProcessor};

/// The allocator the `koe` binary uses (see src/main.rs), so that the figures are
/// those of the shipped tool rather than of glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SAMPLE_BYTES: usize = 2 * 1024 * 1024;

fn corpus(lang: &str) -> Vec<String> {
    let dir = std::env::var_os("KOE_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let text = std::fs::read_to_string(dir.join(format!("{lang}.txt"))).unwrap_or_else(|_| {
        let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("fixtures/text/reviews_{lang}.txt"));
        std::fs::read_to_string(fixture)
            .expect("fixture")
            .repeat(2000)
    });
    let mut lines = Vec::new();
    let mut size = 0;
    for l in text.lines() {
        if size > SAMPLE_BYTES {
            break;
        }
        size += l.len() + 1;
        lines.push(l.to_string());
    }
    lines
}

fn bench_tokenize(c: &mut Criterion) {
    let processor = TextProcessor::builder().build().expect("dictionaries");
    let mut group = c.benchmark_group("tokenize");
    group.sample_size(10);
    for (name, lang) in [("ja", Lang::Ja), ("ko", Lang::Ko), ("en", Lang::En)] {
        let lines = corpus(name);
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let mut worker = processor.new_worker();
        // Counted on first use, so a filtered run pays only for its own language.
        let mut expected: Option<usize> = None;
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{name}_auto"), |b| {
            let expected = *expected.get_or_insert_with(|| {
                lines
                    .iter()
                    .map(|l| worker.analyze(l, LangHint::Auto).tokens.len())
                    .sum()
            });
            b.iter(|| {
                let n: usize = lines
                    .iter()
                    .map(|l| worker.analyze(l, LangHint::Auto).tokens.len())
                    .sum();
                assert_eq!(n, expected);
            })
        });
        group.bench_function(format!("{name}_fixed"), |b| {
            b.iter(|| {
                let n: usize = lines
                    .iter()
                    .map(|l| worker.analyze(l, LangHint::Fixed(lang)).tokens.len())
                    .sum();
                assert!(n > 0);
            })
        });
    }
    group.finish();
}

/// Tokenize + sentiment, to compare with `tokenize/*_auto`: sentiment should add at
/// most 25% to tokenization time.
fn bench_sentiment(c: &mut Criterion) {
    let processor = TextProcessor::builder().build().expect("dictionaries");
    let model = koe::sentiment::SentimentModel::builder()
        .build()
        .expect("lexicons");
    let mut group = c.benchmark_group("sentiment");
    group.sample_size(10);
    for name in ["ja", "ko", "en"] {
        let lines = corpus(name);
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let mut worker = processor.new_worker();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{name}_tokenize_and_score"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for l in &lines {
                    let t = worker.analyze(l, LangHint::Auto);
                    hits += model.score(l, &t).evidence.len();
                }
                assert!(hits > 0 || model.sizes().iter().all(|s| *s == 0));
            })
        });
    }
    group.finish();
}

/// What themes and report metrics add on top of tokenize + sentiment: the matcher,
/// the discovery candidates and the streaming metrics, over texts analysed once
/// up front (compare with `sentiment/*_tokenize_and_score`; the target is ≤ 30%).
fn bench_themes(c: &mut Criterion) {
    use koe::metrics::{Facts, Metrics, MetricsConfig};
    use koe::themes::ThemeMatcher;
    use koe::themes::discover::{Discovery, candidates};
    let processor = TextProcessor::builder().build().expect("dictionaries");
    let model = koe::sentiment::SentimentModel::builder()
        .build()
        .expect("lexicons");
    let matcher = ThemeMatcher::builtin(&processor).expect("taxonomy");
    let mut group = c.benchmark_group("themes");
    group.sample_size(10);
    for name in ["ja", "ko", "en"] {
        let lines = corpus(name);
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let worker = std::cell::RefCell::new(processor.new_worker());
        // Analysed on first use, so a filtered run pays only for what it measures.
        let analysed = std::cell::OnceCell::new();
        let analysed = || {
            analysed.get_or_init(|| {
                lines
                    .iter()
                    .map(|l| {
                        let t = worker.borrow_mut().analyze(l, LangHint::Auto);
                        let s = model.score(l, &t);
                        (t, s)
                    })
                    .collect::<Vec<_>>()
            })
        };
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{name}_match_discover_metrics"), |b| {
            let analysed = analysed();
            b.iter(|| {
                let mut metrics = Metrics::new(matcher.themes().to_vec(), MetricsConfig::default());
                let mut discovery = Discovery::default();
                let mut mentions = 0usize;
                for (l, (t, s)) in lines.iter().zip(analysed) {
                    let hits = matcher.find(t, s);
                    let cands = candidates(t, s, &hits);
                    mentions += hits.len();
                    metrics.add(&Facts {
                        rating: None,
                        date: None,
                        label: s.overall.label,
                        segment: None,
                        themes: &hits,
                        id: "x",
                        text: l,
                    });
                    discovery.add(&cands);
                }
                assert!(mentions > 0);
                assert_eq!(metrics.finish().totals.records as usize, lines.len());
            })
        });
        group.bench_function(format!("{name}_match_only"), |b| {
            let analysed = analysed();
            b.iter(|| {
                let mentions: usize = analysed.iter().map(|(t, s)| matcher.find(t, s).len()).sum();
                assert!(mentions > 0);
            })
        });
        group.bench_function(format!("{name}_candidates_only"), |b| {
            let analysed = analysed();
            let hits: Vec<_> = analysed.iter().map(|(t, s)| matcher.find(t, s)).collect();
            b.iter(|| {
                let n: usize = analysed
                    .iter()
                    .zip(&hits)
                    .map(|((t, s), h)| candidates(t, s, h).len())
                    .sum();
                assert!(n > 0);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_tokenize, bench_sentiment, bench_themes);
criterion_main!(benches);
