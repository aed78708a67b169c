//! The streaming aggregator: [`Metrics`] takes the [`Facts`] of one record at a time
//! and [`Metrics::finish`]es into the [`Summary`] a report is made of.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::emerging::{decide_emerging, emerging_test};
use super::impact::LowScores;
use super::{
    Counts, Emerging, ImpactBasis, Incompatible, Kpis, Period, PeriodRow, Quote, TrendPoint,
    quotes, round1, round2, round3, share, trend,
};
use crate::ingest::{Date, Rating};
use crate::sentiment::Label;
use crate::themes::{Labels, ThemeHit, ThemeInfo};

/// Distinct segment values tracked per report; later values fold into `(other)`.
pub const MAX_SEGMENT_VALUES: usize = 200;

/// Metric settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsConfig {
    /// Trend granularity.
    pub period: Period,
    /// CSAT counts the top this-many boxes of a 1–5 scale.
    pub csat_top: u8,
    /// Segment column to break down by (`lang` is always available).
    pub segment: Option<String>,
    /// Representative quotes kept per theme.
    pub quotes: usize,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            period: Period::Month,
            csat_top: 2,
            segment: None,
            quotes: 3,
        }
    }
}

/// What the metrics need to know of one record.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// Rating.
    pub rating: Option<Rating>,
    /// Date.
    pub date: Option<Date>,
    /// Overall sentiment label.
    pub label: Label,
    /// Segment value for the breakdown.
    pub segment: Option<&'a str>,
    /// Themes found.
    pub themes: &'a [ThemeHit],
    /// Record id.
    pub id: &'a str,
    /// Record text (what mention offsets point into).
    pub text: &'a str,
}

/// What is gathered of one theme.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct ThemeAcc {
    counts: Counts,
    mentions: u64,
    mention_pos: u64,
    mention_neu: u64,
    mention_neg: u64,
    /// Low scores of the records mentioning the theme negatively (its impact).
    low: LowScores,
    by_period: BTreeMap<Arc<str>, u64>,
    by_segment: HashMap<Arc<str>, u64>,
    quotes: Vec<(f32, Quote)>,
}

/// The streaming aggregator. Its state serializes (for partial reports) and
/// [`Metrics::merge`]s with the state of another part of the records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metrics {
    config: MetricsConfig,
    #[serde(with = "theme_infos")]
    themes: Vec<ThemeInfo>,
    total: Counts,
    by_period: BTreeMap<Arc<str>, Counts>,
    by_segment: HashMap<Arc<str>, Counts>,
    acc: Vec<ThemeAcc>,
    undated: u64,
    /// Per period: a bit per day (of the month, or of the ISO week) that has records,
    /// and the period's length in days.
    days: HashMap<Arc<str>, (u32, u32)>,
}

