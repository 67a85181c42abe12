//! summary.md and summary.csv of a latency run (`make latency`): the charts, the seed's
//! second question answered at every load, the two checks with their thresholds, each
//! variant's knee, every point, and how the run was made.

use std::fmt::Write as _;

use crate::analysis::latency::series;
use crate::analysis::latency::{
    self, comparisons, knee, near_unloaded, queue_grows, Comparison, Measured, Verdict,
    BELOW_BOUND, CLOSE_TO_UNLOADED, CONNECTIONS_HEADROOM, MIN_CONNECTIONS, OVER_BOUND,
    QUEUE_GROWTH,
};
use crate::analysis::observations::LOWER_FACTOR;
use crate::chart::{Axis, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::Run;
use crate::output::charts::{LineRow, Planned};
use crate::output::csv::{fixed, to_string, us};
use crate::output::format::{ms, pct, rate, thousands};
use crate::output::quote::{chart_images, machine_with, opening};
use crate::output::sections::{
    chart_line, hosts_line, incomplete_banner, machine_line, placement, Placement,
};
use crate::parse::meta::or_unknown;
use crate::parse::oha::{Length, OhaReport};
use crate::parse::wrk::Latency;

/// The line every latency report carries beside its figures.
pub const SHARED_CORES: &str =
    "oha and the servers share these cores: the generator's CPU use is part of every figure.";

/// An offered or achieved rate: "10.0", "97.8", "1,000", "12,500".
fn req_s(value: f64) -> String {
    if value >= 1000.0 {
        thousands(value)
    } else {
        rate(Some(value))
    }
}

/// "10.2 ms" or "10.2–10.4 ms" (as each figure prints): the span of `values`, in µs.
fn span(values: impl IntoIterator<Item = f64>) -> String {
    let values: Vec<f64> = values.into_iter().collect();
    let low = values.iter().copied().reduce(f64::min);
    let high = values.iter().copied().reduce(f64::max);
    let (low, high) = (ms(low), ms(high));
    if low == high {
        low
    } else {
        format!("{low} to {high}")
    }
}

/// The loads of `points`: "10 to 50 req/s (10% to 50% of its bound)".
fn loads(points: &[Measured<'_>]) -> String {
    let rates: Vec<f64> = points.iter().map(|m| m.load.rate).collect();
    let fractions: Vec<f64> = points.iter().filter_map(|m| m.load.fraction).collect();
    let rate_text = match (rates.first(), rates.last()) {
        (Some(a), Some(b)) if rates.len() > 1 => format!("{} to {} req/s", req_s(*a), req_s(*b)),
        (Some(a), _) => format!("{} req/s", req_s(*a)),
        _ => return "no load".to_owned(),
    };
    match (fractions.first(), fractions.last()) {
        (Some(a), Some(b)) if fractions.len() > 1 => {
            format!("{rate_text} ({} to {} of its bound)", pct(*a), pct(*b))
        }
        (Some(a), _) => format!("{rate_text} ({} of its bound)", pct(*a)),
        _ => rate_text,
    }
}

/// The variants of a latency run, in the order asked (meta.json), then any others.
pub fn variants(run: &Run) -> Vec<String> {
    crate::output::sweep::variants(run)
}

/// summary.md of a latency run. `drawn` lists the charts that were drawn.
pub fn summary(run: &Run, drawn: &[&str]) -> String {
    let names = variants(run);
    let mut md = format!("# Latency against offered load {}\n\n", run.id());
    incomplete_banner(&mut md, run, "The charts and tables");
    let _ = writeln!(
        md,
        "Each variant ({}) loaded open-loop by oha {}: `oha -q RATE --latency-correction -z {} -c CONNECTIONS -t {}`, at fixed rates that are fractions of its Little's-law bound ({}). oha sends each request when it is due, whether or not the last one was answered, and times it from that moment, so time spent waiting for a free connection counts: unlike wrk's closed loop, the load does not slow down when the server does. Each point is a fresh server: started, checked, one request at a time for {} (`wrk -t1 -c1`: its unloaded latency), then the load. Each request to `/` waits {} ms; {} worker(s).\n\n{}\n{}\n",
        names.join(", "),
        or_unknown(run.meta.oha_version.as_ref()),
        or_unknown(run.meta.duration.as_ref()),
        or_unknown(run.meta.timeout.as_ref()),
        or_unknown(run.meta.fractions.as_ref()),
        or_unknown(run.meta.primer.as_ref()),
        or_unknown(run.meta.delay_ms),
        or_unknown(run.meta.workers),
        machine_line(run),
        match (hosts_line(run, "oha and wrk"), placement(run)) {
            (Some(hosts), _) => hosts,
            (None, Some(Placement::Split { servers, client })) => format!(
                "Placement: split (taskset): the servers on core(s) {servers}, oha and wrk on core(s) {client}: neither takes CPU from the other."
            ),
            _ => SHARED_CORES.to_owned(),
        },
    );
    if latency::measured(run).is_empty() {
        md.push_str("No point was measured.\n\n");
    }

    md.push_str("## Charts\n\n");
    let measured = !latency::measured(run).is_empty();
    for (file, alt) in CHARTS {
        chart_line(&mut md, file, alt, drawn, measured);
    }
    md.push_str("Lines: p50 solid, p99 dashed, p99.9 dotted; the half-length runs of check 2 are in the table only.\n\n");

    md.push_str("## Does the async server have lower latency?\n\n");
    answer_section(&mut md, run, &names);
    checks_section(&mut md, run, &names);
    md.push_str("## Where each variant's latency turns up\n\n");
    knees_section(&mut md, run, &names);
    md.push_str("## Every point\n\n");
    table(&mut md, run);
    how_it_was_run(&mut md, run);
    md
}

/// The seed's second question, at every load (under its heading).
fn answer_section(md: &mut String, run: &Run, names: &[String]) {
    let found = comparisons(run, names);
    if found.is_empty() {
        md.push_str("Not checked: the run has no async variant beside a sync or async-blocking one of the same family.\n\n");
        return;
    }
    let _ = writeln!(
        md,
        "\"Lower\" means the async variant's p50 is at most {} of the other's (the threshold of the bench report's observation 2). Each load of the variant whose wait blocks a thread is compared with the async variant at the lowest rate it was offered that is at least as high: latency does not fall as load rises, so at the same rate the async variant would do at least as well.\n",
        pct(LOWER_FACTOR)
    );
    for pair in &found {
        comparison_text(md, pair);
    }
    md.push('\n');
}

fn comparison_text(md: &mut String, pair: &Comparison<'_>) {
    let (async_name, blocking_name) = (&pair.async_variant, &pair.blocking_variant);
    let holding: Vec<Measured<'_>> = pair.holding().iter().map(|r| r.blocking).collect();
    let not_holding: Vec<Measured<'_>> = pair.not_holding().iter().map(|r| r.blocking).collect();
    let async_text = |rows: &[&latency::CompareRow<'_>]| {
        let asyncs: Vec<Measured<'_>> = rows.iter().filter_map(|r| r.async_).collect();
        format!(
            "{async_name}'s {} at {} req/s or more",
            span(asyncs.iter().filter_map(Measured::p50_us)),
            asyncs
                .first()
                .map_or("?".to_owned(), |a| req_s(a.load.rate)),
        )
    };
    let _ = write!(md, "- **{async_name} against {blocking_name}**: ");
    if holding.is_empty() && not_holding.is_empty() {
        md.push_str("not compared (no load of both measured).\n");
        return;
    }
    if holding.is_empty() {
        md.push_str("**does not hold** at any load measured");
    } else {
        let _ = write!(
            md,
            "**holds** at {}: {blocking_name}'s p50 was {}, {}",
            loads(&holding),
            span(holding.iter().filter_map(Measured::p50_us)),
            async_text(&pair.holding()),
        );
    }
    if !not_holding.is_empty() {
        let _ = write!(
            md,
            "{}**does not hold** at {}: {blocking_name}'s p50 was {}, {}",
            if holding.is_empty() { ": " } else { "; " },
            loads(&not_holding),
            span(not_holding.iter().filter_map(Measured::p50_us)),
            async_text(&pair.not_holding()),
        );
    }
    md.push_str(".\n");
    // Why, where the run's own figures say so: it holds exactly above the bound.
    let above = |m: &Measured<'_>| m.load.fraction.is_some_and(|f| f > OVER_BOUND);
    if !holding.is_empty() && holding.iter().all(above) && !not_holding.iter().any(above) {
        let _ = writeln!(
            md,
            "  It holds only past {blocking_name}'s bound, where requests arrive faster than its thread can serve them and each waits behind the ones before it: the difference is that queue, not the work. Below its bound {blocking_name} answers in about the time of one request alone."
        );
    }
    let unchecked = pair.rows.iter().filter(|r| r.holds.is_none()).count();
    if unchecked > 0 {
        let _ = writeln!(
            md,
            "  {unchecked} load(s) of {blocking_name} not compared: {async_name} was not measured at that rate or above."
        );
    }
}

fn verdict_text(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "holds",
        Verdict::DoesNotHold => "does not hold",
        Verdict::NotChecked => "not checked",
    }
}

/// The two checks, with their thresholds.
fn checks_section(md: &mut String, run: &Run, names: &[String]) {
    let _ = writeln!(
        md,
        "## The checks\n\n### 1. Below {} of its bound, p50 stays within {CLOSE_TO_UNLOADED}× the unloaded p50\n",
        pct(BELOW_BOUND)
    );
    for name in names {
        let check = near_unloaded(run, name);
        let _ = write!(md, "- **{name}: {}**", verdict_text(check.verdict));
        if check.rows.is_empty() {
            let _ = writeln!(md, ": no point below {} was measured.", pct(BELOW_BOUND));
            continue;
        }
        let points: Vec<Measured<'_>> = check.rows.iter().map(|r| r.point).collect();
        let worst = check
            .rows
            .iter()
            .filter(|r| r.ratio.is_some())
            .max_by(|a, b| a.ratio.unwrap_or(0.0).total_cmp(&b.ratio.unwrap_or(0.0)));
        let _ = write!(
            md,
            ": at {}, p50 {} against {} alone",
            loads(&points),
            span(points.iter().filter_map(Measured::p50_us)),
            span(points.iter().filter_map(Measured::unloaded_p50_us)),
        );
        if let Some(worst) = worst {
            let _ = write!(
                md,
                " (at most {:.2}×, at {} req/s)",
                worst.ratio.unwrap_or(0.0),
                req_s(worst.point.load.rate)
            );
        }
        for row in check.rows.iter().filter(|r| r.holds == Some(false)) {
            let m = row.point;
            let achieved = m.report.achieved_rate();
            let _ = write!(
                md,
                ". At {} req/s it answered {} req/s",
                req_s(m.load.rate),
                req_s(achieved)
            );
            if achieved < 0.95 * m.load.rate {
                md.push_str(": short of the offered rate, so a queue formed below the nominal bound (see its CPU in summary.csv)");
            }
        }
        md.push_str(".\n");
    }
    let _ = writeln!(
        md,
        "\n### 2. Above {} of its bound, latency grows with the run's length: the full run's p50 at least {QUEUE_GROWTH}× the half-length run's\n",
        pct(OVER_BOUND)
    );
    md.push_str("A queue fed at λ req/s and drained at μ gives the requests answered in a run of T seconds a median latency of T/2 × (1 − μ/λ): twice as long a run, twice the latency; a steady state gives the same latency whatever the length.\n\n");
    for name in names {
        let check = queue_grows(run, name);
        let _ = write!(md, "- **{name}: {}**", verdict_text(check.verdict));
        if check.rows.is_empty() {
            let _ = writeln!(md, ": no point above {} was measured.", pct(OVER_BOUND));
            continue;
        }
        md.push(':');
        for (index, row) in check.rows.iter().enumerate() {
            let full = row.full;
            let _ = write!(
                md,
                "{} at {} req/s ({}): p50 {} over {:.1} s",
                if index == 0 { "" } else { ";" },
                req_s(full.load.rate),
                full.load.fraction.map_or("?".to_owned(), pct),
                ms(full.p50_us()),
                full.report.total_s,
            );
            match (row.half, row.growth) {
                (Some(half), Some(growth)) => {
                    let _ = write!(
                        md,
                        ", {} over {:.1} s ({growth:.2}×)",
                        ms(half.p50_us()),
                        half.report.total_s
                    );
                }
                _ => md.push_str(", no half-length run measured"),
            }
            if let Some(predicted) = row.predicted_p50_us {
                let _ = write!(
                    md,
                    "; a queue predicts {} (answered {} of {} req/s)",
                    ms(Some(predicted)),
                    req_s(full.report.achieved_rate()),
                    req_s(full.load.rate)
                );
            }
        }
        md.push_str(".\n");
    }
    md.push('\n');
}

/// Where each variant's p50 leaves its unloaded latency.
fn knees_section(md: &mut String, run: &Run, names: &[String]) {
    let _ = writeln!(
        md,
        "The last load with p50 within {CLOSE_TO_UNLOADED}× of one request alone, and the first beyond; the effective bound is the bound with the unloaded mean latency in place of the delay (tokio's timer, for one, rounds a 10 ms sleep up to its next 1 ms tick).\n"
    );
    for name in names {
        let (near, beyond) = knee(run, name);
        let effective = latency::series(run, name, Length::Full)
            .iter()
            .find_map(Measured::effective_bound);
        let _ = write!(md, "- **{name}**");
        match near {
            Some(m) => {
                let _ = write!(
                    md,
                    ": p50 {} at {} req/s ({})",
                    ms(m.p50_us()),
                    req_s(m.load.rate),
                    m.load.fraction.map_or("?".to_owned(), pct)
                );
            }
            None => md.push_str(": no load with p50 near its unloaded latency"),
        }
        if let Some(m) = beyond {
            let _ = write!(
                md,
                "; {} at {} req/s ({}), answering {} req/s",
                ms(m.p50_us()),
                req_s(m.load.rate),
                m.load.fraction.map_or("?".to_owned(), pct),
                req_s(m.report.achieved_rate())
            );
            cpu_note(md, run, m);
        }
        if let Some(effective) = effective {
            let _ = write!(md, "; effective bound {} req/s", req_s(effective));
        }
        md.push_str(".\n");
    }
    md.push('\n');
}

/// Whose CPU the run's seconds went to, where latency turned up: the server's, oha's and
/// the machine's (other processes included).
fn cpu_note(md: &mut String, run: &Run, m: Measured<'_>) {
    let samples = &m.point.samples;
    let (Some(server), Some(client), Some(machine)) = (
        samples.server_cpu_s,
        samples.client_cpu_s,
        samples.machine_cpu_busy_s,
    ) else {
        return;
    };
    let _ = write!(
        md,
        " (CPU over its {:.1} s: the server {server:.2} s, oha {client:.2} s, the whole machine {machine:.2} s busy",
        m.report.total_s
    );
    if let Some(cores) = run.cores() {
        let others = machine - server - client;
        let _ = write!(
            md,
            " of {:.1} s on {cores:.0} cores, {others:.2} s of it other processes",
            cores * m.report.total_s
        );
    }
    md.push(')');
}

/// The table of every point, in the order they ran.
fn table(md: &mut String, run: &Run) {
    md.push_str("| Variant | Run | Offered (req/s) | Of bound | Conns | Answered (req/s) | p50 | p90 | p99 | p99.9 | Max | Alone (p50) | Failures | Timeouts | Cut off at the end | Never sent |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for point in &run.points {
        let Some(load) = &point.open_loop else {
            continue;
        };
        let length = match load.length {
            Length::Full => "full",
            Length::Half => "half",
        };
        let _ = write!(
            md,
            "| {} | {length} | {} | {} | {} |",
            point.variant.name,
            req_s(load.rate),
            load.fraction.map_or("—".to_owned(), pct),
            point.load.connections,
        );
        match (&point.status.is_ok(), &load.report) {
            (true, Some(report)) => {
                let l = &report.latency;
                let _ = writeln!(
                    md,
                    " {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    req_s(report.achieved_rate()),
                    ms(l.p50_us),
                    ms(l.p90_us),
                    ms(l.p99_us),
                    ms(l.p99_9_us),
                    ms(l.max_us),
                    ms(point.unloaded.as_ref().and_then(|u| u.latency.p50_us)),
                    report.failures(),
                    report.timeouts(),
                    report.aborted_at_end(),
                    load.not_sent().map_or("—".to_owned(), |n| n.to_string()),
                );
            }
            _ => {
                let _ = writeln!(
                    md,
                    " **{}**: {} |||||||||||",
                    point.status.outcome(),
                    point
                        .status
                        .reason()
                        .unwrap_or("the run stopped during it")
                        .replace('|', "/")
                );
            }
        }
    }
    md.push_str("\n**Answered** counts 2xx answers per second of the run; the percentiles are over every answer, from each request's due time. **Failures**: connections refused or reset, non-2xx answers. **Cut off at the end**: requests in flight when the run's time was up (oha aborts them). **Never sent**: requests due that never found a free connection before the end. Neither of the last two is in any percentile: above the bound the true tail is longer.\n\n");
}

fn how_it_was_run(md: &mut String, run: &Run) {
    let _ = writeln!(
        md,
        "## How this run was made, and why so\n\n\
- **The bound** of each variant is Little's law at {} connections (the seed's load), {} ms and {} worker(s): concurrency / delay, where concurrency is the handler threads if the wait blocks one, else the connections. Each fraction is of that bound.\n\
- **Connections per point**: rate × the delay × {CONNECTIONS_HEADROOM} (Little's law: in flight = rate × latency, with room for late answers), at least {MIN_CONNECTIONS} so one slow answer never holds up the next request due, and at most {} (more connections would raise the bound of a variant whose waits overlap, the bound the fractions refer to). Each point's connections are in the table.\n\
- **Above the bound** requests arrive faster than they leave: a queue that grows as long as the load lasts, with no steady state. Each run is bounded by `-z {}` (the half-length runs of check 2 by half that) so that the run keeps to its time; the latencies above 100% are those of a run that long, and a longer run gives longer ones.\n\
- **Timeouts**: `oha -t {}`, counted apart; oha aborts the requests still in flight when the run's time is up, counted as cut off.\n\
- {}",
        or_unknown(run.meta.connections),
        or_unknown(run.meta.delay_ms),
        or_unknown(run.meta.workers),
        or_unknown(run.meta.connections),
        or_unknown(run.meta.duration.as_ref()),
        or_unknown(run.meta.timeout.as_ref()),
        if run.meta.hosts.is_empty() {
            "**The generator shares the machine**: oha sends and times every request on the same cores as the server; its CPU seconds are in summary.csv (`client_cpu_s`), with the server's and the whole machine's."
        } else {
            "**Where the generator ran**: on its load host, as the hosts line above says; its CPU seconds are in summary.csv (`client_cpu_s`), with the server's."
        },
    );
}

/// One row of a latency run's summary.csv, its columns in order.
#[derive(serde::Serialize, Default)]
struct Row<'a> {
    variant: &'a str,
    length: &'static str,
    status: String,
    family: Option<String>,
    kind: Option<&'a str>,
    fraction: String,
    offered_req_per_sec: String,
    bound_req_per_sec: String,
    connections: u32,
    connections_wanted: Option<u32>,
    delay_ms: Option<u64>,
    workers: u32,
    duration_s: String,
    answered: Option<u64>,
    achieved_req_per_sec: String,
    latency_mean_us: String,
    latency_p50_us: String,
    latency_p90_us: String,
    latency_p99_us: String,
    latency_p99_9_us: String,
    latency_max_us: String,
    failures: Option<u64>,
    timeouts: Option<u64>,
    cut_off_at_end: Option<u64>,
    never_sent: Option<u64>,
    unloaded_latency_p50_us: String,
    unloaded_latency_mean_us: String,
    server_cpu_s: String,
    client_cpu_s: String,
    machine_cpu_busy_s: String,
    failure: Option<&'a str>,
}

