//! summary.md and the chart of a timer sweep (`make sweep-timer`): per connection count, a
//! table of tokio's timer and the timerfd at each slack; each slack against the targets;
//! throughput and CPU per request against the slack.

use std::fmt::Write as _;

use crate::analysis::timer_sweep::{
    self, TimerRow, HIGH_LOAD_CONNECTIONS, HIGH_LOAD_TARGET, SEED_CONNECTIONS, SEED_TARGET,
};
use crate::analysis::variants::Spread;
use crate::chart::{Axis, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::Run;
use crate::output::charts::{machine_title, Planned};
use crate::output::csv::{fixed, to_string};
use crate::output::format::{ms, number, pct, pct_against, thousands};
use crate::output::quote::{self, chart_images, opening, runs_text};
use crate::output::sections::{
    chart_line, core_use, cores_line, incomplete_banner, machine_line, spread_text, threads_flag,
    CoreUse,
};
use crate::output::table::Table;
use crate::parse::meta::or_unknown;
use std::path::Path;

/// The chart's file, without extension, and what it shows.
pub const CHART: (&str, &str) = (
    "timer-slack",
    "Throughput and CPU per request against the timerfd's slack, tokio's timer beside them",
);

/// summary.md of a timer sweep.
pub fn summary(run: &Run, drawn: &[&str]) -> String {
    let mut md = format!("# Timer sweep {}\n\n", run.id());
    incomplete_banner(&mut md, run, "The chart and tables");
    let _ = writeln!(
        md,
        "async-server on tokio's timer (`--timer tokio`) and on the timerfd (`--timer timerfd --timer-slack S`) at each slack S of {} µs, at {} connections, {} ms per request, 1 worker; `wrk {} -d{} --timeout {}` per point {}, each point a fresh server with its unloaded latency first (`wrk -t1 -c1 -d{}`); {} run(s), interleaved.\n{}\n{}\n",
        or_unknown(run.meta.slacks_us.as_ref()),
        or_unknown(run.meta.connections_list.as_ref()),
        or_unknown(run.meta.delay_ms),
        threads_flag(&run.points),
        or_unknown(run.meta.duration.as_ref()),
        or_unknown(run.meta.timeout.as_ref()),
        match or_unknown(run.meta.warmup.as_ref()).as_str() {
            "0" => "with no warm-up".to_owned(),
            warmup => format!("after a {warmup} warm-up"),
        },
        or_unknown(run.meta.primer.as_ref()),
        or_unknown(run.meta.runs),
        machine_line(run),
        cores_line(run),
    );
    let rows = timer_sweep::rows(run);
    if rows.is_empty() {
        md.push_str("No points were measured.\n");
        return md;
    }
    let has_data = rows.iter().any(|row| row.measured() > 0);
    chart_line(&mut md, CHART.0, CHART.1, drawn, has_data);
    tables(&mut md, run, &rows);
    targets_section(&mut md, &rows);
    md.push_str(COLUMNS);
    crate::output::sections::load_generators_section(&mut md, run, "## Load generators");
    md
}

/// What the columns mean.
const COLUMNS: &str = "
## The columns

- **Req/sec**, **Of bound**: wrk's, against Little's law, connections / delay. With several runs, the mean and the smallest and largest in brackets.
- **Unloaded latency**: one request alone (`wrk -t1 -c1`): the delay, what the timer adds to it, and the round trip.
- **CPU per request**: the server's CPU seconds during the measured run over the requests it answered.
- **Loop wake-ups/s**: how often the event loop went idle and was woken (tokio's park count, from the server's `GET /stats` read before and after the measured run); **timer wake-ups/s**: the timerfd's expiries (tokio's timer wheel does not count its own). **Requests per wake-up**: req/s over loop wake-ups/s: how much work each wake-up found.
- **Own cores used**: the CPU the server and wrk each used, as a share of the cores each could run on (all of them where they share the cores).
";

