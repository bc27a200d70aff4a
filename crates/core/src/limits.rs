//! Every bound the engine puts on what an input may make it do, in one
//! place. An image archive is untrusted input: each limit here keeps memory
//! bounded or stops a loop, and each is met with an error or a diagnostic
//! that says which limit and where, never a panic or a quiet wrong answer.
//! docs/hardening.md lists them beside the inputs that reach them, the test
//! that holds each, and the time and memory the CLI was measured at.
//!
//! What is *not* limited, on purpose: a layer's size, a file's size, the
//! number of entries or layers, and a path's depth below [`PATH_BYTES`]. Memory grows with the
//! number of paths (one record each, `fs/paths.rs`), never with bytes, and
//! time with the bytes read: a decompression bomb is read to its end, as
//! Docker reads it to check its diff_id, in bounded memory.

/// A JSON document (index, manifest, config, `manifest.json`) bigger than
/// this is refused: real ones are KiBs, and a document is parsed whole.
pub const JSON_LIMIT: u64 = 64 * 1024 * 1024;

/// A forward-only read keeps the archive's JSON members until the manifest
/// (often written last) says which are needed: all of them together may
/// hold at most this.
pub const KEPT_JSON_LIMIT: u64 = 256 * 1024 * 1024;

/// Symlinks and hard links between members of the outer archive are
/// followed at most this deep (a loop ends here too).
pub const LINK_DEPTH: usize = 16;

/// Indexes nest at most this deep; an index met again on the way down is
/// not followed (loops are cut, with a warning).
pub const INDEX_DEPTH: usize = 8;

/// A pre-1.10 `docker save` parent chain (`<id>/json` → `parent`) is
/// followed for at most this many layers (a loop is found before).
pub const V1_CHAIN: usize = 10_000;

/// The largest zstd window decoded: `ruzstd` (the decoder) refuses larger
/// frames, and reserves the window whole for each frame it decodes. zstd's
/// own tool refuses windows over 128 MiB unless told `--long`/`--memory`.
pub const ZSTD_WINDOW: u64 = 100 * 1024 * 1024;

/// The longest path a layer entry may name, in bytes with its leading `/`:
/// Linux's PATH_MAX (4096) less the NUL that ends it. No runtime can create
/// a longer one (Docker and containerd unpack by full path), and every
/// directory above a path is listed by its full path: a name of `n` bytes
/// would make reports of n²/4 bytes (a 20 KB name, 10,000 directories deep,
/// made a 100 MB report and held 900 MB). Longer entries are ignored with a
/// warning.
pub const PATH_BYTES: usize = 4095;

/// A diagnostic of one kind is kept at most this many times per layer
/// (a whiteout for a missing path, a name that climbs out…); the rest are
/// counted in one last diagnostic. A million odd entries would otherwise
/// make a million messages.
pub const SAME_DIAGNOSTIC: usize = 100;

/// Package databases (`layers/keep.rs`: dpkg's status and lists, apk's
/// installed, Python's dist-info, npm's package.json) are the only file
/// contents kept: one file at most this (a Debian status with 3,000
/// packages is about 4 MB)…
pub const KEPT_DB_FILE: u64 = 16 * 1024 * 1024;

/// …one layer's at most this together…
pub const KEPT_DB_LAYER: u64 = 64 * 1024 * 1024;

/// …and an image's at most this. Over any of them, the database is left
/// out with a warning naming its layer (and path), and its packages are
/// not read.
pub const KEPT_DB_IMAGE: u64 = 256 * 1024 * 1024;

/// How many times its own size a layer's tar may grow by its GNU sparse
/// files' holes: deflate's own limit (a gzip bomb grows at most ~1032 times),
/// so a sparse file costs no more time per byte given than a gzip bomb.
pub const SPARSE_EXPANSION: u64 = 1024;
