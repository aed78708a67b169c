//! The shipped Japanese and Korean tokenizer against MeCab itself.
//!
//! `fixtures/text/segment/{ja,ko}.txt` are customer-feedback lines written for koe;
//! `{ja,ko}.mecab.tsv` are MeCab's segmentations of them (MeCab + IPADIC, mecab-ko +
//! mecab-ko-dic, the dictionary data koe embeds), made once by
//! `benches/agreement/make_reference.py`. The fixture goes through the shipped binary,
//! `koe tokenize --lang ja|ko --no-builtin-user-dict --format json`, and every line's
//! token boundaries must be MeCab's exactly, except for the lines listed in
//! `known_differences.tsv` — each with koe's segmentation and the reason — which
//! must keep differing in exactly that way.
//!
//! Like with like: koe's built-in user dictionaries are off (plain MeCab has none),
//! and MeCab's whitespace tokens (U+3000 is a word for IPADIC) are left out, since
//! koe absorbs whitespace into the next word.

use std::collections::BTreeMap;
use std::ops::Range;

use super::common::{fixture, koe, run_ok};

/// One fixture line and MeCab's tokens for it.
struct Line {
    number: usize,
    text: String,
    /// (surface, byte range in `text`, MeCab's feature string).
    tokens: Vec<(String, Range<usize>, String)>,
}

/// Reads `{lang}.mecab.tsv`: a header `#N<TAB>text` per line, then
/// `surface<TAB>start<TAB>end<TAB>feature` per token.
fn reference(lang: &str) -> Vec<Line> {
    let path = fixture(&format!("text/segment/{lang}.mecab.tsv"));
    let tsv = std::fs::read_to_string(&path).expect("reference file");
    let mut lines: Vec<Line> = Vec::new();
    for (i, row) in tsv.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), i + 1);
        // A header has two fields (the text has no tab), a token four ("#" is a token too).
        let fields: Vec<&str> = row.splitn(4, '\t').collect();
        if let [header, text] = fields[..] {
            let number = header.strip_prefix('#').and_then(|n| n.parse().ok());
            lines.push(Line {
                number: number.unwrap_or_else(|| panic!("{}: `#N` expected", at())),
                text: text.to_string(),
                tokens: Vec::new(),
            });
            continue;
        }
        let [surface, start, end, feature] = fields[..] else {
            panic!("{}: two or four fields expected", at());
        };
        let span = start.parse().unwrap()..end.parse().unwrap();
        let line = lines.last_mut().unwrap_or_else(|| panic!("{}", at()));
        assert_eq!(&line.text[span.clone()], surface, "{}", at());
        line.tokens
            .push((surface.to_string(), span, feature.to_string()));
    }
    lines
}

/// The fixture text itself, which the reference must have been made from.
fn fixture_lines(lang: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture(&format!("text/segment/{lang}.txt")))
        .expect("fixture text");
    text.lines().map(str::to_string).collect()
}

/// `known_differences.tsv`: (lang, line) → (koe's surfaces joined by spaces, reason).
fn known_differences() -> BTreeMap<(String, usize), (String, String)> {
    let text = std::fs::read_to_string(fixture("text/segment/known_differences.tsv"))
        .expect("known_differences.tsv");
    let mut out = BTreeMap::new();
    for row in text.lines() {
        if row.starts_with('#') || row.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = row.split('\t').collect();
        let [lang, line, koe, reason] = fields[..] else {
            panic!("known_differences.tsv: four tab-separated fields expected: {row:?}");
        };
        assert!(!reason.trim().is_empty(), "no reason given: {row:?}");
        let key = (lang.to_string(), line.parse().expect("line number"));
        let old = out.insert(key, (koe.to_string(), reason.to_string()));
        assert!(old.is_none(), "listed twice: {row:?}");
    }
    out
}

