//! sync-server: tiny_http with blocking handler threads, where the downstream call blocks
//! its thread: a simulated `std::thread::sleep`, or (`--downstream URL`) a real HTTP call
//! with a blocking client (ureq), its keep-alive pool shared by the handler threads.
//!
//! Each handler thread serves one request at a time and sleeps through its wait, so with
//! `--workers 1` (the default, like Python's `http.server`) requests are served one after
//! another: throughput is bounded by workers / delay (Little's law), and every other
//! request queues behind the one being served. The seed's "sync server".
//!
//! Run it: `cargo run --release -p sync-server -- --delay-ms 10 --workers 1`
//! then `curl http://127.0.0.1:9000/`; with a downstream (async-server on port 9101):
//! `cargo run --release -p sync-server -- --downstream http://127.0.0.1:9101/`.

use std::io::Cursor;
use std::net::{Shutdown, SocketAddr};
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use server_common::{BlockingDownstream, Tuning, HEALTHY, HELLO, SHUTDOWN_GRACE};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tiny_http::{ConnectionLimits, Header, Method, Response, Server, MAX_BODY_BYTES};
use tracing::{error, info, warn};

const VARIANT: &str = "sync-server";

// The body limit is the same on every server: tiny_http's (patch 8) is the contract's.
const _: () = assert!(MAX_BODY_BYTES == server_common::MAX_BODY_BYTES);

/// A blocking HTTP server: `--workers` threads each take one request at a time and sleep
/// `--delay-ms` in it (the simulated downstream call), or make a blocking GET to
/// `--downstream URL`, holding the thread meanwhile.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Routes: GET / (after the delay, or the downstream's answer), GET /health (at once).\n\
    --workers 1 serves one request at a time, like the seed's http.server.\n\
    --downstream: ureq's blocking client on the handler thread; its keep-alive pool is shared by\n\
    the handler threads.\n\
    tiny_http reads each connection on a thread of its own. --idle-timeout-secs is each\n\
    connection's read and write timeout, counted from the last byte the client sent (or took):\n\
    a silent connection, idle between requests or stalled inside one, is closed, so idle\n\
    clients cannot pile up threads. A request already read is still answered, however long it\n\
    waited for a handler; if its client then sent nothing for the timeout (waiting for that\n\
    answer counts), the connection closes after the answer. A request's head (and a body of up to\n\
    1 KiB read with it) must arrive within the same time from its first byte, or it gets 408.\n\
    Bodies: a Content-Length above 1 MiB gets 413, one that is not a number 400, and a request\n\
    with both Content-Length and Transfer-Encoding (or a coding other than chunked) 400, each\n\
    with the connection closed. A body the handler leaves unread is never drained: its\n\
    connection is closed after the answer."
)]
struct Args {
    /// Address to listen on. Loopback by default; 0.0.0.0:9000 serves the network.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9000")]
    addr: SocketAddr,

    #[command(flatten)]
    tuning: Tuning,

    /// Connections served at once, each read on a thread of its own; beyond it, new
    /// connections wait in the listen backlog until one ends (never refused by the server,
    /// never a crash). The default leaves room for the C10k sweep's 10,000.
    #[arg(long, value_name = "N", default_value_t = 16_384, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
}

/// What `GET /` waits on, shared by the handler threads.
enum Downstream {
    /// The simulated call: a sleep of `--delay-ms`.
    Simulated(Duration),
    /// A GET to `--downstream URL`, with the blocking client.
    Http(BlockingDownstream),
}

impl Downstream {
    /// The real call with `--downstream URL`, else the sleep of `--delay-ms`.
    fn new(tuning: &Tuning) -> Self {
        match BlockingDownstream::from_args(&tuning.downstream) {
            Some(http) => Self::Http(http),
            None => Self::Simulated(tuning.delay()),
        }
    }

    /// What a handler thread waits on, for the start-up line.
    fn describe(&self) -> &'static str {
        match self {
            Self::Simulated(_) => "std::thread::sleep on a handler thread",
            Self::Http(_) => "ureq blocking client on a handler thread",
        }
    }
}

