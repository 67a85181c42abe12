//! wrk's output, as wrk printed it: its own text in every unit it uses, and the JSON line of
//! `scripts/wrk-report.lua` when there is one (exact percentiles in µs, p99.9, status
//! errors), which then wins over the rounded text figures.
//!
//! Which logs must have that line is said by the caller ([`Origin`]): the harness runs wrk
//! with the script every time, so a log of its own without the line is incomplete (wrk cut
//! short, a copy truncated), not a text-only log; a plain wrk log from elsewhere (the seed's)
//! never has it, and is read from its text.

use std::path::Path;

use serde::Deserialize;

use super::meta::Span;
use super::{micros, ParseError};

/// Where a report's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The JSON line of `scripts/wrk-report.lua` (exact).
    Json,
    /// wrk's own text only (rounded to what it printed; no p99.9, no status errors in
    /// older logs).
    Text,
}

/// Who wrote a wrk log, hence whether it must end with the JSON line of wrk-report.lua.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The harness, with `-s scripts/wrk-report.lua`: incomplete without the JSON line.
    Harness,
    /// wrk without the script, anywhere: read from its text (the JSON line still wins
    /// where there is one).
    Elsewhere,
}

impl Origin {
    /// The origin of a log written by `command` (the wrk command line the harness records):
    /// [`Origin::Harness`] where it runs wrk-report.lua.
    pub fn of_command(command: Option<&str>) -> Self {
        if command.is_some_and(|command| command.contains("wrk-report.lua")) {
            Self::Harness
        } else {
            Self::Elsewhere
        }
    }
}

/// Latency statistics over answered requests, in microseconds; `None` where wrk did not
/// print the figure (percentiles without `--latency`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Latency {
    /// Mean.
    pub mean_us: Option<f64>,
    /// Standard deviation.
    pub stdev_us: Option<f64>,
    /// Maximum.
    pub max_us: Option<f64>,
    /// Median.
    pub p50_us: Option<f64>,
    /// 75th percentile.
    pub p75_us: Option<f64>,
    /// 90th percentile.
    pub p90_us: Option<f64>,
    /// 99th percentile.
    pub p99_us: Option<f64>,
    /// 99.9th percentile (the JSON line only).
    pub p99_9_us: Option<f64>,
}

/// wrk's error counts. A kind wrk printed no line for counts 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Errors {
    /// Connections that could not be opened.
    pub connect: u64,
    /// Reads that failed (including connections the server closed).
    pub read: u64,
    /// Writes that failed.
    pub write: u64,
    /// Answers that were not 2xx or 3xx.
    pub status: u64,
    /// Requests that hit `--timeout` (left out of every latency figure).
    pub timeout: u64,
}

impl std::ops::Add for Errors {
    type Output = Self;

    /// Each kind summed (the runs of a variant, the load generators of a point).
    fn add(self, other: Self) -> Self {
        Self {
            connect: self.connect + other.connect,
            read: self.read + other.read,
            write: self.write + other.write,
            status: self.status + other.status,
            timeout: self.timeout + other.timeout,
        }
    }
}

impl Errors {
    /// Socket errors plus non-2xx answers: everything but timeouts.
    pub fn failures(&self) -> u64 {
        self.connect + self.read + self.write + self.status
    }
}

/// One wrk run.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkReport {
    /// The URL it loaded ("Running 10s test @ URL").
    pub url: Option<String>,
    /// The duration as wrk printed it in its first line ("10s").
    pub duration: Option<Span>,
    /// wrk's threads ("4 threads and 100 connections").
    pub threads: Option<u32>,
    /// wrk's connections.
    pub connections: Option<u32>,
    /// Requests answered.
    pub requests: u64,
    /// How long the run lasted, in µs.
    pub duration_us: f64,
    /// Requests per second.
    pub req_per_sec: f64,
    /// Bytes read, as the JSON line gives them (`None` from wrk's text, which rounds them).
    pub bytes: Option<u64>,
    /// Latency over answered requests.
    pub latency: Latency,
    /// Errors and timeouts.
    pub errors: Errors,
    /// Where the figures came from.
    pub source: Source,
}

