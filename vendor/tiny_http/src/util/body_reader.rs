//! PATCHED (see PATCHES.md, patch 7): the body of one request, read only by the handler
//! that asks for it, and never drained behind its back.
//!
//! tiny_http's `EqualReader` read whatever the handler left of a body when the request was
//! dropped, on the handler's thread: into a buffer of the client's announced length (a
//! `Content-Length` of 2^64 - 1 panicked the thread, one of 2^40 aborted the process), and
//! for as long as the client cared to trickle it (every byte restarts the read timeout).
//! Now a body left unread marks its connection, whose own thread closes it instead of
//! reading the next request from the middle of this one.

use std::convert::TryFrom;
use std::io::{Read, Result as IoResult};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A request body: `Content-Length` bytes, or a chunked body up to its last chunk.
pub struct BodyReader {
    inner: Box<dyn Read + Send + 'static>,
    /// Bytes still to come for a `Content-Length` body; `None` for a chunked one.
    remaining: Option<u64>,
    /// The body was read to its end.
    finished: bool,
    /// Set, when this reader is dropped before its end, for the connection to see.
    unread: Arc<AtomicBool>,
}

impl BodyReader {
    /// A body of exactly `length` bytes from `inner`.
    pub fn with_length<R: Read + Send + 'static>(
        inner: R,
        length: u64,
        unread: Arc<AtomicBool>,
    ) -> Self {
        BodyReader {
            inner: Box::new(inner),
            remaining: Some(length),
            finished: length == 0,
            unread,
        }
    }

    /// A body that ends where `inner` (a chunked decoder) says it ends.
    pub fn until_end<R: Read + Send + 'static>(inner: R, unread: Arc<AtomicBool>) -> Self {
        BodyReader {
            inner: Box::new(inner),
            remaining: None,
            finished: false,
            unread,
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let buf = match self.remaining {
            Some(remaining) => {
                let allowed = usize::try_from(remaining).unwrap_or(usize::MAX);
                let len = buf.len().min(allowed);
                &mut buf[..len]
            }
            None => buf,
        };
        let read = self.inner.read(buf)?;
        match self.remaining.as_mut() {
            Some(remaining) => {
                *remaining -= read as u64;
                // A read of 0 before the end is a client that closed: not finished.
                self.finished = *remaining == 0;
            }
            None => self.finished = read == 0,
        }
        Ok(read)
    }
}

impl Drop for BodyReader {
    fn drop(&mut self) {
        if !self.finished {
            self.unread.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BodyReader;
    use std::io::{Cursor, Read};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn reads_exactly_the_length_and_leaves_the_rest() {
        let unread = Arc::new(AtomicBool::new(false));
        let mut body = BodyReader::with_length(Cursor::new(b"hello world".to_vec()), 5, unread.clone());
        let mut text = String::new();
        body.read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello");
        drop(body);
        assert!(!unread.load(Ordering::Acquire), "read to its end");
    }

    #[test]
    fn a_body_dropped_early_marks_the_connection_without_reading_on() {
        struct Endless;
        impl Read for Endless {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                panic!("the rest of the body must not be read");
            }
        }
        let unread = Arc::new(AtomicBool::new(false));
        // A length no buffer could hold: nothing is allocated for it.
        drop(BodyReader::with_length(Endless, u64::MAX, unread.clone()));
        assert!(unread.load(Ordering::Acquire));
    }

    #[test]
    fn an_empty_body_is_finished_from_the_start() {
        let unread = Arc::new(AtomicBool::new(false));
        drop(BodyReader::with_length(std::io::empty(), 0, unread.clone()));
        assert!(!unread.load(Ordering::Acquire));
    }

    #[test]
    fn a_chunked_body_is_finished_at_its_end() {
        let unread = Arc::new(AtomicBool::new(false));
        let mut body = BodyReader::until_end(Cursor::new(b"abc".to_vec()), unread.clone());
        let mut all = Vec::new();
        body.read_to_end(&mut all).unwrap();
        drop(body);
        assert!(!unread.load(Ordering::Acquire));

        let mut body = BodyReader::until_end(Cursor::new(b"abc".to_vec()), unread.clone());
        let mut first = [0u8; 1];
        body.read_exact(&mut first).unwrap();
        drop(body);
        assert!(unread.load(Ordering::Acquire));
    }
}
