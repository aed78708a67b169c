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
            Period::Week => d.to_jiff().weekday().to_monday_zero_offset() as u32,
        }
    }

    /// Days in the period of a date (the month's length, or 7).
    pub fn days_in(self, d: Date) -> u32 {
        match self {
            Period::Week => 7,
            Period::Month => d.to_jiff().days_in_month() as u32,
        }
    }

    /// The period a date falls in, as a sortable key: `2026-02`, or the ISO week
    /// `2026-W05` (weeks start on Monday; week 1 holds the year's first Thursday).
    pub fn key(self, d: Date) -> String {
        match self {
            Period::Month => format!("{:04}-{:02}", d.year, d.month),
            Period::Week => {
                let w = d.to_jiff().iso_week_date();
                format!("{:04}-W{:02}", w.year(), w.week())
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

    /// The arithmetic koe used before jiff (days from civil and back, after Howard
    /// Hinnant; ISO weeks from the Thursday of the week), kept only as this test's
    /// reference.
    mod before_jiff {
        use crate::ingest::Date;

        pub fn days_since_epoch(d: Date) -> i64 {
            let y = d.year as i64 - i64::from(d.month <= 2);
            let era = if y >= 0 { y } else { y - 399 } / 400;
            let yoe = y - era * 400;
            let m = d.month as i64;
            let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d.day as i64 - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            era * 146097 + doe - 719468
        }

        pub fn from_days_since_epoch(days: i64) -> Date {
            let z = days + 719468;
            let era = if z >= 0 { z } else { z - 146096 } / 146097;
            let doe = z - era * 146097;
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            let y = yoe + era * 400;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
            let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
            Date {
                year: (y + i64::from(m <= 2)) as i32,
                month: m,
                day: d,
            }
        }

        pub fn week_key(d: Date) -> String {
            let days = days_since_epoch(d);
            let weekday = (days + 3).rem_euclid(7);
            let thursday = days - weekday + 3;
            let year = from_days_since_epoch(thursday).year;
            let jan1 = days_since_epoch(Date {
                year,
                month: 1,
                day: 1,
            });
            let week = (thursday - jan1) / 7 + 1;
            format!("{year:04}-W{week:02}")
        }

        pub fn week_day(d: Date) -> u32 {
            (days_since_epoch(d) + 3).rem_euclid(7) as u32
        }

        pub fn month_days(d: Date) -> u32 {
            let leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
            [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ][d.month as usize - 1]
        }
    }

    /// Every day from 1990 to 2040: the same day numbers, dates, ISO weeks, days of
    /// the week and month lengths as the arithmetic before jiff.
    #[test]
    fn calendar_matches_the_arithmetic_before_jiff() {
        let first = Date::new(1990, 1, 1).unwrap().days_since_epoch();
        let last = Date::new(2040, 12, 31).unwrap().days_since_epoch();
        assert_eq!(
            first,
            before_jiff::days_since_epoch(Date::new(1990, 1, 1).unwrap())
        );
        for n in first..=last {
            let d = Date::from_days_since_epoch(n);
            assert_eq!(d, before_jiff::from_days_since_epoch(n), "day {n}");
            assert_eq!(Date::new(d.year, d.month.into(), d.day.into()), Some(d));
            assert_eq!(d.days_since_epoch(), n);
            assert_eq!(before_jiff::days_since_epoch(d), n);
            assert_eq!(Period::Week.key(d), before_jiff::week_key(d), "{d}");
            assert_eq!(Period::Week.day_of(d), before_jiff::week_day(d), "{d}");
            assert_eq!(Period::Month.days_in(d), before_jiff::month_days(d), "{d}");
        }
        assert_eq!(last - first + 1, 18_628);
        // The same days are refused.
        for year in [1000, 1900, 1999, 2000, 2024, 2026, 9999] {
            for month in 0..=13u32 {
                for day in [0, 1, 28, 29, 30, 31, 32, 257, u32::MAX] {
                    let valid = (1..=12).contains(&month)
                        && day >= 1
                        && day
                            <= before_jiff::month_days(Date {
                                year,
                                month: month as u8,
                                day: 1,
                            });
                    let d = Date::new(year, month, day);
                    assert_eq!(d.is_some(), valid, "{year}-{month}-{day}");
                }
            }
        }
        assert_eq!(Date::new(999, 1, 1), None);
        assert_eq!(Date::new(10_000, 1, 1), None);
    }
}
