//! summary.md of a sweep: the charts, where each variant leaves its bound as connections
//! grow and why, the delay and workers sweeps line by line, how the sweep was run, then the
//! table of every point.

use std::fmt::Write as _;

use crate::analysis::bounds::Derived;
use crate::analysis::notes::{self, NEAR_BOUND};
use crate::analysis::real_call::{self, Why, HOLDS_WITHIN};
use crate::analysis::runs::Merged;
use crate::analysis::sweep::{self, Base, Sweep};
use crate::analysis::timers::{self, Side};
use crate::chart::{Axis, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::{Family, Point, Run};
use crate::output::charts::{machine_title, LineRow, Planned};
use crate::output::csv::to_string;
use crate::output::format::{megabytes, ms, pct, pct_against, rate};
use crate::output::quote::{self, chart_images, machine, opening, runs_text};
use crate::output::real_call::of_sleep;
use crate::output::sections::{
    self, chart_line, cores_line, cpu_text, incomplete_banner, machine_line, signed_rate,
    threads_flag,
};
use crate::output::table::Table;
use crate::parse::meta::{or_unknown, Span};

/// A chart the sweep draws: its file (without extension), what it shows, its sweep.
pub const CHARTS: [(&str, &str, Sweep); 4] = [
    (
        "throughput-vs-connections",
        "Throughput against connections, with each variant's bounds",
        Sweep::Connections,
    ),
    (
        "latency-vs-connections",
        "p50 and p99 latency against connections",
        Sweep::Connections,
    ),
    (
        "throughput-vs-delay",
        "Throughput against the delay per request",
        Sweep::Delay,
    ),
    (
        "throughput-vs-workers",
        "Throughput against workers, blocking variants",
        Sweep::Workers,
    ),
];

/// The server-common grace after SIGTERM, as the harness recorded it (older runs: 5 s).
fn grace_s(run: &Run) -> f64 {
    run.meta.stop_grace_ms.map_or(5.0, |ms| ms as f64 / 1000.0)
}

/// The base settings of a sweep, from its meta.json.
pub fn base(run: &Run) -> Base {
    Base {
        delay_ms: run.meta.delay_ms.unwrap_or(10),
        connections: run
            .meta
            .base_connections
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(100),
    }
}

/// The variants of a sweep, in the order asked (meta.json), then any others that ran.
pub fn variants(run: &Run) -> Vec<String> {
    let mut names: Vec<String> = run
        .meta
        .variants
        .as_ref()
        .map(|list| list.items().map(str::to_owned).collect())
        .unwrap_or_default();
    for name in run.variant_names() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Whether a sweep has a measured point of `variant`.
pub fn has_measured(run: &Run, sweep: Sweep, base: Base, variant: &str) -> bool {
    sweep::curve(run, sweep, base, variant)
        .iter()
        .any(|m| m.point.status.is_ok())
}

/// The load, in words: "wrk -t4, 5s per point".
pub fn load_text(run: &Run) -> String {
    format!(
        "wrk {}, {} per point",
        threads_flag(&run.points),
        or_unknown(run.meta.duration.as_ref())
    )
}

/// summary.md of a sweep. `drawn` lists the charts that were drawn.
pub fn summary(run: &Run, drawn: &[&str]) -> String {
    let base = base(run);
    let names = variants(run);
    let meta = &run.meta;
    let mut md = format!("# Sweep {}\n\n", run.id());
    incomplete_banner(&mut md, run, "The charts and tables");
    let _ = writeln!(
        md,
        "Sweep of {}: connections {} at {} ms; delay {} ms at {} connections; workers {} at {} connections and {} ms (variants whose wait blocks a thread). {}, `--timeout {}`.\n{}\n{}\n",
        names.join(" "),
        or_unknown(meta.connections_list.as_ref()),
        base.delay_ms,
        or_unknown(meta.delays.as_ref()),
        base.connections,
        or_unknown(meta.workers_list.as_ref()),
        base.connections,
        base.delay_ms,
        load_text(run),
        or_unknown(meta.timeout.as_ref()),
        machine_line(run),
        cores_line(run),
    );

    charts_section(&mut md, run, base, &names, drawn);

    if names
        .iter()
        .any(|n| has_measured(run, Sweep::Connections, base, n))
    {
        let _ = writeln!(
            md,
            "\n## Where each variant leaves its bound (connections, at {} ms)\n",
            base.delay_ms
        );
        for name in &names {
            explain_connections(&mut md, run, base, name);
        }
    }
    timers_along_connections(&mut md, run, base, &names);
    real_calls_along_connections(&mut md, run, base, &names);
    if names
        .iter()
        .any(|n| has_measured(run, Sweep::Delay, base, n))
    {
        let _ = writeln!(md, "\n## Delay (at {} connections)\n", base.connections);
        for name in &names {
            explain_line(&mut md, run, base, Sweep::Delay, name);
        }
    }
    if names
        .iter()
        .any(|n| has_measured(run, Sweep::Workers, base, n))
    {
        let _ = writeln!(
            md,
            "\n## Workers (at {} connections, {} ms)\n",
            base.connections, base.delay_ms
        );
        for name in &names {
            explain_line(&mut md, run, base, Sweep::Workers, name);
        }
    }
    md.push('\n');
    how_it_was_run(&mut md, run);

    md.push_str("\n## Every point\n\n");
    sections::table(&mut md, run);
    sections::explain_columns(&mut md);
    sections::what_to_look_at(&mut md, run, "### What to look at, point by point");
    sections::load_generators_section(&mut md, run, "### Load generators");
    md
}

/// The charts (or why one is not there), the points missing from them, and how to read them.
fn charts_section(md: &mut String, run: &Run, base: Base, names: &[String], drawn: &[&str]) {
    md.push_str("## Charts\n\n");
    for (file, alt, sweep) in CHARTS {
        let any = names
            .iter()
            .any(|name| has_measured(run, sweep, base, name));
        if any {
            chart_line(md, file, alt, drawn, true);
        }
        if file.starts_with("latency") {
            continue;
        }
        let missing = sweep::missing(run, sweep, base);
        if !missing.is_empty() {
            let _ = write!(md, "**Missing from the {} charts:**", sweep.name());
            for point in missing {
                let _ = write!(
                    md,
                    " {} at c={} d={} ms w={} ({}: {});",
                    point.variant.name,
                    point.load.connections,
                    point
                        .load
                        .delay_ms
                        .map_or("?".to_owned(), |d| d.to_string()),
                    point.load.workers,
                    point.status.outcome(),
                    point.status.reason().unwrap_or("the run stopped during it"),
                );
            }
            md.push_str("\n\n");
        }
    }
    md.push_str(
        "Solid lines: measured. Dashed: the Little's-law bound, concurrency / delay (concurrency: the\n\
workers where the wait blocks a thread, else the connections). Dotted: the effective bound,\n\
concurrency / the unloaded latency that each point measured first (wrk -t1 -c1): the wait as\n\
it really is. Each chart's data is beside it in `charts/` (`<chart>.csv`).\n",
    );
}

/// tokio's timer against a timerfd at each connection count, where the sweep has both.
fn timers_along_connections(md: &mut String, run: &Run, base: Base, names: &[String]) {
    let find = |kind: &str| {
        names.iter().find(|name| {
            sweep::curve(run, Sweep::Connections, base, name)
                .first()
                .is_some_and(|m| {
                    m.point.variant.family == Some(Family::Rust)
                        && m.point.variant.kind.as_deref() == Some(kind)
                        && !m.point.variant.real_call
                })
        })
    };
    let (Some(tokio), Some(timerfd)) = (find("async"), find("async-timerfd")) else {
        return;
    };
    let side = |point: &Point| {
        let report = point.measured()?;
        Some(Side {
            rate: report.req_per_sec,
            loaded_us: report.latency.mean_us?,
            unloaded_us: point.unloaded.as_ref()?.latency.mean_us?,
        })
    };
    let tokio_curve = sweep::curve(run, Sweep::Connections, base, tokio);
    let timerfd_curve = sweep::curve(run, Sweep::Connections, base, timerfd);
    let _ = writeln!(
        md,
        "\n## tokio's timer against a timerfd (connections, at {} ms)\n\n{tokio} sleeps with `tokio::time::sleep` (1 ms ticks, each deadline rounded up), {timerfd} with a timerfd (nanosecond deadlines). The gap between them splits in two by Little's law: the timer's part comes from the difference in unloaded latency (one request alone), the load's part is the rest.\n",
        base.delay_ms
    );
    let mut table = Table::new(md, &format!("Connections | {tokio} req/s | {timerfd} req/s | Gap | Due to the timer | Due to the load | Unloaded latency, {tokio} / {timerfd}"));
    for tokio_point in &tokio_curve {
        let x = Sweep::Connections.x(&tokio_point.point);
        let Some(timerfd_point) = timerfd_curve
            .iter()
            .find(|m| Sweep::Connections.x(&m.point).total_cmp(&x).is_eq())
        else {
            continue;
        };
        let (Some(a), Some(b)) = (side(&tokio_point.point), side(&timerfd_point.point)) else {
            continue;
        };
        let Some(split) = timers::attribute(a, b) else {
            continue;
        };
        table.row(&[
            &x,
            &format!("{}{}", rate(Some(a.rate)), runs_range(tokio_point)),
            &format!("{}{}", rate(Some(b.rate)), runs_range(timerfd_point)),
            &signed_rate(split.rate_gap),
            &signed_rate(split.timer_rate),
            &signed_rate(split.load_rate),
            &format!("{} / {}", ms(Some(a.unloaded_us)), ms(Some(b.unloaded_us))),
        ]);
    }
}

/// Each variant sleeping and calling a real downstream at each connection count, where the
/// sweep has both (`--downstream both`): where the two curves part.
fn real_calls_along_connections(md: &mut String, run: &Run, base: Base, names: &[String]) {
    let Some(body) = real_calls(run, base, names) else {
        return;
    };
    let _ = write!(
        md,
        "\n## The simulated wait beside a real call (connections, at {} ms)\n\nEach variant sleeping {} ms, and calling a real downstream that waits {} ms (NAME+http: see the bench report's section of the same name), at each connection count, interleaved. The sleep model holds where the real call is within ±{} of the sleep.\n{body}",
        base.delay_ms,
        base.delay_ms,
        base.delay_ms,
        pct(HOLDS_WITHIN),
    );
}

/// The tables and findings of `real_calls_along_connections`, one per variant measured
/// both ways; `None` where the sweep has no such variant. Also the README's block.
pub fn real_calls(run: &Run, base: Base, names: &[String]) -> Option<String> {
    let mut md = String::new();
    let first = |name: &String| {
        sweep::curve(run, Sweep::Connections, base, name)
            .into_iter()
            .next()
            .map(|m| m.point.variant.clone())
    };
    let pairs: Vec<(&String, &String)> = names
        .iter()
        .filter_map(|call| {
            let call_variant = first(call)?;
            let sleep = names
                .iter()
                .find(|sleep| first(sleep).is_some_and(|v| real_call::twins(&v, &call_variant)))?;
            Some((sleep, call))
        })
        .collect();
    if pairs.is_empty() {
        return None;
    }
    for (sleep, call) in pairs {
        md.push('\n');
        let mut table = Table::new(&mut md, &format!("Connections | {sleep} req/s | {call} req/s | Real ÷ sleep | Unloaded, sleep / real call | Server CPU per request, sleep / real call | Server busy (cores), sleep / real call | Downstream CPU per request"));
        let sleep_curve = sweep::curve(run, Sweep::Connections, base, sleep);
        let call_curve = sweep::curve(run, Sweep::Connections, base, call);
        let mut parted: Vec<String> = Vec::new();
        let rate_runs = |r: f64, m: &Merged<'_>| format!("{}{}", rate(Some(r)), runs_range(m));
        for sleep_point in &sleep_curve {
            let x = Sweep::Connections.x(&sleep_point.point);
            let Some(call_point) = call_curve
                .iter()
                .find(|m| Sweep::Connections.x(&m.point).total_cmp(&x).is_eq())
            else {
                continue;
            };
            let (a, b) = (&sleep_point.point, &call_point.point);
            let (Some(a_report), Some(b_report)) = (a.measured(), b.measured()) else {
                continue;
            };
            let ratio =
                (a_report.req_per_sec > 0.0).then(|| b_report.req_per_sec / a_report.req_per_sec);
            if let Some(ratio) = ratio.filter(|r| (r - 1.0).abs() > HOLDS_WITHIN) {
                parted.push(parted_at(x, ratio, a, b));
            }
            let unloaded = |p: &Point| p.unloaded.as_ref().and_then(|u| u.latency.mean_us);
            let busy = |p: &Point| {
                real_call::busy_cores(p).map_or_else(|| "—".to_owned(), |busy| format!("{busy:.2}"))
            };
            let downstream = b
                .downstream_cpu_per_request_us()
                .map_or_else(|| "—".to_owned(), |us| format!("{us:.0} µs"));
            table.row(&[
                &x,
                &rate_runs(a_report.req_per_sec, sleep_point),
                &rate_runs(b_report.req_per_sec, call_point),
                &ratio.map_or("—".to_owned(), of_sleep),
                &format!("{} / {}", ms(unloaded(a)), ms(unloaded(b))),
                &format!("{} / {}", cpu_per_request(a), cpu_per_request(b)),
                &format!("{} / {}", busy(a), busy(b)),
                &downstream,
            ]);
        }
        let _ = if parted.is_empty() {
            writeln!(
                md,
                "\n{call} stays within ±{} of {sleep} at every connection count measured.",
                pct(HOLDS_WITHIN)
            )
        } else {
            writeln!(
                md,
                "\n{call} parts from {sleep} by more than ±{}:\n\n{}",
                pct(HOLDS_WITHIN),
                parted.join("\n")
            )
        };
    }
    Some(md)
}

/// The server's CPU per answered request, as "20 µs"; "—" where not measured.
fn cpu_per_request(point: &Point) -> String {
    match point.cpu_per_request_us() {
        None => "—".to_owned(),
        // /proc counts CPU time in ticks of 10 ms: none counted is less than one tick's share.
        Some(us) if us <= 0.0 => point.measured().map_or_else(String::new, |r| {
            format!("< {:.0} µs", 0.01 * 1e6 / r.requests as f64)
        }),
        Some(us) => format!("{us:.0} µs"),
    }
}

/// One load where the real call parts from the sleep, and why.
fn parted_at(x: f64, ratio: f64, sleep: &Point, call: &Point) -> String {
    let at = format!(
        "- at {x} connection{}, {} of the sleep's req/s",
        if x > 1.0 { "s" } else { "" },
        of_sleep(ratio)
    );
    match real_call::why(sleep, call, ratio) {
        Why::Latency { expected } => format!(
            "{at}: one call alone is {} than one sleep alone (the unloaded latencies), and Little's law with each one's predicts {}: the latency of one call, not the load.",
            if expected > 1.0 { "shorter" } else { "longer" },
            pct(expected)
        ),
        Why::Cpu {
            busy,
            threads,
            cpu_per_request_us,
            ceiling,
        } => format!(
            "{at}: the server's {threads} worker thread{} busy {busy:.2} core{} over the measured run; at {cpu_per_request_us:.0} µs of CPU per request {} at most {} req/s: the client's CPU, not the wait, bounds it here.",
            if threads == 1 { " was" } else { "s were" },
            if busy < 1.5 { "" } else { "s" },
            if threads == 1 { "it serves" } else { "they serve" },
            rate(Some(ceiling)),
        ),
        Why::Unexplained { expected, busy } => format!(
            "{at}: neither the latency of one call (Little's law with the unloaded latencies predicts {}) nor the server's own CPU (busy {} of its {} worker thread(s)) accounts for it: the machine's other load (wrk, the downstream, on the same cores) is the next suspect.",
            expected.map_or("—".to_owned(), pct),
            busy.map_or("—".to_owned(), |b| format!("{b:.2}")),
            call.load.workers,
        ),
    }
}

/// " (mean of 3 runs: 8200–8400)" where a point ran more than once.
fn runs_range(merged: &Merged<'_>) -> String {
    match merged.spread(|p| p.measured().map(|r| r.req_per_sec)) {
        Some(spread) if spread.count > 1 => format!(
            " (mean of {} runs: {}–{})",
            spread.count,
            rate(Some(spread.min)),
            rate(Some(spread.max))
        ),
        _ => String::new(),
    }
}

fn at(point: &Point) -> String {
    format!("c={}", point.load.connections)
}

fn req(point: &Point) -> f64 {
    point.measured().map_or(0.0, |r| r.req_per_sec)
}

/// Why a point is below its bounds, in numbers.
fn why(run: &Run, point: &Point, derived: &Derived) -> String {
    let mut text = String::new();
    let effective = derived
        .effective_fraction
        .map_or("—".to_owned(), |f| pct_against(f, NEAR_BOUND));
    if let Some(wait) = notes::longer_wait(point) {
        let _ = write!(
            text,
            " The wait itself is longer than the delay: one request alone takes {}, not {} ms (timer granularity and overhead: +{}), so its effective bound is {} req/s, of which it reached {effective}.",
            ms(Some(wait.unloaded_mean_us)),
            wait.delay_ms,
            ms(Some(wait.unloaded_mean_us - wait.delay_ms as f64 * 1000.0)),
            rate(derived.effective_bound),
        );
    } else if derived.effective_fraction.is_some() {
        let _ = write!(
            text,
            " Its effective bound (concurrency / unloaded latency {}) is {} req/s, of which it reached {effective}.",
            ms(point.unloaded.as_ref().and_then(|u| u.latency.mean_us)),
            rate(derived.effective_bound),
        );
    }
    if let Some((usage, verdict)) = notes::cpu_of(point, derived, run.cores()) {
        text.push_str(&cpu_text(&usage, &verdict, point, run.cores()));
    }
    if let Some(report) = point.measured() {
        if report.errors.timeout > 0 {
            let _ = write!(
                text,
                " wrk's --timeout {} dropped {} slow requests from its latencies.",
                or_unknown(point.load.timeout.as_ref()),
                report.errors.timeout
            );
        }
        if report.errors.failures() > 0 {
            let _ = write!(
                text,
                " {} socket errors or non-2xx answers.",
                report.errors.failures()
            );
        }
    }
    text
}

/// One variant's connections curve against its bound, in words (one sentence per case, as
/// the report reads: long, but straight).
#[allow(clippy::too_many_lines)]
fn explain_connections(md: &mut String, run: &Run, base: Base, name: &str) {
    let points = sweep::curve(run, Sweep::Connections, base, name);
    let story = sweep::connections_story(&points);
    let rule = points
        .first()
        .map_or_else(|| "concurrency / delay".to_owned(), |m| m.point.rule_text());
    let _ = write!(md, "- **{name}** (bound: {rule}).");
    let (Some((first, first_d)), Some((last, last_d))) =
        (story.measured.first(), story.measured.last())
    else {
        let _ = writeln!(md, " No point of this sweep was measured.");
        return;
    };
    let fraction_of = |value: f64| first_d.bound.map_or("—".to_owned(), |b| pct(value / b));
    if first.variant.blocks == Some(true) {
        let (low, high) = (
            story.low.unwrap_or(0.0),
            story.peak.map_or(0.0, |(p, _)| req(p)),
        );
        let steady = (req(last) > 0.0).then(|| f64::from(last.load.connections) / req(last) * 1e6);
        let _ = write!(
            md,
            " The bound does not grow with the connections: a blocked thread serves one request per {} ms, so from {} to {} it served {}–{} req/s ({}–{} of its {} req/s bound), while the latency grew with the queue in front of that thread: p50 {} at {}, {} at {} (steady state by Little's law: connections / throughput = {} at {}).",
            first.load.delay_ms.unwrap_or(0),
            at(first),
            at(last),
            rate(Some(low)),
            rate(Some(high)),
            fraction_of(low),
            fraction_of(high),
            rate(first_d.bound),
            ms(first.measured().and_then(|r| r.latency.p50_us)),
            at(first),
            ms(last.measured().and_then(|r| r.latency.p50_us)),
            at(last),
            ms(steady),
            at(last),
        );
        if let Some((left, left_d)) = story.left {
            let _ = write!(
                md,
                " It fell below {} of the bound at {} ({} req/s):{}",
                pct(NEAR_BOUND),
                at(left),
                rate(Some(req(left))),
                why(run, left, &left_d)
            );
        }
    } else if let Some((left, left_d)) = story.left {
        if let Some((kept, kept_d)) = story.kept {
            let _ = write!(
                md,
                " It followed its bound (at least {} of it) up to {}: {} req/s, {} of {}.",
                pct(NEAR_BOUND),
                at(kept),
                rate(Some(req(kept))),
                pct_against(kept_d.fraction.unwrap_or(0.0), NEAR_BOUND),
                rate(kept_d.bound)
            );
        }
        let _ = write!(
            md,
            " **It leaves its bound at {}**: {} req/s, {} of {}.{}",
            at(left),
            rate(Some(req(left))),
            pct_against(left_d.fraction.unwrap_or(0.0), NEAR_BOUND),
            rate(left_d.bound),
            why(run, left, &left_d)
        );
        if !std::ptr::eq(*last, left) {
            let _ = write!(
                md,
                " At {}: {} req/s, {} of its {} req/s bound.{}",
                at(last),
                rate(Some(req(last))),
                pct_against(last_d.fraction.unwrap_or(0.0), NEAR_BOUND),
                rate(last_d.bound),
                why(run, last, last_d)
            );
        }
        if let Some((peak, _)) = story.peak {
            let _ = write!(
                md,
                " Its peak: {} req/s at {}.",
                rate(Some(req(peak))),
                at(peak)
            );
        }
    } else {
        let _ = write!(
            md,
            " It stayed within {} of its bound at every point, up to {} req/s at {}.",
            pct(NEAR_BOUND),
            rate(Some(req(last))),
            at(last)
        );
        if let Some(effective) = last_d.effective_fraction {
            let _ = write!(md, " ({} of the effective bound there.)", pct(effective));
        }
    }
    if story.timeouts > 0 {
        let _ = write!(
            md,
            " **{} requests timed out** across this sweep (wrk `--timeout {}`) and are missing from its latency figures.",
            story.timeouts,
            or_unknown(last.load.timeout.as_ref())
        );
    }
    let _ = writeln!(
        md,
        " At {}: peak RSS {}, {} threads, p99 latency {}.",
        at(last),
        last.samples
            .server_peak_rss_kb
            .map_or("—".to_owned(), megabytes),
        last.samples
            .server_threads_max
            .map_or("—".to_owned(), |t| t.to_string()),
        ms(last.measured().and_then(|r| r.latency.p99_us)),
    );
}

/// One variant's delay or workers curve, point by point, and why at its worst.
fn explain_line(md: &mut String, run: &Run, base: Base, sweep: Sweep, name: &str) {
    let points = sweep::curve(run, sweep, base, name);
    if points.is_empty() {
        return;
    }
    for (index, merged) in points.iter().enumerate() {
        let point = &merged.point;
        let x = sweep.x(point);
        let x_text = match sweep {
            Sweep::Workers => format!(
                "{x} worker{}",
                if (x - 1.0).abs() < f64::EPSILON {
                    ""
                } else {
                    "s"
                }
            ),
            _ => format!("{x} ms"),
        };
        if index == 0 {
            let _ = write!(md, "- **{name}**: {x_text}: ");
        } else {
            let _ = write!(md, "; {x_text}: ");
        }
        let Some(report) = point.measured() else {
            let _ = write!(md, "**{}**", point.status.outcome());
            continue;
        };
        let derived = crate::analysis::bounds::derive(point);
        let _ = write!(
            md,
            "{} req/s{}",
            rate(Some(report.req_per_sec)),
            runs_range(merged)
        );
        match derived.fraction {
            Some(f) => {
                let _ = write!(
                    md,
                    " ({} of {}",
                    pct_against(f, NEAR_BOUND),
                    rate(derived.bound)
                );
            }
            None => md.push_str(" (no bound at delay 0"),
        }
        match derived.effective_fraction {
            Some(f) => {
                let _ = write!(
                    md,
                    ", {} of effective {})",
                    pct_against(f, NEAR_BOUND),
                    rate(derived.effective_bound)
                );
            }
            None => md.push(')'),
        }
    }
    md.push_str(".\n");
    if let Some((worst, derived)) = sweep::furthest_below(&points) {
        let _ = writeln!(
            md,
            "  Furthest below its bounds at {}={}:{}",
            sweep.name(),
            sweep.x(worst),
            why(run, worst, &derived)
        );
    }
}

/// How the sweep was run, and why so, in numbers.
fn how_it_was_run(md: &mut String, run: &Run) {
    let meta = &run.meta;
    let (duration, warmup, timeout, primer) = (
        or_unknown(meta.duration.as_ref()),
        or_unknown(meta.warmup.as_ref()),
        or_unknown(meta.timeout.as_ref()),
        or_unknown(meta.primer.as_ref()),
    );
    md.push_str("## How this sweep was run, and why so\n\n");
    let _ = writeln!(
        md,
        "- Each point: a fresh server, the checks of `make bench`, a {primer} primer with one connection (`wrk -t1 -c1`: the unloaded latency, hence the effective bound), {}, then {duration} measured; variants interleaved at each setting, so that they meet the machine's other load alike.",
        if warmup == "0" { "no warm-up".to_owned() } else { format!("a {warmup} warm-up at full load") }
    );
    if warmup != "0" {
        let not_warmed: Vec<String> = run
            .points
            .iter()
            .filter(|p| p.load.warmup.as_ref().is_some_and(Span::is_zero))
            .filter_map(|p| p.dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let _ = writeln!(
            md,
            "- The warm-up is skipped where the wait blocks a thread and the queue, connections × delay / threads, exceeds {} ms (here: {}): such a server has nothing to warm, and it would owe the warm-up's closed connections that long of answers before the measured run could start.",
            or_unknown(meta.warmup_max_queue_ms),
            if not_warmed.is_empty() { "no point".to_owned() } else { not_warmed.join(" ") }
        );
    }
    let max_connections = meta
        .connections_list
        .as_ref()
        .and_then(|list| list.items().filter_map(|c| c.parse::<u64>().ok()).max());
    let delay = meta.delay_ms.unwrap_or(0) as f64;
    let duration_s = meta.duration.as_ref().and_then(Span::seconds);
    let timeout_s = meta.timeout.as_ref().and_then(Span::seconds);
    if let (Some(max), Some(duration_s)) = (max_connections, duration_s) {
        let queue_s = max as f64 * delay / 1000.0;
        if queue_s >= duration_s {
            let _ = writeln!(
                md,
                "- At {max} connections and {delay} ms, one blocked thread needs {max} × {delay} ms = {queue_s} s to serve every connection once: not less than the {duration} run. So the run sees that queue fill up, not its steady state: every request it answers has waited at most {duration}, so those latencies are the fill-up's (the steady state, by Little's law, is connections / throughput, given above for the largest point). `--timeout {timeout}` is {}",
                if timeout_s.is_some_and(|t| t > duration_s) {
                    "longer than the run, so no answered request is ever dropped from the latencies: a timeout counted there is a real failure, and is reported."
                } else {
                    "not longer than the run: requests that waited longer are dropped from the latencies and counted as timeouts, reported per point."
                }
            );
        }
    }
    let _ = writeln!(
        md,
        "- Stopping a blocked server costs up to its {} s grace: it finishes the requests still queued when wrk closes its connections.",
        grace_s(run)
    );
    if let Some(elapsed) = run.elapsed_s {
        let predicted = meta.predicted_s.unwrap_or(0);
        let _ = writeln!(
            md,
            "- The whole sweep took {} min {} s of wall time (the plan estimated {} min {} s).",
            elapsed / 60,
            elapsed % 60,
            predicted / 60,
            predicted % 60
        );
    }
}

/// The report of a sweep.
pub struct SweepReport;

impl super::RunReport for SweepReport {
    fn charts(&self, run: &Run) -> Vec<super::charts::Planned> {
        charts(run)
    }
    fn summary(&self, run: &Run, drawn: &[&str]) -> String {
        summary(run, drawn)
    }
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)> {
        vec![("summary.csv", super::csv::write(run))]
    }
}

/// The reference sweep's figures, per variant: one sentence each, every figure in place.
#[allow(clippy::too_many_lines)]
pub fn readme(run: &Run) -> String {
    let base = self::base(run);
    let names = self::variants(run);
    let (mut md, path) = opening(
        run,
        "make sweep",
        &machine(run),
        &format!(
            "{} points, {}",
            run.points.iter().filter(|p| p.run <= 1).count(),
            runs_text(run).replace("per variant", "per point")
        ),
    );
    chart_images(
        &mut md,
        run,
        &path,
        self::CHARTS.map(|(file, alt, _)| (file, alt)),
    );
    let curve = |name: &str, sweep: Sweep| crate::analysis::sweep::curve(run, sweep, base, name);
    let at = |name: &str, sweep: Sweep, x: f64| {
        curve(name, sweep)
            .into_iter()
            .find(|m| sweep.x(&m.point).total_cmp(&x).is_eq() && m.point.status.is_ok())
    };
    for name in &names {
        let points = curve(name, Sweep::Connections);
        let measured: Vec<_> = points.iter().filter(|m| m.point.status.is_ok()).collect();
        let (Some(first), Some(last)) = (measured.first(), measured.last()) else {
            continue;
        };
        let rate_of = |m: &crate::analysis::runs::Merged<'_>| {
            let mean = m.point.measured().map_or(0.0, |r| r.req_per_sec);
            match m.spread(|p| p.measured().map(|r| r.req_per_sec)) {
                Some(s) if s.count > 1 => format!(
                    "{} ({}–{})",
                    quote::req(mean),
                    quote::req(s.min),
                    quote::req(s.max)
                ),
                _ => quote::req(mean),
            }
        };
        let fraction = |m: &crate::analysis::runs::Merged<'_>| {
            crate::analysis::bounds::derive(&m.point)
                .fraction
                .map_or("—".to_owned(), pct)
        };
        let p50 = |m: &crate::analysis::runs::Merged<'_>| {
            ms(m.point.measured().and_then(|r| r.latency.p50_us))
        };
        let _ = write!(
            md,
            "- **{name}**, connections {}–{} at {} ms: {} req/s ({} of its bound) at c={}, {} req/s ({}) at c={}; p50 latency {} at c={}, {} at c={}.",
            first.point.load.connections,
            last.point.load.connections,
            base.delay_ms,
            rate_of(first),
            fraction(first),
            first.point.load.connections,
            rate_of(last),
            fraction(last),
            last.point.load.connections,
            p50(first),
            first.point.load.connections,
            p50(last),
            last.point.load.connections,
        );
        if let Some(base_point) = at(name, Sweep::Connections, f64::from(base.connections)) {
            let _ = write!(
                md,
                " At {} connections: {} req/s, {} of its bound.",
                base.connections,
                rate_of(&base_point),
                fraction(&base_point)
            );
        }
        let samples = &last.point.samples;
        if let (Some(rss), Some(threads)) = (samples.server_peak_rss_kb, samples.server_threads_max)
        {
            let _ = write!(
                md,
                " At c={}: peak RSS {:.1} MB, {} threads.",
                last.point.load.connections,
                rss as f64 / 1024.0,
                threads
            );
        }
        let workers = curve(name, Sweep::Workers);
        let worker_figures: Vec<String> = workers
            .iter()
            .filter(|m| m.point.status.is_ok())
            .map(|m| {
                format!(
                    "{} req/s with {} ({})",
                    rate_of(m),
                    m.point.load.workers,
                    fraction(m)
                )
            })
            .collect();
        if worker_figures.len() > 1 {
            let _ = write!(md, " With more workers: {}.", worker_figures.join(", "));
        }
        let delays: Vec<String> = curve(name, Sweep::Delay)
            .iter()
            .filter(|m| m.point.status.is_ok())
            .map(|m| {
                let delay = m.point.load.delay_ms.unwrap_or(0);
                match crate::analysis::bounds::derive(&m.point).fraction {
                    Some(f) => format!("{} at {delay} ms", pct(f)),
                    None => format!("{} req/s at {delay} ms (no bound)", rate_of(m)),
                }
            })
            .collect();
        if !delays.is_empty() {
            let _ = write!(md, " Against the delay: {}.", delays.join(", "));
        }
        md.push('\n');
    }
    md
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
            xy(&|p| crate::analysis::bounds::derive(p).bound),
        ),
    ];
    if with_effective {
        lines.push(line(
            None,
            variant,
            Stroke::Dotted,
            false,
            "effective",
            xy(&|p| crate::analysis::bounds::derive(p).effective_bound),
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
pub fn charts(run: &Run) -> Vec<Planned> {
    let base = base(run);
    let names = variants(run);
    let heading = |what: String| vec![what, format!("{}; {}", machine_title(run), load_text(run))];
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