/// The routes, as a plain function of the request line so tests can call it without a
/// socket. `GET /` waits here, on the handler thread: nothing else runs on it meanwhile.
fn respond(method: &Method, url: &str, downstream: &Downstream) -> Response<Cursor<Vec<u8>>> {
    let path = url.split('?').next().unwrap_or(url);
    match (path, method) {
        ("/", Method::Get | Method::Head) => match downstream {
            Downstream::Simulated(delay) => {
                thread::sleep(*delay);
                Response::from_string(HELLO)
            }
            Downstream::Http(http) => match http.get() {
                Ok(()) => Response::from_string(HELLO),
                Err(error) => {
                    Response::from_string(error.message()).with_status_code(error.status())
                }
            },
        },
        ("/health", Method::Get | Method::Head) => Response::from_string(HEALTHY),
        ("/" | "/health", _) => Response::from_string("Method Not Allowed")
            .with_status_code(405)
            .with_header(Header::from_bytes("Allow", "GET, HEAD").expect("a valid header")),
        _ => Response::from_string("Not Found").with_status_code(404),
    }
}

/// One handler thread: take the next request, answer it, repeat until unblocked.
fn handle_requests(server: &Server, downstream: &Downstream) -> std::io::Error {
    loop {
        match server.recv() {
            Ok(request) => {
                let response = respond(request.method(), request.url(), downstream);
                // The client may have gone meanwhile: its loss, not the server's.
                request.respond(response).ok();
            }
            Err(error) => return error,
        }
    }
}

/// A handler thread or tiny_http's accept thread that panics would leave a process that
/// looks alive but never answers (every request queued for a handler that is gone) or never
/// accepts: the whole process exits instead, non-zero (70, `EX_SOFTWARE`), after the panic
/// message and one line naming the thread. A connection's own thread that panics loses
/// only that connection, and the server goes on.
fn exit_when_a_vital_thread_panics() {
    let report_panic = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report_panic(info);
        let current = thread::current();
        let name = current.name().unwrap_or_default();
        if name.starts_with("handler-") || name == "tiny_http-accept" {
            error!(
                thread = name,
                "a thread the server cannot do without panicked: exiting"
            );
            std::process::exit(70);
        }
    }));
}

