//! The copy-on-write container layer (`cow.rs`) on constructed images and on
//! a corpus archive: what a person trying the playground would check — the
//! container layer's size after edits (a whole file copied up however small
//! the write), whiteouts hiding lower copies while their bytes stay stored,
//! creating again after a delete, how a read falls through the layers, and
//! the messages of refused operations. The rules are overlayfs's as Docker's
//! overlay2 driver uses it (docs.docker.com, "OverlayFS storage driver":
//! copy_up, whiteouts, deleting files and directories).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::build::cow::{Action, Container, CowErrorKind, Found, Level, Mark, OpKind};
use layerscope_core::{analyze, Analysis, FileKind, NoProgress, Options};
use std::io::Cursor;
use support::*;

fn bytes_of(n: usize) -> Vec<u8> {
    vec![b'x'; n]
}

/// Four layers: a base, a rewrite of /etc/hosts, a deletion, a small addition.
fn image() -> Analysis {
    let spec = ImageSpec::new()
        .layer(&[
            Entry::dir("etc"),
            Entry::file("etc/hosts", bytes_of(1200)),
            Entry::file("etc/passwd", bytes_of(500)),
            Entry::dir("bin"),
            Entry::file("bin/busybox", bytes_of(5000)),
            Entry::symlink("bin/sh", "busybox"),
            Entry::hardlink("bin/ls", "bin/busybox"),
            Entry::dir("usr"),
            Entry::dir("usr/lib"),
            Entry::file("usr/lib/big", bytes_of(3000)),
            Entry::file("usr/lib/small", bytes_of(100)),
            Entry::fifo("run-fifo"),
        ])
        .layer(&[
            Entry::file("etc/hosts", bytes_of(1300)),
            Entry::dir("tmp"),
            Entry::file("tmp/junk", bytes_of(2000)),
        ])
        .layer(&[Entry::whiteout("tmp/junk")])
        .layer(&[Entry::file("etc/motd", bytes_of(10))]);
    ok(analyze(
        Cursor::new(spec.docker_save().tar()),
        &Options::default(),
        &mut NoProgress,
    ))
}

fn marks(c: &Container, a: &Analysis) -> Vec<(String, Option<Mark>)> {
    c.entries(a).into_iter().map(|e| (e.path, e.mark)).collect()
}

fn mark_of(c: &Container, a: &Analysis, path: &str) -> Option<Option<Mark>> {
    c.entries(a)
        .into_iter()
        .find(|e| e.path == path)
        .map(|e| e.mark)
}

#[test]
fn an_edit_copies_the_whole_file_up_once() {
    let a = image();
    let mut c = Container::new();
    let out = c.edit(&a, "/etc/hosts").unwrap();
    assert_eq!(out.action, Action::CopiedUp);
    assert_eq!(out.path, "etc/hosts");
    // The whole file of the top copy (layer 1's 1300 bytes), not one byte.
    assert_eq!((out.added, out.size, out.layer), (1300, 1300, Some(1)));
    assert_eq!(
        out.explanation,
        "/etc/hosts was copied up whole from layer 1 (1.3 kB) before the write; the container layer is now 1.3 kB."
    );
    assert_eq!(c.size(), 1300);

    // A second write finds it in the container layer: no new cost.
    let again = c.edit(&a, "etc/hosts").unwrap();
    assert_eq!(again.action, Action::WrittenInPlace);
    assert_eq!((again.added, again.size), (0, 1300));
    assert!(again
        .explanation
        .contains("written in place at no extra cost"));
    assert_eq!(c.size(), 1300);

    c.edit(&a, "usr/lib/small").unwrap();
    assert_eq!(c.size(), 1400);
    let ops = c.ops(&a);
    let listed: Vec<_> = ops
        .iter()
        .map(|o| (o.path.as_str(), o.kind, o.size, o.layer))
        .collect();
    assert_eq!(
        listed,
        [
            ("etc/hosts", OpKind::CopiedUp, 1300, Some(1)),
            ("usr/lib/small", OpKind::CopiedUp, 100, Some(0)),
        ]
    );

    // The union view: the copied-up files are modified, their directories
    // too (as `docker diff` shows `C /etc`), the rest untouched.
    assert_eq!(mark_of(&c, &a, "etc/hosts"), Some(Some(Mark::Modified)));
    assert_eq!(mark_of(&c, &a, "etc"), Some(Some(Mark::Modified)));
    assert_eq!(mark_of(&c, &a, "etc/passwd"), Some(None));
    let hosts = c
        .entries(&a)
        .into_iter()
        .find(|e| e.path == "etc/hosts")
        .unwrap();
    assert_eq!(hosts.node.layer, a.layers.len() as u32);
    assert_eq!(hosts.node.size, 1300);
}

