//! dive 0.13.1's efficiency figures, computed exactly as dive computes them.
//!
//! [dive](https://github.com/wagoodman/dive) reports three numbers for an image:
//! `efficiency` (a score in 0..=1), `wastedBytes` and `userWastedPercent`, plus a
//! list of "inefficient files". People compare images by them, so layerscope shows
//! them next to its own accounting, and this module recomputes them so that they
//! equal dive 0.13.1's own output on the same layers, quirks included. It depends
//! on nothing but `std`: the engine feeds it one [`DiveLayer`] per layer, in the
//! order dive reads them, and gets [`DiveFigures`] back.
//!
//! dive's figures are not an exact accounting of "bytes stored in layers that the
//! final filesystem does not show", and this module keeps every difference:
//!
//! - Every path that appears as a *leaf* of a layer's tree (a file, a link, an
//!   empty directory, a whiteout) in two or more layers is "inefficient", and its
//!   wasted bytes are the sum of *all* its copies, the one still visible included.
//!   A file rewritten with identical bytes counts like any other rewrite.
//! - A whiteout of a file counts 0 bytes; a whiteout of a directory counts the
//!   sizes of the whole lower subtree (directory entries included), but only if
//!   the stacked lower layers still record that path as a directory (a later
//!   layer that created a child without a directory entry erases that).
//! - Opaque markers (`.wh..wh..opq`) are dropped: the lower directory's contents
//!   stay visible to dive, so files hidden by an opaque directory are never waste.
//! - Files under a directory that a later layer deletes are counted inside the
//!   directory's whiteout, not as paths of their own.
//! - Duplicate entries inside one layer make one node (the last entry wins), but
//!   all of them add to the layer's size. Hard links and symlinks count their
//!   header size (0); the linked bytes are not charged to the link.
//! - A whiteout of a path that the lower layers do not have makes dive's tree
//!   visitor fail: the rest of that layer, in tree order, is never looked at, and
//!   the path enters the score with a minimum size of -1 byte.
//! - `userWastedPercent` divides by the sizes of all layers but the first, so an
//!   image whose later layers add no bytes gets NaN (0/0) or +inf.
//!
//! The precise algorithm, with a worked example, is in `docs/waste.md`; the
//! code below names the dive function each step mirrors.

use crate::fs::paths::{PathId, Paths};
use std::collections::HashMap;

/// One tar entry of a layer as dive sees it: one per header that Go's
/// `archive/tar` returns, in archive order. PAX `x` and GNU `L`/`K` meta
/// headers are not entries (Go merges them into the next header, as the `tar`
/// crate does); a PAX global header (`g`) makes dive reject the whole image, so
/// such a layer has no dive figures to match.
///
/// Fill it from the header as Go would report it: PAX records and GNU long
/// names applied, sparse files at their logical size. [`DiveEntry::from_tar_header`]
/// derives `is_dir` the way Go does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiveEntry {
    /// The header's name, raw (`./etc/`, `/usr//bin`, `a/../b`) or already
    /// cleaned: [`figures`] applies Go's `path.Clean` itself, as dive does
    /// (`getFileList` in `dive/image/docker/image_archive.go`), and cleaning is
    /// idempotent. Names that clean to `.` are skipped entirely, as dive skips
    /// them. Non-UTF-8 names must be converted (lossily): dive orders names by
    /// their bytes, so two names that differ only in invalid bytes may sort or
    /// merge differently than in dive.
    pub name: String,
    /// `header.FileInfo().IsDir()` in Go: typeflag `'5'`, or the mode's file-type
    /// bits equal to `S_IFDIR` (and Go's reader turns a V7 regular file whose
    /// name ends in `/` into a directory). See [`DiveEntry::from_tar_header`].
    pub is_dir: bool,
    /// `header.Size`: the size field as Go reports it (the PAX `size` record if
    /// there is one), for every type of entry. It is normally 0 for
    /// directories, symlinks and hard links, but dive takes whatever the header
    /// says.
    pub size: u64,
}

impl DiveEntry {
    /// An entry from raw tar header fields, with `is_dir` derived as Go's
    /// `archive/tar` derives `header.FileInfo().IsDir()`: typeflag `'5'`; a
    /// regular file of the old V7 kind (typeflag NUL) whose name ends in `/`;
    /// or a mode whose bits above the permission bits are exactly `0o40000`.
    pub fn from_tar_header(name: &str, typeflag: u8, mode: u64, size: u64) -> DiveEntry {
        const S_IFDIR: u64 = 0o40000;
        // Go converts the int64 mode to a 32-bit FileMode before masking.
        let file_type = (mode & 0xffff_ffff) & !0o7777;
        let is_dir =
            typeflag == b'5' || (typeflag == 0 && name.ends_with('/')) || file_type == S_IFDIR;
        DiveEntry {
            name: name.to_string(),
            is_dir,
            size,
        }
    }
}

/// The entries of one layer tar, in archive order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiveLayer {
    pub entries: Vec<DiveEntry>,
}

/// dive's figures for an image.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveFigures {
    /// dive's `efficiency`: the sum over every path of its smallest copy,
    /// divided by the sum of all copies; 1 when nothing was discovered.
    pub efficiency: f64,
    /// dive's `wastedBytes`: the sum of `cumulative_size` over `inefficiencies`.
    pub wasted_bytes: u64,
    /// dive's `userWastedPercent`, a ratio despite its name (the CLI prints it
    /// times 100): `wasted_bytes` divided by the sum of `layer_sizes` without
    /// the first. NaN or +inf when that sum is 0.
    pub user_wasted_percent: f64,
    /// dive's per-layer `Size`: the sum of the header sizes of every entry of the
    /// layer (directories, links, whiteouts and duplicates included; names
    /// that clean to `.` excluded).
    pub layer_sizes: Vec<u64>,
    /// The paths seen in two or more layers, in the order dive prints them (CI
    /// report, JSON `fileReference`): largest `cumulative_size` first, equal
    /// sizes in the order Go's unstable `sort.Sort` leaves them, reversed.
    pub inefficiencies: Vec<DiveInefficiency>,
}

