//! `bench-report merge-wrk`: the wrk logs of several load generators that loaded one server
//! at once, merged into the one log the rest of the report reads as any point's wrk.txt.
//!
//! Counts add up: requests, bytes and each kind of error are summed, and the rate is the sum
//! of each generator's rate over its own window. Latency does not: the percentiles of the
//! whole are not any mean of the generators' percentiles. Each generator's full distribution
//! (its `.hist` file beside its log, written by scripts/wrk-report.lua with
//! `WRK_HISTOGRAM_FILE`) goes into one HdrHistogram, and every latency figure is read from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;

use crate::parse::wrk::{self, Errors, WrkReport};
use crate::parse::ParseError;

/// The HdrHistogram's precision: values within 0.1% are one.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// How far a generator's share of the requests may stand from an even split before it is
/// named: a tenth of the even share (5 points of 50% with two generators).
pub const SHARE_TOLERANCE: f64 = 0.1;

/// One generator as given on the command line: `LABEL=WRK_LOG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Its name in the report and in numbers.txt ("lab1").
    pub label: String,
    /// Its wrk log (its histogram is beside it, see [`histogram_path`]).
    pub log: PathBuf,
}

impl Input {
    /// `LABEL=WRK_LOG`; a label is letters, digits, `.`, `_` and `-` (it goes into
    /// numbers.txt's comma-separated `LABEL:VALUE` lists).
    ///
    /// # Errors
    /// No `=`, an empty label or path, or a character a label cannot hold.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((label, log)) = text.split_once('=') else {
            return Err(format!("'{text}' is not LABEL=WRK_LOG"));
        };
        if label.is_empty() || log.is_empty() {
            return Err(format!("'{text}' is not LABEL=WRK_LOG"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(format!(
                "label '{label}': only letters, digits, '.', '_' and '-'"
            ));
        }
        Ok(Self {
            label: label.to_owned(),
            log: PathBuf::from(log),
        })
    }
}

/// The histogram of a wrk log: the log's path with its extension replaced by `.hist`
/// (`wrk-lab1.txt` → `wrk-lab1.hist`).
pub fn histogram_path(log: &Path) -> PathBuf {
    log.with_extension("hist")
}

/// A latency distribution: each distinct value (µs) and how many times it was recorded.
pub type Distribution = Vec<(u64, u64)>;

/// Reads a histogram file of wrk-report.lua: `VALUE COUNT` a line, whole numbers, a count of
/// at least 1. An empty file is an empty distribution (no request answered).
///
/// # Errors
/// The file cannot be read, or a line is not two whole numbers (naming the file and line).
pub fn read_histogram(path: &Path) -> Result<Distribution, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|error| ParseError::io(path, &error))?;
    parse_histogram(path, &text)
}

/// Parses the text of a histogram file; `path` names it in errors.
///
/// # Errors
/// As [`read_histogram`].
pub fn parse_histogram(path: &Path, text: &str) -> Result<Distribution, ParseError> {
    let mut distribution = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |message: String| ParseError::at(path, index + 1, message);
        let words: Vec<&str> = line.split_whitespace().collect();
        let [value, count] = words.as_slice() else {
            return Err(at(format!(
                "expected 'VALUE COUNT' (µs and how many), found '{}'",
                line.trim()
            )));
        };
        let whole = |text: &str| {
            text.parse::<u64>()
                .map_err(|_| at(format!("'{text}' is not a whole number")))
        };
        let (value, count) = (whole(value)?, whole(count)?);
        if count == 0 {
            return Err(at(format!("a count of 0 for {value} µs")));
        }
        distribution.push((value, count));
    }
    Ok(distribution)
}

/// One generator, read: its wrk log and its latency distribution.
#[derive(Debug, Clone)]
pub struct Generator {
    /// Its label.
    pub label: String,
    /// Its wrk log, as given.
    pub log: PathBuf,
    /// The log, read.
    pub report: WrkReport,
    /// Its histogram file's distribution.
    pub distribution: Distribution,
}