#[test]
fn a_read_falls_through_to_the_top_copy() {
    let a = image();
    let c = Container::new();
    let r = c.state(&a, "etc/hosts");
    assert_eq!(r.from, Some(Level::Layer(1)));
    let found: Vec<_> = r.levels.iter().map(|l| (l.level, l.found)).collect();
    assert_eq!(
        found,
        [
            (Level::Container, Found::Nothing),
            (Level::Layer(3), Found::Nothing),
            (Level::Layer(2), Found::Nothing),
            (Level::Layer(1), Found::Read),
            (Level::Layer(0), Found::NotReached),
        ]
    );
    // Layer 0's copy is stored but never read.
    assert_eq!(r.levels[4].node.as_ref().map(|n| n.size), Some(1200));
    assert_eq!(
        r.explanation,
        "A read of /etc/hosts finds nothing in the container layer, layer 3 and layer 2, then reads layer 1's copy (1.3 kB); older copies below (1.2 kB) are never read."
    );

    // After an edit, the container layer answers first.
    let mut c = Container::new();
    c.edit(&a, "etc/hosts").unwrap();
    let r = c.state(&a, "etc/hosts");
    assert_eq!(r.from, Some(Level::Container));
    assert_eq!(r.levels[0].found, Found::Read);
    assert!(r.levels[1..].iter().all(|l| l.found == Found::NotReached));
    assert!(r
        .explanation
        .starts_with("A read of /etc/hosts finds it in the container layer first (1.3 kB)"));
}

#[test]
fn a_deletion_in_the_image_stops_the_read() {
    let a = image();
    let c = Container::new();
    let r = c.state(&a, "tmp/junk");
    assert!(r.node.is_none());
    assert_eq!(r.levels[2].level, Level::Layer(2));
    assert_eq!(r.levels[2].found, Found::Deleted);
    assert_eq!(r.levels[3].found, Found::NotReached);
    assert_eq!(
        r.explanation,
        "A read of /tmp/junk stops at layer 2, which deleted it: it does not exist, though 2.0 kB of copies stay stored below."
    );
    let none = c.state(&a, "no/such");
    assert_eq!(
        none.explanation,
        "No layer has /no/such: a read finds nothing."
    );
}

#[test]
fn a_directory_merges_every_layer_that_has_it() {
    let a = image();
    let c = Container::new();
    let r = c.state(&a, "etc");
    let found: Vec<_> = r.levels.iter().map(|l| (l.level, l.found)).collect();
    assert_eq!(
        found,
        [
            (Level::Container, Found::Nothing),
            (Level::Layer(3), Found::Merged),
            (Level::Layer(2), Found::Nothing),
            (Level::Layer(1), Found::Merged),
            (Level::Layer(0), Found::Read),
        ]
    );
    assert_eq!(
        r.explanation,
        "/etc is a directory: its listing merges layer 3, layer 1 and layer 0 (layer 0 gives its attributes)."
    );
}

