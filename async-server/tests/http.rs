//! async-server over real sockets: the shared contract, then what makes it the async
//! variant: one event loop keeps every request's wait going at once.

use std::time::Duration;

use server_common::testing::{self, concurrent_gets, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_async-server");

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
