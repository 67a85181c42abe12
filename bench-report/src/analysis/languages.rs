//! Rust and Python side by side: where a run measured the same architecture in both
//! languages, the two summaries together; and the seed's own published figures, parsed from
//! its wrk logs (baselines/python/seed-results/, built into this program), for orientation
//! only: they come from another machine.

use std::path::Path;

use crate::analysis::variants::VariantSummary;
use crate::model::Family;
use crate::parse::wrk::{self, WrkReport};

/// The architectures compared, in the seed's order.
pub const KINDS: [&str; 4] = ["sync", "async", "async-blocking", "async-blocking-offload"];

/// The seed's three wrk logs, as it published them: (kind, log).
const SEED_LOGS: [(&str, &str, &str); 3] = [
    (
        "sync",
        "python-sync.txt",
        include_str!("../../../baselines/python/seed-results/python-sync.txt"),
    ),
    (
        "async",
        "python-async.txt",
        include_str!("../../../baselines/python/seed-results/python-async.txt"),
    ),
    (
        "async-blocking",
        "python-async-blocking.txt",
        include_str!("../../../baselines/python/seed-results/python-async-blocking.txt"),
    ),
];

/// The seed's own figures for `kind`, from its published log.
///
/// # Panics
/// Never for the logs built in (a test parses all three).
pub fn seed(kind: &str) -> Option<WrkReport> {
    let (_, name, text) = SEED_LOGS.iter().find(|(k, _, _)| *k == kind)?;
    Some(
        wrk::parse(Path::new(name), text, wrk::Origin::Elsewhere)
            .expect("the seed's logs are wrk output"),
    )
}

/// One architecture in both languages.
#[derive(Debug, Clone)]
pub struct Pair<'r, 'a> {
    /// The architecture (the variants' kind).
    pub kind: &'static str,
    /// The Rust variant.
    pub rust: &'r VariantSummary<'a>,
    /// The Python variant.
    pub python: &'r VariantSummary<'a>,
}

/// The architectures measured in both languages, in [`KINDS`] order.
pub fn pairs<'r, 'a>(variants: &'r [VariantSummary<'a>]) -> Vec<Pair<'r, 'a>> {
    let find = |family: Family, kind: &str| {
        variants
            .iter()
            .find(|v| v.sleeps_in(family) && v.kind.as_deref() == Some(kind) && v.runs() > 0)
    };
    KINDS
        .iter()
        .filter_map(|kind| {
            Some(Pair {
                kind,
                rust: find(Family::Rust, kind)?,
                python: find(Family::Python, kind)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_logs_are_built_in() {
        assert!((seed("sync").unwrap().req_per_sec - 44.61).abs() < 1e-9);
        assert!((seed("async").unwrap().req_per_sec - 7685.2).abs() < 1e-9);
        assert_eq!(
            seed("async-blocking").unwrap().latency.mean_us,
            Some(1_160_000.0)
        );
        assert!(seed("async-blocking-offload").is_none());
    }
}
