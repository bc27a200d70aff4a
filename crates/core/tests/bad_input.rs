//! The engine on bad input: it must never panic, hang or answer silently
//! wrong. Each case asserts the `ErrorKind` (or the diagnostic) a caller
//! would branch on, and that the error says where (member, layer, path), as
//! a person reading the one line would need. Every archive is read through
//! `analyze` (seekable), `analyze_stream` (forward-only), both again
//! through random short reads, and the way the page's scanners read it (each
//! layer's byte range alone, hashed by the caller, stacked in order:
//! `support::the_pages_way`); all five must agree
//! (`support::analyze_every_way`). Inputs are small, so every test is bounded by construction.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::{
    analyze, analyze_stream, Analysis, ErrorKind, FileKind, Options, ProgressInfo, Severity,
};
use std::collections::BTreeMap;
use std::io::Cursor;
use support::*;

/// A small image with something of everything: plain, gzip and zstd layers,
/// a whiteout, an opaque directory, a hard link, a symlink, a fifo.
fn sample() -> ImageSpec {
    ImageSpec::new()
        .layer(&[
            Entry::dir("etc"),
            Entry::file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
            Entry::dir("bin"),
            Entry::file("bin/sh", vec![7u8; 3000]).mode(0o755),
            Entry::symlink("bin/ls", "sh"),
            Entry::dir("var/cache"),
            Entry::file("var/cache/a", "aaaa"),
        ])
        .layer_comp(
            &[
                Entry::whiteout("etc/passwd"),
                Entry::file("etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
                Entry::opaque("var/cache"),
                Entry::file("var/cache/b", "bbbbbb"),
                Entry::hardlink("bin/sh2", "bin/sh"),
            ],
            Comp::Gzip,
        )
        .layer_comp(
            &[
                Entry::file(
                    "data/big",
                    (0..20_000u32)
                        .map(|i| (i * 7 % 251) as u8)
                        .collect::<Vec<_>>(),
                ),
                Entry::fifo("run/fifo"),
            ],
            Comp::Zstd,
        )
}

fn assert_display_names(e: &layerscope_core::Error, parts: &[&str]) {
    let line = e.to_string();
    for p in parts {
        assert!(
            line.contains(p),
            "the error line {line:?} does not name {p:?}"
        );
    }
}

fn has_diag(a: &Analysis, severity: Severity, layer: Option<usize>, needle: &str) -> bool {
    a.diagnostics
        .iter()
        .any(|d| d.severity == severity && d.layer == layer && d.message.contains(needle))
}

// ---------------------------------------------------------------------------
// Not an image at all
// ---------------------------------------------------------------------------

#[test]
fn empty_file() {
    let e = err(analyze_every_way(&[]));
    assert_eq!(e.kind, ErrorKind::Empty);
    assert!(e.message.contains("empty"), "{e}");
}

#[test]
fn random_bytes() {
    let mut rng = Rng(42);
    for len in [1usize, 2, 100, 511, 512, 513, 1024, 4096, 70_000] {
        for round in 0..4 {
            let mut bytes = rng.bytes(len);
            // Half the time, start like gzip or zstd so the decoders meet garbage.
            match round {
                1 if len >= 2 => bytes[..2].copy_from_slice(&[0x1f, 0x8b]),
                2 if len >= 4 => bytes[..4].copy_from_slice(&[0x28, 0xb5, 0x2f, 0xfd]),
                _ => {}
            }
            let e = err(analyze_every_way(&bytes));
            assert!(
                matches!(
                    e.kind,
                    ErrorKind::NotAnArchive | ErrorKind::Corrupt | ErrorKind::Truncated
                ),
                "{len} random bytes (round {round}): {e:?}"
            );
            assert!(!e.message.is_empty());
        }
    }
}

#[test]
fn json_document_given_as_archive() {
    let a = sample().docker_save();
    let e = err(analyze_every_way(a.get("manifest.json")));
    assert_eq!(e.kind, ErrorKind::NotAnArchive);
    assert!(e.message.contains("JSON"), "{e}");
    let e = err(analyze_every_way(a.get(&a.config_member)));
    assert_eq!(e.kind, ErrorKind::NotAnArchive);
}

#[test]
fn bare_filesystem_tar() {
    let bytes = corpus("regclient-regclient/testdata/layer.tar");
    let e = err(analyze_every_way(&bytes));
    assert_eq!(e.kind, ErrorKind::NotAnImage);
    assert!(e.message.contains("index.json"), "{e}");
    // A rootfs tar gets told apart from other tars.
    let rootfs = layer_tar(&[Entry::dir("etc"), Entry::file("etc/hostname", "x\n")]);
    let e = err(analyze_every_way(&rootfs));
    assert_eq!(e.kind, ErrorKind::NotAnImage);
    assert!(e.message.contains("filesystem tar"), "{e}");
}

#[test]
fn tar_with_no_members() {
    // Only the two zero blocks: a tar, but nothing in it.
    let e = err(analyze_every_way(&[0u8; 1024]));
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
    // The same, gzip-compressed (read forward-only whatever the reader).
    let e = err(analyze_every_way(&compress(&[0u8; 1024], Comp::Gzip)));
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
}

// ---------------------------------------------------------------------------
// Truncation
// ---------------------------------------------------------------------------

/// Where a tar's last member's data ends, rounded up to a block: cutting
/// there or later removes only the end-of-archive blocks.
fn end_of_last_member(tar_bytes: &[u8]) -> usize {
    let mut ar = tar::Archive::new(Cursor::new(tar_bytes));
    let mut end = 0u64;
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        end = e.raw_file_position() + e.size();
    }
    end.div_ceil(512) as usize * 512
}

