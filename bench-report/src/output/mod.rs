//! Writers: each kind of run's report, behind one trait ([`RunReport`]), and what they share.
//! Figures are printed by [`format`](mod@format) alone, so a figure reads the same everywhere.
//!
//! - [`bench`](mod@bench) (and a folder of wrk logs), [`sweep`], [`latency`], [`c10k`],
//!   [`timer_sweep`]: one module per kind of run.
//!
//! Each kind's module writes all of its report: summary.md, its CSV files, its charts (for
//! [`crate::chart`] to draw, their data beside them) and its README blocks (its `readme*`
//! functions, which [`crate::readme`] splices in). What they share: [`sections`] (the opening
//! lines, the table of points, what to look at, the load generators), [`charts`] (a planned
//! chart, its title's machine line, a line chart's data rows), [`csv`], [`table`] (the
//! markdown table builder), [`quote`] (how a README block opens), [`real_call`] (the real
//! downstream call's section, in bench and sweep reports); [`robustness`] is the battery's
//! README block.

pub mod bench;
pub mod c10k;
pub mod charts;
pub mod csv;
pub mod format;
pub mod latency;
pub mod quote;
pub mod real_call;
pub mod robustness;
pub mod sections;
pub mod sweep;
pub mod table;
pub mod timer_sweep;

use crate::model::{Run, RunKind};
use charts::Planned;

/// One kind of run's report: what [`crate::write_report`] writes into its folder.
pub trait RunReport {
    /// The charts to draw into charts/ (each with its data as CSV).
    fn charts(&self, run: &Run) -> Vec<Planned>;
    /// summary.md, given the charts that could be drawn (their file names).
    fn summary(&self, run: &Run, drawn: &[&str]) -> String;
    /// The CSV files beside summary.md, as (file name, contents): summary.csv first.
    fn csv(&self, run: &Run) -> Vec<(&'static str, String)>;
}

/// The report of a kind of run.
pub fn report_for(kind: RunKind) -> &'static dyn RunReport {
    match kind {
        RunKind::Bench | RunKind::Logs => &bench::BenchReport,
        RunKind::Sweep => &sweep::SweepReport,
        RunKind::Latency => &latency::LatencyReport,
        RunKind::C10k => &c10k::C10kReport,
        RunKind::TimerSweep => &timer_sweep::TimerSweepReport,
    }
}
