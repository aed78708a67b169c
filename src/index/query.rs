//! The search syntax: words (AND by default), "phrases", `OR`, `-exclusion`, and
//! filters `field:value` (`theme:billing`, `sentiment:neg`, `rating:<=2`,
//! `date:2026-01..2026-03`, `lang:ja`, `nps:detractor`, `<segment>:value`).
//!
//! [`parse`] turns a query string into [`Clause`]s; errors carry the byte position.

use crate::ingest::{Date, parse_date};

/// A query syntax error at a byte position of the query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("query error at column {}: {message}\n  {query}\n  {}^", column, " ".repeat(column.saturating_sub(1)))]
pub struct QueryError {
    /// The query.
    pub query: String,
    /// Byte offset of the problem.
    pub position: usize,
    /// 1-based character column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A comparison on a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    /// `=`.
    Eq(f64),
    /// `<=` (or `<`, with `strict`).
    Le(f64, bool),
    /// `>=` (or `>`, with `strict`).
    Ge(f64, bool),
    /// `a..b` inclusive.
    Between(f64, f64),
}

/// One thing the query asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A word (analysed like documents).
    Word(String),
    /// A phrase (analysed; positions must follow each other).
    Phrase(String),
    /// `theme:ID` (a theme id, its last part, or a category).
    Theme(String),
    /// `sentiment:pos|neu|neg`.
    Sentiment(String),
    /// `rating:...`.
    Rating(Cmp),
    /// `date:...` as days since 1970-01-01, inclusive bounds.
    Date(Option<i64>, Option<i64>),
    /// `lang:ja|ko|en|other`.
    Lang(String),
    /// `nps:promoter|passive|detractor`.
    Nps(String),
    /// `<segment>:value`.
    Segment(String, String),
}

/// A clause: one atom, or several joined by `OR`; possibly excluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// Alternatives (one unless `OR` was used).
    pub any: Vec<Atom>,
    /// `-` in front: must not match.
    pub exclude: bool,
}

fn err(query: &str, position: usize, message: impl Into<String>) -> QueryError {
    let position = position.min(query.len());
    QueryError {
        query: query.to_string(),
        position,
        column: query[..position].chars().count() + 1,
        message: message.into(),
    }
}

/// Parses a query.
pub fn parse(query: &str) -> Result<Vec<Clause>, QueryError> {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    let mut or_at = 0;
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < query.len() {
        let c = query[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let mut exclude = false;
        if c == '-' && i + 1 < query.len() && !query[i + 1..].starts_with(char::is_whitespace) {
            exclude = true;
            i += 1;
        }
        let atom;
        if bytes.get(i) == Some(&b'"') {
            let Some(close) = query[i + 1..].find('"') else {
                return Err(err(query, i, "unterminated phrase: add the closing \""));
            };
            let text = &query[i + 1..i + 1 + close];
            if text.trim().is_empty() {
                return Err(err(query, i, "empty phrase"));
            }
            atom = Atom::Phrase(text.to_string());
            i = i + 1 + close + 1;
        } else {
            let end = query[i..]
                .find(char::is_whitespace)
                .map_or(query.len(), |e| i + e);
            let word = &query[i..end];
            if word == "OR" && !exclude {
                if clauses.is_empty() || pending_or {
                    return Err(err(query, i, "OR needs something on both sides"));
                }
                pending_or = true;
                or_at = i;
                i = end;
                continue;
            }
            atom = parse_word(query, i, word)?;
            i = end;
        }
        if pending_or {
            pending_or = false;
            let Some(last) = clauses.last_mut() else {
                return Err(err(query, or_at, "OR needs something on both sides"));
            };
            if exclude || last.exclude {
                return Err(err(query, start, "OR cannot join excluded terms"));
            }
            last.any.push(atom);
        } else {
            clauses.push(Clause {
                any: vec![atom],
                exclude,
            });
        }
    }
    if pending_or {
        return Err(err(query, or_at, "OR needs something on both sides"));
    }
    if clauses.is_empty() {
        return Err(err(query, 0, "empty query"));
    }
    Ok(clauses)
}

fn parse_word(query: &str, at: usize, word: &str) -> Result<Atom, QueryError> {
    let Some((field, value)) = word.split_once(':') else {
        return Ok(Atom::Word(word.to_string()));
    };
    // A colon inside a word that is not a field name (e.g. a time 10:30) is text.
    if !field.starts_with(char::is_alphabetic)
        || !field
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Ok(Atom::Word(word.to_string()));
    }
    let vat = at + field.len() + 1;
    if value.is_empty() {
        return Err(err(query, vat, format!("'{field}:' needs a value")));
    }
    let lower = value.to_lowercase();
    Ok(match field.to_ascii_lowercase().as_str() {
        "theme" => Atom::Theme(lower),
        "sentiment" => match lower.as_str() {
            "pos" | "positive" => Atom::Sentiment("pos".into()),
            "neu" | "neutral" => Atom::Sentiment("neu".into()),
            "neg" | "negative" => Atom::Sentiment("neg".into()),
            _ => return Err(err(query, vat, "sentiment is pos, neu or neg")),
        },
        "lang" => match lower.as_str() {
            "ja" | "ko" | "en" | "other" => Atom::Lang(lower),
            _ => return Err(err(query, vat, "lang is ja, ko, en or other")),
        },
        "nps" => match lower.as_str() {
            "promoter" | "promoters" => Atom::Nps("promoter".into()),
            "passive" | "passives" => Atom::Nps("passive".into()),
            "detractor" | "detractors" => Atom::Nps("detractor".into()),
            _ => return Err(err(query, vat, "nps is promoter, passive or detractor")),
        },
        "rating" => Atom::Rating(parse_cmp(query, vat, value)?),
        "date" => {
            let (lo, hi) = parse_date_range(query, vat, value)?;
            Atom::Date(lo, hi)
        }
        _ => Atom::Segment(field.to_lowercase(), value.to_string()),
    })
}

