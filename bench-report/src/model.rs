//! What was measured, typed: a [`Run`] of [`Point`]s, each one variant under one load, read
//! from the folders the harness writes (see results/README.md). Missing figures are `None`,
//! never an empty string or a zero.

pub mod c10k;

use std::path::{Path, PathBuf};

use crate::analysis::bounds::BoundRule;
pub use crate::parse::meta::RunKind;
use crate::parse::meta::{Meta, Span};
use crate::parse::numbers::Numbers;
use crate::parse::oha::{self, OpenLoop};
use crate::parse::wrk::{self, WrkReport};
use crate::parse::ParseError;

/// How a point ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Measured.
    Ok,
    /// Started but failed; why.
    Failed(String),
    /// Not started, because the machine could not hold it; why.
    Skipped(String),
    /// The run stopped while this point was being measured.
    Interrupted,
}

impl Status {
    /// Measured.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }

    /// The word the tables show for a point that was not measured.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed(_) => "FAILED",
            Self::Skipped(_) => "SKIPPED",
            Self::Interrupted => "INTERRUPTED",
        }
    }

    /// The status numbers.txt records (the last `status=`).
    ///
    /// # Errors
    /// A status other than ok, failed, skipped or running.
    fn read(numbers: &Numbers) -> Result<Self, ParseError> {
        Ok(match numbers.text("status") {
            Some("ok") => Status::Ok,
            Some("failed") => Status::Failed(one_line(numbers.text("failure").unwrap_or(""))),
            Some("skipped") => Status::Skipped(one_line(numbers.text("failure").unwrap_or(""))),
            Some("running") | None => Status::Interrupted,
            Some(other) => {
                return Err(ParseError::file(
                    numbers.path(),
                    format!("status={other}: expected ok, failed, skipped or running"),
                ))
            }
        })
    }

    /// The reason a point failed or was skipped.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Failed(why) | Self::Skipped(why) => Some(why),
            Self::Ok | Self::Interrupted => None,
        }
    }
}

/// Which servers a variant is: the project's own (Rust) or the seed's (Python).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The three Rust servers and their variants.
    Rust,
    /// The seed's own Python servers (baselines/python).
    Python,
}

impl std::str::FromStr for Family {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "rust" => Ok(Self::Rust),
            "python" => Ok(Self::Python),
            other => Err(format!("unknown family '{other}' (rust or python)")),
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rust => "rust",
            Self::Python => "python",
        })
    }
}

/// What the variant is, from the harness's table of variants (variants.table).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variant {
    /// Its name: sync-server, python-async, ...
    pub name: String,
    /// rust or python; `None` for a server the table does not know.
    pub family: Option<Family>,
    /// Its role in the seed's comparison: sync, async, async-blocking, or another name.
    pub kind: Option<String>,
    /// Whether the simulated wait blocks the thread that serves requests.
    pub blocks: Option<bool>,
    /// How many requests can wait at once, by Little's law.
    pub bound_rule: Option<BoundRule>,
    /// Whether `GET /` called a real downstream (the harness's `downstream=http`) instead of
    /// waiting the delay (`sleep`, and every run from before the real call).
    pub real_call: bool,
}

/// The load a point ran under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    /// wrk's threads, as wrk ran them (its output says so), else as the harness asked.
    pub threads: Option<u32>,
    /// wrk's connections; 0 where unknown (a point whose numbers.txt cannot be read, see
    /// [`Point::unreadable`]).
    pub connections: u32,
    /// The measured duration, as given to wrk ("10s").
    pub duration: Option<Span>,
    /// The server's simulated wait per request, in ms; `None` for logs of unknown origin.
    pub delay_ms: Option<u64>,
    /// The server's handler threads or tokio workers.
    pub workers: u32,
    /// wrk's `--timeout`.
    pub timeout: Option<Span>,
    /// The warm-up before the measured run ("0": none).
    pub warmup: Option<Span>,
}

