use std::io::Result as IoResult;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::connection::Connection;
#[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
use crate::ssl::SslStream;

pub(crate) enum Stream {
    Http(Connection),
    #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
    Https(SslStream),
}

impl Stream {
    /// PATCHED (see PATCHES.md, patch 9): a second handle, or the OS's refusal (`EMFILE`
    /// when the descriptor table is full), where `Clone` unwrapped it.
    fn try_clone(&self) -> IoResult<Self> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.try_clone().map(Stream::Http),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => Ok(Stream::Https(ssl_stream.clone())),
        }
    }
}

impl From<Connection> for Stream {
    fn from(tcp_stream: Connection) -> Self {
        Stream::Http(tcp_stream)
    }
}

impl Stream {
    fn secure(&self) -> bool {
        match self {
            Stream::Http(_) => false,
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(_) => true,
        }
    }

    fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.peer_addr(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.peer_addr(),
        }
    }

    fn shutdown(&mut self, how: Shutdown) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.shutdown(how),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.shutdown(how),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.read(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.write(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.write(buf),
        }
    }

    fn flush(&mut self) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.flush(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.flush(),
        }
    }
}

/// PATCHED (see PATCHES.md, patch 7): how long a request (its head, and a small body read
/// with it) may take to arrive, from its first bytes. The connection arms it before reading
/// a request and stops it once the request is read; the reading half checks it before each
/// read from the socket, where the time passes, rather than per byte of the head.
#[derive(Clone, Default)]
pub(crate) struct RequestClock(Arc<Mutex<Clock>>);

#[derive(Clone, Copy, Default)]
enum Clock {
    /// Not timing: between requests, and while a handler reads a body.
    #[default]
    Off,
    /// A request is awaited: its time starts with its first bytes.
    Armed(Duration),
    /// The request must have arrived by then.
    Until(Instant),
}

impl RequestClock {
    fn lock(&self) -> MutexGuard<'_, Clock> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A request is about to be read: it gets `timeout` from its first bytes (`None`: for
    /// ever).
    pub(crate) fn arm(&self, timeout: Option<Duration>) {
        *self.lock() = timeout.map_or(Clock::Off, Clock::Armed);
    }

    /// The request is read: reads from here on are not timed.
    pub(crate) fn stop(&self) {
        *self.lock() = Clock::Off;
    }

    fn before_read(&self) -> IoResult<()> {
        match *self.lock() {
            Clock::Until(deadline) if Instant::now() >= deadline => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request took longer than the connection timeout to arrive",
            )),
            _ => Ok(()),
        }
    }

    fn after_read(&self, read: usize) {
        let mut clock = self.lock();
        if let Clock::Armed(timeout) = *clock {
            if read > 0 {
                *clock = Clock::Until(Instant::now() + timeout);
            }
        }
    }
}

pub struct RefinedTcpStream {
    stream: Stream,
    close_read: bool,
    close_write: bool,
    /// PATCHED (see PATCHES.md, patch 6): set by the writing half when the connection is
    /// dead (a write timed out, or failed); the reading half then reads nothing more.
    broken: Arc<AtomicBool>,
    /// PATCHED (see PATCHES.md, patch 6): the connection's write timeout, also applied to
    /// a write that lets a little through now and then (see `write`).
    write_timeout: Option<Duration>,
    /// PATCHED (see PATCHES.md, patch 7): the request being read, timed (reading half).
    clock: RequestClock,
}

impl RefinedTcpStream {
    /// PATCHED (see PATCHES.md, patch 9): the reading and the writing half of a
    /// connection, or the OS's refusal of a second descriptor for it.
    pub(crate) fn new<S>(
        stream: S,
        write_timeout: Option<Duration>,
    ) -> IoResult<(RefinedTcpStream, RefinedTcpStream)>
    where
        S: Into<Stream>,
    {
        let stream: Stream = stream.into();

        let (read, write) = (stream.try_clone()?, stream);
        let broken = Arc::new(AtomicBool::new(false));

        let read = RefinedTcpStream {
            stream: read,
            close_read: true,
            close_write: false,
            broken: Arc::clone(&broken),
            write_timeout,
            clock: RequestClock::default(),
        };

        let write = RefinedTcpStream {
            stream: write,
            close_read: false,
            close_write: true,
            broken,
            write_timeout,
            clock: RequestClock::default(),
        };

        Ok((read, write))
    }

    /// Returns true if this struct wraps around a secure connection.
    #[inline]
    pub(crate) fn secure(&self) -> bool {
        self.stream.secure()
    }

    pub(crate) fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        self.stream.peer_addr()
    }

    /// PATCHED (see PATCHES.md, patch 7): the clock of the requests read through this half.
    pub(crate) fn request_clock(&self) -> RequestClock {
        self.clock.clone()
    }
}

impl Drop for RefinedTcpStream {
    fn drop(&mut self) {
        if self.close_read {
            self.stream.shutdown(Shutdown::Read).ok();
        }

        if self.close_write {
            self.stream.shutdown(Shutdown::Write).ok();
        }
    }
}

impl Read for RefinedTcpStream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        // PATCHED (see PATCHES.md, patch 6): after `shutdown` Linux still hands out what
        // was already received; on a dead connection, pipelined requests are not read on.
        if self.broken.load(Ordering::Acquire) {
            return Ok(0);
        }
        self.clock.before_read()?;
        let read = self.stream.read(buf)?;
        self.clock.after_read(read);
        Ok(read)
    }
}

impl Write for RefinedTcpStream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        let started = self.write_timeout.map(|timeout| (Instant::now(), timeout));
        let mut written = self.stream.write(buf);
        // PATCHED (see PATCHES.md, patch 6): `SO_SNDTIMEO` starts again with every call, and
        // a call that let part of `buf` through in all that time returns that part: a client
        // that takes a little now and then (the kernel's window probes do, against a client
        // that reads nothing) kept the writer blocked for one timeout after another. A call
        // that spent the whole timeout without sending all of `buf` counts as timed out.
        if let (Ok(sent), Some((started, timeout))) = (&written, started) {
            if *sent < buf.len() && started.elapsed() >= timeout {
                written = Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client took too little of the answer for the write timeout",
                ));
            }
        }
        // PATCHED (see PATCHES.md): a write that timed out (the connection's write timeout:
        // the client has taken no data for that long) ends the connection both ways, so
        // that the responses queued behind this one fail at once instead of each waiting
        // out the timeout again, and the connection's reading thread sees end-of-file.
        // A failed write (the client reset, or closed its side) also leaves the connection
        // dead: the reading half stops too.
        if let Err(ref error) = written {
            if matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                self.stream.shutdown(Shutdown::Both).ok();
            }
            if error.kind() != std::io::ErrorKind::Interrupted {
                self.broken.store(true, Ordering::Release);
            }
        }
        written
    }

    fn flush(&mut self) -> IoResult<()> {
        self.stream.flush()
    }
}
