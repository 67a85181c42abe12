//! sync-server over real sockets: the shared contract, then what makes it the sync
//! variant: handler threads that each serve one request at a time.

use server_testing::check_8_concurrent_gets;

const BINARY: &str = env!("CARGO_BIN_EXE_sync-server");

server_testing::contract_tests!(BINARY);

#[test]
fn one_worker_serves_one_request_at_a_time() {
    // 8 requests x 50 ms, one after another.
    check_8_concurrent_gets(BINARY, &["--workers", "1"], 380..2000);
}

#[test]
fn four_workers_serve_four_at_a_time() {
    // Two rounds of 4: about 100 ms, a quarter of the one-worker time.
    check_8_concurrent_gets(BINARY, &["--workers", "4"], 95..300);
}

/// The patched tiny_http keeps an HTTP/1.0 keep-alive connection and says so (the contract
/// also allows a close; this server keeps it, which `ab -k` relies on).
#[test]
fn http10_keep_alive_is_kept_and_announced() {
    use std::io::{Read, Write};

    let server = server_testing::ServerProcess::start(BINARY, &["--delay-ms", "0"]);
    let mut stream = server_testing::connect(server.addr);
    for _ in 0..3 {
        stream
            .write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        while !answer.ends_with(b"Hello, World!") {
            let mut chunk = [0u8; 512];
            let read = stream
                .read(&mut chunk)
                .expect("an answer on the kept connection");
            assert!(
                read > 0,
                "closed after {:?}",
                String::from_utf8_lossy(&answer)
            );
            answer.extend_from_slice(&chunk[..read]);
        }
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.0 200"), "{text}");
        assert!(text.contains("\r\nConnection: keep-alive\r\n"), "{text}");
    }
}

/// The patched tiny_http's answers to a body it cannot trust (vendor/tiny_http/PATCHES.md,
/// patch 8): 413 above 1 MiB, 400 for anything else, each with the connection closed; the
/// contract allows hyper's own choices besides.
#[test]
fn framing_refusals_are_413_or_400_and_a_close() {
    use server_testing::{exchange, ServerProcess};
    use std::time::Duration;

    let server = ServerProcess::start(BINARY, &["--delay-ms", "0"]);
    let cases = [
        ("Content-Length: 1048577\r\n\r\n", 413),
        ("Content-Length: 18446744073709551615\r\n\r\n", 413),
        ("Content-Length: 99999999999999999999999\r\n\r\n", 413),
        ("Content-Length: 1 1\r\n\r\n", 400),
        (
            "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
        ),
        ("Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    ];
    for (headers, status) in cases {
        let raw = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}");
        let answer = exchange(server.addr, raw.as_bytes(), Duration::from_secs(3));
        assert_eq!(answer.statuses, [status], "{raw:?}");
        assert!(answer.closed, "{raw:?}: left open");
    }
    // A body of exactly the maximum is still taken (and, unread, closes its connection).
    let raw = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n";
    let answer = exchange(server.addr, raw.as_bytes(), Duration::from_secs(3));
    assert_eq!(answer.statuses, [200]);
    assert!(answer.closed, "an unread body leaves its connection open");
}

/// A request whose client resets the connection before it is served: tiny_http asked for
/// the peer's address with `unwrap()` (vendor/tiny_http/PATCHES.md, patch 9), which
/// panicked that connection's thread. Many of them, then the server still serves.
#[test]
fn requests_reset_before_they_are_served_do_not_panic() {
    use server_testing::{connect, get, ServerProcess};
    use std::io::Write;
    use std::time::Duration;

    let server = ServerProcess::start(BINARY, &["--delay-ms", "5"]);
    for _ in 0..200 {
        let stream = connect(server.addr);
        socket2::SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .ok();
        (&stream)
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .ok();
        drop(stream);
    }
    assert_eq!(get(server.addr, "/health").status, 200);
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// --max-connections: beyond the cap new connections wait in the backlog, and are served
/// as soon as one of those served ends; never refused, never a crash.
#[test]
fn connections_beyond_the_cap_wait_and_are_then_served() {
    use server_testing::{connect, get, ServerProcess};
    use std::time::Duration;

    let server = ServerProcess::start(BINARY, &["--delay-ms", "0", "--max-connections", "2"]);
    let first = connect(server.addr);
    let second = connect(server.addr);
    // Give the accept thread time to take both (their threads now hold the two places).
    std::thread::sleep(Duration::from_millis(200));
    let waiting = std::thread::spawn({
        let addr = server.addr;
        move || get(addr, "/health").status
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !waiting.is_finished(),
        "a third connection was served at a cap of 2"
    );
    drop(first);
    assert_eq!(waiting.join().expect("the waiting client"), 200);
    drop(second);
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

/// The contract again with a real downstream call (the project's own async-server, with the
/// delay each check asks for), the downstream call's own checks, and the sync semantics with
/// real calls: one handler thread makes one call at a time.
mod downstream {
    use super::BINARY;
    use server_testing::{check_8_concurrent_gets, WITH_DOWNSTREAM};

    server_testing::contract_tests!(BINARY, WITH_DOWNSTREAM);
    server_testing::downstream_tests!(BINARY);

    #[test]
    fn one_worker_makes_one_call_at_a_time() {
        check_8_concurrent_gets(BINARY, &[WITH_DOWNSTREAM, "--workers", "1"], 380..2000);
    }

    #[test]
    fn four_workers_share_one_pool_and_make_four_calls_at_a_time() {
        check_8_concurrent_gets(BINARY, &[WITH_DOWNSTREAM, "--workers", "4"], 95..300);
    }
}

/// A request's head, and a small body read with it, must arrive within the connection
/// timeout of its first byte (vendor/tiny_http/PATCHES.md, patch 7): a client that sends a
/// byte now and then, each well within the timeout, gets 408 and a close instead of holding
/// the connection's thread for as long as it likes.
#[test]
fn a_request_trickled_in_gets_408_at_its_deadline() {
    use server_testing::{connect, ServerProcess};
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    let server = ServerProcess::start(BINARY, &["--delay-ms", "0", "--idle-timeout-secs", "1"]);
    let heads: [&[u8]; 2] = [
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ];
    for (index, request) in heads.iter().enumerate() {
        let mut stream = connect(server.addr);
        // The body's case: its head at once, then the body a byte at a time.
        let at_once = if index == 1 { request.len() - 30 } else { 1 };
        stream.write_all(&request[..at_once]).ok();
        let started = Instant::now();
        // A byte every 250 ms: the whole request would take over 7 s.
        for byte in &request[at_once..] {
            std::thread::sleep(Duration::from_millis(250));
            if stream.write_all(std::slice::from_ref(byte)).is_err() {
                break; // the server closed it
            }
        }
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok();
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 408"),
            "request {index}: {text:?}"
        );
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "request {index}: 408 after {took:?}"
        );
    }
}
