//! Building a report from inputs: the run ([`crate::analyze::run`]) streamed into a
//! [`Collector`], finished with the run's account. What `koe report` and `koe themes`
//! do, and what a server route or a binding can call.

use crate::analyze::run::{Observer, Run, Sources, Summary, run_sources};
use crate::ingest::Reject;
use crate::metrics::MetricsConfig;
use crate::themes::discover::DiscoveredTheme;

use super::{Collector, Goal, Report, ReportMeta};

/// What a report is built with besides its inputs.
#[derive(Debug, Default)]
pub struct ReportSpec {
    /// Periods, segments and thresholds of the metrics.
    pub config: MetricsConfig,
    /// Goals to check (read against the taxonomy without the discovered themes).
    pub goals: Vec<Goal>,
    /// The themes discovery found in pass one (already in the run's analyzer).
    pub discovered: Vec<DiscoveredTheme>,
    /// Title, label language (`auto`: the data's dominant language) and the like;
    /// `inputs` and `rejected` are filled from the run.
    pub meta: ReportMeta,
    /// The domain packs of the taxonomy in use.
    pub domains: Vec<String>,
}

/// Runs the inputs through the analysis into a [`Collector`] (the state a report, or a
/// partial report, is made of); rejected records go to `on_reject`. Returns the
/// collector and the run's account.
pub fn collect<E>(
    run: Run<'_>,
    sources: Sources,
    observer: &mut dyn Observer,
    on_reject: impl FnMut(&Reject) -> Result<(), E>,
    config: MetricsConfig,
) -> Result<(Collector, Summary), E> {
    let mut collector = Collector::new(run.analyzer.themes(), config);
    let summary = run_sources(
        run,
        sources,
        observer,
        |_, _| Vec::new(),
        |record, analysis, _| {
            collector.add(record, analysis);
            Ok(())
        },
        on_reject,
    )?;
    Ok((collector, summary))
}

/// Runs the inputs through the analysis into a [`Report`] ([`collect`], then the
/// report of the collector); rejected records go to `on_reject`. Returns the report and
/// the run's account.
pub fn build<E>(
    run: Run<'_>,
    sources: Sources,
    observer: &mut dyn Observer,
    on_reject: impl FnMut(&Reject) -> Result<(), E>,
    spec: ReportSpec,
) -> Result<(Report, Summary), E> {
    let (collector, summary) = collect(run, sources, observer, on_reject, spec.config)?;
    let label_lang = match spec.meta.label_lang.as_str() {
        "auto" => summary.dominant_lang().to_string(),
        other => other.to_string(),
    };
    let meta = ReportMeta {
        label_lang,
        rejected: summary.rejected,
        inputs: run
            .inputs
            .paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        ..spec.meta
    };
    let mut report = collector.finish(meta, &spec.goals, spec.discovered);
    report.domains = spec.domains;
    Ok((report, summary))
}
