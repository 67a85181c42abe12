//! Pure functions of the model: bounds, what ran out of CPU, what to look at, the seed's
//! observations, figures across runs, the languages side by side and the sweeps' curves.
//! Every threshold is a named constant here, which the prose quotes.

pub mod bounds;
pub mod c10k;
pub mod cpu;
pub mod languages;
pub mod latency;
pub mod notes;
pub mod observations;
pub mod real_call;
pub mod runs;
pub mod sweep;
pub mod timer_sweep;
pub mod timers;
pub mod variants;
