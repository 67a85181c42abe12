//! The timer sweep (`make sweep-timer`): async-server's timerfd at each slack, tokio's timer
//! beside it, at each connection count. Each (connections, timer) is one row, its repeated
//! runs taken together; the targets the timerfd is held to are named constants here, and
//! every slack is checked against them, so the default can be chosen from the run.

use crate::analysis::bounds::derive;
use crate::analysis::variants::Spread;
use crate::model::{Point, Run};

/// At the seed's load, the timerfd should reach this share of the Little's-law bound.
pub const SEED_TARGET: f64 = 0.95;
/// The seed's load: its connections.
pub const SEED_CONNECTIONS: u32 = 100;
/// At this many connections, the timerfd should serve at least [`HIGH_LOAD_TARGET`] of
/// tokio's timer's requests per second.
pub const HIGH_LOAD_CONNECTIONS: u32 = 1000;
/// See [`HIGH_LOAD_CONNECTIONS`].
pub const HIGH_LOAD_TARGET: f64 = 0.90;

/// One timer at one connection count, over its runs.
#[derive(Debug, Clone)]
pub struct TimerRow<'a> {
    /// The connections.
    pub connections: u32,
    /// The timerfd's slack, µs; `None` for tokio's timer.
    pub slack_us: Option<f64>,
    /// Its runs, measured or not, in the order they ran.
    pub runs: Vec<&'a Point>,
}

impl TimerRow<'_> {
    /// How many of its runs were measured.
    pub fn measured(&self) -> usize {
        self.runs.iter().filter(|p| p.status.is_ok()).count()
    }

    fn spread(&self, figure: impl Fn(&Point) -> Option<f64>) -> Option<Spread> {
        Spread::of(
            self.runs
                .iter()
                .filter(|p| p.status.is_ok())
                .filter_map(|p| figure(p)),
        )
    }

    /// Requests per second.
    pub fn rate(&self) -> Option<Spread> {
        self.spread(|p| p.measured().map(|r| r.req_per_sec))
    }

    /// The Little's-law bound, connections / delay.
    pub fn bound(&self) -> Option<f64> {
        self.runs.iter().find_map(|p| derive(p).bound)
    }

    /// The share of the bound reached.
    pub fn of_bound(&self) -> Option<Spread> {
        self.spread(|p| derive(p).fraction)
    }

    /// One request alone, mean µs.
    pub fn unloaded_us(&self) -> Option<Spread> {
        self.spread(|p| p.unloaded.as_ref().and_then(|u| u.latency.mean_us))
    }

    /// The server's CPU per request, µs.
    pub fn cpu_per_request_us(&self) -> Option<Spread> {
        self.spread(Point::cpu_per_request_us)
    }

    /// The event loop's wake-ups per second.
    pub fn loop_wakeups_per_s(&self) -> Option<Spread> {
        self.spread(|p| p.timer.as_ref()?.loop_wakeups_per_s)
    }

    /// The timerfd's wake-ups per second (none for tokio's timer).
    pub fn timer_wakeups_per_s(&self) -> Option<Spread> {
        self.spread(|p| p.timer.as_ref()?.timer_wakeups_per_s)
    }

    /// Requests answered per wake-up of the event loop: how many each wake-up served.
    pub fn requests_per_loop_wakeup(&self) -> Option<Spread> {
        self.spread(|p| {
            let rate = p.measured()?.req_per_sec;
            let wakeups = p.timer.as_ref()?.loop_wakeups_per_s?;
            (wakeups > 0.0).then(|| rate / wakeups)
        })
    }

    /// What the row shows in tables: "tokio" or "timerfd, slack 50 µs".
    pub fn name(&self) -> String {
        match self.slack_us {
            None => "tokio (async-server)".to_owned(),
            Some(slack) => format!("timerfd, slack {} µs", crate::output::format::number(slack)),
        }
    }
}

