//! The report of a C10k run (`make sweep-c10k`): summary.md (what a connection costs each
//! variant and where it breaks, the charts, every point, the machine's limits, how it was
//! measured), c10k.csv (every point's C10k figures) and the charts' descriptions: memory, and
//! threads and descriptors, against connections, beside the sweep's throughput and latency.

use std::fmt::Write as _;

use crate::analysis::c10k::{self, Breaks, Cost, Fit, BUSY_MACHINE_SHARE, ERRORS_ALLOWED};
use crate::chart::{Axis, Chart, LinePanel, Panel, Scale, Series, Stroke};
use crate::model::{Point, Run};
use crate::output::charts::{machine_title, LineRow, Planned};
use crate::output::csv::{fixed, to_string, us};
use crate::output::format::{megabytes, ms, pct, rate, thousands};
use crate::output::quote::{self, chart_images, opening};
use crate::output::sections::{
    chart_line, cores_line, incomplete_banner, machine_line, threads_flag,
};
use crate::output::sweep::{load_text, variants};
use crate::output::table::Table;
use crate::parse::meta::{or, or_unknown, Text};
use crate::parse::wrk::Errors;

/// The charts of a C10k run: file (without extension), what it shows.
pub const CHARTS: [(&str, &str); 4] = [
    (
        "memory-vs-connections",
        "The server's peak memory against connections",
    ),
    (
        "threads-vs-connections",
        "The server's threads and open descriptors against connections",
    ),
    (
        "throughput-vs-connections",
        "Throughput against connections, with each variant's bounds",
    ),
    (
        "latency-vs-connections",
        "p50 and p99 latency against connections",
    ),
];

/// A count per connection: "1", "2", "0.51".
pub fn per_connection(slope: f64) -> String {
    let whole = slope.round();
    if (slope - whole).abs() < 0.05 {
        // Never "-0".
        format!("{:.0}", if whole == 0.0 { 0.0 } else { whole })
    } else {
        format!("{slope:.2}")
    }
}

/// Memory per connection, KiB: "~28 KiB", "~6.5 KiB".
pub fn kib_per_connection(slope: f64) -> String {
    if slope.abs() >= 10.0 {
        format!("~{slope:.0} KiB")
    } else if slope.abs() < 0.05 {
        "~0 KiB".to_owned()
    } else {
        format!("~{slope:.1} KiB")
    }
}

fn plural(count: &str, one: &str, many: &str) -> String {
    if count == "1" {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}

/// "1,000–5,000 connections, 3 points".
fn fitted_over(fit: &Fit) -> String {
    format!(
        "{}–{} connections, {} points",
        thousands(fit.x_min),
        thousands(fit.x_max),
        fit.points
    )
}

/// What the variant declares one connection costs (variants.table): "2 descriptors, 1 thread".
fn declared_text(cost: &Cost<'_>) -> String {
    let fds = cost
        .declared_fds()
        .map_or("?".to_owned(), |f| f.to_string());
    let (threads, cap) = cost.declared_threads();
    let threads = threads.map_or("?".to_owned(), |t| t.to_string());
    let cap = cap.map_or(String::new(), |cap| format!(" (at most {cap})"));
    format!(
        "{}, {}{cap}",
        plural(&fds, "descriptor", "descriptors"),
        plural(&threads, "thread", "threads")
    )
}

/// wrk's errors in words: "3 connect errors, 1 timeout".
fn errors_text(errors: &Errors) -> String {
    let kinds = [
        (errors.connect, "connect error", "connect errors"),
        (errors.read, "read error", "read errors"),
        (errors.write, "write error", "write errors"),
        (errors.status, "non-2xx answer", "non-2xx answers"),
        (errors.timeout, "timeout", "timeouts"),
    ];
    kinds
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, one, many)| plural(&thousands(*count as f64), one, many))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a point breaks, in words.
fn breaks_text(run: &Run, point: &Point, why: &Breaks) -> String {
    match why {
        Breaks::Skipped { why, .. } => format!("skipped before any load: {why}"),
        Breaks::Failed(why) => format!("it ran and failed: {why}"),
        Breaks::Interrupted => "the run stopped during it".to_owned(),
        Breaks::Errors(errors) => format!(
            "wrk counted {} (more than {ERRORS_ALLOWED}), at {} req/s",
            errors_text(errors),
            rate(point.measured().map(|r| r.req_per_sec))
        ),
        Breaks::NotAllOpen { held_max } => {
            let mut text = format!(
                "the server was never seen holding all {} connections at once during the {} run (at most {}, in {} counts of its descriptors)",
                thousands(f64::from(point.load.connections)),
                or(run.meta.duration.as_ref(), "measured"),
                held_max.map_or("?".to_owned(), |h| thousands(f64::from(h))),
                point
                    .c10k
                    .as_ref()
                    .and_then(|c| c.fd_samples)
                    .map_or("?".to_owned(), |n| n.to_string())
            );
            if let Some(backlog) = point.c10k.as_ref().and_then(|c| c.listen_backlog) {
                if backlog < point.load.connections {
                    let _ = write!(
                        text,
                        "; the kernel queues at most {} connections for its accept() (its listen backlog), the others retry their SYN",
                        thousands(f64::from(backlog))
                    );
                }
            }
            text
        }
    }
}

