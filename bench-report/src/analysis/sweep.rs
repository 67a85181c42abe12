//! A sweep's curves: which points belong to which sweep (connections, delay, workers), each
//! variant's points along x, and where a variant leaves its bound as connections grow.

use crate::analysis::bounds::{derive, Derived};
use crate::analysis::notes::NEAR_BOUND;
use crate::analysis::runs::{merge, Merged};
use crate::model::{Point, Run};

/// One of the three sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Connections at the base delay, 1 worker.
    Connections,
    /// Delay at the base connections, 1 worker.
    Delay,
    /// Workers at the base connections and delay, variants whose wait blocks a thread.
    Workers,
}

impl Sweep {
    /// Its name in numbers.txt's `sweeps=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connections => "connections",
            Self::Delay => "delay",
            Self::Workers => "workers",
        }
    }

    /// A point's x in this sweep.
    pub fn x(self, point: &Point) -> f64 {
        match self {
            Self::Connections => f64::from(point.load.connections),
            Self::Delay => point.load.delay_ms.map_or(f64::NAN, |d| d as f64),
            Self::Workers => f64::from(point.load.workers),
        }
    }
}

/// The fixed settings of a sweep run, from its meta.json.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Base {
    /// The delay of the connections and workers sweeps, ms.
    pub delay_ms: u64,
    /// The connections of the delay and workers sweeps.
    pub connections: u32,
}

/// Whether `point` belongs to `sweep`: as the harness recorded (`sweeps=`), or worked out
/// from its settings for runs that did not record it.
pub fn in_sweep(point: &Point, sweep: Sweep, base: Base) -> bool {
    if !point.sweeps.is_empty() {
        return point.sweeps.iter().any(|name| name == sweep.name());
    }
    let delay = point.load.delay_ms == Some(base.delay_ms);
    let connections = point.load.connections == base.connections;
    match sweep {
        Sweep::Connections => delay && point.load.workers == 1,
        Sweep::Delay => connections && point.load.workers == 1,
        Sweep::Workers => connections && delay && point.variant.blocks == Some(true),
    }
}

/// A variant's points in `sweep`, sorted by x, every outcome (measured or not); the runs of
/// one x (RUNS > 1) merged into one point of their means.
pub fn curve<'a>(run: &'a Run, sweep: Sweep, base: Base, variant: &str) -> Vec<Merged<'a>> {
    let mut points: Vec<&Point> = run
        .points
        .iter()
        .filter(|p| p.variant.name == variant && in_sweep(p, sweep, base))
        .collect();
    points.sort_by(|a, b| sweep.x(a).total_cmp(&sweep.x(b)).then(a.run.cmp(&b.run)));
    let mut curve: Vec<Vec<&Point>> = Vec::new();
    for point in points {
        match curve.last_mut() {
            Some(runs) if sweep.x(runs[0]).total_cmp(&sweep.x(point)).is_eq() => runs.push(point),
            _ => curve.push(vec![point]),
        }
    }
    curve.into_iter().map(merge).collect()
}

/// The points of `sweep` that were not measured, in the order they ran.
pub fn missing(run: &Run, sweep: Sweep, base: Base) -> Vec<&Point> {
    run.points
        .iter()
        .filter(|p| !p.status.is_ok() && in_sweep(p, sweep, base))
        .collect()
}

/// How a variant's throughput follows its bound as connections grow.
#[derive(Debug, Clone)]
pub struct ConnectionsStory<'a> {
    /// Its measured points along x, with their derived figures.
    pub measured: Vec<(&'a Point, Derived)>,
    /// The last point (in x order) still within [`NEAR_BOUND`] of its bound, before it left.
    pub kept: Option<(&'a Point, Derived)>,
    /// The first point where it fell below [`NEAR_BOUND`] of its bound.
    pub left: Option<(&'a Point, Derived)>,
    /// Its peak throughput.
    pub peak: Option<(&'a Point, Derived)>,
    /// Its lowest throughput.
    pub low: Option<f64>,
    /// Timeouts over the sweep.
    pub timeouts: u64,
}

/// Where `points` (one variant's connections curve) leave their bound.
pub fn connections_story<'a>(points: &'a [Merged<'_>]) -> ConnectionsStory<'a> {
    let measured: Vec<(&Point, Derived)> = points
        .iter()
        .map(|m| &m.point)
        .filter(|p| p.status.is_ok())
        .map(|p| (p, derive(p)))
        .collect();
    let mut kept = None;
    let mut left = None;
    for (point, derived) in &measured {
        let Some(fraction) = derived.fraction else {
            continue;
        };
        if left.is_none() {
            if fraction >= NEAR_BOUND {
                kept = Some((*point, *derived));
            } else {
                left = Some((*point, *derived));
            }
        }
    }
    let rate = |p: &Point| p.measured().map_or(0.0, |r| r.req_per_sec);
    let peak = measured.iter().copied().reduce(|best, next| {
        if rate(next.0) > rate(best.0) {
            next
        } else {
            best
        }
    });
    let low = measured.iter().map(|(p, _)| rate(p)).reduce(f64::min);
    let timeouts = measured
        .iter()
        .filter_map(|(p, _)| p.measured())
        .map(|r| r.errors.timeout)
        .sum();
    ConnectionsStory {
        measured,
        kept,
        left,
        peak,
        low,
        timeouts,
    }
}

/// The measured point of `points` furthest below its bounds (the effective one where there
/// is one), if any is below [`NEAR_BOUND`].
pub fn furthest_below<'a>(points: &'a [Merged<'_>]) -> Option<(&'a Point, Derived)> {
    points
        .iter()
        .map(|m| &m.point)
        .filter(|p| p.status.is_ok())
        .map(|p| (p, derive(p)))
        .filter_map(|(p, d)| d.effective_fraction.or(d.fraction).map(|f| (p, d, f)))
        .filter(|(_, _, f)| *f < NEAR_BOUND)
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(p, d, _)| (p, d))
}
