//! Survey and theme metrics, aggregated while streaming: memory grows with the number
//! of themes × periods × segment values, never with the number of records.
//!
//! Definitions:
//! - **NPS** over 0–10 answers: 0–6 detractors, 7–8 passives, 9–10 promoters;
//!   NPS = 100 × (promoters − detractors) / answers.
//! - **CSAT** over 1–5 answers: share of the top `csat_top` boxes (default 2: 4 and 5).
//! - **Complaints**: records whose overall sentiment is negative.
//! - **Net sentiment**: (positive − negative) / all, in [−1, 1].
//! - **Impact** of a theme: how many NPS points the overall score would gain if the
//!   detractors who mention the theme were not there: NPS(without them) − NPS.
//! - **Emerging**: the theme's share of records in the latest period against its share
//!   in all earlier periods, by a one-sided two-proportion z-test (z ≥ 1.96, at least
//!   [`EMERGING_MIN_COUNT`] records in the latest period).

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

/// Records the latest period needs at least, to call a theme emerging.
pub const EMERGING_MIN_COUNT: u64 = 3;
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
    /// Mean rating on `rating_scale`.
    pub avg_rating: Option<f64>,
    /// The most used rating scale.
    pub rating_scale: Option<String>,
    /// Ratings on that scale.
    pub rated: u64,
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
                Label::Neg => acc.mention_neg += 1,
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

    /// The finished report data.
    pub fn finish(&self) -> Summary {
        let total = self.total.kpis();
        let periods: Vec<PeriodRow> = self
            .by_period
            .iter()
            .map(|(p, c)| PeriodRow {
                period: p.to_string(),
                kpis: c.kpis(),
            })
            .collect();
        let latest = self.by_period.keys().next_back().cloned();
        let mut themes = Vec::new();
        for (info, acc) in self.themes.iter().zip(&self.acc) {
            if acc.counts.records == 0 {
                continue;
            }
            let others = self.total.minus(&acc.counts);
            let impact = self.total.nps().map(|nps| {
                let mut without = self.total.clone();
                without.detractors -= acc.counts.detractors;
                round1(without.nps().unwrap_or(0.0) - nps)
            });
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
            let emerging = latest.as_ref().and_then(|l| self.emerging(acc, l));
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
                nps_mentioners: acc.counts.nps().map(round1),
                nps_others: others.nps().map(round1),
                csat_mentioners: acc.counts.csat().map(round3),
                impact,
                trend,
                emerging,
                segments: by_segment,
                quotes: quotes.into_iter().map(|(_, q)| q.clone()).collect(),
            });
        }
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
            periods,
            themes,
            segments,
        }
    }

    fn emerging(&self, acc: &ThemeAcc, latest: &Arc<str>) -> Option<Emerging> {
        let n1 = self.by_period.get(latest)?.records;
        let k1 = acc.by_period.get(latest).copied().unwrap_or(0);
        let n0 = self.total.records - self.undated - n1;
        let k0: u64 = acc
            .by_period
            .iter()
            .filter(|(p, _)| *p != latest)
            .map(|(_, k)| *k)
            .sum();
        if n0 == 0 || n1 == 0 {
            return None;
        }
        let z = two_proportion_z(k1, n1, k0, n0);
        let p1 = k1 as f64 / n1 as f64;
        let p0 = k0 as f64 / n0 as f64;
        Some(Emerging {
            period: latest.to_string(),
            latest_share: round3(p1),
            baseline_share: round3(p0),
            growth: (p0 > 0.0).then(|| round2(p1 / p0)),
            z: round2(z),
            p_value: round3(1.0 - normal_cdf(z)),
            emerging: z >= 1.96 && k1 >= EMERGING_MIN_COUNT,
        })
    }
}

fn offer_quote(acc: &mut ThemeAcc, hit: &ThemeHit, f: &Facts<'_>, praise: bool, keep: usize) {
    let Some(m) = hit.mentions.first() else {
        return;
    };
    if keep == 0 {
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

/// One-sided two-proportion z statistic for p1 > p0 (pooled variance).
pub fn two_proportion_z(k1: u64, n1: u64, k0: u64, n0: u64) -> f64 {
    let (k1, n1, k0, n0) = (k1 as f64, n1 as f64, k0 as f64, n0 as f64);
    let p = (k1 + k0) / (n1 + n0);
    let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n0)).sqrt();
    if se == 0.0 {
        return 0.0;
    }
    (k1 / n1 - k0 / n0) / se
}

/// Standard normal CDF (Abramowitz–Stegun 7.1.26 erf approximation, |error| < 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * x);
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// KPIs of one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodRow {
    /// `2026-02` or `2026-W05`.
    pub period: String,
    /// Its numbers.
    pub kpis: Kpis,
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

/// The emerging test of a theme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emerging {
    /// The latest period.
    pub period: String,
    /// Share of records in the latest period.
    pub latest_share: f64,
    /// Share in the earlier periods.
    pub baseline_share: f64,
    /// latest / baseline.
    pub growth: Option<f64>,
    /// z statistic.
    pub z: f64,
    /// One-sided p-value.
    pub p_value: f64,
    /// Significant growth.
    pub emerging: bool,
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
    /// Mean rating of mentioners.
    pub avg_rating: Option<f64>,
    /// NPS of the records that mention it.
    pub nps_mentioners: Option<f64>,
    /// NPS of the records that do not.
    pub nps_others: Option<f64>,
    /// CSAT of mentioners.
    pub csat_mentioners: Option<f64>,
    /// NPS points gained without the theme's detractors.
    pub impact: Option<f64>,
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

    #[test]
    fn normal_cdf_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-6);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-3);
        assert!((normal_cdf(-1.0) - 0.1587).abs() < 1e-3);
    }

    #[test]
    fn z_test_needs_real_growth() {
        // 3/100 vs 30/1000: no growth.
        assert!(two_proportion_z(3, 100, 30, 1000).abs() < 1e-9);
        // 20/100 vs 30/1000: strong growth.
        assert!(two_proportion_z(20, 100, 30, 1000) > 5.0);
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
