//! Survey and theme metrics, aggregated while streaming: memory grows with the number
//! of themes × periods × segment values, never with the number of records.
//!
//! Definitions:
//! - **NPS** over 0–10 answers: 0–6 detractors, 7–8 passives, 9–10 promoters;
//!   NPS = 100 × (promoters − detractors) / answers.
//! - **CSAT** over 1–5 answers: share of the top `csat_top` boxes (default 2: 4 and 5).
//! - **Complaints**: records whose overall sentiment is negative.
//! - **Net sentiment**: (positive − negative) / all, in [−1, 1].
//! - **Impact** of a theme: how much the overall score would gain without the records
//!   that mention the theme *negatively* and gave a low score — NPS detractors (0–6)
//!   when the data has NPS answers, else CSAT answers below the top boxes, else ratings
//!   in the bottom half of their scale (0–100 average). Praise mentions are positive, so
//!   praise has no impact. [`Summary::impact_basis`] says which score it is measured on.
//! - **Emerging**: the theme's rate (records mentioning it per record) in the recent
//!   window against its rate in all earlier periods, by a one-sided Fisher exact test
//!   on the counts, with Benjamini–Hochberg adjusted p-values across the themes tested.
//!   A theme is emerging when the adjusted p is at most [`EMERGING_FDR`], the window has
//!   at least [`EMERGING_MIN_COUNT`] records mentioning it and its rate grew at least
//!   [`EMERGING_MIN_GROWTH`]-fold. The recent window is the latest period; when that
//!   period is partial (see [`PeriodRow::partial`]) it is tested together with the
//!   period before it, so a few days of data cannot decide alone.
//! - **Ratings across scales**: each rating is mapped linearly from its scale's bounds
//!   to 0–100 (0 = the scale's worst, 100 = its best) for figures that mix sources;
//!   CSAT only counts 1–5 answers and NPS only 0–10 answers, and the report says how
//!   many ratings each figure left out.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ThemeHit, ThemeInfo};
use crate::ingest::{Date, Rating, Scale};
use crate::sentiment::Label;

/// Trend granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO weeks (`2026-W05`).
    Week,
    /// Calendar months (`2026-02`).
    #[default]
    Month,
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "week" | "weekly" | "w" => Ok(Period::Week),
            "month" | "monthly" | "m" => Ok(Period::Month),
            other => Err(format!("unknown period '{other}' (use week or month)")),
        }
    }
}

impl Period {
    /// Which day of its period a date is: day of the month from 0, or day of the ISO
    /// week from 0 (Monday).
    pub fn day_of(self, d: Date) -> u32 {
        match self {
            Period::Month => u32::from(d.day.clamp(1, 31)) - 1,
            Period::Week => (d.days_since_epoch() + 3).rem_euclid(7) as u32,
        }
    }

    /// Days in the period of a date (the month's length, or 7).
    pub fn days_in(self, d: Date) -> u32 {
        match self {
            Period::Week => 7,
            Period::Month => (28..=31)
                .rev()
                .find(|&n| Date::new(d.year, u32::from(d.month), n).is_some())
                .unwrap_or(31),
        }
    }

    /// The period a date falls in, as a sortable key.
    pub fn key(self, d: Date) -> String {
        match self {
            Period::Month => format!("{:04}-{:02}", d.year, d.month),
            Period::Week => {
                let days = d.days_since_epoch();
                // 1970-01-01 was a Thursday; Monday = 0.
                let weekday = (days + 3).rem_euclid(7);
                let thursday = days - weekday + 3;
                let year = Date::from_days_since_epoch(thursday).year;
                let jan1 = Date::new(year, 1, 1).map_or(thursday, |j| j.days_since_epoch());
                let week = (thursday - jan1) / 7 + 1;
                format!("{year:04}-W{week:02}")
            }
        }
    }
}

/// Records mentioning a theme that the recent window needs at least, to call it
/// emerging.
pub const EMERGING_MIN_COUNT: u64 = 5;
/// Smallest growth of a theme's rate (recent / earlier) that can count as emerging.
pub const EMERGING_MIN_GROWTH: f64 = 1.5;
/// False discovery rate controlled across the themes tested (Benjamini–Hochberg).
pub const EMERGING_FDR: f64 = 0.05;
/// A period is partial when the share of its days that have records is below this
/// fraction of the median share over all periods.
pub const PARTIAL_COVERAGE: f64 = 0.8;
/// Distinct segment values tracked per report; later values fold into `(other)`.
pub const MAX_SEGMENT_VALUES: usize = 200;

