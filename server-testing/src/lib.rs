//! The servers' integration-test harness (a dev-dependency only): start the real binary on a free port,
//! speak raw HTTP/1.1 to it over real sockets, stop it with a signal, and never leave it
//! running (the guard kills it on drop, so a failed assertion cannot leak a process).
//!
//! The checks every server must pass are here too, once, so that each crate's
//! `tests/` says only what differs: its binary and its concurrency semantics.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

/// How long any single test step may take before the test fails instead of hanging.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// A pseudo-argument for [`ServerProcess::start`] (and so for every check and for
/// [`contract_tests!`]): replaced by `--downstream URL` of a downstream it starts first, the
/// project's own `async-server --timer timerfd` with the same `--delay-ms` as the server's
/// (the last one given; 10 if none), so that a check which counts on the delay finds it in
/// the downstream's answer. The downstream lives, and is killed, with the server.
pub const WITH_DOWNSTREAM: &str = "--with-a-downstream-of-the-same-delay";

/// A running server binary, killed on drop (and its downstream with it, if it has one).
pub struct ServerProcess {
    child: Child,
    /// The downstream started for [`WITH_DOWNSTREAM`]; dropped after the server is killed.
    downstream: Option<Box<ServerProcess>>,
    /// Where it listens (it was started on port 0 and logged the port it got).
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    /// The thread that collects stderr; it ends when the server closes its stderr.
    stderr_reader: Option<thread::JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `binary --addr 127.0.0.1:0 ARGS...` and waits for its start-up line; with
    /// [`WITH_DOWNSTREAM`] among `args`, starts its downstream first.
    ///
    /// # Panics
    /// If it cannot start, or does not log `listening ... addr=...` within the bound.
    pub fn start(binary: &str, args: &[&str]) -> Self {
        let (args, downstream) = with_downstream(args);
        let mut server = Self::start_plain(binary, &args);
        server.downstream = downstream.map(Box::new);
        server
    }

    /// Starts a downstream for the server under test: the project's own `async-server
    /// --timer timerfd --delay-ms DELAY_MS` (precise and cheap), found by
    /// [`downstream_binary`].
    ///
    /// # Panics
    /// If it cannot start.
    pub fn start_downstream(delay_ms: u64) -> Self {
        let binary = downstream_binary();
        let binary = binary.to_str().expect("a UTF-8 path to async-server");
        Self::start_plain(
            binary,
            &["--timer", "timerfd", "--delay-ms", &delay_ms.to_string()],
        )
    }

    /// `http://ADDR/`: this server's `GET /`, as a `--downstream` URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn start_plain<S: AsRef<std::ffi::OsStr>>(binary: &str, args: &[S]) -> Self {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary}: {error}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let reader = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let log = Arc::clone(&stderr);
        let stderr_reader = thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                // The line is in the log before `start` returns: its caller may read it.
                {
                    let mut log = log.lock().expect("stderr log");
                    log.push_str(&line);
                    log.push('\n');
                }
                if line.contains("listening") {
                    if let Some(addr) = field(&line, "addr").and_then(|a| a.parse().ok()) {
                        addr_tx.send(addr).ok();
                    }
                }
            }
        });
        let Ok(addr) = addr_rx.recv_timeout(STEP_TIMEOUT) else {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "{binary} did not log its address; stderr:\n{}",
                stderr.lock().expect("stderr log")
            );
        };
        Self {
            child,
            downstream: None,
            addr,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// Everything the server has written to stderr so far.
    ///
    /// # Panics
    /// If the thread collecting stderr panicked.
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr log").clone()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM to the server (and only to it, by its PID), with the `kill` system
    /// call: no `kill` program needed.
    ///
    /// # Panics
    /// If the signal cannot be sent (the server has already been reaped, for one).
    pub fn terminate(&self) {
        let pid = Pid::from_child(&self.child);
        kill_process(pid, Signal::TERM)
            .unwrap_or_else(|error| panic!("cannot send SIGTERM to {pid:?}: {error}"));
    }

    /// Waits up to `timeout` for the server to exit; once it has, [`Self::stderr`] holds
    /// everything it wrote.
    ///
    /// # Panics
    /// If waiting on the child fails.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Its last lines may still be in the pipe: let the reader take them all.
                if let Some(reader) = self.stderr_reader.take() {
                    reader.join().ok();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The number of file descriptors the server holds open now (from `/proc`).
    ///
    /// # Panics
    /// If `/proc/PID/fd` cannot be read.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .expect("read /proc/PID/fd")
            .count()
    }

    /// Waits up to `bound` until the server holds at most `count` descriptors.
    pub fn wait_open_files_at_most(&self, count: usize, bound: Duration) -> bool {
        let deadline = Instant::now() + bound;
        loop {
            if self.open_files() <= count {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The number of threads the server runs now (from `/proc`).
    ///
    /// # Panics
    /// If `/proc/PID/status` cannot be read.
    pub fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("Threads:"))
            .and_then(|count| count.trim().parse().ok())
            .expect("a Threads: line")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `args` with [`WITH_DOWNSTREAM`] replaced by `--downstream URL` of a downstream started
/// here, with the same `--delay-ms` as `args` (the last one; 10, the servers' default, if
/// none); `args` as they are without it.
///
/// # Panics
/// If the downstream cannot start, or a `--delay-ms` is not a number.
pub fn with_downstream(args: &[&str]) -> (Vec<String>, Option<ServerProcess>) {
    if !args.contains(&WITH_DOWNSTREAM) {
        return (args.iter().map(|&arg| arg.to_owned()).collect(), None);
    }
    let delay_ms = args
        .windows(2)
        .filter(|pair| pair[0] == "--delay-ms")
        .map(|pair| pair[1].parse().expect("--delay-ms takes a number"))
        .next_back()
        .unwrap_or(10);
    let downstream = ServerProcess::start_downstream(delay_ms);
    let mut resolved = Vec::with_capacity(args.len() + 1);
    for &arg in args {
        if arg == WITH_DOWNSTREAM {
            resolved.extend(["--downstream".to_owned(), downstream.url()]);
        } else {
            resolved.push(arg.to_owned());
        }
    }
    (resolved, Some(downstream))
}

/// The project's own `async-server` binary, the downstream of the tests: in the same
/// target directory as the test running now (`target/release/deps/http-HASH` gives
/// `target/release/async-server`), which `cargo test --workspace` builds.
///
/// # Panics
/// If it is not there (`cargo test -p sync-server` alone does not build it).
pub fn downstream_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test's own path");
    let binary = test
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("async-server"))
        .expect("the test runs from TARGET/PROFILE/deps");
    assert!(
        binary.is_file(),
        "the downstream, {}, is not built: build it first with the same profile \
         (cargo build --release -p async-server) or run the workspace's tests",
        binary.display()
    );
    binary
}

/// A loopback port nobody listens on (it was free a moment ago): a dead downstream.
///
/// # Panics
/// If no port can be bound.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address").port()
}

