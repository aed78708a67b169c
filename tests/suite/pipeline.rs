//! The streaming pipeline through the library: input order across many small batches
//! with rejects in between, and an early stop when the sink fails (the reading and
//! analysing stages must stop too, not wait forever on a full channel).

use std::collections::BTreeMap;
use std::sync::Arc;

use koe::analyze::Analyzer;
use koe::analyze::pipeline::{self, BatchLimits, Outcome};
use koe::ingest::{Origin, Record, Reject};

use super::common::processor;

fn analyzer() -> Analyzer {
    Analyzer::builder()
        .text(processor().clone())
        .build()
        .expect("builds")
}

/// `n` items; every seventh is a reject.
fn items(n: u64) -> impl Iterator<Item = Result<Record, Reject>> + Send {
    let file: Arc<str> = Arc::from("mem");
    (1..=n).map(move |i| {
        if i % 7 == 0 {
            return Err(Reject {
                file: file.clone(),
                line: i,
                record: i,
                reason: "bad".into(),
                raw: String::new(),
            });
        }
        let text = match i % 3 {
            0 => format!("配送が遅い {i}"),
            1 => format!("배송이 느려요 {i}"),
            _ => format!("Shipping was slow {i}"),
        };
        Ok(Record {
            id: format!("r{i}"),
            texts: vec![(Arc::from("text"), text)],
            rating: None,
            date: None,
            segments: BTreeMap::new(),
            segments_raw: BTreeMap::new(),
            support: None,
            origin: Origin {
                file: file.clone(),
                line: i,
                record: i,
            },
            warnings: Vec::new(),
        })
    })
}

const SMALL: BatchLimits = BatchLimits {
    records: 5,
    bytes: 1 << 20,
};

#[test]
fn keeps_input_order_across_batches() {
    let a = analyzer();
    let mut seen = Vec::new();
    let mut batches = 0;
    pipeline::run(
        &a,
        items(200),
        SMALL,
        |r, _| r.id.clone().into_bytes(),
        |o, bytes| -> Result<(), ()> {
            match o {
                Outcome::Analysed(r, _) => {
                    assert_eq!(
                        bytes,
                        r.id.as_bytes(),
                        "rendered bytes travel with their record"
                    );
                    seen.push(r.origin.line);
                }
                Outcome::Rejected(j) => seen.push(j.line),
            }
            Ok(())
        },
        || batches += 1,
    )
    .expect("runs");
    assert_eq!(seen, (1..=200).collect::<Vec<_>>());
    assert_eq!(batches, 40);
}

#[test]
fn a_failing_sink_stops_every_stage() {
    let a = analyzer();
    let mut taken = 0;
    let result = pipeline::run(
        &a,
        items(100_000),
        SMALL,
        |_, _| Vec::new(),
        |_, _| {
            taken += 1;
            if taken == 12 {
                Err("disk full")
            } else {
                Ok(())
            }
        },
        || {},
    );
    assert_eq!(result, Err("disk full"));
    assert_eq!(taken, 12);
}
