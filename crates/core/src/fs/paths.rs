//! Every path an image names, stored once. A 100k-path image would otherwise
//! keep each full path as its own string in the union, in every change and in
//! every waste record; here a path is a [`PathId`] (4 bytes): its parent's id
//! and its last component, interned in one arena. Paths are the clean form of
//! `path.rs` (no leading `/`); the root is [`PathId::ROOT`] and is never in a
//! union. Ids are handed out in the order paths are first seen, so anything
//! shown to people is sorted with [`Paths::cmp`], which orders ids exactly as
//! their full path strings order byte by byte.

use std::cmp::Ordering;

/// A path interned in a [`Paths`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub u32);

impl PathId {
    pub const ROOT: PathId = PathId(0);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

const NONE: u32 = u32::MAX;

/// Room for a path's chain of ids without allocating.
struct Chain {
    inline: [u32; 64],
    heap: Vec<u32>,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            inline: [0; 64],
            heap: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    parent: u32,
    /// The last component starts here in `names` and ends where the next
    /// id's starts: names are added with their ids, in order.
    start: u32,
    first_child: u32,
    next_sibling: u32,
}

/// The path table: ids ↔ clean paths, with each path's children.
#[derive(Debug, Clone)]
pub struct Paths {
    names: String,
    slots: Vec<Slot>,
    /// Open addressing over (parent, name): 0 is an empty slot, anything else
    /// an id (the root, id 0, is never a child, so never stored).
    table: Vec<u32>,
}

impl Default for Paths {
    fn default() -> Self {
        Paths::new()
    }
}

fn hash(parent: u32, name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(name.as_bytes(), u64::from(parent))
}

impl Paths {
    pub fn new() -> Paths {
        Paths {
            names: String::new(),
            slots: vec![Slot {
                parent: NONE,
                start: 0,
                first_child: NONE,
                next_sibling: NONE,
            }],
            table: vec![0; 64],
        }
    }

    /// Ids in use, the root included: every id is below this.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.len() == 1
    }

    fn find(&self, parent: u32, name: &str) -> Result<u32, usize> {
        let mask = self.table.len() - 1;
        let mut at = hash(parent, name) as usize & mask;
        loop {
            match self.table[at] {
                0 => return Err(at),
                id => {
                    let s = &self.slots[id as usize];
                    if s.parent == parent && self.name_of(id as usize) == name {
                        return Ok(id);
                    }
                }
            }
            at = (at + 1) & mask;
        }
    }

    fn name_of(&self, id: usize) -> &str {
        let end = self
            .slots
            .get(id + 1)
            .map_or(self.names.len(), |next| next.start as usize);
        &self.names[self.slots[id].start as usize..end]
    }

