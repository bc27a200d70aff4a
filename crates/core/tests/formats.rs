//! Archive layouts the corpus lacks, built in memory: a Docker 25+ `docker
//! save` (an OCI layout plus `manifest.json`), a multi-platform index with an
//! attestation, a nested index, and layers stored out of order. Each is read
//! every way the engine can (seekable, short reads, gzip stream).

mod support;

use layerscope_core::{ErrorKind, Options, Severity};
use serde_json::json;
use support::*;

fn with(platform: Option<&str>, image: Option<&str>) -> Options {
    Options {
        platform: platform.map(str::to_string),
        image: image.map(str::to_string),
    }
}

fn image(tag: &str, marker: &str) -> ImageSpec {
    let mut spec = ImageSpec::new()
        .layer_comp(
            &[Entry::dir("etc"), Entry::file("etc/base", "base")],
            Comp::Gzip,
        )
        .layer_comp(&[Entry::file(format!("etc/{marker}"), marker)], Comp::Zstd);
    spec.tag = tag.into();
    spec
}

// Docker 25 writes an OCI layout and, for older loaders, manifest.json pointing into blobs/.
#[test]
fn docker_25_save_is_read_through_its_index() {
    let spec = image("docker.io/library/app:1.0", "app");
    let mut a = spec.oci();
    let manifest = json!([{
        "Config": a.config_member,
        "RepoTags": ["app:1.0"],
        "Layers": a.layer_members,
    }]);
    a.add("manifest.json", serde_json::to_vec(&manifest).unwrap());
    let result = analyze_every_way(&a.tar()).unwrap();
    assert_eq!(result.format.name(), "docker-save-oci");
    assert_eq!(
        result.reference.as_deref(),
        Some("docker.io/library/app:1.0")
    );
    assert_eq!(result.layers.len(), 2);
    assert!(result
        .layers
        .iter()
        .all(|l| l.digest_ok == Some(true) && l.diff_id_ok == Some(true)));
    assert_eq!(result.layers[1].compression.name(), "zstd");
    assert!(result.file("etc/app").is_some());
    // The same tag works in both spellings.
    let by_tag = analyze_every_way_with(&a.tar(), &with(None, Some("app:1.0"))).unwrap();
    assert_eq!(by_tag.layers.len(), 2);
}

/// An index with two platforms and a BuildKit attestation (platform unknown/unknown).
fn multi_platform() -> Archive {
    let amd = image("x", "amd64");
    let mut arm = image("x", "arm64");
    let mut arm_config = arm.config_value();
    arm_config["architecture"] = json!("arm64");
    arm_config["variant"] = json!("v8");
    arm.raw_config = Some(serde_json::to_vec(&arm_config).unwrap());
    let mut a = amd.oci();
    let amd_manifest = serde_json::to_vec(&amd.oci_manifest()).unwrap();
    for (name, data) in arm.oci().members {
        if name.starts_with("blobs/") && !a.has(&name) {
            a.add(name, data);
        }
    }
    let arm_manifest = serde_json::to_vec(&arm.oci_manifest()).unwrap();
    // An attestation: a manifest whose config is in-toto, marked as such.
    let att_config = b"{}".to_vec();
    let att_manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(&att_config).to_string(), "size": 2},
        "layers": [],
    }))
    .unwrap();
    a.add(blob_name(&att_config), att_config);
    a.add(blob_name(&att_manifest), att_manifest.clone());
    let mut d_amd = descriptor(OCI_MANIFEST, &amd_manifest, None);
    d_amd["platform"] = json!({"os": "linux", "architecture": "amd64"});
    let mut d_arm = descriptor(OCI_MANIFEST, &arm_manifest, None);
    d_arm["platform"] = json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    let mut d_att = descriptor(OCI_MANIFEST, &att_manifest, None);
    d_att["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    d_att["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d_amd["digest"]});
    // Put the arm64 image first: the default must still be linux/amd64.
    let index = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [d_arm, d_amd, d_att]}),
    )
    .unwrap();
    a.add(blob_name(&index), index.clone());
    a.set(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [descriptor(OCI_INDEX, &index, Some("multi"))]})).unwrap(),
    );
    a
}

