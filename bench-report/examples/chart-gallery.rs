//! Sample charts, modelled on the report's, drawn with `bench_report::chart` into a folder:
//! the figures are the reference sweep's (results/reference/sweep/summary.csv) and the
//! reference seed comparison's, so the charts look like the real ones. One more chart puts
//! the awkward cases side by side (no data, one point, all-equal values, gaps, values at or
//! below 0 on a log axis).
//!
//! In the throughput-vs-connections chart async-blocking-server is given exactly
//! sync-server's figures (they differ by under 1% in the sweep), to show that two series
//! lying exactly on each other both stay visible.
//!
//! Run it, then look at the charts as pictures:
//!
//! ```text
//! cargo run --release -p bench-report --example chart-gallery -- /tmp/gallery
//! for f in /tmp/gallery/*.svg; do rsvg-convert -o "${f%.svg}.png" "$f"; done
//! ```

use std::error::Error;
use std::path::PathBuf;

use bench_report::chart::{
    render_svg, Axis, BarGroup, BarPanel, Chart, LinePanel, Panel, Scale, Series, Stroke,
};

const MACHINE: &str = "AMD EPYC, 2 cores, shared by wrk and the servers";
const SWEEP_LOAD: &str = "wrk -t4 (fewer where the connections need it), 5s per point";

const CONNECTIONS: [f64; 7] = [1.0, 10.0, 50.0, 100.0, 200.0, 500.0, 1000.0];
const DELAYS_MS: [f64; 5] = [0.0, 1.0, 5.0, 10.0, 50.0];
const WORKERS: [f64; 4] = [1.0, 2.0, 4.0, 8.0];

/// One variant's figures along a sweep, in the order of its x values.
struct Sweep {
    name: &'static str,
    /// The variant's index in the run (picks its colour and marker).
    variant: usize,
    req_per_sec: &'static [f64],
    bound: &'static [f64],
    effective_bound: &'static [f64],
    p50_ms: &'static [f64],
    p99_ms: &'static [f64],
}

const SYNC_BY_CONNECTIONS: Sweep = Sweep {
    name: "sync-server",
    variant: 0,
    req_per_sec: &[96.47, 97.95, 97.38, 97.18, 97.74, 97.08, 97.22],
    bound: &[100.0; 7],
    effective_bound: &[96.5, 97.1, 97.1, 96.3, 97.0, 96.7, 96.9],
    p50_ms: &[
        10.335, 102.004, 512.224, 1027.430, 2039.815, 2506.064, 2501.797,
    ],
    p99_ms: &[
        10.984, 102.757, 519.372, 1029.556, 2042.846, 4959.058, 4958.873,
    ],
};

const ASYNC_BY_CONNECTIONS: Sweep = Sweep {
    name: "async-server",
    variant: 1,
    req_per_sec: &[
        88.10, 872.43, 4237.19, 8346.54, 16115.19, 38019.74, 71160.20,
    ],
    bound: &[100.0, 1000.0, 5000.0, 10000.0, 20000.0, 50000.0, 100_000.0],
    effective_bound: &[88.4, 881.1, 4418.1, 8846.4, 17769.9, 44122.8, 88456.4],
    p50_ms: &[11.330, 11.503, 11.667, 11.848, 12.210, 12.845, 13.538],
    p99_ms: &[11.614, 12.534, 13.251, 13.976, 14.782, 17.237, 18.641],
};

const ASYNC_BLOCKING_BY_CONNECTIONS: Sweep = Sweep {
    name: "async-blocking-server",
    variant: 2,
    req_per_sec: &[97.08, 97.52, 96.91, 97.22, 97.19, 96.33, 96.94],
    bound: &[100.0; 7],
    effective_bound: &[96.8, 97.1, 96.9, 97.5, 97.2, 97.4, 98.3],
    p50_ms: &[
        10.275, 102.443, 514.737, 1024.989, 2053.896, 2508.862, 2508.586,
    ],
    p99_ms: &[
        10.548, 103.057, 517.587, 1031.842, 2631.477, 4954.705, 4958.240,
    ],
};

const OFFLOAD_BY_CONNECTIONS: Sweep = Sweep {
    name: "async-blocking-offload",
    variant: 3,
    req_per_sec: &[
        97.08, 952.38, 4749.48, 9378.72, 18164.54, 27428.49, 31821.73,
    ],
    bound: &[100.0, 1000.0, 5000.0, 10000.0, 20000.0, 50000.0, 51200.0],
    effective_bound: &[96.9, 968.6, 4825.3, 9650.6, 19306.9, 48454.3, 49545.2],
    p50_ms: &[10.280, 10.432, 10.370, 10.484, 10.815, 17.364, 32.027],
    p99_ms: &[10.464, 11.754, 12.116, 12.307, 13.178, 26.381, 52.118],
};

