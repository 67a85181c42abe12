//! async-blocking-server over real sockets: the shared contract, then what makes it this
//! variant: the blocking wait serialises every request on the runtime's thread, and
//! `--offload` (spawn_blocking) undoes that.

use std::time::Duration;

use server_common::testing::{self, concurrent_gets, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_async-blocking-server");

#[test]
fn routes() {
    testing::check_routes(BINARY);
}

#[test]
fn root_waits_the_delay_and_health_does_not() {
    testing::check_delay(BINARY);
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    testing::check_graceful_shutdown(BINARY);
}

#[test]
fn busy_port_is_one_clear_line_and_a_failure() {
    testing::check_busy_port(BINARY);
}

#[test]
fn bad_input_does_not_stop_it_serving() {
    testing::check_bad_input(BINARY);
}

#[test]
fn request_heads_over_64_kib_are_refused() {
    testing::check_head_limit(BINARY);
}

#[test]
fn idle_connections_are_closed() {
    testing::check_idle_timeout(BINARY);
}

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
