//! The one place that knows the OCI whiteout names
//! (image-spec layer.md, "Whiteouts"): `.wh.<name>` deletes `<name>` and
//! everything below it from the lower layers; `.wh..wh..opq` in a directory
//! hides everything the lower layers put below that directory. Both apply only
//! to lower layers: what the same layer adds stays. Other `.wh..wh.` names are
//! aufs bookkeeping (hard link dirs) and mean nothing to the union.

use super::path;

pub const PREFIX: &str = ".wh.";
pub const OPAQUE: &str = ".wh..wh..opq";
const META_PREFIX: &str = ".wh..wh.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// An ordinary entry.
    None,
    /// Delete this path (and what is below it) from the lower layers.
    Whiteout(String),
    /// Hide what the lower layers have below this directory.
    Opaque(String),
    /// An aufs metadata name (`.wh..wh.plnk`, ...), or a bare `.wh.`.
    Meta,
}

/// Reads the marker a clean path carries in its last component.
pub fn classify(clean_path: &str) -> Marker {
    let name = path::base(clean_path);
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return Marker::None;
    };
    let dir = path::parent(clean_path);
    if name == OPAQUE {
        Marker::Opaque(dir.to_string())
    } else if name.starts_with(META_PREFIX) || rest.is_empty() {
        Marker::Meta
    } else {
        Marker::Whiteout(path::join(dir, rest))
    }
}

/// The entry name that deletes `path` (the inverse of [`classify`]).
pub fn whiteout_name(path: &str) -> String {
    path::join(path::parent(path), &format!("{PREFIX}{}", path::base(path)))
}

/// The entry name that makes `dir` opaque.
pub fn opaque_name(dir: &str) -> String {
    path::join(dir, OPAQUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_markers() {
        assert_eq!(classify("etc/passwd"), Marker::None);
        assert_eq!(
            classify("etc/.wh.passwd"),
            Marker::Whiteout("etc/passwd".into())
        );
        assert_eq!(classify(".wh.tmp"), Marker::Whiteout("tmp".into()));
        assert_eq!(
            classify("var/cache/.wh..wh..opq"),
            Marker::Opaque("var/cache".into())
        );
        assert_eq!(classify(".wh..wh..opq"), Marker::Opaque("".into()));
        assert_eq!(classify(".wh..wh.plnk"), Marker::Meta);
        assert_eq!(classify("a/.wh."), Marker::Meta);
        assert_eq!(whiteout_name("etc/passwd"), "etc/.wh.passwd");
        assert_eq!(opaque_name("var"), "var/.wh..wh..opq");
    }
}
