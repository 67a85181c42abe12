//! The README's figures, generated from the committed reference runs: every block between
//! `<!-- readme: NAME ARGS -->` and `<!-- /readme -->` is rewritten by the generator NAME from
//! the files ARGS names (paths relative to the README's folder), so that no figure the README
//! quotes is typed by hand. `bench-report readme README.md` rewrites them; `--check` fails
//! when the README differs from what it would write (a test runs that).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::bounds::derive;
use crate::analysis::languages;
use crate::analysis::notes::NEAR_BOUND;
use crate::analysis::observations::{self, Compared, FamilyCheck};
use crate::analysis::sweep::Sweep;
use crate::analysis::timers;
use crate::analysis::variants::{summaries, VariantSummary};
use crate::model::Run;
use crate::output::format::{ms, pct, pct_against, rate, thousands, times};
use crate::output::markdown::{spread_text as spread, timer_sentence};
use crate::output::sweep as sweep_output;
use crate::output::table::Table;
use crate::parse::meta::or_unknown;
use crate::parse::ParseError;
use crate::ReportError;

const OPEN: &str = "<!-- readme: ";
const CLOSE: &str = "<!-- /readme -->";

/// Rewrites every generated block of `readme` (the text of the README in `root`).
///
/// # Errors
/// A block that is not closed, an unknown generator, or a run that cannot be read.
pub fn render(readme: &str, root: &Path) -> Result<String, ReportError> {
    let mut out = String::new();
    let mut rest = readme;
    while let Some(start) = rest.find(OPEN) {
        let head_end = start
            + rest[start..]
                .find("-->")
                .ok_or_else(|| unclosed(root, readme, rest, start))?
            + 3;
        let header = &rest[start..head_end];
        let body_end = rest[head_end..]
            .find(CLOSE)
            .ok_or_else(|| unclosed(root, readme, rest, start))?
            + head_end;
        let words: Vec<&str> = header[OPEN.len()..header.len() - 3]
            .split_whitespace()
            .collect();
        let (name, args) = words.split_first().ok_or_else(|| {
            error(
                root,
                readme,
                rest,
                start,
                "a block without a generator name",
            )
        })?;
        let paths: Vec<PathBuf> = args.iter().map(|arg| root.join(arg)).collect();
        let generated = generate(name, &paths).map_err(|message| match message {
            Generate::Report(report) => report,
            Generate::Usage(message) => error(root, readme, rest, start, &message),
        })?;
        out.push_str(&rest[..head_end]);
        out.push('\n');
        out.push_str(generated.trim_end());
        out.push('\n');
        out.push_str(CLOSE);
        rest = &rest[body_end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

fn line_of(readme: &str, rest: &str, start: usize) -> usize {
    let offset = readme.len() - rest.len() + start;
    readme[..offset].lines().count() + 1
}

fn error(root: &Path, readme: &str, rest: &str, start: usize, message: &str) -> ReportError {
    ReportError::Parse(ParseError::at(
        &root.join("README.md"),
        line_of(readme, rest, start),
        message,
    ))
}

fn unclosed(root: &Path, readme: &str, rest: &str, start: usize) -> ReportError {
    error(
        root,
        readme,
        rest,
        start,
        &format!("a generated block without its end ({CLOSE})"),
    )
}

enum Generate {
    Report(ReportError),
    Usage(String),
}

impl From<ParseError> for Generate {
    fn from(error: ParseError) -> Self {
        Self::Report(ReportError::Parse(error))
    }
}

fn one(name: &str, paths: &[PathBuf]) -> Result<Run, Generate> {
    match paths {
        [dir] => Ok(Run::read(dir)?),
        _ => Err(Generate::Usage(format!("{name} takes one run folder"))),
    }
}

fn generate(name: &str, paths: &[PathBuf]) -> Result<String, Generate> {
    match name {
        "bench" => Ok(bench(&one(name, paths)?)),
        "seed" => Ok(seed()),
        "sweep" => Ok(sweep(&one(name, paths)?)),
        "timers" => {
            let runs = paths
                .iter()
                .map(|dir| Run::read(dir))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(timers_table(&runs))
        }
        "languages" => Ok(languages_table(&one(name, paths)?)),
        "real-call" => Ok(real_call(&one(name, paths)?)),
        "hosts" => match paths {
            [here, apart] => Ok(hosts(&Run::read(here)?, &Run::read(apart)?)),
            _ => Err(Generate::Usage(
                "hosts takes two run folders: one machine, then hosts of their own".to_owned(),
            )),
        },
        "real-call-sweep" => Ok(real_call_sweep(&one(name, paths)?)),
        "versus" => Ok(versus(&one(name, paths)?)),
        "latency" => Ok(latency(&one(name, paths)?)),
        "c10k" => Ok(c10k(&one(name, paths)?)),
        "timer-sweep" => match paths {
            [dir] if !dir.exists() => Ok(timer_sweep_missing(dir)),
            _ => Ok(timer_sweep(&one(name, paths)?)),
        },
        "robustness" => match paths {
            [file] => robustness(file).map_err(Generate::from),
            _ => Err(Generate::Usage("robustness takes one file".to_owned())),
        },
        other => Err(Generate::Usage(format!("unknown generator '{other}'"))),
    }
}

fn req(value: f64) -> String {
    if value >= 1000.0 {
        thousands(value)
    } else {
        rate(Some(value))
    }
}

/// The machine and the load, as every generated block opens.
fn machine(run: &Run) -> String {
    machine_with(run, "wrk")
}

/// The machine, with `client` the load generator that shares its cores with the servers.
fn machine_with(run: &Run, client: &str) -> String {
    let meta = &run.meta;
    let memory = meta.memory_kb.map_or("?".to_owned(), |kb| {
        format!("{:.0}", kb as f64 / 1024.0 / 1024.0)
    });
    if !meta.hosts.is_empty() {
        return format!(
            "**hosts of their own: {}** ({}; {})",
            crate::output::markdown::hosts_text(
                &meta.hosts,
                client,
                crate::parse::meta::Host::describe
            ),
            or_unknown(meta.rustc.as_ref()),
            or_unknown(meta.wrk_version.as_ref()),
        );
    }
    let placement = match crate::output::markdown::placement(run) {
        Some(crate::output::markdown::Placement::Split {
            servers,
            client: client_cores,
        }) => format!(
            "**the servers on core(s) {servers} and {client} on core(s) {client_cores}** (`PLACEMENT=split`)"
        ),
        _ => format!(
            "**{client} and the servers sharing the same {} cores**",
            or_unknown(meta.cores)
        ),
    };
    format!(
        "{} ({} cores, {memory} GiB, Linux {}; {}; {}), {placement}",
        or_unknown(meta.cpu_model.as_ref()),
        or_unknown(meta.cores),
        or_unknown(meta.kernel.as_ref()),
        or_unknown(meta.rustc.as_ref()),
        or_unknown(meta.wrk_version.as_ref()),
    )
}

/// Each of `charts` (file, what it shows) that `run` has drawn, as an image from `path`.
fn chart_images<'a>(
    md: &mut String,
    run: &Run,
    path: &str,
    charts: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (file, alt) in charts {
        if run.dir.join("charts").join(format!("{file}.svg")).exists() {
            let _ = writeln!(md, "![{alt}]({path}/charts/{file}.svg)\n");
        }
    }
}

fn runs_text(run: &Run) -> String {
    match run.meta.runs {
        Some(runs) if runs > 1 => format!(
            "{runs} interleaved runs per variant, each figure their mean with the smallest and largest in brackets"
        ),
        _ => "one run per variant".to_owned(),
    }
}

/// The opening of a block: "`COMMAND` on MACHINE (DETAIL; [full report](...), ...):", and
/// the run's folder relative to the README, for the block's links and charts.
fn opening(run: &Run, command: &str, machine: &str, detail: &str) -> (String, String) {
    let path = relative(run);
    let md = format!(
        "`{command}` on {machine} ({detail}; {}):\n\n",
        link(run, &path)
    );
    (md, path)
}

fn link(run: &Run, root_relative: &str) -> String {
    format!(
        "[full report]({root_relative}/summary.md), raw logs beside it, commit `{}`",
        short_commit(run)
    )
}

fn short_commit(run: &Run) -> String {
    run.meta
        .git_commit
        .as_ref()
        .map_or("?".to_owned(), |c| c.chars().take(7).collect())
}

fn relative(run: &Run) -> String {
    // The run's path as the README names it: results/reference/<name>.
    let name = run
        .dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    format!("results/reference/{name}")
}

/// The reference bench: the seed's table in this run, and its observations checked.
fn bench(run: &Run) -> String {
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
            &spread(v.rate(), req),
            &spread(v.latency(), |us| ms(Some(us))),
            &spread(v.p99(), |us| ms(Some(us))),
            &v.bound().map_or("—".to_owned(), req),
            &spread(v.fraction(), |f| pct_against(f, NEAR_BOUND)),
            &spread(v.unloaded(), |us| ms(Some(us))),
            &spread(v.effective_fraction(), |f| pct_against(f, NEAR_BOUND)),
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
                spread(Some(fraction), |f| pct_against(f, NEAR_BOUND)),
                req(a.bound().unwrap_or(0.0)),
                spread(Some(unloaded), |us| ms(Some(us))),
                req(concurrency * 1e6 / unloaded.mean),
                spread(Some(effective), |f| pct_against(f, NEAR_BOUND)),
                ms(a.latency().map(|s| s.mean)),
                ms(Some(unloaded.mean)),
            );
        }
        md.push('\n');
    }
    md
}

