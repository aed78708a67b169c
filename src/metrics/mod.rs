//! Survey and theme metrics, aggregated while streaming: memory grows with the number
//! of themes × periods × segment values, never with the number of records.
//!
//! The stage after [`analyze`](crate::analyze): it reads analysed records (their
//! rating, date, sentiment label and [`ThemeHit`](crate::themes::ThemeHit)s) and
//! knows nothing of how they were found. [`report`](crate::report) and the server
//! render what it returns.
//!
//! * NPS, CSAT, ratings and sentiment counts: [`Counts`], summarised as [`Kpis`].
//! * Time: [`Period`]s (months, ISO weeks), their coverage ([`PeriodRow`]) and a
//!   theme's [`TrendPoint`]s.
//! * [`Emerging`] themes: an exact test of a theme's recent rate, adjusted across
//!   themes.
//! * Impact: what a theme costs the overall score, on an [`ImpactBasis`].
//! * Representative [`Quote`]s per theme.
//! * [`Metrics`]: the streaming aggregator over all of the above → [`Summary`].
//! * [`support`]: ticket and conversation figures (response and resolution times).
//! * [`churn`]: churn-signal rates and customer cohorts.
//!
//! Definitions:
//! - **NPS** over 0–10 answers: 0–6 detractors, 7–8 passives, 9–10 promoters;
//!   NPS = 100 × (promoters − detractors) / answers.
//! - **CSAT** over 1–5 answers: share of the top `csat_top` boxes (default 2: 4 and 5).
//! - **Complaints**: records whose overall sentiment is negative.
//! - **Net sentiment**: (positive − negative) / all, in [−1, 1].
//! - **Impact** of a theme: how much the overall score would gain without the records
//!   that mention the theme *negatively* and gave a low score — NPS detractors (0–6)
//!   when the data has NPS answers, else CSAT answers below the top boxes, else ratings
//!   in the bottom half of their scale (0–100 average). Praise mentions are positive, so
//!   praise has no impact. [`Summary::impact_basis`] says which score it is measured on.
//! - **Emerging**: the theme's rate (records mentioning it per record) in the recent
//!   window against its rate in all earlier periods, by a one-sided Fisher exact test
//!   on the counts, with Benjamini–Hochberg adjusted p-values across the themes tested.
//!   A theme is emerging when the adjusted p is at most [`EMERGING_FDR`], the window has
//!   at least [`EMERGING_MIN_COUNT`] records mentioning it and its rate grew at least
//!   [`EMERGING_MIN_GROWTH`]-fold. The recent window is the latest period; when that
//!   period is partial (see [`PeriodRow::partial`]) it is tested together with the
//!   period before it, so a few days of data cannot decide alone.
//! - **Ratings across scales**: each rating is mapped linearly from its scale's bounds
//!   to 0–100 (0 = the scale's worst, 100 = its best) for figures that mix sources;
//!   CSAT only counts 1–5 answers and NPS only 0–10 answers, and the report says how
//!   many ratings each figure left out.

mod aggregate;
pub mod churn;
mod emerging;
mod exact;
mod impact;
mod quotes;
pub mod support;
mod survey;
mod trend;

pub use aggregate::{
    Facts, MAX_SEGMENT_VALUES, Metrics, MetricsConfig, SegmentRow, Summary, ThemeRow,
};
pub use emerging::{
    EMERGING_FDR, EMERGING_MIN_COUNT, EMERGING_MIN_GROWTH, Emerging, benjamini_hochberg,
    fisher_greater, fmt_p,
};
pub use impact::ImpactBasis;
pub use quotes::Quote;
pub use survey::{Counts, Kpis, ScaleStat};
pub use trend::{PARTIAL_COVERAGE, Period, PeriodRow, TrendPoint};

/// Two accumulator states that cannot be merged: they were made with different
/// settings (period, segment column, themes, …).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("partial reports differ in {what}: {left} vs {right}")]
pub struct Incompatible {
    /// The setting that differs.
    pub what: &'static str,
    /// Its value in the state merged into.
    pub left: String,
    /// Its value in the state merged.
    pub right: String,
}

impl Incompatible {
    /// `Err` naming `what` when `left` and `right` differ.
    pub fn check<T: PartialEq + std::fmt::Debug>(
        what: &'static str,
        left: &T,
        right: &T,
    ) -> Result<(), Incompatible> {
        if left == right {
            Ok(())
        } else {
            Err(Incompatible {
                what,
                left: format!("{left:?}"),
                right: format!("{right:?}"),
            })
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
/// `k / n` rounded to three decimals, none when `n` is 0.
fn share(k: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| round3(k as f64 / n as f64))
}
