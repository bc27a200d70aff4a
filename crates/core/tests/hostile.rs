//! Hostile and damaged archives beyond `bad_input.rs`: inputs made to
//! confuse (two readers that would disagree, names that lie, documents that
//! point at themselves) rather than merely broken. Each case says what a
//! person would check: the error names the member, layer and path; the
//! diagnostic says what was odd and where; the union holds the paths a
//! runtime would see. Every archive is read every way
//! (`support::analyze_every_way`), and all ways must agree.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use layerscope_core::{Analysis, ErrorKind, FileKind, Severity};
use serde_json::json;
use support::*;

fn base() -> ImageSpec {
    ImageSpec::new().layer(&[
        Entry::dir("etc"),
        Entry::file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
        Entry::file("bin/sh", vec![7u8; 700]),
    ])
}

fn diag<'a>(
    a: &'a Analysis,
    layer: Option<usize>,
    needle: &str,
) -> Vec<&'a layerscope_core::Diagnostic> {
    a.diagnostics
        .iter()
        .filter(|d| d.layer == layer && d.message.contains(needle))
        .collect()
}

fn paths(a: &Analysis) -> Vec<String> {
    a.listing(&a.union).into_iter().map(|(p, _)| p).collect()
}

// ---------------------------------------------------------------------------
// Flipped bytes under intact compression
// ---------------------------------------------------------------------------

/// A byte of a layer's tar header flipped *before* compressing: gzip's CRC
/// and zstd's checksum hold, only the config's diff_id can tell. Every flip
/// is an error naming the layer, or an analysis that reports the diff_id
/// mismatch on that layer: never a quiet answer.
#[test]
fn flipped_bytes_in_a_tar_header_under_intact_compression() {
    let entries = [
        Entry::file("a", "aaaa"),
        Entry::file("etc/secret", "s3cr3t"),
        Entry::symlink("l", "a"),
    ];
    let intact = layer_tar(&entries);
    for comp in [Comp::Gzip, Comp::Zstd] {
        let mut spec = base().layer_tar(intact.clone(), comp);
        let diff_ids: Vec<String> = spec
            .layers
            .iter()
            .map(|l| sha256(&l.tar).to_string())
            .collect();
        let (mut caught, mut errors) = (0, 0);
        // The second entry's header, at every 3rd byte (every field is hit).
        // Each flip twice: as damage (the header's checksum left as it was)
        // and as an edit (the checksum made right again).
        // (An edit of the checksum field itself undoes itself: left out.)
        let edits = (1024..1536)
            .step_by(3)
            .filter(|at| !(1024 + 148..1024 + 156).contains(at));
        let damage = (1024..1536).step_by(3).map(|at| (at, false));
        for (at, fix) in damage.chain(edits.map(|at| (at, true))) {
            let mut tar = intact.clone();
            tar[at] ^= 0x20;
            if fix {
                let mut h = tar::Header::new_old();
                h.as_mut_bytes().copy_from_slice(&tar[1024..1536]);
                h.set_cksum();
                tar[1024..1536].copy_from_slice(h.as_bytes());
            }
            spec.layers[1] = LayerBlob {
                blob: compress(&tar, comp),
                tar,
                comp,
            };
            spec.diff_ids = Some(diff_ids.clone());
            let a = spec.oci();
            match analyze_every_way(&a.tar()) {
                Err(e) => {
                    assert_eq!(e.layer, Some(1), "{comp:?} flip at {at}: {e:?}");
                    assert_eq!(e.member.as_deref(), Some(a.layer_members[1].as_str()));
                    errors += 1;
                }
                Ok(an) => {
                    assert_eq!(
                        an.layers[1].diff_id_ok,
                        Some(false),
                        "{comp:?} flip at {at}"
                    );
                    assert!(
                        !diag(&an, Some(1), "diff_id mismatch").is_empty(),
                        "{comp:?} flip at {at}: {:#?}",
                        an.diagnostics
                    );
                    caught += 1;
                }
            }
        }
        // Damage breaks the checksum: an error. An edit is caught by the
        // diff_id, or fails where it makes the header nonsense.
        assert!(
            errors > 171 && caught > 50,
            "{comp:?}: {errors} errors, {caught} caught"
        );
    }
}

// ---------------------------------------------------------------------------
// JSON: wrong types, huge numbers, deep nesting, two kinds at once
// ---------------------------------------------------------------------------

