//! Resource bounds: inputs built to exhaust memory, time or the stack. Each
//! either completes in bounded memory with the right answer, or stops with
//! an error that names the limit and where it was met (`src/limits.rs`
//! holds every limit; docs/hardening.md lists them with the CLI's figures).
//!
//! Memory is measured, not assumed: this test binary counts every heap
//! allocation (a counting global allocator), and each case asserts the
//! peak of live heap bytes while the engine ran. The cases take a lock so
//! that one runs at a time and the peak is its own.
//!
//! The inputs are generated as they are read: a multi-GiB `index.json` of
//! spaces is a reader that yields spaces ([`Virtual`]), a decompression
//! bomb is a few KiB of zstd RLE blocks or repeated gzip members. The
//! default cases stay at a few seconds; the full-size ones are `#[ignore]`d:
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-hostile cargo test --release -p layerscope-core \
//!     --test limits -- --ignored --test-threads=1
//! ```
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::{analyze, analyze_stream, Analysis, Error, ErrorKind, NoProgress, Options};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::*;

// ---------------------------------------------------------------------------
// Peak heap, counted
// ---------------------------------------------------------------------------

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let now =
                    LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: usize = 1024 * 1024;

/// What one bounded run cost: the heap it added at its peak, and its time.
#[derive(Debug)]
struct Cost {
    peak_heap: usize,
    time: Duration,
}

/// Runs `f` alone, measuring the heap it adds at its peak (over what was
/// live when it started: the input, when the test holds it in memory).
fn measured<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let start = Instant::now();
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = no_panic("a bounded input", f);
    let cost = Cost {
        peak_heap: PEAK.load(Relaxed).saturating_sub(base),
        time: start.elapsed(),
    };
    eprintln!("{cost:?}");
    (out, cost)
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------
// Inputs generated as they are read
// ---------------------------------------------------------------------------

/// A piece of a [`Virtual`] input.
enum Piece {
    Bytes(Vec<u8>),
    /// `len` copies of one byte, never held in memory.
    Fill(u8, u64),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::Fill(_, n) => *n,
        }
    }
}

/// An input of any size made of pieces, readable and seekable, costing only
/// its literal pieces in memory.
struct Virtual {
    pieces: Vec<Piece>,
    pos: u64,
    len: u64,
}

impl Virtual {
    fn new(pieces: Vec<Piece>) -> Virtual {
        let len = pieces.iter().map(Piece::len).sum();
        Virtual {
            pieces,
            pos: 0,
            len,
        }
    }

    /// The same input, from its start (pieces are cheap to share by rebuilding).
    fn len(&self) -> u64 {
        self.len
    }
}

impl Read for Virtual {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut start = 0u64;
        for piece in &self.pieces {
            let end = start + piece.len();
            if self.pos < end {
                let at = self.pos - start;
                let n = (end - self.pos).min(buf.len() as u64) as usize;
                match piece {
                    Piece::Bytes(b) => buf[..n].copy_from_slice(&b[at as usize..at as usize + n]),
                    Piece::Fill(byte, _) => buf[..n].fill(*byte),
                }
                self.pos += n as u64;
                return Ok(n);
            }
            start = end;
        }
        Ok(0)
    }
}

impl Seek for Virtual {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let to = match pos {
            SeekFrom::Start(n) => n as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if to < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "before the start",
            ));
        }
        self.pos = to as u64;
        Ok(self.pos)
    }
}

fn padding(len: u64) -> Vec<u8> {
    vec![0u8; ((512 - len % 512) % 512) as usize]
}

/// An outer tar of `members` (name, piece), with the two zero blocks.
fn virtual_tar(members: Vec<(String, Piece)>) -> Vec<Piece> {
    let mut out = Vec::new();
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_path(&name).unwrap();
        h.set_size(data.len());
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        let pad = padding(data.len());
        out.push(Piece::Bytes(h.as_bytes().to_vec()));
        out.push(data);
        out.push(Piece::Bytes(pad));
    }
    out.push(Piece::Bytes(vec![0u8; 1024]));
    out
}

