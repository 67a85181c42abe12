//! async-server over real sockets: the shared contract, then what makes it the async
//! variant: one event loop keeps every request's wait going at once. All of it twice: on
//! tokio's timer (the default) and on the kernel timer of `--timer timerfd`.

use std::process::Command;

use server_testing::check_8_concurrent_gets;

const BINARY: &str = env!("CARGO_BIN_EXE_async-server");

server_testing::contract_tests!(BINARY);

#[test]
fn one_event_loop_overlaps_every_wait() {
    // All 8 waits overlap: about one delay, far below 8 x 50 ms.
    check_8_concurrent_gets(BINARY, &["--workers", "1"], 50..250);
}

#[test]
fn a_multi_thread_runtime_serves_the_same() {
    check_8_concurrent_gets(BINARY, &["--workers", "4"], 50..250);
}

#[test]
fn a_bad_timer_is_a_clear_error_and_a_failure() {
    for bad in ["nope", "Timerfd", "timer-fd"] {
        let output = Command::new(BINARY)
            .args(["--timer", bad])
            .output()
            .expect("run async-server");
        assert!(!output.status.success(), "--timer {bad:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("invalid value '{bad}' for '--timer <TIMER>'")),
            "unclear for {bad:?}:\n{stderr}"
        );
        assert!(
            stderr.contains("[possible values: tokio, timerfd]"),
            "no choices for {bad:?}:\n{stderr}"
        );
    }
}

/// The same checks with `--timer timerfd`.
mod timerfd {
    use super::{check_8_concurrent_gets, BINARY};

    server_testing::contract_tests!(BINARY, "--timer", "timerfd");

    #[test]
    fn one_event_loop_overlaps_every_wait() {
        check_8_concurrent_gets(BINARY, &["--timer", "timerfd", "--workers", "1"], 50..250);
    }

    #[test]
    fn a_multi_thread_runtime_serves_the_same() {
        check_8_concurrent_gets(BINARY, &["--timer", "timerfd", "--workers", "4"], 50..250);
    }
}

/// The contract again with a real downstream call (another async-server, with the delay each
/// check asks for), the downstream call's own checks, and the async semantics with real
/// calls: one event loop keeps every call going at once.
mod downstream {
    use super::{check_8_concurrent_gets, BINARY};
    use server_testing::WITH_DOWNSTREAM;

    server_testing::contract_tests!(BINARY, WITH_DOWNSTREAM);
    server_testing::downstream_tests!(BINARY);

    #[test]
    fn one_event_loop_overlaps_every_call() {
        check_8_concurrent_gets(BINARY, &[WITH_DOWNSTREAM, "--workers", "1"], 50..250);
    }

    #[test]
    fn a_multi_thread_runtime_overlaps_them_too() {
        check_8_concurrent_gets(BINARY, &[WITH_DOWNSTREAM, "--workers", "4"], 50..250);
    }
}
