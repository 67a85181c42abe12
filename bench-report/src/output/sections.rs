//! The parts of a summary that several kinds of run share: the opening lines (the machine,
//! the cores, the hosts, an incomplete run's banner, a chart's line), the table of points and
//! how to read it, what to look at point by point, the load generators, the placement's CPU
//! use, and the texts of a spread and of a CPU verdict.

use std::fmt::{Display, Write as _};

use crate::analysis::bounds::{derive, Derived};
use crate::analysis::cpu::{CpuUse, CpuVerdict, BUSY_SHARE, OTHERS_SHARE};
use crate::analysis::notes::{self, Note, NEAR_BOUND, OVER_BOUND};
use crate::analysis::variants::Spread;
use crate::merge::SHARE_TOLERANCE;
use crate::model::{LoadGenerators, Point, Run};
use crate::output::format::{megabytes, ms, pct, pct_against, rate, thousands};
use crate::output::table::Table;
use crate::parse::meta::{or, or_unknown, Host};

/// The banner of a run that stopped early; `shows` names what holds the points measured
/// before it stopped ("The table", "The charts and tables").
pub fn incomplete_banner(md: &mut String, run: &Run, shows: &str) {
    if let Some(incomplete) = &run.incomplete {
        let _ = writeln!(
            md,
            "**INCOMPLETE RUN: {incomplete}** {shows} show the points measured before it stopped.\n"
        );
    }
}

/// A chart in a summary: its image where it was drawn, otherwise, where it has data, where
/// that data is.
pub fn chart_line(md: &mut String, file: &str, alt: &str, drawn: &[&str], has_data: bool) {
    if drawn.contains(&file) {
        let _ = writeln!(md, "![{alt}](charts/{file}.svg)\n");
    } else if has_data {
        let _ = writeln!(md, "*{alt}*: not drawn (its data: `charts/{file}.csv`).\n");
    }
}

/// The wrk threads the run's points ran with: "-t4", or each value where they differ.
pub fn threads_flag(points: &[Point]) -> String {
    let mut threads: Vec<u32> = points.iter().filter_map(|p| p.load.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    match threads.as_slice() {
        [] => "-t?".to_owned(),
        [one] => format!("-t{one}"),
        [fewer @ .., most] => {
            let fewer: Vec<String> = fewer.iter().map(|t| format!("-t{t}")).collect();
            format!(
                "-t{most} ({} where the connections need fewer)",
                fewer.join(", ")
            )
        }
    }
}

/// "Machine: AMD EPYC, 2 cores, Linux 6.18; rustc ..., wrk ...; commit ...; date."; for a
/// run on hosts of their own, "Machines: one per role, below; ...".
pub fn machine_line(run: &Run) -> String {
    let meta = &run.meta;
    let dirty = if meta.git_dirty == Some(true) {
        " (with uncommitted changes)"
    } else {
        ""
    };
    if !meta.hosts.is_empty() {
        return format!(
            "Machines: one per role, below; {}, {}; commit {}{dirty}; {}.",
            or(meta.rustc.as_ref(), "unknown"),
            or(meta.wrk_version.as_ref(), "unknown"),
            or(meta.git_commit.as_ref(), "unknown"),
            or(meta.date.as_ref(), "unknown"),
        );
    }
    format!(
        "Machine: {}, {} cores, Linux {}; {}, {}; commit {}{dirty}; {}.",
        or(meta.cpu_model.as_ref(), "unknown"),
        or(meta.cores, "unknown"),
        or(meta.kernel.as_ref(), "unknown"),
        or(meta.rustc.as_ref(), "unknown"),
        or(meta.wrk_version.as_ref(), "unknown"),
        or(meta.git_commit.as_ref(), "unknown"),
        or(meta.date.as_ref(), "unknown"),
    )
}

/// The line every report carries beside its figures.
pub const SHARED_CORES: &str =
    "wrk and the servers share these cores: the client's CPU use is part of every figure.";

/// Where the servers and the load generator ran: on hosts of their own, each role's host
/// ([`hosts_line`]); on one machine, meta.json's placement: split runs name each side's
/// cores; shared runs, and runs from before the setting, say [`SHARED_CORES`].
pub fn cores_line(run: &Run) -> String {
    if let Some(hosts) = hosts_line(run, "wrk") {
        return hosts;
    }
    match placement(run) {
        Some(Placement::Split { servers, client }) => format!(
            "Placement: split (taskset): the servers on core(s) {servers}, wrk on core(s) {client}: neither takes CPU from the other, and each side's use of its own cores is given beside its figures."
        ),
        _ => SHARED_CORES.to_owned(),
    }
}

/// Where the servers and the load generator ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// On the same cores (these).
    Shared(String),
    /// On cores of their own.
    Split {
        /// The servers' cores, "1".
        servers: String,
        /// The load generator's cores, "0".
        client: String,
    },
}

