//! Latency against offered load (`make latency`): each variant loaded open-loop at fixed
//! rates, fractions of its Little's-law bound, and two checks of what queueing theory says
//! should happen, then the seed's second question answered at every load, not only at
//! saturation: where does "the async server has lower latency" hold, and where not?
//!
//! 1. Below [`BELOW_BOUND`] of its bound, a variant has no queue to speak of: its p50 stays
//!    within [`CLOSE_TO_UNLOADED`] times the p50 of one request alone (the point's primer).
//! 2. Above [`OVER_BOUND`] of its bound, requests arrive faster than they leave: a queue that
//!    grows as long as the run lasts, so the same load for half as long shows a p50 at most
//!    1 / [`QUEUE_GROWTH`] of the full run's. A queue fed at λ and drained at μ gives the
//!    requests answered in a run of T seconds a median latency of T/2 × (1 − μ/λ)
//!    ([`queue_p50_us`]): twice as long a run, twice the latency.
//!
//! Every threshold is a named constant, which the report quotes.

use crate::analysis::observations::LOWER_FACTOR;
use crate::model::{Point, Run};
use crate::parse::oha::{Length, OhaReport, OpenLoop};

/// Below this fraction of its bound, check 1 applies.
pub const BELOW_BOUND: f64 = 0.75;
/// Check 1 holds where p50 ≤ this × the unloaded p50.
pub const CLOSE_TO_UNLOADED: f64 = 1.25;
/// Above this fraction of its bound, check 2 applies.
pub const OVER_BOUND: f64 = 1.0;
/// Check 2 holds where the full run's p50 ≥ this × the half-length run's (a queue growing
/// linearly with time gives 2; a steady state gives 1).
pub const QUEUE_GROWTH: f64 = 1.5;
/// Connections per point: offered rate × expected latency (the delay) × this, so that a
/// connection is free when the next request is due even if answers come late.
pub const CONNECTIONS_HEADROOM: f64 = 2.0;
/// ... but never fewer than this, so one slow answer never holds up the next request due.
pub const MIN_CONNECTIONS: u32 = 4;
/// The expected latency used for the connections where the delay is 0, ms.
pub const MIN_EXPECTED_LATENCY_MS: u64 = 1;

/// How many connections a load of `rate` req/s needs, by Little's law: in flight = rate ×
/// latency, with the delay as the expected latency and [`CONNECTIONS_HEADROOM`]. Returns
/// (wanted, given): given is wanted raised to [`MIN_CONNECTIONS`] and capped at `cap`.
pub fn connections_for(rate: f64, delay_ms: u64, cap: u32) -> (u32, u32) {
    let latency_s = delay_ms.max(MIN_EXPECTED_LATENCY_MS) as f64 / 1000.0;
    let wanted = (rate * latency_s * CONNECTIONS_HEADROOM).ceil();
    // A rate is far below 2^32 requests in flight; clamp before the cast all the same.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let wanted = wanted.clamp(0.0, f64::from(u32::MAX)) as u32;
    (wanted, wanted.max(MIN_CONNECTIONS).min(cap.max(1)))
}

/// The median latency a queue gives the requests answered in a run of `total_s` seconds,
/// offered `offered` req/s and answering `achieved`: requests are answered in the order
/// they arrive, so the one answered at T/2 arrived at T/2 × μ/λ. `None` without a queue.
pub fn queue_p50_us(total_s: f64, offered: f64, achieved: f64) -> Option<f64> {
    (offered > 0.0 && achieved < offered).then(|| total_s / 2.0 * (1.0 - achieved / offered) * 1e6)
}

/// A measured open-loop point: the point, its load and oha's report.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    /// The point.
    pub point: &'a Point,
    /// Its load.
    pub load: &'a OpenLoop,
    /// oha's report.
    pub report: &'a OhaReport,
}

impl Measured<'_> {
    /// The variant's name.
    pub fn variant(&self) -> &str {
        &self.point.variant.name
    }

    /// p50, µs.
    pub fn p50_us(&self) -> Option<f64> {
        self.report.latency.p50_us
    }

    /// The p50 of one request alone (the point's primer, wrk -t1 -c1), µs.
    pub fn unloaded_p50_us(&self) -> Option<f64> {
        self.point.unloaded.as_ref().and_then(|u| u.latency.p50_us)
    }

    /// The bound with the unloaded mean latency in place of the delay: bound × delay /
    /// unloaded mean. `None` at delay 0 or without a primer.
    pub fn effective_bound(&self) -> Option<f64> {
        let delay_us = self.point.load.delay_ms.filter(|d| *d > 0)? as f64 * 1000.0;
        let mean = self
            .point
            .unloaded
            .as_ref()
            .and_then(|u| u.latency.mean_us)
            .filter(|m| *m > 0.0)?;
        Some(self.load.bound? * delay_us / mean)
    }
}

