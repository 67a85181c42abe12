use std::io::Result as IoResult;
use std::io::{Read, Write};

use std::sync::mpsc::channel;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use std::mem;

pub struct SequentialReaderBuilder<R>
where
    R: Read + Send,
{
    inner: SequentialReaderBuilderInner<R>,
}

enum SequentialReaderBuilderInner<R>
where
    R: Read + Send,
{
    First(R),
    NotFirst(Receiver<R>),
}

pub struct SequentialReader<R>
where
    R: Read + Send,
{
    inner: SequentialReaderInner<R>,
    next: Sender<R>,
}

enum SequentialReaderInner<R>
where
    R: Read + Send,
{
    MyTurn(R),
    Waiting(Receiver<R>),
    Empty,
}

pub struct SequentialWriterBuilder<W>
where
    W: Write + Send,
{
    writer: Arc<Mutex<W>>,
    next_trigger: Option<Receiver<()>>,
}

pub struct SequentialWriter<W>
where
    W: Write + Send,
{
    trigger: Option<Receiver<()>>,
    writer: Arc<Mutex<W>>,
    on_finish: Sender<()>,
}

impl<R: Read + Send> SequentialReaderBuilder<R> {
    pub fn new(reader: R) -> SequentialReaderBuilder<R> {
        SequentialReaderBuilder {
            inner: SequentialReaderBuilderInner::First(reader),
        }
    }
}

impl<W: Write + Send> SequentialWriterBuilder<W> {
    pub fn new(writer: W) -> SequentialWriterBuilder<W> {
        SequentialWriterBuilder {
            writer: Arc::new(Mutex::new(writer)),
            next_trigger: None,
        }
    }
}

// PATCHED (see PATCHES.md, patch 9): `next_reader` and `next_writer` always give one, so
// they are plain methods rather than iterators whose `None` every caller unwrapped.
impl<R: Read + Send> SequentialReaderBuilder<R> {
    pub fn next_reader(&mut self) -> SequentialReader<R> {
        let (tx, rx) = channel();

        let inner = mem::replace(&mut self.inner, SequentialReaderBuilderInner::NotFirst(rx));

        match inner {
            SequentialReaderBuilderInner::First(reader) => SequentialReader {
                inner: SequentialReaderInner::MyTurn(reader),
                next: tx,
            },

            SequentialReaderBuilderInner::NotFirst(previous) => SequentialReader {
                inner: SequentialReaderInner::Waiting(previous),
                next: tx,
            },
        }
    }
}

impl<W: Write + Send> SequentialWriterBuilder<W> {
    pub fn next_writer(&mut self) -> SequentialWriter<W> {
        let (tx, rx) = channel();
        let mut next_next_trigger = Some(rx);
        ::std::mem::swap(&mut next_next_trigger, &mut self.next_trigger);

        SequentialWriter {
            trigger: next_next_trigger,
            writer: self.writer.clone(),
            on_finish: tx,
        }
    }
}

impl<R: Read + Send> SequentialReader<R> {
    /// PATCHED (see PATCHES.md, patch 7): waits until the readers before this one are done
    /// with the stream (a request's body is dropped), without reading from it.
    pub fn wait_turn(&mut self) -> IoResult<()> {
        if let SequentialReaderInner::Waiting(ref recv) = self.inner {
            let reader = recv.recv().map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the stream is gone")
            })?;
            self.inner = SequentialReaderInner::MyTurn(reader);
        }
        Ok(())
    }
}

impl<R: Read + Send> Read for SequentialReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        self.wait_turn()?;
        match self.inner {
            SequentialReaderInner::MyTurn(ref mut reader) => reader.read(buf),
            _ => Ok(0),
        }
    }
}

impl<W: Write + Send> Write for SequentialWriter<W> {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        if let Some(v) = self.trigger.as_mut() {
            // PATCHED: the writer before this one is done, or gone: either way, our turn.
            v.recv().ok();
        }
        self.trigger = None;

        self.writer.lock().unwrap().write(buf)
    }

    fn flush(&mut self) -> IoResult<()> {
        if let Some(v) = self.trigger.as_mut() {
            // PATCHED: the writer before this one is done, or gone: either way, our turn.
            v.recv().ok();
        }
        self.trigger = None;

        self.writer.lock().unwrap().flush()
    }
}

impl<R> Drop for SequentialReader<R>
where
    R: Read + Send,
{
    fn drop(&mut self) {
        let inner = mem::replace(&mut self.inner, SequentialReaderInner::Empty);

        match inner {
            SequentialReaderInner::MyTurn(reader) => {
                self.next.send(reader).ok();
            }
            SequentialReaderInner::Waiting(recv) => {
                // PATCHED: a stream already gone has nothing to hand on.
                if let Ok(reader) = recv.recv() {
                    self.next.send(reader).ok();
                }
            }
            SequentialReaderInner::Empty => (),
        }
    }
}

impl<W> Drop for SequentialWriter<W>
where
    W: Write + Send,
{
    fn drop(&mut self) {
        self.on_finish.send(()).ok();
    }
}