/// Metric settings.
#[derive(Debug, Clone)]
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

/// Counts over a set of records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Records.
    pub records: u64,
    /// NPS answers by band.
    pub promoters: u64,
    /// Passives.
    pub passives: u64,
    /// Detractors.
    pub detractors: u64,
    /// CSAT answers (1–5 scale).
    pub csat_n: u64,
    /// Top-box CSAT answers.
    pub csat_top: u64,
    /// Ratings per scale: (count, sum).
    pub ratings: BTreeMap<&'static str, (u64, f64)>,
    /// Ratings of any scale mapped to 0–100: (count, sum).
    pub rating_100: (u64, f64),
    /// Sentiment labels.
    pub pos: u64,
    /// Neutral.
    pub neu: u64,
    /// Negative.
    pub neg: u64,
}

impl Counts {
    fn add(&mut self, f: &Facts, csat_top: u8) {
        self.records += 1;
        match f.label {
            Label::Pos => self.pos += 1,
            Label::Neu => self.neu += 1,
            Label::Neg => self.neg += 1,
        }
        if let Some(r) = f.rating {
            let e = self.ratings.entry(r.scale.as_str()).or_default();
            e.0 += 1;
            e.1 += r.value;
            self.rating_100.0 += 1;
            self.rating_100.1 += 100.0 * r.normalized();
            if let Some(c) = r.nps_class() {
                match c {
                    crate::ingest::NpsClass::Promoter => self.promoters += 1,
                    crate::ingest::NpsClass::Passive => self.passives += 1,
                    crate::ingest::NpsClass::Detractor => self.detractors += 1,
                }
            }
            if r.scale == Scale::Stars5 {
                self.csat_n += 1;
                if r.value > 5.0 - f64::from(csat_top) {
                    self.csat_top += 1;
                }
            }
        }
    }

