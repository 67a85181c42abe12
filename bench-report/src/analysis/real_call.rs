//! The simulated wait beside a real call: each variant a run measured both ways (sleeping
//! the delay, and calling a real downstream that waits the same delay), paired, and whether
//! the sleep model held.

use crate::analysis::variants::VariantSummary;
use crate::model::{Point, Variant};

/// The sleep model holds where the real call's req/s is within ± this share of the sleep's.
pub const HOLDS_WITHIN: f64 = 0.05;

/// One variant, both ways.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'r, 'a> {
    /// Sleeping the delay.
    pub sleep: &'r VariantSummary<'a>,
    /// Calling the real downstream.
    pub call: &'r VariantSummary<'a>,
}

impl Pair<'_, '_> {
    /// The real call's mean req/s over the sleep's; `None` where the sleep served nothing.
    pub fn ratio(&self) -> Option<f64> {
        let sleep = self.sleep.rate()?.mean;
        let call = self.call.rate()?.mean;
        (sleep > 0.0).then(|| call / sleep)
    }

    /// Whether the sleep model held: the real call within [`HOLDS_WITHIN`] of the sleep.
    pub fn holds(&self) -> Option<bool> {
        self.ratio()
            .map(|ratio| (ratio - 1.0).abs() <= HOLDS_WITHIN)
    }
}

/// Every variant measured both ways, in the order of the run: a real-call variant and the
/// sleeping one of the same family and kind.
pub fn pairs<'r, 'a>(variants: &'r [VariantSummary<'a>]) -> Vec<Pair<'r, 'a>> {
    variants
        .iter()
        .filter(|call| call.runs() > 0)
        .filter_map(|call| {
            let sleep = variants.iter().find(|sleep| {
                sleep.runs() > 0 && twins(&sleep.example.variant, &call.example.variant)
            })?;
            Some(Pair { sleep, call })
        })
        .collect()
}

/// Whether `call` is `sleep` calling a real downstream: a real call of the same family and
/// kind as a variant that sleeps.
pub fn twins(sleep: &Variant, call: &Variant) -> bool {
    call.real_call
        && !sleep.real_call
        && sleep.kind.is_some()
        && sleep.kind == call.kind
        && sleep.family == call.family
}

/// A server's threads count as busy (CPU, not the wait, bounding it) from this share of the
/// measured time on each worker thread.
pub const BUSY: f64 = 0.85;

/// Why a real call's req/s parts from its sleep's at one load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// One call alone takes longer (or shorter) than one sleep alone, by as much as the
    /// req/s differ (within [`HOLDS_WITHIN`]): Little's law with each one's unloaded latency
    /// (`expected`, the sleep's over the call's) predicts the difference.
    Latency {
        /// The sleep's unloaded latency over the call's: the req/s ratio it predicts.
        expected: f64,
    },
    /// The server's worker threads were busy (at least [`BUSY`] of the measured time): its
    /// CPU per request, not the wait, bounds it, at `threads` / CPU per request.
    Cpu {
        /// The server's CPU time over the measured time, in cores.
        busy: f64,
        /// Its worker threads (`--workers`).
        threads: u32,
        /// Its CPU per answered request, in µs.
        cpu_per_request_us: f64,
        /// The most req/s its threads can serve at that cost: threads / CPU per request.
        ceiling: f64,
    },
    /// Neither the latency of one call nor the server's own CPU accounts for it.
    Unexplained {
        /// The ratio the unloaded latencies predict, where both were measured.
        expected: Option<f64>,
        /// The server's busy share in cores, where sampled.
        busy: Option<f64>,
    },
}

/// The server's CPU time over the measured run's length: how many cores it kept busy.
pub fn busy_cores(point: &Point) -> Option<f64> {
    let report = point.measured()?;
    let cpu_s = point.samples.server_cpu_s?;
    (report.duration_us > 0.0).then(|| cpu_s / (report.duration_us / 1e6))
}