/// `key=value` from a tracing line (`value` ends at the next space; quotes removed).
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    line[start..]
        .split_whitespace()
        .next()
        .map(|v| v.trim_matches('"'))
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header lines as (lower-cased name, value).
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Connects with the step timeout on reads and writes.
///
/// # Panics
/// If the connection is refused.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, STEP_TIMEOUT)
        .unwrap_or_else(|error| panic!("connect to {addr}: {error}"));
    stream.set_read_timeout(Some(STEP_TIMEOUT)).ok();
    stream.set_write_timeout(Some(STEP_TIMEOUT)).ok();
    stream
}

/// Sends `METHOD PATH` with `Connection: close` and reads the whole response.
///
/// # Errors
/// Any I/O error, or a response that cannot be parsed.
pub fn request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<Reply> {
    let mut stream = connect(addr);
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw)
}

/// `GET path`, which must succeed at the HTTP level.
///
/// # Panics
/// On any I/O error.
pub fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path).unwrap_or_else(|error| panic!("GET {path}: {error}"))
}

fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Sends `count` `GET /` at once, each on its own connection, and returns how long the
/// last one took to be answered; every answer must be `200 Hello, World!`.
///
/// # Panics
/// If any request fails.
pub fn concurrent_gets(addr: SocketAddr, count: usize) -> Duration {
    let started = Instant::now();
    let clients: Vec<_> = (0..count)
        .map(|_| thread::spawn(move || get(addr, "/")))
        .collect();
    for client in clients {
        let reply = client.join().expect("client thread");
        assert_eq!((reply.status, reply.body.as_str()), (200, "Hello, World!"));
    }
    started.elapsed()
}

/// Starts `binary ARGS... --delay-ms 50`, sends 8 `GET /` at once, and checks that the last
/// answer came after `range.start` and before `range.end` (in ms): the concurrency
/// semantics of a variant, with margins wide enough for a noisy machine.
///
/// # Panics
/// If a request fails or the time is outside the range.
pub fn check_8_concurrent_gets(binary: &str, args: &[&str], range_ms: std::ops::Range<u64>) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "50"]].concat());
    let took = concurrent_gets(server.addr, 8);
    let range = Duration::from_millis(range_ms.start)..Duration::from_millis(range_ms.end);
    assert!(
        range.contains(&took),
        "8 requests with {args:?} took {took:?}, expected {range:?}"
    );
}

// ---- The checks every server must pass -------------------------------------------------