#[test]
fn json_with_wrong_types_and_huge_numbers() {
    let spec = base();
    let a = spec.oci();
    let manifest_name = a.manifest_member.clone().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(a.get(&manifest_name)).unwrap();
    // A layer descriptor's size: too big for any integer, fractional, a string.
    let size_field = format!("\"size\":{}", spec.layers[0].blob.len());
    for size in ["1e400", "\"700\"", "1.5", "true"] {
        let text = String::from_utf8(serde_json::to_vec(&manifest).unwrap())
            .unwrap()
            .replacen(&size_field, &format!("\"size\":{size}"), 1)
            .into_bytes();
        let mut b = a.clone();
        b.remove(&manifest_name);
        b.add(blob_name(&text), text.clone());
        b.set(
            "index.json",
            serde_json::to_vec(
                &json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &text, None)]}),
            )
            .unwrap(),
        );
        let e = err(analyze_every_way(&b.tar()));
        assert_eq!(e.kind, ErrorKind::BadJson, "size {size}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(blob_name(&text).as_str()));
        assert!(
            e.message.contains("line 1"),
            "serde's place in the text: {e}"
        );
    }
    // A size past i64 and a negative one: read, and the negative one said.
    for (size, says) in [
        ("18446744073709551616", None),
        ("-1", Some("negative size")),
    ] {
        let text = String::from_utf8(serde_json::to_vec(&manifest).unwrap())
            .unwrap()
            .replacen(
                &format!("\"size\":{}", spec.layers[0].blob.len()),
                &format!("\"size\":{size}"),
                1,
            )
            .into_bytes();
        let mut b = a.clone();
        b.remove(&manifest_name);
        b.add(blob_name(&text), text.clone());
        b.set(
            "index.json",
            serde_json::to_vec(
                &json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &text, None)]}),
            )
            .unwrap(),
        );
        match (analyze_every_way(&b.tar()), says) {
            (Err(e), None) => {
                assert_eq!(e.kind, ErrorKind::BadJson, "{e:?}");
                assert_eq!(e.member.as_deref(), Some(blob_name(&text).as_str()));
            }
            (Ok(an), Some(says)) => {
                assert_eq!(diag(&an, Some(0), says).len(), 1, "{:#?}", an.diagnostics);
                assert!(an.has_errors());
            }
            (other, _) => panic!("size {size}: {:?}", other.map(|a| a.diagnostics)),
        }
    }
    // The config: history of the wrong type; a number where text goes.
    for config in [
        json!({"rootfs": {"diff_ids": []}, "history": "yesterday"}),
        json!({"rootfs": {"diff_ids": 5}}),
        json!({"architecture": 64, "os": "linux"}),
    ] {
        let mut spec = base();
        spec.raw_config = Some(serde_json::to_vec(&config).unwrap());
        let a = spec.oci();
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::BadJson, "{config}: {e:?}");
        assert_eq!(
            e.member.as_deref(),
            Some(a.config_member.as_str()),
            "{config}"
        );
    }
    // What the image runs with is read leniently: a wrong type is left out.
    let mut spec = base();
    let mut config = spec.config_value();
    config["config"] = json!({"Env": 12, "User": ["root"], "Cmd": "sh"});
    spec.raw_config = Some(serde_json::to_vec(&config).unwrap());
    let an = ok(analyze_every_way(&spec.oci().tar()));
    assert!(an.runtime.env.is_empty() && an.runtime.user.is_none() && an.runtime.cmd.is_none());
}

/// JSON nested 100,000 deep (`[[[…`) is refused by the parser's depth
/// limit, not by a stack overflow.
#[test]
fn json_nested_a_hundred_thousand_deep() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut spec = base();
    spec.raw_config = Some(format!("{{\"config\": {deep}}}").into_bytes());
    let a = spec.oci();
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(e.kind, ErrorKind::BadJson, "{e:?}");
    assert_eq!(e.member.as_deref(), Some(a.config_member.as_str()));
    assert!(e.message.contains("recursion limit"), "{e}");
    let mut a = base().oci();
    a.set(
        "index.json",
        format!("{{\"manifests\": {deep}}}").into_bytes(),
    );
    let e = err(analyze_every_way(&a.tar()));
    assert_eq!(
        (e.kind, e.member.as_deref()),
        (ErrorKind::BadJson, Some("index.json")),
        "{e:?}"
    );
}

