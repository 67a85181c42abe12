//! A point's `numbers.txt`: `key=value` lines written by the harness as the point goes
//! (settings, samples from /proc, status). A key may appear more than once (`status=running`
//! then `status=ok`): the last value wins. Values are read typed, and one that does not parse
//! is an error naming the file and its line. The harness escapes what would break a line
//! (scripts/lib.sh, numbers_escape: `\\`, `\n`, `\r`, `\t`, `\xHH`); values are read back
//! unescaped.

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
        Self::parse_lines(path, text, true)
    }

    /// What can be read of `path`: its `key=value` lines, without those that are not (and
    /// nothing at all where it cannot be read). For a point that [`Numbers::read`] refuses,
    /// to name it in the report.
    pub fn read_readable_lines(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        Self::parse_lines(path, &text, false).unwrap_or_default()
    }

    fn parse_lines(path: &Path, text: &str, strict: bool) -> Result<Self, ParseError> {
        let mut values = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let valid = line.split_once('=').filter(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            let Some((key, value)) = valid else {
                if !strict {
                    continue;
                }
                return Err(ParseError::at(
                    path,
                    index + 1,
                    format!("expected key=value, found '{}'", truncate(line)),
                ));
            };
            values.insert(key.to_owned(), (unescape(value), index + 1));
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

    /// `key` as a list of labelled values, `LABEL:VALUE,LABEL:VALUE`
    /// (`load_requests=lab1:1234,lab2:1200`), if present and not empty.
    ///
    /// # Errors
    /// An item without its `:`, or a value that does not parse as `T`.
    pub fn labelled<T: FromStr>(&self, key: &str) -> Result<Option<Vec<(String, T)>>, ParseError> {
        let Some((value, line)) = self.values.get(key).filter(|(value, _)| !value.is_empty())
        else {
            return Ok(None);
        };
        value
            .split(',')
            .map(|item| {
                let (label, item_value) = item.split_once(':')?;
                Some((label.to_owned(), item_value.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                ParseError::at(
                    &self.path,
                    *line,
                    format!(
                        "{key}='{}' is not a list of LABEL:{}",
                        truncate(value),
                        type_name::<T>()
                    ),
                )
            })
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

/// A value as the harness escaped it, read back: `\\`, `\n`, `\r`, `\t` and `\xHH` (a
/// control character); a backslash before anything else is kept as it is.
fn unescape(value: &str) -> String {
    if !value.contains('\\') {
        return value.to_owned();
    }
    let mut text = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        let hex = rest
            .get(2..4)
            .filter(|_| rest.as_bytes()[1] == b'x')
            .and_then(|digits| u8::from_str_radix(digits, 16).ok())
            .filter(u8::is_ascii);
        let (decoded, length) = match (rest.as_bytes().get(1), hex) {
            (Some(b'x'), Some(byte)) => (char::from(byte), 4),
            (Some(b'\\'), _) => ('\\', 2),
            (Some(b'n'), _) => ('\n', 2),
            (Some(b'r'), _) => ('\r', 2),
            (Some(b't'), _) => ('\t', 2),
            _ => ('\\', 1),
        };
        text.push(decoded);
        rest = &rest[length..];
    }
    text.push_str(rest);
    text
}

fn type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    match name {
        "f64" | "f32" => "number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "whole number",
        "i32" | "i64" => "integer",
        _ if name.ends_with("::Family") => "known family (rust or python)",
        _ if name.ends_with("::Span") => "duration",
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
    use crate::parse::meta::Span;

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
    fn escaped_values_are_read_back() {
        for (written, read) in [
            (r"plain", "plain"),
            (
                r"curl: (7) failed\n000 0.000416",
                "curl: (7) failed\n000 0.000416",
            ),
            (r"a\\b", r"a\b"),
            (r"a\\nb", r"a\nb"),
            (r"tab\there\r\n", "tab\there\r\n"),
            (r"bell\x07 del\x7f", "bell\u{7} del\u{7f}"),
            (r"C:\dir", r"C:\dir"),
            (r"end\", r"end\"),
            (r"\x4", r"\x4"),
            (r"\xzz", r"\xzz"),
            (r"\xff", r"\xff"),
            ("é\\n", "é\n"),
        ] {
            let n = numbers(&format!("failure={written}\n"));
            assert_eq!(n.text("failure"), Some(read), "{written}");
        }
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
    fn durations_are_checked_and_kept_as_written() {
        let n = numbers("duration=10s\nwarmup=0\ntimeout=soon\n");
        let duration = n.get::<Span>("duration").unwrap().unwrap();
        assert_eq!(
            (duration.to_string(), duration.seconds()),
            ("10s".to_owned(), Some(10.0))
        );
        assert!(n.get::<Span>("warmup").unwrap().unwrap().is_zero());
        assert_eq!(n.get::<Span>("primer").unwrap(), None);
        let error = n.get::<Span>("timeout").unwrap_err().to_string();
        assert_eq!(error, "p/numbers.txt:3: timeout='soon' is not a duration");
    }

    #[test]
    fn labelled_lists() {
        let n = numbers("load_requests=lab1:1234,lab2:1200\nload_share_off=\nbad=lab1:1,lab2\n");
        assert_eq!(
            n.labelled::<u64>("load_requests").unwrap(),
            Some(vec![("lab1".to_owned(), 1234), ("lab2".to_owned(), 1200)])
        );
        assert_eq!(n.labelled::<u64>("load_share_off").unwrap(), None);
        assert_eq!(n.labelled::<u64>("absent").unwrap(), None);
        let error = n.labelled::<u64>("bad").unwrap_err().to_string();
        assert_eq!(
            error,
            "p/numbers.txt:3: bad='lab1:1,lab2' is not a list of LABEL:whole number"
        );
    }

    #[test]
    fn a_line_that_is_not_key_value_is_refused() {
        for (text, line) in [("a=1\nnonsense\n", 2), ("=1\n", 1), ("two words=1\n", 1)] {
            let error = Numbers::parse(Path::new("n.txt"), text).unwrap_err();
            assert_eq!(error.line, Some(line), "{text:?}");
            assert!(error.to_string().contains("expected key=value"));
        }
    }

    #[test]
    fn the_readable_lines_of_a_refused_file() {
        let dir = std::env::temp_dir().join(format!("numbers-readable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("numbers.txt");
        // As the harness wrote a failure before it escaped values: curl's second line alone.
        std::fs::write(
            &path,
            "variant=url\nseq=3\nfailure=GET failed: curl: (7)\n000 0.000416\n",
        )
        .unwrap();
        let n = Numbers::read_readable_lines(&path);
        assert_eq!(n.text("variant"), Some("url"));
        assert_eq!(n.get::<u32>("seq").unwrap(), Some(3));
        assert_eq!(n.text("failure"), Some("GET failed: curl: (7)"));
        let missing = Numbers::read_readable_lines(&dir.join("none.txt"));
        assert_eq!(missing.text("variant"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