/// Why `call` served `ratio` of `sleep`'s req/s at the same load, where that is more than
/// [`HOLDS_WITHIN`] away from 1.
pub fn why(sleep: &Point, call: &Point, ratio: f64) -> Why {
    let unloaded = |p: &Point| p.unloaded.as_ref().and_then(|u| u.latency.mean_us);
    let expected = unloaded(sleep)
        .zip(unloaded(call))
        .filter(|&(_, c)| c > 0.0)
        .map(|(s, c)| s / c);
    if let Some(expected) = expected.filter(|e| (ratio / e - 1.0).abs() <= HOLDS_WITHIN) {
        return Why::Latency { expected };
    }
    let threads = call.load.workers.max(1);
    let busy = busy_cores(call);
    match (call.cpu_per_request_us(), busy) {
        (Some(cpu_per_request_us), Some(busy))
            if busy >= BUSY * f64::from(threads) && cpu_per_request_us > 0.0 =>
        {
            Why::Cpu {
                busy,
                threads,
                cpu_per_request_us,
                ceiling: f64::from(threads) * 1e6 / cpu_per_request_us,
            }
        }
        _ => Why::Unexplained { expected, busy },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::variants::summaries;
    use crate::testing;

    #[test]
    fn a_real_call_is_paired_with_the_sleep_of_its_kind_and_judged_within_five_percent() {
        let mut run = testing::run(
            vec![
                testing::point(1, "sync-server", "rust", "sync", 97.0, 1e6),
                testing::point(2, "sync-server+http", "rust", "sync", 93.0, 1e6),
                testing::point(3, "async-server", "rust", "async", 8000.0, 12e3),
                testing::point(4, "async-server+http", "rust", "async", 6000.0, 16e3),
                testing::point(5, "python-async", "python", "async", 3000.0, 30e3),
            ],
            "{}",
        );
        run.points[1].variant.real_call = true;
        run.points[3].variant.real_call = true;
        let variants = summaries(&run);
        let pairs = pairs(&variants);
        let names: Vec<_> = pairs
            .iter()
            .map(|p| (p.sleep.name.as_str(), p.call.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("sync-server", "sync-server+http"),
                ("async-server", "async-server+http")
            ]
        );
        assert_eq!(pairs[0].holds(), Some(true), "93 of 97 is within 5%");
        assert_eq!(pairs[1].holds(), Some(false), "6000 of 8000 is not");
        assert_eq!(variants[1].family.as_deref(), Some("rust, real call"));
    }

    #[test]
    fn a_parting_is_put_down_to_one_call_s_latency_to_the_server_s_cpu_or_to_neither() {
        let with = |rate: f64, unloaded_us: f64, cpu_s: Option<f64>| {
            let mut point = testing::point(1, "async-server", "rust", "async", rate, 12e3);
            point.unloaded = Some(testing::report(1e6 / unloaded_us, unloaded_us));
            point.samples.server_cpu_s = cpu_s;
            point
        };
        // 11.4 ms against 10.5 ms alone: 108.6% expected, 109% measured.
        let sleep = with(88.0, 11_400.0, Some(0.1));
        let call = with(96.0, 10_500.0, Some(0.1));
        match why(&sleep, &call, 96.0 / 88.0) {
            Why::Latency { expected } => assert!((expected - 11.4 / 10.5).abs() < 1e-9),
            other => panic!("expected Latency, got {other:?}"),
        }
        // The same unloaded latencies, but 55% of the sleep with the one worker busy 9 s of
        // 10 s: 20,000 req/s × 10 s = 200,000 requests, 45 µs each, at most 22,222 req/s.
        let sleep = with(37_000.0, 11_400.0, Some(6.0));
        let call = with(20_000.0, 10_500.0, Some(9.0));
        match why(&sleep, &call, 20_000.0 / 37_000.0) {
            Why::Cpu {
                busy,
                threads,
                cpu_per_request_us,
                ceiling,
            } => {
                assert!((busy - 0.9).abs() < 1e-9);
                assert_eq!(threads, 1);
                assert!((cpu_per_request_us - 45.0).abs() < 1e-9);
                assert!((ceiling - 1e6 / 45.0).abs() < 1e-6);
            }
            other => panic!("expected Cpu, got {other:?}"),
        }
        // Busy only half the time: neither explains it.
        let call = with(20_000.0, 10_500.0, Some(5.0));
        assert_eq!(
            why(&sleep, &call, 20_000.0 / 37_000.0),
            Why::Unexplained {
                expected: Some(11_400.0 / 10_500.0),
                busy: Some(0.5)
            }
        );
        // Nothing sampled, no primer: nothing to go on.
        let mut bare = testing::point(1, "async-server+http", "rust", "async", 50.0, 12e3);
        bare.samples.server_cpu_s = None;
        assert_eq!(
            why(&sleep, &bare, 0.5),
            Why::Unexplained {
                expected: None,
                busy: None
            }
        );
    }
}
