//! Goals: targets for the report's metrics and the goal-vs-current table.
//!
//! ```toml
//! [[goal]]
//! metric = "csat"              # nps, csat, rating_100, avg_rating, complaint_share,
//!                              # net_sentiment, records
//! target = 0.80
//! direction = "higher"         # higher or lower is better
//! label = "CSAT at least 80%"  # optional
//!
//! [[goal]]
//! metric = "theme:support.response_time:share"   # share, records, net_sentiment, nps
//! target = 0.05
//! direction = "lower"
//!
//! [[goal]]
//! metric = "first_response_p90_hours"  # support exports: first_response_median_hours,
//!                              # first_response_p90_hours, resolution_median_hours,
//!                              # resolution_p90_hours, resolution_rate,
//!                              # first_contact_resolution, repeat_contact_rate
//! target = 24
//! direction = "lower"
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::metrics::{Kpis, Summary};
use crate::themes::{TaxonomyFile, ThemeError};

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher is better.
    Higher,
    /// Lower is better.
    Lower,
}

/// One goal as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// Metric name.
    pub metric: String,
    /// Target value (shares as fractions: 0.8 = 80%).
    pub target: f64,
    /// Which way is better.
    pub direction: Direction,
    /// Display label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalsFile {
    #[serde(default)]
    goal: Vec<Goal>,
}

/// A goal against the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalRow {
    /// The goal.
    #[serde(flatten)]
    pub goal: Goal,
    /// Value over all records.
    pub current: Option<f64>,
    /// Value in the latest period.
    pub latest: Option<f64>,
    /// Value in the period before.
    pub previous: Option<f64>,
    /// `met`, `not met` or `no data`.
    pub status: String,
    /// Whether the latest period moved the right way against the one before.
    pub improving: Option<bool>,
}

/// A duration in hours as people read it: 45 min, 3.2 h, 2.5 d.
pub fn hours(h: f64) -> String {
    if h < 1.0 {
        format!("{} min", (h * 60.0).round() as i64)
    } else if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}

/// How a value of `metric` reads in a report: shares (CSAT, complaint share, a
/// theme's share) as percentages, NPS as a whole-number score, counts as integers,
/// as in the KPI cards.
pub fn display(metric: &str, v: Option<f64>) -> String {
    let Some(x) = v else {
        return "–".to_string();
    };
    let what = metric.strip_prefix("theme:").map_or(metric, |rest| {
        rest.rsplit_once(':').map_or("share", |(_, w)| w)
    });
    match what {
        "csat"
        | "complaint_share"
        | "share"
        | "resolution_rate"
        | "first_contact_resolution"
        | "repeat_contact_rate" => format!("{:.1}%", x * 100.0),
        w if w.ends_with("_hours") => hours(x),
        "nps" => format!("{}", x.round() as i64),
        "records" => format!("{}", x.round() as i64),
        "rating_100" => format!("{x:.1}"),
        "net_sentiment" | "avg_rating" => format!("{x:.2}"),
        _ => format!("{x}"),
    }
}

impl GoalRow {
    /// A value of this goal's metric as the report shows it ([`display`]).
    pub fn display(&self, v: Option<f64>) -> String {
        display(&self.goal.metric, v)
    }
}

/// Reads a goals file; `themes` checks theme ids in `theme:` metrics.
pub fn read(path: &Path, themes: &TaxonomyFile) -> Result<Vec<Goal>, ThemeError> {
    let name = path.display().to_string();
    let text = crate::read_config(path).map_err(|e| ThemeError::Io {
        source_name: name.clone(),
        error: e.to_string(),
    })?;
    parse(&text, &name, themes)
}

/// Parses goals TOML.
pub fn parse(text: &str, name: &str, themes: &TaxonomyFile) -> Result<Vec<Goal>, ThemeError> {
    let file: GoalsFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| {
            let before = &text[..s.start.min(text.len())];
            (
                before.matches('\n').count() + 1,
                before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            )
        });
        ThemeError::Syntax {
            source_name: name.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    for g in &file.goal {
        check_metric(&g.metric, themes).map_err(|message| ThemeError::Invalid {
            source_name: name.to_string(),
            message,
        })?;
    }
    Ok(file.goal)
}

const KPI_METRICS: [&str; 7] = [
    "nps",
    "csat",
    "rating_100",
    "avg_rating",
    "complaint_share",
    "net_sentiment",
    "records",
];
const THEME_METRICS: [&str; 4] = ["share", "records", "net_sentiment", "nps"];
const SUPPORT_METRICS: [&str; 7] = [
    "first_response_median_hours",
    "first_response_p90_hours",
    "resolution_median_hours",
    "resolution_p90_hours",
    "resolution_rate",
    "first_contact_resolution",
    "repeat_contact_rate",
];

fn support_value(
    s: &crate::metrics::support::SupportMetrics,
    metric: &str,
    period: Option<&str>,
) -> Option<f64> {
    if metric == "repeat_contact_rate" {
        return period
            .is_none()
            .then(|| s.repeat_contact.as_ref().map(|r| r.rate))?;
    }
    let f = match period {
        None => &s.all,
        Some(p) => s.periods.get(p)?,
    };
    match metric {
        "first_response_median_hours" => f.first_response.as_ref().map(|d| d.median_hours),
        "first_response_p90_hours" => f.first_response.as_ref().map(|d| d.p90_hours),
        "resolution_median_hours" => f.resolution.as_ref().map(|d| d.median_hours),
        "resolution_p90_hours" => f.resolution.as_ref().map(|d| d.p90_hours),
        "resolution_rate" => f.resolution_rate.as_ref().map(|r| r.rate),
        "first_contact_resolution" => f.first_contact_resolution.as_ref().map(|r| r.rate),
        _ => None,
    }
}

