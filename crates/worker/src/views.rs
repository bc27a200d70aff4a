//! The views the page asks for, built from an [`Analysis`]: windows of the
//! file tree ([`TreeQuery`] → [`TreeRows`]) and one path's story through the
//! layers ([`Story`]). The page scrolls a virtual list, so a tree query must
//! be answered in the time of a frame even on 100k paths: the tree of a view
//! (the union after a layer, or the net change of a range) is built once into
//! a flat arena with its children sorted both ways, and the flattened list of
//! visible rows for the last (view, filter, sort, expansion) is kept, so
//! scrolling (the same query at a new offset) only copies out `limit` rows.
//!
//! Rules, each in one place here: what a view contains ([`ViewTree::union`],
//! [`ViewTree::changes`]), a directory's size ([`ViewTree::build`]), what a
//! filter matches ([`Filter`]), which rows are visible and open
//! ([`ViewTree::flatten`]), how a mode is written ([`mode_string`]), and
//! what each layer did to a path ([`story`]).

use layerscope_core::build::cow::{self, Container};
use layerscope_core::compare::{self, PathDiffKind};
use layerscope_core::fs::node::{ChangeKind, EntryRef, Fields, FileKind, Node};
use layerscope_core::fs::overlay::find_change;
use layerscope_core::report::listing;
use layerscope_core::{Analysis, PathId};
use layerscope_protocol::{
    ContainerEntry, ContainerOp, ContainerView, Event, Mark, Row, Sort, Story, TreeQuery, TreeRows,
    View,
};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// How many view trees are kept (the union of a few layers the user flips
/// between). A tree costs about 170 bytes a path: 17 MB for 100k paths.
const KEPT_TREES: usize = 3;

/// `ls -l`'s mode column: type letter, then `rwx` three times, with setuid
/// and setgid as `s`/`S` and sticky as `t`/`T` in the execute places
/// (capital when the execute bit under it is off).
pub fn mode_string(kind: FileKind, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    // `find`'s letters, but for a regular file, which `ls` shows as `-`.
    s.push(match kind {
        FileKind::Regular => '-',
        other => other.letter(),
    });
    for (shift, special, letter) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => letter,
            (false, true) => letter.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// A path as the page sends it (`/etc/`, `etc`, ` /etc `) → the engine's
/// clean form (`etc`; `""` for the root).
pub fn clean_path(path: &str) -> String {
    match layerscope_core::fs::path::clean(path.trim()) {
        layerscope_core::fs::path::Cleaned::Path(p) => p,
        _ => String::new(),
    }
}

/// What a filter matches. Without `*` or `?` it is a substring of the
/// absolute path (`passwd` finds `/etc/passwd`). With them it is a glob over
/// the whole absolute path, where `*` matches any run of characters
/// (slashes too) and `?` any one character; a glob that does not start with
/// `/` or `*` may start at any directory (`etc/*.conf` is `*/etc/*.conf`).
/// Case counts, as it does in the image.
#[derive(Debug, Clone)]
pub enum Filter {
    Substring(String),
    Glob(Vec<u8>),
}

impl Filter {
    /// `None` for an empty (or blank) filter.
    pub fn parse(text: &str) -> Option<Filter> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if text.contains(['*', '?']) {
            let mut pattern = Vec::with_capacity(text.len() + 2);
            if !text.starts_with(['/', '*']) {
                pattern.extend(b"*/");
            }
            pattern.extend(text.as_bytes());
            Some(Filter::Glob(pattern))
        } else {
            Some(Filter::Substring(text.to_string()))
        }
    }

    /// Whether an absolute path (`/etc/passwd`) matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Filter::Substring(s) => path.contains(s.as_str()),
            Filter::Glob(p) => glob(p, path.as_bytes()),
        }
    }
}

/// Wildcard matching with one backtrack point (the last `*`): linear in
/// practice, never exponential. Over bytes, with `?` taking one whole UTF-8
/// character and `*` giving back one character at a time, so positions in
/// `text` stay on character boundaries.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let char_len = |i: usize| match text[i] {
        b if b >= 0xf0 => 4,
        b if b >= 0xe0 => 3,
        b if b >= 0xc0 => 2,
        _ => 1,
    };
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t = (t + char_len(t)).min(text.len());
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    let st = (st + char_len(st)).min(text.len());
                    p = sp + 1;
                    t = st;
                    star = Some((sp, st));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// One path of a view.
