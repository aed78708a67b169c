//! The `koe` command-line tool. Thin layer over the library: argument parsing,
//! reading inputs, printing, exit codes (0 ok, 1 negative result, 2 error).

mod cli;

/// mimalloc instead of the system allocator: the analysis allocates small strings and
/// vectors per token on every worker thread, where glibc's malloc cost ~9% of
/// `koe analyze` (measured with perf on ../shared/corpus/ja.txt). Version 2 of mimalloc
/// (Cargo feature `v2`): version 3 holds freed memory for 1 s before it returns it to the
/// system (version 2: 10 ms), and the analysis of long records frees a lot of it (each
/// 64 KiB chunk allocates and frees ~6 MB in blocks of 128 KiB to 1 MiB): 48 records of
/// 1 MB of Japanese peaked at ~300 MB with version 3, ~255 MB with version 2, for the
/// same speed on ordinary input (benches/long-records.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
