//! oha's JSON output (`oha --output-format json`, the open-loop generator of `make latency`)
//! and what an open-loop point's `numbers.txt` says about its load: the rate it was offered,
//! as a fraction of which bound, and whether it is the point's full-length run or the
//! half-length one that shows a queue growing with the run.
//!
//! oha reports latencies in seconds, over every answered request (any status); requests that
//! got no answer are counted by kind in `errorDistribution` ("aborted due to deadline": in
//! flight when `-z` ended the run; "timeout": past `-t`). Requests that were due but never
//! sent before the end (every connection busy) appear nowhere: [`OpenLoop::not_sent`] counts
//! them from the offered rate.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::numbers::Numbers;
use super::wrk::Latency;
use super::{duration_seconds, ParseError};

/// oha's name for a request in flight when `-z` ended the run.
pub const DEADLINE_ERROR: &str = "aborted due to deadline";
/// oha's name for a request that passed `-t`.
pub const TIMEOUT_ERROR: &str = "timeout";

/// One oha run.
#[derive(Debug, Clone, PartialEq)]
pub struct OhaReport {
    /// How long the run lasted, in seconds (oha's `summary.total`).
    pub total_s: f64,
    /// Answers by HTTP status.
    pub status_codes: BTreeMap<u16, u64>,
    /// Requests without an answer, by oha's error text.
    pub errors: BTreeMap<String, u64>,
    /// Latency over answered requests, in µs, from each request's due time where oha ran
    /// with `--latency-correction`. No p75 of its own: oha's p75 is given; no stdev.
    pub latency: Latency,
}

impl OhaReport {
    /// Requests answered, whatever the status.
    pub fn answered(&self) -> u64 {
        self.status_codes.values().sum()
    }

    /// Requests answered 2xx.
    pub fn ok_answers(&self) -> u64 {
        self.status_codes
            .iter()
            .filter(|(code, _)| (200..300).contains(*code))
            .map(|(_, count)| count)
            .sum()
    }

    /// 2xx answers per second over the run: the achieved rate.
    pub fn achieved_rate(&self) -> f64 {
        if self.total_s > 0.0 {
            self.ok_answers() as f64 / self.total_s
        } else {
            0.0
        }
    }

    /// Requests in flight when the run's time was up (aborted, not failed).
    pub fn aborted_at_end(&self) -> u64 {
        self.errors.get(DEADLINE_ERROR).copied().unwrap_or(0)
    }

    /// Requests that passed oha's `-t`.
    pub fn timeouts(&self) -> u64 {
        self.errors.get(TIMEOUT_ERROR).copied().unwrap_or(0)
    }

    /// Failures: answers that were not 2xx, and errors other than the end of the run and
    /// timeouts (connections refused or reset, ...).
    pub fn failures(&self) -> u64 {
        let other_errors: u64 = self
            .errors
            .iter()
            .filter(|(text, _)| *text != DEADLINE_ERROR && *text != TIMEOUT_ERROR)
            .map(|(_, count)| count)
            .sum();
        self.answered() - self.ok_answers() + other_errors
    }

    /// Requests sent: answered, failed, timed out or aborted at the end.
    pub fn sent(&self) -> u64 {
        self.answered() + self.errors.values().sum::<u64>()
    }
}

#[derive(Debug, Deserialize)]
struct Json {
    summary: Summary,
    #[serde(rename = "latencyPercentiles")]
    latency_percentiles: BTreeMap<String, Option<f64>>,
    #[serde(rename = "statusCodeDistribution")]
    status_code_distribution: BTreeMap<String, u64>,
    #[serde(rename = "errorDistribution")]
    error_distribution: BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
struct Summary {
    total: f64,
    slowest: Option<f64>,
    average: Option<f64>,
}

/// Reads and parses an oha JSON output file.
///
/// # Errors
/// The file cannot be read, or is not oha's JSON output.
pub fn read(path: &Path) -> Result<OhaReport, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|error| ParseError::io(path, &error))?;
    parse(path, &text)
}

/// Parses oha's JSON output; `path` names it in errors.
///
/// # Errors
/// Not JSON, or JSON without oha's summary, latency percentiles, status codes and errors.
pub fn parse(path: &Path, text: &str) -> Result<OhaReport, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::file(path, "empty: oha printed nothing"));
    }
    let json: Json = serde_json::from_str(text).map_err(|error| {
        ParseError::at(
            path,
            error.line(),
            format!("not oha's JSON output (oha --output-format json): {error}"),
        )
    })?;
    let mut status_codes = BTreeMap::new();
    for (code, count) in json.status_code_distribution {
        let parsed = code.parse::<u16>().map_err(|_| {
            ParseError::file(
                path,
                format!("statusCodeDistribution: '{code}' is not a status"),
            )
        })?;
        status_codes.insert(parsed, count);
    }
    if !(json.summary.total.is_finite() && json.summary.total >= 0.0) {
        return Err(ParseError::file(path, "summary.total is not a duration"));
    }
    let percentile = |name: &str| {
        json.latency_percentiles
            .get(name)
            .copied()
            .flatten()
            .map(|seconds| seconds * 1e6)
    };
    let report = OhaReport {
        total_s: json.summary.total,
        status_codes,
        errors: json.error_distribution,
        latency: Latency {
            mean_us: json.summary.average.map(|s| s * 1e6),
            stdev_us: None,
            max_us: json.summary.slowest.map(|s| s * 1e6),
            p50_us: percentile("p50"),
            p75_us: percentile("p75"),
            p90_us: percentile("p90"),
            p99_us: percentile("p99"),
            p99_9_us: percentile("p99.9"),
        },
    };
    if report.answered() > 0 && report.latency.p50_us.is_none() {
        return Err(ParseError::file(
            path,
            "answers were counted but latencyPercentiles has no p50",
        ));
    }
    Ok(report)
}