/// Cuts `full` at each offset and reads the rest every way in `ways`: each
/// read must fail, or give exactly the answer the whole archive gives.
/// Cuts that remove only the end-of-archive blocks must give that answer.
fn check_truncations(label: &str, full: &[u8], offsets: &[usize], ways: &[usize]) {
    let reference = summary(&ok(run_way(0, full)));
    // For a compressed archive every cut loses data.
    let clean_end = if layerscope_core::archive::compression::is_tar_header(full) {
        end_of_last_member(full)
    } else {
        usize::MAX
    };
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for &cut in offsets {
        assert!(cut < full.len());
        for &way in ways {
            let what = format!(
                "{label} cut at {cut} of {}, read by {}",
                full.len(),
                WAYS[way]
            );
            let result = no_panic(&what, || run_way(way, &full[..cut]));
            match result {
                Ok(a) => {
                    let s = summary(&a);
                    if s != reference {
                        panic!(
                            "{what}: a wrong answer instead of an error:\n{}",
                            first_difference(&reference, &s)
                        );
                    }
                    *kinds.entry("ok".into()).or_default() += 1;
                }
                Err(e) => {
                    assert!(
                        !(cut >= clean_end && cut % 512 == 0),
                        "{what}: only the end-of-archive blocks are cut, yet: {e}"
                    );
                    assert!(!e.message.is_empty(), "{what}: an error without a message");
                    *kinds.entry(format!("{:?}", e.kind)).or_default() += 1;
                }
            }
        }
    }
    eprintln!(
        "{label}: {} cuts x {} ways: {kinds:?}",
        offsets.len(),
        ways.len()
    );
}

/// Every block boundary, plus odd offsets around each member's header and
/// inside its data.
fn cut_offsets(full: &[u8]) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..full.len()).step_by(512).collect();
    let mut ar = tar::Archive::new(Cursor::new(full));
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        let h = e.raw_header_position() as usize;
        let d = e.raw_file_position() as usize;
        let size = e.size() as usize;
        for c in [
            h + 1,
            h + 100,
            h + 511,
            d + 1,
            d + size / 2 + 3,
            d + size.saturating_sub(1),
        ] {
            if c < full.len() {
                cuts.push(c);
            }
        }
    }
    cuts.extend([full.len() - 1, full.len() - 511, full.len() - 513]);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_docker_save_from_the_corpus() {
    let full = corpus("wagoodman-dive/.data/test-docker-image.tar");
    // Every block boundary through the seekable reader; the forward-only
    // reader (which must read everything before the cut) on every fourth.
    let cuts = cut_offsets(&full);
    check_truncations("dive test-docker-image.tar", &full, &cuts, &[0]);
    let sparse: Vec<usize> = cuts
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| i % 4 == 0)
        .map(|(_, c)| c)
        .collect();
    check_truncations("dive test-docker-image.tar", &full, &sparse, &[1]);
}

#[test]
fn truncated_oci_archives_from_the_corpus() {
    for name in [
        "wagoodman-dive/.data/test-oci-gzip-image.tar",
        "wagoodman-dive/.data/test-oci-zstd-image.tar",
        "wagoodman-dive/.data/test-oci-uncompressed-image.tar",
        "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
    ] {
        let full = corpus(name);
        check_truncations(name, &full, &cut_offsets(&full), &[0, 1, 2, 3]);
    }
}

#[test]
fn truncated_synthetic_images() {
    let spec = sample();
    for (label, archive) in [("docker save", spec.docker_save()), ("oci", spec.oci())] {
        let full = archive.tar();
        check_truncations(label, &full, &cut_offsets(&full), &[0, 1, 2, 3]);
    }
}

#[test]
fn truncated_gzipped_archive() {
    // `docker save | gzip`: the whole archive compressed, read as a stream.
    let tar = sample().oci().tar();
    let full = compress(&tar, Comp::Gzip);
    let cuts: Vec<usize> = (1..full.len())
        .step_by(97)
        .chain([full.len() - 4, full.len() - 1])
        .collect();
    check_truncations("oci.tar.gz", &full, &cuts, &[0, 1, 3]);
}

// ---------------------------------------------------------------------------
// Corrupt layers
// ---------------------------------------------------------------------------

/// The image with the blob of layer `layer` changed by `f` in place (name
/// and descriptor kept).
fn tampered(docker: bool, layer: usize, f: impl FnOnce(&mut Vec<u8>)) -> (Archive, Vec<u8>) {
    let spec = sample();
    let mut a = if docker {
        spec.docker_save()
    } else {
        spec.oci()
    };
    let member = a.layer_members[layer].clone();
    f(a.get_mut(&member));
    let tar = a.tar();
    (a, tar)
}

