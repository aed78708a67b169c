//! The architecture's boundaries, checked on the source rather than only stated
//! (ARCHITECTURE.md, "Invariants"):
//!
//! * the library's stages form a DAG, in the order of [`LAYERS`]: a module uses only
//!   modules of earlier layers (`crate::…` paths outside test code);
//! * tantivy is used only under `src/index/`; axum, hyper and tokio only under
//!   `src/server/`; pyo3 only under `src/python/`;
//! * only the CLI (`src/cli/`, `src/main.rs`) and the server print.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The library's top-level modules, stage by stage; a module may use the modules of
/// earlier layers only (modules in one layer do not use each other).
const LAYERS: &[&[&str]] = &[
    &["text"],
    &["ingest"],
    &["sentiment"],
    &["themes"],
    &["analyze"],
    &["metrics"],
    &["index", "report", "export"],
    &["server", "python"],
];

/// Crates only one module may use.
const OWNED_CRATES: &[(&str, &str)] = &[
    ("tantivy", "src/index/"),
    ("axum", "src/server/"),
    ("hyper", "src/server/"),
    ("hyper_util", "src/server/"),
    ("http_body_util", "src/server/"),
    ("tokio", "src/server/"),
    ("pyo3", "src/python/"),
    ("arrow_pyarrow", "src/python/"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its test module (`#[cfg(test)]` up to the end: koe
/// keeps test modules last) and without comment lines.
fn code(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        // A trailing comment is not code either.
        let line = match line.find(" //") {
            Some(at) => &line[..at],
            None => line,
        };
        out.push((i + 1, line));
    }
    out
}

struct Source {
    /// Path relative to the package root, with `/`.
    rel: String,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| Source {
            rel: p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/"),
            text: std::fs::read_to_string(&p).unwrap_or_default(),
        })
        .collect()
}

/// The top-level library module of a file (`None` for the binary and the crate root).
fn module_of(rel: &str) -> Option<&str> {
    let rest = rel.strip_prefix("src/")?;
    let (first, _) = rest.split_once('/').unwrap_or((rest, ""));
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main" | "cli")).then_some(name)
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::name` in a line.
fn crate_paths(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `mycrate::`
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

#[test]
fn every_library_module_has_a_layer() {
    let mut missing = Vec::new();
    for s in sources() {
        if let Some(m) = module_of(&s.rel)
            && layer_of(m).is_none()
        {
            missing.push(format!("{} ({m})", s.rel));
        }
    }
    assert!(
        missing.is_empty(),
        "modules with no place in LAYERS (add them to the DAG on purpose): {missing:?}"
    );
}

#[test]
fn stages_form_a_dag() {
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut wrong = Vec::new();
    for s in sources() {
        let Some(from) = module_of(&s.rel) else {
            continue;
        };
        let Some(from_layer) = layer_of(from) else {
            continue;
        };
        for (n, line) in code(&s.text) {
            for to in crate_paths(line) {
                let Some(to_layer) = layer_of(to) else {
                    continue; // crate-root items
                };
                if to == from {
                    continue;
                }
                edges
                    .entry((from.to_string(), to.to_string()))
                    .or_insert_with(|| format!("{}:{n}", s.rel));
                if to_layer >= from_layer {
                    wrong.push(format!(
                        "{}:{n}: `{from}` uses `{to}` (a later or the same stage): {}",
                        s.rel,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the stages must form a DAG in the order text → ingest → sentiment → themes → analyze → metrics → (index, report) → server:\n{}",
        wrong.join("\n")
    );
    // The check sees real edges (it would pass vacuously on an empty parse).
    assert!(edges.contains_key(&("analyze".to_string(), "text".to_string())));
    assert!(edges.contains_key(&("report".to_string(), "analyze".to_string())));
}

#[test]
fn owned_crates_stay_in_their_module() {
    let mut wrong = Vec::new();
    for s in sources() {
        for (n, line) in code(&s.text) {
            for (krate, home) in OWNED_CRATES {
                let used = line.contains(&format!("{krate}::"))
                    && !line.contains(&format!("_{krate}::"))
                    && !line.contains(&format!("{krate}::{{self"))
                    || line.trim_start().starts_with(&format!("use {krate}"));
                if used && !s.rel.starts_with(home) {
                    wrong.push(format!(
                        "{}:{n}: `{krate}` outside {home}: {}",
                        s.rel,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn only_the_cli_and_the_server_print() {
    let mut wrong = Vec::new();
    for s in sources() {
        if s.rel.starts_with("src/cli/")
            || s.rel == "src/main.rs"
            || s.rel.starts_with("src/server/")
        {
            continue;
        }
        for (n, line) in code(&s.text) {
            for mac in ["println!", "eprintln!", "print!", "eprint!", "dbg!"] {
                let hit = line.match_indices(mac).any(|(at, _)| {
                    !line[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    wrong.push(format!("{}:{n}: {}", s.rel, line.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the library returns values and errors; printing belongs to src/cli and src/server:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_check() {
    // The parsers of this module, on lines they must flag and lines they must not.
    assert_eq!(
        crate_paths("use crate::text::{Lang}; x = crate::index::f();"),
        ["text", "index"]
    );
    assert!(crate_paths("$crate::x; mycrate::y").is_empty());
    assert_eq!(
        code("a\n// b\nc // d\n#[cfg(test)]\nmod tests {}\n"),
        [(1, "a"), (3, "c")]
    );
    assert_eq!(module_of("src/text/lattice.rs"), Some("text"));
    assert_eq!(module_of("src/cli/run.rs"), None);
}