impl Generator {
    /// Reads a generator's wrk log (the harness's, with the JSON line of wrk-report.lua) and
    /// its histogram, and checks that they belong together.
    ///
    /// # Errors
    /// Either file is missing or malformed, the log lacks what the merged log needs (its
    /// first two lines, its bytes), or the histogram is not this log's (see
    /// [`check_distribution`]).
    pub fn read(input: &Input) -> Result<Self, ParseError> {
        let report = wrk::read(&input.log, wrk::Origin::Harness)?;
        let missing = |what: &str| ParseError::file(&input.log, format!("no {what}"));
        if report.url.is_none() || report.duration.is_none() {
            return Err(missing("\"Running D test @ URL\" line"));
        }
        if report.threads.is_none() || report.connections.is_none() {
            return Err(missing("\"T threads and C connections\" line"));
        }
        if report.bytes.is_none() {
            return Err(missing("\"bytes\" in its JSON line"));
        }
        let hist = histogram_path(&input.log);
        let distribution = read_histogram(&hist)?;
        check_distribution(&hist, &report, &distribution)?;
        Ok(Self {
            label: input.label.clone(),
            log: input.log.clone(),
            report,
            distribution,
        })
    }
}

/// Whether `distribution` can be the histogram of `report`. wrk records one latency per
/// answered request (requests minus timeouts) and may add samples of its own after the run
/// (see scripts/wrk-report.lua), never fewer; its largest value is the log's maximum.
///
/// # Errors
/// Fewer samples than answered requests, samples where none was answered, or another
/// maximum: the histogram of another run.
pub fn check_distribution(
    path: &Path,
    report: &WrkReport,
    distribution: &[(u64, u64)],
) -> Result<(), ParseError> {
    let samples: u64 = distribution.iter().map(|(_, count)| count).sum();
    let answered = report.requests.saturating_sub(report.errors.timeout);
    let not_its_own = |why: String| {
        ParseError::file(
            path,
            format!("{why}: not the histogram of its wrk log (another run's?)"),
        )
    };
    if samples < answered || (answered == 0 && samples > 0) {
        return Err(not_its_own(format!(
            "{samples} latencies for {answered} answered requests (requests {} - timeouts {})",
            report.requests, report.errors.timeout
        )));
    }
    let largest = distribution.iter().map(|(value, _)| *value).max();
    if let (Some(largest), Some(max_us)) = (largest, report.latency.max_us) {
        if answered > 0 && (largest as f64 - max_us).abs() > 0.5 {
            return Err(not_its_own(format!(
                "its largest latency is {largest} µs, the log's maximum {max_us} µs"
            )));
        }
    }
    Ok(())
}

/// The latency figures of a merged distribution, µs (all 0 for an empty one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MergedLatency {
    /// Samples in the distribution.
    pub samples: u64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub stdev: f64,
    /// Maximum (the top of its HdrHistogram bucket).
    pub max: u64,
    /// Percentiles 50, 75, 90, 99 and 99.9.
    pub p50: u64,
    /// See `p50`.
    pub p75: u64,
    /// See `p50`.
    pub p90: u64,
    /// See `p50`.
    pub p99: u64,
    /// See `p50`.
    pub p99_9: u64,
}

