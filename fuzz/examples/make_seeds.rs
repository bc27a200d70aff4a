//! Writes the hand-made seeds in `fuzz/seeds/<target>/` (the real archives
//! of `../shared/corpus` are the other seeds, passed by path). Run from
//! `fuzz/`: `cargo run --example make_seeds`. The seeds are small on
//! purpose: a layer with one entry of each kind the engine treats apart
//! (plain, gzip, zstd), the same layers as wire scans, and the documents of
//! each archive format in the `docs` target's shape.

use layerscope_core::archive::digest::Digest;
use layerscope_core::layers::{scan, wire};
use std::io::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let plain = layer_tar();
    let gzip = gzip_of(&plain);
    let zstd = zstd_raw(&plain);
    let empty_dir = {
        let mut b = tar::Builder::new(Vec::new());
        header(&mut b, "a/", tar::EntryType::Directory, b"", None);
        b.into_inner().unwrap()
    };
    write(&root, "layer", "kinds.tar", &plain);
    write(&root, "layer", "kinds.tar.gz", &gzip);
    write(&root, "layer", "kinds.tar.zst", &zstd);
    write(&root, "layer", "one-dir.tar", &empty_dir);
    write(&root, "layer", "empty", b"");
    for (name, blob) in [
        ("kinds.tar", &plain),
        ("kinds.tar.gz", &gzip),
        ("kinds.tar.zst", &zstd),
    ] {
        let s = scan::scan(blob.as_slice()).expect("the seed layer scans");
        write(&root, "wire", &format!("{name}.scan"), &wire::to_bytes(&s));
    }
    for target in ["archive", "stream"] {
        let layers = [(&plain, &plain), (&gzip, &plain), (&zstd, &plain)];
        write(&root, target, "docker-save.tar", &docker_save(&layers));
        write(
            &root,
            target,
            "docker-save.tar.gz",
            &gzip_of(&docker_save(&layers[..1])),
        );
        write(&root, target, "oci.tar", &oci_archive(&layers[1..]));
    }
    for (name, docs) in docs() {
        write(&root, "docs", name, docs.join("\0").as_bytes());
    }
}

fn write(root: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = root.join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn header(
    b: &mut tar::Builder<Vec<u8>>,
    name: &str,
    kind: tar::EntryType,
    data: &[u8],
    link: Option<&str>,
) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(1_700_000_000);
    h.set_uid(0);
    h.set_gid(0);
    if let Some(link) = link {
        b.append_link(&mut h, name, link).unwrap();
    } else {
        b.append_data(&mut h, name, data).unwrap();
    }
}

/// One entry of each kind: directories, files (one that sniffs as a private
/// key), a symlink, a hard link, a whiteout, an opaque marker, a fifo, a
/// device, a long (GNU) name and a PAX record.
fn layer_tar() -> Vec<u8> {
    use tar::EntryType as T;
    let mut b = tar::Builder::new(Vec::new());
    header(&mut b, "etc/", T::Directory, b"", None);
    header(
        &mut b,
        "etc/passwd",
        T::Regular,
        b"root:x:0:0::/root:/bin/sh\n",
        None,
    );
    header(&mut b, "root/.ssh/id_rsa", T::Regular, b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", None);
    header(&mut b, "bin", T::Symlink, b"", Some("usr/bin"));
    header(&mut b, "etc/passwd-", T::Link, b"", Some("etc/passwd"));
    header(&mut b, "var/cache/.wh.apt", T::Regular, b"", None);
    header(
        &mut b,
        "var/lib/apt/lists/.wh..wh..opq",
        T::Regular,
        b"",
        None,
    );
    header(&mut b, "run/fifo", T::Fifo, b"", None);
    let mut dev = tar::Header::new_gnu();
    dev.set_entry_type(T::Char);
    dev.set_size(0);
    dev.set_mode(0o666);
    dev.set_mtime(1_700_000_000);
    dev.set_uid(0);
    dev.set_gid(0);
    dev.set_device_major(1).unwrap();
    dev.set_device_minor(3).unwrap();
    b.append_data(&mut dev, "dev/null", &b""[..]).unwrap();
    let long = format!("usr/share/{}/file.txt", "d".repeat(120));
    header(&mut b, &long, T::Regular, b"long", None);
    b.append_pax_extensions([("uid", &b"123456789"[..]), ("mtime", &b"1700000000.5"[..])])
        .unwrap();
    header(
        &mut b,
        "home/user/.aws/credentials",
        T::Regular,
        b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        None,
    );
    b.into_inner().unwrap()
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A zstd frame of raw blocks (no entropy coding: none of our dependencies
/// compresses zstd), which the decoder reads like any other.
fn zstd_raw(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd];
    // Frame header: single segment, an 8-byte content size, no checksum.
    out.push(0b1110_0000);
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    let chunks: Vec<&[u8]> = data.chunks(100 * 1024).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = (i + 1 == chunks.len()) as u32;
        let block = (chunk.len() as u32) << 3 | last;
        out.extend_from_slice(&block.to_le_bytes()[..3]);
        out.extend_from_slice(chunk);
    }
    out
}

fn hex(data: &[u8]) -> String {
    Digest::of(data).hex
}

fn archive_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        header(&mut b, name, tar::EntryType::Regular, data, None);
    }
    b.into_inner().unwrap()
}

