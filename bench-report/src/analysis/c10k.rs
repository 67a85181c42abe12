//! What one connection costs each variant, and where each one breaks (a C10k run): the
//! slopes of its peak memory, threads and descriptors against the connections (least squares
//! over the points where the server held every connection at once), and the first point, in
//! order of connections, that was skipped, failed, counted errors, or never had every
//! connection open.

use crate::model::c10k::Limit;
use crate::model::{Point, Run, Status};
use crate::parse::wrk::Errors;

/// Threads a server runs beside a capped pool (main, runtime, signal handling): a pool is
/// within its cap where the most threads seen are at most cap + this (scripts/limits.sh
/// allows as many: SERVER_BASE_THREADS).
pub const THREADS_BESIDE_POOL: u32 = 16;

/// A point where wrk counted more than this many errors (socket errors, non-2xx answers and
/// timeouts together) breaks.
pub const ERRORS_ALLOWED: u64 = 0;

/// A straight line fitted by least squares: y ≈ intercept + slope × x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// y per unit of x: per connection.
    pub slope: f64,
    /// y at x = 0: what the server holds whatever the connections.
    pub intercept: f64,
    /// The points it was fitted over.
    pub points: usize,
    /// The smallest x among them.
    pub x_min: f64,
    /// The largest.
    pub x_max: f64,
}

/// The least-squares line through `xy`; `None` with fewer than two distinct x.
pub fn least_squares(xy: &[(f64, f64)]) -> Option<Fit> {
    let n = xy.len() as f64;
    let mean_x = xy.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = xy.iter().map(|(_, y)| y).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    if xy.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some(Fit {
        slope,
        intercept: mean_y - slope * mean_x,
        points: xy.len(),
        x_min: xy.iter().map(|(x, _)| *x).fold(f64::INFINITY, f64::min),
        x_max: xy.iter().map(|(x, _)| *x).fold(f64::NEG_INFINITY, f64::max),
    })
}

/// Why a variant stops at a point.
#[derive(Debug, Clone, PartialEq)]
pub enum Breaks {
    /// The machine could not hold it: skipped before any load.
    Skipped {
        /// The harness's sentence: the limit, the figure it would need.
        why: String,
        /// The limit, typed.
        limit: Option<Limit>,
    },
    /// It ran and failed: the server died, wrk failed, a check failed; why.
    Failed(String),
    /// The run stopped during it.
    Interrupted,
    /// wrk counted errors (more than [`ERRORS_ALLOWED`]).
    Errors(Errors),
    /// The server never held every connection at once during the measured run.
    NotAllOpen {
        /// The most it held.
        held_max: Option<u32>,
    },
}

/// Whether `point` breaks, and why; `None` for a point measured cleanly with every
/// connection held.
pub fn breaks(point: &Point) -> Option<Breaks> {
    match &point.status {
        Status::Skipped(why) => Some(Breaks::Skipped {
            why: why.clone(),
            limit: point.c10k.as_ref().and_then(|c| c.limit.clone()),
        }),
        Status::Failed(why) => Some(Breaks::Failed(why.clone())),
        Status::Interrupted => Some(Breaks::Interrupted),
        Status::Ok => {
            let errors = point.wrk.as_ref().map(|r| r.errors).unwrap_or_default();
            if errors.failures() + errors.timeout > ERRORS_ALLOWED {
                return Some(Breaks::Errors(errors));
            }
            let c10k = point.c10k.as_ref();
            if c10k.and_then(|c| c.open_ms).is_none() {
                return Some(Breaks::NotAllOpen {
                    held_max: c10k.and_then(|c| c.held_max),
                });
            }
            None
        }
    }
}

/// Measured, with every connection held at once: a point the slopes are fitted over.
pub fn held_all(point: &Point) -> bool {
    point.status.is_ok() && point.c10k.as_ref().and_then(|c| c.open_ms).is_some()
}

/// Other processes taking more than this share of the machine (its cores × the run) during a
/// measured run make it a busy machine: its CPU-bound figures are lower than a quiet one
/// would give.
pub const BUSY_MACHINE_SHARE: f64 = 0.2;