    /// NPS answers.
    pub fn nps_n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// NPS in [−100, 100].
    pub fn nps(&self) -> Option<f64> {
        let n = self.nps_n();
        (n > 0).then(|| 100.0 * (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    /// CSAT share in [0, 1].
    pub fn csat(&self) -> Option<f64> {
        (self.csat_n > 0).then(|| self.csat_top as f64 / self.csat_n as f64)
    }

    /// Net sentiment in [−1, 1].
    pub fn net_sentiment(&self) -> Option<f64> {
        (self.records > 0).then(|| (self.pos as f64 - self.neg as f64) / self.records as f64)
    }

    /// Mean rating on the common 0–100 scale, over ratings of every scale.
    pub fn rating_100(&self) -> Option<f64> {
        let (n, sum) = self.rating_100;
        (n > 0).then(|| sum / n as f64)
    }

    /// The most used rating scale and its mean.
    pub fn avg_rating(&self) -> Option<(&'static str, f64, u64)> {
        self.ratings
            .iter()
            .max_by_key(|(_, (n, _))| *n)
            .filter(|(_, (n, _))| *n > 0)
            .map(|(s, (n, sum))| (*s, sum / *n as f64, *n))
    }

    fn minus(&self, other: &Counts) -> Counts {
        let mut ratings = self.ratings.clone();
        for (k, (n, s)) in &other.ratings {
            if let Some(e) = ratings.get_mut(k) {
                e.0 = e.0.saturating_sub(*n);
                e.1 -= s;
            }
        }
        Counts {
            records: self.records.saturating_sub(other.records),
            promoters: self.promoters.saturating_sub(other.promoters),
            passives: self.passives.saturating_sub(other.passives),
            detractors: self.detractors.saturating_sub(other.detractors),
            csat_n: self.csat_n.saturating_sub(other.csat_n),
            csat_top: self.csat_top.saturating_sub(other.csat_top),
            ratings,
            rating_100: (
                self.rating_100.0.saturating_sub(other.rating_100.0),
                self.rating_100.1 - other.rating_100.1,
            ),
            pos: self.pos.saturating_sub(other.pos),
            neu: self.neu.saturating_sub(other.neu),
            neg: self.neg.saturating_sub(other.neg),
        }
    }

    /// The KPI summary of these counts.
    pub fn kpis(&self) -> Kpis {
        let avg = self.avg_rating();
        Kpis {
            records: self.records,
            nps: self.nps().map(round1),
            nps_answers: self.nps_n(),
            promoters: self.promoters,
            passives: self.passives,
            detractors: self.detractors,
            csat: self.csat().map(round3),
            csat_answers: self.csat_n,
            avg_rating: avg.map(|(_, m, _)| round2(m)),
            rating_scale: avg.map(|(s, _, _)| s.to_string()),
            rated: avg.map_or(0, |(_, _, n)| n),
            ratings: self.rating_100.0,
            rating_100: self.rating_100().map(round1),
            rating_scales: self
                .ratings
                .iter()
                .filter(|(_, (n, _))| *n > 0)
                .map(|(s, (n, sum))| ScaleStat {
                    scale: s.to_string(),
                    ratings: *n,
                    mean: round2(sum / *n as f64),
                })
                .collect(),
            complaints: self.neg,
            complaint_share: share(self.neg, self.records),
            positive: self.pos,
            neutral: self.neu,
            negative: self.neg,
            net_sentiment: self.net_sentiment().map(round3),
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
fn share(k: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| round3(k as f64 / n as f64))
}

/// Headline numbers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Kpis {
    /// Records.
    pub records: u64,
    /// NPS (−100..100), when there are 0–10 answers.
    pub nps: Option<f64>,
    /// 0–10 answers.
    pub nps_answers: u64,
    /// Promoters (9–10).
    pub promoters: u64,
    /// Passives (7–8).
    pub passives: u64,
    /// Detractors (0–6).
    pub detractors: u64,
    /// CSAT (share of top boxes), when there are 1–5 answers.
    pub csat: Option<f64>,
    /// 1–5 answers.
    pub csat_answers: u64,
    /// Mean rating on `rating_scale` only (ratings on other scales are not in it; see
    /// `rating_100` for a figure over all of them).
    pub avg_rating: Option<f64>,
    /// The most used rating scale.
    pub rating_scale: Option<String>,
    /// Ratings on that scale.
    pub rated: u64,
    /// Ratings on any scale.
    #[serde(default)]
    pub ratings: u64,
    /// Mean of all `ratings`, each mapped linearly from its scale's bounds to 0–100.
    #[serde(default)]
    pub rating_100: Option<f64>,
    /// Count and mean of the ratings of each scale (on that scale), by scale name.
    #[serde(default)]
    pub rating_scales: Vec<ScaleStat>,
    /// Records with negative sentiment.
    pub complaints: u64,
    /// Their share.
    pub complaint_share: Option<f64>,
    /// Positive records.
    pub positive: u64,
    /// Neutral records.
    pub neutral: u64,
    /// Negative records.
    pub negative: u64,
    /// (positive − negative) / records.
    pub net_sentiment: Option<f64>,
}

/// The ratings of one scale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScaleStat {
    /// Scale name (`stars5`, `ten`, `nps`, `percent`).
    pub scale: String,
    /// Ratings on it.
    pub ratings: u64,
    /// Their mean, on that scale.
    pub mean: f64,
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

/// A representative quote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quote {
    /// Record id.
    pub id: String,
    /// The sentence (or a window of it).
    pub text: String,
    /// Byte ranges in `text` to highlight (the theme's terms).
    pub highlights: Vec<(usize, usize)>,
    /// Sentiment of the mention.
    pub sentiment: f32,
    /// Rating, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// Date, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Debug, Default, Clone)]
struct ThemeAcc {
    counts: Counts,
    mentions: u64,
    mention_pos: u64,
    mention_neu: u64,
    mention_neg: u64,
    /// Records mentioning the theme negatively whose NPS answer is a detractor's.
    neg_detractors: u64,
    /// Records mentioning it negatively whose 1–5 answer is below the CSAT top boxes.
    neg_csat_low: u64,
    /// Records mentioning it negatively rated below the middle of their scale:
    /// (count, sum of their 0–100 ratings).
    neg_low: (u64, f64),
    by_period: BTreeMap<Arc<str>, u64>,
    by_segment: HashMap<Arc<str>, u64>,
    quotes: Vec<(f32, Quote)>,
}

/// The streaming aggregator.
#[derive(Debug)]
pub struct Metrics {
    config: MetricsConfig,
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

/// A window of `text` around `range`, cut at char boundaries, at most about `max`
/// bytes. Returns the window, the byte where it starts in `text` and the length of
/// the `…` prefix: offset `x` of `text` is `x - start + prefix` in the window.
pub fn window(text: &str, range: std::ops::Range<usize>, max: usize) -> (String, usize, usize) {
    let w = Window::around(text, range, max);
    (w.text, w.start, w.prefix)
}

/// A window of a text around a range (see [`window`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The window, with `…` where it was cut.
    pub text: String,
    /// Where it starts in the source text.
    pub start: usize,
    /// Where it ends in the source text.
    pub end: usize,
    /// Length of the leading `…` (0 or 3).
    pub prefix: usize,
}

impl Window {
    /// At most about `max` bytes of `text` around `range`, cut at char boundaries.
    pub fn around(text: &str, range: std::ops::Range<usize>, max: usize) -> Window {
        let start = range.start.min(text.len());
        let end = range.end.clamp(start, text.len());
        let room = max.saturating_sub(end - start) / 2;
        let mut ws = start.saturating_sub(room);
        while !text.is_char_boundary(ws) {
            ws -= 1;
        }
        let mut we = (end + room).min(text.len());
        while !text.is_char_boundary(we) {
            we += 1;
        }
        let mut out = String::new();
        if ws > 0 {
            out.push('…');
        }
        let prefix = out.len();
        out.push_str(&text[ws..we]);
        if we < text.len() {
            out.push('…');
        }
        Window {
            text: out,
            start: ws,
            end: we,
            prefix,
        }
    }

    /// Byte ranges of `text` (source coordinates) that fall inside the window, in
    /// window coordinates.
    pub fn map(&self, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
        ranges
            .iter()
            .filter(|(s, e)| *s >= self.start && *e <= self.end && s <= e)
            .map(|(s, e)| (s - self.start + self.prefix, e - self.start + self.prefix))
            .collect()
    }
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
            Some(d) => {
                let key = self.intern_period(self.config.period.key(d));
                if let Some(c) = self.by_period.get_mut(&key) {
                    c.add(f, csat_top);
                }
                let p = self.config.period;
                let e = self.days.entry(key.clone()).or_insert((0, p.days_in(d)));
                e.0 |= 1 << p.day_of(d);
                Some(key)
            }
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
            let Some(acc) = self.acc.get_mut(hit.idx as usize) else {
                continue;
            };
            acc.counts.add(f, csat_top);
            acc.mentions += hit.mentions.len() as u64;
            match hit.sentiment.label {
                Label::Pos => acc.mention_pos += 1,
                Label::Neu => acc.mention_neu += 1,
                Label::Neg => {
                    acc.mention_neg += 1;
                    if let Some(r) = f.rating {
                        if r.nps_class() == Some(crate::ingest::NpsClass::Detractor) {
                            acc.neg_detractors += 1;
                        }
                        if r.scale == Scale::Stars5 && r.value <= 5.0 - f64::from(csat_top) {
                            acc.neg_csat_low += 1;
                        }
                        let r100 = 100.0 * r.normalized();
                        if r100 < 50.0 {
                            acc.neg_low.0 += 1;
                            acc.neg_low.1 += r100;
                        }
                    }
                }
            }
            if let Some(p) = &period {
                *acc.by_period.entry(p.clone()).or_default() += 1;
            }
            if let Some(s) = &segment {
                *acc.by_segment.entry(s.clone()).or_default() += 1;
            }
            let praise = &*self.themes[hit.idx as usize].id == "overall.praise";
            offer_quote(acc, hit, f, praise, self.config.quotes);
        }
    }

    /// Coverage of each period, oldest first: (days with records, days, partial).
    fn coverage(&self) -> Vec<(u32, u32, bool)> {
        let raw: Vec<(u32, u32)> = self
            .by_period
            .keys()
            .map(|k| {
                self.days
                    .get(k)
                    .map_or((0, 1), |&(bits, len)| (bits.count_ones(), len.max(1)))
            })
            .collect();
        let mut fractions: Vec<f64> = raw.iter().map(|&(c, n)| c as f64 / n as f64).collect();
        fractions.sort_by(f64::total_cmp);
        let median = match fractions.len() {
            0 => 0.0,
            n if n % 2 == 1 => fractions[n / 2],
            n => (fractions[n / 2 - 1] + fractions[n / 2]) / 2.0,
        };
        raw.into_iter()
            .map(|(c, n)| {
                let partial = c as f64 / (n as f64) < PARTIAL_COVERAGE * median;
                (c, n, partial && self.by_period.len() > 1)
            })
            .collect()
    }

    /// The score impact is measured on: NPS when there are 0–10 answers, else CSAT when
    /// there are 1–5 answers, else the 0–100 rating.
    fn impact_basis(&self) -> Option<ImpactBasis> {
        if self.total.nps_n() > 0 {
            Some(ImpactBasis::Nps)
        } else if self.total.csat_n > 0 {
            Some(ImpactBasis::Csat)
        } else if self.total.rating_100.0 > 0 {
            Some(ImpactBasis::Rating100)
        } else {
            None
        }
    }

    /// A theme's impact on `basis` and the records it leaves out.
    fn impact(&self, acc: &ThemeAcc, basis: ImpactBasis) -> Option<(f64, u64)> {
        let t = &self.total;
        match basis {
            ImpactBasis::Nps => {
                let now = t.nps()?;
                let mut without = t.clone();
                without.detractors = without.detractors.saturating_sub(acc.neg_detractors);
                Some((
                    round1(without.nps().unwrap_or(0.0) - now),
                    acc.neg_detractors,
                ))
            }
            ImpactBasis::Csat => {
                let now = t.csat()?;
                let n = t.csat_n.saturating_sub(acc.neg_csat_low);
                let without = if n == 0 {
                    now
                } else {
                    t.csat_top as f64 / n as f64
                };
                Some((round1(100.0 * (without - now)), acc.neg_csat_low))
            }
            ImpactBasis::Rating100 => {
                let now = t.rating_100()?;
                let n = t.rating_100.0.saturating_sub(acc.neg_low.0);
                let without = if n == 0 {
                    now
                } else {
                    (t.rating_100.1 - acc.neg_low.1) / n as f64
                };
                Some((round1(without - now), acc.neg_low.0))
            }
        }
    }

    /// The finished report data.
    pub fn finish(&self) -> Summary {
        let total = self.total.kpis();
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
        let basis = self.impact_basis();
        let mut themes = Vec::new();
        for (info, acc) in self.themes.iter().zip(&self.acc) {
            if acc.counts.records == 0 {
                continue;
            }
            let others = self.total.minus(&acc.counts);
            let impact = basis.and_then(|b| self.impact(acc, b));
            let trend: Vec<TrendPoint> = self
                .by_period
                .iter()
                .map(|(p, c)| {
                    let k = acc.by_period.get(p).copied().unwrap_or(0);
                    TrendPoint {
                        period: p.to_string(),
                        records: k,
                        share: share(k, c.records).unwrap_or(0.0),
                    }
                })
                .collect();
            let emerging = if keys.len() > window.len() {
                self.emerging_test(acc, &window, latest_partial)
            } else {
                None
            };
            let mut quotes: Vec<&(f32, Quote)> = acc.quotes.iter().collect();
            quotes.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut by_segment: Vec<(String, u64)> = acc
                .by_segment
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            by_segment.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            themes.push(ThemeRow {
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
                trend,
                emerging,
                segments: by_segment,
                quotes: quotes.into_iter().map(|(_, q)| q.clone()).collect(),
            });
        }
        decide_emerging(&mut themes);
        // Biggest problems first: negative mentions, then volume.
        themes.sort_by(|a, b| {
            b.negative
                .cmp(&a.negative)
                .then(b.records.cmp(&a.records))
                .then(a.id.cmp(&b.id))
        });
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
        Summary {
            period: self.config.period,
            segment: self.config.segment.clone(),
            totals: total,
            undated: self.undated,
            impact_basis: basis,
            periods,
            themes,
            segments,
        }
    }

    /// The exact test of a theme's rate in `window` against the periods before it
    /// (the decision waits for the adjustment across themes, [`decide_emerging`]).
    fn emerging_test(
        &self,
        acc: &ThemeAcc,
        window: &[&Arc<str>],
        partial: bool,
    ) -> Option<Emerging> {
        let in_window = |p: &Arc<str>| window.contains(&p);
        let (mut n1, mut n0) = (0u64, 0u64);
        for (p, c) in &self.by_period {
            if in_window(p) {
                n1 += c.records;
            } else {
                n0 += c.records;
            }
        }
        let (mut k1, mut k0) = (0u64, 0u64);
        for (p, k) in &acc.by_period {
            if in_window(p) {
                k1 += k;
            } else {
                k0 += k;
            }
        }
        if n0 == 0 || n1 == 0 {
            return None;
        }
        let p1 = k1 as f64 / n1 as f64;
        let p0 = k0 as f64 / n0 as f64;
        let p_value = fisher_greater(k1, n1, k0, n0);
        Some(Emerging {
            period: window.last()?.to_string(),
            window: window.iter().map(|w| w.to_string()).collect(),
            partial,
            mentions: k1,
            records: n1,
            baseline_mentions: k0,
            baseline_records: n0,
            latest_share: round3(p1),
            baseline_share: round3(p0),
            growth: (p0 > 0.0).then(|| round2(p1 / p0)),
            difference: round3(p1 - p0),
            p_value,
            p_adjusted: p_value,
            emerging: false,
            reason: String::new(),
        })
    }
}

/// Adjusts the themes' emerging p-values for the number of themes tested
/// (Benjamini–Hochberg) and decides which are emerging.
fn decide_emerging(themes: &mut [ThemeRow]) {
    let ps: Vec<f64> = themes
        .iter()
        .filter_map(|t| t.emerging.as_ref().map(|e| e.p_value))
        .collect();
    let mut adjusted = benjamini_hochberg(&ps).into_iter();
    for t in themes.iter_mut() {
        let Some(e) = t.emerging.as_mut() else {
            continue;
        };
        e.p_adjusted = adjusted.next().unwrap_or(1.0);
        let growth_ok =
            e.growth.is_none_or(|g| g >= EMERGING_MIN_GROWTH) && e.latest_share > e.baseline_share;
        e.reason = if e.mentions < EMERGING_MIN_COUNT {
            format!(
                "{} mention(s) in the recent window, fewer than {EMERGING_MIN_COUNT}",
                e.mentions
            )
        } else if !growth_ok {
            format!("rate grew less than ×{EMERGING_MIN_GROWTH}")
        } else if e.p_adjusted > EMERGING_FDR {
            format!(
                "not significant: adjusted p {} > {EMERGING_FDR}",
                fmt_p(e.p_adjusted)
            )
        } else {
            e.emerging = true;
            format!(
                "rate ×{} with adjusted p {} ≤ {EMERGING_FDR}",
                e.growth
                    .map_or_else(|| "∞".to_string(), |g| format!("{g:.1}")),
                fmt_p(e.p_adjusted)
            )
        };
    }
}

/// A p-value for display: `< 0.001` below that, else three decimals.
pub fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
pub fn benjamini_hochberg(ps: &[f64]) -> Vec<f64> {
    let m = ps.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut out = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let q = (ps[i] * m as f64 / (rank + 1) as f64).min(1.0);
        running = running.min(q);
        out[i] = running;
    }
    out
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// One-sided Fisher exact test that the rate `k1 / n1` is above `k0 / n0`: the
/// probability of at least `k1` of the `k1 + k0` hits falling in the `n1` records when
/// all `n1 + n0` records are alike (hypergeometric upper tail).
pub fn fisher_greater(k1: u64, n1: u64, k0: u64, n0: u64) -> f64 {
    let (big_n, big_k, n) = (n1 + n0, k1 + k0, n1);
    if big_k == 0 || n == 0 || k1 > n1 || k0 > n0 {
        return 1.0;
    }
    let lo = (n + big_k).saturating_sub(big_n);
    let hi = big_k.min(n);
    if k1 <= lo {
        return 1.0;
    }
    let ln_pmf =
        |x: u64| ln_choose(big_k, x) + ln_choose(big_n - big_k, n - x) - ln_choose(big_n, n);
    // Sum the tail on the far side of the mode, where the terms fall away from x.
    let mode = ((n + 1) as f64 * (big_k + 1) as f64 / (big_n + 2) as f64).floor() as u64;
    let tail = |from: u64, up: bool| {
        let mut term = ln_pmf(from).exp();
        let mut sum = term;
        let mut x = from;
        loop {
            if up {
                if x >= hi {
                    break;
                }
                let x_ = x as f64;
                term *= (big_k as f64 - x_) * (n as f64 - x_)
                    / ((x_ + 1.0) * ((big_n - big_k + x - n) as f64 + 1.0));
                x += 1;
            } else {
                if x <= lo {
                    break;
                }
                let x_ = x as f64;
                term *= x_ * (big_n - big_k + x - n) as f64
                    / ((big_k as f64 - x_ + 1.0) * (n as f64 - x_ + 1.0));
                x -= 1;
            }
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        sum
    };
    if k1 > mode {
        tail(k1, true).clamp(0.0, 1.0)
    } else {
        (1.0 - tail(k1 - 1, false)).clamp(0.0, 1.0)
    }
}

fn offer_quote(acc: &mut ThemeAcc, hit: &ThemeHit, f: &Facts<'_>, praise: bool, keep: usize) {
    let Some(m) = hit.mentions.first() else {
        return;
    };
    if keep == 0 {
        return;
    }
    // A complaint theme is quoted only where its own mention is negative (a 4-star
    // praise that mentions a refund is no refund complaint), praise only where positive.
    let wanted = if praise {
        crate::sentiment::Label::Pos
    } else {
        crate::sentiment::Label::Neg
    };
    if hit.sentiment.label != wanted {
        return;
    }
    // Nor is a record that is positive as a whole or rated high (4–5 of 5, 8–10 of 10).
    if !praise
        && (f.label == crate::sentiment::Label::Pos
            || f.rating.is_some_and(|r| r.normalized() >= 0.75))
    {
        return;
    }
    // Complaints are illustrated by their most negative mentions, praise by its most
    // positive; mid-length quotes read best.
    let polarity = if praise {
        hit.sentiment.score
    } else {
        -hit.sentiment.score
    };
    let len = f.text.len() as f32;
    let length_fit = if (30.0..=300.0).contains(&len) {
        0.1
    } else {
        0.0
    };
    let rank = polarity + length_fit;
    if acc.quotes.len() >= keep {
        let worst = acc
            .quotes
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(i, q)| (i, q.0));
        match worst {
            Some((i, r)) if r < rank => {
                acc.quotes.swap_remove(i);
            }
            _ => return,
        }
    }
    let w = Window::around(f.text, m.start..m.end, 240);
    let spans: Vec<(usize, usize)> = hit.mentions.iter().map(|x| (x.start, x.end)).collect();
    let highlights = w
        .map(&spans)
        .into_iter()
        .filter(|(s, e)| w.text.is_char_boundary(*s) && w.text.is_char_boundary(*e))
        .collect();
    acc.quotes.push((
        rank,
        Quote {
            id: f.id.to_string(),
            text: w.text,
            highlights,
            sentiment: hit.sentiment.score,
            rating: f.rating.map(|r| r.value),
            date: f
                .date
                .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        },
    ));
}

/// KPIs of one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodRow {
    /// `2026-02` or `2026-W05`.
    pub period: String,
    /// Its numbers.
    pub kpis: Kpis,
    /// Days of the period that have records.
    #[serde(default)]
    pub days_covered: u32,
    /// Days in the period.
    #[serde(default)]
    pub days: u32,
    /// Fewer of its days have records than of the other periods' (below
    /// [`PARTIAL_COVERAGE`] of the median share): usually the data starts or ends
    /// inside it. A partial latest period never decides "emerging" alone.
    #[serde(default)]
    pub partial: bool,
}

/// KPIs of one segment value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentRow {
    /// The segment value.
    pub value: String,
    /// Its numbers.
    pub kpis: Kpis,
}

