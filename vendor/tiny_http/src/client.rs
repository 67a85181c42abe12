use ascii::AsciiString;

use std::io::Error as IoError;
use std::io::Result as IoResult;
use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::common::{HTTPVersion, Method};
use crate::request::RequestSource;
use crate::util::refined_tcp_stream::RequestClock;
use crate::util::RefinedTcpStream;
use crate::util::{SequentialReader, SequentialReaderBuilder, SequentialWriterBuilder};
use crate::Request;

/// A ClientConnection is an object that will store a socket to a client
/// and return Request objects.
pub struct ClientConnection {
    // address of the client
    // PATCHED (see PATCHES.md, patch 9): `None` when the client reset before it was asked.
    remote_addr: Option<SocketAddr>,

    // sequence of Readers to the stream, so that the data is not read in
    //  the wrong order
    source: SequentialReaderBuilder<BufReader<RefinedTcpStream>>,

    // sequence of Writers to the stream, to avoid writing response #2 before
    //  response #1
    sink: SequentialWriterBuilder<BufWriter<RefinedTcpStream>>,

    // Reader to read the next header from
    next_header_source: SequentialReader<BufReader<RefinedTcpStream>>,

    // set to true if we know that the previous request is the last one
    no_more_requests: bool,

    // true if the connection goes through SSL
    secure: bool,

    // PATCHED (see PATCHES.md, patch 7): set when a request's body was dropped unread; the
    // connection then closes instead of reading on from the middle of that body.
    unread_body: Arc<AtomicBool>,

    // PATCHED (see PATCHES.md, patch 7): how long a request (its head, and a body the
    // connection reads for it) may take from its first byte; `None`: for ever. Timed by the
    // socket's reading half (`RequestClock`), before each read from the socket.
    request_timeout: Option<Duration>,
    request_clock: RequestClock,

    // PATCHED (see PATCHES.md, patch 10): requests read and not yet answered.
    in_flight: Arc<InFlight>,
}

/// PATCHED (see PATCHES.md): the largest request head (request line and headers) read,
/// 64 KiB like the async servers; a larger one is answered 431 and the connection closed.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// PATCHED (see PATCHES.md, patch 10): requests of one connection read but not yet
/// answered, at most. A client that pipelines requests faster than they are answered (or
/// never reads the answers) is read no further until one is answered, so what it can make
/// the server hold is bounded (tiny_http read and queued every request a client sent: one
/// that never read its answers grew the server by hundreds of MiB). Plain clients (wrk, a
/// browser) have one request in flight per connection and never wait here.
const MAX_PIPELINED: usize = 16;

/// PATCHED (see PATCHES.md, patch 10): the requests of one connection not yet answered.
#[derive(Default)]
struct InFlight {
    count: Mutex<usize>,
    answered: Condvar,
}

