//! Figures over a set of records: NPS, CSAT, ratings on every scale, sentiment
//! counts ([`Counts`], summarised as [`Kpis`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Facts, round1, round2, round3, share};
use crate::ingest::Scale;
use crate::sentiment::Label;

/// Counts over a set of records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    #[serde(with = "super::exact::scale_sums")]
    pub ratings: BTreeMap<&'static str, (u64, f64)>,
    /// Ratings of any scale mapped to 0–100: (count, sum).
    #[serde(with = "super::exact::pair")]
    pub rating_100: (u64, f64),
    /// Sentiment labels.
    pub pos: u64,
    /// Neutral.
    pub neu: u64,
    /// Negative.
    pub neg: u64,
}

impl Counts {
    /// Adds the counts of `other` (another part of the records).
    pub fn merge(&mut self, other: &Counts) {
        self.records += other.records;
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
        self.csat_n += other.csat_n;
        self.csat_top += other.csat_top;
        for (k, (n, sum)) in &other.ratings {
            let e = self.ratings.entry(k).or_default();
            e.0 += n;
            e.1 += sum;
        }
        self.rating_100.0 += other.rating_100.0;
        self.rating_100.1 += other.rating_100.1;
        self.pos += other.pos;
        self.neu += other.neu;
        self.neg += other.neg;
    }

    /// Counts one record; `csat_top` is the number of top boxes that count for CSAT.
    pub(super) fn add(&mut self, f: &Facts, csat_top: u8) {
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

    /// These counts without `other` (a subset of them).
    pub(super) fn minus(&self, other: &Counts) -> Counts {
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
