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
use crate::layers::keep::{self, Database};
use parse::Record;
use std::collections::{BTreeMap, HashMap};

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
    /// Bytes of those files in the final image.
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
    /// Most bytes first.
    pub unowned: Vec<Unowned>,
    /// Databases that could not be read (with their layer and path).
    pub diagnostics: Vec<Diagnostic>,
}

/// A package's identity across layers: its manager, where it is recorded
/// (one dpkg, one apk; each site-packages and node_modules folder apart),
/// and its name.
type Key = (Ecosystem, String, String);

/// A package as the databases visible after some layer state it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    version: String,
    location: String,
    files: Vec<String>,
}

/// The packages of an analysis, layer by layer.
pub fn packages(a: &Analysis) -> Packages {
    let mut dbs: BTreeMap<String, (Database, Result<Vec<Record>, String>)> = BTreeMap::new();
    let mut out = Packages {
        layers: vec![LayerPackages::default(); a.layers.len()],
        ..Packages::default()
    };
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut before: HashMap<Key, Seen> = HashMap::new();
    let mut last_files: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, layer) in a.layers.iter().enumerate() {
        let mut touched = false;
        for change in &layer.changes {
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
fn read(db: Database, p: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    let dir = path::parent(p);
    let one = |r: Record| vec![r];
    match db {
        Database::DpkgStatus | Database::DpkgStatusD => parse::dpkg_status(bytes),
        Database::DpkgList | Database::DpkgMd5sums => {
            // Not packages of their own: files, keyed by the file's name.
            let files = if db == Database::DpkgList {
                parse::dpkg_list(bytes)?
            } else {
                parse::dpkg_md5sums(bytes)?
            };
            let base = path::base(p);
            let name = base
                .strip_suffix(".list")
                .or_else(|| base.strip_suffix(".md5sums"))
                .unwrap_or(base);
            Ok(vec![Record {
                name: name.to_string(),
                version: String::new(),
                files,
            }])
        }
        Database::ApkInstalled => parse::apk_installed(bytes),
        Database::PythonMetadata => parse::python_metadata(bytes).map(one),
        Database::PythonRecord => Ok(one(Record {
            files: parse::python_files(bytes, path::parent(dir), true)?,
            ..Record::default()
        })),
        Database::EggInfo => parse::python_metadata(bytes).map(one),
        Database::EggFiles => Ok(one(Record {
            files: parse::python_files(bytes, dir, false)?,
            ..Record::default()
        })),
        Database::NodePackage => parse::npm_package(bytes).map(one),
    }
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
fn state(dbs: &BTreeMap<String, (Database, Result<Vec<Record>, String>)>) -> HashMap<Key, Seen> {
    let mut now = HashMap::new();
    // dpkg's file lists, by package name (`name` and `name:arch`).
    let mut dpkg_files: HashMap<&str, &[String]> = HashMap::new();
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
                        .map(|f| f.to_vec())
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
                        files: Vec::new(),
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
/// no package owns.
fn account(a: &Analysis, out: &mut Packages, last_files: &HashMap<usize, Vec<String>>) {
    // The final image's regular files, sorted by path.
    let finals: Vec<(String, u64)> = a
        .listing(&a.union)
        .into_iter()
        .filter(|(_, n)| n.kind == FileKind::Regular)
        .map(|(p, n)| (p, n.size))
        .collect();
    let size_of = |p: &str| {
        finals
            .binary_search_by(|(q, _)| q.as_str().cmp(p))
            .ok()
            .map(|i| finals[i].1)
    };
    let wasted: HashMap<&str, u64> = a
        .waste
        .paths
        .iter()
        .map(|w| (w.path.as_str(), w.wasted_bytes))
        .collect();
    let mut owned = vec![false; finals.len()];
    for (k, p) in out.packages.iter_mut().enumerate() {
        let listed: Vec<String> = if p.ecosystem == Ecosystem::Npm {
            // Its folder, without the packages nested in it.
            let prefix = format!("{}/", p.location);
            let start = finals.partition_point(|(q, _)| q.as_str() < prefix.as_str());
            finals[start..]
                .iter()
                .take_while(|(q, _)| q.starts_with(&prefix))
                .filter(|(q, _)| !q[prefix.len()..].contains("node_modules/"))
                .map(|(q, _)| q.clone())
                .collect()
        } else {
            last_files.get(&k).cloned().unwrap_or_default()
        };
        // Saturating, as waste's own sums: sizes come from the input.
        p.wasted_bytes = listed
            .iter()
            .filter_map(|f| wasted.get(f.as_str()))
            .fold(0, |sum: u64, &b| sum.saturating_add(b));
        if p.removed.is_some() {
            continue;
        }
        for f in listed {
            if let Ok(i) = finals.binary_search_by(|(q, _)| q.as_str().cmp(&f)) {
                if !owned[i] {
                    owned[i] = true;
                    p.bytes = p.bytes.saturating_add(finals[i].1);
                }
                p.files.push(f);
            } else if size_of(&f).is_none() {
                // A directory or a file no longer there: not counted.
            }
        }
    }
    let mut by_dir: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for ((p, size), owned) in finals.iter().zip(&owned) {
        if !owned {
            let e = by_dir.entry(path::parent(p)).or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(*size);
        }
    }
    out.unowned = by_dir
        .into_iter()
        .map(|(dir, (files, bytes))| Unowned {
            dir: dir.to_string(),
            files,
            bytes,
        })
        .collect();
    out.unowned
        .sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.dir.cmp(&y.dir)));
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
