//! summary.csv: one row per point, every figure (latencies in µs), the same columns for a
//! bench and a sweep, so that a spreadsheet or a script can read any run.

use std::fmt::Write as _;

use crate::analysis::bounds::derive;
use crate::model::{Point, Run};

/// The columns, in order.
pub const COLUMNS: [&str; 43] = [
    "variant",
    "run",
    "status",
    "family",
    "kind",
    "threads",
    "connections",
    "duration",
    "delay_ms",
    "workers",
    "timeout",
    "requests",
    "duration_us",
    "req_per_sec",
    "latency_mean_us",
    "latency_stdev_us",
    "latency_max_us",
    "latency_p50_us",
    "latency_p75_us",
    "latency_p90_us",
    "latency_p99_us",
    "latency_p99_9_us",
    "errors_connect",
    "errors_read",
    "errors_write",
    "errors_status",
    "errors_timeout",
    "server_cpu_s",
    "server_peak_rss_kb",
    "server_threads_max",
    "server_exit",
    "bound_req_per_sec",
    "bound_fraction",
    "in_flight",
    "client_cpu_s",
    "machine_cpu_busy_s",
    "unloaded_latency_mean_us",
    "unloaded_latency_p99_us",
    "effective_bound_req_per_sec",
    "effective_fraction",
    "sweeps",
    "url",
    "failure",
];

/// summary.csv of `run`.
pub fn write(run: &Run) -> String {
    let mut csv = COLUMNS.join(",");
    csv.push('\n');
    for point in &run.points {
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|column| field(&value(point, column)))
            .collect();
        let _ = writeln!(csv, "{}", row.join(","));
    }
    csv
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn us(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.0}"))
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

/// One cell of `point`'s row.
fn value(point: &Point, column: &str) -> String {
    let derived = derive(point);
    let wrk = point.wrk.as_ref();
    let latency = wrk.map(|r| &r.latency);
    let errors = wrk.map(|r| r.errors);
    let ok = point.status.is_ok();
    match column {
        "variant" => point.variant.name.clone(),
        "run" => point.run.to_string(),
        "status" => match point.status.outcome() {
            "ok" => "ok".to_owned(),
            "FAILED" => "failed".to_owned(),
            "SKIPPED" => "skipped".to_owned(),
            _ => "running".to_owned(),
        },
        "family" => opt(point.variant.family),
        "kind" => opt(point.variant.kind.as_ref()),
        "threads" => opt(point.load.threads),
        "connections" => point.load.connections.to_string(),
        "duration" => opt(point.load.duration.as_ref()),
        "delay_ms" => opt(point.load.delay_ms),
        "workers" => point.load.workers.to_string(),
        "timeout" => opt(point.load.timeout.as_ref()),
        "requests" => opt(wrk.map(|r| r.requests)),
        "duration_us" => us(wrk.map(|r| r.duration_us)),
        "req_per_sec" => fixed(wrk.map(|r| r.req_per_sec), 2),
        "latency_mean_us" => us(latency.and_then(|l| l.mean_us)),
        "latency_stdev_us" => us(latency.and_then(|l| l.stdev_us)),
        "latency_max_us" => us(latency.and_then(|l| l.max_us)),
        "latency_p50_us" => us(latency.and_then(|l| l.p50_us)),
        "latency_p75_us" => us(latency.and_then(|l| l.p75_us)),
        "latency_p90_us" => us(latency.and_then(|l| l.p90_us)),
        "latency_p99_us" => us(latency.and_then(|l| l.p99_us)),
        "latency_p99_9_us" => us(latency.and_then(|l| l.p99_9_us)),
        "errors_connect" => opt(errors.map(|e| e.connect)),
        "errors_read" => opt(errors.map(|e| e.read)),
        "errors_write" => opt(errors.map(|e| e.write)),
        "errors_status" => opt(errors.map(|e| e.status)),
        "errors_timeout" => opt(errors.map(|e| e.timeout)),
        "server_cpu_s" => fixed(point.samples.server_cpu_s, 2),
        "server_peak_rss_kb" => opt(point.samples.server_peak_rss_kb),
        "server_threads_max" => opt(point.samples.server_threads_max),
        "server_exit" => opt(point.samples.server_exit.as_ref()),
        "bound_req_per_sec" => fixed(derived.bound, 1),
        "bound_fraction" => fixed(derived.fraction.filter(|_| ok), 3),
        "in_flight" => fixed(derived.in_flight.filter(|_| ok), 2),
        "client_cpu_s" => fixed(point.samples.client_cpu_s, 2),
        "machine_cpu_busy_s" => fixed(point.samples.machine_cpu_busy_s, 2),
        "unloaded_latency_mean_us" => us(point.unloaded.as_ref().and_then(|u| u.latency.mean_us)),
        "unloaded_latency_p99_us" => us(point.unloaded.as_ref().and_then(|u| u.latency.p99_us)),
        "effective_bound_req_per_sec" => fixed(derived.effective_bound, 1),
        "effective_fraction" => fixed(derived.effective_fraction.filter(|_| ok), 3),
        "sweeps" => point.sweeps.join(","),
        "url" => opt(point.url.as_ref()),
        "failure" => opt(point.status.reason()),
        _ => String::new(),
    }
}

/// A CSV field, quoted where it holds a comma, a quote or a line break.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_where_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("connections,delay"), "\"connections,delay\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