/// The server's and the machine's figures sampled from /proc during the measured run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    /// The server's CPU seconds (user + system).
    pub server_cpu_s: Option<f64>,
    /// The server's peak resident memory (VmHWM), KiB.
    pub server_peak_rss_kb: Option<u64>,
    /// The most threads the server ran.
    pub server_threads_max: Option<u32>,
    /// How the server ended after SIGTERM: "0", "1", "signal 9", ...
    pub server_exit: Option<String>,
    /// wrk's CPU seconds.
    pub client_cpu_s: Option<f64>,
    /// The whole machine's busy CPU seconds (everything running).
    pub machine_cpu_busy_s: Option<f64>,
    /// The real downstream's CPU seconds, where the point called one.
    pub downstream_cpu_s: Option<f64>,
}

/// One variant under one load: a folder with numbers.txt, wrk.txt and primer.txt.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The folder.
    pub dir: PathBuf,
    /// The variant.
    pub variant: Variant,
    /// The order it ran in.
    pub seq: u32,
    /// Which of the repeated runs (1 when runs were not repeated).
    pub run: u32,
    /// How it ended.
    pub status: Status,
    /// Its load.
    pub load: Load,
    /// The concurrency of its Little's-law bound and the rule in words, as the harness
    /// recorded them (older runs; newer ones record the rule, `variant.bound_rule`).
    pub recorded_concurrency: Option<f64>,
    /// See `recorded_concurrency`.
    pub recorded_rule: Option<String>,
    /// Which sweeps use it (connections, delay, workers), if it is part of a sweep.
    pub sweeps: Vec<String>,
    /// The URL loaded.
    pub url: Option<String>,
    /// The measured wrk run (wrk.txt); `None` where the point was not measured.
    pub wrk: Option<WrkReport>,
    /// One connection alone before any load (primer.txt, `wrk -t1 -c1`).
    pub unloaded: Option<WrkReport>,
    /// An open-loop point's offered load and oha's report (oha.json), instead of wrk.txt.
    pub open_loop: Option<OpenLoop>,
    /// /proc samples.
    pub samples: Samples,
    /// A C10k point's own figures (`make sweep-c10k`); `None` for other runs.
    pub c10k: Option<c10k::C10kFigures>,
    /// async-server's timer and wake-ups over the measured run (its `GET /stats`); `None`
    /// for other servers and older runs.
    pub timer: Option<TimerFigures>,
    /// The real downstream the server called (`downstream=http`); `None` for a sleep.
    pub downstream: Option<Downstream>,
    /// The hosts its load came from, where numbers.txt names them (`load_hosts`: wrk.txt
    /// is then their logs merged by `bench-report merge-wrk`); `None` for one wrk.
    pub load_generators: Option<LoadGenerators>,
}

/// The load generators of a point, as `bench-report merge-wrk` appended them to its
/// numbers.txt: each host's label and the requests it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadGenerators {
    /// Each host (`load_hosts`), with its requests (`load_requests`; `None` where not given).
    pub hosts: Vec<(String, Option<u64>)>,
}

impl LoadGenerators {
    /// The generators numbers.txt names, if it names any.
    ///
    /// # Errors
    /// A `load_requests` that is not a list of LABEL:whole number.
    pub fn read(numbers: &Numbers) -> Result<Option<Self>, ParseError> {
        let Some(hosts) = numbers.text("load_hosts") else {
            return Ok(None);
        };
        let requests = numbers
            .labelled::<u64>("load_requests")?
            .unwrap_or_default();
        let hosts = hosts
            .split(',')
            .map(|host| {
                let sent = requests
                    .iter()
                    .find(|(label, _)| label == host)
                    .map(|(_, sent)| *sent);
                (host.to_owned(), sent)
            })
            .collect();
        Ok(Some(Self { hosts }))
    }

    /// Each host's share of the requests (fractions), where every host's requests are known
    /// and some were sent.
    pub fn shares(&self) -> Option<Vec<f64>> {
        crate::merge::shares(&self.requests()?)
    }