impl Metrics {
    /// An empty aggregator over these themes.
    pub fn new(themes: Vec<ThemeInfo>, config: MetricsConfig) -> Metrics {
        let acc = vec![ThemeAcc::default(); themes.len()];
        Metrics {
            config,
            themes,
            total: Counts::default(),
            by_period: BTreeMap::new(),
            by_segment: HashMap::new(),
            acc,
            undated: 0,
            days: HashMap::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MetricsConfig {
        &self.config
    }

    /// The shared key of a period, counted from now on.
    fn intern_period(&mut self, key: String) -> Arc<str> {
        match self.by_period.get_key_value(key.as_str()) {
            Some((k, _)) => k.clone(),
            None => {
                let k: Arc<str> = key.into();
                self.by_period.insert(k.clone(), Counts::default());
                k
            }
        }
    }

    /// The shared key of a segment value: `(none)` for a blank one, `(other)` once
    /// [`MAX_SEGMENT_VALUES`] are tracked.
    fn intern_segment(&mut self, value: &str) -> Arc<str> {
        let value = if value.trim().is_empty() {
            "(none)"
        } else {
            value.trim()
        };
        if let Some((k, _)) = self.by_segment.get_key_value(value) {
            return k.clone();
        }
        let key: Arc<str> = if self.by_segment.len() >= MAX_SEGMENT_VALUES {
            "(other)".into()
        } else {
            value.into()
        };
        self.by_segment.entry(key.clone()).or_default();
        key
    }

    /// Adds one record.
    pub fn add(&mut self, f: &Facts<'_>) {
        let csat_top = self.config.csat_top;
        self.total.add(f, csat_top);
        let period = match f.date {
            Some(d) => Some(self.add_dated(f, d)),
            None => {
                self.undated += 1;
                None
            }
        };
        let segment = match (&self.config.segment, f.segment) {
            (Some(_), seg) => {
                let key = self.intern_segment(seg.unwrap_or(""));
                if let Some(c) = self.by_segment.get_mut(&key) {
                    c.add(f, csat_top);
                }
                Some(key)
            }
            (None, _) => None,
        };
        for hit in f.themes {
            self.add_theme(f, hit, period.as_ref(), segment.as_ref());
        }
    }

    /// Counts a dated record in its period and marks its day there; returns the
    /// period's key.
    fn add_dated(&mut self, f: &Facts<'_>, d: Date) -> Arc<str> {
        let key = self.intern_period(self.config.period.key(d));
        if let Some(c) = self.by_period.get_mut(&key) {
            c.add(f, self.config.csat_top);
        }
        let p = self.config.period;
        let e = self.days.entry(key.clone()).or_insert((0, p.days_in(d)));
        e.0 |= 1 << p.day_of(d);
        key
    }

    /// Counts a record in the theme it mentions (`hit`), in the record's period and
    /// segment, and offers the mention as a quote.
    fn add_theme(
        &mut self,
        f: &Facts<'_>,
        hit: &ThemeHit,
        period: Option<&Arc<str>>,
        segment: Option<&Arc<str>>,
    ) {
        let csat_top = self.config.csat_top;
        let Some(acc) = self.acc.get_mut(hit.idx as usize) else {
            return;
        };
        acc.counts.add(f, csat_top);
        acc.mentions += hit.mentions.len() as u64;
        match hit.sentiment.label {
            Label::Pos => acc.mention_pos += 1,
            Label::Neu => acc.mention_neu += 1,
            Label::Neg => {
                acc.mention_neg += 1;
                if let Some(r) = f.rating {
                    acc.low.add(r, csat_top);
                }
            }
        }
        if let Some(p) = period {
            *acc.by_period.entry(p.clone()).or_default() += 1;
        }
        if let Some(s) = segment {
            *acc.by_segment.entry(s.clone()).or_default() += 1;
        }
        let praise = &*self.themes[hit.idx as usize].id == "overall.praise";
        quotes::offer(&mut acc.quotes, hit, f, praise, self.config.quotes);
    }

    /// Coverage of each period, oldest first: (days with records, days, partial).
    fn coverage(&self) -> Vec<(u32, u32, bool)> {
        let days = self
            .by_period
            .keys()
            .map(|k| {
                self.days
                    .get(k)
                    .map_or((0, 1), |&(bits, len)| (bits.count_ones(), len.max(1)))
            })
            .collect();
        trend::coverage(days)
    }

    /// Adds the state of another part of the records (made with the same settings and
    /// themes, else [`Incompatible`]). Every count merges exactly, in any order and
    /// grouping; quotes are the best of both in a total order (rank, record id, text),
    /// the same ranks as one pass keeps, but where quotes tie in rank one pass keeps the
    /// first to arrive, which a merge cannot know. Bounds: past [`MAX_SEGMENT_VALUES`] distinct segment values, which values
    /// fold into `(other)` depends on the order (as it does in one pass); float sums
    /// (ratings) may differ in their last bits, below the report's rounding.
    pub fn merge(&mut self, other: &Metrics) -> Result<(), Incompatible> {
        Incompatible::check("settings", &self.config, &other.config)?;
        let ids = |m: &Metrics| m.themes.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        Incompatible::check("themes", &ids(self), &ids(other))?;
        self.total.merge(&other.total);
        self.undated += other.undated;
        for (k, c) in &other.by_period {
            let key = self.intern_period(k.to_string());
            if let Some(mine) = self.by_period.get_mut(&key) {
                mine.merge(c);
            }
        }
        for (k, &(bits, len)) in &other.days {
            let key = self.intern_period(k.to_string());
            let e = self.days.entry(key).or_insert((0, len));
            e.0 |= bits;
            e.1 = e.1.max(len);
        }
        // Segment values in a deterministic order, so the `(other)` fold is too.
        let mut seg: Vec<(&Arc<str>, &Counts)> = other.by_segment.iter().collect();
        seg.sort_by(|a, b| a.0.cmp(b.0));
        let mut keys: HashMap<Arc<str>, Arc<str>> = HashMap::new();
        for (k, c) in seg {
            let key = self.intern_segment(k);
            if let Some(mine) = self.by_segment.get_mut(&key) {
                mine.merge(c);
            }
            keys.insert(k.clone(), key);
        }
        let keep = self.config.quotes;
        for (mine, theirs) in self.acc.iter_mut().zip(&other.acc) {
            mine.counts.merge(&theirs.counts);
            mine.mentions += theirs.mentions;
            mine.mention_pos += theirs.mention_pos;
            mine.mention_neu += theirs.mention_neu;
            mine.mention_neg += theirs.mention_neg;
            mine.low.merge(&theirs.low);
            for (k, n) in &theirs.by_period {
                let key = self
                    .by_period
                    .get_key_value(&**k)
                    .map_or_else(|| k.clone(), |(k, _)| k.clone());
                *mine.by_period.entry(key).or_default() += n;
            }
            for (k, n) in &theirs.by_segment {
                let key = keys.get(k).cloned().unwrap_or_else(|| k.clone());
                *mine.by_segment.entry(key).or_default() += n;
            }
            quotes::merge(&mut mine.quotes, &theirs.quotes, keep);
        }
        Ok(())
    }

    /// The finished report data.
    pub fn finish(&self) -> Summary {
        let coverage = self.coverage();
        let periods: Vec<PeriodRow> = self
            .by_period
            .iter()
            .zip(&coverage)
            .map(|((p, c), &(covered, days, partial))| PeriodRow {
                period: p.to_string(),
                kpis: c.kpis(),
                days_covered: covered,
                days,
                partial,
            })
            .collect();
        // The recent window: the latest period, with the one before when it is partial.
        let keys: Vec<&Arc<str>> = self.by_period.keys().collect();
        let latest_partial = coverage.last().is_some_and(|c| c.2);
        let window_len = if latest_partial { 2 } else { 1 };
        let window: Vec<&Arc<str>> = keys.iter().rev().take(window_len).rev().copied().collect();
        let basis = ImpactBasis::of(&self.total);
        let mut themes: Vec<ThemeRow> = self
            .themes
            .iter()
            .zip(&self.acc)
            .filter(|(_, acc)| acc.counts.records > 0)
            .map(|(info, acc)| {
                let emerging = if keys.len() > window.len() {
                    emerging_test(&self.by_period, &acc.by_period, &window, latest_partial)
                } else {
                    None
                };
                self.theme_row(info, acc, basis, emerging)
            })
            .collect();
        decide_emerging(&mut themes);
        // Biggest problems first: negative mentions, then volume.
        themes.sort_by(|a, b| {
            b.negative
                .cmp(&a.negative)
                .then(b.records.cmp(&a.records))
                .then(a.id.cmp(&b.id))
        });
        Summary {
            period: self.config.period,
            segment: self.config.segment.clone(),
            totals: self.total.kpis(),
            undated: self.undated,
            impact_basis: basis,
            periods,
            themes,
            segments: self.segment_rows(),
        }
    }

    /// One theme's row (its emerging test not yet decided).
    fn theme_row(
        &self,
        info: &ThemeInfo,
        acc: &ThemeAcc,
        basis: Option<ImpactBasis>,
        emerging: Option<Emerging>,
    ) -> ThemeRow {
        let others = self.total.minus(&acc.counts);
        let impact = basis.and_then(|b| b.impact(&self.total, &acc.low));
        let mut by_segment: Vec<(String, u64)> = acc
            .by_segment
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        by_segment.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ThemeRow {
            id: info.id.to_string(),
            category: info.category.to_string(),
            label: info.label.clone(),
            category_label: info.category_label.clone(),
            discovered: info.discovered,
            records: acc.counts.records,
            mentions: acc.mentions,
            share: share(acc.counts.records, self.total.records).unwrap_or(0.0),
            positive: acc.mention_pos,
            neutral: acc.mention_neu,
            negative: acc.mention_neg,
            net_sentiment: round3(
                (acc.mention_pos as f64 - acc.mention_neg as f64)
                    / acc.counts.records.max(1) as f64,
            ),
            avg_rating: acc.counts.avg_rating().map(|(_, m, _)| round2(m)),
            rating_100: acc.counts.rating_100().map(round1),
            ratings: acc.counts.rating_100.0,
            nps_mentioners: acc.counts.nps().map(round1),
            nps_others: others.nps().map(round1),
            csat_mentioners: acc.counts.csat().map(round3),
            impact: impact.map(|i| i.0),
            impact_records: impact.map_or(0, |i| i.1),
            trend: trend::points(&self.by_period, &acc.by_period),
            emerging,
            segments: by_segment,
            quotes: quotes::best_first(&acc.quotes),
        }
    }

    /// The segment values' rows, biggest first.
    fn segment_rows(&self) -> Vec<SegmentRow> {
        let mut segments: Vec<SegmentRow> = self
            .by_segment
            .iter()
            .map(|(k, c)| SegmentRow {
                value: k.to_string(),
                kpis: c.kpis(),
            })
            .collect();
        segments.sort_by(|a, b| {
            b.kpis
                .records
                .cmp(&a.kpis.records)
                .then(a.value.cmp(&b.value))
        });
        segments
    }
}

/// The themes of a state as data (their descriptions as [`ThemeInfo`] carries them).
mod theme_infos {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::themes::{Labels, ThemeInfo};

    #[derive(Serialize, Deserialize)]
    struct Theme {
        id: Arc<str>,
        category: Arc<str>,
        category_label: Labels,
        label: Labels,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default)]
        discovered: bool,
    }

