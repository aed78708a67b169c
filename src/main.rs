//! The `koe` command-line tool. Thin layer over the library: argument parsing,
//! reading inputs, printing, exit codes (0 ok, 1 negative result, 2 error).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
