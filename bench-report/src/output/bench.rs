//! A bench run (or a folder of wrk logs): summary.md (the table, how to read it, what to look
//! at, the seed's observations checked, figures across repeated runs, the languages side by
//! side, tokio's timer against a timerfd), the seed comparison chart with its data, and the
//! README blocks of bench runs.

use std::fmt::Write as _;

use crate::analysis::bounds::derive;
use crate::analysis::languages::{self, Pair};
use crate::analysis::notes::{self, NEAR_BOUND};
use crate::analysis::observations::{
    self, Compared, FamilyCheck, Trio, LOWER_FACTOR, MORE_FACTOR, SAME_BAND,
};
use crate::analysis::runs::{merge, Merged};
use crate::analysis::timers::{self, Attribution, Side};
use crate::analysis::variants::{summaries, VariantSummary};
use crate::chart::{Axis, BarGroup, BarPanel, Chart, Panel, Scale};
use crate::model::{Point, Run, RunKind};
use crate::output::charts::{machine_title, Planned};
use crate::output::csv::{fixed, to_string};
use crate::output::format::{ms, pct, pct_against, rate, thousands, times};
use crate::output::quote::{link, machine, opening, relative, req, runs_text, short_commit};
use crate::output::sections::{
    core_use_text, cores_line, explain_columns, incomplete_banner, load_generators_section,
    machine_line, placement, signed_rate, spread_text, table, threads_flag, what_to_look_at,
    Placement,
};
use crate::output::table::Table;
use crate::parse::meta::or_unknown;
use serde::Serialize;

/// The bench chart's file, relative to the run folder.
pub const SEED_CHART: &str = "charts/seed-comparison.svg";

/// summary.md of a bench run or a folder of logs. `chart` says whether the seed's
/// comparison chart was drawn.
pub fn bench(run: &Run, chart: bool) -> String {
    let mut md = String::new();
    let title = match run.kind {
        RunKind::Logs => "Summary of wrk logs".to_owned(),
        _ => format!("Benchmark run {}", run.id()),
    };
    let _ = writeln!(md, "# {title}\n");
    incomplete_banner(&mut md, run, "The table");
    let context = bench_context(run);
    if !context.is_empty() {
        let _ = writeln!(md, "{context}\n");
    }
    if run.points.is_empty() {
        md.push_str("No points were measured.\n");
        return md;
    }
    table(&mut md, run);
    explain_columns(&mut md);
    what_to_look_at(&mut md, run, "## What to look at");
    let variants = summaries(run);
    across_runs(&mut md, &variants);
    observations_section(&mut md, &variants);
    crate::output::real_call::section(&mut md, &variants);
    languages_section(&mut md, &variants);
    timer_section(&mut md, &variants);
    placement_section(&mut md, run);
    load_generators_section(&mut md, run, "## Load generators");
    let measured = run.points.iter().any(|p| p.status.is_ok());
    if chart && measured {
        let _ = writeln!(
            md,
            "\n## Chart\n\n![The seed's comparison: throughput against its bound, and latency]({SEED_CHART})"
        );
    }
    md
}

/// Where the run records its placement: the section that says where each side ran and how
/// much of its cores each used, point by point. Nothing for runs from before the setting.
fn placement_section(md: &mut String, run: &Run) {
    let Some(placement) = placement(run) else {
        return;
    };
    let what = match &placement {
        Placement::Shared(all) => format!(
            "shared: wrk and the servers on the same core(s), {all}; each share is of all of them"
        ),
        Placement::Split { servers, client } => {
            format!("split (taskset): the servers on core(s) {servers}, wrk on core(s) {client}")
        }
    };
    let _ = writeln!(
        md,
        "\n## Placement\n\n{what}. The CPU each side used during its measured run, as a share of the cores it could run on:\n"
    );
    let mut table = Table::new(md, "Point | Server and wrk");
    for point in run.points.iter().filter(|p| p.status.is_ok()) {
        table.row(&[&point.label(run.repeated()), &core_use_text(run, point)]);
    }
}

fn bench_context(run: &Run) -> String {
    let meta = &run.meta;
    if run.kind == RunKind::Logs {
        let delay = run.points.iter().find_map(|p| p.load.delay_ms);
        let workers = run.points.first().map_or(1, |p| p.load.workers);
        let source = meta.logs.as_ref().map_or("elsewhere", |logs| &logs.0);
        return format!(
            "wrk logs from `{source}`; delay per request: {}, {workers} worker(s). Machine: unknown (logs from elsewhere).",
            delay.map_or("unknown (no bound computed)".to_owned(), |d| format!("{d} ms")),
        );
    }
    let mut context = format!(
        "Load: `wrk {} -c{} -d{} --timeout {} --latency`",
        threads_flag(&run.points),
        or_unknown(meta.connections),
        or_unknown(meta.duration.as_ref()),
        or_unknown(meta.timeout.as_ref()),
    );
    match &meta.warmup {
        Some(warmup) if !warmup.is_zero() => {
            let _ = write!(context, " after a {warmup} warm-up;");
        }
        _ => context.push_str(" with no warm-up;"),
    }
    let _ = write!(context, " {} run(s) per variant;", or_unknown(meta.runs));
    if let Some(url) = &meta.url {
        let _ = write!(
            context,
            " server at {url}, not started by the harness (a bound is shown only if it was named after a variant, assuming a {} ms delay and {} worker(s)).",
            or_unknown(meta.delay_ms),
            or_unknown(meta.workers),
        );
    } else {
        let _ = write!(
            context,
            " each request to `/` waits {} ms; {} worker(s).",
            or_unknown(meta.delay_ms),
            or_unknown(meta.workers),
        );
    }
    let _ = write!(context, "\n{}\n{}", machine_line(run), cores_line(run));
    context
}