#[derive(Debug, Clone)]
struct TreeNode {
    /// Absolute (`/etc/passwd`); the root is `/`.
    path: Box<str>,
    /// Where the last component starts in `path`.
    name_at: u32,
    parent: u32,
    /// 0 for the root's children.
    depth: u32,
    kind: FileKind,
    /// Regular files: bytes; directories: bytes below (see [`ViewTree::build`]).
    size: u64,
    /// What this path adds to its directory's size (0 for a second name of
    /// bytes already counted).
    counted: u64,
    /// As `find -printf %m` shows it (`listing::mode`).
    mode: u32,
    uid: u64,
    gid: u64,
    link: Option<Box<str>>,
    hardlink: Option<Box<str>>,
    mark: Option<Mark>,
    fields: Fields,
}

impl TreeNode {
    fn name(&self) -> &str {
        &self.path[self.name_at as usize..]
    }
}

/// What a view holds at one path, before the tree is built.
struct Item<'a> {
    /// Clean (no leading `/`).
    path: String,
    node: Cow<'a, Node>,
    mark: Option<Mark>,
    fields: Fields,
}

/// The paths of one view as a tree: node 0 is the root (never shown), a
/// parent always comes before its children, and the children of node `i` are
/// `by_name[child_start[i]..child_start[i + 1]]`.
#[derive(Debug)]
pub struct ViewTree {
    nodes: Vec<TreeNode>,
    child_start: Vec<u32>,
    by_name: Vec<u32>,
    /// The same ranges, largest first (then by name); made on first use.
    by_size: OnceCell<Vec<u32>>,
}

/// Which rows of a tree are shown, in order; one query's answer before windowing.
#[derive(Debug)]
struct Flat {
    ids: Vec<u32>,
    /// Per row: bit 0 has visible children, bit 1 shown open.
    flags: Vec<u8>,
}

const HAS_CHILDREN: u8 = 1;
const OPEN: u8 = 2;

/// The parts of a query that decide the flattened list (all but the window).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    filter: String,
    sort: Sort,
    hide_unchanged: bool,
    expand_all: bool,
    /// Absolute, no trailing `/`, sorted.
    expanded: Vec<String>,
    /// With `expand_all`: closed all the same. Absolute, sorted.
    collapsed: Vec<String>,
    /// Only this package's files (`TreeQuery::package`).
    package: Option<usize>,
}

impl Shape {
    fn of(q: &TreeQuery) -> Shape {
        let filter = q.filter.trim().to_string();
        // Under a filter every directory with a match below is open, so the
        // expansion does not matter and must not spoil the cache.
        let absolute = |list: &[String]| {
            let mut out: Vec<String> = list.iter().map(|p| format!("/{}", clean_path(p))).collect();
            out.sort_unstable();
            out.dedup();
            out
        };
        let (expand_all, expanded, collapsed) = if filter.is_empty() && q.package.is_none() {
            (q.expand_all, absolute(&q.expanded), absolute(&q.collapsed))
        } else {
            (false, Vec::new(), Vec::new())
        };
        Shape {
            filter,
            sort: q.sort,
            hide_unchanged: q.hide_unchanged,
            expand_all,
            expanded,
            collapsed,
            package: q.package,
        }
    }
}

impl ViewTree {
    /// The union filesystem after `layer`, each path marked with what that
    /// layer did to it; the paths it removed are in the tree too, marked
    /// Removed, with the attributes they had.
    pub fn union(a: &Analysis, layer: usize) -> ViewTree {
        let union = a.union_at(layer);
        let changes = &a.layers[layer].changes;
        let marks: FastMap<PathId, (Mark, Fields)> = changes
            .iter()
            .filter_map(|c| match c.kind {
                ChangeKind::Added => Some((c.path, (Mark::Added, Fields::default()))),
                ChangeKind::Modified(f) => Some((c.path, (Mark::Modified, f))),
                _ => None,
            })
            .collect();
        let mut items: Vec<Item> = Vec::with_capacity(union.len() + changes.len());
        for (path, node) in union.iter() {
            let (mark, fields) = match marks.get(&path) {
                Some((m, f)) => (Some(*m), *f),
                None => (None, Fields::default()),
            };
            items.push(Item {
                path: a.path(path),
                node: Cow::Borrowed(a.node(node)),
                mark,
                fields,
            });
        }
        items.extend(changes.iter().filter_map(|c| match (c.kind, a.before(c)) {
            (ChangeKind::Removed, Some(before)) => Some(Item {
                path: a.path(c.path),
                node: Cow::Borrowed(before),
                mark: Some(Mark::Removed),
                fields: Fields::default(),
            }),
            _ => None,
        }));
        ViewTree::build(items)
    }

