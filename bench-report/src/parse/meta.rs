//! A run's `meta.json`: its settings, the machine, the tools and the commit, written by the
//! harness (scripts/lib.sh, `write_meta`). Every field is optional here: a folder of logs
//! from elsewhere has no meta.json at all, and older runs lack newer keys.
//!
//! One key is read typed as the file is parsed: `hosts`, the machines of a run whose load
//! generators, servers and downstream ran on hosts of their own (`"hosts": [{"role": "load",
//! "destination": "lab1", "hostname": "lab1", "cpu_model": "...", "cores": 2, "kernel": "...",
//! "arch": "x86_64"}, ...]`), so that a malformed list is an error naming the file.

use std::path::Path;

use serde_json::{Map, Value};

use super::ParseError;

/// The fields of a `meta.json`, as JSON values.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    fields: Map<String, Value>,
    hosts: Vec<Host>,
}

/// One machine of a run (meta.json's `hosts`): what ran on it and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// What ran on it: `load` (a load generator), `server` or `downstream`.
    pub role: String,
    /// How the harness reached it (an ssh destination).
    pub destination: Option<String>,
    /// Its own name.
    pub hostname: Option<String>,
    /// Its CPU.
    pub cpu_model: Option<String>,
    /// Its cores.
    pub cores: Option<String>,
    /// Its kernel's release.
    pub kernel: Option<String>,
    /// Its architecture.
    pub arch: Option<String>,
    /// The cores its processes may use (the kernel's list, "0-1"; a CPU set given to the host).
    pub cpus: Option<String>,
    /// Its kernel's boot id: hosts that share one are one machine (network namespaces).
    pub boot_id: Option<String>,
}

impl Host {
    /// The name it goes by: its hostname, else how it was reached.
    pub fn name(&self) -> &str {
        self.hostname
            .as_deref()
            .or(self.destination.as_deref())
            .unwrap_or("?")
    }

    /// "lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1.0, x86_64)": its name, and what is known of it.
    pub fn describe(&self) -> String {
        let known: Vec<String> = [
            self.cpu_model.clone(),
            self.cores.as_ref().map(|cores| format!("{cores} cores")),
            self.kernel.as_ref().map(|kernel| format!("Linux {kernel}")),
            self.arch.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if known.is_empty() {
            self.name().to_owned()
        } else {
            format!("{} ({})", self.name(), known.join(", "))
        }
    }

    /// One entry of `hosts`.
    fn read(value: &Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Err(format!("an entry is not an object: {value}"));
        };
        let text = |key: &str| match fields.get(key) {
            Some(Value::String(text)) if text.is_empty() => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let Some(role) = text("role") else {
            return Err(format!("an entry has no role: {value}"));
        };
        Ok(Self {
            role,
            destination: text("destination"),
            hostname: text("hostname"),
            cpu_model: text("cpu_model"),
            cores: text("cores"),
            kernel: text("kernel"),
            arch: text("arch"),
            cpus: text("cpus"),
            boot_id: text("boot_id"),
        })
    }
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
    /// Not JSON, not a JSON object, or a `hosts` that is not a list of objects with a role.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ParseError> {
        let fields = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => return Err(ParseError::file(path, "not a JSON object")),
            Err(error) => return Err(ParseError::at(path, error.line(), error.to_string())),
        };
        let hosts = match fields.get("hosts") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(entries)) => entries
                .iter()
                .map(Host::read)
                .collect::<Result<_, _>>()
                .map_err(|why| ParseError::file(path, format!("hosts: {why}")))?,
            Some(other) => {
                return Err(ParseError::file(
                    path,
                    format!("hosts: not a list of hosts: {other}"),
                ))
            }
        };
        Ok(Self { fields, hosts })
    }

    /// The run's machines, one per role and host (empty where the run does not list them:
    /// everything on the machine meta.json describes).
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
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
    fn hosts_by_role_and_a_malformed_list_named() {
        let meta = Meta::parse(
            Path::new("meta.json"),
            r#"{"hosts": [
                {"role": "load", "destination": "lab1", "hostname": "lab1", "cpu_model": "AMD EPYC 7B13", "cores": 2, "kernel": "6.1.0-18-amd64", "arch": "x86_64"},
                {"role": "server", "destination": "root@10.0.0.9", "hostname": "", "cores": "4"}
            ]}"#,
        )
        .unwrap();
        let hosts = meta.hosts();
        assert_eq!(hosts.len(), 2);
        assert_eq!(
            hosts[0].describe(),
            "lab1 (AMD EPYC 7B13, 2 cores, Linux 6.1.0-18-amd64, x86_64)"
        );
        assert_eq!(hosts[1].role, "server");
        assert_eq!(hosts[1].describe(), "root@10.0.0.9 (4 cores)");
        assert!(Meta::parse(Path::new("m"), "{}")
            .unwrap()
            .hosts()
            .is_empty());
        for (text, needle) in [
            (r#"{"hosts": "lab1"}"#, "hosts: not a list of hosts"),
            (r#"{"hosts": ["lab1"]}"#, "hosts: an entry is not an object"),
            (
                r#"{"hosts": [{"hostname": "lab1"}]}"#,
                "hosts: an entry has no role",
            ),
        ] {
            let error = Meta::parse(Path::new("run/meta.json"), text)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("run/meta.json: "), "{error}");
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn no_meta_json_is_an_empty_meta() {
        let meta = Meta::read(Path::new("/nonexistent/meta.json")).unwrap();
        assert_eq!(meta.text("kind"), None);
    }
}