/// A blob with both `manifests` and `layers`: an index to one reader, a
/// manifest to another. Refused whatever its descriptor calls it.
#[test]
fn a_document_with_both_manifests_and_layers() {
    let other = ImageSpec::new().layer(&[Entry::file("other", "o")]);
    let o = other.oci();
    let other_manifest = o.get(o.manifest_member.as_deref().unwrap()).to_vec();
    for media_type in [Some(OCI_MANIFEST), Some(OCI_INDEX), None] {
        let spec = base();
        let mut a = spec.oci();
        for (name, data) in &o.members {
            if name.starts_with("blobs/") && !a.has(name) {
                a.add(name.clone(), data.clone());
            }
        }
        let mut both = spec.oci_manifest();
        both["manifests"] = json!([descriptor(OCI_MANIFEST, &other_manifest, None)]);
        let both = serde_json::to_vec(&both).unwrap();
        a.add(blob_name(&both), both.clone());
        let mut d = descriptor(media_type.unwrap_or(""), &both, Some("t:1"));
        if media_type.is_none() {
            d.as_object_mut().unwrap().remove("mediaType");
        }
        a.set(
            "index.json",
            serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [d]})).unwrap(),
        );
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::BadJson, "{media_type:?}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(blob_name(&both).as_str()));
        assert!(e.message.contains("both `manifests`"), "{e}");
    }
}

// ---------------------------------------------------------------------------
// Digests and references
// ---------------------------------------------------------------------------

/// The image's manifest replaced by `f(manifest)`, stored under its true digest.
fn with_manifest(spec: &ImageSpec, f: impl FnOnce(&mut serde_json::Value)) -> (Archive, String) {
    let mut a = spec.oci();
    let mut m = spec.oci_manifest();
    f(&mut m);
    let text = serde_json::to_vec(&m).unwrap();
    a.remove(a.manifest_member.clone().as_deref().unwrap());
    a.add(blob_name(&text), text.clone());
    a.set(
        "index.json",
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &text, None)]}),
        )
        .unwrap(),
    );
    (a, blob_name(&text))
}

#[test]
fn digests_that_are_paths_or_of_unknown_algorithms() {
    let spec = base();
    // A path where a digest goes: refused, naming the manifest and which descriptor.
    for bad in [
        "sha256:../../etc/passwd",
        "sha256:/etc/passwd",
        "SHA256:abc",
        "sha256:",
        ":x",
    ] {
        let (a, name) = with_manifest(&spec, |m| m["layers"][0]["digest"] = json!(bad));
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, ErrorKind::BadJson, "{bad}: {e:?}");
        assert_eq!(e.member.as_deref(), Some(name.as_str()), "{bad}");
        assert!(
            e.message.contains("layer 0") && e.message.contains(bad),
            "{e}"
        );
        let (a, name) = with_manifest(&spec, |m| m["config"]["digest"] = json!(bad));
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(
            (e.kind, e.member.as_deref()),
            (ErrorKind::BadJson, Some(name.as_str())),
            "{bad}: {e:?}"
        );
    }
    // An algorithm layerscope does not hash: read, said to be unverified.
    for (algorithm, encoded) in [("sha512", "ab".repeat(64)), ("md5", "0123abcd".to_string())] {
        let digest = format!("{algorithm}:{encoded}");
        let (mut a, _) = with_manifest(&spec, |m| m["layers"][0]["digest"] = json!(digest));
        let blob = a.get(&a.layer_members[0]).to_vec();
        a.add(format!("blobs/{algorithm}/{encoded}"), blob);
        let an = ok(analyze_every_way(&a.tar()));
        assert_eq!(an.layers[0].digest_ok, None, "{digest}");
        assert_eq!(
            an.layers[0].diff_id_ok,
            Some(true),
            "the diff_id still checks it"
        );
        let said = diag(&an, Some(0), "cannot verify");
        assert_eq!(said.len(), 1, "{digest}: {:#?}", an.diagnostics);
        assert_eq!(said[0].severity, Severity::Warning);
        assert!(said[0].message.contains(&digest));
        assert_eq!(paths(&an), ["bin", "bin/sh", "etc", "etc/passwd"]);
    }
}