    /// What layers `from..=to` changed together, against the union below
    /// `from`: a path is Added, Removed or Modified by comparing its state
    /// below `from` with its state after `to`; one added and removed again in
    /// the range, or rewritten identically, is left out. The directories
    /// above a change are in the tree, unmarked, as they are after `to`.
    pub fn changes(a: &Analysis, from: usize, to: usize) -> ViewTree {
        // Every change of the range by path; the stable sort keeps each
        // path's changes in layer order.
        let mut all: Vec<&layerscope_core::Change> = a.layers[from..=to]
            .iter()
            .flat_map(|l| &l.changes)
            .collect();
        all.sort_by_key(|c| c.path);
        let mut items: Vec<Item> = Vec::new();
        for group in all.chunk_by(|x, y| x.path == y.path) {
            let (first, last) = (group[0], group[group.len() - 1]);
            let (node, mark, fields) = match (a.before(first), a.after(last)) {
                (None, None) => continue,
                (None, Some(n)) => (n, Mark::Added, Fields::default()),
                (Some(b), None) => (b, Mark::Removed, Fields::default()),
                (Some(b), Some(n)) => {
                    let f = n.changed_fields(b);
                    if !f.any() {
                        continue;
                    }
                    (n, Mark::Modified, f)
                }
            };
            items.push(Item {
                path: a.path(first.path),
                node: Cow::Borrowed(node),
                mark: Some(mark),
                fields,
            });
        }
        // The unmarked directories above the changes, as they are after `to`.
        let after = a.union_at(to);
        with_parents(&mut items, |path| Some(a.node(after.get(a.lookup(path)?)?)));
        ViewTree::build(items)
    }

    /// The paths that differ between image `a` and image `b`, marked with
    /// what `b` has (a removed path shows as `a` had it), under their
    /// unmarked parent directories.
    pub fn compare(a: &Analysis, b: &Analysis, diff: &compare::PathsDiff) -> ViewTree {
        let mut items: Vec<Item> = diff
            .list
            .iter()
            .filter_map(|d| {
                let (node, mark, fields) = match d.kind {
                    PathDiffKind::Added => (b.file(&d.path)?, Mark::Added, Fields::default()),
                    PathDiffKind::Removed => (a.file(&d.path)?, Mark::Removed, Fields::default()),
                    PathDiffKind::Modified(f) => (b.file(&d.path)?, Mark::Modified, f),
                };
                Some(Item {
                    path: d.path.clone(),
                    node: Cow::Borrowed(node),
                    mark: Some(mark),
                    fields,
                })
            })
            .collect();
        with_parents(&mut items, |path| b.file(path).or_else(|| a.file(path)));
        ViewTree::build(items)
    }

    /// What a running container sees: the final filesystem with the
    /// container layer on top, marked with what the container did.
    pub fn container(a: &Analysis, container: &Container) -> ViewTree {
        let items = container
            .entries(a)
            .into_iter()
            .map(|e| Item {
                path: e.path,
                node: e.node,
                mark: e.mark.map(|m| match m {
                    cow::Mark::Added => Mark::Added,
                    cow::Mark::Modified => Mark::Modified,
                    cow::Mark::Removed => Mark::Removed,
                }),
                fields: Fields::default(),
            })
            .collect();
        ViewTree::build(items)
    }

