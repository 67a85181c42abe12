//! The simulated wait beside a real call: each variant a run measured both ways (sleeping
//! the delay, and calling a real downstream that waits the same delay), paired, and whether
//! the sleep model held.

use crate::analysis::variants::VariantSummary;

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
        .filter(|call| call.real_call && call.runs() > 0)
        .filter_map(|call| {
            let sleep = variants.iter().find(|sleep| {
                !sleep.real_call
                    && sleep.runs() > 0
                    && sleep.kind.is_some()
                    && sleep.kind == call.kind
                    && sleep.example.variant.family == call.example.variant.family
            })?;
            Some(Pair { sleep, call })
        })
        .collect()
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
}
