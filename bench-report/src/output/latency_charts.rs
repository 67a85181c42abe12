//! The charts of a latency run, described for [`crate::chart`] to draw, each with its data
//! as CSV beside it: latency against offered load as a fraction of each variant's bound (the
//! hockey stick: flat at the unloaded latency, then up where the queue starts), and the same
//! against absolute requests per second.

use crate::analysis::latency::{series, Measured};
use crate::chart::{Axis, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::Run;
use crate::output::charts::{LineRow, Planned};
use crate::output::csv::to_string;
use crate::parse::meta::or_unknown;
use crate::parse::oha::Length;
use crate::parse::wrk::Latency;

/// Picks one latency figure, µs.
pub type Pick = fn(&Latency) -> Option<f64>;

/// The percentiles drawn, each with its stroke and its name in the data.
const PERCENTILES: [(Stroke, &str, Pick); 3] = [
    (Stroke::Solid, "p50", |l| l.p50_us),
    (Stroke::Dashed, "p99", |l| l.p99_us),
    (Stroke::Dotted, "p99.9", |l| l.p99_9_us),
];

/// The file and the alt text of each chart, in the order the summary shows them.
pub const CHARTS: [(&str, &str); 2] = [
    (
        "latency-vs-load",
        "Latency against offered load, as a fraction of each variant's bound",
    ),
    (
        "latency-vs-rate",
        "Latency against offered load in requests per second",
    ),
];

/// The title lines every latency chart shares: the machine, and the load.
fn heading(run: &Run, what: &str) -> Vec<String> {
    let machine = crate::output::charts::hosts_title(run, "oha").unwrap_or_else(|| {
        format!(
            "{}, {} cores shared by oha and the servers",
            or_unknown(run.meta.cpu_model.as_ref()),
            or_unknown(run.meta.cores)
        )
    });
    vec![
        what.to_owned(),
        format!(
            "{machine}; oha {} -q RATE --latency-correction, {} per point, {} ms delay",
            or_unknown(run.meta.oha_version.as_ref()),
            or_unknown(run.meta.duration.as_ref()),
            or_unknown(run.meta.delay_ms),
        ),
    ]
}

/// One line per variant and percentile, x given by `x`; with its data rows.
fn lines(
    run: &Run,
    variants: &[String],
    x: fn(&Measured<'_>) -> Option<f64>,
) -> (Vec<Series>, String) {
    let mut drawn = Vec::new();
    let mut rows = Vec::new();
    for (index, name) in variants.iter().enumerate() {
        let points = series(run, name, Length::Full);
        for (stroke, percentile, pick) in PERCENTILES {
            let xy: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|m| Some((x(m)?, pick(&m.report.latency)? / 1000.0)))
                .collect();
            if xy.is_empty() {
                continue;
            }
            rows.extend(xy.iter().map(|&xy| LineRow::new("", name, percentile, xy)));
            drawn.push(Series {
                label: Some(format!("{name} {percentile}")),
                variant: index,
                stroke,
                markers: true,
                points: xy,
            });
        }
    }
    (drawn, to_string(rows))
}

fn key() -> Vec<(Stroke, String)> {
    PERCENTILES
        .iter()
        .map(|(stroke, name, _)| (*stroke, (*name).to_owned()))
        .collect()
}

const LATENCY_AXIS: &str = "Latency from each request's due time (ms, log scale)";

/// The two charts of a latency run (none without a measured point).
pub fn latency(run: &Run, variants: &[String]) -> Vec<Planned> {
    let mut planned = Vec::new();
    let (by_fraction, data) = lines(run, variants, |m| m.load.fraction);
    if !by_fraction.is_empty() {
        let mut ticks: Vec<f64> = by_fraction
            .iter()
            .flat_map(|s| s.points.iter().map(|(x, _)| *x))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        planned.push(Planned {
            file: CHARTS[0].0,
            chart: Chart {
                title: heading(
                    run,
                    "Latency against offered load, as a fraction of each variant's Little's-law bound",
                ),
                width: 1100,
                height: 660,
                panels: vec![Panel::Lines(LinePanel {
                    title: String::new(),
                    x: Axis {
                        ticks: Some(ticks),
                        range: (Some(0.0), None),
                        ..Axis::new(
                            "Offered load / the variant's bound (concurrency / delay)",
                            Scale::Linear,
                        )
                    },
                    y: Axis::new(LATENCY_AXIS, Scale::Log),
                    series: by_fraction,
                    key: key(),
                })],
            },
            data,
        });
    }
    let (by_rate, data) = lines(run, variants, |m| Some(m.load.rate));
    if !by_rate.is_empty() {
        planned.push(Planned {
            file: CHARTS[1].0,
            chart: Chart {
                title: heading(run, "Latency against offered load in requests per second"),
                width: 1100,
                height: 660,
                panels: vec![Panel::Lines(LinePanel {
                    title: String::new(),
                    x: Axis::new("Offered load (requests/s, log scale)", Scale::Log),
                    y: Axis::new(LATENCY_AXIS, Scale::Log),
                    series: by_rate,
                    key: key(),
                })],
            },
            data,
        });
    }
    planned
}
