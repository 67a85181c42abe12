//! Per variant, across its repeated runs: the mean of each figure with its spread (min–max),
//! so a figure quoted from a run with RUNS > 1 carries its range.

use crate::analysis::bounds::{derive, Derived};
use crate::model::{Family, Point, Run};

/// A figure over repeated runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// How many runs.
    pub count: usize,
}

impl Spread {
    /// The spread of `values`; `None` for none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut spread: Option<Self> = None;
        let mut sum = 0.0;
        for value in values {
            sum += value;
            spread = Some(match spread {
                None => Self {
                    mean: 0.0,
                    min: value,
                    max: value,
                    count: 1,
                },
                Some(s) => Self {
                    mean: 0.0,
                    min: s.min.min(value),
                    max: s.max.max(value),
                    count: s.count + 1,
                },
            });
        }
        spread.map(|s| Self {
            mean: sum / s.count as f64,
            ..s
        })
    }
}

/// One variant of a run, its runs taken together.
#[derive(Debug, Clone)]
pub struct VariantSummary<'a> {
    /// Its name.
    pub name: String,
    /// rust or python (or none for an unknown server); "rust, real call" where the variant
    /// called a real downstream: the servers compared together (the seed's observations are
    /// checked within a family, never across a sleep and a real call).
    pub family: Option<String>,
    /// Whether it called a real downstream instead of sleeping.
    pub real_call: bool,
    /// Its role in the seed's comparison.
    pub kind: Option<String>,
    /// Its first point, for its settings.
    pub example: &'a Point,
    /// Its measured points, with their derived figures.
    pub measured: Vec<(&'a Point, Derived)>,
    /// How many of its points were not measured.
    pub not_measured: usize,
}

impl VariantSummary<'_> {
    /// Whether it is one of `family`'s servers, waiting the simulated delay (not a real call).
    pub fn sleeps_in(&self, family: Family) -> bool {
        self.example.variant.family == Some(family) && !self.real_call
    }

    /// How many runs were measured.
    pub fn runs(&self) -> usize {
        self.measured.len()
    }

    fn spread(&self, figure: impl Fn(&Point, &Derived) -> Option<f64>) -> Option<Spread> {
        let values: Vec<f64> = self
            .measured
            .iter()
            .filter_map(|(p, d)| figure(p, d))
            .collect();
        Spread::of(values)
    }

    /// Requests per second.
    pub fn rate(&self) -> Option<Spread> {
        self.spread(|p, _| p.measured().map(|r| r.req_per_sec))
    }

    /// Mean latency, µs.
    pub fn latency(&self) -> Option<Spread> {
        self.spread(|p, _| p.measured().and_then(|r| r.latency.mean_us))
    }

    /// p99 latency, µs.
    pub fn p99(&self) -> Option<Spread> {
        self.spread(|p, _| p.measured().and_then(|r| r.latency.p99_us))
    }

    /// The largest latency of any run, µs.
    pub fn max_latency(&self) -> Option<f64> {
        self.spread(|p, _| p.measured().and_then(|r| r.latency.max_us))
            .map(|s| s.max)
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> Option<Spread> {
        self.spread(|_, d| d.in_flight)
    }

    /// Share of the Little's-law bound.
    pub fn fraction(&self) -> Option<Spread> {
        self.spread(|_, d| d.fraction)
    }

    /// Share of the effective bound.
    pub fn effective_fraction(&self) -> Option<Spread> {
        self.spread(|_, d| d.effective_fraction)
    }

    /// The Little's-law bound of its last measured run.
    pub fn bound(&self) -> Option<f64> {
        self.measured.iter().rev().find_map(|(_, d)| d.bound)
    }

    /// One request alone, mean µs.
    pub fn unloaded(&self) -> Option<Spread> {
        self.spread(|p, _| p.unloaded.as_ref().and_then(|u| u.latency.mean_us))
    }

    /// The server's CPU per request, µs.
    pub fn cpu_per_request_us(&self) -> Option<Spread> {
        self.spread(|p, _| p.cpu_per_request_us())
    }

    /// The real downstream's CPU per request, µs.
    pub fn downstream_cpu_per_request_us(&self) -> Option<Spread> {
        self.spread(|p, _| p.downstream_cpu_per_request_us())
    }

    /// The real downstream alone, unloaded, mean µs.
    pub fn downstream_unloaded(&self) -> Option<Spread> {
        self.spread(|p, _| {
            let unloaded = p.downstream.as_ref()?.unloaded.as_ref()?;
            unloaded.latency.mean_us
        })
    }

    /// p50 latency, µs.
    pub fn p50(&self) -> Option<Spread> {
        self.spread(|p, _| p.measured().and_then(|r| r.latency.p50_us))
    }

    /// The effective bound (concurrency / unloaded latency), req/s.
    pub fn effective_bound(&self) -> Option<Spread> {
        self.spread(|_, d| d.effective_bound)
    }

    /// Timeouts over all its runs.
    pub fn timeouts(&self) -> u64 {
        self.measured
            .iter()
            .filter_map(|(p, _)| p.measured())
            .map(|r| r.errors.timeout)
            .sum()
    }

    /// Socket errors and non-2xx answers over all its runs.
    pub fn errors(&self) -> u64 {
        self.measured
            .iter()
            .filter_map(|(p, _)| p.measured())
            .map(|r| r.errors.failures())
            .sum()
    }
}

/// Every variant of `run`, in the order they first ran.
pub fn summaries(run: &Run) -> Vec<VariantSummary<'_>> {
    let mut summaries: Vec<VariantSummary<'_>> = Vec::new();
    for point in &run.points {
        let known = summaries.iter().position(|s| s.name == point.variant.name);
        let index = known.unwrap_or_else(|| {
            summaries.push(VariantSummary {
                name: point.variant.name.clone(),
                family: point.variant.family.map(|family| {
                    if point.variant.real_call {
                        format!("{family}, real call")
                    } else {
                        family.to_string()
                    }
                }),
                real_call: point.variant.real_call,
                kind: point.variant.kind.clone(),
                example: point,
                measured: Vec::new(),
                not_measured: 0,
            });
            summaries.len() - 1
        });
        if point.status.is_ok() {
            summaries[index].measured.push((point, derive(point)));
        } else {
            summaries[index].not_measured += 1;
        }
    }
    summaries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_runs() {
        let spread = Spread::of([8221.0, 8310.0, 8347.0]).unwrap();
        assert!((spread.mean - 8292.666).abs() < 0.001);
        assert_eq!((spread.min, spread.max, spread.count), (8221.0, 8347.0, 3));
        assert_eq!(Spread::of([]), None);
    }
}
