//! Discovery of recurring themes nobody listed.
//!
//! 1. Candidates, per record and in parallel ([`candidates`]): phrases cut by part-of-speech
//!    patterns, the same for every language because every language has the same coarse
//!    POS: noun compounds (解約 手続き, 고객 센터, customer service), adjective + noun
//!    (遅い 配送, 느린 배송, slow delivery), noun + particle + predicate with its negation
//!    (電話が繋がらない, 배송이 늦다, app keeps crashing) and, for English, negated verbs
//!    (can't log in). A candidate is keyed by its lemmas, so inflections count together.
//! 2. Counting while streaming ([`Discovery`]): records per phrase, how many of them are
//!    negative, and how many already carry a taxonomy theme at that place. The table is
//!    pruned lossy-counting style, so memory stays bounded on any input size.
//! 3. Scoring at the end: support × cohesion (how often the words occur together rather
//!    than apart) × distinctiveness (how much more the phrase lives in complaints than the
//!    data at large); phrases the taxonomy already covers are left out; the rest are
//!    clustered by their head word into themes with a readable label and quotes.

use crate::text::fxhash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::ThemeHit;
use super::metrics::window;
use super::taxonomy::{CategoryDef, Labels, TaxonomyFile, Terms, ThemeDef};
use crate::sentiment::Label;
use crate::text::{Lang, Lemma, Pos, TextAnalysis, Token};

/// A phrase found in one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Lemmas, space-separated (a negation is the lemma `NOT`).
    pub key: String,
    /// The first lemma that is a noun (the head the clustering groups by), else the first lemma.
    pub head: Lemma,
    /// The language of its sentence.
    pub lang: Lang,
    /// Byte range in the original text.
    pub start: usize,
    /// Byte end in the original text.
    pub end: usize,
    /// Whether a taxonomy theme was found at the same place.
    pub covered: bool,
}

const NOT: &str = "NOT";

fn content_noun(t: &Token) -> bool {
    t.pos == Pos::Noun
        && !t.stop
        && !t.negator
        && t.lemma.chars().any(crate::text::is_alphabetic)
        && t.lemma.chars().count() + usize::from(t.lemma.is_ascii()) >= 2
}

fn predicate(t: &Token) -> bool {
    matches!(t.pos, Pos::Verb | Pos::Adj) && !t.negator && !t.tag.starts_with("XS")
}

fn function(t: &Token) -> bool {
    matches!(t.pos, Pos::Part | Pos::Aux) || t.tag.starts_with("XS")
}