/// One table per connection count: tokio's timer, then the timerfd by slack.
pub fn tables(md: &mut String, run: &Run, rows: &[TimerRow<'_>]) {
    let mut connections: Vec<u32> = rows.iter().map(|row| row.connections).collect();
    connections.dedup();
    for count in connections {
        let group: Vec<&TimerRow<'_>> = rows.iter().filter(|r| r.connections == count).collect();
        let bound = group.iter().find_map(|row| row.bound());
        let bound = bound.map_or(String::new(), |b| {
            format!(" (bound {} req/s)", thousands(b))
        });
        let _ = writeln!(
            md,
            "### {} connections{bound}\n",
            thousands(f64::from(count))
        );
        let mut table = Table::new(md, "Timer | Req/sec | Of bound | Unloaded latency | CPU per request | Loop wake-ups/s | Timer wake-ups/s | Requests per wake-up | Own cores used");
        for row in group {
            if row.measured() == 0 {
                let why = row
                    .runs
                    .iter()
                    .find_map(|p| p.status.reason().map(str::to_owned))
                    .unwrap_or_else(|| "not measured".to_owned());
                let outcome = row.runs.first().map_or("FAILED", |p| p.status.outcome());
                table.row(&[&row.name(), &format!("{outcome}: {why}")]);
                continue;
            }
            table.row(&[
                &row.name(),
                &spread_text(row.rate(), thousands),
                &spread_text(row.of_bound(), |f| pct_against(f, SEED_TARGET)),
                &spread_text(row.unloaded_us(), |us| ms(Some(us))),
                &spread_text(row.cpu_per_request_us(), cpu_us),
                &spread_text(row.loop_wakeups_per_s(), thousands),
                &spread_text(row.timer_wakeups_per_s(), thousands),
                &spread_text(row.requests_per_loop_wakeup(), |r| format!("{r:.1}")),
                &own_cores(run, row),
            ]);
        }
        md.push('\n');
    }
}

fn cpu_us(us: f64) -> String {
    format!("{us:.1} µs")
}

/// The mean share of its own cores the server and wrk used over a row's runs.
fn own_cores(run: &Run, row: &TimerRow<'_>) -> String {
    let uses: Vec<CoreUse> = row.runs.iter().filter_map(|p| core_use(run, p)).collect();
    let mean = |pick: fn(&CoreUse) -> Option<f64>| {
        Spread::of(uses.iter().filter_map(pick)).map(|s| s.mean)
    };
    match (mean(|u| u.0), mean(|u| u.1)) {
        (None, None) => "—".to_owned(),
        (server, client) => format!(
            "server {}, wrk {}",
            server.map_or("?".to_owned(), pct),
            client.map_or("?".to_owned(), pct)
        ),
    }
}

/// Each slack against the targets, and the slacks that meet them.
pub fn targets_section(md: &mut String, rows: &[TimerRow<'_>]) {
    let targets = timer_sweep::targets(rows);
    if targets.is_empty() {
        return;
    }
    let high_load = thousands(f64::from(HIGH_LOAD_CONNECTIONS));
    let _ = writeln!(
        md,
        "### Each slack against the targets\n\nAt the seed's load ({SEED_CONNECTIONS} connections) the timerfd should reach {} of the bound; at {high_load} connections, {} of tokio's timer's req/s.\n",
        pct(SEED_TARGET),
        pct(HIGH_LOAD_TARGET),
    );
    let mut table = Table::new(md, &format!("Slack | At {SEED_CONNECTIONS} connections, of bound | At {high_load}, of tokio's req/s | CPU per request at {SEED_CONNECTIONS} | Meets them"));
    let against = |f: Option<f64>, goal| f.map_or("—".to_owned(), |f| pct_against(f, goal));
    for target in &targets {
        table.row(&[
            &format!("{} µs", number(target.slack_us)),
            &against(target.seed_of_bound, SEED_TARGET),
            &against(target.high_load_of_tokio, HIGH_LOAD_TARGET),
            &target.seed_cpu_us.map_or("—".to_owned(), cpu_us),
            &match target.meets() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "not measured",
            },
        ]);
    }
    let meeting: Vec<_> = targets.iter().filter(|t| t.meets() == Some(true)).collect();
    let cheapest = meeting
        .iter()
        .filter(|t| t.seed_cpu_us.is_some())
        .min_by(|a, b| {
            a.seed_cpu_us
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.seed_cpu_us.unwrap_or(f64::INFINITY))
        });
    match (meeting.is_empty(), cheapest) {
        (true, _) => md.push_str("\nNo slack met every target it was measured against.\n\n"),
        (false, cheapest) => {
            let list: Vec<String> = meeting
                .iter()
                .map(|t| format!("{} µs", number(t.slack_us)))
                .collect();
            let _ = write!(md, "\nSlacks that met every target: {}", list.join(", "));
            if let Some(cheapest) = cheapest {
                let _ = write!(
                    md,
                    "; of these, the least CPU per request at the seed's load: {} µs ({}).",
                    number(cheapest.slack_us),
                    cheapest.seed_cpu_us.map_or("—".to_owned(), cpu_us)
                );
            } else {
                md.push('.');
            }
            md.push_str("\n\n");
        }
    }
}

