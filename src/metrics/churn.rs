//! Churn rate: the share of records that carry a churn signal (see
//! [`crate::sentiment::churn`]) overall, per period and per theme, and — with customer
//! ids and dates — customer cohorts by first-contact month: who comes back, who stops.
//! A cohort is judged only when the data runs a whole month past it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::sentiment::churn::{ChurnKind, ChurnSignal};

/// Signals among records.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChurnCount {
    /// Records with at least one churn signal.
    pub signals: u64,
    /// Records.
    pub records: u64,
    /// `signals / records`.
    pub rate: f64,
}

impl ChurnCount {
    fn merge(&mut self, other: &ChurnCount) {
        self.records += other.records;
        self.signals += other.signals;
        self.rate = if self.records == 0 {
            0.0
        } else {
            self.signals as f64 / self.records as f64
        };
    }

    fn add(&mut self, signal: bool) {
        self.records += 1;
        self.signals += u64::from(signal);
        self.rate = self.signals as f64 / self.records as f64;
    }
}

/// A first-contact cohort.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cohort {
    /// First-contact month, `YYYY-MM`.
    pub month: String,
    /// Customers whose first contact falls in it.
    pub customers: u64,
    /// Of them, those who wrote again in a later month.
    pub came_back: u64,
    /// Of them, those whose records carry a churn signal.
    pub with_signal: u64,
}

/// The churn section of a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChurnSummary {
    /// All records.
    pub all: ChurnCount,
    /// Records per signal kind (`decided`, `threat`, `ask`, `blocked`, `done`).
    pub kinds: BTreeMap<String, u64>,
    /// Per period (`YYYY-MM` of the record's date).
    pub periods: BTreeMap<String, ChurnCount>,
    /// Per theme, most signals first.
    pub themes: Vec<(Arc<str>, ChurnCount)>,
    /// Cohorts by first-contact month; only months with a whole month of data after
    /// them; empty without customer ids and dates.
    pub cohorts: Vec<Cohort>,
    /// Why cohorts are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohorts_note: Option<String>,
}

/// A customer's contact months `(year, month)` and whether any record says they leave.
type CustomerMonths = (Vec<(i32, i8)>, bool);

/// Collects churn signals. Its state serializes (for partial reports) and
/// [`ChurnCollector::merge`]s exactly with another part's.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChurnCollector {
    all: ChurnCount,
    kinds: BTreeMap<String, u64>,
    periods: BTreeMap<String, ChurnCount>,
    themes: HashMap<Arc<str>, ChurnCount>,
    /// customer → (months with contacts, any signal).
    customers: HashMap<Arc<str>, CustomerMonths>,
    dated: bool,
}

impl ChurnCollector {
    /// Adds one record: its month `(year, month)`, customer, themes and signals.
    pub fn add(
        &mut self,
        month: Option<(i32, i8)>,
        customer: Option<&str>,
        themes: &[Arc<str>],
        signals: &[ChurnSignal],
    ) {
        self.add_kinds(month, customer, themes, signals.iter().map(|s| s.kind));
    }

    /// Adds one record by the kinds of its signals (what a search index keeps of
    /// them): its month `(year, month)`, customer, themes and signal kinds.
    pub fn add_kinds(
        &mut self,
        month: Option<(i32, i8)>,
        customer: Option<&str>,
        themes: &[Arc<str>],
        signals: impl IntoIterator<Item = ChurnKind>,
    ) {
        let mut kinds: Vec<&'static str> = signals.into_iter().map(ChurnKind::as_str).collect();
        let has = !kinds.is_empty();
        self.all.add(has);
        kinds.sort_unstable();
        kinds.dedup();
        for k in kinds {
            *self.kinds.entry(k.to_string()).or_default() += 1;
        }
        if let Some((y, m)) = month {
            self.dated = true;
            self.periods
                .entry(format!("{y:04}-{m:02}"))
                .or_default()
                .add(has);
        }
        for t in themes {
            self.themes.entry(t.clone()).or_default().add(has);
        }
        if let (Some(c), Some(m)) = (customer, month) {
            let e = self.customers.entry(Arc::from(c)).or_default();
            e.0.push(m);
            e.1 |= has;
        }
    }

    /// Adds the state of another part of the records: counts add up, each
    /// customer's contact months join (cohorts are built at the end).
    pub fn merge(&mut self, other: &ChurnCollector) {
        self.all.merge(&other.all);
        for (k, n) in &other.kinds {
            *self.kinds.entry(k.clone()).or_default() += n;
        }
        for (k, c) in &other.periods {
            self.periods.entry(k.clone()).or_default().merge(c);
        }
        for (k, c) in &other.themes {
            self.themes.entry(k.clone()).or_default().merge(c);
        }
        for (k, (months, signal)) in &other.customers {
            let e = self.customers.entry(k.clone()).or_default();
            e.0.extend_from_slice(months);
            e.1 |= signal;
        }
        self.dated |= other.dated;
    }

    /// The summary; `None` when no record was added.
    pub fn finish(mut self) -> Option<ChurnSummary> {
        if self.all.records == 0 {
            return None;
        }
        // Rates from their counts (a merged or deserialized state carries its own).
        for c in std::iter::once(&mut self.all)
            .chain(self.periods.values_mut())
            .chain(self.themes.values_mut())
        {
            c.rate = c.signals as f64 / c.records.max(1) as f64;
        }
        let mut themes: Vec<(Arc<str>, ChurnCount)> = self.themes.into_iter().collect();
        themes.sort_by(|a, b| b.1.signals.cmp(&a.1.signals).then(a.0.cmp(&b.0)));
        let last = self
            .customers
            .values()
            .flat_map(|c| c.0.iter().copied())
            .max();
        let mut cohorts: BTreeMap<(i32, i8), Cohort> = BTreeMap::new();
        if let Some(last) = last {
            for (months, signal) in self.customers.values() {
                let Some(&first) = months.iter().min() else {
                    continue;
                };
                // Judged only when a whole month of data follows the cohort's month.
                if first >= last {
                    continue;
                }
                let c = cohorts.entry(first).or_insert_with(|| Cohort {
                    month: format!("{:04}-{:02}", first.0, first.1),
                    customers: 0,
                    came_back: 0,
                    with_signal: 0,
                });
                c.customers += 1;
                c.came_back += u64::from(months.iter().any(|&m| m > first));
                c.with_signal += u64::from(*signal);
            }
        }
        let cohorts_note = if self.customers.is_empty() {
            Some(if self.dated {
                "no customer id column (customer_id / 顧客ID / 고객ID)".to_string()
            } else {
                "no customer ids with dates".to_string()
            })
        } else if cohorts.is_empty() {
            Some("the data covers one month: no cohort has a later month to come back in".into())
        } else {
            None
        };
        Some(ChurnSummary {
            all: self.all,
            kinds: self.kinds,
            periods: self.periods,
            themes,
            cohorts: cohorts.into_values().collect(),
            cohorts_note,
        })
    }
}