/// Where the machine's busy CPU went during a measured run beside the server and wrk, s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elsewhere {
    /// The harness's own (sampling /proc, counting descriptors).
    pub harness_s: f64,
    /// The kernel's interrupt work (loopback networking mostly).
    pub kernel_irq_s: f64,
    /// The hypervisor's (steal).
    pub steal_s: f64,
    /// Every other process: what is left.
    pub others_s: f64,
    /// The machine's capacity during the run: cores × its duration, s.
    pub capacity_s: f64,
}

impl Elsewhere {
    /// Other processes' share of the machine's capacity.
    pub fn others_share(&self) -> f64 {
        self.others_s / self.capacity_s
    }
}

/// Where the machine's busy CPU went during `point`'s measured run beside the server and wrk,
/// on a machine of `cores`; figures the harness did not record count as 0.
pub fn elsewhere(point: &Point, cores: Option<f64>) -> Option<Elsewhere> {
    let samples = &point.samples;
    let machine = samples.machine_cpu_busy_s?;
    let capacity_s = cores? * point.measured()?.duration_us / 1e6;
    let c10k = point.c10k.as_ref();
    let figure = |pick: fn(&crate::model::c10k::C10kFigures) -> Option<f64>| {
        c10k.and_then(pick).unwrap_or(0.0)
    };
    let (harness_s, kernel_irq_s, steal_s) = (
        figure(|c| c.harness_cpu_s),
        figure(|c| c.kernel_irq_s),
        figure(|c| c.steal_s),
    );
    let ours = samples.server_cpu_s? + samples.client_cpu_s?;
    (capacity_s > 0.0).then(|| Elsewhere {
        harness_s,
        kernel_irq_s,
        steal_s,
        others_s: (machine - ours - harness_s - kernel_irq_s - steal_s).max(0.0),
        capacity_s,
    })
}

/// What one connection costs a variant, and where it breaks.
#[derive(Debug, Clone)]
pub struct Cost<'a> {
    /// The variant.
    pub variant: String,
    /// Its points, by connections.
    pub points: Vec<&'a Point>,
    /// Those the slopes are fitted over (see [`held_all`]).
    pub fitted: Vec<&'a Point>,
    /// Peak memory (VmHWM), KiB, against connections.
    pub memory_kib: Option<Fit>,
    /// The most threads seen, against connections.
    pub threads: Option<Fit>,
    /// The most descriptors counted, against connections.
    pub fds: Option<Fit>,
    /// The first point that breaks, and why.
    pub breaks: Option<(&'a Point, Breaks)>,
}

impl Cost<'_> {
    /// Descriptors per connection as declared for the variant (variants.table).
    pub fn declared_fds(&self) -> Option<u32> {
        self.points
            .iter()
            .find_map(|p| p.c10k.as_ref()?.declared_fds)
    }

    /// Threads per connection as declared, and their cap.
    pub fn declared_threads(&self) -> (Option<u32>, Option<u32>) {
        let declared = self.points.iter().find_map(|p| p.c10k.as_ref());
        (
            declared.and_then(|c| c.declared_threads),
            declared.and_then(|c| c.declared_thread_cap),
        )
    }
}

/// A pool of threads with a cap (async-blocking-offload's `spawn_blocking` pool), at
/// connection counts where the cap, not the connections, decides how many threads it may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    /// The cap, as declared.
    pub cap: u32,
    /// The fewest of the most threads seen at each fitted point.
    pub threads_low: u32,
    /// The most threads seen at any fitted point.
    pub threads_high: u32,
}

impl Pool {
    /// Whether the server kept within its cap (and the threads beside its pool).
    pub fn within_cap(&self) -> bool {
        self.threads_high <= self.cap + THREADS_BESIDE_POOL
    }
}

impl Cost<'_> {
    /// The variant's capped pool, where every fitted point had at least as many connections
    /// as the cap: there the threads follow the requests in flight, not the connections, and
    /// a slope of threads against connections says nothing.
    pub fn pool(&self) -> Option<Pool> {
        let (_, cap) = self.declared_threads();
        let cap = cap?;
        if self.fitted.is_empty() || self.fitted.iter().any(|p| p.load.connections < cap) {
            return None;
        }
        let threads: Vec<u32> = self
            .fitted
            .iter()
            .filter_map(|p| p.samples.server_threads_max)
            .collect();
        Some(Pool {
            cap,
            threads_low: threads.iter().copied().min()?,
            threads_high: threads.iter().copied().max()?,
        })
    }
}

