//! async-blocking-server over real sockets: the shared contract, then what makes it this
//! variant: the blocking wait serialises every request on the runtime's thread, and
//! `--offload` (spawn_blocking) undoes that.

use server_testing::check_8_concurrent_gets;

const BINARY: &str = env!("CARGO_BIN_EXE_async-blocking-server");

server_testing::contract_tests!(BINARY);

#[test]
fn the_blocking_wait_serialises_requests_on_one_event_loop() {
    // 8 x 50 ms, one after another, although the server is "async".
    check_8_concurrent_gets(BINARY, &["--workers", "1"], 380..2000);
}

#[test]
fn four_runtime_threads_block_four_at_a_time() {
    // About two rounds of 4 x 50 ms; tokio's scheduler may place them less evenly, so the
    // bound is looser than for sync-server, yet far below one worker's 400 ms.
    check_8_concurrent_gets(BINARY, &["--workers", "4"], 95..330);
}

#[test]
fn offload_overlaps_the_blocking_waits() {
    check_8_concurrent_gets(BINARY, &["--workers", "1", "--offload"], 50..250);
}

/// The contract again with a real downstream call (the project's own async-server, with the
/// delay each check asks for), the downstream call's own checks, with and without
/// `--offload`, and the semantics with real calls: the blocking client serialises the calls
/// on one event loop, and `--offload` overlaps them.
mod downstream {
    use super::BINARY;
    use server_testing::{check_8_concurrent_gets, WITH_DOWNSTREAM};

    server_testing::contract_tests!(BINARY, WITH_DOWNSTREAM);
    server_testing::downstream_tests!(BINARY);

    #[test]
    fn the_blocking_client_serialises_calls_on_one_event_loop() {
        check_8_concurrent_gets(BINARY, &[WITH_DOWNSTREAM, "--workers", "1"], 380..2000);
    }

    #[test]
    fn offload_overlaps_the_blocking_calls() {
        check_8_concurrent_gets(
            BINARY,
            &[WITH_DOWNSTREAM, "--workers", "1", "--offload"],
            50..250,
        );
    }

    /// The downstream call's checks with the call in `spawn_blocking`.
    mod offload {
        use super::BINARY;

        server_testing::downstream_tests!(BINARY, "--offload");
    }
}