/// Declares, in a server's `tests/`, one `#[test]` per check of the common contract, run
/// against `$binary` (`env!("CARGO_BIN_EXE_<name>")`) started with any extra arguments
/// given after it. To run the contract a second time with other flags, declare it again
/// inside a module:
///
/// ```ignore
/// server_testing::contract_tests!(BINARY);
/// mod timerfd {
///     server_testing::contract_tests!(super::BINARY, "--timer", "timerfd");
/// }
/// ```
///
/// With [`WITH_DOWNSTREAM`] among the arguments, every check runs with a real downstream
/// call of the delay the check asks for.
#[macro_export]
macro_rules! contract_tests {
    ($binary:expr $(, $arg:expr)* $(,)?) => {
        #[test]
        fn routes() {
            $crate::check_routes($binary, &[$($arg),*]);
        }

        #[test]
        fn root_waits_the_delay_and_health_does_not() {
            $crate::check_delay($binary, &[$($arg),*]);
        }

        #[test]
        fn sigterm_finishes_the_request_in_flight_and_exits_0() {
            $crate::check_graceful_shutdown($binary, &[$($arg),*]);
        }

        #[test]
        fn busy_port_is_one_clear_line_and_a_failure() {
            $crate::check_busy_port($binary, &[$($arg),*]);
        }

        #[test]
        fn bad_input_does_not_stop_it_serving() {
            $crate::check_bad_input($binary, &[$($arg),*]);
        }

        #[test]
        fn bodies_with_untrustworthy_framing_are_refused_and_closed() {
            $crate::check_body_framing($binary, &[$($arg),*]);
        }

        #[test]
        fn bodies_never_sent_or_left_unread_do_not_stall_others() {
            $crate::check_unsent_bodies($binary, &[$($arg),*]);
        }

        #[test]
        fn request_heads_over_64_kib_are_refused() {
            $crate::check_head_limit($binary, &[$($arg),*]);
        }

        #[test]
        fn idle_connections_are_closed() {
            $crate::check_idle_timeout($binary, &[$($arg),*]);
        }

        #[test]
        fn a_client_that_never_reads_does_not_hold_the_server() {
            $crate::check_client_that_never_reads($binary, &[$($arg),*]);
        }

        #[test]
        fn http10_keep_alive_is_announced_or_the_connection_closed() {
            $crate::check_http10_keep_alive($binary, &[$($arg),*]);
        }

        #[test]
        fn http11_pipelining_head_and_connection_close() {
            $crate::check_http11_connections($binary, &[$($arg),*]);
        }
    };
}

/// Status, content type and body of `/`, `/health`, an unknown path and a wrong method.
///
/// # Panics
/// If any of them is wrong.
pub fn check_routes(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "10"]].concat());
    let hello = get(server.addr, "/");
    assert_eq!(hello.status, 200);
    assert_eq!(hello.body, "Hello, World!");
    let content_type = hello.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(hello.header("content-length"), Some("13"));

    let health = get(server.addr, "/health");
    assert_eq!((health.status, health.body.as_str()), (200, "OK"));
    assert_eq!(get(server.addr, "/no-such-page").status, 404);
    for method in ["POST", "PUT", "DELETE"] {
        let reply = request(server.addr, method, "/").expect("wrong method");
        assert_eq!(reply.status, 405, "{method} /");
    }
}

/// `GET /` takes at least `--delay-ms`, and `/health` does not wait for it.
///
/// # Panics
/// If the timing is wrong.
pub fn check_delay(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "200"]].concat());
    let started = Instant::now();
    assert_eq!(get(server.addr, "/").status, 200);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(200), "GET / took {took:?}");

    let started = Instant::now();
    assert_eq!(get(server.addr, "/health").status, 200);
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(150),
        "GET /health took {took:?}"
    );
}

/// SIGTERM while a request is in flight: it is answered, then the server exits 0 with one
/// shutdown line and no panic.
///
/// # Panics
/// If the request fails or the exit is not clean.
pub fn check_graceful_shutdown(binary: &str, args: &[&str]) {
    let mut server = ServerProcess::start(binary, &[args, &["--delay-ms", "500"]].concat());
    let addr = server.addr;
    let in_flight = thread::spawn(move || get(addr, "/"));
    thread::sleep(Duration::from_millis(150));
    server.terminate();
    let reply = in_flight.join().expect("client thread");
    assert_eq!((reply.status, reply.body.as_str()), (200, "Hello, World!"));
    let status = server.wait_exit(STEP_TIMEOUT).expect("exits after SIGTERM");
    assert!(status.success(), "exit status {status}");
    let stderr = server.stderr();
    assert!(stderr.contains("stopped"), "no shutdown line in:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "still accepting after exit"
    );
}

/// A second server on a busy port: non-zero exit and one clear line on stderr.
///
/// # Panics
/// If the second server starts, or its message is unclear.
pub fn check_busy_port(binary: &str, args: &[&str]) {
    let first = ServerProcess::start(binary, args);
    let (args, _downstream) = with_downstream(args);
    let output = Command::new(binary)
        .args(["--addr", &first.addr.to_string()])
        .args(&args)
        .output()
        .expect("run second server");
    assert!(!output.status.success(), "second server started");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "not one line:\n{stderr}");
    assert!(stderr.contains("already in use"), "unclear:\n{stderr}");
    assert!(
        stderr.contains(&first.addr.to_string()),
        "no address:\n{stderr}"
    );
}

/// Sends `bytes` on a fresh connection, then closes it without reading.
fn send_and_close(addr: SocketAddr, bytes: &[u8]) {
    let mut stream = connect(addr);
    // The server may close first (that is its right with garbage): ignore write errors.
    stream.write_all(bytes).ok();
    stream.shutdown(Shutdown::Write).ok();
    let mut sink = Vec::new();
    stream.read_to_end(&mut sink).ok();
}