#[test]
fn corrupt_gzip_layer() {
    for docker in [false, true] {
        // Flip bytes in the middle of the deflate data.
        let (a, bytes) = tampered(docker, 1, |blob| {
            let mid = blob.len() / 2;
            for b in &mut blob[mid..mid + 8] {
                *b ^= 0x5a;
            }
        });
        let e = err(analyze_every_way(&bytes));
        assert!(
            matches!(e.kind, ErrorKind::Corrupt),
            "docker={docker}: {e:?}"
        );
        assert_eq!(e.layer, Some(1), "{e:?}");
        assert_eq!(e.member.as_deref(), Some(a.layer_members[1].as_str()));
        assert_display_names(&e, &["layer 1", &a.layer_members[1], "gzip"]);
    }
}

#[test]
fn gzip_layer_with_a_bad_crc() {
    for docker in [false, true] {
        let (a, bytes) = tampered(docker, 1, |blob| {
            let n = blob.len();
            blob[n - 8] ^= 0xff; // the CRC32 of the gzip trailer
        });
        let e = err(analyze_every_way(&bytes));
        assert_eq!(e.kind, ErrorKind::Corrupt, "docker={docker}: {e:?}");
        assert_eq!(e.layer, Some(1));
        assert_eq!(e.member.as_deref(), Some(a.layer_members[1].as_str()));
        assert_display_names(&e, &["layer 1", "gzip"]);
    }
}

#[test]
fn gzip_layer_with_a_bad_length_trailer() {
    let (_, bytes) = tampered(false, 1, |blob| {
        let n = blob.len();
        blob[n - 1] ^= 0x01; // ISIZE of the gzip trailer
    });
    let e = err(analyze_every_way(&bytes));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(1));
}

#[test]
fn corrupt_zstd_layer() {
    // A reserved block type: the decoder must refuse it.
    let (a, bytes) = tampered(false, 2, |blob| {
        // Frame header: magic (4), descriptor (1), then window/fcs fields;
        // find the first block header by decoding the descriptor.
        let fhd = blob[4];
        let single = fhd & 0x20 != 0;
        let did = [0, 1, 2, 4][(fhd & 3) as usize];
        let fcs = match fhd >> 6 {
            0 => usize::from(single),
            1 => 2,
            2 => 4,
            _ => 8,
        };
        let at = 5 + usize::from(!single) + did + fcs;
        blob[at] |= 0b110; // block type 3: reserved
    });
    let e = err(analyze_every_way(&bytes));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(2));
    assert_eq!(e.member.as_deref(), Some(a.layer_members[2].as_str()));
    assert_display_names(&e, &["layer 2", "zstd"]);
}

#[test]
fn zstd_layer_with_flipped_bytes_is_never_silently_wrong() {
    // zstd without a checksum may decode flipped bytes into other bytes: then
    // the digests must say so. Either way, no quiet answer.
    for docker in [false, true] {
        for offset in [10usize, 40, 200, 700, 1500] {
            let (_, bytes) = tampered(docker, 2, |blob| {
                let at = offset.min(blob.len() - 2);
                blob[at] ^= 0x10;
            });
            match analyze_every_way(&bytes) {
                Err(e) => {
                    assert!(
                        matches!(e.kind, ErrorKind::Corrupt | ErrorKind::Truncated),
                        "docker={docker} offset {offset}: {e:?}"
                    );
                    assert_eq!(e.layer, Some(2), "{e:?}");
                }
                Ok(a) => {
                    assert!(
                        a.has_errors(),
                        "docker={docker} offset {offset}: a flipped byte went unnoticed"
                    );
                    let l = &a.layers[2];
                    assert!(
                        l.digest_ok == Some(false) || l.diff_id_ok == Some(false),
                        "docker={docker} offset {offset}: {:?} {:?}",
                        l.digest_ok,
                        l.diff_id_ok
                    );
                }
            }
        }
    }
}

#[test]
fn truncated_layer_blob_inside_an_intact_archive() {
    for docker in [false, true] {
        for layer in 0..3 {
            let (a, bytes) = tampered(docker, layer, |blob| {
                let n = blob.len();
                blob.truncate(n * 2 / 3);
            });
            let e = err(analyze_every_way(&bytes));
            assert!(
                matches!(e.kind, ErrorKind::Truncated | ErrorKind::Corrupt),
                "docker={docker} layer {layer}: {e:?}"
            );
            assert_eq!(e.layer, Some(layer), "{e:?}");
            assert_eq!(e.member.as_deref(), Some(a.layer_members[layer].as_str()));
        }
    }
}

// ---------------------------------------------------------------------------
// Missing and extra members
// ---------------------------------------------------------------------------

#[test]
fn missing_layer_blob() {
    for docker in [false, true] {
        let spec = sample();
        let mut a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let member = a.layer_members[1].clone();
        a.remove(&member);
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::MissingBlob, "docker={docker}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(member.as_str()));
        assert_eq!(e.layer, Some(1));
        assert_display_names(&e, &["layer 1", &member]);
    }
}