/// At delay 0 there is no Little's-law bound (NaN: a gap in the line).
const SYNC_BY_DELAY: Sweep = Sweep {
    name: "sync-server",
    variant: 0,
    req_per_sec: &[69921.01, 889.28, 190.88, 97.18, 19.76],
    bound: &[f64::NAN, 1000.0, 200.0, 100.0, 20.0],
    effective_bound: &[f64::NAN, 856.2, 190.7, 96.3, 19.8],
    p50_ms: &[],
    p99_ms: &[],
};

const ASYNC_BY_DELAY: Sweep = Sweep {
    name: "async-server",
    variant: 1,
    req_per_sec: &[101_254.41, 31673.55, 13978.09, 8346.54, 1917.80],
    bound: &[f64::NAN, 100_000.0, 20000.0, 10000.0, 2000.0],
    effective_bound: &[1_587_301.6, 46707.1, 15825.3, 8846.4, 1949.5],
    p50_ms: &[],
    p99_ms: &[],
};

const ASYNC_BLOCKING_BY_DELAY: Sweep = Sweep {
    name: "async-blocking-server",
    variant: 2,
    req_per_sec: &[88342.69, 868.15, 191.24, 97.22, 19.75],
    bound: &[f64::NAN, 1000.0, 200.0, 100.0, 20.0],
    effective_bound: &[f64::NAN, 871.1, 188.9, 97.5, 19.9],
    p50_ms: &[],
    p99_ms: &[],
};

const OFFLOAD_BY_DELAY: Sweep = Sweep {
    name: "async-blocking-offload",
    variant: 3,
    req_per_sec: &[85347.88, 35449.60, 17125.30, 9378.72, 1971.42],
    bound: &[f64::NAN, 100_000.0, 20000.0, 10000.0, 2000.0],
    effective_bound: &[1_098_901.1, 83822.3, 18768.8, 9650.6, 1985.2],
    p50_ms: &[],
    p99_ms: &[],
};

const SYNC_BY_WORKERS: Sweep = Sweep {
    name: "sync-server",
    variant: 0,
    req_per_sec: &[97.18, 196.56, 390.54, 783.83],
    bound: &[100.0, 200.0, 400.0, 800.0],
    effective_bound: &[],
    p50_ms: &[],
    p99_ms: &[],
};

const ASYNC_BLOCKING_BY_WORKERS: Sweep = Sweep {
    name: "async-blocking-server",
    variant: 2,
    req_per_sec: &[97.22, 194.50, 389.61, 777.49],
    bound: &[100.0, 200.0, 400.0, 800.0],
    effective_bound: &[],
    p50_ms: &[],
    p99_ms: &[],
};

fn zip(xs: &[f64], ys: &[f64]) -> Vec<(f64, f64)> {
    xs.iter().copied().zip(ys.iter().copied()).collect()
}

/// The measured line (labelled, with markers) and its bounds (dashed, dotted, unlabelled).
fn throughput_series(xs: &[f64], sweep: &Sweep) -> Vec<Series> {
    let mut series = vec![Series {
        label: Some(sweep.name.into()),
        variant: sweep.variant,
        stroke: Stroke::Solid,
        markers: true,
        points: zip(xs, sweep.req_per_sec),
    }];
    for (stroke, values) in [
        (Stroke::Dashed, sweep.bound),
        (Stroke::Dotted, sweep.effective_bound),
    ] {
        if !values.is_empty() {
            series.push(Series {
                label: None,
                variant: sweep.variant,
                stroke,
                markers: false,
                points: zip(xs, values),
            });
        }
    }
    series
}

fn bound_keys() -> Vec<(Stroke, String)> {
    vec![
        (Stroke::Solid, "measured".into()),
        (Stroke::Dashed, "bound: concurrency / delay".into()),
        (
            Stroke::Dotted,
            "effective bound: concurrency / unloaded latency".into(),
        ),
    ]
}

