//! The `koe` command-line tool. Thin layer over the library: argument parsing,
//! reading inputs, printing, exit codes (0 ok, 1 negative result, 2 error).

mod cli;

/// mimalloc instead of the system allocator: the analysis allocates small strings and
/// vectors per token on every worker thread, where glibc's malloc cost ~9% of
/// `koe analyze` (measured with perf on ../shared/corpus/ja.txt).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
