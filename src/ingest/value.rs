//! Field values: ratings with their scale, dates in the usual JP / KR / EN forms.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The scale a rating column uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// 1–5 stars (also CSAT).
    Stars5,
    /// 1–10.
    Ten,
    /// 0–10 likelihood to recommend (NPS).
    Nps,
    /// 0–100 percent.
    Percent,
}

impl Scale {
    /// Name used in output and in `--scale`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Stars5 => "stars5",
            Scale::Ten => "ten",
            Scale::Nps => "nps",
            Scale::Percent => "percent",
        }
    }

    /// (min, max) of the scale.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Scale::Stars5 => (1.0, 5.0),
            Scale::Ten => (1.0, 10.0),
            Scale::Nps => (0.0, 10.0),
            Scale::Percent => (0.0, 100.0),
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "stars5" | "stars" | "5" | "1-5" | "csat" => Ok(Scale::Stars5),
            "ten" | "10" | "1-10" => Ok(Scale::Ten),
            "nps" | "0-10" => Ok(Scale::Nps),
            "percent" | "100" | "0-100" | "%" => Ok(Scale::Percent),
            other => Err(format!(
                "unknown scale '{other}' (expected stars5, ten, nps or percent)"
            )),
        }
    }
}

/// A rating on a known scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// The value as given.
    pub value: f64,
    /// Its scale.
    pub scale: Scale,
}

/// NPS band of a 0–10 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NpsClass {
    /// 0–6.
    Detractor,
    /// 7–8.
    Passive,
    /// 9–10.
    Promoter,
}

impl NpsClass {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NpsClass::Detractor => "detractor",
            NpsClass::Passive => "passive",
            NpsClass::Promoter => "promoter",
        }
    }
}

impl Rating {
    /// The value mapped to [0, 1] (0 = worst, 1 = best).
    pub fn normalized(&self) -> f64 {
        let (lo, hi) = self.scale.bounds();
        ((self.value - lo) / (hi - lo)).clamp(0.0, 1.0)
    }

    /// NPS band, for ratings on the 0–10 scale.
    pub fn nps_class(&self) -> Option<NpsClass> {
        if self.scale != Scale::Nps {
            return None;
        }
        Some(if self.value <= 6.0 {
            NpsClass::Detractor
        } else if self.value <= 8.0 {
            NpsClass::Passive
        } else {
            NpsClass::Promoter
        })
    }
}

/// Parses a rating value: `4`, `4.5`, `4/5`, `★★★★☆`, `80%`, full-width digits.
/// Returns the number and, when the text says so, the scale it implies.
pub fn parse_rating(raw: &str) -> Option<(f64, Option<Scale>)> {
    let s: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '．' => '.',
            '／' => '/',
            '％' => '%',
            _ => c,
        })
        .collect();
    if s.is_empty() {
        return None;
    }
    let stars = s.chars().filter(|c| matches!(c, '★' | '⭐')).count();
    if stars > 0 && s.chars().all(|c| matches!(c, '★' | '☆' | '⭐' | ' ')) {
        return Some((stars as f64, Some(Scale::Stars5)));
    }
    // "4/5", "4 out of 5", "4.0 out of 5 stars"
    let fraction = s.split_once('/').or_else(|| s.split_once(" out of "));
    if let Some((a, b)) = fraction {
        let v = plain_number(strip_units(a))?;
        let max = plain_number(strip_units(b))?;
        if max <= 0.0 || v > max {
            return None;
        }
        let scale = if max == 5.0 {
            Scale::Stars5
        } else if max == 10.0 {
            Scale::Ten
        } else if max == 100.0 {
            Scale::Percent
        } else {
            return Some((v / max * 100.0, Some(Scale::Percent)));
        };
        return Some((v, Some(scale)));
    }
    if let Some(p) = s.strip_suffix('%') {
        return plain_number(p).map(|v| (v, Some(Scale::Percent)));
    }
    // "4点", "4 stars", "4점", "星4"
    plain_number(strip_units(&s)).map(|v| (v, None))
}

/// `s` without a rating unit around the number: 星4, 4点, 4점, 4 stars, 4 pts.
fn strip_units(s: &str) -> &str {
    let mut s = s.trim();
    for prefix in ["星", "별", "★", "rating", "score"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start_matches([':', ' ']).trim();
        }
    }
    for suffix in [
        "points", "point", "pts", "stars", "star", "点", "점", "つ星", "개",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim();
            break;
        }
    }
    s
}

