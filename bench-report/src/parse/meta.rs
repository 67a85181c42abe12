//! A run's `meta.json`: its settings, the machine, the tools and the commit, written by the
//! harness (scripts/lib.sh, `write_meta`), read here into one typed struct. Every field is
//! optional: a folder of logs from elsewhere has no meta.json at all, and older runs lack
//! newer keys. The harness writes a whole number as a JSON number and anything else as a
//! string, so a text field may arrive as a number ("connections_list": 100) and a count as
//! a string ("open_files_limit": "20000"); "" is no value. A field of the wrong type, such
//! as a count that is not a number, is an error naming the file and its line.

use std::fmt;
use std::path::Path;

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

use super::{duration_seconds, ParseError};

/// Text as the harness wrote it (a number or a boolean as JSON writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Text {
    /// The whitespace-separated items of a list ("sync-server async-server", "100 1000").
    pub fn items(&self) -> impl Iterator<Item = &str> {
        self.0.split_whitespace()
    }
}

/// A duration as wrk takes it ("10s", "1m", 0 for none), kept as written for the report to
/// quote, with its length in seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Span(pub String);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A duration from text: refused where wrk would not take it.
impl std::str::FromStr for Span {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        let span = Self(text.to_owned());
        span.seconds().map(|_| span).ok_or(())
    }
}

impl Span {
    /// Its length in seconds (`None` where it is not a duration wrk reads).
    pub fn seconds(&self) -> Option<f64> {
        duration_seconds(&self.0)
    }

    /// Whether it is no time at all ("0").
    pub fn is_zero(&self) -> bool {
        self.seconds() == Some(0.0)
    }
}

/// "" and null are no value; a number or a boolean is its JSON text.
fn text_of(value: Value) -> Option<String> {
    match value {
        Value::String(text) if text.is_empty() => None,
        Value::String(text) => Some(text),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A text field: "" and null are `None`.
fn text<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(text_of(Value::deserialize(d)?).map(T::from))
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<String> for Span {
    fn from(text: String) -> Self {
        Self(text)
    }
}

/// A count: a JSON number or a string holding one; "" and null are `None`.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(number) => number
            .as_u64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("not a whole number: {number}"))),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => text
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("not a whole number: \"{text}\""))),
        Value::Null => Ok(None),
        other => Err(D::Error::custom(format!("not a whole number: {other}"))),
    }
}

/// What kind of run a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `make bench`: the seed's experiment, each variant at one load.
    Bench,
    /// `make sweep`: connections, delay and workers swept.
    Sweep,
    /// A folder of wrk logs from elsewhere (no meta.json).
    Logs,
    /// `make latency`: each variant open-loop at fixed rates, fractions of its bound.
    Latency,
    /// `make sweep-c10k`: 1,000 to 10,000 connections, what a connection costs.
    C10k,
    /// `make sweep-timer`: the timerfd's slack swept, tokio's timer beside it.
    TimerSweep,
}

/// The run's kind ("bench", "sweep", "latency", "c10k", "timer-sweep"); "" and null are none
/// (a folder of logs from elsewhere), any other is an error.
fn run_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RunKind>, D::Error> {
    let Some(kind) = text_of(Value::deserialize(d)?) else {
        return Ok(None);
    };
    Ok(Some(match kind.as_str() {
        "bench" => RunKind::Bench,
        "sweep" => RunKind::Sweep,
        "latency" => RunKind::Latency,
        "c10k" => RunKind::C10k,
        "timer-sweep" => RunKind::TimerSweep,
        other => return Err(D::Error::custom(format!("unknown kind of run '{other}'"))),
    }))
}