#[test]
fn multi_platform_defaults_to_linux_amd64_and_lists_the_rest() {
    let bytes = multi_platform().tar();
    let result = analyze_every_way(&bytes).unwrap();
    assert_eq!(result.platform.as_ref().unwrap().to_string(), "linux/amd64");
    let listed: Vec<String> = result.platforms.iter().map(|p| p.to_string()).collect();
    assert_eq!(listed, ["linux/arm64/v8", "linux/amd64"]);
    assert!(result.file("etc/amd64").is_some());
    assert!(result
        .diagnostics
        .iter()
        .any(|d| d.message.contains("attestation") && d.severity == Severity::Info));
}

#[test]
fn a_platform_is_chosen_by_name() {
    let bytes = multi_platform().tar();
    for wanted in ["linux/arm64", "linux/arm64/v8"] {
        let result = analyze_every_way_with(&bytes, &with(Some(wanted), None)).unwrap();
        assert!(result.file("etc/arm64").is_some(), "{wanted}");
        assert!(result.file("etc/amd64").is_none());
    }
    let err = analyze_every_way_with(&bytes, &with(Some("linux/riscv64"), None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoSuchImage);
    assert!(err.message.contains("linux/arm64/v8, linux/amd64"), "{err}");
    let err = analyze_every_way_with(&bytes, &with(Some("amd64"), None)).unwrap_err();
    assert!(err.message.contains("os/arch"), "{err}");
}

#[test]
fn an_index_label_the_config_contradicts_is_warned_about() {
    // The index labels the image linux/arm64; its config (under the
    // manifest's digest) says linux/amd64, as a mislabelled push would.
    let mut a = image("x", "app").oci();
    let mut index: serde_json::Value = serde_json::from_slice(a.get("index.json")).unwrap();
    index["manifests"][0]["platform"] = json!({"os": "linux", "architecture": "arm64"});
    a.set("index.json", serde_json::to_vec(&index).unwrap());
    let bytes = a.tar();
    // It is still chosen by the index's label, and listed under it.
    for options in [Options::default(), with(Some("linux/arm64"), None)] {
        let result = analyze_every_way_with(&bytes, &options).unwrap();
        assert_eq!(result.platform.as_ref().unwrap().to_string(), "linux/arm64");
        let warning = result
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Warning && d.message.contains("config"))
            .expect("a warning about the platform");
        assert_eq!(
            warning.message,
            "the index calls this image linux/arm64 but its config says linux/amd64"
        );
    }
    // A variant the config does not repeat, or the index leaves out, is no contradiction.
    let mut index: serde_json::Value = serde_json::from_slice(a.get("index.json")).unwrap();
    for label in [
        json!({"os": "linux", "architecture": "amd64", "variant": "v3"}),
        json!({"os": "linux", "architecture": "amd64"}),
    ] {
        index["manifests"][0]["platform"] = label.clone();
        a.set("index.json", serde_json::to_vec(&index).unwrap());
        let result = analyze_every_way(&a.tar()).unwrap();
        assert_no_warning(&result, &label.to_string());
    }
    // An index that agrees, with a variant the config repeats, is not warned about either.
    let result =
        analyze_every_way_with(&multi_platform().tar(), &with(Some("linux/arm64"), None)).unwrap();
    assert_eq!(
        result.platform.as_ref().unwrap().to_string(),
        "linux/arm64/v8"
    );
    assert_no_warning(&result, "linux/arm64/v8 in both");
}

fn assert_no_warning(result: &layerscope_core::Analysis, what: &str) {
    let warnings: Vec<_> = result
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    assert!(warnings.is_empty(), "{what}: {warnings:?}");
}

// image-spec: layer order is the manifest's "layers" array, "base layer at index 0".
#[test]
fn layers_stored_out_of_order_are_stacked_in_manifest_order() {
    let spec = ImageSpec::new()
        .layer(&[Entry::file("f", "first")])
        .layer(&[Entry::file("f", "second!")])
        .layer(&[Entry::whiteout("g"), Entry::file("h", "third")]);
    let mut a = spec.oci();
    // Reverse the members: the last layer comes first in the archive.
    a.members.reverse();
    let result = analyze_every_way(&a.tar()).unwrap();
    assert_eq!(result.file("f").expect("f").size, 7);
    assert_eq!(result.layers[1].changes.len(), 1);
    assert_eq!(result.path(result.layers[0].changes[0].path), "f");
    assert!(result.file("h").is_some());
}

