//! What `make sweep-c10k` (scripts/c10k.sh) records for a point beside the usual figures:
//! what the variant declares one connection costs (variants.table, columns fds to backlog),
//! the fresh server's idle figures, the descriptors counted during the measured run, when the
//! server first held every connection, and, for a point the machine could not hold, the limit
//! that stopped it.

use crate::parse::numbers::Numbers;
use crate::parse::ParseError;

/// The limit a skipped point would have exceeded (scripts/limits.sh).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Its key: `server_open_files`, `wrk_open_files`, `system_open_files`, `pid_max`,
    /// `threads_max`, `user_processes`, `memory`, `local_ports`.
    pub name: String,
    /// The figure the point would need, in the limit's unit.
    pub needed: Option<u64>,
    /// The figure the machine allows.
    pub allowed: Option<u64>,
}

impl Limit {
    /// The limit in words, with its unit: "open files of the server".
    pub fn describe(&self) -> String {
        match self.name.as_str() {
            "server_open_files" => "open files of the server (ulimit -n)".to_owned(),
            "wrk_open_files" => "open files of wrk (ulimit -n)".to_owned(),
            "system_open_files" => "open files of the machine (fs.file-max)".to_owned(),
            "pid_max" => "tasks of the machine (kernel.pid_max)".to_owned(),
            "threads_max" => "threads of the machine (kernel.threads-max)".to_owned(),
            "user_processes" => "processes of the user (ulimit -u)".to_owned(),
            "memory" => "memory available (MiB)".to_owned(),
            "local_ports" => "local ports (net.ipv4.ip_local_port_range)".to_owned(),
            other => other.to_owned(),
        }
    }
}

/// A C10k point's own figures; every one `None` where it was not recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct C10kFigures {
    /// Descriptors per connection, as declared for the variant.
    pub declared_fds: Option<u32>,
    /// Threads per connection, as declared.
    pub declared_threads: Option<u32>,
    /// The most threads those reach, as declared (`None`: no cap).
    pub declared_thread_cap: Option<u32>,
    /// The accept backlog the server should get: min(its listen() backlog, somaxconn).
    pub accept_backlog: Option<u32>,
    /// The backlog of its listening socket as the kernel reported it (ss, Send-Q).
    pub listen_backlog: Option<u32>,
    /// The fresh server's descriptors, before any request.
    pub idle_fds: Option<u32>,
    /// Its threads then.
    pub idle_threads: Option<u32>,
    /// Its peak memory then (VmHWM), KiB.
    pub idle_hwm_kb: Option<u64>,
    /// The most descriptors counted during the measured run.
    pub fds_max: Option<u32>,
    /// The most connections the server held at once: (descriptors − idle) / declared per
    /// connection.
    pub held_max: Option<u32>,
    /// When the server first held every connection, ms after wrk started; `None`: never.
    pub open_ms: Option<f64>,
    /// The time between that count and the one before: the resolution of `open_ms`.
    pub open_resolution_ms: Option<f64>,
    /// How many times the descriptors were counted.
    pub fd_samples: Option<u32>,
    /// What counting them took in all, ms of wall time (on the cores the load ran on).
    pub fd_count_ms: Option<f64>,
    /// The harness's own CPU during the measured run, s: sampling /proc, counting descriptors.
    pub harness_cpu_s: Option<f64>,
    /// The machine's interrupt work during it (irq + softirq: loopback networking mostly,
    /// charged to no process), s.
    pub kernel_irq_s: Option<f64>,
    /// Time the hypervisor gave this machine's cores to others during it, s.
    pub steal_s: Option<f64>,
    /// The limit that stopped a skipped point.
    pub limit: Option<Limit>,
}

impl C10kFigures {
    /// The C10k figures of a point's numbers.txt; `None` for a point of another kind of run
    /// (no declared descriptors per connection).
    ///
    /// # Errors
    /// A value that does not parse (the error names the file and line).
    pub fn read(numbers: &Numbers) -> Result<Option<Self>, ParseError> {
        let Some(declared_fds) = numbers.get("fds_per_connection")? else {
            return Ok(None);
        };
        let limit = match numbers.text("limit") {
            Some(name) => Some(Limit {
                name: name.to_owned(),
                needed: numbers.get("limit_needed")?,
                allowed: numbers.get("limit_allowed")?,
            }),
            None => None,
        };
        Ok(Some(Self {
            declared_fds: Some(declared_fds),
            declared_threads: numbers.get("threads_per_connection")?,
            declared_thread_cap: numbers.get("thread_cap")?,
            accept_backlog: numbers.get("accept_backlog")?,
            listen_backlog: numbers.get("listen_backlog")?,
            idle_fds: numbers.get("server_idle_fds")?,
            idle_threads: numbers.get("server_idle_threads")?,
            idle_hwm_kb: numbers.get("server_idle_hwm_kb")?,
            fds_max: numbers.get("server_fds_max")?,
            held_max: numbers.get("connections_held_max")?,
            open_ms: numbers.get("open_ms")?,
            open_resolution_ms: numbers.get("open_resolution_ms")?,
            fd_samples: numbers.get("fd_samples")?,
            fd_count_ms: numbers.get("fd_count_ms")?,
            harness_cpu_s: numbers.get("harness_cpu_s")?,
            kernel_irq_s: numbers.get("kernel_irq_s")?,
            steal_s: numbers.get("steal_s")?,
            limit,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn read(text: &str) -> Result<Option<C10kFigures>, ParseError> {
        C10kFigures::read(&Numbers::parse(Path::new("p/numbers.txt"), text).unwrap())
    }

    #[test]
    fn figures_of_each_kind_of_point() {
        // (numbers.txt, declared fds, open_ms, held_max, limit)
        type Case = (
            &'static str,
            Option<u32>,
            Option<f64>,
            Option<u32>,
            Option<Limit>,
        );
        let cases: [Case; 4] = [
            ("variant=a\nseq=1\n", None, None, None, None),
            (
                "fds_per_connection=2\nthreads_per_connection=1\nthread_cap=\nserver_idle_fds=9\nserver_fds_max=4009\nconnections_held_max=2000\nopen_ms=735.2\nopen_resolution_ms=249.0\n",
                Some(2),
                Some(735.2),
                Some(2000),
                None,
            ),
            (
                "fds_per_connection=1\nserver_fds_max=6412\nconnections_held_max=6400\n",
                Some(1),
                None,
                Some(6400),
                None,
            ),
            (
                "fds_per_connection=2\nstatus=skipped\nlimit=server_open_files\nlimit_needed=20064\nlimit_allowed=20000\n",
                Some(2),
                None,
                None,
                Some(Limit {
                    name: "server_open_files".to_owned(),
                    needed: Some(20064),
                    allowed: Some(20000),
                }),
            ),
        ];
        for (text, fds, open_ms, held, limit) in cases {
            let figures = read(text).unwrap();
            assert_eq!(figures.as_ref().and_then(|f| f.declared_fds), fds, "{text}");
            assert_eq!(figures.as_ref().and_then(|f| f.open_ms), open_ms, "{text}");
            assert_eq!(figures.as_ref().and_then(|f| f.held_max), held, "{text}");
            assert_eq!(figures.and_then(|f| f.limit), limit, "{text}");
        }
    }

    #[test]
    fn a_bad_figure_names_its_line() {
        let error = read("fds_per_connection=1\nopen_ms=soon\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "p/numbers.txt:2: open_ms='soon' is not a number"
        );
    }
}
