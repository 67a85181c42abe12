//! A point's `numbers.txt`: `key=value` lines written by the harness as the point goes
//! (settings, samples from /proc, status). A key may appear more than once (`status=running`
//! then `status=ok`): the last value wins. Values are read typed, and one that does not parse
//! is an error naming the file and its line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::ParseError;

/// The keys and values of one `numbers.txt`, with the line each value came from.
#[derive(Debug, Clone, Default)]
pub struct Numbers {
    path: PathBuf,
    values: HashMap<String, (String, usize)>,
}

impl Numbers {
    /// Reads `path`.
    ///
    /// # Errors
    /// The file cannot be read, or a line is neither blank nor `key=value`.
    pub fn read(path: &Path) -> Result<Self, ParseError> {
        let text = std::fs::read_to_string(path).map_err(|error| ParseError::io(path, &error))?;
        Self::parse(path, &text)
    }

    /// Parses the text of a `numbers.txt`; `path` names it in errors.
    ///
    /// # Errors
    /// A line that is neither blank nor `key=value` with a key of letters, digits and `_`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ParseError> {
        let mut values = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let valid = line.split_once('=').filter(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            let Some((key, value)) = valid else {
                return Err(ParseError::at(
                    path,
                    index + 1,
                    format!("expected key=value, found '{}'", truncate(line)),
                ));
            };
            values.insert(key.to_owned(), (value.to_owned(), index + 1));
        }
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }

    /// The file these came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The text of `key`, if present and not empty.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|(value, _)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// `key` parsed as `T`, if present and not empty.
    ///
    /// # Errors
    /// The value does not parse as `T` (the error names the file and line).
    pub fn get<T: FromStr>(&self, key: &str) -> Result<Option<T>, ParseError> {
        let Some((value, line)) = self.values.get(key).filter(|(value, _)| !value.is_empty())
        else {
            return Ok(None);
        };
        value.parse().map(Some).map_err(|_| {
            ParseError::at(
                &self.path,
                *line,
                format!("{key}='{}' is not a {}", truncate(value), type_name::<T>()),
            )
        })
    }

    /// `key` parsed as `T`, which must be present.
    ///
    /// # Errors
    /// The key is missing or empty, or its value does not parse.
    pub fn require<T: FromStr>(&self, key: &str) -> Result<T, ParseError> {
        self.get(key)?
            .ok_or_else(|| ParseError::file(&self.path, format!("no {key}= line")))
    }

    /// `key` as yes/no (`yes`, `no`).
    ///
    /// # Errors
    /// A value other than yes or no.
    pub fn yes_no(&self, key: &str) -> Result<Option<bool>, ParseError> {
        match self.values.get(key) {
            None => Ok(None),
            Some((value, _)) if value.is_empty() => Ok(None),
            Some((value, _)) if value == "yes" => Ok(Some(true)),
            Some((value, _)) if value == "no" => Ok(Some(false)),
            Some((value, line)) => Err(ParseError::at(
                &self.path,
                *line,
                format!("{key}='{}' is neither yes nor no", truncate(value)),
            )),
        }
    }
}

fn type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    match name {
        "f64" | "f32" => "number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "whole number",
        "i32" | "i64" => "integer",
        _ => name,
    }
}

fn truncate(text: &str) -> String {
    const LIMIT: usize = 60;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(LIMIT).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Numbers {
        Numbers::parse(Path::new("p/numbers.txt"), text).unwrap()
    }

    #[test]
    fn the_last_value_of_a_key_wins_and_empty_is_missing() {
        let n = numbers("status=running\nconnections=100\n\nstatus=ok\nurl=\n");
        assert_eq!(n.text("status"), Some("ok"));
        assert_eq!(n.get::<u32>("connections").unwrap(), Some(100));
        assert_eq!(n.text("url"), None);
        assert_eq!(n.get::<u32>("url").unwrap(), None);
        assert_eq!(n.get::<u32>("nothing").unwrap(), None);
    }

    #[test]
    fn values_keep_their_equals_signs() {
        let n = numbers("failure=needs x=1 then y=2\n");
        assert_eq!(n.text("failure"), Some("needs x=1 then y=2"));
    }

    #[test]
    fn a_bad_value_names_the_file_and_its_line() {
        let n = numbers("variant=a\nconnections=lots\n");
        let error = n.get::<u32>("connections").unwrap_err().to_string();
        assert_eq!(
            error,
            "p/numbers.txt:2: connections='lots' is not a whole number"
        );
        let error = numbers("blocks=maybe\n")
            .yes_no("blocks")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "p/numbers.txt:1: blocks='maybe' is neither yes nor no"
        );
        let error = n.require::<u32>("seq").unwrap_err().to_string();
        assert_eq!(error, "p/numbers.txt: no seq= line");
    }

    #[test]
    fn a_line_that_is_not_key_value_is_refused() {
        for (text, line) in [("a=1\nnonsense\n", 2), ("=1\n", 1), ("two words=1\n", 1)] {
            let error = Numbers::parse(Path::new("n.txt"), text).unwrap_err();
            assert_eq!(error.line, Some(line), "{text:?}");
            assert!(error.to_string().contains("expected key=value"));
        }
    }
}
