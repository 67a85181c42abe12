//! A run's `meta.json`: its settings, the machine, the tools and the commit, written by the
//! harness (scripts/lib.sh, `write_meta`). Every field is optional here: a folder of logs
//! from elsewhere has no meta.json at all, and older runs lack newer keys.

use std::path::Path;

use serde_json::{Map, Value};

use super::ParseError;

/// The fields of a `meta.json`, as JSON values.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    fields: Map<String, Value>,
}

impl Meta {
    /// Reads `path`; a missing file gives an empty `Meta`.
    ///
    /// # Errors
    /// The file exists but is not a JSON object (the error names its line).
    pub fn read(path: &Path) -> Result<Self, ParseError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(ParseError::io(path, &error)),
        }
    }

    /// Parses the text of a `meta.json`; `path` names it in errors.
    ///
    /// # Errors
    /// Not JSON, or not a JSON object.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ParseError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => Ok(Self { fields }),
            Ok(_) => Err(ParseError::file(path, "not a JSON object")),
            Err(error) => Err(ParseError::at(path, error.line(), error.to_string())),
        }
    }

    /// A field as text (numbers and booleans as JSON writes them); `None` if missing or "".
    pub fn text(&self, key: &str) -> Option<String> {
        match self.fields.get(key)? {
            Value::String(text) if text.is_empty() => None,
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// A field as a number (a JSON number, or a string holding one).
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.fields.get(key)? {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// A field as a whole number (a JSON number, or a string holding one).
    pub fn whole(&self, key: &str) -> Option<u64> {
        match self.fields.get(key)? {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// A field as a boolean.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.fields.get(key)?.as_bool()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_by_type() {
        let meta = Meta::parse(
            Path::new("meta.json"),
            r#"{"kind": "bench", "cores": 2, "url": "", "git_dirty": false, "open_files_limit": "20000"}"#,
        )
        .unwrap();
        assert_eq!(meta.text("kind").as_deref(), Some("bench"));
        assert_eq!(meta.number("cores"), Some(2.0));
        assert_eq!(meta.text("cores").as_deref(), Some("2"));
        assert_eq!(meta.text("url"), None);
        assert_eq!(meta.flag("git_dirty"), Some(false));
        assert_eq!(meta.number("open_files_limit"), Some(20_000.0));
        assert_eq!(meta.text("absent"), None);
    }

    #[test]
    fn broken_json_names_the_file_and_line() {
        let error = Meta::parse(
            Path::new("run/meta.json"),
            "{\n  \"kind\": \"bench\"\n  \"x\": 1\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("run/meta.json:3: "), "{error}");
        let error = Meta::parse(Path::new("m.json"), "[1, 2]")
            .unwrap_err()
            .to_string();
        assert_eq!(error, "m.json: not a JSON object");
    }

    #[test]
    fn no_meta_json_is_an_empty_meta() {
        let meta = Meta::read(Path::new("/nonexistent/meta.json")).unwrap();
        assert_eq!(meta.text("kind"), None);
    }
}