/// Bad input never panics the server nor stops it serving: after each kind, a well-formed
/// request still succeeds, promptly.
///
/// # Panics
/// If the server fails a well-formed request after an attack, or panicked.
pub fn check_bad_input(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "0"]].concat());
    let addr = server.addr;
    let still_serving = |after: &str| {
        let started = Instant::now();
        let reply = get(addr, "/");
        assert_eq!(reply.status, 200, "after {after}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "slow after {after}"
        );
    };

    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
        .collect();
    send_and_close(addr, &garbage);
    still_serving("garbage bytes");

    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(1 << 20));
    send_and_close(addr, long_line.as_bytes());
    still_serving("a 1 MiB request line");

    let many_headers = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-Filler: 0123456789abcdef0123456789abcdef\r\n".repeat(30_000)
    );
    send_and_close(addr, many_headers.as_bytes());
    still_serving("1 MiB of headers");

    // Half a request, then silence, kept open while others are served.
    let mut half = connect(addr);
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Partial:")
        .ok();
    still_serving("half a request left open");

    // Connect and never send.
    let silent = connect(addr);
    still_serving("a silent connection");

    // Abrupt resets: RST instead of FIN, mid-request.
    for _ in 0..20 {
        let stream = connect(addr);
        let socket = socket2::SockRef::from(&stream);
        socket.set_linger(Some(Duration::ZERO)).ok();
        (&stream).write_all(b"GET / HTTP/1.1\r\nHo").ok();
        drop(stream);
    }
    still_serving("20 connections reset mid-request");

    drop((half, silent));
    still_serving("everything closed");
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// What a server sent back on one connection for `raw`: the status of every response
/// (in order) and whether it then closed the connection (end-of-file or a reset within
/// `bound` of going quiet).
pub struct Exchange {
    /// The status of each response, in order.
    pub statuses: Vec<u16>,
    /// The server closed the connection.
    pub closed: bool,
}

/// Sends `raw` on a fresh connection and reads until the server closes it or `bound`
/// passes without a byte.
///
/// # Panics
/// If the connection is refused.
pub fn exchange(addr: SocketAddr, raw: &[u8], bound: Duration) -> Exchange {
    let mut stream = connect(addr);
    stream.write_all(raw).ok();
    stream.set_read_timeout(Some(bound)).ok();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let closed = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break true,
            Ok(read) => received.extend_from_slice(&chunk[..read]),
            Err(error) => {
                break !matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    };
    let text = String::from_utf8_lossy(&received);
    // A status line starts the stream or follows the blank line that ends a head (the
    // bodies here are short text without "HTTP/1." in them).
    let statuses = text
        .match_indices("HTTP/1.")
        .filter(|(at, _)| *at == 0 || text[..*at].ends_with("\r\n"))
        .filter_map(|(at, _)| text[at..].split_whitespace().nth(1)?.parse().ok())
        .collect();
    Exchange { statuses, closed }
}

/// Requests whose body framing cannot be trusted (RFC 9112 §6): each gets one refusal
/// (or, where the framing is still unambiguous, one answer) and a closed connection, and
/// never a second response, which would be a request smuggled inside a body.
///
/// # Panics
/// If a request gets no answer, more than one, an answer outside its allowed set, or a
/// connection left open; or the server stops serving.
pub fn check_body_framing(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "0"]].concat());
    let smuggled = "GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n";
    let cases: Vec<(String, &[u16])> = vec![
        // hyper refuses a length beyond its own limit with 431; tiny_http (patched) 413.
        (
            "Content-Length: 18446744073709551615\r\n\r\n".to_owned(),
            &[413, 431],
        ),
        ("Content-Length: 1099511627776\r\n\r\n".to_owned(), &[413]),
        ("Content-Length: 1048577\r\n\r\n".to_owned(), &[413]),
        (
            "Content-Length: 99999999999999999999999\r\n\r\n".to_owned(),
            &[400, 413, 431],
        ),
        ("Content-Length: abc\r\n\r\n".to_owned(), &[400]),
        ("Content-Length: -1\r\n\r\n".to_owned(), &[400]),
        (
            "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".to_owned(),
            &[400],
        ),
        // Both framings: refused (tiny_http, patched), or read by Transfer-Encoding alone
        // and the connection closed (hyper, as RFC 9112 §6.1 allows). The body holds a
        // whole request: answering it is the smuggling this guards against.
        (
            format!("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"),
            &[400, 200],
        ),
        (
            format!("Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n{smuggled}"),
            &[400, 200],
        ),
        ("Transfer-Encoding: gzip\r\n\r\n".to_owned(), &[400, 501]),
    ];
    for (headers, allowed) in cases {
        let raw = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}");
        let answer = exchange(server.addr, raw.as_bytes(), Duration::from_secs(3));
        assert_eq!(
            answer.statuses.len(),
            1,
            "{raw:?}: answers {:?}",
            answer.statuses
        );
        assert!(
            allowed.contains(&answer.statuses[0]),
            "{raw:?}: answered {:?}",
            answer.statuses
        );
        assert!(answer.closed, "{raw:?}: the connection was left open");
        assert_eq!(get(server.addr, "/health").status, 200, "after {raw:?}");
    }
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// Bodies announced and never sent, sent in part, awaiting `100 Continue`, or chunked and
/// unfinished, each held open on its own connection: the server answers others at once
/// meanwhile (with one handler, a server that drained such a body on its handler thread
/// stalled for the idle timeout), and closes or answers the held ones without a panic.
///
/// # Panics
/// If a request on another connection is slow or fails, or the server panicked.
pub fn check_unsent_bodies(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(
        binary,
        &[args, &["--delay-ms", "0", "--idle-timeout-secs", "20"]].concat(),
    );
    let held_requests = [
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\npart of it",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    ];
    let mut held = Vec::new();
    for raw in held_requests {
        let mut stream = connect(server.addr);
        stream.write_all(raw.as_bytes()).ok();
        held.push(stream);
        // Well under the idle timeout of 20 s: a server that waits for the held body on
        // its only handler fails this by far.
        let started = Instant::now();
        let reply = get(server.addr, "/");
        assert_eq!(reply.status, 200, "beside {raw:?}");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "GET / took {took:?} beside {raw:?}"
        );
    }
    drop(held);
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// A request head far over 64 KiB is refused with 431; one just under it is served. (hyper
/// checks its limit only while a head is still incomplete, so a head that arrives whole
/// may pass up to about twice the limit: the test stays clear of that band.)
///
/// # Panics
/// If either answer is wrong.
pub fn check_head_limit(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "0"]].concat());
    let head_with = |filler: usize| {
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: {}\r\n\r\n",
            "f".repeat(filler)
        )
    };
    for (filler, expected) in [(60 * 1024, 200), (200 * 1024, 431)] {
        let mut stream = connect(server.addr);
        stream.write_all(head_with(filler).as_bytes()).ok();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok();
        let reply = parse_reply(&raw).expect("an HTTP answer");
        assert_eq!(reply.status, expected, "a {filler}-byte header");
    }
}

