//! Every real archive of the shared corpus (images from dive's, go-containerregistry's,
//! containers/image's, moby's, regclient's, trivy's and stereoscope's test suites), read
//! by the engine: a short summary per archive, compared with an expectation reviewed by
//! hand (refresh with `UPDATE_EXPECT=1` and review the diff). Each tar is also read as a
//! `gzip`-compressed forward-only stream (`docker save | gzip`) and must give the same
//! answer as the seekable read.

use expect_test::{expect, Expect};
use layerscope_core::{
    analyze, analyze_source, analyze_stream, Analysis, Error, ErrorKind, NoProgress, Options,
    Source,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel)
}

/// A layout directory as a Source (the CLI has its own; the engine does no IO).
struct Dir(PathBuf, BTreeMap<String, u64>);

impl Dir {
    fn new(root: PathBuf) -> Dir {
        let mut files = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    files.insert(rel, std::fs::metadata(&p).unwrap().len());
                }
            }
        }
        Dir(root, files)
    }
}

impl Source for Dir {
    fn names(&self) -> Vec<String> {
        self.1.keys().cloned().collect()
    }
    fn size(&self, name: &str) -> Option<u64> {
        self.1.get(name).copied()
    }
    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, Error> {
        match std::fs::File::open(self.0.join(name)) {
            Ok(f) if self.1.contains_key(name) => Ok(Box::new(f)),
            _ => Err(Error::new(ErrorKind::MissingBlob, "missing").member(name)),
        }
    }
}

fn summary(a: &Analysis) -> String {
    let mut s = String::new();
    let plat = a
        .platform
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_default();
    writeln!(
        s,
        "{} ref={} platform={} images={}",
        a.format.name(),
        a.reference.as_deref().unwrap_or("-"),
        plat,
        a.images.len()
    )
    .unwrap();
    for l in &a.layers {
        let ok = |v: Option<bool>| match v {
            Some(true) => "ok",
            Some(false) => "MISMATCH",
            None => "-",
        };
        let (mut add, mut modi, mut del) = (0, 0, 0);
        for c in l.real_changes() {
            match c.kind.letter() {
                'A' => add += 1,
                'M' => modi += 1,
                _ => del += 1,
            }
        }
        writeln!(
            s,
            "  layer {} {} {} digest:{} diff_id:{} size={} +{add} ~{modi} -{del} wasted={}",
            l.index,
            l.diff_id.short(),
            l.compression.name(),
            ok(l.digest_ok),
            ok(l.diff_id_ok),
            l.size,
            l.wasted_bytes
        )
        .unwrap();
    }
    writeln!(
        s,
        "  steps={} empty={}",
        a.steps.len(),
        a.steps.iter().filter(|st| st.layer.is_none()).count()
    )
    .unwrap();
    writeln!(
        s,
        "  dive efficiency={:.6} wasted={} user={:.6}",
        a.dive.efficiency, a.dive.wasted_bytes, a.dive.user_wasted_percent
    )
    .unwrap();
    writeln!(
        s,
        "  exact stored={} visible={} wasted={} paths={}",
        a.waste.stored_bytes,
        a.waste.visible_bytes,
        a.waste.wasted_bytes,
        a.union.len()
    )
    .unwrap();
    for d in &a.diagnostics {
        writeln!(s, "  {d}").unwrap();
    }
    s
}

fn outcome(r: Result<Analysis, Error>) -> String {
    match r {
        Ok(a) => summary(&a),
        Err(e) => format!("error {:?}: {e}\n", e.kind),
    }
}

fn check(rel: &str, expected: Expect) {
    check_with(rel, &Options::default(), expected)
}