/// Every measured open-loop point of `run`, in the order they ran.
pub fn measured(run: &Run) -> Vec<Measured<'_>> {
    run.points
        .iter()
        .filter(|p| p.status.is_ok())
        .filter_map(|point| {
            let load = point.open_loop.as_ref()?;
            Some(Measured {
                point,
                load,
                report: load.report.as_ref()?,
            })
        })
        .collect()
}

/// A variant's measured points of one length, by offered rate.
pub fn series<'a>(run: &'a Run, variant: &str, length: Length) -> Vec<Measured<'a>> {
    let mut points: Vec<Measured<'a>> = measured(run)
        .into_iter()
        .filter(|m| m.variant() == variant && m.load.length == length)
        .collect();
    points.sort_by(|a, b| a.load.rate.total_cmp(&b.load.rate));
    points
}

/// A check's outcome for one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// At every point it applies to.
    Holds,
    /// Not at one or more.
    DoesNotHold,
    /// No point it applies to was measured.
    NotChecked,
}

impl Verdict {
    fn of(outcomes: impl IntoIterator<Item = Option<bool>>) -> Self {
        let mut verdict = Self::NotChecked;
        for outcome in outcomes.into_iter().flatten() {
            verdict = match (verdict, outcome) {
                (Self::DoesNotHold, _) | (_, false) => Self::DoesNotHold,
                _ => Self::Holds,
            };
        }
        verdict
    }
}

/// Check 1 at one point.
#[derive(Debug, Clone, Copy)]
pub struct UnloadedRow<'a> {
    /// The point.
    pub point: Measured<'a>,
    /// Its p50 / its unloaded p50.
    pub ratio: Option<f64>,
    /// Whether the ratio is within [`CLOSE_TO_UNLOADED`].
    pub holds: Option<bool>,
}

/// Check 1 for one variant: its full-length points below [`BELOW_BOUND`].
#[derive(Debug, Clone)]
pub struct UnloadedCheck<'a> {
    /// The variant.
    pub variant: String,
    /// Its points below [`BELOW_BOUND`] of its bound, by rate.
    pub rows: Vec<UnloadedRow<'a>>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Check 1 for `variant`.
pub fn near_unloaded<'a>(run: &'a Run, variant: &str) -> UnloadedCheck<'a> {
    let rows: Vec<UnloadedRow<'a>> = series(run, variant, Length::Full)
        .into_iter()
        .filter(|m| m.load.fraction.is_some_and(|f| f < BELOW_BOUND))
        .map(|point| {
            let ratio = point
                .p50_us()
                .zip(point.unloaded_p50_us().filter(|u| *u > 0.0))
                .map(|(p50, unloaded)| p50 / unloaded);
            UnloadedRow {
                point,
                ratio,
                holds: ratio.map(|r| r <= CLOSE_TO_UNLOADED),
            }
        })
        .collect();
    UnloadedCheck {
        variant: variant.to_owned(),
        verdict: Verdict::of(rows.iter().map(|r| r.holds)),
        rows,
    }
}

/// Check 2 at one load.
#[derive(Debug, Clone, Copy)]
pub struct QueueRow<'a> {
    /// The full-length run.
    pub full: Measured<'a>,
    /// The half-length run at the same rate, if measured.
    pub half: Option<Measured<'a>>,
    /// Full p50 / half p50.
    pub growth: Option<f64>,
    /// What a queue predicts for the full run's p50 ([`queue_p50_us`]), µs.
    pub predicted_p50_us: Option<f64>,
    /// Whether growth ≥ [`QUEUE_GROWTH`].
    pub holds: Option<bool>,
}

/// Check 2 for one variant: its loads above [`OVER_BOUND`].
#[derive(Debug, Clone)]
pub struct QueueCheck<'a> {
    /// The variant.
    pub variant: String,
    /// Its loads above [`OVER_BOUND`] of its bound, by rate.
    pub rows: Vec<QueueRow<'a>>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Check 2 for `variant`.
