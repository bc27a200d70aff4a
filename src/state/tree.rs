//! The file tree pane: how it reads the selected layers ([`Mode`]), its
//! filter, sort and expansion, and the virtual window of rows held and
//! wanted. What to ask the worker for is state here: `pending` is the window
//! of rows wanted (the app sends it once its debounce passes); `scroll_to`
//! asks the list to scroll; `locate` looks for one path window by window.
//!
//! The tree does not know the selection or the image: the parent state
//! hands it the [`View`] they mean, and takes back the path a row selects
//! (the story follows the tree's cursor).

use std::collections::BTreeSet;
use std::ops::Range;
use std::rc::Rc;

use layerscope_protocol::{Row, Sort, TreeQuery, TreeRows, View};

use crate::window;

/// Rows asked for per request while looking for one path (`locate`).
pub(super) const LOCATE_LIMIT: usize = 1000;
/// Windows scanned for a path before giving up (filters may hide it).
const LOCATE_TRIES: u8 = 50;
/// Debounce before a tree request is sent: scrolling, typing a filter, anything else.
pub const SCROLL_DEBOUNCE_MS: u32 = 40;
pub const FILTER_DEBOUNCE_MS: u32 = 150;

/// How the tree reads the selected layer(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The union filesystem after the layer, its changes marked.
    #[default]
    Union,
    /// Only what the layer (or range) changed.
    Changes,
    /// What a running container sees: the image with the container layer on top.
    Container,
    /// The paths that differ from the image compared with.
    Compare,
}

/// Keys the tree understands (the app maps arrows, j/k, h/l, Enter, space…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKey {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Collapse, or go to the parent.
    Left,
    /// Expand, or go to the first child.
    Right,
    /// Enter or space: open or close a directory and select the path.
    Activate,
}

/// A path looked for row by row, to scroll it into view once found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locate {
    pub path: String,
    pub next_offset: usize,
    pub tries: u8,
}

/// The tree pane: what it shows and the window of rows held and wanted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    pub mode: Mode,
    pub filter: String,
    pub sort: Sort,
    pub hide_unchanged: bool,
    pub expanded: BTreeSet<String>,
    pub expand_all: bool,
    /// With `expand_all`: the directories closed all the same.
    pub collapsed: BTreeSet<String>,
    /// Only the files of this package (its index in the packages pane's
    /// view, and its name as shown: `deb lsfix-a 2.0`).
    pub package: Option<(usize, String)>,
    pub next_id: u64,
    /// Answers to queries before this id belong to an older view, filter or
    /// expansion, and are dropped.
    pub epoch: u64,
    /// Id of the answer held in `rows`.
    pub held_id: Option<u64>,
    /// Visible rows in all, as last answered.
    pub total: Option<usize>,
    /// Row index of `rows[0]`.
    pub offset: usize,
    pub rows: Rc<Vec<Row>>,
    /// The query to send (once its debounce passes), until answered.
    pub pending: Option<TreeQuery>,
    pub debounce_ms: u32,
    pub scroll_top: f64,
    pub viewport: f64,
    /// The keyboard's row.
    pub cursor: usize,
    /// `(seq, px)`: scroll the tree to `px`; `seq` changes each time.
    pub scroll_to: Option<(u64, f64)>,
    pub locate: Option<Locate>,
    /// The cursor moved to a row not held yet (End, PageDown): select it once it comes.
    pub select_on_arrival: bool,
}

impl Tree {
    fn held(&self) -> Range<usize> {
        self.offset..self.offset + self.rows.len()
    }

    /// The held row at absolute index `index`.
    pub fn row(&self, index: usize) -> Option<&Row> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    /// Whether the rows held answer the current query (not an older one).
    pub fn fresh(&self) -> bool {
        self.held_id.is_some_and(|id| id >= self.epoch)
    }

    /// A new image: everything about the old one goes; the sort, the hidden
    /// unchanged rows and the viewport (preferences, the screen) stay.
    pub(super) fn reset(&mut self) {
        let next_id = self.next_id;
        *self = Tree {
            sort: self.sort,
            hide_unchanged: self.hide_unchanged,
            // Everything open, as dive starts: the list is virtual, so size is no concern.
            expand_all: true,
            next_id,
            epoch: next_id,
            viewport: self.viewport,
            ..Tree::default()
        };
        self.scroll_to(0.0);
    }

    fn query(&self, view: View, offset: usize, limit: usize) -> TreeQuery {
        TreeQuery {
            id: self.next_id,
            view,
            filter: self.filter.trim().to_string(),
            sort: self.sort,
            hide_unchanged: self.hide_unchanged,
            expanded: if self.expand_all {
                Vec::new()
            } else {
                self.expanded.iter().cloned().collect()
            },
            expand_all: self.expand_all,
            collapsed: if self.expand_all {
                self.collapsed.iter().cloned().collect()
            } else {
                Vec::new()
            },
            package: self.package.as_ref().map(|(k, _)| *k),
            offset,
            limit,
        }
    }

