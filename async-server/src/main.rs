//! async-server: axum on tokio, where the simulated downstream call is an *async* wait.
//!
//! `tokio::time::sleep` parks the request's task and frees the thread, so one event loop
//! keeps hundreds of requests waiting at once: throughput is bounded by
//! connections / delay (Little's law), not by the thread count. The seed's
//! "async server with downstream async calls" (aiohttp with `await asyncio.sleep`).
//!
//! Run it: `cargo run --release -p async-server -- --delay-ms 10`
//! then `curl http://127.0.0.1:9001/`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::{extract::State, routing::get, Router};
use clap::Parser;
use server_common::{Tuning, HEALTHY, HELLO};

const VARIANT: &str = "async-server";

/// An async HTTP server whose every `GET /` awaits a non-blocking timer of `--delay-ms`
/// (the simulated downstream call), so one thread serves many waiting requests at once.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Routes: GET / (after the delay), GET /health (at once).\n\
    --workers 1 runs one event loop (a current_thread runtime), like the seed's aiohttp."
)]
struct Args {
    /// Address to listen on. Loopback by default; 0.0.0.0:9001 serves the network.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9001")]
    addr: SocketAddr,

    #[command(flatten)]
    tuning: Tuning,
}

/// `GET /`: the downstream call is awaited, so this thread serves others meanwhile.
async fn hello(State(delay): State<Duration>) -> &'static str {
    // A zero delay means no downstream call: tokio's timer would still round it up to its
    // next 1 ms tick.
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    HELLO
}

/// `GET /health`: answers at once, for readiness probes.
async fn health() -> &'static str {
    HEALTHY
}

/// The routes; other paths get 404 and other methods 405 from axum.
fn app(delay: Duration) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/health", get(health))
        .with_state(delay)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let app = app(args.tuning.delay());
    server_common::run(VARIANT, args.addr, &args.tuning, "tokio::time::sleep", app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::{header, Method, Request, StatusCode};
    use std::time::Instant;
    use tower::ServiceExt;

    async fn call(method: Method, uri: &str) -> (StatusCode, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = app(Duration::from_millis(20))
            .oneshot(request)
            .await
            .unwrap();
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
    async fn root_answers_hello_after_the_delay() {
        let started = Instant::now();
        let (status, content_type, body) = call(Method::GET, "/").await;
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        assert_eq!(body, "Hello, World!");
    }

    #[tokio::test]
    async fn health_answers_at_once() {
        let (status, _, body) = call(Method::GET, "/health").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "OK"));
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_wrong_method_is_405() {
        assert_eq!(call(Method::GET, "/nope").await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            call(Method::POST, "/").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            call(Method::DELETE, "/health").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
