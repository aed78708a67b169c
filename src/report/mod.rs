//! The recurring-theme report: a [`Collector`] aggregates analysed records while they
//! stream by (metrics and discovery, bounded memory), [`Report`] is the finished data
//! (the JSON format), and [`markdown`], [`html`] and [`csv`] render it.

pub mod build;
pub mod csv;
pub mod goals;
pub mod html;
mod i18n;
pub mod markdown;
pub mod partial;

use serde::{Deserialize, Serialize};

use crate::analyze::Analysis;
pub use crate::analyze::run::dominant_lang;
use crate::ingest::Record;
use crate::metrics::{Facts, Metrics, MetricsConfig, Summary};
use crate::themes::ThemeMatcher;
use crate::themes::discover::DiscoveredTheme;
pub use build::{ReportSpec, build, collect};
pub use goals::{Goal, GoalRow};
pub use partial::{PARTIAL_SCHEMA, Partial, PartialError, merge};

/// Version tag of the report JSON.
pub const SCHEMA: &str = "koe.report/1";

/// The finished report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: String,
    /// Title.
    pub title: String,
    /// Language of the labels (`en`, `ja`, `ko`).
    pub label_lang: String,
    /// Input names.
    pub inputs: Vec<String>,
    /// Records that could not be used (see the rejects file).
    pub rejected: u64,
    /// Metrics.
    #[serde(flatten)]
    pub summary: Summary,
    /// The taxonomy's domain packs in use besides its core (`--domain`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Themes found in the data that the taxonomy does not list: their members and
    /// opinions (their metrics are rows of the theme table, marked `discovered`).
    pub discovered: Vec<DiscoveredTheme>,
    /// Goals against the data.
    pub goals: Vec<GoalRow>,
    /// Support figures of ticket and message exports (response and resolution times,
    /// repeat contacts, backlog; per period and theme); absent for other feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<crate::metrics::support::SupportMetrics>,
    /// Churn signals (customers saying they leave): rate overall, per period and theme,
    /// customer cohorts when the data has customer ids and dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<crate::metrics::churn::ChurnSummary>,
}

/// How the theme table is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Most negative mentions first, then most records (the biggest problems first).
    #[default]
    Negative,
    /// Most records first.
    Volume,
}

impl Report {
    /// Orders the theme table.
    pub fn order_themes(&mut self, order: Order) {
        let key = |t: &crate::metrics::ThemeRow| match order {
            Order::Negative => (t.negative, t.records),
            Order::Volume => (t.records, t.negative),
        };
        self.summary
            .themes
            .sort_by(|a, b| key(b).cmp(&key(a)).then(a.id.cmp(&b.id)));
    }

    /// The themes flagged as emerging.
    pub fn emerging(&self) -> impl Iterator<Item = &crate::metrics::ThemeRow> {
        self.summary
            .themes
            .iter()
            .filter(|t| t.emerging.as_ref().is_some_and(|e| e.emerging))
    }

    /// How the emerging test was run, in one paragraph of plain text (no theme was
    /// tested: why).
    pub fn emerging_method(&self) -> String {
        use crate::metrics::{EMERGING_FDR, EMERGING_MIN_COUNT, EMERGING_MIN_GROWTH};
        let tested: Vec<&crate::metrics::Emerging> = self
            .summary
            .themes
            .iter()
            .filter_map(|t| t.emerging.as_ref())
            .collect();
        let Some(e) = tested.first() else {
            return "Not tested: the emerging test needs dated records in at least one full period before the latest.".to_string();
        };
        let mut out = String::new();
        if e.partial {
            let latest = self.summary.periods.last();
            out.push_str(&format!(
                "The latest period {} is partial ({} of {} days have records), so it is tested together with {}. ",
                e.period,
                latest.map_or(0, |p| p.days_covered),
                latest.map_or(0, |p| p.days),
                e.window.first().map_or("", String::as_str)
            ));
        }
        out.push_str(&format!(
            "Test: each theme's rate (records mentioning it per record) in {} ({} records) against the earlier periods ({} records), one-sided Fisher exact test, p-values adjusted for the {} themes tested (Benjamini–Hochberg). Emerging needs an adjusted p ≤ {EMERGING_FDR}, at least {EMERGING_MIN_COUNT} mentioning records in the window and a rate at least ×{EMERGING_MIN_GROWTH} the earlier one.",
            e.window.join(" + "),
            e.records,
            e.baseline_records,
            tested.len()
        ));
        out
    }

