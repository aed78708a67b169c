//! The test modules of the single integration-test binary.

mod common;

mod boundaries;
mod churn;
mod cli_analyze;
mod cli_tokenize;
mod export;
mod golden;
mod lexicon;
#[cfg(feature = "parquet")]
mod parquet;
mod pipeline;

mod partial;
mod props;
mod reliability;
mod search;
mod segmentation;
mod sentiment;
mod serve;
mod serve_support;
mod snapshots;
mod support;
mod text_api;
mod themes;
mod truths;