    /// Show only a package's files (None: the whole filesystem again).
    pub(super) fn set_package(&mut self, package: Option<(usize, String)>, view: Option<View>) {
        if package != self.package {
            self.package = package;
            self.cursor = 0;
            self.scroll_to(0.0);
            self.invalidate(view, 0);
        }
    }

    pub(super) fn set_filter(&mut self, filter: String, view: Option<View>) {
        if filter != self.filter {
            self.filter = filter;
            self.cursor = 0;
            self.scroll_to(0.0);
            self.invalidate(view, FILTER_DEBOUNCE_MS);
        }
    }

    pub(super) fn set_sort(&mut self, sort: Sort, view: Option<View>) {
        if sort != self.sort {
            self.sort = sort;
            self.invalidate(view, 0);
        }
    }

    pub(super) fn set_hide_unchanged(&mut self, hide: bool, view: Option<View>) {
        if hide != self.hide_unchanged {
            self.hide_unchanged = hide;
            self.invalidate(view, 0);
        }
    }

    pub(super) fn expand_all(&mut self, view: Option<View>) {
        self.expand_all = true;
        self.collapsed.clear();
        self.invalidate(view, 0);
    }

    pub(super) fn collapse_all(&mut self, view: Option<View>) {
        self.expand_all = false;
        self.expanded.clear();
        self.collapsed.clear();
        self.cursor = 0;
        self.scroll_to(0.0);
        self.invalidate(view, 0);
    }

    pub(super) fn scrolled(&mut self, top: f64, viewport: f64, view: Option<View>) {
        self.scroll_top = top;
        self.viewport = viewport;
        self.plan(view, SCROLL_DEBOUNCE_MS);
    }

    /// A click on a row: the cursor goes there, a directory opens or
    /// closes. Returns the path to select.
    pub(super) fn clicked(&mut self, index: usize, view: Option<View>) -> Option<String> {
        let row = self.row(index).cloned()?;
        self.cursor = index;
        if row.has_children {
            self.toggle(&row, view);
        }
        Some(row.path)
    }

    /// An answer from the worker (dropped if it is about an older query).
    /// Returns the path to select when the cursor's row was awaited.
    pub(super) fn answered(&mut self, answer: TreeRows, view: Option<View>) -> Option<String> {
        if answer.id < self.epoch
            || self
                .held_id
                .is_some_and(|held| held >= self.epoch && answer.id < held)
        {
            return None;
        }
        if self.pending.as_ref().is_some_and(|p| p.id <= answer.id) {
            self.pending = None;
        }
        self.held_id = Some(answer.id);
        self.total = Some(answer.total);
        self.offset = answer.offset;
        self.rows = Rc::new(answer.rows);
        self.cursor = self.cursor.min(answer.total.saturating_sub(1));
        let mut select = None;
        if self.select_on_arrival {
            if let Some(path) = self.row(self.cursor).map(|r| r.path.clone()) {
                self.select_on_arrival = false;
                select = Some(path);
            }
        }
        self.advance_locate();
        self.plan(view, 0);
        select
    }

    /// The query changed: held rows are stale, ask again.
    pub(super) fn invalidate(&mut self, view: Option<View>, debounce_ms: u32) {
        // Whatever is held is stale now, even the "no rows" of a view that
        // was none (an empty step, a layer still being read).
        self.next_id += 1;
        self.epoch = self.next_id;
        if let Some(locate) = &mut self.locate {
            locate.next_offset = 0;
        }
        self.plan(view, debounce_ms);
    }

    /// Decides whether rows must be asked for, and which.
    fn plan(&mut self, view: Option<View>, debounce_ms: u32) {
        let Some(view) = view else {
            self.pending = None;
            self.locate = None;
            self.total = Some(0);
            self.offset = 0;
            self.rows = Rc::default();
            self.held_id = Some(self.next_id);
            self.epoch = self.next_id;
            self.cursor = 0;
            return;
        };
        let pending_current = self.pending.as_ref().filter(|p| p.id >= self.epoch);
        let (offset, limit) = if let Some(locate) = &self.locate {
            if pending_current.is_some() {
                return;
            }
            (locate.next_offset, LOCATE_LIMIT)
        } else {
            let shown = window::visible(self.scroll_top, self.viewport, self.total);
            let wanted = window::margin(&shown, self.total);
            if self.fresh() && window::covers(&self.held(), &wanted, self.total) {
                return;
            }
            if let Some(p) = pending_current {
                if window::covers(&(p.offset..p.offset + p.limit), &wanted, self.total) {
                    return;
                }
            }
            window::fetch(&shown, self.total)
        };
        let query = self.query(view, offset, limit);
        self.next_id += 1;
        self.pending = Some(query);
        self.debounce_ms = debounce_ms;
    }

    /// A tree answer arrived while looking for a path: found, give up, or look further.
    fn advance_locate(&mut self) {
        let Some(locate) = self.locate.clone() else {
            return;
        };
        if !self.fresh() || self.found_located() {
            return;
        }
        // Only the window asked for moves the search on; a scroll window that
        // arrived meanwhile just did not have it.
        if self.offset == locate.next_offset {
            let end = self.offset + self.rows.len();
            let total = self.total.unwrap_or(0);
            if end >= total || self.rows.is_empty() || locate.tries + 1 >= LOCATE_TRIES {
                self.locate = None;
            } else {
                self.locate = Some(Locate {
                    next_offset: end,
                    tries: locate.tries + 1,
                    ..locate
                });
            }
        }
    }

