//! Writes the resource-bound inputs of `tests/limits.rs` at full size, as
//! files, to measure the CLI on them (docs/hardening.md):
//!
//! ```text
//! cargo run --release -p layerscope-core --example hostile_inputs -- /tmp/hostile
//! for f in /tmp/hostile/*.tar; do /usr/bin/time -v target/release/layerscope inspect "$f"; done
//! ```
//!
//! Each is an OCI archive of one small layer and the hostile one. The bombs
//! are small files (a zstd RLE frame, repeated gzip members); the whitespace
//! `index.json` is written out whole (3 GiB of disk).

use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// sha256 of `head` then `zeros` zero bytes.
fn sha_zeros(head: &[u8], zeros: u64) -> String {
    let mut h = Sha256::new();
    h.update(head);
    let block = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        h.update(&block[..n]);
        left -= n as u64;
    }
    hex(&h.finalize())
}

fn header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_path(name).unwrap();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    h
}

/// A layer tar of (name, kind, content, link target).
fn layer(
    entries: impl IntoIterator<Item = (String, tar::EntryType, Vec<u8>, Option<String>)>,
) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let mut h = header("x", kind, data.len() as u64);
        match link {
            Some(t) => b.append_link(&mut h, &name, &t).unwrap(),
            None => b.append_data(&mut h, &name, &data[..]).unwrap(),
        }
    }
    b.into_inner().unwrap()
}

fn file(name: impl Into<String>, data: &[u8]) -> (String, tar::EntryType, Vec<u8>, Option<String>) {
    (name.into(), tar::EntryType::Regular, data.to_vec(), None)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A zstd frame: `literal` raw, then `zeros` zeros as 128 KiB RLE blocks.
fn zstd_bomb(literal: &[u8], zeros: u64, window_log: u8) -> Vec<u8> {
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, (window_log - 10) << 3];
    let block = |out: &mut Vec<u8>, kind: u32, size: u64, last: bool| {
        let h = (last as u32) | (kind << 1) | ((size as u32) << 3);
        out.extend_from_slice(&h.to_le_bytes()[..3]);
    };
    for chunk in literal.chunks(128 * 1024) {
        block(&mut out, 0, chunk.len() as u64, false);
        out.extend_from_slice(chunk);
    }
    let mut left = zeros;
    while left > 0 {
        let n = left.min(128 * 1024);
        left -= n;
        block(&mut out, 1, n, left == 0);
        out.push(0);
    }
    if zeros == 0 {
        block(&mut out, 0, 0, true);
    }
    out
}

/// One layer blob as stored, its media type and the sha256 of its tar.
struct Blob {
    data: Vec<u8>,
    media_type: &'static str,
    diff_id: String,
}

fn plain(tar: Vec<u8>) -> Blob {
    Blob {
        diff_id: sha(&tar),
        data: tar,
        media_type: "application/vnd.oci.image.layer.v1.tar",
    }
}

/// An OCI archive of `layers`; `index` replaces index.json's bytes (written
/// as `index_size` spaces when given).
fn write_oci(path: &Path, layers: Vec<Blob>, index_spaces: Option<u64>) -> io::Result<()> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", l.diff_id))
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": layers.iter().map(|_| serde_json::json!({"created_by": "RUN hostile"})).collect::<Vec<_>>(),
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", sha(&config)), "size": config.len()},
        "layers": layers.iter().map(|l| serde_json::json!({"mediaType": l.media_type, "digest": format!("sha256:{}", sha(&l.data)), "size": l.data.len()})).collect::<Vec<_>>(),
    }))
    .unwrap();
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{}", sha(&manifest)), "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "hostile:latest"}}],
    }))
    .unwrap();
    let mut b = tar::Builder::new(BufWriter::new(File::create(path)?));
    let add = |b: &mut tar::Builder<BufWriter<File>>, name: &str, data: &[u8]| {
        let mut h = header(name, tar::EntryType::Regular, data.len() as u64);
        b.append_data(&mut h, name, data)
    };
    add(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    for l in &layers {
        let name = format!("blobs/sha256/{}", sha(&l.data));
        add(&mut b, &name, &l.data)?;
    }
    add(&mut b, &format!("blobs/sha256/{}", sha(&config)), &config)?;
    add(
        &mut b,
        &format!("blobs/sha256/{}", sha(&manifest)),
        &manifest,
    )?;
    match index_spaces {
        None => add(&mut b, "index.json", &index)?,
        Some(n) => {
            let mut h = header("index.json", tar::EntryType::Regular, n);
            b.append_data(&mut h, "index.json", io::repeat(b' ').take_n(n))?;
        }
    }
    b.into_inner()?.flush()
}

