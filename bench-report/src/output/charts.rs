//! Which charts a run gets, described for [`crate::chart`] to draw, each with its data as a
//! CSV file beside it: the bench's comparison bars, and the sweep's curves.

use serde::Serialize;

use crate::analysis::bounds::derive;
use crate::analysis::runs::{merge, Merged};
use crate::analysis::sweep::{self, Sweep};
use crate::chart::{Axis, BarGroup, BarPanel, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::{Point, Run};
use crate::output::csv::{fixed, to_string};
use crate::output::sweep::{base, load_text, variants};
use crate::parse::meta::{or, or_unknown};

/// A chart to draw and the data it shows.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Its file name in charts/, without extension.
    pub file: &'static str,
    /// The chart.
    pub chart: Chart,
    /// Its data, as CSV.
    pub data: String,
}

/// The machine line of every chart title.
pub fn machine(run: &Run) -> String {
    if let Some(hosts) = hosts_title(run, "wrk") {
        return hosts;
    }
    let cpu = or(run.meta.cpu_model.as_ref(), "unknown CPU");
    match crate::output::bench::placement(run) {
        Some(crate::output::bench::Placement::Split { servers, client }) => {
            format!("{cpu}, the servers on core(s) {servers}, wrk on core(s) {client}")
        }
        _ => format!(
            "{cpu}, {} cores shared by wrk and the servers",
            or_unknown(run.meta.cores)
        ),
    }
}

/// A chart title's line for a run on hosts of their own (meta.json's `hosts`): each role's
/// hosts by name, with the servers' CPU ("the servers on srv1 (AMD EPYC 7B13, 2 cores);
/// wrk on lab1 and lab2"); `None` for a run on one machine.
pub fn hosts_title(run: &Run, client: &str) -> Option<String> {
    let hosts = &run.meta.hosts;
    if hosts.is_empty() {
        return None;
    }
    Some(crate::output::bench::hosts_text(
        hosts,
        client,
        |host| match (&host.cpu_model, &host.cores) {
            (Some(cpu), Some(cores)) if host.role == "server" => {
                format!("{} ({cpu}, {cores} cores)", host.name())
            }
            _ => host.name().to_owned(),
        },
    ))
}

