//! Sleeps on a kernel timer (Linux `timerfd`), for `async-server --timer timerfd`: deadlines
//! to the nanosecond, at about the cost of tokio's own timer.
//!
//! # Why
//!
//! tokio's timer wheel ticks every millisecond and rounds a deadline up to the next tick, so
//! a 10 ms `tokio::time::sleep` takes about 11 ms, and 100 connections waiting 10 ms each
//! reach about 9,000 req/s instead of 10,000. A timerfd is a kernel timer with nanosecond
//! deadlines that becomes readable when it expires, so the event loop waits on it as on a
//! socket.
//!
//! # The design: asyncio's selector timeout, with a coalescing slack
//!
//! One timerfd per [`Timer`] (the server makes one for its runtime), and the pending sleeps
//! in a map ordered by deadline (a `BTreeMap`, the heap of asyncio's design, which can also
//! drop a cancelled sleep at once and find the last deadline of a group):
//!
//! - the timerfd is armed, as an absolute time on `CLOCK_MONOTONIC` (the clock of
//!   `std::time::Instant` on Linux), for the next *group*: the sleeps whose deadlines lie
//!   within the timer's slack ([`DEFAULT_SLACK`] unless `--timer-slack` says otherwise) of
//!   the earliest, all due at the latest deadline among them;
//! - a driver task waits for it to become readable (tokio's [`AsyncFd`]); then it wakes
//!   every sleep whose deadline has passed and re-arms the timerfd for the next group.
//!
//! A sleep alone is woken at its deadline. Sleeps that end close together share one expiry:
//! a wake-up may come up to the slack late, never early, since a sleep completes only once
//! the driver has read the clock at or past its deadline. Under a steady load the requests
//! woken together answer together and come back together, so the groups last: at the
//! seed's load (100 connections, 10 ms) an expiry wakes a dozen or more sleeps, more than a
//! tick of tokio's wheel does, while each waits only as long as the group is wide (a few
//! tens of µs on average), not up to the next millisecond.
//!
//! # Costs
//!
//! - Per sleep: an insertion and a removal in the map, under a mutex. No system call, unless
//!   the sleep would otherwise wait more than the slack past its deadline (then one
//!   `timerfd_settime`): under a steady load every new sleep ends after those already
//!   waiting, so that happens only when none is waiting.
//! - Per expiry (one for each group): the readiness arrives with the `epoll_wait` the
//!   runtime makes anyway; one `clock_gettime` (vDSO, not a system call); one
//!   `timerfd_settime` to re-arm. No `read`: re-arming resets the count of expiries that
//!   `read` would return, and tokio's edge-triggered epoll reports the next one.
//! - One file descriptor, and one task, per timer.
//! - One relaxed atomic increment per expiry: the count of wake-ups
//!   ([`Timer::wakeups`]) that `GET /stats` reports.
//!
//! The slack is the trade-off: the wider it is, the more sleeps share an expiry (fewer
//! wake-ups of the event loop, less CPU per request) and the later each of them is woken
//! (a longer wait per request, so fewer requests per second by Little's law). At 0 every
//! distinct deadline gets its own expiry. `make sweep-timer` measures the curve.
//!
//! One timerfd per sleep instead costs six system calls per sleep (create, arm, register
//! with epoll, read, deregister, close) and wakes the event loop for each sleep on its own:
//! at 1,000 connections one event loop serves about half as many requests that way.
//!
//! # More than one worker thread
//!
//! With `--workers N > 1` the N threads share one [`Timer`], its state behind a mutex held
//! for a map operation (and the `timerfd_settime` that must agree with the map), not one
//! timer per worker: tokio moves tasks between workers and runs the driver task on any of
//! them, so a per-worker timer would need a runtime hook for each worker thread and would
//! still be touched from other threads. With one worker the mutex is never contended.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use rustix::time::{
    clock_gettime, timerfd_create, timerfd_settime, ClockId, Itimerspec, TimerfdClockId,
    TimerfdFlags, TimerfdTimerFlags, Timespec,
};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// How late the timerfd may wake a sleep by default, so that sleeps ending close together
/// share one expiry. Smaller, the groups stay small and the event loop wakes more often
/// (more CPU per request); larger, the few sleeps at the start of a wide group wait longer.
/// 100 µs is what `make sweep-timer` chose (results/reference/sweep-timer/): of the slacks
/// that reach 95% of the seed's bound and 90% of tokio's timer at 1,000 connections, the
/// one with the least CPU per request (250 µs, the earlier default, reached 93%).
/// `--timer-slack` chooses another.
pub const DEFAULT_SLACK: Duration = Duration::from_micros(100);