/// The distributions merged through one HdrHistogram of [`SIGNIFICANT_DIGITS`], and its
/// figures.
///
/// # Errors
/// A value the histogram cannot hold.
pub fn merge_latency<'a>(
    distributions: impl IntoIterator<Item = &'a Distribution>,
) -> Result<MergedLatency, String> {
    let mut histogram = Histogram::<u64>::new(SIGNIFICANT_DIGITS)
        .map_err(|error| format!("cannot make the histogram: {error}"))?;
    for distribution in distributions {
        for &(value, count) in distribution {
            histogram
                .record_n(value, count)
                .map_err(|error| format!("cannot record {count} × {value} µs: {error:?}"))?;
        }
    }
    if histogram.is_empty() {
        return Ok(MergedLatency {
            samples: 0,
            mean: 0.0,
            stdev: 0.0,
            max: 0,
            p50: 0,
            p75: 0,
            p90: 0,
            p99: 0,
            p99_9: 0,
        });
    }
    let at = |quantile: f64| histogram.value_at_quantile(quantile);
    Ok(MergedLatency {
        samples: histogram.len(),
        mean: histogram.mean(),
        stdev: histogram.stdev(),
        max: histogram.max(),
        p50: at(0.5),
        p75: at(0.75),
        p90: at(0.9),
        p99: at(0.99),
        p99_9: at(0.999),
    })
}

/// Each generator's share of the requests (fractions), or `None` when none was sent.
pub fn shares(requests: &[u64]) -> Option<Vec<f64>> {
    let total: u64 = requests.iter().sum();
    (total > 0).then(|| requests.iter().map(|&r| r as f64 / total as f64).collect())
}

/// The generators (indexes) whose share of the requests stands more than
/// [`SHARE_TOLERANCE`] of an even share (1/N) away from it; none when no request was sent.
pub fn off_even(requests: &[u64]) -> Vec<usize> {
    let total: u64 = requests.iter().sum();
    if total == 0 {
        return Vec::new();
    }
    let generators = requests.len() as f64;
    requests
        .iter()
        .enumerate()
        // |r/T - 1/N| > 0.1/N, written |N·r - T| > 0.1·T: no division.
        .filter(|&(_, &r)| {
            (generators * r as f64 - total as f64).abs() > SHARE_TOLERANCE * total as f64
        })
        .map(|(index, _)| index)
        .collect()
}

/// The merged log and the lines `run` appends to the point's numbers.txt.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged wrk log (wrk's first lines, the merge line, the JSON line).
    pub log: String,
    /// `key=value` lines: `load_hosts`, `load_requests`, `load_share_pct`, `load_share_off`.
    pub numbers: Vec<String>,
}

/// Merges the generators, in the order given.
///
/// # Errors
/// No generator, a label given twice, or a latency the histogram cannot hold.
pub fn merge(generators: &[Generator]) -> Result<Merged, String> {
    let Some(longest) = generators
        .iter()
        .max_by(|a, b| a.report.duration_us.total_cmp(&b.report.duration_us))
    else {
        return Err("no wrk log to merge".to_owned());
    };
    let mut seen = BTreeMap::new();
    for generator in generators {
        if let Some(other) = seen.insert(generator.label.as_str(), &generator.log) {
            return Err(format!(
                "the label '{}' is given twice ({} and {})",
                generator.label,
                other.display(),
                generator.log.display()
            ));
        }
    }
    let reports: Vec<&WrkReport> = generators.iter().map(|g| &g.report).collect();
    let requests: u64 = reports.iter().map(|r| r.requests).sum();
    let bytes: u64 = reports.iter().filter_map(|r| r.bytes).sum();
    let threads: u32 = reports.iter().filter_map(|r| r.threads).sum();
    let connections: u32 = reports.iter().filter_map(|r| r.connections).sum();
    let errors = reports
        .iter()
        .fold(Errors::default(), |total, r| total + r.errors);
    // Each generator's rate over its own window: they started at one instant but each
    // stops on its own clock.
    let rate: f64 = reports
        .iter()
        .filter(|r| r.duration_us > 0.0)
        .map(|r| r.requests as f64 / (r.duration_us / 1e6))
        .sum();
    let latency = merge_latency(generators.iter().map(|g| &g.distribution))?;

    let mut log = String::new();
    let _ = writeln!(
        log,
        "Running {} test @ {}",
        crate::parse::meta::or_unknown(longest.report.duration.as_ref()),
        generators[0].report.url.as_deref().unwrap_or("?"),
    );
    let _ = writeln!(log, "  {threads} threads and {connections} connections");
    let _ = writeln!(log, "  {}", merge_line(generators));
    let _ = writeln!(
        log,
        "  {requests} requests in {:.2}s, {}B read",
        longest.report.duration_us / 1e6,
        binary(bytes)
    );
    let _ = writeln!(log, "Requests/sec: {rate:>9.2}");
    let _ = writeln!(
        log,
        concat!(
            "{{\"wrk_report\":1,\"requests\":{},\"duration_us\":{:.0},\"requests_per_sec\":{:.3},\"bytes\":{},",
            "\"latency_unit\":\"us\",\"latency_mean\":{:.1},\"latency_stdev\":{:.1},\"latency_max\":{},",
            "\"latency_p50\":{},\"latency_p75\":{},\"latency_p90\":{},\"latency_p99\":{},\"latency_p99_9\":{},",
            "\"errors_connect\":{},\"errors_read\":{},\"errors_write\":{},\"errors_status\":{},\"errors_timeout\":{},",
            "\"merged_from\":{}}}"
        ),
        requests,
        longest.report.duration_us,
        rate,
        bytes,
        latency.mean,
        latency.stdev,
        latency.max,
        latency.p50,
        latency.p75,
        latency.p90,
        latency.p99,
        latency.p99_9,
        errors.connect,
        errors.read,
        errors.write,
        errors.status,
        errors.timeout,
        generators.len(),
    );

    Ok(Merged {
        log,
        numbers: numbers_lines(generators),
    })
}