    pub(super) fn serialize<S: Serializer>(v: &[ThemeInfo], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|t| Theme {
            id: t.id.clone(),
            category: t.category.clone(),
            category_label: t.category_label.clone(),
            label: t.label.clone(),
            description: t.description.clone(),
            discovered: t.discovered,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ThemeInfo>, D::Error> {
        Ok(Vec::<Theme>::deserialize(d)?
            .into_iter()
            .map(|t| ThemeInfo {
                id: t.id,
                category: t.category,
                category_label: t.category_label,
                label: t.label,
                description: t.description,
                discovered: t.discovered,
            })
            .collect())
    }
}

/// KPIs of one segment value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentRow {
    /// The segment value.
    pub value: String,
    /// Its numbers.
    pub kpis: Kpis,
}

/// One theme's metrics.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThemeRow {
    /// Theme id.
    pub id: String,
    /// Category id.
    pub category: String,
    /// Labels.
    pub label: Labels,
    /// Category labels.
    pub category_label: Labels,
    /// Found by discovery.
    #[serde(default)]
    pub discovered: bool,
    /// Records that mention it.
    pub records: u64,
    /// Mentions (a record may mention a theme several times).
    pub mentions: u64,
    /// Share of all records.
    pub share: f64,
    /// Records whose mention of the theme is positive.
    pub positive: u64,
    /// Neutral.
    pub neutral: u64,
    /// Negative.
    pub negative: u64,
    /// (positive − negative) / records.
    pub net_sentiment: f64,
    /// Mean rating of mentioners on their most used scale.
    pub avg_rating: Option<f64>,
    /// Mean rating of mentioners on the 0–100 scale (every scale mapped to it).
    #[serde(default)]
    pub rating_100: Option<f64>,
    /// Mentioners with a rating (of any scale).
    #[serde(default)]
    pub ratings: u64,
    /// NPS of the records that mention it.
    pub nps_mentioners: Option<f64>,
    /// NPS of the records that do not.
    pub nps_others: Option<f64>,
    /// CSAT of mentioners.
    pub csat_mentioners: Option<f64>,
    /// Points of [`Summary::impact_basis`] the overall score would gain without the
    /// low scorers who mention the theme negatively.
    pub impact: Option<f64>,
    /// The records that impact leaves out.
    #[serde(default)]
    pub impact_records: u64,
    /// Per period.
    pub trend: Vec<TrendPoint>,
    /// Emerging test.
    pub emerging: Option<Emerging>,
    /// Records per segment value.
    pub segments: Vec<(String, u64)>,
    /// Representative quotes.
    pub quotes: Vec<Quote>,
}

