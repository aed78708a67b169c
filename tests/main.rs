//! koe's integration tests: ONE test binary (each binary links ~130 MB of
//! dictionaries), one module per area.

mod common;

mod cli_analyze;
mod cli_tokenize;
mod golden;
mod props;
mod sentiment;
mod text_api;