/// A theme's count in one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendPoint {
    /// Period key.
    pub period: String,
    /// Records mentioning the theme.
    pub records: u64,
    /// Their share of the period's records.
    pub share: f64,
}

/// The emerging test of a theme: its rate (records mentioning it per record) in the
/// recent window against the periods before, by a one-sided Fisher exact test.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emerging {
    /// The latest period.
    pub period: String,
    /// The periods tested as recent: the latest, with the one before when the latest
    /// is partial.
    pub window: Vec<String>,
    /// The latest period is partial.
    pub partial: bool,
    /// Records mentioning the theme in the window.
    pub mentions: u64,
    /// Records in the window.
    pub records: u64,
    /// Records mentioning the theme before the window.
    pub baseline_mentions: u64,
    /// Records before the window.
    pub baseline_records: u64,
    /// Rate in the window: `mentions / records`.
    pub latest_share: f64,
    /// Rate before it.
    pub baseline_share: f64,
    /// latest / baseline (none when the theme is new).
    pub growth: Option<f64>,
    /// The effect: latest − baseline rate.
    pub difference: f64,
    /// One-sided exact p-value (Fisher).
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value across the themes tested.
    pub p_adjusted: f64,
    /// The decision: at least [`EMERGING_MIN_COUNT`] mentions, growth at least
    /// [`EMERGING_MIN_GROWTH`], adjusted p at most [`EMERGING_FDR`].
    pub emerging: bool,
    /// Why it is (or is not) emerging, in words.
    pub reason: String,
}