/// The hosts of a run whose roles ran on hosts of their own (meta.json's `hosts`), `client`
/// naming the load generator: "Hosts: wrk on lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1, x86_64)
/// and lab2 (...); the servers on srv1 (...); the downstream on ds1 (...)." and whether a
/// load generator shares a machine with the servers. `None` for a run on one machine.
pub fn hosts_line(run: &Run, client: &str) -> Option<String> {
    let hosts = &run.meta.hosts;
    if hosts.is_empty() {
        return None;
    }
    if one_machine(hosts) {
        return Some(one_machine_line(hosts, client));
    }
    let mut line = format!("Hosts: {}.", hosts_text(hosts, client, Host::describe));
    let (load, servers) = (role_names(hosts, "load"), role_names(hosts, "server"));
    let shared: Vec<&str> = load
        .iter()
        .copied()
        .filter(|name| servers.contains(name))
        .collect();
    if !shared.is_empty() {
        let _ = write!(
            line,
            " {} {} both a load generator and the servers: there they share the cores, and the generator's CPU use is part of the figures.",
            and_list(&shared),
            if shared.len() == 1 { "runs" } else { "run" },
        );
    } else if !load.is_empty() && !servers.is_empty() {
        line.push_str(
            " The load generators run on other machines than the servers: their CPU use is not part of the servers' figures.",
        );
    }
    Some(line)
}

/// Whether every host of a run is one machine: the same kernel boot id (network namespaces
/// of one kernel, as `make lab-hosts` makes them).
fn one_machine(hosts: &[Host]) -> bool {
    let mut ids = hosts.iter().map(|host| host.boot_id.as_deref());
    match ids.next() {
        Some(Some(first)) => ids.all(|id| id == Some(first)),
        _ => false,
    }
}