/// Reads a generated input seekable and forward-only, each also through
/// short reads, and insists they agree; returns the seekable answer.
fn every_way(make: impl Fn() -> Virtual) -> Result<Analysis, Error> {
    let o = Options::default();
    type Run<'r> = Box<dyn Fn() -> Result<Analysis, Error> + 'r>;
    let runs: [(&str, Run); 4] = [
        ("analyze", Box::new(|| analyze(make(), &o, &mut NoProgress))),
        (
            "analyze_stream",
            Box::new(|| analyze_stream(make(), &o, &mut NoProgress)),
        ),
        (
            "analyze+short reads",
            Box::new(|| analyze(ShortReads::new(make(), 1, 4096), &o, &mut NoProgress)),
        ),
        (
            "analyze_stream+short reads",
            Box::new(|| analyze_stream(ShortReads::new(make(), 2, 4096), &o, &mut NoProgress)),
        ),
    ];
    let mut first: Option<Result<Analysis, Error>> = None;
    for (name, run) in runs.iter() {
        let got = no_panic(name, run);
        match &first {
            None => first = Some(got),
            Some(Ok(a)) => match &got {
                Ok(b) => assert_eq!(summary(a), summary(b), "analyze and {name} disagree"),
                Err(e) => panic!("analyze succeeds, {name} fails: {e}"),
            },
            Some(Err(a)) => match &got {
                Ok(_) => panic!("analyze fails ({a}), {name} succeeds"),
                Err(b) => assert_eq!(error_key(a), error_key(b), "{name}: {a} / {b}"),
            },
        }
    }
    first.unwrap()
}

// ---------------------------------------------------------------------------
// Decompression bombs, made small
// ---------------------------------------------------------------------------

const ZSTD_BLOCK: u64 = 128 * 1024;

/// A zstd frame (no checksum, no content size, a window of 2^`window_log`
/// bytes) holding `literal` as a raw block, then `zeros` zero bytes as RLE
/// blocks of 128 KiB: 4 bytes of input per 128 KiB of output.
fn zstd_bomb(literal: &[u8], zeros: u64, window_log: u8) -> Vec<u8> {
    assert!((10..=41).contains(&window_log));
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, (window_log - 10) << 3];
    let block = |out: &mut Vec<u8>, kind: u32, size: u64, last: bool| {
        let h = (last as u32) | (kind << 1) | ((size as u32) << 3);
        out.extend_from_slice(&h.to_le_bytes()[..3]);
    };
    for chunk in literal.chunks(ZSTD_BLOCK as usize) {
        // Never last: an RLE block or an empty raw block ends the frame.
        block(&mut out, 0, chunk.len() as u64, false);
        out.extend_from_slice(chunk);
    }
    let mut left = zeros;
    while left > 0 {
        let n = left.min(ZSTD_BLOCK);
        left -= n;
        block(&mut out, 1, n, left == 0);
        out.push(0);
    }
    if zeros == 0 {
        block(&mut out, 0, 0, true);
    }
    out
}

/// A tar header for a regular file of `size` bytes (data not included).
fn file_header(name: &str, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path(name).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    h.as_bytes().to_vec()
}

/// The sha256 of `head` followed by `zeros` zero bytes, hashed as it goes.
fn sha256_of_zeros(head: &[u8], zeros: u64) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(head);
    let block = vec![0u8; MIB];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(MIB as u64) as usize;
        h.update(&block[..n]);
        left -= n as u64;
    }
    format!(
        "sha256:{}",
        layerscope_core::archive::digest::Digest::sha256_from_bytes(h.finalize().into()).hex
    )
}

/// An OCI image of one small layer and one bomb layer `blob` whose tar is
/// `head` then `zeros` zero bytes (the config's diff_id is its true one).
fn bomb_image(blob: Vec<u8>, head: &[u8], zeros: u64, comp: Comp) -> Vec<u8> {
    let mut spec = ImageSpec::new()
        .layer(&[Entry::file("etc/hostname", "bomb\n")])
        .layer_raw(Vec::new(), blob, comp);
    spec.diff_ids = Some(vec![
        sha256(&spec.layers[0].tar).to_string(),
        sha256_of_zeros(head, zeros),
    ]);
    spec.oci().tar()
}

