//! Repeated runs of one point (the same variant and load, measured RUNS times, interleaved
//! with the other points): taken together as one point whose figures are the runs' means,
//! so every curve and sentence reads the same with one run or several, and the spread of
//! each figure beside it.

use crate::analysis::variants::Spread;
use crate::model::{Point, Status};
use crate::parse::wrk::{Errors, Latency, WrkReport};

/// The runs of one point and their merged figures.
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    /// The runs' means as one point (measured if any run was).
    pub point: Point,
    /// The runs, in the order they ran.
    pub runs: Vec<&'a Point>,
}

impl Merged<'_> {
    /// How many runs were measured.
    pub fn measured_runs(&self) -> usize {
        self.runs.iter().filter(|p| p.status.is_ok()).count()
    }

    /// The spread of a figure over the measured runs.
    pub fn spread(&self, figure: impl Fn(&Point) -> Option<f64>) -> Option<Spread> {
        Spread::of(
            self.runs
                .iter()
                .filter(|p| p.status.is_ok())
                .filter_map(|p| figure(p)),
        )
    }
}

fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    Spread::of(values.into_iter().flatten()).map(|s| s.mean)
}

fn sum(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let values: Vec<f64> = values.into_iter().flatten().collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

fn max(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    values.into_iter().flatten().reduce(f64::max)
}

/// The mean of wrk reports: rates and latencies averaged, the largest maximum, counts and
/// durations summed (so CPU shares over the summed time stay right).
fn merge_reports(reports: &[&WrkReport]) -> Option<WrkReport> {
    let first = *reports.first()?;
    let latency =
        |pick: fn(&Latency) -> Option<f64>| mean(reports.iter().map(|r| pick(&r.latency)));
    let errors = reports
        .iter()
        .fold(Errors::default(), |total, r| total + r.errors);
    Some(WrkReport {
        requests: reports.iter().map(|r| r.requests).sum(),
        duration_us: reports.iter().map(|r| r.duration_us).sum(),
        req_per_sec: mean(reports.iter().map(|r| Some(r.req_per_sec))).unwrap_or(0.0),
        bytes: reports.iter().map(|r| r.bytes).sum(),
        latency: Latency {
            mean_us: latency(|l| l.mean_us),
            stdev_us: latency(|l| l.stdev_us),
            max_us: max(reports.iter().map(|r| r.latency.max_us)),
            p50_us: latency(|l| l.p50_us),
            p75_us: latency(|l| l.p75_us),
            p90_us: latency(|l| l.p90_us),
            p99_us: latency(|l| l.p99_us),
            p99_9_us: latency(|l| l.p99_9_us),
        },
        errors,
        ..first.clone()
    })
}

/// The runs of one point as one: their means where any run was measured, else the first.
pub fn merge(runs: Vec<&Point>) -> Merged<'_> {
    let measured: Vec<&Point> = runs.iter().copied().filter(|p| p.status.is_ok()).collect();
    let Some(first) = measured.first() else {
        return Merged {
            point: (*runs[0]).clone(),
            runs,
        };
    };
    let mut point = (*first).clone();
    let wrk: Vec<&WrkReport> = measured.iter().filter_map(|p| p.wrk.as_ref()).collect();
    point.wrk = merge_reports(&wrk);
    let unloaded: Vec<&WrkReport> = measured
        .iter()
        .filter_map(|p| p.unloaded.as_ref())
        .collect();
    point.unloaded = merge_reports(&unloaded);
    let samples = |pick: fn(&Point) -> Option<f64>| sum(measured.iter().map(|p| pick(p)));
    point.samples.server_cpu_s = samples(|p| p.samples.server_cpu_s);
    point.samples.client_cpu_s = samples(|p| p.samples.client_cpu_s);
    point.samples.machine_cpu_busy_s = samples(|p| p.samples.machine_cpu_busy_s);
    point.samples.server_peak_rss_kb = measured
        .iter()
        .filter_map(|p| p.samples.server_peak_rss_kb)
        .max();
    point.samples.server_threads_max = measured
        .iter()
        .filter_map(|p| p.samples.server_threads_max)
        .max();
    point.samples.server_exit = measured
        .iter()
        .filter_map(|p| p.samples.server_exit.clone())
        .find(|exit| exit != "0")
        .or_else(|| first.samples.server_exit.clone());
    point.status = Status::Ok;
    Merged { point, runs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::point;

    #[test]
    fn three_runs_are_one_point_of_their_means() {
        let mut runs: Vec<Point> = [
            (8_200.0, 12_000.0),
            (8_400.0, 11_800.0),
            (8_300.0, 12_200.0),
        ]
        .iter()
        .enumerate()
        .map(|(i, (rate, mean))| {
            let mut p = point(1, "async-server", "rust", "async", *rate, *mean);
            p.run = u32::try_from(i).unwrap() + 1;
            p.samples.server_cpu_s = Some(1.0);
            p
        })
        .collect();
        runs[2].status = Status::Failed("died".to_owned());
        let merged = merge(runs.iter().collect());
        let report = merged.point.measured().unwrap();
        assert!((report.req_per_sec - 8_300.0).abs() < 1e-9);
        assert_eq!(report.latency.mean_us, Some(11_900.0));
        assert!((report.duration_us - 20e6).abs() < 1e-6);
        assert_eq!(merged.point.samples.server_cpu_s, Some(2.0));
        assert_eq!(merged.measured_runs(), 2);
        let spread = merged
            .spread(|p| p.measured().map(|r| r.req_per_sec))
            .unwrap();
        assert_eq!((spread.min, spread.max), (8_200.0, 8_400.0));
    }

    #[test]
    fn runs_none_of_which_was_measured_stay_unmeasured() {
        let mut failed = point(1, "sync-server", "rust", "sync", 97.0, 1e6);
        failed.status = Status::Skipped("open files".to_owned());
        let merged = merge(vec![&failed]);
        assert!(!merged.point.status.is_ok());
    }
}