/// The fields of a `meta.json` that the report reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Meta {
    // The run.
    /// Its folder's name, a UTC timestamp.
    #[serde(deserialize_with = "text")]
    pub run_id: Option<Text>,
    /// When it started (UTC).
    #[serde(deserialize_with = "text")]
    pub date: Option<Text>,
    /// What kind of run; none for logs from elsewhere.
    #[serde(deserialize_with = "run_kind")]
    pub kind: Option<RunKind>,
    /// The variants asked for, in order.
    #[serde(deserialize_with = "text")]
    pub variants: Option<Text>,
    /// The URL loaded instead of the servers (`make bench-url`).
    #[serde(deserialize_with = "text")]
    pub url: Option<Text>,
    /// Where the logs came from (`make summary-logs`).
    #[serde(deserialize_with = "text")]
    pub logs: Option<Text>,
    /// The downstream mode: sleep, http or both.
    #[serde(deserialize_with = "text")]
    pub downstream: Option<Text>,
    /// Set for a quick run (`QUICK=1`).
    #[serde(deserialize_with = "text")]
    pub quick: Option<Text>,
    // The load.
    /// wrk's threads.
    #[serde(deserialize_with = "count")]
    pub threads: Option<u64>,
    /// The connections.
    #[serde(deserialize_with = "count")]
    pub connections: Option<u64>,
    /// The wait per request.
    #[serde(deserialize_with = "count")]
    pub delay_ms: Option<u64>,
    /// The handler threads of the servers that take `--workers`.
    #[serde(deserialize_with = "count")]
    pub workers: Option<u64>,
    /// The interleaved runs per variant.
    #[serde(deserialize_with = "count")]
    pub runs: Option<u64>,
    /// The measured run per point.
    #[serde(deserialize_with = "text")]
    pub duration: Option<Span>,
    /// wrk's `--timeout`.
    #[serde(deserialize_with = "text")]
    pub timeout: Option<Span>,
    /// The warm-up at full load before the measured run (0: none).
    #[serde(deserialize_with = "text")]
    pub warmup: Option<Span>,
    /// The one-connection primer: the unloaded latency.
    #[serde(deserialize_with = "text")]
    pub primer: Option<Span>,
    // A sweep's axes and base, and what the plan predicted.
    /// The connections swept.
    #[serde(deserialize_with = "text")]
    pub connections_list: Option<Text>,
    /// The delays swept (ms).
    #[serde(deserialize_with = "text")]
    pub delays: Option<Text>,
    /// The workers swept.
    #[serde(deserialize_with = "text")]
    pub workers_list: Option<Text>,
    /// The connections of the delay and workers sweeps.
    #[serde(deserialize_with = "count")]
    pub base_connections: Option<u64>,
    /// The longest queue a warm-up may leave behind.
    #[serde(deserialize_with = "count")]
    pub warmup_max_queue_ms: Option<u64>,
    /// The wall time the plan predicted.
    #[serde(deserialize_with = "count")]
    pub predicted_s: Option<u64>,
    // A latency run's and a timer sweep's.
    /// The offered loads, as fractions of each bound.
    #[serde(deserialize_with = "text")]
    pub fractions: Option<Text>,
    /// The offered loads, in requests per second, where given instead.
    #[serde(deserialize_with = "text")]
    pub rates: Option<Text>,
    /// oha's version.
    #[serde(deserialize_with = "text")]
    pub oha_version: Option<Text>,
    /// The timerfd slacks swept.
    #[serde(deserialize_with = "text")]
    pub slacks_us: Option<Text>,
    // A C10k run's limits, as the machine had them at its start.
    /// The open-files limit (a number, or unlimited).
    #[serde(deserialize_with = "text")]
    pub limit_open_files: Option<Text>,
    /// Its hard limit.
    #[serde(deserialize_with = "text")]
    pub limit_open_files_hard: Option<Text>,
    /// The processes limit (`ulimit -u`).
    #[serde(deserialize_with = "text")]
    pub limit_user_processes: Option<Text>,
    /// kernel.pid_max.
    #[serde(deserialize_with = "count")]
    pub pid_max: Option<u64>,
    /// kernel.threads-max.
    #[serde(deserialize_with = "count")]
    pub threads_max: Option<u64>,
    /// The tasks running at the start.
    #[serde(deserialize_with = "count")]
    pub tasks_at_start: Option<u64>,
    /// fs.file-max.
    #[serde(deserialize_with = "count")]
    pub file_max: Option<u64>,
    /// MemAvailable at the start.
    #[serde(deserialize_with = "count")]
    pub memory_available_kb: Option<u64>,
    /// net.core.somaxconn.
    #[serde(deserialize_with = "count")]
    pub somaxconn: Option<u64>,
    /// net.ipv4.ip_local_port_range, "LOW-HIGH".
    #[serde(deserialize_with = "text")]
    pub local_port_range: Option<Text>,
    /// The share of pid_max and threads-max a point may take.
    #[serde(deserialize_with = "count")]
    pub tasks_share_pct: Option<u64>,
    /// The share of the open-files limits a point may take.
    #[serde(deserialize_with = "count")]
    pub files_share_pct: Option<u64>,
    /// The share of the available memory a point may take.
    #[serde(deserialize_with = "count")]
    pub memory_share_pct: Option<u64>,
    /// The period of the server's samples.
    #[serde(deserialize_with = "text")]
    pub sample_period_s: Option<Text>,
    /// The share of a core the descriptor counts may take.
    #[serde(deserialize_with = "count")]
    pub fd_count_budget_pct: Option<u64>,
    /// What a count costs per descriptor.
    #[serde(deserialize_with = "count")]
    pub fd_count_us: Option<u64>,
    /// The period of the counts once every connection is open.
    #[serde(deserialize_with = "count")]
    pub fd_interval_after_open_s: Option<u64>,
    // The machine, the tools and the commit.
    /// The machine's name.
    #[serde(deserialize_with = "text")]
    pub hostname: Option<Text>,
    /// Its CPU.
    #[serde(deserialize_with = "text")]
    pub cpu_model: Option<Text>,
    /// Its cores.
    #[serde(deserialize_with = "count")]
    pub cores: Option<u64>,
    /// Its memory.
    #[serde(deserialize_with = "count")]
    pub memory_kb: Option<u64>,
    /// Its kernel's release.
    #[serde(deserialize_with = "text")]
    pub kernel: Option<Text>,
    /// Its OS.
    #[serde(deserialize_with = "text")]
    pub os: Option<Text>,
    /// The harness's open-files limit.
    #[serde(deserialize_with = "text")]
    pub open_files_limit: Option<Text>,
    /// rustc's version.
    #[serde(deserialize_with = "text")]
    pub rustc: Option<Text>,
    /// wrk's version.
    #[serde(deserialize_with = "text")]
    pub wrk_version: Option<Text>,
    /// The servers' grace after SIGTERM.
    #[serde(deserialize_with = "count")]
    pub stop_grace_ms: Option<u64>,
    /// shared or split (taskset).
    #[serde(deserialize_with = "text")]
    pub placement: Option<Text>,
    /// The servers' cores.
    #[serde(deserialize_with = "text")]
    pub server_cpus: Option<Text>,
    /// The load generator's cores.
    #[serde(deserialize_with = "text")]
    pub client_cpus: Option<Text>,
    /// The run's machines, one per role and host (empty where the run does not list
    /// them: everything on the machine meta.json describes).
    #[serde(deserialize_with = "hosts")]
    pub hosts: Vec<Host>,
    /// The commit measured.
    #[serde(deserialize_with = "text")]
    pub git_commit: Option<Text>,
    /// Whether it had uncommitted changes (results/ aside).
    pub git_dirty: Option<bool>,
}

