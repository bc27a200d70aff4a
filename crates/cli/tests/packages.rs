//! `layerscope packages` on images whose packages real tools installed
//! (tests/fixtures/make-packages-image.sh: dpkg installs, upgrades and
//! purges real .deb files built by dpkg-deb, umoci makes each step a layer)
//! and on the corpus's Alpine image. After every layer, the deb packages
//! must be what `dpkg-query -W --admindir` prints over the root filesystem
//! umoci unpacks for that layer; each package's layer, upgrades, removal,
//! files, bytes and waste are what the steps did.
//!
//! Needs root, umoci, skopeo, dpkg and python3 (`scripts/setup` installs
//! them): a missing tool fails the tests, it does not skip them.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("packages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let script = repo_root().join("tests/fixtures/make-packages-image.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} failed; are umoci, skopeo and dpkg installed (scripts/setup)?\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn layerscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(args)
        .output()
        .unwrap()
}

fn packages_json(image: &Path) -> Value {
    let out = layerscope(&["packages", "--json", image.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn image() -> PathBuf {
    fixture().join("packages.tar")
}

/// name → version of the deb packages installed after `layer`, from the JSON.
fn debs_after(doc: &Value, layer: u64) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in doc["packages"].as_array().unwrap() {
        if p["ecosystem"] != "deb" || p["added_in_layer"].as_u64().unwrap() > layer {
            continue;
        }
        if p["removed_in_layer"].as_u64().is_some_and(|r| r <= layer) {
            continue;
        }
        // The version then: the one before the first upgrade after `layer`.
        let version = p["upgraded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["layer"].as_u64().unwrap() > layer)
            .map_or(p["version"].as_str().unwrap(), |u| {
                u["from"].as_str().unwrap()
            });
        out.insert(p["name"].as_str().unwrap().to_string(), version.to_string());
    }
    out
}

/// What `dpkg-query -W` prints over the root filesystem after `layer`: the
/// installed packages (`${db:Status-Status}` installed), name → version.
fn dpkg_query(layer: usize) -> BTreeMap<String, String> {
    let admindir = fixture().join(format!("rootfs-{layer}/var/lib/dpkg"));
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", admindir.display()))
        .args([
            "-W",
            "-f",
            "${db:Status-Status}\t${binary:Package}\t${Version}\n",
        ])
        .output()
        .expect("dpkg-query");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (status, name, version) = (f.next()?, f.next()?, f.next()?);
            (status == "installed").then(|| (name.to_string(), version.to_string()))
        })
        .collect()
}

#[test]
fn deb_packages_after_every_layer_are_what_dpkg_query_lists() {
    let doc = packages_json(&image());
    for layer in 0..7 {
        let want = dpkg_query(layer);
        assert!(want.len() > 100, "the base has this machine's packages");
        assert_eq!(debs_after(&doc, layer as u64), want, "after layer {layer}");
    }
}

fn package<'a>(doc: &'a Value, ecosystem: &str, name: &str) -> &'a Value {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["ecosystem"] == ecosystem && p["name"] == name)
        .unwrap_or_else(|| panic!("no {ecosystem} package {name}"))
}

