//! The report program against the reports the awk summarisers wrote before it: the four
//! reference runs of 2026-11-25 (tests/fixtures/awk-reports/, their raw logs and the
//! summary.csv and summary.md awk made of them) are summarised again, and every figure of
//! every row, and every verdict, must match. A difference is allowed only where a defect of
//! the awk report was fixed, and each such allowance below names its defect.
//!
//! Run it: `cargo test --release -p bench-report --test regression`

mod common;

use common::{copy_raw, scratch};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const RUNS: [&str; 4] = ["bench", "sweep", "python", "python-c1000"];

fn fixture(run: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/awk-reports")
        .join(run)
}

/// summary.csv as rows of column -> value (a minimal reader: our fields hold commas only
/// inside quotes, and no quotes inside them).
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap());
    lines
        .map(|line| header.iter().cloned().zip(split_csv(line)).collect())
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// The verdict of each observation, per family, from a summary.md.
fn verdicts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut family = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            heading.split(':').next().unwrap().clone_into(&mut family);
        }
        let numbered =
            line.len() > 3 && line.as_bytes()[0].is_ascii_digit() && line[1..].starts_with(". *");
        if numbered {
            let verdict = line.split("**").nth(1).unwrap_or("").to_owned();
            found.push(format!("{family} {}: {verdict}", &line[..1]));
        }
    }
    found
}

/// How far apart two printed figures may be when the awk one was printed from figures it
/// had rounded first (to whole µs, or two decimals of req/s): one unit of its last printed
/// digit, or for the columns derived from rounded figures, what that rounding can move.
fn tolerance(column: &str, awk: &str, row: &BTreeMap<String, String>) -> f64 {
    let decimals = awk.split_once('.').map_or(0, |(_, d)| d.len());
    let unit = 10f64.powi(-i32::try_from(decimals).unwrap());
    match column {
        // req/s (two decimals) × mean latency (whole µs), each rounded before multiplying:
        // ±0.005 req/s × latency + rate × ±0.5 µs, then printed to two decimals.
        "in_flight" => {
            let rate = number(&row["req_per_sec"]).unwrap_or(0.0);
            let latency_s = number(&row["latency_mean_us"]).unwrap_or(0.0) / 1e6;
            0.005 * latency_s + rate * 0.5e-6 + unit
        }
        _ => unit,
    }
}

fn number(text: &str) -> Option<f64> {
    text.parse().ok()
}

