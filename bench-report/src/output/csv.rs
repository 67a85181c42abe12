//! summary.csv: one row per point, every figure (latencies in µs), the same columns for a
//! bench and a sweep, so that a spreadsheet or a script can read any run; and [`to_string`],
//! which writes every CSV file of the report from rows whose field names are its header.

use serde::Serialize;

use crate::analysis::bounds::derive;
use crate::model::Run;
use crate::parse::meta::Span;

/// A CSV file of `rows`, quoted where needed, its header the field names of the row type (the
/// header alone where there is no row).
///
/// # Panics
/// Never: a row of strings and numbers is CSV, and writing to memory cannot fail.
pub fn to_string<R: Serialize + Default>(rows: impl IntoIterator<Item = R>) -> String {
    let mut rows = rows.into_iter().peekable();
    let header_only = rows.peek().is_none();
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows.chain(header_only.then(R::default)) {
        writer.serialize(row).expect("rows of scalars");
    }
    let mut csv = String::from_utf8(writer.into_inner().expect("in memory")).expect("UTF-8");
    if header_only {
        csv.truncate(csv.find('\n').map_or(0, |end| end + 1));
    }
    csv
}

/// A number with `decimals` decimals, or an empty cell.
pub fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

/// Microseconds, whole, or an empty cell.
pub fn us(value: Option<f64>) -> String {
    fixed(value, 0)
}

/// One row of summary.csv, its columns in order.
#[derive(Serialize, Default)]
struct Row<'a> {
    variant: &'a str,
    run: u32,
    status: String,
    family: Option<String>,
    kind: Option<&'a str>,
    threads: Option<u32>,
    connections: u32,
    duration: Option<&'a Span>,
    delay_ms: Option<u64>,
    workers: u32,
    timeout: Option<&'a Span>,
    requests: Option<u64>,
    duration_us: String,
    req_per_sec: String,
    latency_mean_us: String,
    latency_stdev_us: String,
    latency_max_us: String,
    latency_p50_us: String,
    latency_p75_us: String,
    latency_p90_us: String,
    latency_p99_us: String,
    latency_p99_9_us: String,
    errors_connect: Option<u64>,
    errors_read: Option<u64>,
    errors_write: Option<u64>,
    errors_status: Option<u64>,
    errors_timeout: Option<u64>,
    server_cpu_s: String,
    server_peak_rss_kb: Option<u64>,
    server_threads_max: Option<u32>,
    server_exit: Option<&'a str>,
    bound_req_per_sec: String,
    bound_fraction: String,
    in_flight: String,
    client_cpu_s: String,
    machine_cpu_busy_s: String,
    unloaded_latency_mean_us: String,
    unloaded_latency_p99_us: String,
    effective_bound_req_per_sec: String,
    effective_fraction: String,
    sweeps: String,
    url: Option<&'a str>,
    failure: Option<&'a str>,
}

/// summary.csv of `run`.
pub fn write(run: &Run) -> String {
    to_string(run.points.iter().map(|point| {
        let derived = derive(point);
        let wrk = point.wrk.as_ref();
        let latency = wrk.map(|r| &r.latency);
        let errors = wrk.map(|r| r.errors);
        let ok = point.status.is_ok();
        let unloaded = point.unloaded.as_ref().map(|u| &u.latency);
        Row {
            variant: &point.variant.name,
            run: point.run,
            status: match point.status.outcome() {
                "INTERRUPTED" => "running".to_owned(),
                outcome => outcome.to_lowercase(),
            },
            family: point.variant.family.map(|family| family.to_string()),
            kind: point.variant.kind.as_deref(),
            threads: point.load.threads,
            connections: point.load.connections,
            duration: point.load.duration.as_ref(),
            delay_ms: point.load.delay_ms,
            workers: point.load.workers,
            timeout: point.load.timeout.as_ref(),
            requests: wrk.map(|r| r.requests),
            duration_us: us(wrk.map(|r| r.duration_us)),
            req_per_sec: fixed(wrk.map(|r| r.req_per_sec), 2),
            latency_mean_us: us(latency.and_then(|l| l.mean_us)),
            latency_stdev_us: us(latency.and_then(|l| l.stdev_us)),
            latency_max_us: us(latency.and_then(|l| l.max_us)),
            latency_p50_us: us(latency.and_then(|l| l.p50_us)),
            latency_p75_us: us(latency.and_then(|l| l.p75_us)),
            latency_p90_us: us(latency.and_then(|l| l.p90_us)),
            latency_p99_us: us(latency.and_then(|l| l.p99_us)),
            latency_p99_9_us: us(latency.and_then(|l| l.p99_9_us)),
            errors_connect: errors.map(|e| e.connect),
            errors_read: errors.map(|e| e.read),
            errors_write: errors.map(|e| e.write),
            errors_status: errors.map(|e| e.status),
            errors_timeout: errors.map(|e| e.timeout),
            server_cpu_s: fixed(point.samples.server_cpu_s, 2),
            server_peak_rss_kb: point.samples.server_peak_rss_kb,
            server_threads_max: point.samples.server_threads_max,
            server_exit: point.samples.server_exit.as_deref(),
            bound_req_per_sec: fixed(derived.bound, 1),
            bound_fraction: fixed(derived.fraction.filter(|_| ok), 3),
            in_flight: fixed(derived.in_flight.filter(|_| ok), 2),
            client_cpu_s: fixed(point.samples.client_cpu_s, 2),
            machine_cpu_busy_s: fixed(point.samples.machine_cpu_busy_s, 2),
            unloaded_latency_mean_us: us(unloaded.and_then(|l| l.mean_us)),
            unloaded_latency_p99_us: us(unloaded.and_then(|l| l.p99_us)),
            effective_bound_req_per_sec: fixed(derived.effective_bound, 1),
            effective_fraction: fixed(derived.effective_fraction.filter(|_| ok), 3),
            sweeps: point.sweeps.join(","),
            url: point.url.as_deref(),
            failure: point.status.reason(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Default)]
    struct Cells {
        name: &'static str,
        count: Option<u32>,
    }

    #[test]
    fn the_header_is_the_field_names_and_fields_are_quoted_only_where_needed() {
        let rows = [("plain", Some(1)), ("a,b", None), ("say \"hi\"", Some(3))];
        let csv = to_string(rows.map(|(name, count)| Cells { name, count }));
        assert_eq!(csv, "name,count\nplain,1\n\"a,b\",\n\"say \"\"hi\"\"\",3\n");
        assert_eq!(to_string(Vec::<Cells>::new()), "name,count\n");
    }
}
