//! The streaming analysis loop: read records in bounded batches, analyse a batch in
//! parallel with rayon (one worker per pool thread), hand results on in input order.
//! Memory is bounded by the batch size, whatever the input size.

use std::sync::Mutex;

use rayon::prelude::*;

use super::{Analysis, Analyzer, AnalyzerWorker};
use crate::ingest::{Record, Reject};

/// One input item after analysis, in input order.
#[derive(Debug)]
pub enum Outcome {
    /// The record and its analysis.
    Analysed(Box<Record>, Box<Analysis>),
    /// A record that ingest rejected.
    Rejected(Reject),
}

/// Batch limits.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// At most this many records per batch.
    pub records: usize,
    /// At most about this many text bytes per batch.
    pub bytes: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            records: 1024,
            bytes: 4 * 1024 * 1024,
        }
    }
}

/// Runs the analysis over `items`, calling `sink` for every item in input order and
/// `after_batch` once per batch (for progress). Stops early when `sink` returns an error.
pub fn run<I, E>(
    analyzer: &Analyzer,
    items: I,
    limits: BatchLimits,
    mut sink: impl FnMut(Outcome) -> Result<(), E>,
    mut after_batch: impl FnMut(),
) -> Result<(), E>
where
    I: Iterator<Item = Result<Record, Reject>>,
{
    let threads = rayon::current_num_threads().max(1);
    let workers: Vec<Mutex<AnalyzerWorker>> = (0..=threads)
        .map(|_| Mutex::new(analyzer.worker()))
        .collect();
    let mut items = items.peekable();
    let mut batch: Vec<Result<Record, Reject>> = Vec::with_capacity(limits.records);
    while items.peek().is_some() {
        batch.clear();
        let mut bytes = 0usize;
        while batch.len() < limits.records && bytes < limits.bytes {
            let Some(item) = items.next() else { break };
            if let Ok(r) = &item {
                bytes += r.texts.iter().map(|(_, t)| t.len()).sum::<usize>();
            }
            batch.push(item);
        }
        let outcomes: Vec<Outcome> = std::mem::take(&mut batch)
            .into_par_iter()
            .map(|item| match item {
                Ok(record) => {
                    let slot = rayon::current_thread_index().map_or(threads, |i| i.min(threads));
                    let mut worker = match workers[slot].lock() {
                        Ok(w) => w,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    let analysis = worker.analyze(&record);
                    Outcome::Analysed(Box::new(record), Box::new(analysis))
                }
                Err(reject) => Outcome::Rejected(reject),
            })
            .collect();
        for outcome in outcomes {
            sink(outcome)?;
        }
        after_batch();
    }
    Ok(())
}
