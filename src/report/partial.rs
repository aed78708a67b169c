//! Partial reports: the [`Collector`]'s state of one part of the records, written as
//! JSON (schema [`PARTIAL_SCHEMA`]) and merged with other parts' into the report of
//! all of them.
//!
//! Merging is commutative and associative. Exactly as one pass over all the records:
//! every count (records, sentiment, NPS bands, CSAT boxes, ratings per scale, themes ×
//! periods × segment values, mentions, impact), the emerging tests (computed from the
//! counts at the end), period coverage, support counts, rates and duration quantiles
//! (durations are kept, exact up to 4096 per group and in log buckets past that, in one
//! pass or merged alike), repeat contacts, churn counts and cohorts, and which ranks
//! the quotes kept per theme have. What can differ:
//! * quotes tied in rank: one pass keeps (and lists) tied quotes by arrival, a merge
//!   by record id then text (a total order, so merges agree whatever the split and
//!   order), so it can show other records of the same rank, or tied quotes in another
//!   order;
//! * past [`MAX_SEGMENT_VALUES`](crate::metrics::MAX_SEGMENT_VALUES) distinct segment
//!   values, which values fold into `(other)` depends on the order of the records (in
//!   one pass as well);
//! * float sums (ratings mapped to 0–100) add in another order, so they can differ in
//!   their last bits — far below the one or two decimals the report shows;
//! * threaded support messages of one conversation with the same timestamp are ordered
//!   by id when merged, by input order in one pass;
//! * discovered themes come from discovery's pass one over each part's sample: parts
//!   merge only when they carry the same discovered themes (run them with
//!   `--discover 0`, or with the same discovered themes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Collector, Goal, Report, ReportMeta};
use crate::metrics::Incompatible;
use crate::themes::discover::DiscoveredTheme;

/// Version tag of a partial report.
pub const PARTIAL_SCHEMA: &str = "koe.partial/1";

/// Why partial reports cannot be read or merged.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    /// Not JSON, or not a partial report's JSON.
    #[error("not a koe partial report: {0}")]
    Json(#[from] serde_json::Error),
    /// Another version of the format.
    #[error("partial report schema '{found}' is not {PARTIAL_SCHEMA}")]
    Schema {
        /// The schema found.
        found: String,
    },
    /// Made with other settings.
    #[error(transparent)]
    Incompatible(#[from] Incompatible),
    /// Nothing to merge.
    #[error("no partial report to merge")]
    Empty,
}

/// The state of a report over one part of the records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// [`PARTIAL_SCHEMA`].
    pub schema: String,
    /// Input names.
    pub inputs: Vec<String>,
    /// Records that could not be used.
    pub rejected: u64,
    /// Records analysed per detected language (the labels' language when `auto`).
    pub languages: BTreeMap<String, u64>,
    /// The taxonomy's domain packs in use.
    pub domains: Vec<String>,
    /// Themes discovery found (pass one); parts must agree on them.
    pub discovered: Vec<DiscoveredTheme>,
    /// Goals checked at the end; parts must agree on them.
    pub goals: Vec<Goal>,
    /// The accumulators.
    pub collector: Collector,
}

impl Partial {
    /// A partial report of what `collector` gathered.
    pub fn new(collector: Collector) -> Partial {
        Partial {
            schema: PARTIAL_SCHEMA.to_string(),
            inputs: Vec::new(),
            rejected: 0,
            languages: BTreeMap::new(),
            domains: Vec::new(),
            discovered: Vec::new(),
            goals: Vec::new(),
            collector,
        }
    }

    /// Reads a partial report, checking its schema first.
    pub fn from_json(text: &str) -> Result<Partial, PartialError> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(default)]
            schema: String,
        }
        let head: Head = serde_json::from_str(text)?;
        if head.schema != PARTIAL_SCHEMA {
            return Err(PartialError::Schema { found: head.schema });
        }
        Ok(serde_json::from_str(text)?)
    }

    /// The partial report as JSON.
    pub fn to_json(&self) -> Result<String, PartialError> {
        Ok(serde_json::to_string(self)?)
    }

    /// Adds another part (commutative and associative; see the module docs for what
    /// merges exactly).
    pub fn merge(&mut self, other: &Partial) -> Result<(), PartialError> {
        Incompatible::check("domain packs", &self.domains, &other.domains)?;
        let ids = |p: &Partial| {
            p.discovered
                .iter()
                .map(|d| d.id.clone())
                .collect::<Vec<_>>()
        };
        Incompatible::check("discovered themes", &ids(self), &ids(other))?;
        Incompatible::check("goals", &self.goals, &other.goals)?;
        self.collector.merge(&other.collector)?;
        self.inputs.extend(other.inputs.iter().cloned());
        self.inputs.sort();
        self.rejected += other.rejected;
        for (k, n) in &other.languages {
            *self.languages.entry(k.clone()).or_default() += n;
        }
        Ok(())
    }

    /// The report: `meta`'s title and label language (`auto`: the dominant language of
    /// the records); its inputs and rejected count are the parts'.
    pub fn finish(self, meta: ReportMeta) -> Report {
        let n = |l: &str| self.languages.get(l).copied().unwrap_or(0);
        let label_lang = match meta.label_lang.as_str() {
            "auto" | "" => super::dominant_lang(n("ja"), n("ko"), n("en")).to_string(),
            other => other.to_string(),
        };
        let meta = ReportMeta {
            label_lang,
            inputs: self.inputs,
            rejected: self.rejected,
            ..meta
        };
        let mut report = self.collector.finish(meta, &self.goals, self.discovered);
        report.domains = self.domains;
        report
    }
}

/// Merges partial reports (in any order: the result is the same).
pub fn merge(parts: impl IntoIterator<Item = Partial>) -> Result<Partial, PartialError> {
    let mut parts = parts.into_iter();
    let mut acc = parts.next().ok_or(PartialError::Empty)?;
    for p in parts {
        acc.merge(&p)?;
    }
    Ok(acc)
}
