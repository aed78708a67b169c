//! The test modules of the single integration-test binary.

mod common;

mod churn;
mod cli_analyze;
mod cli_tokenize;
mod golden;
mod lexicon;
mod pipeline;

mod partial;
mod props;
mod reliability;
mod search;
mod sentiment;
mod serve;
mod support;
mod text_api;
mod themes;
mod truths;
