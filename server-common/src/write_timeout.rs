//! A write timeout for the async servers' connections: a write (or flush) that makes no
//! progress for the timeout fails, and hyper then closes the connection.
//!
//! hyper has a header-read timeout but nothing for writes, and a non-blocking socket
//! ignores `SO_SNDTIMEO`: a client that pipelines requests and never reads their answers
//! kept its connection, its buffers and the kernel's socket memory for ever. This is the
//! same rule as sync-server's `SO_SNDTIMEO` (tiny_http, patch 6): the timer starts when a
//! write would block and is dropped as soon as one goes through, so a connection that
//! writes freely never touches it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// `inner`, whose writes fail with `TimedOut` once they have made no progress for `timeout`.
pub struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    /// Running while writes are blocked; `None` while they go through.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteTimeout<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// A write is blocked: `Pending` until the timeout, then the error.
    fn poll_stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client took nothing for {timeout:?}"),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The outcome of a write: progress clears the timer, a block starts or polls it.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.poll_stalled(cx),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::WriteTimeout;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_write_that_stays_blocked_fails_after_the_timeout() {
        // A pipe of 64 bytes whose other end never reads.
        let (near, _far) = tokio::io::duplex(64);
        let mut stream = WriteTimeout::new(near, Duration::from_millis(200));
        let error = stream.write_all(&[0; 1024]).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn writes_that_go_through_never_time_out() {
        let (near, mut far) = tokio::io::duplex(64);
        // Each write blocks for about 50 ms, then goes through: never 2 s without progress.
        let mut stream = WriteTimeout::new(near, Duration::from_secs(2));
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            // Slowly, but always well within the timeout.
            let mut chunk = [0u8; 256];
            while all.len() < 1024 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let read = far.read(&mut chunk).await.unwrap();
                all.extend_from_slice(&chunk[..read]);
            }
            all.len()
        });
        stream.write_all(&[7; 1024]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 1024);
    }
}