    /// A theme's emerging test in words (without its label): rates, counts, effect
    /// and adjusted p.
    pub fn emerging_detail(th: &crate::metrics::ThemeRow) -> Option<String> {
        let e = th.emerging.as_ref()?;
        Some(format!(
            "{} of records in {} ({} of {}) vs {} before ({} of {}): ×{}, {:+.1} points; adjusted p {} (p {})",
            pct(Some(e.latest_share)),
            e.window.join(" + "),
            e.mentions,
            e.records,
            pct(Some(e.baseline_share)),
            e.baseline_mentions,
            e.baseline_records,
            e.growth
                .map_or_else(|| "∞ (new)".to_string(), |g| format!("{g:.1}")),
            e.difference * 100.0,
            crate::metrics::fmt_p(e.p_adjusted),
            crate::metrics::fmt_p(e.p_value),
        ))
    }

    /// The tested theme closest to emerging without being it (lowest adjusted p).
    pub fn closest_to_emerging(&self) -> Option<&crate::metrics::ThemeRow> {
        self.summary
            .themes
            .iter()
            // Only a theme whose rate rose can be close to emerging: one that fell or
            // stayed is not shown as the runner-up, however its p-value ties.
            .filter(|t| {
                t.emerging
                    .as_ref()
                    .is_some_and(|e| !e.emerging && e.latest_share > e.baseline_share)
            })
            .min_by(|a, b| {
                let q = |t: &crate::metrics::ThemeRow| {
                    t.emerging.as_ref().map_or(1.0, |e| e.p_adjusted)
                };
                q(a).total_cmp(&q(b)).then(a.id.cmp(&b.id))
            })
    }

    /// The impact column's header: `Impact` and the score it is measured on.
    pub fn impact_header(&self) -> String {
        match self.summary.impact_basis {
            Some(b) => format!("Impact ({})", b.unit()),
            None => "Impact".to_string(),
        }
    }

    /// What the impact column measures, in one sentence.
    pub fn impact_note(&self) -> &'static str {
        match self.summary.impact_basis {
            Some(b) => b.describe(),
            None => "Impact: none, the data has no ratings to measure it on.",
        }
    }

    /// The themes with the most negative mentions (praise aside), biggest first.
    pub fn top_complaints(&self, n: usize) -> impl Iterator<Item = &crate::metrics::ThemeRow> {
        self.summary
            .themes
            .iter()
            .filter(|t| t.negative > 0 && t.id != "overall.praise")
            .take(n)
    }

    /// The theme-table row of a discovered theme.
    pub fn row_of(&self, id: &str) -> Option<&crate::metrics::ThemeRow> {
        self.summary.themes.iter().find(|t| t.id == id)
    }

    /// The label of theme `id` in the report's label language (the id when the theme
    /// table has no row for it).
    pub fn theme_label(&self, id: &str) -> String {
        self.row_of(id)
            .map_or_else(|| id.to_string(), |row| self.label(row).to_string())
    }

    /// A discovered theme's members as `label (records)`, and its opinions as
    /// `word count` lists (positive, negative).
    pub fn discovered_parts(d: &DiscoveredTheme) -> (Vec<String>, Vec<String>, Vec<String>) {
        let members = d
            .members
            .iter()
            .take(8)
            .map(|m| format!("{} ({})", m.label, m.records))
            .collect();
        let list =
            |v: &[(String, u64)]| v.iter().take(5).map(|(w, n)| format!("{w} {n}")).collect();
        (
            members,
            list(&d.opinions.positive),
            list(&d.opinions.negative),
        )
    }

    /// One line saying which part of the taxonomy was used (`--domain`).
    pub fn domains_note(&self) -> String {
        if self.domains.is_empty() {
            "Taxonomy: core themes (no domain pack matched the data).".to_string()
        } else {
            format!(
                "Taxonomy: core themes + domain packs {}.",
                self.domains.join(", ")
            )
        }
    }

    /// A theme's label in the report's language.
    pub fn label<'a>(&'a self, row: &'a crate::metrics::ThemeRow) -> &'a str {
        row.label.get(&self.label_lang, &row.id)
    }
}