    /// The hosts whose share stands off an even split (`merge::off_even`'s rule), each with
    /// its share.
    pub fn off_even(&self) -> Vec<(&str, f64)> {
        let (Some(requests), Some(shares)) = (self.requests(), self.shares()) else {
            return Vec::new();
        };
        crate::merge::off_even(&requests)
            .into_iter()
            .map(|index| (self.hosts[index].0.as_str(), shares[index]))
            .collect()
    }

    fn requests(&self) -> Option<Vec<u64>> {
        self.hosts.iter().map(|(_, sent)| *sent).collect()
    }
}

/// The real downstream a point's server called, as the harness started it.
#[derive(Debug, Clone, PartialEq)]
pub struct Downstream {
    /// Its URL (the server's `--downstream`).
    pub url: String,
    /// How it was started.
    pub command: Option<String>,
    /// The server's `--downstream-pool`: idle connections kept for reuse.
    pub pool: Option<String>,
    /// The server's `--downstream-keep-alive-secs`.
    pub keep_alive_secs: Option<String>,
    /// The host it ran on (`DOWNSTREAM_HOST`), where not this machine.
    pub host: Option<String>,
    /// The host the server that called it ran on (`SERVER_HOST`), where not this machine.
    pub server_host: Option<String>,
    /// The downstream alone, unloaded (downstream-primer.txt, `wrk -t1 -c1`).
    pub unloaded: Option<WrkReport>,
}

impl Downstream {
    /// The downstream a point's numbers.txt names (`downstream_url`), with its primer from
    /// `dir`, read as [`Point::log`] reads a raw log; `None` for a point that slept.
    fn read(dir: &Path, numbers: &Numbers, status: &mut Status) -> Option<Self> {
        let url = numbers.text("downstream_url")?;
        let text = |key: &str| numbers.text(key).map(str::to_owned);
        let unloaded = if dir.join("downstream-primer.txt").exists() {
            let origin = wrk::Origin::of_command(numbers.text("downstream_primer_command"));
            Point::log(dir, "downstream-primer.txt", status, |path| {
                wrk::read(path, origin)
            })
        } else {
            None
        };
        Some(Self {
            url: url.to_owned(),
            command: text("downstream_command"),
            pool: text("downstream_pool"),
            keep_alive_secs: text("downstream_keep_alive_secs"),
            host: text("downstream_host"),
            server_host: text("server_host"),
            unloaded,
        })
    }
}

/// async-server's timer during a point: which one, its slack, and how often it woke.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimerFigures {
    /// `tokio` or `timerfd`, as the server said.
    pub timer: Option<String>,
    /// The timerfd's slack, µs: as the sweep asked (`slack_us`), else as the server said.
    pub slack_us: Option<f64>,
    /// The event loop's wake-ups per second of the measured window.
    pub loop_wakeups_per_s: Option<f64>,
    /// The timerfd's expiries per second of the measured window (none for tokio's timer).
    pub timer_wakeups_per_s: Option<f64>,
    /// The event loop's wake-ups over the window.
    pub loop_wakeups: Option<u64>,
    /// The timerfd's expiries over the window.
    pub timer_wakeups: Option<u64>,
}

impl TimerFigures {
    /// The figures numbers.txt holds, if it names a timer or a slack.
    ///
    /// # Errors
    /// A figure that is not a number.
    pub fn read(numbers: &Numbers) -> Result<Option<Self>, ParseError> {
        let timer = numbers.text("timer").map(str::to_owned);
        let slack_us = match numbers.get::<f64>("slack_us")? {
            Some(slack) => Some(slack),
            None => numbers.get("timer_slack_us")?,
        };
        if timer.is_none() && slack_us.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            timer,
            slack_us,
            loop_wakeups_per_s: numbers.get("loop_wakeups_per_s")?,
            timer_wakeups_per_s: numbers.get("timer_wakeups_per_s")?,
            loop_wakeups: numbers.get("loop_wakeups")?,
            timer_wakeups: numbers.get("timer_wakeups")?,
        }))
    }
}