/// Where variants ran more than once: each figure's mean with its range.
fn across_runs(md: &mut String, variants: &[VariantSummary<'_>]) {
    if !variants.iter().any(|v| v.runs() > 1) {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Across runs\n\nEach variant's runs were interleaved with the others' (run 1 of every variant, then run 2, ...). Mean of the runs, with the smallest and largest in brackets:\n"
    );
    let mut table = Table::new(md, "Variant | Runs | Req/sec | Avg latency | p99 | Of bound | Unloaded latency | Of effective | CPU per request");
    for variant in variants {
        let runs = match variant.not_measured {
            0 => variant.runs().to_string(),
            n => format!("{} (+{n} not measured)", variant.runs()),
        };
        table.row(&[
            &variant.name,
            &runs,
            &spread_text(variant.rate(), |r| rate(Some(r))),
            &spread_text(variant.latency(), |us| ms(Some(us))),
            &spread_text(variant.p99(), |us| ms(Some(us))),
            &spread_text(variant.fraction(), pct),
            &spread_text(variant.unloaded(), |us| ms(Some(us))),
            &spread_text(variant.effective_fraction(), pct),
            &spread_text(variant.cpu_per_request_us(), |us| format!("{us:.0} µs")),
        ]);
    }
}

/// The seed's three observations, per family.
fn observations_section(md: &mut String, variants: &[VariantSummary<'_>]) {
    let _ = writeln!(
        md,
        "\n## The seed's three observations, checked against this run"
    );
    let checks = observations::check(variants);
    if checks.is_empty() {
        let _ = writeln!(
            md,
            "\nNot checked: none of these variants is in the table of known variants (variants.table)."
        );
    }
    for check in &checks {
        match check {
            FamilyCheck::NotChecked {
                family,
                present,
                missing,
            } => {
                let _ = writeln!(md, "\n{}", not_checked_text(family, present, missing));
            }
            FamilyCheck::Checked {
                family,
                trio,
                more,
                lower,
                higher,
            } => {
                let _ = writeln!(
                    md,
                    "\n### {family}: {}, {}, {}",
                    trio.sync.name, trio.async_.name, trio.blocking.name
                );
                observation_1(md, trio, more);
                observation_2(md, trio, lower.holds);
                observation_3(md, trio, higher);
            }
        }
    }
}

/// Why a family was not checked, naming what it measured and what it lacks.
pub fn not_checked_text(family: &str, present: &[(String, String)], missing: &[&str]) -> String {
    if present.is_empty() {
        return format!(
            "Not checked for the {family} servers: the observations need a measured sync, async and async-blocking variant; this run measured none of them."
        );
    }
    let measured = {
        present
            .iter()
            .map(|(kind, name)| format!("{name} ({kind})"))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    format!(
        "Not checked for the {family} servers: the observations need a measured sync, async and async-blocking variant; this run measured {measured}, but no {} variant.",
        missing.join(" and no ")
    )
}

fn runs_note(variant: &VariantSummary<'_>) -> String {
    if variant.runs() > 1 {
        format!(" (mean of {} runs)", variant.runs())
    } else {
        String::new()
    }
}

fn bound_note(variant: &VariantSummary<'_>) -> String {
    match (variant.fraction(), variant.bound()) {
        (Some(fraction), Some(bound)) => format!(
            "{} of its {} req/s bound",
            pct(fraction.mean),
            rate(Some(bound))
        ),
        _ => "no bound at delay 0".to_owned(),
    }
}

fn mean_rate(variant: &VariantSummary<'_>) -> f64 {
    variant.rate().map_or(0.0, |s| s.mean)
}

fn mean_latency(variant: &VariantSummary<'_>) -> f64 {
    variant.latency().map_or(0.0, |s| s.mean)
}

fn verdict(holds: bool) -> &'static str {
    if holds {
        "Holds"
    } else {
        "Does not hold"
    }
}

fn observation_1(md: &mut String, trio: &Trio<'_, '_>, more: &observations::MoreRequests) {
    let (s, a, b) = (trio.sync, trio.async_, trio.blocking);
    let ratio = |r: Option<f64>| r.map_or("∞×".to_owned(), times);
    let _ = writeln!(
        md,
        "\n1. *Clients can make significantly more requests to the async server.* **{}** (threshold: at least {MORE_FACTOR}× each of the others). {} served {} req/s{}: {} {} ({} req/s) and {} {} ({} req/s).",
        verdict(more.holds),
        a.name,
        rate(Some(mean_rate(a))),
        runs_note(a),
        ratio(more.over_sync),
        s.name,
        rate(Some(mean_rate(s))),
        ratio(more.over_blocking),
        b.name,
        rate(Some(mean_rate(b))),
    );
    let _ = writeln!(
        md,
        "   Why: Little's law, throughput = requests in flight / latency. {} and {} block a handler thread for each wait, so they serve at most threads / delay requests per second, whatever the connections ({}; {}); {} overlaps the waits of all {} connections ({}).",
        s.name,
        b.name,
        bound_note(s),
        bound_note(b),
        a.name,
        a.example.load.connections,
        bound_note(a),
    );
}

fn observation_2(md: &mut String, trio: &Trio<'_, '_>, holds: bool) {
    let (s, a, b) = (trio.sync, trio.async_, trio.blocking);
    let connections = f64::from(a.example.load.connections);
    let queue = |v: &VariantSummary<'_>| {
        let r = mean_rate(v);
        ms((r > 0.0).then(|| connections / r * 1e6))
    };
    let _ = writeln!(
        md,
        "\n2. *The async server with async downstream calls has significantly lower latency, even though the work is the same. Why?* **{}** (threshold: at most {} of each other's mean latency). {}: {}{}; {}: {}; {}: {}.",
        verdict(holds),
        pct(LOWER_FACTOR),
        a.name,
        ms(Some(mean_latency(a))),
        runs_note(a),
        s.name,
        ms(Some(mean_latency(s))),
        b.name,
        ms(Some(mean_latency(b))),
    );
    let _ = writeln!(
        md,
        "   Why: latency = waiting in line + the work. A server that serves threads / delay requests per second makes each request wait behind the others; if all {c} connections wait in view of wrk's clock, Little's law gives latency = connections / throughput: {c} / {} req/s = {} for {} (measured {}), {c} / {} = {} for {} (measured {}). {} gives every connection its own wait, so latency ≈ the {} ms delay plus overhead: {}.",
        rate(Some(mean_rate(s))),
        queue(s),
        s.name,
        ms(Some(mean_latency(s))),
        rate(Some(mean_rate(b))),
        queue(b),
        b.name,
        ms(Some(mean_latency(b))),
        a.name,
        a.example.load.delay_ms.map_or("?".to_owned(), |d| d.to_string()),
        ms(Some(mean_latency(a))),
        c = a.example.load.connections,
    );
}

fn observation_3(md: &mut String, trio: &Trio<'_, '_>, higher: &observations::HigherLatency) {
    let (s, b) = (trio.sync, trio.blocking);
    let word = match higher.compared {
        Compared::Higher => "Holds",
        Compared::Same => "Does not hold: about the same",
        Compared::Lower => "Does not hold: lower",
    };
    let connections = f64::from(s.example.load.connections);
    let flight = |v: &VariantSummary<'_>| v.in_flight().map_or(0.0, |f| f.mean);
    let (fs, fb) = (flight(s), flight(b));
    let _ = writeln!(
        md,
        "\n3. *The async server with sync downstream calls has higher latency than the sync server.* **{word}** (threshold: more than {} of sync's mean latency; within {}–{} counts as the same). {}: {}; {}: {} ({}).",
        pct(1.0 + SAME_BAND),
        pct(1.0 - SAME_BAND),
        pct(1.0 + SAME_BAND),
        b.name,
        ms(Some(mean_latency(b))),
        s.name,
        ms(Some(mean_latency(s))),
        higher.ratio.filter(|r| *r > 0.0).map_or("—".to_owned(), |r| format!("{} sync's", times(r))),
    );
    let visible = notes::VISIBLE * connections;
    let mut why = format!(
        "   Why: both block a handler thread for each wait, so both are held to threads / delay ({} req/s and {} req/s). The difference, if any, is where the waiting requests queue. wrk's latency clock starts when it writes a request, so it only sees requests the server has accepted. In flight (req/s × latency): {} {fs:.1}, {} {fb:.1}, of {} connections.",
        rate(Some(mean_rate(s))),
        rate(Some(mean_rate(b))),
        s.name,
        b.name,
        s.example.load.connections,
    );
    if fs >= visible && fb >= visible {
        why.push_str(" Both held (almost) every connection's request in their own queue, in view of wrk's clock, so both latencies ≈ connections × delay: the observation does not carry over. (In the seed, Python's http.server spoke HTTP/1.0, closed each connection and had an accept backlog of 5: most connections waited in the kernel's accept queue, outside wrk's clock, which made the sync server's latency look small.)");
    } else {
        let per_run = |total: u64, v: &VariantSummary<'_>| total / v.runs().max(1) as u64;
        if fs < visible {
            let _ = write!(
                why,
                " {} had only {fs:.1} of {} requests in flight by wrk's clock: the rest waited where the clock does not run (not yet accepted or read by the server, in the kernel's accept queue or a socket buffer; or failed: {} socket errors), so its latency counts only the end of the line.",
                s.name,
                s.example.load.connections,
                per_run(s.errors(), s),
            );
        }
        if fb < visible {
            let _ = write!(
                why,
                " {} had only {fb:.1} of {} requests in flight by wrk's clock (errors: {}, timeouts: {}).",
                b.name,
                b.example.load.connections,
                per_run(b.errors(), b),
                per_run(b.timeouts(), b),
            );
        } else {
            let _ = write!(
                why,
                " {} queued every connection's request itself, in view of the clock: latency ≈ connections / throughput.",
                b.name
            );
        }
    }
    let _ = writeln!(md, "{why}");
    if s.timeouts() + b.timeouts() > 0 {
        let _ = writeln!(
            md,
            "   Caution: {} ({}) and {} ({}) requests timed out and are missing from these latencies.",
            s.timeouts(),
            s.name,
            b.timeouts(),
            b.name
        );
    }
}

fn language_cell(variant: &VariantSummary<'_>) -> String {
    format!(
        "{}: {} req/s, {} avg, {} p99, {} max",
        variant.name,
        rate(variant.rate().map(|s| s.mean)),
        ms_one_decimal(variant.latency().map(|s| s.mean)),
        ms_one_decimal(variant.p99().map(|s| s.mean)),
        ms_one_decimal(variant.max_latency()),
    )
}

/// Latencies in the side-by-side table: one decimal, as the seed's own table reads.
fn ms_one_decimal(us: Option<f64>) -> String {
    match us {
        None => "—".to_owned(),
        Some(us) if us >= 1e6 => format!("{:.2} s", us / 1e6),
        Some(us) if us >= 1e3 => format!("{:.1} ms", us / 1e3),
        Some(us) => format!("{us:.0} µs"),
    }
}

/// Rust and Python, side by side, where a run measured an architecture in both.
fn languages_section(md: &mut String, variants: &[VariantSummary<'_>]) {
    let pairs = languages::pairs(variants);
    if pairs.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Rust and Python, side by side\n\nThe same architecture in both languages, measured in this run, on this machine, under the\nsame load. The last column is the seed's own Python figures, from the seed's machine (unknown\nhardware): shown for orientation, never compared with this run's numbers.\n"
    );
    let mut table = Table::new(md, "Architecture | Rust | Python | Rust ÷ Python (req/s) | Python ÷ Rust (avg latency) | CPU per request, Rust / Python | The seed's Python, its machine");
    for Pair { kind, rust, python } in &pairs {
        let seed = languages::seed(kind).map_or("—".to_owned(), |seed| {
            format!(
                "{} req/s, {} avg, {} max",
                rate(Some(seed.req_per_sec)),
                ms_one_decimal(seed.latency.mean_us),
                ms_one_decimal(seed.latency.max_us)
            )
        });
        let cpu = match (rust.cpu_per_request_us(), python.cpu_per_request_us()) {
            (Some(r), Some(p)) => format!("{:.0} µs / {:.0} µs", r.mean, p.mean),
            _ => "—".to_owned(),
        };
        table.row(&[
            kind,
            &language_cell(rust),
            &language_cell(python),
            &times(mean_rate(rust) / mean_rate(python)),
            &times(mean_latency(python) / mean_latency(rust)),
            &cpu,
            &seed,
        ]);
    }
    let _ = writeln!(
        md,
        "\nTimeouts (wrk's `--timeout`) are left out of every latency figure; see the main table."
    );
    if let Some(Pair { rust, python, .. }) = pairs.iter().find(|p| p.kind == "async") {
        let cpu = |v: &VariantSummary<'_>, missing: &str| {
            v.cpu_per_request_us()
                .map_or(missing.to_owned(), |s| format!("{:.0} µs", s.mean))
        };
        let _ = writeln!(
            md,
            "\n*Why the async servers differ:* both overlap every connection's wait, so both are bounded by connections / delay; what separates them is the work around the wait. {} spent {} of CPU per request, {} {}, on one event-loop thread that also has to share the machine's cores with wrk: the Python loop's turns grow longer, each request waits for more of them beyond its {} ms, and at connections / latency that is {} the throughput for Rust.",
            python.name,
            cpu(python, "an unmeasured amount"),
            rust.name,
            cpu(rust, "(not measured)"),
            python.example.load.delay_ms.map_or("?".to_owned(), |d| d.to_string()),
            times(mean_rate(rust) / mean_rate(python)),
        );
    }
    if pairs
        .iter()
        .any(|p| p.kind == "sync" || p.kind == "async-blocking")
    {
        let _ = writeln!(
            md,
            "\n*Why the blocking ones are alike:* a blocked thread serves one request per delay whatever the language, so both are held near workers / delay; the language only changes the small overhead around each {} ms wait, and where the waiting requests queue (see observation 3).",
            pairs[0].rust.example.load.delay_ms.map_or("?".to_owned(), |d| d.to_string()),
        );
    }
}

