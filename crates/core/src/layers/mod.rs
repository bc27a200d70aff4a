//! **layers**: one layer blob, read once, into what the filesystem needs.
//! [`scan`] hashes the blob and its tar (digest, diff_id), reads every tar
//! entry into the small records of `fs::entries` with a fast hash of each
//! file's content, and notes what was odd; [`sniff`] says what a file's
//! first KiB holds (a private key, a token) as the scan passes it; [`wire`] carries a scan between
//! Web Workers as bytes (it depends on the scan, never the other way);
//! [`stream`] reads a whole archive that cannot seek, scanning each layer
//! as it passes; [`keep`] names the package databases, the only contents a
//! scan keeps (bounded).
//!
//! Must not touch: the union or what a layer's entries *mean* together (that
//! is `fs::overlay`), waste, or the choice of image (`archive`). Contents
//! never stay in memory: one record per entry, a file's signals, and the
//! bytes of package databases.

pub mod keep;
pub mod scan;
pub mod sniff;
pub(crate) mod stream;
pub mod wire;