trait TakeN: io::Read + Sized {
    fn take_n(self, n: u64) -> io::Take<Self> {
        io::Read::take(self, n)
    }
}
impl<R: io::Read> TakeN for R {}

fn small() -> Blob {
    plain(layer([file("etc/hostname", b"hostile\n")]))
}

fn main() -> io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/hostile".into());
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let only = std::env::args().nth(2);
    let want = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));

    if want("zstd-bomb") {
        // 1 MiB of zstd → a 32 GiB file of zeros.
        let size = (32u64 << 30) - 1024;
        let head = header("bomb", tar::EntryType::Regular, size);
        let data = zstd_bomb(head.as_bytes(), size + 1024, 17);
        let diff_id = sha_zeros(head.as_bytes(), size + 1024);
        let bomb = Blob {
            data,
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
            diff_id,
        };
        write_oci(&dir.join("zstd-bomb-32g.tar"), vec![small(), bomb], None)?;
    }
    if want("gzip-bomb") {
        // Repeated gzip members of 1 MiB of zeros → a 4 GiB file.
        let members = 4096u64;
        let size = members * (1 << 20) - 1024;
        let head = header("bomb", tar::EntryType::Regular, size);
        let mut data = gzip(head.as_bytes());
        let mib = gzip(&vec![0u8; 1 << 20]);
        for _ in 0..members {
            data.extend_from_slice(&mib);
        }
        let diff_id = sha_zeros(head.as_bytes(), size + 1024);
        let bomb = Blob {
            data,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
            diff_id,
        };
        write_oci(&dir.join("gzip-bomb-4g.tar"), vec![small(), bomb], None)?;
    }
    if want("zstd-window") {
        let tar = layer([file("a", b"aaaa")]);
        let bomb = Blob {
            diff_id: sha(&tar),
            data: zstd_bomb(&tar, 0, 41),
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
        };
        write_oci(&dir.join("zstd-window-2t.tar"), vec![small(), bomb], None)?;
    }
    if want("million") {
        let tar = layer((0..1_000_000).map(|i| file(format!("d{}/f{i}", i / 1000), b"")));
        let gz = gzip(&tar);
        let bomb = Blob {
            diff_id: sha(&tar),
            data: gz,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
        };
        write_oci(&dir.join("million-files.tar"), vec![bomb], None)?;
    }
    if want("opaque") {
        let n = 100_000;
        let lower = layer((0..n).map(|i| file(format!("d/f{i}"), b"")));
        let mut upper: Vec<_> = (0..n).map(|_| file("d/.wh..wh..opq", b"")).collect();
        upper.extend((0..n).map(|i| file(format!("o{i}/.wh..wh..opq"), b"")));
        write_oci(
            &dir.join("opaque-100k.tar"),
            vec![plain(lower), plain(layer(upper))],
            None,
        )?;
    }
    for (name, depth) in [("deep-10000.tar", 10_000usize), ("deep-2045.tar", 2045)] {
        if want(name) {
            let d = vec!["d"; depth].join("/");
            let lower = layer([
                file(format!("{d}/file"), b"bottom"),
                file(format!("{d}/gone"), b"x"),
            ]);
            let upper = layer([
                file(format!("{d}/.wh.gone"), b""),
                (
                    format!("{d}/link"),
                    tar::EntryType::Symlink,
                    Vec::new(),
                    Some("file".into()),
                ),
            ]);
            write_oci(&dir.join(name), vec![plain(lower), plain(upper)], None)?;
        }
    }
    if want("header-100g") {
        let mut tar = layer([file("before", b"b")]);
        tar.truncate(tar.len() - 1024);
        tar.extend_from_slice(header("huge", tar::EntryType::Regular, 100_000_000_000).as_bytes());
        tar.extend_from_slice(&[0u8; 1024]);
        write_oci(
            &dir.join("header-100g.tar"),
            vec![small(), plain(tar)],
            None,
        )?;
    }
    if want("layers-1000") {
        let layers = (0..1000)
            .map(|i| {
                let mut e = vec![
                    file(format!("layer/{i}"), format!("{i}").as_bytes()),
                    file("shared/rewritten", format!("{i}").as_bytes()),
                ];
                if i > 0 {
                    e.push(file(format!("layer/.wh.{}", i - 1), b""));
                }
                plain(layer(e))
            })
            .collect();
        write_oci(&dir.join("layers-1000.tar"), layers, None)?;
    }
    if want("index-spaces") {
        write_oci(
            &dir.join("index-spaces-3g.tar"),
            vec![small()],
            Some(3 << 30),
        )?;
    }
    Ok(())
}