/// The hosts line of a run whose hosts are one machine: what each role ran on, and whether
/// CPU sets kept the load generators off the servers' cores.
fn one_machine_line(hosts: &[Host], client: &str) -> String {
    let first = &hosts[0];
    let known: Vec<String> = [
        first.cpu_model.clone(),
        first
            .kernel
            .as_ref()
            .map(|kernel| format!("Linux {kernel}")),
        first.arch.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let machine = format!("one machine ({})", known.join(", "));
    let show = |host: &Host| match &host.cpus {
        Some(cpus) => format!("{} (cores {cpus})", host.name()),
        None => host.name().to_owned(),
    };
    let mut line = format!(
        "Hosts: {}: {machine}, each host a network namespace of the one kernel (the same boot id), as `make lab-hosts` makes them, so they share its memory and caches.",
        hosts_text(hosts, client, show)
    );
    let cores = |role: &str| -> Option<Vec<u32>> {
        let mut all = Vec::new();
        for host in hosts.iter().filter(|host| host.role == role) {
            all.extend(cpu_list(host.cpus.as_deref()?)?);
        }
        Some(all)
    };
    match (cores("load"), cores("server")) {
        (Some(load), Some(servers)) if !load.is_empty() && !servers.is_empty() => {
            if load.iter().any(|core| servers.contains(core)) {
                line.push_str(" The load generators and the servers share cores: the generators' CPU use is part of the figures.");
            } else {
                line.push_str(" The load generators and the servers run on cores of their own (CPU sets): neither takes CPU from the other.");
            }
        }
        _ => {}
    }
    line
}

/// The kernel's cpu-list format, "0-2,5" -> [0, 1, 2, 5]; `None` where it is not one.
fn cpu_list(text: &str) -> Option<Vec<u32>> {
    let mut cores = Vec::new();
    for part in text.split(',') {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        let (first, last): (u32, u32) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
        cores.extend(first..=last);
    }
    Some(cores)
}

/// The hosts by role, in the order the roles first appear: "wrk on lab1 and lab2; the
/// servers on srv1", each host as `show` gives it.
pub fn hosts_text(hosts: &[Host], client: &str, show: impl Fn(&Host) -> String) -> String {
    let mut roles: Vec<&str> = Vec::new();
    for host in hosts {
        if !roles.contains(&host.role.as_str()) {
            roles.push(&host.role);
        }
    }
    roles
        .iter()
        .map(|&role| {
            let shown: Vec<String> = hosts.iter().filter(|h| h.role == role).map(&show).collect();
            let who = match role {
                "load" => client.to_owned(),
                "server" => "the servers".to_owned(),
                "downstream" => "the downstream".to_owned(),
                other => format!("the {other}"),
            };
            format!("{who} on {}", and_list(&shown))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "a", "a and b", "a, b and c".
fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// The names of the hosts of `role`, each once.
fn role_names<'a>(hosts: &'a [Host], role: &str) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for host in hosts.iter().filter(|h| h.role == role) {
        if !names.contains(&host.name()) {
            names.push(host.name());
        }
    }
    names
}

/// The run's placement, as meta.json records it; `None` for runs from before the setting,
/// and for runs whose roles ran on hosts of their own (meta.json's `hosts`: where each ran is
/// [`hosts_line`]'s, not one machine's cores).
pub fn placement(run: &Run) -> Option<Placement> {
    if !run.meta.hosts.is_empty() {
        return None;
    }
    let meta = &run.meta;
    match meta.placement.as_deref() {
        Some("split") => Some(Placement::Split {
            servers: or_unknown(meta.server_cpus.as_ref()),
            client: or_unknown(meta.client_cpus.as_ref()),
        }),
        Some("shared") => Some(Placement::Shared(or_unknown(meta.server_cpus.as_ref()))),
        _ => None,
    }
}

/// How many cores a list such as "0-1,3" or "0,1" names.
pub fn core_count(list: &str) -> Option<u32> {
    let mut count = 0u32;
    for part in list.split(',') {
        let (low, high) = part.split_once('-').unwrap_or((part, part));
        let (low, high): (u32, u32) = (low.trim().parse().ok()?, high.trim().parse().ok()?);
        count += high.checked_sub(low)? + 1;
    }
    (count > 0).then_some(count)
}

/// The share of its own cores each side used during a point's measured run.
pub type CoreUse = (Option<f64>, Option<f64>);

/// The share of its own cores each side used during a point's measured run: (server, wrk).
/// Where they share the cores, both are over all of them.
pub fn core_use(run: &Run, point: &Point) -> Option<CoreUse> {
    let seconds = point.measured()?.duration_us / 1e6;
    let (servers, client) = match placement(run)? {
        Placement::Shared(all) => (all.clone(), all),
        Placement::Split { servers, client } => (servers, client),
    };
    let share = |cpu: Option<f64>, cores: &str| {
        let (cpu, cores) = (cpu?, f64::from(core_count(cores)?));
        (seconds > 0.0).then(|| cpu / (seconds * cores))
    };
    Some((
        share(point.samples.server_cpu_s, &servers),
        share(point.samples.client_cpu_s, &client),
    ))
}

/// "server 48% of its 1 core, wrk 95% of its 1 core", or "—".
pub fn core_use_text(run: &Run, point: &Point) -> String {
    let Some((server, client)) = core_use(run, point) else {
        return "—".to_owned();
    };
    let cores = |list: Option<String>| {
        list.as_deref()
            .and_then(core_count)
            .map_or("?".to_owned(), |n| {
                format!("{n} core{}", if n == 1 { "" } else { "s" })
            })
    };
    let (servers, client_cores) = match placement(run) {
        Some(Placement::Split { servers, client }) => (Some(servers), Some(client)),
        Some(Placement::Shared(all)) => (Some(all.clone()), Some(all)),
        None => (None, None),
    };
    format!(
        "server {} of its {}, wrk {} of its {}",
        server.map_or("?".to_owned(), pct),
        cores(servers),
        client.map_or("?".to_owned(), pct),
        cores(client_cores),
    )
}

/// Where a point's load came from several hosts at once (numbers.txt's `load_hosts`, its
/// wrk.txt their logs merged): the requests each sent and its share, point by point, and a
/// sentence for each host whose share stands off an even split. Nothing where no point had
/// more than one.
pub fn load_generators_section(md: &mut String, run: &Run, heading: &str) {
    let points: Vec<(&Point, &LoadGenerators)> = run
        .points
        .iter()
        .filter(|p| p.status.is_ok())
        .filter_map(|p| Some((p, p.load_generators.as_ref()?)))
        .filter(|(_, generators)| generators.hosts.len() > 1)
        .collect();
    if points.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n{heading}\n\nThese points were loaded from several hosts at once, each running wrk with its part of the connections and threads from one agreed instant; their logs were merged into the point's wrk.txt (`bench-report merge-wrk`: requests and errors summed, each host's rate over its own window added up, the latency read from their whole distributions merged in one HdrHistogram, never from their percentiles). The requests each host sent, and its share:\n"
    );
    let mut table = Table::new(md, "Point | Requests by host");
    let repeated = run.repeated();
    let mut off = Vec::new();
    for (point, generators) in &points {
        let shares = generators.shares();
        let cells: Vec<String> = generators
            .hosts
            .iter()
            .enumerate()
            .map(|(index, (host, sent))| {
                let share = shares
                    .as_ref()
                    .map_or(String::new(), |s| format!(" ({:.1}%)", s[index] * 100.0));
                format!(
                    "{host} {}{share}",
                    sent.map_or("?".to_owned(), |n| thousands(n as f64))
                )
            })
            .collect();
        let label = point.label(repeated);
        table.row(&[&label, &cells.join(", ")]);
        let even = 1.0 / generators.hosts.len() as f64;
        for (host, share) in generators.off_even() {
            let (edge, why) = if share < even {
                (
                    1.0 - SHARE_TOLERANCE,
                    "a slow generator (short of CPU, farther from the server, or given fewer connections)",
                )
            } else {
                (1.0 + SHARE_TOLERANCE, "a faster generator than the others")
            };
            // Printed on the same side of the edge as it is: 55.4% of 50%, never "55%".
            off.push(format!(
                "- {label}: {host} sent {} of the requests against an even {}: {why}.",
                pct_against(share, even * edge),
                pct(even),
            ));
        }
    }
    if !off.is_empty() {
        let _ = writeln!(
            md,
            "\nA host whose share stands more than {} of an even share away from it:\n",
            pct(SHARE_TOLERANCE)
        );
        for line in off {
            let _ = writeln!(md, "{line}");
        }
    }
}

