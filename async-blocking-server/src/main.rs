//! async-blocking-server: the same axum app as async-server, but the downstream call is
//! *blocking* inside the async handler: a simulated `std::thread::sleep`, or (`--downstream
//! URL`) a real HTTP call with a blocking client.
//!
//! The blocking call holds the runtime's thread, so while one request waits no other request
//! on that thread can even be read: with `--workers 1` every request is served one after
//! another, and throughput falls to workers / delay (Little's law), like a sync server.
//! The seed's "async server with downstream sync calls" (aiohttp with `time.sleep`), and
//! with `--downstream` literally so: the call is ureq's blocking GET.
//!
//! `--offload` shows the standard fix beside the problem: the same blocking call, moved to
//! tokio's blocking-thread pool with `tokio::task::spawn_blocking`, so the event loop stays
//! free.
//!
//! Run it: `cargo run --release -p async-blocking-server -- --delay-ms 10 [--offload]`
//! then `curl http://127.0.0.1:9002/`; with a downstream (async-server on port 9101):
//! `cargo run --release -p async-blocking-server -- --downstream http://127.0.0.1:9101/`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::{extract::State, routing::get, Router};
use clap::Parser;
use server_common::{BlockingDownstream, DownstreamError, Tuning, HEALTHY, HELLO};

const VARIANT: &str = "async-blocking-server";

/// An async HTTP server whose `GET /` makes a *blocking* call (a sleep of `--delay-ms`, the
/// simulated downstream call, or a blocking GET to `--downstream URL`) on the event loop's
/// own thread: the classic mistake, kept on purpose to measure what it costs.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Routes: GET / (after the delay, or the downstream's answer), GET /health (at once).\n\
    --workers 1 runs one event loop (a current_thread runtime), like the seed's aiohttp.\n\
    --downstream: ureq's blocking client, called inside the async handler (on the runtime's\n\
    thread, or with --offload in spawn_blocking); its pool is shared by every call."
)]
struct Args {
    /// Address to listen on. Loopback by default; 0.0.0.0:9002 serves the network.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9002")]
    addr: SocketAddr,

    #[command(flatten)]
    tuning: Tuning,

    /// Run the blocking call on tokio's blocking-thread pool (`spawn_blocking`) instead of
    /// the event loop's thread: the usual fix, to compare with the problem.
    #[arg(long)]
    offload: bool,
}

#[derive(Clone)]
struct Config {
    delay: Duration,
    offload: bool,
    /// `--downstream URL`: the real call, instead of the sleep.
    downstream: Option<Arc<BlockingDownstream>>,
}

/// `GET /`: the one handler that differs from async-server.
async fn hello(State(config): State<Config>) -> Response {
    let Some(http) = &config.downstream else {
        if config.offload && !config.delay.is_zero() {
            // The fix: a blocking-pool thread sleeps; this task just awaits it. (The sleep
            // cannot panic: an error here is the runtime shutting down, when the answer no
            // longer matters.)
            tokio::task::spawn_blocking(move || std::thread::sleep(config.delay))
                .await
                .ok();
        } else {
            // The problem: this blocks the runtime thread, and every request queued on it.
            std::thread::sleep(config.delay);
        }
        return HELLO.into_response();
    };
    let outcome = if config.offload {
        // The fix: a blocking-pool thread makes the call; this task just awaits it. (An
        // error here is the runtime shutting down: counted as a broken call.)
        let call = Arc::clone(http);
        tokio::task::spawn_blocking(move || call.get())
            .await
            .unwrap_or_else(|_| http.counts.record(Err(DownstreamError::Broken)))
    } else {
        // The problem: the blocking call holds the runtime thread until the answer is read.
        http.get()
    };
    match outcome {
        Ok(()) => HELLO.into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET /health`: answers at once (unless the thread is blocked by a `GET /`).
async fn health() -> &'static str {
    HEALTHY
}

/// The routes; other paths get 404 and other methods 405 from axum.
fn app(config: Config) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/health", get(health))
        .with_state(config)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let flags = &args.tuning.downstream;
    let downstream = BlockingDownstream::from_args(flags).map(Arc::new);
    let wait = match (&downstream, args.offload) {
        (None, false) => "std::thread::sleep on the runtime thread",
        (None, true) => "std::thread::sleep in spawn_blocking",
        (Some(_), false) => "ureq blocking client on the runtime thread",
        (Some(_), true) => "ureq blocking client in spawn_blocking",
    };
    let config = Config {
        delay: args.tuning.delay(),
        offload: args.offload,
        downstream: downstream.clone(),
    };
    let counts = downstream.as_ref().map(|http| &http.counts);
    server_common::run(VARIANT, args.addr, &args.tuning, wait, counts, app(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::{header, Method, Request, StatusCode};
    use std::time::Instant;
    use tower::ServiceExt;

    async fn call(offload: bool, method: Method, uri: &str) -> (StatusCode, String, String) {
        let config = Config {
            delay: Duration::from_millis(20),
            offload,
            downstream: None,
        };
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = app(config).oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = to_bytes(response.into_body(), 1024).await.unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn root_answers_hello_after_the_delay_with_and_without_offload() {
        for offload in [false, true] {
            let started = Instant::now();
            let (status, content_type, body) = call(offload, Method::GET, "/").await;
            assert!(started.elapsed() >= Duration::from_millis(20));
            assert_eq!(status, StatusCode::OK);
            assert!(content_type.starts_with("text/plain"), "{content_type}");
            assert_eq!(body, "Hello, World!");
        }
    }

    #[tokio::test]
    async fn health_answers_at_once() {
        let (status, _, body) = call(false, Method::GET, "/health").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "OK"));
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_wrong_method_is_405() {
        assert_eq!(
            call(false, Method::GET, "/nope").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            call(false, Method::POST, "/").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            call(true, Method::PUT, "/health").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
