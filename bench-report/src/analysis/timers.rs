//! tokio's timer against a timerfd: where async-server (`--timer tokio`) and async-timerfd
//! (`--timer timerfd`) ran under the same load, the gap between their throughputs, split in
//! two by Little's law. The part due to the timer is the difference in their unloaded latency
//! (one request alone: tokio's wheel rounds each sleep up to its next 1 ms tick); the part due
//! to the load is the rest (the extra wait each one adds under load).

use crate::analysis::variants::VariantSummary;
use crate::model::Family;

/// One side of the comparison: its throughput and mean latency under load, and alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    /// Requests per second under load.
    pub rate: f64,
    /// Mean latency under load, µs.
    pub loaded_us: f64,
    /// Mean latency of one request alone, µs.
    pub unloaded_us: f64,
}

/// The gap between the two, and its two parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attribution {
    /// timerfd's req/s minus tokio's.
    pub rate_gap: f64,
    /// tokio's mean latency under load minus timerfd's, µs.
    pub latency_gap_us: f64,
    /// tokio's unloaded latency minus timerfd's, µs: what the timer costs each request.
    pub timer_us: f64,
    /// The rest of the latency gap, µs: what the load adds to each.
    pub load_us: f64,
    /// The req/s tokio would gain with timerfd's unloaded latency, its own in-flight count
    /// kept (Little's law): the part of the gap due to the timer.
    pub timer_rate: f64,
    /// The rest of the gap in req/s: the part due to the load.
    pub load_rate: f64,
}

/// The two timers of one run: the Rust variants of kind `async` (tokio's timer) and
/// `async-timerfd` (a timerfd), each sleeping (not a real call) and measured, with their
/// sides. `None` where the run lacks either, or a figure of either.
pub fn pair<'r, 'a>(
    variants: &'r [VariantSummary<'a>],
) -> Option<(&'r VariantSummary<'a>, &'r VariantSummary<'a>, Side, Side)> {
    let find = |kind: &str| {
        variants
            .iter()
            .find(|v| v.sleeps_in(Family::Rust) && v.kind.as_deref() == Some(kind) && v.runs() > 0)
    };
    let side = |v: &VariantSummary<'_>| {
        Some(Side {
            rate: v.rate()?.mean,
            loaded_us: v.latency()?.mean,
            unloaded_us: v.unloaded()?.mean,
        })
    };
    let (tokio, timerfd) = (find("async")?, find("async-timerfd")?);
    Some((tokio, timerfd, side(tokio)?, side(timerfd)?))
}

/// Splits the gap between `tokio` and `timerfd`. Without a positive latency on either side
/// there is nothing to split.
pub fn attribute(tokio: Side, timerfd: Side) -> Option<Attribution> {
    if tokio.loaded_us <= 0.0 || timerfd.loaded_us <= 0.0 {
        return None;
    }
    let timer_us = tokio.unloaded_us - timerfd.unloaded_us;
    let latency_gap_us = tokio.loaded_us - timerfd.loaded_us;
    let in_flight = tokio.rate * tokio.loaded_us;
    let with_timerfd_timer = tokio.loaded_us - timer_us;
    if with_timerfd_timer <= 0.0 {
        return None;
    }
    let rate_with_timerfd_timer = in_flight / with_timerfd_timer;
    Some(Attribution {
        rate_gap: timerfd.rate - tokio.rate,
        latency_gap_us,
        timer_us,
        load_us: latency_gap_us - timer_us,
        timer_rate: rate_with_timerfd_timer - tokio.rate,
        load_rate: timerfd.rate - rate_with_timerfd_timer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_splits_into_timer_and_load() {
        // (tokio, timerfd, timer req/s, load req/s)
        let cases = [
            // The seed's load: tokio's 1 ms ticks cost 1.1 ms per request; the load adds
            // 0.8 ms to tokio and 0.2 ms to timerfd.
            (
                Side {
                    rate: 8_300.0,
                    loaded_us: 12_000.0,
                    unloaded_us: 11_200.0,
                },
                Side {
                    rate: 9_700.0,
                    loaded_us: 10_300.0,
                    unloaded_us: 10_100.0,
                },
                838.0,
                562.0,
            ),
            // Same unloaded latency: the whole gap is the load's.
            (
                Side {
                    rate: 50_000.0,
                    loaded_us: 20_000.0,
                    unloaded_us: 10_100.0,
                },
                Side {
                    rate: 40_000.0,
                    loaded_us: 25_000.0,
                    unloaded_us: 10_100.0,
                },
                0.0,
                -10_000.0,
            ),
        ];
        for (tokio, timerfd, timer_rate, load_rate) in cases {
            let split = attribute(tokio, timerfd).unwrap();
            assert!((split.timer_rate - timer_rate).abs() < 1.0, "{split:?}");
            assert!((split.load_rate - load_rate).abs() < 1.0, "{split:?}");
            assert!((split.timer_rate + split.load_rate - split.rate_gap).abs() < 1e-6);
            assert!((split.timer_us + split.load_us - split.latency_gap_us).abs() < 1e-6);
        }
    }

    #[test]
    fn nothing_to_split_without_latencies() {
        let zero = Side {
            rate: 0.0,
            loaded_us: 0.0,
            unloaded_us: 0.0,
        };
        let some = Side {
            rate: 1.0,
            loaded_us: 10.0,
            unloaded_us: 10.0,
        };
        assert_eq!(attribute(zero, some), None);
        assert_eq!(attribute(some, zero), None);
    }
}
