//! `dive::figures` against dive 0.13.1's own output.
//!
//! `tests/data/dive-0.13.1.json` records what dive printed for the archives of
//! the shared corpus, `tests/data/dive-0.13.1-synthetic.json` for the small
//! archives in `tests/data/dive-synthetic/` that isolate one dive behaviour each
//! (`tests/data/refresh-dive.sh` regenerates both). Here every archive that dive
//! read in its true layer order is read again, layer tars in manifest order,
//! with the `tar` crate, and `figures` must give dive's numbers exactly: the
//! efficiency and user-wasted ratio to the last bit, as well as the strings the
//! `--ci` report printed, wasted bytes, layer sizes and the inefficient files in
//! dive's order.
//!
//! The layers are read the way dive reads them: the first image of
//! `manifest.json`, else the first manifest of `index.json`; a layer tar that is
//! a symlink inside a `docker save` archive is read as its own empty body.
//!
//! The corpus lives outside the repository (`../shared/corpus` beside the
//! checkout, or `LAYERSCOPE_CORPUS`); without it the corpus test says so and
//! passes, while the synthetic archives, which are committed, always run.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use layerscope_core::figures::dive::{figures, DiveEntry, DiveFigures, DiveLayer};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("LAYERSCOPE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

fn load_record(name: &str) -> serde_json::Map<String, Value> {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("{}: not a JSON object: {other:?}", path.display()),
    }
}

/// What an image archive holds: regular files by name; symlinks as `None`.
type Members = HashMap<String, Option<Vec<u8>>>;

fn read_archive(path: &Path) -> Members {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = decompress(&bytes);
    let mut members = Members::new();
    let mut archive = tar::Archive::new(&bytes[..]);
    for entry in archive.entries().expect("outer tar") {
        let mut entry = entry.expect("outer tar entry");
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Symlink => {
                members.insert(name, None);
            }
            kind if kind.is_file() => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data).expect("outer tar member");
                members.insert(name, Some(data));
            }
            _ => {}
        }
    }
    members
}

fn read_layout_dir(dir: &Path) -> Members {
    fn walk(root: &Path, dir: &Path, out: &mut Members) {
        for entry in std::fs::read_dir(dir).expect("layout dir") {
            let path = entry.expect("layout dir entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, Some(std::fs::read(&path).expect("layout file")));
            }
        }
    }
    let mut members = Members::new();
    walk(dir, dir, &mut members);
    members
}

fn json_member(members: &Members, name: &str) -> Value {
    match members.get(name) {
        Some(Some(bytes)) => {
            serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
        _ => panic!("{name} missing"),
    }
}

fn blob(members: &Members, digest: &Value) -> Vec<u8> {
    let digest = digest.as_str().expect("digest");
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    match members.get(&format!("blobs/sha256/{hex}")) {
        Some(Some(bytes)) => bytes.clone(),
        _ => panic!("blob {digest} missing"),
    }
}

/// The layer blobs in the order dive reads them when it reads the true order.
fn layer_blobs(members: &Members) -> Vec<Vec<u8>> {
    if members.contains_key("manifest.json") {
        let manifest = json_member(members, "manifest.json");
        let layers = manifest[0]["Layers"].as_array().expect("Layers");
        return layers
            .iter()
            .map(
                |path| match members.get(path.as_str().expect("layer path")) {
                    Some(Some(bytes)) => bytes.clone(),
                    // dive's tar reader reads the symlink entry's own (empty) body.
                    Some(None) => Vec::new(),
                    None => panic!("layer {path} missing"),
                },
            )
            .collect();
    }
    if members.contains_key("index.json") {
        let index = json_member(members, "index.json");
        let manifest: Value =
            serde_json::from_slice(&blob(members, &index["manifests"][0]["digest"]))
                .expect("image manifest");
        let layers = manifest["layers"].as_array().expect("layers");
        return layers
            .iter()
            .map(|layer| blob(members, &layer["digest"]))
            .collect();
    }
    let mut tars: Vec<&Vec<u8>> = members
        .iter()
        .filter(|(name, _)| name.ends_with(".tar"))
        .filter_map(|(_, data)| data.as_ref())
        .collect();
    assert_eq!(
        tars.len(),
        1,
        "no manifest: only a single layer has a known order"
    );
    vec![tars.remove(0).clone()]
}

/// gzip (every member, as Go's gzip reader), zstd, or plain.
fn decompress(blob: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if blob.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(blob)
            .read_to_end(&mut out)
            .expect("gzip");
    } else if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let mut source = blob;
        ruzstd::decoding::StreamingDecoder::new(&mut source)
            .expect("zstd frame")
            .read_to_end(&mut out)
            .expect("zstd");
    } else {
        out.extend_from_slice(blob);
    }
    out
}