/// Aggregates analysed records into a report. Its state serializes and merges with
/// another part's (see [`Partial`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collector {
    metrics: Metrics,
    segment: Option<String>,
    support: crate::metrics::support::SupportCollector,
    churn: crate::metrics::churn::ChurnCollector,
}

impl Collector {
    /// A collector over `themes` (the taxonomy and any discovered themes compiled in,
    /// see [`crate::analyze::discover`]).
    pub fn new(themes: &ThemeMatcher, config: MetricsConfig) -> Collector {
        let segment = config.segment.clone();
        Collector {
            metrics: Metrics::new(themes.themes().to_vec(), config),
            segment,
            support: crate::metrics::support::SupportCollector::new(Default::default()),
            churn: Default::default(),
        }
    }

    /// Adds one analysed record.
    pub fn add(&mut self, record: &Record, analysis: &Analysis) {
        let text = record.text();
        let segment = match self.segment.as_deref() {
            Some("lang" | "language") => Some(analysis.lang.as_str()),
            Some(col) => segment_value(record, col),
            None => None,
        };
        let facts = Facts {
            rating: record.rating,
            date: record.date,
            label: analysis.sentiment.overall.label,
            segment,
            themes: &analysis.themes,
            id: &record.id,
            text: &text,
        };
        let support = crate::metrics::support::SupportFacts::of(record);
        let churn = analysis.churn.iter().map(|s| s.kind);
        self.add_facts(&facts, support.as_ref(), churn);
    }

    /// Adds what the report reads of one record: its facts (with its value of the
    /// segment column, see [`Collector::segment`]), its support facts and the kinds
    /// of its churn signals. [`Collector::add`] runs this on a record and its
    /// analysis; `koe serve` on what its index kept of them.
    pub fn add_facts(
        &mut self,
        facts: &Facts<'_>,
        support: Option<&crate::metrics::support::SupportFacts<'_>>,
        churn: impl IntoIterator<Item = crate::sentiment::churn::ChurnKind>,
    ) {
        self.metrics.add(facts);
        let ids: Vec<std::sync::Arc<str>> = facts.themes.iter().map(|t| t.id.clone()).collect();
        if let Some(s) = support {
            self.support.add_facts(s, &ids, facts.segment);
        }
        let s = support.map(|s| s.support);
        let customer = s.and_then(|s| s.customer.as_deref().or(s.author.as_deref()));
        // Agent messages of threaded exports are no customer's words.
        if s.and_then(|s| s.inbound) != Some(false) {
            self.churn.add_kinds(
                facts.date.map(|d| (d.year, d.month as i8)),
                customer,
                &ids,
                churn,
            );
        }
    }

    /// The segment column the figures are broken down by (`lang` / `language`: the
    /// language), as configured.
    pub fn segment(&self) -> Option<&str> {
        self.segment.as_deref()
    }

    /// Adds the state of another part of the records, collected with the same settings
    /// and themes (else [`Incompatible`](crate::metrics::Incompatible)); see
    /// [`crate::metrics::Metrics::merge`] for what merges exactly.
    pub fn merge(&mut self, other: &Collector) -> Result<(), crate::metrics::Incompatible> {
        crate::metrics::Incompatible::check("segment column", &self.segment, &other.segment)?;
        self.metrics.merge(&other.metrics)?;
        self.support.merge(&other.support)?;
        self.churn.merge(&other.churn);
        Ok(())
    }