/// The two sleeps compared, where a run measured both: async-server (tokio's timer) and
/// async-timerfd (a timerfd), at the same load.
fn timer_section(md: &mut String, variants: &[VariantSummary<'_>]) {
    let Some((tokio, timerfd, tokio_side, timerfd_side)) = timers::pair(variants) else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## tokio's timer against a timerfd\n\nThe same app under the same load ({} connections, {} ms): {} sleeps with `tokio::time::sleep` (a timer wheel of 1 ms ticks, each deadline rounded up to the next tick), {} with a kernel timer of nanosecond deadlines (`--timer timerfd`).\n",
        tokio.example.load.connections,
        tokio.example.load.delay_ms.map_or("?".to_owned(), |d| d.to_string()),
        tokio.name,
        timerfd.name,
    );
    let mut table = Table::new(
        md,
        "Variant | Req/sec | Of bound | Avg latency | Unloaded latency | CPU per request",
    );
    for v in [tokio, timerfd] {
        table.row(&[
            &v.name,
            &spread_text(v.rate(), |r| rate(Some(r))),
            &spread_text(v.fraction(), pct),
            &spread_text(v.latency(), |us| ms(Some(us))),
            &spread_text(v.unloaded(), |us| ms(Some(us))),
            &spread_text(v.cpu_per_request_us(), |us| format!("{us:.1} µs")),
        ]);
    }
    if let Some(split) = timers::attribute(tokio_side, timerfd_side) {
        let _ = writeln!(
            md,
            "\n{}",
            timer_sentence(&tokio.name, &timerfd.name, &split, tokio_side, timerfd_side)
        );
    }
}

