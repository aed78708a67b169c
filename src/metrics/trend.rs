//! Time: the trend's periods (calendar months, ISO weeks), how much of each period
//! the data covers, and a theme's count per period.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Counts, Kpis, share};
use crate::ingest::Date;

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

/// A period is partial when the share of its days that have records is below this
/// fraction of the median share over all periods.
pub const PARTIAL_COVERAGE: f64 = 0.8;

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

/// Coverage of each period, oldest first, from the days that have records and the
/// days in the period: (days with records, days, partial). A period is partial when
/// its share of days with records is below [`PARTIAL_COVERAGE`] of the median share;
/// a lone period never is.
pub(super) fn coverage(days: Vec<(u32, u32)>) -> Vec<(u32, u32, bool)> {
    let mut fractions: Vec<f64> = days.iter().map(|&(c, n)| c as f64 / n as f64).collect();
    fractions.sort_by(f64::total_cmp);
    let median = match fractions.len() {
        0 => 0.0,
        n if n % 2 == 1 => fractions[n / 2],
        n => (fractions[n / 2 - 1] + fractions[n / 2]) / 2.0,
    };
    let several = days.len() > 1;
    days.into_iter()
        .map(|(c, n)| {
            let partial = c as f64 / (n as f64) < PARTIAL_COVERAGE * median;
            (c, n, partial && several)
        })
        .collect()
}

/// A theme's trend: its records (`theme`, by period) against all records of each
/// period (`all`), oldest first.
pub(super) fn points(
    all: &BTreeMap<Arc<str>, Counts>,
    theme: &BTreeMap<Arc<str>, u64>,
) -> Vec<TrendPoint> {
    all.iter()
        .map(|(p, c)| {
            let k = theme.get(p).copied().unwrap_or(0);
            TrendPoint {
                period: p.to_string(),
                records: k,
                share: share(k, c.records).unwrap_or(0.0),
            }
        })
        .collect()
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
}