impl Point {
    /// Reads a point folder. A measured point whose raw log (wrk.txt, primer.txt, oha.json)
    /// is missing, truncated or foreign is read as failed, with why (see `Point::log`).
    ///
    /// # Errors
    /// numbers.txt is missing or malformed ([`Run::read`] makes such a point a failed row).
    pub fn read(dir: &Path) -> Result<Self, ParseError> {
        let numbers = Numbers::read(&dir.join("numbers.txt"))?;
        let mut status = Status::read(&numbers)?;
        let bound_rule = match numbers.text("bound_by") {
            Some(rule) => Some(BoundRule::parse(rule).map_err(|message| {
                ParseError::file(numbers.path(), format!("bound_by={rule}: {message}"))
            })?),
            None => None,
        };
        let variant = Variant {
            name: numbers.require::<String>("variant")?,
            family: numbers.get::<Family>("family")?,
            kind: numbers.text("kind").map(str::to_owned),
            blocks: numbers.yes_no("blocks")?,
            bound_rule,
            real_call: numbers.text("downstream") == Some("http"),
        };

        // The measured run: wrk's, or an open-loop point's oha's; then the primer, where
        // there was one. The harness records the commands that wrote them: a wrk log written
        // with wrk-report.lua is incomplete without its JSON line.
        let open_loop = if numbers.text("rate").is_some() {
            let report = Self::log(dir, "oha.json", &mut status, oha::read);
            OpenLoop::read(&numbers, report)?
        } else {
            None
        };
        let wrk = if open_loop.is_none() {
            let origin = wrk::Origin::of_command(numbers.text("wrk_command"));
            Self::log(dir, "wrk.txt", &mut status, |path| wrk::read(path, origin))
        } else {
            None
        };
        let unloaded = if dir.join("primer.txt").exists() {
            let origin = wrk::Origin::of_command(numbers.text("primer_command"));
            Self::log(dir, "primer.txt", &mut status, |path| {
                wrk::read(path, origin)
            })
        } else {
            None
        };
        let downstream = Downstream::read(dir, &numbers, &mut status);
        let load_generators = LoadGenerators::read(&numbers)?;

        let connections = match numbers.get::<u32>("connections")? {
            Some(connections) => connections,
            None => wrk
                .as_ref()
                .and_then(|report| report.connections)
                .ok_or_else(|| {
                    ParseError::file(numbers.path(), "no connections= line, and no wrk output")
                })?,
        };
        let load = Load {
            threads: wrk
                .as_ref()
                .and_then(|report| report.threads)
                .or(numbers.get("threads")?),
            connections,
            duration: numbers
                .get("duration")?
                .or_else(|| wrk.as_ref().and_then(|report| report.duration.clone())),
            delay_ms: numbers.get("delay_ms")?,
            workers: numbers.get("workers")?.unwrap_or(1),
            timeout: numbers.get("timeout")?,
            warmup: numbers.get("warmup")?,
        };
        let samples = Samples {
            server_cpu_s: numbers.get("server_cpu_s")?,
            server_peak_rss_kb: numbers.get("server_peak_rss_kb")?,
            server_threads_max: numbers.get("server_threads_max")?,
            server_exit: numbers.text("server_exit").map(str::to_owned),
            client_cpu_s: numbers.get("client_cpu_s")?,
            machine_cpu_busy_s: numbers.get("machine_cpu_busy_s")?,
            downstream_cpu_s: numbers.get("downstream_cpu_s")?,
        };
        Ok(Self {
            dir: dir.to_owned(),
            variant,
            seq: numbers.require("seq")?,
            run: numbers.get("run")?.unwrap_or(1),
            status,
            load,
            recorded_concurrency: numbers.get("bound_concurrency")?,
            recorded_rule: numbers.text("bound_rule").map(str::to_owned),
            sweeps: numbers
                .text("sweeps")
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            url: numbers
                .text("url")
                .map(str::to_owned)
                .or_else(|| wrk.as_ref().and_then(|report| report.url.clone())),
            c10k: c10k::C10kFigures::read(&numbers)?,
            timer: TimerFigures::read(&numbers)?,
            downstream,
            load_generators,
            wrk,
            unloaded,
            open_loop,
            samples,
        })
    }

