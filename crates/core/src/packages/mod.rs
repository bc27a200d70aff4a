//! **packages** (docs/packages.md): which layer installed, upgraded or
//! removed which package, and what each costs. Read from the package
//! databases as each layer left them (`layers::keep` kept their bytes as
//! the scan passed them): dpkg (`status`, `status.d/`, `info/*.list`),
//! Alpine (`lib/apk/db/installed`), Python (`*.dist-info`, `*.egg-info`),
//! npm (`node_modules/**/package.json`). The package set after each layer
//! is the set the databases visible then describe; a layer's packages are
//! the differences from the layer below.
//!
//! Must not touch: file contents other than those databases (there are
//! none to touch), the union's rules (`fs`), how waste is counted
//! (`figures`: a package's waste is the waste of its files).

pub mod parse;

use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fs::node::{ChangeKind, FileKind};
use crate::fs::path;
use crate::fs::paths::PathId;
use crate::layers::keep::{self, Database};
use parse::Record;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// The directories of files no package owns that are kept, most bytes first.
pub const UNOWNED_DIRS: usize = 100;

/// Which package manager installed a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    Deb,
    Apk,
    Python,
    Npm,
}

impl Ecosystem {
    /// As the report and the CLI spell it (the purl types).
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Python => "pypi",
            Ecosystem::Npm => "npm",
        }
    }
}

/// One package over the image's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    /// The version the final image has (the last one, if it was removed).
    pub version: String,
    /// Where it was recorded: the database file, or the package's folder
    /// (a dist-info, a node_modules entry), no leading `/`.
    pub location: String,
    /// The layer that installed it.
    pub added: usize,
    /// Later layers that changed its version: (layer, version before).
    pub upgraded: Vec<(usize, String)>,
    /// The layer that removed it; it is not in the final image.
    pub removed: Option<usize>,
    /// Its files in the final image (the database's list, or its folder).
    pub files: Vec<String>,
    /// For each of `files`, whether this package owns it: a file listed by
    /// several packages belongs to the first, in the order they came; its
    /// bytes count there only (and a path's story names that package).
    pub owns: Vec<bool>,
    /// Bytes of the files it owns in the final image.
    pub bytes: u64,
    /// Bytes of its files stored in layers but not shown (overwritten,
    /// deleted, or left behind when it was removed).
    pub wasted_bytes: u64,
}

/// What one layer did to the packages (indexes into [`Packages::packages`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerPackages {
    pub added: Vec<usize>,
    pub upgraded: Vec<usize>,
    pub removed: Vec<usize>,
}

/// Files of the final image no package owns, by directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unowned {
    /// The directory (no leading `/`; "" is the root).
    pub dir: String,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packages {
    /// Most bytes first, then by ecosystem and name.
    pub packages: Vec<Package>,
    /// One per filesystem layer.
    pub layers: Vec<LayerPackages>,
    /// Most bytes first, the first [`UNOWNED_DIRS`].
    pub unowned: Vec<Unowned>,
    /// Databases that could not be read (with their layer and path).
    pub diagnostics: Vec<Diagnostic>,
}

/// A package's identity across layers: its manager, where it is recorded
/// (one dpkg, one apk; each site-packages and node_modules folder apart),
/// and its name.
type Key = (Ecosystem, String, String);

/// A package's files as its database lists them: dpkg's lists are read
/// in place from the kept bytes (they are most of the paths: no copy), the
/// others are paths made when parsed.
#[derive(Debug, Default, PartialEq, Eq)]
enum FileList<'a> {
    #[default]
    None,
    Paths(Vec<String>),
    /// An `info/*.list`'s text.
    DpkgList(&'a str),
    /// A `status.d/*.md5sums`'s text.
    DpkgMd5sums(&'a str),
}

impl FileList<'_> {
    fn each(&self, mut f: impl FnMut(&str)) {
        match self {
            FileList::None => {}
            FileList::Paths(paths) => paths.iter().for_each(|p| f(p)),
            FileList::DpkgList(text) => parse::dpkg_list(text).for_each(f),
            FileList::DpkgMd5sums(text) => parse::dpkg_md5sums(text).for_each(f),
        }
    }
}

type Files<'a> = Rc<FileList<'a>>;

/// A record as kept between layers: its file list shared, not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rec<'a> {
    name: String,
    version: String,
    files: Files<'a>,
}