/// The rows of a timer sweep: by connections, tokio's timer first, then by slack.
pub fn rows(run: &Run) -> Vec<TimerRow<'_>> {
    let mut rows: Vec<TimerRow<'_>> = Vec::new();
    for point in &run.points {
        let slack_us = point
            .timer
            .as_ref()
            .filter(|t| t.timer.as_deref() != Some("tokio"))
            .and_then(|t| t.slack_us);
        let connections = point.load.connections;
        match rows
            .iter_mut()
            .find(|row| row.connections == connections && row.slack_us == slack_us)
        {
            Some(row) => row.runs.push(point),
            None => rows.push(TimerRow {
                connections,
                slack_us,
                runs: vec![point],
            }),
        }
    }
    rows.sort_by(|a, b| {
        (a.connections, a.slack_us.is_some())
            .cmp(&(b.connections, b.slack_us.is_some()))
            .then(
                a.slack_us
                    .partial_cmp(&b.slack_us)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    rows
}

/// One slack against the targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// The slack, µs.
    pub slack_us: f64,
    /// Its share of the bound at the seed's load, if measured there.
    pub seed_of_bound: Option<f64>,
    /// Its req/s over tokio's at [`HIGH_LOAD_CONNECTIONS`], if both were measured there.
    pub high_load_of_tokio: Option<f64>,
    /// Its CPU per request at the seed's load, µs.
    pub seed_cpu_us: Option<f64>,
}

impl Targets {
    /// Whether it reached every target it was measured against (and was measured against
    /// at least one).
    pub fn meets(&self) -> Option<bool> {
        match (self.seed_of_bound, self.high_load_of_tokio) {
            (None, None) => None,
            (seed, high) => Some(
                seed.is_none_or(|f| f >= SEED_TARGET) && high.is_none_or(|r| r >= HIGH_LOAD_TARGET),
            ),
        }
    }
}

/// Each slack of the sweep against the targets, by slack.
pub fn targets(rows: &[TimerRow<'_>]) -> Vec<Targets> {
    let mut slacks: Vec<f64> = rows.iter().filter_map(|row| row.slack_us).collect();
    slacks.sort_by(f64::total_cmp);
    slacks.dedup();
    let find = |connections: u32, slack: Option<f64>| {
        rows.iter()
            .find(|row| row.connections == connections && row.slack_us == slack)
    };
    let tokio_high = find(HIGH_LOAD_CONNECTIONS, None).and_then(TimerRow::rate);
    slacks
        .into_iter()
        .map(|slack| {
            let seed = find(SEED_CONNECTIONS, Some(slack));
            let high = find(HIGH_LOAD_CONNECTIONS, Some(slack)).and_then(TimerRow::rate);
            Targets {
                slack_us: slack,
                seed_of_bound: seed.and_then(TimerRow::of_bound).map(|s| s.mean),
                high_load_of_tokio: high
                    .zip(tokio_high)
                    .filter(|(_, tokio)| tokio.mean > 0.0)
                    .map(|(high, tokio)| high.mean / tokio.mean),
                seed_cpu_us: seed.and_then(TimerRow::cpu_per_request_us).map(|s| s.mean),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(seed: Option<f64>, high: Option<f64>) -> Targets {
        Targets {
            slack_us: 50.0,
            seed_of_bound: seed,
            high_load_of_tokio: high,
            seed_cpu_us: None,
        }
    }

    #[test]
    fn a_slack_meets_the_targets_only_where_it_reaches_each_one_measured() {
        let cases = [
            (Some(0.95), Some(0.90), Some(true)),
            (Some(0.949), Some(0.95), Some(false)),
            (Some(0.97), Some(0.899), Some(false)),
            (Some(0.96), None, Some(true)),
            (None, Some(0.5), Some(false)),
            (None, None, None),
        ];
        for (seed, high, expected) in cases {
            assert_eq!(targets(seed, high).meets(), expected, "{seed:?} {high:?}");
        }
    }
}