    /// The raw log `name` of the point in `dir`, read by `read`. A measured point's must
    /// parse: where it does not (missing, truncated, foreign), the point is failed, with why,
    /// and the rest of the run's report is still written. A point that was not measured may
    /// have a partial one worth showing (wrk stopped when the server died), or none.
    fn log<T>(
        dir: &Path,
        name: &str,
        status: &mut Status,
        read: impl FnOnce(&Path) -> Result<T, ParseError>,
    ) -> Option<T> {
        let path = dir.join(name);
        if status.is_ok() {
            match read(&path) {
                Ok(log) => Some(log),
                Err(error) => {
                    *status = Status::Failed(reason(dir, &error));
                    None
                }
            }
        } else if path.exists() {
            read(&path).ok()
        } else {
            None
        }
    }

    /// A point whose numbers.txt cannot be read as [`Point::read`] needs (a line that is not
    /// key=value, a value that does not parse): a failed row with why, and what its readable
    /// lines say (its variant, else the folder's name; its order and load where they parse).
    pub fn unreadable(dir: &Path, error: &ParseError) -> Self {
        let numbers = Numbers::read_readable_lines(&dir.join("numbers.txt"));
        let lenient = |key: &str| numbers.get::<u32>(key).ok().flatten();
        let folder = dir
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        let connections = lenient("connections");
        let why = reason(dir, error);
        let why = match numbers.text("failure") {
            Some(failure) => format!("{}; and {why}", one_line(failure)),
            None => why,
        };
        Self {
            dir: dir.to_owned(),
            variant: Variant {
                name: numbers.text("variant").unwrap_or(&folder).to_owned(),
                family: numbers.get::<Family>("family").ok().flatten(),
                kind: numbers.text("kind").map(str::to_owned),
                blocks: numbers.yes_no("blocks").ok().flatten(),
                // No bound without the load it depends on.
                bound_rule: numbers
                    .text("bound_by")
                    .and_then(|rule| BoundRule::parse(rule).ok())
                    .filter(|_| connections.is_some()),
                real_call: numbers.text("downstream") == Some("http"),
            },
            seq: lenient("seq").unwrap_or(u32::MAX),
            run: lenient("run").unwrap_or(1),
            status: Status::Failed(why),
            load: Load {
                threads: lenient("threads"),
                connections: connections.unwrap_or(0),
                duration: numbers.get("duration").ok().flatten(),
                delay_ms: numbers.get("delay_ms").ok().flatten(),
                workers: lenient("workers").unwrap_or(1),
                timeout: numbers.get("timeout").ok().flatten(),
                warmup: numbers.get("warmup").ok().flatten(),
            },
            recorded_concurrency: None,
            recorded_rule: None,
            sweeps: numbers
                .text("sweeps")
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            url: numbers.text("url").map(str::to_owned),
            wrk: None,
            unloaded: None,
            open_loop: OpenLoop::read(&numbers, None).ok().flatten(),
            samples: Samples::default(),
            c10k: None,
            timer: None,
            downstream: None,
            load_generators: None,
        }
    }

    /// The measured run, where the point was measured.
    pub fn measured(&self) -> Option<&WrkReport> {
        self.wrk.as_ref().filter(|_| self.status.is_ok())
    }

    /// The server's CPU time per answered request of the measured run, µs.
    pub fn cpu_per_request_us(&self) -> Option<f64> {
        self.per_request_us(self.samples.server_cpu_s?)
    }

    /// The real downstream's CPU time per answered request of the measured run, µs.
    pub fn downstream_cpu_per_request_us(&self) -> Option<f64> {
        self.per_request_us(self.samples.downstream_cpu_s?)
    }

    fn per_request_us(&self, cpu_s: f64) -> Option<f64> {
        let requests = self.measured()?.requests;
        (requests > 0).then(|| cpu_s * 1e6 / requests as f64)
    }

    /// Its Little's-law rule in words.
    pub fn rule_text(&self) -> String {
        match (self.variant.bound_rule, &self.recorded_rule) {
            (Some(rule), _) => rule.describe(),
            (None, Some(text)) => text.clone(),
            (None, None) => "concurrency / delay".to_owned(),
        }
    }

