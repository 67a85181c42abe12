//! "What to look at": for each point, whatever a reader should not miss (a failure, errors,
//! timeouts, a bound not reached or exceeded, requests out of wrk's view, a run too short
//! for its queue, a server that did not stop cleanly), each with the figures that show it.

use crate::analysis::bounds::Derived;
use crate::analysis::cpu::{self, CpuUse, CpuVerdict};
use crate::model::{Point, Status};
use crate::parse::wrk::Errors;

/// Below this share of its Little's-law bound a point is flagged.
pub const NEAR_BOUND: f64 = 0.8;
/// Above this share of its bound, the bound's assumptions do not hold: flagged.
pub const OVER_BOUND: f64 = 1.1;
/// In flight at least this share of the connections: wrk's clock saw the whole queue.
pub const VISIBLE: f64 = 0.8;
/// An unloaded request this much over the delay: the wait itself is longer than asked.
pub const LONGER_WAIT: f64 = 1.05;
/// ... which is worth a note once a point is below this share of its bound.
pub const SHORT_OF_BOUND: f64 = 0.9;
/// A run shorter than this many times its queue (connections / bound) is dominated by the
/// queue filling up at the start.
pub const SHORT_RUN_QUEUES: f64 = 5.0;

/// The wait itself took longer than the delay: one request alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongerWait {
    /// Mean latency alone, µs.
    pub unloaded_mean_us: f64,
    /// Its p99, µs.
    pub unloaded_p99_us: Option<f64>,
    /// The nominal delay, ms.
    pub delay_ms: u64,
}

/// One thing to look at.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Not measured: failed, skipped, or interrupted.
    NotMeasured(Status),
    /// Socket errors or non-2xx answers.
    Errors(Errors),
    /// Requests that hit wrk's timeout.
    Timeouts {
        /// How many.
        count: u64,
        /// wrk's --timeout.
        timeout: String,
    },
    /// Below its Little's-law bound.
    BelowBound {
        /// Measured / bound.
        fraction: f64,
        /// The wait was longer than the delay, if it was.
        longer_wait: Option<LongerWait>,
        /// The CPU figures and what they say, if sampled.
        cpu: Option<(CpuUse, CpuVerdict)>,
    },
    /// Near its nominal bound, but below its effective one.
    BelowEffective {
        /// Measured / effective bound.
        effective_fraction: f64,
        /// The CPU figures and what they say, if sampled.
        cpu: Option<(CpuUse, CpuVerdict)>,
    },
    /// Above its bound: the bound's assumptions do not hold.
    AboveBound {
        /// Measured / bound.
        fraction: f64,
    },
    /// Few requests in flight by wrk's clock.
    FewInFlight {
        /// Requests in flight.
        in_flight: f64,
    },
    /// The run was short for its queue.
    ShortRun {
        /// The run's length, s.
        seconds: f64,
        /// connections / bound, s.
        queue_s: f64,
    },
    /// The server did not exit 0 after SIGTERM.
    UncleanExit(String),
}

/// The wait alone, where it was longer than the delay by more than [`LONGER_WAIT`].
pub fn longer_wait(point: &Point) -> Option<LongerWait> {
    let delay_ms = point.load.delay_ms.filter(|delay| *delay > 0)?;
    let unloaded = point.unloaded.as_ref()?;
    let mean = unloaded.latency.mean_us?;
    (mean > LONGER_WAIT * delay_ms as f64 * 1000.0).then_some(LongerWait {
        unloaded_mean_us: mean,
        unloaded_p99_us: unloaded.latency.p99_us,
        delay_ms,
    })
}

/// The CPU figures of a measured point and what they say.
pub fn cpu_of(
    point: &Point,
    derived: &Derived,
    cores: Option<f64>,
) -> Option<(CpuUse, CpuVerdict)> {
    let usage = CpuUse::of(point, cores)?;
    let report = point.measured()?;
    let verdict = cpu::verdict(
        &usage,
        point.load.workers,
        report.latency.mean_us.unwrap_or(0.0),
        point
            .unloaded
            .as_ref()
            .and_then(|unloaded| unloaded.latency.mean_us),
        derived.in_flight.unwrap_or(0.0),
    );
    Some((usage, verdict))
}

/// Everything to look at in `point`.
pub fn notes(point: &Point, derived: &Derived, cores: Option<f64>) -> Vec<Note> {
    let Some(report) = point.measured() else {
        return vec![Note::NotMeasured(point.status.clone())];
    };
    let mut notes = Vec::new();
    if report.errors.failures() > 0 {
        notes.push(Note::Errors(report.errors));
    }
    if report.errors.timeout > 0 {
        notes.push(Note::Timeouts {
            count: report.errors.timeout,
            timeout: crate::parse::meta::or_unknown(point.load.timeout.as_ref()),
        });
    }
    let longer = longer_wait(point);
    match (derived.fraction, derived.effective_fraction) {
        (Some(fraction), _)
            if fraction < NEAR_BOUND || (longer.is_some() && fraction < SHORT_OF_BOUND) =>
        {
            notes.push(Note::BelowBound {
                fraction,
                longer_wait: longer,
                cpu: cpu_of(point, derived, cores),
            });
        }
        (_, Some(effective_fraction)) if effective_fraction < NEAR_BOUND => {
            notes.push(Note::BelowEffective {
                effective_fraction,
                cpu: cpu_of(point, derived, cores),
            });
        }
        _ => {}
    }
    if let Some(fraction) = derived.fraction.filter(|fraction| *fraction > OVER_BOUND) {
        notes.push(Note::AboveBound { fraction });
    }
    let in_flight = derived.in_flight.unwrap_or(0.0);
    if in_flight < VISIBLE * f64::from(point.load.connections) {
        notes.push(Note::FewInFlight { in_flight });
    }
    if let Some(bound) = derived
        .bound
        .filter(|bound| *bound > 0.0 && point.variant.blocks == Some(true))
    {
        let queue_s = f64::from(point.load.connections) / bound;
        let seconds = report.duration_us / 1e6;
        if seconds > 0.0 && seconds < SHORT_RUN_QUEUES * queue_s {
            notes.push(Note::ShortRun { seconds, queue_s });
        }
    }
    if let Some(exit) = point
        .samples
        .server_exit
        .as_ref()
        .filter(|exit| *exit != "0")
    {
        notes.push(Note::UncleanExit(exit.clone()));
    }
    notes
}