/// A connection that sends nothing is closed by the server after `--idle-timeout-secs`.
///
/// # Panics
/// If the connection is still open well after the timeout.
pub fn check_idle_timeout(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--idle-timeout-secs", "1"]].concat());
    let mut silent = connect(server.addr);
    silent.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    // The server ends the connection: end-of-file, a reset, or a 408 then end-of-file.
    loop {
        match silent.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(4500),
        "closed after {took:?}"
    );
    assert_eq!(get(server.addr, "/health").status, 200);
}

/// A client that pipelines requests and never reads the answers: once the answers fill the
/// socket buffers the server cannot write to it, and other clients must still be answered
/// (after the idle timeout at worst) rather than wait behind it for good; and the write
/// timeout (`--idle-timeout-secs`) releases that client's connection and descriptors
/// while the client still holds it open.
///
/// # Panics
/// If a well-formed request on another connection is not answered within the step bound,
/// or the connection is not released.
pub fn check_client_that_never_reads(binary: &str, args: &[&str]) {
    use socket2::{Domain, Socket, Type};

    let server = ServerProcess::start(
        binary,
        &[args, &["--delay-ms", "0", "--idle-timeout-secs", "1"]].concat(),
    );
    let idle_files = server.open_files();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    // A small receive buffer, so the answers fill the buffers sooner.
    socket.set_recv_buffer_size(4096).ok();
    socket
        .connect_timeout(&server.addr.into(), STEP_TIMEOUT)
        .expect("connect");
    let attacker = TcpStream::from(socket);
    attacker.set_write_timeout(Some(STEP_TIMEOUT)).ok();
    // 100,000 requests (3.5 MB) whose ~14 MB of answers far exceed what the kernel buffers
    // for one connection (4 MiB of send buffer on Linux by default).
    let requests = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
    let mut sender = attacker.try_clone().expect("clone the attacker's socket");
    let sending = thread::spawn(move || {
        for _ in 0..100 {
            if sender.write_all(&requests).is_err() {
                break; // the server stopped reading, or closed the connection
            }
        }
    });
    // Probe only once the server is stuck writing to it: its side of the connection holds
    // answers it cannot send, and no more go out.
    let client_port = attacker.local_addr().expect("local address").port();
    let stuck = wait_until_send_queue_stalls(server.addr.port(), client_port);
    assert!(
        stuck,
        "the server never filled its send buffer towards a client that does not read: \
         nothing was checked"
    );
    let started = Instant::now();
    let reply = request(server.addr, "GET", "/health");
    let took = started.elapsed();
    // The write timeout (1 s here) releases the attacker's connection while it is still
    // open and still not reading: its descriptors go back.
    let released = server.wait_open_files_at_most(idle_files, Duration::from_secs(8));
    let held = server.open_files();
    attacker.shutdown(Shutdown::Both).ok();
    sending.join().expect("sender thread");
    assert!(
        released,
        "the server still holds {held} descriptors (idle: {idle_files}) 8 s after a write \
         timeout of 1 s towards a client that never reads"
    );
    let reply = reply.unwrap_or_else(|error| {
        panic!("GET /health beside a client that never reads: {error} after {took:?}")
    });
    assert_eq!(reply.status, 200, "beside a client that never reads");
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// Waits (up to 20 s) until the server's socket from `server_port` to `client_port` holds
/// at least 64 KiB it cannot send and that amount stays the same for 300 ms: the server
/// is stuck writing. Reads the kernel's table of TCP sockets, `/proc/net/tcp`.
fn wait_until_send_queue_stalls(server_port: u16, client_port: u16) -> bool {
    let send_queue = || -> Option<u64> {
        let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
        table.lines().skip(1).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let port = |address: &str| {
                address
                    .rsplit(':')
                    .next()
                    .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            };
            if port(fields.get(1)?)? != server_port || port(fields.get(2)?)? != client_port {
                return None;
            }
            let queues = fields.get(4)?;
            u64::from_str_radix(queues.split(':').next()?, 16).ok()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    while Instant::now() < deadline {
        let now = send_queue();
        if now.is_some_and(|bytes| bytes >= 64 * 1024) && now == last {
            return true;
        }
        last = now;
        thread::sleep(Duration::from_millis(300));
    }
    false
}

/// Reads one response from `reader`: the head, then `Content-Length` bytes of body (none
/// for a `HEAD` request), leaving the stream where the next response starts.
fn read_one_reply(reader: &mut BufReader<TcpStream>, head_request: bool) -> std::io::Result<Reply> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let mut reply = parse_reply(&head)?;
    if !head_request {
        let length: usize = reply
            .header("content-length")
            .and_then(|length| length.parse().ok())
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "no Content-Length")
            })?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        reply.body = String::from_utf8_lossy(&body).into_owned();
    }
    Ok(reply)
}

