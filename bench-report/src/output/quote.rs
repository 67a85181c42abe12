//! What every README block says of the run it quotes: the machine and the load, the runs,
//! the link to its full report and commit, and its charts.

use std::fmt::Write as _;

use crate::model::Run;
use crate::output::format::{rate, thousands};
use crate::output::sections::{hosts_text, placement, Placement};
use crate::parse::meta::or_unknown;

/// Requests per second as the README prints them: "8,574" from 1,000 up, "97.7" below.
pub fn req(value: f64) -> String {
    if value >= 1000.0 {
        thousands(value)
    } else {
        rate(Some(value))
    }
}

/// The machine and the load, as every generated block opens.
pub fn machine(run: &Run) -> String {
    machine_with(run, "wrk")
}

/// The machine, with `client` the load generator that shares its cores with the servers.
pub fn machine_with(run: &Run, client: &str) -> String {
    let meta = &run.meta;
    let memory = meta.memory_kb.map_or("?".to_owned(), |kb| {
        format!("{:.0}", kb as f64 / 1024.0 / 1024.0)
    });
    if !meta.hosts.is_empty() {
        return format!(
            "**hosts of their own: {}** ({}; {})",
            hosts_text(&meta.hosts, client, crate::parse::meta::Host::describe),
            or_unknown(meta.rustc.as_ref()),
            or_unknown(meta.wrk_version.as_ref()),
        );
    }
    let placement = match placement(run) {
        Some(Placement::Split {
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
pub fn chart_images<'a>(
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

/// How many runs each figure is the mean of, as a block says it.
pub fn runs_text(run: &Run) -> String {
    match run.meta.runs {
        Some(runs) if runs > 1 => format!(
            "{runs} interleaved runs per variant, each figure their mean with the smallest and largest in brackets"
        ),
        _ => "one run per variant".to_owned(),
    }
}

/// The opening of a block: "`COMMAND` on MACHINE (DETAIL; [full report](...), ...):", and
/// the run's folder relative to the README, for the block's links and charts.
pub fn opening(run: &Run, command: &str, machine: &str, detail: &str) -> (String, String) {
    let path = relative(run);
    let md = format!(
        "`{command}` on {machine} ({detail}; {}):\n\n",
        link(run, &path)
    );
    (md, path)
}

/// "[full report](PATH/summary.md), raw logs beside it, commit `abc1234`".
pub fn link(run: &Run, root_relative: &str) -> String {
    format!(
        "[full report]({root_relative}/summary.md), raw logs beside it, commit `{}`",
        short_commit(run)
    )
}

/// The commit measured, in seven characters ("?" where not recorded).
pub fn short_commit(run: &Run) -> String {
    run.meta
        .git_commit
        .as_ref()
        .map_or("?".to_owned(), |c| c.chars().take(7).collect())
}

/// The run's folder as the README names it: results/reference/NAME.
pub fn relative(run: &Run) -> String {
    let name = run
        .dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    format!("results/reference/{name}")
}
