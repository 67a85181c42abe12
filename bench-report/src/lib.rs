//! The report of a benchmark run: parse its raw logs into a typed model ([`model`]),
//! analyse them with pure functions ([`analysis`]), and write summary.md, summary.csv and
//! SVG charts ([`output`], drawn by [`chart`]).
//!
//! The data flows one way: the harness's scripts run the servers and wrk and leave, per
//! point, `numbers.txt` (settings and /proc samples) and wrk's raw output; this crate reads
//! only those.

// Counts of requests and microseconds are far below 2^52: as f64 they are exact.
#![allow(clippy::cast_precision_loss)]

pub mod analysis;
pub mod chart;
pub mod merge;
pub mod model;
pub mod output;
pub mod parse;
pub mod readme;
#[cfg(test)]
mod testing;

use std::fmt;
use std::path::{Path, PathBuf};

use model::Run;
use parse::ParseError;

/// Why a report could not be written.
#[derive(Debug)]
pub enum ReportError {
    /// A file of the run is missing or malformed.
    Parse(ParseError),
    /// A file of the report could not be written.
    Write(PathBuf, std::io::Error),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(error) => error.fmt(f),
            Self::Write(path, error) => write!(f, "cannot write {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ReportError {}

impl From<ParseError> for ReportError {
    fn from(error: ParseError) -> Self {
        Self::Parse(error)
    }
}

/// What [`write_report`] wrote, and what it could not.
#[derive(Debug, Default)]
pub struct Written {
    /// summary.md's text.
    pub summary: String,
    /// The charts drawn (paths).
    pub charts: Vec<PathBuf>,
    /// Charts that could not be drawn, and why.
    pub warnings: Vec<String>,
}

/// Writes `path` whole or not at all: a temporary file beside it, then a rename.
///
/// # Errors
/// The file cannot be written.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), ReportError> {
    let temporary = path.with_extension(format!(
        "{}.tmp",
        path.extension()
            .map_or(String::new(), |e| e.to_string_lossy().into_owned())
    ));
    std::fs::write(&temporary, contents)
        .map_err(|error| ReportError::Write(temporary.clone(), error))?;
    std::fs::rename(&temporary, path).map_err(|error| ReportError::Write(path.to_owned(), error))
}

/// Reads the run in `dir` and writes its summary.md, summary.csv and charts/ there.
///
/// # Errors
/// A file of the run is malformed, or the report cannot be written. A chart that cannot be
/// drawn is not an error: it is left out, named in [`Written::warnings`] and in summary.md.
pub fn write_report(dir: &Path) -> Result<Written, ReportError> {
    let run = Run::read(dir)?;
    let report = output::report_for(run.kind);
    let planned = report.charts(&run);
    let charts_dir = dir.join("charts");
    let mut written = Written::default();
    let mut drawn: Vec<&str> = Vec::new();
    if !planned.is_empty() {
        std::fs::create_dir_all(&charts_dir)
            .map_err(|error| ReportError::Write(charts_dir.clone(), error))?;
    }
    for plan in &planned {
        write_atomically(&charts_dir.join(format!("{}.csv", plan.file)), &plan.data)?;
        let svg_path = charts_dir.join(format!("{}.svg", plan.file));
        match chart::render_svg(&plan.chart) {
            Ok(svg) => {
                write_atomically(&svg_path, &svg)?;
                written.charts.push(svg_path);
                drawn.push(plan.file);
            }
            Err(error) => written
                .warnings
                .push(format!("chart {} not drawn: {error}", svg_path.display())),
        }
    }
    let summary = report.summary(&run, &drawn);
    for (file, contents) in report.csv(&run) {
        write_atomically(&dir.join(file), &contents)?;
    }
    write_atomically(&dir.join("summary.md"), &summary)?;
    written.summary = summary;
    Ok(written)
}