/// The short form for the table: "10,000: skipped (open files of the server (ulimit -n):
/// needs 20,064, allowed 20,000)".
fn breaks_cell(point: &Point, why: &Breaks) -> String {
    let at = thousands(f64::from(point.load.connections));
    match why {
        Breaks::Skipped {
            limit: Some(limit), ..
        } => format!(
            "{at}: skipped ({}: needs {}, allowed {})",
            limit.describe(),
            limit.needed.map_or("?".to_owned(), |n| thousands(n as f64)),
            limit
                .allowed
                .map_or("?".to_owned(), |n| thousands(n as f64))
        ),
        Breaks::Skipped { limit: None, .. } => format!("{at}: skipped"),
        Breaks::Failed(_) => format!("{at}: failed"),
        Breaks::Interrupted => format!("{at}: interrupted"),
        Breaks::Errors(errors) => format!("{at}: {}", errors_text(errors)),
        Breaks::NotAllOpen { held_max } => format!(
            "{at}: held at most {} at once",
            held_max.map_or("?".to_owned(), |h| thousands(f64::from(h)))
        ),
    }
}

/// The fixed part (the intercepts): "3.2 MiB, 5 threads, 9 descriptors"; for a capped pool,
/// the range of its threads instead.
fn fixed_text(cost: &Cost<'_>) -> String {
    let (Some(memory), Some(threads), Some(fds)) = (cost.memory_kib, cost.threads, cost.fds) else {
        return "—".to_owned();
    };
    let threads = match cost.pool() {
        Some(pool) => format!(
            "{}–{} threads (its pool)",
            thousands(f64::from(pool.threads_low)),
            thousands(f64::from(pool.threads_high))
        ),
        None => plural(
            &format!("{:.0}", threads.intercept.round().max(0.0)),
            "thread",
            "threads",
        ),
    };
    format!(
        "{:.1} MiB, {threads}, {}",
        memory.intercept / 1024.0,
        plural(
            &format!("{:.0}", fds.intercept.round().max(0.0)),
            "descriptor",
            "descriptors"
        )
    )
}

/// One variant in a sentence or three.
fn cost_sentence(md: &mut String, run: &Run, cost: &Cost<'_>) {
    let _ = write!(md, "- **{}**: ", cost.variant);
    if let (Some(memory), Some(threads), Some(fds)) = (cost.memory_kib, cost.threads, cost.fds) {
        let threads_text = per_connection(threads.slope);
        let fds_text = per_connection(fds.slope);
        let _ = write!(
            md,
            "{}, {} and {} per connection (least squares over {}), beside {} that it holds whatever the connections.",
            plural(&threads_text, "thread", "threads"),
            plural(&fds_text, "descriptor", "descriptors"),
            kib_per_connection(memory.slope),
            fitted_over(&memory),
            fixed_text(cost)
        );
        let declared_fds = cost.declared_fds();
        let (declared_threads, _) = cost.declared_threads();
        let pool = cost.pool();
        let threads_agree = match pool {
            Some(pool) => pool.within_cap(),
            None => {
                declared_threads.is_some_and(|d| per_connection(threads.slope) == d.to_string())
            }
        };
        let agrees = threads_agree
            && declared_fds.is_some_and(|d| per_connection(fds.slope) == d.to_string());
        if let Some(pool) = pool {
            let _ = write!(
                md,
                " Its threads are a pool that grows with the requests in flight, not the connections: {}–{} threads at these counts{}.",
                thousands(f64::from(pool.threads_low)),
                thousands(f64::from(pool.threads_high)),
                if pool.within_cap() {
                    format!(", within its cap of {}", thousands(f64::from(pool.cap)))
                } else {
                    format!(", **above its cap of {}**", thousands(f64::from(pool.cap)))
                }
            );
        }
        if agrees {
            let _ = write!(
                md,
                " variants.table declares {}: the measurement agrees.",
                declared_text(cost)
            );
        } else {
            let _ = write!(
                md,
                " variants.table declares {}: **the measurement differs**, so the limit checks count with the wrong figures for this variant.",
                declared_text(cost)
            );
        }
    } else {
        let _ = write!(
            md,
            "fewer than two points with every connection held at once, so no slope ({} of {} points).",
            cost.fitted.len(),
            cost.points.len()
        );
    }
    match &cost.breaks {
        Some((point, why)) => {
            let _ = writeln!(
                md,
                " **It breaks at {} connections**: {}.",
                thousands(f64::from(point.load.connections)),
                breaks_text(run, point, why)
            );
        }
        None => {
            let _ = writeln!(
                md,
                " It does not break up to {} connections.",
                cost.points
                    .last()
                    .map_or("?".to_owned(), |p| thousands(f64::from(p.load.connections)))
            );
        }
    }
}