/// One "inefficient file" of dive's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiveInefficiency {
    /// The path, absolute, as dive prints it (`/etc/passwd`).
    pub path: String,
    /// How many times the path was visited as a leaf, whiteouts included.
    pub count: usize,
    /// The sum of the sizes of all those visits.
    pub cumulative_size: u64,
}

/// Computes dive 0.13.1's figures for `layers`, lowest layer first.
pub fn figures(layers: &[DiveLayer]) -> DiveFigures {
    let mut paths = Paths::new();
    let layers: Vec<IdLayer> = layers
        .iter()
        .map(|layer| IdLayer {
            entries: layer
                .entries
                .iter()
                .filter_map(|e| IdEntry::new(&mut paths, &e.name, e.is_dir, e.size))
                .collect(),
        })
        .collect();
    figures_of(&mut paths, &layers)
}

/// A [`DiveEntry`] with its name interned: what the engine keeps of every
/// entry of every layer until the last one is read (16 bytes, not a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdEntry {
    /// The cleaned name as a path: the node of dive's tree it names
    /// (`dir/.wh.x` for a whiteout, `dir/.wh..wh..opq` for an opaque marker).
    pub node: PathId,
    pub is_dir: bool,
    pub size: u64,
}

impl IdEntry {
    /// `None` for a name that cleans to `.`, which dive skips entirely.
    pub fn new(paths: &mut Paths, name: &str, is_dir: bool, size: u64) -> Option<IdEntry> {
        let cleaned = go_path_clean(name);
        if cleaned == "." {
            return None;
        }
        // Cleaned names have no empty components but the root's.
        let mut node = PathId::ROOT;
        for part in cleaned.split('/').filter(|p| !p.is_empty()) {
            node = paths.child(node, part);
        }
        Some(IdEntry { node, is_dir, size })
    }
}

/// The entries of one layer tar, in archive order, names interned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdLayer {
    pub entries: Vec<IdEntry>,
}

/// [`figures`] over interned names (the paths of `paths`, which it may extend).
pub fn figures_of(paths: &mut Paths, layers: &[IdLayer]) -> DiveFigures {
    let mut tracker = Tracker::default();
    for layer in layers {
        tracker.push(paths, layer);
    }
    tracker.finish(paths)
}

const WHITEOUT_PREFIX: &str = ".wh.";
/// dive drops any path component with this prefix (file_tree.go `AddPath`,
/// file_node.go `AddChild`): opaque markers and AUFS metadata.
const DOUBLE_WHITEOUT_PREFIX: &str = ".wh..wh..";

/// What dive keeps of a tar header on a tree node (`FileInfo`). Nodes created
/// only as parents of a deeper path get the zero value: size 0, not a dir.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct NodeInfo {
    size: i64,
    is_dir: bool,
}

/// dive's `FileTree` while it is built or stacked: the nodes it has, by
/// interned path. A node is in the tree only with its parent (adding makes
/// parents, removing takes the subtree), so a path's id stands for dive's
/// walk from the root by names. A layer's tree is built in a [`Building`]
/// and then kept as a [`LayerTree`]; the stacked tree, which ends up holding
/// nearly all of the image's paths, in arrays by id ([`Dense`]).
#[derive(Debug, Clone, Default)]
struct Tree<S> {
    nodes: S,
}

/// Where a tree keeps its nodes while paths are added.
trait Store {
    fn has(&self, id: PathId) -> bool;
    fn put(&mut self, id: PathId, info: NodeInfo);
}