#[test]
fn missing_config() {
    for docker in [false, true] {
        let spec = sample();
        let mut a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let config = a.config_member.clone();
        a.remove(&config);
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::MissingBlob, "docker={docker}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(config.as_str()));
        assert_display_names(&e, &[&config]);
    }
}

#[test]
fn missing_manifest_blob() {
    let mut a = sample().oci();
    let manifest = a.manifest_member.clone().unwrap();
    a.remove(&manifest);
    let e = err(analyze_every_way(&a.tar()));
    // The index's only image is absent: nothing to show, and the error says which.
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
    assert_eq!(e.member.as_deref(), Some("index.json"));
    let hex = manifest.trim_start_matches("blobs/sha256/");
    assert!(e.message.contains(&hex[..12]), "{e}");
}

#[test]
fn missing_manifest_json_and_index_json() {
    let mut a = sample().oci();
    a.remove("index.json");
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
    // Without manifest.json, `repositories` and the per-layer json chain
    // still describe the image (the pre-1.10 reading): all layers, in order.
    let mut a = sample().docker_save();
    a.remove("manifest.json");
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(an.layers.len(), 3);
    let full = ok(analyze_every_way(&sample().docker_save().tar()));
    assert_eq!(
        format!("{:?}", an.listing(&an.union)),
        format!("{:?}", full.listing(&full.union))
    );
    assert!(
        has_diag(&an, Severity::Info, None, "pre-1.10"),
        "{:#?}",
        an.diagnostics
    );
}

#[test]
fn extra_unreferenced_blobs_change_nothing() {
    let spec = sample();
    for docker in [false, true] {
        let clean = ok(analyze_every_way(
            &if docker {
                spec.docker_save()
            } else {
                spec.oci()
            }
            .tar(),
        ));
        let mut a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let garbage = Rng(7).bytes(3000);
        a.add(blob_name(&garbage), garbage);
        // A corrupt gzip blob nobody uses: the forward-only reader scans it
        // on the way and must not fail because of it.
        let mut bad_gzip = compress(&layer_tar(&[Entry::file("x", "x")]), Comp::Gzip);
        let n = bad_gzip.len();
        bad_gzip[n / 2] ^= 0xff;
        bad_gzip[n - 8] ^= 0xff;
        a.add(blob_name(&bad_gzip), bad_gzip);
        // A truncated layer tar nobody uses.
        let cut = layer_tar(&[Entry::file("y", vec![1u8; 5000])])[..1500].to_vec();
        a.add(blob_name(&cut), cut);
        // A JSON document nobody uses.
        a.add("blobs/sha256/notes.json", b"{\"not\": \"used\"}".to_vec());
        let with_extra = ok(analyze_every_way(&a.tar()));
        let (s1, s2) = (summary(&clean), summary(&with_extra));
        assert!(
            s1 == s2,
            "docker={docker}: extra blobs changed the answer:\n{}",
            first_difference(&s1, &s2)
        );
    }
}

// ---------------------------------------------------------------------------
// Bad JSON
// ---------------------------------------------------------------------------

#[test]
fn bad_json_in_manifest_json() {
    for text in [
        &b"[{\"Config\": "[..],
        b"{}",
        b"[{\"Layers\": []}]",
        b"[1, 2]",
    ] {
        let mut a = sample().docker_save();
        a.set("manifest.json", text.to_vec());
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(
            e.kind,
            ErrorKind::BadJson,
            "{:?}: {e:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(e.member.as_deref(), Some("manifest.json"));
        assert_display_names(&e, &["manifest.json"]);
    }
}

#[test]
fn manifest_json_that_is_null_or_empty() {
    for text in [&b"null"[..], b"[]"] {
        let mut a = sample().docker_save();
        a.set("manifest.json", text.to_vec());
        a.remove("repositories");
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
        assert_eq!(e.member.as_deref(), Some("manifest.json"));
        assert!(e.message.contains("null or empty"), "{e}");
    }
}

#[test]
fn bad_json_in_index_json() {
    for text in [
        &b"{\"manifests\": [{\"digest\": "[..],
        b"null",
        b"{\"manifests\": 3}",
        b"{\"manifests\": [{}]}",
    ] {
        let mut a = sample().oci();
        a.set("index.json", text.to_vec());
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(
            e.kind,
            ErrorKind::BadJson,
            "{:?}: {e:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(e.member.as_deref(), Some("index.json"));
    }
    // An index with no manifest in it (serde reads `[]` as a struct with no fields).
    for text in [&b"[]"[..], b"{}", b"{\"manifests\": []}"] {
        let mut a = sample().oci();
        a.set("index.json", text.to_vec());
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(
            e.kind,
            ErrorKind::NotAnImage,
            "{:?}: {e:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(e.member.as_deref(), Some("index.json"));
    }
    // A descriptor whose digest is not a digest.
    let mut a = sample().oci();
    a.set(
        "index.json",
        br#"{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../etc/passwd","size":1}]}"#.to_vec(),
    );
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::BadJson, "{e:?}");
    assert!(e.message.contains("digest"), "{e}");
}

#[test]
fn bad_json_in_the_config() {
    for docker in [false, true] {
        let mut spec = sample();
        spec.raw_config = Some(b"{\"rootfs\": {\"diff_ids\": [".to_vec());
        let a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::BadJson, "docker={docker}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(a.config_member.as_str()));
        assert_display_names(&e, &[&a.config_member]);
    }
}

#[test]
fn bad_json_in_the_oci_manifest() {
    let spec = sample();
    let mut a = spec.oci();
    // Well-formed JSON with a config that is not a descriptor, under its true digest.
    let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"size":3},"layers":[]}"#.to_vec();
    let old = a.manifest_member.clone().unwrap();
    a.remove(&old);
    a.add(blob_name(&manifest), manifest.clone());
    a.set(
        "index.json",
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &manifest, None)]})).unwrap(),
    );
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::BadJson, "{e:?}");
    assert_eq!(e.member.as_deref(), Some(blob_name(&manifest).as_str()));
}