/// Whether the server closes the connection (end-of-file or a reset) within `bound`, with
/// nothing more sent on it.
///
/// # Panics
/// If the server sends bytes nobody asked for.
fn closed_within(reader: &mut BufReader<TcpStream>, bound: Duration) -> bool {
    reader.get_ref().set_read_timeout(Some(bound)).ok();
    let mut byte = [0u8; 1];
    match reader.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => panic!("unexpected bytes after the last response"),
        Err(error) => !matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Whether a response says `Connection: keep-alive` (any case).
fn announces_keep_alive(reply: &Reply) -> bool {
    reply.header("connection").is_some_and(|value| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("keep-alive"))
    })
}

/// How long a server may take to close a connection after its last response.
const CLOSE_BOUND: Duration = Duration::from_secs(3);

/// An HTTP/1.0 request that asks for keep-alive (`Connection: Keep-Alive`) either gets
/// `Connection: keep-alive` and a connection that serves the next requests (`HEAD`
/// included), or a response after which the server closes. An HTTP/1.0 client waits for
/// that close when the header is missing, so a kept connection without it hangs the client
/// (`ab -k`). An HTTP/1.0 request without keep-alive is answered, then closed.
///
/// # Panics
/// If a response is wrong, or the connection is kept open without the header.
pub fn check_http10_keep_alive(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "0"]].concat());
    let mut writer = connect(server.addr);
    let mut reader = BufReader::new(writer.try_clone().expect("clone the socket"));

    writer
        .write_all(b"GET / HTTP/1.0\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\n")
        .expect("send");
    let first = read_one_reply(&mut reader, false).expect("an answer to GET / HTTP/1.0");
    assert_eq!((first.status, first.body.as_str()), (200, "Hello, World!"));
    if !announces_keep_alive(&first) {
        assert!(
            closed_within(&mut reader, CLOSE_BOUND),
            "HTTP/1.0 keep-alive answered without Connection: keep-alive ({:?}), and the \
             connection left open: an HTTP/1.0 client waits for the close",
            first.header("connection")
        );
        return;
    }

    writer
        .write_all(b"HEAD / HTTP/1.0\r\nHost: x\r\nconnection: keep-alive\r\n\r\n")
        .expect("send on the kept connection");
    let head = read_one_reply(&mut reader, true).expect("an answer to HEAD on the kept connection");
    assert_eq!(head.status, 200, "HEAD / HTTP/1.0");
    assert!(announces_keep_alive(&head), "HEAD: {:?}", head.headers);

    writer
        .write_all(b"GET /health HTTP/1.0\r\nHost: x\r\n\r\n")
        .expect("send on the kept connection");
    let last = read_one_reply(&mut reader, false).expect("an answer to the last request");
    assert_eq!((last.status, last.body.as_str()), (200, "OK"));
    assert!(!announces_keep_alive(&last), "no keep-alive was asked for");
    assert!(
        closed_within(&mut reader, CLOSE_BOUND),
        "HTTP/1.0 without keep-alive: the connection must close after the response"
    );
}