/// One bit per path id, all clear until set.
#[derive(Debug, Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn get(&self, id: PathId) -> bool {
        let i = id.index();
        self.0
            .get(i / 64)
            .is_some_and(|word| word >> (i % 64) & 1 != 0)
    }

    fn set(&mut self, id: PathId) {
        let i = id.index();
        if i / 64 >= self.0.len() {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
}

/// An int64 per path id in 4 bytes when it is from 0 to 4 GiB - 2 (every
/// size of an ordinary file); any other value (a larger file, dive's -1, a
/// size that wrapped negative) is kept aside. Unset ids read 0.
#[derive(Debug, Clone, Default)]
struct Int64s {
    small: Vec<u32>,
    aside: HashMap<PathId, i64>,
}

/// In `small`: the value is in `aside`.
const ASIDE: u32 = u32::MAX;

impl Int64s {
    fn get(&self, id: PathId) -> i64 {
        match self.small.get(id.index()) {
            Some(&ASIDE) => self.aside.get(&id).copied().unwrap_or(0),
            Some(&v) => i64::from(v),
            None => 0,
        }
    }

    fn set(&mut self, id: PathId, value: i64) {
        let i = id.index();
        if i >= self.small.len() {
            self.small.resize(i + 1, 0);
        }
        match u32::try_from(value) {
            Ok(v) if v != ASIDE => {
                if self.small[i] == ASIDE {
                    self.aside.remove(&id);
                }
                self.small[i] = v;
            }
            _ => {
                self.small[i] = ASIDE;
                self.aside.insert(id, value);
            }
        }
    }
}

/// Nodes by id: 5 bytes a path.
#[derive(Debug, Clone, Default)]
struct Dense {
    size: Int64s,
    /// Bit 0: present; bit 1: a directory.
    flags: Vec<u8>,
}

impl Dense {
    fn get(&self, id: PathId) -> Option<NodeInfo> {
        let f = *self.flags.get(id.index())?;
        (f & 1 != 0).then(|| NodeInfo {
            size: self.size.get(id),
            is_dir: f & 2 != 0,
        })
    }

    /// Whether it was there.
    fn take(&mut self, id: PathId) -> bool {
        match self.flags.get_mut(id.index()) {
            Some(f) if *f & 1 != 0 => {
                *f = 0;
                true
            }
            _ => false,
        }
    }
}

impl Store for Dense {
    fn has(&self, id: PathId) -> bool {
        self.flags.get(id.index()).is_some_and(|f| f & 1 != 0)
    }

    fn put(&mut self, id: PathId, info: NodeInfo) {
        let i = id.index();
        if i >= self.flags.len() {
            self.flags.resize(i + 1, 0);
        }
        self.size.set(id, info.size);
        self.flags[i] = 1 | if info.is_dir { 2 } else { 0 };
    }
}

/// A layer's tree while its entries are added: which paths it has (a bit
/// per path of the image), and its nodes in the order they were made. A
/// path given info again (named twice, or a directory named after a path
/// below it made it) has the later info in `again`: the last one wins.
#[derive(Debug, Default)]
struct Building {
    has: Bits,
    nodes: Vec<LayerNode>,
    again: HashMap<PathId, NodeInfo>,
}

impl Store for Building {
    fn has(&self, id: PathId) -> bool {
        self.has.get(id)
    }

    fn put(&mut self, id: PathId, info: NodeInfo) {
        if self.has.get(id) {
            self.again.insert(id, info);
        } else {
            self.has.set(id);
            self.nodes.push(LayerNode::new(id, info));
        }
    }
}

/// A node of a layer's tree: its [`NodeInfo`], packed with its id and
/// whether it is a leaf (16 bytes).
#[derive(Debug, Clone, Copy)]
struct LayerNode {
    size: i64,
    id: PathId,
    is_dir: bool,
    /// No node of the tree has it as parent: efficiency.go visits only these
    /// (`node.IsLeaf()`).
    leaf: bool,
}

impl LayerNode {
    fn new(id: PathId, info: NodeInfo) -> LayerNode {
        LayerNode {
            size: info.size,
            id,
            is_dir: info.is_dir,
            leaf: false,
        }
    }

    fn info(&self) -> NodeInfo {
        NodeInfo {
            size: self.size,
            is_dir: self.is_dir,
        }
    }
}

/// A layer's own tree, once built: it is only ever walked, in the order of
/// dive's `VisitDepthChildFirst` (its leaves when the layer comes, all of it
/// when it is stacked), so it is kept as a list, not a map.
#[derive(Debug, Default)]
struct LayerTree {
    /// Sorted by parent id, then by name bytes: the children of a node are
    /// one run, in the order dive visits them (`sort.Strings`).
    nodes: Vec<LayerNode>,
    /// Indices into `nodes` in walking order: children by name, each
    /// subtree before its parent.
    order: Vec<u32>,
}

/// The parent a node hangs from in a tree (the root for a top-level name).
fn parent_of(paths: &Paths, id: PathId) -> PathId {
    paths.parent(id).unwrap_or(PathId::ROOT)
}

/// Orders the nodes of a layer's tree (one that holds every parent of its
/// nodes but the root) as dive's `VisitDepthChildFirst` walks it: children
/// by name bytes (`sort.Strings`), each subtree before its parent. Sorts
/// `nodes` by (parent, name), so that a node's children are the run found by
/// binary search, and marks the leaves. By walking, not comparing paths: a
/// layer has tens of thousands of nodes.
fn walk_order(paths: &Paths, nodes: &mut [LayerNode]) -> Vec<u32> {
    nodes.sort_unstable_by(|a, b| {
        parent_of(paths, a.id)
            .cmp(&parent_of(paths, b.id))
            .then_with(|| paths.name(a.id).as_bytes().cmp(paths.name(b.id).as_bytes()))
    });
    let children = |nodes: &[LayerNode], parent: PathId| {
        let start = nodes.partition_point(|n| parent_of(paths, n.id) < parent);
        let len = nodes[start..].partition_point(|n| parent_of(paths, n.id) == parent);
        start..start + len
    };
    let mut order = Vec::with_capacity(nodes.len());
    // Each node on the way down (None for the root) with its children not
    // yet walked.
    let mut stack = vec![(None, children(nodes, PathId::ROOT))];
    while let Some((node, pending)) = stack.last_mut() {
        match pending.next() {
            Some(child) => {
                let grandchildren = children(nodes, nodes[child].id);
                nodes[child].leaf = grandchildren.is_empty();
                stack.push((Some(child as u32), grandchildren));
            }
            None => {
                order.extend(*node);
                stack.pop();
            }
        }
    }
    order
}

fn is_whiteout(paths: &Paths, node: PathId) -> bool {
    paths.name(node).starts_with(WHITEOUT_PREFIX)
}

/// The path `FileNode.Path` gives a node: `.wh.` trimmed from its own name.
/// Made if new (a whiteout's target may be a name no layer wrote).
fn record_path(paths: &mut Paths, node: PathId) -> PathId {
    match paths.name(node).strip_prefix(WHITEOUT_PREFIX) {
        Some(target) => {
            let target = target.to_string();
            let parent = paths.parent(node).unwrap_or(PathId::ROOT);
            paths.child(parent, &target)
        }
        None => node,
    }
}

impl LayerTree {
    /// `processLayerTar` + `getFileList` (image_archive.go): every header
    /// size adds to the layer size, every name is added as a path.
    fn from_layer(paths: &Paths, layer: &IdLayer) -> (LayerTree, u64) {
        let mut tree = Tree {
            nodes: Building {
                has: Bits(vec![0; paths.len().div_ceil(64)]),
                nodes: Vec::with_capacity(layer.entries.len()),
                again: HashMap::new(),
            },
        };
        let mut size = 0u64;
        for entry in &layer.entries {
            size = size.wrapping_add(entry.size);
            let info = NodeInfo {
                // Go's header.Size is an int64; a u64 above i64::MAX cannot come
                // from Go's reader, so wrapping here changes nothing real.
                size: entry.size as i64,
                is_dir: entry.is_dir,
            };
            tree.add_path(paths, entry.node, info);
        }
        let Building {
            mut nodes, again, ..
        } = tree.nodes;
        if !again.is_empty() {
            for node in &mut nodes {
                if let Some(info) = again.get(&node.id) {
                    *node = LayerNode::new(node.id, *info);
                }
            }
        }
        let order = walk_order(paths, &mut nodes);
        (LayerTree { nodes, order }, size)
    }

    /// Every node, each subtree before its parent, children in name order.
    fn depth_child_first(&self) -> impl Iterator<Item = &LayerNode> {
        self.order.iter().map(|i| &self.nodes[*i as usize])
    }
}

impl<S: Store> Tree<S> {
    /// `FileTree.AddPath`: walk or create each component (created parents get
    /// the zero `FileInfo`), stop silently at a missing component that starts
    /// with `.wh..wh..`, and put `info` on the last node, keeping its children.
    fn add_path(&mut self, paths: &Paths, node: PathId, info: NodeInfo) {
        if node == PathId::ROOT {
            return;
        }
        // The missing components, innermost first (usually none).
        let mut missing = Vec::new();
        let mut at = Some(node);
        while let Some(c) = at.filter(|c| *c != PathId::ROOT && !self.nodes.has(*c)) {
            missing.push(c);
            at = paths.parent(c);
        }
        for c in missing.into_iter().rev() {
            if paths.name(c).starts_with(DOUBLE_WHITEOUT_PREFIX) {
                return;
            }
            // dive gives the node itself the zero info too, and then `info`.
            if c != node {
                self.nodes.put(c, NodeInfo::default());
            }
        }
        self.nodes.put(node, info);
    }
}

impl Tree<Dense> {
    /// `FileTree.RemovePath`: the node and everything below it. A missing
    /// path or the root is a failure dive only logs: ignored.
    fn remove_path(&mut self, paths: &Paths, node: PathId) {
        if node == PathId::ROOT || !self.nodes.take(node) {
            return;
        }
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            for child in paths.children(n) {
                if self.nodes.take(child) {
                    stack.push(child);
                }
            }
        }
    }

    /// `FileTree.Stack`: visit every node of `upper` (not only leaves), child
    /// first; a whiteout removes its path here, anything else is added or has
    /// its info replaced (directories keep their children).
    fn stack(&mut self, paths: &mut Paths, upper: &LayerTree) {
        for node in upper.depth_child_first() {
            if is_whiteout(paths, node.id) {
                let target = record_path(paths, node.id);
                self.remove_path(paths, target);
            } else {
                self.add_path(paths, node.id, node.info());
            }
        }
    }

    /// The whiteout sizer of efficiency.go: the sizes of `node` and everything
    /// below it.
    fn subtree_size(&self, paths: &Paths, node: PathId) -> i64 {
        let mut sum = 0i64;
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if let Some(info) = self.nodes.get(n) {
                sum = sum.wrapping_add(info.size);
                stack.extend(paths.children(n));
            }
        }
        sum
    }
}