/// The score a theme's impact is measured on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImpactBasis {
    /// NPS points (detractors mentioning the theme negatively left out).
    Nps,
    /// CSAT percentage points (1–5 answers below the top boxes mentioning the theme
    /// negatively left out).
    Csat,
    /// Points of the 0–100 average rating (ratings below the middle of their scale
    /// mentioning the theme negatively left out).
    #[serde(rename = "rating_100")]
    Rating100,
}

impl ImpactBasis {
    /// Short name of the score and its unit.
    pub fn unit(self) -> &'static str {
        match self {
            ImpactBasis::Nps => "NPS points",
            ImpactBasis::Csat => "CSAT percentage points",
            ImpactBasis::Rating100 => "points of the 0–100 average rating",
        }
    }

    /// One sentence saying what impact measures on this score.
    pub fn describe(self) -> &'static str {
        match self {
            ImpactBasis::Nps => {
                "Impact: NPS points the overall score would gain without the detractors (0–6) who mention the theme negatively; praise and neutral mentions have none."
            }
            ImpactBasis::Csat => {
                "Impact (no NPS answers, so on CSAT): percentage points CSAT would gain without the 1–5 answers below the top boxes that mention the theme negatively; praise and neutral mentions have none."
            }
            ImpactBasis::Rating100 => {
                "Impact (no NPS or 1–5 answers, so on the 0–100 average rating): points the average would gain without the ratings below the middle of their scale that mention the theme negatively; praise and neutral mentions have none."
            }
        }
    }
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