#[test]
fn a_delete_puts_a_whiteout_and_the_bytes_stay() {
    let a = image();
    let mut c = Container::new();
    let out = c.delete(&a, "/etc/passwd").unwrap();
    assert_eq!(out.action, Action::Whiteout);
    assert_eq!((out.added, out.size, out.hidden), (0, 0, 500));
    assert_eq!(
        out.explanation,
        "A whiteout for /etc/passwd was put in the container layer (0 bytes): it hides layer 0's copy, but its 500 B stay stored there; the container layer stays 0 B."
    );
    assert_eq!(c.size(), 0);
    let ops = c.ops(&a);
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0].kind, ops[0].size, ops[0].hidden),
        (OpKind::Whiteout, 0, 500)
    );

    // The whiteout hides the lower copy: a read stops in the container layer.
    let r = c.state(&a, "etc/passwd");
    assert!(r.node.is_none());
    assert_eq!(r.levels[0].found, Found::Deleted);
    assert_eq!(r.levels.last().unwrap().found, Found::NotReached);
    assert_eq!(
        r.explanation,
        "A read of /etc/passwd stops at a whiteout in the container layer: it does not exist, though 500 B of copies stay stored below."
    );
    assert_eq!(mark_of(&c, &a, "etc/passwd"), Some(Some(Mark::Removed)));

    // Deleted things cannot be edited or deleted again.
    let e = c.edit(&a, "etc/passwd").unwrap_err();
    assert_eq!(e.kind, CowErrorKind::Deleted);
    assert_eq!(
        e.to_string(),
        "/etc/passwd was deleted in the container; create it again instead"
    );
    assert_eq!(
        c.delete(&a, "etc/passwd").unwrap_err().kind,
        CowErrorKind::Deleted
    );
}

#[test]
fn a_deleted_path_can_be_created_again() {
    let a = image();
    let mut c = Container::new();
    c.delete(&a, "etc/passwd").unwrap();
    let out = c.create(&a, "etc/passwd", 42).unwrap();
    assert_eq!(out.action, Action::Created);
    assert_eq!((out.added, out.size), (42, 42));
    assert!(
        out.explanation.contains("replaces the whiteout"),
        "{}",
        out.explanation
    );
    // The new file is read, the image's copy stays hidden.
    let r = c.state(&a, "etc/passwd");
    assert_eq!(r.from, Some(Level::Container));
    assert_eq!(r.node.as_ref().map(|n| n.size), Some(42));
    assert_eq!(mark_of(&c, &a, "etc/passwd"), Some(Some(Mark::Modified)));
    let ops = c.ops(&a);
    assert_eq!((ops[0].kind, ops[0].size), (OpKind::Created, 42));

    // Deleted once more: the image's copy must stay hidden, so a whiteout comes back.
    let out = c.delete(&a, "etc/passwd").unwrap();
    assert_eq!(out.action, Action::Whiteout);
    assert_eq!((out.freed, out.size), (42, 0));
    assert_eq!(c.ops(&a)[0].kind, OpKind::Whiteout);
}

#[test]
fn deleting_a_directory_hides_its_subtree() {
    let a = image();
    let mut c = Container::new();
    let out = c.delete(&a, "usr").unwrap();
    assert_eq!(out.hidden, 3100);
    assert_eq!(
        out.explanation,
        "A whiteout for /usr was put in the container layer (0 bytes): it hides the directory and everything in it, but their 3.1 kB stay stored in the image layers; the container layer stays 0 B."
    );
    for p in ["usr", "usr/lib", "usr/lib/big", "usr/lib/small"] {
        assert_eq!(mark_of(&c, &a, p), Some(Some(Mark::Removed)), "{p}");
        assert!(c.state(&a, p).node.is_none(), "{p}");
    }
    let r = c.state(&a, "usr/lib/big");
    assert_eq!(r.levels[0].found, Found::Deleted);
    assert!(r.levels[0].note.contains("/usr"), "{}", r.levels[0].note);

    let e = c.create(&a, "usr/lib/new", 1).unwrap_err();
    assert_eq!(e.kind, CowErrorKind::NoParent);
    assert_eq!(
        e.message,
        "cannot create /usr/lib/new: its directory /usr/lib was deleted"
    );
    let e = c.edit(&a, "usr/lib/big").unwrap_err();
    assert_eq!(
        e.message,
        "/usr/lib/big was deleted in the container with its directory /usr"
    );
    // The name itself may come back, as a file.
    c.create(&a, "usr", 7).unwrap();
    assert_eq!(mark_of(&c, &a, "usr"), Some(Some(Mark::Modified)));
    assert_eq!(mark_of(&c, &a, "usr/lib"), Some(Some(Mark::Removed)));
    assert_eq!(c.size(), 7);
}