#[test]
fn docker_manifest_paths_outside_the_archive() {
    for (field, value, kind) in [
        (
            "Layers",
            json!(["../outside/layer.tar"]),
            ErrorKind::BadJson,
        ),
        (
            "Layers",
            json!(["a/../../../layer.tar"]),
            ErrorKind::BadJson,
        ),
        ("Config", json!("../../config.json"), ErrorKind::BadJson),
        // Absolute names are read from the archive's root, as docker load
        // joins them to its extraction directory.
        ("Layers", json!(["/abs/layer.tar"]), ErrorKind::MissingBlob),
    ] {
        let mut a = base().docker_save();
        let mut m: serde_json::Value = serde_json::from_slice(a.get("manifest.json")).unwrap();
        m[0][field] = value.clone();
        a.set("manifest.json", serde_json::to_vec(&m).unwrap());
        let e = err(analyze_every_way(&a.tar()));
        assert_eq!(e.kind, kind, "{field} {value}: {e:?}");
        match kind {
            ErrorKind::BadJson => assert!(
                e.to_string().contains("manifest.json names an unusable"),
                "{e}"
            ),
            _ => assert_eq!(e.member.as_deref(), Some("abs/layer.tar"), "{e:?}"),
        }
    }
}

/// A manifest cannot hold its own digest, so a manifest pointing at itself
/// is stored under a digest it does not hash to. As its own layer, it is a
/// JSON document where a tar should be; as its own config, it lists no
/// diff_ids. Either way the lie is said.
#[test]
fn a_manifest_pointing_at_itself() {
    let spec = base();
    let fake = format!("sha256:{}", "2".repeat(64));
    let fake_name = format!("blobs/sha256/{}", "2".repeat(64));
    for field in ["layer", "config"] {
        let mut a = spec.oci();
        let mut m = spec.oci_manifest();
        match field {
            "layer" => m["layers"][0]["digest"] = json!(fake),
            _ => m["config"]["digest"] = json!(fake),
        }
        let text = serde_json::to_vec(&m).unwrap();
        a.remove(a.manifest_member.clone().as_deref().unwrap());
        a.add(fake_name.clone(), text.clone());
        a.set("index.json", serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [{"mediaType": OCI_MANIFEST, "digest": fake, "size": text.len()}]})).unwrap());
        match field {
            "layer" => {
                let e = err(analyze_every_way(&a.tar()));
                assert_eq!(e.kind, ErrorKind::NotAnImage, "{e:?}");
                assert_eq!(
                    (e.layer, e.member.as_deref()),
                    (Some(0), Some(fake_name.as_str()))
                );
                assert!(e.message.contains("JSON document"), "{e}");
            }
            _ => {
                let an = ok(analyze_every_way(&a.tar()));
                assert!(
                    !diag(&an, None, "hashes to").is_empty(),
                    "{:#?}",
                    an.diagnostics
                );
                assert!(
                    !diag(&an, None, "0 diff_ids").is_empty(),
                    "{:#?}",
                    an.diagnostics
                );
                assert_eq!(an.layers[0].diff_id_ok, None);
                assert_eq!(paths(&an), ["bin", "bin/sh", "etc", "etc/passwd"]);
            }
        }
    }
}

/// Index A lists index B, which lists A (each under a digest it does not
/// hash to). The loop is cut with a warning; the real image beside it is read.
#[test]
fn two_indexes_in_a_loop() {
    let spec = base();
    let mut a = spec.oci();
    let (da, db) = (
        format!("sha256:{}", "a".repeat(64)),
        format!("sha256:{}", "b".repeat(64)),
    );
    let index = |to: &str| {
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{"mediaType": OCI_INDEX, "digest": to, "size": 1}]})).unwrap()
    };
    a.add(format!("blobs/sha256/{}", "a".repeat(64)), index(&db));
    a.add(format!("blobs/sha256/{}", "b".repeat(64)), index(&da));
    let manifest = a.get(a.manifest_member.as_deref().unwrap()).to_vec();
    a.set(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [
            {"mediaType": OCI_INDEX, "digest": da, "size": 1},
            descriptor(OCI_MANIFEST, &manifest, None),
        ]}))
        .unwrap(),
    );
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(paths(&an), ["bin", "bin/sh", "etc", "etc/passwd"]);
    let cut = diag(&an, None, "refers back to itself");
    assert_eq!(cut.len(), 1, "{:#?}", an.diagnostics);
    assert!(cut[0].message.contains(&da), "{}", cut[0]);
}

// ---------------------------------------------------------------------------
// Duplicate members of the archive
// ---------------------------------------------------------------------------