type Dbs<'a> = BTreeMap<String, (Database, Result<Vec<Rec<'a>>, String>)>;

/// A package as the databases visible after some layer state it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen<'a> {
    version: String,
    location: String,
    files: Files<'a>,
}

/// The packages of an analysis, layer by layer.
pub fn packages(a: &Analysis) -> Packages {
    let mut dbs: Dbs = BTreeMap::new();
    let mut out = Packages {
        layers: vec![LayerPackages::default(); a.layers.len()],
        ..Packages::default()
    };
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut before: HashMap<Key, Seen> = HashMap::new();
    let mut last_files: HashMap<usize, Files> = HashMap::new();
    for (i, layer) in a.layers.iter().enumerate() {
        let mut touched = false;
        for change in &layer.changes {
            // Spelled out only when its name may be a database's.
            let paths = &a.files.paths;
            let parent = paths.parent(change.path).map_or("", |d| paths.name(d));
            if !keep::candidate(paths.name(change.path), parent) {
                continue;
            }
            let p = a.path(change.path);
            let Some(db) = keep::database(&p) else {
                continue;
            };
            touched = true;
            let node = a.after(change).filter(|n| n.kind == FileKind::Regular);
            if change.kind == ChangeKind::Removed || node.is_none() {
                dbs.remove(&p);
                continue;
            }
            let Some(data) = node.and_then(|n| n.data) else {
                continue;
            };
            let bytes = a
                .layers
                .get(data.layer as usize)
                .and_then(|l| l.kept_of(data.entry()));
            let parsed = match bytes {
                Some(bytes) => read(db, &p, bytes),
                // Left out by the scan's bounds (it said so).
                None => Ok(Vec::new()),
            };
            if let Err(e) = &parsed {
                out.diagnostics.push(
                    Diagnostic::new(
                        Severity::Warning,
                        format!("a package database that cannot be read: {e}"),
                    )
                    .at_layer(i)
                    .at_path(&p),
                );
            }
            dbs.insert(p, (db, parsed));
        }
        if !touched {
            continue;
        }
        let now = state(&dbs);
        for (key, seen) in &now {
            match before.get(key) {
                None => {
                    let k = out.packages.len();
                    out.packages.push(Package {
                        ecosystem: key.0,
                        name: key.2.clone(),
                        version: seen.version.clone(),
                        location: seen.location.clone(),
                        added: i,
                        upgraded: Vec::new(),
                        removed: None,
                        files: Vec::new(),
                        owns: Vec::new(),
                        bytes: 0,
                        wasted_bytes: 0,
                    });
                    // Installed again after a removal: a new life, its own row.
                    index.insert(key.clone(), k);
                    out.layers[i].added.push(k);
                }
                Some(old) if old.version != seen.version => {
                    let k = index[key];
                    let p = &mut out.packages[k];
                    p.upgraded.push((i, old.version.clone()));
                    p.version = seen.version.clone();
                    out.layers[i].upgraded.push(k);
                }
                Some(_) => {}
            }
            last_files.insert(index[key], seen.files.clone());
        }
        for key in before.keys().filter(|k| !now.contains_key(*k)) {
            let k = index[key];
            out.packages[k].removed = Some(i);
            out.layers[i].removed.push(k);
        }
        before = now;
    }
    account(a, &mut out, &last_files);
    out
}

/// The records of one database file.
fn read<'a>(db: Database, p: &str, bytes: &'a [u8]) -> Result<Vec<Rec<'a>>, String> {
    let dir = path::parent(p);
    let owned = |records: Vec<Record>| {
        records
            .into_iter()
            .map(|r| Rec {
                name: r.name,
                version: r.version,
                files: Rc::new(if r.files.is_empty() {
                    FileList::None
                } else {
                    FileList::Paths(r.files)
                }),
            })
            .collect()
    };
    let one = |r: Record| owned(vec![r]);
    Ok(match db {
        Database::DpkgStatus | Database::DpkgStatusD => owned(parse::dpkg_status(bytes)?),
        Database::DpkgList | Database::DpkgMd5sums => {
            // Not packages of their own: files, keyed by the file's name.
            let text = parse::text(bytes)?;
            let base = path::base(p);
            let name = base
                .strip_suffix(".list")
                .or_else(|| base.strip_suffix(".md5sums"))
                .unwrap_or(base);
            vec![Rec {
                name: name.to_string(),
                version: String::new(),
                files: Rc::new(if db == Database::DpkgList {
                    FileList::DpkgList(text)
                } else {
                    FileList::DpkgMd5sums(text)
                }),
            }]
        }
        Database::ApkInstalled => owned(parse::apk_installed(bytes)?),
        Database::PythonMetadata | Database::EggInfo => one(parse::python_metadata(bytes)?),
        Database::PythonRecord => one(Record {
            files: parse::python_files(bytes, path::parent(dir), true)?,
            ..Record::default()
        }),
        Database::EggFiles => one(Record {
            files: parse::python_files(bytes, dir, false)?,
            ..Record::default()
        }),
        Database::NodePackage => one(parse::npm_package(bytes)?),
    })
}