// ---------------------------------------------------------------------------
// Digests
// ---------------------------------------------------------------------------

#[test]
fn digest_mismatch() {
    // Layer 0 is a plain tar: change one byte of a file's content, keeping
    // the blob's name and descriptor.
    let spec = sample();
    let mut a = spec.oci();
    let member = a.layer_members[0].clone();
    let blob = a.get_mut(&member);
    let at = blob.windows(4).position(|w| w == b"root").unwrap();
    blob[at] = b'R';
    let an = ok(analyze_every_way(&a.tar()));
    assert!(an.has_errors());
    let l = &an.layers[0];
    assert_eq!(l.digest_ok, Some(false));
    assert_eq!(l.diff_id_ok, Some(false));
    assert_eq!(
        l.expected_digest.as_ref().unwrap().hex,
        member.trim_start_matches("blobs/sha256/")
    );
    assert!(
        has_diag(&an, Severity::Error, Some(0), "digest mismatch"),
        "{:#?}",
        an.diagnostics
    );
    assert!(
        has_diag(&an, Severity::Error, Some(0), "diff_id mismatch"),
        "{:#?}",
        an.diagnostics
    );
    // The other layers are fine, and the answer shows what the bytes say.
    assert_eq!(an.layers[1].digest_ok, Some(true));
    assert_eq!(an.layers[2].digest_ok, Some(true));
    assert!(an.file("etc/passwd").is_some());
}

#[test]
fn blob_of_another_size_than_its_descriptor() {
    let spec = sample();
    let mut a = spec.oci();
    let member = a.layer_members[0].clone();
    // The same entries plus padding: still a valid tar, a different size.
    a.get_mut(&member).extend_from_slice(&[0u8; 512]);
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(an.layers[0].digest_ok, Some(false));
    assert!(
        has_diag(&an, Severity::Error, Some(0), "size mismatch"),
        "{:#?}",
        an.diagnostics
    );
}

#[test]
fn diff_id_mismatch() {
    for docker in [false, true] {
        let mut spec = sample();
        let mut ids: Vec<String> = spec
            .layers
            .iter()
            .map(|l| sha256(&l.tar).to_string())
            .collect();
        ids[2] = sha256(b"something else").to_string();
        spec.diff_ids = Some(ids);
        let a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let an = ok(analyze_every_way(&a.tar()));
        assert!(an.has_errors());
        assert_eq!(an.layers[2].diff_id_ok, Some(false), "docker={docker}");
        assert_eq!(an.layers[1].diff_id_ok, Some(true));
        if !docker {
            assert_eq!(an.layers[2].digest_ok, Some(true));
        }
        assert!(
            has_diag(&an, Severity::Error, Some(2), "diff_id mismatch"),
            "{:#?}",
            an.diagnostics
        );
    }
}

#[test]
fn config_with_fewer_diff_ids_than_layers() {
    let mut spec = sample();
    spec.diff_ids = Some(vec![sha256(&spec.layers[0].tar).to_string()]);
    let an = ok(analyze_every_way(&spec.oci().tar()));
    assert!(
        has_diag(&an, Severity::Error, None, "diff_ids"),
        "{:#?}",
        an.diagnostics
    );
    assert_eq!(an.layers[0].diff_id_ok, Some(true));
    assert_eq!(an.layers[2].diff_id_ok, None);
}

// ---------------------------------------------------------------------------
// Tar headers
// ---------------------------------------------------------------------------

/// Writes the octal size field of a header in place and fixes its checksum.
fn set_raw_size(header: &mut [u8], field: &[u8; 12]) {
    header[124..136].copy_from_slice(field);
    let mut h = tar::Header::new_old();
    h.as_mut_bytes().copy_from_slice(&header[..512]);
    h.set_cksum();
    header[..512].copy_from_slice(h.as_bytes());
}

const ABSURD: &[u8; 12] = b"77777777777\0";