/// The same member twice: the last one wins, whichever way the archive is
/// read (docker load and containerd's importer keep the last; skopeo's
/// docker-archive reader stops at the first; see docs/hardening.md).
#[test]
fn duplicate_archive_members_the_last_wins() {
    let spec = base().layer(&[Entry::file("top", "t")]);
    // manifest.json twice: the second one's tag is the one read.
    let mut a = spec.docker_save();
    let mut m: serde_json::Value = serde_json::from_slice(a.get("manifest.json")).unwrap();
    m[0]["RepoTags"] = json!(["example.com/second:wins"]);
    a.add("manifest.json", serde_json::to_vec(&m).unwrap());
    let an = ok(analyze_every_way(&a.tar()));
    assert_eq!(an.reference.as_deref(), Some("example.com/second:wins"));

    // A layer blob twice, one of them garbage: only the garbage last fails.
    let layer = a.layer_members[1].clone();
    let good = a.get(&layer).to_vec();
    let junk = Rng(3).bytes(2048);
    for (first, second, fails) in [(&junk, &good, false), (&good, &junk, true)] {
        let mut b = spec.docker_save();
        b.set(&layer, first.clone());
        b.add(layer.clone(), second.clone());
        let got = analyze_every_way(&b.tar());
        if fails {
            let e = err(got);
            assert_eq!(
                (e.layer, e.member.as_deref()),
                (Some(1), Some(layer.as_str())),
                "{e:?}"
            );
        } else {
            assert_eq!(
                paths(&ok(got)),
                ["bin", "bin/sh", "etc", "etc/passwd", "top"]
            );
        }
    }
}

/// A member written as a symlink and again as a file of the same name (or
/// the other way): the last one wins, and the forward-only reader agrees.
#[test]
fn duplicate_members_a_link_and_a_file() {
    let spec = base().layer(&[Entry::file("top", "t")]);
    let a = spec.docker_save();
    let layer = a.layer_members[1].clone();
    let dir = layer.trim_end_matches("/layer.tar").to_string();
    let other = a.layer_members[0].clone();
    for link_last in [false, true] {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in &a.members {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            if *name == layer {
                // The layer as a symlink to the first layer's blob, and as itself.
                let mut l = tar::Header::new_ustar();
                l.set_entry_type(tar::EntryType::Symlink);
                l.set_size(0);
                let target = format!("../{other}");
                let link = |b: &mut tar::Builder<Vec<u8>>| {
                    b.append_link(&mut l.clone(), name, &target).unwrap()
                };
                if link_last {
                    b.append_data(&mut h, name, &data[..]).unwrap();
                    link(&mut b);
                } else {
                    link(&mut b);
                    b.append_data(&mut h, name, &data[..]).unwrap();
                }
                continue;
            }
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        let _ = &dir;
        let an = ok(analyze_every_way(&b.into_inner().unwrap()));
        let top = an.file("top").is_some();
        // The link, last, makes layer 1 the first layer again: no /top.
        assert_eq!(top, !link_last, "link_last={link_last}: {:?}", paths(&an));
    }
}

// ---------------------------------------------------------------------------
// Inside layers
// ---------------------------------------------------------------------------

#[test]
fn whiteouts_of_missing_paths_are_said_up_to_a_cap() {
    let n = 1000;
    let mut upper = vec![
        Entry::whiteout("etc/nothing"),
        Entry::whiteout("nowhere/at/all"),
    ];
    upper.extend((0..n).map(|i| Entry::whiteout(&format!("gone/{i}"))));
    let an = ok(analyze_every_way(&base().layer(&upper).oci().tar()));
    let said: Vec<_> = diag(&an, Some(1), "whiteout for a path no lower layer has")
        .into_iter()
        .filter(|d| d.path.is_some())
        .collect();
    let cap = layerscope_core::limits::SAME_DIAGNOSTIC;
    assert_eq!(said.len(), cap, "{}", said.len());
    assert_eq!(said[0].path.as_deref(), Some("etc/nothing"));
    assert_eq!(said[1].path.as_deref(), Some("nowhere/at/all"));
    let rest = diag(&an, Some(1), "more of this layer's entries");
    assert_eq!(rest.len(), 1, "{:#?}", an.diagnostics);
    assert!(
        rest[0]
            .message
            .starts_with(&format!("{} more", n + 2 - cap)),
        "{}",
        rest[0]
    );
    // Nothing was deleted; the whiteouts' directories exist, as a runtime makes them.
    assert!(an.file("etc/passwd").is_some() && an.file("nowhere/at").is_some());
}

#[test]
fn hard_links_to_missing_and_later_paths() {
    let spec = base().layer(&[
        Entry::hardlink("early", "late"),
        Entry::file("late", "written after the link"),
        Entry::hardlink("nothing", "no/such/file"),
        Entry::hardlink("fine", "late"),
    ]);
    for a in [spec.docker_save(), spec.oci()] {
        let an = ok(analyze_every_way(&a.tar()));
        let early = diag(&an, Some(1), "only after the link");
        assert_eq!(early.len(), 1, "{:#?}", an.diagnostics);
        assert_eq!(early[0].path.as_deref(), Some("early"));
        let missing = diag(&an, Some(1), "which no layer has");
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].path.as_deref(), Some("nothing"));
        assert_eq!(an.file("early").map(|n| n.size), Some(0));
        assert_eq!(an.file("fine").map(|n| n.size), Some(22));
    }
}