/// A file of `size` zero bytes as the whole of a layer's tar: its header,
/// its data and the two end blocks are all the zeros.
fn check_bomb(blob: Vec<u8>, head: &[u8], size: u64, comp: Comp, heap: usize) -> Cost {
    let bytes = bomb_image(blob, head, size + 1024, comp);
    let (answers, cost) = measured(|| {
        [
            analyze(
                Cursor::new(&bytes[..]),
                &Options::default(),
                &mut NoProgress,
            ),
            analyze_stream(&bytes[..], &Options::default(), &mut NoProgress),
        ]
    });
    for answer in answers {
        let a = ok(answer);
        assert!(!a.has_errors(), "{:#?}", a.diagnostics);
        let l = &a.layers[1];
        assert_eq!(l.tar_size, 512 + size + 1024);
        assert_eq!(
            l.diff_id_ok,
            Some(true),
            "the whole inflated stream is hashed"
        );
        assert_eq!(a.file("bomb").expect("/bomb").size, size);
    }
    assert!(
        cost.peak_heap < heap,
        "{} bytes inflated from {} took {} MiB of heap",
        size,
        bytes.len(),
        cost.peak_heap / MIB
    );
    cost
}

/// A zstd layer of 32 KiB holding a 1 GiB file of zeros: read to its end
/// (its diff_id is checked over every byte), in a few MiB of heap.
#[test]
fn zstd_bomb_is_read_to_its_end_in_bounded_memory() {
    let _one = lock();
    let size = 1 << 30;
    let head = file_header("bomb", size);
    let blob = zstd_bomb(&head, size + 1024, 17);
    assert!(blob.len() < 40_000, "{}", blob.len());
    check_bomb(blob, &head, size, Comp::Zstd, 16 * MIB);
}

/// gzip's ratio is at most ~1000:1, so its bomb is many members of zeros
/// (`MultiGzDecoder` reads every member, as estargz needs).
#[test]
fn gzip_bomb_is_read_to_its_end_in_bounded_memory() {
    let _one = lock();
    let mib_of_zeros = compress(&vec![0u8; MIB], Comp::Gzip);
    let members = 512u64;
    let size = members * MIB as u64 - 1024;
    let head = file_header("bomb", size);
    let mut blob = compress(&head, Comp::Gzip);
    for _ in 0..members {
        blob.extend_from_slice(&mib_of_zeros);
    }
    check_bomb(blob, &head, size, Comp::Gzip, 16 * MIB);
}

/// The full-size bomb: 1 MiB of zstd that inflates to 32 GiB.
#[test]
#[ignore = "minutes: 32 GiB hashed; run with --ignored (see the top of this file)"]
fn zstd_bomb_of_32_gib() {
    let _one = lock();
    let size = (32u64 << 30) - 1024;
    let head = file_header("bomb", size);
    let blob = zstd_bomb(&head, size + 1024, 17);
    check_bomb(blob, &head, size, Comp::Zstd, 16 * MIB);
}

/// A tar that ends properly, then goes on: 1 GiB of zeros after the end
/// blocks, which no entry reads but the diff_id covers (Docker hashes them too).
#[test]
fn zeros_after_the_end_of_a_layers_tar_are_hashed_and_said() {
    let _one = lock();
    let tar = layer_tar(&[Entry::file("a", "aaaa")]);
    let extra = 1u64 << 30;
    let blob = zstd_bomb(&tar, extra, 17);
    let bytes = bomb_image(blob, &tar, extra, Comp::Zstd);
    let (a, cost) = measured(|| {
        analyze(
            Cursor::new(&bytes[..]),
            &Options::default(),
            &mut NoProgress,
        )
    });
    let a = ok(a);
    assert_eq!(a.layers[1].tar_size, tar.len() as u64 + extra);
    assert_eq!(a.layers[1].diff_id_ok, Some(true));
    assert!(a.file("a").is_some());
    let said = a
        .diagnostics
        .iter()
        .find(|d| d.layer == Some(1) && d.message.contains("after its end"))
        .unwrap_or_else(|| panic!("no word of the trailing bytes: {:#?}", a.diagnostics));
    assert!(said.message.contains(&extra.to_string()), "{said}");
    assert!(cost.peak_heap < 16 * MIB, "{cost:?}");
}

