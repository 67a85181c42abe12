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