/// The JSON line of `scripts/wrk-report.lua`.
#[derive(Debug, Deserialize)]
struct JsonLine {
    requests: u64,
    duration_us: f64,
    requests_per_sec: f64,
    // Older lines may lack it. Keys the line has beyond these (`merged_from` of
    // `bench-report merge-wrk`) are ignored.
    #[serde(default)]
    bytes: Option<u64>,
    latency_unit: String,
    latency_mean: f64,
    latency_stdev: f64,
    latency_max: f64,
    latency_p50: f64,
    latency_p75: f64,
    latency_p90: f64,
    latency_p99: f64,
    latency_p99_9: f64,
    errors_connect: u64,
    errors_read: u64,
    errors_write: u64,
    errors_status: u64,
    errors_timeout: u64,
}

const JSON_MARK: &str = "{\"wrk_report\":";

/// Reads and parses a wrk output file written as `origin` says.
///
/// # Errors
/// The file cannot be read, a line wrk prints cannot be parsed (with its line number), the
/// file holds no wrk results at all, or it is incomplete: the harness's without its JSON
/// line, another's without wrk's own "requests in" or "Requests/sec:" line.
pub fn read(path: &Path, origin: Origin) -> Result<WrkReport, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|error| ParseError::io(path, &error))?;
    parse(path, &text, origin)
}

/// Parses wrk's output; `path` names it in errors.
///
/// # Errors
/// As [`read`].
pub fn parse(path: &Path, text: &str, origin: Origin) -> Result<WrkReport, ParseError> {
    let mut text_figures = TextFigures::default();
    let mut json = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let at = |message: String| ParseError::at(path, number, message);
        if line.starts_with(JSON_MARK) {
            let parsed: JsonLine = serde_json::from_str(line)
                .map_err(|error| at(format!("the JSON line of wrk-report.lua: {error}")))?;
            if parsed.latency_unit != "us" {
                return Err(at(format!(
                    "the JSON line's latencies are in '{}', expected 'us'",
                    parsed.latency_unit
                )));
            }
            json = Some(parsed);
            continue;
        }
        text_figures.read_line(line).map_err(at)?;
    }
    let incomplete = |missing: &str| {
        ParseError::file(
            path,
            format!("wrk log incomplete: no {missing} (wrk cut short, or the file truncated)"),
        )
    };
    let Some(json) = json else {
        if origin == Origin::Harness {
            return Err(incomplete("JSON line of wrk-report.lua"));
        }
        if text_figures.requests.is_none() && text_figures.req_per_sec.is_none() {
            return Err(ParseError::file(
                path,
                "no wrk results in this file (no \"N requests in\" line and no JSON line)",
            ));
        }
        let (Some(requests), Some(duration_us)) = (text_figures.requests, text_figures.duration_us)
        else {
            return Err(incomplete("\"N requests in\" line"));
        };
        let Some(req_per_sec) = text_figures.req_per_sec else {
            return Err(incomplete("\"Requests/sec:\" line"));
        };
        return Ok(WrkReport {
            url: text_figures.url,
            duration: text_figures.duration,
            threads: text_figures.threads,
            connections: text_figures.connections,
            requests,
            duration_us,
            req_per_sec,
            bytes: None,
            latency: text_figures.latency,
            errors: text_figures.errors,
            source: Source::Text,
        });
    };
    Ok(WrkReport {
        url: text_figures.url,
        duration: text_figures.duration,
        threads: text_figures.threads,
        connections: text_figures.connections,
        requests: json.requests,
        duration_us: json.duration_us,
        req_per_sec: json.requests_per_sec,
        bytes: json.bytes,
        // With no request answered the Lua hook reports zeros: no latency at all.
        latency: if json.requests == 0 {
            Latency::default()
        } else {
            Latency {
                mean_us: Some(json.latency_mean),
                stdev_us: Some(json.latency_stdev),
                max_us: Some(json.latency_max),
                p50_us: Some(json.latency_p50),
                p75_us: Some(json.latency_p75),
                p90_us: Some(json.latency_p90),
                p99_us: Some(json.latency_p99),
                p99_9_us: Some(json.latency_p99_9),
            }
        },
        errors: Errors {
            connect: json.errors_connect,
            read: json.errors_read,
            write: json.errors_write,
            status: json.errors_status,
            timeout: json.errors_timeout,
        },
        source: Source::Json,
    })
}