// ---------------------------------------------------------------------------
// zstd windows
// ---------------------------------------------------------------------------

/// A frame header asking for a 2 TiB window (the format's largest) is
/// refused before anything is reserved, and the error says why and where.
#[test]
fn zstd_frame_asking_for_a_huge_window_is_refused() {
    let _one = lock();
    let tar = layer_tar(&[Entry::file("a", "aaaa")]);
    for (log, what) in [(41u8, "2 TiB"), (27, "128 MiB")] {
        let blob = zstd_bomb(&tar, 0, log);
        let spec = ImageSpec::new()
            .layer(&[Entry::file("etc/hostname", "x\n")])
            .layer_raw(tar.clone(), blob, Comp::Zstd);
        let a = spec.oci();
        let bytes = a.tar();
        let (e, cost) = measured(|| err(analyze_every_way(&bytes)));
        assert_eq!(e.kind, ErrorKind::Corrupt, "{what}: {e:?}");
        assert_eq!(e.layer, Some(1), "{e:?}");
        assert_eq!(e.member.as_deref(), Some(a.layer_members[1].as_str()));
        assert!(
            e.message.contains(&format!("{}-byte window", 1u64 << log))
                && e.message
                    .contains(&layerscope_core::limits::ZSTD_WINDOW.to_string()),
            "{what}: {e}"
        );
        assert!(cost.peak_heap < 64 * MIB, "{what}: {cost:?}");
    }
    // At the limit's side: a 64 MiB window is decoded (and reserved).
    let blob = zstd_bomb(&tar, 0, 26);
    let spec = ImageSpec::new().layer_raw(tar.clone(), blob, Comp::Zstd);
    let a = ok(analyze_every_way(&spec.oci().tar()));
    assert!(a.file("a").is_some());
}

// ---------------------------------------------------------------------------
// Huge documents and headers
// ---------------------------------------------------------------------------

/// An OCI archive whose `index.json` is `size` bytes of spaces (never held:
/// the input yields them as it is read).
fn whitespace_index(size: u64) -> impl Fn() -> Virtual {
    let a = ImageSpec::new()
        .layer(&[Entry::file("etc/hostname", "x\n")])
        .oci();
    move || {
        let members = a
            .members
            .iter()
            .map(|(name, data)| {
                let piece = if name == "index.json" {
                    Piece::Fill(b' ', size)
                } else {
                    Piece::Bytes(data.clone())
                };
                (name.clone(), piece)
            })
            .collect();
        Virtual::new(virtual_tar(members))
    }
}

/// 3 GiB of whitespace where `index.json` should be: refused as too large,
/// read by seeking without reading it, forward-only without keeping it.
#[test]
fn a_multi_gib_whitespace_index_json_is_refused_in_bounded_memory() {
    let _one = lock();
    let size = 3u64 << 30;
    let make = whitespace_index(size);
    assert!(make().len() > size);
    let (e, cost) = measured(|| err(every_way(&make)));
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e:?}");
    assert_eq!(e.member.as_deref(), Some("index.json"));
    assert!(
        e.to_string().contains("index.json")
            && e.message
                .contains(&layerscope_core::limits::JSON_LIMIT.to_string()),
        "{e}"
    );
    // The seekable way reads up to the limit to find it too large.
    assert!(
        cost.peak_heap < 2 * layerscope_core::limits::JSON_LIMIT as usize + 8 * MIB,
        "{cost:?}"
    );
}

/// Just under the limit, whitespace is read and found not to be JSON.
#[test]
fn whitespace_index_json_under_the_limit_is_bad_json() {
    let _one = lock();
    let make = whitespace_index(1 << 20);
    let e = err(every_way(&make));
    assert_eq!(e.kind, ErrorKind::BadJson, "{e:?}");
    assert_eq!(e.member.as_deref(), Some("index.json"));
}