    /// The child `name` of `parent`, made if it is new.
    pub fn child(&mut self, parent: PathId, name: &str) -> PathId {
        let at = match self.find(parent.0, name) {
            Ok(id) => return PathId(id),
            Err(at) => at,
        };
        let id = self.slots.len() as u32;
        // Grown by a quarter, not doubled: a large image's table is most of
        // what is kept, and a doubled vector is up to half empty.
        if self.slots.len() == self.slots.capacity() {
            self.slots.reserve_exact(self.slots.len() / 4 + 1024);
        }
        if self.names.len() + name.len() > self.names.capacity() {
            self.names
                .reserve_exact(self.names.len() / 4 + name.len() + 16 * 1024);
        }
        let p = &mut self.slots[parent.index()];
        let next_sibling = std::mem::replace(&mut p.first_child, id);
        self.slots.push(Slot {
            parent: parent.0,
            start: self.names.len() as u32,
            first_child: NONE,
            next_sibling,
        });
        self.names.push_str(name);
        self.table[at] = id;
        if self.slots.len() * 2 > self.table.len() {
            self.grow();
        }
        PathId(id)
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mut table = vec![0u32; size];
        for (id, s) in self.slots.iter().enumerate().skip(1) {
            let mut at = hash(s.parent, self.name_of(id)) as usize & (size - 1);
            while table[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            table[at] = id as u32;
        }
        self.table = table;
    }

    /// The id of a clean path, made (with its ancestors) if it is new.
    pub fn intern(&mut self, path: &str) -> PathId {
        let mut id = PathId::ROOT;
        if path.is_empty() {
            return id;
        }
        for name in path.split('/') {
            id = self.child(id, name);
        }
        id
    }

    /// The id of a clean path, if the table has it.
    pub fn get(&self, path: &str) -> Option<PathId> {
        let mut id = PathId::ROOT;
        if path.is_empty() {
            return Some(id);
        }
        for name in path.split('/') {
            id = PathId(self.find(id.0, name).ok()?);
        }
        Some(id)
    }

    /// The parent (None for the root).
    pub fn parent(&self, id: PathId) -> Option<PathId> {
        match self.slots[id.index()].parent {
            NONE => None,
            p => Some(PathId(p)),
        }
    }

    /// The last component (`""` for the root).
    pub fn name(&self, id: PathId) -> &str {
        self.name_of(id.index())
    }

    /// The ids ever made below `id`, in no particular order (whether a union
    /// has them is the union's business).
    pub fn children(&self, id: PathId) -> impl Iterator<Item = PathId> + '_ {
        let mut next = self.slots[id.index()].first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let id = next;
            next = self.slots[id as usize].next_sibling;
            Some(PathId(id))
        })
    }

    /// `id` and its ancestors up to (not including) the root, outermost
    /// first, in `buf` (no allocation for paths up to 64 deep).
    fn chain<'b>(&self, mut id: PathId, buf: &'b mut Chain) -> &'b [u32] {
        let mut at = buf.inline.len();
        while id != PathId::ROOT {
            if at == 0 {
                // Deeper than the inline room: the slow, allocating way.
                let mut all = Vec::new();
                while id != PathId::ROOT {
                    all.push(id.0);
                    id = PathId(self.slots[id.index()].parent);
                }
                all.reverse();
                all.extend_from_slice(&buf.inline);
                buf.heap = all;
                return &buf.heap;
            }
            at -= 1;
            buf.inline[at] = id.0;
            id = PathId(self.slots[id.index()].parent);
        }
        &buf.inline[at..]
    }

    /// The clean path (no leading `/`; `""` for the root).
    pub fn path(&self, id: PathId) -> String {
        let mut out = String::new();
        self.write_path(id, &mut out);
        out
    }

    /// Appends the clean path of `id` to `out`.
    pub fn write_path(&self, id: PathId, out: &mut String) {
        let mut buf = Chain::default();
        let chain = self.chain(id, &mut buf);
        for (i, c) in chain.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(self.name(PathId(*c)));
        }
    }

    /// Orders two ids as their full clean paths order, byte by byte (so `a`,
    /// `a-b`, `a/x`: `-` is below `/`).
    pub fn cmp(&self, a: PathId, b: PathId) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        let (mut ba, mut bb) = (Chain::default(), Chain::default());
        let (ca, cb) = (self.chain(a, &mut ba), self.chain(b, &mut bb));
        let i = ca.iter().zip(cb).take_while(|(x, y)| x == y).count();
        let (Some(&xa), Some(&xb)) = (ca.get(i), cb.get(i)) else {
            // One is an ancestor of the other: the shorter path is a prefix.
            return ca.len().cmp(&cb.len());
        };
        // Siblings with different names: compare "name[/rest]" byte by byte.
        let (na, nb) = (
            self.name(PathId(xa)).as_bytes(),
            self.name(PathId(xb)).as_bytes(),
        );
        let common = na.len().min(nb.len());
        match na[..common].cmp(&nb[..common]) {
            Ordering::Equal => {}
            other => return other,
        }
        // One name is a prefix of the other; what follows it is `/` if the
        // path goes deeper, or nothing.
        let next = |chain: &[u32], name: &[u8]| -> Option<u8> {
            match name.get(common) {
                Some(&c) => Some(c),
                None if chain.len() > i + 1 => Some(b'/'),
                None => None,
            }
        };
        next(ca, na).cmp(&next(cb, nb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_and_get_round_trip() {
        let mut p = Paths::new();
        let a = p.intern("usr/bin/env");
        assert_eq!(p.path(a), "usr/bin/env");
        assert_eq!(p.get("usr/bin/env"), Some(a));
        assert_eq!(p.get("usr/bin"), p.parent(a));
        assert_eq!(p.get("usr/lib"), None);
        assert_eq!(p.intern("usr/bin/env"), a);
        assert_eq!(p.get(""), Some(PathId::ROOT));
        assert_eq!(p.name(a), "env");
        let bin = p.get("usr/bin").unwrap();
        let ls = p.intern("usr/bin/ls");
        let mut kids: Vec<_> = p.children(bin).collect();
        kids.sort();
        assert_eq!(kids, [a, ls]);
    }

    #[test]
    fn many_paths_survive_growth() {
        let mut p = Paths::new();
        let ids: Vec<_> = (0..5000)
            .map(|i| p.intern(&format!("d{}/f{i}", i % 7)))
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(p.get(&format!("d{}/f{i}", i % 7)), Some(*id));
        }
    }

    #[test]
    fn deep_paths_beyond_the_inline_room() {
        let mut p = Paths::new();
        let deep: Vec<String> = (0..100).map(|i| format!("d{i}")).collect();
        let a = p.intern(&format!("{}/a", deep.join("/")));
        let b = p.intern(&format!("{}/b", deep.join("/")));
        let c = p.intern(&deep[..70].join("/"));
        assert_eq!(p.path(a), format!("{}/a", deep.join("/")));
        assert_eq!(p.cmp(a, b), Ordering::Less);
        assert_eq!(p.cmp(b, a), Ordering::Greater);
        assert_eq!(p.cmp(c, a), Ordering::Less);
    }

    #[test]
    fn order_is_byte_order_of_the_full_path() {
        let names = [
            "a", "a-b", "a/x", "a/x/y", "a.b", "a0", "ab", "b", "a/x-", "a/x.y", "é", "a/", "z/a",
            "z-/a", "z/-", "zz",
        ];
        let mut p = Paths::new();
        let mut ids: Vec<(String, PathId)> = names
            .iter()
            .map(|n| n.trim_end_matches('/'))
            .map(|n| (n.to_string(), p.intern(n)))
            .collect();
        ids.dedup_by(|a, b| a.0 == b.0);
        let mut by_string = ids.clone();
        by_string.sort_by(|a, b| a.0.cmp(&b.0));
        let mut by_id = ids.clone();
        by_id.sort_by(|a, b| p.cmp(a.1, b.1));
        assert_eq!(by_id, by_string);
    }
}
