//! Impact: what a theme costs the overall score — the points NPS, CSAT or the 0–100
//! average rating would gain without the low scorers who mention the theme
//! negatively.

use serde::{Deserialize, Serialize};

use super::{Counts, round1};
use crate::ingest::{NpsClass, Rating, Scale};

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

/// The low scores of the records that mention one theme negatively: what its impact
/// leaves out of the totals.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct LowScores {
    /// Records whose NPS answer is a detractor's.
    detractors: u64,
    /// Records whose 1–5 answer is below the CSAT top boxes.
    csat_low: u64,
    /// Records rated below the middle of their scale: (count, sum of their 0–100
    /// ratings).
    #[serde(with = "super::exact::pair")]
    low_100: (u64, f64),
}

impl LowScores {
    /// Adds the low scores of `other`.
    pub(super) fn merge(&mut self, other: &LowScores) {
        self.detractors += other.detractors;
        self.csat_low += other.csat_low;
        self.low_100.0 += other.low_100.0;
        self.low_100.1 += other.low_100.1;
    }

    /// Counts the rating of a record that mentions the theme negatively.
    pub(super) fn add(&mut self, r: Rating, csat_top: u8) {
        if r.nps_class() == Some(NpsClass::Detractor) {
            self.detractors += 1;
        }
        if r.scale == Scale::Stars5 && r.value <= 5.0 - f64::from(csat_top) {
            self.csat_low += 1;
        }
        let r100 = 100.0 * r.normalized();
        if r100 < 50.0 {
            self.low_100.0 += 1;
            self.low_100.1 += r100;
        }
    }
}

impl ImpactBasis {
    /// The score impact is measured on: NPS when there are 0–10 answers, else CSAT when
    /// there are 1–5 answers, else the 0–100 rating.
    pub(super) fn of(total: &Counts) -> Option<ImpactBasis> {
        if total.nps_n() > 0 {
            Some(ImpactBasis::Nps)
        } else if total.csat_n > 0 {
            Some(ImpactBasis::Csat)
        } else if total.rating_100.0 > 0 {
            Some(ImpactBasis::Rating100)
        } else {
            None
        }
    }

    /// A theme's impact on this score, given the totals and the theme's low scores,
    /// and the records it leaves out.
    pub(super) fn impact(self, t: &Counts, low: &LowScores) -> Option<(f64, u64)> {
        match self {
            ImpactBasis::Nps => {
                let now = t.nps()?;
                let mut without = t.clone();
                without.detractors = without.detractors.saturating_sub(low.detractors);
                Some((round1(without.nps().unwrap_or(0.0) - now), low.detractors))
            }
            ImpactBasis::Csat => {
                let now = t.csat()?;
                let n = t.csat_n.saturating_sub(low.csat_low);
                let without = if n == 0 {
                    now
                } else {
                    t.csat_top as f64 / n as f64
                };
                Some((round1(100.0 * (without - now)), low.csat_low))
            }
            ImpactBasis::Rating100 => {
                let now = t.rating_100()?;
                let n = t.rating_100.0.saturating_sub(low.low_100.0);
                let without = if n == 0 {
                    now
                } else {
                    (t.rating_100.1 - low.low_100.1) / n as f64
                };
                Some((round1(without - now), low.low_100.0))
            }
        }
    }
}
