//! `layerscope` against images built by real tools.
//!
//! `tests/fixtures/make-umoci-image.sh` builds an image with umoci (one tag
//! per layer, `step1` .. `step5`), and exports it with skopeo as an OCI
//! archive, a docker archive (plain, gzipped, extracted) and an OCI archive
//! with zstd layers. For every step, `umoci unpack` gives the reference: the
//! unpacked rootfs listed with `find -printf` in exactly `layerscope ls`'s
//! format must equal `layerscope ls --layer K-1` over every container.
//! `--changes` is checked against what each step did, and `inspect --json`
//! must agree across the containers.
//!
//! `tests/fixtures/make-umoci-insert-image.sh` adds layers with `umoci insert`,
//! which end right after the last entry's data (no padding, no end blocks):
//! read whole, they must give what `umoci unpack` gives and dive's figures.
//!
//! Needs root, umoci, skopeo, python3 and dive (`scripts/setup` installs them): a
//! missing tool fails the tests, it does not skip them.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const STEPS: usize = 5;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture and the unpacked reference listings, built once per test binary.
struct Fixture {
    dir: PathBuf,
    /// `expected[k]`: the `ls` lines of the rootfs umoci unpacks for `step{k+1}`.
    expected: Vec<Vec<String>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| build_fixture("make-umoci-image.sh", STEPS))
}