/// The seed's table, from its own published logs (built into this program).
fn seed() -> String {
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

/// The reference sweep's figures, per variant: one sentence each, every figure in place.
#[allow(clippy::too_many_lines)]
fn sweep(run: &Run) -> String {
    let base = sweep_output::base(run);
    let names = sweep_output::variants(run);
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
        sweep_output::CHARTS.map(|(file, alt, _)| (file, alt)),
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
                Some(s) if s.count > 1 => format!("{} ({}–{})", req(mean), req(s.min), req(s.max)),
                _ => req(mean),
            }
        };
        let fraction = |m: &crate::analysis::runs::Merged<'_>| {
            derive(&m.point).fraction.map_or("—".to_owned(), pct)
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
                match derive(&m.point).fraction {
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

/// tokio's timer against a timerfd in each run given: one row per run (its connections).
fn timers_table(runs: &[Run]) -> String {
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
                &spread(v.rate(), req),
                &spread(v.fraction(), pct),
                &spread(v.latency(), |us| ms(Some(us))),
                &spread(v.unloaded(), |us| ms(Some(us))),
                &spread(v.cpu_per_request_us(), |us| format!("{us:.1} µs")),
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
fn languages_table(run: &Run) -> String {
    let variants = summaries(run);
    let (mut md, _) = opening(run, "make bench-python", &machine(run), &runs_text(run));
    let mut table = Table::new(&mut md, "Architecture | Rust | Python (the seed's servers) | Rust ÷ Python, req/s | CPU per request, Rust / Python | The seed's Python, on its machine");
    for pair in languages::pairs(&variants) {
        let cell = |v: &VariantSummary<'_>| {
            format!(
                "{}: {} req/s, {} avg",
                v.name,
                spread(v.rate(), req),
                spread(v.latency(), |us| ms(Some(us)))
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

/// Each variant sleeping and calling a real downstream, in one run (`DOWNSTREAM=both`).
fn real_call(run: &Run) -> String {
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

/// Two runs of the same bench, one on one machine and one with its roles on hosts of their own
/// (`SERVER_HOST`, `DOWNSTREAM_HOST`, `LOAD_HOSTS`): each variant's figures side by side.
fn hosts(here: &Run, apart: &Run) -> String {
    let (here_path, apart_path) = (relative(here), relative(apart));
    let mut md = format!(
        "Two runs of `make bench DOWNSTREAM=both RUNS=3`, one after the other ({}; the two are separate runs, minutes apart): on {} ({}), then with {} ({}).\n\n",
        runs_text(here),
        machine(here),
        link(here, &here_path),
        machine(apart),
        link(apart, &apart_path),
    );
    if let Some(line) = crate::output::markdown::hosts_line(apart, "wrk") {
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
            &spread(v.rate(), req),
            &spread(w.rate(), req),
            &ratio,
            &spread(v.p99(), |us| ms(Some(us))),
            &spread(w.p99(), |us| ms(Some(us))),
            &spread(v.unloaded(), |us| ms(Some(us))),
            &spread(w.unloaded(), |us| ms(Some(us))),
            &spread(v.cpu_per_request_us(), micros),
            &spread(w.cpu_per_request_us(), micros),
        ]);
    }
    md
}

/// A connections sweep with `--downstream both`: each variant's sleep and real call along
/// the connections, with the throughput chart.
fn real_call_sweep(run: &Run) -> String {
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
    let body = sweep_output::real_calls(run, sweep_output::base(run), &sweep_output::variants(run));
    md.push_str(body.as_deref().map_or(
        "This sweep has no variant measured both ways.\n",
        str::trim_start,
    ));
    md
}

/// Two async servers in one run (async-server against aiohttp at many connections).
fn versus(run: &Run) -> String {
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
            &spread(v.rate(), req),
            &spread(v.fraction(), pct),
            &spread(v.latency(), |us| ms(Some(us))),
            &spread(v.unloaded(), |us| ms(Some(us))),
            &spread(v.cpu_per_request_us(), |us| format!("{us:.0} µs")),
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

/// The open-loop run: its two charts, then where "the async server has lower latency" holds
/// and where each variant's knee is.
fn latency(run: &Run) -> String {
    let (mut md, path) = opening(
        run,
        "make latency",
        &machine_with(run, "oha (and wrk, for each point's unloaded latency)"),
        &format!("{} points, one run", run.points.len()),
    );
    chart_images(&mut md, run, &path, crate::output::latency_charts::CHARTS);
    md.push_str(&crate::output::latency::readme(run));
    md
}

/// The C10k run: what a connection costs each variant, and its two charts of the costs.
fn c10k(run: &Run) -> String {
    let (mut md, path) = opening(
        run,
        "make sweep-c10k",
        &machine(run),
        &format!("{} points, one run", run.points.len()),
    );
    md.push_str(&crate::output::c10k::readme(run));
    md.push('\n');
    chart_images(&mut md, run, &path, crate::output::c10k::CHARTS);
    md
}

/// The timer sweep's reference run: the tables per connection count, each slack against the
/// targets, and the chart.
fn timer_sweep(run: &Run) -> String {
    let rows = crate::analysis::timer_sweep::rows(run);
    let (mut md, path) = opening(
        run,
        "make sweep-timer",
        &machine(run),
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
fn timer_sweep_missing(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map_or(String::new(), |name| name.to_string_lossy().into_owned());
    format!(
        "No reference run yet: on a quiet machine, `make sweep-timer RUNS=3`, then copy the run folder it names to `results/reference/{name}` and run `make readme`."
    )
}

/// The robustness battery's verdicts (`battery.py` writes them as JSON beside its table).
#[derive(Debug, serde::Deserialize)]
struct Battery {
    /// Its opening line: when, on what, how long, how each server ran.
    run: String,
    /// The variants, in the table's column order.
    variants: Vec<String>,
    /// One row per attack: each variant's cell, in column order.
    attacks: Vec<BatteryRow>,
    passed: u32,
    failed: u32,
    skipped: u32,
}

#[derive(Debug, serde::Deserialize)]
struct BatteryRow {
    attack: String,
    cells: Vec<String>,
}

/// The battery's "In short" table and its count, from its JSON (`FILE.json`), linking its
/// full table (`FILE.md`).
fn robustness(file: &Path) -> Result<String, ParseError> {
    let text = std::fs::read_to_string(file).map_err(|error| ParseError::io(file, &error))?;
    let battery: Battery = serde_json::from_str(&text).map_err(|error| {
        ParseError::file(file, format!("not the robustness battery's JSON: {error}"))
    })?;
    let full = file.with_extension("md");
    let name = full.to_string_lossy();
    let relative = name.find("results/").map_or(name.as_ref(), |i| &name[i..]);
    let mut md = format!(
        "{} ([the full table]({relative}))\n\n| attack | {} |\n| --- |{}\n",
        battery.run,
        battery.variants.join(" | "),
        " --- |".repeat(battery.variants.len()),
    );
    for row in &battery.attacks {
        let _ = writeln!(md, "| {} | {} |", row.attack, row.cells.join(" | "));
    }
    let skipped = match battery.skipped {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    let _ = writeln!(
        md,
        "\nSurvived: {} of {} (attack × variant){skipped}.",
        battery.passed,
        battery.passed + battery.failed
    );
    Ok(md)
}

/// Rewrites `readme_path` in place, or with `check` only compares.
///
/// # Errors
/// The README cannot be read or written, a block fails, or with `check` it differs (the
/// error names the first line that differs).
pub fn update(readme_path: &Path, check: bool) -> Result<bool, ReportError> {
    let text = std::fs::read_to_string(readme_path)
        .map_err(|error| ReportError::Parse(ParseError::io(readme_path, &error)))?;
    let root = readme_path.parent().unwrap_or(Path::new("."));
    let rendered = render(&text, root)?;
    if rendered == text {
        return Ok(false);
    }
    if check {
        let line = text
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || text.lines().count().min(rendered.lines().count()) + 1,
                |i| i + 1,
            );
        return Err(ReportError::Parse(ParseError::at(
            readme_path,
            line,
            "differs from what `make readme` writes from results/reference/ (run it, and commit the README)",
        )));
    }
    crate::write_atomically(readme_path, &rendered)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_rewritten_and_the_rest_kept() {
        let readme =
            "# Title\n\nIntro.\n\n<!-- readme: seed -->\nold figures\n<!-- /readme -->\n\nOutro.\n";
        let out = render(readme, Path::new(".")).unwrap();
        assert!(
            out.starts_with("# Title\n\nIntro.\n\n<!-- readme: seed -->\n| Metric | Sync |"),
            "{out}"
        );
        assert!(
            out.contains("| Req/sec | 44.61 | 7685.20 | 80.80 |"),
            "{out}"
        );
        assert!(out.contains("socket errors: read 771, write 9"), "{out}");
        assert!(out.ends_with("<!-- /readme -->\n\nOutro.\n"), "{out}");
        assert_eq!(
            render(&out, Path::new(".")).unwrap(),
            out,
            "rendering is idempotent"
        );
    }

    #[test]
    fn a_broken_block_names_the_readme_and_its_line() {
        let error = render("a\nb\n<!-- readme: seed -->\nno end\n", Path::new("/x"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "/x/README.md:3: a generated block without its end (<!-- /readme -->)"
        );
        let error = render(
            "<!-- readme: nonsense -->\n<!-- /readme -->\n",
            Path::new("/x"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(error, "/x/README.md:1: unknown generator 'nonsense'");
    }
}