/// efficiency.go's per-path records (`EfficiencyData`: `CumulativeSize`,
/// `minDiscoveredSize`, `len(Nodes)`), and the two sums the score takes of
/// them, kept as they change. Most paths are visited once, so a path has
/// only its minimum here (8 bytes); the count and cumulative size are kept
/// only for the few visited twice or more, which are dive's inefficient
/// files. For the others they follow from `visited` and the minimum: a
/// record starts with minimum -1, which the first successful visit always
/// replaces (`minDiscoveredSize < 0`), so after one visit count is 1 and the
/// cumulative size is the minimum; before any, count and cumulative are 0.
/// The score's sums are updated at every visit (wrapping, so in any order
/// they end where efficiency.go's loop over the records ends): a visit adds
/// its size to `discovered`, and a new minimum replaces the old in `minimum`.
/// A 150k-path image needs about 0.6 MB here, not the 3.5 MB of a full record
/// (24 bytes) per path.
#[derive(Debug, Default)]
struct Records {
    /// Paths with a record: visited, if only by a visit that failed.
    exists: Bits,
    /// Paths with at least one successful visit.
    visited: Bits,
    /// `minDiscoveredSize` by path id, for visited paths (a record not yet
    /// visited has -1).
    min: Int64s,
    /// Paths in the order they reached their second visit (`len(Nodes) ==
    /// 2`), with their cumulative size and count.
    inefficient: Vec<(PathId, i64, u32)>,
    /// Where a path is in `inefficient`.
    index: HashMap<PathId, u32>,
    /// The sum of `min` over every record, wrapping as Go's int64 does.
    minimum: i64,
    /// The sum of every cumulative size: of every successful visit.
    discovered: i64,
}

impl Records {
    /// A visit of `path` begins: efficiency.go makes its record before
    /// sizing the node, so that a visit that fails leaves one (cumulative 0,
    /// minimum -1).
    fn open(&mut self, path: PathId) {
        if self.exists.get(path) {
            return;
        }
        self.exists.set(path);
        self.minimum = self.minimum.wrapping_sub(1);
    }

    /// The visit of `path` (opened) found `size` bytes.
    fn add(&mut self, path: PathId, size: i64) {
        let old = if self.visited.get(path) {
            self.min.get(path)
        } else {
            -1
        };
        if old < 0 || size < old {
            self.min.set(path, size);
            self.minimum = self.minimum.wrapping_sub(old).wrapping_add(size);
        }
        self.discovered = self.discovered.wrapping_add(size);
        if !self.visited.get(path) {
            self.visited.set(path);
        } else if let Some(&at) = self.index.get(&path) {
            let (_, cumulative, count) = &mut self.inefficient[at as usize];
            *cumulative = cumulative.wrapping_add(size);
            *count += 1;
        } else {
            // The second visit: the first one's size is the minimum it left.
            self.index.insert(path, self.inefficient.len() as u32);
            self.inefficient.push((path, old.wrapping_add(size), 2));
        }
    }
}

/// `filetree.Efficiency` (dive/filetree/efficiency.go), one layer at a time,
/// so that no layer's entries are kept: each layer's tree is built when it
/// comes and kept only until it is stacked onto the lower layers, when the
/// next one comes.
#[derive(Debug, Default)]
pub struct Tracker {
    layer_sizes: Vec<u64>,
    records: Records,
    /// StackTreeRange(trees, 0, k-1) while layer k is counted: a copy of
    /// layer 0 with layers 0..k-1 stacked on it (layer 0 twice, for k >= 1),
    /// where a whiteout looks its path up. Between layers, the last one is
    /// still in `previous`.
    stacked: Tree<Dense>,
    /// The last layer's tree, not yet stacked.
    previous: Option<LayerTree>,
}

