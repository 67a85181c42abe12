//! PATCHED (see PATCHES.md, patch 9): a cap on the connections served at once.
//!
//! Each connection is read on a thread of its own, so connections are threads: without a
//! cap, enough clients take every thread the OS will give (and `thread::spawn` panicked the
//! accept thread when it refused one). At the cap the accept thread stops accepting until
//! a connection ends: new ones wait in the listener's backlog, where the kernel keeps them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// The connections being served, and how many may be.
pub struct ConnectionSlots {
    max: Option<usize>,
    used: Mutex<usize>,
    freed: Condvar,
}

/// One connection's place; dropping it (when the connection ends) frees it.
pub struct Slot {
    slots: Arc<ConnectionSlots>,
}

impl ConnectionSlots {
    /// `max`: connections served at once; `None` for no limit.
    pub fn new(max: Option<usize>) -> Arc<Self> {
        Arc::new(ConnectionSlots {
            max,
            used: Mutex::new(0),
            freed: Condvar::new(),
        })
    }

    /// Waits for a free place; `None` once `closing` is set.
    pub fn acquire(self: &Arc<Self>, closing: &AtomicBool) -> Option<Slot> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while self.max.is_some_and(|max| *used >= max) {
            if closing.load(Ordering::Relaxed) {
                return None;
            }
            used = self
                .freed
                .wait_timeout(used, Duration::from_millis(100))
                .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
        }
        *used += 1;
        Some(Slot {
            slots: Arc::clone(self),
        })
    }

    /// Connections being served now.
    pub fn in_use(&self) -> usize {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut used = self.slots.used.lock().unwrap_or_else(PoisonError::into_inner);
        *used -= 1;
        self.slots.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectionSlots;
    use std::sync::atomic::AtomicBool;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn at_the_cap_waits_until_a_place_is_freed() {
        let slots = ConnectionSlots::new(Some(2));
        let closing = AtomicBool::new(false);
        let first = slots.acquire(&closing).unwrap();
        let _second = slots.acquire(&closing).unwrap();
        assert_eq!(slots.in_use(), 2);
        let waiting = {
            let slots = slots.clone();
            thread::spawn(move || slots.acquire(&AtomicBool::new(false)).is_some())
        };
        thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "a third place at a cap of 2");
        drop(first);
        assert!(waiting.join().unwrap());
    }

    #[test]
    fn closing_ends_the_wait() {
        let slots = ConnectionSlots::new(Some(1));
        let _only = slots.acquire(&AtomicBool::new(false)).unwrap();
        assert!(slots.acquire(&AtomicBool::new(true)).is_none());
    }
}
