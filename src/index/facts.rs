//! The structured facts of indexed records (rating with its scale, date, sentiment,
//! language, segments, themes with their sentiment, churn signal kinds, support
//! fields), read from the columns of every record a query matches: what dashboards
//! aggregate without touching the text.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentReader};

use serde::{Deserialize, Serialize};

use super::{Cancel, IndexError, KoeIndex, tantivy_err};
use crate::ingest::{Date, Rating, Scale, Support};
use crate::metrics::support::SupportFacts;
use crate::sentiment::Label;
use crate::sentiment::churn::ChurnKind;

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
    /// Kinds of its churn signals (each once).
    pub churn: Vec<ChurnKind>,
    /// What the support figures read of it, when it has support fields.
    pub support: Option<SupportRecord>,
}

/// What the index keeps of a record for the support figures: the owned form of
/// [`SupportFacts`] (times to the second, which is what the figures read).
#[derive(Debug, Clone, PartialEq)]
pub struct SupportRecord {
    /// Record id: kept for threaded messages only (their reply links point at it),
    /// empty for tickets.
    pub id: String,
    /// The support fields (no agent: no figure reads it).
    pub support: Support,
    /// Times left out of the figures.
    pub excluded: u64,
    /// A customer's closing message (threaded messages only).
    pub closes: bool,
}

impl SupportRecord {
    /// The facts the support figures are computed from.
    pub fn facts(&self) -> SupportFacts<'_> {
        SupportFacts {
            id: &self.id,
            support: &self.support,
            excluded: self.excluded,
            closes: self.closes,
        }
    }
}

/// The column form of [`SupportRecord`]: short keys, absent values left out.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SupportColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// Created, first response, resolved: seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i64>,
    /// Status, customer, author, reply link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    st: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cu: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    au: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    /// Inbound (from the customer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<bool>,
    /// Agent replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    /// Times left out.
    #[serde(default, skip_serializing_if = "is_zero")]
    x: u64,
    /// Closing message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    cl: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The column value of a record's support facts.
pub(super) fn support_column(f: &SupportFacts<'_>) -> String {
    let s = f.support;
    let col = SupportColumn {
        id: f.threaded().then(|| f.id.to_string()),
        c: s.created.map(|t| t.as_second()),
        f: s.first_response.map(|t| t.as_second()),
        r: s.resolved.map(|t| t.as_second()),
        st: s.status.clone(),
        cu: s.customer.clone(),
        au: s.author.clone(),
        to: s.reply_to.clone(),
        i: s.inbound,
        n: s.replies,
        x: f.excluded,
        cl: f.closes,
    };
    serde_json::to_string(&col).unwrap_or_default()
}

/// A record's support facts from their column value (`None`: not readable).
fn support_record(value: &str) -> Option<SupportRecord> {
    let col: SupportColumn = serde_json::from_str(value).ok()?;
    let time = |t: Option<i64>| t.and_then(|t| jiff::Timestamp::from_second(t).ok());
    Some(SupportRecord {
        id: col.id.unwrap_or_default(),
        support: Support {
            created: time(col.c),
            first_response: time(col.f),
            resolved: time(col.r),
            status: col.st,
            customer: col.cu,
            agent: None,
            author: col.au,
            inbound: col.i,
            reply_to: col.to,
            replies: col.n,
        },
        excluded: col.x,
        closes: col.cl,
    })
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
    churn: Option<StrColumn>,
    support: Option<StrColumn>,
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
                churn: ff.str("churn").ok().flatten(),
                support: ff.str("support").ok().flatten(),
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
                    churn: strings(&cols.churn, doc)
                        .iter()
                        .filter_map(|s| ChurnKind::from_name(s))
                        .collect(),
                    support: strings(&cols.support, doc)
                        .first()
                        .and_then(|s| support_record(s)),
                };
                f(&facts);
                n += 1;
            }
        }
        cancel.check()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn support_facts_survive_the_column() {
        // A threaded message: every field the figures read comes back, times to the
        // second (sub-seconds are never read).
        let message = Support {
            created: Some(ts("2026-03-02T01:00:00.75Z")),
            first_response: None,
            resolved: None,
            status: None,
            customer: Some("K1".into()),
            agent: None,
            author: Some("K1".into()),
            inbound: Some(true),
            reply_to: Some("m2".into()),
            replies: None,
        };
        let facts = SupportFacts {
            id: "m3",
            support: &message,
            excluded: 0,
            closes: true,
        };
        let back = support_record(&support_column(&facts)).unwrap();
        assert_eq!(back.id, "m3");
        assert!(back.closes);
        assert_eq!(back.support.created, Some(ts("2026-03-02T01:00:00Z")));
        assert_eq!(back.support.reply_to.as_deref(), Some("m2"));
        assert_eq!(back.support.inbound, Some(true));
        assert_eq!(back.support.author.as_deref(), Some("K1"));
        // A ticket: no id kept (nothing links to it), the agent dropped (no figure
        // reads it), a time left out counted.
        let ticket = Support {
            created: Some(ts("2026-01-05T00:00:00Z")),
            first_response: Some(ts("2026-01-05T00:30:00Z")),
            resolved: Some(ts("2026-01-05T02:00:00Z")),
            status: Some("解決済み".into()),
            customer: Some("C001".into()),
            agent: Some("佐藤".into()),
            replies: Some(1),
            ..Support::default()
        };
        let facts = SupportFacts {
            id: "T1",
            support: &ticket,
            excluded: 1,
            closes: false,
        };
        let back = support_record(&support_column(&facts)).unwrap();
        assert_eq!(back.id, "");
        assert_eq!(back.excluded, 1);
        assert_eq!(
            back.support,
            Support {
                agent: None,
                ..ticket
            }
        );
        assert!(support_record("not json").is_none());
    }
}