impl Tracker {
    /// Counts the next layer (lowest first).
    pub fn push(&mut self, paths: &mut Paths, layer: &IdLayer) {
        // Stacking the last layer first, and dropping it, keeps one layer's
        // tree alive at a time.
        let first = match self.previous.take() {
            None => true,
            Some(previous) => {
                self.stacked.stack(paths, &previous);
                false
            }
        };
        let (tree, size) = LayerTree::from_layer(paths, layer);
        self.layer_sizes.push(size);
        if first {
            for node in &tree.nodes {
                self.stacked.nodes.put(node.id, node.info());
            }
        }
        // Only leaves are visited; the first failing visit ends the layer.
        for node in tree.depth_child_first().filter(|n| n.leaf) {
            let path = record_path(paths, node.id);
            self.records.open(path);
            let size = if is_whiteout(paths, node.id) {
                match self.stacked.nodes.get(path) {
                    // GetNode's error is returned by the visitor, which aborts
                    // VisitDepthChildFirst for the rest of this layer; the record
                    // just made stays (cumulative 0, minimum -1).
                    None => break,
                    Some(info) if info.is_dir => self.stacked.subtree_size(paths, path),
                    Some(_) => 0,
                }
            } else {
                node.size
            };
            self.records.add(path, size);
        }
        self.previous = Some(tree);
    }

    /// The figures, once every layer is counted.
    pub fn finish(self, paths: &Paths) -> DiveFigures {
        let Tracker {
            layer_sizes,
            records,
            ..
        } = self;
        let efficiency = if records.discovered == 0 {
            1.0
        } else {
            records.minimum as f64 / records.discovered as f64
        };

        let mut inefficiencies: Vec<DiveInefficiency> = records
            .inefficient
            .into_iter()
            .map(|(path, cumulative_size, count)| DiveInefficiency {
                count: count as usize,
                cumulative_size: cumulative_size as u64,
                path: format!("/{}", paths.path(path)),
            })
            .collect();
        // sort.Sort(EfficiencySlice) orders by CumulativeSize (as int64) ascending;
        // dive prints the slice from its end.
        go_sort(&mut inefficiencies, |a, b| {
            (a.cumulative_size as i64) < (b.cumulative_size as i64)
        });
        inefficiencies.reverse();

        // dive/image/analysis.go (Analyze): wasted bytes sum the cumulative sizes of
        // the inefficiencies; the "user" size is every layer but the first.
        let wasted_bytes = inefficiencies
            .iter()
            .fold(0u64, |sum, item| sum.wrapping_add(item.cumulative_size));
        let user_size = layer_sizes
            .iter()
            .skip(1)
            .fold(0u64, |sum, size| sum.wrapping_add(*size));
        let user_wasted_percent = wasted_bytes as f64 / user_size as f64;

        DiveFigures {
            efficiency,
            wasted_bytes,
            user_wasted_percent,
            layer_sizes,
            inefficiencies,
        }
    }
}

/// Go's `path.Clean`: collapse slashes, drop `.`, resolve `..` lexically (never
/// above a leading `/`), no trailing slash; `""` becomes `.`.
fn go_path_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `sort.Sort` as of Go 1.24.1, which dive 0.13.1 is built with:
/// pattern-defeating quicksort, not stable. Equal elements end up in an order
/// that only this exact algorithm reproduces, so it is followed step by step,
/// with indices into the whole slice as in Go. The pattern breaker's xorshift
/// uses the shifts (13, 7, 17); Go 1.19's (13, 17, 5) orders the 40 ties of
/// `tests/data/dive-synthetic/ties.tar` differently from dive.
fn go_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    if n <= 1 {
        return;
    }
    let mut sorter = GoSorter { data, less };
    let limit = bit_length(n);
    sorter.pdqsort(0, n, limit);
}

fn bit_length(n: usize) -> usize {
    (usize::BITS - n.leading_zeros()) as usize
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortedHint {
    Unknown,
    Increasing,
    Decreasing,
}

struct GoSorter<'a, T, F> {
    data: &'a mut [T],
    less: F,
}