    /// The report; `discovered` are the themes discovery found (pass one).
    pub fn finish(
        self,
        meta: ReportMeta,
        goals: &[Goal],
        discovered: Vec<DiscoveredTheme>,
    ) -> Report {
        let summary = self.metrics.finish();
        let support = self.support.finish();
        let goals = goals::evaluate(goals, &summary, support.as_ref());
        Report {
            schema: SCHEMA.to_string(),
            title: meta.title,
            label_lang: meta.label_lang,
            inputs: meta.inputs,
            rejected: meta.rejected,
            summary,
            domains: Vec::new(),
            discovered,
            goals,
            support,
            churn: self.churn.finish(),
        }
    }
}

/// Column names that mean the same segment across sources (an English export's
/// `channel` and a Japanese survey's `チャネル`).
const SEGMENT_SYNONYMS: [&[&str]; 4] = [
    &[
        "channel",
        "チャネル",
        "チャンネル",
        "채널",
        "경로",
        "source",
        "流入経路",
        "窓口",
    ],
    &[
        "product",
        "製品",
        "商品",
        "제품",
        "상품",
        "plan",
        "プラン",
        "요금제",
        "플랜",
    ],
    &["country", "国", "国名", "국가", "region", "地域", "지역"],
    &["version", "app_version", "バージョン", "버전"],
];

/// The value of segment `col` in a record: by name, else by a synonym.
pub fn segment_value<'a>(record: &'a Record, col: &str) -> Option<&'a str> {
    segment_in(record.segments.iter().map(|(k, v)| (&**k, v.as_str())), col)
}

/// The value of segment `col` among `(column, value)` pairs: by name, else by a
/// synonym (what [`segment_value`] reads of a record).
pub fn segment_in<'a>(
    segments: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    col: &str,
) -> Option<&'a str> {
    let by_name = segments
        .clone()
        .find(|(k, _)| k.eq_ignore_ascii_case(col))
        .map(|(_, v)| v);
    by_name.or_else(|| {
        let group = SEGMENT_SYNONYMS
            .iter()
            .find(|g| g.iter().any(|s| s.eq_ignore_ascii_case(col)))?;
        segments
            .clone()
            .find(|(k, _)| group.iter().any(|s| k.eq_ignore_ascii_case(s)))
            .map(|(_, v)| v)
    })
}

/// What the report says about its own run.
#[derive(Debug, Clone, Default)]
pub struct ReportMeta {
    /// Title.
    pub title: String,
    /// Label language.
    pub label_lang: String,
    /// Input names.
    pub inputs: Vec<String>,
    /// Rejected records.
    pub rejected: u64,
}

/// Unicode block sparkline of a series (`▁▂▃▅▇`).
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().cloned().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// The ratings behind a KPI row, by scale: `stars5 9194 (mean 3.03 on 1–5), …`.
pub fn scales_note(k: &crate::metrics::Kpis) -> String {
    k.rating_scales
        .iter()
        .map(|s| {
            let bounds = s
                .scale
                .parse::<crate::ingest::Scale>()
                .map(|sc| sc.bounds())
                .map_or_else(|_| String::new(), |(lo, hi)| format!(" on {lo}–{hi}"));
            format!("{} {} (mean {:.2}{bounds})", s.scale, s.ratings, s.mean)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ratings a figure on `scale` leaves out, in words (empty when none):
/// `2000 ratings on other scales not counted (ten 2000)`.
pub fn excluded_note(k: &crate::metrics::Kpis, scale: &str) -> String {
    let other: Vec<String> = k
        .rating_scales
        .iter()
        .filter(|s| s.scale != scale)
        .map(|s| format!("{} {}", s.scale, s.ratings))
        .collect();
    let n: u64 = k
        .rating_scales
        .iter()
        .filter(|s| s.scale != scale)
        .map(|s| s.ratings)
        .sum();
    if n == 0 {
        String::new()
    } else {
        format!(
            "{n} ratings on other scales not counted ({})",
            other.join(", ")
        )
    }
}

/// A figure and how many answers it rests on: `41.2 (53)`, `–` without any.
pub(crate) fn with_n(v: String, n: u64) -> String {
    if n == 0 {
        "–".to_string()
    } else {
        format!("{v} ({n})")
    }
}

/// Formats an optional number with `digits` decimals, `–` when absent.
pub(crate) fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.digits$}"))
}

/// Formats an optional share as a percentage.
pub(crate) fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{:.1}%", x * 100.0))
}

