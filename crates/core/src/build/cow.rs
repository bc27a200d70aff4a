//! The copy-on-write container layer on top of an analysed image: what
//! `docker run` gives a container, an overlayfs upper directory over the
//! image's union. Plain data, no IO: a [`Container`] remembers what was
//! edited, deleted and created, and answers with the words a teacher shows.
//!
//! The rules are overlayfs's (as Docker's overlay2 driver uses it):
//!
//! * a write to a file of the image copies the *whole* file up into the
//!   container layer first (one changed byte costs the file's full size);
//!   a file already in the container layer is written in place;
//! * deleting a path of the image puts a whiteout in the container layer:
//!   0 bytes, it hides the lower copy, whose bytes stay in the image layers;
//!   deleting a directory hides its whole subtree;
//! * deleting what only the container created just removes it;
//! * a new file goes into the container layer; a deleted path may be
//!   created again (the new file replaces the whiteout and hides the lower copy);
//! * copy-up breaks a hard link: only the name written is copied up (overlayfs
//!   without `index=on`, Docker's default), the other names keep the old bytes.
//!
//! Symlinks are followed as the kernel follows them: in every directory of a
//! path, and for an edit (a write opens the target) in the last component too.
//! Sizes are file bytes; the directories overlayfs makes in the upper dir to
//! hold a copied-up file (metadata only) are not counted, nor listed in
//! [`Container::ops`], but [`Container::entries`] marks them modified, as
//! `docker diff` does (`C /etc` beside `C /etc/hosts`).
//!
//! Layers are 0-based, as everywhere in the engine; the container layer's
//! nodes carry `layer == analysis.layers.len()` (one above the top layer).

use crate::analysis::Analysis;
use crate::fs::node::{FileKind, Node};
use crate::fs::overlay::find_change;
use crate::fs::path;
use crate::fs::paths::PathId;
use crate::human::bytes;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// Symlinks followed in one path before giving up (Linux's `ELOOP` limit).
const MAX_LINKS: usize = 40;

/// The writable layer of a container over one [`Analysis`]. Keep one per
/// analysis: it refers to the analysis's nodes (reset it when another image
/// is opened).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// What the upper directory holds, by clean path. Invariant: nothing is
    /// stored below a whiteout, nor below a file.
    upper: BTreeMap<String, Upper>,
}

/// One entry of the upper directory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Upper {
    /// A file of the image, copied up whole before a write.
    CopiedUp(Node),
    /// A file the container made.
    Created(u64),
    /// Hides the image's path (and, for a directory, everything below it).
    Whiteout,
}

/// What one entry of the container layer is, as [`Container::ops`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// A file of the image copied up whole before it was written.
    CopiedUp,
    /// A whiteout hiding the image's path (0 bytes in the container layer).
    Whiteout,
    /// A file the container created.
    Created,
}

impl OpKind {
    pub fn name(self) -> &'static str {
        match self {
            OpKind::CopiedUp => "copied up",
            OpKind::Whiteout => "whiteout",
            OpKind::Created => "created",
        }
    }
}

/// One entry of the container layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Clean path (no leading `/`).
    pub path: String,
    pub kind: OpKind,
    /// Bytes it takes in the container layer (0 for a whiteout).
    pub size: u64,
    /// The image layer whose copy was copied up or is hidden.
    pub layer: Option<usize>,
    /// For a whiteout: bytes of regular files it hides, still stored in the image layers.
    pub hidden: u64,
}

/// What an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A file of the image was copied up whole, then written.
    CopiedUp,
    /// The file was already in the container layer: written in place, no new cost.
    WrittenInPlace,
    /// A whiteout now hides the image's copy.
    Whiteout,
    /// A file only the container had was removed: nothing left to hide.
    Removed,
    /// A new file in the container layer.
    Created,
}

/// The answer to [`Container::edit`], [`Container::delete`] or [`Container::create`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The clean path acted on (a symlink's target, for an edit through a link).
    pub path: String,
    pub action: Action,
    /// Bytes the operation added to the container layer.
    pub added: u64,
    /// Bytes the operation took out of the container layer.
    pub freed: u64,
    /// The container layer's size afterwards.
    pub size: u64,
    /// The image layer whose copy was copied up or hidden.
    pub layer: Option<usize>,
    /// Bytes of the image a read no longer sees; they stay in the image layers.
    pub hidden: u64,
    /// For a copy-up of a hard-linked file: the other names of the file,
    /// which keep the old bytes (clean paths, sorted).
    pub hard_links: Vec<String>,
    /// One sentence in plain words for people.
    pub explanation: String,
}