    /// The tree of a set of paths. A directory's size is the bytes of the
    /// regular files below it that the view shows as present, hard-linked
    /// bytes once; a removed directory's, the bytes of the removed files
    /// below it (what it held).
    /// A missing parent (which a consistent view never has) becomes a plain
    /// directory, so the tree stays a tree.
    fn build(mut items: Vec<Item<'_>>) -> ViewTree {
        // Stable: the producers hand over a few sorted runs, which this merges.
        items.sort_by(|a, b| tree_order(&a.path, &b.path));
        items.dedup_by(|a, b| a.path == b.path);
        // A hard link shares its target's bytes: directories count them once,
        // on the original name, or on the first link if no original is in
        // the view. Present and removed copies are counted apart.
        let links = items.iter().any(|i| i.node.hardlink().is_some());
        let mut counted: FastSet<(bool, EntryRef)> = items
            .iter()
            .filter(|i| links && i.node.kind == FileKind::Regular && i.node.hardlink().is_none())
            .filter_map(|i| Some((i.mark == Some(Mark::Removed), i.node.data?)))
            .collect();
        let mut nodes: Vec<TreeNode> = Vec::with_capacity(items.len() + 1);
        nodes.push(plain_dir("/".into(), 0, 0));
        // In tree order every path comes after its parent, and `chain` is
        // the line of directories from the root down to the last path.
        let mut chain: Vec<u32> = vec![0];
        for item in &items {
            let p = item.path.as_str();
            let dir = parent_of(p);
            let mut top = 0;
            while let Some(&t) = chain.last() {
                let t_path = &nodes[t as usize].path[1..];
                if t == 0 || is_below(p, t_path) {
                    top = t;
                    break;
                }
                chain.pop();
            }
            // A parent no item named (a consistent view has none).
            while nodes[top as usize].path[1..].len() < dir.len() {
                let have = nodes[top as usize].path.len() - 1;
                let from = if have == 0 { 0 } else { have + 1 };
                let end = dir[from..].find('/').map_or(dir.len(), |i| from + i);
                let depth = if top == 0 {
                    0
                } else {
                    nodes[top as usize].depth + 1
                };
                nodes.push(plain_dir(format!("/{}", &dir[..end]), top, depth));
                top = (nodes.len() - 1) as u32;
                chain.push(top);
            }
            let n = &*item.node;
            let mut path = String::with_capacity(p.len() + 1);
            path.push('/');
            path.push_str(p);
            let size = if n.kind == FileKind::Regular {
                n.size
            } else {
                0
            };
            let shared = match (n.hardlink(), n.data) {
                (Some(_), Some(data)) => !counted.insert((item.mark == Some(Mark::Removed), data)),
                _ => false,
            };
            nodes.push(TreeNode {
                name_at: (p.len() - layerscope_core::fs::path::base(p).len() + 1) as u32,
                path: path.into_boxed_str(),
                parent: top,
                depth: if top == 0 {
                    0
                } else {
                    nodes[top as usize].depth + 1
                },
                kind: n.kind,
                size,
                counted: if shared { 0 } else { size },
                mode: listing::mode(n),
                uid: n.uid.into(),
                gid: n.gid.into(),
                link: n.link().map(Into::into),
                hardlink: n.hardlink().map(Into::into),
                mark: item.mark,
                fields: item.fields,
            });
            chain.push((nodes.len() - 1) as u32);
        }
        // Parents come first, so one backward pass sums sizes.
        for i in (1..nodes.len()).rev() {
            let n = &nodes[i];
            let (removed, parent) = (n.mark == Some(Mark::Removed), n.parent as usize);
            let size = if n.kind == FileKind::Dir {
                n.size
            } else {
                n.counted
            };
            if !removed || nodes[parent].mark == Some(Mark::Removed) {
                nodes[parent].size += size;
            }
        }
        // Children grouped by parent with a stable counting sort: they stay
        // in tree order, which is name order.
        let mut child_start = vec![0u32; nodes.len() + 1];
        for n in &nodes[1..] {
            child_start[n.parent as usize + 1] += 1;
        }
        for i in 1..child_start.len() {
            child_start[i] += child_start[i - 1];
        }
        let mut fill = child_start.clone();
        let mut by_name = vec![0u32; nodes.len() - 1];
        for (i, n) in nodes.iter().enumerate().skip(1) {
            let slot = &mut fill[n.parent as usize];
            by_name[*slot as usize] = i as u32;
            *slot += 1;
        }
        ViewTree {
            nodes,
            child_start,
            by_name,
            by_size: OnceCell::new(),
        }
    }