/// Python's name rule (PEP 503): case and runs of `-_.` do not matter.
fn python_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The packages the databases visible now describe.
fn state<'a>(dbs: &Dbs<'a>) -> HashMap<Key, Seen<'a>> {
    let mut now = HashMap::new();
    // dpkg's file lists, by package name (`name` and `name:arch`).
    let mut dpkg_files: HashMap<&str, &Files<'a>> = HashMap::new();
    for (db, records) in dbs.values() {
        if let (Database::DpkgList | Database::DpkgMd5sums, Ok(records)) = (db, records) {
            for r in records {
                dpkg_files.insert(r.name.as_str(), &r.files);
            }
        }
    }
    for (p, (db, records)) in dbs {
        let Ok(records) = records else {
            continue;
        };
        match db {
            Database::DpkgStatus | Database::DpkgStatusD => {
                for r in records {
                    let bare = r.name.split(':').next().unwrap_or(&r.name);
                    let files = dpkg_files
                        .get(r.name.as_str())
                        .or_else(|| dpkg_files.get(bare))
                        .map(|f| Rc::clone(f))
                        .unwrap_or_default();
                    now.insert(
                        (Ecosystem::Deb, String::new(), r.name.clone()),
                        Seen {
                            version: r.version.clone(),
                            location: p.clone(),
                            files,
                        },
                    );
                }
            }
            Database::ApkInstalled => {
                for r in records {
                    now.insert(
                        (Ecosystem::Apk, String::new(), r.name.clone()),
                        Seen {
                            version: r.version.clone(),
                            location: p.clone(),
                            files: r.files.clone(),
                        },
                    );
                }
            }
            Database::PythonMetadata | Database::EggInfo => {
                let Some(r) = records.first() else { continue };
                // The package's folder: the dist-info (or egg-info) itself.
                let folder = if *db == Database::EggInfo && p.ends_with(".egg-info") {
                    p.clone()
                } else {
                    path::parent(p).to_string()
                };
                let site = path::parent(&folder).to_string();
                let list = if *db == Database::PythonMetadata {
                    "RECORD"
                } else {
                    "installed-files.txt"
                };
                let files = dbs
                    .get(&path::join(&folder, list))
                    .and_then(|(_, r)| r.as_ref().ok())
                    .and_then(|r| r.first())
                    .map(|r| r.files.clone())
                    .unwrap_or_default();
                now.insert(
                    (Ecosystem::Python, site, python_name(&r.name)),
                    Seen {
                        version: r.version.clone(),
                        location: folder,
                        files,
                    },
                );
            }
            Database::NodePackage => {
                let Some(r) = records.first() else { continue };
                let folder = path::parent(p).to_string();
                now.insert(
                    (Ecosystem::Npm, folder.clone(), r.name.clone()),
                    Seen {
                        version: r.version.clone(),
                        location: folder,
                        files: Rc::default(),
                    },
                );
            }
            Database::DpkgList
            | Database::DpkgMd5sums
            | Database::PythonRecord
            | Database::EggFiles => {}
        }
    }
    now
}