#[test]
fn every_figure_and_verdict_of_the_awk_reports() {
    let mut allowed = Vec::new();
    for run in RUNS {
        let dir = scratch("regression", run);
        copy_raw(&fixture(run), &dir);
        bench_report::write_report(&dir).unwrap_or_else(|error| panic!("{run}: {error}"));
        let old = read_csv(&fixture(run).join("summary.csv"));
        let new = read_csv(&dir.join("summary.csv"));
        let model = bench_report::model::Run::read(&dir).unwrap();
        assert_eq!(old.len(), new.len(), "{run}: rows");
        assert_eq!(model.points.len(), new.len(), "{run}: points");
        for (index, (old_row, new_row)) in old.iter().zip(&new).enumerate() {
            let point = format!(
                "{run}/{} c={} d={} w={} run {}",
                old_row["variant"],
                old_row["connections"],
                old_row["delay_ms"],
                old_row["workers"],
                old_row["run"]
            );
            assert_eq!(
                old_row.keys().collect::<Vec<_>>(),
                new_row.keys().collect::<Vec<_>>(),
                "{point}: columns"
            );
            for (column, awk) in old_row {
                let ours = &new_row[column];
                if awk == ours {
                    continue;
                }
                let (Some(a), Some(b)) = (number(awk), number(ours)) else {
                    panic!("{point}: {column} was '{awk}', now '{ours}'");
                };
                if (a - b).abs() <= tolerance(column, awk, old_row) + 1e-9 {
                    continue;
                }
                match column.as_str() {
                    // Defect fixed: the effective bound was computed from the unloaded latency
                    // rounded to whole µs, and the effective fraction divided by that bound
                    // rounded again to 0.1 req/s (sweep point sync-server.c100.d50.w1: 0.998
                    // where the raw figures give 0.995). Both are now computed from the raw
                    // figures: check that each side is what its own inputs give.
                    "effective_bound_req_per_sec" | "effective_fraction" => {
                        let raw = &model.points[index];
                        let rate = raw.wrk.as_ref().unwrap().req_per_sec;
                        let unloaded = raw.unloaded.as_ref().unwrap().latency.mean_us.unwrap();
                        let concurrency = raw.recorded_concurrency.unwrap();
                        let awk_unloaded: f64 =
                            number(&old_row["unloaded_latency_mean_us"]).unwrap();
                        let awk_bound: f64 =
                            number(&old_row["effective_bound_req_per_sec"]).unwrap();
                        if column == "effective_bound_req_per_sec" {
                            let rounded = concurrency * 1e6 / awk_unloaded;
                            assert!(
                                (a - rounded).abs() <= 0.05 + 1e-9,
                                "{point}: awk's {a} vs {rounded}"
                            );
                            let exact = concurrency * 1e6 / unloaded;
                            assert!(
                                (b - exact).abs() <= 0.05 + 1e-9,
                                "{point}: ours {b} vs {exact}"
                            );
                        } else {
                            let rounded = number(&old_row["req_per_sec"]).unwrap() / awk_bound;
                            assert!(
                                (a - rounded).abs() <= 0.0005 + 1e-9,
                                "{point}: awk's {a} vs {rounded}"
                            );
                            let exact = rate * unloaded / (concurrency * 1e6);
                            assert!(
                                (b - exact).abs() <= 0.0005 + 1e-9,
                                "{point}: ours {b} vs {exact}"
                            );
                        }
                        allowed.push(format!("{point}: {column} {awk} -> {ours}"));
                    }
                    _ => panic!("{point}: {column} was {awk}, now {ours}"),
                }
            }
        }
        assert_eq!(
            verdicts(&fixture(run).join("summary.md")),
            verdicts(&dir.join("summary.md")),
            "{run}: the verdicts"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
    // The fixed defect shows where the rounding moved a figure past the next digit.
    assert!(
        allowed.iter().any(|line| line
            .contains("sweep/sync-server c=100 d=50 w=1 run 1: effective_fraction 0.998 -> 0.995")),
        "{allowed:#?}"
    );
}

#[test]
fn the_seeds_three_observations_are_checked_on_its_own_logs() {
    let dir = scratch("regression", "seed");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../baselines/python/seed-results");
    for (index, kind) in ["sync", "async", "async-blocking"].iter().enumerate() {
        let point = dir.join(format!("python-{kind}"));
        std::fs::create_dir_all(&point).unwrap();
        std::fs::copy(
            seed.join(format!("python-{kind}.txt")),
            point.join("wrk.txt"),
        )
        .unwrap();
        let blocks = if *kind == "async" { "no" } else { "yes" };
        let rule = if *kind == "async" { "connections" } else { "1" };
        std::fs::write(
            point.join("numbers.txt"),
            format!(
                "variant=python-{kind}\nseq={}\nstatus=ok\nfamily=python\nkind={kind}\nblocks={blocks}\nbound_by={rule}\ndelay_ms=10\nworkers=1\n",
                index + 1
            ),
        )
        .unwrap();
    }
    let written = bench_report::write_report(&dir).unwrap();
    let md = &written.summary;
    assert!(
        md.contains("| python-sync | 44.6 | 65.17 ms | 82.06 ms |"),
        "{md}"
    );
    assert!(
        md.contains("| python-async | 7685 | 12.98 ms | 17.73 ms |"),
        "{md}"
    );
    assert!(
        md.contains("| python-async-blocking | 80.8 | 1.16 s | 1.27 s |"),
        "{md}"
    );
    assert_eq!(
        verdicts(&dir.join("summary.md")),
        ["python 1: Holds", "python 2: Holds", "python 3: Holds"]
    );
    assert!(
        md.contains("python-sync had only 2.9 of 100 requests in flight"),
        "{md}"
    );
    assert!(
        md.contains("python-sync: **780 errors** (connect 0, read 771, write 9"),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