    /// The name the tables show: the variant, and the run where runs were repeated.
    pub fn label(&self, repeated: bool) -> String {
        if repeated {
            format!("{} #{}", self.variant.name, self.run)
        } else {
            self.variant.name.clone()
        }
    }
}

/// Why a file of the point in `dir` cannot be read, naming it from the point's folder
/// ("wrk.txt: ..."), so that the report reads the same wherever the run is.
fn reason(dir: &Path, error: &ParseError) -> String {
    let file = error.path.strip_prefix(dir).unwrap_or(&error.path);
    match error.line {
        Some(line) => format!("{}:{line}: {}", file.display(), error.message),
        None => format!("{}: {}", file.display(), error.message),
    }
}

/// A reason on one line, as the tables and notes show it: each line trimmed, the non-empty
/// ones joined by " / ".
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A run folder: meta.json, one folder per point, maybe INCOMPLETE.
#[derive(Debug, Clone)]
pub struct Run {
    /// The folder.
    pub dir: PathBuf,
    /// Its meta.json (empty for logs from elsewhere).
    pub meta: Meta,
    /// What kind of run.
    pub kind: RunKind,
    /// The points, in the order they ran.
    pub points: Vec<Point>,
    /// Why it did not finish, if it did not.
    pub incomplete: Option<String>,
    /// Wall-clock seconds the whole run took, where recorded.
    pub elapsed_s: Option<u64>,
}

