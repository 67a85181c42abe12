//! bench-report: turns a run folder's raw logs into its report. The harness asks it one thing
//! before a point runs (`plan`: the bound and the load), and reads its progress lines from
//! what wrk and oha wrote (`wrk`, `oha`); bash never parses or computes a figure.
//!
//! ```text
//! bench-report summarize results/latest          # summary.md, summary.csv, charts/*.svg
//! bench-report plan --rule workers --connections 100 --workers 1 --delay-ms 10
//! bench-report plan --rule workers --connections 100 --workers 1 --delay-ms 10 --fraction 0.5
//! bench-report wrk results/latest/async-server/wrk.txt
//! bench-report oha results/latest/sync-server.f0.5/oha.json
//! bench-report merge-wrk --out P/wrk.txt --numbers P/numbers.txt lab1=wrk-lab1.txt lab2=wrk-lab2.txt
//! ```

// Counts of requests and microseconds are far below 2^52: as f64 they are exact.
#![allow(clippy::cast_precision_loss)]

use std::path::PathBuf;
use std::process::ExitCode;

use bench_report::analysis::bounds::{littles_law_bound, BoundRule};
use bench_report::analysis::latency::{connections_for, OVER_BOUND};
use bench_report::merge;
use bench_report::output::format::ms;
use bench_report::parse::{oha, wrk};
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
        /// The file was written with `-s scripts/wrk-report.lua` (as the harness runs wrk):
        /// without its JSON line it is incomplete, not read from its text.
        #[arg(long)]
        json_line: bool,
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
    /// Read one oha JSON output and print its figures on one line (answered req/s, p50,
    /// p99, failures, timeouts, requests cut off at the end): the harness's progress line.
    /// Exits 1 naming the file if it is not oha's JSON output.
    Oha {
        /// oha's output, `oha --output-format json`.
        file: PathBuf,
    },
    /// The harness's one question before a point runs: what a variant's rule allows under a
    /// load, as `key=value` lines. Always `concurrency` (the requests that can wait at once)
    /// and `bound_req_per_sec` (Little's law, concurrency / delay; empty at delay 0). With
    /// --fraction or --rate, an open-loop point's load too: `fraction`, `rate`,
    /// `connections_wanted` (rate × delay × headroom), `connections` (with the floor, and
    /// capped at --connections) and `over_bound` (yes above the bound: a half-length run
    /// too). Exits 2 on a rate or fraction that is not a positive number, or a fraction
    /// without a bound (delay 0).
    Plan {
        /// The bound's load; its connections are also the most an open-loop point gets.
        #[command(flatten)]
        load: BoundArgs,
        /// The offered rate as a fraction of the bound.
        #[arg(long, value_parser = positive, conflicts_with = "rate")]
        fraction: Option<f64>,
        /// The offered rate, requests per second.
        #[arg(long, value_parser = positive)]
        rate: Option<f64>,
    },
    /// Merge the wrk logs of several load generators that loaded one server at once into one
    /// wrk log (OUT): requests, bytes and errors summed, the rate the sum of each one's, the
    /// latency read from their whole distributions merged in one HdrHistogram (each log's
    /// histogram beside it: WRK_LOG with the extension .hist, written by wrk-report.lua with
    /// WRK_HISTOGRAM_FILE). Then appends to NUMBERS (the point's numbers.txt) the lines
    /// load_hosts, load_requests, load_share_pct and load_share_off (the generators more than
    /// 10% of an even share away from it). Exits 1 naming the file on any bad input, writing
    /// nothing.
    MergeWrk {
        /// The merged log to write (whole or not at all).
        #[arg(long)]
        out: PathBuf,
        /// The point's numbers.txt, to append the merge's figures to.
        #[arg(long)]
        numbers: PathBuf,
        /// Each generator's label and wrk log (the harness's, with the JSON line).
        #[arg(value_name = "LABEL=WRK_LOG", required = true, value_parser = merge::Input::parse)]
        inputs: Vec<merge::Input>,
    },
}

/// What Little's-law bound a variant has under a load (`plan`).
#[derive(clap::Args, Debug)]
struct BoundArgs {
    /// The variant's rule (variants.table, column bound_by): workers, connections,
    /// connections:CAP or a number.
    #[arg(long, value_parser = BoundRule::parse)]
    rule: BoundRule,
    /// The load's connections (wrk's, or the open-loop reference).
    #[arg(long)]
    connections: u32,
    /// The server's workers.
    #[arg(long)]
    workers: u32,
    /// The server's delay per request, ms.
    #[arg(long)]
    delay_ms: u64,
}

impl BoundArgs {
    /// The requests that can wait at once, and the bound they give (none at delay 0).
    fn bound(&self) -> (u32, Option<f64>) {
        let concurrency = self.rule.concurrency(self.connections, self.workers);
        (
            concurrency,
            littles_law_bound(f64::from(concurrency), self.delay_ms),
        )
    }
}

/// A finite number above 0.
fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        Ok(_) => Err(format!("'{text}' is not above 0")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// A number for a key=value line: up to three decimals, no trailing zeros ("12.5", "100").
fn plain(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
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
        Command::Wrk { file, json_line } => match wrk::read(
            &file,
            if json_line {
                wrk::Origin::Harness
            } else {
                wrk::Origin::Elsewhere
            },
        ) {
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
        Command::Plan {
            load,
            fraction,
            rate,
        } => plan(&load, fraction, rate),
        Command::Oha { file } => oha_line(&file),
        Command::MergeWrk {
            out,
            numbers,
            inputs,
        } => match merge::run(&inputs, &out, &numbers) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench-report: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `bench-report oha FILE`: one line of figures, or exit 1 naming the file.
fn oha_line(file: &std::path::Path) -> ExitCode {
    match oha::read(file) {
        Ok(report) => {
            println!(
                "{:.0} req/s answered, p50 {}, p99 {}, {} failures, {} timeouts, {} cut off at the end",
                report.achieved_rate(),
                ms(report.latency.p50_us),
                ms(report.latency.p99_us),
                report.failures(),
                report.timeouts(),
                report.aborted_at_end(),
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-report: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `bench-report plan`: the bound, and with a fraction or a rate one open-loop point's load,
/// as key=value lines.
fn plan(load: &BoundArgs, fraction: Option<f64>, rate: Option<f64>) -> ExitCode {
    let (concurrency, bound) = load.bound();
    let (fraction, rate) = match (fraction, rate, bound) {
        (Some(fraction), _, Some(bound)) => (Some(fraction), fraction * bound),
        (Some(_), _, None) => {
            eprintln!(
                "bench-report: no bound at delay 0, so no fraction of it: give rates instead"
            );
            return ExitCode::from(2);
        }
        (None, Some(rate), bound) => (bound.map(|b| rate / b), rate),
        (None, None, _) => {
            println!("concurrency={concurrency}");
            println!("bound_req_per_sec={}", bound.map_or(String::new(), plain));
            return ExitCode::SUCCESS;
        }
    };
    let (wanted, given) = connections_for(rate, load.delay_ms, load.connections);
    println!("concurrency={concurrency}");
    println!("bound_req_per_sec={}", bound.map_or(String::new(), plain));
    println!("fraction={}", fraction.map_or(String::new(), plain));
    println!("rate={}", plain(rate));
    println!("connections_wanted={wanted}");
    println!("connections={given}");
    // Above the bound a queue grows with the run: check 2 runs the load again, half as long.
    let over = fraction.is_some_and(|f| f > OVER_BOUND);
    println!("over_bound={}", if over { "yes" } else { "no" });
    ExitCode::SUCCESS
}