#[test]
fn an_image_by_index_in_a_multi_image_layout() {
    let one = image("one:1", "one");
    let two = image("two:2", "two");
    let mut a = one.oci();
    let b = two.oci();
    for (name, data) in &b.members {
        if name.starts_with("blobs/") && !a.has(name) {
            a.add(name.clone(), data.clone());
        }
    }
    let m1 = serde_json::to_vec(&one.oci_manifest()).unwrap();
    let m2 = serde_json::to_vec(&two.oci_manifest()).unwrap();
    a.set(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [descriptor(OCI_MANIFEST, &m1, Some("one:1")), descriptor(OCI_MANIFEST, &m2, Some("two:2"))]})).unwrap(),
    );
    let bytes = a.tar();
    let first = analyze_every_way(&bytes).unwrap();
    assert_eq!(first.images, ["one:1", "two:2"]);
    assert!(first.file("etc/one").is_some());
    let second = analyze_every_way_with(&bytes, &with(None, Some("1"))).unwrap();
    assert!(second.file("etc/two").is_some());
    let named = analyze_every_way_with(&bytes, &with(None, Some("two:2"))).unwrap();
    assert!(named.file("etc/two").is_some());
}

/// The page hashes a layer read whole with the browser's own sha256 (and a
/// compressed layer's tar, handed over as it inflates) and has the engine
/// read the rest: given those digests, that scan is the scan.
#[test]
fn a_scan_without_the_hashes_is_the_scan_once_given_the_digests() {
    use layerscope_core::layers::scan::{scan, scan_unhashed};
    let tar = layer_tar(&[
        Entry::dir("etc"),
        Entry::file("etc/passwd", "root:x:0:0"),
        Entry::whiteout("etc/old"),
        Entry::symlink("etc/link", "passwd"),
        Entry::file("big", vec![7u8; 300_000]),
    ]);
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let blob = compress(&tar, comp);
        let full = scan(blob.as_slice()).unwrap();
        // Without the tar handed over: only the blob's digest is needed.
        let unhashed = scan_unhashed(blob.as_slice(), None).unwrap();
        assert!(!unhashed.needs_tar_digest(), "{comp:?}");
        let given = unhashed.with_digests(sha256(&blob), None).unwrap();
        // With it: a compressed layer's tar comes out whole, in order.
        let mut handed = Vec::new();
        let mut sink = |bytes: &[u8]| handed.extend_from_slice(bytes);
        let unhashed = scan_unhashed(blob.as_slice(), Some(&mut sink)).unwrap();
        assert_eq!(unhashed.needs_tar_digest(), comp != Comp::None, "{comp:?}");
        if comp == Comp::None {
            assert!(handed.is_empty(), "an uncompressed layer's tar is its blob");
        } else {
            assert_eq!(handed, tar, "{comp:?}: the tar handed over");
        }
        let tar_given = unhashed
            .with_digests(sha256(&blob), Some(sha256(&handed)))
            .unwrap();
        for given in [given, tar_given] {
            assert_eq!(given.digest, sha256(&blob), "{comp:?}");
            assert_eq!(given.digest, full.digest, "{comp:?}");
            assert_eq!(given.diff_id, full.diff_id, "{comp:?}");
            assert_eq!(given.diff_id, sha256(&tar), "{comp:?}");
            assert_eq!(
                (given.blob_size, given.tar_size, given.compression),
                (full.blob_size, full.tar_size, full.compression),
                "{comp:?}"
            );
            assert_eq!(given.entries, full.entries, "{comp:?}");
            assert_eq!(given.diagnostics, full.diagnostics, "{comp:?}");
        }
    }
    // A tar handed over and no digest for it: an error, not a made-up diff_id.
    let blob = compress(&tar, Comp::Gzip);
    let mut sink = |_: &[u8]| {};
    let unhashed = scan_unhashed(blob.as_slice(), Some(&mut sink)).unwrap();
    let err = unhashed.with_digests(sha256(&blob), None).unwrap_err();
    assert!(err.to_string().contains("no digest came back"), "{err}");
    // A wrong digest given is carried, not corrected: the stacking then
    // reports the mismatch as it does for a layer hashed here.
    let blob = compress(&tar, Comp::None);
    let wrong = sha256(b"not this layer");
    let given = scan_unhashed(blob.as_slice(), None)
        .unwrap()
        .with_digests(wrong.clone(), None)
        .unwrap();
    assert_eq!((given.digest, given.diff_id), (wrong.clone(), wrong));
}
