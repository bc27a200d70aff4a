//! Content digests as the OCI spec writes them (`algorithm:hex`). Parsed once,
//! compared as values. Only sha256 can be verified here; other algorithms are
//! kept as text and reported unverified.

use sha2::{Digest as _, Sha256};
use std::fmt;
use std::io::{self, Read};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub algorithm: String,
    pub hex: String,
}

impl Digest {
    pub fn sha256_from_bytes(bytes: [u8; 32]) -> Self {
        Digest {
            algorithm: "sha256".into(),
            hex: hex(&bytes),
        }
    }

    pub fn of(data: &[u8]) -> Self {
        Digest::sha256_from_bytes(Sha256::digest(data).into())
    }

    /// Parses `sha256:<64 hex>` (or another `alg:encoded`). Returns None for
    /// anything that is not a digest, so callers can say what they expected.
    pub fn parse(text: &str) -> Option<Self> {
        let (algorithm, encoded) = text.split_once(':')?;
        if algorithm.is_empty()
            || !algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
        {
            return None;
        }
        if encoded.is_empty()
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
        {
            return None;
        }
        if algorithm == "sha256" && (encoded.len() != 64 || !encoded.bytes().all(is_lower_hex)) {
            return None;
        }
        Some(Digest {
            algorithm: algorithm.into(),
            hex: encoded.into(),
        })
    }

    /// The short form people read in tables: the first 12 hex digits.
    pub fn short(&self) -> &str {
        &self.hex[..self.hex.len().min(12)]
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// A reader that hashes and counts what passes through it (or only counts,
/// when the same bytes are already hashed elsewhere).
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Some(Sha256::new()),
            count: 0,
        }
    }

    /// Counts without hashing: `finish` then returns no digest.
    pub fn counting(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: None,
            count: 0,
        }
    }

    /// Reads whatever is left (a tar may end before its padding does) so the
    /// digest covers every byte, then returns the digest and the byte count.
    pub fn finish(mut self) -> io::Result<(Option<Digest>, u64)> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                break;
            }
        }
        let digest = self
            .hasher
            .map(|h| Digest::sha256_from_bytes(h.finalize().into()));
        Ok((digest, self.count))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_sha256() {
        let text = "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e";
        let d = Digest::parse(text).unwrap();
        assert_eq!(d.to_string(), text);
        assert_eq!(d.short(), "6e0b05049ed9");
    }

    #[test]
    fn rejects_what_is_not_a_digest() {
        for bad in [
            "",
            "sha256",
            "sha256:",
            "sha256:abc",
            "SHA256:00",
            "sha256:../../etc/passwd",
        ] {
            assert!(Digest::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn hashes_what_it_reads() {
        let r = HashingReader::new(&b"abc"[..]);
        let (d, n) = r.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            d.unwrap().hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
