//! Paths inside an image, as the engine keeps them: relative to the root, no
//! leading `/` or `./`, no `.` or `..` components, no trailing `/`. The root
//! itself is the empty string. One place turns tar names into these.

/// What a tar entry's name means once cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleaned {
    /// The root directory itself (`./`, `/`).
    Root,
    Path(String),
    /// The name climbs out of the root (`../etc/passwd`): no runtime may write it.
    Escapes,
}

/// Cleans a tar name as `path.Clean("/" + name)` would, except that climbing
/// above the root is reported instead of silently clamped.
pub fn clean(name: &str) -> Cleaned {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Cleaned::Escapes;
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        Cleaned::Root
    } else {
        Cleaned::Path(parts.join("/"))
    }
}

/// The parent of a clean path (`""` for a top-level name).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// The last component of a clean path.
pub fn base(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// Joins a clean directory path and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Every proper ancestor of a clean path, outermost first (the root excluded).
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// The absolute form people read: `/` + path.
pub fn display(path: &str) -> String {
    format!("/{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_tar_tools_write_names() {
        assert_eq!(clean("./"), Cleaned::Root);
        assert_eq!(clean("/"), Cleaned::Root);
        assert_eq!(clean("./etc/passwd"), Cleaned::Path("etc/passwd".into()));
        assert_eq!(clean("/etc//ssl/"), Cleaned::Path("etc/ssl".into()));
        assert_eq!(clean("a/./b/../c"), Cleaned::Path("a/c".into()));
        assert_eq!(clean("../etc/passwd"), Cleaned::Escapes);
        assert_eq!(clean("a/../../b"), Cleaned::Escapes);
    }

    #[test]
    fn walks_a_path() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("a"), "");
        assert_eq!(base("a/b/c"), "c");
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), vec!["a", "a/b"]);
        assert_eq!(join("", "x"), "x");
    }
}
