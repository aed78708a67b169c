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
    /// At most about this many text bytes per batch (the analysis of a long record
    /// takes ~100 times its text in memory, so a record near the 1 MiB field limit
    /// gets a batch of its own; ordinary reviews fill batches by count long before).
    pub bytes: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            records: 1024,
            bytes: 512 * 1024,
        }
    }
}

/// Runs the analysis over `items`, calling `sink` for every item in input order and
/// `after_batch` once per batch (for progress). Stops early when `sink` returns an error.
///
/// Three stages overlap, each at most one batch ahead of the next, so that no core
/// waits on another: reading runs on its own thread; analysis and `render` (the
/// serialisation of each analysed record, e.g. to a JSON line) run in parallel on the
/// rayon pool; `sink` runs on the calling thread and gets the records in input order
/// with their rendered bytes (and drops them there) while the pool analyses the next
/// batch.
pub fn run<I, E, R>(
    analyzer: &Analyzer,
    items: I,
    limits: BatchLimits,
    render: R,
    mut sink: impl FnMut(Outcome, Vec<u8>) -> Result<(), E>,
    mut after_batch: impl FnMut(),
) -> Result<(), E>
where
    I: Iterator<Item = Result<Record, Reject>> + Send,
    R: Fn(&Record, &Analysis) -> Vec<u8> + Sync,
{
    let threads = rayon::current_num_threads().max(1);
    let workers: Vec<Mutex<AnalyzerWorker>> = (0..=threads)
        .map(|_| Mutex::new(analyzer.worker()))
        .collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Result<Record, Reject>>>(1);
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Vec<(Outcome, Vec<u8>)>>(1);
    let render = &render;
    let workers = &workers;
    std::thread::scope(move |scope| {
        scope.spawn(move || {
            let mut items = items;
            loop {
                let mut batch = Vec::with_capacity(limits.records);
                let mut bytes = 0usize;
                while batch.len() < limits.records && bytes < limits.bytes {
                    let Some(item) = items.next() else { break };
                    if let Ok(r) = &item {
                        bytes += r.texts.iter().map(|(_, t)| t.len()).sum::<usize>();
                    }
                    batch.push(item);
                }
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
        });
        scope.spawn(move || {
            for batch in rx.iter() {
                let outcomes = analyse_batch(batch, workers, threads, render);
                // The receiver is gone when the sink failed: stop (and so stop reading).
                if done_tx.send(outcomes).is_err() {
                    break;
                }
            }
        });
        // Owned here, so that an early return drops it and the other stages stop.
        let done_rx = done_rx;
        for outcomes in done_rx.iter() {
            for (outcome, bytes) in outcomes {
                // On an error the receivers are dropped and the other stages stop.
                sink(outcome, bytes)?;
            }
            after_batch();
        }
        Ok(())
    })
}

/// One [`AnalyzerWorker`] per thread of a rayon pool (and one for a caller outside
/// it), for [`analyze_records`]: kept between calls, so the workers' word caches stay
/// warm across the batches of a binding.
pub struct Workers {
    slots: Vec<Mutex<AnalyzerWorker>>,
}

impl Workers {
    /// Workers of `analyzer` for the current rayon pool.
    pub fn new(analyzer: &Analyzer) -> Workers {
        let threads = rayon::current_num_threads().max(1);
        Workers {
            slots: (0..=threads)
                .map(|_| Mutex::new(analyzer.worker()))
                .collect(),
        }
    }

    /// Analyses one record with the worker of the current thread (the last one outside
    /// the pool).
    pub fn analyze(&self, record: &Record) -> Analysis {
        self.with(|w| w.analyze(record))
    }

    /// Runs `f` with the worker of the current pool thread.
    fn with<T>(&self, f: impl FnOnce(&mut AnalyzerWorker) -> T) -> T {
        let last = self.slots.len() - 1;
        let slot = rayon::current_thread_index().map_or(last, |i| i.min(last));
        let mut worker = match self.slots[slot].lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut worker)
    }
}

/// Analyses records already in memory on the current rayon pool (the pool
/// [`Workers::new`] was called in), results in input order: what the Python package
/// runs on a batch of Arrow rows or a list of texts.
pub fn analyze_records(workers: &Workers, records: &[Record]) -> Vec<Analysis> {
    records
        .par_iter()
        .map(|record| workers.analyze(record))
        .collect()
}

/// Analyses and renders one batch on the rayon pool, in input order.
fn analyse_batch<R>(
    batch: Vec<Result<Record, Reject>>,
    workers: &[Mutex<AnalyzerWorker>],
    threads: usize,
    render: &R,
) -> Vec<(Outcome, Vec<u8>)>
where
    R: Fn(&Record, &Analysis) -> Vec<u8> + Sync,
{
    batch
        .into_par_iter()
        .map(|item| match item {
            Ok(record) => {
                let slot = rayon::current_thread_index().map_or(threads, |i| i.min(threads));
                let analysis = {
                    let mut worker = match workers[slot].lock() {
                        Ok(w) => w,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    worker.analyze(&record)
                };
                let bytes = render(&record, &analysis);
                (
                    Outcome::Analysed(Box::new(record), Box::new(analysis)),
                    bytes,
                )
            }
            Err(reject) => (Outcome::Rejected(reject), Vec::new()),
        })
        .collect()
}
