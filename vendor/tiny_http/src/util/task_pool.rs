use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Manages a collection of threads.
///
/// A new thread is created every time all the existing threads are full.
/// Any idle thread will automatically die after a few seconds.
pub struct TaskPool {
    sharing: Arc<Sharing>,
}

/// How long a spare thread waits for a task before it ends, unless told otherwise.
pub const SPARE_THREAD_KEEP_ALIVE: Duration = Duration::from_millis(5000);

struct Sharing {
    // list of the tasks to be done by worker threads
    todo: Mutex<VecDeque<Box<dyn FnMut() + Send>>>,

    // condvar that will be notified whenever a task is added to `todo`
    condvar: Condvar,

    // number of total worker threads running
    active_tasks: AtomicUsize,

    // number of idle worker threads
    waiting_tasks: AtomicUsize,

    // PATCHED (see PATCHES.md, patch 11): how long a thread beyond MIN_THREADS waits for a
    // task before it ends (was 5 s, fixed).
    keep_alive: Duration,
}

/// Minimum number of active threads.
static MIN_THREADS: usize = 4;

struct Registration<'a> {
    nb: &'a AtomicUsize,
}

impl<'a> Registration<'a> {
    fn new(nb: &'a AtomicUsize) -> Registration<'a> {
        nb.fetch_add(1, Ordering::Release);
        Registration { nb }
    }
}

impl<'a> Drop for Registration<'a> {
    fn drop(&mut self) {
        self.nb.fetch_sub(1, Ordering::Release);
    }
}

impl TaskPool {
    /// PATCHED (see PATCHES.md, patch 11): a thread beyond the minimum ends once it has
    /// waited `keep_alive` for a task.
    pub fn new(keep_alive: Duration) -> TaskPool {
        let pool = TaskPool {
            sharing: Arc::new(Sharing {
                todo: Mutex::new(VecDeque::new()),
                condvar: Condvar::new(),
                active_tasks: AtomicUsize::new(0),
                waiting_tasks: AtomicUsize::new(0),
                keep_alive,
            }),
        };

        for _ in 0..MIN_THREADS {
            // PATCHED (see PATCHES.md, patch 9): spare threads are a nicety; a refusal here
            // only means the first connections start their own.
            if let Err(e) = pool.add_thread(None) {
                log::warn!("Cannot start a spare connection thread: {}", e);
            }
        }

        pool
    }

    /// Executes a function in a thread.
    /// If no thread is available, spawns a new one.
    ///
    /// PATCHED (see PATCHES.md, patch 9): the OS may refuse a new thread; the error is
    /// returned (and `code` dropped) where `thread::spawn` panicked.
    pub fn spawn(&self, code: Box<dyn FnMut() + Send>) -> std::io::Result<()> {
        let mut queue = self.sharing.todo.lock().unwrap();

        // PATCHED (see PATCHES.md): a thread counted in `waiting_tasks` may already have
        // been notified for a task still in the queue, so compare with the queue's length;
        // `== 0` let a burst of connections queue behind a few idle threads, and a
        // keep-alive connection never gives its thread back.
        if self.sharing.waiting_tasks.load(Ordering::Acquire) <= queue.len() {
            drop(queue);
            self.add_thread(Some(code))
        } else {
            queue.push_back(code);
            self.sharing.condvar.notify_one();
            Ok(())
        }
    }

    fn add_thread(&self, initial_fn: Option<Box<dyn FnMut() + Send>>) -> std::io::Result<()> {
        let sharing = self.sharing.clone();

        // PATCHED (see PATCHES.md, patch 9): named, and a refusal returned, not a panic.
        let spawned = thread::Builder::new().name("tiny_http-conn".into()).spawn(move || {
            let sharing = sharing;
            let _active_guard = Registration::new(&sharing.active_tasks);

            if let Some(mut f) = initial_fn {
                f();
            }

            loop {
                let mut task: Box<dyn FnMut() + Send> = {
                    let mut todo = sharing.todo.lock().unwrap();

                    let task;
                    loop {
                        if let Some(poped_task) = todo.pop_front() {
                            task = poped_task;
                            break;
                        }
                        let _waiting_guard = Registration::new(&sharing.waiting_tasks);

                        let received =
                            if sharing.active_tasks.load(Ordering::Acquire) <= MIN_THREADS {
                                todo = sharing.condvar.wait(todo).unwrap();
                                true
                            } else {
                                let (new_lock, waitres) = sharing
                                    .condvar
                                    .wait_timeout(todo, sharing.keep_alive)
                                    .unwrap();
                                todo = new_lock;
                                !waitres.timed_out()
                            };

                        if !received && todo.is_empty() {
                            return;
                        }
                    }

                    task
                };

                task();
            }
        });
        spawned.map(|_| ())
    }
}

impl Drop for TaskPool {
    fn drop(&mut self) {
        self.sharing
            .active_tasks
            .store(999_999_999, Ordering::Release);
        self.sharing.condvar.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;

    #[test]
    fn threads_beyond_the_minimum_end_after_the_keep_alive() {
        let pool = TaskPool::new(Duration::from_millis(100));
        let extra = 3;
        // MIN_THREADS + extra tasks at once, each holding its thread until told to go.
        let (go, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let (started, count) = mpsc::channel();
        for _ in 0..MIN_THREADS + extra {
            let wait = Arc::clone(&wait);
            let started = started.clone();
            pool.spawn(Box::new(move || {
                started.send(()).unwrap();
                let _ = wait.lock().unwrap().recv();
            }))
            .unwrap();
        }
        for _ in 0..MIN_THREADS + extra {
            count.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        let active = || pool.sharing.active_tasks.load(Ordering::Acquire);
        assert!(active() >= MIN_THREADS + extra, "{}", active());
        for _ in 0..MIN_THREADS + extra {
            go.send(()).unwrap();
        }
        // The default keep-alive would keep them 5 s; 100 ms lets them go well within 4 s.
        let since = Instant::now();
        while active() > MIN_THREADS && since.elapsed() < Duration::from_secs(4) {
            thread::sleep(Duration::from_millis(20));
        }
        // (Threads that started waiting while more than the minimum were alive all end.)
        assert!(active() <= MIN_THREADS, "{}", active());
    }
}
