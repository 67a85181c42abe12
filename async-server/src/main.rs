//! async-server: axum on tokio, where the downstream call is *async*: a simulated wait, or
//! (`--downstream URL`) a real HTTP call with an async client, awaited.
//!
//! `tokio::time::sleep` parks the request's task and frees the thread, so one event loop
//! keeps hundreds of requests waiting at once: throughput is bounded by
//! connections / delay (Little's law), not by the thread count. The seed's
//! "async server with downstream async calls" (aiohttp with `await asyncio.sleep`).
//!
//! `--timer timerfd` waits on a kernel timer instead (see `timerfd.rs`): the same async
//! wait without the millisecond rounding of tokio's timer wheel.
//!
//! `--downstream URL` makes the call real: one HTTP/1.1 GET per `GET /`, with hyper-util's
//! pooled client on the same runtime, awaited like the sleep, so the thread serves others
//! meanwhile. (The project's downstream is this server itself: `async-server --timer
//! timerfd --delay-ms 10`.)
//!
//! Run it: `cargo run --release -p async-server -- --delay-ms 10 [--timer timerfd]`
//! then `curl http://127.0.0.1:9001/`; with a downstream on port 9101:
//! `cargo run --release -p async-server -- --addr 127.0.0.1:9101 --timer timerfd &` and
//! `cargo run --release -p async-server -- --downstream http://127.0.0.1:9101/`.

mod timerfd;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{extract::State, routing::get, Router};
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use server_common::{DownstreamCounts, DownstreamError, Tuning, HEALTHY, HELLO};

const VARIANT: &str = "async-server";

/// An async HTTP server whose every `GET /` awaits a non-blocking timer of `--delay-ms`
/// (the simulated downstream call), or a real call to `--downstream URL` with an async
/// client, so one thread serves many waiting requests at once.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Routes: GET / (after the delay, or the downstream's answer), GET /health (at once).\n\
    --workers 1 runs one event loop (a current_thread runtime), like the seed's aiohttp.\n\
    --downstream: hyper-util's pooled client on that runtime, awaited (the thread serves others\n\
    meanwhile); its connections are tasks of the same runtime."
)]
struct Args {
    /// Address to listen on. Loopback by default; 0.0.0.0:9001 serves the network.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9001")]
    addr: SocketAddr,

    /// The timer the simulated downstream call waits on.
    #[arg(long, value_enum, default_value_t = TimerKind::Tokio)]
    timer: TimerKind,

    #[command(flatten)]
    tuning: Tuning,
}

/// The choices of `--timer`; their doc comments are the `--help` text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TimerKind {
    /// tokio::time::sleep: tokio's timer wheel, no system call per sleep, but 1 ms ticks and
    /// a deadline rounded up to the next tick (a 10 ms sleep takes about 11 ms)
    Tokio,
    /// a kernel timer (Linux timerfd) with nanosecond deadlines: one per runtime, armed for
    /// the earliest pending sleeps; a wake-up may come up to 250 µs late (never early), so
    /// that sleeps ending close together share it: one system call per wake-up, none per
    /// sleep under load
    Timerfd,
}

/// What the simulated call waits on: the timer `--timer` chose.
#[derive(Clone)]
enum Timer {
    Tokio,
    Timerfd(timerfd::Timer),
}

/// The handler's state: the downstream call, simulated or real.
#[derive(Clone)]
enum Downstream {
    /// A wait of `--delay-ms` on the chosen timer.
    Simulated { delay: Duration, timer: Timer },
    /// A GET to `--downstream URL`.
    Http(Arc<HttpDownstream>),
}

/// The real downstream: the URL, the pooled async client (shared by every request), the
/// time a call may take, and the count of outcomes.
struct HttpDownstream {
    url: Uri,
    client: Client<HttpConnector, Empty<Bytes>>,
    timeout: Duration,
    counts: DownstreamCounts,
}

/// `GET /`: the downstream call is awaited, so this thread serves others meanwhile.
async fn hello(State(downstream): State<Downstream>) -> Response {
    match &downstream {
        Downstream::Simulated { delay, timer } => {
            // A zero delay means no downstream call: tokio's timer would still round it up
            // to its next 1 ms tick.
            if !delay.is_zero() {
                match timer {
                    Timer::Tokio => tokio::time::sleep(*delay).await,
                    Timer::Timerfd(timer) => timer.sleep(*delay).await,
                }
            }
            HELLO.into_response()
        }
        Downstream::Http(http) => match http.counts.record(call(http).await) {
            Ok(()) => HELLO.into_response(),
            Err(error) => {
                let status =
                    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                (status, error.message()).into_response()
            }
        },
    }
}