#[test]
fn symlink_loops_and_a_symlink_named_like_a_later_directory() {
    let spec = ImageSpec::new()
        .layer(&[
            Entry::symlink("a", "b"),
            Entry::symlink("b", "a"),
            Entry::symlink("self", "self"),
            Entry::symlink("etc", "/tmp"),
            Entry::dir("tmp"),
            // The same layer writes below its own symlink.
            Entry::symlink("d", "tmp"),
            Entry::file("d/f", "f"),
        ])
        .layer(&[Entry::file("etc/passwd", "p")]);
    let an = ok(analyze_every_way(&spec.oci().tar()));
    // Links are data: kept as written, never followed.
    assert_eq!(an.file("a").and_then(|n| n.link()), Some("b"));
    assert_eq!(an.file("self").and_then(|n| n.link()), Some("self"));
    // A name below a symlink is a directory of that name, said where.
    assert_eq!(an.file("etc").map(|n| n.kind), Some(FileKind::Dir));
    assert!(an.file("etc/passwd").is_some() && an.file("tmp/passwd").is_none());
    let lower = diag(&an, Some(1), "a lower layer has a symlink here");
    assert_eq!(lower.len(), 1, "{:#?}", an.diagnostics);
    assert_eq!(lower[0].path.as_deref(), Some("etc"));
    let own = diag(&an, Some(0), "this layer wrote a symlink here");
    assert_eq!(own.len(), 1, "{:#?}", an.diagnostics);
    assert_eq!(own[0].path.as_deref(), Some("d"));
    // The report, the findings and the listing finish on the loops.
    let _ = (an.report_json(), layerscope_core::findings::find(&an));
}