/// Phrase candidates of an analysed text; `themes` marks the ones a taxonomy theme covers.
pub fn candidates(t: &TextAnalysis, themes: &[ThemeHit]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut negated_verbs: Vec<Candidate> = Vec::new();
    for s in &t.sentences {
        let toks = t.tokens.get(s.tokens.clone()).unwrap_or(&[]);
        let mut push = |idx: &[usize], negated: bool| {
            let mut lemmas: Vec<&str> = idx.iter().map(|&i| &*toks[i].lemma).collect();
            if negated {
                lemmas.push(NOT);
            }
            let head = idx
                .iter()
                .find(|&&i| toks[i].pos == Pos::Noun)
                .or(idx.first())
                .map(|&i| toks[i].lemma.clone())
                .unwrap_or_else(|| "".into());
            let (Some(&a), Some(&b)) = (idx.iter().min(), idx.iter().max()) else {
                return;
            };
            let start = toks[a].span.start;
            let mut end = toks[b].span.end;
            if negated {
                // Extend over the negation so the quote shows it.
                if let Some(n) = toks[b + 1..].iter().take(4).find(|x| x.negator) {
                    end = end.max(n.span.end);
                }
            }
            out.push(Candidate {
                key: lemmas.join(" "),
                head,
                lang: s.lang,
                start,
                end,
                covered: false,
            });
        };
        let n = toks.len();
        let mut i = 0;
        while i < n {
            // Noun compounds: maximal runs of 2–4 content nouns.
            if content_noun(&toks[i]) {
                let mut j = i;
                while j + 1 < n && content_noun(&toks[j + 1]) && j + 1 - i < 4 {
                    j += 1;
                }
                if j > i {
                    push(&(i..=j).collect::<Vec<_>>(), false);
                }
                // Noun + particles + predicate (+ negation).
                let noun = j;
                let mut k = noun + 1;
                let mut negated = false;
                while k < n && k <= noun + 3 && (function(&toks[k]) || toks[k].negator) {
                    negated |= toks[k].negator;
                    k += 1;
                }
                // A verbal noun with its light verb is a predicate too (反映されない,
                // 반영이 안 되다 → 반영 되다).
                let light = |x: usize| {
                    toks.get(x).is_some_and(|t| {
                        t.tag.starts_with("XS")
                            || matches!(&*t.lemma, "する" | "できる" | "される" | "되다" | "하다")
                    })
                };
                if k < n && k <= noun + 3 && content_noun(&toks[k]) && light(k + 1) {
                    negated |= toks[k + 1..].iter().take(4).any(|x| x.negator);
                    let mut idx: Vec<usize> = (i..=noun).collect();
                    idx.push(k);
                    push(&idx, negated);
                } else if k < n && k <= noun + 3 && predicate(&toks[k]) {
                    negated |= toks[k + 1..].iter().take(4).any(|x| x.negator);
                    if !toks[k].stop || negated {
                        let mut idx: Vec<usize> = (i..=noun).collect();
                        idx.push(k);
                        push(&idx, negated);
                    }
                }
                i = j + 1;
                continue;
            }
            // Adjective + noun.
            if toks[i].pos == Pos::Adj && !toks[i].stop && !toks[i].negator {
                let mut k = i + 1;
                while k < n && k <= i + 2 && function(&toks[k]) {
                    k += 1;
                }
                if k < n && content_noun(&toks[k]) {
                    push(&[i, k], false);
                }
            }
            // English: negated verb (+ particle): can't log in, doesn't work.
            if s.lang == Lang::En && toks[i].negator {
                let mut k = i + 1;
                while k < n && k <= i + 2 && toks[k].pos == Pos::Aux {
                    k += 1;
                }
                if k < n && toks[k].pos == Pos::Verb && !toks[k].stop {
                    let mut idx = vec![k];
                    if let Some(p) = toks.get(k + 1)
                        && matches!(&*p.lemma, "in" | "out" | "up" | "on" | "off" | "back")
                    {
                        idx.push(k + 1);
                    }
                    let mut lemmas: Vec<&str> = vec![NOT];
                    lemmas.extend(idx.iter().map(|&x| &*toks[x].lemma));
                    // "doesn't work" reads better than "n't work".
                    let first = if i > 0 && toks[i - 1].pos == Pos::Aux {
                        i - 1
                    } else {
                        i
                    };
                    negated_verbs.push(Candidate {
                        key: lemmas.join(" "),
                        head: toks[k].lemma.clone(),
                        lang: s.lang,
                        start: toks[first].span.start,
                        end: toks[*idx.last().unwrap_or(&k)].span.end,
                        covered: false,
                    });
                }
            }
            i += 1;
        }
    }
    out.append(&mut negated_verbs);
    // Covered = overlaps a theme mention: mentions sorted by start with the running
    // maximum of their ends, one binary search per candidate.
    let mut spans: Vec<(usize, usize)> = themes
        .iter()
        .flat_map(|h| h.mentions.iter().map(|m| (m.start, m.end)))
        .collect();
    spans.sort_unstable();
    let mut max_end = Vec::with_capacity(spans.len());
    let mut running = 0;
    for &(_, e) in &spans {
        running = running.max(e);
        max_end.push(running);
    }
    for c in &mut out {
        let k = spans.partition_point(|&(s, _)| s < c.end);
        c.covered = k > 0 && max_end[k - 1] > c.start;
    }
    // One count per record.
    out.sort_by(|a, b| a.key.cmp(&b.key).then(a.start.cmp(&b.start)));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

#[derive(Debug, Default, Clone)]
struct PhraseStat {
    records: u64,
    negative: u64,
    positive: u64,
    covered: u64,
    head: Lemma,
    lang: Option<Lang>,
    /// Wordings seen (at most 8), with counts.
    surfaces: Vec<(String, u32)>,
    quotes: Vec<(String, String)>,
}

/// Streaming phrase statistics.
#[derive(Debug)]
pub struct Discovery {
    phrases: HashMap<String, PhraseStat>,
    heads: HashMap<Lemma, u64>,
    records: u64,
    negative: u64,
    /// Phrases seen fewer times than this were pruned at some point.
    floor: u64,
    cap: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Self::new(200_000)
    }
}