impl InFlight {
    /// Waits until fewer than [`MAX_PIPELINED`] requests are unanswered.
    fn wait_for_room(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        while *count >= MAX_PIPELINED {
            count = self
                .answered
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn add(&self) {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    }

    fn answered(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count = count.saturating_sub(1);
        // Only the connection's thread waits, and only at the limit (the count never goes
        // above it): the one answer that makes room wakes it; the others make no system
        // call on the request's path.
        if *count == MAX_PIPELINED - 1 {
            self.answered.notify_one();
        }
    }
}

/// PATCHED (see PATCHES.md, patch 10): a request's writer, counted in flight until the
/// answer is written (the writer dropped).
struct CountedWriter<W: Write> {
    inner: W,
    in_flight: Arc<InFlight>,
}

impl<W: Write> Write for CountedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> IoResult<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for CountedWriter<W> {
    fn drop(&mut self) {
        self.in_flight.answered();
    }
}

/// Error that can happen when reading a request.
#[derive(Debug)]
enum ReadError {
    WrongRequestLine,
    /// PATCHED (see PATCHES.md): the request line and headers exceed MAX_HEAD_BYTES.
    HeadTooLarge,
    WrongHeader(HTTPVersion),
    /// PATCHED (see PATCHES.md, patch 8): the body's framing cannot be trusted (400).
    BadFraming(HTTPVersion),
    /// PATCHED (see PATCHES.md, patch 8): the body is larger than allowed (413).
    BodyTooLarge(HTTPVersion),
    /// PATCHED (see PATCHES.md, patch 7): the previous request's body was left unread.
    PreviousBodyUnread,
    /// the client sent an unrecognized `Expect` header
    ExpectationFailed(HTTPVersion),
    ReadIoError(IoError),
}

impl ClientConnection {
    /// Creates a new `ClientConnection` that takes ownership of the `TcpStream`.
    ///
    /// PATCHED (see PATCHES.md, patch 7): `request_timeout` bounds the time from a
    /// request's first byte to the end of its head (and of a small body read with it).
    pub fn new(
        write_socket: RefinedTcpStream,
        mut read_socket: RefinedTcpStream,
        request_timeout: Option<Duration>,
    ) -> ClientConnection {
        let remote_addr = read_socket.peer_addr().ok().flatten();
        let request_clock = read_socket.request_clock();
        let secure = read_socket.secure();

        let mut source = SequentialReaderBuilder::new(BufReader::with_capacity(1024, read_socket));
        let first_header = source.next_reader();

        ClientConnection {
            source,
            sink: SequentialWriterBuilder::new(BufWriter::with_capacity(1024, write_socket)),
            remote_addr,
            next_header_source: first_header,
            no_more_requests: false,
            secure,
            unread_body: Arc::new(AtomicBool::new(false)),
            request_timeout,
            request_clock,
            in_flight: Arc::default(),
        }
    }

    /// true if the connection is HTTPS
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Reads the next line from self.next_header_source.
    ///
    /// Reads until `CRLF` is reached. The next read will start
    ///  at the first byte of the new line.
    fn read_next_line(&mut self, budget: &mut usize) -> IoResult<AsciiString> {
        let mut buf = Vec::new();
        let mut prev_byte_was_cr = false;

        loop {
            // PATCHED (see PATCHES.md): a request head may not grow without bound.
            if buf.len() >= *budget {
                return Err(IoError::new(ErrorKind::OutOfMemory, "request head too large"));
            }
            let byte = self.next_header_source.by_ref().bytes().next();

            let byte = match byte {
                Some(b) => b?,
                None => return Err(IoError::new(ErrorKind::ConnectionAborted, "Unexpected EOF")),
            };

            if byte == b'\n' && prev_byte_was_cr {
                *budget -= buf.len() + 1;
                buf.pop(); // removing the '\r'
                return AsciiString::from_ascii(buf)
                    .map_err(|_| IoError::new(ErrorKind::InvalidInput, "Header is not in ASCII"));
            }

            prev_byte_was_cr = byte == b'\r';

            buf.push(byte);
        }
    }

    /// Reads a request from the stream.
    /// Blocks until the header has been read.
    fn read(&mut self) -> Result<Request, ReadError> {
        // PATCHED (see PATCHES.md, patch 10): no further than MAX_PIPELINED unanswered.
        self.in_flight.wait_for_room();

        // PATCHED (see PATCHES.md, patch 7): wait until the previous request is done with
        // the stream; if it left its body unread, where the next request starts is unknown
        // (and the client may still be sending that body): close rather than read on.
        self.next_header_source
            .wait_turn()
            .map_err(ReadError::ReadIoError)?;
        if self.unread_body.swap(false, Ordering::AcqRel) {
            return Err(ReadError::PreviousBodyUnread);
        }
        self.request_clock.arm(self.request_timeout);

        // PATCHED (see PATCHES.md): what is left of the request head's size limit.
        let mut budget = MAX_HEAD_BYTES;
        let too_large = |error: IoError| {
            if error.kind() == ErrorKind::OutOfMemory {
                ReadError::HeadTooLarge
            } else {
                ReadError::ReadIoError(error)
            }
        };
        let (method, path, version, headers) = {
            // reading the request line
            let (method, path, version) = {
                let line = self.read_next_line(&mut budget).map_err(too_large)?;

                parse_request_line(
                    line.as_str().trim(), // TODO: remove this conversion
                )?
            };

            // getting all headers
            let headers = {
                let mut headers = Vec::new();
                loop {
                    let line = self.read_next_line(&mut budget).map_err(too_large)?;

                    if line.is_empty() {
                        break;
                    };
                    headers.push(match FromStr::from_str(line.as_str().trim()) {
                        // TODO: remove this conversion
                        Ok(h) => h,
                        _ => return Err(ReadError::WrongHeader(version)),
                    });
                }

                headers
            };

            (method, path, version, headers)
        };

        // building the writer for the request
        // PATCHED (see PATCHES.md, patch 10): counted until the answer is written.
        self.in_flight.add();
        let writer = CountedWriter {
            inner: self.sink.next_writer(),
            in_flight: Arc::clone(&self.in_flight),
        };

        // follow-up for next potential request
        let mut data_source = self.source.next_reader();
        std::mem::swap(&mut self.next_header_source, &mut data_source);

        // building the next reader
        let request = crate::request::new_request_on(
            self.secure,
            method,
            path,
            version.clone(),
            headers,
            self.remote_addr,
            data_source,
            writer,
            &RequestSource {
                unread_body: Arc::clone(&self.unread_body),
            },
        );
        // PATCHED (see PATCHES.md, patch 7): the request is read; a handler's own reads of
        // a body are not timed.
        self.request_clock.stop();
        let request = request.map_err(|e| {
            use crate::request;
            match e {
                request::RequestCreationError::CreationIoError(e) => ReadError::ReadIoError(e),
                request::RequestCreationError::ExpectationFailed => {
                    ReadError::ExpectationFailed(version)
                }
                request::RequestCreationError::BadFraming(_) => ReadError::BadFraming(version),
                request::RequestCreationError::BodyTooLarge => ReadError::BodyTooLarge(version),
            }
        })?;

        // return the request
        Ok(request)
    }
}

impl Iterator for ClientConnection {
    type Item = Request;

    /// Blocks until the next Request is available.
    /// Returns None when no new Requests will come from the client.
    fn next(&mut self) -> Option<Request> {
        use crate::{Response, StatusCode};

        // the client sent a "connection: close" header in this previous request
        //  or is using HTTP 1.0, meaning that no new request will come
        if self.no_more_requests {
            return None;
        }

        loop {
            let rq = match self.read() {
                Err(ReadError::WrongRequestLine) => {
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(400));
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                Err(ReadError::HeadTooLarge) => {
                    // PATCHED (see PATCHES.md): refuse, and close.
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(431));
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None;
                }

                Err(ReadError::WrongHeader(ver)) => {
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(400));
                    response.raw_print(writer, ver, &[], false, None).ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                // PATCHED (see PATCHES.md, patch 8): refuse, and close: the body's end is
                // unknown, or too far away.
                Err(ReadError::BadFraming(ver)) => {
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(400));
                    response.raw_print(writer, ver, &[], false, None).ok();
                    return None;
                }

                Err(ReadError::BodyTooLarge(ver)) => {
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(413));
                    response.raw_print(writer, ver, &[], false, None).ok();
                    return None;
                }

                Err(ReadError::PreviousBodyUnread) => return None,

                Err(ReadError::ReadIoError(ref err)) if err.kind() == ErrorKind::TimedOut => {
                    // request timeout
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(408));
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None; // closing the connection
                }

                Err(ReadError::ExpectationFailed(ver)) => {
                    let writer = self.sink.next_writer();
                    let response = Response::new_empty(StatusCode(417));
                    response.raw_print(writer, ver, &[], true, None).ok();
                    return None; // TODO: should be recoverable, but needs handling in case of body
                }

                Err(ReadError::ReadIoError(_)) => return None,

                Ok(rq) => rq,
            };