/// A layer entry whose header says 100 GB, with no data after it: an error
/// naming the layer and the path, after reading what there is.
#[test]
fn a_100_gb_file_header_with_no_data() {
    let _one = lock();
    let size = 100_000_000_000u64;
    let mut tar = layer_tar(&[Entry::file("before", "b")]);
    tar.truncate(tar.len() - 1024);
    tar.extend_from_slice(&file_header("huge", size));
    tar.extend_from_slice(&[0u8; 1024]);
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let spec = ImageSpec::new()
            .layer(&[Entry::file("etc/hostname", "x\n")])
            .layer_tar(tar.clone(), comp);
        let a = spec.oci();
        let bytes = a.tar();
        let (e, cost) = measured(|| err(analyze_every_way(&bytes)));
        assert_eq!(e.kind, ErrorKind::Truncated, "{comp:?}: {e:?}");
        assert_eq!(e.layer, Some(1), "{e:?}");
        assert_eq!(e.path.as_deref(), Some("huge"), "{e:?}");
        assert_eq!(e.member.as_deref(), Some(a.layer_members[1].as_str()));
        assert!(e.message.contains(&size.to_string()), "{e}");
        assert!(cost.peak_heap < 32 * MIB, "{cost:?}");
    }
    // The same claim made by a member of the outer archive.
    let mut bytes = ImageSpec::new()
        .layer(&[Entry::file("etc/hostname", "x\n")])
        .oci()
        .tar();
    bytes.truncate(bytes.len() - 1024);
    bytes.extend_from_slice(&file_header("blobs/sha256/huge", size));
    bytes.extend_from_slice(&[0u8; 1024]);
    let e = err(analyze_every_way(&bytes));
    assert_eq!(e.kind, ErrorKind::Truncated, "{e:?}");
    assert_eq!(e.member.as_deref(), Some("blobs/sha256/huge"), "{e:?}");
}

// ---------------------------------------------------------------------------
// Many entries, many layers, deep paths
// ---------------------------------------------------------------------------