fn throughput_vs_connections() -> Chart {
    // async-blocking-server given sync-server's figures exactly: the worst case of overlap.
    let identical = Sweep {
        name: ASYNC_BLOCKING_BY_CONNECTIONS.name,
        variant: ASYNC_BLOCKING_BY_CONNECTIONS.variant,
        ..SYNC_BY_CONNECTIONS
    };
    let sweeps = [
        &SYNC_BY_CONNECTIONS,
        &ASYNC_BY_CONNECTIONS,
        &identical,
        &OFFLOAD_BY_CONNECTIONS,
    ];
    let mut series: Vec<Series> = sweeps
        .iter()
        .map(|sweep| throughput_series(&CONNECTIONS, sweep).remove(0))
        .collect();
    for sweep in sweeps {
        series.extend(throughput_series(&CONNECTIONS, sweep).into_iter().skip(1));
    }
    Chart {
        title: vec![
            "Throughput vs connections (10 ms delay per request, 1 worker)".into(),
            MACHINE.into(),
            SWEEP_LOAD.into(),
        ],
        width: 960,
        height: 640,
        panels: vec![Panel::Lines(LinePanel {
            title: String::new(),
            x: Axis::new("Connections (wrk -c, log scale)", Scale::Log),
            y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
            series,
            key: bound_keys(),
        })],
    }
}

fn latency_panel(title: &str, sweeps: &[&Sweep]) -> Panel {
    let mut series = Vec::new();
    for (stroke, pick) in [
        (
            Stroke::Solid,
            (|s: &Sweep| s.p50_ms) as fn(&Sweep) -> &'static [f64],
        ),
        (Stroke::Dashed, |s: &Sweep| s.p99_ms),
    ] {
        for sweep in sweeps {
            series.push(Series {
                label: (stroke == Stroke::Solid).then(|| sweep.name.into()),
                variant: sweep.variant,
                stroke,
                markers: true,
                points: zip(&CONNECTIONS, pick(sweep)),
            });
        }
    }
    Panel::Lines(LinePanel {
        title: title.into(),
        x: Axis::new("Connections (wrk -c, log scale)", Scale::Log),
        y: Axis::new("Latency (ms, log scale)", Scale::Log),
        series,
        key: vec![
            (Stroke::Solid, "p50".into()),
            (Stroke::Dashed, "p99".into()),
        ],
    })
}

fn latency_vs_connections() -> Chart {
    Chart {
        title: vec![
            "Latency vs connections: p50 and p99 (10 ms delay per request, 1 worker)".into(),
            MACHINE.into(),
            SWEEP_LOAD.into(),
        ],
        width: 1100,
        height: 600,
        panels: vec![
            latency_panel(
                "Blocking: one request at a time",
                &[&SYNC_BY_CONNECTIONS, &ASYNC_BLOCKING_BY_CONNECTIONS],
            ),
            latency_panel(
                "Non-blocking",
                &[&ASYNC_BY_CONNECTIONS, &OFFLOAD_BY_CONNECTIONS],
            ),
        ],
    }
}

fn throughput_vs_workers() -> Chart {
    let mut series = Vec::new();
    for sweep in [&SYNC_BY_WORKERS, &ASYNC_BLOCKING_BY_WORKERS] {
        series.extend(throughput_series(&WORKERS, sweep));
    }
    Chart {
        title: vec![
            "Throughput vs workers, blocking variants (100 connections, 10 ms delay)".into(),
            MACHINE.into(),
            SWEEP_LOAD.into(),
        ],
        width: 960,
        height: 600,
        panels: vec![Panel::Lines(LinePanel {
            title: String::new(),
            x: Axis {
                ticks: Some(WORKERS.to_vec()),
                ..Axis::new(
                    "Workers (handler threads, --workers, log scale)",
                    Scale::Log,
                )
            },
            y: Axis {
                range: (Some(0.0), None),
                ..Axis::new("Throughput (requests/s)", Scale::Linear)
            },
            series,
            key: vec![
                (Stroke::Solid, "measured".into()),
                (Stroke::Dashed, "bound: workers / delay".into()),
            ],
        })],
    }
}

fn throughput_vs_delay() -> Chart {
    let sweeps = [
        &SYNC_BY_DELAY,
        &ASYNC_BY_DELAY,
        &ASYNC_BLOCKING_BY_DELAY,
        &OFFLOAD_BY_DELAY,
    ];
    let mut series: Vec<Series> = sweeps
        .iter()
        .map(|sweep| throughput_series(&DELAYS_MS, sweep).remove(0))
        .collect();
    for sweep in sweeps {
        series.extend(throughput_series(&DELAYS_MS, sweep).into_iter().skip(1));
    }
    Chart {
        title: vec![
            "Throughput vs delay per request (100 connections, 1 worker)".into(),
            MACHINE.into(),
            SWEEP_LOAD.into(),
        ],
        width: 960,
        height: 640,
        panels: vec![Panel::Lines(LinePanel {
            title: String::new(),
            x: Axis::new("Delay per request (ms)", Scale::Linear),
            y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
            series,
            key: bound_keys(),
        })],
    }
}

