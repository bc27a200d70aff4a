//! The packages pane: which layer installed, upgraded or removed which
//! package (the figures of `layerscope packages --json`, asked for once the
//! image is open), how the person sorts and filters them, and how many rows
//! are shown. The sort and the filters are preferences: they stay when
//! another image is opened.
//!
//! The table shows a bounded page of rows ([`PAGE`]) with "show more"
//! rather than a virtual list: the DOM holds one page of rows whatever the
//! image (3,000 packages are 30 pages), sorting and filtering is plain
//! data work, and a plain table keeps its semantics (headers, `aria-sort`)
//! for screen readers.

use std::cmp::Ordering;
use std::rc::Rc;

use layerscope_protocol::{PackageRow, PackagesView};

/// Rows the table shows at first, and more each "show more".
pub const PAGE: usize = 100;

/// The column the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PackageSort {
    /// Most bytes first (the engine's order).
    #[default]
    Bytes,
    Name,
    /// The layer that added it.
    Layer,
    /// Most wasted bytes first.
    Wasted,
}

impl PackageSort {
    /// `bytes`, `name`, `layer`, `wasted` (`data-sort`).
    pub fn key(self) -> &'static str {
        match self {
            PackageSort::Bytes => "bytes",
            PackageSort::Name => "name",
            PackageSort::Layer => "layer",
            PackageSort::Wasted => "wasted",
        }
    }

    /// Whether it starts with the largest (sizes) or the smallest (names, layers).
    pub fn starts_descending(self) -> bool {
        matches!(self, PackageSort::Bytes | PackageSort::Wasted)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PackagesPane {
    /// `None` until the worker answers.
    pub view: Option<Rc<PackagesView>>,
    pub sort: PackageSort,
    /// Against the sort's usual direction (a second click on its header).
    pub reversed: bool,
    /// Text a package's name must contain (any case).
    pub filter: String,
    /// Only this ecosystem (`deb`, `apk`, `pypi`, `npm`).
    pub ecosystem: Option<String>,
    /// Rows shown: [`PAGE`], and more each "show more".
    pub limit: usize,
}

impl PackagesPane {
    /// The worker's answer about the open image.
    pub(super) fn answered(&mut self, view: PackagesView) {
        self.view = Some(Rc::new(view));
    }

    /// Another image (or none): its packages are asked for again.
    pub(super) fn reset(&mut self) {
        self.view = None;
        self.limit = PAGE;
    }

    /// A header clicked: sort by it, or turn the order round if it is the sort already.
    pub(super) fn sort_by(&mut self, sort: PackageSort) {
        if sort == self.sort {
            self.reversed = !self.reversed;
        } else {
            self.sort = sort;
            self.reversed = false;
        }
        self.limit = PAGE;
    }

    pub(super) fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.limit = PAGE;
    }

    pub(super) fn set_ecosystem(&mut self, ecosystem: Option<String>) {
        self.ecosystem = ecosystem;
        self.limit = PAGE;
    }

    /// Rows shown now.
    pub fn page(&self) -> usize {
        self.limit.max(PAGE)
    }

    pub(super) fn more(&mut self) {
        self.limit = self.limit.max(PAGE) + PAGE;
    }

    /// Whether the table is sorted largest (or last) first.
    pub fn descending(&self) -> bool {
        self.sort.starts_descending() != self.reversed
    }

    /// Indexes into the view's packages of the rows that pass the
    /// filters, in the order chosen (ties in the engine's order).
    pub fn matching(&self) -> Vec<usize> {
        let Some(view) = &self.view else {
            return Vec::new();
        };
        let needle = self.filter.trim().to_lowercase();
        let mut rows: Vec<usize> = view
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                self.ecosystem.as_ref().is_none_or(|e| *e == p.ecosystem)
                    && (needle.is_empty() || p.name.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        let key = |a: &PackageRow, b: &PackageRow| -> Ordering {
            match self.sort {
                PackageSort::Bytes => a.bytes.cmp(&b.bytes),
                PackageSort::Wasted => a.wasted_bytes.cmp(&b.wasted_bytes),
                PackageSort::Name => a.name.cmp(&b.name),
                PackageSort::Layer => a.added_in_layer.cmp(&b.added_in_layer),
            }
        };
        let descending = self.descending();
        // Stable: equal keys stay in the engine's order.
        rows.sort_by(|&i, &j| {
            let o = key(&view.packages[i], &view.packages[j]);
            if descending {
                o.reverse()
            } else {
                o
            }
        });
        rows
    }

    /// The ecosystems the image has, with how many packages each, by name.
    pub fn ecosystems(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for p in self.view.iter().flat_map(|v| v.packages.iter()) {
            match out.iter_mut().find(|(e, _)| *e == p.ecosystem) {
                Some((_, n)) => *n += 1,
                None => out.push((p.ecosystem.clone(), 1)),
            }
        }
        out.sort();
        out
    }

    /// How package `index` is named where a person reads it: `deb lsfix-a 2.0`.
    pub fn label(&self, index: usize) -> Option<String> {
        let p = self.view.as_ref()?.packages.get(index)?;
        Some(format!("{} {} {}", p.ecosystem, p.name, p.version))
    }
}

/// What happened to it after it came: `upgraded in 2 (from 1.0); removed in 3`
/// (the CLI's history column).
pub fn history(p: &PackageRow) -> String {
    let mut parts: Vec<String> = p
        .upgraded
        .iter()
        .map(|u| format!("upgraded in {} (from {})", u.layer, u.from))
        .collect();
    if let Some(layer) = p.removed_in_layer {
        parts.push(format!("removed in {layer}"));
    }
    parts.join("; ")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use layerscope_protocol::{LayerPackages, PackageUpgrade};

    pub(crate) fn package(
        eco: &str,
        name: &str,
        layer: usize,
        bytes: u64,
        wasted: u64,
    ) -> PackageRow {
        PackageRow {
            ecosystem: eco.into(),
            name: name.into(),
            version: "1.0".into(),
            location: "/var/lib/dpkg/status".into(),
            added_in_layer: layer,
            upgraded: Vec::new(),
            removed_in_layer: None,
            files: 1,
            bytes,
            wasted_bytes: wasted,
        }
    }

    pub(crate) fn view() -> PackagesView {
        PackagesView {
            // The engine's order: most bytes first.
            packages: vec![
                package("npm", "axe-core", 3, 900, 0),
                package("deb", "lsfix-a", 1, 500, 40),
                package("deb", "Zlib", 0, 500, 0),
                package("apk", "busybox", 2, 10, 70),
            ],
            layers: (0..4)
                .map(|layer| LayerPackages {
                    layer,
                    added: vec![],
                    upgraded: vec![],
                    removed: vec![],
                    added_bytes: 0,
                    line: (layer == 1).then(|| "installed 1 package, 500 B".to_string()),
                })
                .collect(),
            ..PackagesView::default()
        }
    }

    fn names(p: &PackagesPane) -> Vec<String> {
        let view = p.view.as_ref().unwrap();
        p.matching()
            .into_iter()
            .map(|i| view.packages[i].name.clone())
            .collect()
    }

    #[test]
    fn sorts_by_each_column_and_turns_round_on_a_second_click() {
        let mut p = PackagesPane::default();
        assert!(p.matching().is_empty());
        p.answered(view());
        assert_eq!(names(&p), ["axe-core", "lsfix-a", "Zlib", "busybox"]);
        p.sort_by(PackageSort::Bytes);
        assert_eq!(
            names(&p),
            ["busybox", "lsfix-a", "Zlib", "axe-core"],
            "ties keep the engine's order"
        );
        p.sort_by(PackageSort::Name);
        assert!(!p.descending());
        assert_eq!(names(&p), ["Zlib", "axe-core", "busybox", "lsfix-a"]);
        p.sort_by(PackageSort::Layer);
        assert_eq!(names(&p), ["Zlib", "lsfix-a", "busybox", "axe-core"]);
        p.sort_by(PackageSort::Wasted);
        assert!(p.descending());
        assert_eq!(names(&p), ["busybox", "lsfix-a", "axe-core", "Zlib"]);
        p.sort_by(PackageSort::Wasted);
        assert_eq!(names(&p), ["axe-core", "Zlib", "lsfix-a", "busybox"]);
    }

    #[test]
    fn filters_by_name_in_any_case_and_by_ecosystem() {
        let mut p = PackagesPane::default();
        p.answered(view());
        p.set_filter(" ZL ".into());
        assert_eq!(names(&p), ["Zlib"]);
        p.set_filter("s".into());
        assert_eq!(names(&p), ["lsfix-a", "busybox"]);
        p.set_ecosystem(Some("deb".into()));
        assert_eq!(names(&p), ["lsfix-a"]);
        p.set_filter(String::new());
        assert_eq!(names(&p), ["lsfix-a", "Zlib"]);
        assert_eq!(
            p.ecosystems(),
            [("apk".into(), 1), ("deb".into(), 2), ("npm".into(), 1)]
        );
    }

    #[test]
    fn shows_a_page_more_at_a_time_and_starts_again_on_a_new_order() {
        let mut p = PackagesPane::default();
        p.reset();
        assert_eq!(p.limit, PAGE);
        p.more();
        p.more();
        assert_eq!(p.limit, 3 * PAGE);
        p.sort_by(PackageSort::Name);
        assert_eq!(p.limit, PAGE);
        p.more();
        p.set_filter("x".into());
        assert_eq!(p.limit, PAGE);
    }

    #[test]
    fn a_history_reads_as_the_clis() {
        let mut row = package("deb", "lsfix-a", 1, 1, 1);
        assert_eq!(history(&row), "");
        row.upgraded.push(PackageUpgrade {
            layer: 2,
            from: "1.0".into(),
        });
        row.removed_in_layer = Some(3);
        assert_eq!(history(&row), "upgraded in 2 (from 1.0); removed in 3");
    }
}

#[cfg(test)]
mod reducer {
    use super::tests::view;
    use super::*;
    use crate::selection::Selection;
    use crate::state::testing::{answer, open};
    use crate::state::{Action, Mode, State};
    use layerscope_protocol::{Response, View};

    fn packages(gen: u64) -> Action {
        answer(gen, Response::Packages(Box::new(view())))
    }

    #[test]
    fn packages_belong_to_the_image_they_were_asked_about() {
        let mut s = State::default();
        open(&mut s, 1, &[Some(0), None, Some(1), Some(2), Some(3)]);
        assert_eq!(s.packages.view, None);
        s.apply(packages(1));
        assert_eq!(s.packages.view.as_ref().unwrap().packages.len(), 4);
        let layers = &s.packages.view.as_ref().unwrap().layers;
        assert_eq!(
            layers[1].line.as_deref(),
            Some("installed 1 package, 500 B")
        );
        assert_eq!(layers[0].line, None);
        s.apply(Action::SortPackages(PackageSort::Name));
        s.apply(Action::FilterPackages("lsfix".into()));
        // The next image: a late answer of the old worker is dropped; the
        // sort and the filter stay.
        open(&mut s, 2, &[Some(0)]);
        assert_eq!(s.packages.view, None);
        s.apply(packages(1));
        assert_eq!(s.packages.view, None);
        assert_eq!(s.packages.sort, PackageSort::Name);
        assert_eq!(s.packages.filter, "lsfix");
    }

    #[test]
    fn a_package_selects_its_layer_and_the_tree_shows_its_files_until_put_back() {
        let mut s = State::default();
        open(&mut s, 1, &[Some(0), None, Some(1), Some(2), Some(3)]);
        s.apply(packages(1));
        s.apply(Action::SetMode(Mode::Changes));
        // lsfix-a (index 1) came in layer 1: step 2.
        s.apply(Action::ShowPackage(Some(1)));
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.view(), Some(View::Union { layer: 1 }));
        assert_eq!(s.tree.package, Some((1, "deb lsfix-a 1.0".to_string())));
        let q = s.tree.pending.clone().expect("rows asked for");
        assert_eq!(q.package, Some(1));
        assert_eq!(q.view, View::Union { layer: 1 });
        // Another layer: still only its files, in that layer.
        s.apply(Action::SelectStep {
            index: 4,
            extend: false,
        });
        assert_eq!(s.tree.pending.clone().unwrap().package, Some(1));
        // Back to the whole filesystem.
        s.apply(Action::ShowPackage(None));
        assert_eq!(s.tree.package, None);
        assert_eq!(s.tree.pending.clone().unwrap().package, None);
        // A package the view does not have: nothing moves.
        s.apply(Action::ShowPackage(Some(99)));
        assert_eq!(s.tree.package, None);
        // A new image: the whole filesystem.
        s.apply(Action::ShowPackage(Some(0)));
        assert!(s.tree.package.is_some());
        open(&mut s, 2, &[Some(0)]);
        assert_eq!(s.tree.package, None);
    }
}