fn dive_layer(blob: &[u8]) -> DiveLayer {
    let mut entries = Vec::new();
    if blob.is_empty() {
        return DiveLayer { entries };
    }
    let bytes = decompress(blob);
    let mut archive = tar::Archive::new(&bytes[..]);
    for entry in archive.entries().expect("layer tar") {
        let entry = entry.expect("layer tar entry");
        let header = entry.header();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let typeflag = header.entry_type().as_byte();
        assert!(
            typeflag != b'g',
            "a PAX global header: dive rejects the layer"
        );
        let mode = u64::from(header.mode().unwrap_or(0));
        entries.push(DiveEntry::from_tar_header(
            &name,
            typeflag,
            mode,
            entry.size(),
        ));
    }
    DiveLayer { entries }
}

fn parse_float(value: &Value) -> f64 {
    // Recorded as Go prints a float64 (shortest exact decimal, NaN, +Inf).
    let text = value.as_str().expect("float as string");
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn same_float(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// `fmt.Sprintf("%.4f %%", x*100)` in Go.
fn go_percent(x: f64) -> String {
    let x = x * 100.0;
    if x.is_nan() {
        "NaN %".to_string()
    } else if x.is_infinite() {
        format!("{}Inf %", if x > 0.0 { "+" } else { "-" })
    } else {
        format!("{x:.4} %")
    }
}

/// Compares, returns the mismatches.
fn check(name: &str, ours: &DiveFigures, dive: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut differ = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            problems.push(format!("{name}: {what}: ours {ours}, dive {theirs}"));
        }
    };
    let efficiency = parse_float(&dive["efficiency"]);
    let user_wasted = parse_float(&dive["user_wasted_percent"]);
    if !same_float(ours.efficiency, efficiency) {
        differ(
            "efficiency",
            format!("{:?}", ours.efficiency),
            format!("{efficiency:?}"),
        );
    }
    if !same_float(ours.user_wasted_percent, user_wasted) {
        differ(
            "user_wasted_percent",
            format!("{:?}", ours.user_wasted_percent),
            format!("{user_wasted:?}"),
        );
    }
    differ(
        "printed efficiency",
        go_percent(ours.efficiency),
        dive["printed"]["efficiency"].as_str().unwrap_or("?").into(),
    );
    differ(
        "printed userWastedPercent",
        go_percent(ours.user_wasted_percent),
        dive["printed"]["userWastedPercent"]
            .as_str()
            .unwrap_or("?")
            .into(),
    );
    differ(
        "wasted_bytes",
        ours.wasted_bytes.to_string(),
        dive["wasted_bytes"].to_string(),
    );
    differ("layer_sizes", format!("{:?}", ours.layer_sizes), {
        let sizes: Vec<u64> = dive["layer_sizes"]
            .as_array()
            .expect("layer_sizes")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        format!("{sizes:?}")
    });
    let theirs: Vec<(String, u64, u64)> = dive["inefficiencies"]
        .as_array()
        .expect("inefficiencies")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("path").to_string(),
                i["count"].as_u64().expect("count"),
                i["size"].as_u64().expect("size"),
            )
        })
        .collect();
    let ours_list: Vec<(String, u64, u64)> = ours
        .inefficiencies
        .iter()
        .map(|i| (i.path.clone(), i.count as u64, i.cumulative_size))
        .collect();
    differ(
        "inefficiencies",
        format!("{ours_list:?}"),
        format!("{theirs:?}"),
    );
    problems
}

/// Checks every readable record (and the `gunzipped` / `as_tar` readings of
/// archives dive could not take as they are) whose layers dive read in their
/// true order. Returns (compared, mismatches).
fn check_records(
    records: &serde_json::Map<String, Value>,
    locate: impl Fn(&str) -> PathBuf,
) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut problems = Vec::new();
    for (name, record) in records {
        let readings = [Some(record), record.get("gunzipped"), record.get("as_tar")];
        for reading in readings.into_iter().flatten() {
            if reading["readable"] != Value::Bool(true) {
                continue;
            }
            if reading["true_layer_order"] != Value::Bool(true) {
                eprintln!("{name}: dive did not read this image's layers in their true order; not compared");
                continue;
            }
            let path = locate(name);
            let members = if path.is_dir() {
                read_layout_dir(&path)
            } else {
                read_archive(&path)
            };
            let layers: Vec<DiveLayer> = layer_blobs(&members)
                .iter()
                .map(|b| dive_layer(b))
                .collect();
            problems.extend(check(name, &figures(&layers), reading));
            compared += 1;
        }
    }
    (compared, problems)
}