/// HTTP/1.1 as before: three pipelined requests (`GET /`, `HEAD /`, `GET /health`) answered
/// in order on one connection, `HEAD` without a body, the connection kept; then a request
/// with `Connection: close` is answered and the connection closed.
///
/// # Panics
/// If an answer is wrong or out of order, or the connection is not closed after `close`.
pub fn check_http11_connections(binary: &str, args: &[&str]) {
    let server = ServerProcess::start(binary, &[args, &["--delay-ms", "0"]].concat());
    let mut writer = connect(server.addr);
    let mut reader = BufReader::new(writer.try_clone().expect("clone the socket"));

    writer
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\
              HEAD / HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .expect("send three pipelined requests");
    let hello = read_one_reply(&mut reader, false).expect("the first pipelined answer");
    assert_eq!((hello.status, hello.body.as_str()), (200, "Hello, World!"));
    let head = read_one_reply(&mut reader, true).expect("the answer to HEAD");
    assert_eq!(head.status, 200, "HEAD /");
    // Had HEAD's answer carried a body, the next status line would not parse.
    let health = read_one_reply(&mut reader, false).expect("the third pipelined answer");
    assert_eq!((health.status, health.body.as_str()), (200, "OK"));
    for reply in [&hello, &head, &health] {
        assert_ne!(reply.header("connection"), Some("close"), "{reply:?}");
    }

    writer
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send on the kept connection");
    let last = read_one_reply(&mut reader, false).expect("an answer on the kept connection");
    assert_eq!((last.status, last.body.as_str()), (200, "Hello, World!"));
    assert!(
        closed_within(&mut reader, CLOSE_BOUND),
        "Connection: close: the connection must close after the response"
    );
}

// ---- The real downstream call (`--downstream URL`) ------------------------------------

/// Declares, in a server's `tests/`, one `#[test]` per check of the real downstream call,
/// run against `$binary` with any extra arguments given after it (declare it again inside
/// a module for other flags, like [`contract_tests!`]). Each test starts its own
/// downstream, the project's `async-server --timer timerfd` ([`downstream_binary`]).
#[macro_export]
macro_rules! downstream_tests {
    ($binary:expr $(, $arg:expr)* $(,)?) => {
        #[test]
        fn the_answer_follows_the_downstreams() {
            $crate::check_downstream_answer($binary, &[$($arg),*]);
        }

        #[test]
        fn the_downstream_connections_are_pooled() {
            $crate::check_downstream_pool($binary, &[$($arg),*]);
        }

        #[test]
        fn a_dead_downstream_is_502_within_the_timeout_and_counted() {
            $crate::check_dead_downstream($binary, &[$($arg),*]);
        }

        #[test]
        fn a_slow_downstream_is_504_at_the_timeout_and_counted() {
            $crate::check_slow_downstream($binary, &[$($arg),*]);
        }

        #[test]
        fn a_downstream_404_is_502_and_counted() {
            $crate::check_downstream_non_2xx($binary, &[$($arg),*]);
        }
    };
}

/// Stops `server` with SIGTERM and returns its `downstream calls` line, which must be
/// there, once, and the exit clean.
///
/// # Panics
/// If the server does not exit 0, or its log has not exactly one such line.
pub fn downstream_totals(mut server: ServerProcess) -> String {
    server.terminate();
    let status = server.wait_exit(STEP_TIMEOUT).expect("exits after SIGTERM");
    assert!(status.success(), "exit status {status}");
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("downstream calls"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "not one 'downstream calls' line in:\n{stderr}"
    );
    lines[0].to_owned()
}

/// The `key=N` counts of a `downstream calls` line, in the order answered, refused,
/// timeout, non_2xx, broken.
///
/// # Panics
/// If one is missing.
pub fn downstream_counts(line: &str) -> [u64; 5] {
    ["answered", "refused", "timeout", "non_2xx", "broken"].map(|key| {
        field(line, key)
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
    })
}

/// `GET /` with `--downstream` is answered `200 Hello, World!` once the downstream has
/// answered, so never before its delay (150 ms here, the server's own `--delay-ms` being
/// 0); `/health` does not call it. Every call is counted as answered.
///
/// # Panics
/// If an answer is wrong or comes before the downstream's.
pub fn check_downstream_answer(binary: &str, args: &[&str]) {
    let downstream = ServerProcess::start_downstream(150);
    let server = ServerProcess::start(
        binary,
        &[
            args,
            &["--delay-ms", "0", "--downstream", &downstream.url()],
        ]
        .concat(),
    );
    for _ in 0..3 {
        let started = Instant::now();
        let reply = get(server.addr, "/");
        let took = started.elapsed();
        assert_eq!((reply.status, reply.body.as_str()), (200, "Hello, World!"));
        assert!(took >= Duration::from_millis(150), "GET / took {took:?}");
    }
    let started = Instant::now();
    assert_eq!(get(server.addr, "/health").status, 200);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(150), "/health took {took:?}");
    let totals = downstream_totals(server);
    assert_eq!(downstream_counts(&totals), [3, 0, 0, 0, 0], "{totals}");
}

/// The client ports of every TCP connection to `port` on this machine, in any state
/// (established, or closed and waiting out `TIME_WAIT`), from both ends: the kernel's own
/// table (`/proc/net/tcp`, `/proc/net/tcp6`), so connections opened and closed are seen too.
fn connections_to(port: u16) -> std::collections::BTreeSet<u16> {
    let hex_port = |address: &str| {
        address
            .rsplit(':')
            .next()
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
    };
    let mut clients = std::collections::BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(table) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote)) = (
                fields.get(1).and_then(|a| hex_port(a)),
                fields.get(2).and_then(|a| hex_port(a)),
            ) else {
                continue;
            };
            if remote == port {
                clients.insert(local);
            } else if local == port && remote != 0 {
                clients.insert(remote);
            }
        }
    }
    clients
}