/// The token spans `koe tokenize` gives each line of the fixture, without koe's own
/// user dictionaries.
fn koe_spans(lang: &str) -> Vec<Vec<Range<usize>>> {
    let out = run_ok(
        koe()
            .args([
                "tokenize",
                "--lang",
                lang,
                "--no-builtin-user-dict",
                "--format",
                "json",
            ])
            .arg(fixture(&format!("text/segment/{lang}.txt"))),
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    stdout
        .lines()
        .enumerate()
        .map(|(i, row)| {
            let v: serde_json::Value = serde_json::from_str(row).expect("a JSON line");
            assert_eq!(v["line"], i + 1, "{row}");
            let tokens = v["tokens"].as_array().expect("tokens");
            let at = |t: &serde_json::Value, key: &str| t[key].as_u64().expect(key) as usize;
            tokens
                .iter()
                .map(|t| at(t, "start")..at(t, "end"))
                .collect()
        })
        .collect()
}

fn wakati(text: &str, spans: &[Range<usize>]) -> String {
    spans
        .iter()
        .map(|s| &text[s.clone()])
        .collect::<Vec<_>>()
        .join(" | ")
}

fn check(lang_name: &str) {
    let lines = reference(lang_name);
    let texts = fixture_lines(lang_name);
    assert_eq!(
        lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        texts.iter().map(String::as_str).collect::<Vec<_>>(),
        "{lang_name}.mecab.tsv is not of {lang_name}.txt: rerun benches/agreement/make_reference.py"
    );
    assert!(lines.len() >= 200, "{} lines", lines.len());
    let known = known_differences();
    let spans = koe_spans(lang_name);
    assert_eq!(spans.len(), lines.len(), "one output line per input line");
    let (mut exact, mut ref_tokens, mut koe_tokens, mut same_tokens) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line.number, i + 1, "{lang_name}.mecab.tsv line numbers");
        let words: Vec<&(String, Range<usize>, String)> = line
            .tokens
            .iter()
            .filter(|(surface, _, _)| !surface.chars().all(char::is_whitespace))
            .collect();
        let mecab: Vec<Range<usize>> = words.iter().map(|(_, span, _)| span.clone()).collect();
        let ours = &spans[i];
        ref_tokens += mecab.len();
        koe_tokens += ours.len();
        same_tokens += mecab.iter().filter(|s| ours.contains(s)).count();
        let agree = *ours == mecab;
        exact += usize::from(agree);
        let koe_wakati = wakati(&line.text, ours);
        let listed = known.get(&(lang_name.to_string(), line.number));
        let problem = match (agree, listed) {
            (true, None) => None,
            (true, Some(_)) => Some("now agrees with MeCab: remove it from known_differences.tsv"),
            (false, None) => Some("differs from MeCab"),
            (false, Some((expected, _))) if *expected != koe_wakati => {
                Some("differs otherwise than known_differences.tsv says")
            }
            (false, Some(_)) => None,
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "{lang_name} line {}: {problem}\n  text:  {}\n  mecab: {}\n  koe:   {}",
                line.number,
                line.text,
                words
                    .iter()
                    .map(|(surface, _, feature)| {
                        format!("{surface}[{}]", feature.split(',').next().unwrap_or(""))
                    })
                    .collect::<Vec<_>>()
                    .join(" | "),
                koe_wakati,
            ));
        }
    }
    eprintln!(
        "{lang_name}: {exact} of {} lines segmented as MeCab ({:.1}%); tokens: MeCab {ref_tokens}, \
         koe {koe_tokens}, MeCab's found by koe {same_tokens}",
        lines.len(),
        100.0 * exact as f64 / lines.len() as f64,
    );
    assert!(
        failures.is_empty(),
        "{} {lang_name} line(s) against MeCab:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[cfg(feature = "ja")]
#[test]
fn japanese_segments_as_mecab_ipadic() {
    check("ja");
}

#[cfg(feature = "ko")]
#[test]
fn korean_segments_as_mecab_ko() {
    check("ko");
}