/// `docker save` (before Docker 25) of layers given as (blob, tar).
fn docker_save(layers: &[(&Vec<u8>, &Vec<u8>)]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|(_, t)| format!("\"sha256:{}\"", hex(t)))
        .collect();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}},"history":[{}]}}"#,
        diff_ids.join(","),
        vec![r#"{"created_by":"COPY . /"}"#; layers.len()].join(",")
    );
    let config_name = format!("{}.json", hex(config.as_bytes()));
    let mut members = Vec::new();
    let mut names = Vec::new();
    for (blob, _) in layers {
        let name = format!("{}/layer.tar", hex(blob));
        names.push(format!("\"{name}\""));
        members.push((name, blob.to_vec()));
    }
    members.push((config_name.clone(), config.into_bytes()));
    let manifest = format!(
        r#"[{{"Config":"{config_name}","RepoTags":["seed:latest"],"Layers":[{}]}}]"#,
        names.join(",")
    );
    members.push(("manifest.json".into(), manifest.into_bytes()));
    archive_of(&members)
}

/// An OCI archive (`skopeo copy ... oci-archive:`) of layers given as (blob, tar).
fn oci_archive(layers: &[(&Vec<u8>, &Vec<u8>)]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|(_, t)| format!("\"sha256:{}\"", hex(t)))
        .collect();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        diff_ids.join(",")
    );
    let mut members = vec![(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let descriptors: Vec<String> = layers
        .iter()
        .map(|(blob, _)| {
            members.push((format!("blobs/sha256/{}", hex(blob)), blob.to_vec()));
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:{}","size":{}}}"#,
                hex(blob),
                blob.len()
            )
        })
        .collect();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{}","size":{}}},"layers":[{}]}}"#,
        hex(config.as_bytes()),
        config.len(),
        descriptors.join(",")
    );
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"latest"}}}}]}}"#,
        hex(manifest.as_bytes()),
        manifest.len()
    );
    members.push((
        format!("blobs/sha256/{}", hex(config.as_bytes())),
        config.into_bytes(),
    ));
    members.push((
        format!("blobs/sha256/{}", hex(manifest.as_bytes())),
        manifest.into_bytes(),
    ));
    members.push(("index.json".into(), index.into_bytes()));
    archive_of(&members)
}

/// Each archive format's documents, `$i` naming document i (docs target).
fn docs() -> Vec<(&'static str, Vec<&'static str>)> {
    const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$2","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$3","size":0},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$3","size":0}]}"#;
    const CONFIG: &str = r#"{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","rootfs":{"type":"layers","diff_ids":["sha256:$3","sha256:$3"]},"history":[{"created":"2024-01-02T03:04:05Z","created_by":"/bin/sh -c #(nop) ADD file:abc in / "},{"created_by":"RUN /bin/sh -c apt-get update # buildkit","empty_layer":false},{"created_by":"ENV A=b","empty_layer":true}],"config":{"Env":["PATH=/usr/bin","AWS_SECRET_ACCESS_KEY=x"],"Entrypoint":["/bin/sh"],"Cmd":["-c","true"],"User":"root","WorkingDir":"/","Labels":{"a":"b"},"ExposedPorts":{"80/tcp":{}}}}"#;
    vec![
        (
            "oci-layout",
            vec![
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$1","size":1,"annotations":{"org.opencontainers.image.ref.name":"latest"},"platform":{"architecture":"amd64","os":"linux"}}]}"#,
                MANIFEST,
                CONFIG,
                "",
            ],
        ),
        (
            "oci-nested-index",
            vec![
                r#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:$1","size":1,"annotations":{"io.containerd.image.name":"docker.io/library/x:1"}}]}"#,
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$2","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$2","size":1,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$5","size":1,"annotations":{"vnd.docker.reference.type":"attestation-manifest"},"platform":{"architecture":"unknown","os":"unknown"}}]}"#,
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$3","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:$4","size":0}]}"#,
                r#"{"architecture":"arm64","variant":"v8","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:$4"]},"history":[{"created_by":"COPY . /app"}]}"#,
                "",
                r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.in-toto+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:$4","size":0},"layers":[]}"#,
            ],
        ),
        (
            "docker-save",
            vec![
                r#"[{"Config":"$1.json","RepoTags":["x:latest","x:1"],"Layers":["$3/layer.tar","$2/layer.tar"]}]"#,
                CONFIG,
                "{}",
                "",
            ],
        ),
        (
            "docker-v1",
            vec![
                r#"{"x":{"latest":"$1","old":"$2"}}"#,
                r##"{"id":"top","parent":"$2","created":"2015-01-01T00:00:00Z","container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\"sh\"]"]},"os":"linux","architecture":"amd64"}"##,
                r##"{"id":"base","created":"2015-01-01T00:00:00Z","container_config":{"Cmd":["/bin/sh","-c","#(nop) ADD file:x in /"]}}"##,
            ],
        ),
    ]
}
