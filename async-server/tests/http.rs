//! async-server over real sockets: the shared contract, then what makes it the async
//! variant: one event loop keeps every request's wait going at once.

use std::time::Duration;

use server_common::testing::{concurrent_gets, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_async-server");

server_common::contract_tests!(BINARY);

#[test]
fn one_event_loop_overlaps_every_wait() {
    let server = ServerProcess::start(BINARY, &["--workers", "1", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    // All 8 waits overlap: about one delay, far below 8 x 50 ms.
    assert!(
        took >= Duration::from_millis(50),
        "8 requests took {took:?}"
    );
    assert!(
        took < Duration::from_millis(250),
        "8 requests took {took:?}"
    );
}

#[test]
fn a_multi_thread_runtime_serves_the_same() {
    let server = ServerProcess::start(BINARY, &["--workers", "4", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    assert!(
        took < Duration::from_millis(250),
        "8 requests took {took:?}"
    );
}
