//! async-server: axum on tokio, where the downstream call is *async*: a simulated wait, or
//! (`--downstream URL`) a real HTTP call with an async client, awaited.
//!
//! `tokio::time::sleep` parks the request's task and frees the thread, so one event loop
//! keeps hundreds of requests waiting at once: throughput is bounded by
//! connections / delay (Little's law), not by the thread count. The seed's
//! "async server with downstream async calls" (aiohttp with `await asyncio.sleep`).
//!
//! `--timer timerfd` waits on a kernel timer instead (see `timerfd.rs`): the same async
//! wait without the millisecond rounding of tokio's timer wheel, its wake-ups up to
//! `--timer-slack` late so that waits ending close together share one.
//!
//! `GET /stats` counts the event loop's wake-ups (and the timerfd's), for the harness to
//! read before and after a measured run: what each timer costs besides its delay.
//!
//! `--downstream URL` makes the call real: one HTTP/1.1 GET per `GET /`, with hyper-util's
//! pooled client on the same runtime, awaited like the sleep, so the thread serves others
//! meanwhile. (The project's downstream is this server itself: `async-server --timer
//! timerfd --delay-ms 10`.)
//!
//! Run it: `cargo run --release -p async-server -- --delay-ms 10 [--timer timerfd
//! --timer-slack 50us]` then `curl http://127.0.0.1:9001/` and
//! `curl http://127.0.0.1:9001/stats`; with a downstream on port 9101:
//! `cargo run --release -p async-server -- --addr 127.0.0.1:9101 --timer timerfd &` and
//! `cargo run --release -p async-server -- --downstream http://127.0.0.1:9101/`.

mod timerfd;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::Uri;
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
    after_help = "Routes: GET / (after the delay, or the downstream's answer), GET /health (at once),\n\
    GET /stats (at once: the timer and its wake-ups so far, as key=value lines).\n\
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

    /// With --timer timerfd: how late a wake-up may come so that waits ending within it
    /// share one (fewer wake-ups, less CPU per request, each wait a little longer). A whole
    /// number with its unit, ns, us (or µs), ms or s, at most 1s; 0 for none.
    /// [default: 100us]
    #[arg(long, value_name = "DURATION", value_parser = parse_slack)]
    timer_slack: Option<Duration>,

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
    /// the earliest pending sleeps; a wake-up may come up to --timer-slack late (never
    /// early), so that sleeps ending close together share it: one system call per wake-up,
    /// none per sleep under load
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
            Err(error) => error.into_response(),
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

/// `GET /stats`: the timer and how often the server woke, as `key=value` lines, counted
/// since start-up (a reader takes the difference over its own window):
///
/// - `loop_wakeups`: how many times the runtime's threads parked (each park ends in a
///   wake-up), whatever woke them: the timer, a socket, a task;
/// - `timer_wakeups` (timerfd only): the timerfd's expiries handled, each one waking the
///   sleeps then due. tokio's timer wheel does not count its own; with `--downstream`
///   there is no timer (`timer=none`).
async fn stats(State(downstream): State<Downstream>) -> String {
    let metrics = tokio::runtime::Handle::current().metrics();
    let loop_wakeups: u64 = (0..metrics.num_workers())
        .map(|worker| metrics.worker_park_count(worker))
        .sum();
    let mut text = String::new();
    match &downstream {
        Downstream::Http(_) => text.push_str("timer=none\n"),
        Downstream::Simulated {
            timer: Timer::Tokio,
            ..
        } => text.push_str("timer=tokio\n"),
        Downstream::Simulated {
            timer: Timer::Timerfd(timer),
            ..
        } => {
            let _ = write!(
                text,
                "timer=timerfd\ntimer_slack_us={}\ntimer_wakeups={}\n",
                micros(timer.slack()),
                timer.wakeups()
            );
        }
    }
    let _ = writeln!(text, "loop_wakeups={loop_wakeups}");
    text
}

/// A duration in µs, with up to three decimals where it is not whole ("0.5", "250").
fn micros(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos.is_multiple_of(1000) {
        (nanos / 1000).to_string()
    } else {
        let text = format!("{}.{:03}", nanos / 1000, nanos % 1000);
        text.trim_end_matches('0').to_owned()
    }
}