/// Formats an NPS delta with its sign.
pub(crate) fn signed(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:+.1}"))
}

/// The support section as text cells, shared by the Markdown and HTML reports.
pub(crate) struct SupportView {
    /// Section title.
    pub title: String,
    /// (figure, value) of all records.
    pub figures: Vec<(String, String)>,
    /// Per theme, per period and per segment value.
    pub tables: Vec<TextTable>,
    /// What is missing or left out.
    pub notes: Vec<String>,
}

/// A table of text cells (header and rows), rendered alike by the Markdown and HTML
/// reports: the first column is a name, the others are figures.
pub(crate) struct TextTable {
    /// Column names.
    pub head: Vec<&'static str>,
    /// Rows, one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl SupportView {
    pub(crate) fn new(r: &Report, s: &crate::metrics::support::SupportMetrics) -> SupportView {
        use crate::metrics::support::{Durations, Rate};
        let dur = |d: Option<&Durations>, p90: bool| {
            d.map(|d| goals::hours(if p90 { d.p90_hours } else { d.median_hours }))
                .unwrap_or_else(|| "–".into())
        };
        let rate = |r: Option<&Rate>| {
            r.map(|r| format!("{:.1}% ({}/{})", r.rate * 100.0, r.count, r.of))
                .unwrap_or_else(|| "–".into())
        };
        let num =
            |x: Option<f64>, suffix: &str| x.map_or("–".into(), |x| format!("{x:.2}{suffix}"));
        let a = &s.all;
        let within = a
            .first_response
            .as_ref()
            .map(|d| {
                d.within
                    .iter()
                    .map(|(h, share)| format!("{:.1}% within {}", share * 100.0, goals::hours(*h)))
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .unwrap_or_default();
        let figures = vec![
            (
                "First response, median / p90".to_string(),
                format!(
                    "{} / {}{}",
                    dur(a.first_response.as_ref(), false),
                    dur(a.first_response.as_ref(), true),
                    if within.is_empty() {
                        String::new()
                    } else {
                        format!(" · {within}")
                    }
                ),
            ),
            (
                "Later responses, median".into(),
                dur(a.later_responses.as_ref(), false),
            ),
            (
                "Resolution time, median / p90".into(),
                format!(
                    "{} / {}",
                    dur(a.resolution.as_ref(), false),
                    dur(a.resolution.as_ref(), true)
                ),
            ),
            ("Resolution rate".into(), rate(a.resolution_rate.as_ref())),
            (
                "First-contact resolution".into(),
                rate(a.first_contact_resolution.as_ref()),
            ),
            (
                "Replies per conversation".into(),
                num(a.replies_per_conversation, ""),
            ),
            (
                format!("Repeat contact within {} days", s.repeat_days),
                rate(s.repeat_contact.as_ref()),
            ),
        ];
        let themes = s
            .themes
            .iter()
            .map(|t| {
                let label = r.theme_label(&t.theme);
                let f = &t.figures;
                vec![
                    label,
                    f.units.to_string(),
                    dur(f.first_response.as_ref(), false),
                    dur(f.resolution.as_ref(), false),
                    num(t.resolution_vs_all, "×"),
                    rate(f.resolution_rate.as_ref()),
                    num(f.replies_per_conversation, ""),
                ]
            })
            .collect();
        let periods = s
            .periods
            .iter()
            .map(|(p, f)| {
                vec![
                    p.clone(),
                    f.units.to_string(),
                    format!(
                        "{} / {}",
                        dur(f.first_response.as_ref(), false),
                        dur(f.first_response.as_ref(), true)
                    ),
                    dur(f.resolution.as_ref(), false),
                    rate(f.resolution_rate.as_ref()),
                    s.backlog
                        .as_ref()
                        .and_then(|b| b.get(p))
                        .map_or("–".into(), |n| n.to_string()),
                ]
            })
            .collect();
        let segments = s
            .segments
            .iter()
            .map(|(v, f)| {
                vec![
                    v.clone(),
                    f.units.to_string(),
                    dur(f.first_response.as_ref(), false),
                    dur(f.resolution.as_ref(), false),
                    rate(f.resolution_rate.as_ref()),
                ]
            })
            .collect();
        let mut notes: Vec<String> = s
            .missing
            .iter()
            .map(|m| format!("Not computed — {m}"))
            .collect();
        if s.excluded_times > 0 {
            notes.push(format!(
                "{} times left out: they ran backwards or were over a year (see the records' warnings)",
                s.excluded_times
            ));
        }
        SupportView {
            title: format!("Support ({}: {})", s.kind, a.units),
            figures,
            tables: vec![
                TextTable {
                    head: vec![
                        "Theme",
                        "Units",
                        "First response (median)",
                        "Resolution (median)",
                        "Resolution vs all",
                        "Resolution rate",
                        "Replies",
                    ],
                    rows: themes,
                },
                TextTable {
                    head: vec![
                        "Period",
                        "Units",
                        "First response (median / p90)",
                        "Resolution (median)",
                        "Resolution rate",
                        "Open at end",
                    ],
                    rows: periods,
                },
                TextTable {
                    head: vec![
                        "Value",
                        "Units",
                        "First response (median)",
                        "Resolution (median)",
                        "Resolution rate",
                    ],
                    rows: segments,
                },
            ],
            notes,
        }
    }
}

/// The churn section as lines of text cells, shared by the Markdown and HTML reports.
pub(crate) struct ChurnView {
    /// One-line summary.
    pub headline: String,
    /// Per theme and per period (with a signal, records, rate), and the cohorts.
    pub tables: Vec<TextTable>,
    /// Notes.
    pub notes: Vec<String>,
}

impl ChurnView {
    /// `None` when there is nothing to show (no signal at all).
    pub(crate) fn new(r: &Report) -> Option<ChurnView> {
        let c = r.churn.as_ref()?;
        if c.all.signals == 0 {
            return None;
        }
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let kinds: Vec<String> = c.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let label = |id: &str| r.theme_label(id);
        let counted = |name: String, n: &crate::metrics::churn::ChurnCount| {
            vec![
                name,
                n.signals.to_string(),
                n.records.to_string(),
                pct(n.rate),
            ]
        };
        Some(ChurnView {
            headline: format!(
                "{} of {} records ({}) carry a churn signal (by kind: {})",
                c.all.signals,
                c.all.records,
                pct(c.all.rate),
                kinds.join(", ")
            ),
            tables: vec![
                TextTable {
                    head: vec!["Theme", "With a signal", "Records", "Rate"],
                    rows: c
                        .themes
                        .iter()
                        .filter(|(_, n)| n.signals > 0)
                        .take(8)
                        .map(|(id, n)| counted(label(id), n))
                        .collect(),
                },
                TextTable {
                    head: vec!["Period", "With a signal", "Records", "Rate"],
                    rows: c
                        .periods
                        .iter()
                        .map(|(p, n)| counted(p.clone(), n))
                        .collect(),
                },
                TextTable {
                    head: vec![
                        "First contact",
                        "Customers",
                        "Came back later",
                        "With a signal",
                    ],
                    rows: c
                        .cohorts
                        .iter()
                        .map(|k| {
                            vec![
                                k.month.clone(),
                                k.customers.to_string(),
                                format!(
                                    "{} ({})",
                                    k.came_back,
                                    pct(k.came_back as f64 / k.customers.max(1) as f64)
                                ),
                                k.with_signal.to_string(),
                            ]
                        })
                        .collect(),
                },
            ],
            notes: c
                .cohorts_note
                .iter()
                .map(|n| format!("Customer cohorts not computed — {n}"))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dominant_lang_breaks_ties_as_documented() {
        use super::dominant_lang;
        assert_eq!(dominant_lang(3, 1, 1), "ja");
        assert_eq!(dominant_lang(1, 3, 1), "ko");
        assert_eq!(dominant_lang(3, 3, 1), "ko");
        assert_eq!(dominant_lang(3, 1, 3), "en");
        assert_eq!(dominant_lang(0, 0, 0), "en");
    }

    use super::*;

    #[test]
    fn sparkline_scales_to_max() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0]), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }
}
