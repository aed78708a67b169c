//! Shared test helpers.

use std::path::{Path, PathBuf};

use serde_json::Value;
use std::sync::OnceLock;

use koe::text::{LangHint, TextAnalysis, TextProcessor};

/// One processor per test binary: dictionaries load once.
pub fn processor() -> &'static TextProcessor {
    static P: OnceLock<TextProcessor> = OnceLock::new();
    P.get_or_init(|| TextProcessor::builder().build().expect("dictionaries load"))
}

/// Analyses `text` with a fresh worker.
pub fn analyze(text: &str, hint: LangHint) -> TextAnalysis {
    processor().new_worker().analyze(text, hint)
}

/// `surface/lemma/POS` per token, `!` marking negators, space-separated.
pub fn render(text: &str, a: &TextAnalysis) -> String {
    a.tokens
        .iter()
        .map(|t| {
            format!(
                "{}/{}/{}{}",
                &text[t.span.clone()],
                t.lemma,
                t.pos,
                if t.negator { "!" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The `koe` binary under test.
pub fn koe() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("koe").expect("koe binary")
}

/// Runs `cmd` and returns its output, failing the test with its stderr unless it
/// succeeded.
pub fn run_ok(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The ids of a search answer's hits, sorted.
pub fn hit_ids(v: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// Nine support records (ja, ko, en) with dates, ratings and channels, for the index
/// and server tests.
pub const SUPPORT_DUMP: &str = "id,date,rating,channel,text
j1,2026-01-05,2,app,配送が遅くて困りました。
j2,2026-01-20,1,email,返信が遅かったです。二度と使いません。
j3,2026-02-03,5,app,対応が早くて助かりました。
k1,2026-02-10,1,phone,해지하고 싶은데 방법을 모르겠어요.
k2,2026-03-01,2,app,해지했는데 요금이 또 나갔어요.
k3,2026-03-15,5,app,배송이 빨라요. 좋아요.
e1,2026-03-20,1,email,They refunded me only half of the money.
e2,2026-04-02,2,chat,\"Two refunds requested, none arrived.\"
e3,2026-04-10,5,app,Great app and fast delivery.
";

/// A `koe analyze` run: exit code, output, summary and rejects.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub summary: Value,
    pub rejects: Vec<Value>,
}

/// Runs `koe analyze INPUTS --summary-json --rejects EXTRA` in a temporary directory.
pub fn analyze_run(inputs: &[&Path], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let rejects = dir.path().join("rejects.jsonl");
    let out = koe()
        .arg("analyze")
        .args(inputs)
        .arg("--summary-json")
        .arg(&summary)
        .arg("--rejects")
        .arg(&rejects)
        .args(extra)
        .output()
        .unwrap();
    let summary = std::fs::read_to_string(&summary)
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(Value::Null);
    let rejects = std::fs::read_to_string(&rejects)
        .map(|s| {
            s.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .unwrap_or_default();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary,
        rejects,
    }
}

/// The output records of a run (JSON lines).
pub fn records(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Reproducible randomness: a `fastrand` generator from a fixed seed.
pub struct Rng(fastrand::Rng);

impl Rng {
    /// The generator seeded with `seed` (same seed, same numbers).
    pub fn new(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.usize(..n) }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }

    /// Shuffles `v` in place.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        self.0.shuffle(v)
    }

    /// One of `items`, at random.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.0.u8(..)).collect()
    }
}