#[test]
fn absurd_size_in_a_layer_header() {
    for docker in [false, true] {
        let mut tar = layer_tar(&[
            Entry::file("a", "aaaa"),
            Entry::file("huge", "hhhh"),
            Entry::file("z", "z"),
        ]);
        // The second header starts after the first entry's header and one data block.
        set_raw_size(&mut tar[1024..1536], ABSURD);
        let spec = ImageSpec::new()
            .layer(&[Entry::file("base", "b")])
            .layer_tar(tar, Comp::None);
        let a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        let e = err(analyze_every_way(&a.tar()));
        assert!(
            matches!(e.kind, ErrorKind::Truncated | ErrorKind::Corrupt),
            "docker={docker}: {e:?}"
        );
        assert_eq!(e.layer, Some(1), "{e:?}");
        assert_eq!(e.path.as_deref(), Some("huge"), "{e:?}");
        assert_display_names(&e, &["layer 1", "/huge"]);
    }
}

#[test]
fn absurd_size_in_a_compressed_layer_header() {
    let mut tar = layer_tar(&[Entry::file("huge", "hhhh"), Entry::file("z", "z")]);
    set_raw_size(&mut tar[..512], ABSURD);
    let spec = ImageSpec::new().layer_tar(tar, Comp::Gzip);
    let e = err(analyze_every_way(&spec.oci().tar()));
    assert!(
        matches!(e.kind, ErrorKind::Truncated | ErrorKind::Corrupt),
        "{e:?}"
    );
    assert_eq!(e.layer, Some(0));
    assert_eq!(e.path.as_deref(), Some("huge"), "{e:?}");
}

#[test]
fn absurd_size_in_the_outer_archive() {
    for docker in [false, true] {
        let spec = sample();
        let a = if docker {
            spec.docker_save()
        } else {
            spec.oci()
        };
        for (name, header, _) in a.offsets() {
            let mut bytes = a.tar();
            let h = header as usize;
            set_raw_size(&mut bytes[h..h + 512], ABSURD);
            let e = err(analyze_every_way(&bytes));
            assert!(
                matches!(e.kind, ErrorKind::Truncated | ErrorKind::Corrupt),
                "docker={docker}, member {name} claims 8 GiB: {e:?}"
            );
            assert_eq!(
                e.member.as_deref(),
                Some(name.as_str()),
                "docker={docker}, member {name}: {e:?}"
            );
        }
    }
}

#[test]
fn malformed_numeric_fields_in_a_layer_header() {
    // A mode field of letters: the entry's header is corrupt, and the error says which entry.
    let mut tar = layer_tar(&[Entry::file("ok", "1"), Entry::file("bad", "2")]);
    let h = &mut tar[1024..1536];
    h[100..108].copy_from_slice(b"zzzzzzz\0");
    let mut hdr = tar::Header::new_old();
    hdr.as_mut_bytes().copy_from_slice(h);
    hdr.set_cksum();
    h.copy_from_slice(hdr.as_bytes());
    let spec = ImageSpec::new().layer_tar(tar, Comp::None);
    let e = err(analyze_every_way(&spec.oci().tar()));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(0));
    assert_eq!(e.path.as_deref(), Some("bad"), "{e:?}");
}

#[test]
fn bad_header_checksum_in_a_layer() {
    let mut tar = layer_tar(&[Entry::file("ok", "1"), Entry::file("bad", "2")]);
    tar[1024 + 10] ^= 0x01; // a name byte, checksum left as it was
    let spec = ImageSpec::new().layer_tar(tar, Comp::None);
    let e = err(analyze_every_way(&spec.oci().tar()));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(0));
    assert!(
        e.message.contains("/ok"),
        "the error says after which entry: {e}"
    );
}

#[test]
fn names_that_climb_out_of_the_root_and_absolute_names() {
    let spec = ImageSpec::new().layer(&[
        Entry::file("/etc/x", "abs"),
        Entry::file("../x", "escape"),
        Entry::file("a/../../y", "escape too"),
        Entry::file("./ok/../fine", "inside"),
        Entry::hardlink("link", "../../etc/shadow"),
        Entry::symlink("sym", "../../../etc/shadow"),
    ]);
    for a in [spec.docker_save(), spec.oci()] {
        let an = ok(analyze_every_way(&a.tar()));
        let listing = an.listing(&an.union);
        let keys: Vec<&str> = listing.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(keys, ["etc", "etc/x", "fine", "sym"], "{keys:?}");
        let escaped: Vec<_> = an
            .diagnostics
            .iter()
            .filter(|d| {
                d.severity == Severity::Warning
                    && d.layer == Some(0)
                    && d.message.contains("climbs out")
            })
            .collect();
        assert_eq!(escaped.len(), 2, "{:#?}", an.diagnostics);
        assert!(escaped[0].message.contains("../x"));
        assert!(escaped[1].message.contains("a/../../y"));
        assert!(
            an.diagnostics
                .iter()
                .any(|d| d.layer == Some(0) && d.path.as_deref() == Some("link")),
            "the hard link with an escaping target is reported: {:#?}",
            an.diagnostics
        );
        // A symlink's target is data, kept as written.
        assert_eq!(
            an.file("sym").expect("sym").link(),
            Some("../../../etc/shadow")
        );
        assert_eq!(an.layers[0].size, 3 + 6);
    }
}

