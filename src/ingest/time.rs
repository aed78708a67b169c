//! Timestamps of ticket and message exports, with jiff: ISO 8601 / RFC 3339 with a
//! zone or offset, RFC 2822, Twitter's `Wed Oct 11 06:55:44 +0000 2017`, and local
//! formats without a zone (`2026/01/05 10:30`, `2026年1月5日 10時30分`,
//! `2026. 1. 5. 오후 3:20`), which are read in the time zone given (`--timezone`,
//! UTC by default).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Reads a timestamp; `None` when `raw` is not one (a date alone is midnight in `tz`).
pub fn parse_timestamp(raw: &str, tz: &TimeZone) -> Option<Timestamp> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(z) = s.parse::<jiff::Zoned>() {
        return Some(z.timestamp());
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.timestamp());
    }
    // Twitter's API format.
    if let Ok(z) = jiff::Zoned::strptime("%a %b %d %H:%M:%S %z %Y", s) {
        return Some(z.timestamp());
    }
    local(s).and_then(|dt| tz.to_timestamp(dt).ok())
}

/// A local date and time from its numbers: year, month, day, then hour, minute and
/// second when present; 午後 / 오후 / PM add 12 hours.
fn local(s: &str) -> Option<DateTime> {
    let lower = s.to_lowercase();
    let pm = ["午後", "오후", "pm", "p.m."]
        .iter()
        .any(|m| lower.contains(m));
    let am = ["午前", "오전", "am", "a.m."]
        .iter()
        .any(|m| lower.contains(m));
    let nums: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<Vec<_>>>()?;
    if nums.len() < 3 || nums.len() > 7 {
        return None;
    }
    // Year first (2026-01-05, 2026/1/5, 2026年1月5日, 2026. 1. 5.); else US order
    // month/day/year (01/05/2026 10:30).
    let (y, m, d) = if nums[0] >= 1000 {
        (nums[0], nums[1], nums[2])
    } else if nums[2] >= 1000 {
        (nums[2], nums[0], nums[1])
    } else {
        return None;
    };
    let mut h = nums.get(3).copied().unwrap_or(0);
    let mi = nums.get(4).copied().unwrap_or(0);
    let sec = nums.get(5).copied().unwrap_or(0);
    if pm && h < 12 {
        h += 12;
    } else if am && h == 12 {
        h = 0;
    }
    let small = |v: i64| i8::try_from(v).ok();
    DateTime::new(
        i16::try_from(y).ok()?,
        small(m)?,
        small(d)?,
        small(h)?,
        small(mi)?,
        small(sec)?,
        0,
    )
    .ok()
}

/// A time zone from `--timezone`: an IANA name (`Asia/Tokyo`, from the system's time
/// zone database), `UTC`, or a fixed offset (`+09:00`).
pub fn parse_timezone(name: &str) -> Result<TimeZone, String> {
    let n = name.trim();
    if n.eq_ignore_ascii_case("utc") || n == "Z" {
        return Ok(TimeZone::UTC);
    }
    if let Some(sign) = n.chars().next().filter(|c| *c == '+' || *c == '-') {
        let digits: String = n[1..].chars().filter(char::is_ascii_digit).collect();
        let (h, m) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().ok(), Some(0)),
            4 => (digits[..2].parse().ok(), digits[2..].parse().ok()),
            _ => (None, None),
        };
        if let (Some(h), Some(m)) = (h, m)
            && h <= 18
            && m < 60
        {
            let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
            if let Ok(off) = jiff::tz::Offset::from_seconds(secs) {
                return Ok(TimeZone::fixed(off));
            }
        }
        return Err(format!("'{name}' is not an offset like +09:00"));
    }
    TimeZone::get(n).map_err(|e| {
        format!("unknown time zone '{name}' ({e}); use an IANA name such as Asia/Tokyo, UTC, or an offset such as +09:00")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> String {
        parse_timestamp(s, &TimeZone::UTC)
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into())
    }

    #[test]
    fn formats_of_real_exports() {
        assert_eq!(
            utc("Wed Oct 11 06:55:44 +0000 2017"),
            "2017-10-11T06:55:44Z"
        );
        assert_eq!(utc("2026-01-05T10:30:00+09:00"), "2026-01-05T01:30:00Z");
        assert_eq!(utc("2026-01-05T10:30:00Z"), "2026-01-05T10:30:00Z");
        assert_eq!(
            utc("Mon, 05 Jan 2026 10:30:00 +0900"),
            "2026-01-05T01:30:00Z"
        );
        assert_eq!(utc("2026/01/05 10:30"), "2026-01-05T10:30:00Z");
        assert_eq!(utc("2026年1月5日 10時30分"), "2026-01-05T10:30:00Z");
        assert_eq!(utc("2026. 1. 5. 오후 3:20"), "2026-01-05T15:20:00Z");
        assert_eq!(utc("01/05/2026 10:30 PM"), "2026-01-05T22:30:00Z");
        assert_eq!(utc("2026-01-05"), "2026-01-05T00:00:00Z");
        for bad in ["", "soon", "2026-13-45 10:00", "12:30", "1e3"] {
            assert_eq!(utc(bad), "-", "{bad}");
        }
    }

    #[test]
    fn local_times_are_read_in_the_given_zone() {
        let tokyo = parse_timezone("+09:00").unwrap();
        let t = parse_timestamp("2026/01/05 10:30", &tokyo).unwrap();
        assert_eq!(t.to_string(), "2026-01-05T01:30:00Z");
        // An explicit offset wins over the zone.
        let t = parse_timestamp("2026-01-05T10:30:00Z", &tokyo).unwrap();
        assert_eq!(t.to_string(), "2026-01-05T10:30:00Z");
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert!(parse_timezone("+99:00").is_err());
    }
}