/// A theme found in the data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiscoveredTheme {
    /// Stable id derived from the head word (`discovered.<head>`).
    pub id: String,
    /// Readable label: the most frequent wording of its best phrase.
    pub label: String,
    /// Language of its phrases.
    pub lang: String,
    /// Records with any of its phrases.
    pub records: u64,
    /// Share of all records.
    pub share: f64,
    /// Share of those records that are negative.
    pub negative_share: f64,
    /// (positive − negative) / records.
    pub net_sentiment: f64,
    /// Score (support × cohesion × distinctiveness).
    pub score: f64,
    /// Its phrases (lemma keys) with their record counts.
    pub phrases: Vec<(String, u64)>,
    /// Up to three representative quotes (record id, text).
    pub quotes: Vec<(String, String)>,
}

impl Discovery {
    /// A table that prunes itself beyond `cap` phrases.
    pub fn new(cap: usize) -> Discovery {
        Discovery {
            phrases: HashMap::default(),
            heads: HashMap::default(),
            records: 0,
            negative: 0,
            floor: 0,
            cap: cap.max(1000),
        }
    }

    /// Adds one record's candidates.
    pub fn add(&mut self, id: &str, text: &str, label: Label, cands: &[Candidate]) {
        self.records += 1;
        if label == Label::Neg {
            self.negative += 1;
        }
        let mut heads_seen: Vec<&Lemma> = Vec::new();
        for c in cands {
            if !heads_seen.contains(&&c.head) {
                heads_seen.push(&c.head);
                match self.heads.get_mut(&c.head) {
                    Some(n) => *n += 1,
                    None => {
                        self.heads.insert(c.head.clone(), 1);
                    }
                }
            }
            if !self.phrases.contains_key(&c.key) {
                self.phrases.insert(c.key.clone(), PhraseStat::default());
            }
            let Some(st) = self.phrases.get_mut(&c.key) else {
                continue;
            };
            st.records += 1;
            match label {
                Label::Neg => st.negative += 1,
                Label::Pos => st.positive += 1,
                Label::Neu => {}
            }
            st.covered += u64::from(c.covered);
            if st.lang.is_none() {
                st.head = c.head.clone();
                st.lang = Some(c.lang);
            }
            // Most phrases are seen once: wordings and quotes are kept from the second
            // record on, so one-off phrases cost no more than their key.
            if st.records < 2 {
                continue;
            }
            if let Some(surface) = text.get(c.start..c.end) {
                if let Some(n) = st.surfaces.iter_mut().find(|(s, _)| s == surface) {
                    n.1 += 1;
                } else if st.surfaces.len() < 8 {
                    st.surfaces.push((surface.to_string(), 1));
                }
                let wants_quote =
                    st.quotes.len() < 3 && (label == Label::Neg || st.quotes.is_empty());
                if wants_quote && !st.quotes.iter().any(|(q, _)| q == id) {
                    let (w, _, _) = window(text, c.start..c.end, 200);
                    st.quotes.push((id.to_string(), w));
                }
            }
        }
        if self.phrases.len() > self.cap {
            self.prune();
        }
    }

    fn prune(&mut self) {
        while self.phrases.len() > self.cap / 2 {
            self.floor += 1;
            let floor = self.floor;
            self.phrases.retain(|_, s| s.records > floor);
        }
        let floor = self.floor;
        self.heads.retain(|_, n| *n > floor);
    }