pub fn queue_grows<'a>(run: &'a Run, variant: &str) -> QueueCheck<'a> {
    let halves = series(run, variant, Length::Half);
    let rows: Vec<QueueRow<'a>> = series(run, variant, Length::Full)
        .into_iter()
        .filter(|m| m.load.fraction.is_some_and(|f| f > OVER_BOUND))
        .map(|full| {
            let half = halves
                .iter()
                .copied()
                .find(|h| (h.load.rate - full.load.rate).abs() < 1e-9);
            let growth = full
                .p50_us()
                .zip(half.and_then(|h| h.p50_us()).filter(|p| *p > 0.0))
                .map(|(full, half)| full / half);
            QueueRow {
                full,
                half,
                growth,
                predicted_p50_us: queue_p50_us(
                    full.report.total_s,
                    full.load.rate,
                    full.report.achieved_rate(),
                ),
                holds: growth.map(|g| g >= QUEUE_GROWTH),
            }
        })
        .collect();
    QueueCheck {
        variant: variant.to_owned(),
        verdict: Verdict::of(rows.iter().map(|r| r.holds)),
        rows,
    }
}

/// A blocking variant's point beside the async variant at the same load or more.
#[derive(Debug, Clone, Copy)]
pub struct CompareRow<'a> {
    /// The blocking variant's point.
    pub blocking: Measured<'a>,
    /// The async variant's point with the lowest rate at or above it: latency does not fall
    /// as load rises, so at the blocking point's own rate the async variant would do at
    /// least as well as here.
    pub async_: Option<Measured<'a>>,
    /// Async p50 / blocking p50.
    pub ratio: Option<f64>,
    /// Whether the async p50 is at most [`LOWER_FACTOR`] × the blocking one.
    pub holds: Option<bool>,
}

/// "The async server has lower latency", for one pair, at each load of the blocking variant.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    /// The async variant (kind async).
    pub async_variant: String,
    /// The variant whose wait blocks a thread (kind sync or async-blocking).
    pub blocking_variant: String,
    /// One row per full-length point of the blocking variant, by rate.
    pub rows: Vec<CompareRow<'a>>,
}

impl<'a> Comparison<'a> {
    /// The rows where it holds.
    pub fn holding(&self) -> Vec<&CompareRow<'a>> {
        self.rows.iter().filter(|r| r.holds == Some(true)).collect()
    }

    /// The rows where it does not.
    pub fn not_holding(&self) -> Vec<&CompareRow<'a>> {
        self.rows
            .iter()
            .filter(|r| r.holds == Some(false))
            .collect()
    }
}

/// The seed's comparisons in `run`: in each family, its async variant beside its sync and
/// async-blocking ones (those measured), in the order of `variants`.
pub fn comparisons<'a>(run: &'a Run, variants: &[String]) -> Vec<Comparison<'a>> {
    let kind_of = |name: &str| {
        run.points
            .iter()
            .find(|p| p.variant.name == name)
            .map(|p| (p.variant.family, p.variant.kind.clone()))
    };
    let mut found = Vec::new();
    for async_name in variants {
        let Some((family, Some(kind))) = kind_of(async_name) else {
            continue;
        };
        if kind != "async" {
            continue;
        }
        let async_points = series(run, async_name, Length::Full);
        for blocking_name in variants {
            let Some((other_family, Some(other_kind))) = kind_of(blocking_name) else {
                continue;
            };
            if other_family != family || !matches!(other_kind.as_str(), "sync" | "async-blocking") {
                continue;
            }
            let rows = series(run, blocking_name, Length::Full)
                .into_iter()
                .map(|blocking| {
                    let async_ = async_points
                        .iter()
                        .copied()
                        .find(|a| a.load.rate >= blocking.load.rate - 1e-9);
                    let ratio = async_
                        .and_then(|a| a.p50_us())
                        .zip(blocking.p50_us().filter(|p| *p > 0.0))
                        .map(|(a, b)| a / b);
                    CompareRow {
                        blocking,
                        async_,
                        ratio,
                        holds: ratio.map(|r| r <= LOWER_FACTOR),
                    }
                })
                .collect();
            found.push(Comparison {
                async_variant: async_name.clone(),
                blocking_variant: blocking_name.clone(),
                rows,
            });
        }
    }
    found
}