/// Why an operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CowErrorKind {
    /// The root itself, or a name that climbs out of it.
    BadPath,
    /// Neither the image nor the container has the path.
    NotFound,
    /// The path was deleted (a whiteout in the container layer hides it).
    Deleted,
    /// An edit of a directory.
    IsDirectory,
    /// An edit of a device, fifo or socket.
    NotRegular,
    /// A create over a path that exists.
    Exists,
    /// A create whose parent directory does not exist or is not a directory.
    NoParent,
    /// Too many symlinks, or one whose target does not exist.
    Link,
}

/// A refused operation, with a message naming the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CowError {
    pub kind: CowErrorKind,
    /// The path as given, cleaned when it could be.
    pub path: String,
    pub message: String,
}

impl CowError {
    fn new(kind: CowErrorKind, path: &str, message: String) -> CowError {
        CowError {
            kind,
            path: path.to_string(),
            message,
        }
    }
}

impl fmt::Display for CowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CowError {}

/// How the union view with the container on top differs from the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Only the container has it.
    Added,
    /// The container changed it (copied up, or created over a deleted path),
    /// or, for a directory, something below it.
    Modified,
    /// Hidden by a whiteout in the container layer.
    Removed,
}

/// One path of the union view with the container on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEntry<'a> {
    /// Clean path (no leading `/`).
    pub path: String,
    /// What a read sees; for a removed path, the image's copy that is hidden.
    pub node: Cow<'a, Node>,
    /// None when the container did not touch it.
    pub mark: Option<Mark>,
}

/// A level a read consults: the container layer or one image layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Container,
    /// 0-based image layer.
    Layer(usize),
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Container => f.write_str("the container layer"),
            Level::Layer(n) => write!(f, "layer {n}"),
        }
    }
}

/// What a read finds at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No entry here: the read goes on to the level below.
    Nothing,
    /// The copy the read returns (for a directory: the one that gives its attributes).
    Read,
    /// Also has the directory: its entries are merged into the listing.
    Merged,
    /// Deleted here (a whiteout, or a deleted or replaced parent): the read stops, nothing is there.
    Deleted,
    /// Below where the read stopped: never consulted (a copy here is stored but never seen).
    NotReached,
}

/// One level of a read, top-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look<'a> {
    pub level: Level,
    pub found: Found,
    /// The copy this level holds, if any.
    pub node: Option<Cow<'a, Node>>,
    /// What happens here, in plain words.
    pub note: String,
}

/// How a read of one path falls through the levels, top-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadState<'a> {
    /// Clean path (no leading `/`).
    pub path: String,
    /// What the read returns; None when nothing is there.
    pub node: Option<Cow<'a, Node>>,
    /// The level whose copy is returned.
    pub from: Option<Level>,
    /// The container layer, then every image layer from the top down.
    pub levels: Vec<Look<'a>>,
    /// One sentence in plain words for people.
    pub explanation: String,
}

