//! How far an analysis has got, and the way to stop it. The engine calls a
//! [`Progress`] sink as bytes pass; the sink answers whether to go on. Both
//! edges (the CLI's progress bar, the web worker's messages and Cancel
//! button) are sinks; the engine knows no clock.

use std::cell::RefCell;
use std::io::{self, Read};

/// A snapshot of the work done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressInfo {
    /// Bytes of the input read so far (compressed, as stored).
    pub bytes_done: u64,
    /// Total bytes of the input, when known.
    pub bytes_total: Option<u64>,
    /// Filesystem layers read so far.
    pub layers_done: usize,
    /// Filesystem layers of the chosen image, once known.
    pub layers_total: Option<usize>,
}

pub trait Progress {
    /// Called every few hundred KiB and after each layer. Return `false` to
    /// cancel: the analysis then stops with [`crate::ErrorKind::Cancelled`].
    fn update(&mut self, info: &ProgressInfo) -> bool;
}

/// A sink that ignores progress and never cancels.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&mut self, _: &ProgressInfo) -> bool {
        true
    }
}

impl<F: FnMut(&ProgressInfo) -> bool> Progress for F {
    fn update(&mut self, info: &ProgressInfo) -> bool {
        self(info)
    }
}

/// The progress state shared by the readers of one analysis.
pub(crate) struct Meter<'p> {
    sink: &'p mut dyn Progress,
    pub info: ProgressInfo,
    last: u64,
    pub cancelled: bool,
}

const EVERY: u64 = 256 * 1024;

impl<'p> Meter<'p> {
    pub fn new(sink: &'p mut dyn Progress, bytes_total: Option<u64>) -> RefCell<Self> {
        RefCell::new(Meter {
            sink,
            info: ProgressInfo {
                bytes_total,
                ..Default::default()
            },
            last: 0,
            cancelled: false,
        })
    }

    /// Reports now; false when the sink asked to stop.
    pub fn report(&mut self) -> bool {
        if !self.cancelled && !self.sink.update(&self.info) {
            self.cancelled = true;
        }
        !self.cancelled
    }

    fn advance(&mut self, n: u64) -> bool {
        self.info.bytes_done += n;
        if self.info.bytes_done - self.last >= EVERY {
            self.last = self.info.bytes_done;
            return self.report();
        }
        !self.cancelled
    }
}

/// Counts the bytes read from the input into the meter, and fails the read
/// once the sink cancels.
pub(crate) struct MeteredReader<'m, 'p, R> {
    pub inner: R,
    pub meter: &'m RefCell<Meter<'p>>,
}

impl<R: Read> Read for MeteredReader<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.meter.borrow_mut().advance(n as u64) {
            // Not `Interrupted`: std's read loops retry those.
            return Err(io::Error::other(crate::error::CANCELLED));
        }
        Ok(n)
    }
}

impl<R: io::Seek> io::Seek for MeteredReader<'_, '_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}
