//! Points and runs made in code for the unit tests: a measured point of a known variant
//! with chosen figures, and runs of them.

use std::path::PathBuf;

use crate::analysis::bounds::BoundRule;
use crate::model::{Load, Point, Run, RunKind, Samples, Status, Variant};
use crate::parse::meta::{Meta, Span};
use crate::parse::wrk::{Errors, Latency, Source, WrkReport};

/// The meta.json of a bench run at 10 connections, 10 ms, 1 worker, on 2 cores.
pub const BENCH_META: &str = r#"{"kind": "bench", "threads": 4, "connections": 10, "duration": "10s",
    "timeout": "10s", "warmup": "1s", "runs": 1, "delay_ms": 10, "workers": 1, "cores": 2}"#;

/// A wrk run of `rate` req/s with every latency figure `mean_us`, over 10 s.
pub fn report(rate: f64, mean_us: f64) -> WrkReport {
    let requests = format!("{:.0}", rate * 10.0)
        .parse()
        .expect("a whole number");
    WrkReport {
        url: None,
        duration: Some(Span("10s".to_owned())),
        threads: Some(4),
        connections: Some(100),
        requests,
        duration_us: 10e6,
        req_per_sec: rate,
        bytes: None,
        latency: Latency {
            mean_us: Some(mean_us),
            stdev_us: Some(0.0),
            max_us: Some(mean_us),
            p50_us: Some(mean_us),
            p75_us: Some(mean_us),
            p90_us: Some(mean_us),
            p99_us: Some(mean_us),
            p99_9_us: Some(mean_us),
        },
        errors: Errors::default(),
        source: Source::Json,
    }
}

/// A measured point: `name` of `family` and `kind`, 100 connections, 10 ms, 1 worker.
pub fn point(seq: u32, name: &str, family: &str, kind: &str, rate: f64, mean_us: f64) -> Point {
    let blocks = !matches!(kind, "async" | "async-timerfd" | "async-blocking-offload");
    Point {
        dir: PathBuf::from(name),
        variant: Variant {
            name: name.to_owned(),
            family: Some(family.parse().expect("rust or python")),
            kind: Some(kind.to_owned()),
            blocks: Some(blocks),
            bound_rule: Some(if blocks {
                BoundRule::Workers
            } else {
                BoundRule::Connections
            }),
            real_call: false,
        },
        seq,
        run: 1,
        status: Status::Ok,
        load: Load {
            threads: Some(4),
            connections: 100,
            duration: Some(Span("10s".to_owned())),
            delay_ms: Some(10),
            workers: 1,
            timeout: Some(Span("10s".to_owned())),
            warmup: Some(Span("1s".to_owned())),
        },
        recorded_concurrency: None,
        recorded_rule: None,
        sweeps: Vec::new(),
        url: None,
        wrk: Some(report(rate, mean_us)),
        unloaded: None,
        open_loop: None,
        samples: Samples::default(),
        c10k: None,
        timer: None,
        downstream: None,
        load_generators: None,
    }
}

/// A bench run of `points`, with `meta` as meta.json's text.
pub fn run(points: Vec<Point>, meta: &str) -> Run {
    Run {
        dir: PathBuf::from("run"),
        meta: Meta::parse(std::path::Path::new("meta.json"), meta).expect("test meta.json"),
        kind: RunKind::Bench,
        points,
        incomplete: None,
        elapsed_s: None,
    }
}