/// The table of what a connection costs, one row per variant.
fn costs_table(md: &mut String, costs: &[Cost<'_>]) {
    let mut table = Table::new(md, "Variant | Memory per connection | Threads per connection | Descriptors per connection | Beside the connections | Declared (variants.table) | Fitted over | Breaks at");
    for cost in costs {
        let cell = |fit: Option<Fit>, show: fn(f64) -> String| {
            fit.map_or("—".to_owned(), |f| show(f.slope))
        };
        table.row(&[
            &cost.variant,
            &cell(cost.memory_kib, kib_per_connection),
            &if cost.pool().is_some() {
                "0 (a pool)".to_owned()
            } else {
                cell(cost.threads, per_connection)
            },
            &cell(cost.fds, per_connection),
            &fixed_text(cost),
            &declared_text(cost),
            &cost.memory_kib.as_ref().map_or("—".to_owned(), fitted_over),
            &cost
                .breaks
                .as_ref()
                .map_or("does not break".to_owned(), |(p, why)| breaks_cell(p, why)),
        ]);
    }
}

/// "0.49–0.74 s": the moment every connection was first held lies in that range.
fn open_cell(point: &Point) -> String {
    let Some(c10k) = point.c10k.as_ref() else {
        return "—".to_owned();
    };
    match (c10k.open_ms, c10k.open_resolution_ms) {
        (Some(open), Some(resolution)) => format!(
            "{:.2}–{:.2} s",
            ((open - resolution) / 1000.0).max(0.0),
            open / 1000.0
        ),
        (Some(open), None) => format!("{:.2} s", open / 1000.0),
        (None, _) if point.status.is_ok() => "never".to_owned(),
        (None, _) => "—".to_owned(),
    }
}

/// Every point, and why each one that breaks does.
fn points_table(md: &mut String, run: &Run, names: &[String]) {
    let mut table = Table::new(md, "Variant | Connections | Outcome | Req/sec | Avg latency | p99 | Errors | Timeouts | Peak RSS | Threads | Open descriptors | Held at most | All open after | CPU per request");
    let mut sorted: Vec<&Point> = run.points.iter().collect();
    let place = |p: &Point| names.iter().position(|n| *n == p.variant.name);
    sorted.sort_by_key(|p| (p.load.connections, place(p), p.seq));
    let mut reasons = Vec::new();
    for point in sorted {
        let c10k = point.c10k.as_ref();
        let count =
            |value: Option<u32>| value.map_or("—".to_owned(), |v| thousands(f64::from(v)));
        let outcome = match c10k::breaks(point) {
            Some(why) => {
                reasons.push(format!(
                    "- {} at {}: {}.",
                    point.variant.name,
                    thousands(f64::from(point.load.connections)),
                    breaks_text(run, point, &why)
                ));
                match why {
                    Breaks::Errors(_) => "ok, with errors".to_owned(),
                    Breaks::NotAllOpen { .. } => "ok, not all open".to_owned(),
                    _ => format!("**{}**", point.status.outcome()),
                }
            }
            None => "ok".to_owned(),
        };
        let report = point.measured();
        let errors = report.map(|r| r.errors);
        table.row(&[
            &point.variant.name,
            &thousands(f64::from(point.load.connections)),
            &outcome,
            &rate(report.map(|r| r.req_per_sec)),
            &ms(report.and_then(|r| r.latency.mean_us)),
            &ms(report.and_then(|r| r.latency.p99_us)),
            &errors.map_or("—".to_owned(), |e| e.failures().to_string()),
            &errors.map_or("—".to_owned(), |e| e.timeout.to_string()),
            &point
                .samples
                .server_peak_rss_kb
                .map_or("—".to_owned(), megabytes),
            &count(point.samples.server_threads_max),
            &count(c10k.and_then(|c| c.fds_max)),
            &count(c10k.and_then(|c| c.held_max)),
            &open_cell(point),
            &ms(point.cpu_per_request_us()),
        ]);
    }
    if !reasons.is_empty() {
        md.push_str("\nWhere a point breaks, and why:\n\n");
        for reason in reasons {
            let _ = writeln!(md, "{reason}");
        }
    }
}

/// The machine's limits, from meta.json.
fn limits_section(md: &mut String, run: &Run) {
    let meta = &run.meta;
    // A limit as the machine gave it: a number with its thousands, or "unlimited".
    let limit = |value: Option<&Text>| match value.and_then(|text| text.parse::<f64>().ok()) {
        Some(number) => thousands(number),
        None => or_unknown(value),
    };
    let number = |value: Option<u64>| value.map_or_else(|| "?".to_owned(), |n| thousands(n as f64));
    md.push_str("## This machine's limits\n\n");
    let _ = writeln!(
        md,
        "- Open files: {} per process (hard limit {}), for the server and for wrk alike: the harness raises its soft limits (open files, processes) to the hard ones before any load, and its log says so; fs.file-max {}.",
        limit(meta.limit_open_files.as_ref()),
        limit(meta.limit_open_files_hard.as_ref()),
        number(meta.file_max),
    );
    let _ = writeln!(
        md,
        "- Tasks (every thread is one): kernel.pid_max {}, kernel.threads-max {}, ulimit -u {}; {} were running when the run started. A point may bring them to {}% of pid_max and of threads-max (the machine is shared).",
        number(meta.pid_max),
        number(meta.threads_max),
        limit(meta.limit_user_processes.as_ref()),
        number(meta.tasks_at_start),
        or_unknown(meta.tasks_share_pct),
    );
    let _ = writeln!(
        md,
        "- Memory: {} available at the start; a point may take up to {}% of it, counted with generous figures per connection (variants.table and scripts/limits.sh).",
        meta.memory_available_kb
            .map_or("?".to_owned(), |kb| format!("{} MiB", thousands(kb as f64 / 1024.0))),
        or_unknown(meta.memory_share_pct),
    );
    let mut backlogs: Vec<String> = Vec::new();
    for name in variants(run) {
        if let Some(backlog) = run
            .points
            .iter()
            .filter(|p| p.variant.name == name)
            .find_map(|p| p.c10k.as_ref()?.listen_backlog)
        {
            backlogs.push(format!("{name} {}", thousands(f64::from(backlog))));
        }
    }
    let _ = writeln!(
        md,
        "- Accept backlog: net.core.somaxconn {} caps every listen() backlog; the servers got {} (ss, Send-Q of the listening socket). Connections beyond it wait for the server's accept(): the kernel drops their SYN and the client retries it after 1 s, 3 s, ...",
        number(meta.somaxconn),
        if backlogs.is_empty() { "—".to_owned() } else { backlogs.join(", ") },
    );
    let _ = writeln!(
        md,
        "- Local ports: net.ipv4.ip_local_port_range {}: each of wrk's connections to one server takes one.",
        or_unknown(meta.local_port_range.as_ref()),
    );
    md.push_str(
        "\nEach point's needs were compared with these before the run and again just before the point (scripts/limits.sh); a point that would exceed one was skipped, and is listed above with the limit and the figure it would need.\n",
    );
}

/// Where the rest of the machine's CPU went during the measured runs, and where other
/// processes took too much of it.
fn others_line(md: &mut String, run: &Run) {
    let rests: Vec<(&Point, c10k::Elsewhere)> = run
        .points
        .iter()
        .filter_map(|p| Some((p, c10k::elsewhere(p, run.cores())?)))
        .collect();
    let span = |pick: fn(&c10k::Elsewhere) -> f64| {
        let low = rests.iter().map(|(_, r)| pick(r)).reduce(f64::min);
        let high = rests.iter().map(|(_, r)| pick(r)).reduce(f64::max);
        match (low, high) {
            (Some(low), Some(high)) => format!("{low:.2}–{high:.2} s"),
            _ => "—".to_owned(),
        }
    };
    if rests.is_empty() {
        return;
    }
    let busy: Vec<String> = rests
        .iter()
        .filter(|(_, rest)| rest.others_share() > BUSY_MACHINE_SHARE)
        .map(|(p, rest)| {
            format!(
                "{} at {} ({})",
                p.variant.name,
                thousands(f64::from(p.load.connections)),
                pct(rest.others_share())
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "- The machine's CPU during each measured run beside the server's and wrk's: the harness {}, the kernel's interrupt work (loopback networking, charged to no process) {}, the hypervisor (steal) {}, other processes {}. {}",
        span(|r| r.harness_s),
        span(|r| r.kernel_irq_s),
        span(|r| r.steal_s),
        span(|r| r.others_s),
        if busy.is_empty() {
            format!(
                "Other processes never took more than {} of the machine (its cores × the run).",
                pct(BUSY_MACHINE_SHARE)
            )
        } else {
            format!(
                "They took more than {} of the machine (its cores × the run) at: {}: there the CPU-bound figures (req/s, latency) are lower than a quiet machine would give; memory, threads and descriptors do not depend on it.",
                pct(BUSY_MACHINE_SHARE),
                busy.join(", ")
            )
        }
    );
}

/// How the figures were taken.
fn how_section(md: &mut String, run: &Run) {
    let meta = &run.meta;
    let span = |values: Vec<f64>| -> String {
        let low = values.iter().copied().reduce(f64::min);
        let high = values.iter().copied().reduce(f64::max);
        match (low, high) {
            (Some(low), Some(high)) => format!("{low:.0}–{high:.0} ms"),
            _ => "—".to_owned(),
        }
    };
    let counting = span(
        run.points
            .iter()
            .filter_map(|p| p.c10k.as_ref()?.fd_count_ms)
            .collect(),
    );
    let harness = span(
        run.points
            .iter()
            .filter_map(|p| Some(p.c10k.as_ref()?.harness_cpu_s? * 1000.0))
            .collect(),
    );
    let resolution = span(
        run.points
            .iter()
            .filter_map(|p| p.c10k.as_ref()?.open_resolution_ms)
            .collect(),
    );
    md.push_str("## How it was measured\n\n");
    let _ = writeln!(
        md,
        "- Each point: a fresh server, the checks of `make bench`, one connection alone for {} (`wrk -t1 -c1`, the unloaded latency), then {} measured with no warm-up: opening the connections is part of what is measured, and wrk's req/sec is over the whole run, the opening included.",
        or_unknown(meta.primer.as_ref()),
        or_unknown(meta.duration.as_ref()),
    );
    let _ = writeln!(
        md,
        "- Peak RSS is the server's VmHWM and Threads the most it ran, from /proc/PID/status every {} s during the measured run. CPU per request: the server's CPU seconds in that run / the requests wrk counted.",
        or_unknown(meta.sample_period_s.as_ref()),
    );
    let per_descriptor_us = match (meta.fd_count_us, meta.fd_count_budget_pct) {
        (Some(cost), Some(budget)) if budget > 0 => {
            format!("{:.0} µs", cost as f64 * 100.0 / budget as f64)
        }
        _ => "?".to_owned(),
    };
    let _ = writeln!(
        md,
        "- Open descriptors: counted from /proc/PID/fd (a glob in bash, no fork) at the {} s samples, but after a count of N descriptors not again for N × {per_descriptor_us} (a count costs ~{} µs a descriptor: this keeps counting near {}% of one core), until the server held every connection, then every {} s. Counting took {counting} of wall time per point; sampling and counting together cost the harness {harness} of CPU per point, on the cores the load ran on.",
        or_unknown(meta.sample_period_s.as_ref()),
        or_unknown(meta.fd_count_us),
        or_unknown(meta.fd_count_budget_pct),
        or_unknown(meta.fd_interval_after_open_s),
    );
    let _ = writeln!(
        md,
        "- *Held at most*: (descriptors − the fresh server's) / its descriptors per connection as declared. *All open after*: from wrk's start to the first count at which the server held every connection; the moment lies between that count and the one before, so it is shown as that range (its width, the resolution, was {resolution} here). wrk's own descriptors cannot tell: it creates every socket at once and connects them without waiting.",
    );
    others_line(md, run);
    if let Some(elapsed) = run.elapsed_s {
        let predicted = meta.predicted_s.unwrap_or(0);
        let _ = writeln!(
            md,
            "- The whole run took {} min {} s of wall time (the plan estimated {} min {} s).",
            elapsed / 60,
            elapsed % 60,
            predicted / 60,
            predicted % 60
        );
    }
}

/// summary.md of a C10k run; `drawn` lists the charts that were drawn.
pub fn summary(run: &Run, drawn: &[&str]) -> String {
    let names = variants(run);
    let costs = c10k::costs(run, &names);
    let meta = &run.meta;
    let mut md = format!("# C10k run {}\n\n", run.id());
    incomplete_banner(&mut md, run, "The tables");
    let _ = writeln!(
        md,
        "What one connection costs each variant, and where each one breaks: {} at {} connections, {} ms per request, 1 worker; `wrk {} -d{} --timeout {}` per point.\n{}\n{}\n",
        names.join(" "),
        or_unknown(meta.connections_list.as_ref()),
        or_unknown(meta.delay_ms),
        threads_flag(&run.points),
        or_unknown(meta.duration.as_ref()),
        or_unknown(meta.timeout.as_ref()),
        machine_line(run),
        cores_line(run),
    );
    md.push_str("## What a connection costs\n\n");
    costs_table(&mut md, &costs);
    md.push('\n');
    for cost in &costs {
        cost_sentence(&mut md, run, cost);
    }
    let _ = writeln!(
        md,
        "\nPer connection: the slopes of the server's peak memory, most threads and most descriptors against the connections, fitted by least squares over the points where it held every connection at once; *beside the connections*: the same lines at 0 connections. A point *breaks* where it was skipped for a limit of the machine, failed, counted more than {ERRORS_ALLOWED} errors (wrk's socket errors, non-2xx answers and timeouts), or was never seen holding every connection at once.\n"
    );

    md.push_str("## Charts\n\n");
    let measured = run.points.iter().any(|p| p.status.is_ok());
    for (file, alt) in CHARTS {
        chart_line(&mut md, file, alt, drawn, measured);
    }
    md.push_str("Points that were not measured are missing from the charts; the table below gives each one and why.\n\n");

    md.push_str("## Every point\n\n");
    points_table(&mut md, run, &names);
    md.push('\n');
    limits_section(&mut md, run);
    md.push('\n');
    how_section(&mut md, run);
    crate::output::sections::load_generators_section(&mut md, run, "## Load generators");
    md
}

/// One row of c10k.csv, its columns in order.
#[derive(serde::Serialize, Default)]
struct Row<'a> {
    variant: &'a str,
    connections: u32,
    status: String,
    req_per_sec: String,
    requests: Option<u64>,
    latency_mean_us: String,
    latency_p99_us: String,
    errors: Option<u64>,
    timeouts: Option<u64>,
    server_peak_rss_kb: Option<u64>,
    server_threads_max: Option<u32>,
    server_fds_max: Option<u32>,
    server_idle_fds: Option<u32>,
    server_idle_threads: Option<u32>,
    connections_held_max: Option<u32>,
    open_ms: String,
    open_resolution_ms: String,
    cpu_per_request_us: String,
    server_cpu_s: String,
    fd_samples: Option<u32>,
    fd_count_ms: String,
    harness_cpu_s: String,
    client_cpu_s: String,
    machine_cpu_busy_s: String,
    kernel_irq_s: String,
    steal_s: String,
    listen_backlog: Option<u32>,
    declared_fds: Option<u32>,
    declared_threads: Option<u32>,
    limit: Option<&'a str>,
    limit_needed: Option<u64>,
    breaks: Option<String>,
}

/// c10k.csv: every point's C10k figures, one row per point.
pub fn csv(run: &Run) -> String {
    to_string(run.points.iter().map(|point| {
        let c10k = point.c10k.as_ref();
        let report = point.measured();
        let limit = c10k.and_then(|c| c.limit.as_ref());
        Row {
            variant: &point.variant.name,
            connections: point.load.connections,
            status: point.status.outcome().to_lowercase(),
            req_per_sec: fixed(report.map(|r| r.req_per_sec), 2),
            requests: report.map(|r| r.requests),
            latency_mean_us: us(report.and_then(|r| r.latency.mean_us)),
            latency_p99_us: us(report.and_then(|r| r.latency.p99_us)),
            errors: report.map(|r| r.errors.failures()),
            timeouts: report.map(|r| r.errors.timeout),
            server_peak_rss_kb: point.samples.server_peak_rss_kb,
            server_threads_max: point.samples.server_threads_max,
            server_fds_max: c10k.and_then(|c| c.fds_max),
            server_idle_fds: c10k.and_then(|c| c.idle_fds),
            server_idle_threads: c10k.and_then(|c| c.idle_threads),
            connections_held_max: c10k.and_then(|c| c.held_max),
            open_ms: fixed(c10k.and_then(|c| c.open_ms), 1),
            open_resolution_ms: fixed(c10k.and_then(|c| c.open_resolution_ms), 1),
            cpu_per_request_us: fixed(point.cpu_per_request_us(), 1),
            server_cpu_s: fixed(point.samples.server_cpu_s, 2),
            fd_samples: c10k.and_then(|c| c.fd_samples),
            fd_count_ms: fixed(c10k.and_then(|c| c.fd_count_ms), 1),
            harness_cpu_s: fixed(c10k.and_then(|c| c.harness_cpu_s), 2),
            client_cpu_s: fixed(point.samples.client_cpu_s, 2),
            machine_cpu_busy_s: fixed(point.samples.machine_cpu_busy_s, 2),
            kernel_irq_s: fixed(c10k.and_then(|c| c.kernel_irq_s), 2),
            steal_s: fixed(c10k.and_then(|c| c.steal_s), 2),
            listen_backlog: c10k.and_then(|c| c.listen_backlog),
            declared_fds: c10k.and_then(|c| c.declared_fds),
            declared_threads: c10k.and_then(|c| c.declared_threads),
            limit: limit.map(|l| l.name.as_str()),
            limit_needed: limit.and_then(|l| l.needed),
            breaks: c10k::breaks(point).map(|why| breaks_cell(point, &why)),
        }
    }))
}

/// One line per variant of `pick` (measured points) against connections, and its data rows.
fn lines<'a>(
    run: &Run,
    names: &'a [String],
    panel: &'a str,
    pick: fn(&Point) -> Option<f64>,
    data: &mut Vec<LineRow<'a>>,
) -> Vec<Series> {
    let mut series = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let mut points: Vec<(f64, f64)> = run
            .points
            .iter()
            .filter(|p| &p.variant.name == name && p.status.is_ok())
            .filter_map(|p| Some((f64::from(p.load.connections), pick(p)?)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if points.is_empty() {
            continue;
        }
        data.extend(
            points
                .iter()
                .map(|&xy| LineRow::new(panel, name, "measured", xy)),
        );
        series.push(Series {
            label: Some(name.clone()),
            variant: index,
            stroke: Stroke::Solid,
            markers: true,
            points,
        });
    }
    series
}

/// The C10k run's charts: memory, threads and descriptors against connections (log-log, one
/// line per variant), then the sweep's throughput and latency against connections.
pub fn charts(run: &Run) -> Vec<Planned> {
    let names = variants(run);
    let heading = |what: &str| {
        vec![
            what.to_owned(),
            format!("{}; {}", machine_title(run), load_text(run)),
        ]
    };
    let connections = "Connections (wrk -c, log scale)";
    let key = |what: &str| vec![(Stroke::Solid, what.to_owned())];
    let mut planned = Vec::new();

    let mut data = Vec::new();
    let memory = lines(
        run,
        &names,
        "peak RSS MiB",
        |p| p.samples.server_peak_rss_kb.map(|kb| kb as f64 / 1024.0),
        &mut data,
    );
    if !memory.is_empty() {
        planned.push(Planned {
            file: CHARTS[0].0,
            chart: Chart {
                title: heading("The server's peak memory against connections (measured points)"),
                width: 1000,
                height: 620,
                panels: vec![Panel::Lines(LinePanel {
                    title: String::new(),
                    x: Axis::new(connections, Scale::Log),
                    y: Axis::new("Peak RSS (VmHWM, MiB, log scale)", Scale::Log),
                    series: memory,
                    key: key("measured: the server's peak during the run"),
                })],
            },
            data: to_string(data),
        });
    }

    let mut data = Vec::new();
    let threads = lines(
        run,
        &names,
        "threads",
        |p| p.samples.server_threads_max.map(f64::from),
        &mut data,
    );
    let descriptors = lines(
        run,
        &names,
        "descriptors",
        |p| p.c10k.as_ref()?.fds_max.map(f64::from),
        &mut data,
    );
    if !threads.is_empty() {
        let mut panels = vec![Panel::Lines(LinePanel {
            title: "Threads".to_owned(),
            x: Axis::new(connections, Scale::Log),
            y: Axis::new("Threads (the most seen, log scale)", Scale::Log),
            series: threads,
            key: key("measured: the most during the run"),
        })];
        if !descriptors.is_empty() {
            panels.push(Panel::Lines(LinePanel {
                title: "Open descriptors".to_owned(),
                x: Axis::new(connections, Scale::Log),
                y: Axis::new("Open descriptors (the most counted, log scale)", Scale::Log),
                series: descriptors,
                key: key("measured: the most during the run"),
            }));
        }
        planned.push(Planned {
            file: CHARTS[1].0,
            chart: Chart {
                title: heading(
                    "The server's threads and open descriptors against connections (measured points)",
                ),
                width: 1300,
                height: 620,
                panels,
            },
            data: to_string(data),
        });
    }
    planned.extend(crate::output::sweep::charts(run));
    planned
}

/// The report of a C10k sweep.
pub struct C10kReport;

impl super::RunReport for C10kReport {
    fn charts(&self, run: &Run) -> Vec<Planned> {
        charts(run)
    }
    fn summary(&self, run: &Run, drawn: &[&str]) -> String {
        summary(run, drawn)
    }
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)> {
        vec![
            ("summary.csv", super::csv::write(run)),
            ("c10k.csv", csv(run)),
        ]
    }
}

/// The README's part of a C10k run: what a connection costs each variant (the table and a
/// sentence per variant), and its two charts of the costs.
pub fn readme(run: &Run) -> String {
    let (mut md, path) = opening(
        run,
        "make sweep-c10k",
        &quote::machine(run),
        &format!("{} points, one run", run.points.len()),
    );
    let names = variants(run);
    let costs = c10k::costs(run, &names);
    costs_table(&mut md, &costs);
    md.push('\n');
    for cost in &costs {
        cost_sentence(&mut md, run, cost);
    }
    md.push('\n');
    chart_images(&mut md, run, &path, CHARTS);
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::c10k::{C10kFigures, Limit};
    use crate::model::{RunKind, Status};
    use crate::testing;

    #[test]
    fn figures_per_connection() {
        let cases = [
            (1.0004, "1", "~1.0 KiB"),
            (1.98, "2", "~2.0 KiB"),
            (0.0, "0", "~0 KiB"),
            (-0.0001, "0", "~0 KiB"),
            (-1.2, "-1.20", "~-1.2 KiB"),
            (0.51, "0.51", "~0.5 KiB"),
            (27.6, "27.60", "~28 KiB"),
            (13.2, "13.20", "~13 KiB"),
        ];
        for (slope, count, kib) in cases {
            assert_eq!(per_connection(slope), count, "{slope}");
            assert_eq!(kib_per_connection(slope), kib, "{slope}");
        }
    }

    fn c10k_point(name: &str, kind: &str, connections: u32, seq: u32) -> Point {
        let mut point = testing::point(seq, name, "rust", kind, 100.0, 1e6);
        let per = if kind == "sync" { 2 } else { 1 };
        point.load.connections = connections;
        point.samples.server_peak_rss_kb = Some(3000 + u64::from(connections) * 28);
        point.samples.server_threads_max = Some(if kind == "sync" { connections + 5 } else { 1 });
        point.samples.server_cpu_s = Some(0.5);
        point.c10k = Some(C10kFigures {
            declared_fds: Some(per),
            declared_threads: Some(u32::from(kind == "sync")),
            idle_fds: Some(9),
            fds_max: Some(9 + connections * per),
            held_max: Some(connections),
            open_ms: Some(700.0),
            open_resolution_ms: Some(250.0),
            listen_backlog: Some(4096),
            ..C10kFigures::default()
        });
        point
    }

    fn c10k_run() -> Run {
        let mut skipped = c10k_point("sync-server", "sync", 10_000, 5);
        skipped.status = Status::Skipped(
            "the server needs 20064 open files (2 per connection + 64) but may open 20000"
                .to_owned(),
        );
        skipped.wrk = None;
        skipped.samples = crate::model::Samples::default();
        if let Some(c10k) = skipped.c10k.as_mut() {
            *c10k = C10kFigures {
                declared_fds: Some(2),
                declared_threads: Some(1),
                limit: Some(Limit {
                    name: "server_open_files".to_owned(),
                    needed: Some(20064),
                    allowed: Some(20000),
                }),
                ..C10kFigures::default()
            };
        }
        let mut not_all = c10k_point("async-server", "async", 10_000, 6);
        if let Some(c10k) = not_all.c10k.as_mut() {
            c10k.open_ms = None;
            c10k.held_max = Some(6403);
            c10k.fd_samples = Some(40);
        }
        let points = vec![
            c10k_point("sync-server", "sync", 1000, 1),
            c10k_point("async-server", "async", 1000, 2),
            c10k_point("sync-server", "sync", 5000, 3),
            c10k_point("async-server", "async", 5000, 4),
            skipped,
            not_all,
        ];
        let mut run = testing::run(
            points,
            r#"{"kind": "c10k", "variants": "sync-server async-server", "connections_list": "1000 5000 10000", "delay_ms": 10, "duration": "8s", "timeout": "10s", "limit_open_files": 20000, "somaxconn": 4096}"#,
        );
        run.kind = RunKind::C10k;
        run
    }

    #[test]
    fn the_summary_states_each_cost_and_each_break() {
        let run = c10k_run();
        let md = summary(&run, &["memory-vs-connections"]);
        let expected = [
            "| sync-server | ~28 KiB | 1 | 2 | 2.9 MiB, 5 threads, 9 descriptors | 2 descriptors, 1 thread | 1,000–5,000 connections, 2 points | 10,000: skipped (open files of the server (ulimit -n): needs 20,064, allowed 20,000) |",
            "- **sync-server**: 1 thread, 2 descriptors and ~28 KiB per connection (least squares over 1,000–5,000 connections, 2 points)",
            "variants.table declares 2 descriptors, 1 thread: the measurement agrees.",
            "**It breaks at 10,000 connections**: skipped before any load: the server needs 20064 open files",
            "- **async-server**: 0 threads, 1 descriptor and ~28 KiB per connection",
            "**It breaks at 10,000 connections**: the server was never seen holding all 10,000 connections at once during the 8s run (at most 6,403, in 40 counts of its descriptors); the kernel queues at most 4,096 connections for its accept()",
            "| async-server | 10,000 | ok, not all open |",
            "| sync-server | 10,000 | **SKIPPED** |",
            "![The server's peak memory against connections](charts/memory-vs-connections.svg)",
            "*The server's threads and open descriptors against connections*: not drawn (its data: `charts/threads-vs-connections.csv`).",
            "| sync-server | 1,000 | ok | 100 | 1.00 s | 1.00 s | 0 | 0 | 30.3 MB | 1,005 | 2,009 | 1,000 | 0.45–0.70 s | 500 µs |",
        ];
        for line in expected {
            assert!(md.contains(line), "missing: {line}\n---\n{md}");
        }
    }

    #[test]
    fn the_csv_has_one_row_per_point_and_the_limit_of_a_skipped_one() {
        let run = c10k_run();
        let csv = csv(&run);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), 1 + run.points.len());
        let header: Vec<&str> = rows[0].split(',').collect();
        let skipped = rows
            .iter()
            .find(|row| row.starts_with("sync-server,10000,"))
            .unwrap();
        assert!(skipped.contains(",server_open_files,20064,"), "{skipped}");
        assert!(
            skipped.starts_with("sync-server,10000,skipped,"),
            "{skipped}"
        );
        assert_eq!(header.last(), Some(&"breaks"));
    }

    #[test]
    fn the_charts_put_each_variant_on_its_own_line() {
        let run = c10k_run();
        let planned = charts(&run);
        let files: Vec<&str> = planned.iter().map(|p| p.file).collect();
        assert_eq!(
            files,
            [
                "memory-vs-connections",
                "threads-vs-connections",
                "throughput-vs-connections",
                "latency-vs-connections"
            ]
        );
        let Panel::Lines(memory) = &planned[0].chart.panels[0] else {
            panic!("a line panel")
        };
        assert_eq!(memory.x.scale, Scale::Log);
        assert_eq!(memory.y.scale, Scale::Log);
        // (variant, its index, its measured (connections, MiB)): the skipped point is not drawn.
        let mib = |connections: f64| (3000.0 + connections * 28.0) / 1024.0;
        let expected = [
            (
                "sync-server",
                0,
                vec![(1000.0, mib(1000.0)), (5000.0, mib(5000.0))],
            ),
            (
                "async-server",
                1,
                vec![
                    (1000.0, mib(1000.0)),
                    (5000.0, mib(5000.0)),
                    (10_000.0, mib(10_000.0)),
                ],
            ),
        ];
        assert_eq!(memory.series.len(), expected.len());
        for ((name, index, points), series) in expected.iter().zip(&memory.series) {
            assert_eq!(series.label.as_deref(), Some(*name));
            assert_eq!(series.variant, *index);
            assert_eq!(&series.points, points, "{name}");
        }
        let Panel::Lines(threads) = &planned[1].chart.panels[0] else {
            panic!("a line panel")
        };
        assert_eq!(
            threads.series[0].points,
            vec![(1000.0, 1005.0), (5000.0, 5005.0)]
        );
        assert!(planned[1]
            .data
            .contains("descriptors,async-server,measured,10000,10009"));
    }
}