            // checking HTTP version
            if *rq.http_version() > (1, 1) {
                // PATCHED (see PATCHES.md): answer through the request's own writer; a
                // second writer from `self.sink` waited forever for `rq`'s to be dropped,
                // leaking this thread and the connection. Then close: what follows an
                // HTTP/2 request line is not HTTP/1.
                let writer = rq.into_writer();
                let response = Response::from_string(
                    "This server only supports HTTP versions 1.0 and 1.1".to_owned(),
                )
                .with_status_code(StatusCode(505));
                response
                    .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                    .ok();
                return None;
            }

            // updating the status of the connection
            let connection_header = rq
                .headers()
                .iter()
                .find(|h| h.field.equiv("Connection"))
                .map(|h| h.value.as_str());

            let lowercase = connection_header.map(|h| h.to_ascii_lowercase());

            match lowercase {
                Some(ref val) if val.contains("close") => self.no_more_requests = true,
                Some(ref val) if val.contains("upgrade") => self.no_more_requests = true,
                Some(ref val)
                    if !val.contains("keep-alive") && *rq.http_version() == HTTPVersion(1, 0) =>
                {
                    self.no_more_requests = true
                }
                None if *rq.http_version() == HTTPVersion(1, 0) => self.no_more_requests = true,
                _ => (),
            };

            // PATCHED (see PATCHES.md): an HTTP/1.0 connection kept open (the request asked
            // for keep-alive) must say so in the response, or the client waits for a close.
            if !self.no_more_requests && *rq.http_version() == HTTPVersion(1, 0) {
                return Some(rq.with_http10_keep_alive());
            }

            // returning the request
            return Some(rq);
        }
    }
}

/// Parses a "HTTP/1.1" string.
fn parse_http_version(version: &str) -> Result<HTTPVersion, ReadError> {
    let (major, minor) = match version {
        "HTTP/0.9" => (0, 9),
        "HTTP/1.0" => (1, 0),
        "HTTP/1.1" => (1, 1),
        "HTTP/2.0" => (2, 0),
        "HTTP/3.0" => (3, 0),
        _ => return Err(ReadError::WrongRequestLine),
    };

    Ok(HTTPVersion(major, minor))
}

/// Parses the request line of the request.
/// eg. GET / HTTP/1.1
fn parse_request_line(line: &str) -> Result<(Method, String, HTTPVersion), ReadError> {
    let mut parts = line.split(' ');

    let method = parts.next().and_then(|w| w.parse().ok());
    let path = parts.next().map(ToOwned::to_owned);
    let version = parts.next().and_then(|w| parse_http_version(w).ok());

    method
        .and_then(|method| Some((method, path?, version?)))
        .ok_or(ReadError::WrongRequestLine)
}

#[cfg(test)]
mod test {
    #[test]
    fn test_parse_request_line() {
        let (method, path, ver) = super::parse_request_line("GET /hello HTTP/1.1").unwrap();

        assert!(method == crate::Method::Get);
        assert!(path == "/hello");
        assert!(ver == crate::common::HTTPVersion(1, 1));

        assert!(super::parse_request_line("GET /hello").is_err());
        assert!(super::parse_request_line("qsd qsd qsd").is_err());
    }
}