/// A temporary folder for this test process, under the target dir.
fn process_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Others may run these tests in the same target dir: one dir per
        // process, and leftovers of processes that are gone are removed.
        if let Ok(read) = std::fs::read_dir(tmp) {
            for entry in read.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("real_tools-") {
                    if !Path::new("/proc").join(pid).exists() {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        let base = tmp.join(format!("real_tools-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        base
    })
    .clone()
}

/// Runs `tests/fixtures/SCRIPT` into a fresh folder, then `umoci unpack`s
/// each of its `step1` .. `step{steps}` tags for the reference listings.
fn build_fixture(script: &str, steps: usize) -> Fixture {
    let base = process_dir().join(script.trim_end_matches(".sh"));
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("image");
    let script = repo_root().join("tests/fixtures").join(script);
    let out = Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed ({}); are umoci and skopeo installed (scripts/setup)?\n{}{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = (1..=steps)
        .map(|k| {
            let bundle = base.join(format!("unpack-step{k}"));
            // umoci creates the parents no tar entry names with 0777 & ~umask.
            let out = Command::new("sh")
                .arg("-c")
                .arg("umask 022 && exec umoci unpack --image \"$1\" \"$2\"")
                .arg("sh")
                .arg(format!("{}:step{k}", dir.join("oci").display()))
                .arg(&bundle)
                .output()
                .expect("cannot run umoci");
            assert!(
                out.status.success(),
                "umoci unpack step{k} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            find_listing(&bundle.join("rootfs"))
        })
        .collect();
    Fixture { dir, expected }
}

/// Escapes a name as `layerscope ls` does: `\` `\t` `\n`.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

/// The `ls` lines of an unpacked rootfs, from `find -printf`: size 0 for
/// anything but regular files, 4-digit modes, escaped names, sorted by bytes.
fn find_listing(rootfs: &Path) -> Vec<String> {
    let out = Command::new("find")
        .arg(rootfs)
        .args(["-mindepth", "1", "-printf", r"%P\0%y\0%s\0%m\0%U\0%G\0%l\0"])
        .env("LC_ALL", "C")
        .output()
        .expect("cannot run find");
    assert!(
        out.status.success(),
        "find failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("the fixture's names are UTF-8");
    let fields: Vec<&str> = text.split('\0').collect();
    // 7 NUL-terminated fields per path, then the empty string after the last NUL.
    assert_eq!(fields.len() % 7, 1, "find output is not 7 fields a path");
    let mut lines: Vec<String> = fields[..fields.len() - 1]
        .chunks(7)
        .map(|f| {
            let (path, kind, size, mode, uid, gid, link) =
                (f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
            let size = if kind == "f" { size } else { "0" };
            let mode = u32::from_str_radix(mode, 8).expect("octal mode");
            format!(
                "/{}\t{kind}\t{size}\t{mode:04o}\t{uid}\t{gid}\t{}",
                escape(path),
                escape(link)
            )
        })
        .collect();
    lines.sort_unstable();
    lines
}

/// One way to hand the image to layerscope.
struct Container {
    name: &'static str,
    /// The IMAGE argument and options before `--layer`.
    args: Vec<String>,
    /// Feed this file on stdin (IMAGE is then `-`).
    stdin: Option<PathBuf>,
}

/// Every container holding the final image (all 5 layers).
fn containers(f: &Fixture) -> Vec<Container> {
    let p = |name: &str| f.dir.join(name).display().to_string();
    let c = |name, args: Vec<String>| Container {
        name,
        args,
        stdin: None,
    };
    vec![
        c(
            "oci layout --ref step5",
            vec![p("oci"), "--ref".into(), "step5".into()],
        ),
        c("oci-archive", vec![p("oci-archive.tar")]),
        c("oci-archive, zstd layers", vec![p("oci-archive-zstd.tar")]),
        c("docker-archive", vec![p("docker-archive.tar")]),
        c("docker-archive, gzipped", vec![p("docker-archive.tar.gz")]),
        c("docker save, extracted", vec![p("docker-dir")]),
        Container {
            name: "oci-archive on stdin",
            args: vec!["-".into()],
            stdin: Some(f.dir.join("oci-archive.tar")),
        },
        Container {
            name: "docker-archive, gzipped, on stdin",
            args: vec!["-".into()],
            stdin: Some(f.dir.join("docker-archive.tar.gz")),
        },
    ]
}

/// The fixture's OCI layout read at tag `step{k}`, whose last layer is step k's.
fn own_tag(f: &Fixture, k: usize) -> Container {
    Container {
        name: "oci layout --ref stepK",
        args: vec![
            f.dir.join("oci").display().to_string(),
            "--ref".into(),
            format!("step{k}"),
        ],
        stdin: None,
    }
}

/// Runs layerscope; its stdout, or a panic with its stderr.
fn layerscope(args: &[String], stdin: Option<&Path>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_layerscope"));
    cmd.args(args);
    match stdin {
        Some(file) => cmd.stdin(std::fs::File::open(file).expect("stdin file")),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().expect("cannot run layerscope");
    assert!(
        out.status.success(),
        "layerscope {} failed ({}): {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("layerscope writes UTF-8")
}

fn ls(c: &Container, sub: &[&str]) -> Vec<String> {
    let mut args = vec!["ls".to_string()];
    args.extend(c.args.iter().cloned());
    args.extend(sub.iter().map(|s| s.to_string()));
    layerscope(&args, c.stdin.as_deref())
        .lines()
        .map(str::to_string)
        .collect()
}

/// A readable account of how two listings differ ("" when they do not).
fn diff(expected: &[String], got: &[String]) -> String {
    let e: BTreeSet<&String> = expected.iter().collect();
    let g: BTreeSet<&String> = got.iter().collect();
    let mut out = String::new();
    for line in e.difference(&g) {
        out.push_str(&format!("    - {line}\n"));
    }
    for line in g.difference(&e) {
        out.push_str(&format!("    + {line}\n"));
    }
    if out.is_empty() && expected != got {
        out.push_str("    (same lines, other order)\n");
    }
    out
}

/// For every step k: the layout at tag `stepK` (default layer and `--layer
/// K-1`) and each of `others` at `--layer K-1` list what `umoci unpack`
/// gives. Returns the differences, in words.
fn ls_differences(f: &Fixture, others: impl Fn(&Fixture) -> Vec<Container>) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, expected) in f.expected.iter().enumerate() {
        let k = i + 1;
        assert!(
            expected.len() > 10,
            "step{k}: the unpacked rootfs is nearly empty"
        );
        let layer = i.to_string();
        let own_tag = own_tag(f, k);
        let d = diff(expected, &ls(&own_tag, &[]));
        if !d.is_empty() {
            failures.push(format!(
                "step{k}, {} (default layer): - umoci unpack, + layerscope ls\n{d}",
                own_tag.name
            ));
        }
        for c in std::iter::once(own_tag).chain(others(f)) {
            let d = diff(expected, &ls(&c, &["--layer", &layer]));
            if !d.is_empty() {
                failures.push(format!(
                    "step{k} (--layer {layer}), {}: - umoci unpack, + layerscope ls\n{d}",
                    c.name
                ));
            }
        }
    }
    failures
}

#[test]
fn ls_matches_umoci_unpack_on_every_layer_and_container() {
    let failures = ls_differences(fixture(), containers);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// What each layer changed, as the fixture script made it (`/etc/same` and
/// the like, rewritten identically, are no change and have no line).
fn expected_changes(layer: usize) -> Vec<&'static str> {
    match layer {
        1 => vec![
            "M\t/data/dirmode\tmode",
            "M\t/data/owned-link\tuid,gid",
            "M\t/data/retarget\tlink",
            "D\t/data/to-delete\t",
            "M\t/etc/config\tcontent",
            "M\t/etc/hl-chmod\tmode",
            "M\t/etc/hl-chmod2\tmode",
            "M\t/etc/mode-only\tmode",
            "M\t/etc/owner-only\tuid,gid",
            "A\t/var/big/wasted\t",
        ],
        2 => vec![
            "M\t/bin/dangling\ttype,size,mode,link",
            "M\t/data/dir-becomes-file\ttype,size,mode",
            "D\t/data/dir-becomes-file/x\t",
            "M\t/data/dir-becomes-symlink\ttype,mode,link",
            "D\t/data/dir-becomes-symlink/y\t",
            "D\t/data/dir-to-delete\t",
            "D\t/data/dir-to-delete/a\t",
            "D\t/data/dir-to-delete/sub\t",
            "D\t/data/dir-to-delete/sub/b\t",
            "D\t/data/dir-to-delete/sub/deeper\t",
            "D\t/data/dir-to-delete/sub/deeper/c\t",
            "M\t/data/file-becomes-dir\ttype,size,mode",
            "A\t/data/file-becomes-dir/inside\t",
            "M\t/data/file-becomes-link\ttype,size,mode,link",
            "A\t/data/recreated/new\t",
            "D\t/data/recreated/old1\t",
            "D\t/data/recreated/old2\t",
            "M\t/data/symlink-becomes-dir\ttype,mode,link",
            "A\t/data/symlink-becomes-dir/z\t",
            "D\t/data/tab\\tname\t",
            "D\t/etc/hl-a\t",
            "D\t/var/big/wasted\t",
        ],
        3 => vec![
            "D\t/data/with space\t",
            "A\t/etc/hl-lower\t",
            "A\t/implicit\t",
            "A\t/implicit/parent\t",
            "A\t/implicit/parent/file\t",
            "A\t/opq/new\t",
            "D\t/opq/old\t",
            "D\t/opq/sub\t",
            "D\t/opq/sub/deep\t",
            "M\t/opq2\tmode,uid,gid",
            "A\t/opq2/fresh\t",
            "D\t/opq2/keep\t",
            "D\t/opq2/keep/file\t",
        ],
        4 => vec![
            "D\t/etc/lower\t",
            "M\t/implicit\tmode",
            "A\t/implicit/parent/late\t",
            "M\t/opq/new\tsize,content",
            "M\t/var/big/overwritten\tcontent",
        ],
        _ => unreachable!(),
    }
}

#[test]
fn changes_are_what_each_step_did() {
    let f = fixture();
    let all = containers(f);
    let mut failures = Vec::new();
    for layer in 0..STEPS {
        let expected: Vec<String> = if layer == 0 {
            // The first layer adds every path of the first step.
            f.expected[0]
                .iter()
                .map(|l| format!("A\t{}\t", l.split('\t').next().unwrap()))
                .collect()
        } else {
            expected_changes(layer)
                .into_iter()
                .map(String::from)
                .collect()
        };
        let arg = layer.to_string();
        for c in &all {
            let got = ls(c, &["--layer", &arg, "--changes"]);
            if got != expected {
                failures.push(format!(
                    "layer {layer}, {}: - expected, + layerscope ls --changes\n{}",
                    c.name,
                    diff(&expected, &got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn inspect(c: &Container) -> Value {
    let mut args = vec!["inspect".to_string()];
    args.extend(c.args.iter().cloned());
    args.push("--json".into());
    serde_json::from_str(&layerscope(&args, c.stdin.as_deref())).expect("inspect --json is JSON")
}

/// The parts of a report that do not depend on the container or compression.
fn comparable(report: &Value) -> Value {
    let layers: Vec<Value> = report["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            serde_json::json!({
                "diff_id": l["diff_id"],
                "size": l["size"],
                "tar_size": l["tar_size"],
                "entries": l["entries"],
                "wasted_bytes": l["wasted_bytes"],
                "dive_size": l["dive_size"],
                "created": l["created"],
                "created_by": l["created_by"],
                "changes": l["changes"],
            })
        })
        .collect();
    serde_json::json!({
        "layers": layers,
        "files": report["image"]["files"],
        "layer_count": report["image"]["layer_count"],
        "size": report["image"]["size"],
        "history": report["history"],
        "dive": report["dive"],
        "exact": report["exact"],
    })
}

#[test]
fn inspect_json_agrees_across_containers() {
    let f = fixture();
    let all = containers(f);
    let reports: Vec<(&str, Value)> = all.iter().map(|c| (c.name, inspect(c))).collect();
    let (first_name, first) = &reports[0];
    let reference = comparable(first);

    // What the fixture is known to hold.
    assert_eq!(first["image"]["layer_count"], STEPS, "{first_name}");
    let diff_ids: Vec<&str> = first["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["diff_id"].as_str().expect("diff_id"))
        .collect();
    assert_eq!(diff_ids.len(), STEPS);
    assert!(diff_ids.iter().all(|d| d.starts_with("sha256:")));
    let wasted = first["exact"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "/var/big/wasted")
        .unwrap_or_else(|| panic!("{first_name}: /var/big/wasted is not among the wasted paths"));
    assert_eq!(wasted["wasted_bytes"], 1_048_576);
    assert_eq!(wasted["present"], false);
    let overwritten = first["exact"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "/var/big/overwritten")
        .unwrap_or_else(|| {
            panic!("{first_name}: /var/big/overwritten is not among the wasted paths")
        });
    assert_eq!(overwritten["wasted_bytes"], 524_288);
    assert_eq!(overwritten["present"], true);

    for (name, report) in &reports {
        for (i, l) in report["layers"].as_array().unwrap().iter().enumerate() {
            // A docker archive's manifest promises no blob digests (null);
            // an OCI manifest does, and they must hold.
            let promised = !name.starts_with("docker");
            let want = if promised {
                Value::Bool(true)
            } else {
                Value::Null
            };
            assert_eq!(
                l["digest_verified"], want,
                "{name}: layer {i}: digest_verified"
            );
            assert_eq!(
                l["diff_id_verified"], true,
                "{name}: layer {i}: diff_id not verified"
            );
        }
        let errors: Vec<&Value> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] != "info")
            .collect();
        assert!(errors.is_empty(), "{name}: diagnostics: {errors:?}");
        let got = comparable(report);
        if got != reference {
            let a = serde_json::to_string_pretty(&reference).unwrap();
            let b = serde_json::to_string_pretty(&got).unwrap();
            let a: Vec<String> = a.lines().map(String::from).collect();
            let b: Vec<String> = b.lines().map(String::from).collect();
            panic!(
                "inspect --json of {name} differs from {first_name}: - {first_name}, + {name}\n{}",
                diff(&a, &b)
            );
        }
    }
    // Compression shows where it should.
    let zstd = reports
        .iter()
        .find(|(n, _)| n.contains("zstd"))
        .expect("a zstd container");
    assert!(
        zstd.1["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["compression"] == "zstd"),
        "the zstd archive's layers are not read as zstd"
    );
}

#[test]
fn fixture_script_fails_loudly_without_its_tools() {
    // With umoci off PATH the script must fail, naming it, not skip.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("real_tools-{}-notools", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("bin")).unwrap();
    for tool in [
        "bash", "python3", "gzip", "find", "touch", "mknod", "mkfifo", "id", "ls", "mkdir",
        "dirname",
    ] {
        if let Some(path) = which(tool) {
            let _ = std::os::unix::fs::symlink(path, tmp.join("bin").join(tool));
        }
    }
    let out = Command::new(tmp.join("bin/bash"))
        .arg(repo_root().join("tests/fixtures/make-umoci-image.sh"))
        .arg(tmp.join("out"))
        .env("PATH", tmp.join("bin"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the script succeeded without umoci");
    assert!(stderr.contains("umoci not found"), "stderr: {stderr}");
    let _ = std::fs::remove_dir_all(&tmp);
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

// ---------------------------------------------------------------------------
// Layers written by `umoci insert`, which end early
// ---------------------------------------------------------------------------

const INSERT_STEPS: usize = 5;

/// `tests/fixtures/make-umoci-insert-image.sh`: a repacked base, then four
/// `umoci insert` layers, which umoci 0.4.7 ends without their last padding
/// and without the two zero blocks that end a tar.
fn insert_fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| build_fixture("make-umoci-insert-image.sh", INSERT_STEPS))
}

fn insert_containers(f: &Fixture) -> Vec<Container> {
    let p = |name: &str| f.dir.join(name).display().to_string();
    vec![
        Container {
            name: "oci-archive (gzip layers)",
            args: vec![p("oci-archive.tar")],
            stdin: None,
        },
        Container {
            name: "docker-archive (plain layers)",
            args: vec![p("docker-archive.tar")],
            stdin: None,
        },
        Container {
            name: "docker-archive on stdin",
            args: vec!["-".into()],
            stdin: Some(f.dir.join("docker-archive.tar")),
        },
    ]
}

#[test]
fn insert_layers_are_read_whole_as_umoci_unpacks_them() {
    let f = insert_fixture();
    let failures = ls_differences(f, insert_containers);
    // The last entries of the insert layers are there, with their bytes.
    let last = &f.expected[INSERT_STEPS - 1];
    for line in [
        "/opt/inserted/sub/b.txt\tf\t2\t0644\t0\t0\t",
        "/etc/motd\tf\t13\t0644\t0\t0\t",
        "/srv/blk\tf\t1024\t0644\t0\t0\t",
    ] {
        assert!(
            last.iter().any(|l| l == line),
            "umoci unpack has no {line:?}"
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Each layer that ends early says so, on that layer, and nothing fails.
#[test]
fn insert_layers_say_how_their_tar_ends() {
    let f = insert_fixture();
    let expected = [
        (
            1,
            "warning",
            "the layer's tar ends right after the data of its last entry (/opt/inserted/sub/b.txt), without the padding to a 512-byte block and the two zero blocks",
        ),
        (
            2,
            "warning",
            "the layer's tar ends right after the data of its last entry (/etc/motd), without the padding",
        ),
        (
            3,
            "info",
            "the layer's tar ends after its last entry (/var/.wh.gone) without the two zero blocks",
        ),
        (
            4,
            "info",
            "the layer's tar ends after its last entry (/srv/blk) without the two zero blocks",
        ),
    ];
    for c in insert_containers(f) {
        let report = inspect(&c);
        let layers = report["layers"].as_array().unwrap();
        assert_eq!(layers.len(), INSERT_STEPS, "{}", c.name);
        // What umoci wrote: the insert layers' tars stop short of a block.
        let sizes: Vec<u64> = layers
            .iter()
            .map(|l| l["tar_size"].as_u64().unwrap())
            .collect();
        assert!(
            sizes[0] % 512 == 0 && sizes[1] % 512 != 0 && sizes[2] % 512 != 0,
            "{}: tar sizes {sizes:?}: the fixture no longer has unpadded layers",
            c.name
        );
        for (i, l) in layers.iter().enumerate() {
            assert_eq!(l["diff_id_verified"], true, "{}: layer {i}", c.name);
        }
        let notes: Vec<(u64, &str, &str)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["layer"].as_u64().unwrap_or(u64::MAX),
                    d["severity"].as_str().unwrap(),
                    d["message"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(notes.len(), expected.len(), "{}: {notes:#?}", c.name);
        for ((layer, severity, message), (want_layer, want_severity, says)) in
            notes.iter().zip(expected)
        {
            assert_eq!(
                (*layer, *severity),
                (want_layer, want_severity),
                "{}: {message}",
                c.name
            );
            assert!(message.starts_with(says), "{}: {message:?}", c.name);
        }
    }
}

/// dive 0.13.1 reads the docker archive (its layers in manifest order), and
/// `inspect --json`'s dive figures are its figures, from every container.
#[test]
fn insert_image_dive_figures_equal_dives() {
    let f = insert_fixture();
    let out_json = f.dir.join("dive.json");
    let out = Command::new("dive")
        .args(["--source", "docker-archive"])
        .arg(f.dir.join("docker-archive.tar"))
        .arg("-j")
        .arg(&out_json)
        .output()
        .expect("cannot run dive (scripts/setup installs dive 0.13.1)");
    assert!(
        out.status.success(),
        "dive failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dive: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).expect("dive's JSON");
    let sizes: Vec<u64> = dive["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sizeBytes"].as_u64().unwrap())
        .collect();
    let wasted = dive["image"]["inefficientBytes"].as_u64().unwrap();
    let user: u64 = sizes[1..].iter().sum();
    let expected = serde_json::json!({
        "efficiency": dive["image"]["efficiencyScore"].as_f64().unwrap(),
        "wasted_bytes": wasted,
        "user_wasted_percent": wasted as f64 / user as f64,
        "layer_sizes": sizes,
        "inefficiencies": dive["image"]["fileReference"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| serde_json::json!({
                "path": r["file"],
                "count": r["count"],
                "cumulative_size": r["sizeBytes"],
            }))
            .collect::<Vec<_>>(),
    });
    // Something to compare: the insert over /etc/motd wastes its lower copy.
    assert!(wasted > 0, "dive saw no waste: {dive}");
    assert_eq!(sizes.len(), INSERT_STEPS);
    for c in insert_containers(f) {
        let report = inspect(&c);
        assert_eq!(report["dive"], expected, "{}: - ours, + dive's", c.name);
    }
}

// ---------------------------------------------------------------------------
// Two images compared: `layerscope diff`
// ---------------------------------------------------------------------------

/// Runs `layerscope diff ARGS`: its exit code and stdout.
fn diff_cmd(args: &[String]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .arg("diff")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run layerscope");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

/// Between any two steps of the umoci image (read at their own tags), the
/// path difference is the difference of the two `layerscope ls` listings:
/// the same paths added, deleted and modified; a path `ls` shows the same
/// may only differ in content.
#[test]
fn diff_paths_equal_the_diff_of_two_listings() {
    let f = fixture();
    let layout = f.dir.join("oci").display().to_string();
    let mut compared = 0;
    for (ka, kb) in [(1, 2), (2, 3), (3, 4), (4, 5), (1, 5), (5, 1)] {
        let (code, text) = diff_cmd(&[
            "--paths".into(),
            layout.clone(),
            layout.clone(),
            "--ref-a".into(),
            format!("step{ka}"),
            "--ref-b".into(),
            format!("step{kb}"),
        ]);
        assert_eq!(code, 1, "step{ka} against step{kb}");
        let ours: BTreeSet<(String, String)> = text
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[1].to_string(), format!("{}\t{}", f[0], f[4]))
            })
            .collect();
        let listing = |k: usize| -> std::collections::BTreeMap<String, String> {
            f.expected[k - 1]
                .iter()
                .map(|l| (l.split('\t').next().unwrap().to_string(), l.clone()))
                .collect()
        };
        let (la, lb) = (listing(ka), listing(kb));
        let mut want: BTreeSet<(String, char)> = BTreeSet::new();
        for (p, l) in &la {
            match lb.get(p) {
                None => want.insert((p.clone(), 'D')),
                Some(m) if m != l => want.insert((p.clone(), 'M')),
                _ => false,
            };
        }
        for p in lb.keys().filter(|p| !la.contains_key(*p)) {
            want.insert((p.clone(), 'A'));
        }
        let got: BTreeSet<(String, char)> = ours
            .iter()
            .filter(|(_, kind)| kind != "M\tcontent")
            .map(|(p, kind)| (p.clone(), kind.chars().next().unwrap()))
            .collect();
        assert_eq!(
            got, want,
            "step{ka} against step{kb}: - umoci unpack's listings, + layerscope diff --paths"
        );
        compared += want.len();
    }
    assert!(compared > 40, "only {compared} differences seen");
}

/// The same image as a docker archive (plain layers) and an OCI archive
/// (gzip layers): identical (exit 0), every layer the same files in
/// another blob, so each side pulls every layer of the other.
#[test]
fn diff_of_the_same_image_in_two_containers() {
    let f = fixture();
    let p = |n: &str| f.dir.join(n).display().to_string();
    let (code, text) = diff_cmd(&[
        "--json".into(),
        p("docker-archive.tar"),
        p("oci-archive.tar"),
    ]);
    assert_eq!(code, 0, "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["identical"], true);
    assert_eq!(doc["layers"]["shared_base"], STEPS);
    assert_eq!(
        doc["layers"]["same_files_other_blob"]
            .as_array()
            .unwrap()
            .len(),
        STEPS
    );
    assert_eq!(doc["pull"]["b_onto_a"]["download_layers"], STEPS);
    // The zstd archive against the gzip one: the same.
    let (code, _) = diff_cmd(&[p("oci-archive.tar"), p("oci-archive-zstd.tar")]);
    assert_eq!(code, 0);
}

/// The umoci image against the insert image: nothing in common.
#[test]
fn diff_of_images_with_nothing_in_common() {
    let (a, b) = (fixture(), insert_fixture());
    let (code, text) = diff_cmd(&[
        "--json".into(),
        a.dir.join("oci-archive.tar").display().to_string(),
        b.dir.join("oci-archive.tar").display().to_string(),
    ]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["layers"]["shared_base"], 0);
    assert_eq!(
        doc["pull"]["b_onto_a"]["download_bytes"],
        doc["pull"]["b_onto_a"]["fresh_bytes"]
    );
    assert_eq!(doc["pull"]["b_onto_a"]["kept_layers"], 0);
    let steps: Vec<&str> = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    // Both builds' first step is written "base filesystem": the same
    // history line (over other layers); the rest differ.
    assert_eq!(steps, ["same", "changed", "changed", "changed", "changed"]);
}

/// A one-file change in the last layer, made with umoci: step4 of the umoci
/// image with one file inserted, twice, with other bytes. The stacks share
/// step4's four layers; the last layers differ; one path is modified, in
/// its content only; a host holding one downloads the other's last layer.
#[test]
fn diff_of_a_one_file_change_in_the_last_layer() {
    let f = fixture();
    let work = process_dir().join("one-file-change");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    // A copy of the layout: the other tests read the fixture's meanwhile.
    let layout = work.join("oci");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(f.dir.join("oci"))
        .arg(&layout)
        .status()
        .unwrap();
    assert!(copied.success());
    for (tag, content) in [("a", "version 1\n"), ("b", "version 2\n")] {
        let file = work.join(format!("VERSION-{tag}"));
        std::fs::write(&file, content).unwrap();
        let out = Command::new("umoci")
            .args(["insert", "--image"])
            .arg(format!("{}:step4", layout.display()))
            .args(["--tag", tag])
            .arg(&file)
            .arg("/app/VERSION")
            .output()
            .expect("cannot run umoci");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let l = layout.display().to_string();
    let (code, text) = diff_cmd(&[
        "--json".into(),
        l.clone(),
        l.clone(),
        "--ref-a".into(),
        "a".into(),
        "--ref-b".into(),
        "b".into(),
    ]);
    assert_eq!(code, 1, "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["layers"]["shared_base"], 4);
    assert_eq!(doc["layers"]["part_at"], 4);
    let list = doc["paths"]["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["path"], "/app/VERSION");
    assert_eq!(list[0]["fields"], serde_json::json!(["content"]));
    assert_eq!(doc["pull"]["b_onto_a"]["download"], serde_json::json!([4]));
    assert_eq!(doc["pull"]["b_onto_a"]["kept_layers"], 4);
    let _ = std::fs::remove_dir_all(&work);
}

// ---------------------------------------------------------------------------
// Findings on images umoci wrote: where each must fire and where it must not
// ---------------------------------------------------------------------------

fn findings_fixture() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = process_dir().join("make-umoci-findings-image/image");
        let script = repo_root().join("tests/fixtures/make-umoci-findings-image.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} failed; are umoci and skopeo installed (scripts/setup)?\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// (id, layer, bytes, first path) of each finding `inspect --json` lists.
fn findings_of(tag: &str) -> Vec<(String, Option<u64>, u64, String)> {
    let c = Container {
        name: "docker-archive",
        args: vec![findings_fixture()
            .join(format!("{tag}.tar"))
            .display()
            .to_string()],
        stdin: None,
    };
    inspect(&c)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["layer"].as_u64(),
                f["bytes"].as_u64().unwrap(),
                f["paths"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn umoci_images_fire_findings_where_a_reviewer_would() {
    let lists =
        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages";
    let f = |id: &str, layer: Option<u64>, bytes: u64, path: &str| {
        (id.to_string(), layer, bytes, path.to_string())
    };
    // The key, added by layer 1 and deleted by layer 3, still ships; so do
    // the lists layer 2 wrote and layer 4 hid.
    let keyed = findings_of("keyed");
    for want in [
        f("secret-in-lower-layer", Some(1), 212, "/root/.ssh/id_rsa"),
        f("package-cache", Some(2), 20_000, lists),
        f("deleted-files", Some(2), 20_000, lists),
        f("setuid-files", Some(0), 0, "/usr/bin/passwd"),
    ] {
        assert!(keyed.contains(&want), "{want:?} not in {keyed:#?}");
    }
    // The same steps without the key and the lists: neither fires.
    let clean = findings_of("clean");
    assert!(
        clean
            .iter()
            .all(|(id, ..)| !id.starts_with("secret") && id != "package-cache"),
        "{clean:#?}"
    );
    assert!(clean.contains(&f("deleted-files", Some(1), 6, "/build.txt")));
    // Lists removed in the same RUN: nothing about caches or deletions.
    let same = findings_of("same-run");
    assert!(
        same.iter()
            .all(|(id, ..)| id != "package-cache" && id != "deleted-files"),
        "{same:#?}"
    );
}