/// Which of a point's runs: the full-length one, or the half-length one run beside it above
/// the bound, which shows whether latency grows with the run's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// The run of the full duration.
    Full,
    /// The same load for half the duration, on a fresh server.
    Half,
}

/// An open-loop point's load and its oha report.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenLoop {
    /// The offered rate, requests per second (oha -q).
    pub rate: f64,
    /// The offered rate as a fraction of the variant's Little's-law bound, where it has one.
    pub fraction: Option<f64>,
    /// That bound, req/s, at the run's reference connections.
    pub bound: Option<f64>,
    /// The connections rate × expected latency × headroom asked for, before the floor and cap.
    pub connections_wanted: Option<u32>,
    /// Full or half length.
    pub length: Length,
    /// The run's length as asked (oha -z), seconds.
    pub duration_s: Option<f64>,
    /// oha's report (oha.json); `None` where the point was not measured.
    pub report: Option<OhaReport>,
}

impl OpenLoop {
    /// The open-loop part of a point, if its numbers.txt has a `rate=`, with oha's report
    /// (its oha.json, read by the caller: `None` where there is none to show).
    ///
    /// # Errors
    /// A value of numbers.txt does not parse.
    pub fn read(numbers: &Numbers, report: Option<OhaReport>) -> Result<Option<Self>, ParseError> {
        let Some(rate) = numbers.get::<f64>("rate")? else {
            return Ok(None);
        };
        let length = match numbers.text("length") {
            None | Some("full") => Length::Full,
            Some("half") => Length::Half,
            Some(other) => {
                return Err(ParseError::file(
                    numbers.path(),
                    format!("length={other}: expected full or half"),
                ))
            }
        };
        Ok(Some(Self {
            rate,
            fraction: numbers.get("fraction")?,
            bound: numbers.get("bound_req_per_sec")?,
            connections_wanted: numbers.get("connections_wanted")?,
            length,
            duration_s: numbers.text("duration").and_then(duration_seconds),
            report,
        }))
    }

    /// Requests offered over the run: rate × the run's length as asked (oha schedules none
    /// after it; its own `total` also counts the moments it takes to stop).
    pub fn offered(&self) -> Option<f64> {
        let report = self.report.as_ref()?;
        Some(
            self.rate
                * self
                    .duration_s
                    .unwrap_or(report.total_s)
                    .min(report.total_s),
        )
    }

    /// Requests that were due but never sent before the run ended (every connection was
    /// busy): offered − sent, where that is positive. They are in no percentile.
    pub fn not_sent(&self) -> Option<u64> {
        let report = self.report.as_ref()?;
        let offered = self.offered()?.floor();
        let sent = report.sent() as f64;
        // Whole requests below 2^52: exact as f64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(if offered > sent {
            (offered - sent) as u64
        } else {
            0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/oha");

    #[test]
    fn recorded_oha_outputs() {
        // Recorded with oha 1.16.0 on loopback (-q RATE --latency-correction -z 2000ms):
        // (file, seconds, 2xx, p50 µs, p99 µs, failures, cut off at the end, sent)
        let cases = [
            (
                "sync-server-50rps.json",
                2.0,
                100,
                10_529.0,
                14_713.0,
                0,
                1,
                101,
            ),
            (
                "sync-server-125rps.json",
                2.0,
                193,
                241_264.0,
                454_044.0,
                0,
                4,
                197,
            ),
            (
                "async-server-5000rps.json",
                2.0,
                9_954,
                11_610.0,
                15_836.0,
                0,
                43,
                9_997,
            ),
            ("no-server.json", 1.0, 0, f64::NAN, f64::NAN, 50, 1, 51),
        ];
        for (file, seconds, ok, p50, p99, failures, cut_off, sent) in cases {
            let report = read(&Path::new(FIXTURES).join(file)).unwrap();
            assert!((report.total_s - seconds).abs() < 0.01, "{file}");
            assert_eq!(report.ok_answers(), ok, "{file}");
            assert_eq!(report.failures(), failures, "{file}");
            assert_eq!(report.aborted_at_end(), cut_off, "{file}");
            assert_eq!(report.timeouts(), 0, "{file}");
            assert_eq!(report.sent(), sent, "{file}");
            let near = |value: Option<f64>, expected: f64| match value {
                Some(v) => (v - expected).abs() < 10.0,
                None => expected.is_nan(),
            };
            assert!(
                near(report.latency.p50_us, p50),
                "{file}: {:?}",
                report.latency
            );
            assert!(
                near(report.latency.p99_us, p99),
                "{file}: {:?}",
                report.latency
            );
        }
    }

    #[test]
    fn not_oha_output_is_refused_naming_the_file() {
        let cases = [
            ("", "empty: oha printed nothing"),
            (
                "Running 5s test @ http://127.0.0.1/\n",
                "not oha's JSON output",
            ),
            ("{\"summary\": {}}", "not oha's JSON output"),
            ("[1, 2]", "not oha's JSON output"),
            (
                "{\"summary\": {\"total\": 2.0, \"slowest\"",
                "not oha's JSON output",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(Path::new("p/oha.json"), text)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("p/oha.json"), "{error}");
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
