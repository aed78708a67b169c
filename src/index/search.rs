//! Searching: the parsed query becomes a tantivy boolean query over lemma terms and
//! filters; hits come back with a snippet cut from the ORIGINAL text around the
//! matched tokens, and facet counts (theme, sentiment, language, month) of the whole
//! matched set.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;

use serde::Serialize;
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Order, Score, Searcher, SegmentReader, TantivyDocument, Term};

use super::query::{self, Atom, Cmp};
use super::{Cancel, IndexError, KoeIndex, segment_term, tantivy_err};
use crate::text::{LangHint, Pos, TextWorker};

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first.
    Date,
    /// Lowest rating first (the angriest).
    Rating,
}

/// Paging and order.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Order.
    pub sort: Sort,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            offset: 0,
            sort: Sort::Relevance,
        }
    }
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Record id.
    pub id: String,
    /// Relevance score (relevance order only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// NPS band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<String>,
    /// Language.
    pub lang: String,
    /// Sentiment label.
    pub sentiment: String,
    /// Sentiment score.
    pub sentiment_score: f64,
    /// Themes with their sentiment.
    pub themes: Vec<HitTheme>,
    /// Segment columns (key lower-cased).
    pub segments: BTreeMap<String, String>,
    /// A window of the original text around the first match.
    pub snippet: String,
    /// Byte ranges in `snippet` to highlight.
    pub highlights: Vec<(usize, usize)>,
    /// Byte ranges of the matches in the original text.
    pub matches: Vec<(usize, usize)>,
}

/// A theme of a hit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HitTheme {
    /// Theme id.
    pub id: String,
    /// Sentiment of the record's mentions of the theme (`pos`, `neg`, `neu`).
    pub sentiment: String,
}

/// Counts over the whole matched set.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Facets {
    /// By theme id.
    pub theme: BTreeMap<String, u64>,
    /// By sentiment label.
    pub sentiment: BTreeMap<String, u64>,
    /// By language.
    pub lang: BTreeMap<String, u64>,
    /// By month.
    pub month: BTreeMap<String, u64>,
}

/// What a search returns.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The query.
    pub query: String,
    /// Hits matched in all.
    pub total: u64,
    /// This page.
    pub hits: Vec<Hit>,
    /// Facet counts of all matches.
    pub facets: Facets,
}

/// Longest snippet, in bytes.
const SNIPPET_BYTES: usize = 200;

/// Weight of a match inside a compound relative to a whole-word match.
const PART_BOOST: Score = 0.4;

/// Counts facet values of every matched document from the columns: per term ordinal
/// (dense vectors: the dictionaries are small) for theme, sentiment and language, per
/// day for the date (turned into months once, at harvest). Blocks of documents are
/// read column by column; once cancelled, the rest are skipped.
struct FacetCollector(Cancel);

/// Days spanned by a segment beyond which days are counted in a map, not a vector.
const DENSE_DAYS: i64 = 200_000;

struct FacetSegment {
    cancel: Cancel,
    stopped: bool,
    /// Theme ids (several per record).
    theme: Option<StrColumn>,
    themes: Vec<u64>,
    /// Single-valued keyword columns (sentiment, language) as ordinals, with counts.
    single: [(Option<StrColumn>, Vec<u64>); 2],
    day: Option<tantivy::columnar::Column<i64>>,
    first_day: i64,
    days: Vec<u64>,
    sparse_days: HashMap<i64, u64>,
    ords: Vec<Option<u64>>,
    day_vals: Vec<Option<i64>>,
    rows: Vec<u32>,
    row_docs: Vec<u32>,
    theme_vals: Vec<u64>,
}