#[test]
fn each_package_has_the_layer_that_installed_it_and_what_it_costs() {
    let doc = packages_json(&image());
    let a = package(&doc, "deb", "lsfix-a");
    assert_eq!(a["added_in_layer"], 1);
    assert_eq!(a["version"], "2.0");
    assert_eq!(
        a["upgraded"],
        serde_json::json!([{"layer": 2, "from": "1.0"}])
    );
    assert_eq!(a["bytes"], 8192, "its data file in the final image");
    assert_eq!(a["wasted_bytes"], 4096, "version 1.0's data, overwritten");
    assert_eq!(a["files"], serde_json::json!(["/usr/share/lsfix-a/data"]));
    let b = package(&doc, "deb", "lsfix-b");
    assert_eq!(
        (b["added_in_layer"].clone(), b["removed_in_layer"].clone()),
        (1.into(), 3.into())
    );
    assert_eq!(b["bytes"], 0);
    assert_eq!(
        b["wasted_bytes"], 3000,
        "purged: its file still ships in layer 1"
    );
    let c = package(&doc, "deb", "lsfix-c");
    assert_eq!(
        (c["added_in_layer"].clone(), c["bytes"].clone()),
        (2.into(), 5000.into())
    );

    let zlib = package(&doc, "apk", "lsfix-zlib");
    assert_eq!(
        (zlib["added_in_layer"].clone(), zlib["version"].clone()),
        (4.into(), "1.3.1-r0".into())
    );
    assert_eq!(zlib["files"], serde_json::json!(["/usr/lib/libz.so.1.3.1"]));
    assert_eq!(zlib["bytes"], 11000);
    assert_eq!(package(&doc, "apk", "lsfix-tool")["bytes"], 7000);

    // PEP 503 names; RECORD's paths from site-packages, `../` resolved.
    let web = package(&doc, "pypi", "lsfix-web");
    assert_eq!(
        (web["added_in_layer"].clone(), web["version"].clone()),
        (5.into(), "1.2.0".into())
    );
    let files: Vec<&str> = web["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"/usr/local/bin/lsfix-web"), "{files:?}");
    assert!(files.contains(&"/usr/lib/python3.11/site-packages/lsfix_web/__init__.py"));
    assert_eq!(files.len(), 6, "five files and RECORD itself");
    let legacy = package(&doc, "pypi", "lsfix-legacy");
    assert_eq!(legacy["version"], "0.9");
    assert!(legacy["bytes"].as_u64().unwrap() >= 2500);

    // npm: a package's files are its folder, without the packages nested in it.
    let ui = package(&doc, "npm", "@lsfix/ui");
    assert_eq!(
        ui["files"],
        serde_json::json!([
            "/app/node_modules/@lsfix/ui/index.js",
            "/app/node_modules/@lsfix/ui/package.json"
        ])
    );
    let dep = package(&doc, "npm", "lsfix-dep");
    assert_eq!(
        dep["location"],
        "/app/node_modules/@lsfix/ui/node_modules/lsfix-dep"
    );
    let axe = package(&doc, "npm", "axe-core");
    let on_disk: u64 = walk(&repo_root().join("node_modules/axe-core"));
    assert_eq!(
        axe["bytes"].as_u64().unwrap(),
        on_disk,
        "every file of its folder"
    );

    // Per layer, and the files nobody owns.
    let layers = doc["layers"].as_array().unwrap();
    assert_eq!(layers[2]["upgraded"].as_array().unwrap().len(), 1);
    assert_eq!(layers[3]["removed"].as_array().unwrap().len(), 1);
    assert_eq!(layers[4]["added_bytes"], 18000);
    let unowned: Vec<(&str, u64)> = doc["unowned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["dir"].as_str().unwrap(), u["bytes"].as_u64().unwrap()))
        .collect();
    assert!(unowned.contains(&("/app", 12345)), "{unowned:?}");
}

/// Bytes of the regular files under `dir`.
fn walk(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.path().symlink_metadata().unwrap();
        if meta.is_dir() {
            total += walk(&entry.path());
        } else if meta.is_file() {
            total += meta.len();
        }
    }
    total
}

#[test]
fn one_layer_csv_and_the_table() {
    let img = image();
    let img = img.to_str().unwrap();
    let out = layerscope(&["packages", "--layer", "2", img]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().any(|r| r.starts_with("deb ")
        && r.contains("lsfix-a")
        && r.contains("upgraded in 2 (from 1.0)")));
    assert!(
        text.contains("    2  installed 1 package, 5.0 kB; upgraded 1"),
        "{text}"
    );
    let out = layerscope(&["packages", "--layer", "9", img]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("layer 9"),
        "names the layer"
    );

    let out = layerscope(&["packages", "--csv", img]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let doc = packages_json(&image());
    assert_eq!(
        csv.lines().count(),
        1 + doc["packages"].as_array().unwrap().len()
    );
    assert!(csv.starts_with(
        "ecosystem,name,version,added_in_layer,history,files,bytes,wasted_bytes,location\r\n"
    ));
    assert!(
        csv.contains("\r\ndeb,lsfix-b,1.0,1,removed in 3,0,0,3000,/var/lib/dpkg/status\r\n"),
        "{}",
        &csv[..300]
    );
    // --layer narrows the CSV as it narrows the table: the same two packages.
    let out = layerscope(&["packages", "--csv", "--layer", "2", img]);
    let one = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = one
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{one}");
    assert!(names.contains(&"lsfix-a"), "{one}");
    assert!(
        one.lines().skip(1).all(|l| csv.contains(l)),
        "rows as the whole CSV has them"
    );
}

#[test]
fn alpine_from_the_corpus() {
    let img = repo_root()
        .join("../shared/corpus/aquasecurity-trivy/pkg/fanal/test/testdata/alpine-310.tar.gz");
    let doc = packages_json(&img);
    let names: Vec<(&str, &str)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
        .collect();
    // The 14 packages its lib/apk/db/installed lists.
    assert_eq!(names.len(), 14, "{names:?}");
    assert!(names.contains(&("musl", "1.1.22-r3")));
    assert!(names.contains(&("busybox", "1.30.1-r3")));
    let busybox = package(&doc, "apk", "busybox");
    assert!(busybox["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "/bin/busybox"));
}