#[test]
fn deleting_a_directory_drops_what_the_container_wrote_in_it() {
    let a = image();
    let mut c = Container::new();
    c.edit(&a, "etc/hosts").unwrap();
    c.create(&a, "etc/new", 10).unwrap();
    assert_eq!(c.size(), 1310);
    let out = c.delete(&a, "etc").unwrap();
    assert_eq!((out.freed, out.size), (1310, 0));
    // What a read saw of /etc before: passwd, motd (hosts was already the container's).
    assert_eq!(out.hidden, 510);
    let ops: Vec<_> = c.ops(&a).into_iter().map(|o| (o.path, o.kind)).collect();
    assert_eq!(ops, [("etc".to_string(), OpKind::Whiteout)]);
    assert!(marks(&c, &a).iter().all(|(p, _)| p != "etc/new"));
}

#[test]
fn a_copied_up_file_deleted_leaves_a_whiteout() {
    let a = image();
    let mut c = Container::new();
    c.edit(&a, "etc/hosts").unwrap();
    let out = c.delete(&a, "etc/hosts").unwrap();
    assert_eq!(out.action, Action::Whiteout);
    assert_eq!((out.freed, out.size), (1300, 0));
    assert!(
        out.explanation.starts_with(
            "The copied up /etc/hosts was dropped from the container layer (1.3 kB freed)"
        ),
        "{}",
        out.explanation
    );
}

#[test]
fn creating_and_deleting_a_new_file() {
    let a = image();
    let mut c = Container::new();
    let out = c.create(&a, "/etc/new.conf", 2500).unwrap();
    assert_eq!(
        out.explanation,
        "/etc/new.conf was created in the container layer (2.5 kB); the container layer is now 2.5 kB."
    );
    assert_eq!(c.size(), 2500);
    // In the union view, in path order, as added; its directory modified.
    let all = marks(&c, &a);
    let at = all.iter().position(|(p, _)| p == "etc/new.conf").unwrap();
    assert_eq!(all[at].1, Some(Mark::Added));
    assert_eq!(all[at - 1].0, "etc/motd");
    assert_eq!(all[at + 1].0, "etc/passwd");
    assert_eq!(mark_of(&c, &a, "etc"), Some(Some(Mark::Modified)));
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));

    // Editing it costs nothing more.
    assert_eq!(c.edit(&a, "etc/new.conf").unwrap().added, 0);

    let out = c.delete(&a, "etc/new.conf").unwrap();
    assert_eq!(out.action, Action::Removed);
    assert_eq!((out.freed, out.size), (2500, 0));
    assert!(c.ops(&a).is_empty());
    assert!(out.explanation.contains("simply removed"));

    let top = c.create(&a, "zzz", 1).unwrap();
    assert_eq!(top.size, 1);
    assert_eq!(marks(&c, &a).last().unwrap().0, "zzz");
}

#[test]
fn refused_operations_name_the_path() {
    let a = image();
    let mut c = Container::new();
    let e = c.edit(&a, "etc").unwrap_err();
    assert_eq!(e.kind, CowErrorKind::IsDirectory);
    assert_eq!(e.path, "etc");
    assert_eq!(
        e.message,
        "/etc is a directory; edit a file in it, or create one"
    );
    let e = c.edit(&a, "nope/x").unwrap_err();
    assert_eq!(e.kind, CowErrorKind::NotFound);
    assert_eq!(e.message, "cannot edit /nope/x: no layer has it");
    assert_eq!(
        c.delete(&a, "nope").unwrap_err().message,
        "cannot delete /nope: no layer has it"
    );
    let e = c.edit(&a, "run-fifo").unwrap_err();
    assert_eq!(e.kind, CowErrorKind::NotRegular);
    assert!(
        e.message.starts_with("/run-fifo is a fifo"),
        "{}",
        e.message
    );
    let e = c.create(&a, "etc/hosts", 1).unwrap_err();
    assert_eq!(e.kind, CowErrorKind::Exists);
    assert_eq!(e.message, "/etc/hosts already exists; edit it instead");
    let e = c.create(&a, "nope/x", 1).unwrap_err();
    assert_eq!(
        e.message,
        "cannot create /nope/x: its directory /nope does not exist"
    );
    let e = c.create(&a, "etc/hosts/x", 1).unwrap_err();
    assert_eq!(
        e.message,
        "cannot create /etc/hosts/x: its directory /etc/hosts is a file, not a directory"
    );
    assert_eq!(c.delete(&a, "/").unwrap_err().kind, CowErrorKind::BadPath);
    assert_eq!(c.edit(&a, "../x").unwrap_err().kind, CowErrorKind::BadPath);
    // Nothing refused changed the container layer.
    assert!(c.is_empty());
    assert_eq!(c.size(), 0);
}