    /// The best `max` discovered themes.
    pub fn finish(&self, max: usize) -> Vec<DiscoveredTheme> {
        let n = self.records.max(1) as f64;
        let min_support = (3.0_f64).max(n * 0.002).max(self.floor as f64 + 1.0) as u64;
        let base_neg = (self.negative as f64 + 1.0) / (n + 2.0);
        let mut scored: Vec<(f64, &String, &PhraseStat)> = self
            .phrases
            .iter()
            .filter(|(_, s)| s.records >= min_support)
            .filter(|(_, s)| (s.covered as f64) < 0.5 * s.records as f64)
            .map(|(k, s)| {
                let head_df = self.heads.get(&s.head).copied().unwrap_or(s.records).max(1);
                let cohesion = (s.records as f64 / head_df as f64).min(1.0);
                let neg_share = (s.negative as f64 + 1.0) / (s.records as f64 + 2.0);
                let distinct = (neg_share / base_neg).ln().max(0.0);
                let score = (1.0 + s.records as f64).ln() * (0.5 + cohesion) * (1.0 + distinct);
                (score, k, s)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut themes: Vec<DiscoveredTheme> = Vec::new();
        let mut heads: Vec<Lemma> = Vec::new();
        for (score, key, st) in scored {
            if let Some(pos) = heads.iter().position(|h| *h == st.head) {
                let t = &mut themes[pos];
                if t.phrases.len() < 8 {
                    t.phrases.push((key.clone(), st.records));
                }
                for q in &st.quotes {
                    if t.quotes.len() < 3 && !t.quotes.iter().any(|x| x.0 == q.0) {
                        t.quotes.push(q.clone());
                    }
                }
                continue;
            }
            if themes.len() >= max {
                continue;
            }
            let label = st
                .surfaces
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.len().cmp(&a.0.len())))
                .map(|(s, _)| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_else(|| key.clone());
            heads.push(st.head.clone());
            // Records with any phrase of this head (the union over the cluster).
            let records = self
                .heads
                .get(&st.head)
                .copied()
                .unwrap_or(0)
                .max(st.records);
            themes.push(DiscoveredTheme {
                id: format!("discovered.{}", slug(&st.head)),
                label,
                lang: st.lang.unwrap_or_default().as_str().to_string(),
                records,
                share: (records as f64 / n * 1000.0).round() / 1000.0,
                negative_share: (st.negative as f64 / st.records as f64 * 1000.0).round() / 1000.0,
                net_sentiment: ((st.positive as f64 - st.negative as f64) / st.records as f64
                    * 1000.0)
                    .round()
                    / 1000.0,
                score: (score * 1000.0).round() / 1000.0,
                phrases: vec![(key.clone(), st.records)],
                quotes: st.quotes.clone(),
            });
        }
        themes
    }
}

/// An id-safe form of a head word: ASCII kept, anything else as hex of its chars.
fn slug(head: &str) -> String {
    let mut out = String::new();
    for c in head.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() {
            out.push('_');
        } else {
            out.push_str(&format!("u{:x}", c as u32));
        }
    }
    out
}

/// Discovered themes as a taxonomy snippet to adopt (`koe themes --emit-toml`).
pub fn to_taxonomy(themes: &[DiscoveredTheme]) -> TaxonomyFile {
    let mut file = TaxonomyFile {
        version: Some(1),
        max_gap: None,
        categories: vec![CategoryDef {
            id: "discovered".into(),
            label: Labels {
                en: Some("Discovered".into()),
                ja: Some("発見されたテーマ".into()),
                ko: Some("발견된 주제".into()),
            },
        }],
        themes: Vec::new(),
    };
    for t in themes {
        let mut terms = Terms::default();
        let list = match t.lang.as_str() {
            "ja" => &mut terms.ja,
            "ko" => &mut terms.ko,
            _ => &mut terms.en,
        };
        for (key, _) in &t.phrases {
            let term = key
                .split(' ')
                .map(|w| if w == NOT { negator_word(&t.lang) } else { w })
                .collect::<Vec<_>>()
                .join(" ");
            if !list.contains(&term) {
                list.push(term);
            }
        }
        let label = Some(t.label.clone());
        file.themes.push(ThemeDef {
            id: t.id.clone(),
            category: "discovered".into(),
            label: Labels {
                en: if t.lang == "en" { label.clone() } else { None },
                ja: if t.lang == "ja" { label.clone() } else { None },
                ko: if t.lang == "ko" { label.clone() } else { None },
            },
            description: Some(format!(
                "Discovered by koe in {} records ({:.1}% negative).",
                t.records,
                t.negative_share * 100.0
            )),
            terms,
            exclude: Terms::default(),
            max_gap: None,
            residual: false,
            extend: false,
            discovered: true,
        });
    }
    file
}

fn negator_word(lang: &str) -> &'static str {
    match lang {
        "ja" => "ない",
        "ko" => "않다",
        _ => "not",
    }
}