/// A plain non-negative decimal (`4`, `4.5`, `.5`): no sign, no exponent, no other
/// characters, at most 6 integer digits and finite. Anything else is not a rating,
/// so it is never coerced into one (`-5`, `1e3`, `[1,2]`, `0/0`).
fn plain_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || int.len() > 6 || !digits(int) || !digits(frac) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Decides the scale of a rating column from sample values and the column name.
pub fn infer_scale(values: &[f64], column: &str) -> Scale {
    let name = column.to_lowercase();
    let nps_name = ["nps", "recommend", "推奨", "おすすめ", "추천", "likelihood"]
        .iter()
        .any(|k| name.contains(k));
    if nps_name {
        return Scale::Nps;
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    if values.is_empty() || (min >= 1.0 && max <= 5.0) {
        Scale::Stars5
    } else if max <= 10.0 && min >= 1.0 {
        Scale::Ten
    } else if max <= 10.0 {
        Scale::Nps
    } else {
        Scale::Percent
    }
}

/// A calendar date (proleptic Gregorian), as koe reads it from a date column.
///
/// The calendar arithmetic is [`jiff::civil::Date`]'s ([`Date::to_jiff`]); this type
/// keeps the plain fields the rest of koe and its JSON use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

/// 1970-01-01, day 0 of [`Date::days_since_epoch`].
const EPOCH: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

/// Days in `jiff`'s calendar on each side of [`EPOCH`] (years −9999 to 9999), rounded
/// out: farther days are the first or last date it has.
const JIFF_DAYS: i64 = 4_400_000;

impl Date {
    /// A valid date of the years 1000–9999, or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1000..=9999).contains(&year)
        {
            return None;
        }
        // In range for jiff's i16 year and i8 month and day (checked above).
        let d = jiff::civil::Date::new(year as i16, month as i8, day as i8).ok()?;
        Some(Date::from_jiff(d))
    }

    /// The same day as a [`jiff::civil::Date`]. A `Date` built by hand that is no
    /// real day is moved into range (year within ±9999, month 1–12, the day within
    /// its month).
    pub fn to_jiff(self) -> jiff::civil::Date {
        let year = self.year.clamp(-9999, 9999) as i16;
        let month = self.month.clamp(1, 12) as i8;
        let day = self.day.clamp(1, 31) as i8;
        jiff::civil::Date::new(year, month, day).unwrap_or_else(|_| {
            let first = jiff::civil::Date::new(year, month, 1).unwrap_or(EPOCH);
            first.last_of_month()
        })
    }

    /// The date of a [`jiff::civil::Date`].
    pub fn from_jiff(d: jiff::civil::Date) -> Date {
        Date {
            year: i32::from(d.year()),
            month: d.month() as u8,
            day: d.day() as u8,
        }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(&self) -> i64 {
        self.to_jiff().duration_since(EPOCH).as_secs() / 86_400
    }

    /// The date `days` days since 1970-01-01 (saturating at jiff's first and last
    /// dates, −9999-01-01 and 9999-12-31).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let days = days.clamp(-JIFF_DAYS, JIFF_DAYS);
        Date::from_jiff(EPOCH.saturating_add(jiff::Span::new().days(days)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_date(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid date '{s}'")))
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses the usual date forms: ISO 8601 (with or without time and zone),
/// 2026/01/05, 2026.01.05, 2026年1月5日, 2026년 1월 5일, US 01/05/2026, Jan 5, 2026,
/// 5 Jan 2026, 20260105, Unix seconds. Times are ignored.
pub fn parse_date(raw: &str) -> Option<Date> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let s: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            _ => c,
        })
        .collect();
    // Split into numbers and words.
    let mut nums: Vec<(u64, usize)> = Vec::new(); // (value, digits)
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_word = String::new();
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            if !cur_word.is_empty() {
                words.push(std::mem::take(&mut cur_word));
            }
            cur.push(c);
        } else {
            if !cur.is_empty() {
                nums.push((cur.parse().ok()?, cur.len()));
                cur.clear();
            }
            if c.is_alphabetic() && c.is_ascii() {
                cur_word.push(c.to_ascii_lowercase());
            } else if !cur_word.is_empty() {
                words.push(std::mem::take(&mut cur_word));
            }
        }
    }
    let month_word = words.iter().find_map(|w| {
        MONTHS
            .iter()
            .position(|m| w.starts_with(m))
            .map(|i| i as u32 + 1)
    });
    if let Some(m) = month_word {
        // Jan 5, 2026 / 5 Jan 2026
        let year = nums.iter().find(|(_, d)| *d == 4)?.0 as i32;
        let day = nums.iter().find(|(_, d)| *d <= 2)?.0 as u32;
        return Date::new(year, m, day);
    }
    match nums.as_slice() {
        [(v, 8), ..] => Date::new(
            (v / 10000) as i32,
            ((v / 100) % 100) as u32,
            (v % 100) as u32,
        ),
        [(v, 10), ..] if nums.len() == 1 => Some(Date::from_days_since_epoch(*v as i64 / 86400))
            .filter(|d| (1990..2100).contains(&d.year)),
        [(y, 4), (m, _), (d, _), ..] => Date::new(*y as i32, *m as u32, *d as u32),
        // US month/day/year, or day/month/year when the first number cannot be a month.
        [(a, 1..=2), (b, 1..=2), (y, 4), ..] => {
            if *a > 12 {
                Date::new(*y as i32, *b as u32, *a as u32)
            } else {
                Date::new(*y as i32, *a as u32, *b as u32)
            }
        }
        // Two-digit years: 26/01/05 (JP) is yy/mm/dd.
        [(y, 2), (m, 1..=2), (d, 1..=2), ..] if s.contains('/') || s.contains('.') => {
            Date::new(2000 + *y as i32, *m as u32, *d as u32)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = Date::new(2026, 1, 5).unwrap();
        for s in [
            "2026-01-05",
            "2026/01/05",
            "2026/1/5 10:23",
            "2026.01.05",
            "2026年1月5日",
            "2026년 1월 5일",
            "2026-01-05T09:15:00+09:00",
            "01/05/2026",
            "Jan 5, 2026",
            "5 January 2026",
            "20260105",
            "２０２６年１月５日",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("25/12/2026"), Date::new(2026, 12, 25));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("hello"), None);
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
    }

    #[test]
    fn ratings() {
        assert_eq!(parse_rating("4"), Some((4.0, None)));
        assert_eq!(parse_rating("4/5"), Some((4.0, Some(Scale::Stars5))));
        assert_eq!(parse_rating("★★★☆☆"), Some((3.0, Some(Scale::Stars5))));
        assert_eq!(parse_rating("80%"), Some((80.0, Some(Scale::Percent))));
        assert_eq!(parse_rating("４点"), Some((4.0, None)));
        assert_eq!(parse_rating(""), None);
        assert_eq!(parse_rating("星4"), Some((4.0, None)));
        assert_eq!(parse_rating("4 stars"), Some((4.0, None)));
        assert_eq!(
            parse_rating("4.0 out of 5 stars"),
            Some((4.0, Some(Scale::Stars5)))
        );
        assert_eq!(parse_rating("9/10"), Some((9.0, Some(Scale::Ten))));
    }

    #[test]
    fn ratings_are_never_coerced() {
        // Issue 24: each of these was read as a valid rating.
        for bad in [
            "-5",
            "1e3",
            "99999999999999999999999",
            "[1,2]",
            "0/0",
            "5/0",
            "6/5",
            "NaN",
            "inf",
            "4,5",
            "1.2.3",
            "4 or 5",
        ] {
            assert_eq!(parse_rating(bad), None, "{bad}");
        }
        assert_eq!(infer_scale(&[1.0, 5.0, 3.0], "rating"), Scale::Stars5);
        assert_eq!(infer_scale(&[0.0, 10.0, 7.0], "score"), Scale::Nps);
        assert_eq!(infer_scale(&[3.0, 4.0], "推奨度"), Scale::Nps);
        assert_eq!(infer_scale(&[1.0, 9.0], "score"), Scale::Ten);
        let r = Rating {
            value: 6.0,
            scale: Scale::Nps,
        };
        assert_eq!(r.nps_class(), Some(NpsClass::Detractor));
    }
}