/// What wrk's text says, line by line.
#[derive(Default)]
struct TextFigures {
    url: Option<String>,
    duration: Option<Span>,
    threads: Option<u32>,
    connections: Option<u32>,
    requests: Option<u64>,
    duration_us: Option<f64>,
    req_per_sec: Option<f64>,
    latency: Latency,
    errors: Errors,
}

impl TextFigures {
    fn read_line(&mut self, line: &str) -> Result<(), String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Running", duration, "test", "@", url] => {
                self.duration = Some(Span((*duration).to_owned()));
                self.url = Some((*url).to_owned());
            }
            [threads, "threads" | "thread", "and", connections, "connections" | "connection"] => {
                self.threads = Some(whole(threads)?);
                self.connections = Some(whole(connections)?);
            }
            ["Latency", mean, stdev, max, ..] => {
                self.latency.mean_us = Some(micros(mean)?);
                self.latency.stdev_us = Some(micros(stdev)?);
                self.latency.max_us = Some(micros(max)?);
            }
            ["50%", value] => self.latency.p50_us = Some(micros(value)?),
            ["75%", value] => self.latency.p75_us = Some(micros(value)?),
            ["90%", value] => self.latency.p90_us = Some(micros(value)?),
            ["99%", value] => self.latency.p99_us = Some(micros(value)?),
            [requests, "requests", "in", duration, ..] => {
                self.requests = Some(whole(requests)?);
                self.duration_us = Some(micros(duration.trim_end_matches(','))?);
            }
            ["Socket", "errors:", ..] => self.read_socket_errors(line)?,
            ["Non-2xx", "or", "3xx", "responses:", count] => self.errors.status = whole(count)?,
            ["Requests/sec:", rate] => self.req_per_sec = Some(count(rate)?),
            _ => {}
        }
        Ok(())
    }

    /// "Socket errors: connect 0, read 771, write 9, timeout 0"
    fn read_socket_errors(&mut self, line: &str) -> Result<(), String> {
        let list = line.split_once("errors:").map_or("", |(_, list)| list);
        for part in list.split(',') {
            let mut words = part.split_whitespace();
            let (Some(kind), Some(value), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!(
                    "cannot read the socket errors in '{}'",
                    line.trim()
                ));
            };
            let value = whole(value)?;
            match kind {
                "connect" => self.errors.connect = value,
                "read" => self.errors.read = value,
                "write" => self.errors.write = value,
                "timeout" => self.errors.timeout = value,
                other => return Err(format!("unknown kind of socket error '{other}'")),
            }
        }
        Ok(())
    }
}

fn whole<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("'{text}' is not a whole number"))
}