    /// Paths in the view (the root not counted).
    pub fn len(&self) -> usize {
        self.nodes.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn children<'o>(&self, order: &'o [u32], id: u32) -> &'o [u32] {
        let id = id as usize;
        &order[self.child_start[id] as usize..self.child_start[id + 1] as usize]
    }

    fn by_size(&self) -> &[u32] {
        self.by_size.get_or_init(|| {
            let mut order = self.by_name.clone();
            for w in 0..self.nodes.len() {
                let range = self.child_start[w] as usize..self.child_start[w + 1] as usize;
                // Stable: equal sizes stay in name order.
                order[range].sort_by(|&a, &b| {
                    self.nodes[b as usize]
                        .size
                        .cmp(&self.nodes[a as usize].size)
                });
            }
            order
        })
    }

    /// The visible rows, in order. A row is visible when it, or a path below
    /// it, is a hit: matched by the filter (if any) and, with
    /// `hide_unchanged`, marked. A directory is open when it has visible
    /// children and either a filter is set (a search shows its hits) or
    /// `expand_all` (and the page did not list it in `collapsed`) or the page
    /// listed it in `expanded`. With `only` (a package's files), a hit must
    /// also be one of those paths, and every directory above one is open.
    fn flatten(&self, shape: &Shape, only: Option<&HashSet<String>>) -> Flat {
        let filter = Filter::parse(&shape.filter);
        let visible: Option<Vec<bool>> =
            if filter.is_none() && !shape.hide_unchanged && only.is_none() {
                None
            } else {
                let mut v = vec![false; self.nodes.len()];
                for i in (1..self.nodes.len()).rev() {
                    let n = &self.nodes[i];
                    let hit = (!shape.hide_unchanged || n.mark.is_some())
                        && filter.as_ref().is_none_or(|f| f.matches(&n.path))
                        && only.is_none_or(|files| files.contains(&*n.path));
                    if hit || v[i] {
                        v[i] = true;
                        v[n.parent as usize] = true;
                    }
                }
                Some(v)
            };
        let is_visible = |id: u32| visible.as_ref().is_none_or(|v| v[id as usize]);
        let expanded: HashSet<&str> = shape.expanded.iter().map(String::as_str).collect();
        let collapsed: HashSet<&str> = shape.collapsed.iter().map(String::as_str).collect();
        let order = match shape.sort {
            Sort::Name => &self.by_name[..],
            Sort::Size => self.by_size(),
        };
        let mut flat = Flat {
            ids: Vec::new(),
            flags: Vec::new(),
        };
        let mut stack: Vec<&[u32]> = vec![self.children(order, 0)];
        while let Some(top) = stack.last_mut() {
            let Some((&id, rest)) = top.split_first() else {
                stack.pop();
                continue;
            };
            *top = rest;
            if !is_visible(id) {
                continue;
            }
            let children = self.children(order, id);
            let has_children = children.iter().any(|&c| is_visible(c));
            let path = &*self.nodes[id as usize].path;
            let open = has_children
                && (filter.is_some()
                    || only.is_some()
                    || (shape.expand_all && !collapsed.contains(path))
                    || expanded.contains(path));
            flat.ids.push(id);
            flat.flags
                .push(if has_children { HAS_CHILDREN } else { 0 } | if open { OPEN } else { 0 });
            if open {
                stack.push(children);
            }
        }
        flat
    }

    fn row(&self, id: u32, flags: u8) -> Row {
        let n = &self.nodes[id as usize];
        Row {
            path: n.path.to_string(),
            name: n.name().to_string(),
            depth: n.depth as usize,
            kind: n.kind.letter(),
            size: n.size,
            mode: mode_string(n.kind, n.mode),
            uid: n.uid,
            gid: n.gid,
            link: n.link.as_deref().map(str::to_string),
            hardlink: n.hardlink.as_deref().map(|h| format!("/{h}")),
            mark: n.mark,
            fields: if n.mark == Some(Mark::Modified) {
                n.fields.names().into_iter().map(str::to_string).collect()
            } else {
                Vec::new()
            },
            has_children: flags & HAS_CHILDREN != 0,
            expanded: flags & OPEN != 0,
        }
    }
}

/// Hash sets with a fast non-cryptographic hash: the keys come from the
/// user's own file, so there is no one to defend against.
type FastSet<K> = HashSet<K, BuildHasherDefault<PathHasher>>;
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<PathHasher>>;
type PathSet<'k> = FastSet<&'k str>;

#[derive(Default)]
struct PathHasher(u64);

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    /// splitmix64's finalizer: the table takes its bucket from the low
    /// bits, which the multiply alone leaves poorly mixed.
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Paths in tree order: `/` sorts before every other byte, so a directory's
/// whole subtree comes right after it, before its next sibling (`a`,
/// `a/x`, `a-b`), and siblings come in name-byte order.
/// Adds the unmarked directories above marked items (each once), with the
/// node `node_of` finds for them; a parent it cannot find is left to
/// `ViewTree::build` to make plain.
fn with_parents<'a>(items: &mut Vec<Item<'a>>, node_of: impl Fn(&str) -> Option<&'a Node>) {
    let above: Vec<String> = {
        let marked: PathSet = items.iter().map(|i| i.path.as_str()).collect();
        let mut above: PathSet = PathSet::default();
        for item in items.iter() {
            let mut p = item.path.as_str();
            while let Some(i) = p.rfind('/') {
                p = &p[..i];
                if marked.contains(p) || !above.insert(p) {
                    break;
                }
            }
        }
        above.into_iter().map(str::to_string).collect()
    };
    items.extend(above.into_iter().filter_map(|path| {
        let node = node_of(&path)?;
        Some(Item {
            path,
            node: Cow::Borrowed(node),
            mark: None,
            fields: Fields::default(),
        })
    }));
}

fn tree_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    // Paths share long prefixes: skip them a word at a time.
    let mut i = 0;
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    while i + 8 <= n && word(a, i) == word(b, i) {
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    match (a.get(i), b.get(i)) {
        (Some(&x), Some(&y)) => key(x).cmp(&key(y)),
        _ => a.len().cmp(&b.len()),
    }
}

