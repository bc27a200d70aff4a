//! **archive**: from the bytes of an archive to the image to read. Owns the
//! members of a tar, a layout directory or a stream ([`source`]), what
//! compression a blob is told by its bytes ([`compression`]), hashing as
//! bytes pass ([`digest`]), the JSON shapes of manifests, indexes and
//! configs ([`manifest`]), and the choice of one image and platform, with
//! its layers in manifest order and the digests they must have ([`image`]).
//!
//! Must not touch: a layer's contents (that is `layers`), the filesystem
//! model beyond cleaning member names (`fs::path`), or anything computed
//! from layers. It knows nothing of tar *entries* inside layers.

pub mod compression;
pub mod digest;
pub mod image;
pub(crate) mod manifest;
pub mod source;