#[test]
fn synthetic_archives_match_dive() {
    let records = load_record("dive-0.13.1-synthetic.json");
    let dir = data_dir().join("dive-synthetic");
    let (compared, problems) = check_records(&records, |name| dir.join(name));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        compared >= 12,
        "only {compared} synthetic archives compared"
    );
}

#[test]
fn corpus_archives_match_dive() {
    let corpus = corpus_dir();
    assert!(
        corpus.is_dir(),
        "no corpus at {} (set LAYERSCOPE_CORPUS)",
        corpus.display()
    );
    let records = load_record("dive-0.13.1.json");
    let (compared, problems) = check_records(&records, |name| corpus.join(name));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compared >= 20, "only {compared} corpus archives compared");
}

/// dive reads OCI archives without manifest.json in Go map order: the record
/// holds runs in other orders too, and their figures are dive's figures for
/// the layers taken in that order.
#[test]
fn other_layer_orders_match_dive_too() {
    let records = load_record("dive-0.13.1-synthetic.json");
    let record = &records["oci-no-manifest.tar"];
    let others = record["other_outcomes"]
        .as_array()
        .expect("several outcomes recorded");
    let members = read_archive(&data_dir().join("dive-synthetic/oci-no-manifest.tar"));
    let layers: Vec<DiveLayer> = layer_blobs(&members)
        .iter()
        .map(|b| dive_layer(b))
        .collect();
    let mut problems = Vec::new();
    for other in others {
        // Recover the order from the layer sizes, which differ in this archive.
        let sizes: Vec<u64> = other["layer_sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let own = figures(&layers).layer_sizes;
        let order: Vec<DiveLayer> = sizes
            .iter()
            .map(|size| {
                layers[own
                    .iter()
                    .position(|s| s == size)
                    .expect("a layer of that size")]
                .clone()
            })
            .collect();
        let mut reading = other.clone();
        reading["printed"] = serde_json::json!({
            "efficiency": go_percent(parse_float(&other["efficiency"])),
            "userWastedPercent": go_percent(parse_float(&other["user_wasted_percent"])),
        });
        problems.extend(check(
            &format!("order {sizes:?}"),
            &figures(&order),
            &reading,
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A layout directory's files held in memory, as a Source for the engine.
struct InMemory(Members);

impl layerscope_core::Source for InMemory {
    fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
    fn size(&self, name: &str) -> Option<u64> {
        self.0.get(name)?.as_ref().map(|d| d.len() as u64)
    }
    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, layerscope_core::Error> {
        match self.0.get(name) {
            Some(Some(data)) => Ok(Box::new(&data[..])),
            _ => Err(layerscope_core::Error::new(
                layerscope_core::ErrorKind::MissingBlob,
                "missing",
            )
            .member(name)),
        }
    }
}

/// The engine's own reading of each archive (not this file's helper reader)
/// gives dive's figures: what `layerscope inspect` prints beside dive's.
#[test]
fn the_engine_reports_dive_figures_equal_to_dive() {
    use layerscope_core::{analyze, analyze_source, NoProgress, Options};
    let mut compared = 0;
    let mut problems = Vec::new();
    let sets = [
        (load_record("dive-0.13.1.json"), corpus_dir()),
        (
            load_record("dive-0.13.1-synthetic.json"),
            data_dir().join("dive-synthetic"),
        ),
    ];
    for (records, dir) in &sets {
        for (name, record) in records {
            // dive reads a symlinked layer as empty: another image, not another order.
            if name == "symlinked-layer.tar" {
                continue;
            }
            let readings = [Some(record), record.get("gunzipped"), record.get("as_tar")];
            for reading in readings.into_iter().flatten() {
                if reading["readable"] != Value::Bool(true)
                    || reading["true_layer_order"] != Value::Bool(true)
                {
                    continue;
                }
                let path = dir.join(name);
                let analysis = if path.is_dir() {
                    analyze_source(
                        &mut InMemory(read_layout_dir(&path)),
                        &Options::default(),
                        &mut NoProgress,
                    )
                } else {
                    let file = std::fs::File::open(&path).unwrap();
                    analyze(
                        std::io::BufReader::new(file),
                        &Options::default(),
                        &mut NoProgress,
                    )
                };
                match analysis {
                    Ok(a) => problems.extend(check(name, &a.dive, reading)),
                    Err(e) => problems.push(format!("{name}: the engine failed: {e}")),
                }
                compared += 1;
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compared >= 30, "only {compared} archives compared");
}