/// Whether the points' loads differ (then the table shows each point's). A point whose
/// load is unknown (0 connections: its numbers.txt could not be read) differs from none.
fn loads_differ(points: &[Point]) -> bool {
    let known: Vec<&Point> = points.iter().filter(|p| p.load.connections > 0).collect();
    known.windows(2).any(|pair| {
        let (a, b) = (&pair[0].load, &pair[1].load);
        (a.connections, a.delay_ms, a.workers) != (b.connections, b.delay_ms, b.workers)
    })
}

/// The table of every point.
pub fn table(md: &mut String, run: &Run) {
    let varying = loads_differ(&run.points);
    let repeated = run.repeated();
    let loads = if varying {
        " | Conns | Delay | Workers"
    } else {
        ""
    };
    let mut table = Table::new(md, &format!("Variant{loads} | Req/sec | Avg latency | Max latency | p50 | p99 | Errors | Timeouts | In flight | CPU s | Peak RSS | Threads | Bound (req/s) | Of bound | Unloaded latency (mean / p99) | Effective bound | Of effective"));
    let dash = || "—".to_owned();
    for point in &run.points {
        let derived = derive(point);
        let mut cells = vec![point.label(repeated)];
        if varying {
            cells.extend([
                match point.load.connections {
                    0 => dash(),
                    connections => connections.to_string(),
                },
                point.load.delay_ms.map_or_else(dash, |d| format!("{d} ms")),
                point.load.workers.to_string(),
            ]);
        }
        let unloaded = unloaded_cell(point);
        if let Some(report) = point.measured() {
            let errors = report.errors.failures();
            let bold = |count: u64| {
                if count > 0 {
                    format!("**{count}**")
                } else {
                    "0".to_owned()
                }
            };
            let near = |f: f64| pct_against(f, NEAR_BOUND);
            cells.extend([
                rate(Some(report.req_per_sec)),
                ms(report.latency.mean_us),
                ms(report.latency.max_us),
                ms(report.latency.p50_us),
                ms(report.latency.p99_us),
                bold(errors),
                bold(report.errors.timeout),
                derived.in_flight.map_or_else(dash, |f| format!("{f:.1}")),
                point
                    .samples
                    .server_cpu_s
                    .map_or_else(dash, |s| format!("{s:.2}")),
                point
                    .samples
                    .server_peak_rss_kb
                    .map_or_else(dash, megabytes),
                point
                    .samples
                    .server_threads_max
                    .map_or_else(dash, |t| t.to_string()),
                rate(derived.bound),
                derived.fraction.map_or_else(dash, near),
                unloaded,
                rate(derived.effective_bound),
                derived.effective_fraction.map_or_else(dash, near),
            ]);
        } else {
            cells.push(format!("**{}**", point.status.outcome()));
            cells.extend(std::iter::repeat_with(dash).take(10));
            cells.extend([rate(derived.bound), dash(), unloaded]);
            cells.extend([rate(derived.effective_bound), dash()]);
        }
        table.row(&cells.iter().map(|c| c as &dyn Display).collect::<Vec<_>>());
    }
}