/// One layer of `n` empty files in directories of 1,000.
fn tiny_files(n: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..n {
        let name = format!("d{}/f{i}", i / 1000);
        b.append(
            tar::Header::from_byte_slice(&file_header(&name, 0)),
            &[][..],
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

fn check_tiny_files(n: usize, heap_per_file: usize) {
    let bytes = ImageSpec::new()
        .layer_tar(tiny_files(n), Comp::Gzip)
        .oci()
        .tar();
    let (a, cost) = measured(|| {
        analyze(
            Cursor::new(&bytes[..]),
            &Options::default(),
            &mut NoProgress,
        )
    });
    let a = ok(a);
    assert_eq!(a.layers[0].entries, n);
    assert_eq!(a.union.len(), n + n.div_ceil(1000));
    assert!(
        cost.peak_heap < n * heap_per_file + 8 * MIB,
        "{n} files: {} bytes of heap each",
        cost.peak_heap / n
    );
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let _one = lock();
    check_tiny_files(100_000, 400);
}

#[test]
#[ignore = "a minute in a debug build; run with --ignored"]
fn a_million_tiny_files() {
    let _one = lock();
    check_tiny_files(1_000_000, 400);
}

/// A layer of `n` opaque markers for one directory (which a lower layer
/// fills with `n` files), and `n` more for directories that do not exist.
/// Each marker hides the lower children once: linear, not n × n.
#[test]
fn a_hundred_thousand_opaque_whiteouts_take_linear_time() {
    let _one = lock();
    let n = 100_000;
    let mut lower = vec![Entry::dir("d")];
    lower.extend((0..n).map(|i| Entry::file(format!("d/f{i}"), "")));
    let mut upper: Vec<Entry> = (0..n).map(|_| Entry::opaque("d")).collect();
    upper.extend((0..n).map(|i| Entry::opaque(&format!("o{i}"))));
    upper.push(Entry::file("d/kept", "k"));
    let bytes = ImageSpec::new()
        .layer_tar(layer_tar(&lower), Comp::Gzip)
        .layer_tar(layer_tar(&upper), Comp::Gzip)
        .oci()
        .tar();
    let (a, cost) = measured(|| {
        analyze(
            Cursor::new(&bytes[..]),
            &Options::default(),
            &mut NoProgress,
        )
    });
    let a = ok(a);
    // What the union shows: d with only the upper layer's file; each
    // opaque directory that did not exist, created empty.
    assert_eq!(a.file("d/kept").map(|n| n.size), Some(1));
    assert!(a.file("d/f0").is_none() && a.file(&format!("d/f{}", n - 1)).is_none());
    assert!(a
        .file("o0")
        .is_some_and(|n| n.kind == layerscope_core::FileKind::Dir));
    assert_eq!(a.union.len(), 2 + n);
    // n × n would be 10^10 steps: minutes, not seconds, even in release.
    assert!(cost.time < Duration::from_secs(30), "{cost:?}");
}

/// `depth` directories `d/d/…/d`, a file at the bottom, a whiteout and a
/// symlink beside it in a second layer.
fn deep_image(depth: usize) -> Vec<u8> {
    let dir = vec!["d"; depth].join("/");
    let lower = [
        Entry::file(format!("{dir}/file"), "bottom"),
        Entry::file(format!("{dir}/gone"), "x"),
    ];
    let upper = [
        Entry::whiteout(&format!("{dir}/gone")),
        Entry::symlink(format!("{dir}/link"), "file"),
        Entry::hardlink(format!("{dir}/hard"), format!("{dir}/file")),
    ];
    // Names this long go in as GNU long names and long links.
    let layer = |entries: &[Entry]| {
        let mut b = tar::Builder::new(Vec::new());
        for e in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h.set_size(0);
            match &e.kind {
                Kind::Symlink(t) | Kind::HardLink(t) => {
                    let symlink = matches!(e.kind, Kind::Symlink(_));
                    h.set_entry_type(if symlink {
                        tar::EntryType::Symlink
                    } else {
                        tar::EntryType::Link
                    });
                    b.append_link(&mut h, &e.name, t).unwrap()
                }
                Kind::File(data) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_size(data.len() as u64);
                    b.append_data(&mut h, &e.name, &data[..]).unwrap()
                }
                _ => {
                    h.set_entry_type(tar::EntryType::Regular);
                    b.append_data(&mut h, &e.name, &[][..]).unwrap()
                }
            }
        }
        b.into_inner().unwrap()
    };
    ImageSpec::new()
        .layer_tar(layer(&lower), Comp::Gzip)
        .layer_tar(layer(&upper), Comp::Zstd)
        .oci()
        .tar()
}

/// Everything a caller does with an analysis, run on a thread with 1 MiB
/// of stack (what a Web Worker gets): no recursion over a path's depth.
fn everything_on_a_small_stack(bytes: Vec<u8>) -> (Analysis, String, String, String, Vec<String>) {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            use layerscope_core::{build, compare, findings, report};
            let a = ok(analyze(
                Cursor::new(&bytes[..]),
                &Options::default(),
                &mut NoProgress,
            ));
            let b = ok(analyze_stream(
                &bytes[..],
                &Options::default(),
                &mut NoProgress,
            ));
            assert_eq!(summary(&a), summary(&b));
            let found = findings::find(&a);
            let json = a.report_json();
            let _markdown = report::markdown::report(&a, &found, "deep", None);
            let csv = report::csv::paths(&a, &a.union);
            let changes = report::csv::changes(&a, 0, a.layers.len() - 1);
            let ls = report::listing::ls(&a, &a.union);
            let _facts = build::cache::facts(&a);
            let same = compare::compare(&a, &a);
            assert!(same.identical());
            let side = |image| report::compare::Side {
                image,
                analysis: &a,
                layer: None,
            };
            let _diff = report::compare::to_json(&side("a"), &side("b"), &same);
            (a, json, csv, changes, ls)
        })
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("a deep path overflowed a 1 MiB stack or panicked"))
}

