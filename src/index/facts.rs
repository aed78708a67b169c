//! The structured facts of indexed records (rating with its scale, date, sentiment,
//! language, segments, themes with their sentiment), read from the columns of every
//! record a query matches: what dashboards aggregate without touching the text.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentReader};

use super::{Cancel, IndexError, KoeIndex, tantivy_err};
use crate::ingest::{Date, Rating, Scale};
use crate::sentiment::Label;

/// One indexed record's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordFacts {
    /// Rating on its scale.
    pub rating: Option<Rating>,
    /// Date.
    pub date: Option<Date>,
    /// Overall sentiment label.
    pub label: Label,
    /// Language code.
    pub lang: String,
    /// Segment columns (key lower-cased).
    pub segments: BTreeMap<String, String>,
    /// Theme ids with the sentiment of their mentions.
    pub themes: Vec<(String, Label)>,
}

/// Collects the matching doc ids of each segment (and stops collecting once
/// cancelled: the caller then throws the matches away).
struct Matches(Cancel);

struct SegmentMatches {
    ord: u32,
    docs: Vec<DocId>,
    cancel: Cancel,
    stopped: bool,
}

impl Collector for Matches {
    type Fruit = Vec<(u32, Vec<DocId>)>;
    type Child = SegmentMatches;

    fn for_segment(&self, ord: u32, _: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches {
            ord,
            docs: Vec::new(),
            cancel: self.0.clone(),
            stopped: false,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u32, Vec<DocId>)>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits)
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = (u32, Vec<DocId>);

    fn collect(&mut self, doc: DocId, _: Score) {
        if self.docs.len().is_multiple_of(1024) {
            self.stopped = self.stopped || self.cancel.is_cancelled();
        }
        if !self.stopped {
            self.docs.push(doc);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.stopped = self.stopped || self.cancel.is_cancelled();
        if !self.stopped {
            self.docs.extend_from_slice(docs);
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.ord, self.docs)
    }
}

struct Columns {
    rating: Option<Column<f64>>,
    day: Option<Column<i64>>,
    scale: Option<StrColumn>,
    sentiment: Option<StrColumn>,
    lang: Option<StrColumn>,
    segment: Option<StrColumn>,
    themes: Option<StrColumn>,
}

/// Every value of a keyword column for one document.
pub(super) fn strings(col: &Option<StrColumn>, doc: DocId) -> Vec<String> {
    let Some(col) = col else {
        return Vec::new();
    };
    col.term_ords(doc)
        .filter_map(|ord| {
            let mut s = String::new();
            col.ord_to_str(ord, &mut s).ok()?.then_some(s)
        })
        .collect()
}

impl KoeIndex {
    /// Calls `f` with the facts of every record that `query` matches (any query
    /// syntax; an empty query matches everything). Returns how many there were.
    pub fn for_each_record(
        &self,
        query: &str,
        f: impl FnMut(&RecordFacts),
    ) -> Result<u64, IndexError> {
        self.for_each_record_until(query, &Cancel::never(), f)
    }

    /// [`KoeIndex::for_each_record`] that stops with [`IndexError::Cancelled`] soon
    /// after `cancel` is (checked between blocks of documents).
    pub fn for_each_record_until(
        &self,
        query: &str,
        cancel: &Cancel,
        f: impl FnMut(&RecordFacts),
    ) -> Result<u64, IndexError> {
        cancel.check()?;
        self.guarded(|| self.for_each_record_unguarded(query, cancel, f))
    }

    fn for_each_record_unguarded(
        &self,
        query: &str,
        cancel: &Cancel,
        mut f: impl FnMut(&RecordFacts),
    ) -> Result<u64, IndexError> {
        let searcher = self.reader.searcher();
        let mut worker = self.take_worker();
        let built = self.build_query(query, &searcher, &mut worker);
        self.give_back(worker);
        let (query, _) = built?;
        let err = tantivy_err(&self.path);
        let matches = searcher
            .search(&*query, &Matches(cancel.clone()))
            .map_err(&err)?;
        let mut n = 0;
        for (ord, docs) in matches {
            cancel.check()?;
            let seg = searcher.segment_reader(ord);
            let ff = seg.fast_fields();
            let cols = Columns {
                rating: ff.f64("rating").ok(),
                day: ff.i64("day").ok(),
                scale: ff.str("scale").ok().flatten(),
                sentiment: ff.str("sentiment").ok().flatten(),
                lang: ff.str("lang").ok().flatten(),
                segment: ff.str("segment").ok().flatten(),
                themes: ff.str("theme_sentiment").ok().flatten(),
            };
            for (i, doc) in docs.into_iter().enumerate() {
                if i % 256 == 255 {
                    cancel.check()?;
                }
                let scale = strings(&cols.scale, doc)
                    .first()
                    .and_then(|s| s.parse::<Scale>().ok());
                let rating = match (cols.rating.as_ref().and_then(|c| c.first(doc)), scale) {
                    (Some(value), Some(scale)) => Some(Rating { value, scale }),
                    _ => None,
                };
                let facts = RecordFacts {
                    rating,
                    date: cols
                        .day
                        .as_ref()
                        .and_then(|c| c.first(doc))
                        .map(Date::from_days_since_epoch),
                    label: strings(&cols.sentiment, doc)
                        .first()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(Label::Neu),
                    lang: strings(&cols.lang, doc)
                        .into_iter()
                        .next()
                        .unwrap_or_default(),
                    segments: strings(&cols.segment, doc)
                        .into_iter()
                        .filter_map(|s| {
                            s.split_once('=')
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                        })
                        .collect(),
                    themes: strings(&cols.themes, doc)
                        .into_iter()
                        .filter_map(|s| {
                            let (id, label) = s.split_once('=')?;
                            Some((id.to_string(), label.parse().ok()?))
                        })
                        .collect(),
                };
                f(&facts);
                n += 1;
            }
        }
        cancel.check()?;
        Ok(n)
    }
}