fn parent_of(path: &str) -> &str {
    layerscope_core::fs::path::parent(path)
}

/// A directory no item described: as a runtime creates one (0755, root).
fn plain_dir(path: String, parent: u32, depth: u32) -> TreeNode {
    TreeNode {
        name_at: path.rfind('/').map_or(0, |i| i + 1) as u32,
        path: path.into_boxed_str(),
        parent,
        depth,
        kind: FileKind::Dir,
        size: 0,
        counted: 0,
        mode: 0o755,
        uid: 0,
        gid: 0,
        link: None,
        hardlink: None,
        mark: None,
        fields: Fields::default(),
    }
}

/// Whether clean `path` is strictly below clean directory `dir`.
fn is_below(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.as_bytes()[dir.len()] == b'/' && path.starts_with(dir)
}

/// A query the analysis cannot answer (a layer it does not have).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadQuery(pub String);

/// The trees and the last flattened list of one analysis. Drop it with the
/// analysis: it does not know which one it was built from.
#[derive(Debug, Default)]
pub struct Views {
    /// Least recently used first.
    trees: Vec<(View, Rc<ViewTree>)>,
    flat: Option<(View, Shape, Rc<Flat>)>,
    /// The build read back from the history, once asked for.
    pub builds: Option<crate::build::Builds>,
    /// The copy-on-write layer the person is playing with.
    pub container: Container,
    /// Bumped by every change of `container`.
    pub revision: u64,
    /// The image compared with the open one, and the comparison.
    pub compared: Option<crate::compare::Compared>,
    /// The last comparison's number (`View::Compare`'s revision).
    pub compare_revision: u64,
    /// The image's findings, once asked for (`crate::findings::rows`).
    pub findings: Option<Vec<layerscope_protocol::FindingRow>>,
    /// The engine's findings, once a report or the CI gate needed them
    /// (`crate::reports`).
    pub found: Option<Vec<layerscope_core::findings::Finding>>,
    /// The image's packages, once asked for (`crate::packages::Kept`).
    pub packages: Option<Rc<crate::packages::Kept>>,
    /// The views of a snapshot while the layers are read (`Preview`): a
    /// story names no package then (the owner is the final image's, and
    /// the packages would be worked out again after every layer).
    pub partial: bool,
}

impl Views {
    pub fn new() -> Views {
        Views::default()
    }

    /// The view with its layers checked (and a range put in order).
    fn checked(&self, a: &Analysis, view: &View) -> Result<View, BadQuery> {
        let n = a.layers.len();
        let check = |l: usize| {
            if l < n {
                Ok(l)
            } else {
                Err(BadQuery(format!(
                    "there is no layer {l}: the image has {n} layer{}",
                    if n == 1 { "" } else { "s" }
                )))
            }
        };
        Ok(match *view {
            View::Union { layer } => View::Union {
                layer: check(layer)?,
            },
            View::Changes { from, to } => View::Changes {
                from: check(from.min(to))?,
                to: check(from.max(to))?,
            },
            // The worker's container is the one there is, whatever the page last heard.
            View::Container { .. } => View::Container {
                revision: self.revision,
            },
            View::Compare { .. } => match &self.compared {
                Some(c) => View::Compare {
                    revision: c.revision,
                },
                None => {
                    return Err(BadQuery(
                        "no comparison: compare with an image first".to_string(),
                    ))
                }
            },
        })
    }

    /// The views of a snapshot of the layers read so far.
    pub fn snapshot() -> Views {
        Views {
            partial: true,
            ..Views::default()
        }
    }

    /// The image's packages, worked out on the first ask.
    pub fn packages(&mut self, a: &Analysis) -> Rc<crate::packages::Kept> {
        self.packages
            .get_or_insert_with(|| Rc::new(crate::packages::Kept::new(a)))
            .clone()
    }

    /// A new comparison (or none): its trees are built afresh.
    pub fn compared(&mut self, compared: Option<crate::compare::Compared>) {
        self.trees
            .retain(|(v, _)| !matches!(v, View::Compare { .. }));
        self.flat = None;
        self.compared = compared;
    }

    /// The tree of a view, built once and kept while it is among the last few used.
    pub fn tree(&mut self, a: &Analysis, view: &View) -> Result<Rc<ViewTree>, BadQuery> {
        let view = self.checked(a, view)?;
        if let Some(i) = self.trees.iter().position(|(v, _)| *v == view) {
            let kept = self.trees.remove(i);
            let tree = kept.1.clone();
            self.trees.push(kept);
            return Ok(tree);
        }
        let tree = Rc::new(match view {
            View::Union { layer } => ViewTree::union(a, layer),
            View::Changes { from, to } => ViewTree::changes(a, from, to),
            View::Container { .. } => ViewTree::container(a, &self.container),
            View::Compare { .. } => match &self.compared {
                Some(c) => ViewTree::compare(a, &c.other.analysis, &c.comparison.paths),
                None => unreachable!("checked above"),
            },
        });
        if self.trees.len() >= KEPT_TREES {
            self.trees.remove(0);
        }
        self.trees.push((view, tree.clone()));
        Ok(tree)
    }

