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
use crate::output::charts::{machine, Planned};
use crate::output::csv::field;
use crate::output::format::{ms, number, pct, pct_against, thousands};
use crate::output::markdown::{
    chart_line, core_use, cores_line, incomplete_banner, machine_line, spread_text, threads_flag,
};

/// The chart's file, without extension, and what it shows.
pub const CHART: (&str, &str) = (
    "timer-slack",
    "Throughput and CPU per request against the timerfd's slack, tokio's timer beside them",
);

/// summary.md of a timer sweep.
pub fn summary(run: &Run, drawn: &[&str]) -> String {
    let mut md = format!("# Timer sweep {}\n\n", run.id());
    incomplete_banner(&mut md, run, "The chart and tables");
    let text = |key: &str| run.meta.text(key).unwrap_or_else(|| "?".to_owned());
    let _ = writeln!(
        md,
        "async-server on tokio's timer (`--timer tokio`) and on the timerfd (`--timer timerfd --timer-slack S`) at each slack S of {} µs, at {} connections, {} ms per request, 1 worker; `wrk {} -d{} --timeout {}` per point {}, each point a fresh server with its unloaded latency first (`wrk -t1 -c1 -d{}`); {} run(s), interleaved.\n{}\n{}\n",
        text("slacks_us"),
        text("connections_list"),
        text("delay_ms"),
        threads_flag(&run.points),
        text("duration"),
        text("timeout"),
        match text("warmup").as_str() {
            "0" => "with no warm-up".to_owned(),
            warmup => format!("after a {warmup} warm-up"),
        },
        text("primer"),
        text("runs"),
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
        let _ = writeln!(
            md,
            "### {} connections{}\n\n| Timer | Req/sec | Of bound | Unloaded latency | CPU per request | Loop wake-ups/s | Timer wake-ups/s | Requests per wake-up | Own cores used |\n|---|---|---|---|---|---|---|---|---|",
            thousands(f64::from(count)),
            bound.map_or(String::new(), |b| format!(" (bound {} req/s)", thousands(b))),
        );
        for row in group {
            if row.measured() == 0 {
                let why = row
                    .runs
                    .iter()
                    .find_map(|p| p.status.reason().map(str::to_owned))
                    .unwrap_or_else(|| "not measured".to_owned());
                let outcome = row.runs.first().map_or("FAILED", |p| p.status.outcome());
                let _ = writeln!(
                    md,
                    "| {} | {outcome}: {why} | | | | | | | |",
                    row.name()
                );
                continue;
            }
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.name(),
                spread_text(row.rate(), thousands),
                spread_text(row.of_bound(), |f| pct_against(f, SEED_TARGET)),
                spread_text(row.unloaded_us(), |us| ms(Some(us))),
                spread_text(row.cpu_per_request_us(), cpu_us),
                spread_text(row.loop_wakeups_per_s(), thousands),
                spread_text(row.timer_wakeups_per_s(), thousands),
                spread_text(row.requests_per_loop_wakeup(), |r| format!("{r:.1}")),
                own_cores(run, row),
            );
        }
        md.push('\n');
    }
}

fn cpu_us(us: f64) -> String {
    format!("{us:.1} µs")
}