/// Where a variant's p50 leaves its unloaded latency: the last full-length point within
/// [`CLOSE_TO_UNLOADED`] of it and the first beyond, by rate.
pub fn knee<'a>(run: &'a Run, variant: &str) -> (Option<Measured<'a>>, Option<Measured<'a>>) {
    let mut last_near = None;
    for point in series(run, variant, Length::Full) {
        let near = point
            .p50_us()
            .zip(point.unloaded_p50_us())
            .map(|(p50, unloaded)| p50 <= CLOSE_TO_UNLOADED * unloaded);
        match near {
            Some(true) => last_near = Some(point),
            Some(false) => return (last_near, Some(point)),
            None => {}
        }
    }
    (last_near, None)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::model::RunKind;
    use crate::parse::wrk::Latency;
    use crate::testing;

    /// An open-loop point of a seed variant (10 ms, bound 100 or 10,000 req/s), measured
    /// for `total_s` at `fraction` of its bound: `achieved` req/s, p50 `p50_us`, one
    /// request alone `unloaded_us`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn open_loop(
        name: &str,
        fraction: f64,
        length: Length,
        achieved: f64,
        p50_us: f64,
        unloaded_us: f64,
    ) -> Point {
        let kind = match name {
            "sync-server" => "sync",
            "async-blocking-server" => "async-blocking",
            _ => "async",
        };
        let mut point = testing::point(1, name, "rust", kind, achieved, unloaded_us);
        let bound = if kind == "async" { 10_000.0 } else { 100.0 };
        let total_s = if length == Length::Full { 5.0 } else { 2.5 };
        point.wrk = None;
        point.unloaded = Some(testing::report(90.0, unloaded_us));
        point.open_loop = Some(OpenLoop {
            rate: fraction * bound,
            fraction: Some(fraction),
            bound: Some(bound),
            connections_wanted: None,
            length,
            duration_s: Some(total_s),
            report: Some(OhaReport {
                total_s,
                status_codes: BTreeMap::from([(200, (achieved * total_s) as u64)]),
                errors: BTreeMap::new(),
                latency: Latency {
                    p50_us: Some(p50_us),
                    ..Latency::default()
                },
            }),
        });
        point
    }

    fn run(points: Vec<Point>) -> Run {
        Run {
            kind: RunKind::Latency,
            dir: PathBuf::from("run"),
            ..testing::run(points, "{}")
        }
    }

    #[test]
    fn connections_follow_littles_law_with_a_floor_and_a_cap() {
        // (rate, delay, cap, wanted, given)
        let cases = [
            (10.0, 10, 100, 1, MIN_CONNECTIONS),
            (125.0, 10, 100, 3, MIN_CONNECTIONS),
            (1_000.0, 10, 100, 20, 20),
            (2_500.0, 10, 100, 50, 50),
            (9_000.0, 10, 100, 180, 100),
            (500.0, 0, 100, 1, MIN_CONNECTIONS),
            (5_000.0, 0, 100, 10, 10),
            (50.0, 10, 2, 1, 2),
        ];
        for (rate, delay, cap, wanted, given) in cases {
            assert_eq!(
                connections_for(rate, delay, cap),
                (wanted, given),
                "{rate} {delay}"
            );
        }
    }

    #[test]
    fn a_queue_predicts_half_the_run_times_the_shortfall() {
        // The sync-server at 110 req/s for 6 s, answering about 96: 6/2 × 14/110.
        let p50 = queue_p50_us(6.0, 110.0, 96.0).unwrap();
        assert!((p50 - 381_818.0).abs() < 1.0, "{p50}");
        assert_eq!(queue_p50_us(5.0, 50.0, 50.0), None);
        assert_eq!(queue_p50_us(5.0, 0.0, 0.0), None);
    }

    #[test]
    fn check_1_p50_near_the_unloaded_latency_below_the_bound() {
        // (name, [(fraction, p50, unloaded)], verdict, rows checked)
        let cases = [
            (
                "the seed's sync server below its bound",
                vec![(0.1, 10_300.0, 10_250.0), (0.5, 10_400.0, 10_300.0)],
                Verdict::Holds,
                2,
            ),
            (
                "on the threshold still holds",
                vec![(0.5, 12_500.0, 10_000.0)],
                Verdict::Holds,
                1,
            ),
            (
                "one point of three too slow",
                vec![
                    (0.1, 10_300.0, 10_250.0),
                    (0.25, 13_000.0, 10_250.0),
                    (0.5, 10_400.0, 10_300.0),
                ],
                Verdict::DoesNotHold,
                3,
            ),
            (
                "points at and above 75% are not checked",
                vec![(0.75, 50_000.0, 10_000.0), (1.1, 345_000.0, 10_000.0)],
                Verdict::NotChecked,
                0,
            ),
        ];
        for (name, figures, verdict, checked) in cases {
            let points = figures
                .iter()
                .map(|(f, p50, unloaded)| {
                    open_loop("sync-server", *f, Length::Full, 100.0 * f, *p50, *unloaded)
                })
                .collect();
            let run = run(points);
            let check = near_unloaded(&run, "sync-server");
            assert_eq!(check.verdict, verdict, "{name}");
            assert_eq!(check.rows.len(), checked, "{name}");
        }
    }

    #[test]
    fn check_2_latency_grows_with_the_run_above_the_bound() {
        // (name, full p50, half p50, verdict)
        let cases = [
            (
                "a queue: twice the run, twice the latency",
                345_000.0,
                170_000.0,
                Verdict::Holds,
            ),
            ("on the threshold", 150_000.0, 100_000.0, Verdict::Holds),
            ("a steady state", 11_000.0, 10_900.0, Verdict::DoesNotHold),
        ];
        for (name, full, half, verdict) in cases {
            let run = run(vec![
                open_loop("sync-server", 1.1, Length::Full, 96.0, full, 10_300.0),
                open_loop("sync-server", 1.1, Length::Half, 96.0, half, 10_300.0),
                open_loop("sync-server", 0.5, Length::Full, 50.0, 10_400.0, 10_300.0),
            ]);
            let check = queue_grows(&run, "sync-server");
            assert_eq!(check.verdict, verdict, "{name}");
            assert_eq!(check.rows.len(), 1, "{name}");
            let row = check.rows[0];
            assert!((row.growth.unwrap() - full / half).abs() < 1e-9);
            // 5 s offered 110, answered 96: 2.5 s × 14/110.
            assert!(
                (row.predicted_p50_us.unwrap() - 318_181.8).abs() < 1.0,
                "{name}"
            );
        }
        // Without its half-length run the load is listed but not checked.
        let run = run(vec![open_loop(
            "sync-server",
            1.25,
            Length::Full,
            97.0,
            900_000.0,
            10_300.0,
        )]);
        let check = queue_grows(&run, "sync-server");
        assert_eq!(check.verdict, Verdict::NotChecked);
        assert!(check.rows[0].half.is_none());
    }

    #[test]
    fn async_is_lower_only_where_the_blocking_server_queues() {
        // The figures: sync at 50, 90, 110 req/s; async from 5,000 req/s up.
        let run = run(vec![
            open_loop("sync-server", 0.5, Length::Full, 50.0, 10_200.0, 10_250.0),
            open_loop("sync-server", 0.9, Length::Full, 90.0, 10_200.0, 10_250.0),
            open_loop("sync-server", 1.1, Length::Full, 97.0, 345_000.0, 10_250.0),
            open_loop(
                "async-server",
                0.5,
                Length::Full,
                5_000.0,
                10_900.0,
                11_200.0,
            ),
            open_loop(
                "async-server",
                0.95,
                Length::Full,
                8_900.0,
                359_000.0,
                11_200.0,
            ),
        ]);
        let names = ["sync-server".to_owned(), "async-server".to_owned()];
        let found = comparisons(&run, &names);
        assert_eq!(found.len(), 1);
        let pair = &found[0];
        assert_eq!(
            (pair.async_variant.as_str(), pair.blocking_variant.as_str()),
            ("async-server", "sync-server")
        );
        // (blocking rate, async rate compared, holds)
        let expected = [
            (50.0, 5_000.0, false),
            (90.0, 5_000.0, false),
            (110.0, 5_000.0, true),
        ];
        assert_eq!(pair.rows.len(), expected.len());
        for (row, (rate, async_rate, holds)) in pair.rows.iter().zip(expected) {
            assert!((row.blocking.load.rate - rate).abs() < 1e-9);
            assert!((row.async_.unwrap().load.rate - async_rate).abs() < 1e-9);
            assert_eq!(row.holds, Some(holds), "{rate}");
        }
        assert_eq!(pair.holding().len(), 1);
        assert_eq!(pair.not_holding().len(), 2);
        let (near, beyond) = knee(&run, "sync-server");
        assert!((near.unwrap().load.rate - 90.0).abs() < 1e-9);
        assert!((beyond.unwrap().load.rate - 110.0).abs() < 1e-9);
    }

    #[test]
    fn no_comparison_without_an_async_point_at_or_above_the_rate() {
        let run = run(vec![
            open_loop("sync-server", 1.25, Length::Full, 97.0, 900_000.0, 10_250.0),
            open_loop(
                "async-server",
                0.01,
                Length::Full,
                100.0,
                11_000.0,
                11_200.0,
            ),
        ]);
        let names = ["sync-server".to_owned(), "async-server".to_owned()];
        let pair = &comparisons(&run, &names)[0];
        assert!(pair.rows[0].async_.is_none());
        assert_eq!(pair.rows[0].holds, None);
    }
}