/// The lines for numbers.txt: the hosts, the requests each sent, its share, those off an
/// even split.
fn numbers_lines(generators: &[Generator]) -> Vec<String> {
    let counts: Vec<u64> = generators.iter().map(|g| g.report.requests).collect();
    let labelled = |values: &mut dyn Iterator<Item = String>| {
        generators
            .iter()
            .zip(values)
            .map(|(g, value)| format!("{}:{value}", g.label))
            .collect::<Vec<_>>()
            .join(",")
    };
    let labels: Vec<&str> = generators.iter().map(|g| g.label.as_str()).collect();
    vec![
        format!("load_hosts={}", labels.join(",")),
        format!(
            "load_requests={}",
            labelled(&mut counts.iter().map(u64::to_string))
        ),
        format!(
            "load_share_pct={}",
            shares(&counts).map_or(String::new(), |shares| labelled(
                &mut shares.iter().map(|s| format!("{:.1}", s * 100.0))
            ))
        ),
        format!(
            "load_share_off={}",
            off_even(&counts)
                .into_iter()
                .map(|index| labels[index])
                .collect::<Vec<_>>()
                .join(",")
        ),
    ]
}

/// The line of the merged log that says what it was merged from.
fn merge_line(generators: &[Generator]) -> String {
    let mut line = format!(
        "Merged by bench-report merge-wrk from {} wrk logs and their histograms:",
        generators.len()
    );
    for (index, generator) in generators.iter().enumerate() {
        let _ = write!(
            line,
            "{} {} {} ({} threads and {} connections)",
            if index == 0 { "" } else { "," },
            generator.label,
            generator.log.display(),
            generator.report.threads.unwrap_or(0),
            generator.report.connections.unwrap_or(0),
        );
    }
    let first = generators.first().and_then(|g| g.report.url.as_deref());
    if generators.iter().any(|g| g.report.url.as_deref() != first) {
        line.push_str("; their URLs:");
        for generator in generators {
            let _ = write!(
                line,
                " {} {}",
                generator.label,
                generator.report.url.as_deref().unwrap_or("?")
            );
        }
    }
    line
}