impl Run {
    /// Reads a run folder: every sub-folder with a numbers.txt is a point; one that cannot
    /// be read is a failed row saying why ([`Point::unreadable`]).
    ///
    /// # Errors
    /// The folder cannot be listed, or meta.json is malformed.
    pub fn read(dir: &Path) -> Result<Self, ParseError> {
        let meta = Meta::read(&dir.join("meta.json"))?;
        let kind = meta.kind.unwrap_or(RunKind::Logs);
        let mut points = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|error| ParseError::io(dir, &error))?;
        for entry in entries {
            let entry = entry.map_err(|error| ParseError::io(dir, &error))?;
            let path = entry.path();
            if path.is_dir() && path.join("numbers.txt").is_file() {
                // A point that cannot be read is a failed row, with why: the rest of the
                // run's report is still written.
                points.push(
                    Point::read(&path).unwrap_or_else(|error| Point::unreadable(&path, &error)),
                );
            }
        }
        points.sort_by(|a, b| (a.seq, a.run, &a.dir).cmp(&(b.seq, b.run, &b.dir)));
        let incomplete = std::fs::read_to_string(dir.join("INCOMPLETE"))
            .ok()
            .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "));
        let elapsed_s = std::fs::read_to_string(dir.join("elapsed_s"))
            .ok()
            .and_then(|text| text.trim().parse().ok());
        Ok(Self {
            dir: dir.to_owned(),
            meta,
            kind,
            points,
            incomplete,
            elapsed_s,
        })
    }

    /// The run's id: as meta.json gives it, else its folder's name (resolving a `latest` link).
    pub fn id(&self) -> String {
        if let Some(id) = &self.meta.run_id {
            return id.to_string();
        }
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        dir.file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
    }

    /// Whether some variant ran more than once.
    pub fn repeated(&self) -> bool {
        self.points.iter().any(|point| point.run > 1)
    }

    /// The variants in the order they first ran.
    pub fn variant_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for point in &self.points {
            if !names.contains(&point.variant.name) {
                names.push(point.variant.name.clone());
            }
        }
        names
    }

    /// The machine's cores, from meta.json (this machine's for logs from elsewhere).
    pub fn cores(&self) -> Option<f64> {
        self.meta.cores.map(|cores| cores as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(path);
        std::fs::read_to_string(path).unwrap()
    }

    /// numbers.txt of a measured async-server point, as the harness writes it.
    const MEASURED: &str = "variant=async-server\nseq=2\nrun=1\nstatus=running\nthreads=4\n\
        connections=100\nduration=2s\ndelay_ms=10\nworkers=1\nfamily=rust\nkind=async\n\
        blocks=no\nbound_by=connections\n\
        primer_command=wrk -t1 -c1 -d1s --latency -s /r/scripts/wrk-report.lua http://127.0.0.1:9001/\n\
        wrk_command=wrk -t4 -c100 -d2s --latency -s /r/scripts/wrk-report.lua http://127.0.0.1:9001/\n\
        wrk_exit=0\nstatus=ok\n";

    /// A run folder with a measured sync-server point (seq 1) and the point `files` make
    /// (seq 2), read back.
    fn run_with(name: &str, files: &[(&str, String)]) -> Run {
        let dir = std::env::temp_dir().join(format!("model-{}-{name}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        let whole = fixture("wrk/async-server-with-json.txt");
        let good = dir.join("sync-server");
        std::fs::create_dir_all(&good).unwrap();
        let numbers = MEASURED
            .replace("async-server", "sync-server")
            .replace("seq=2", "seq=1");
        std::fs::write(good.join("numbers.txt"), numbers).unwrap();
        std::fs::write(good.join("wrk.txt"), &whole).unwrap();
        let point = dir.join("async-server");
        std::fs::create_dir_all(&point).unwrap();
        for (file, text) in files {
            std::fs::write(point.join(file), text).unwrap();
        }
        let run = Run::read(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        run
    }

    #[test]
    fn the_load_generators_numbers_txt_names() {
        let read = |text: &str| {
            LoadGenerators::read(&Numbers::parse(Path::new("p/numbers.txt"), text).unwrap())
        };
        let generators = read(
            "load_hosts=lab1,lab2\nload_requests=lab1:1234,lab2:1200\nload_share_pct=lab1:50.7,lab2:49.3\nload_share_off=\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            generators.hosts,
            [
                ("lab1".to_owned(), Some(1234)),
                ("lab2".to_owned(), Some(1200))
            ]
        );
        let shares = generators.shares().unwrap();
        assert!((shares[0] - 1234.0 / 2434.0).abs() < 1e-12);
        assert!(generators.off_even().is_empty());
        let off = read("load_hosts=a,b\nload_requests=a:620,b:380\n")
            .unwrap()
            .unwrap();
        assert_eq!(off.off_even(), [("a", 0.62), ("b", 0.38)]);
        // A host without its count: no shares, nobody named.
        let partial = read("load_hosts=a,b\nload_requests=a:620\n")
            .unwrap()
            .unwrap();
        assert_eq!(partial.hosts[1], ("b".to_owned(), None));
        assert_eq!(partial.shares(), None);
        assert!(partial.off_even().is_empty());
        assert_eq!(read("variant=x\n").unwrap(), None);
        let error = read("load_hosts=a\nload_requests=a=12\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "p/numbers.txt:2: load_requests='a=12' is not a list of LABEL:whole number"
        );
    }

    /// A case: its name, the files of the point, and Ok: its req/s, or Err: the start of why
    /// it failed.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Result<f64, &'a str>);

    #[test]
    #[allow(clippy::too_many_lines)]
    fn a_point_that_cannot_be_read_is_a_failed_row_with_why() {
        let whole = fixture("wrk/async-server-with-json.txt");
        let without_json = whole.lines().take(13).collect::<Vec<_>>().join("\n") + "\n";
        let oha = fixture("oha/async-server-5000rps.json");
        let open_loop = "variant=async-server\nseq=2\nstatus=ok\nconnections=100\nrate=5000\n\
            fraction=0.5\nlength=full\nduration=5s\n";
        // (case, files of the point, Ok: its req/s; Err: the start of why it failed)
        let cases: Vec<Case> = vec![
            (
                "measured, whole",
                vec![
                    ("numbers.txt", MEASURED.into()),
                    ("wrk.txt", whole.clone()),
                    ("primer.txt", whole.clone()),
                ],
                Ok(7566.586),
            ),
            (
                "wrk.txt without its JSON line",
                vec![
                    ("numbers.txt", MEASURED.into()),
                    ("wrk.txt", without_json.clone()),
                ],
                Err("wrk.txt: wrk log incomplete: no JSON line of wrk-report.lua"),
            ),
            (
                "a plain wrk log from elsewhere (no wrk_command) is read from its text",
                vec![
                    (
                        "numbers.txt",
                        "variant=async-server\nseq=2\nstatus=ok\n".into(),
                    ),
                    ("wrk.txt", without_json.clone()),
                ],
                Ok(7566.59),
            ),
            (
                "wrk.txt missing",
                vec![("numbers.txt", MEASURED.into())],
                Err("wrk.txt: cannot read it: "),
            ),
            (
                "primer.txt without its JSON line",
                vec![
                    ("numbers.txt", MEASURED.into()),
                    ("wrk.txt", whole.clone()),
                    ("primer.txt", without_json.clone()),
                ],
                Err("primer.txt: wrk log incomplete: no JSON line of wrk-report.lua"),
            ),
            (
                "oha.json cut short",
                vec![
                    ("numbers.txt", open_loop.into()),
                    ("oha.json", oha[..oha.len() / 2].to_owned()),
                ],
                Err("oha.json:"),
            ),
            (
                "a numbers.txt line that is not key=value",
                vec![
                    (
                        "numbers.txt",
                        MEASURED.replace("wrk_exit=0\n", "wrk_exit=0\n000 0.000416\n"),
                    ),
                    ("wrk.txt", whole.clone()),
                ],
                Err("numbers.txt:17: expected key=value, found '000 0.000416'"),
            ),
            (
                "the same, after a recorded failure",
                vec![(
                    "numbers.txt",
                    "variant=async-server\nseq=2\nconnections=100\nstatus=failed\n\
                     failure=GET / failed: curl: (7) no\n000 0.000416\n"
                        .into(),
                )],
                Err("GET / failed: curl: (7) no; and numbers.txt:6: expected key=value"),
            ),
            (
                "a value that does not parse",
                vec![
                    ("numbers.txt", MEASURED.replace("workers=1", "workers=one")),
                    ("wrk.txt", whole),
                ],
                Err("numbers.txt:9: workers='one' is not a whole number"),
            ),
            (
                "a family the table does not have",
                vec![
                    (
                        "numbers.txt",
                        MEASURED.replace("family=rust", "family=ruby"),
                    ),
                    ("wrk.txt", fixture("wrk/async-server-with-json.txt")),
                ],
                Err("numbers.txt:10: family='ruby' is not a known family (rust or python)"),
            ),
            (
                "an escaped failure of several lines, on one line",
                vec![(
                    "numbers.txt",
                    "variant=async-server\nseq=2\nconnections=100\nstatus=failed\n\
                     failure=GET / failed: curl: (7) no\\n000 0.000416\\n\n"
                        .into(),
                )],
                Err("GET / failed: curl: (7) no / 000 0.000416"),
            ),
        ];
        for (index, (case, files, expected)) in cases.into_iter().enumerate() {
            let run = run_with(&index.to_string(), &files);
            let [first, point] = run.points.as_slice() else {
                panic!("{case}: {} points", run.points.len());
            };
            assert_eq!(
                (first.variant.name.as_str(), first.status.is_ok()),
                ("sync-server", true),
                "{case}"
            );
            assert_eq!(
                (
                    point.variant.name.as_str(),
                    point.seq,
                    point.load.connections
                ),
                ("async-server", 2, 100),
                "{case}"
            );
            match (&point.status, expected) {
                (Status::Ok, Ok(rate)) => {
                    let measured = point.measured().or(point.wrk.as_ref());
                    assert!(
                        (measured.unwrap().req_per_sec - rate).abs() < 1e-9,
                        "{case}"
                    );
                }
                (Status::Failed(why), Err(start)) => {
                    assert!(why.starts_with(start), "{case}: {why}");
                    assert!(
                        !why.contains('\n')
                            && !why.contains(std::env::temp_dir().to_str().unwrap()),
                        "{case}: {why}"
                    );
                }
                (status, expected) => panic!("{case}: {status:?}, expected {expected:?}"),
            }
        }
    }
}