    /// Does one operation on the container layer and says what it did.
    pub fn container_op(&mut self, a: &Analysis, op: &ContainerOp) -> ContainerView {
        let c = &mut self.container;
        let result = match op {
            ContainerOp::Edit { path } => c.edit(a, path).map(|o| o.explanation),
            ContainerOp::Delete { path } => c.delete(a, path).map(|o| o.explanation),
            ContainerOp::Create { path, size } => c.create(a, path, *size).map(|o| o.explanation),
            ContainerOp::Reset => {
                c.reset();
                Ok("The container layer is empty again: every read falls through to the image's layers.".to_string())
            }
        };
        if result.is_ok() {
            self.revision += 1;
            self.trees
                .retain(|(v, _)| !matches!(v, View::Container { .. }));
        }
        let (message, error) = match result {
            Ok(m) => (m, false),
            Err(e) => (e.message, true),
        };
        ContainerView {
            size: self.container.size(),
            entries: self
                .container
                .ops(a)
                .into_iter()
                .map(|op| ContainerEntry {
                    path: format!("/{}", op.path),
                    what: match op.kind {
                        cow::OpKind::CopiedUp => "copied_up",
                        cow::OpKind::Whiteout => "whiteout",
                        cow::OpKind::Created => "created",
                    }
                    .to_string(),
                    size: op.size,
                })
                .collect(),
            message,
            error,
            revision: self.revision,
        }
    }

    /// Answers a tree query: `limit` rows from `offset` of the visible list.
    pub fn rows(&mut self, a: &Analysis, q: &TreeQuery) -> Result<TreeRows, BadQuery> {
        let view = self.checked(a, &q.view)?;
        let tree = self.tree(a, &view)?;
        let shape = Shape::of(q);
        let packages = match q.package {
            Some(k) => {
                let kept = self.packages(a);
                if kept.files(k).is_none() {
                    return Err(BadQuery(format!(
                        "there is no package {k}: the image has {}",
                        kept.view.packages.len()
                    )));
                }
                Some(kept)
            }
            None => None,
        };
        let only = match (&packages, q.package) {
            (Some(kept), Some(k)) => kept.files(k),
            _ => None,
        };
        let flat = match &self.flat {
            Some((v, s, flat)) if *v == view && *s == shape => flat.clone(),
            _ => {
                let flat = Rc::new(tree.flatten(&shape, only));
                self.flat = Some((view, shape, flat.clone()));
                flat
            }
        };
        let total = flat.ids.len();
        let start = q.offset.min(total);
        let end = start.saturating_add(q.limit).min(total);
        Ok(TreeRows {
            id: q.id,
            total,
            offset: start,
            rows: (start..end)
                .map(|i| tree.row(flat.ids[i], flat.flags[i]))
                .collect(),
        })
    }
}

/// Every layer that touched `path`, lowest first: added, modified (with the
/// fields), removed (by a whiteout, an opaque directory, or a file written
/// over it), `removed_with_parent` (the directory above it was removed or
/// replaced by a non-directory in that layer), `rewritten` (identical bytes
/// and attributes: not a change, but a new copy). Each event carries the
/// path's attributes after that layer (before it, for a removal). The
/// visible layer is the one that wrote the state the final filesystem shows
/// (for a hard link, the layer that made the link).
pub fn story(a: &Analysis, path: &str, container: &Container) -> Story {
    let clean = clean_path(path);
    let id = a.lookup(&clean).filter(|id| *id != PathId::ROOT);
    let mut events = Vec::new();
    for (i, layer) in a.layers.iter().enumerate() {
        let Some(c) = id.and_then(|id| find_change(&a.files.paths, &layer.changes, id)) else {
            continue;
        };
        let (what, fields) = match c.kind {
            ChangeKind::Added => ("added", Vec::new()),
            ChangeKind::Modified(f) => ("modified", f.names()),
            ChangeKind::Removed if parent_went(a, &layer.changes, c.path) => {
                ("removed_with_parent", Vec::new())
            }
            ChangeKind::Removed => ("removed", Vec::new()),
            ChangeKind::Same => ("rewritten", Vec::new()),
        };
        let node = a.after(c).or(a.before(c));
        events.push(Event {
            layer: i,
            what: what.to_string(),
            fields: fields.into_iter().map(str::to_string).collect(),
            kind: node.map(|n| n.kind.letter()),
            size: node.map_or(0, |n| {
                if n.kind == FileKind::Regular {
                    n.size
                } else {
                    0
                }
            }),
            mode: node.map(|n| mode_string(n.kind, listing::mode(n))),
            uid: node.map(|n| n.uid.into()),
            gid: node.map(|n| n.gid.into()),
            link: node.and_then(|n| n.link().map(str::to_string)),
        });
    }
    Story {
        path: format!("/{clean}"),
        visible_layer: id
            .and_then(|id| a.union.get(id))
            .map(|n| a.node(n).layer as usize),
        events,
        container: container_note(a, container, &clean),
        compared: None,
        owner: None,
    }
}