/// The chart: throughput (log) and CPU per request against the slack, one colour per
/// connection count; tokio's timer as a dashed line across, the bound dotted.
pub fn charts(run: &Run) -> Vec<Planned> {
    let rows = timer_sweep::rows(run);
    let mut slacks: Vec<f64> = rows.iter().filter_map(|r| r.slack_us).collect();
    slacks.sort_by(f64::total_cmp);
    let (Some(&first), Some(&last)) = (slacks.first(), slacks.last()) else {
        return Vec::new();
    };
    let mut connections: Vec<u32> = rows.iter().map(|r| r.connections).collect();
    connections.dedup();
    let mut throughput = Vec::new();
    let mut cpu = Vec::new();
    let data = chart_data(&rows);
    for (index, &count) in connections.iter().enumerate() {
        let label = format!("{} connections", thousands(f64::from(count)));
        let tokio = rows
            .iter()
            .find(|r| r.connections == count && r.slack_us.is_none());
        let across = |value: Option<f64>| value.map(|v| vec![(first, v), (last, v)]);
        let rates = curve(&rows, count, TimerRow::rate);
        if !rates.is_empty() {
            throughput.push(series(
                Some(label.clone()),
                index,
                Stroke::Solid,
                true,
                rates,
            ));
        }
        if let Some(points) = across(tokio.and_then(TimerRow::rate).map(|s| s.mean)) {
            throughput.push(series(None, index, Stroke::Dashed, false, points));
        }
        if let Some(points) = across(
            rows.iter()
                .find(|r| r.connections == count)
                .and_then(TimerRow::bound),
        ) {
            throughput.push(series(None, index, Stroke::Dotted, false, points));
        }
        let costs = curve(&rows, count, TimerRow::cpu_per_request_us);
        if !costs.is_empty() {
            cpu.push(series(Some(label), index, Stroke::Solid, true, costs));
        }
        if let Some(points) = across(tokio.and_then(TimerRow::cpu_per_request_us).map(|s| s.mean)) {
            cpu.push(series(None, index, Stroke::Dashed, false, points));
        }
    }
    if throughput.is_empty() && cpu.is_empty() {
        return Vec::new();
    }
    let x = || Axis::new("Timerfd slack (µs)", Scale::Linear);
    let mut cpu_axis = Axis::new("Server CPU per request (µs)", Scale::Linear);
    cpu_axis.range.0 = Some(0.0);
    let key = vec![
        (Stroke::Solid, "timerfd, by slack".to_owned()),
        (Stroke::Dashed, "tokio's timer".to_owned()),
        (Stroke::Dotted, "bound: connections / delay".to_owned()),
    ];
    vec![Planned {
        file: CHART.0,
        chart: Chart {
            title: vec![
                "The timerfd's slack: throughput and CPU per request (tokio's timer dashed)"
                    .to_owned(),
                format!(
                    "{}; wrk {}, {} per point",
                    machine_title(run),
                    threads_flag(&run.points),
                    or_unknown(run.meta.duration.as_ref())
                ),
            ],
            width: 1100,
            height: 600,
            panels: vec![
                Panel::Lines(LinePanel {
                    title: "Throughput".to_owned(),
                    x: x(),
                    y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                    series: throughput,
                    key,
                }),
                Panel::Lines(LinePanel {
                    title: "CPU per request".to_owned(),
                    x: x(),
                    y: cpu_axis,
                    series: cpu,
                    key: Vec::new(),
                }),
            ],
        },
        data,
    }]
}

