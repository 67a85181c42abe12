//! The bench report's section on the real call (`DOWNSTREAM=both`): each variant sleeping and
//! calling a real downstream, side by side, and where the sleep model holds.

use std::fmt::Write as _;

use crate::analysis::real_call::{pairs, Pair, HOLDS_WITHIN};
use crate::analysis::variants::summaries;
use crate::analysis::variants::VariantSummary;
use crate::model::Downstream;
use crate::model::Run;
use crate::output::format::{ms, pct, pct_against, rate, times};
use crate::output::quote::{chart_images, machine, opening, runs_text};
use crate::output::sections::spread_text;
use crate::output::table::Table;

/// The section, where the run measured a variant both ways; nothing otherwise.
pub fn section(md: &mut String, variants: &[VariantSummary<'_>]) {
    let pairs = pairs(variants);
    let Some(first) = pairs.first() else {
        return;
    };
    let example = first.call.example;
    let downstream = example.downstream.as_ref();
    let delay = example
        .load
        .delay_ms
        .map_or("?".to_owned(), |d| d.to_string());
    let _ = writeln!(
        md,
        "\n## The simulated wait beside a real call\n\nEach variant ran both ways in this run, interleaved: waiting {delay} ms with a sleep (the seed's model), and calling a real downstream that waits {delay} ms (`{}`, started {}, at {}) with the client its architecture would use: a blocking client (ureq) on sync-server's handler threads and inside async-blocking-server's async handler, an awaited one (hyper-util) in async-server. The pool keeps up to {} idle keep-alive connections for {} s and opens more when more calls run at once: it caps nothing, so the bound is the architecture's, concurrency / the latency of one call alone through the server (*Unloaded*; *Downstream alone* is the downstream's own). The downstream waits on its own timer: where that wakes nearer the deadline than the server's own sleep does, one call alone is shorter than the sleep (compare *Unloaded*). The sleep model holds where the real call's req/s is within ±{} of the sleep's.\n",
        downstream
            .and_then(|d| d.command.as_deref())
            .map_or("?".to_owned(), short_command),
        downstream.map_or_else(|| "beside it on the same cores".to_owned(), placed),
        downstream.map_or("?", |d| d.url.as_str()),
        downstream
            .and_then(|d| d.pool.as_deref())
            .unwrap_or("?"),
        downstream
            .and_then(|d| d.keep_alive_secs.as_deref())
            .unwrap_or("?"),
        pct(HOLDS_WITHIN),
    );
    comparison(md, &pairs);
}

/// The table of each variant both ways, and a verdict per variant (the README's block too).
pub fn comparison(md: &mut String, pairs: &[Pair<'_, '_>]) {
    let mut table = Table::new(md, "Variant | Wait | Req/sec | p50 | p99 | Unloaded | Downstream alone | Effective bound | Of effective | Server CPU / request | Downstream CPU / request | Errors");
    let latency = |us: f64| ms(Some(us));
    let micros = |us: f64| format!("{us:.0} µs");
    for pair in pairs {
        for (variant, wait) in [(pair.sleep, "sleep"), (pair.call, "real call")] {
            table.row(&[
                &variant.name,
                &wait,
                &spread_text(variant.rate(), |r| rate(Some(r))),
                &spread_text(variant.p50(), latency),
                &spread_text(variant.p99(), latency),
                &spread_text(variant.unloaded(), latency),
                &spread_text(variant.downstream_unloaded(), latency),
                &spread_text(variant.effective_bound(), |r| rate(Some(r))),
                &spread_text(variant.effective_fraction(), pct),
                &spread_text(variant.cpu_per_request_us(), micros),
                &spread_text(variant.downstream_cpu_per_request_us(), micros),
                &(variant.errors() + variant.timeouts()),
            ]);
        }
    }
    md.push('\n');
    for pair in pairs {
        let _ = writeln!(md, "- {}", verdict(pair));
    }
}

/// The downstream's command without the folder of its binary.
fn short_command(command: &str) -> String {
    let (program, args) = command.split_once(' ').unwrap_or((command, ""));
    let program = program.rsplit('/').next().unwrap_or(program);
    format!("{program} {args}").trim_end().to_owned()
}

/// One variant's verdict: how far the real call is from the sleep, and why.
fn verdict(pair: &Pair<'_, '_>) -> String {
    let (sleep, call) = (pair.sleep, pair.call);
    let (Some(ratio), Some(holds)) = (pair.ratio(), pair.holds()) else {
        return format!(
            "**{}**: not compared, its sleep served nothing.",
            sleep.name
        );
    };
    let mean = |v: &VariantSummary<'_>| rate(v.rate().map(|s| s.mean));
    let mut text = format!(
        "**{}**: the real call served {} req/s, {} of the sleep's {}: ",
        sleep.name,
        mean(call),
        of_sleep(ratio),
        mean(sleep),
    );
    if holds {
        let _ = write!(
            text,
            "**the sleep model holds** (within ±{}).",
            pct(HOLDS_WITHIN)
        );
    } else {
        let _ = write!(
            text,
            "**the sleep model does not hold** (off by more than {}).",
            pct(HOLDS_WITHIN)
        );
    }
    let mean_of = |spread: Option<crate::analysis::variants::Spread>| spread.map(|s| s.mean);
    if let (Some(call_unloaded), Some(sleep_unloaded)) =
        (mean_of(call.unloaded()), mean_of(sleep.unloaded()))
    {
        let _ = write!(
            text,
            " One request alone took {} through the real call ({} of it the downstream's own) against {} with the sleep",
            ms(Some(call_unloaded)),
            ms(mean_of(call.downstream_unloaded())),
            ms(Some(sleep_unloaded)),
        );
        if let (Some(call_bound), Some(sleep_bound)) = (
            mean_of(call.effective_bound()),
            mean_of(sleep.effective_bound()),
        ) {
            let _ = write!(
                text,
                ", so the effective bounds are {} and {} req/s",
                rate(Some(call_bound)),
                rate(Some(sleep_bound)),
            );
        }
        text.push('.');
    }
    if let (Some(call_share), Some(sleep_share)) = (
        mean_of(call.effective_fraction()),
        mean_of(sleep.effective_fraction()),
    ) {
        let close = (call_share - sleep_share).abs() <= HOLDS_WITHIN;
        let _ = write!(
            text,
            " Each reached {} (real call) and {} (sleep) of its own: ",
            pct(call_share),
            pct(sleep_share),
        );
        text.push_str(match (holds, close) {
            (false, true) => "the difference is the latency of one call, not the load; with that latency in place of the delay, Little's law predicts the real call as well as the sleep.",
            (_, false) if call_share < sleep_share => "under load the real call falls further below its bound than the sleep, which is the cost of the call itself (below).",
            (_, false) => "under load the real call comes nearer its bound than the sleep.",
            (true, true) => "the same.",
        });
    }
    if let (Some(call_cpu), Some(sleep_cpu)) = (
        mean_of(call.cpu_per_request_us()),
        mean_of(sleep.cpu_per_request_us()),
    ) {
        let _ = write!(
            text,
            " CPU per request: the server {call_cpu:.0} µs with the real call against {sleep_cpu:.0} µs with the sleep ({}: the client's write, read and parse of each call)",
            times(call_cpu / sleep_cpu.max(1e-9)),
        );
        match mean_of(call.downstream_cpu_per_request_us()) {
            Some(downstream) => {
                let _ = write!(
                    text,
                    ", and the downstream {downstream:.0} µs more, {}.",
                    call.example.downstream.as_ref().map_or_else(
                        || "on the same cores as wrk and the server".to_owned(),
                        cpu_where
                    )
                );
            }
            None => text.push('.'),
        }
    }
    text
}

/// Where the downstream was started: beside the server on the same cores, or on its host.
fn placed(downstream: &Downstream) -> String {
    match (&downstream.host, &downstream.server_host) {
        (None, None) => "beside it on the same cores".to_owned(),
        (Some(host), Some(server)) if host == server => format!("beside it on {host}"),
        (Some(host), _) => format!("on {host}, a host of its own"),
        (None, Some(_)) => "on this machine, the server on a host of its own".to_owned(),
    }
}

/// Where the downstream's CPU was spent, for the sentence on CPU per request.
fn cpu_where(downstream: &Downstream) -> String {
    match &downstream.host {
        None if downstream.server_host.is_none() => {
            "on the same cores as wrk and the server".to_owned()
        }
        None => "on this machine".to_owned(),
        Some(host) => format!("on {host}"),
    }
}

/// The real call's req/s over the sleep's as a percentage, with the decimals it takes to
/// stand on the right side of ±[`HOLDS_WITHIN`]: 0.9476 is "94.8%", not "95%".
pub fn of_sleep(ratio: f64) -> String {
    let threshold = if ratio < 1.0 {
        1.0 - HOLDS_WITHIN
    } else {
        1.0 + HOLDS_WITHIN
    };
    pct_against(ratio, threshold)
}

/// Each variant sleeping and calling a real downstream, in one run (`DOWNSTREAM=both`).
pub fn readme(run: &Run) -> String {
    let variants = summaries(run);
    let pairs = crate::analysis::real_call::pairs(&variants);
    let (mut md, _) = opening(
        run,
        "make bench DOWNSTREAM=both",
        &machine(run),
        &runs_text(run),
    );
    if pairs.is_empty() {
        md.push_str("This run has no variant measured both ways.\n");
    } else {
        crate::output::real_call::comparison(&mut md, &pairs);
    }
    md
}

/// A connections sweep with `--downstream both`: each variant's sleep and real call along
/// the connections, with the throughput chart.
pub fn readme_sweep(run: &Run) -> String {
    let (mut md, path) = opening(
        run,
        "make sweep DOWNSTREAM=both",
        &machine(run),
        &format!(
            "the connections only, {}",
            runs_text(run).replace("per variant", "per point")
        ),
    );
    chart_images(
        &mut md,
        run,
        &path,
        [(
            "throughput-vs-connections",
            "Throughput against connections, each variant sleeping and calling a real downstream",
        )],
    );
    let body = crate::output::sweep::real_calls(
        run,
        crate::output::sweep::base(run),
        &crate::output::sweep::variants(run),
    );
    md.push_str(body.as_deref().map_or(
        "This sweep has no variant measured both ways.\n",
        str::trim_start,
    ));
    md
}
