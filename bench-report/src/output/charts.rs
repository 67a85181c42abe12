//! What every kind's charts share: a chart planned with its data, the machine line of its
//! title, and the rows of a line chart's data. Each kind of run draws its own charts (in
//! its module: `bench::chart`, `sweep::charts`, `latency::charts`, ...) for [`crate::chart`]
//! to draw.

use serde::Serialize;

use crate::chart::Chart;
use crate::model::Run;
use crate::output::sections::{hosts_text, placement, Placement};
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
pub fn machine_title(run: &Run) -> String {
    if let Some(hosts) = hosts_title(run, "wrk") {
        return hosts;
    }
    let cpu = or(run.meta.cpu_model.as_ref(), "unknown CPU");
    match placement(run) {
        Some(Placement::Split { servers, client }) => {
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
    Some(hosts_text(hosts, client, |host| {
        match (&host.cpu_model, &host.cores) {
            (Some(cpu), Some(cores)) if host.role == "server" => {
                format!("{} ({cpu}, {cores} cores)", host.name())
            }
            _ => host.name().to_owned(),
        }
    }))
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