/// summary.csv of a latency run: one row per open-loop point, latencies in µs.
pub fn csv(run: &Run) -> String {
    let rows = run.points.iter().filter_map(|point| {
        let load = point.open_loop.as_ref()?;
        let report = load.report.as_ref().filter(|_| point.status.is_ok());
        let latency = |pick: Pick| us(report.and_then(|r| pick(&r.latency)));
        let unloaded = |pick: Pick| us(point.unloaded.as_ref().and_then(|u| pick(&u.latency)));
        Some(Row {
            variant: &point.variant.name,
            length: match load.length {
                Length::Full => "full",
                Length::Half => "half",
            },
            status: point.status.outcome().to_lowercase(),
            family: point.variant.family.map(|family| family.to_string()),
            kind: point.variant.kind.as_deref(),
            fraction: fixed(load.fraction, 3),
            offered_req_per_sec: format!("{:.3}", load.rate),
            bound_req_per_sec: fixed(load.bound, 1),
            connections: point.load.connections,
            connections_wanted: load.connections_wanted,
            delay_ms: point.load.delay_ms,
            workers: point.load.workers,
            duration_s: fixed(report.map(|r| r.total_s), 3),
            answered: report.map(OhaReport::answered),
            achieved_req_per_sec: fixed(report.map(OhaReport::achieved_rate), 2),
            latency_mean_us: latency(|l| l.mean_us),
            latency_p50_us: latency(|l| l.p50_us),
            latency_p90_us: latency(|l| l.p90_us),
            latency_p99_us: latency(|l| l.p99_us),
            latency_p99_9_us: latency(|l| l.p99_9_us),
            latency_max_us: latency(|l| l.max_us),
            failures: report.map(OhaReport::failures),
            timeouts: report.map(OhaReport::timeouts),
            cut_off_at_end: report.map(OhaReport::aborted_at_end),
            never_sent: report.and(load.not_sent()),
            unloaded_latency_p50_us: unloaded(|l| l.p50_us),
            unloaded_latency_mean_us: unloaded(|l| l.mean_us),
            server_cpu_s: fixed(point.samples.server_cpu_s, 2),
            client_cpu_s: fixed(point.samples.client_cpu_s, 2),
            machine_cpu_busy_s: fixed(point.samples.machine_cpu_busy_s, 2),
            failure: point.status.reason(),
        })
    });
    to_string(rows)
}

/// The report of a latency run (open loop).
pub struct LatencyReport;

impl super::RunReport for LatencyReport {
    fn charts(&self, run: &Run) -> Vec<super::charts::Planned> {
        charts(run, &variants(run))
    }
    fn summary(&self, run: &Run, drawn: &[&str]) -> String {
        summary(run, drawn)
    }
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)> {
        vec![("summary.csv", csv(run))]
    }
}

/// The open-loop run: its two charts, then where "the async server has lower latency" holds
/// and where each variant's knee is.
pub fn readme(run: &Run) -> String {
    let (mut md, path) = opening(
        run,
        "make latency",
        &machine_with(run, "oha (and wrk, for each point's unloaded latency)"),
        &format!("{} points, one run", run.points.len()),
    );
    chart_images(&mut md, run, &path, CHARTS);
    let names = variants(run);
    answer_section(&mut md, run, &names);
    knees_section(&mut md, run, &names);
    md
}

// The charts: latency against offered load as a fraction of each variant's bound (the hockey
// stick: flat at the unloaded latency, then up where the queue starts), and the same against
// absolute requests per second, each with its data as CSV beside it.

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
pub fn charts(run: &Run, variants: &[String]) -> Vec<Planned> {
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