/// The widest slack `--timer-slack` accepts: a wake-up a whole second late is no longer a
/// timer worth measuring.
pub const MAX_SLACK: Duration = Duration::from_secs(1);

/// The farthest deadline kept (about 146 billion years of `CLOCK_MONOTONIC`), so that a
/// huge delay saturates instead of overflowing; the kernel clamps it further.
const LATEST_DEADLINE: Duration = Duration::from_secs(1 << 62);

/// A handle to one timerfd and its pending sleeps; clones share them.
#[derive(Clone)]
pub struct Timer {
    shared: Arc<Shared>,
}

/// What the handles, the sleeps and the driver task share.
struct Shared {
    /// The kernel timer; the driver task holds the other reference, inside its `AsyncFd`.
    fd: Arc<OwnedFd>,
    state: Mutex<State>,
    /// How late a sleep may be woken so that it shares an expiry with later ones.
    slack: Duration,
    /// Expiries the driver task has handled: the timer's wake-ups of the event loop.
    wakeups: AtomicU64,
}

/// The pending sleeps and what the timerfd is armed for.
#[derive(Default)]
struct State {
    /// The waker of every sleep not yet due, by (deadline, sequence number): earliest
    /// first. A sleep that is absent is done (or was dropped).
    waiting: BTreeMap<(Duration, u64), Waker>,
    next_sequence: u64,
    /// When the timerfd will expire, if it is armed and not yet handled.
    armed_for: Option<Duration>,
    /// Whether the driver task was spawned (on the first sleep, inside the runtime).
    driver_spawned: bool,
}

impl Timer {
    /// Creates the timerfd (non-blocking, close-on-exec), whose wake-ups may come up to
    /// `slack` late (at most [`MAX_SLACK`]). It is registered with the tokio runtime, and
    /// its driver task spawned, when the first sleep is polled: every sleep of a timer must
    /// be polled inside that same runtime.
    ///
    /// # Errors
    /// If the kernel refuses a timerfd (out of file descriptors, for example).
    pub fn new(slack: Duration) -> io::Result<Self> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        Ok(Self {
            shared: Arc::new(Shared {
                fd: Arc::new(fd),
                state: Mutex::new(State::default()),
                slack: slack.min(MAX_SLACK),
                wakeups: AtomicU64::new(0),
            }),
        })
    }

    /// How late a wake-up may come.
    pub fn slack(&self) -> Duration {
        self.shared.slack
    }

    /// How many expiries the driver task has handled since the timer was made: each one
    /// woke the event loop for the sleeps then due.
    pub fn wakeups(&self) -> u64 {
        self.shared.wakeups.load(Ordering::Relaxed)
    }

    /// A future that completes once `duration` has passed: never sooner, and no more than
    /// the slack later (plus the time the event loop takes to get to it). The deadline is
    /// taken now, as `tokio::time::sleep` does.
    pub fn sleep(&self, duration: Duration) -> Sleep {
        let deadline = monotonic_now()
            .saturating_add(duration)
            .min(LATEST_DEADLINE);
        Sleep {
            shared: Arc::clone(&self.shared),
            deadline,
            progress: Progress::New,
        }
    }
}

