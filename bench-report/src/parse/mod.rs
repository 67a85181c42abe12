//! Reading what a run leaves on disk: wrk's and oha's output, each point's `numbers.txt` and
//! the run's `meta.json`. A malformed or foreign file is an error that names the file (and the
//! line, where there is one), never a panic and never a silently empty figure.

pub mod meta;
pub mod numbers;
pub mod oha;
pub mod wrk;

use std::fmt;
use std::path::{Path, PathBuf};

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