fn check_with(rel: &str, options: &Options, expected: Expect) {
    let path = corpus(rel);
    let got = if path.is_dir() {
        outcome(analyze_source(
            &mut Dir::new(path),
            options,
            &mut NoProgress,
        ))
    } else {
        let bytes = std::fs::read(&path).unwrap();
        let seek = outcome(analyze(Cursor::new(&bytes), options, &mut NoProgress));
        if bytes.starts_with(&[0x1f, 0x8b]) {
            // Already gzipped: the seekable read above was a stream read.
            return expected.assert_eq(&seek);
        }
        // The same archive, gzipped, read in one forward pass.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        let gz = gz.finish().unwrap();
        let stream = outcome(analyze_stream(Cursor::new(gz), options, &mut NoProgress));
        assert_eq!(
            seek, stream,
            "{rel}: the seekable and the gzip stream reads differ"
        );
        seek
    };
    expected.assert_eq(&got);
}

#[test]
fn dive_docker_image() {
    check(
        "wagoodman-dive/.data/test-docker-image.tar",
        expect![[r#"
        docker-save ref=dive-test:latest platform=linux/amd64 images=1
          layer 0 23bc2b70b201 none digest:- diff_id:ok size=1154361 +415 ~0 -0 wasted=0
          layer 1 a65b7d7ac139 none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=0
          layer 2 93e208d47175 none digest:- diff_id:ok size=0 +3 ~0 -0 wasted=0
          layer 3 4abad3abe3cb none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=6405
          layer 4 14c9a6ffcb6a none digest:- diff_id:ok size=6405 +0 ~1 -0 wasted=6405
          layer 5 778fb5770ef4 none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=6405
          layer 6 f275b8a31a71 none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=6405
          layer 7 dd1effc5eb19 none digest:- diff_id:ok size=6405 +1 ~0 -1 wasted=6405
          layer 8 8d1869a0a066 none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=0
          layer 9 bc2e36423fa3 none digest:- diff_id:ok size=0 +0 ~0 -5 wasted=0
          layer 10 7f648d45ee7b none digest:- diff_id:ok size=2187 +3 ~0 -0 wasted=0
          layer 11 a4b8f95f266d none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=0
          layer 12 22a44d45780a none digest:- diff_id:ok size=6405 +1 ~0 -0 wasted=0
          layer 13 ba689cac6a98 none digest:- diff_id:ok size=6405 +0 ~1 -0 wasted=0
          steps=15 empty=1
          dive efficiency=0.984421 wasted=32025 user=0.483491
          exact stored=1220598 visible=1188573 wasted=32025 paths=423
    "#]],
    );
}

#[test]
fn dive_kaniko_image() {
    check(
        "wagoodman-dive/.data/test-kaniko-image.tar",
        expect![[r#"
        docker-save ref=dive-test:kaniko-latest platform=linux/amd64 images=1
          layer 0 84009204da3f gzip digest:- diff_id:ok size=1231733 +421 ~0 -0 wasted=0
          layer 1 8c860cca7e7b gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=0
          layer 2 4d87ab95fe2d gzip digest:- diff_id:ok size=0 +3 ~0 -0 wasted=0
          layer 3 b10e9d5fee65 gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=9249
          layer 4 aa935ad8bc5f gzip digest:- diff_id:ok size=9249 +0 ~1 -0 wasted=9249
          layer 5 121b26eec2dd gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=9249
          layer 6 0041509ce3c3 gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=9249
          layer 7 ea7a05560816 gzip digest:- diff_id:ok size=9249 +1 ~0 -1 wasted=9249
          layer 8 6a95e97c7834 gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=0
          layer 9 73823b8dbbb1 gzip digest:- diff_id:ok size=0 +0 ~0 -5 wasted=0
          layer 10 41d630f9d22f gzip digest:- diff_id:ok size=2187 +3 ~0 -0 wasted=0
          layer 11 1df8bc89c341 gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=0
          layer 12 39b3d1cf4c7a gzip digest:- diff_id:ok size=9249 +1 ~0 -0 wasted=0
          layer 13 5fb574ef88e8 gzip digest:- diff_id:ok size=9249 +0 ~1 -0 wasted=0
          steps=15 empty=1
          dive efficiency=0.979369 wasted=46245 user=0.488450
          exact stored=1326410 visible=1280165 wasted=46245 paths=429
    "#]],
    );
}

#[test]
fn dive_oci_gzip() {
    check(
        "wagoodman-dive/.data/test-oci-gzip-image.tar",
        expect![[r#"
        oci-layout ref=- platform=linux/arm64 images=1
          layer 0 356d5e7f4012 gzip digest:ok diff_id:ok size=11189 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=11189 visible=11189 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn dive_oci_zstd() {
    check(
        "wagoodman-dive/.data/test-oci-zstd-image.tar",
        expect![[r#"
        oci-layout ref=- platform=linux/arm64 images=1
          layer 0 356d5e7f4012 zstd digest:ok diff_id:ok size=11189 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=11189 visible=11189 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn dive_oci_uncompressed() {
    check(
        "wagoodman-dive/.data/test-oci-uncompressed-image.tar",
        expect![[r#"
        oci-layout ref=- platform=linux/arm64 images=1
          layer 0 356d5e7f4012 none digest:ok diff_id:ok size=11189 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=11189 visible=11189 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn dive_oci_estargz() {
    check(
        "wagoodman-dive/.data/test-oci-estargz-image.tar",
        expect![[r#"
        oci-layout ref=- platform=linux/arm64 images=1
          layer 0 2b3dbfdf131b gzip digest:ok diff_id:ok size=11189 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=11189 visible=11189 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn dive_gzip_image_snapshot_holds_only_a_readme() {
    check(
        "wagoodman-dive/.data/test-gzip-image.tar",
        expect![[r#"
        error NotAnImage: not a container image: the archive has no index.json, manifest.json or repositories. Expected `docker save` output or an OCI archive.
    "#]],
    );
}

#[test]
fn trivy_alpine_gzipped_docker_save() {
    check(
        "aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz",
        expect![[r#"
        docker-save ref=alpine:3.10 platform=linux/amd64 images=1
          layer 0 531743b7098c none digest:- diff_id:ok size=5552525 +482 ~0 -0 wasted=0
          steps=2 empty=1
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=5552525 visible=5552525 wasted=0 paths=482
    "#]],
    );
}

#[test]
fn trivy_oci_layout_dir() {
    check(
        "aquasecurity-trivy/pkg/fanal/test/testdata/test.oci",
        expect![[r#"
        oci-layout ref=- platform=linux/amd64 images=1
          layer 0 9c27e219663c gzip digest:ok diff_id:ok size=13336 +1 ~0 -0 wasted=0
          steps=2 empty=1
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=13336 visible=13336 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn stereoscope_valid_oci() {
    check(
        "anchore-stereoscope/pkg/image/oci/testdata/valid-oci.tar",
        expect![[r#"
        oci-layout ref=sample:latest platform=linux/amd64 images=1
          layer 0 7cec5b0994b7 gzip digest:ok diff_id:ok size=10 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=10 visible=10 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn containers_image_almost_empty() {
    check(
        "containers-image/docker/archive/fixtures/almostempty.tar",
        expect![[r#"
        docker-save ref=emptyimage:latest platform=linux/amd64 images=1
          layer 0 0b916d257bd4 none digest:- diff_id:ok size=0 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=0 visible=0 wasted=0 paths=1
    "#]],
    );
}

#[test]
fn moby_pre_1_10_layout_with_an_empty_layer_blob() {
    check(
        "moby-moby/integration-cli/testdata/emptyLayer.tar",
        expect![[r#"
        docker-save-v1 ref=matthughes/library-centos:6-2015.03.20 platform=linux/amd64 images=1
          layer 0 f62439784159 none digest:- diff_id:- size=0 +0 ~0 -0 wasted=0
          layer 1 e3b0c44298fc none digest:- diff_id:- size=0 +0 ~0 -0 wasted=0
          layer 2 3b90aed61465 none digest:- diff_id:- size=4 +2 ~0 -0 wasted=0
          steps=3 empty=0
          dive efficiency=1.000000 wasted=0 user=0.000000
          exact stored=4 visible=4 wasted=0 paths=2
          info: pre-1.10 `docker save` layout: layers have no diff_ids to verify against
          info: layer 0: the layer's tar ends after its last entry without the two zero blocks that end a tar; read whole, as Docker and containerd read it
          info: layer 1: the layer blob is empty (0 bytes); read as an empty layer
    "#]],
    );
}

#[test]
fn ggcr_overwritten_file() {
    check(
        "google-go-containerregistry/pkg/v1/mutate/testdata/overwritten_file.tar",
        expect![[r#"
        docker-save ref=bazel/pkg/v1/mutate:overwritten_file platform=linux/amd64 images=1
          layer 0 48ebc8f0e90e none digest:- diff_id:ok size=4 +1 ~0 -0 wasted=4
          layer 1 6f23bf1fbcc9 none digest:- diff_id:ok size=4 +1 ~1 -0 wasted=0
          layer 2 84ff92691f90 none digest:- diff_id:ok size=0 +0 ~0 -0 wasted=0
          steps=3 empty=0
          dive efficiency=0.500000 wasted=4 user=1.000000
          exact stored=8 visible=4 wasted=4 paths=2
    "#]],
    );
}

#[test]
fn ggcr_whiteout_image() {
    check(
        "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar",
        expect![[r#"
        docker-save ref=bazel/pkg/v1/mutate:whiteout_image platform=linux/amd64 images=1
          layer 0 891f36a00862 none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=4
          layer 1 88d2a7b2ae6d none digest:- diff_id:ok size=0 +0 ~0 -1 wasted=0
          layer 2 84ff92691f90 none digest:- diff_id:ok size=0 +0 ~0 -0 wasted=0
          steps=3 empty=0
          dive efficiency=0.500000 wasted=4 user=inf
          exact stored=8 visible=4 wasted=4 paths=1
    "#]],
    );
}

#[test]
fn ggcr_whiteout_dir() {
    check(
        "google-go-containerregistry/pkg/v1/mutate/testdata/whiteout_dir.tar",
        expect![[r#"
        docker-save ref=localhost:5000/whiteout:latest platform=linux/amd64 images=1
          layer 0 7e9fc0fd7367 gzip digest:- diff_id:ok size=0 +2 ~0 -0 wasted=0
          layer 1 671e19d084a0 gzip digest:- diff_id:ok size=0 +2 ~0 -0 wasted=0
          layer 2 a941a11c30af gzip digest:- diff_id:ok size=0 +0 ~0 -2 wasted=0
          layer 3 7afe19580a15 gzip digest:- diff_id:ok size=0 +2 ~0 -0 wasted=0
          steps=4 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=0 visible=0 wasted=0 paths=4
    "#]],
    );
}

#[test]
fn ggcr_source_image() {
    check(
        "google-go-containerregistry/pkg/v1/mutate/testdata/source_image.tar",
        expect![[r#"
        docker-save ref=bazel/pkg/v1/mutate:source_image platform=linux/amd64 images=1
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
}

#[test]
fn ggcr_config_renamed_is_a_digest_mismatch() {
    check("google-go-containerregistry/pkg/v1/mutate/testdata/source_image_with_empty_layer_history.tar", expect![[r#"
        docker-save ref=bazel/pkg/v1/mutate:source_image platform=linux/amd64 images=1
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=2 empty=1
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
          error: digest mismatch: the config 6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e.json hashes to sha256:05b5ec1290589606ce19fabb1fb331f004acd9f618b9b4e813721be1a03a0712, but its name says sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e
    "#]]);
}

#[test]
fn ggcr_docker_25_with_empty_index() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
        expect![[r#"
        docker-save-oci ref=- platform=linux/arm64 images=1
          layer 0 12660636fe55 none digest:ok diff_id:ok size=9136 +1 ~0 -0 wasted=0
          steps=2 empty=1
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=9136 visible=9136 wasted=0 paths=1
          info: index.json lists no image; read manifest.json instead
    "#]],
    );
}

#[test]
fn ggcr_pre_1_10_layout() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/no_manifest.tar",
        expect![[r#"
        docker-save-v1 ref=bazel/v1/tarball:test_image platform=linux/amd64 images=1
          layer 0 fbec6100edac none digest:- diff_id:- size=8 +4 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=4
          info: pre-1.10 `docker save` layout: layers have no diff_ids to verify against
    "#]],
    );
}

#[test]
fn ggcr_null_manifest() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/null_manifest.tar",
        expect![[r#"
        error NotAnImage: manifest.json: manifest.json lists no images (it is null or empty)
    "#]],
    );
}

#[test]
fn ggcr_bare_filesystem_tar() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/content.tar",
        expect![[r#"
        error NotAnImage: not a container image: the archive has no index.json, manifest.json or repositories. Expected `docker save` output or an OCI archive.
    "#]],
    );
}

#[test]
fn ggcr_bundle_default_is_the_first_image() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar",
        expect![[r#"
        docker-save ref=test_image_2 platform=linux/amd64 images=2
          layer 0 3610aa5267a2 none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
          info: manifest.json holds 2 images; showing the first
    "#]],
    );
}

#[test]
fn ggcr_bundle_by_tag_and_by_index() {
    let by_tag = Options {
        image: Some("test_image_1".into()),
        platform: None,
    };
    check_with(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar",
        &by_tag,
        expect![[r#"
        docker-save ref=test_image_1 platform=linux/amd64 images=2
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    let by_index = Options {
        image: Some("1".into()),
        platform: None,
    };
    check_with(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar",
        &by_index,
        expect![[r#"
        docker-save ref=test_image_1 platform=linux/amd64 images=2
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    let missing = Options {
        image: Some("nope".into()),
        platform: None,
    };
    check_with(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_bundle.tar",
        &missing,
        expect![[r#"
        error NoSuchImage: no image tagged "nope"; manifest.json has: test_image_2, test_image_1
    "#]],
    );
}

#[test]
fn ggcr_layer_symlinked_to_another_layer() {
    let second = Options {
        image: Some("test_image_3".into()),
        platform: None,
    };
    check_with(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_link.tar",
        &second,
        expect![[r#"
        docker-save ref=bazel/v1/tarball:test_image_3 platform=linux/amd64 images=2
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          layer 1 6b617a270657 none digest:- diff_id:ok size=6 +1 ~0 -0 wasted=0
          steps=2 empty=0
          dive efficiency=1.000000 wasted=0 user=0.000000
          exact stored=14 visible=14 wasted=0 paths=3
    "#]],
    );
}

#[test]
fn ggcr_images() {
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_image_1.tar",
        expect![[r#"
        docker-save ref=bazel/v1/tarball:test_image_1 platform=linux/amd64 images=1
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_image_2.tar",
        expect![[r#"
        docker-save ref=bazel/v1/tarball:test_image_2 platform=linux/amd64 images=1
          layer 0 3610aa5267a2 none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/tarball/testdata/test_load_manifest.tar",
        expect![[r#"
        docker-save ref=bazel/v1/tarball:test_image_1 platform=linux/amd64 images=1
          layer 0 8897395fd26d none digest:- diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
}

#[test]
fn ggcr_layouts() {
    check(
        "google-go-containerregistry/pkg/v1/layout/testdata/test_index",
        expect![[r#"
        oci-layout ref=1 platform=linux/amd64 images=3
          layer 0 8897395fd26d gzip digest:ok diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/layout/testdata/test_gc_index",
        expect![[r#"
        oci-layout ref=1 platform=linux/amd64 images=2
          layer 0 8897395fd26d gzip digest:ok diff_id:ok size=8 +2 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=8 visible=8 wasted=0 paths=2
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/layout/testdata/test_index_one_image",
        expect![[r#"
        oci-layout ref=- platform=linux/amd64 images=1
          layer 0 59cd31f50f74 gzip digest:ok diff_id:ok size=5 +1 ~0 -0 wasted=0
          steps=1 empty=0
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=5 visible=5 wasted=0 paths=1
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/layout/testdata/test_index_media_type",
        expect![[r#"
        error NotAnImage: index.json: the index lists no image whose manifest is in the archive: skipped b544f71ecd82 (an artifact with config type application/vnd.cncf.helm.config.v1+json, not an image)
    "#]],
    );
    check(
        "google-go-containerregistry/pkg/v1/layout/testdata/test_gc_image_unknown_mediatype",
        expect![[r#"
        error NotAnImage: index.json: the index lists no image whose manifest is in the archive: the entry sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720 is listed but its blob is not in the archive; skipped
    "#]],
    );
}

#[test]
fn regclient_multi_platform_repo() {
    check(
        "regclient-regclient/testdata/testrepo",
        expect![[r#"
        oci-layout ref=b1 platform=linux/amd64 images=9
          layer 0 d619c4d83d91 gzip digest:ok diff_id:ok size=2 +1 ~0 -0 wasted=0
          steps=2 empty=1
          dive efficiency=1.000000 wasted=0 user=NaN
          exact stored=2 visible=2 wasted=0 paths=1
          info: skipped 819ff4564a5d (an artifact with config type application/vnd.oci.empty.v1+json, not an image)
          info: skipped ad460bc30198 (an artifact with config type application/vnd.oci.empty.v1+json, not an image)
          info: 4 platforms (linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v6); showing linux/amd64
    "#]],
    );
    let arm = Options {
        image: Some("v1".into()),
        platform: Some("linux/arm64".into()),
    };
    check_with(
        "regclient-regclient/testdata/testrepo",
        &arm,
        expect![[r#"
        oci-layout ref=v1 platform=linux/arm64 images=9
          layer 0 d619c4d83d91 gzip digest:ok diff_id:ok size=2 +1 ~0 -0 wasted=0
          layer 1 3a904016e626 gzip digest:ok diff_id:ok size=2 +1 ~0 -0 wasted=0
          steps=8 empty=6
          dive efficiency=1.000000 wasted=0 user=0.000000
          exact stored=4 visible=4 wasted=0 paths=2
          info: skipped 43089316cfee (platform unknown/unknown: not an image)
          info: skipped d91043439162 (platform unknown/unknown: not an image)
          info: skipped 819ff4564a5d (an artifact with config type application/vnd.oci.empty.v1+json, not an image)
          info: skipped ad460bc30198 (an artifact with config type application/vnd.oci.empty.v1+json, not an image)
    "#]],
    );
    let nope = Options {
        image: Some("v1".into()),
        platform: Some("linux/s390x".into()),
    };
    check_with(
        "regclient-regclient/testdata/testrepo",
        &nope,
        expect![[r#"
        error NoSuchImage: no image for platform linux/s390x; the archive has: linux/amd64, linux/arm64
    "#]],
    );
}

#[test]
fn regclient_bare_layers_are_not_images() {
    check(
        "regclient-regclient/testdata/layer.tar",
        expect![[r#"
        error NotAnImage: not a container image: the archive has no index.json, manifest.json or repositories. Expected `docker save` output or an OCI archive.
    "#]],
    );
    check(
        "regclient-regclient/testdata/layer-wh.tar",
        expect![[r#"
        error NotAnImage: not a container image: the archive has no index.json, manifest.json or repositories. It looks like a filesystem tar (a single layer or a rootfs), not an image. Expected `docker save` output or an OCI archive.
    "#]],
    );
}
