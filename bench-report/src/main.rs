//! bench-report: turns a run folder's raw logs into its report.
//!
//! Run it: `cargo run --release -p bench-report -- results/latest`

fn main() {}