/// What the union with the container on top has at a path.
enum Seen<'a> {
    Upper(&'a Upper),
    Image(&'a Node),
    /// Hidden by the container's whiteout at `by` (the path or a directory above it).
    WhitedOut {
        by: String,
    },
    /// A directory above is a file of the container layer.
    UnderFile {
        file: String,
    },
    Missing,
}

fn show(p: &str) -> String {
    path::display(p)
}

/// `path` cleaned as the kernel reads it (`..` at the root stays at the root).
fn clean_input(given: &str) -> Result<String, CowError> {
    match path::clean(given) {
        path::Cleaned::Path(p) => Ok(p),
        path::Cleaned::Root => Err(CowError::new(
            CowErrorKind::BadPath,
            "",
            "the root directory / cannot be edited, deleted or created".to_string(),
        )),
        path::Cleaned::Escapes => Err(CowError::new(
            CowErrorKind::BadPath,
            given,
            format!("{given} climbs above the root; give a path inside the image"),
        )),
    }
}

impl Container {
    pub fn new() -> Container {
        Container::default()
    }

    /// Back to the image: the container layer is emptied.
    pub fn reset(&mut self) {
        self.upper.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.upper.is_empty()
    }

    /// Bytes in the container layer: copied-up and created files.
    pub fn size(&self) -> u64 {
        self.upper
            .values()
            .map(|u| match u {
                Upper::CopiedUp(n) => n.size,
                Upper::Created(size) => *size,
                Upper::Whiteout => 0,
            })
            .sum()
    }

    /// What the container layer holds, sorted by path.
    pub fn ops(&self, a: &Analysis) -> Vec<Op> {
        self.upper
            .iter()
            .map(|(p, u)| match u {
                Upper::CopiedUp(n) => Op {
                    path: p.clone(),
                    kind: OpKind::CopiedUp,
                    size: n.size,
                    layer: a.file(p).map(|l| l.layer as usize),
                    hidden: 0,
                },
                Upper::Created(size) => Op {
                    path: p.clone(),
                    kind: OpKind::Created,
                    size: *size,
                    layer: None,
                    hidden: 0,
                },
                Upper::Whiteout => Op {
                    path: p.clone(),
                    kind: OpKind::Whiteout,
                    size: 0,
                    layer: a.file(p).map(|l| l.layer as usize),
                    hidden: image_bytes_under(a, p),
                },
            })
            .collect()
    }

    /// What the union with the container on top has at a clean path.
    fn seen<'a>(&'a self, a: &'a Analysis, p: &str) -> Seen<'a> {
        if let Some(u) = self.upper.get(p) {
            return match u {
                Upper::Whiteout => Seen::WhitedOut { by: p.to_string() },
                u => Seen::Upper(u),
            };
        }
        for dir in path::ancestors(p) {
            match self.upper.get(dir) {
                Some(Upper::Whiteout) => {
                    return Seen::WhitedOut {
                        by: dir.to_string(),
                    }
                }
                Some(_) => {
                    return Seen::UnderFile {
                        file: dir.to_string(),
                    }
                }
                None => {}
            }
        }
        match a.file(p) {
            Some(n) => Seen::Image(n),
            None => Seen::Missing,
        }
    }

    /// Follows symlinks in the directories of `p` (and in its last component
    /// when `last`), as the kernel does on open.
    fn resolve(&self, a: &Analysis, given: &str, last: bool) -> Result<String, CowError> {
        let mut todo: Vec<String> = given.split('/').rev().map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(c);
            if todo.is_empty() && !last {
                break;
            }
            let here = done.join("/");
            let Seen::Image(node) = self.seen(a, &here) else {
                continue;
            };
            let Some(target) = node.link().filter(|_| node.kind == FileKind::Symlink) else {
                continue;
            };
            links += 1;
            if links > MAX_LINKS {
                return Err(CowError::new(
                    CowErrorKind::Link,
                    given,
                    format!(
                        "{} goes through more than {MAX_LINKS} symlinks (a loop?)",
                        show(given)
                    ),
                ));
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            todo.extend(target.split('/').rev().map(str::to_string));
        }
        Ok(done.join("/"))
    }

    /// Writes to a file: a file of the image is copied up whole first (its
    /// full size, however little changes); a file already in the container
    /// layer is written in place at no new cost. An edit through a symlink
    /// writes its target.
    pub fn edit(&mut self, a: &Analysis, given: &str) -> Result<Outcome, CowError> {
        let p = clean_input(given)?;
        let target = self.resolve(a, &p, true)?;
        let via = if target != p {
            format!(
                "{} leads through a symlink to {}, so the write goes there: ",
                show(&p),
                show(&target)
            )
        } else {
            String::new()
        };
        if target.is_empty() {
            return Err(CowError::new(
                CowErrorKind::IsDirectory,
                &p,
                format!(
                    "{} leads to the root directory, which cannot be edited",
                    show(&p)
                ),
            ));
        }
        let t = show(&target);
        match self.seen(a, &target) {
            Seen::Upper(u) => {
                let size = self.size();
                let what = match u {
                    Upper::Created(_) => "was created in the container layer",
                    _ => "was already copied up",
                };
                Ok(Outcome {
                    path: target.clone(),
                    action: Action::WrittenInPlace,
                    added: 0,
                    freed: 0,
                    size,
                    layer: None,
                    hidden: 0,
                    hard_links: Vec::new(),
                    explanation: format!(
                        "{via}{t} {what}, so it is written in place at no extra cost; the container layer stays {}.",
                        bytes(size)
                    ),
                })
            }
            Seen::WhitedOut { by } => Err(deleted(&target, &by)),
            Seen::UnderFile { file } => Err(under_file(&target, &file)),
            Seen::Missing if target != p => Err(CowError::new(
                CowErrorKind::Link,
                &p,
                format!(
                    "{} leads through a symlink to {t}, which does not exist; create it instead",
                    show(&p)
                ),
            )),
            Seen::Missing => Err(not_found(&target, "edit")),
            Seen::Image(node) => match node.kind {
                FileKind::Regular => {
                    let links = hard_links(self, a, &target, node);
                    let layer = node.layer as usize;
                    let mut copy = node.clone();
                    copy.layer = a.layers.len() as u32;
                    copy.data = None;
                    copy.implicit = false;
                    copy.set_hardlink(None);
                    // A stand-in hash that differs from the image's: the write changed the bytes.
                    copy.content = !node.content;
                    let cost = node.size;
                    self.upper.insert(target.clone(), Upper::CopiedUp(copy));
                    let size = self.size();
                    let mut explanation = format!(
                        "{via}{t} was copied up whole from layer {layer} ({}) before the write",
                        bytes(cost)
                    );
                    if !links.is_empty() {
                        let names: Vec<String> = links.iter().map(|l| show(l)).collect();
                        explanation.push_str(&format!(
                            ", which breaks its hard link: {} keep{} the old bytes",
                            names.join(", "),
                            if names.len() == 1 { "s" } else { "" }
                        ));
                    }
                    explanation.push_str(&format!(
                        "; the container layer is now {}.",
                        bytes(size)
                    ));
                    Ok(Outcome {
                        path: target,
                        action: Action::CopiedUp,
                        added: cost,
                        freed: 0,
                        size,
                        layer: Some(layer),
                        hidden: 0,
                        hard_links: links,
                        explanation,
                    })
                }
                FileKind::Dir => Err(CowError::new(
                    CowErrorKind::IsDirectory,
                    &target,
                    format!("{via}{t} is a directory; edit a file in it, or create one"),
                )),
                kind => Err(CowError::new(
                    CowErrorKind::NotRegular,
                    &target,
                    format!(
                        "{via}{t} is a {}, not a regular file; writing to it does not copy anything up",
                        kind.name()
                    ),
                )),
            },
        }
    }

    /// Deletes a path: one of the image gets a whiteout (0 bytes; its bytes
    /// stay in the image layers; a directory's whole subtree is hidden), one
    /// only the container made is just removed. A symlink is deleted itself,
    /// not its target.
    pub fn delete(&mut self, a: &Analysis, given: &str) -> Result<Outcome, CowError> {
        let p = clean_input(given)?;
        let p = self.resolve(a, &p, false)?;
        if p.is_empty() {
            return Err(clean_input("/").unwrap_err());
        }
        let shown = show(&p);
        let in_image = a.file(&p);
        let (was, freed) = match self.seen(a, &p) {
            Seen::WhitedOut { by } => return Err(deleted(&p, &by)),
            Seen::UnderFile { file } => return Err(under_file(&p, &file)),
            Seen::Missing => return Err(not_found(&p, "delete")),
            Seen::Upper(Upper::CopiedUp(n)) => ("copied up", n.size),
            Seen::Upper(Upper::Created(size)) => ("created", *size),
            Seen::Upper(Upper::Whiteout) => unreachable!("seen() reports whiteouts as WhitedOut"),
            Seen::Image(_) => ("image", 0),
        };
        // Whatever the container had below it goes too.
        let below: Vec<String> = self
            .upper
            .range(format!("{p}/")..)
            .take_while(|(k, _)| k.starts_with(&format!("{p}/")))
            .map(|(k, _)| k.clone())
            .collect();
        let before = self.size();
        let hidden_before = match was {
            "image" => self.visible_image_bytes(a, &p),
            _ => 0,
        };
        for k in &below {
            self.upper.remove(k);
        }
        let size_below = before - self.size();
        let freed = freed + size_below;
        let Some(lower) = in_image else {
            self.upper.remove(&p);
            let size = self.size();
            return Ok(Outcome {
                path: p,
                action: Action::Removed,
                added: 0,
                freed,
                size,
                layer: None,
                hidden: 0,
                hard_links: Vec::new(),
                explanation: format!(
                    "{shown} was only in the container layer, so it is simply removed (no whiteout needed: no image layer has it); the container layer is now {}.",
                    bytes(size)
                ),
            });
        };
        let layer = lower.layer as usize;
        let hidden = match was {
            "image" => hidden_before,
            // The image's copy was already hidden by the one in the container.
            _ => 0,
        };
        self.upper.insert(p.clone(), Upper::Whiteout);
        let size = self.size();
        let stored = bytes(image_bytes_under(a, &p));
        let hides = if lower.is_dir() {
            format!("it hides the directory and everything in it, but their {stored} stay stored in the image layers")
        } else {
            format!("it hides layer {layer}'s copy, but its {stored} stay stored there")
        };
        let size_words = if freed > 0 {
            format!("is now {}", bytes(size))
        } else {
            format!("stays {}", bytes(size))
        };
        let explanation = match was {
            "image" if freed > 0 => format!(
                "A whiteout for {shown} was put in the container layer (0 bytes) and what the container wrote inside it ({}) is gone: {hides}; the container layer {size_words}.",
                bytes(freed)
            ),
            "image" => format!(
                "A whiteout for {shown} was put in the container layer (0 bytes): {hides}; the container layer {size_words}."
            ),
            _ => format!(
                "The {was} {shown} was dropped from the container layer ({} freed) and a whiteout takes its place: {hides}; the container layer {size_words}.",
                bytes(freed)
            ),
        };
        Ok(Outcome {
            path: p,
            action: Action::Whiteout,
            added: 0,
            freed,
            size,
            layer: Some(layer),
            hidden,
            hard_links: Vec::new(),
            explanation,
        })
    }

    /// Creates a new regular file of `size` bytes in the container layer.
    /// Its parent must be a directory; a path that exists is refused; a path
    /// that was deleted may be created again.
    pub fn create(&mut self, a: &Analysis, given: &str, size: u64) -> Result<Outcome, CowError> {
        let p = clean_input(given)?;
        let p = self.resolve(a, &p, false)?;
        if p.is_empty() {
            return Err(clean_input("/").unwrap_err());
        }
        let shown = show(&p);
        let parent = path::parent(&p);
        if !parent.is_empty() {
            let parent_ok = match self.seen(a, parent) {
                Seen::Image(n) => n.is_dir(),
                _ => false,
            };
            if !parent_ok {
                let why = match self.seen(a, parent) {
                    Seen::Image(n) => format!("is a {}, not a directory", n.kind.name()),
                    Seen::Upper(_) => "is a file, not a directory".to_string(),
                    Seen::WhitedOut { .. } => "was deleted".to_string(),
                    _ => "does not exist".to_string(),
                };
                return Err(CowError::new(
                    CowErrorKind::NoParent,
                    &p,
                    format!(
                        "cannot create {shown}: its directory {} {why}",
                        show(parent)
                    ),
                ));
            }
        }
        let over_whiteout = match self.seen(a, &p) {
            Seen::WhitedOut { .. } => true,
            Seen::Missing => false,
            Seen::Upper(_) | Seen::Image(_) => {
                return Err(CowError::new(
                    CowErrorKind::Exists,
                    &p,
                    format!("{shown} already exists; edit it instead"),
                ))
            }
            Seen::UnderFile { file } => return Err(under_file(&p, &file)),
        };
        self.upper.insert(p.clone(), Upper::Created(size));
        let total = self.size();
        let explanation = if over_whiteout {
            let layer = a.file(&p).map(|n| n.layer).unwrap_or_default();
            format!(
                "{shown} was created again in the container layer ({}): the new file replaces the whiteout and still hides layer {layer}'s old copy; the container layer is now {}.",
                bytes(size),
                bytes(total)
            )
        } else {
            format!(
                "{shown} was created in the container layer ({}); the container layer is now {}.",
                bytes(size),
                bytes(total)
            )
        };
        Ok(Outcome {
            path: p,
            action: Action::Created,
            added: size,
            freed: 0,
            size: total,
            layer: None,
            hidden: 0,
            hard_links: Vec::new(),
            explanation,
        })
    }

    /// Bytes of the image's regular files at or below `p` that a read sees now.
    fn visible_image_bytes(&self, a: &Analysis, p: &str) -> u64 {
        let Some(id) = a.lookup(p) else { return 0 };
        let mut total = 0;
        let mut stack = vec![(id, p.to_string())];
        while let Some((id, name)) = stack.pop() {
            let Some(n) = a.union.get(id) else { continue };
            if self.upper.contains_key(&name) {
                continue;
            }
            let node = a.node(n);
            if node.kind == FileKind::Regular {
                total += node.size;
            }
            for kid in a.files.paths.children(id) {
                stack.push((kid, path::join(&name, a.files.paths.name(kid))));
            }
        }
        total
    }

    /// The union view with the container on top, sorted by path: every path
    /// of the image (those the container deleted marked [`Mark::Removed`],
    /// with the hidden node) and every file the container created.
    pub fn entries<'a>(&'a self, a: &'a Analysis) -> Vec<ViewEntry<'a>> {
        let top = a.layers.len() as u32;
        // Directories above anything in the container layer: `docker diff` shows them changed.
        let mut touched: std::collections::BTreeSet<&str> = Default::default();
        for k in self.upper.keys() {
            touched.extend(path::ancestors(k));
        }
        let mut out: Vec<ViewEntry<'a>> = Vec::with_capacity(a.union.len());
        let mut added = self
            .upper
            .iter()
            .filter(|(k, u)| matches!(u, Upper::Created(_)) && a.file(k).is_none())
            .peekable();
        for (p, n) in a.listing(&a.union) {
            while let Some((k, Upper::Created(size))) = added.peek() {
                if k.as_str() > p.as_str() {
                    break;
                }
                out.push(ViewEntry {
                    path: (*k).clone(),
                    node: Cow::Owned(created_node(*size, top)),
                    mark: Some(Mark::Added),
                });
                added.next();
            }
            let (node, mark) = if self.upper.is_empty() {
                (Cow::Borrowed(n), None)
            } else {
                match self.seen(a, &p) {
                    Seen::Upper(Upper::CopiedUp(c)) => (Cow::Borrowed(c), Some(Mark::Modified)),
                    Seen::Upper(Upper::Created(size)) => {
                        (Cow::Owned(created_node(*size, top)), Some(Mark::Modified))
                    }
                    Seen::WhitedOut { .. } | Seen::UnderFile { .. } => {
                        (Cow::Borrowed(n), Some(Mark::Removed))
                    }
                    _ if touched.contains(p.as_str()) => (Cow::Borrowed(n), Some(Mark::Modified)),
                    _ => (Cow::Borrowed(n), None),
                }
            };
            out.push(ViewEntry {
                path: p,
                node,
                mark,
            });
        }
        for (k, u) in added {
            if let Upper::Created(size) = u {
                out.push(ViewEntry {
                    path: k.clone(),
                    node: Cow::Owned(created_node(*size, top)),
                    mark: Some(Mark::Added),
                });
            }
        }
        out
    }

    /// How a read of `path` falls through now: the container layer, then each
    /// image layer from the top down, until a copy or a deletion answers (a
    /// directory merges every layer that has it). No symlink is followed: this
    /// is the lookup of that very name.
    pub fn state<'a>(&'a self, a: &'a Analysis, given: &str) -> ReadState<'a> {
        let p = match path::clean(given) {
            path::Cleaned::Path(p) => p,
            _ => String::new(),
        };
        let shown = show(&p);
        let mut levels: Vec<Look<'a>> = Vec::with_capacity(a.layers.len() + 1);
        #[derive(PartialEq)]
        enum S {
            Searching,
            Dir,
            Done,
        }
        let mut s = S::Searching;
        let mut node: Option<Cow<'a, Node>> = None;
        let mut from = None;
        let mut stopped_by: Option<String> = None;

        // The container layer.
        let has_below = self
            .upper
            .range(format!("{p}/")..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&format!("{p}/")));
        let look = match self.seen(a, &p) {
            Seen::Upper(u) => {
                let n = match u {
                    Upper::CopiedUp(c) => Cow::Borrowed(c),
                    Upper::Created(size) => Cow::Owned(created_node(*size, a.layers.len() as u32)),
                    Upper::Whiteout => unreachable!("seen() reports whiteouts as WhitedOut"),
                };
                s = S::Done;
                node = Some(n.clone());
                from = Some(Level::Container);
                let how = if matches!(u, Upper::Created(_)) {
                    "created here"
                } else {
                    "copied up here"
                };
                Look {
                    level: Level::Container,
                    found: Found::Read,
                    node: Some(n),
                    note: format!("has {shown} ({how}): this copy is read"),
                }
            }
            Seen::WhitedOut { by } => {
                s = S::Done;
                let note = if by == p {
                    format!("has a whiteout for {shown}: the read stops, nothing is there")
                } else {
                    format!(
                        "has a whiteout for the directory {}: the read stops, nothing is there",
                        show(&by)
                    )
                };
                stopped_by = Some("a whiteout in the container layer".to_string());
                Look {
                    level: Level::Container,
                    found: Found::Deleted,
                    node: None,
                    note,
                }
            }
            Seen::UnderFile { file } => {
                s = S::Done;
                stopped_by = Some(format!("the file {} in the container layer", show(&file)));
                Look {
                    level: Level::Container,
                    found: Found::Deleted,
                    node: None,
                    note: format!(
                        "has a file at {}, so nothing can be below it: the read stops",
                        show(&file)
                    ),
                }
            }
            Seen::Image(n) if n.is_dir() && has_below => {
                s = S::Dir;
                node = Some(Cow::Borrowed(n));
                from = Some(Level::Container);
                Look {
                    level: Level::Container,
                    found: Found::Read,
                    node: Some(Cow::Borrowed(n)),
                    note: format!(
                        "has the directory {shown} (made to hold what the container wrote in it): its entries are merged with the layers below"
                    ),
                }
            }
            _ => Look {
                level: Level::Container,
                found: Found::Nothing,
                node: None,
                note: "has nothing here: the read goes on down".to_string(),
            },
        };
        levels.push(look);

        // The image layers, top down.
        let image_dir = matches!(self.seen(a, &p), Seen::Image(n) if n.is_dir());
        let id = a.lookup(&p);
        for (i, layer) in a.layers.iter().enumerate().rev() {
            let change = id.and_then(|id| find_change(&a.files.paths, &layer.changes, id));
            let copy = change.and_then(|c| c.after).map(|n| a.node(n));
            let removed = change.is_some_and(|c| c.after.is_none());
            let dir_below =
                s == S::Dir && copy.is_none() && !removed && has_changes_below(a, i, &p);
            let (found, note) = match s {
                S::Done => (
                    Found::NotReached,
                    match copy {
                        Some(c) if c.kind == FileKind::Regular => format!(
                            "has a copy ({}) that is stored but never read",
                            bytes(c.size)
                        ),
                        Some(c) => format!("has a {} here that is never read", c.kind.name()),
                        None => "not consulted".to_string(),
                    },
                ),
                _ if removed => {
                    let was_dir = s == S::Dir;
                    s = S::Done;
                    if was_dir {
                        (
                            Found::Deleted,
                            "deleted the directory here: the layers below are not merged"
                                .to_string(),
                        )
                    } else {
                        stopped_by = Some(format!("layer {i}, which deleted it"));
                        (
                            Found::Deleted,
                            format!("deleted {shown} (a whiteout or a deleted parent): the read stops, nothing is there"),
                        )
                    }
                }
                S::Searching => match copy {
                    Some(c) => {
                        s = if c.is_dir() { S::Dir } else { S::Done };
                        node = Some(Cow::Borrowed(c));
                        from = Some(Level::Layer(i));
                        let what = match c.kind {
                            FileKind::Regular => format!("its copy ({})", bytes(c.size)),
                            FileKind::Dir => {
                                "the directory: its attributes come from here".to_string()
                            }
                            k => format!("a {}", k.name()),
                        };
                        (
                            Found::Read,
                            format!("has {what}: this is what the read returns"),
                        )
                    }
                    None if image_dir && has_changes_below(a, i, &p) => (
                        Found::Merged,
                        "has entries inside the directory: they are merged in".to_string(),
                    ),
                    None => (
                        Found::Nothing,
                        "has nothing here: the read goes on down".to_string(),
                    ),
                },
                S::Dir => match copy {
                    Some(c) if c.is_dir() => (
                        Found::Merged,
                        "also has the directory: its entries are merged in".to_string(),
                    ),
                    Some(c) => {
                        s = S::Done;
                        (
                            Found::NotReached,
                            format!(
                                "has a {} here, covered by the directory above",
                                c.kind.name()
                            ),
                        )
                    }
                    None if dir_below => (
                        Found::Merged,
                        "also has the directory: its entries are merged in".to_string(),
                    ),
                    None => (Found::Nothing, "has nothing here".to_string()),
                },
            };
            levels.push(Look {
                level: Level::Layer(i),
                found,
                node: copy.map(Cow::Borrowed),
                note,
            });
        }

        let stored: u64 = levels
            .iter()
            .filter(|l| l.found == Found::NotReached || l.found == Found::Deleted)
            .filter_map(|l| l.node.as_ref())
            .filter(|n| n.kind == FileKind::Regular)
            .map(|n| n.size)
            .sum();
        let explanation = match (&node, from, &stopped_by) {
            (Some(n), Some(level), _) if n.is_dir() => {
                let merged: Vec<String> = levels
                    .iter()
                    .filter(|l| matches!(l.found, Found::Read | Found::Merged))
                    .map(|l| l.level.to_string())
                    .collect();
                format!(
                    "{shown} is a directory: its listing merges {} ({} gives its attributes).",
                    join_words(&merged),
                    level
                )
            }
            (Some(n), Some(level), _) => {
                let passed: Vec<String> = levels
                    .iter()
                    .take_while(|l| l.found == Found::Nothing)
                    .map(|l| l.level.to_string())
                    .collect();
                let size = if n.kind == FileKind::Regular {
                    format!(" ({})", bytes(n.size))
                } else {
                    String::new()
                };
                let hidden = if stored > 0 {
                    format!("; older copies below ({}) are never read", bytes(stored))
                } else {
                    String::new()
                };
                if passed.is_empty() {
                    format!("A read of {shown} finds it in {level} first{size}{hidden}.")
                } else {
                    format!(
                        "A read of {shown} finds nothing in {}, then reads {level}'s copy{size}{hidden}.",
                        join_words(&passed)
                    )
                }
            }
            (_, _, Some(by)) => {
                if stored > 0 {
                    format!(
                        "A read of {shown} stops at {by}: it does not exist, though {} of copies stay stored below.",
                        bytes(stored)
                    )
                } else {
                    format!("A read of {shown} stops at {by}: it does not exist.")
                }
            }
            _ => format!("No layer has {shown}: a read finds nothing."),
        };
        ReadState {
            path: p,
            node,
            from,
            levels,
            explanation,
        }
    }
}