/// The cost of the variant whose points (any order) are `points`.
pub fn cost<'a>(variant: &str, mut points: Vec<&'a Point>) -> Cost<'a> {
    points.sort_by_key(|p| p.load.connections);
    let fitted: Vec<&Point> = points.iter().copied().filter(|p| held_all(p)).collect();
    let fit = |pick: &dyn Fn(&Point) -> Option<f64>| {
        let xy: Vec<(f64, f64)> = fitted
            .iter()
            .filter_map(|p| Some((f64::from(p.load.connections), pick(p)?)))
            .collect();
        least_squares(&xy)
    };
    Cost {
        variant: variant.to_owned(),
        memory_kib: fit(&|p| p.samples.server_peak_rss_kb.map(|kb| kb as f64)),
        threads: fit(&|p| p.samples.server_threads_max.map(f64::from)),
        fds: fit(&|p| p.c10k.as_ref()?.fds_max.map(f64::from)),
        breaks: points.iter().find_map(|p| breaks(p).map(|why| (*p, why))),
        fitted,
        points,
    }
}

/// Each variant's cost, in the order of `names`.
pub fn costs<'a>(run: &'a Run, names: &[String]) -> Vec<Cost<'a>> {
    names
        .iter()
        .map(|name| {
            let points = run
                .points
                .iter()
                .filter(|p| &p.variant.name == name)
                .collect();
            cost(name, points)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::c10k::C10kFigures;
    use crate::testing;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn least_squares_lines() {
        // (points, expected (slope, intercept) or None)
        type Case = (&'static [(f64, f64)], Option<(f64, f64)>);
        let cases: [Case; 6] = [
            (&[], None),
            (&[(1000.0, 5.0)], None),
            (&[(1000.0, 5.0), (1000.0, 7.0)], None),
            (&[(1000.0, 1005.0), (2000.0, 2005.0)], Some((1.0, 5.0))),
            (
                &[(1000.0, 2009.0), (2000.0, 4009.0), (5000.0, 10009.0)],
                Some((2.0, 9.0)),
            ),
            // Not on a line: the slope that minimises the squares, (0, 1), (1, 1), (2, 4):
            // mean x 1, mean y 2, sxy = 3, sxx = 2.
            (&[(0.0, 1.0), (1.0, 1.0), (2.0, 4.0)], Some((1.5, 0.5))),
        ];
        for (xy, expected) in cases {
            let fit = least_squares(xy);
            match (fit, expected) {
                (None, None) => {}
                (Some(fit), Some((slope, intercept))) => {
                    assert!(close(fit.slope, slope), "{xy:?}: slope {}", fit.slope);
                    assert!(close(fit.intercept, intercept), "{xy:?}: {}", fit.intercept);
                    assert_eq!(fit.points, xy.len());
                }
                (fit, expected) => panic!("{xy:?}: {fit:?}, expected {expected:?}"),
            }
        }
    }

    /// A C10k point of `name` at `connections`: measured, with these samples.
    fn point(
        name: &str,
        connections: u32,
        rss_kb: u64,
        threads: u32,
        fds: u32,
        open_ms: Option<f64>,
    ) -> Point {
        let mut point = testing::point(1, name, "rust", "sync", 100.0, 1e6);
        point.load.connections = connections;
        point.samples.server_peak_rss_kb = Some(rss_kb);
        point.samples.server_threads_max = Some(threads);
        point.samples.server_cpu_s = Some(1.5);
        point.c10k = Some(C10kFigures {
            declared_fds: Some(2),
            declared_threads: Some(1),
            fds_max: Some(fds),
            held_max: Some(connections),
            open_ms,
            ..C10kFigures::default()
        });
        point
    }

    fn skipped(name: &str, connections: u32) -> Point {
        let mut point = point(name, connections, 0, 0, 0, None);
        point.status = Status::Skipped("the server needs 20064 open files".to_owned());
        point.wrk = None;
        point.samples = crate::model::Samples::default();
        if let Some(c10k) = point.c10k.as_mut() {
            c10k.limit = Some(Limit {
                name: "server_open_files".to_owned(),
                needed: Some(20064),
                allowed: Some(20000),
            });
        }
        point
    }

    #[test]
    fn where_a_point_breaks() {
        let clean = point("a", 1000, 30_000, 1005, 2009, Some(500.0));
        let mut with_errors = clean.clone();
        if let Some(report) = with_errors.wrk.as_mut() {
            report.errors.connect = 3;
        }
        let mut timed_out = clean.clone();
        if let Some(report) = timed_out.wrk.as_mut() {
            report.errors.timeout = 1;
        }
        let mut failed = clean.clone();
        failed.status = Status::Failed("the server died".to_owned());
        let mut interrupted = clean.clone();
        interrupted.status = Status::Interrupted;
        let mut not_all = clean.clone();
        if let Some(c10k) = not_all.c10k.as_mut() {
            c10k.open_ms = None;
            c10k.held_max = Some(640);
        }
        let cases = [
            (clean, None),
            (
                with_errors,
                Some(Breaks::Errors(Errors {
                    connect: 3,
                    ..Errors::default()
                })),
            ),
            (
                timed_out,
                Some(Breaks::Errors(Errors {
                    timeout: 1,
                    ..Errors::default()
                })),
            ),
            (failed, Some(Breaks::Failed("the server died".to_owned()))),
            (interrupted, Some(Breaks::Interrupted)),
            (
                not_all,
                Some(Breaks::NotAllOpen {
                    held_max: Some(640),
                }),
            ),
            (
                skipped("a", 10_000),
                Some(Breaks::Skipped {
                    why: "the server needs 20064 open files".to_owned(),
                    limit: Some(Limit {
                        name: "server_open_files".to_owned(),
                        needed: Some(20064),
                        allowed: Some(20000),
                    }),
                }),
            ),
        ];
        for (point, expected) in cases {
            assert_eq!(breaks(&point), expected, "{:?}", point.status);
        }
    }

    #[test]
    fn what_a_connection_costs_each_variant() {
        type Case<'a> = (&'a [Point], f64, f64, f64, usize, Option<u32>);
        // A thread-per-connection server: 28 KiB, 1 thread and 2 descriptors per connection,
        // skipped at 10,000; an event loop: 13 KiB, no thread and 1 descriptor, that never
        // held all 10,000 at once (left out of its slopes, and where it breaks).
        let sync = [
            point("sync", 5000, 3000 + 5000 * 28, 5005, 10_009, Some(900.0)),
            point("sync", 1000, 3000 + 1000 * 28, 1005, 2009, Some(300.0)),
            point("sync", 2000, 3000 + 2000 * 28, 2005, 4009, Some(500.0)),
            skipped("sync", 10_000),
        ];
        let event_loop = [
            point("loop", 1000, 3600 + 1000 * 13, 1, 1012, Some(200.0)),
            point("loop", 2000, 3600 + 2000 * 13, 1, 2012, Some(300.0)),
            point("loop", 10_000, 3600 + 6400 * 13, 1, 6412, None),
        ];
        // (points, memory KiB, threads, descriptors per connection, fitted, breaks at)
        let cases: [Case<'_>; 2] = [
            (&sync, 28.0, 1.0, 2.0, 3, Some(10_000)),
            (&event_loop, 13.0, 0.0, 1.0, 2, Some(10_000)),
        ];
        for (points, memory, threads, fds, fitted, breaks_at) in cases {
            let cost = cost("v", points.iter().collect());
            let slope = |fit: Option<Fit>| fit.map(|f| f.slope).unwrap();
            assert!(close(slope(cost.memory_kib), memory), "{cost:?}");
            assert!(close(slope(cost.threads), threads), "{cost:?}");
            assert!(close(slope(cost.fds), fds), "{cost:?}");
            assert_eq!(cost.fitted.len(), fitted);
            assert_eq!(
                cost.breaks.map(|(p, _)| p.load.connections),
                breaks_at,
                "{:?}",
                cost.variant
            );
            let connections: Vec<u32> = cost.points.iter().map(|p| p.load.connections).collect();
            assert!(
                connections.windows(2).all(|w| w[0] < w[1]),
                "{connections:?}"
            );
        }
    }

    #[test]
    fn a_capped_pool_is_told_apart_from_a_thread_per_connection() {
        // (points as (connections, most threads), declared cap, expected pool, within its cap)
        type Case = (&'static [(u32, u32)], Option<u32>, Option<(u32, u32)>, bool);
        let pooled = |connections: u32, threads: u32, cap: Option<u32>| {
            let mut point = point(
                "pool",
                connections,
                30_000,
                threads,
                connections + 12,
                Some(1.0),
            );
            if let Some(c10k) = point.c10k.as_mut() {
                c10k.declared_thread_cap = cap;
            }
            point
        };
        let cases: [Case; 4] = [
            (
                &[(1000, 371), (5000, 513), (10_000, 395)],
                Some(512),
                Some((371, 513)),
                true,
            ),
            (
                &[(1000, 371), (5000, 900)],
                Some(512),
                Some((371, 900)),
                false,
            ),
            // Below the cap the pool can grow with the connections: a slope means something.
            (&[(100, 105), (1000, 513)], Some(512), None, false),
            (&[(1000, 1005), (2000, 2005)], None, None, false),
        ];
        for (points, cap, expected, within) in cases {
            let points: Vec<Point> = points.iter().map(|(c, t)| pooled(*c, *t, cap)).collect();
            let cost = cost("pool", points.iter().collect());
            let pool = cost.pool();
            assert_eq!(
                pool.map(|p| (p.threads_low, p.threads_high)),
                expected,
                "{points:?}"
            );
            assert_eq!(pool.is_some_and(|p| p.within_cap()), within, "{expected:?}");
        }
    }

    #[test]
    fn where_the_rest_of_the_machine_went() {
        // (machine, server, wrk, harness, irq, steal, expected others s); 2 cores × 10 s.
        type Case = (
            Option<f64>,
            Option<f64>,
            f64,
            Option<f64>,
            Option<f64>,
            f64,
            Option<f64>,
        );
        let cases: [Case; 5] = [
            (
                Some(16.0),
                Some(6.0),
                4.0,
                Some(0.5),
                Some(1.5),
                0.0,
                Some(4.0),
            ),
            (Some(16.0), Some(6.0), 4.0, None, None, 0.0, Some(6.0)),
            (
                Some(8.0),
                Some(6.0),
                4.0,
                Some(0.5),
                Some(0.5),
                0.0,
                Some(0.0),
            ),
            (None, Some(6.0), 4.0, None, None, 0.0, None),
            (Some(16.0), None, 4.0, None, None, 0.0, None),
        ];
        for (machine, server, client, harness, irq, steal, expected) in cases {
            let mut point = point("a", 1000, 1, 1, 1, Some(1.0));
            point.samples.machine_cpu_busy_s = machine;
            point.samples.server_cpu_s = server;
            point.samples.client_cpu_s = Some(client);
            if let Some(c10k) = point.c10k.as_mut() {
                c10k.harness_cpu_s = harness;
                c10k.kernel_irq_s = irq;
                c10k.steal_s = Some(steal);
            }
            let rest = elsewhere(&point, Some(2.0));
            assert_eq!(rest.map(|r| r.others_s), expected, "{machine:?} {server:?}");
            if let Some(rest) = rest {
                assert!(close(rest.capacity_s, 20.0));
                assert!(close(rest.others_share(), rest.others_s / 20.0));
            }
        }
        assert_eq!(elsewhere(&point("a", 1, 1, 1, 1, Some(1.0)), None), None);
    }

    #[test]
    fn cpu_per_request_needs_requests() {
        let measured = point("a", 1000, 1, 1, 1, Some(1.0));
        // 1.5 s of CPU over 100 req/s × 10 s = 1,000 requests: 1,500 µs each.
        assert!(close(measured.cpu_per_request_us().unwrap(), 1500.0));
        assert_eq!(skipped("a", 10).cpu_per_request_us(), None);
    }
}