/// What the container layer does to a read of `path`, if anything.
fn container_note(a: &Analysis, container: &Container, path: &str) -> Option<String> {
    if container.is_empty() || path.is_empty() {
        return None;
    }
    let state = container.state(a, path);
    let top = state.levels.first()?;
    match top.found {
        cow::Found::Nothing | cow::Found::NotReached => None,
        _ => Some(state.explanation),
    }
}

/// Whether the same layer removed the parent of `path`, or put a
/// non-directory in its place (which takes everything below with it).
fn parent_went(a: &Analysis, changes: &[layerscope_core::Change], path: PathId) -> bool {
    match a.files.paths.parent(path) {
        Some(parent) if parent != PathId::ROOT => find_change(&a.files.paths, changes, parent)
            .is_some_and(|c| a.after(c).is_none_or(|n| !n.is_dir())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_as_ls_writes_them() {
        assert_eq!(mode_string(FileKind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(FileKind::Regular, 0o644), "-rw-r--r--");
        assert_eq!(mode_string(FileKind::Regular, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(FileKind::Regular, 0o4644), "-rwSr--r--");
        assert_eq!(mode_string(FileKind::Regular, 0o2755), "-rwxr-sr-x");
        assert_eq!(mode_string(FileKind::Regular, 0o2745), "-rwxr-Sr-x");
        assert_eq!(mode_string(FileKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(FileKind::Dir, 0o1776), "drwxrwxrwT");
        assert_eq!(mode_string(FileKind::Symlink, 0o777), "lrwxrwxrwx");
        assert_eq!(mode_string(FileKind::Char, 0o666), "crw-rw-rw-");
        assert_eq!(mode_string(FileKind::Block, 0o660), "brw-rw----");
        assert_eq!(mode_string(FileKind::Fifo, 0o600), "prw-------");
        assert_eq!(mode_string(FileKind::Socket, 0), "s---------");
    }

    #[test]
    fn substring_filters() {
        let f = Filter::parse(" passwd ").unwrap();
        assert!(f.matches("/etc/passwd"));
        assert!(!f.matches("/etc/Passwd"));
        assert!(Filter::parse("   ").is_none());
        assert!(Filter::parse("/etc/").unwrap().matches("/etc/x"));
        assert!(!Filter::parse("/etc/").unwrap().matches("/etc"));
    }

    #[test]
    fn globs_match_the_whole_path() {
        let m = |p: &str, path: &str| Filter::parse(p).unwrap().matches(path);
        assert!(m("*.conf", "/etc/nginx/nginx.conf"));
        assert!(!m("*.conf", "/etc/nginx/nginx.conf.bak"));
        assert!(m("/etc/*", "/etc/nginx/nginx.conf"));
        assert!(!m("/etc/*", "/etc"));
        assert!(m("/bin/?s", "/bin/ls"));
        assert!(!m("/bin/?s", "/bin/cls"));
        assert!(m("/usr/*/lib*.so*", "/usr/lib/x86_64/libc.so.6"));
        // A relative glob starts at any directory, but only at one.
        assert!(m("nginx/*.conf", "/etc/nginx/nginx.conf"));
        assert!(!m("ginx/*.conf", "/etc/nginx/nginx.conf"));
        assert!(m("passwd?", "/etc/passwd-"));
        assert!(m("**", "/x"));
        assert!(m("/ünï/*", "/ünï/çödé"));
        // No exponential blow-up on a hopeless pattern.
        let long = format!("/{}", "a".repeat(5000));
        assert!(!m("*a*a*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn paths_from_the_page_are_cleaned() {
        assert_eq!(clean_path("/etc/"), "etc");
        assert_eq!(clean_path("etc//passwd"), "etc/passwd");
        assert_eq!(clean_path("/"), "");
        assert_eq!(clean_path(" /a "), "a");
    }
}
