//! Little's law, the ceiling every table is read against: throughput ≤ concurrency / delay.
//! Concurrency is how many requests can wait at once: the handler threads where the wait
//! blocks one, every connection where waits overlap. The *effective* bound puts the latency
//! of one request alone (measured first, unloaded) in place of the nominal delay: the bound
//! the server can really reach, timer granularity and overhead included.

use crate::model::Point;

/// How many requests a variant can keep waiting at once (variants.table, column bound_by).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundRule {
    /// As many as its workers (the wait blocks a handler thread).
    Workers,
    /// Every connection (the waits overlap).
    Connections,
    /// Every connection, but never more than this many threads (a blocking pool).
    ConnectionsCapped(u32),
    /// A fixed number, whatever the settings (one thread of a server without --workers).
    Fixed(u32),
}

impl BoundRule {
    /// Parses the table's notation: `workers`, `connections`, `connections:CAP` or `N`.
    ///
    /// # Errors
    /// Anything else, or a cap or count of 0.
    pub fn parse(text: &str) -> Result<Self, String> {
        let positive = |number: &str| {
            number
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("'{number}' is not a positive whole number"))
        };
        match text {
            "workers" => Ok(Self::Workers),
            "connections" => Ok(Self::Connections),
            _ => match text.strip_prefix("connections:") {
                Some(cap) => Ok(Self::ConnectionsCapped(positive(cap)?)),
                None => positive(text).map(Self::Fixed).map_err(|_| {
                    "expected workers, connections, connections:CAP or a number".to_owned()
                }),
            },
        }
    }

    /// How many requests can wait at once under this load.
    pub fn concurrency(self, connections: u32, workers: u32) -> u32 {
        match self {
            Self::Workers => workers,
            Self::Connections => connections,
            Self::ConnectionsCapped(cap) => connections.min(cap),
            Self::Fixed(count) => count,
        }
    }

    /// The rule in words, for the report.
    pub fn describe(self) -> String {
        match self {
            Self::Workers => "workers / delay (the wait blocks a handler thread)".to_owned(),
            Self::Connections => "connections / delay (waits overlap)".to_owned(),
            Self::ConnectionsCapped(cap) => {
                format!("min(connections, {cap} blocking-pool threads) / delay")
            }
            Self::Fixed(count) => format!("{count} / delay (one thread, whatever the settings)"),
        }
    }
}

/// Little's law: at most `concurrency` requests per `delay_ms`; no bound without a delay.
pub fn littles_law_bound(concurrency: f64, delay_ms: u64) -> Option<f64> {
    (delay_ms > 0).then(|| concurrency * 1000.0 / delay_ms as f64)
}

/// The bound with the unloaded latency (µs) in place of the delay. Where the wait blocks a
/// thread and there is no delay, the thread is held for the handler alone, not the round
/// trip the unloaded latency measures: no effective bound then.
pub fn effective_bound(
    concurrency: f64,
    unloaded_mean_us: f64,
    blocks: bool,
    delay_ms: u64,
) -> Option<f64> {
    (unloaded_mean_us > 0.0 && !(blocks && delay_ms == 0))
        .then(|| concurrency * 1e6 / unloaded_mean_us)
}

/// Little's law read backwards: requests in flight = throughput × latency.
pub fn in_flight(req_per_sec: f64, mean_latency_us: f64) -> f64 {
    req_per_sec * mean_latency_us / 1e6
}

/// The figures derived from a point: its bounds, how close it came, what was in flight.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Derived {
    /// How many requests could wait at once.
    pub concurrency: Option<f64>,
    /// Little's-law bound, req/s.
    pub bound: Option<f64>,
    /// The measured req/s over the bound.
    pub fraction: Option<f64>,
    /// Concurrency / unloaded mean latency, req/s.
    pub effective_bound: Option<f64>,
    /// The measured req/s over the effective bound.
    pub effective_fraction: Option<f64>,
    /// Requests in flight by wrk's clock.
    pub in_flight: Option<f64>,
}

/// Every derived figure of `point`, from its raw figures (nothing rounded on the way).
pub fn derive(point: &Point) -> Derived {
    let concurrency = point
        .variant
        .bound_rule
        .map(|rule| f64::from(rule.concurrency(point.load.connections, point.load.workers)))
        .or(point.recorded_concurrency);
    let delay_ms = point.load.delay_ms;
    let bound = concurrency
        .zip(delay_ms)
        .and_then(|(c, d)| littles_law_bound(c, d));
    let effective_bound = match (concurrency, delay_ms, point.unloaded.as_ref()) {
        (Some(c), Some(d), Some(unloaded)) => unloaded
            .latency
            .mean_us
            .and_then(|mean| effective_bound(c, mean, point.variant.blocks == Some(true), d)),
        _ => None,
    };
    let measured = point.measured();
    let rate = measured.map(|report| report.req_per_sec);
    Derived {
        concurrency,
        bound,
        fraction: rate
            .zip(bound)
            .filter(|(_, b)| *b > 0.0)
            .map(|(r, b)| r / b),
        effective_bound,
        effective_fraction: rate
            .zip(effective_bound)
            .filter(|(_, b)| *b > 0.0)
            .map(|(r, b)| r / b),
        in_flight: measured.and_then(|report| {
            report
                .latency
                .mean_us
                .map(|mean| in_flight(report.req_per_sec, mean))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_give_their_concurrency() {
        let cases = [
            ("workers", 100, 4, 4),
            ("connections", 100, 4, 100),
            ("connections:512", 100, 1, 100),
            ("connections:512", 1000, 1, 512),
            ("1", 1000, 8, 1),
        ];
        for (text, connections, workers, expected) in cases {
            let rule = BoundRule::parse(text).unwrap();
            assert_eq!(rule.concurrency(connections, workers), expected, "{text}");
        }
        for bad in ["", "threads", "connections:", "connections:0", "0", "-1"] {
            assert!(BoundRule::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn littles_law_table() {
        // (concurrency, delay, bound)
        let cases = [
            (1.0, 10, Some(100.0)),
            (100.0, 10, Some(10_000.0)),
            (4.0, 50, Some(80.0)),
            (100.0, 0, None),
        ];
        for (concurrency, delay, expected) in cases {
            assert_eq!(littles_law_bound(concurrency, delay), expected);
        }
    }

    #[test]
    fn effective_bound_is_not_divided_by_a_rounded_figure() {
        // Past defect: sweep point sync-server.c100.d50.w1 (19.759 req/s; 50,379.2 µs alone)
        // read 0.998 of an effective bound first rounded to 19.8 req/s; unrounded it is 0.995.
        let bound = effective_bound(1.0, 50_379.2, true, 50).unwrap();
        assert!((bound - 19.8495).abs() < 0.0001, "{bound}");
        assert_eq!(format!("{:.3}", 19.759 / bound), "0.995");
        assert_eq!(format!("{:.3}", 19.759 / 19.8), "0.998");
    }

    #[test]
    fn no_effective_bound_for_a_blocking_variant_without_delay() {
        assert_eq!(effective_bound(1.0, 120.0, true, 0), None);
        assert!(effective_bound(100.0, 120.0, false, 0).is_some());
        assert_eq!(effective_bound(100.0, 0.0, false, 10), None);
    }

    #[test]
    fn in_flight_is_throughput_times_latency() {
        // The seed's sync server: 44.61 req/s × 65.17 ms = 2.9 of 100 connections.
        assert!((in_flight(44.61, 65_170.0) - 2.907).abs() < 0.001);
    }
}