/// The node of a file the container created: 0644, root, in the container layer.
fn created_node(size: u64, layer: u32) -> Node {
    Node {
        kind: FileKind::Regular,
        implicit: false,
        mode: 0o644,
        uid: 0,
        gid: 0,
        layer,
        data: None,
        size,
        content: 0,
        extra: None,
    }
}

/// Bytes of regular files at or below `p` in the image's union.
fn image_bytes_under(a: &Analysis, p: &str) -> u64 {
    let Some(id) = a.lookup(p) else { return 0 };
    let mut total = 0;
    let mut stack: Vec<PathId> = vec![id];
    while let Some(id) = stack.pop() {
        let Some(n) = a.union.get(id) else { continue };
        let node = a.node(n);
        if node.kind == FileKind::Regular {
            total += node.size;
        }
        stack.extend(a.files.paths.children(id));
    }
    total
}

/// Whether layer `i` changed anything strictly below the directory `p` (so
/// that its extracted tree has the directory, even if it did not rewrite it).
fn has_changes_below(a: &Analysis, i: usize, p: &str) -> bool {
    let prefix = if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    };
    let changes = &a.layers[i].changes;
    let at = changes.partition_point(|c| a.path(c.path) < prefix);
    changes
        .get(at)
        .is_some_and(|c| a.path(c.path).starts_with(&prefix))
}

