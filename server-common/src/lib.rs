//! Plumbing shared by the three servers, so that each `main.rs` shows only what makes its
//! variant different: the flags they share, tracing, binding a listener with a clear error,
//! the open-file limit, the real downstream call's flags, clients and failure counts, and
//! (feature `async`) the tokio runtime and the HTTP/1 serving loop with graceful shutdown.
//!
//! The request path of each server (its routes and the handler that waits) is *not* here:
//! it stays in that server's `main.rs`, where a reader can see it whole.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tracing_subscriber::EnvFilter;

mod downstream;
#[cfg(feature = "async")]
mod serve;
#[cfg(feature = "async")]
mod write_timeout;
#[cfg(feature = "async")]
pub use serve::run;

#[cfg(feature = "blocking-client")]
pub use downstream::BlockingDownstream;
pub use downstream::{DownstreamArgs, DownstreamCounts, DownstreamError};

/// The body of `GET /`.
pub const HELLO: &str = "Hello, World!";
/// The body of `GET /health`.
pub const HEALTHY: &str = "OK";

/// The largest body a request may announce (`Content-Length`): 1 MiB. No route reads a
/// body; a request announcing more is answered `413` and its connection closed, by every
/// server (sync-server through its patched tiny_http, whose own constant must agree).
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// How long a server waits, after SIGINT or SIGTERM, for requests already in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Flags every server takes besides `--addr` (whose default differs per server).
#[derive(Args, Debug, Clone)]
pub struct Tuning {
    /// Milliseconds each `GET /` waits before answering: the simulated downstream call
    /// (0 answers at once).
    #[arg(long, value_name = "MS", default_value_t = 10)]
    pub delay_ms: u64,

    /// Threads that run request handlers: sync-server's handler threads, or the async
    /// servers' tokio worker threads (1 = a `current_thread` runtime, one event loop).
    /// 1 reproduces the seed experiment.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: u16,

    /// Seconds a connection may stay silent (idle between requests, or stalled inside one
    /// before its headers are complete) before the server closes it; also how long a write
    /// to a client that takes none of its answers may stay blocked before the connection is
    /// closed (the write timeout).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,

    /// Seconds a spare thread waits for work before it ends: sync-server's connection
    /// threads beyond the four tiny_http keeps (default 5), the async servers' tokio
    /// blocking-pool threads (`spawn_blocking`, default 10).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub spare_thread_secs: Option<u64>,

    /// The real downstream call (`--downstream URL`), instead of the simulated wait.
    #[command(flatten)]
    pub downstream: DownstreamArgs,
}

impl Tuning {
    /// The simulated downstream call.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }

    /// How long a silent connection is kept.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// How long a spare thread is kept (`None`: its pool's own default).
    pub fn spare_thread_keep_alive(&self) -> Option<Duration> {
        self.spare_thread_secs.map(Duration::from_secs)
    }
}

/// Logs to stderr through `tracing`; `RUST_LOG` overrides the default level (`info`: one
/// line at start-up, one at shutdown, nothing per request).
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Raises the soft limit on open files to the hard limit: each connection costs a file
/// descriptor (two on sync-server), and 1,000 connections must not exhaust the usual
/// soft limit of 1,024.
pub fn raise_open_file_limit() {
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!(%error, "could not raise the open-file limit");
    }
}

/// Binds `addr` with a large accept backlog, so that bursts of connects are queued rather
/// than dropped.
///
/// # Errors
/// One sentence saying why it could not listen, meant for stderr as it is.
pub fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    use socket2::{Domain, Socket, Type};

    let describe = |error: std::io::Error| {
        match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (another server there? pick a free port with --addr)"
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: no such address on this machine")
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {addr}: permission denied (ports below 1024 need privileges)"
        ),
        _ => format!("cannot listen on {addr}: {error}"),
    }
    };
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(describe)?;
    socket.set_reuse_address(true).map_err(describe)?;
    socket.bind(&addr.into()).map_err(describe)?;
    socket.listen(4096).map_err(describe)?;
    Ok(socket.into())
}

/// Prints `message` as the one line a failed start gives, and the exit code to return.
pub fn fail(variant: &str, message: &str) -> ExitCode {
    eprintln!("{variant}: {message}");
    ExitCode::from(2)
}

/// What every server does first once its flags are parsed: tracing, the open-file limit,
/// then the listener.
///
/// # Errors
/// The exit code to return when it cannot listen, after one line on stderr saying why.
pub fn start(variant: &str, addr: SocketAddr) -> Result<TcpListener, ExitCode> {
    init_tracing();
    raise_open_file_limit();
    bind(addr).map_err(|message| fail(variant, &message))
}