/// The bench's chart: throughput against its bound, and latency, per measured point.
#[allow(clippy::too_many_lines)]
pub fn bench(run: &Run) -> Option<Planned> {
    // One bar per variant: with RUNS > 1, the runs' means (their spread is in the report's
    // table), so that six variants of three runs stay six readable names, not eighteen.
    let merged: Vec<Merged<'_>> = run
        .variant_names()
        .into_iter()
        .filter_map(|name| {
            let measured: Vec<&Point> = run
                .points
                .iter()
                .filter(|p| p.variant.name == name && p.status.is_ok())
                .collect();
            (!measured.is_empty()).then(|| merge(measured))
        })
        .collect();
    if merged.is_empty() {
        return None;
    }
    let points: Vec<&Point> = merged.iter().map(|m| &m.point).collect();
    let runs = merged.iter().map(Merged::measured_runs).max().unwrap_or(1);
    let categories: Vec<String> = points.iter().map(|p| p.variant.name.clone()).collect();
    let measured: Vec<Option<f64>> = points
        .iter()
        .map(|p| p.measured().map(|r| r.req_per_sec))
        .collect();
    let bounds: Vec<Option<f64>> = points.iter().map(|p| derive(p).bound).collect();
    let latency = |pick: fn(&crate::parse::wrk::Latency) -> Option<f64>| -> Vec<Option<f64>> {
        points
            .iter()
            .map(|p| {
                p.measured()
                    .and_then(|r| pick(&r.latency))
                    .map(|us| us / 1000.0)
            })
            .collect()
    };
    let (mean, p99, max) = (
        latency(|l| l.mean_us),
        latency(|l| l.p99_us),
        latency(|l| l.max_us),
    );
    let meta = &run.meta;
    let chart = Chart {
        title: vec![
            format!(
                "The seed's comparison: wrk {} -c{} -d{}, {} ms delay, {} worker(s)",
                crate::output::bench::threads_flag(&run.points),
                or_unknown(meta.connections),
                or_unknown(meta.duration.as_ref()),
                or_unknown(meta.delay_ms),
                or_unknown(meta.workers)
            ),
            machine(run),
        ],
        width: 1100,
        height: 560,
        panels: vec![
            Panel::Bars(BarPanel {
                title: "Throughput against its Little's-law bound".to_owned(),
                categories: categories.clone(),
                x_label: "Variant".to_owned(),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                groups: vec![
                    BarGroup {
                        label: of_runs("measured", runs),
                        color: 0,
                        values: measured.clone(),
                    },
                    BarGroup {
                        label: "bound: concurrency / delay".to_owned(),
                        color: 1,
                        values: bounds.clone(),
                    },
                ],
            }),
            Panel::Bars(BarPanel {
                title: "Latency".to_owned(),
                categories: categories.clone(),
                x_label: "Variant".to_owned(),
                y: Axis::new("Latency (ms, log scale)", Scale::Log),
                groups: vec![
                    BarGroup {
                        label: of_runs("mean", runs),
                        color: 2,
                        values: mean.clone(),
                    },
                    BarGroup {
                        label: of_runs("p99", runs),
                        color: 3,
                        values: p99.clone(),
                    },
                    BarGroup {
                        label: match runs {
                            1 => "max".to_owned(),
                            _ => "max (the largest of the runs)".to_owned(),
                        },
                        color: 4,
                        values: max.clone(),
                    },
                ],
            }),
        ],
    };
    let rows = categories.iter().enumerate().map(|(i, variant)| SeedRow {
        variant,
        req_per_sec: fixed(measured[i], 3),
        bound_req_per_sec: fixed(bounds[i], 3),
        mean_ms: fixed(mean[i], 3),
        p99_ms: fixed(p99[i], 3),
        max_ms: fixed(max[i], 3),
    });
    Some(Planned {
        file: "seed-comparison",
        chart,
        data: to_string(rows),
    })
}

/// "measured", or "measured (mean of 3 runs)".
fn of_runs(label: &str, runs: usize) -> String {
    match runs {
        1 => label.to_owned(),
        _ => format!("{label} (mean of {runs} runs)"),
    }
}

/// One line of a sweep chart and its data rows.
struct Line {
    series: Series,
    name: &'static str,
}

fn line(
    label: Option<&str>,
    variant: usize,
    stroke: Stroke,
    markers: bool,
    name: &'static str,
    points: Vec<(f64, f64)>,
) -> Line {
    Line {
        series: Series {
            label: label.map(str::to_owned),
            variant,
            stroke,
            markers,
            points,
        },
        name,
    }
}

/// The lines of `sweep` for one variant: measured (and its bounds), or latencies.
fn throughput_lines(
    points: &[Merged<'_>],
    sweep: Sweep,
    variant: usize,
    name: &str,
    with_effective: bool,
) -> Vec<Line> {
    let measured: Vec<&Point> = points
        .iter()
        .map(|m| &m.point)
        .filter(|p| p.status.is_ok())
        .collect();
    let xy = |pick: &dyn Fn(&Point) -> Option<f64>| -> Vec<(f64, f64)> {
        measured
            .iter()
            .filter_map(|p| pick(p).map(|y| (sweep.x(p), y)))
            .collect()
    };
    let mut lines = vec![
        line(
            Some(name),
            variant,
            Stroke::Solid,
            true,
            "measured",
            xy(&|p| p.measured().map(|r| r.req_per_sec)),
        ),
        line(
            None,
            variant,
            Stroke::Dashed,
            false,
            "bound",
            xy(&|p| derive(p).bound),
        ),
    ];
    if with_effective {
        lines.push(line(
            None,
            variant,
            Stroke::Dotted,
            false,
            "effective",
            xy(&|p| derive(p).effective_bound),
        ));
    }
    lines.retain(|l| !l.series.points.is_empty());
    lines
}

fn latency_lines(points: &[Merged<'_>], variant: usize, name: &str) -> Vec<Line> {
    let measured: Vec<&Point> = points
        .iter()
        .map(|m| &m.point)
        .filter(|p| p.status.is_ok())
        .collect();
    let xy = |pick: fn(&crate::parse::wrk::Latency) -> Option<f64>| -> Vec<(f64, f64)> {
        measured
            .iter()
            .filter_map(|p| {
                let us = p.measured().and_then(|r| pick(&r.latency))?;
                Some((f64::from(p.load.connections), us / 1000.0))
            })
            .collect()
    };
    vec![
        line(
            Some(&format!("{name} p50")),
            variant,
            Stroke::Solid,
            true,
            "p50",
            xy(|l| l.p50_us),
        ),
        line(
            Some(&format!("{name} p99")),
            variant,
            Stroke::Dashed,
            true,
            "p99",
            xy(|l| l.p99_us),
        ),
    ]
}

/// One row of the seed comparison's data: a variant's bars.
#[derive(Serialize, Default)]
struct SeedRow<'a> {
    variant: &'a str,
    req_per_sec: String,
    bound_req_per_sec: String,
    mean_ms: String,
    p99_ms: String,
    max_ms: String,
}

/// One row of a line chart's data: a point of one series.
#[derive(Serialize, Default)]
pub struct LineRow<'a> {
    panel: &'a str,
    variant: &'a str,
    series: &'a str,
    x: String,
    y: String,
}