/// Bytes as wrk prints them: "79.47K" (binary units, two decimals; the caller adds "B").
fn binary(bytes: u64) -> String {
    let mut value = bytes as f64;
    for unit in ["", "K", "M", "G"] {
        if value < 1024.0 {
            return format!("{value:.2}{unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.2}T")
}

/// `bench-report merge-wrk`: reads every input, merges them, writes `out` whole (a temporary
/// file beside it, then a rename), then appends the lines of [`Merged::numbers`] to `numbers`
/// (the point's numbers.txt) in one write.
///
/// # Errors
/// Any input missing or malformed, a label given twice, or `out` cannot be written: then
/// nothing is written; or `numbers` cannot be appended to.
pub fn run(inputs: &[Input], out: &Path, numbers: &Path) -> Result<(), String> {
    let generators = inputs
        .iter()
        .map(Generator::read)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    if let Some(input) = inputs.iter().find(|input| input.log == out) {
        return Err(format!(
            "--out {} is also the log of {}: it would be overwritten",
            out.display(),
            input.label
        ));
    }
    let merged = merge(&generators)?;
    crate::write_atomically(out, &merged.log).map_err(|error| error.to_string())?;
    let lines = merged.numbers.join("\n") + "\n";
    std::fs::OpenOptions::new()
        .append(true)
        .open(numbers)
        .and_then(|mut file| std::io::Write::write_all(&mut file, lines.as_bytes()))
        .map_err(|error| format!("{}: {error}", numbers.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::meta::Span;
    use crate::parse::wrk::Origin;

    /// A generator with `distribution`, its requests those it answered plus `timeouts`.
    fn generator(label: &str, distribution: Distribution, timeouts: u64) -> Generator {
        let answered: u64 = distribution.iter().map(|(_, count)| count).sum();
        let mut report = crate::testing::report(0.0, 0.0);
        report.url = Some("http://10.0.0.9:9001/".to_owned());
        report.requests = answered + timeouts;
        report.duration_us = 10e6;
        report.req_per_sec = report.requests as f64 / 10.0;
        report.bytes = Some(report.requests * 130);
        report.threads = Some(2);
        report.connections = Some(50);
        report.errors.timeout = timeouts;
        Generator {
            label: label.to_owned(),
            log: PathBuf::from(format!("wrk-{label}.txt")),
            report,
            distribution,
        }
    }

    fn once_each(values: std::ops::RangeInclusive<u64>) -> Distribution {
        values.map(|value| (value, 1)).collect()
    }

    #[test]
    fn latency_is_merged_from_the_whole_distributions_not_from_percentiles() {
        let a = once_each(1..=1000);
        let b = once_each(1001..=2000);
        let own_p99 = |d: &Distribution| merge_latency([d]).unwrap().p99 as f64;
        let mean_of_p99s = f64::midpoint(own_p99(&a), own_p99(&b));
        assert!((mean_of_p99s - 1490.0).abs() < 1.0, "{mean_of_p99s}");

        let merged = merge_latency([&a, &b]).unwrap();
        assert_eq!(merged.samples, 2000);
        // Below 2048 µs a 3-digit HdrHistogram holds every microsecond apart.
        assert_eq!(
            (merged.p50, merged.p75, merged.p90, merged.p99, merged.p99_9),
            (1000, 1500, 1800, 1980, 1998)
        );
        assert_eq!(merged.max, 2000);
        assert!((merged.mean - 1000.5).abs() < 0.01, "{}", merged.mean);
        assert!((merged.p99 as f64 - mean_of_p99s).abs() > 400.0);
    }

    #[test]
    fn larger_values_within_the_histograms_precision() {
        // Two hosts 10× apart: the merged p50 is the slow host's fastest, within 0.1%.
        let fast: Distribution = vec![(10_000, 900), (12_000, 100)];
        let slow: Distribution = vec![(100_000, 1000)];
        let merged = merge_latency([&fast, &slow]).unwrap();
        let near = |value: u64, expected: f64| (value as f64 - expected).abs() <= expected * 1e-3;
        assert!(near(merged.p50, 12_000.0), "{}", merged.p50);
        assert!(near(merged.p75, 100_000.0), "{}", merged.p75);
        assert!(near(merged.max, 100_000.0), "{}", merged.max);
        let mean = (10_000.0 * 900.0 + 12_000.0 * 100.0 + 100_000.0 * 1000.0) / 2000.0;
        assert!((merged.mean - mean).abs() <= mean * 1e-3, "{}", merged.mean);
    }

    #[test]
    fn counts_and_errors_are_summed_and_the_log_reads_back() {
        let mut a = generator("lab1", once_each(1..=1000), 3);
        a.report.errors.read = 2;
        a.report.errors.status = 5;
        let mut b = generator("lab2", once_each(1001..=2000), 0);
        b.report.errors.connect = 1;
        b.report.duration_us = 10.5e6;
        b.report.threads = Some(4);
        let merged = merge(&[a, b]).unwrap();
        let report = wrk::parse(Path::new("wrk.txt"), &merged.log, Origin::Harness).unwrap();
        assert_eq!(report.requests, 2003);
        assert_eq!(report.bytes, Some(2003 * 130));
        assert!((report.duration_us - 10.5e6).abs() < 1e-6);
        // 1003 requests in 10 s and 1000 in 10.5 s.
        assert!((report.req_per_sec - (100.3 + 1000.0 / 10.5)).abs() < 1e-3);
        assert_eq!(
            report.errors,
            Errors {
                connect: 1,
                read: 2,
                write: 0,
                status: 5,
                timeout: 3
            }
        );
        assert_eq!((report.threads, report.connections), (Some(6), Some(100)));
        assert_eq!(report.duration, Some(Span("10s".to_owned())));
        assert_eq!(report.url.as_deref(), Some("http://10.0.0.9:9001/"));
        assert_eq!(report.latency.p99_us, Some(1980.0));
        assert_eq!(report.latency.p50_us, Some(1000.0));
        assert!(merged.log.contains("\"merged_from\":2}"));
        assert!(merged
            .log
            .contains("lab1 wrk-lab1.txt (2 threads and 50 connections)"));
        // wrk's own text lines too: a reader without the JSON line gets the same counts.
        let text = wrk::parse(Path::new("wrk.txt"), &merged.log, Origin::Elsewhere).unwrap();
        assert_eq!(text.requests, 2003);
        assert!((text.req_per_sec - report.req_per_sec).abs() < 0.01);
    }

    #[test]
    fn nothing_answered_is_zeros_and_no_share() {
        let merged = merge(&[generator("a", vec![], 4), generator("b", vec![], 0)]).unwrap();
        let report = wrk::parse(Path::new("wrk.txt"), &merged.log, Origin::Harness).unwrap();
        assert_eq!(report.requests, 4);
        assert_eq!(report.errors.timeout, 4);
        assert!(merged.log.contains("\"latency_p99\":0,"));
        let merged = merge(&[generator("a", vec![], 0), generator("b", vec![], 0)]).unwrap();
        assert_eq!(
            merged.numbers,
            [
                "load_hosts=a,b",
                "load_requests=a:0,b:0",
                "load_share_pct=",
                "load_share_off="
            ]
        );
    }

    #[test]
    fn shares_and_the_generators_off_an_even_split() {
        // Two generators: 50% each, named beyond 45–55%.
        assert_eq!(off_even(&[550, 450]), Vec::<usize>::new());
        assert_eq!(off_even(&[551, 449]), [0, 1]);
        // Three: 33.3% each, named beyond 30–36.7%.
        assert_eq!(off_even(&[340, 340, 320]), Vec::<usize>::new());
        assert_eq!(off_even(&[380, 340, 280]), [0, 2]);
        assert_eq!(off_even(&[1000]), Vec::<usize>::new());
        assert_eq!(off_even(&[0, 0]), Vec::<usize>::new());
        assert_eq!(shares(&[0, 0]), None);

        let merged = merge(&[
            generator("lab1", vec![(1000, 1234)], 0),
            generator("lab2", vec![(1000, 1200)], 0),
        ])
        .unwrap();
        assert_eq!(
            merged.numbers,
            [
                "load_hosts=lab1,lab2",
                "load_requests=lab1:1234,lab2:1200",
                "load_share_pct=lab1:50.7,lab2:49.3",
                "load_share_off=",
            ]
        );
        let merged = merge(&[
            generator("lab1", vec![(1000, 620)], 0),
            generator("lab2", vec![(1000, 380)], 0),
            generator("lab3", vec![(1000, 500)], 0),
        ])
        .unwrap();
        assert_eq!(
            merged.numbers[2],
            "load_share_pct=lab1:41.3,lab2:25.3,lab3:33.3"
        );
        assert_eq!(merged.numbers[3], "load_share_off=lab1,lab2");
    }

    #[test]
    fn a_label_given_twice_is_refused() {
        let error = merge(&[
            generator("lab1", vec![(1, 1)], 0),
            generator("lab1", vec![(1, 1)], 0),
        ])
        .unwrap_err();
        assert!(error.contains("'lab1' is given twice"), "{error}");
        assert_eq!(merge(&[]).unwrap_err(), "no wrk log to merge");
    }

    #[test]
    fn inputs_are_label_equals_log() {
        let input = Input::parse("lab-1.a=runs/p/wrk=lab1.txt").unwrap();
        assert_eq!(input.label, "lab-1.a");
        assert_eq!(input.log, Path::new("runs/p/wrk=lab1.txt"));
        for bad in [
            "wrk.txt",
            "=wrk.txt",
            "lab1=",
            "lab,1=x.txt",
            "lab 1=x.txt",
            "a:b=x",
        ] {
            assert!(Input::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            histogram_path(Path::new("p/wrk-lab1.txt")),
            Path::new("p/wrk-lab1.hist")
        );
        assert_eq!(histogram_path(Path::new("p/wrk")), Path::new("p/wrk.hist"));
    }

    #[test]
    fn a_malformed_histogram_names_the_file_and_line() {
        let path = Path::new("p/wrk-lab2.hist");
        assert_eq!(
            parse_histogram(path, "12 3\n\n15 1\n").unwrap(),
            [(12, 3), (15, 1)]
        );
        for (text, line, needle) in [
            ("12 3\n13\n", 2, "expected 'VALUE COUNT'"),
            ("12 3 4\n", 1, "expected 'VALUE COUNT'"),
            ("12.5 3\n", 1, "'12.5' is not a whole number"),
            ("12 -1\n", 1, "'-1' is not a whole number"),
            ("12 0\n", 1, "a count of 0"),
            (
                "Running 10s test @ http://x/\n",
                1,
                "expected 'VALUE COUNT'",
            ),
        ] {
            let error = parse_histogram(path, text).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("p/wrk-lab2.hist:{line}: ")),
                "{error}"
            );
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn a_histogram_of_another_run_is_refused() {
        let path = Path::new("p/wrk-lab1.hist");
        let mut report = generator("lab1", vec![], 0).report;
        report.requests = 10;
        report.errors.timeout = 2;
        report.latency.max_us = Some(900.0);
        // 8 answered: 8 samples, or more (wrk's own additions), with the log's maximum.
        assert!(check_distribution(path, &report, &[(100, 7), (900, 1)]).is_ok());
        assert!(check_distribution(path, &report, &[(100, 9), (900, 1)]).is_ok());
        for (distribution, needle) in [
            (
                vec![(100, 6), (900, 1)],
                "7 latencies for 8 answered requests",
            ),
            (vec![], "0 latencies for 8 answered requests"),
            (vec![(100, 7), (901, 1)], "its largest latency is 901 µs"),
        ] {
            let error = check_distribution(path, &report, &distribution)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("p/wrk-lab1.hist: "), "{error}");
            assert!(error.contains(needle), "{error}");
            assert!(
                error.contains("not the histogram of its wrk log"),
                "{error}"
            );
        }
        report.errors.timeout = 10;
        let error = check_distribution(path, &report, &[(100, 1)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("1 latencies for 0 answered"), "{error}");
    }
}