#[test]
fn layer_without_the_end_of_archive_blocks() {
    let entries = [
        Entry::dir("d"),
        Entry::file("d/f", "content"),
        Entry::symlink("d/l", "f"),
    ];
    let full = layer_tar(&entries);
    let bare = full[..full.len() - 1024].to_vec();
    assert_eq!(bare.len() % 512, 0);
    assert!(!bare.is_empty());
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let with = ok(analyze_every_way(
            &ImageSpec::new().layer_tar(full.clone(), comp).oci().tar(),
        ));
        let without = ok(analyze_every_way(
            &ImageSpec::new().layer_tar(bare.clone(), comp).oci().tar(),
        ));
        assert!(
            !without.has_errors(),
            "{comp:?}: {:#?}",
            without.diagnostics
        );
        assert_eq!(
            format!("{:?}", with.listing(&with.union)),
            format!("{:?}", without.listing(&without.union)),
            "{comp:?}"
        );
        assert_eq!(without.layers[0].diff_id_ok, Some(true));
        assert_eq!(without.layers[0].tar_size, bare.len() as u64);
    }
}

#[test]
fn layer_that_is_an_empty_blob() {
    let spec = ImageSpec::new()
        .layer(&[Entry::file("f", "1")])
        .layer_tar(Vec::new(), Comp::None);
    let an = ok(analyze_every_way(&spec.oci().tar()));
    assert_eq!(an.layers[1].entries, 0);
    assert!(an.file("f").is_some());
}

#[test]
fn layer_that_is_a_json_document() {
    let json = b"{\"not\": \"a layer\"}".to_vec();
    let spec = ImageSpec::new().layer_raw(json.clone(), json, Comp::None);
    let a = spec.oci();
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
    assert_eq!(e.layer, Some(0));
    assert_eq!(e.member.as_deref(), Some(a.layer_members[0].as_str()));
}

#[test]
fn layer_that_is_random_bytes() {
    let junk = Rng(9).bytes(4096);
    let spec = ImageSpec::new().layer_raw(junk.clone(), junk, Comp::None);
    let a = spec.oci();
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(0));
    assert_eq!(e.member.as_deref(), Some(a.layer_members[0].as_str()));
}

// ---------------------------------------------------------------------------
// Indexes
// ---------------------------------------------------------------------------

#[test]
fn index_that_refers_to_itself() {
    // A blob cannot hold its own digest, so the loop comes with a lie: a
    // nested index stored under a digest it does not hash to, listing that
    // same digest. Beside it, a real image.
    let spec = sample();
    let mut a = spec.oci();
    let fake = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    let looping = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_INDEX, "digest": fake, "size": 10}],
    }))
    .unwrap();
    a.add(format!("blobs/sha256/{}", &fake[7..]), looping);
    let manifest = a.get(a.manifest_member.as_deref().unwrap()).to_vec();
    a.set(
        "index.json",
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": OCI_INDEX, "digest": fake, "size": 10},
                descriptor(OCI_MANIFEST, &manifest, Some("example.com/test:latest")),
            ],
        }))
        .unwrap(),
    );
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(an.layers.len(), 3);
    assert!(
        has_diag(&an, Severity::Warning, None, "refers back to itself"),
        "{:#?}",
        an.diagnostics
    );
    assert!(
        has_diag(&an, Severity::Error, None, "digest mismatch"),
        "{:#?}",
        an.diagnostics
    );

    // With nothing else listed, the loop ends in a clear error, not a hang.
    a.set(
        "index.json",
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": OCI_INDEX, "digest": fake, "size": 10}],
        }))
        .unwrap(),
    );
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
    assert_eq!(e.member.as_deref(), Some("index.json"));
}

#[test]
fn index_nested_deeply() {
    // A chain of real nested indexes, each one's digest true: followed to the end.
    let spec = sample();
    let mut a = spec.oci();
    let mut top = a.get(a.manifest_member.as_deref().unwrap()).to_vec();
    let mut top_type = OCI_MANIFEST;
    for _ in 0..5 {
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [descriptor(top_type, &top, None)],
        }))
        .unwrap();
        a.add(blob_name(&index), index.clone());
        top = index;
        top_type = OCI_INDEX;
    }
    a.set(
        "index.json",
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [descriptor(OCI_INDEX, &top, Some("t:1"))]})).unwrap(),
    );
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(an.layers.len(), 3);
    assert!(!an.has_errors(), "{:#?}", an.diagnostics);
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

#[test]
fn hard_link_to_a_missing_target() {
    let spec = ImageSpec::new().layer(&[Entry::file("a", "aaa")]).layer(&[
        Entry::hardlink("b", "nowhere/file").owner(5, 6),
        Entry::hardlink("c", "a"),
    ]);
    for a in [spec.docker_save(), spec.oci()] {
        let an = ok(analyze_every_way(&a.tar()));
        let d = an
            .diagnostics
            .iter()
            .find(|d| d.path.as_deref() == Some("b"))
            .unwrap_or_else(|| panic!("no diagnostic for /b: {:#?}", an.diagnostics));
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.layer, Some(1));
        assert!(d.message.contains("nowhere/file"), "{d}");
        let b = &an.file("b").expect("b");
        assert_eq!((b.kind, b.size, b.uid, b.gid), (FileKind::Regular, 0, 5, 6));
        // The good link shares the target's bytes.
        assert_eq!(an.file("c").expect("c").data, an.file("a").expect("a").data);
        assert_eq!(an.file("c").expect("c").size, 3);
        assert_eq!(an.waste.wasted_bytes, 0);
    }
}

