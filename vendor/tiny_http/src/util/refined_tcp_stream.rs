use std::io::Result as IoResult;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
        };

        let write = RefinedTcpStream {
            stream: write,
            close_read: false,
            close_write: true,
            broken,
            write_timeout,
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
        self.stream.read(buf)
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