/// Everything the metrics found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Trend granularity.
    pub period: Period,
    /// Segment column of the breakdown.
    pub segment: Option<String>,
    /// Over all records.
    pub totals: Kpis,
    /// Records without a date (not in the trend).
    pub undated: u64,
    /// The score theme impact is measured on (none without ratings).
    #[serde(default)]
    pub impact_basis: Option<ImpactBasis>,
    /// Per period, oldest first.
    pub periods: Vec<PeriodRow>,
    /// Themes, biggest problems first.
    pub themes: Vec<ThemeRow>,
    /// Per segment value, biggest first.
    pub segments: Vec<SegmentRow>,
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::ingest::Scale;
    use crate::sentiment::Sentiment;
    use crate::themes::Mention;

    fn themes() -> Vec<ThemeInfo> {
        ["billing.refund", "overall.praise"]
            .iter()
            .map(|id| ThemeInfo {
                id: (*id).into(),
                category: "c".into(),
                category_label: Labels::default(),
                label: Labels::default(),
                description: None,
                discovered: false,
            })
            .collect()
    }

    /// Record `i` of a made-up stream: ratings on two scales, dates over three months,
    /// four segment values, both themes, tied quote ranks.
    fn add(m: &mut Metrics, i: usize) {
        let label = [Label::Neg, Label::Neu, Label::Pos][i % 3];
        let score = [-0.8f32, -0.4, 0.6][i % 3];
        let hits: Vec<ThemeHit> = (0..2)
            .filter(|t| (i + t).is_multiple_of(2) || i.is_multiple_of(5))
            .map(|t| ThemeHit {
                id: themes()[t].id.clone(),
                idx: t as u16,
                sentiment: Sentiment {
                    score,
                    label,
                    confidence: 1.0,
                },
                mentions: vec![Mention {
                    start: 0,
                    end: 4,
                    sentence: 0,
                    term: "text".into(),
                    sentiment: score,
                }],
            })
            .collect();
        let id = format!("r{i}");
        let text = format!("text of record {}", i % 4);
        m.add(&Facts {
            rating: Some(Rating {
                value: (i % 11) as f64,
                scale: if i.is_multiple_of(2) {
                    Scale::Nps
                } else {
                    Scale::Stars5
                },
            })
            .filter(|r| r.scale == Scale::Nps || (1.0..=5.0).contains(&r.value)),
            date: (!i.is_multiple_of(7)).then(|| Date {
                year: 2026,
                month: 1 + (i % 3) as u8,
                day: 1 + (i % 28) as u8,
            }),
            label,
            segment: Some(["web", "app", "", "mail"][i % 4]),
            themes: &hits,
            id: &id,
            text: &text,
        });
    }

    fn part(records: impl Iterator<Item = usize>) -> Metrics {
        let config = MetricsConfig {
            segment: Some("channel".into()),
            ..MetricsConfig::default()
        };
        let mut m = Metrics::new(themes(), config);
        for i in records {
            add(&mut m, i);
        }
        m
    }

    fn merged(mut a: Metrics, b: &Metrics) -> Metrics {
        assert!(a.merge(b).is_ok());
        a
    }

    fn json(m: &Metrics) -> serde_json::Value {
        serde_json::to_value(m.finish()).unwrap_or_default()
    }

    /// The report with each theme's quotes as their sorted sentiments: one pass breaks
    /// ties in rank by arrival, a merge by record id.
    fn tie_free(m: &Metrics) -> serde_json::Value {
        let mut v = json(m);
        for t in v["themes"].as_array_mut().into_iter().flatten() {
            let mut s: Vec<String> = t["quotes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|q| q["sentiment"].to_string())
                .collect();
            s.sort();
            t["quotes"] = serde_json::json!(s);
        }
        v
    }

    #[test]
    fn merge_is_commutative_associative_and_equals_one_pass() {
        let whole = tie_free(&part(0..90));
        let a = part((0..90).filter(|i| i % 3 == 0));
        let b = part((0..90).filter(|i| i % 3 == 1).rev());
        let c = part((0..90).filter(|i| i % 3 == 2));
        let ab_c = merged(merged(a.clone(), &b), &c);
        let a_bc = merged(a.clone(), &merged(b.clone(), &c));
        let cb_a = merged(merged(c.clone(), &b), &a);
        assert_eq!(json(&ab_c), json(&a_bc));
        assert_eq!(json(&ab_c), json(&cb_a));
        assert_eq!(tie_free(&ab_c), whole);
        // Through JSON, as partial reports travel.
        let back = |m: &Metrics| -> Metrics {
            serde_json::from_str(&serde_json::to_string(m).unwrap_or_default())
                .unwrap_or_else(|_| part(0..0))
        };
        let via_json = merged(merged(back(&b), &back(&c)), &back(&a));
        assert_eq!(json(&via_json), json(&ab_c));
    }

    #[test]
    fn other_settings_do_not_merge() {
        let mut a = part(0..3);
        let mut b = part(0..3);
        b.config.period = Period::Week;
        assert!(a.merge(&b).is_err());
    }
}