/// How many connections to `port` are in the kernel's table now that were not in `before`
/// (taken when the server on `port` started): a port is reused as soon as a server ends, and
/// the connections of the one before may still be waiting out `TIME_WAIT` there.
fn new_connections_to(port: u16, before: &std::collections::BTreeSet<u16>) -> usize {
    connections_to(port).difference(before).count()
}

/// The downstream connections are kept and reused: 20 `GET /` one after another open at most
/// 3 connections to the downstream (counted in the kernel's TCP table); with
/// `--downstream-keep-alive-secs 0` the same 20 open a connection each (at least 10 seen,
/// should the kernel reuse a port), which shows the count sees them.
///
/// # Panics
/// If the pool is not reused, or the count does not see connections.
pub fn check_downstream_pool(binary: &str, args: &[&str]) {
    const REQUESTS: usize = 20;
    for (keep_alive, expected) in [("15", 1..=3), ("0", REQUESTS / 2..=REQUESTS)] {
        let downstream = ServerProcess::start_downstream(1);
        let before = connections_to(downstream.addr.port());
        let server = ServerProcess::start(
            binary,
            &[
                args,
                &[
                    "--downstream",
                    &downstream.url(),
                    "--downstream-keep-alive-secs",
                    keep_alive,
                ],
            ]
            .concat(),
        );
        for _ in 0..REQUESTS {
            let reply = get(server.addr, "/");
            assert_eq!(reply.status, 200, "keep-alive {keep_alive}: {}", reply.body);
        }
        let connections = new_connections_to(downstream.addr.port(), &before);
        assert!(
            expected.contains(&connections),
            "keep-alive {keep_alive} s: {REQUESTS} calls opened {connections} connections to \
             the downstream, expected {expected:?}"
        );
        let totals = downstream_totals(server);
        assert_eq!(downstream_counts(&totals)[0], 20, "{totals}");
    }
}

/// A downstream nobody listens on: `502` with a short body, at once (well within the
/// timeout, 3 s here), twice (the handler is free again), counted as refused.
///
/// # Panics
/// If an answer is not 502 within the timeout, or the count is wrong.
pub fn check_dead_downstream(binary: &str, args: &[&str]) {
    let url = format!("http://127.0.0.1:{}/", free_port());
    let server = ServerProcess::start(
        binary,
        &[
            args,
            &["--downstream", &url, "--downstream-timeout-ms", "3000"],
        ]
        .concat(),
    );
    for _ in 0..2 {
        let started = Instant::now();
        let reply = get(server.addr, "/");
        let took = started.elapsed();
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert!(reply.body.contains("refused"), "{}", reply.body);
        assert!(took < Duration::from_secs(3), "502 after {took:?}");
    }
    assert_eq!(get(server.addr, "/health").status, 200);
    let totals = downstream_totals(server);
    assert_eq!(downstream_counts(&totals), [0, 2, 0, 0, 0], "{totals}");
}

/// A downstream slower (3 s) than `--downstream-timeout-ms` (300 ms): `504` once the timeout
/// has passed and well before the downstream would answer, twice (the handler is not held
/// by the call it gave up), counted as timeouts.
///
/// # Panics
/// If an answer is not 504 within those bounds, or the count is wrong.
pub fn check_slow_downstream(binary: &str, args: &[&str]) {
    let downstream = ServerProcess::start_downstream(3000);
    let server = ServerProcess::start(
        binary,
        &[
            args,
            &[
                "--downstream",
                &downstream.url(),
                "--downstream-timeout-ms",
                "300",
            ],
        ]
        .concat(),
    );
    for _ in 0..2 {
        let started = Instant::now();
        let reply = get(server.addr, "/");
        let took = started.elapsed();
        assert_eq!(reply.status, 504, "{}", reply.body);
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(2500),
            "504 after {took:?}"
        );
    }
    let totals = downstream_totals(server);
    assert_eq!(downstream_counts(&totals), [0, 0, 2, 0, 0], "{totals}");
}

/// A downstream that answers `404` (its `/nothing`): `502` naming the status, counted as
/// non-2xx; the downstream's connection is still reused (its body was read).
///
/// # Panics
/// If an answer is not 502, or the count is wrong.
pub fn check_downstream_non_2xx(binary: &str, args: &[&str]) {
    let downstream = ServerProcess::start_downstream(0);
    let url = format!("{}nothing", downstream.url());
    let before = connections_to(downstream.addr.port());
    let server = ServerProcess::start(binary, &[args, &["--downstream", &url]].concat());
    for _ in 0..3 {
        let reply = get(server.addr, "/");
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert!(reply.body.contains("404"), "{}", reply.body);
    }
    let connections = new_connections_to(downstream.addr.port(), &before);
    assert_eq!(
        connections, 1,
        "3 calls answered 404 opened {connections} connections"
    );
    let totals = downstream_totals(server);
    assert_eq!(downstream_counts(&totals), [0, 0, 0, 3, 0], "{totals}");
}