/// `--timer-slack`: a whole number and its unit (ns, us, µs, ms, s), or 0; at most
/// [`timerfd::MAX_SLACK`].
fn parse_slack(text: &str) -> Result<Duration, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let value: u64 = number.parse().map_err(|_| {
        format!("'{text}' is not a duration: give a whole number and its unit, e.g. 50us")
    })?;
    let slack = match unit {
        "" if value == 0 => Duration::ZERO,
        "" => {
            return Err(format!(
                "'{text}' has no unit: give ns, us, ms or s, e.g. {value}us"
            ))
        }
        "ns" => Duration::from_nanos(value),
        "us" | "µs" => Duration::from_micros(value),
        "ms" => Duration::from_millis(value),
        "s" => Duration::from_secs(value),
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{text}': give ns, us, ms or s"
            ))
        }
    };
    if slack > timerfd::MAX_SLACK {
        return Err(format!(
            "'{text}' is more than the widest slack, {}s",
            timerfd::MAX_SLACK.as_secs()
        ));
    }
    Ok(slack)
}

/// The routes; other paths get 404 and other methods 405 from axum.
fn app(downstream: Downstream) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/health", get(health))
        .route("/stats", get(stats))
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
            "hyper-util client, awaited".to_owned(),
        )
    } else {
        let (timer, wait) =
            match (args.timer, args.timer_slack) {
                (TimerKind::Tokio, None) => (Timer::Tokio, "tokio::time::sleep".to_owned()),
                (TimerKind::Tokio, Some(_)) => return server_common::fail(
                    VARIANT,
                    "--timer-slack applies to --timer timerfd only (tokio's timer has 1 ms ticks)",
                ),
                (TimerKind::Timerfd, slack) => {
                    match timerfd::Timer::new(slack.unwrap_or(timerfd::DEFAULT_SLACK)) {
                        Ok(timer) => {
                            let wait = format!("timerfd, slack {} µs", micros(timer.slack()));
                            (Timer::Timerfd(timer), wait)
                        }
                        Err(error) => {
                            return server_common::fail(
                                VARIANT,
                                &format!("cannot create a timerfd: {error}"),
                            )
                        }
                    }
                }
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
        &wait,
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
            TimerKind::Timerfd => {
                Timer::Timerfd(timerfd::Timer::new(timerfd::DEFAULT_SLACK).unwrap())
            }
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
    fn help_states_the_default_slack_the_code_uses() {
        use clap::CommandFactory;
        let help = Args::command().render_long_help().to_string();
        let slack = format!("[default: {}us]", micros(timerfd::DEFAULT_SLACK));
        assert!(help.contains(&slack), "no {slack:?} in:\n{help}");
        assert!(help.contains("1 ms ticks"), "{help}");
        assert!(help.contains("GET /stats"), "{help}");
    }

    #[test]
    fn slack_parsing_table() {
        let cases: &[(&str, Result<Duration, &str>)] = &[
            ("0", Ok(Duration::ZERO)),
            ("0us", Ok(Duration::ZERO)),
            ("250us", Ok(Duration::from_micros(250))),
            ("50µs", Ok(Duration::from_micros(50))),
            ("1500ns", Ok(Duration::from_nanos(1500))),
            ("1ms", Ok(Duration::from_millis(1))),
            ("1s", Ok(Duration::from_secs(1))),
            ("50", Err("has no unit")),
            ("us", Err("is not a duration")),
            ("-5us", Err("is not a duration")),
            ("2.5us", Err("unknown unit '.5us'")),
            ("5min", Err("unknown unit 'min'")),
            ("2s", Err("more than the widest slack, 1s")),
            ("99999999999999999999us", Err("is not a duration")),
        ];
        for (text, expected) in cases {
            match (parse_slack(text), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, *want, "{text}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{text}: {got}"),
                (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn micros_prints_whole_and_fractional_microseconds() {
        assert_eq!(micros(Duration::from_micros(250)), "250");
        assert_eq!(micros(Duration::ZERO), "0");
        assert_eq!(micros(Duration::from_nanos(1500)), "1.5");
        assert_eq!(micros(Duration::from_nanos(1)), "0.001");
    }

    #[tokio::test]
    async fn stats_names_the_timer_and_counts_wake_ups() {
        let (status, content_type, body) = call(TimerKind::Timerfd, Method::GET, "/stats").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        assert!(
            body.starts_with("timer=timerfd\ntimer_slack_us=100\ntimer_wakeups=0\nloop_wakeups="),
            "{body}"
        );
        let (_, _, body) = call(TimerKind::Tokio, Method::GET, "/stats").await;
        assert!(body.starts_with("timer=tokio\nloop_wakeups="), "{body}");
        assert!(!body.contains("timer_wakeups"), "{body}");
    }
}
