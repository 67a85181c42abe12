//! async-blocking-server over real sockets: the shared contract, then what makes it this
//! variant: the blocking wait serialises every request on the runtime's thread, and
//! `--offload` (spawn_blocking) undoes that.

use std::time::Duration;

use server_common::testing::{concurrent_gets, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_async-blocking-server");

server_common::contract_tests!(BINARY);

#[test]
fn the_blocking_wait_serialises_requests_on_one_event_loop() {
    let server = ServerProcess::start(BINARY, &["--workers", "1", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    // 8 x 50 ms, one after another, although the server is "async".
    assert!(
        took >= Duration::from_millis(380),
        "8 requests took {took:?}"
    );
    assert!(took < Duration::from_secs(2), "8 requests took {took:?}");
}

#[test]
fn four_runtime_threads_block_four_at_a_time() {
    let server = ServerProcess::start(BINARY, &["--workers", "4", "--delay-ms", "50"]);
    let took = concurrent_gets(server.addr, 8);
    // About two rounds of 4 x 50 ms; tokio's scheduler may place them less evenly, so
    // the bound is looser than for sync-server, yet far below one worker's 400 ms.
    assert!(
        took >= Duration::from_millis(95),
        "8 requests took {took:?}"
    );
    assert!(
        took < Duration::from_millis(330),
        "8 requests took {took:?}"
    );
}

#[test]
fn offload_overlaps_the_blocking_waits() {
    let server = ServerProcess::start(BINARY, &["--workers", "1", "--delay-ms", "50", "--offload"]);
    let took = concurrent_gets(server.addr, 8);
    assert!(
        took >= Duration::from_millis(50),
        "8 requests took {took:?}"
    );
    assert!(
        took < Duration::from_millis(250),
        "8 requests took {took:?}"
    );
}