/// The deepest path a runtime can create (`/d/d/…/d/file`, just under
/// Linux's PATH_MAX): read, listed, reported, compared, on a small stack.
#[test]
fn the_deepest_path_linux_allows() {
    let _one = lock();
    let depth = (layerscope_core::limits::PATH_BYTES - "/file".len()) / 2;
    let dir = vec!["d"; depth].join("/");
    assert_eq!(
        format!("/{dir}/file").len(),
        layerscope_core::limits::PATH_BYTES
    );
    let ((a, json, csv, changes, ls), cost) =
        measured(|| everything_on_a_small_stack(deep_image(depth)));
    assert!(
        !a.has_errors()
            && a.diagnostics
                .iter()
                .all(|d| d.severity != layerscope_core::Severity::Warning),
        "{:#?}",
        a.diagnostics
    );
    assert_eq!(a.file(&format!("{dir}/file")).map(|n| n.size), Some(6));
    assert!(a.file(&format!("{dir}/gone")).is_none());
    assert_eq!(
        a.file(&format!("{dir}/link")).and_then(|n| n.link()),
        Some("file")
    );
    assert_eq!(a.file(&format!("{dir}/hard")).map(|n| n.size), Some(6));
    assert_eq!(a.union.len(), depth + 3);
    assert!(json.contains(&format!("{dir}/file")));
    assert!(csv.contains(&format!("{dir}/link")));
    assert!(changes.contains(&format!("{dir}/gone")));
    assert_eq!(ls.len(), depth + 3);
    assert!(cost.peak_heap < 128 * MIB, "{cost:?}");
}

/// 10,000 directories deep is a 20 KB path: no runtime can create it, and
/// listing its 10,000 ancestors by full path would take 100 MB. Its entries
/// are left out, each said once (up to the cap), the rest of the layer read.
#[test]
fn a_path_ten_thousand_directories_deep() {
    let _one = lock();
    let depth = 10_000;
    let dir = vec!["d"; depth].join("/");
    let bytes = deep_image(depth);
    let ((a, json, _, _, ls), cost) = measured(|| everything_on_a_small_stack(bytes));
    assert!(a.file(&format!("{dir}/file")).is_none());
    assert_eq!(a.union.len(), 0);
    assert!(ls.is_empty());
    for layer in [0, 1] {
        let said: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.layer == Some(layer) && d.message.contains("PATH_MAX"))
            .collect();
        assert!(!said.is_empty(), "layer {layer}: {:#?}", a.diagnostics);
        for d in said {
            assert!(
                d.message.contains("\"d/d/d/d/") && d.message.contains("bytes)"),
                "{d}"
            );
            assert!(
                d.message.len() < 600,
                "the message quotes the name whole: {} bytes",
                d.message.len()
            );
        }
    }
    assert!(json.len() < MIB, "{}", json.len());
    assert!(cost.peak_heap < 32 * MIB, "{cost:?}");
}

/// `n` layers, each writing, rewriting and deleting a little.
fn many_layers(n: usize) -> Vec<u8> {
    let mut spec = ImageSpec::new();
    for i in 0..n {
        let mut entries = vec![
            Entry::file(format!("layer/{i}"), format!("{i}")),
            Entry::file("shared/rewritten", format!("{i}")),
        ];
        if i > 0 {
            entries.push(Entry::whiteout(&format!("layer/{}", i - 1)));
        }
        spec = spec.layer(&entries);
    }
    spec.oci().tar()
}

#[test]
fn a_thousand_layers() {
    let _one = lock();
    let n = 1000;
    let bytes = many_layers(n);
    let (a, cost) = measured(|| {
        analyze(
            Cursor::new(&bytes[..]),
            &Options::default(),
            &mut NoProgress,
        )
    });
    let a = ok(a);
    assert_eq!(a.layers.len(), n);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    assert!(a.file(&format!("layer/{}", n - 1)).is_some());
    assert!(a.file(&format!("layer/{}", n - 2)).is_none());
    // Each rewrite of /shared/rewritten hides the one below: 999 wasted copies.
    assert_eq!(
        a.file("shared/rewritten").map(|f| f.layer),
        Some(n as u32 - 1)
    );
    assert!(cost.peak_heap < 64 * MIB, "{cost:?}");
    assert!(cost.time < Duration::from_secs(60), "{cost:?}");
}