/// What wakes `main`: a shutdown signal, or a handler thread that stopped by itself.
enum Event {
    Signal(i32),
    HandlerStopped(std::io::Error),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match server_common::start(VARIANT, args.addr) {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let addr = listener.local_addr().map_or(args.addr, |addr| addr);
    // A second handle on the listening socket, to stop accepting at shutdown.
    let accept_handle = match listener.try_clone().map(socket2::Socket::from) {
        Ok(handle) => handle,
        Err(error) => return server_common::fail(VARIANT, &error.to_string()),
    };
    // tiny_http has no timeout or connection cap of its own: the idle timeout becomes every
    // accepted connection's read and write timeout, and --max-connections caps the
    // connection threads (patches, vendor/tiny_http/PATCHES.md).
    let limits = ConnectionLimits {
        timeout: Some(args.tuning.idle_timeout()),
        max_connections: usize::try_from(args.max_connections).ok(),
        spare_thread_keep_alive: args.tuning.spare_thread_keep_alive(),
    };
    exit_when_a_vital_thread_panics();
    let server = match Server::from_listener_with_limits(listener, None, limits) {
        Ok(server) => Arc::new(server),
        Err(error) => return server_common::fail(VARIANT, &error.to_string()),
    };

    let (events, event) = mpsc::channel();
    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => return server_common::fail(VARIANT, &error.to_string()),
    };
    let signal_events = events.clone();
    thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            signal_events.send(Event::Signal(signal)).ok();
        }
    });

    let flags = &args.tuning.downstream;
    let downstream = Arc::new(Downstream::new(&args.tuning));
    let mut handlers = Vec::with_capacity(usize::from(args.tuning.workers));
    for index in 0..args.tuning.workers {
        let server = Arc::clone(&server);
        let downstream = Arc::clone(&downstream);
        let events = events.clone();
        let spawned = thread::Builder::new()
            .name(format!("handler-{index}"))
            .spawn(move || {
                let stopped = handle_requests(&server, &downstream);
                events.send(Event::HandlerStopped(stopped)).ok();
            });
        match spawned {
            Ok(handler) => handlers.push(handler),
            Err(error) => {
                return server_common::fail(
                    VARIANT,
                    &format!("cannot start a handler thread: {error}"),
                );
            }
        }
    }
    info!(
        variant = VARIANT,
        %addr,
        delay_ms = args.tuning.delay_ms,
        workers = args.tuning.workers,
        max_connections = args.max_connections,
        max_body_bytes = MAX_BODY_BYTES,
        wait = downstream.describe(),
        downstream = flags.downstream.as_deref().unwrap_or("none"),
        downstream_timeout_ms = flags.downstream_timeout_ms,
        downstream_pool = flags.pool(),
        downstream_keep_alive_secs = flags.downstream_keep_alive_secs,
        "listening"
    );

    match event.recv() {
        Ok(Event::Signal(signal)) => {
            info!(
                signal,
                "shutting down: no longer accepting, finishing requests in flight"
            );
        }
        Ok(Event::HandlerStopped(error)) => {
            error!(%error, "the server stopped accepting connections");
            return ExitCode::FAILURE;
        }
        Err(mpsc::RecvError) => unreachable!("main holds a sender"),
    }

    // Stop accepting: the accept thread's accept() fails and it ends. Then one unblock per
    // handler, queued behind the requests already read, so those are still answered.
    accept_handle.shutdown(Shutdown::Both).ok();
    for _ in &handlers {
        server.unblock();
    }
    let finished = wait_for(&handlers, SHUTDOWN_GRACE);
    if let Downstream::Http(http) = &*downstream {
        http.counts.log_totals(&http.url);
    }
    if finished {
        info!(variant = VARIANT, "stopped");
    } else {
        warn!(grace = ?SHUTDOWN_GRACE, "requests still queued after the grace period; dropping them");
    }
    ExitCode::SUCCESS
}

/// Waits up to `grace` for every handler thread to end; whether they all did.
fn wait_for(handlers: &[thread::JoinHandle<()>], grace: Duration) -> bool {
    let deadline = Instant::now() + grace;
    while handlers.iter().any(|handler| !handler.is_finished()) {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn call(method: &Method, url: &str, delay: Duration) -> (u16, String, String) {
        let response = respond(method, url, &Downstream::Simulated(delay));
        let status = response.status_code().0;
        let content_type = response
            .headers()
            .iter()
            .find(|header| header.field.equiv("Content-Type"))
            .map(|header| header.value.to_string())
            .unwrap_or_default();
        let mut body = String::new();
        response.into_reader().read_to_string(&mut body).unwrap();
        (status, content_type, body)
    }

    #[test]
    fn root_answers_hello_after_the_delay() {
        let started = Instant::now();
        let (status, content_type, body) = call(&Method::Get, "/", Duration::from_millis(20));
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        assert_eq!(body, "Hello, World!");
    }

    #[test]
    fn query_string_does_not_change_the_route() {
        assert_eq!(call(&Method::Get, "/?x=1", Duration::ZERO).0, 200);
        assert_eq!(call(&Method::Get, "/health?probe", Duration::ZERO).0, 200);
    }

    #[test]
    fn health_answers_at_once() {
        let started = Instant::now();
        let (status, _, body) = call(&Method::Get, "/health", Duration::from_secs(5));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!((status, body.as_str()), (200, "OK"));
    }

    #[test]
    fn unknown_path_is_404_and_wrong_method_is_405() {
        assert_eq!(call(&Method::Get, "/nope", Duration::ZERO).0, 404);
        assert_eq!(call(&Method::Post, "/", Duration::ZERO).0, 405);
        assert_eq!(call(&Method::Delete, "/health", Duration::ZERO).0, 405);
    }
}