/// The future [`Timer::sleep`] returns.
pub struct Sleep {
    shared: Arc<Shared>,
    /// On `CLOCK_MONOTONIC`, since its (unspecified) origin.
    deadline: Duration,
    progress: Progress,
}

/// Where a sleep is.
enum Progress {
    /// Not yet polled, so not yet registered.
    New,
    /// Registered under (deadline, this sequence number), waiting for the driver.
    Waiting(u64),
    /// Its deadline has passed.
    Done,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sleep = self.get_mut();
        match sleep.progress {
            Progress::Done => Poll::Ready(()),
            Progress::New => {
                let sequence = Shared::register(&sleep.shared, sleep.deadline, cx.waker());
                sleep.progress = Progress::Waiting(sequence);
                Poll::Pending
            }
            Progress::Waiting(sequence) => {
                let mut state = sleep.shared.lock();
                match state.waiting.get_mut(&(sleep.deadline, sequence)) {
                    // The driver took the waker out: the deadline has passed.
                    None => {
                        drop(state);
                        sleep.progress = Progress::Done;
                        Poll::Ready(())
                    }
                    // Polled again before its time (the task was woken for something else):
                    // keep the newest waker.
                    Some(waker) => {
                        waker.clone_from(cx.waker());
                        Poll::Pending
                    }
                }
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // Dropped while waiting (the client went away): forget it. The timerfd may still
        // expire for it; the driver then finds nothing due, which is harmless.
        if let Progress::Waiting(sequence) = self.progress {
            self.shared
                .lock()
                .waiting
                .remove(&(self.deadline, sequence));
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves the map consistent: carry on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a sleep, re-arms the timerfd if the time it is armed for would make this
    /// sleep later than the slack, and spawns the driver task on the first call. Returns
    /// the sleep's sequence number.
    fn register(this: &Arc<Self>, deadline: Duration, waker: &Waker) -> u64 {
        let mut state = this.lock();
        let sequence = state.next_sequence;
        state.next_sequence += 1;
        state.waiting.insert((deadline, sequence), waker.clone());
        if state
            .armed_for
            .is_none_or(|armed_for| deadline.saturating_add(this.slack) < armed_for)
        {
            this.arm(&mut state);
        }
        if !state.driver_spawned {
            state.driver_spawned = true;
            spawn_driver(Arc::downgrade(this), Arc::clone(&this.fd));
        }
        sequence
    }

    /// Arms the timerfd (absolute, `CLOCK_MONOTONIC`) for the next group of sleeps: those
    /// whose deadline is within the slack of the earliest, all due at the latest of them.
    /// Nothing waiting: left as it is (a one-shot timer that has expired stays quiet).
    fn arm(&self, state: &mut State) {
        let Some((&(earliest, _), _)) = state.waiting.first_key_value() else {
            state.armed_for = None;
            return;
        };
        let group_end = (earliest.saturating_add(self.slack), u64::MAX);
        let expiry = state
            .waiting
            .range(..=group_end)
            .next_back()
            .map_or(earliest, |(&(latest, _), _)| latest);
        set_timer(&self.fd, expiry);
        state.armed_for = Some(expiry);
    }

    /// After an expiry: moves the waker of every sleep whose deadline has passed into `due`,
    /// and re-arms the timerfd for the next group.
    fn expire(&self, due: &mut Vec<Waker>) {
        let now = monotonic_now();
        let mut state = self.lock();
        while let Some(earliest) = state.waiting.first_entry() {
            if earliest.key().0 > now {
                break;
            }
            due.push(earliest.remove());
        }
        self.arm(&mut state);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last handle and the last sleep are gone: make the timerfd expire now, so that
        // the driver task wakes, finds nothing to serve, and ends (closing the timerfd).
        set_timer(&self.fd, Duration::from_nanos(1));
    }
}

/// Spawns the task that waits for the timerfd and wakes the sleeps that are due. It holds
/// the timer weakly and ends when the timer is gone (or the runtime shuts down).
///
/// # Panics
/// Outside a tokio runtime with I/O enabled (like `tokio::net`), or if epoll refuses the
/// timerfd.
fn spawn_driver(shared: Weak<Shared>, fd: Arc<OwnedFd>) {
    // tokio 1.54 deprecated its safe constructors, for any `AsRawFd` value (#8587), in favour
    // of an `unsafe` one whose condition is that the descriptor stays open, the same one,
    // for as long as the `AsyncFd` lives. An `Arc<OwnedFd>` meets it: the `AsyncFd` owns a
    // strong reference, so the timerfd is closed only after it is deregistered. The safe
    // constructor keeps the crate free of `unsafe`.
    #[expect(deprecated, reason = "sound for an owned descriptor; see above")]
    let fd = AsyncFd::with_interest(fd, Interest::READABLE)
        .expect("register the timerfd with the tokio runtime");
    tokio::spawn(async move {
        let mut due = Vec::new();
        // An error here means the runtime is shutting down: nothing left to wake.
        while let Ok(mut ready) = fd.readable().await {
            // Not read: `expire` re-arms the timerfd, which resets its count.
            ready.clear_ready();
            let Some(shared) = shared.upgrade() else {
                return;
            };
            shared.wakeups.fetch_add(1, Ordering::Relaxed);
            shared.expire(&mut due);
            drop(shared);
            for waker in due.drain(..) {
                waker.wake();
            }
        }
    });
}

/// `timerfd_settime`, absolute on `CLOCK_MONOTONIC`, one-shot.
///
/// # Panics
/// Never for a timerfd and a time of at most [`LATEST_DEADLINE`] plus [`MAX_SLACK`]: the kernel
/// refuses only other descriptors and malformed times.
fn set_timer(fd: &OwnedFd, expiry: Duration) {
    let it_value = Timespec::try_from(expiry).expect("a deadline within LATEST_DEADLINE");
    let setting = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value,
    };
    timerfd_settime(fd, TimerfdTimerFlags::ABSTIME, &setting)
        .expect("timerfd_settime on a timerfd with a valid time");
}

/// `CLOCK_MONOTONIC` now, as a duration since its origin: the clock `std::time::Instant`
/// reads on Linux, and the one the timerfd counts in.
fn monotonic_now() -> Duration {
    Duration::try_from(clock_gettime(ClockId::Monotonic)).expect("CLOCK_MONOTONIC is positive")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const TEN_MS: Duration = Duration::from_millis(10);

    #[tokio::test(flavor = "current_thread")]
    async fn a_10_ms_wait_is_never_shorter_than_10_ms() {
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        for _ in 0..200 {
            let started = Instant::now();
            timer.sleep(TEN_MS).await;
            let took = started.elapsed();
            assert!(took >= TEN_MS, "a 10 ms wait took {took:?}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn overlapping_waits_of_many_lengths_are_never_short() {
        // 200 waits of 1 to 20 ms started together: the map orders them, and each one,
        // woken by whichever expiry came after its deadline, is still at least its length.
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        let waits: Vec<_> = (0..200u64)
            .map(|i| {
                let timer = timer.clone();
                let length = Duration::from_micros(1_000 + (i * 7_919) % 19_000);
                tokio::spawn(async move {
                    let started = Instant::now();
                    timer.sleep(length).await;
                    (length, started.elapsed())
                })
            })
            .collect();
        for wait in waits {
            let (length, took) = wait.await.unwrap();
            assert!(took >= length, "a {length:?} wait took {took:?}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn three_hundred_waits_overlap_on_one_thread() {
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        let started = Instant::now();
        let waits: Vec<_> = (0..300)
            .map(|_| tokio::spawn(timer.sleep(Duration::from_millis(50))))
            .collect();
        for wait in waits {
            wait.await.unwrap();
        }
        let took = started.elapsed();
        // One after the other they would take 15 s; together, about 50 ms.
        assert!(took >= Duration::from_millis(50), "took {took:?}");
        assert!(took < Duration::from_secs(3), "took {took:?}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_shorter_wait_started_later_re_arms_the_timer() {
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        let long = tokio::spawn(timer.sleep(Duration::from_secs(30)));
        tokio::task::yield_now().await;
        let started = Instant::now();
        timer.sleep(TEN_MS).await;
        let took = started.elapsed();
        assert!(
            took >= TEN_MS && took < Duration::from_secs(5),
            "took {took:?}"
        );
        assert!(!long.is_finished());
        long.abort();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dropped_waits_do_not_hold_up_the_others() {
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        // The earliest deadlines belong to waits that are dropped before them.
        for _ in 0..50 {
            let dropped = timer.sleep(Duration::from_millis(5));
            tokio::time::timeout(Duration::from_millis(1), dropped)
                .await
                .unwrap_err();
        }
        let started = Instant::now();
        timer.sleep(Duration::from_millis(20)).await;
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(20) && took < Duration::from_secs(5),
            "took {took:?}"
        );
        assert!(timer.shared.lock().waiting.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn worker_threads_share_one_timer() {
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        let waits: Vec<_> = (0..400)
            .map(|_| {
                let timer = timer.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    timer.sleep(TEN_MS).await;
                    started.elapsed()
                })
            })
            .collect();
        for wait in waits {
            let took = wait.await.unwrap();
            assert!(took >= TEN_MS, "took {took:?}");
        }
    }

    /// 50 waits started together, ending 100 µs apart (over 4.9 ms): how many expiries
    /// they took, each one checked never to end early.
    async fn staggered_waits(timer: &Timer) -> u64 {
        let before = timer.wakeups();
        let waits: Vec<_> = (0..50u64)
            .map(|i| {
                let length = TEN_MS + Duration::from_micros(100 * i);
                let started = Instant::now();
                let sleep = timer.sleep(length);
                tokio::spawn(async move {
                    sleep.await;
                    (length, started.elapsed())
                })
            })
            .collect();
        for wait in waits {
            let (length, took) = wait.await.unwrap();
            assert!(took >= length, "a {length:?} wait took {took:?}");
        }
        timer.wakeups() - before
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_wide_slack_groups_the_waits_into_few_wake_ups() {
        // Groups are disjoint and each spans the slack (the first one excepted: armed when
        // the first wait alone was registered), so 4.9 ms of deadlines take at most
        // 4.9 / 1 + 2 expiries, however late the event loop runs.
        let timer = Timer::new(Duration::from_millis(1)).unwrap();
        let wakeups = staggered_waits(&timer).await;
        assert!((1..=7).contains(&wakeups), "{wakeups} wake-ups");
        assert_eq!(timer.slack(), Duration::from_millis(1));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_slack_still_never_wakes_a_wait_early() {
        let timer = Timer::new(Duration::ZERO).unwrap();
        let wakeups = staggered_waits(&timer).await;
        // Each distinct deadline is its own group; a late event loop may still find
        // several due at one expiry, so only the bounds are certain.
        assert!((1..=50).contains(&wakeups), "{wakeups} wake-ups");
    }

    #[test]
    fn a_slack_beyond_the_widest_is_clamped() {
        let timer = Timer::new(Duration::from_mins(1)).unwrap();
        assert_eq!(timer.slack(), MAX_SLACK);
    }

    #[test]
    fn a_timer_gone_with_its_runtime_leaves_no_task_behind() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let timer = Timer::new(DEFAULT_SLACK).unwrap();
        let fd = Arc::downgrade(&timer.shared.fd);
        runtime.block_on(timer.sleep(Duration::from_millis(1)));
        drop(timer);
        // The driver wakes on the expiry the drop set, ends, and releases the timerfd.
        runtime.block_on(async {
            let started = Instant::now();
            while fd.strong_count() > 0 && started.elapsed() < Duration::from_secs(5) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        assert_eq!(fd.strong_count(), 0, "the driver still holds the timerfd");
    }
}
