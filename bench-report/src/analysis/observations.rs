//! The seed's three observations, checked against a run's own numbers, once per family
//! (rust, python) that has a measured sync, async and async-blocking variant. Each verdict
//! is a value: whether it holds, against which threshold, on which figures.

use crate::analysis::variants::VariantSummary;

/// Observation 1 holds if the async server served at least this many times each other's
/// requests per second.
pub const MORE_FACTOR: f64 = 2.0;
/// Observation 2 holds if the async server's mean latency is at most this share of each
/// other's.
pub const LOWER_FACTOR: f64 = 0.5;
/// Observation 3: mean latencies within ± this share of sync's count as the same.
pub const SAME_BAND: f64 = 0.2;

/// The three servers of the seed's comparison, in one family.
#[derive(Debug, Clone, Copy)]
pub struct Trio<'r, 'a> {
    /// The sync server.
    pub sync: &'r VariantSummary<'a>,
    /// The async server with an async wait.
    pub async_: &'r VariantSummary<'a>,
    /// The async server with a blocking wait.
    pub blocking: &'r VariantSummary<'a>,
}

/// "Clients can make significantly more requests to the async server."
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoreRequests {
    /// Whether it holds.
    pub holds: bool,
    /// async / sync, req/s (`None`: sync served nothing).
    pub over_sync: Option<f64>,
    /// async / async-blocking, req/s.
    pub over_blocking: Option<f64>,
}

/// "The async server has significantly lower latency, even though the work is the same."
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LowerLatency {
    /// Whether it holds.
    pub holds: bool,
}

/// Observation 3's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// async-blocking's latency is higher than sync's by more than the band.
    Higher,
    /// Within the band.
    Same,
    /// Lower by more than the band.
    Lower,
}

/// "The async server with sync downstream calls has higher latency than the sync server."
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HigherLatency {
    /// Higher, the same or lower.
    pub compared: Compared,
    /// async-blocking's mean latency / sync's (`None` if sync's is 0).
    pub ratio: Option<f64>,
}

/// A family's check: its trio and the three verdicts, or what it lacks.
#[derive(Debug, Clone)]
pub enum FamilyCheck<'r, 'a> {
    /// All three were measured.
    Checked {
        /// The family.
        family: String,
        /// Its servers.
        trio: Trio<'r, 'a>,
        /// Observation 1.
        more: MoreRequests,
        /// Observation 2.
        lower: LowerLatency,
        /// Observation 3.
        higher: HigherLatency,
    },
    /// Not all three were measured.
    NotChecked {
        /// The family.
        family: String,
        /// The kinds it measured, with their variant: (kind, variant).
        present: Vec<(String, String)>,
        /// The kinds it lacks.
        missing: Vec<&'static str>,
    },
}

const KINDS: [&str; 3] = ["sync", "async", "async-blocking"];

/// Checks the observations for every family in `variants`, in the order families appear.
pub fn check<'r, 'a>(variants: &'r [VariantSummary<'a>]) -> Vec<FamilyCheck<'r, 'a>> {
    let mut families: Vec<String> = Vec::new();
    for variant in variants {
        if let Some(family) = &variant.family {
            if !families.contains(family) {
                families.push(family.clone());
            }
        }
    }
    families
        .into_iter()
        .map(|family| {
            let find = |kind: &str| {
                variants.iter().find(|v| {
                    v.family.as_deref() == Some(family.as_str())
                        && v.kind.as_deref() == Some(kind)
                        && v.runs() > 0
                })
            };
            match (find("sync"), find("async"), find("async-blocking")) {
                (Some(sync), Some(async_), Some(blocking)) => {
                    let trio = Trio {
                        sync,
                        async_,
                        blocking,
                    };
                    FamilyCheck::Checked {
                        family,
                        more: more_requests(&trio),
                        lower: lower_latency(&trio),
                        higher: higher_latency(&trio),
                        trio,
                    }
                }
                found => {
                    let found = [found.0, found.1, found.2];
                    let mut present = Vec::new();
                    let mut missing = Vec::new();
                    for (kind, variant) in KINDS.iter().zip(found) {
                        match variant {
                            Some(v) => present.push(((*kind).to_owned(), v.name.clone())),
                            None => missing.push(*kind),
                        }
                    }
                    FamilyCheck::NotChecked {
                        family,
                        present,
                        missing,
                    }
                }
            }
        })
        .collect()
}

fn mean_rate(variant: &VariantSummary<'_>) -> f64 {
    variant.rate().map_or(0.0, |s| s.mean)
}

fn mean_latency(variant: &VariantSummary<'_>) -> f64 {
    variant.latency().map_or(0.0, |s| s.mean)
}

/// Observation 1 on the means of the runs.
pub fn more_requests(trio: &Trio<'_, '_>) -> MoreRequests {
    let (sync, async_, blocking) = (
        mean_rate(trio.sync),
        mean_rate(trio.async_),
        mean_rate(trio.blocking),
    );
    MoreRequests {
        holds: sync > 0.0
            && blocking > 0.0
            && async_ >= MORE_FACTOR * sync
            && async_ >= MORE_FACTOR * blocking,
        over_sync: (sync > 0.0).then(|| async_ / sync),
        over_blocking: (blocking > 0.0).then(|| async_ / blocking),
    }
}

/// Observation 2 on the means of the runs.
pub fn lower_latency(trio: &Trio<'_, '_>) -> LowerLatency {
    let (sync, async_, blocking) = (
        mean_latency(trio.sync),
        mean_latency(trio.async_),
        mean_latency(trio.blocking),
    );
    LowerLatency {
        holds: async_ <= LOWER_FACTOR * sync && async_ <= LOWER_FACTOR * blocking,
    }
}

/// Observation 3 on the means of the runs.
pub fn higher_latency(trio: &Trio<'_, '_>) -> HigherLatency {
    let (sync, blocking) = (mean_latency(trio.sync), mean_latency(trio.blocking));
    let ratio = (sync > 0.0).then(|| blocking / sync);
    let compared = match ratio {
        Some(ratio) if ratio > 1.0 + SAME_BAND => Compared::Higher,
        Some(ratio) if ratio >= 1.0 - SAME_BAND => Compared::Same,
        _ => Compared::Lower,
    };
    HigherLatency { compared, ratio }
}
