//! Which compression a blob uses, told by its first bytes (media types lie: a
//! real skopeo writes plain tar under a `+gzip` type), and the decoder for it.

use std::io::{self, BufRead, BufReader, Cursor, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// The compression a media type claims, if it claims one.
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        if media_type.ends_with("+gzip")
            || media_type.ends_with(".gzip")
            || media_type.ends_with("tar.gzip")
        {
            Some(Compression::Gzip)
        } else if media_type.ends_with("+zstd") || media_type.ends_with(".zstd") {
            Some(Compression::Zstd)
        } else if media_type.ends_with(".tar") || media_type.ends_with("tar") {
            Some(Compression::None)
        } else {
            None
        }
    }
}

/// What the first bytes of a blob say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Compressed(Compression),
    /// Plain tar: a header with a valid checksum, or the zero blocks of an empty archive.
    Tar,
    /// No bytes at all.
    Empty,
    /// A format this tool names but does not read.
    Unsupported(&'static str),
    /// JSON (a manifest or config where a layer was expected, or vice versa).
    Json,
    Unknown,
}

/// Tells the format from the first bytes (pass at least 512 when there are).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Sniffed::Compressed(Compression::Gzip);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Sniffed::Compressed(Compression::Zstd);
    }
    // A zstd skippable frame (estargz-style metadata) may come first.
    if head.len() >= 4 && head[1..4] == [0x2a, 0x4d, 0x18] && (head[0] & 0xf0) == 0x50 {
        return Sniffed::Compressed(Compression::Zstd);
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Sniffed::Unsupported("xz");
    }
    if head.starts_with(b"BZh") {
        return Sniffed::Unsupported("bzip2");
    }
    if head.len() >= 512 && is_tar_header(&head[..512]) {
        return Sniffed::Tar;
    }
    if head.len() >= 512 && head[..512].iter().all(|&b| b == 0) {
        return Sniffed::Tar;
    }
    if let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) {
        if first == b'{' || first == b'[' {
            return Sniffed::Json;
        }
    }
    Sniffed::Unknown
}

/// A tar header block: the stored checksum matches the bytes.
pub fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    let field = &block[148..156];
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0 && b != b' ')
        .skip_while(|&&b| b == b' ')
        .map(|&b| b as char)
        .collect();
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let mut sum: u32 = 0;
    for (i, &b) in block[..512].iter().enumerate() {
        sum += if (148..156).contains(&i) {
            b' ' as u32
        } else {
            b as u32
        };
    }
    sum == stored
}

/// Reads up to `n` bytes (fewer only at the end of the input), whatever the
/// reader's short reads.
pub fn peek<R: Read>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    reader.by_ref().take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The decoder for a compression, over a reader positioned at the start of the data.
pub fn decoder<'a, R: Read + 'a>(
    compression: Compression,
    reader: R,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(reader),
        // Multi-member: estargz and parallel compressors concatenate gzip members.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            256 * 1024,
            reader,
        ))),
        Compression::Zstd => Box::new(ZstdFrames::new(reader)),
    })
}

/// A zstd stream of one or more frames (skippable frames included), decoded in order.
struct ZstdFrames<R: Read> {
    source: BufReader<R>,
    frame: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
    started: bool,
}

impl<R: Read> ZstdFrames<R> {
    fn new(reader: R) -> Self {
        ZstdFrames {
            source: BufReader::with_capacity(256 * 1024, reader),
            frame: ruzstd::decoding::FrameDecoder::new(),
            in_frame: false,
            started: false,
        }
    }
}

fn zstd_error(e: impl std::fmt::Display) -> io::Error {
    let text = e.to_string();
    if text.to_lowercase().contains("eof") {
        io::Error::new(io::ErrorKind::UnexpectedEof, format!("zstd: {text}"))
    } else {
        io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {text}"))
    }
}

impl<R: Read> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::BlockDecodingStrategy;
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                // As ruzstd's StreamingDecoder does, but with the source kept here
                // so that the next frame can start where this one ended.
                while self.frame.can_collect() < buf.len() && !self.frame.is_finished() {
                    let want = buf.len() - self.frame.can_collect();
                    self.frame
                        .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(want))
                        .map_err(zstd_error)?;
                }
                let n = self.frame.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                if self.frame.is_finished() {
                    self.in_frame = false;
                    // The frame's content checksum, when it has one (as gzip's CRC is checked).
                    if let (Some(stored), Some(computed)) = (
                        self.frame.get_checksum_from_data(),
                        self.frame.get_calculated_checksum(),
                    ) {
                        if stored != computed {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                "zstd: the frame's content checksum does not match its data",
                            ));
                        }
                    }
                }
            }
            // Between frames: the end of the input ends the stream.
            if self.source.fill_buf()?.is_empty() {
                if !self.started {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "empty zstd stream",
                    ));
                }
                return Ok(0);
            }
            self.started = true;
            use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
            // The frame's header is read here first, to refuse a window over
            // the limit before ruzstd sees it: ruzstd checks only from its
            // second frame on, and keeps up to a whole window of output
            // (a 1 TiB window over 1 GiB of zeros held 3 GiB).
            let header = read_frame_header(&mut self.source)?;
            if let Some(window) = header.window {
                if window > crate::limits::ZSTD_WINDOW {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "zstd: a frame asks for a {window}-byte window; layerscope decodes \
                             windows up to {} bytes (zstd itself refuses over 128 MiB without --long)",
                            crate::limits::ZSTD_WINDOW
                        ),
                    ));
                }
            }
            match self
                .frame
                .reset(Cursor::new(header.bytes).chain(&mut self.source))
            {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped =
                        io::copy(&mut (&mut self.source).take(length as u64), &mut io::sink())?;
                    if skipped != length as u64 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "zstd: skippable frame ends early",
                        ));
                    }
                }
                Err(e) => return Err(zstd_error(e)),
            }
        }
    }
}

/// The header of a zstd frame (RFC 8878 3.1.1), as read from the stream.
struct FrameHeader {
    /// Every byte of it (for a skippable or unknown frame, only the magic).
    bytes: Vec<u8>,
    /// The window the frame asks for: its Window_Descriptor, or its content
    /// size for a single-segment frame.
    window: Option<u64>,
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn read_frame_header<R: Read>(source: &mut R) -> io::Result<FrameHeader> {
    let mut bytes = vec![0u8; 4];
    source.read_exact(&mut bytes)?;
    if bytes != ZSTD_MAGIC {
        return Ok(FrameHeader {
            bytes,
            window: None,
        });
    }
    let mut descriptor = [0u8; 1];
    source.read_exact(&mut descriptor)?;
    let d = descriptor[0];
    bytes.push(d);
    let single_segment = d & 0x20 != 0;
    let dictionary = [0, 1, 2, 4][(d & 3) as usize];
    let content_size = match d >> 6 {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let rest = usize::from(!single_segment) + dictionary + content_size;
    let start = bytes.len();
    bytes.resize(start + rest, 0);
    source.read_exact(&mut bytes[start..])?;
    let window = if single_segment {
        let field = &bytes[bytes.len() - content_size..];
        let mut le = [0u8; 8];
        le[..content_size].copy_from_slice(field);
        let value = u64::from_le_bytes(le);
        value + if content_size == 2 { 256 } else { 0 }
    } else {
        let w = bytes[start];
        let log = 10 + u32::from(w >> 3);
        let base = 1u64 << log;
        base + (base / 8) * u64::from(w & 7)
    };
    Ok(FrameHeader {
        bytes,
        window: Some(window),
    })
}