use super::Labels;

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
mod tests {
    use super::*;

    #[test]
    fn iso_weeks() {
        let k = |y, m, d| Period::Week.key(Date::new(y, m, d).unwrap());
        assert_eq!(k(2026, 1, 1), "2026-W01"); // Thursday
        assert_eq!(k(2021, 1, 3), "2020-W53"); // Sunday of 2020's last week
        assert_eq!(k(2024, 12, 30), "2025-W01");
        assert_eq!(Period::Month.key(Date::new(2026, 2, 9).unwrap()), "2026-02");
    }

    /// The hypergeometric upper tail by brute force.
    fn fisher_brute(k1: u64, n1: u64, k0: u64, n0: u64) -> f64 {
        let c = |n: u64, k: u64| -> f64 {
            if k > n {
                return 0.0;
            }
            (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
        };
        let (nn, kk) = (n1 + n0, k1 + k0);
        (k1..=kk.min(n1))
            .map(|x| c(kk, x) * c(nn - kk, n1 - x) / c(nn, n1))
            .sum()
    }

    #[test]
    fn fisher_matches_known_values_and_brute_force() {
        // Lady tasting tea: 3 of 4 right, P = 17/70.
        assert!((fisher_greater(3, 4, 1, 4) - 17.0 / 70.0).abs() < 1e-9);
        // Fisher's 2×2 textbook table [[11, 3], [1, 9]]: one-sided p = 0.001380.
        assert!((fisher_greater(11, 14, 1, 10) - 0.001380).abs() < 1e-5);
        for (k1, n1, k0, n0) in [(0, 5, 3, 9), (2, 7, 1, 20), (5, 30, 9, 40), (12, 40, 2, 35)] {
            let (a, b) = (fisher_greater(k1, n1, k0, n0), fisher_brute(k1, n1, k0, n0));
            assert!((a - b).abs() < 1e-9, "{k1}/{n1} vs {k0}/{n0}: {a} vs {b}");
        }
        // Same rate: nowhere near significant; a real rise: far below 0.001.
        assert!(fisher_greater(3, 100, 30, 1000) > 0.3);
        assert!(fisher_greater(20, 100, 30, 1000) < 1e-6);
        // Large counts stay finite.
        let p = fisher_greater(520, 10_000, 5_000, 100_000);
        // 5.2% vs 5.0%: z ≈ 0.88, so p near 0.19.
        assert!(p.is_finite() && p > 0.15 && p < 0.25, "{p}");
    }

    #[test]
    fn benjamini_hochberg_adjusts_in_order() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2]);
        let want = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.2];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn window_marks_cuts() {
        let text = "あいうえおかきくけこさしすせそ";
        let (w, start, prefix) = window(text, 15..18, 9);
        assert!(w.starts_with('…') && w.ends_with('…'), "{w}");
        assert_eq!(&w[15 - start + prefix..18 - start + prefix], "か");
        let (w, start, prefix) = window("abcdef", 1..2, 100);
        assert_eq!((w.as_str(), start, prefix), ("abcdef", 0, 0));
    }
}
