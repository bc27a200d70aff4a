//! Layers written by GNU tar in each of its formats (gnu, posix/PAX, ustar,
//! v7), with `./` prefixes, long names and link targets, hard links, odd
//! names and owners: `layerscope ls` over the image must print exactly what
//! `find` sees in the directory the layer was made from.

use sha2::{Digest, Sha256};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("layerscope-tarfmt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tree with what real layers hold. `long` adds names beyond ustar's 255 bytes.
fn make_tree(root: &Path, long: bool) {
    let w = |p: &str, data: &[u8]| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    };
    w("etc/os-release", b"ID=test\n");
    w("usr/bin/tool", &vec![7u8; 70_000]);
    w("with space/and ünïcode.txt", b"x");
    // Over 100 bytes: ustar splits it into its prefix and name fields, GNU and PAX use long-name records.
    let n = if long { 90 } else { 60 };
    let deep = format!("{}/{}", "d".repeat(n), "e".repeat(n));
    w(
        &format!("{deep}/file-beyond-100-bytes-of-name.txt"),
        b"deep",
    );
    if long {
        let deeper = format!("{deep}/{}", "f".repeat(120));
        w(&format!("{deeper}/beyond-255.txt"), b"deeper");
        std::os::unix::fs::symlink(format!("/{deeper}/beyond-255.txt"), root.join("long-link"))
            .unwrap();
    }
    std::os::unix::fs::symlink("../etc/os-release", root.join("usr/os-release")).unwrap();
    std::fs::hard_link(root.join("usr/bin/tool"), root.join("usr/bin/tool-alias")).unwrap();
    std::fs::set_permissions(
        root.join("usr/bin/tool"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::chown(root.join("etc/os-release"), Some(1234), Some(5678)).unwrap();
    let fifo = root.join("run-fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
}

/// What `find` shows, in the `ls` format.
fn find_listing(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let (t, size, link) = if ft.is_symlink() {
                (
                    'l',
                    0,
                    std::fs::read_link(&p)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                )
            } else if ft.is_dir() {
                stack.push(p.clone());
                ('d', 0, String::new())
            } else if ft.is_file() {
                ('f', m.len(), String::new())
            } else {
                ('p', 0, String::new())
            };
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            out.push(format!(
                "/{rel}\t{t}\t{size}\t{:04o}\t{}\t{}\t{link}",
                m.mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
        }
    }
    out.sort();
    out
}

/// Wraps one layer tar into a `docker save` archive (manifest.json + config).
fn docker_save(layer: &Path, out: &Path) {
    let bytes = std::fs::read(layer).unwrap();
    let diff_id = format!("sha256:{:x}", Sha256::digest(&bytes));
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}},"history":[{{"created_by":"tar"}}]}}"#
    );
    let config_name = format!("{:x}.json", Sha256::digest(config.as_bytes()));
    let manifest = format!(
        r#"[{{"Config":"{config_name}","RepoTags":["fmt:test"],"Layers":["layer/layer.tar"]}}]"#
    );
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    for (name, data) in [
        ("layer/layer.tar", &bytes[..]),
        (config_name.as_str(), config.as_bytes()),
        ("manifest.json", manifest.as_bytes()),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    }
    b.finish().unwrap();
}

fn check(format: &str, long: bool) {
    let dir = tmp(format);
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    make_tree(&root, long);
    let layer = dir.join("layer.tar");
    let status = Command::new("tar")
        .args(["--format", format, "--numeric-owner", "-C"])
        .arg(&root)
        .arg("-cf")
        .arg(&layer)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success(), "GNU tar --format={format} failed");
    let image = dir.join("image.tar");
    docker_save(&layer, &image);
    let o = Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .arg("ls")
        .arg(&image)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let want = find_listing(&root);
    assert_eq!(got, want, "--format={format}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gnu_format_with_long_names_and_links() {
    check("gnu", true);
}

#[test]
fn posix_pax_format_with_long_names_and_links() {
    check("posix", true);
}

#[test]
fn ustar_format() {
    check("ustar", false);
}

#[test]
fn oldgnu_format() {
    check("oldgnu", true);
}