/// One machine of a run (meta.json's `hosts`): what ran on it and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Host {
    /// What ran on it: `load` (a load generator), `server` or `downstream`.
    #[serde(default, deserialize_with = "role")]
    pub role: String,
    /// How the harness reached it (an ssh destination).
    #[serde(default, deserialize_with = "text")]
    pub destination: Option<String>,
    /// Its own name.
    #[serde(default, deserialize_with = "text")]
    pub hostname: Option<String>,
    /// Its CPU.
    #[serde(default, deserialize_with = "text")]
    pub cpu_model: Option<String>,
    /// Its cores.
    #[serde(default, deserialize_with = "text")]
    pub cores: Option<String>,
    /// Its kernel's release.
    #[serde(default, deserialize_with = "text")]
    pub kernel: Option<String>,
    /// Its architecture.
    #[serde(default, deserialize_with = "text")]
    pub arch: Option<String>,
    /// The cores its processes may use (the kernel's list, "0-1"; a CPU set given to the host).
    #[serde(default, deserialize_with = "text")]
    pub cpus: Option<String>,
    /// Its kernel's boot id: hosts that share one are one machine (network namespaces).
    #[serde(default, deserialize_with = "text")]
    pub boot_id: Option<String>,
}

/// A host's role: its text, "" where empty or null (and, by default, where missing).
fn role<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text::<D, String>(d)?.unwrap_or_default())
}

/// `hosts`: a list of hosts, none where absent or null.
fn hosts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Host>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(entries) => entries
            .into_iter()
            .map(|entry| match entry {
                Value::Object(_) => match Host::deserialize(entry).map_err(D::Error::custom)? {
                    host if host.role.is_empty() => Err(D::Error::custom("an entry has no role")),
                    host => Ok(host),
                },
                other => Err(D::Error::custom(format!(
                    "an entry is not an object: {other}"
                ))),
            })
            .collect(),
        other => Err(D::Error::custom(format!("not a list of hosts: {other}"))),
    }
}

impl Host {
    /// The name it goes by: its hostname, else how it was reached.
    pub fn name(&self) -> &str {
        self.hostname
            .as_deref()
            .or(self.destination.as_deref())
            .unwrap_or("?")
    }

    /// "lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1.0, x86_64)": its name, and what is known of it.
    pub fn describe(&self) -> String {
        let known: Vec<String> = [
            self.cpu_model.clone(),
            self.cores.as_ref().map(|cores| format!("{cores} cores")),
            self.kernel.as_ref().map(|kernel| format!("Linux {kernel}")),
            self.arch.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if known.is_empty() {
            self.name().to_owned()
        } else {
            format!("{} ({})", self.name(), known.join(", "))
        }
    }
}

impl Meta {
    /// Reads `path`; a missing file gives an empty `Meta`.
    ///
    /// # Errors
    /// The file exists but is not a JSON object of these fields (the error names its line).
    pub fn read(path: &Path) -> Result<Self, ParseError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(ParseError::io(path, &error)),
        }
    }

    /// Parses the text of a `meta.json`; `path` names it in errors.
    ///
    /// # Errors
    /// Not JSON, not a JSON object, or a field of the wrong type (a count that is not a
    /// number, a `hosts` that is not a list of objects with a role).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ParseError> {
        // serde would take a JSON array for the struct too; an object starts with '{'.
        if !text.trim_start().starts_with('{') && serde_json::from_str::<Value>(text).is_ok() {
            return Err(ParseError::file(path, "not a JSON object"));
        }
        serde_json::from_str(text)
            .map_err(|error| ParseError::at(path, error.line(), error.to_string()))
    }
}