/// The gap between the two timers, in words: its timer part and its load part.
pub fn timer_sentence(
    tokio: &str,
    timerfd: &str,
    split: &Attribution,
    tokio_side: Side,
    timerfd_side: Side,
) -> String {
    let more = if split.rate_gap >= 0.0 {
        "more"
    } else {
        "fewer"
    };
    format!(
        "{timerfd} served {} req/s {more} than {tokio} ({} its throughput). One request alone takes {} less with the timerfd ({} against {}): by Little's law, with {tokio}'s requests in flight kept, that is {} req/s of the gap, the part due to the timer. The rest, {} req/s, is the load: under load a request took {} longer than alone on {tokio} and {} on {timerfd}.",
        rate(Some(split.rate_gap.abs())),
        times(timerfd_side.rate / tokio_side.rate),
        ms(Some(split.timer_us)),
        ms(Some(timerfd_side.unloaded_us)),
        ms(Some(tokio_side.unloaded_us)),
        signed_rate(split.timer_rate),
        signed_rate(split.load_rate),
        ms(Some(tokio_side.loaded_us - tokio_side.unloaded_us)),
        ms(Some(timerfd_side.loaded_us - timerfd_side.unloaded_us)),
    )
}

/// The report of a bench run, or of a folder of wrk logs.
pub struct BenchReport;

impl super::RunReport for BenchReport {
    fn charts(&self, run: &Run) -> Vec<super::charts::Planned> {
        chart(run).into_iter().collect()
    }
    fn summary(&self, run: &Run, drawn: &[&str]) -> String {
        bench(run, drawn.contains(&"seed-comparison"))
    }
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)> {
        vec![("summary.csv", super::csv::write(run))]
    }
}