fn number(query: &str, at: usize, s: &str) -> Result<f64, QueryError> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| err(query, at, format!("'{s}' is not a number")))
}

fn parse_cmp(query: &str, at: usize, v: &str) -> Result<Cmp, QueryError> {
    if let Some(rest) = v.strip_prefix("<=") {
        return Ok(Cmp::Le(number(query, at + 2, rest)?, false));
    }
    if let Some(rest) = v.strip_prefix(">=") {
        return Ok(Cmp::Ge(number(query, at + 2, rest)?, false));
    }
    if let Some(rest) = v.strip_prefix('<') {
        return Ok(Cmp::Le(number(query, at + 1, rest)?, true));
    }
    if let Some(rest) = v.strip_prefix('>') {
        return Ok(Cmp::Ge(number(query, at + 1, rest)?, true));
    }
    if let Some((a, b)) = v.split_once("..") {
        let lo = number(query, at, a)?;
        let hi = number(query, at + a.len() + 2, b)?;
        return Ok(Cmp::Between(lo, hi));
    }
    Ok(Cmp::Eq(number(query, at, v)?))
}

/// First and last day of `2026`, `2026-03` or a full date.
fn date_bounds(s: &str) -> Option<(Date, Date)> {
    let s = s.trim();
    if s.len() == 4 {
        let y: i32 = s.parse().ok()?;
        return Some((Date::new(y, 1, 1)?, Date::new(y, 12, 31)?));
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() == 2 {
        let y: i32 = parts[0].parse().ok()?;
        let m: u32 = parts[1].parse().ok()?;
        let first = Date::new(y, m, 1)?;
        let last = (28..=31).rev().find_map(|d| Date::new(y, m, d))?;
        return Some((first, last));
    }
    let d = parse_date(s)?;
    Some((d, d))
}

fn parse_date_range(
    query: &str,
    at: usize,
    v: &str,
) -> Result<(Option<i64>, Option<i64>), QueryError> {
    let bad = |pos: usize, s: &str| {
        err(
            query,
            pos,
            format!("'{s}' is not a date (2026, 2026-03, 2026-03-15; ranges a..b, a.., ..b)"),
        )
    };
    let (a, b) = match v.split_once("..") {
        Some((a, b)) => (a, Some(b)),
        None => (v, None),
    };
    let lo = if a.is_empty() {
        None
    } else {
        Some(date_bounds(a).ok_or_else(|| bad(at, a))?)
    };
    match b {
        None => {
            let (first, last) = lo.ok_or_else(|| bad(at, v))?;
            Ok((
                Some(first.days_since_epoch()),
                Some(last.days_since_epoch()),
            ))
        }
        Some(b) => {
            let hi = if b.is_empty() {
                None
            } else {
                Some(date_bounds(b).ok_or_else(|| bad(at + a.len() + 2, b))?)
            };
            if lo.is_none() && hi.is_none() {
                return Err(bad(at, v));
            }
            Ok((
                lo.map(|(f, _)| f.days_since_epoch()),
                hi.map(|(_, l)| l.days_since_epoch()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_or_exclusion_filters() {
        let q = parse(r#"遅い "電話 繋がらない" refund OR 返金 -chatbot theme:billing rating:<=2 date:2026-01..2026-03 channel:app"#).unwrap();
        assert_eq!(q.len(), 8);
        assert_eq!(
            q[7].any,
            vec![Atom::Segment("channel".into(), "app".into())]
        );
        assert_eq!(q[0].any, vec![Atom::Word("遅い".into())]);
        assert_eq!(q[1].any, vec![Atom::Phrase("電話 繋がらない".into())]);
        assert_eq!(q[2].any.len(), 2);
        assert!(q[3].exclude);
        assert_eq!(q[4].any, vec![Atom::Theme("billing".into())]);
        assert_eq!(q[5].any, vec![Atom::Rating(Cmp::Le(2.0, false))]);
        let jan1 = Date::new(2026, 1, 1).unwrap().days_since_epoch();
        let mar31 = Date::new(2026, 3, 31).unwrap().days_since_epoch();
        assert_eq!(q[6].any, vec![Atom::Date(Some(jan1), Some(mar31))]);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse(r#"slow "never answered"#).unwrap_err();
        assert_eq!(e.position, 5);
        assert!(e.to_string().contains("column 6"), "{e}");
        let e = parse("rating:abc").unwrap_err();
        assert_eq!(e.position, 7);
        assert_eq!(parse("OR slow").unwrap_err().position, 0);
        assert_eq!(parse("slow OR").unwrap_err().position, 5);
        assert!(parse("date:2026-13").is_err());
        assert!(parse("sentiment:angry").is_err());
        assert!(parse("   ").is_err());
        // A colon in a word that is not a field is text.
        assert_eq!(
            parse("10:30").unwrap()[0].any,
            vec![Atom::Word("10:30".into())]
        );
    }
}