fn seed_comparison() -> Chart {
    let categories: Vec<String> = ["sync-server", "async-server", "async-blocking-server"]
        .map(String::from)
        .to_vec();
    let group = |label: &str, color: usize, values: [f64; 3]| BarGroup {
        label: label.into(),
        color,
        values: values.map(Some).to_vec(),
    };
    Chart {
        title: vec![
            "The seed's comparison: wrk -t4 -c100 -d10s, 10 ms delay, 1 worker".into(),
            MACHINE.into(),
        ],
        width: 1100,
        height: 560,
        panels: vec![
            Panel::Bars(BarPanel {
                title: "Throughput against its bound".into(),
                categories: categories.clone(),
                x_label: "Variant".into(),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                groups: vec![
                    group("measured", 0, [97.82, 8220.93, 97.05]),
                    group("bound: concurrency / delay", 1, [100.0, 10000.0, 100.0]),
                ],
            }),
            Panel::Bars(BarPanel {
                title: "Latency".into(),
                categories,
                x_label: "Variant".into(),
                y: Axis::new("Latency (ms, log scale)", Scale::Log),
                groups: vec![
                    group("mean", 2, [969.868, 12.110, 976.855]),
                    group("p99", 3, [1028.809, 14.099, 1470.978]),
                    group("max", 4, [1029.023, 15.714, 1563.999]),
                ],
            }),
        ],
    }
}

/// No data at all; one point and all-equal values; a NaN gap and values at or below 0 on a
/// log axis; a bar panel with missing values.
fn edge_cases() -> Chart {
    let line = |variant: usize, label: &str, points: Vec<(f64, f64)>| Series {
        label: Some(label.into()),
        variant,
        stroke: Stroke::Solid,
        markers: true,
        points,
    };
    Chart {
        title: vec!["Edge cases: nothing to draw, one point, equal values, gaps".into()],
        width: 1400,
        height: 480,
        panels: vec![
            Panel::Lines(LinePanel {
                title: "No series".into(),
                x: Axis::new("Connections (log scale)", Scale::Log),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                series: Vec::new(),
                key: Vec::new(),
            }),
            Panel::Lines(LinePanel {
                title: "One point; all-equal values".into(),
                x: Axis::new("Connections", Scale::Linear),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                series: vec![
                    line(0, "one point", vec![(100.0, 97.0)]),
                    line(
                        1,
                        "all equal",
                        vec![(50.0, 97.0), (100.0, 97.0), (150.0, 97.0)],
                    ),
                ],
                key: Vec::new(),
            }),
            Panel::Lines(LinePanel {
                title: "NaN gap; 0 and -5 left out on log y".into(),
                x: Axis::new("Delay (ms)", Scale::Linear),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                series: vec![line(
                    2,
                    "with gaps",
                    vec![
                        (0.0, 500.0),
                        (1.0, 400.0),
                        (2.0, f64::NAN),
                        (3.0, 300.0),
                        (4.0, 0.0),
                        (5.0, 200.0),
                        (6.0, -5.0),
                        (7.0, 150.0),
                        (8.0, 120.0),
                    ],
                )],
                key: Vec::new(),
            }),
            Panel::Bars(BarPanel {
                title: "Missing bars".into(),
                categories: vec!["a".into(), "b".into(), "c".into()],
                x_label: "Variant".into(),
                y: Axis::new("Throughput (requests/s)", Scale::Linear),
                groups: vec![BarGroup {
                    label: "measured".into(),
                    color: 0,
                    values: vec![Some(97.0), None, Some(f64::NAN)],
                }],
            }),
        ],
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: chart-gallery <folder>  (writes sample charts there as SVG)");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&folder)?;
    let charts = [
        ("throughput-vs-connections", throughput_vs_connections()),
        ("latency-vs-connections", latency_vs_connections()),
        ("throughput-vs-workers", throughput_vs_workers()),
        ("throughput-vs-delay", throughput_vs_delay()),
        ("seed-comparison", seed_comparison()),
        ("edge-cases", edge_cases()),
    ];
    for (name, chart) in charts {
        let path = folder.join(format!("{name}.svg"));
        std::fs::write(&path, render_svg(&chart)?)?;
        println!("{}", path.display());
    }
    Ok(())
}