/// The reference bench: the seed's table in this run, and its observations checked.
pub fn readme(run: &Run) -> String {
    let variants = summaries(run);
    let path = relative(run);
    let mut md = format!(
        "On {}, `make bench` at the defaults ({}; {}):\n\n",
        machine(run),
        runs_text(run),
        link(run, &path)
    );
    let mut table = Table::new(&mut md, "Variant | Req/sec | Avg latency | p99 | Bound (req/s) | Of bound | Unloaded latency | Of effective bound");
    for v in &variants {
        table.row(&[
            &v.name,
            &spread_text(v.rate(), req),
            &spread_text(v.latency(), |us| ms(Some(us))),
            &spread_text(v.p99(), |us| ms(Some(us))),
            &v.bound().map_or("—".to_owned(), req),
            &spread_text(v.fraction(), |f| pct_against(f, NEAR_BOUND)),
            &spread_text(v.unloaded(), |us| ms(Some(us))),
            &spread_text(v.effective_fraction(), |f| pct_against(f, NEAR_BOUND)),
        ]);
    }
    let _ = writeln!(
        md,
        "\n![The seed's comparison: throughput against its bound, and latency]({path}/charts/seed-comparison.svg)\n"
    );
    for check in observations::check(&variants) {
        let FamilyCheck::Checked {
            trio,
            more,
            lower,
            higher,
            ..
        } = check
        else {
            continue;
        };
        let verdict = |holds: bool| if holds { "holds" } else { "does not hold" };
        let latency = |v: &VariantSummary<'_>| v.latency().map_or(0.0, |s| s.mean);
        let throughput = |v: &VariantSummary<'_>| v.rate().map_or(0.0, |s| s.mean);
        let in_flight = |v: &VariantSummary<'_>| v.in_flight().map_or(0.0, |s| s.mean);
        let (s, a, b) = (trio.sync, trio.async_, trio.blocking);
        let _ = write!(
            md,
            "The seed's observations, checked by the report against these numbers: (1) **{}**: {} served {} and {} the requests of {} and {}; (2) **{}**: {} against {} and {}, because each blocked request waits behind the others ({} / {} req/s = {} by Little's law); (3) **{}**: {} and {}, because both queue every connection's request where wrk's clock sees them ({:.1} and {:.1} of {} in flight).",
            verdict(more.holds),
            a.name,
            more.over_sync.map_or("∞×".to_owned(), times),
            more.over_blocking.map_or("∞×".to_owned(), times),
            s.name,
            b.name,
            verdict(lower.holds),
            ms(Some(latency(a))),
            ms(Some(latency(s))),
            ms(Some(latency(b))),
            s.example.load.connections,
            rate(Some(throughput(s))),
            ms(Some(f64::from(s.example.load.connections) / throughput(s) * 1e6)),
            match higher.compared {
                Compared::Higher => "holds",
                Compared::Same => "does not hold: about the same",
                Compared::Lower => "does not hold: lower",
            },
            ms(Some(latency(b))),
            ms(Some(latency(s))),
            in_flight(s),
            in_flight(b),
            s.example.load.connections,
        );
        // Where the async server falls short of its bound, and why: the timer, then the load.
        if let (Some(unloaded), Some(fraction), Some(effective)) =
            (a.unloaded(), a.fraction(), a.effective_fraction())
        {
            let delay = a.example.load.delay_ms.unwrap_or(0);
            let concurrency = f64::from(a.example.load.connections);
            let _ = write!(
                md,
                " {} reaches {} of {} req/s: one request alone takes {} (a {delay} ms sleep on tokio's timer, which rounds each deadline up to its next 1 ms tick, plus the round trip), which allows at most {} req/s by Little's law, and it reached {} of that; the rest is the wait each request adds under load ({} against {} alone).",
                a.name,
                spread_text(Some(fraction), |f| pct_against(f, NEAR_BOUND)),
                req(a.bound().unwrap_or(0.0)),
                spread_text(Some(unloaded), |us| ms(Some(us))),
                req(concurrency * 1e6 / unloaded.mean),
                spread_text(Some(effective), |f| pct_against(f, NEAR_BOUND)),
                ms(a.latency().map(|s| s.mean)),
                ms(Some(unloaded.mean)),
            );
        }
        md.push('\n');
    }
    md
}

/// The seed's table, from its own published logs (built into this program).
pub fn readme_seed() -> String {
    let (Some(sync), Some(async_), Some(blocking)) = (
        languages::seed("sync"),
        languages::seed("async"),
        languages::seed("async-blocking"),
    ) else {
        return String::new();
    };
    let row = |name: &str, pick: &dyn Fn(&crate::parse::wrk::WrkReport) -> String| {
        format!(
            "| {name} | {} | {} | {} |\n",
            pick(&sync),
            pick(&async_),
            pick(&blocking)
        )
    };
    let mut md = String::from(
        "| Metric | Sync | Async + Async | Async + Sync |\n|--------|:----:|:-----:|:-----:|\n",
    );
    md.push_str(&row("Req/sec", &|r| format!("{:.2}", r.req_per_sec)));
    md.push_str(&row("Avg Latency", &|r| ms(r.latency.mean_us)));
    md.push_str(&row("Max Latency", &|r| ms(r.latency.max_us)));
    let errors = sync.errors;
    let in_flight = sync.req_per_sec * sync.latency.mean_us.unwrap_or(0.0) / 1e6;
    let _ = write!(
        md,
        "\n(From the seed's three wrk logs, `baselines/python/seed-results/`, which its own table rounds. Its sync server's log also reports socket errors: read {}, write {}, connect {}, timeout {}; and by Little's law only {in_flight:.1} of its {} requests were in flight by wrk's clock: {:.2} req/s × {}.)\n",
        errors.read,
        errors.write,
        errors.connect,
        errors.timeout,
        sync.connections.unwrap_or(0),
        sync.req_per_sec,
        ms(sync.latency.mean_us),
    );
    md
}