/// A field for the report's prose: its text, or "?" where the run did not record it.
pub fn or_unknown<T: fmt::Display>(value: Option<T>) -> String {
    or(value, "?")
}

/// A field for the report's prose: its text, or `fallback` where the run did not record it.
pub fn or<T: fmt::Display>(value: Option<T>, fallback: &str) -> String {
    value.map_or_else(|| fallback.to_owned(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_by_type() {
        let meta = Meta::parse(
            Path::new("meta.json"),
            r#"{"kind": "bench", "cores": 2, "url": "", "connections_list": 100, "git_dirty": false, "open_files_limit": "20000", "delay_ms": "10", "duration": "10s", "warmup": 0}"#,
        )
        .unwrap();
        assert_eq!(meta.kind, Some(RunKind::Bench));
        assert_eq!(meta.cores, Some(2));
        assert_eq!(meta.url, None);
        assert_eq!(meta.connections_list.as_deref(), Some("100"));
        assert_eq!(meta.git_dirty, Some(false));
        assert_eq!(meta.open_files_limit.as_deref(), Some("20000"));
        assert_eq!(meta.delay_ms, Some(10));
        assert_eq!(meta.duration.as_ref().and_then(Span::seconds), Some(10.0));
        assert!(meta.warmup.as_ref().is_some_and(Span::is_zero));
        assert_eq!(meta.timeout, None);
        assert_eq!(or_unknown(meta.threads), "?");
        assert_eq!(or(meta.cores, "-"), "2");
    }

    #[test]
    fn a_count_that_is_not_a_number_or_an_unknown_kind_is_an_error_with_its_line() {
        for (text, expected) in [
            (
                "{\n  \"cores\": \"two\",\n  \"kind\": \"bench\"\n}",
                "not a whole number: \"two\"",
            ),
            (
                "{\n  \"kind\": \"benchh\",\n  \"cores\": 2\n}",
                "unknown kind of run 'benchh'",
            ),
        ] {
            let error = Meta::parse(Path::new("run/meta.json"), text)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("run/meta.json:2: "), "{error}");
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn broken_json_names_the_file_and_line() {
        let error = Meta::parse(
            Path::new("run/meta.json"),
            "{\n  \"kind\": \"bench\"\n  \"x\": 1\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("run/meta.json:3: "), "{error}");
        let error = Meta::parse(Path::new("m.json"), "[1, 2]")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "m.json: not a JSON object");
    }

    #[test]
    fn hosts_by_role_and_a_malformed_list_named() {
        let meta = Meta::parse(
            Path::new("meta.json"),
            r#"{"hosts": [
                {"role": "load", "destination": "lab1", "hostname": "lab1", "cpu_model": "AMD EPYC 7B13", "cores": 2, "kernel": "6.1.0-18-amd64", "arch": "x86_64"},
                {"role": "server", "destination": "root@10.0.0.9", "hostname": "", "cores": "4"}
            ]}"#,
        )
        .unwrap();
        let hosts = &meta.hosts;
        assert_eq!(hosts.len(), 2);
        assert_eq!(
            hosts[0].describe(),
            "lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1.0-18-amd64, x86_64)"
        );
        assert_eq!(hosts[1].role, "server");
        assert_eq!(hosts[1].describe(), "root@10.0.0.9 (4 cores)");
        assert!(Meta::parse(Path::new("m"), "{}").unwrap().hosts.is_empty());
        for (text, needle) in [
            (r#"{"hosts": "lab1"}"#, "not a list of hosts"),
            (r#"{"hosts": ["lab1"]}"#, "an entry is not an object"),
            (
                r#"{"hosts": [{"hostname": "lab1"}]}"#,
                "an entry has no role",
            ),
            (r#"{"hosts": [{"role": ""}]}"#, "an entry has no role"),
        ] {
            let error = Meta::parse(Path::new("run/meta.json"), text)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("run/meta.json:"), "{error}");
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn no_meta_json_is_an_empty_meta() {
        let meta = Meta::read(Path::new("/nonexistent/meta.json")).unwrap();
        assert_eq!(meta.kind, None);
        assert!(meta.hosts.is_empty());
    }
}
