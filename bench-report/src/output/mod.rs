//! Writers: each output (markdown, CSV, chart descriptions) from the model and the analysis.
//! Figures are printed by [`format`] alone, so a figure reads the same everywhere.

pub mod c10k;
pub mod charts;
pub mod csv;
pub mod format;
pub mod latency;
pub mod latency_charts;
pub mod markdown;
pub mod real_call;
pub mod sweep;
pub mod timer_sweep;