/// tokio's timer against a timerfd in each run given: one row per run (its connections).
pub fn readme_timers(runs: &[Run]) -> String {
    let (mut opening, mut rows) = (None, String::new());
    let mut table = Table::new(&mut rows, "Connections | Timer | Req/sec | Of bound | Avg latency | Unloaded latency | CPU per request | Report");
    let mut sentences = Vec::new();
    for run in runs {
        let variants = summaries(run);
        let Some((tokio, timerfd, a, b)) = timers::pair(&variants) else {
            continue;
        };
        let Some(split) = timers::attribute(a, b) else {
            continue;
        };
        opening.get_or_insert_with(|| format!("On {} ({}):\n", machine(run), runs_text(run)));
        let report = format!("[{}]({}/summary.md)", short_commit(run), relative(run));
        for (v, timer) in [(tokio, "tokio"), (timerfd, "timerfd")] {
            table.row(&[
                &thousands(f64::from(v.example.load.connections)),
                &format!("{timer} ({})", v.name),
                &spread_text(v.rate(), req),
                &spread_text(v.fraction(), pct),
                &spread_text(v.latency(), |us| ms(Some(us))),
                &spread_text(v.unloaded(), |us| ms(Some(us))),
                &spread_text(v.cpu_per_request_us(), |us| format!("{us:.1} µs")),
                &report,
            ]);
        }
        sentences.push(format!(
            "At {} connections: {}",
            thousands(f64::from(tokio.example.load.connections)),
            timer_sentence(&tokio.name, &timerfd.name, &split, a, b)
        ));
    }
    let Some(opening) = opening else {
        return String::new();
    };
    let mut md = format!("{opening}\n{rows}");
    for sentence in sentences {
        let _ = write!(md, "\n{sentence}\n");
    }
    md
}

/// The six-way run's side-by-side table.
pub fn readme_languages(run: &Run) -> String {
    let variants = summaries(run);
    let (mut md, _) = opening(run, "make bench-python", &machine(run), &runs_text(run));
    let mut table = Table::new(&mut md, "Architecture | Rust | Python (the seed's servers) | Rust ÷ Python, req/s | CPU per request, Rust / Python | The seed's Python, on its machine");
    for pair in languages::pairs(&variants) {
        let cell = |v: &VariantSummary<'_>| {
            format!(
                "{}: {} req/s, {} avg",
                v.name,
                spread_text(v.rate(), req),
                spread_text(v.latency(), |us| ms(Some(us)))
            )
        };
        let ratio = match (pair.rust.rate(), pair.python.rate()) {
            (Some(r), Some(p)) if p.mean > 0.0 => times(r.mean / p.mean),
            _ => "—".to_owned(),
        };
        let cpu = match (
            pair.rust.cpu_per_request_us(),
            pair.python.cpu_per_request_us(),
        ) {
            (Some(r), Some(p)) => format!("{:.0} µs / {:.0} µs", r.mean, p.mean),
            _ => "—".to_owned(),
        };
        let seed = languages::seed(pair.kind).map_or("—".to_owned(), |s| {
            format!(
                "{} req/s, {} avg",
                req(s.req_per_sec),
                ms(s.latency.mean_us)
            )
        });
        table.row(&[
            &pair.kind,
            &cell(pair.rust),
            &cell(pair.python),
            &ratio,
            &cpu,
            &seed,
        ]);
    }
    md
}

/// Two runs of the same bench, one on one machine and one with its roles on hosts of their own
/// (`SERVER_HOST`, `DOWNSTREAM_HOST`, `LOAD_HOSTS`): each variant's figures side by side.
pub fn readme_hosts(here: &Run, apart: &Run) -> String {
    let (here_path, apart_path) = (relative(here), relative(apart));
    let mut md = format!(
        "Two runs of `make bench DOWNSTREAM=both RUNS=3`, one after the other ({}; the two are separate runs, minutes apart): on {} ({}), then with {} ({}).\n\n",
        runs_text(here),
        machine(here),
        link(here, &here_path),
        machine(apart),
        link(apart, &apart_path),
    );
    if let Some(line) = crate::output::sections::hosts_line(apart, "wrk") {
        let _ = writeln!(md, "{line}\n");
    }
    let mut table = Table::new(&mut md, "Variant | Req/sec, one machine | Req/sec, hosts | Hosts ÷ one machine | p99, one machine | p99, hosts | Unloaded, one machine | Unloaded, hosts | Server CPU / request, one machine | Server CPU / request, hosts");
    let apart_variants = summaries(apart);
    let micros = |us: f64| format!("{us:.0} µs");
    for v in &summaries(here) {
        let Some(w) = apart_variants.iter().find(|w| w.name == v.name) else {
            continue;
        };
        let ratio = match (v.rate(), w.rate()) {
            (Some(one), Some(other)) if one.mean > 0.0 => pct(other.mean / one.mean),
            _ => "—".to_owned(),
        };
        table.row(&[
            &v.name,
            &spread_text(v.rate(), req),
            &spread_text(w.rate(), req),
            &ratio,
            &spread_text(v.p99(), |us| ms(Some(us))),
            &spread_text(w.p99(), |us| ms(Some(us))),
            &spread_text(v.unloaded(), |us| ms(Some(us))),
            &spread_text(w.unloaded(), |us| ms(Some(us))),
            &spread_text(v.cpu_per_request_us(), micros),
            &spread_text(w.cpu_per_request_us(), micros),
        ]);
    }
    md
}

/// Two async servers in one run (async-server against aiohttp at many connections).
pub fn readme_versus(run: &Run) -> String {
    let variants = summaries(run);
    let path = relative(run);
    let mut md = format!(
        "On {} ({}; {}), at {} connections:\n\n",
        machine(run),
        runs_text(run),
        link(run, &path),
        thousands(f64::from(
            variants.first().map_or(0, |v| v.example.load.connections)
        )),
    );
    let mut table = Table::new(
        &mut md,
        "Variant | Req/sec | Of bound | Avg latency | Unloaded latency | Server CPU per request",
    );
    for v in &variants {
        table.row(&[
            &v.name,
            &spread_text(v.rate(), req),
            &spread_text(v.fraction(), pct),
            &spread_text(v.latency(), |us| ms(Some(us))),
            &spread_text(v.unloaded(), |us| ms(Some(us))),
            &spread_text(v.cpu_per_request_us(), |us| format!("{us:.0} µs")),
        ]);
    }
    if let [a, b] = variants.as_slice() {
        if let (Some(ra), Some(rb)) = (a.rate(), b.rate()) {
            let _ = write!(
                md,
                "\n{} served {} as many requests as {}.\n",
                a.name,
                times(ra.mean / rb.mean),
                b.name
            );
        }
    }
    md
}