impl<T, F: Fn(&T, &T) -> bool> GoSorter<'_, T, F> {
    fn less(&self, i: usize, j: usize) -> bool {
        (self.less)(&self.data[i], &self.data[j])
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.data.swap(i, j);
    }

    fn insertion_sort(&mut self, a: usize, b: usize) {
        for i in a + 1..b {
            let mut j = i;
            while j > a && self.less(j, j - 1) {
                self.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    fn sift_down(&mut self, lo: usize, hi: usize, first: usize) {
        let mut root = lo;
        loop {
            let mut child = 2 * root + 1;
            if child >= hi {
                return;
            }
            if child + 1 < hi && self.less(first + child, first + child + 1) {
                child += 1;
            }
            if !self.less(first + root, first + child) {
                return;
            }
            self.swap(first + root, first + child);
            root = child;
        }
    }

    fn heap_sort(&mut self, a: usize, b: usize) {
        let first = a;
        let hi = b - a;
        for i in (0..=(hi - 1) / 2).rev() {
            self.sift_down(i, hi, first);
        }
        for i in (0..hi).rev() {
            self.swap(first, first + i);
            self.sift_down(0, i, first);
        }
    }

    fn pdqsort(&mut self, mut a: usize, mut b: usize, mut limit: usize) {
        const MAX_INSERTION: usize = 12;
        let mut was_balanced = true;
        let mut was_partitioned = true;
        loop {
            let length = b - a;
            if length <= MAX_INSERTION {
                self.insertion_sort(a, b);
                return;
            }
            if limit == 0 {
                self.heap_sort(a, b);
                return;
            }
            if !was_balanced {
                self.break_patterns(a, b);
                limit -= 1;
            }
            let (mut pivot, mut hint) = self.choose_pivot(a, b);
            if hint == SortedHint::Decreasing {
                self.reverse_range(a, b);
                pivot = (b - 1) - (pivot - a);
                hint = SortedHint::Increasing;
            }
            if was_balanced
                && was_partitioned
                && hint == SortedHint::Increasing
                && self.partial_insertion_sort(a, b)
            {
                return;
            }
            if a > 0 && !self.less(a - 1, pivot) {
                a = self.partition_equal(a, b, pivot);
                continue;
            }
            let (mid, already_partitioned) = self.partition(a, b, pivot);
            was_partitioned = already_partitioned;
            let (left, right) = (mid - a, b - mid);
            let balance_threshold = length / 8;
            if left < right {
                was_balanced = left >= balance_threshold;
                self.pdqsort(a, mid, limit);
                a = mid + 1;
            } else {
                was_balanced = right >= balance_threshold;
                self.pdqsort(mid + 1, b, limit);
                b = mid;
            }
        }
    }

    fn partition(&mut self, a: usize, b: usize, pivot: usize) -> (usize, bool) {
        self.swap(a, pivot);
        let (mut i, mut j) = (a + 1, b - 1);
        while i <= j && self.less(i, a) {
            i += 1;
        }
        while i <= j && !self.less(j, a) {
            j -= 1;
        }
        if i > j {
            self.swap(j, a);
            return (j, true);
        }
        self.swap(i, j);
        i += 1;
        j -= 1;
        loop {
            while i <= j && self.less(i, a) {
                i += 1;
            }
            while i <= j && !self.less(j, a) {
                j -= 1;
            }
            if i > j {
                break;
            }
            self.swap(i, j);
            i += 1;
            j -= 1;
        }
        self.swap(j, a);
        (j, false)
    }

    fn partition_equal(&mut self, a: usize, b: usize, pivot: usize) -> usize {
        self.swap(a, pivot);
        let (mut i, mut j) = (a + 1, b - 1);
        loop {
            while i <= j && !self.less(a, i) {
                i += 1;
            }
            while i <= j && self.less(a, j) {
                j -= 1;
            }
            if i > j {
                break;
            }
            self.swap(i, j);
            i += 1;
            j -= 1;
        }
        i
    }

    fn partial_insertion_sort(&mut self, a: usize, b: usize) -> bool {
        const MAX_STEPS: usize = 5;
        const SHORTEST_SHIFTING: usize = 50;
        let mut i = a + 1;
        for _ in 0..MAX_STEPS {
            while i < b && !self.less(i, i - 1) {
                i += 1;
            }
            if i == b {
                return true;
            }
            if b - a < SHORTEST_SHIFTING {
                return false;
            }
            self.swap(i, i - 1);
            // Go shifts down to index 1 of the whole slice, not to `a`.
            if i - a >= 2 {
                let mut j = i - 1;
                while j >= 1 {
                    if !self.less(j, j - 1) {
                        break;
                    }
                    self.swap(j, j - 1);
                    j -= 1;
                }
            }
            if b - i >= 2 {
                for j in i + 1..b {
                    if !self.less(j, j - 1) {
                        break;
                    }
                    self.swap(j, j - 1);
                }
            }
        }
        false
    }

    fn break_patterns(&mut self, a: usize, b: usize) {
        let length = b - a;
        if length >= 8 {
            let mut random = length as u64;
            let modulus = 1usize << bit_length(length);
            let mid = a + (length / 4) * 2;
            for idx in mid - 1..=mid + 1 {
                // Go's xorshift64 (shifts 13, 7, 17), seeded with the length.
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                let mut other = (random as usize) & (modulus - 1);
                if other >= length {
                    other -= length;
                }
                self.swap(idx, a + other);
            }
        }
    }

    fn choose_pivot(&mut self, a: usize, b: usize) -> (usize, SortedHint) {
        const SHORTEST_NINTHER: usize = 50;
        const MAX_SWAPS: usize = 4 * 3;
        let l = b - a;
        let mut swaps = 0;
        let mut i = a + l / 4;
        let mut j = a + l / 4 * 2;
        let mut k = a + l / 4 * 3;
        if l >= 8 {
            if l >= SHORTEST_NINTHER {
                i = self.median_adjacent(i, &mut swaps);
                j = self.median_adjacent(j, &mut swaps);
                k = self.median_adjacent(k, &mut swaps);
            }
            j = self.median(i, j, k, &mut swaps);
        }
        let hint = match swaps {
            0 => SortedHint::Increasing,
            MAX_SWAPS => SortedHint::Decreasing,
            _ => SortedHint::Unknown,
        };
        (j, hint)
    }

    fn order2(&self, a: usize, b: usize, swaps: &mut usize) -> (usize, usize) {
        if self.less(b, a) {
            *swaps += 1;
            (b, a)
        } else {
            (a, b)
        }
    }

    fn median(&self, a: usize, b: usize, c: usize, swaps: &mut usize) -> usize {
        let (a, b) = self.order2(a, b, swaps);
        let (b, _c) = self.order2(b, c, swaps);
        let (_a, b) = self.order2(a, b, swaps);
        b
    }

    fn median_adjacent(&self, a: usize, swaps: &mut usize) -> usize {
        self.median(a - 1, a, a + 1, swaps)
    }

    fn reverse_range(&mut self, a: usize, b: usize) {
        let (mut i, mut j) = (a, b - 1);
        while i < j {
            self.swap(i, j);
            i += 1;
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> DiveEntry {
        DiveEntry {
            name: name.to_string(),
            is_dir: false,
            size,
        }
    }

    fn dir(name: &str) -> DiveEntry {
        DiveEntry {
            name: name.to_string(),
            is_dir: true,
            size: 0,
        }
    }

    fn layer(entries: Vec<DiveEntry>) -> DiveLayer {
        DiveLayer { entries }
    }

    fn listed(figures: &DiveFigures) -> Vec<(&str, usize, u64)> {
        figures
            .inefficiencies
            .iter()
            .map(|i| (i.path.as_str(), i.count, i.cumulative_size))
            .collect()
    }

    #[test]
    fn path_clean_matches_go() {
        // Expected values are Go's path.Clean outputs.
        for (input, expected) in [
            ("", "."),
            (".", "."),
            ("./", "."),
            ("./etc/", "etc"),
            ("/", "/"),
            ("//a//b/", "/a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("a/../..", ".."),
            ("../../x", "../../x"),
            ("/../x", "/x"),
            ("/..", "/"),
            ("a/b/../../..", ".."),
            ("z/../w", "w"),
        ] {
            assert_eq!(go_path_clean(input), expected, "Clean({input:?})");
        }
    }

    #[test]
    fn nothing_discovered_scores_one() {
        // efficiency.go: `if discoveredPathSizes == 0 { score = 1.0 }`.
        let figures = figures(&[]);
        assert_eq!(figures.efficiency, 1.0);
        assert_eq!(figures.wasted_bytes, 0);
        assert!(figures.user_wasted_percent.is_nan());

        let empty_files = figures_of(vec![layer(vec![file("a", 0)]), layer(vec![file("a", 0)])]);
        assert_eq!(empty_files.efficiency, 1.0);
        assert_eq!(listed(&empty_files), vec![("/a", 2, 0)]);
    }

    fn figures_of(layers: Vec<DiveLayer>) -> DiveFigures {
        figures(&layers)
    }

    #[test]
    fn rewrite_counts_every_copy() {
        // efficiency.go: CumulativeSize adds every visit, minDiscoveredSize keeps
        // the smallest; a path joins the list at its second visit.
        let f = figures_of(vec![
            layer(vec![file("a", 10), file("b", 1)]),
            layer(vec![file("a", 30)]),
            layer(vec![file("a", 20)]),
        ]);
        assert_eq!(listed(&f), vec![("/a", 3, 60)]);
        assert_eq!(f.wasted_bytes, 60);
        assert_eq!(f.efficiency, (10.0 + 1.0) / (60.0 + 1.0));
        // analysis.go: user size skips layer 0.
        assert_eq!(f.layer_sizes, vec![11, 30, 20]);
        assert_eq!(f.user_wasted_percent, 60.0 / 50.0);
    }

    #[test]
    fn file_whiteout_counts_zero_and_dir_whiteout_counts_subtree() {
        // efficiency.go: a whiteout sums the stacked lower node's subtree only if
        // that node IsDir; otherwise sizeBytes stays 0.
        let f = figures_of(vec![
            layer(vec![
                dir("d/"),
                file("d/x", 100),
                dir("d/s/"),
                file("d/s/y", 50),
                file("b", 7),
            ]),
            layer(vec![file(".wh.b", 0), file(".wh.d", 0)]),
            layer(vec![file("b", 1), file("d", 2)]),
        ]);
        assert_eq!(listed(&f), vec![("/d", 2, 152), ("/b", 3, 8)]);
    }

    #[test]
    fn implicit_parent_erases_directory_flag() {
        // file_tree.go AddPath gives created parents an empty FileInfo, and Stack
        // re-adds every upper node with its FileInfo: `p` stops being a dir.
        let f = figures_of(vec![
            layer(vec![dir("p/"), file("p/q", 8)]),
            layer(vec![file("p/r", 4)]),
            layer(vec![file(".wh.p", 0)]),
            layer(vec![file("p", 9)]),
        ]);
        assert_eq!(listed(&f), vec![("/p", 2, 9)]);
        // With an explicit `p/` in the middle layer the subtree is counted.
        let f = figures_of(vec![
            layer(vec![dir("p/"), file("p/q", 8)]),
            layer(vec![dir("p/"), file("p/r", 4)]),
            layer(vec![file(".wh.p", 0)]),
            layer(vec![file("p", 9)]),
        ]);
        assert_eq!(listed(&f), vec![("/p", 2, 21)]);
    }

    #[test]
    fn whiteout_of_missing_path_ends_the_layer_visit() {
        // efficiency.go: GetNode's error is returned by the visitor, so
        // VisitDepthChildFirst stops; the map entry stays with minimum -1.
        let f = figures_of(vec![
            layer(vec![file("b", 10), file("c", 20)]),
            layer(vec![file("a/.wh.gone", 0), file("b", 15), file("c", 25)]),
        ]);
        assert!(f.inefficiencies.is_empty());
        assert_eq!(f.efficiency, (10.0 + 20.0 - 1.0) / 30.0);
        // In layer 0 the lookup is in a copy of layer 0 itself.
        let f = figures_of(vec![
            layer(vec![file(".wh.ghost", 0), file("a", 5)]),
            layer(vec![file("a", 5)]),
        ]);
        assert!(f.inefficiencies.is_empty());
        assert_eq!(f.efficiency, (5.0 - 1.0) / 5.0);
    }

    #[test]
    fn first_layer_is_stacked_twice() {
        // efficiency.go calls StackTreeRange(trees, 0, k-1), which copies layer
        // 0 and then stacks layers 0..k-1 on the copy: layer 0's own whiteout
        // of "-x" (visited after "-x", which sorts first) removes it.
        let f = figures_of(vec![
            layer(vec![file("-x", 5), file(".wh.-x", 0)]),
            layer(vec![file(".wh.-x", 0), file("z", 1)]),
            layer(vec![file("z", 1)]),
        ]);
        assert_eq!(listed(&f), vec![("/-x", 2, 5)]);
        assert_eq!(f.efficiency, 1.0 / 6.0);
    }

    #[test]
    fn opaque_markers_are_ignored() {
        // file_tree.go AddPath returns early on a `.wh..wh..` component; the
        // marker's size still adds to the layer size.
        let f = figures_of(vec![
            layer(vec![dir("d/"), file("d/f", 30)]),
            layer(vec![dir("d/"), file("d/.wh..wh..opq", 3)]),
            layer(vec![file("d/f", 30)]),
        ]);
        assert_eq!(listed(&f), vec![("/d/f", 2, 60)]);
        assert_eq!(f.layer_sizes, vec![30, 3, 30]);
        // A marker alone creates its parent as an empty leaf, visited as such.
        let f = figures_of(vec![
            layer(vec![file("e/.wh..wh..opq", 0)]),
            layer(vec![file("e/.wh..wh..opq", 0)]),
        ]);
        assert_eq!(listed(&f), vec![("/e", 2, 0)]);
    }

    #[test]
    fn names_are_cleaned_and_dot_is_skipped() {
        // image_archive.go getFileList: path.Clean, `.` skipped before the size
        // is added; duplicates in a layer are one node, the last payload wins.
        let f = figures_of(vec![
            layer(vec![
                DiveEntry {
                    name: "./".into(),
                    is_dir: true,
                    size: 99,
                },
                file("x", 10),
                file("./x", 20),
                file("/y", 5),
                file("a//b/../c", 2),
            ]),
            layer(vec![file("x", 20), file("a/c", 2)]),
        ]);
        assert_eq!(listed(&f), vec![("/x", 2, 40), ("/a/c", 2, 4)]);
        assert_eq!(f.layer_sizes, vec![37, 22]);
    }

    #[test]
    fn whiteout_and_new_copy_in_one_layer_are_two_visits() {
        // Both `.wh.f` and `f` are leaves with Path() "/f".
        let f = figures_of(vec![
            layer(vec![file("f", 10)]),
            layer(vec![file(".wh.f", 0), file("f", 12)]),
        ]);
        assert_eq!(listed(&f), vec![("/f", 3, 22)]);
        assert_eq!(f.efficiency, 0.0);
    }

    #[test]
    fn only_leaves_are_visited() {
        // efficiency.go visitEvaluator: node.IsLeaf().
        let f = figures_of(vec![
            layer(vec![dir("etc/"), file("etc/passwd", 10)]),
            layer(vec![dir("etc/")]),
            layer(vec![dir("etc/")]),
        ]);
        assert_eq!(listed(&f), vec![("/etc", 2, 0)]);
    }

    #[test]
    fn links_count_their_header_size() {
        // file_info.go: Size is header.FileInfo().Size() for every type.
        let link = |name: &str| DiveEntry::from_tar_header(name, b'1', 0o644, 0);
        let f = figures_of(vec![
            layer(vec![file("f", 100), link("hl")]),
            layer(vec![file("f", 100), link("hl")]),
        ]);
        assert_eq!(listed(&f), vec![("/f", 2, 200), ("/hl", 2, 0)]);
    }

    #[test]
    fn is_dir_follows_go() {
        assert!(DiveEntry::from_tar_header("a", b'5', 0o755, 0).is_dir);
        assert!(DiveEntry::from_tar_header("a/", 0, 0o644, 0).is_dir);
        assert!(!DiveEntry::from_tar_header("a/", b'0', 0o644, 0).is_dir);
        assert!(DiveEntry::from_tar_header("a", b'0', 0o40755, 0).is_dir);
        assert!(!DiveEntry::from_tar_header("a", b'0', 0o100644, 0).is_dir);
    }

    #[test]
    fn order_is_ascending_sort_reversed() {
        // Fewer than 13 items: Go's pdqsort is an insertion sort (stable), so
        // ties keep the order in which paths reached two visits, then dive
        // prints from the end.
        let f = figures_of(vec![
            layer(vec![file("a", 1), file("b", 5), file("c", 1)]),
            layer(vec![file("a", 1), file("b", 5), file("c", 1)]),
        ]);
        assert_eq!(listed(&f), vec![("/b", 2, 10), ("/c", 2, 2), ("/a", 2, 2)]);
    }

    #[test]
    fn go_sort_sorts_and_matches_go_on_ties() {
        // Sorted output for many shapes of input.
        let mut state = 7u64;
        for len in 0..300 {
            let mut v: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) % 5, i)
                })
                .collect();
            go_sort(&mut v, |a, b| a.0 < b.0);
            assert!(v.windows(2).all(|w| w[0].0 <= w[1].0), "len {len}");
        }
        // Decreasing input takes the reverse path; all equal is left untouched.
        let mut v: Vec<u32> = (0..100).rev().collect();
        go_sort(&mut v, |a, b| a < b);
        assert_eq!(v, (0..100).collect::<Vec<u32>>());
        let mut v: Vec<(u8, usize)> = (0..100).map(|i| (1, i)).collect();
        go_sort(&mut v, |a, b| a.0 < b.0);
        assert!(v.iter().enumerate().all(|(i, x)| x.1 == i));
    }

    #[test]
    fn docs_worked_example() {
        // docs/waste.md walks through this image; dive 0.13.1 prints 89.7436 %,
        // 34 bytes, 45.9459 % for it (dive-synthetic/docs-worked-example.tar).
        let f = figures_of(vec![
            layer(vec![
                dir("etc/"),
                file("etc/conf", 10),
                file("bin/tool", 100),
            ]),
            layer(vec![
                dir("etc/"),
                file("etc/conf", 12),
                dir("cache/"),
                file("cache/big", 50),
            ]),
            layer(vec![
                file(".wh.cache", 0),
                dir("etc/"),
                file("etc/conf", 12),
            ]),
        ]);
        assert_eq!(f.layer_sizes, vec![110, 62, 12]);
        assert_eq!(listed(&f), vec![("/etc/conf", 3, 34)]);
        assert_eq!(f.efficiency, 210.0 / 234.0);
        assert_eq!(f.user_wasted_percent, 34.0 / 74.0);
    }

    #[test]
    fn deep_paths_do_not_overflow() {
        let deep = "d/".repeat(20_000) + "f";
        let f = figures_of(vec![
            layer(vec![file(&deep, 1)]),
            layer(vec![file(&deep, 1)]),
        ]);
        assert_eq!(f.wasted_bytes, 2);
    }
}