/// One GET to the downstream, awaited: the answer's head, then its body read to the end
/// (so the connection goes back to the pool), within the timeout.
async fn call(http: &HttpDownstream) -> Result<(), DownstreamError> {
    let exchange = async {
        let response = http
            .client
            .get(http.url.clone())
            .await
            .map_err(|error| DownstreamError::from_hyper(&error))?;
        let status = response.status();
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            frame.map_err(|_| DownstreamError::Broken)?;
        }
        if status.is_success() {
            Ok(())
        } else {
            Err(DownstreamError::Status(status.as_u16()))
        }
    };
    tokio::time::timeout(http.timeout, exchange)
        .await
        .unwrap_or(Err(DownstreamError::Timeout))
}

/// `GET /health`: answers at once, for readiness probes.
async fn health() -> &'static str {
    HEALTHY
}

/// The routes; other paths get 404 and other methods 405 from axum.
fn app(downstream: Downstream) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/health", get(health))
        .with_state(downstream)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let flags = &args.tuning.downstream;
    let (downstream, wait) = if let Some(url) = &flags.downstream {
        let url = match url.parse::<Uri>() {
            Ok(url) => url,
            Err(error) => {
                return server_common::fail(VARIANT, &format!("--downstream {url}: {error}"))
            }
        };
        let http = HttpDownstream {
            url,
            client: flags.async_client(),
            timeout: flags.timeout(),
            counts: DownstreamCounts::default(),
        };
        (
            Downstream::Http(Arc::new(http)),
            "hyper-util client, awaited",
        )
    } else {
        let (timer, wait) = match args.timer {
            TimerKind::Tokio => (Timer::Tokio, "tokio::time::sleep"),
            TimerKind::Timerfd => match timerfd::Timer::new() {
                Ok(timer) => (Timer::Timerfd(timer), "timerfd"),
                Err(error) => {
                    return server_common::fail(
                        VARIANT,
                        &format!("cannot create a timerfd: {error}"),
                    )
                }
            },
        };
        let delay = args.tuning.delay();
        (Downstream::Simulated { delay, timer }, wait)
    };
    let http = match &downstream {
        Downstream::Http(http) => Some(Arc::clone(http)),
        Downstream::Simulated { .. } => None,
    };
    let counts = http.as_ref().map(|http| &http.counts);
    server_common::run(
        VARIANT,
        args.addr,
        &args.tuning,
        wait,
        counts,
        app(downstream),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::{header, Method, Request, StatusCode};
    use std::time::Instant;
    use tower::ServiceExt;

    fn downstream(kind: TimerKind) -> Downstream {
        let timer = match kind {
            TimerKind::Tokio => Timer::Tokio,
            TimerKind::Timerfd => Timer::Timerfd(timerfd::Timer::new().unwrap()),
        };
        Downstream::Simulated {
            delay: Duration::from_millis(20),
            timer,
        }
    }

    async fn call(kind: TimerKind, method: Method, uri: &str) -> (StatusCode, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = app(downstream(kind)).oneshot(request).await.unwrap();
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
    async fn root_answers_hello_after_the_delay_on_either_timer() {
        for kind in [TimerKind::Tokio, TimerKind::Timerfd] {
            let started = Instant::now();
            let (status, content_type, body) = call(kind, Method::GET, "/").await;
            assert!(started.elapsed() >= Duration::from_millis(20), "{kind:?}");
            assert_eq!(status, StatusCode::OK);
            assert!(content_type.starts_with("text/plain"), "{content_type}");
            assert_eq!(body, "Hello, World!");
        }
    }

    #[tokio::test]
    async fn health_answers_at_once() {
        let (status, _, body) = call(TimerKind::Tokio, Method::GET, "/health").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "OK"));
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_wrong_method_is_405() {
        let kind = TimerKind::Tokio;
        assert_eq!(
            call(kind, Method::GET, "/nope").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            call(kind, Method::POST, "/").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            call(kind, Method::DELETE, "/health").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn help_states_the_timerfd_slack_the_code_uses() {
        use clap::CommandFactory;
        let help = Args::command().render_long_help().to_string();
        let slack = format!("up to {} µs late", timerfd::SLACK.as_micros());
        assert!(help.contains(&slack), "no {slack:?} in:\n{help}");
        assert!(help.contains("1 ms ticks"), "{help}");
    }
}
