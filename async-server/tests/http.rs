//! async-server over real sockets: the shared contract, then what makes it the async
//! variant: one event loop keeps every request's wait going at once.

use server_common::testing::check_8_concurrent_gets;

const BINARY: &str = env!("CARGO_BIN_EXE_async-server");

server_common::contract_tests!(BINARY);

#[test]
fn one_event_loop_overlaps_every_wait() {
    // All 8 waits overlap: about one delay, far below 8 x 50 ms.
    check_8_concurrent_gets(BINARY, &["--workers", "1"], 50..250);
}

#[test]
fn a_multi_thread_runtime_serves_the_same() {
    check_8_concurrent_gets(BINARY, &["--workers", "4"], 50..250);
}
