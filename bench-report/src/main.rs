//! bench-report: turns a run folder's raw logs into its report, and answers the harness's
//! questions about wrk output and bounds, so that bash never parses or computes a figure.
//!
//! ```text
//! bench-report summarize results/latest          # summary.md, summary.csv, charts/*.svg
//! bench-report wrk results/latest/async-server/wrk.txt
//! bench-report bound --rule workers --connections 100 --workers 1 --delay-ms 10
//! ```

// Counts of requests and microseconds are far below 2^52: as f64 they are exact.
#![allow(clippy::cast_precision_loss)]

use std::path::PathBuf;
use std::process::ExitCode;

use bench_report::analysis::bounds::{littles_law_bound, BoundRule};
use bench_report::output::format::ms;
use bench_report::parse::wrk;
use clap::{Parser, Subcommand};

/// The report of a benchmark run: raw logs in, summary.md, summary.csv and SVG charts out.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write RUN_DIR/summary.md, summary.csv and charts/*.svg (each chart's data beside it,
    /// as CSV) from the run's points (folders with numbers.txt and wrk.txt), and print
    /// summary.md.
    Summarize {
        /// A run folder written by scripts/bench.sh or scripts/sweep.sh.
        run_dir: PathBuf,
        /// Print nothing on success.
        #[arg(long)]
        quiet: bool,
    },
    /// Read one wrk output and print its figures on one line (requests per second, mean
    /// and p99 latency, errors): the harness's progress line. Exits 1 naming the file and
    /// line if it is not wrk output.
    Wrk {
        /// wrk's output as it printed it (with or without the JSON line of wrk-report.lua).
        file: PathBuf,
    },
    /// Rewrite the README's generated blocks (`<!-- readme: NAME ARGS -->` ... `<!-- /readme -->`)
    /// from the committed reference runs they name; with --check, only say whether the README
    /// is what it would write (exit 1 naming the first line that differs).
    Readme {
        /// The README to rewrite; the blocks' paths are relative to its folder.
        readme: PathBuf,
        /// Change nothing: fail if the README differs from what would be written.
        #[arg(long)]
        check: bool,
    },
    /// Little's law for a variant's rule: print `concurrency=N` and `bound_req_per_sec=X`
    /// (no bound at delay 0).
    Bound {
        /// The variant's rule (scripts/lib.sh, column bound_by): workers, connections,
        /// connections:CAP or a number.
        #[arg(long, value_parser = BoundRule::parse)]
        rule: BoundRule,
        /// wrk's connections.
        #[arg(long)]
        connections: u32,
        /// The server's workers.
        #[arg(long)]
        workers: u32,
        /// The server's delay per request, ms.
        #[arg(long)]
        delay_ms: u64,
    },
}

fn main() -> ExitCode {
    match Args::parse().command {
        Command::Summarize { run_dir, quiet } => match bench_report::write_report(&run_dir) {
            Ok(written) => {
                for warning in &written.warnings {
                    eprintln!("warning: {warning}");
                }
                if !quiet {
                    print!("{}", written.summary);
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("bench-report: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Wrk { file } => match wrk::read(&file) {
            Ok(report) => {
                let errors = report.errors.failures();
                println!(
                    "{:.0} req/s, mean latency {}, p99 {}{}{}",
                    report.req_per_sec,
                    ms(report.latency.mean_us),
                    ms(report.latency.p99_us),
                    if errors > 0 {
                        format!(", {errors} errors")
                    } else {
                        String::new()
                    },
                    if report.errors.timeout > 0 {
                        format!(", {} timeouts", report.errors.timeout)
                    } else {
                        String::new()
                    },
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("bench-report: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Readme { readme, check } => match bench_report::readme::update(&readme, check) {
            Ok(changed) => {
                if !check {
                    eprintln!(
                        "{}: {}",
                        readme.display(),
                        if changed {
                            "generated blocks rewritten"
                        } else {
                            "already up to date"
                        }
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("bench-report: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Bound {
            rule,
            connections,
            workers,
            delay_ms,
        } => {
            let concurrency = rule.concurrency(connections, workers);
            println!("concurrency={concurrency}");
            match littles_law_bound(f64::from(concurrency), delay_ms) {
                Some(bound) => println!("bound_req_per_sec={bound:.1}"),
                None => println!("bound_req_per_sec="),
            }
            ExitCode::SUCCESS
        }
    }
}
