//! **build**: what-ifs on a real image. The history read back as Dockerfile
//! instructions ([`instruction`]); the build, where the base image ends,
//! and Docker's cache rules for a change, with what it costs to rebuild,
//! push and pull ([`cache`]); orders that waste the cache, with the fix
//! simulated ([`advice`]); a pasted Dockerfile lined up with the steps
//! ([`dockerfile`]); and the copy-on-write container layer that would run on
//! the image ([`cow`]).
//!
//! Must not touch: bytes or archives. It starts from a finished
//! [`crate::Analysis`] (through `cache::facts`, the one adapter) and returns
//! plain data; JSON is `report`'s.

pub mod advice;
pub mod cache;
pub mod cow;
pub mod dockerfile;
pub mod instruction;
