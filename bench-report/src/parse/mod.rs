//! Reading what a run leaves on disk: wrk's and oha's output, each point's `numbers.txt` and
//! the run's `meta.json`. A malformed or foreign file is an error that names the file (and the
//! line, where there is one), never a panic and never a silently empty figure.

pub mod meta;
pub mod numbers;
pub mod oha;
pub mod wrk;

use std::fmt;
use std::path::{Path, PathBuf};

/// "65.17ms" -> 65170 µs; wrk prints us, ms, s, m and h.
pub(crate) fn micros(text: &str) -> Result<f64, String> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60e6)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600e6)
    } else {
        return Err(format!("'{text}' is not a duration (no unit)"));
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .map(|value| value * scale)
        .ok_or_else(|| format!("'{text}' is not a duration"))
}

/// A duration as the harness records it, wrk's form ("5s", "500ms", "1m", "5000ms", or "5"
/// for seconds), in seconds.
pub fn duration_seconds(text: &str) -> Option<f64> {
    match text.parse::<f64>() {
        Ok(seconds) => Some(seconds).filter(|s| s.is_finite()),
        Err(_) => micros(text).ok().map(|us| us / 1e6),
    }
}

#[cfg(test)]
#[test]
fn durations_as_recorded() {
    for (text, expected) in [
        ("5000ms", Some(5.0)),
        ("500ms", Some(0.5)),
        ("2s", Some(2.0)),
        ("3", Some(3.0)),
        ("1m", Some(60.0)),
        ("ten", None),
    ] {
        assert_eq!(duration_seconds(text), expected, "{text}");
    }
}

/// Why a file could not be read as what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file.
    pub path: PathBuf,
    /// The line (1-based), where the fault is on one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// A fault on one line of `path`.
    pub fn at(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// A fault of the whole file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            line: None,
            message: message.into(),
        }
    }

    /// The file could not be read at all.
    pub fn io(path: &Path, error: &std::io::Error) -> Self {
        Self::file(path, format!("cannot read it: {error}"))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ParseError {}