/// "1.93k" -> 1930; wrk prints k, M and G.
fn count(text: &str) -> Result<f64, String> {
    let (number, scale) = if let Some(n) = text.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('M') {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix('G') {
        (n, 1e9)
    } else {
        (text, 1.0)
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .map(|value| value * scale)
        .ok_or_else(|| format!("'{text}' is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
    }

    fn seed(name: &str) -> WrkReport {
        read(
            &repo(&format!("baselines/python/seed-results/{name}.txt")),
            Origin::Elsewhere,
        )
        .unwrap()
    }

    #[test]
    fn the_seeds_sync_log_text_only_with_its_socket_errors() {
        let report = seed("python-sync");
        assert_eq!(report.source, Source::Text);
        assert_eq!(report.requests, 450);
        assert!((report.req_per_sec - 44.61).abs() < 1e-9);
        assert_eq!(report.latency.mean_us, Some(65_170.0));
        assert_eq!(report.latency.stdev_us, Some(12_880.0));
        assert_eq!(report.latency.max_us, Some(82_060.0));
        assert!((report.duration_us - 10_090_000.0).abs() < 1e-6);
        assert_eq!(report.latency.p50_us, None);
        assert_eq!(
            report.errors,
            Errors {
                connect: 0,
                read: 771,
                write: 9,
                status: 0,
                timeout: 0
            }
        );
        assert_eq!((report.threads, report.connections), (Some(4), Some(100)));
        assert_eq!(report.url.as_deref(), Some("http://localhost:9000"));
    }

    #[test]
    fn the_seeds_async_logs_k_suffixes_and_seconds() {
        let report = seed("python-async");
        assert!((report.req_per_sec - 7685.20).abs() < 1e-9);
        assert_eq!(report.latency.mean_us, Some(12_980.0));
        assert_eq!(report.errors.failures(), 0);
        let report = seed("python-async-blocking");
        assert_eq!(report.latency.mean_us, Some(1_160_000.0));
        assert_eq!(report.latency.max_us, Some(1_270_000.0));
        assert_eq!(report.requests, 815);
    }

    #[test]
    fn the_json_line_wins_with_p99_9_and_the_exact_duration() {
        let report = read(
            &repo("tests/fixtures/wrk/async-blocking-server-with-json.txt"),
            Origin::Harness,
        )
        .unwrap();
        assert_eq!(report.source, Source::Json);
        assert_eq!(report.requests, 195);
        assert!((report.duration_us - 2_008_886.0).abs() < 1e-6);
        assert!((report.req_per_sec - 97.07).abs() < 0.01);
        assert_eq!(report.latency.mean_us.map(f64::round), Some(765_021.0));
        assert_eq!(report.latency.p50_us, Some(767_947.0));
        assert_eq!(report.latency.p99_us, Some(1_393_552.0));
        assert_eq!(report.latency.p99_9_us, Some(1_393_612.0));
        assert_eq!(report.errors.status, 0);
        assert_eq!(report.bytes, Some(25_350));
    }

    #[test]
    fn keys_beyond_those_read_are_ignored() {
        // bench-report merge-wrk adds "merged_from"; older lines lack "bytes".
        let line = r#"{"wrk_report":1,"requests":10,"duration_us":1000000,"requests_per_sec":10.000,"latency_unit":"us","latency_mean":5.0,"latency_stdev":1.0,"latency_max":9,"latency_p50":5,"latency_p75":6,"latency_p90":7,"latency_p99":9,"latency_p99_9":9,"errors_connect":0,"errors_read":0,"errors_write":0,"errors_status":0,"errors_timeout":0,"merged_from":2}"#;
        let report = parse(Path::new("wrk.txt"), line, Origin::Harness).unwrap();
        assert_eq!((report.requests, report.bytes), (10, None));
        let with_bytes = line.replace("\"latency_unit\"", "\"bytes\":1300,\"latency_unit\"");
        let report = parse(Path::new("wrk.txt"), &with_bytes, Origin::Harness).unwrap();
        assert_eq!(report.bytes, Some(1300));
    }

    #[test]
    fn every_unit_wrk_prints_and_every_error_line() {
        let report = read(
            &repo("tests/fixtures/wrk/units-and-errors.txt"),
            Origin::Elsewhere,
        )
        .unwrap();
        let latency = &report.latency;
        assert_eq!(latency.mean_us, Some(1_020_000.0));
        assert!((latency.stdev_us.unwrap() - 450_100.0).abs() < 1e-6);
        assert_eq!(latency.max_us, Some(120_000_000.0));
        assert_eq!(latency.p50_us, Some(850.0));
        assert_eq!(latency.p75_us, Some(1_500_000.0));
        assert_eq!(latency.p99_us, Some(60_000_000.0));
        assert_eq!(
            report.errors,
            Errors {
                connect: 12,
                read: 3,
                write: 0,
                status: 7,
                timeout: 456
            }
        );
        assert!((report.req_per_sec - 1804.68).abs() < 1e-9);
        assert_eq!(report.connections, Some(1000));
    }

    #[test]
    fn a_foreign_file_is_refused_naming_it() {
        let path = repo("tests/fixtures/wrk/not-wrk-output.txt");
        let error = read(&path, Origin::Elsewhere).unwrap_err().to_string();
        assert!(error.contains("not-wrk-output.txt"), "{error}");
        assert!(error.contains("no wrk results"), "{error}");
    }

    #[test]
    fn malformed_lines_name_the_file_and_line() {
        let cases = [
            (
                "  4 threads and 100 connections\n  Latency  12.3xs 1ms 2ms 50%\n",
                2,
                "12.3xs",
            ),
            ("Requests/sec: fast\n", 1, "'fast' is not a number"),
            (
                "  Socket errors: connect 0, read many\n",
                1,
                "'many' is not a whole number",
            ),
            ("{\"wrk_report\":1,\"requests\":3}\n", 1, "JSON line"),
            (
                "  12 requests in 1.00s, 1KB read\n{\"wrk_report\":1,",
                2,
                "JSON line",
            ),
        ];
        for (text, line, needle) in cases {
            let error = parse(Path::new("x/wrk.txt"), text, Origin::Elsewhere)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(&format!("x/wrk.txt:{line}: ")), "{error}");
            assert!(error.contains(needle), "{error}");
        }
    }

    /// The harness's log of an async-server run, cut after `lines` lines.
    fn harness_log(lines: usize) -> String {
        let text =
            std::fs::read_to_string(repo("tests/fixtures/wrk/async-server-with-json.txt")).unwrap();
        text.lines()
            .take(lines)
            .flat_map(|line| [line, "\n"])
            .collect()
    }

    #[test]
    fn a_log_without_its_results_is_incomplete_never_zero() {
        const JSON: &str = "JSON line of wrk-report.lua";
        let whole = harness_log(14);
        let cases: [(&str, String, Origin, Result<f64, &str>); 10] = [
            (
                "whole, the harness's",
                whole.clone(),
                Origin::Harness,
                Ok(7566.586),
            ),
            (
                "whole, from elsewhere",
                whole,
                Origin::Elsewhere,
                Ok(7566.586),
            ),
            (
                "without the JSON line",
                harness_log(13),
                Origin::Harness,
                Err(JSON),
            ),
            (
                "cut after the rate",
                harness_log(12),
                Origin::Harness,
                Err(JSON),
            ),
            (
                "cut mid-distribution",
                harness_log(8),
                Origin::Harness,
                Err(JSON),
            ),
            (
                "only the first line",
                harness_log(1),
                Origin::Harness,
                Err(JSON),
            ),
            ("empty", String::new(), Origin::Harness, Err(JSON)),
            (
                "plain, whole",
                harness_log(13),
                Origin::Elsewhere,
                Ok(7566.59),
            ),
            (
                "plain, no Requests/sec",
                harness_log(11),
                Origin::Elsewhere,
                Err("\"Requests/sec:\" line"),
            ),
            (
                "plain, no requests line",
                "Requests/sec:   7566.59\n".to_owned(),
                Origin::Elsewhere,
                Err("\"N requests in\" line"),
            ),
        ];
        for (name, text, origin, expected) in cases {
            let parsed = parse(Path::new("p/wrk.txt"), &text, origin);
            match (parsed, expected) {
                (Ok(report), Ok(rate)) => {
                    assert!((report.req_per_sec - rate).abs() < 1e-9, "{name}");
                    assert!(report.duration_us > 2e6, "{name}");
                }
                (Err(error), Err(missing)) => assert_eq!(
                    error.to_string(),
                    format!(
                        "p/wrk.txt: wrk log incomplete: no {missing} (wrk cut short, or the file truncated)"
                    ),
                    "{name}"
                ),
                (parsed, expected) => panic!("{name}: {parsed:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn the_origin_of_a_log_is_the_command_that_wrote_it() {
        for (command, origin) in [
            (
                Some("wrk -t4 -c100 --timeout 10s -d10s --latency -s /r/scripts/wrk-report.lua http://127.0.0.1:9000/"),
                Origin::Harness,
            ),
            (Some("wrk -t4 -c100 -d10s http://127.0.0.1:9000/"), Origin::Elsewhere),
            (None, Origin::Elsewhere),
        ] {
            assert_eq!(Origin::of_command(command), origin, "{command:?}");
        }
    }

    #[test]
    fn units_table() {
        for (text, expected) in [
            ("850.00us", 850.0),
            ("65.17ms", 65_170.0),
            ("1.16s", 1_160_000.0),
            ("2.00m", 120_000_000.0),
            ("1.00h", 3_600_000_000.0),
        ] {
            assert!((micros(text).unwrap() - expected).abs() < 1e-6, "{text}");
        }
        for (text, expected) in [("1.93k", 1930.0), ("7685.20", 7685.2), ("2.5M", 2.5e6)] {
            assert!((count(text).unwrap() - expected).abs() < 1e-6, "{text}");
        }
        assert!(micros("12").is_err());
        assert!(micros("nanms").is_err());
    }
}
