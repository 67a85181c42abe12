//! sync-server over real sockets: the shared contract, then what makes it the sync
//! variant: handler threads that each serve one request at a time.

use std::time::Duration;

use server_common::testing::{concurrent_gets, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_sync-server");

server_common::contract_tests!(BINARY);

#[test]
fn one_worker_serves_one_request_at_a_time() {
    let server = ServerProcess::start(BINARY, &["--workers", "1", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    // 8 requests x 50 ms, one after another.
    assert!(
        took >= Duration::from_millis(380),
        "8 requests took {took:?}"
    );
    assert!(took < Duration::from_secs(2), "8 requests took {took:?}");
}

#[test]
fn four_workers_serve_four_at_a_time() {
    let server = ServerProcess::start(BINARY, &["--workers", "4", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    // 8 requests in two rounds of 4: about 100 ms, a quarter of the one-worker time.
    assert!(
        took >= Duration::from_millis(95),
        "8 requests took {took:?}"
    );
    assert!(
        took < Duration::from_millis(300),
        "8 requests took {took:?}"
    );
}
