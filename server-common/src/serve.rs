//! The tokio side: the runtime `--workers` asks for, and an HTTP/1 serving loop for an axum
//! `Router` with the limits a careful user expects and a bounded graceful shutdown.
//!
//! `axum::serve` would do for the happy path, but it offers no header-read timeout, so a
//! client that connects and never sends would hold its connection forever. This loop is
//! `axum::serve` with hyper's timer and limits switched on.

use std::net::{SocketAddr, TcpListener};
use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_LENGTH};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing::{info, warn};

use crate::write_timeout::WriteTimeout;
use crate::{DownstreamCounts, Tuning, MAX_BODY_BYTES, SHUTDOWN_GRACE};

/// Largest request head (request line and headers) a connection may send: 64 KiB, like
/// common proxies. Anything larger is refused with `431` and the connection closed (hyper
/// checks while the head is incomplete, so one that arrives in a burst may pass up to
/// about twice this before it is refused).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// An async server's `main` once its flags are parsed: tracing, bind, the runtime
/// `--workers` asks for, serve `app` until SIGINT or SIGTERM, and the exit code. `wait`
/// names the variant's downstream call (simulated or real) in the start-up line, which also
/// records the downstream flags; with `--downstream`, `counts` are the calls' outcomes,
/// logged in one line at shutdown.
pub fn run(
    variant: &str,
    addr: SocketAddr,
    tuning: &Tuning,
    wait: &str,
    counts: Option<&DownstreamCounts>,
    app: Router,
) -> ExitCode {
    let listener = match crate::start(variant, addr) {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let addr = listener.local_addr().map_or(addr, |addr| addr);
    let runtime = match runtime(tuning.workers, tuning.spare_thread_keep_alive()) {
        Ok(runtime) => runtime,
        Err(error) => {
            return crate::fail(variant, &format!("cannot start the tokio runtime: {error}"))
        }
    };
    let downstream = &tuning.downstream;
    info!(
        variant,
        %addr,
        delay_ms = tuning.delay_ms,
        workers = tuning.workers,
        wait,
        downstream = downstream.downstream.as_deref().unwrap_or("none"),
        downstream_timeout_ms = downstream.downstream_timeout_ms,
        downstream_pool = downstream.pool(),
        downstream_keep_alive_secs = downstream.downstream_keep_alive_secs,
        "listening"
    );

    let served = runtime.block_on(serve(listener, app, tuning.idle_timeout()));
    if let (Some(counts), Some(url)) = (counts, &downstream.downstream) {
        counts.log_totals(url);
    }
    match served {
        Ok(()) => {
            info!(variant, "stopped");
            ExitCode::SUCCESS
        }
        Err(error) => crate::fail(variant, &error.to_string()),
    }
}

/// `workers == 1`: a `current_thread` runtime, one event loop like the seed's aiohttp;
/// more: a multi-thread runtime with that many worker threads. `keep_alive`: how long an idle
/// blocking-pool thread lives (`None`: tokio's 10 s).
///
/// # Errors
/// If the operating system refuses the runtime's threads or its I/O driver.
fn runtime(workers: u16, keep_alive: Option<Duration>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(usize::from(workers));
        builder
    };
    if let Some(keep_alive) = keep_alive {
        builder.thread_keep_alive(keep_alive);
    }
    builder.enable_all().build()
}

/// Serves `app` on `listener` until SIGINT or SIGTERM, then stops accepting, lets requests
/// in flight finish for up to [`SHUTDOWN_GRACE`], and returns.
///
/// Connections that stay silent for `idle_timeout` (before or between requests, or with a
/// request head left half-sent) are closed, and so are those whose client takes none of
/// an answer for that long (a write that makes no progress: [`WriteTimeout`]).
///
/// # Errors
/// If the listener cannot be handed to tokio, or the signal handlers cannot be installed.
async fn serve(listener: TcpListener, app: Router, idle_timeout: Duration) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn(refuse_large_bodies));
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let graceful = GracefulShutdown::new();
    // The handlers are installed before the first connection: a refusal is a failed start.
    let mut shutdown = pin!(shutdown_signal(
        signal(SignalKind::interrupt())?,
        signal(SignalKind::terminate())?,
    ));

    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before we took it:
                    // keep serving the others, after a breath so we don't spin.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses: send them now rather than wait for Nagle's algorithm.
        stream.set_nodelay(true).ok();

        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle_timeout)
            .max_buf_size(MAX_HEAD_BYTES)
            .serve_connection(
                TokioIo::new(WriteTimeout::new(stream, idle_timeout)),
                TowerToHyperService::new(app.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that resets or sends garbage ends its own connection, nothing more.
            connection.await.ok();
        });
    }

    drop(listener);
    info!("shutting down: no longer accepting, finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            warn!(grace = ?SHUTDOWN_GRACE, "requests still in flight after the grace period; closing them");
        }
    }
    Ok(())
}

/// A request that announces a body over [`MAX_BODY_BYTES`] is answered `413` and its
/// connection closed before any handler runs, as sync-server does (tiny_http, patch 8).
/// No route reads a body, and hyper would otherwise answer it and close after; this makes
/// the limit the same on every server. (A length too large for hyper to hold is refused by
/// hyper itself, with `431`; one that is not a number, with `400`.)
async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return (StatusCode::PAYLOAD_TOO_LARGE, [(CONNECTION, "close")]).into_response();
    }
    next.run(request).await
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal(mut interrupt: Signal, mut terminate: Signal) {
    tokio::select! {
        _ = interrupt.recv() => {},
        _ = terminate.recv() => {},
    }
}
