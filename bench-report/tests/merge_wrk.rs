//! `bench-report merge-wrk`, the built program, on two real wrk logs of two generators run at
//! once against one async-server (tests/fixtures/merge-wrk/: `wrk -t2 -c4` and `wrk -t1 -c2`,
//! 1 s each, with WRK_HISTOGRAM_FILE): the merged log is read back by the report's parser as
//! a harness log, and a run whose point holds it and the printed numbers.txt lines gets its
//! report, with the load generators named.
//!
//! Run it: `cargo test --release -p bench-report --test merge_wrk`

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bench_report::parse::wrk::{self, Origin};
use common::{copy_raw, scratch};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/merge-wrk")
        .join(name)
}

fn bench_report(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-report"))
        .args(args)
        .output()
        .unwrap()
}

/// The two fixture logs (and their histograms) copied into `dir`.
fn copy_fixtures(dir: &Path) {
    copy_raw(&fixture(""), dir);
}

/// Merges the two logs in `dir` into `out`, appending to `dir`'s numbers.txt.
fn merge(dir: &Path, out: &Path) -> Output {
    bench_report(&[
        "merge-wrk",
        "--out",
        out.to_str().unwrap(),
        "--numbers",
        dir.join("numbers.txt").to_str().unwrap(),
        &format!("lab1={}", dir.join("wrk-lab1.txt").display()),
        &format!("lab2={}", dir.join("wrk-lab2.txt").display()),
    ])
}

