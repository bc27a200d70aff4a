//! `Read + Seek` over something that can only hand out byte ranges (a
//! browser `Blob` read with `FileReaderSync`), through one reused window so
//! the file is never in memory whole. After a seek the window starts small
//! (the engine is probably reading one tar header before seeking past a
//! member); reads that carry on where the window ended get the full size
//! (the engine is streaming a layer). Reads larger than the window skip it.

use std::io::{self, Read, Seek, SeekFrom};

/// Random access to a fixed-size sequence of bytes.
pub trait RandomAccess {
    /// The size in bytes.
    fn size(&self) -> u64;
    /// Reads from `offset` into `buf`; fewer bytes than asked only at the end.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// The window after a sequential read.
pub const WINDOW: usize = 4 << 20;
/// The window after a seek.
pub const FIRST_WINDOW: usize = 64 << 10;

pub struct WindowReader<A> {
    access: A,
    size: u64,
    pos: u64,
    /// The bytes `[start, start + window.len())`.
    window: Vec<u8>,
    start: u64,
    full: usize,
    first: usize,
}

impl<A: RandomAccess> WindowReader<A> {
    pub fn new(access: A) -> Self {
        WindowReader::with_windows(access, FIRST_WINDOW, WINDOW)
    }

    /// With other window sizes (tests use tiny ones).
    pub fn with_windows(access: A, first: usize, full: usize) -> Self {
        WindowReader {
            size: access.size(),
            access,
            pos: 0,
            window: Vec::new(),
            start: 0,
            full: full.max(1),
            first: first.clamp(1, full.max(1)),
        }
    }

    pub fn into_inner(self) -> A {
        self.access
    }

    fn window_end(&self) -> u64 {
        self.start + self.window.len() as u64
    }
}

impl<A: RandomAccess> Read for WindowReader<A> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.size {
            return Ok(0);
        }
        let left = self.size - self.pos;
        if !(self.start..self.window_end()).contains(&self.pos) {
            let sequential = self.pos == self.window_end() && !self.window.is_empty();
            if buf.len() >= self.full {
                // Big reads go straight into the caller's buffer.
                let want = (buf.len() as u64).min(left) as usize;
                let n = self.access.read_at(self.pos, &mut buf[..want])?;
                self.pos += n as u64;
                return Ok(n);
            }
            let want = (if sequential { self.full } else { self.first } as u64).min(left) as usize;
            self.window.resize(want, 0);
            let n = self.access.read_at(self.pos, &mut self.window)?;
            self.window.truncate(n);
            self.start = self.pos;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file is shorter than it said (did it change on disk?)",
                ));
            }
        }
        let at = (self.pos - self.start) as usize;
        let n = buf.len().min(self.window.len() - at);
        buf[..n].copy_from_slice(&self.window[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<A: RandomAccess> Seek for WindowReader<A> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(n) => {
                self.pos = n;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )),
        }
    }
}

/// Bytes in memory as [`RandomAccess`] (tests, and samples the page fetched).
impl RandomAccess for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the ranges asked for, and can fail on one offset.
    struct Counting<'a> {
        bytes: &'a [u8],
        reads: Vec<(u64, usize)>,
        fail_at: Option<u64>,
    }

    impl RandomAccess for Counting<'_> {
        fn size(&self) -> u64 {
            self.bytes.len() as u64
        }
        fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            self.reads.push((offset, buf.len()));
            if self.fail_at == Some(offset) {
                return Err(io::Error::other("NotReadableError"));
            }
            let mut b = self.bytes;
            b.read_at(offset, buf)
        }
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn reads_everything_in_any_chunking() {
        let bytes = data(10_000);
        for chunk in [1, 3, 64, 100, 999, 4096, 20_000] {
            let mut r = WindowReader::with_windows(&bytes[..], 16, 256);
            let mut out = Vec::new();
            let mut buf = vec![0; chunk];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, bytes, "chunk {chunk}");
        }
    }

    #[test]
    fn seeks_anywhere() {
        let bytes = data(5000);
        let mut r = WindowReader::with_windows(&bytes[..], 16, 256);
        let mut buf = [0u8; 10];
        for &at in &[4990u64, 0, 100, 105, 2000, 1999, 4999] {
            r.seek(SeekFrom::Start(at)).unwrap();
            let n = r.read(&mut buf).unwrap();
            let end = (at as usize + 10).min(5000);
            assert_eq!(&buf[..n], &bytes[at as usize..end], "at {at}");
        }
        assert_eq!(r.seek(SeekFrom::End(0)).unwrap(), 5000);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
        assert_eq!(r.seek(SeekFrom::End(-10)).unwrap(), 4990);
        assert_eq!(r.seek(SeekFrom::Current(-4990)).unwrap(), 0);
        assert!(r.seek(SeekFrom::Current(-1)).is_err());
        // Past the end is allowed, and reads nothing.
        assert_eq!(r.seek(SeekFrom::Start(9000)).unwrap(), 9000);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn windows_start_small_after_a_seek_and_grow_when_sequential() {
        let bytes = data(100_000);
        let access = Counting {
            bytes: &bytes,
            reads: Vec::new(),
            fail_at: None,
        };
        let mut r = WindowReader::with_windows(access, 512, 8192);
        let mut header = [0u8; 512];
        r.seek(SeekFrom::Start(50_000)).unwrap();
        r.read_exact(&mut header).unwrap();
        let mut rest = vec![0u8; 3000];
        r.read_exact(&mut rest).unwrap();
        assert_eq!(&rest[..], &bytes[50_512..53_512]);
        let mut big = vec![0u8; 20_000];
        r.read_exact(&mut big).unwrap();
        assert_eq!(&big[..], &bytes[53_512..73_512]);
        let reads = r.into_inner().reads;
        assert_eq!(reads[0], (50_000, 512));
        assert_eq!(reads[1], (50_512, 8192));
        // The big read went around the window.
        assert_eq!(reads[2..], [(58_704, 20_000 - 5192)]);
    }

    #[test]
    fn errors_pass_through_and_a_short_file_is_an_eof() {
        let bytes = data(1000);
        let access = Counting {
            bytes: &bytes,
            reads: Vec::new(),
            fail_at: Some(0),
        };
        let mut r = WindowReader::with_windows(access, 16, 64);
        let mut buf = [0u8; 8];
        assert_eq!(
            r.read(&mut buf).unwrap_err().to_string(),
            "NotReadableError"
        );

        // A blob that claims more bytes than it gives.
        struct Liar;
        impl RandomAccess for Liar {
            fn size(&self) -> u64 {
                100
            }
            fn read_at(&mut self, _: u64, _: &mut [u8]) -> io::Result<usize> {
                Ok(0)
            }
        }
        let mut r = WindowReader::new(Liar);
        let err = r.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