fn check_metric(metric: &str, themes: &TaxonomyFile) -> Result<(), String> {
    if KPI_METRICS.contains(&metric) || SUPPORT_METRICS.contains(&metric) {
        return Ok(());
    }
    if let Some(rest) = metric.strip_prefix("theme:") {
        let (id, what) = rest.rsplit_once(':').unwrap_or((rest, "share"));
        if !THEME_METRICS.contains(&what) {
            return Err(format!(
                "goal metric '{metric}': unknown theme measure '{what}' (use {})",
                THEME_METRICS.join(", ")
            ));
        }
        if !themes.themes.iter().any(|t| t.id == id) {
            return Err(format!(
                "goal metric '{metric}': no theme '{id}' in the taxonomy"
            ));
        }
        return Ok(());
    }
    Err(format!(
        "unknown goal metric '{metric}' (use {}, {} or theme:<id>:<{}>)",
        KPI_METRICS.join(", "),
        SUPPORT_METRICS.join(", "),
        THEME_METRICS.join("|")
    ))
}

fn kpi_value(k: &Kpis, metric: &str) -> Option<f64> {
    match metric {
        "nps" => k.nps,
        "csat" => k.csat,
        "rating_100" => k.rating_100,
        "avg_rating" => k.avg_rating,
        "complaint_share" => k.complaint_share,
        "net_sentiment" => k.net_sentiment,
        "records" => Some(k.records as f64),
        _ => None,
    }
}

/// The value of `metric` overall (`period` None) or in one period.
fn value(s: &Summary, metric: &str, period: Option<usize>) -> Option<f64> {
    if let Some(rest) = metric.strip_prefix("theme:") {
        let (id, what) = rest.rsplit_once(':').unwrap_or((rest, "share"));
        let row = s.themes.iter().find(|t| t.id == id);
        return match period {
            None => match (row, what) {
                (Some(r), "share") => Some(r.share),
                (Some(r), "records") => Some(r.records as f64),
                (Some(r), "net_sentiment") => Some(r.net_sentiment),
                (Some(r), "nps") => r.nps_mentioners,
                // A theme nobody mentioned: zero volume.
                (None, "share" | "records") => Some(0.0),
                _ => None,
            },
            Some(p) => match what {
                "share" => Some(row.and_then(|r| r.trend.get(p)).map_or(0.0, |t| t.share)),
                "records" => Some(
                    row.and_then(|r| r.trend.get(p))
                        .map_or(0.0, |t| t.records as f64),
                ),
                _ => None,
            },
        };
    }
    match period {
        None => kpi_value(&s.totals, metric),
        Some(p) => s.periods.get(p).and_then(|r| kpi_value(&r.kpis, metric)),
    }
}

/// The goal-vs-current table; `support` holds the figures of support exports.
pub fn evaluate(
    goals: &[Goal],
    s: &Summary,
    support: Option<&crate::metrics::support::SupportMetrics>,
) -> Vec<GoalRow> {
    let n = s.periods.len();
    goals
        .iter()
        .map(|g| {
            let (current, latest, previous) = if SUPPORT_METRICS.contains(&g.metric.as_str()) {
                let periods: Vec<&String> = support
                    .map(|x| x.periods.keys().collect())
                    .unwrap_or_default();
                let at = |back: usize| {
                    let p = periods.len().checked_sub(back)?;
                    support_value(support?, &g.metric, Some(periods[p].as_str()))
                };
                (
                    support.and_then(|x| support_value(x, &g.metric, None)),
                    at(1),
                    at(2),
                )
            } else {
                (
                    value(s, &g.metric, None),
                    n.checked_sub(1).and_then(|p| value(s, &g.metric, Some(p))),
                    n.checked_sub(2).and_then(|p| value(s, &g.metric, Some(p))),
                )
            };
            let better = |a: f64, b: f64| match g.direction {
                Direction::Higher => a >= b,
                Direction::Lower => a <= b,
            };
            // The latest period decides when there is one, else the whole data.
            let judged = latest.or(current);
            let status = match judged {
                Some(v) if better(v, g.target) => "met",
                Some(_) => "not met",
                None => "no data",
            }
            .to_string();
            let improving = match (latest, previous) {
                (Some(l), Some(p)) if l != p => Some(better(l, p)),
                _ => None,
            };
            GoalRow {
                goal: g.clone(),
                current,
                latest,
                previous,
                status,
                improving,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::display;

    #[test]
    fn values_read_as_in_the_kpi_cards() {
        assert_eq!(display("csat", Some(0.745)), "74.5%");
        assert_eq!(display("nps", Some(-26.4)), "-26");
        assert_eq!(display("nps", Some(-0.4)), "0");
        assert_eq!(display("complaint_share", Some(0.05)), "5.0%");
        assert_eq!(display("theme:a.b:share", Some(0.031)), "3.1%");
        assert_eq!(display("theme:a.b:records", Some(12.0)), "12");
        assert_eq!(display("theme:a.b:nps", Some(12.6)), "13");
        assert_eq!(display("net_sentiment", Some(-0.123)), "-0.12");
        assert_eq!(display("csat", None), "–");
    }
}
