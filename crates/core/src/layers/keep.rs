//! The only file contents a scan keeps: the package databases, small files
//! at known places whose bytes say which packages a layer installed
//! (`packages/` reads them). Every other file's content passes through the
//! hashers and is gone. Kept bytes are bounded: a file over [`FILE_BOUND`],
//! or one that would take a layer past [`LAYER_BOUND`], is left out and the
//! scan says so (the bounds are `limits.rs`'s).

/// A package database file, by where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Database {
    /// `var/lib/dpkg/status`: every package dpkg knows, in stanzas.
    DpkgStatus,
    /// `var/lib/dpkg/status.d/<name>`: one package's stanza (distroless).
    DpkgStatusD,
    /// `var/lib/dpkg/status.d/<name>.md5sums`: its files (distroless).
    DpkgMd5sums,
    /// `var/lib/dpkg/info/<package>.list`: the files a package installed.
    DpkgList,
    /// `lib/apk/db/installed`: Alpine's packages and their files.
    ApkInstalled,
    /// `<dir>/<name>.dist-info/METADATA`: a Python package's name, version.
    PythonMetadata,
    /// `<dir>/<name>.dist-info/RECORD`: its files, relative to `<dir>`.
    PythonRecord,
    /// `<dir>/<name>.egg-info/PKG-INFO`, or `<dir>/<name>.egg-info` as a file.
    EggInfo,
    /// `<dir>/<name>.egg-info/installed-files.txt`: relative to the egg-info.
    EggFiles,
    /// `…/node_modules/[@scope/]<name>/package.json`: an installed npm package.
    NodePackage,
}

pub use crate::limits::{KEPT_DB_FILE as FILE_BOUND, KEPT_DB_LAYER as LAYER_BOUND};

/// The database a path (clean, relative to the root) is, if any.
pub fn database(path: &str) -> Option<Database> {
    if path == "var/lib/dpkg/status" {
        return Some(Database::DpkgStatus);
    }
    if path == "lib/apk/db/installed" {
        return Some(Database::ApkInstalled);
    }
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", path),
    };
    if dir == "var/lib/dpkg/status.d" {
        return Some(if name.ends_with(".md5sums") {
            Database::DpkgMd5sums
        } else {
            Database::DpkgStatusD
        });
    }
    if dir == "var/lib/dpkg/info" {
        return name
            .strip_suffix(".list")
            .filter(|p| !p.is_empty())
            .map(|_| Database::DpkgList);
    }
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    if parent.ends_with(".dist-info") {
        return match name {
            "METADATA" => Some(Database::PythonMetadata),
            "RECORD" => Some(Database::PythonRecord),
            _ => None,
        };
    }
    if parent.ends_with(".egg-info") {
        return match name {
            "PKG-INFO" => Some(Database::EggInfo),
            "installed-files.txt" => Some(Database::EggFiles),
            _ => None,
        };
    }
    if name.ends_with(".egg-info") && (dir.ends_with("-packages") || dir.ends_with("site-packages"))
    {
        return Some(Database::EggInfo);
    }
    if name == "package.json" && node_package_dir(dir) {
        return Some(Database::NodePackage);
    }
    None
}

/// Whether a path whose last name is `name`, in a directory named
/// `parent`, may be a database ([`database`] says for sure): a test on
/// names alone, so that paths are spelled out only for the few that pass.
pub fn candidate(name: &str, parent: &str) -> bool {
    matches!(
        name,
        "status"
            | "installed"
            | "METADATA"
            | "RECORD"
            | "PKG-INFO"
            | "installed-files.txt"
            | "package.json"
    ) || name.ends_with(".list")
        || name.ends_with(".egg-info")
        || parent == "status.d"
}

/// Whether `dir` is a package's own folder right under a `node_modules`
/// (`…/node_modules/name` or `…/node_modules/@scope/name`).
fn node_package_dir(dir: &str) -> bool {
    let mut up = dir.rsplit('/');
    let (Some(name), Some(above)) = (up.next(), up.next()) else {
        return false;
    };
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    if above == "node_modules" {
        return !name.starts_with('@');
    }
    above.starts_with('@') && up.next() == Some("node_modules")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_databases_by_where_they_lie() {
        let cases = [
            ("var/lib/dpkg/status", Some(Database::DpkgStatus)),
            ("var/lib/dpkg/status-old", None),
            ("var/lib/dpkg/status.d/base", Some(Database::DpkgStatusD)),
            (
                "var/lib/dpkg/status.d/base.md5sums",
                Some(Database::DpkgMd5sums),
            ),
            (
                "var/lib/dpkg/info/libc6:amd64.list",
                Some(Database::DpkgList),
            ),
            ("var/lib/dpkg/info/libc6:amd64.md5sums", None),
            ("lib/apk/db/installed", Some(Database::ApkInstalled)),
            (
                "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
                Some(Database::PythonMetadata),
            ),
            (
                "app/.venv/lib/python3.12/site-packages/flask-3.0.0.dist-info/RECORD",
                Some(Database::PythonRecord),
            ),
            ("x/flask-3.0.0.dist-info/WHEEL", None),
            (
                "usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO",
                Some(Database::EggInfo),
            ),
            (
                "usr/lib/python3/dist-packages/foo-1.0.egg-info",
                Some(Database::EggInfo),
            ),
            (
                "app/node_modules/express/package.json",
                Some(Database::NodePackage),
            ),
            (
                "app/node_modules/@babel/core/package.json",
                Some(Database::NodePackage),
            ),
            (
                "app/node_modules/a/node_modules/b/package.json",
                Some(Database::NodePackage),
            ),
            ("app/node_modules/express/lib/package.json", None),
            ("app/node_modules/@babel/package.json", None),
            ("app/package.json", None),
            ("app/node_modules/.bin/package.json", None),
        ];
        for (path, want) in cases {
            assert_eq!(database(path), want, "{path}");
            // The quick test never turns a database away.
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            let parent = dir.rsplit('/').next().unwrap_or(dir);
            if want.is_some() {
                assert!(candidate(name, parent), "{path}");
            }
        }
    }
}