/// A raw entry whose name comes in a PAX `path` record (any bytes).
fn pax_named(name: &[u8], content: &[u8]) -> Vec<u8> {
    let mut record = b" path=".to_vec();
    record.extend_from_slice(name);
    record.push(b'\n');
    let mut len = record.len() + 2;
    while format!("{len}").len() + record.len() != len {
        len += 1;
    }
    let mut pax = format!("{len}").into_bytes();
    pax.extend_from_slice(&record);
    let mut out = raw_header(b"PaxHeaders/x", tar::EntryType::XHeader, pax.len() as u64)
        .as_bytes()
        .to_vec();
    out.extend_from_slice(&pax);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(
        raw_header(
            b"placeholder",
            tar::EntryType::Regular,
            content.len() as u64,
        )
        .as_bytes(),
    );
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

#[test]
fn names_with_nul_invalid_utf8_and_a_sibling_prefix() {
    let mut tar = pax_named(b"etc/nul\0hidden", b"n");
    tar.extend(pax_named(b"etc/caf\xe9", b"latin-1"));
    tar.extend(pax_named(b"etc/caf\xe8", b"another"));
    tar.extend(layer_tar(&[
        Entry::file("root/.ssh/id_rsa", "k"),
        Entry::file("root-evil/x", "x"),
        Entry::file("root.d/y", "y"),
    ]));
    let spec = ImageSpec::new()
        .layer_tar(tar, Comp::None)
        .layer(&[Entry::whiteout("root"), Entry::opaque("root.d")]);
    let an = ok(analyze_every_way(&spec.oci().tar()));
    // Cut at the NUL, as Go reads it; said.
    assert_eq!(an.file("etc/nul").map(|n| n.size), Some(1));
    assert_eq!(
        diag(&an, Some(0), "NUL byte").len(),
        1,
        "{:#?}",
        an.diagnostics
    );
    // Two Latin-1 names become one shown name: both said, the last one wins.
    assert_eq!(
        diag(&an, Some(0), "not UTF-8").len(),
        2,
        "{:#?}",
        an.diagnostics
    );
    assert_eq!(an.file("etc/caf\u{fffd}").map(|n| n.size), Some(7));
    // Deleting /root leaves /root-evil and /root.d: a prefix is not a parent.
    assert!(an.file("root").is_none() && an.file("root/.ssh/id_rsa").is_none());
    assert!(an.file("root-evil/x").is_some());
    assert!(an.file("root.d").is_some() && an.file("root.d/y").is_none());
    // And the listing orders them byte by byte, as `ls` does.
    let mut sorted = paths(&an);
    sorted.sort();
    assert_eq!(paths(&an), sorted);
}

// ---------------------------------------------------------------------------
// The PAX-size desync (RUSTSEC-2026-0068 and GHSA-3pv8-6f4r-ffg2)
// ---------------------------------------------------------------------------

fn pax_size_record(size: u64) -> Vec<u8> {
    let body = format!(" size={size}\n");
    let mut n = body.len() + 1;
    while format!("{n}{body}").len() != n {
        n += 1;
    }
    format!("{n}{body}").into_bytes()
}

fn block(mut b: Vec<u8>) -> Vec<u8> {
    b.resize(b.len().div_ceil(512) * 512, 0);
    b
}

/// A PAX `size` overrides the header's size, as Go's archive/tar (docker,
/// containerd) reads it: tar ≤ 0.4.44 ignored it when the header's size was
/// not zero, so the same layer listed other files here than in a runtime.
/// And a PAX header applies to the next *file*, not to a GNU long-name
/// header between them (tar ≤ 0.4.45).
#[test]
fn pax_size_desync_reads_as_go_reads_it() {
    let pax = pax_size_record(2048);
    let x = raw_header(b"PaxHeaders/f", tar::EntryType::XHeader, pax.len() as u64);
    let file = |name: &[u8], body: &[u8]| {
        let mut out = raw_header(name, tar::EntryType::Regular, body.len() as u64)
            .as_bytes()
            .to_vec();
        out.extend(block(body.to_vec()));
        out
    };
    let mut plain = x.as_bytes().to_vec();
    plain.extend(block(pax.clone()));
    plain.extend(file(b"file_a", b"AAAA_file_a_body"));
    plain.extend(file(b"file_b", b"BBBB_file_b_body"));
    plain.extend([0u8; 1024]);
    let mut long = x.as_bytes().to_vec();
    long.extend(block(pax));
    long.extend(raw_header(b"././@LongLink", tar::EntryType::GNULongName, 13).as_bytes());
    long.extend(block(b"longname.txt\0".to_vec()));
    long.extend(file(b"file_a", b"AAAA_file_a_body"));
    long.extend(file(b"file_b", b"BBBB_file_b_body"));
    long.extend([0u8; 1024]);
    for (tar, name) in [(plain, "file_a"), (long, "longname.txt")] {
        for comp in [Comp::None, Comp::Gzip] {
            let an = ok(analyze_every_way(
                &ImageSpec::new().layer_tar(tar.clone(), comp).oci().tar(),
            ));
            // Go: one file of 2048 bytes (file_b's header and data are its
            // content); file_b is not in the layer.
            assert_eq!(paths(&an), [name], "{comp:?}");
            assert_eq!(an.file(name).map(|n| n.size), Some(2048));
            assert_eq!(an.layers[0].diff_id_ok, Some(true));
        }
    }
}

/// The fixes above are in the `tar` crate the engine is built with.
#[test]
fn the_tar_crate_has_the_pax_fixes() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")).unwrap();
    let key = "name = \"tar\"\nversion = \"";
    let at = lock.find(key).expect("tar in Cargo.lock") + key.len();
    let version: Vec<u32> = lock[at..]
        .split('"')
        .next()
        .unwrap()
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(
        version >= vec![0, 4, 46],
        "tar {version:?} misreads PAX sizes (RUSTSEC-2026-0068, GHSA-3pv8-6f4r-ffg2)"
    );
}