/// The timerfd's figure against its slack at one connection count (the runs' means).
fn curve<'a>(
    rows: &[TimerRow<'a>],
    connections: u32,
    figure: fn(&TimerRow<'a>) -> Option<Spread>,
) -> Vec<(f64, f64)> {
    rows.iter()
        .filter(|r| r.connections == connections)
        .filter_map(|r| Some((r.slack_us?, figure(r)?.mean)))
        .collect()
}

/// One row of the chart's data: a connection count and timer, the means of its runs.
#[derive(serde::Serialize, Default)]
struct DataRow {
    connections: u32,
    timer: &'static str,
    slack_us: Option<String>,
    req_per_sec: String,
    of_bound: String,
    unloaded_us: String,
    cpu_per_request_us: String,
    loop_wakeups_per_s: String,
    timer_wakeups_per_s: String,
}

/// The chart's data: one line per row, the means of its runs.
fn chart_data(rows: &[TimerRow<'_>]) -> String {
    let mean = |s: Option<Spread>| fixed(s.map(|s| s.mean), 3);
    to_string(rows.iter().map(|row| DataRow {
        connections: row.connections,
        timer: row.slack_us.map_or("tokio", |_| "timerfd"),
        slack_us: row.slack_us.map(number),
        req_per_sec: mean(row.rate()),
        of_bound: mean(row.of_bound()),
        unloaded_us: mean(row.unloaded_us()),
        cpu_per_request_us: mean(row.cpu_per_request_us()),
        loop_wakeups_per_s: mean(row.loop_wakeups_per_s()),
        timer_wakeups_per_s: mean(row.timer_wakeups_per_s()),
    }))
}

fn series(
    label: Option<String>,
    variant: usize,
    stroke: Stroke,
    markers: bool,
    points: Vec<(f64, f64)>,
) -> Series {
    Series {
        label,
        variant,
        stroke,
        markers,
        points,
    }
}

/// The report of a timer sweep.
pub struct TimerSweepReport;

impl super::RunReport for TimerSweepReport {
    fn charts(&self, run: &Run) -> Vec<Planned> {
        charts(run)
    }
    fn summary(&self, run: &Run, drawn: &[&str]) -> String {
        summary(run, drawn)
    }
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)> {
        vec![("summary.csv", super::csv::write(run))]
    }
}

/// The timer sweep's reference run: the tables per connection count, each slack against the
/// targets, and the chart.
pub fn readme(run: &Run) -> String {
    let rows = crate::analysis::timer_sweep::rows(run);
    let (mut md, path) = opening(
        run,
        "make sweep-timer",
        &quote::machine(run),
        &format!(
            "slacks {} µs at {} connections, tokio's timer beside them; {}",
            or_unknown(run.meta.slacks_us.as_ref()),
            or_unknown(run.meta.connections_list.as_ref()),
            runs_text(run),
        ),
    );
    chart_images(&mut md, run, &path, [crate::output::timer_sweep::CHART]);
    crate::output::timer_sweep::tables(&mut md, run, &rows);
    crate::output::timer_sweep::targets_section(&mut md, &rows);
    md
}

/// The timer sweep's block before its reference run is committed: how to make it.
pub fn readme_missing(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map_or(String::new(), |name| name.to_string_lossy().into_owned());
    format!(
        "No reference run yet: on a quiet machine, `make sweep-timer RUNS=3`, then copy the run folder it names to `results/reference/{name}` and run `make readme`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RunKind, TimerFigures};
    use crate::output::sections::core_count;
    use crate::testing::{point, report, run};

    /// async-server (tokio) or async-timerfd at `slack`, 100 connections, 10 ms.
    fn timer_point(seq: u32, slack: Option<f64>, rate: f64, cpu_s: f64) -> crate::model::Point {
        let name = if slack.is_some() {
            "async-timerfd"
        } else {
            "async-server"
        };
        let mut point = point(seq, name, "rust", "async", rate, 10_500.0);
        point.samples.server_cpu_s = Some(cpu_s);
        point.unloaded = Some(report(95.0, 10_500.0));
        point.samples.client_cpu_s = Some(5.0);
        point.timer = Some(TimerFigures {
            timer: Some(if slack.is_some() { "timerfd" } else { "tokio" }.to_owned()),
            slack_us: slack,
            loop_wakeups_per_s: Some(2000.0),
            timer_wakeups_per_s: slack.map(|_| 1000.0),
            ..TimerFigures::default()
        });
        point
    }

    const SPLIT: &str = r#"{"kind": "timer-sweep", "cores": 2, "placement": "split", "server_cpus": "1", "client_cpus": "0", "duration": "10s"}"#;

    #[test]
    fn rows_put_tokio_first_then_the_slacks_in_order() {
        let mut run = run(
            vec![
                timer_point(1, Some(250.0), 9_300.0, 2.0),
                timer_point(2, None, 8_100.0, 1.5),
                timer_point(3, Some(0.0), 9_600.0, 3.0),
            ],
            SPLIT,
        );
        run.kind = RunKind::TimerSweep;
        let rows = timer_sweep::rows(&run);
        let names: Vec<String> = rows.iter().map(TimerRow::name).collect();
        assert_eq!(
            names,
            [
                "tokio (async-server)",
                "timerfd, slack 0 µs",
                "timerfd, slack 250 µs"
            ]
        );
        let mut md = String::new();
        tables(&mut md, &run, &rows);
        // 9,600 req/s against 10,000; 3 s of CPU over 96,000 requests; the server's 3 s over
        // 10 s of its 1 core, wrk's 5 s over 10 s of its 1 core.
        assert!(
            md.contains("| timerfd, slack 0 µs | 9,600 | 96% | 10.50 ms | 31.2 µs | 2,000 | 1,000 | 4.8 | server 30%, wrk 50% |"),
            "{md}"
        );
        let mut md = String::new();
        targets_section(&mut md, &rows);
        assert!(md.contains("| 0 µs | 96% | — | 31.2 µs | yes |"), "{md}");
        assert!(md.contains("| 250 µs | 93% | — | 21.5 µs | no |"), "{md}");
        assert!(md.contains("Slacks that met every target: 0 µs; of these, the least CPU per request at the seed's load: 0 µs (31.2 µs)."), "{md}");
        let summary = summary(&run, &[]);
        assert!(
            summary
                .contains("Placement: split (taskset): the servers on core(s) 1, wrk on core(s) 0"),
            "{summary}"
        );
        let chart = &charts(&run)[0];
        assert_eq!(chart.data.lines().count(), 4, "{}", chart.data);
        assert!(chart.chart.title[1].contains("the servers on core(s) 1, wrk on core(s) 0"));
    }

    #[test]
    fn core_lists() {
        let cases = [
            ("0", Some(1)),
            ("0-1", Some(2)),
            ("0,2-3", Some(3)),
            ("1-0", None),
            ("x", None),
        ];
        for (list, expected) in cases {
            assert_eq!(core_count(list), expected, "{list}");
        }
    }
}
