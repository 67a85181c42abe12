//! sync-server over real sockets: the shared contract, then what makes it the sync
//! variant: handler threads that each serve one request at a time.

use server_common::testing::check_8_concurrent_gets;

const BINARY: &str = env!("CARGO_BIN_EXE_sync-server");

server_common::contract_tests!(BINARY);

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

    let server = server_common::testing::ServerProcess::start(BINARY, &["--delay-ms", "0"]);
    let mut stream = server_common::testing::connect(server.addr);
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