impl FacetSegment {
    fn count_day(&mut self, d: i64) {
        match usize::try_from(d - self.first_day)
            .ok()
            .and_then(|i| self.days.get_mut(i))
        {
            Some(n) => *n += 1,
            None => *self.sparse_days.entry(d).or_default() += 1,
        }
    }
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let ff = segment.fast_fields();
        let theme = ff.str("theme")?;
        let themes = vec![0; theme.as_ref().map_or(0, |c| c.num_terms())];
        let single = [ff.str("sentiment")?, ff.str("lang")?].map(|c| {
            let counts = vec![0; c.as_ref().map_or(0, |c| c.num_terms())];
            (c, counts)
        });
        let day = ff.i64("day").ok();
        let (first_day, span) = match &day {
            Some(c) if c.num_docs() > 0 => (c.min_value(), c.max_value() - c.min_value() + 1),
            _ => (0, 0),
        };
        let days = if (1..=DENSE_DAYS).contains(&span) {
            vec![0; span as usize]
        } else {
            Vec::new()
        };
        Ok(FacetSegment {
            cancel: self.0.clone(),
            stopped: false,
            theme,
            themes,
            single,
            day,
            first_day,
            days,
            sparse_days: HashMap::new(),
            ords: Vec::new(),
            day_vals: Vec::new(),
            rows: Vec::new(),
            row_docs: Vec::new(),
            theme_vals: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut out = Facets::default();
        for f in fruits {
            for (mine, theirs) in [
                (&mut out.theme, f.theme),
                (&mut out.sentiment, f.sentiment),
                (&mut out.lang, f.lang),
                (&mut out.month, f.month),
            ] {
                for (k, v) in theirs {
                    *mine.entry(k).or_default() += v;
                }
            }
        }
        Ok(out)
    }
}

fn bump(counts: &mut [u64], ord: u64) {
    if let Some(c) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
        *c += 1;
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.stopped = self.stopped || self.cancel.is_cancelled();
        if self.stopped {
            return;
        }
        if let Some(col) = &self.theme {
            // Most records have no theme: find the rows of the block at once.
            let ords = col.ords();
            self.rows.clear();
            self.row_docs.clear();
            ords.row_ids_for_docs(docs, &mut self.row_docs, &mut self.rows);
            if !self.rows.is_empty() {
                self.theme_vals.resize(self.rows.len(), 0);
                ords.values.get_vals(&self.rows, &mut self.theme_vals);
                for &ord in &self.theme_vals {
                    bump(&mut self.themes, ord);
                }
            }
        }
        self.ords.resize(docs.len(), None);
        for (col, counts) in &mut self.single {
            if let Some(col) = col {
                col.ords().first_vals(docs, &mut self.ords);
                for ord in self.ords.iter().flatten() {
                    bump(counts, *ord);
                }
            }
        }
        if let Some(col) = &self.day {
            self.day_vals.resize(docs.len(), None);
            col.first_vals(docs, &mut self.day_vals);
            let vals = std::mem::take(&mut self.day_vals);
            for d in vals.iter().flatten() {
                self.count_day(*d);
            }
            self.day_vals = vals;
        }
    }

    fn harvest(self) -> Facets {
        let names = |col: Option<&StrColumn>, counts: &[u64]| -> BTreeMap<String, u64> {
            let mut m = BTreeMap::new();
            if let Some(col) = col {
                let mut s = String::new();
                for (ord, &n) in counts.iter().enumerate().filter(|&(_, &n)| n > 0) {
                    s.clear();
                    if col.ord_to_str(ord as u64, &mut s).unwrap_or(false) && !s.ends_with(".*") {
                        m.insert(s.clone(), n);
                    }
                }
            }
            m
        };
        let mut month = BTreeMap::new();
        let dense = self
            .days
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(i, &n)| (self.first_day + i as i64, n));
        for (day, n) in dense.chain(self.sparse_days.iter().map(|(&d, &n)| (d, n))) {
            let d = crate::ingest::Date::from_days_since_epoch(day);
            *month
                .entry(format!("{:04}-{:02}", d.year, d.month))
                .or_default() += n;
        }
        Facets {
            theme: names(self.theme.as_ref(), &self.themes),
            sentiment: names(self.single[0].0.as_ref(), &self.single[0].1),
            lang: names(self.single[1].0.as_ref(), &self.single[1].1),
            month,
        }
    }
}

/// A hit's values kept in fast fields (columnar), not in the document store.
struct FastValues {
    day: Option<i64>,
    rating: Option<f64>,
    score: Option<f64>,
    lang: Option<String>,
    sentiment: Option<String>,
    nps: Option<String>,
    themes: Vec<HitTheme>,
    segments: BTreeMap<String, String>,
}