/// The other names of a hard-linked regular file in the union with the
/// container on top (those still sharing the image's bytes).
fn hard_links(c: &Container, a: &Analysis, p: &str, node: &Node) -> Vec<String> {
    let Some(data) = node.data else {
        return Vec::new();
    };
    let mut out: Vec<String> = a
        .union
        .iter()
        .filter(|(_, n)| {
            let other = a.node(*n);
            other.kind == FileKind::Regular && other.data == Some(data)
        })
        .map(|(id, _)| a.path(id))
        .filter(|other| other != p && matches!(c.seen(a, other), Seen::Image(_)))
        .collect();
    out.sort();
    out
}

fn deleted(p: &str, by: &str) -> CowError {
    let message = if by == p {
        format!(
            "{} was deleted in the container; create it again instead",
            show(p)
        )
    } else {
        format!(
            "{} was deleted in the container with its directory {}",
            show(p),
            show(by)
        )
    };
    CowError::new(CowErrorKind::Deleted, p, message)
}

fn under_file(p: &str, file: &str) -> CowError {
    CowError::new(
        CowErrorKind::NotFound,
        p,
        format!(
            "{} does not exist: {} is a file in the container layer, not a directory",
            show(p),
            show(file)
        ),
    )
}

fn not_found(p: &str, verb: &str) -> CowError {
    CowError::new(
        CowErrorKind::NotFound,
        p,
        format!("cannot {verb} {}: no layer has it", show(p)),
    )
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    //! The pure helpers; the container over real analyses is tested in `tests/cow.rs`.
    use super::*;

    #[test]
    fn paths_are_cleaned_and_the_root_refused() {
        assert_eq!(clean_input("/etc//hosts/").unwrap(), "etc/hosts");
        assert_eq!(clean_input("./etc/../etc/hosts").unwrap(), "etc/hosts");
        let root = clean_input("/").unwrap_err();
        assert_eq!(root.kind, CowErrorKind::BadPath);
        assert!(root.message.contains("root directory /"));
        let out = clean_input("../x").unwrap_err();
        assert_eq!(
            out.message,
            "../x climbs above the root; give a path inside the image"
        );
    }

    #[test]
    fn words_are_joined_as_a_sentence() {
        let w = |v: &[&str]| join_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&[]), "");
        assert_eq!(w(&["layer 1"]), "layer 1");
        assert_eq!(w(&["a", "b"]), "a and b");
        assert_eq!(w(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn an_empty_container_costs_nothing() {
        let c = Container::new();
        assert!(c.is_empty());
        assert_eq!(c.size(), 0);
        assert_eq!(created_node(12, 4).layer, 4);
        assert_eq!(created_node(12, 4).size, 12);
    }
}
