//! The packages pane's answer: the engine's `packages::packages` over the
//! open image, in the protocol's plain rows, with the per-layer lines
//! `report::packages::layer_line` writes and the numbers of `report::packages`
//! (`added_bytes`). Worked out once per image (on the first `Packages`,
//! package tree query or story) and kept in [`crate::views::Views`]: the
//! view sent to the page, each package's files (for the tree's package
//! filter) and who owns each path (for the story).

use layerscope_core::packages::{self, Packages};
use layerscope_core::report::packages as report;
use layerscope_core::Analysis;
use layerscope_protocol::{
    LayerPackages, PackageRow, PackageUpgrade, PackagesView, UnownedDir, UNOWNED_SHOWN,
};
use std::collections::{HashMap, HashSet};

/// The packages of one image, as the page asks about them.
#[derive(Debug)]
pub struct Kept {
    /// What the page is sent.
    pub view: PackagesView,
    /// Each package's files in the final image, absolute (`/usr/bin/x`).
    files: Vec<HashSet<String>>,
    /// Absolute path → the package that owns it (`Package::owns`).
    owners: HashMap<String, usize>,
}

impl Kept {
    pub fn new(a: &Analysis) -> Kept {
        Kept::from_packages(&packages::packages(a))
    }

    /// From the engine's figures, as they are: nothing is derived again here.
    pub fn from_packages(p: &Packages) -> Kept {
        let view = PackagesView {
            packages: p
                .packages
                .iter()
                .map(|k| PackageRow {
                    ecosystem: k.ecosystem.name().to_string(),
                    name: k.name.clone(),
                    version: k.version.clone(),
                    location: format!("/{}", k.location),
                    added_in_layer: k.added,
                    upgraded: k
                        .upgraded
                        .iter()
                        .map(|(layer, from)| PackageUpgrade {
                            layer: *layer,
                            from: from.clone(),
                        })
                        .collect(),
                    removed_in_layer: k.removed,
                    files: k.files.len(),
                    bytes: k.bytes,
                    wasted_bytes: k.wasted_bytes,
                })
                .collect(),
            layers: p
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| LayerPackages {
                    layer: i,
                    added: l.added.clone(),
                    upgraded: l.upgraded.clone(),
                    removed: l.removed.clone(),
                    added_bytes: report::added_bytes(p, i),
                    line: report::layer_line(p, i),
                })
                .collect(),
            unowned: p
                .unowned
                .iter()
                .take(UNOWNED_SHOWN)
                .map(|u| UnownedDir {
                    dir: format!("/{}", u.dir),
                    files: u.files,
                    bytes: u.bytes,
                })
                .collect(),
            unowned_total: p.unowned.len(),
            diagnostics: p.diagnostics.iter().map(|d| d.text()).collect(),
        };
        let files: Vec<HashSet<String>> = p
            .packages
            .iter()
            .map(|k| k.files.iter().map(|f| format!("/{f}")).collect())
            .collect();
        // The engine's owner of each file (the package its bytes count for).
        let owners = p
            .packages
            .iter()
            .enumerate()
            .flat_map(|(i, k)| {
                k.files
                    .iter()
                    .zip(&k.owns)
                    .filter(|(_, owns)| **owns)
                    .map(move |(f, _)| (format!("/{f}"), i))
            })
            .collect();
        Kept {
            view,
            files,
            owners,
        }
    }

    /// The files of package `index` (absolute), if there is such a package.
    pub fn files(&self, index: usize) -> Option<&HashSet<String>> {
        self.files.get(index)
    }

    /// Who owns absolute `path` in the final image: `deb lsfix-a 2.0`.
    pub fn owner(&self, path: &str) -> Option<String> {
        let row = &self.view.packages[*self.owners.get(path)?];
        Some(format!("{} {} {}", row.ecosystem, row.name, row.version))
    }
}