fn unloaded_cell(point: &Point) -> String {
    match &point.unloaded {
        Some(unloaded) => format!(
            "{} / {}",
            ms(unloaded.latency.mean_us),
            ms(unloaded.latency.p99_us)
        ),
        None => "—".to_owned(),
    }
}

/// The paragraph under the table.
pub fn explain_columns(md: &mut String) {
    let _ = write!(
        md,
        "
How to read it: *Req/sec* and the latencies are wrk's, over answered requests only. *Errors*
are socket errors (connect, read, write) plus non-2xx answers; *Timeouts* are requests that
hit wrk's `--timeout`: wrk leaves them out of every latency figure. *In flight* is Little's
law read backwards, req/sec × avg latency: how many requests wrk saw waiting at once (at most
the connections). *CPU s*, *Peak RSS* (VmHWM) and *Threads* (the most seen) are the server's,
sampled from /proc during the measured run. *Bound* is Little's law, throughput ≤ concurrency /
delay: where the wait blocks a handler thread only the workers can wait at once, elsewhere every
connection can; *Of bound* is how much of it the run reached (flagged below {}).
*Unloaded latency* is one request alone (wrk -t1 -c1, before any load): the delay plus what the
wait really costs (a timer's granularity, the round trip). *Effective bound* = concurrency /
unloaded mean latency, the bound the server can actually reach; *Of effective* is how much of
it the run reached: below it, the server or the client ran out of something (CPU, mostly).
",
        pct(NEAR_BOUND)
    );
}

/// "What to look at": the notes of every point, or "Nothing odd".
pub fn what_to_look_at(md: &mut String, run: &Run, heading: &str) {
    let _ = writeln!(md, "\n{heading}\n");
    let repeated = run.repeated();
    let cores = run.cores();
    let mut count = 0;
    for point in &run.points {
        let derived = derive(point);
        for note in notes::notes(point, &derived, cores) {
            let _ = writeln!(
                md,
                "- {}",
                note_text(point, &derived, &note, repeated, cores)
            );
            count += 1;
        }
    }
    if count == 0 {
        let _ = writeln!(
            md,
            "Nothing odd: no failures, errors or timeouts, every connection in view of wrk's clock, and every variant within {}–{} of its bound.",
            pct(NEAR_BOUND),
            pct(OVER_BOUND)
        );
    }
}

/// One note as a sentence.
#[allow(clippy::too_many_lines)]
fn note_text(
    point: &Point,
    derived: &Derived,
    note: &Note,
    repeated: bool,
    cores: Option<f64>,
) -> String {
    let label = point.label(repeated);
    let report = point.measured();
    let rate_now = report.map(|r| r.req_per_sec);
    match note {
        Note::NotMeasured(status) => match status.reason() {
            Some(why) => format!("**{label} {}**: {why}", status.outcome()),
            None => format!(
                "**{label} INTERRUPTED**: the run stopped during this point; what it wrote is in its folder."
            ),
        },
        Note::Errors(errors) => format!(
            "{label}: **{} errors** (connect {}, read {}, write {}, non-2xx {}): the figures count answered requests only.",
            errors.failures(),
            errors.connect,
            errors.read,
            errors.write,
            errors.status
        ),
        Note::Timeouts { count, timeout } => format!(
            "{label}: **{count} requests timed out** (wrk `--timeout {timeout}`) and are missing from its latency figures, which are therefore too low."
        ),
        Note::BelowBound { fraction, longer_wait, cpu } => {
            let mut text = format!(
                "{label} reached {}{} of its Little's-law bound ({} req/s of {}, rule: {}).",
                if *fraction < NEAR_BOUND { "only " } else { "" },
                pct_against(*fraction, NEAR_BOUND),
                rate(rate_now),
                rate(derived.bound),
                point.rule_text(),
            );
            if let Some(wait) = longer_wait {
                let _ = write!(
                    text,
                    " The wait itself is longer than the delay: one request alone takes {} (p99 {}), not {} ms (timer granularity and overhead: +{}), so Little's law allows at most {} req/s (the effective bound), of which it reached {}.",
                    ms(Some(wait.unloaded_mean_us)),
                    ms(wait.unloaded_p99_us),
                    wait.delay_ms,
                    ms(Some(wait.unloaded_mean_us - wait.delay_ms as f64 * 1000.0)),
                    rate(derived.effective_bound),
                    derived.effective_fraction.map_or("—".to_owned(), |f| pct_against(f, NEAR_BOUND)),
                );
            }
            if derived.effective_fraction.is_some_and(|f| f >= NEAR_BOUND) {
                text.push_str(" The longer wait explains most of the gap.");
            }
            if let Some((usage, verdict)) = cpu {
                text.push_str(&cpu_text(usage, verdict, point, cores));
            }
            text
        }
        Note::BelowEffective { effective_fraction, cpu } => {
            let mut text = format!(
                "{label} reached only {} of its effective bound ({} req/s of {} = concurrency / unloaded latency {}).",
                pct_against(*effective_fraction, NEAR_BOUND),
                rate(rate_now),
                rate(derived.effective_bound),
                ms(point.unloaded.as_ref().and_then(|u| u.latency.mean_us)),
            );
            if let Some((usage, verdict)) = cpu {
                text.push_str(&cpu_text(usage, verdict, point, cores));
            }
            text
        }
        Note::AboveBound { fraction } => format!(
            "{label} went **above** its bound ({}): the server does not wait {} ms per request with {} worker(s) as the bound assumes.",
            pct_against(*fraction, OVER_BOUND),
            point.load.delay_ms.map_or("?".to_owned(), |d| d.to_string()),
            point.load.workers
        ),
        Note::FewInFlight { in_flight } => format!(
            "{label}: only {in_flight:.1} of its {} connections had a request in flight by wrk's clock (req/s × mean latency, Little's law). The others waited where that clock does not run (not yet accepted or read by the server), or were still unanswered when wrk stopped (wrk counts neither): its latency describes only the connections that were served.",
            point.load.connections
        ),
        Note::ShortRun { seconds, queue_s } => format!(
            "{label}: the run lasted {seconds:.1} s, only {:.1}× the time to serve every connection once (connections / bound = {queue_s:.2} s): the queue filling up at the start, when requests wait half as long on average, weighs on its mean latency. A longer DURATION measures the steady state.",
            seconds / queue_s
        ),
        Note::UncleanExit(exit) => {
            format!("{label}: the server did not exit cleanly after SIGTERM: {exit}.")
        }
    }
}

/// The CPU figures of a point and what they say, as the end of a sentence.
pub fn cpu_text(usage: &CpuUse, verdict: &CpuVerdict, point: &Point, cores: Option<f64>) -> String {
    let cores_text = cores.map_or("?".to_owned(), |c| format!("{c}"));
    let mut text = format!(
        " The server used {:.2} s of CPU in {:.1} s ({:.0}% of one core)",
        usage.server_s,
        usage.seconds,
        usage.server_share() * 100.0
    );
    if let (Some(client), Some(share)) = (usage.client_s, usage.client_share()) {
        let _ = write!(text, ", wrk {client:.2} s ({:.0}%)", share * 100.0);
    }
    match (usage.machine_s, usage.machine_share()) {
        (Some(machine), Some(share)) => {
            let _ = write!(
                text,
                ", the whole machine {machine:.2} s ({:.0}% of its {cores_text} cores; other processes {:.2} s): ",
                share * 100.0,
                usage.others_s().unwrap_or(0.0)
            );
        }
        _ => {
            let _ = write!(
                text,
                "; the machine has {cores_text} cores, shared by both: "
            );
        }
    }
    match verdict {
        CpuVerdict::ServerBusy => {
            let _ = write!(
                text,
                "the server ran out of CPU ({} worker thread(s)): CPU, not the wait, is the limit.",
                point.load.workers
            );
        }
        CpuVerdict::MachineBusy { others_fraction } => {
            let _ = write!(
                text,
                "the machine ran out of CPU (busy {:.0}% of its {cores_text} cores{}): CPU, not the wait, is the limit.",
                usage.machine_share().unwrap_or(0.0) * 100.0,
                if *others_fraction > OTHERS_SHARE {
                    format!(", {:.0}% of it other processes than the server and wrk: a busy machine, measure again when it is quiet", others_fraction * 100.0)
                } else {
                    String::new()
                }
            );
        }
        CpuVerdict::ServerAndClientBusy => {
            let _ = write!(
                text,
                "the machine ran out of CPU (server and wrk together {:.0}% of {cores_text} cores): CPU, not the wait, is the limit.",
                (usage.server_share() + usage.client_share().unwrap_or(0.0)) * 100.0
            );
        }
        CpuVerdict::ExtraWait {
            loaded_us,
            unloaded_us,
            in_flight,
        } => {
            let _ = write!(
                text,
                "neither ran out of CPU. Under load a request took {}, against {} alone (+{}): that extra wait, in the server's queue or in wrk's own event loop, is the rest of the gap (Little's law with {in_flight:.1} in flight).",
                ms(Some(*loaded_us)),
                ms(Some(*unloaded_us)),
                ms(Some(loaded_us - unloaded_us)),
            );
        }
        CpuVerdict::Neither => {
            text.push_str(
                "neither ran out of CPU, so look at the client (wrk shares the cores), errors and the in-flight count.",
            );
        }
    }
    let _ = BUSY_SHARE;
    text
}

/// "mean (min–max)" of a figure over runs, or the one value.
pub fn spread_text(spread: Option<Spread>, show: impl Fn(f64) -> String) -> String {
    match spread {
        None => "—".to_owned(),
        Some(s) if s.count == 1 || show(s.min) == show(s.max) => show(s.mean),
        Some(s) => format!("{} ({}–{})", show(s.mean), show(s.min), show(s.max)),
    }
}

/// A change in req/s with its sign: "+838", "−1200".
pub fn signed_rate(value: f64) -> String {
    if value < 0.0 {
        format!("−{}", rate(Some(-value)))
    } else {
        format!("+{}", rate(Some(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::testing::{point, run, BENCH_META as META};

    #[test]
    fn a_point_not_measured_keeps_its_load_bound_and_unloaded_latency_in_the_table() {
        let mut failed = point(2, "sync-server", "rust", "sync", 0.0, 0.0);
        (failed.status, failed.load.connections) = (Status::Failed("no answer".to_owned()), 50);
        failed.unloaded = Some(crate::testing::report(90.0, 10_500.0));
        let mut md = String::new();
        let measured = point(1, "async-server", "rust", "async", 900.0, 11_000.0);
        table(&mut md, &run(vec![measured, failed], META));
        let row = "| sync-server | 50 | 10 ms | 1 | **FAILED** | — | — | — | — | — | — | — | — | — | — | 100 | — | 10.50 ms / 10.50 ms | 95.2 | — |\n";
        assert!(md.ends_with(row), "{md}");
    }
}