/// The bench's chart: throughput against its bound, and latency, per measured point.
#[allow(clippy::too_many_lines)]
fn chart(run: &Run) -> Option<Planned> {
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
                crate::output::sections::threads_flag(&run.points),
                or_unknown(meta.connections),
                or_unknown(meta.duration.as_ref()),
                or_unknown(meta.delay_ms),
                or_unknown(meta.workers)
            ),
            machine_title(run),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoadGenerators;
    use crate::output::sections::SHARED_CORES;
    use crate::testing::{point, run, BENCH_META as META};

    #[test]
    fn the_load_line_gives_the_threads_wrk_really_ran() {
        // Past defect: with CONNECTIONS=10 wrk ran -t2, and the load line said -t4.
        let mut points = vec![point(1, "async-server", "rust", "async", 900.0, 11_000.0)];
        points[0].load.threads = Some(2);
        points[0].load.connections = 10;
        let md = bench(&run(points, META), false);
        assert!(
            md.contains("Load: `wrk -t2 -c10 -d10s --timeout 10s --latency`"),
            "{md}"
        );
        let mut mixed = vec![
            point(1, "async-server", "rust", "async", 900.0, 11_000.0),
            point(2, "sync-server", "rust", "sync", 97.0, 100_000.0),
        ];
        mixed[0].load.threads = Some(1);
        assert_eq!(
            threads_flag(&mixed),
            "-t4 (-t1 where the connections need fewer)"
        );
    }

    #[test]
    fn a_family_not_checked_says_what_it_measured_and_what_it_lacks() {
        // Past defect: "this run has no sync, async-server, no async-blocking", which read as
        // if async-server were missing.
        let text = not_checked_text(
            "rust",
            &[("async".to_owned(), "async-server".to_owned())],
            &["sync", "async-blocking"],
        );
        assert_eq!(
            text,
            "Not checked for the rust servers: the observations need a measured sync, async and async-blocking variant; this run measured async-server (async), but no sync and no async-blocking variant."
        );
    }

    #[test]
    fn the_languages_section_quotes_the_runs_own_delay() {
        // Past defect: the side-by-side section said "10 ms" whatever the delay was.
        let mut points = vec![
            point(1, "async-server", "rust", "async", 18_000.0, 5_500.0),
            point(2, "python-async", "python", "async", 12_000.0, 8_000.0),
        ];
        for point in &mut points {
            point.load.delay_ms = Some(5);
        }
        let md = bench(&run(points, META), false);
        assert!(md.contains("## Rust and Python, side by side"), "{md}");
        assert!(md.contains("beyond its 5 ms"), "{md}");
        assert!(!md.contains("beyond its 10 ms"), "{md}");
    }

    #[test]
    fn only_80_percent_is_never_printed_for_a_point_below_80() {
        // Past defect: "reached only 80%" for 79.75% of the bound.
        let points = vec![point(1, "async-server", "rust", "async", 7_975.0, 12_500.0)];
        let md = bench(&run(points, META), false);
        assert!(
            md.contains(
                "async-server reached only 79.8% of its Little's-law bound (7975 req/s of 10000"
            ),
            "{md}"
        );
        assert!(md.contains("| 10000 | 79.8% |"), "{md}");
    }

    #[test]
    fn the_seeds_observations_hold_on_a_steady_rust_run_except_the_third() {
        let points = vec![
            point(1, "sync-server", "rust", "sync", 99.0, 1_005_000.0),
            point(2, "async-server", "rust", "async", 9_400.0, 10_600.0),
            point(
                3,
                "async-blocking-server",
                "rust",
                "async-blocking",
                98.9,
                1_008_000.0,
            ),
        ];
        let md = bench(&run(points, META), false);
        assert!(
            md.contains("significantly more requests to the async server.* **Holds**"),
            "{md}"
        );
        assert!(
            md.contains("even though the work is the same. Why?* **Holds**"),
            "{md}"
        );
        assert!(
            md.contains("higher latency than the sync server.* **Does not hold: about the same**"),
            "{md}"
        );
        assert!(md.contains("Nothing odd"), "{md}");
    }

    #[test]
    fn repeated_runs_show_their_spread() {
        let mut points = Vec::new();
        for (run_number, rate) in [(1, 8_200.0), (2, 8_400.0), (3, 8_300.0)] {
            let mut p = point(run_number, "async-server", "rust", "async", rate, 12_000.0);
            p.run = run_number;
            points.push(p);
        }
        let md = bench(&run(points, META), false);
        assert!(md.contains("## Across runs"), "{md}");
        assert!(
            md.contains("| async-server | 3 | 8300 (8200–8400) | 12.00 ms |"),
            "{md}"
        );
        assert!(md.contains("| async-server #2 | 8400 |"), "{md}");
    }

    /// A measured point whose load came from `hosts` (label, requests).
    fn loaded_from(seq: u32, name: &str, hosts: &[(&str, Option<u64>)]) -> Point {
        let mut p = point(seq, name, "rust", "async", 9_000.0, 11_000.0);
        p.load_generators = Some(LoadGenerators {
            hosts: hosts
                .iter()
                .map(|(label, sent)| ((*label).to_owned(), *sent))
                .collect(),
        });
        p
    }

    #[test]
    fn load_generators_by_point_and_the_host_off_an_even_split() {
        let points = vec![
            loaded_from(
                1,
                "async-server",
                &[
                    ("lab1", Some(34_000)),
                    ("lab2", Some(33_000)),
                    ("lab3", Some(23_000)),
                ],
            ),
            loaded_from(2, "sync-server", &[("lab1", Some(500)), ("lab2", None)]),
            loaded_from(3, "async-blocking-server", &[("lab1", Some(900))]),
        ];
        let md = bench(&run(points, META), false);
        assert!(md.contains("\n## Load generators\n"), "{md}");
        assert!(
            md.contains(
                "| async-server | lab1 34,000 (37.8%), lab2 33,000 (36.7%), lab3 23,000 (25.6%) |"
            ),
            "{md}"
        );
        assert!(md.contains("| sync-server | lab1 500, lab2 ? |"), "{md}");
        // One host is no merge: not listed.
        assert!(!md.contains("| async-blocking-server | lab1"), "{md}");
        assert!(
            md.contains("- async-server: lab1 sent 38% of the requests against an even 33%: a faster generator than the others.\n- async-server: lab3 sent 26% of the requests against an even 33%: a slow generator"),
            "{md}"
        );
        assert!(!md.contains("lab2 sent"), "{md}");
        let edge = vec![loaded_from(
            1,
            "async-server",
            &[("a", Some(554)), ("b", Some(446))],
        )];
        let md = bench(&run(edge, META), false);
        assert!(
            md.contains(
                "- async-server: a sent 55.4% of the requests against an even 50%: a faster"
            ),
            "{md}"
        );
        assert!(
            md.contains("- async-server: b sent 44.6% of the requests against an even 50%: a slow"),
            "{md}"
        );

        // Shares within a tenth of even: no sentence; no point with two hosts: no section.
        let even = vec![loaded_from(
            1,
            "async-server",
            &[("a", Some(520)), ("b", Some(480))],
        )];
        let md = bench(&run(even, META), false);
        assert!(
            md.contains("| async-server | a 520 (52.0%), b 480 (48.0%) |"),
            "{md}"
        );
        assert!(!md.contains("even share away"), "{md}");
        let single = vec![point(1, "async-server", "rust", "async", 9_000.0, 11_000.0)];
        assert!(!bench(&run(single, META), false).contains("Load generators"));
    }

    #[test]
    fn each_roles_host_instead_of_one_shared_machine() {
        let hosts = |list: &str| {
            run(
                vec![point(1, "async-server", "rust", "async", 9_000.0, 11_000.0)],
                &META.replace(
                    r#""cores": 2}"#,
                    &format!(r#""cores": 2, "placement": "shared", "server_cpus": "0-1", "hosts": [{list}]}}"#),
                ),
            )
        };
        let apart = hosts(
            r#"{"role": "load", "hostname": "lab1", "cores": 2},
               {"role": "server", "hostname": "srv1", "cpu_model": "Xeon", "cores": 8},
               {"role": "downstream", "destination": "ds1"}"#,
        );
        assert_eq!(
            cores_line(&apart),
            "Hosts: wrk on lab1 (2 cores); the servers on srv1 (Xeon, 8 cores); the downstream on ds1. The load generators run on other machines than the servers: their CPU use is not part of the servers' figures."
        );
        assert_eq!(placement(&apart), None);
        assert!(machine_line(&apart).starts_with("Machines: one per role, below; "));
        assert_eq!(
            crate::output::charts::machine_title(&apart),
            "wrk on lab1; the servers on srv1 (Xeon, 8 cores); the downstream on ds1"
        );
        let md = bench(&apart, false);
        assert!(!md.contains("## Placement"), "{md}");
        assert!(!md.contains(SHARED_CORES), "{md}");

        let together = hosts(
            r#"{"role": "load", "hostname": "lab1"}, {"role": "load", "hostname": "srv1"},
               {"role": "server", "hostname": "srv1"}"#,
        );
        assert_eq!(
            cores_line(&together),
            "Hosts: wrk on lab1 and srv1; the servers on srv1. srv1 runs both a load generator and the servers: there they share the cores, and the generator's CPU use is part of the figures."
        );
        // Where roles ran on hosts, this machine's placement says nothing of them.
        assert_eq!(placement(&together), None);

        // Hosts that share a boot id are one machine: said, with their CPU sets.
        let lab = |load_cpus: &str| {
            hosts(&format!(
                r#"{{"role": "server", "hostname": "lab2", "cpu_model": "EPYC", "kernel": "6.1", "cpus": "1", "boot_id": "b"}},
                   {{"role": "load", "hostname": "lab1", "cpus": "{load_cpus}", "boot_id": "b"}}"#
            ))
        };
        assert_eq!(
            cores_line(&lab("0")),
            "Hosts: the servers on lab2 (cores 1); wrk on lab1 (cores 0): one machine (EPYC, Linux 6.1), each host a network namespace of the one kernel (the same boot id), as `make lab-hosts` makes them, so they share its memory and caches. The load generators and the servers run on cores of their own (CPU sets): neither takes CPU from the other."
        );
        assert!(cores_line(&lab("0-1")).ends_with(
            "The load generators and the servers share cores: the generators' CPU use is part of the figures."
        ));

        // Without hosts, as before.
        let one = run(
            vec![point(1, "async-server", "rust", "async", 9_000.0, 11_000.0)],
            META,
        );
        assert_eq!(cores_line(&one), SHARED_CORES);
        assert!(machine_line(&one).starts_with("Machine: unknown, 2 cores"));
    }
}

#[cfg(test)]
mod timer_tests {
    use super::*;
    use crate::testing::{point, report, run};

    #[test]
    fn both_timers_in_one_run_get_the_gap_attributed() {
        let mut tokio = point(1, "async-server", "rust", "async", 8_300.0, 12_000.0);
        tokio.unloaded = Some(report(89.0, 11_200.0));
        let mut timerfd = point(
            2,
            "async-timerfd",
            "rust",
            "async-timerfd",
            9_700.0,
            10_300.0,
        );
        timerfd.unloaded = Some(report(99.0, 10_100.0));
        let md = bench(&run(vec![tokio, timerfd], r#"{"kind": "bench"}"#), false);
        assert!(md.contains("## tokio's timer against a timerfd"), "{md}");
        assert!(md.contains("async-timerfd served 1400 req/s more than async-server (1.17× its throughput). One request alone takes 1.10 ms less with the timerfd (10.10 ms against 11.20 ms): by Little's law, with async-server's requests in flight kept, that is +838 req/s of the gap, the part due to the timer. The rest, +562 req/s, is the load"), "{md}");
    }
}
