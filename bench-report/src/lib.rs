//! The report of a benchmark run: parse its raw logs into a typed model, analyse them with
//! pure functions, and write summary.md, summary.csv and SVG charts.

pub mod chart;