/// Files, bytes and waste of each package in the final image; the files
/// no package owns. Sums saturate, as waste's own do: sizes come from the
/// input. By path id: the final image's paths are never spelled
/// out, only the files a package lists and the directories shown.
fn account(a: &Analysis, out: &mut Packages, last_files: &HashMap<usize, Files>) {
    let paths = &a.files.paths;
    // The final image's regular files and their sizes.
    let finals: HashMap<PathId, u64> = a
        .union
        .iter()
        .map(|(p, n)| (p, a.node(n)))
        .filter(|(_, n)| n.kind == FileKind::Regular)
        .map(|(p, n)| (p, n.size))
        .collect();
    let wasted: HashMap<&str, u64> = a
        .waste
        .paths
        .iter()
        .map(|w| (w.path.as_str(), w.wasted_bytes))
        .collect();
    let mut owned: HashSet<PathId> = HashSet::new();
    // npm packages own their folders: each final file's nearest package
    // folder above it (a nested package's files are its own).
    let npm_folders: HashMap<PathId, usize> = out
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.ecosystem == Ecosystem::Npm && p.removed.is_none())
        .filter_map(|(k, p)| Some((a.lookup(&p.location)?, k)))
        .collect();
    let mut npm_files: HashMap<usize, Vec<PathId>> = HashMap::new();
    if !npm_folders.is_empty() {
        for &file in finals.keys() {
            let mut up = paths.parent(file);
            while let Some(dir) = up {
                if let Some(&k) = npm_folders.get(&dir) {
                    npm_files.entry(k).or_default().push(file);
                    break;
                }
                up = paths.parent(dir);
            }
        }
    }
    for (k, p) in out.packages.iter_mut().enumerate() {
        if p.ecosystem == Ecosystem::Npm {
            let mut files = npm_files.remove(&k).unwrap_or_default();
            files.sort_by(|x, y| paths.cmp(*x, *y));
            let names: Vec<String> = files.iter().map(|&f| paths.path(f)).collect();
            p.wasted_bytes = names
                .iter()
                .filter_map(|f| wasted.get(f.as_str()))
                .fold(0, |sum: u64, &b| sum.saturating_add(b));
            for f in files {
                let owns = owned.insert(f);
                if owns {
                    p.bytes = p.bytes.saturating_add(finals[&f]);
                }
                p.owns.push(owns);
            }
            p.files = names;
            continue;
        }
        let Some(listed) = last_files.get(&k) else {
            continue;
        };
        let present = p.removed.is_none();
        listed.each(|f| {
            p.wasted_bytes = p
                .wasted_bytes
                .saturating_add(wasted.get(f).copied().unwrap_or(0));
            if !present {
                return;
            }
            let Some(id) = a.lookup(f) else { return };
            let Some(&size) = finals.get(&id) else {
                // A directory, a link, or a file no longer there.
                return;
            };
            let owns = owned.insert(id);
            if owns {
                p.bytes = p.bytes.saturating_add(size);
            }
            p.files.push(f.to_string());
            p.owns.push(owns);
        });
    }
    let mut by_dir: HashMap<PathId, (usize, u64)> = HashMap::new();
    for (&file, &size) in &finals {
        if !owned.contains(&file) {
            let e = by_dir
                .entry(paths.parent(file).unwrap_or(PathId::ROOT))
                .or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(size);
        }
    }
    let mut dirs: Vec<(PathId, usize, u64)> =
        by_dir.into_iter().map(|(d, (n, b))| (d, n, b)).collect();
    dirs.sort_by(|x, y| y.2.cmp(&x.2).then_with(|| paths.cmp(x.0, y.0)));
    dirs.truncate(UNOWNED_DIRS);
    out.unowned = dirs
        .into_iter()
        .map(|(dir, files, bytes)| Unowned {
            dir: if dir == PathId::ROOT {
                String::new()
            } else {
                paths.path(dir)
            },
            files,
            bytes,
        })
        .collect();
    // Most bytes first; the layers' lists follow the new order.
    let mut order: Vec<usize> = (0..out.packages.len()).collect();
    order.sort_by(|&x, &y| {
        let (p, q) = (&out.packages[x], &out.packages[y]);
        q.bytes
            .cmp(&p.bytes)
            .then_with(|| p.ecosystem.cmp(&q.ecosystem))
            .then_with(|| p.name.cmp(&q.name))
            .then_with(|| p.location.cmp(&q.location))
            .then_with(|| p.added.cmp(&q.added))
    });
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut sorted: Vec<Option<Package>> = std::mem::take(&mut out.packages)
        .into_iter()
        .map(Some)
        .collect();
    out.packages = order
        .iter()
        .map(|&old| sorted[old].take().expect("each once"))
        .collect();
    for l in &mut out.layers {
        for list in [&mut l.added, &mut l.upgraded, &mut l.removed] {
            for k in list.iter_mut() {
                *k = new_index[*k];
            }
            list.sort_unstable();
        }
    }
}