    /// If the held rows have the path looked for: put the cursor on it, centre it, stop looking.
    fn found_located(&mut self) -> bool {
        let Some(locate) = &self.locate else {
            return false;
        };
        let Some(i) = self.rows.iter().position(|r| r.path == locate.path) else {
            return false;
        };
        let index = self.offset + i;
        self.cursor = index;
        self.locate = None;
        let viewport = self.viewport();
        let top =
            (index as f64 * window::ROW_HEIGHT - viewport / 2.0 + window::ROW_HEIGHT).max(0.0);
        self.scroll_to(top);
        true
    }

    fn viewport(&self) -> f64 {
        if self.viewport > 0.0 {
            self.viewport
        } else {
            window::DEFAULT_VIEWPORT
        }
    }

    fn scroll_to(&mut self, px: f64) {
        let seq = self.scroll_to.map_or(1, |(seq, _)| seq + 1);
        self.scroll_to = Some((seq, px));
        self.scroll_top = px;
    }

    /// Opens the parents of a path selected from outside the tree and finds its row.
    pub(super) fn reveal(&mut self, path: String, view: Option<View>) {
        let mut opened = false;
        for ancestor in ancestors(&path) {
            opened |= if self.expand_all {
                self.collapsed.remove(&ancestor)
            } else {
                self.expanded.insert(ancestor)
            };
        }
        self.locate = Some(Locate {
            path,
            next_offset: 0,
            tries: 0,
        });
        if opened {
            self.invalidate(view, 0);
        } else if !(self.fresh() && self.found_located()) {
            self.plan(view, 0);
        } else {
            self.plan(view, SCROLL_DEBOUNCE_MS);
        }
    }

    /// Opens or closes a directory row.
    fn toggle(&mut self, row: &Row, view: Option<View>) {
        let set = if self.expand_all {
            // Everything open but what was closed.
            &mut self.collapsed
        } else {
            &mut self.expanded
        };
        if !set.remove(&row.path) {
            set.insert(row.path.clone());
        }
        self.invalidate(view, 0);
    }

    /// Moves the keyboard's row; the selection (and the story) follows it,
    /// as in a single-select tree: returns the path to select.
    fn move_cursor(&mut self, to: usize, view: Option<View>) -> Option<String> {
        let total = self.total.unwrap_or(0);
        if total == 0 {
            return None;
        }
        let to = to.min(total - 1);
        self.cursor = to;
        self.select_on_arrival = false;
        let select = self.row(to).map(|row| row.path.clone());
        if select.is_none() {
            self.select_on_arrival = true;
        }
        let viewport = self.viewport();
        if let Some(top) = window::scroll_into_view(to, self.scroll_top, viewport) {
            self.scroll_to(top);
            self.plan(view, SCROLL_DEBOUNCE_MS);
        }
        select
    }

    /// A key on the tree; returns the path to select.
    pub(super) fn key(&mut self, key: TreeKey, view: Option<View>) -> Option<String> {
        let cursor = self.cursor;
        let page = window::page_rows(self.viewport());
        match key {
            TreeKey::Down => self.move_cursor(cursor + 1, view),
            TreeKey::Up => self.move_cursor(cursor.saturating_sub(1), view),
            TreeKey::PageDown => self.move_cursor(cursor + page, view),
            TreeKey::PageUp => self.move_cursor(cursor.saturating_sub(page), view),
            TreeKey::Home => self.move_cursor(0, view),
            TreeKey::End => self.move_cursor(usize::MAX, view),
            TreeKey::Right => {
                let row = self.row(cursor).cloned()?;
                if row.has_children && !row.expanded {
                    self.toggle(&row, view);
                    None
                } else if row.has_children {
                    self.move_cursor(cursor + 1, view)
                } else {
                    None
                }
            }
            TreeKey::Left => {
                let row = self.row(cursor).cloned()?;
                if row.has_children && row.expanded {
                    self.toggle(&row, view);
                    None
                } else if row.depth > 0 {
                    let parent = (self.offset..cursor)
                        .rev()
                        .find(|&i| self.row(i).is_some_and(|r| r.depth + 1 == row.depth))?;
                    self.move_cursor(parent, view)
                } else {
                    None
                }
            }
            TreeKey::Activate => {
                let row = self.row(cursor).cloned()?;
                if row.has_children {
                    self.toggle(&row, view);
                }
                Some(row.path)
            }
        }
    }
}

/// `/a/b/c` → `/a`, `/a/b`.
pub fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = path[at + 1..].find('/') {
        at += 1 + i;
        out.push(path[..at].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_of_paths() {
        assert_eq!(ancestors("/a/b/c"), vec!["/a", "/a/b"]);
        assert!(ancestors("/a").is_empty());
        assert!(ancestors("/").is_empty());
    }
}