#[test]
fn member_symlink_loop_in_the_outer_archive() {
    // A docker save whose layer.tar is a symlink to itself (via another).
    let spec = sample();
    let a = spec.docker_save();
    let member = a.layer_members[0].clone();
    let dir = member.trim_end_matches("/layer.tar");
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in &a.members {
        if *name == member {
            for (from, to) in [
                (member.clone(), "other.tar".to_string()),
                (format!("{dir}/other.tar"), "layer.tar".to_string()),
            ] {
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                h.set_cksum();
                b.append_link(&mut h, &from, &to).unwrap();
            }
            continue;
        }
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    let bytes = b.into_inner().unwrap();
    let e = err(analyze_every_way(&bytes));
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
    assert_eq!(e.layer, Some(0));
    assert_eq!(e.member.as_deref(), Some(member.as_str()));
}

// ---------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Counting<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

struct Cancelled {
    result: Result<Analysis, layerscope_core::Error>,
    /// Calls of the sink after it said stop.
    calls_after: usize,
    /// Bytes of the input read in all.
    bytes_read: u64,
}

/// Reads every way with a sink that says stop once `stop` holds.
fn cancel_every_way(bytes: &[u8], stop: impl Fn(&ProgressInfo) -> bool) -> Vec<Cancelled> {
    (0..WAYS.len())
        .map(|way| {
            let mut stopped = false;
            let mut calls_after = 0usize;
            let mut sink = |info: &ProgressInfo| {
                if stopped {
                    calls_after += 1;
                    return false;
                }
                if stop(info) {
                    stopped = true;
                    return false;
                }
                true
            };
            let o = Options::default();
            let read = std::rc::Rc::new(std::cell::Cell::new(0));
            let input = Counting {
                inner: Cursor::new(bytes),
                read: read.clone(),
            };
            let result = no_panic(WAYS[way], || match way {
                0 => analyze(input, &o, &mut sink),
                1 => analyze_stream(input, &o, &mut sink),
                2 => analyze(ShortReads::new(input, 3, 7), &o, &mut sink),
                _ => analyze_stream(ShortReads::new(input, 4, 7), &o, &mut sink),
            });
            Cancelled {
                result,
                calls_after,
                bytes_read: read.get(),
            }
        })
        .collect()
}

#[test]
fn cancellation_at_the_first_report() {
    for a in [sample().docker_save(), sample().oci()] {
        for (way, c) in cancel_every_way(&a.tar(), |_| true).into_iter().enumerate() {
            let e = err(c.result);
            assert_eq!(e.kind, ErrorKind::Cancelled, "{}: {e:?}", WAYS[way]);
            assert_eq!(
                c.calls_after, 0,
                "{}: the sink was asked again after it said stop",
                WAYS[way]
            );
        }
    }
}

#[test]
fn cancellation_after_the_first_layer() {
    let a = sample().oci();
    for (way, c) in cancel_every_way(&a.tar(), |i| i.layers_done >= 1)
        .into_iter()
        .enumerate()
    {
        let e = err(c.result);
        assert_eq!(e.kind, ErrorKind::Cancelled, "{}: {e:?}", WAYS[way]);
        assert_eq!(c.calls_after, 0);
    }
}

#[test]
fn cancellation_in_the_middle_of_a_large_layer() {
    // 2 MiB that do not compress, in one layer: the sink hears of bytes
    // before the layer ends, and the read stops soon after it says stop.
    let big = Rng(11).bytes(2 * 1024 * 1024);
    let spec = ImageSpec::new()
        .layer(&[Entry::file("small", "s")])
        .layer_comp(&[Entry::file("big", &big)], Comp::Gzip);
    for a in [spec.docker_save(), spec.oci()] {
        let bytes = a.tar();
        let total = bytes.len() as u64;
        for (way, c) in cancel_every_way(&bytes, |i| i.bytes_done >= 512 * 1024)
            .into_iter()
            .enumerate()
        {
            let e = err(c.result);
            assert_eq!(e.kind, ErrorKind::Cancelled, "{}: {e:?}", WAYS[way]);
            assert_eq!(c.calls_after, 0);
            assert!(
                c.bytes_read < total - 1024 * 1024,
                "{}: read {} of {total} bytes after a stop at 512 KiB",
                WAYS[way],
                c.bytes_read
            );
        }
        // And the same input with a patient sink reads to the end.
        for way in [0, 1] {
            let an = ok(run_way(way, &bytes));
            assert_eq!(an.file("big").expect("big").size, big.len() as u64);
        }
    }
}

#[test]
fn a_whole_archive_that_is_gzip_or_zstd_compressed() {
    let tar = sample().docker_save().tar();
    let plain = ok(analyze_every_way(&tar));
    for comp in [Comp::Gzip, Comp::Zstd] {
        let an = ok(analyze_every_way(&compress(&tar, comp)));
        let (s1, s2) = (summary(&plain), summary(&an));
        assert!(s1 == s2, "{comp:?}:\n{}", first_difference(&s1, &s2));
    }
}