impl<'a> LineRow<'a> {
    /// The point (`x`, `y`) of `series` of `variant` in `panel` (empty where there is one).
    pub fn new(panel: &'a str, variant: &'a str, series: &'a str, (x, y): (f64, f64)) -> Self {
        Self {
            panel,
            variant,
            series,
            x: x.to_string(),
            y: y.to_string(),
        }
    }
}

fn data_of(panels: &[(String, Vec<(String, Line)>)]) -> String {
    to_string(panels.iter().flat_map(|(panel, lines)| {
        lines.iter().flat_map(move |(variant, line)| {
            let points = line.series.points.iter();
            points.map(move |&xy| LineRow::new(panel, variant, line.name, xy))
        })
    }))
}

const THROUGHPUT_KEY: [(Stroke, &str); 3] = [
    (Stroke::Solid, "measured"),
    (Stroke::Dashed, "bound: concurrency / delay"),
    (Stroke::Dotted, "effective: concurrency / unloaded latency"),
];

/// The sweep's charts (those with a measured point), each described in full in one place.
#[allow(clippy::too_many_lines)]
pub fn sweep(run: &Run) -> Vec<Planned> {
    let base = base(run);
    let names = variants(run);
    let heading = |what: String| vec![what, format!("{}; {}", machine(run), load_text(run))];
    let mut planned = Vec::new();

    let throughput = |sweep: Sweep, with_effective: bool| -> Vec<(String, Line)> {
        names
            .iter()
            .enumerate()
            .flat_map(|(index, name)| {
                let points = sweep::curve(run, sweep, base, name);
                throughput_lines(&points, sweep, index, name, with_effective)
                    .into_iter()
                    .map(|l| (name.clone(), l))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let key = |with_effective: bool| -> Vec<(Stroke, String)> {
        THROUGHPUT_KEY
            .iter()
            .filter(|(stroke, _)| with_effective || *stroke != Stroke::Dotted)
            .map(|(stroke, text)| (*stroke, (*text).to_owned()))
            .collect()
    };
    let has_measured = |lines: &[(String, Line)]| lines.iter().any(|(_, l)| l.name == "measured");

    // Throughput against connections.
    let lines = throughput(Sweep::Connections, true);
    if has_measured(&lines) {
        let panel = LinePanel {
            title: String::new(),
            x: Axis::new("Connections (wrk -c, log scale)", Scale::Log),
            y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
            series: lines.iter().map(|(_, l)| l.series.clone()).collect(),
            key: key(true),
        };
        planned.push(Planned {
            file: "throughput-vs-connections",
            chart: Chart {
                title: heading(format!(
                    "Throughput vs connections ({} ms delay per request, 1 worker)",
                    base.delay_ms
                )),
                width: 1000,
                height: 620,
                panels: vec![Panel::Lines(panel)],
            },
            data: data_of(&[(String::new(), lines)]),
        });

        // Latency against connections: blocking waits and overlapping waits apart, so the
        // async variants' 10-20 ms are not squashed under the blocking ones' seconds.
        let mut groups: Vec<(String, Vec<(String, Line)>)> = Vec::new();
        for (title, blocks) in [
            ("Waits that block a thread", true),
            ("Waits that overlap", false),
        ] {
            let lines: Vec<(String, Line)> = names
                .iter()
                .enumerate()
                .filter(|(_, name)| {
                    sweep::curve(run, Sweep::Connections, base, name)
                        .first()
                        .is_some_and(|m| (m.point.variant.blocks == Some(true)) == blocks)
                })
                .flat_map(|(index, name)| {
                    let points = sweep::curve(run, Sweep::Connections, base, name);
                    latency_lines(&points, index, name)
                        .into_iter()
                        .map(|l| (name.clone(), l))
                        .collect::<Vec<_>>()
                })
                .filter(|(_, l)| !l.series.points.is_empty())
                .collect();
            if !lines.is_empty() {
                groups.push((title.to_owned(), lines));
            }
        }
        let panels = groups
            .iter()
            .map(|(title, lines)| {
                Panel::Lines(LinePanel {
                    title: title.clone(),
                    x: Axis::new("Connections (wrk -c, log scale)", Scale::Log),
                    y: Axis::new("Latency (ms, log scale)", Scale::Log),
                    series: lines.iter().map(|(_, l)| l.series.clone()).collect(),
                    key: vec![
                        (Stroke::Solid, "p50".to_owned()),
                        (Stroke::Dashed, "p99".to_owned()),
                    ],
                })
            })
            .collect::<Vec<_>>();
        planned.push(Planned {
            file: "latency-vs-connections",
            chart: Chart {
                title: heading(format!(
                    "Latency vs connections: p50 and p99 ({} ms delay per request, 1 worker)",
                    base.delay_ms
                )),
                width: if panels.len() > 1 { 1300 } else { 1000 },
                height: 620,
                panels,
            },
            data: data_of(&groups),
        });
    }

    // Throughput against the delay.
    let lines = throughput(Sweep::Delay, true);
    if has_measured(&lines) {
        planned.push(Planned {
            file: "throughput-vs-delay",
            chart: Chart {
                title: heading(format!(
                    "Throughput vs delay per request ({} connections, 1 worker)",
                    base.connections
                )),
                width: 1000,
                height: 620,
                panels: vec![Panel::Lines(LinePanel {
                    title: String::new(),
                    x: Axis::new("Delay per request (ms)", Scale::Linear),
                    y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                    series: lines.iter().map(|(_, l)| l.series.clone()).collect(),
                    key: key(true),
                })],
            },
            data: data_of(&[(String::new(), lines)]),
        });
    }

    // Throughput against workers.
    let lines = throughput(Sweep::Workers, false);
    if has_measured(&lines) {
        let mut ticks: Vec<f64> = lines
            .iter()
            .flat_map(|(_, l)| l.series.points.iter().map(|(x, _)| *x))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        planned.push(Planned {
            file: "throughput-vs-workers",
            chart: Chart {
                title: heading(format!(
                    "Throughput vs workers, blocking variants ({} connections, {} ms delay)",
                    base.connections, base.delay_ms
                )),
                width: 1000,
                height: 620,
                panels: vec![Panel::Lines(LinePanel {
                    title: String::new(),
                    x: Axis {
                        ticks: Some(ticks),
                        ..Axis::new(
                            "Workers (handler threads, --workers, log scale)",
                            Scale::Log,
                        )
                    },
                    y: Axis {
                        range: (Some(0.0), None),
                        ..Axis::new("Throughput (requests/s)", Scale::Linear)
                    },
                    series: lines.iter().map(|(_, l)| l.series.clone()).collect(),
                    key: key(false),
                })],
            },
            data: data_of(&[(String::new(), lines)]),
        });
    }
    planned
}