/// The mean share of its own cores the server and wrk used over a row's runs.
fn own_cores(run: &Run, row: &TimerRow<'_>) -> String {
    let uses: Vec<(Option<f64>, Option<f64>)> =
        row.runs.iter().filter_map(|p| core_use(run, p)).collect();
    let mean = |pick: fn(&(Option<f64>, Option<f64>)) -> Option<f64>| {
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
    let _ = writeln!(
        md,
        "### Each slack against the targets\n\nAt the seed's load ({SEED_CONNECTIONS} connections) the timerfd should reach {} of the bound; at {} connections, {} of tokio's timer's req/s.\n\n| Slack | At {SEED_CONNECTIONS} connections, of bound | At {}, of tokio's req/s | CPU per request at {SEED_CONNECTIONS} | Meets them |\n|---|---|---|---|---|",
        pct(SEED_TARGET),
        thousands(f64::from(HIGH_LOAD_CONNECTIONS)),
        pct(HIGH_LOAD_TARGET),
        thousands(f64::from(HIGH_LOAD_CONNECTIONS)),
    );
    for target in &targets {
        let _ = writeln!(
            md,
            "| {} µs | {} | {} | {} | {} |",
            number(target.slack_us),
            target
                .seed_of_bound
                .map_or("—".to_owned(), |f| pct_against(f, SEED_TARGET)),
            target
                .high_load_of_tokio
                .map_or("—".to_owned(), |f| pct_against(f, HIGH_LOAD_TARGET)),
            target.seed_cpu_us.map_or("—".to_owned(), cpu_us),
            match target.meets() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "not measured",
            },
        );
    }
    let meeting: Vec<_> = targets
        .iter()
        .filter(|t| t.meets() == Some(true))
        .collect();
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
    let timerfd = |connections: u32, figure: fn(&TimerRow<'_>) -> Option<Spread>| {
        rows.iter()
            .filter(|r| r.connections == connections)
            .filter_map(|r| Some((r.slack_us?, figure(r)?.mean)))
            .collect::<Vec<_>>()
    };
    let mut slacks: Vec<f64> = rows.iter().filter_map(|r| r.slack_us).collect();
    slacks.sort_by(f64::total_cmp);
    let (Some(&first), Some(&last)) = (slacks.first(), slacks.last()) else {
        return Vec::new();
    };
    let mut connections: Vec<u32> = rows.iter().map(|r| r.connections).collect();
    connections.dedup();
    let mut throughput = Vec::new();
    let mut cpu = Vec::new();
    let mut data =
        String::from("connections,timer,slack_us,req_per_sec,of_bound,unloaded_us,cpu_per_request_us,loop_wakeups_per_s,timer_wakeups_per_s\n");
    for row in &rows {
        let mean = |s: Option<Spread>| s.map_or(String::new(), |s| format!("{:.3}", s.mean));
        let _ = writeln!(
            data,
            "{},{},{},{},{},{},{},{},{}",
            row.connections,
            field(if row.slack_us.is_some() { "timerfd" } else { "tokio" }),
            row.slack_us.map_or(String::new(), number),
            mean(row.rate()),
            mean(row.of_bound()),
            mean(row.unloaded_us()),
            mean(row.cpu_per_request_us()),
            mean(row.loop_wakeups_per_s()),
            mean(row.timer_wakeups_per_s()),
        );
    }
    for (index, &count) in connections.iter().enumerate() {
        let label = format!("{} connections", thousands(f64::from(count)));
        let tokio = rows
            .iter()
            .find(|r| r.connections == count && r.slack_us.is_none());
        let across = |value: Option<f64>| value.map(|v| vec![(first, v), (last, v)]);
        let rates = timerfd(count, |r| r.rate());
        if !rates.is_empty() {
            throughput.push(series(Some(label.clone()), index, Stroke::Solid, true, rates));
        }
        if let Some(points) = across(tokio.and_then(TimerRow::rate).map(|s| s.mean)) {
            throughput.push(series(None, index, Stroke::Dashed, false, points));
        }
        if let Some(points) = across(rows.iter().find(|r| r.connections == count).and_then(TimerRow::bound)) {
            throughput.push(series(None, index, Stroke::Dotted, false, points));
        }
        let costs = timerfd(count, |r| r.cpu_per_request_us());
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
                "The timerfd's slack: throughput and CPU per request (tokio's timer dashed)".to_owned(),
                format!(
                    "{}; wrk {}, {} per point",
                    machine(run),
                    threads_flag(&run.points),
                    run.meta.text("duration").unwrap_or_else(|| "?".to_owned())
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
