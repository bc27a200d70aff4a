//! **fs**: the filesystem model, the vocabulary every later stage speaks.
//! Tar names made clean paths ([`path`]), every path interned once
//! ([`paths`]), what a path is and what a layer changed ([`node`]), a
//! layer's entries as the union takes them ([`entries`]), the whiteout
//! names ([`whiteout`]) and what whiteouts, opaque directories,
//! replacements and hard links do: the union after each layer and its
//! changes ([`overlay`]).
//!
//! Must not touch: bytes, archives, compression or digests (it is fed
//! entries that `layers` read), figures about waste, or output formats.
//! It depends on nothing else in the crate but `diagnostic`.

pub mod entries;
pub mod node;
pub mod overlay;
pub mod path;
pub mod paths;
pub mod whiteout;