#[test]
fn an_edit_through_a_symlink_copies_up_its_target_and_breaks_a_hard_link() {
    let a = image();
    let mut c = Container::new();
    let out = c.edit(&a, "bin/sh").unwrap();
    assert_eq!(out.path, "bin/busybox");
    assert_eq!(out.added, 5000);
    // /bin/ls is a hard link to /bin/busybox: only the name written is copied up.
    assert_eq!(out.hard_links, ["bin/ls"]);
    assert_eq!(
        out.explanation,
        "/bin/sh leads through a symlink to /bin/busybox, so the write goes there: /bin/busybox was copied up whole from layer 0 (5.0 kB) before the write, which breaks its hard link: /bin/ls keeps the old bytes; the container layer is now 5.0 kB."
    );
    // /bin/ls still reads the image's bytes; editing it copies it up too.
    assert_eq!(c.state(&a, "bin/ls").from, Some(Level::Layer(0)));
    let ls = c.edit(&a, "bin/ls").unwrap();
    assert_eq!(ls.added, 5000);
    assert!(ls.hard_links.is_empty());
    assert_eq!(c.size(), 10_000);
    // Deleting the symlink deletes the link, not its target.
    let out = c.delete(&a, "bin/sh").unwrap();
    assert_eq!(out.path, "bin/sh");
    assert_eq!(c.size(), 10_000);
}

#[test]
fn reset_returns_to_the_image() {
    let a = image();
    let mut c = Container::new();
    c.edit(&a, "etc/hosts").unwrap();
    c.delete(&a, "usr").unwrap();
    c.create(&a, "etc/x", 3).unwrap();
    c.reset();
    assert!(c.is_empty());
    assert_eq!(c.size(), 0);
    assert!(c.ops(&a).is_empty());
    let view = c.entries(&a);
    assert_eq!(view.len(), a.union.len());
    assert!(view.iter().all(|e| e.mark.is_none()));
    assert_eq!(c.state(&a, "etc/hosts").from, Some(Level::Layer(1)));
}

#[test]
fn on_a_real_image_the_cost_of_an_edit_is_the_whole_file() {
    let a = ok(analyze(
        Cursor::new(corpus("wagoodman-dive/.data/test-docker-image.tar")),
        &Options::default(),
        &mut NoProgress,
    ));
    // The largest regular file of the image.
    let (path, size) = a
        .listing(&a.union)
        .into_iter()
        .filter(|(_, n)| n.kind == FileKind::Regular && n.hardlink().is_none())
        .map(|(p, n)| (p, n.size))
        .max_by_key(|(_, s)| *s)
        .unwrap();
    assert!(size > 0);
    let mut c = Container::new();
    let out = c.edit(&a, &path).unwrap();
    assert_eq!(out.added, size);
    assert_eq!(c.size(), size);

    // Every top-level directory deleted: nothing is left to read, the container layer is 0 bytes.
    let tops: Vec<String> = a
        .listing(&a.union)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.contains('/'))
        .collect();
    for t in &tops {
        c.delete(&a, t).unwrap();
    }
    assert_eq!(c.size(), 0);
    assert_eq!(c.ops(&a).len(), tops.len());
    let view = c.entries(&a);
    assert_eq!(view.len(), a.union.len());
    assert!(view.iter().all(|e| e.mark == Some(Mark::Removed)));
    assert!(c.state(&a, &path).node.is_none());
}