impl FastValues {
    fn read(seg: &SegmentReader, doc: DocId) -> FastValues {
        let ff = seg.fast_fields();
        let all = |name: &str| super::facts::strings(&ff.str(name).ok().flatten(), doc);
        let text = |name: &str| all(name).into_iter().next();
        let pairs = |name: &str| -> Vec<(String, String)> {
            all(name)
                .into_iter()
                .filter_map(|s| {
                    s.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        };
        FastValues {
            day: ff.i64("day").ok().and_then(|c| c.first(doc)),
            rating: ff.f64("rating").ok().and_then(|c| c.first(doc)),
            score: ff
                .i64("score")
                .ok()
                .and_then(|c| c.first(doc))
                .map(|s| s as f64 / 1000.0),
            lang: text("lang"),
            sentiment: text("sentiment"),
            nps: text("nps"),
            themes: pairs("theme_sentiment")
                .into_iter()
                .map(|(id, sentiment)| HitTheme { id, sentiment })
                .collect(),
            segments: pairs("segment").into_iter().collect(),
        }
    }
}

/// Query lemmas of a piece of text: tokens but punctuation and symbols; stopwords go
/// unless nothing else is left.
fn lemmas(worker: &mut TextWorker, text: &str) -> Vec<String> {
    let a = worker.analyze(text, LangHint::Auto);
    let all: Vec<&crate::text::Token> = a
        .tokens
        .iter()
        .filter(|t| !matches!(t.pos, Pos::Punct | Pos::Sym))
        .collect();
    let content: Vec<String> = all
        .iter()
        .filter(|t| !t.stop)
        .map(|t| t.lemma.to_string())
        .collect();
    if content.is_empty() {
        all.iter().map(|t| t.lemma.to_string()).collect()
    } else {
        content
    }
}

impl KoeIndex {
    fn theme_terms(&self, searcher: &Searcher) -> Vec<String> {
        let mut out = HashSet::new();
        for seg in searcher.segment_readers() {
            if let Ok(inv) = seg.inverted_index(self.fields.theme)
                && let Ok(mut stream) = inv.terms().stream()
            {
                while stream.advance() {
                    if let Ok(s) = std::str::from_utf8(stream.key()) {
                        out.insert(s.to_string());
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    fn atom_query(
        &self,
        atom: &Atom,
        worker: &mut TextWorker,
        searcher: &Searcher,
        highlight: &mut HashSet<String>,
    ) -> Box<dyn Query> {
        let f = &self.fields;
        let term_q = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        match atom {
            Atom::Word(w) => {
                let ls = lemmas(worker, w);
                highlight.extend(ls.iter().cloned());
                let subs: Vec<(Occur, Box<dyn Query>)> = ls
                    .iter()
                    .map(|l| {
                        let word: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(f.text, l),
                            IndexRecordOption::WithFreqs,
                        ));
                        // Or a part of a compound (風呂 in 露天風呂), ranked lower.
                        let part: Box<dyn Query> = Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(
                                Term::from_field_text(f.parts, l),
                                IndexRecordOption::WithFreqs,
                            )),
                            PART_BOOST,
                        ));
                        let q: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                            (Occur::Should, word),
                            (Occur::Should, part),
                        ]));
                        (Occur::Must, q)
                    })
                    .collect();
                if subs.is_empty() {
                    Box::new(AllQuery)
                } else {
                    Box::new(BooleanQuery::new(subs))
                }
            }
            Atom::Phrase(p) => {
                let a = worker.analyze(p, LangHint::Auto);
                let toks = crate::text::search_terms(&a);
                highlight.extend(toks.iter().map(|t| t.lemma.to_string()));
                let terms: Vec<Term> = toks
                    .iter()
                    .map(|t| Term::from_field_text(f.text, &t.lemma))
                    .collect();
                match terms.len() {
                    0 => Box::new(AllQuery),
                    1 => Box::new(TermQuery::new(
                        terms[0].clone(),
                        IndexRecordOption::WithFreqs,
                    )),
                    _ => Box::new(PhraseQuery::new(terms)),
                }
            }
            Atom::Theme(v) => {
                let known = self.theme_terms(searcher);
                let wanted: Vec<&String> = known
                    .iter()
                    .filter(|t| {
                        *t == v
                            || **t == format!("{v}.*")
                            || (!t.ends_with(".*") && t.ends_with(&format!(".{v}")))
                    })
                    .collect();
                let subs: Vec<(Occur, Box<dyn Query>)> = wanted
                    .iter()
                    .map(|t| (Occur::Should, term_q(f.theme, t)))
                    .collect();
                if subs.is_empty() {
                    // No such theme in the index: matches nothing.
                    term_q(f.theme, v)
                } else {
                    Box::new(BooleanQuery::new(subs))
                }
            }
            Atom::Sentiment(s) => term_q(f.label, s),
            Atom::Lang(l) => term_q(f.lang, l),
            Atom::Nps(n) => term_q(f.nps, n),
            Atom::Segment(k, v) => term_q(f.segment, &segment_term(k, v)),
            Atom::Rating(cmp) => {
                let t = |x: f64| Term::from_field_f64(f.rating, x);
                let (lo, hi) = match *cmp {
                    Cmp::Eq(x) => (Bound::Included(t(x)), Bound::Included(t(x))),
                    Cmp::Le(x, strict) => (
                        Bound::Unbounded,
                        if strict {
                            Bound::Excluded(t(x))
                        } else {
                            Bound::Included(t(x))
                        },
                    ),
                    Cmp::Ge(x, strict) => (
                        if strict {
                            Bound::Excluded(t(x))
                        } else {
                            Bound::Included(t(x))
                        },
                        Bound::Unbounded,
                    ),
                    Cmp::Between(a, b) => (Bound::Included(t(a)), Bound::Included(t(b))),
                };
                Box::new(RangeQuery::new(lo, hi))
            }
            Atom::Date(lo, hi) => {
                let t = |d: i64| Term::from_field_i64(f.day, d);
                Box::new(RangeQuery::new(
                    lo.map_or(Bound::Unbounded, |d| Bound::Included(t(d))),
                    hi.map_or(Bound::Unbounded, |d| Bound::Included(t(d))),
                ))
            }
        }
    }

    /// Runs a query; a blank query matches every record.
    pub fn search(&self, q: &str, opts: &SearchOptions) -> Result<SearchResults, IndexError> {
        self.search_until(q, opts, &Cancel::never())
    }

    /// [`KoeIndex::search`] that stops with [`IndexError::Cancelled`] soon after
    /// `cancel` is.
    pub fn search_until(
        &self,
        q: &str,
        opts: &SearchOptions,
        cancel: &Cancel,
    ) -> Result<SearchResults, IndexError> {
        if opts.offset > super::MAX_OFFSET {
            return Err(IndexError::Paging(format!(
                "the offset must be at most {}",
                super::MAX_OFFSET
            )));
        }
        if opts.limit == 0 || opts.limit > super::MAX_LIMIT {
            return Err(IndexError::Paging(format!(
                "the limit must be at least 1 and at most {}",
                super::MAX_LIMIT
            )));
        }
        cancel.check()?;
        self.guarded(|| {
            let searcher = self.reader.searcher();
            let mut worker = self.take_worker();
            let results = self.search_with(q, opts, &searcher, &mut worker, cancel);
            self.give_back(worker);
            results
        })
    }

    /// One record by id, with its whole text as the snippet.
    pub fn record(&self, id: &str) -> Result<Option<Hit>, IndexError> {
        self.guarded(|| self.record_unguarded(id))
    }

    fn record_unguarded(&self, id: &str) -> Result<Option<Hit>, IndexError> {
        let err = tantivy_err(&self.path);
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let found = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(&err)?;
        let Some((_, addr)) = found.into_iter().next() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(addr).map_err(&err)?;
        let fast = FastValues::read(searcher.segment_reader(addr.segment_ord), addr.doc_id);
        let mut worker = self.take_worker();
        let hit = self.hit(&doc, &fast, None, &HashSet::new(), &mut worker, usize::MAX);
        self.give_back(worker);
        Ok(Some(hit))
    }

    pub(crate) fn take_worker(&self) -> TextWorker {
        let pooled = match self.workers.lock() {
            Ok(mut pool) => pool.pop(),
            Err(_) => None,
        };
        pooled.unwrap_or_else(|| self.text.new_worker())
    }

    pub(crate) fn give_back(&self, worker: TextWorker) {
        if let Ok(mut pool) = self.workers.lock()
            && pool.len() < 64
        {
            pool.push(worker);
        }
    }

    /// The tantivy query of `q` (everything when `q` is blank) and the lemmas to
    /// highlight.
    pub(crate) fn build_query(
        &self,
        q: &str,
        searcher: &Searcher,
        worker: &mut TextWorker,
    ) -> Result<(Box<dyn Query>, HashSet<String>), IndexError> {
        if q.trim().is_empty() {
            return Ok((Box::new(AllQuery), HashSet::new()));
        }
        let clauses = query::parse(q)?;
        let mut highlight = HashSet::new();
        let mut subs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for c in &clauses {
            let mut alts: Vec<Box<dyn Query>> = c
                .any
                .iter()
                .map(|a| {
                    let mut h = HashSet::new();
                    let q = self.atom_query(a, worker, searcher, &mut h);
                    if !c.exclude {
                        highlight.extend(h);
                    }
                    q
                })
                .collect();
            let q: Box<dyn Query> = if alts.len() == 1 {
                alts.remove(0)
            } else {
                Box::new(BooleanQuery::new(
                    alts.into_iter().map(|q| (Occur::Should, q)).collect(),
                ))
            };
            subs.push((
                if c.exclude {
                    Occur::MustNot
                } else {
                    Occur::Must
                },
                q,
            ));
        }
        if subs.iter().all(|(o, _)| *o == Occur::MustNot) {
            subs.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok((Box::new(BooleanQuery::new(subs)), highlight))
    }

    fn search_with(
        &self,
        q: &str,
        opts: &SearchOptions,
        searcher: &Searcher,
        worker: &mut TextWorker,
        cancel: &Cancel,
    ) -> Result<SearchResults, IndexError> {
        let err = tantivy_err(&self.path);
        let facets = || FacetCollector(cancel.clone());
        let (query, highlight) = self.build_query(q, searcher, worker)?;
        let limit = opts.limit.max(1);
        let top = TopDocs::with_limit(limit).and_offset(opts.offset);
        // One pass over the matches: total, facets and the page together.
        let (total, facets, page): (usize, Facets, Vec<(Option<f32>, DocAddress)>) = match opts.sort
        {
            Sort::Relevance => {
                // Two passes: counting without scores goes block by block, and the
                // best page alone lets tantivy skip blocks that cannot make it (WAND).
                let (n, f) = searcher.search(&query, &(Count, facets())).map_err(&err)?;
                cancel.check()?;
                let p = searcher
                    .search(&query, &top.order_by_score())
                    .map_err(&err)?;
                (n, f, p.into_iter().map(|(s, d)| (Some(s), d)).collect())
            }
            Sort::Date => {
                let by = top.order_by_fast_field::<i64>("day", Order::Desc);
                let (n, f, p) = searcher
                    .search(&query, &(Count, facets(), by))
                    .map_err(&err)?;
                (n, f, p.into_iter().map(|(_, d)| (None, d)).collect())
            }
            Sort::Rating => {
                let by = top.order_by_fast_field::<f64>("rating", Order::Asc);
                let (n, f, p) = searcher
                    .search(&query, &(Count, facets(), by))
                    .map_err(&err)?;
                (n, f, p.into_iter().map(|(_, d)| (None, d)).collect())
            }
        };
        cancel.check()?;
        let total = total as u64;
        let mut hits = Vec::with_capacity(page.len());
        for (score, addr) in page {
            cancel.check()?;
            let doc: TantivyDocument = searcher.doc(addr).map_err(&err)?;
            let fast = FastValues::read(searcher.segment_reader(addr.segment_ord), addr.doc_id);
            hits.push(self.hit(&doc, &fast, score, &highlight, worker, SNIPPET_BYTES));
        }

        Ok(SearchResults {
            query: q.to_string(),
            total,
            hits,
            facets,
        })
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        fast: &FastValues,
        score: Option<f32>,
        highlight: &HashSet<String>,
        worker: &mut TextWorker,
        window: usize,
    ) -> Hit {
        let f = &self.fields;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let text = text_of(f.text);

        let a = worker.analyze(&text, LangHint::Auto);
        let matches: Vec<(usize, usize)> = a
            .tokens
            .iter()
            .filter(|t| {
                highlight.contains(&*t.lemma) || {
                    // A compound holding a searched word (露天風呂 for 風呂).
                    let norm = a.norm(t);
                    !norm.is_ascii()
                        && highlight
                            .iter()
                            .any(|h| h.chars().nth(1).is_some() && norm.contains(h.as_str()))
                }
            })
            .map(|t| (t.span.start, t.span.end))
            .collect();
        let first = matches.first().map_or(0..0, |&(s, e)| s..e);
        let w = crate::text::snippet::Window::around(&text, first, window);
        let highlights = w.map(&matches);
        let snippet = w.text;
        let date = fast.day.map(|d| {
            let d = crate::ingest::Date::from_days_since_epoch(d);
            format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
        });
        Hit {
            id: text_of(f.id),
            score,
            date,
            rating: fast.rating,
            nps: fast.nps.clone(),
            lang: fast.lang.clone().unwrap_or_default(),
            sentiment: fast.sentiment.clone().unwrap_or_default(),
            sentiment_score: fast.score.unwrap_or(0.0),
            themes: fast.themes.clone(),
            segments: fast.segments.clone(),
            snippet,
            highlights,
            matches,
        }
    }
}