#[test]
fn two_generators_merged_and_read_back() {
    let dir = scratch("merge-wrk", "merged");
    copy_fixtures(&dir);
    let out = dir.join("wrk.txt");
    std::fs::write(dir.join("numbers.txt"), "variant=async-server\n").unwrap();
    let output = merge(&dir, &out);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("numbers.txt")).unwrap(),
        "variant=async-server\nload_hosts=lab1,lab2\nload_requests=lab1:1214,lab2:608\n\
         load_share_pct=lab1:66.6,lab2:33.4\nload_share_off=lab1,lab2\n"
    );

    let lab1 = wrk::read(&fixture("wrk-lab1.txt"), Origin::Harness).unwrap();
    let lab2 = wrk::read(&fixture("wrk-lab2.txt"), Origin::Harness).unwrap();
    let merged = wrk::read(&out, Origin::Harness).unwrap();
    assert_eq!(merged.requests, 1214 + 608);
    assert_eq!(merged.bytes, Some(157_820 + 79_040));
    assert_eq!((merged.threads, merged.connections), (Some(3), Some(6)));
    assert!((merged.duration_us - lab1.duration_us.max(lab2.duration_us)).abs() < 0.5);
    let rate = 1214.0 / (lab1.duration_us / 1e6) + 608.0 / (lab2.duration_us / 1e6);
    assert!(
        (merged.req_per_sec - rate).abs() < 1e-3,
        "{}",
        merged.req_per_sec
    );
    assert_eq!(merged.errors.failures() + merged.errors.timeout, 0);
    // The percentiles of the 1822 latencies together (exact: 3312, 3359, 3417, 3637, 5756
    // µs; max 5837), within the HdrHistogram's 0.1%.
    let latency = &merged.latency;
    for (figure, exact) in [
        (latency.p50_us, 3312.0),
        (latency.p75_us, 3359.0),
        (latency.p90_us, 3417.0),
        (latency.p99_us, 3637.0),
        (latency.p99_9_us, 5756.0),
        (latency.max_us, 5837.0),
        (latency.mean_us, 3293.08),
    ] {
        let figure = figure.unwrap();
        assert!(
            (figure - exact).abs() <= exact * 1e-3,
            "{figure} for {exact}"
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("Merged by bench-report merge-wrk from 2 wrk logs"));
    assert!(text.trim_end().ends_with(",\"merged_from\":2}"));
    // The progress line of the harness reads it as any wrk log.
    let output = bench_report(&["wrk", "--json-line", out.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .starts_with("1814 req/s"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_or_malformed_histogram_fails_naming_it_and_writes_nothing() {
    let dir = scratch("merge-wrk", "bad");
    copy_fixtures(&dir);
    let out = dir.join("wrk.txt");
    std::fs::write(dir.join("numbers.txt"), "variant=async-server\n").unwrap();
    std::fs::remove_file(dir.join("wrk-lab2.hist")).unwrap();
    let output = merge(&dir, &out);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("wrk-lab2.hist: cannot read it"), "{error}");
    assert!(output.stdout.is_empty());

    std::fs::copy(fixture("wrk-lab1.hist"), dir.join("wrk-lab2.hist")).unwrap();
    let output = merge(&dir, &out);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(
        error.contains("wrk-lab2.hist: ") && error.contains("not the histogram of its wrk log"),
        "{error}"
    );

    std::fs::write(dir.join("wrk-lab2.hist"), "3300 2\n3400 two\n").unwrap();
    let output = merge(&dir, &out);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(
        error.contains("wrk-lab2.hist:2: 'two' is not a whole number"),
        "{error}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("numbers.txt")).unwrap(),
        "variant=async-server\n"
    );
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 5, "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// numbers.txt of the point, as the harness writes it before it appends merge-wrk's lines.
const NUMBERS: &str = "variant=async-server\nseq=1\nrun=1\nstatus=running\nthreads=3\n\
    connections=6\nduration=1s\ndelay_ms=2\nworkers=1\nfamily=rust\nkind=async\nblocks=no\n\
    bound_by=connections\n\
    wrk_command=wrk -t2 -c4 -d1s --latency --timeout 10s -s /r/scripts/wrk-report.lua http://10.0.0.9:9350/\n\
    wrk_exit=0\nstatus=ok\n";

/// meta.json of a bench run whose load came from two hosts.
const META: &str = r#"{"kind": "bench", "run_id": "two-hosts", "connections": 6, "duration": "1s",
    "timeout": "10s", "runs": 1, "delay_ms": 2, "workers": 1, "placement": "shared",
    "server_cpus": "0-1", "cpu_model": "AMD EPYC", "cores": 2, "kernel": "6.18",
    "rustc": "rustc 1.95.0", "wrk_version": "wrk 4.1.0", "git_commit": "abc", "date": "today",
    "hosts": [
      {"role": "load", "destination": "lab1", "hostname": "lab1", "cpu_model": "AMD EPYC 7B13", "cores": 2, "kernel": "6.1.0", "arch": "x86_64"},
      {"role": "load", "destination": "lab2", "hostname": "lab2", "cpu_model": "AMD EPYC 7B13", "cores": 2, "kernel": "6.1.0", "arch": "x86_64"},
      {"role": "server", "destination": "srv1", "hostname": "srv1", "cpu_model": "AMD EPYC 9B14", "cores": 4, "kernel": "6.1.0", "arch": "x86_64"}
    ]}"#;

#[test]
fn the_report_reads_the_merged_log_and_names_the_hosts() {
    let dir = scratch("merge-wrk", "report");
    let point = dir.join("async-server");
    copy_fixtures(&point);
    std::fs::write(dir.join("meta.json"), META).unwrap();
    std::fs::write(point.join("numbers.txt"), NUMBERS).unwrap();
    let output = merge(&point, &point.join("wrk.txt"));
    assert!(output.status.success(), "{output:?}");

    let output = bench_report(&["summarize", "--quiet", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    for expected in [
        "Machines: one per role, below; rustc 1.95.0, wrk 4.1.0; commit abc; today.",
        "Hosts: wrk on lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1.0, x86_64) and lab2 (AMD EPYC 7B13, 2 cores, Linux 6.1.0, x86_64); the servers on srv1 (AMD EPYC 9B14, 4 cores, Linux 6.1.0, x86_64). The load generators run on other machines than the servers: their CPU use is not part of the servers' figures.",
        "| async-server | 1814 | 3.29 ms | 5.84 ms | 3.31 ms | 3.64 ms | 0 | 0 |",
        "## Load generators",
        "| async-server | lab1 1,214 (66.6%), lab2 608 (33.4%) |",
        "- async-server: lab1 sent 67% of the requests against an even 50%: a faster generator than the others.",
        "- async-server: lab2 sent 33% of the requests against an even 50%: a slow generator",
    ] {
        assert!(summary.contains(expected), "{expected}\n\n{summary}");
    }
    // The load ran apart from the servers: no single machine's cores to place them on.
    assert!(!summary.contains("## Placement"), "{summary}");
    assert!(!summary.contains("share these cores"), "{summary}");
    std::fs::remove_dir_all(&dir).unwrap();
}
