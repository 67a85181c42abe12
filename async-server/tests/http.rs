//! async-server over real sockets: the shared contract, then what makes it the async
//! variant: one event loop keeps every request's wait going at once. All of it twice: on
//! tokio's timer (the default) and on the kernel timer of `--timer timerfd`.

use std::process::Command;

use server_testing::{check_8_concurrent_gets, ServerProcess};

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

/// `GET /stats`: one `key=value` line per figure.
fn stats(addr: std::net::SocketAddr) -> std::collections::HashMap<String, String> {
    let reply = server_testing::get(addr, "/stats");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .lines()
        .map(|line| {
            let (key, value) = line.split_once('=').expect("key=value");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

fn count(stats: &std::collections::HashMap<String, String>, key: &str) -> u64 {
    stats
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {stats:?}"))
        .parse()
        .expect("a count")
}

#[test]
fn stats_counts_the_timerfd_wake_ups_of_real_requests() {
    let server = ServerProcess::start(
        BINARY,
        &[
            "--timer",
            "timerfd",
            "--timer-slack",
            "50us",
            "--delay-ms",
            "5",
        ],
    );
    assert!(
        server.stderr().contains("timerfd, slack 50 µs"),
        "{}",
        server.stderr()
    );
    let before = stats(server.addr);
    assert_eq!(before["timer"], "timerfd");
    assert_eq!(before["timer_slack_us"], "50");
    for _ in 0..5 {
        assert_eq!(server_testing::get(server.addr, "/").status, 200);
    }
    let after = stats(server.addr);
    // Five waits one after another: each needed the timerfd to expire at least once.
    let timer = count(&after, "timer_wakeups") - count(&before, "timer_wakeups");
    assert!(timer >= 5, "{timer} timer wake-ups for 5 sequential waits");
    let event_loop = count(&after, "loop_wakeups") - count(&before, "loop_wakeups");
    assert!(
        event_loop >= timer,
        "{event_loop} loop wake-ups, {timer} timer ones"
    );
}

#[test]
fn stats_on_tokios_timer_counts_the_event_loop_only() {
    let server = ServerProcess::start(BINARY, &["--delay-ms", "5"]);
    let before = stats(server.addr);
    for _ in 0..3 {
        assert_eq!(server_testing::get(server.addr, "/").status, 200);
    }
    let after = stats(server.addr);
    assert_eq!(after["timer"], "tokio");
    assert!(!after.contains_key("timer_wakeups"), "{after:?}");
    assert!(count(&after, "loop_wakeups") >= count(&before, "loop_wakeups") + 3);
}

#[test]
fn a_bad_timer_slack_is_a_clear_error_and_a_failure() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--timer", "timerfd", "--timer-slack", "50"],
            "has no unit",
        ),
        (
            &["--timer", "timerfd", "--timer-slack", "5min"],
            "unknown unit 'min'",
        ),
        (
            &["--timer", "timerfd", "--timer-slack", "2s"],
            "more than the widest slack",
        ),
        (
            &["--timer-slack", "50us"],
            "--timer-slack applies to --timer timerfd only",
        ),
    ];
    for (args, message) in cases {
        let output = Command::new(BINARY)
            .args(*args)
            .args(["--addr", "127.0.0.1:0"])
            .output()
            .expect("run async-server");
        assert!(!output.status.success(), "{args:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}:\n{stderr}");
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
