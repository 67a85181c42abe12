//! Closing idle connections, which tiny_http never does.
//!
//! tiny_http reads every connection on a thread of its own, blocked in `read()` with no
//! timeout, and gives us no handle on the accepted sockets. A client that connects and
//! never sends (or stops half-way through a request) would hold a thread forever, and a
//! thousand such clients a thousand threads. So a reaper thread looks, a few times per
//! timeout, at every TCP connection this process holds (`/proc/self/fd`), asks the kernel
//! how long ago each last received data (`TCP_INFO`), and shuts down those silent for
//! longer than the idle timeout. The blocked `read()` then returns end-of-file and
//! tiny_http ends that connection and frees its thread.
//!
//! A request still waiting for a handler counts as silent too; past the timeout (30 s by
//! default) its client has long given up.

#![allow(unsafe_code)]

use std::fs;
use std::os::fd::RawFd;
use std::thread;
use std::time::Duration;

use tracing::debug;

/// `tcp_info.tcpi_state` of an established connection (linux/tcp_states.h).
const TCP_ESTABLISHED: u8 = 1;

/// Starts the reaper thread; it runs until the process exits.
pub fn spawn_reaper(idle_timeout: Duration) {
    let every = (idle_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(1));
    thread::Builder::new()
        .name("idle-reaper".into())
        .spawn(move || loop {
            thread::sleep(every);
            let closed = close_idle_connections(idle_timeout);
            if closed > 0 {
                debug!(closed, "closed idle connections");
            }
        })
        .expect("the OS refused to start the idle-reaper thread");
}

/// Shuts down every established TCP connection of this process that has received nothing
/// for `idle_timeout`; returns how many file descriptors it shut down.
fn close_idle_connections(idle_timeout: Duration) -> usize {
    let idle_ms = u32::try_from(idle_timeout.as_millis()).unwrap_or(u32::MAX);
    let Ok(entries) = fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let mut closed = 0;
    for entry in entries.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<RawFd>().ok())
        else {
            continue;
        };
        let is_socket = fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        let Some(info) = tcp_info(fd) else { continue };
        if info.tcpi_state == TCP_ESTABLISHED && info.tcpi_last_data_recv >= idle_ms {
            // SAFETY: shutdown(2) on a descriptor number has no memory effects. The fd may
            // have been closed and reused since we read its TCP_INFO; at worst that shuts
            // a fresh connection, which its client sees as a reset and retries.
            unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
            closed += 1;
        }
    }
    closed
}

/// The kernel's `TCP_INFO` for `fd`, or `None` if it is not a TCP socket (any more).
fn tcp_info(fd: RawFd) -> Option<libc::tcp_info> {
    // SAFETY: tcp_info is plain old data, so all-zero is a valid value; getsockopt writes at
    // most `len` bytes into it and on error we discard it.
    unsafe {
        let mut info: libc::tcp_info = std::mem::zeroed();
        let mut len = libc::socklen_t::try_from(std::mem::size_of::<libc::tcp_info>()).ok()?;
        let status = libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &raw mut len,
        );
        (status == 0).then_some(info)
    }
}
