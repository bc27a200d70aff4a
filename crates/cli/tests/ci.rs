//! `layerscope ci` against dive 0.13.1 itself (`CI=true dive --ci-config
//! FILE`): on every archive of the corpus both read, for rule files at,
//! just above and just below each figure, with `disabled`, malformed
//! values, out-of-range values and missing keys, both must give the same
//! status rule by rule, and the same pass or fail. Then our own rules, the
//! reports of the same run, and the exit codes.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_archives() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![repo_root().join("../shared/corpus")];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("the corpus (../shared/corpus)") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "tar") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn tmp(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ci-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ours(image: &Path, config: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .arg("ci")
        .arg(image)
        .arg("--ci-config")
        .arg(config)
        .args(extra)
        .output()
        .unwrap()
}

fn dive(image: &Path, config: &Path) -> Output {
    Command::new("dive")
        .args(["--source", "docker-archive", "--ci-config"])
        .arg(config)
        .arg(image)
        .env("CI", "true")
        .output()
        .expect("cannot run dive (scripts/setup installs dive 0.13.1)")
}

/// The status of each of dive's rules in a run's text (dive's colours removed).
fn statuses(text: &[u8]) -> BTreeMap<String, String> {
    let text = String::from_utf8_lossy(text);
    let mut plain = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    let mut out = BTreeMap::new();
    for line in plain.lines() {
        let line = line.trim_start();
        for status in ["PASS", "FAIL", "SKIP", "MISCONFIGURED", "CONFIGURED   "] {
            let Some(rest) = line.strip_prefix(&format!("{status}: ")) else {
                continue;
            };
            let key = rest.split(':').next().unwrap_or("").to_string();
            if [
                "lowestEfficiency",
                "highestWastedBytes",
                "highestUserWastedPercent",
            ]
            .contains(&key.as_str())
            {
                out.insert(key, status.trim().to_string());
            }
        }
    }
    out
}

fn figures(image: &Path) -> Option<(f64, u64, Option<f64>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(["inspect", "--json"])
        .arg(image)
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["dive"];
    Some((
        d["efficiency"].as_f64().unwrap(),
        d["wasted_bytes"].as_u64().unwrap(),
        d["user_wasted_percent"].as_f64(),
    ))
}

/// Rule files around an image's figures: each sets one rule (the others
/// keep their defaults), plus files with no keys at all.
fn rule_files(e: f64, w: u64, u: Option<f64>) -> Vec<String> {
    let rule = |key: &str, value: &str| format!("rules:\n  {key}: {value}\n");
    let mut files = vec![
        String::new(),
        "rules: {}\n".to_string(),
        "# only a comment\nother: 1\n".to_string(),
        format!("Rules:\n  LOWESTEFFICIENCY: {e}\n"),
        "rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n".to_string(),
    ];
    for v in [e, e.next_up(), e.next_down()] {
        if (0.0..=1.0).contains(&v) {
            files.push(rule("lowestEfficiency", &v.to_string()));
        }
    }
    for v in ["disabled", "95%", "1.5", "Disabled", "\"\"", "~"] {
        files.push(rule("lowestEfficiency", v));
    }
    for v in [w, w + 1, w.saturating_sub(1)] {
        files.push(rule("highestWastedBytes", &v.to_string()));
    }
    files.push(rule("highestWastedBytes", &format!("{}.999", w)));
    for v in ["disabled", "20XB", "20MB", "0.02MiB", "1kB", "-1"] {
        files.push(rule("highestWastedBytes", v));
    }
    if let Some(u) = u {
        for v in [u, u.next_up(), u.next_down()] {
            if (0.0..=1.0).contains(&v) {
                files.push(rule("highestUserWastedPercent", &v.to_string()));
            }
        }
    }
    for v in ["disabled", "-0.1", "1", "0"] {
        files.push(rule("highestUserWastedPercent", v));
    }
    files
}

#[test]
fn verdicts_equal_dives_rule_by_rule() {
    let dir = tmp("dive");
    let mut compared = 0;
    let mut archives = 0;
    for image in corpus_archives() {
        let Some((e, w, u)) = figures(&image) else {
            continue;
        };
        // dive reads it when it gets as far as its results.
        let probe = dir.join("probe.yaml");
        std::fs::write(&probe, "").unwrap();
        let d = dive(&image, &probe);
        if statuses(&d.stdout).len() != 3 {
            continue;
        }
        archives += 1;
        for (i, text) in rule_files(e, w, u).iter().enumerate() {
            let config = dir.join(format!("rules-{i}.yaml"));
            std::fs::write(&config, text).unwrap();
            let (theirs, mine) = (dive(&image, &config), ours(&image, &config, &[]));
            let (want, got) = (statuses(&theirs.stdout), statuses(&mine.stdout));
            assert_eq!(
                want.len(),
                3,
                "{}: dive's output: {}",
                image.display(),
                String::from_utf8_lossy(&theirs.stdout)
            );
            assert_eq!(
                got,
                want,
                "{}\nrules file:\n{text}\nours:\n{}\ndive:\n{}",
                image.display(),
                String::from_utf8_lossy(&mine.stdout),
                String::from_utf8_lossy(&theirs.stdout)
            );
            // Our rules pass on the corpus (no high findings), so the exit
            // codes are dive's: 0 pass, 1 fail or misconfigured.
            assert_eq!(
                mine.status.code(),
                theirs.status.code(),
                "{}\nrules file:\n{text}\nours: {}",
                image.display(),
                String::from_utf8_lossy(&mine.stdout)
            );
            compared += 1;
        }
    }
    eprintln!("dive and layerscope ci agreed on {compared} runs over {archives} archives");
    assert!(
        archives >= 15,
        "dive read only {archives} archives of the corpus"
    );
    assert!(compared >= 300, "only {compared} runs compared");
    let _ = std::fs::remove_dir_all(&dir);
}

fn dive_image() -> PathBuf {
    repo_root().join("../shared/corpus/wagoodman-dive/.data/test-docker-image.tar")
}

#[test]
fn our_rules_fail_on_findings_and_exact_waste() {
    let dir = tmp("ours");
    let image = dive_image();
    let cases: &[(&str, i32, &str)] = &[
        // The image has medium and low findings, no high ones.
        ("layerscope:\n  failOn: high\n", 0, "PASS: layerscope.failOn"),
        ("layerscope:\n  failOn: medium\n", 1, "FAIL: layerscope.failOn: 1 finding at medium or above: runs-as-root"),
        ("layerscope:\n  failOn: medium\n  ignoreFindings: [runs-as-root]\n", 0, "PASS: layerscope.failOn"),
        ("layerscope:\n  failOnFindings: [deleted-files]\n", 1, "FAIL: layerscope.failOnFindings: 4 findings with a listed id"),
        ("layerscope:\n  highestWastedBytes: 32025\n", 0, "PASS: layerscope.highestWastedBytes"),
        ("layerscope:\n  highestWastedBytes: 32024\n", 1, "FAIL: layerscope.highestWastedBytes: too many bytes wasted, counted exactly (wasted-bytes=32025 > threshold=32024)"),
        ("layerscope:\n  failOn: severe\n", 1, "MISCONFIGURED: layerscope.failOn: invalid config value ('severe')"),
        ("layerscope:\n  failOnFindings: [no-such-id]\n", 1, "MISCONFIGURED: layerscope.failOnFindings: unknown finding id \"no-such-id\""),
        ("layerscope:\n  typo: 1\n", 1, "MISCONFIGURED: layerscope: typo: unknown key"),
    ];
    for (i, (text, code, says)) in cases.iter().enumerate() {
        let config = dir.join(format!("ours-{i}.yaml"));
        std::fs::write(
            &config,
            format!("rules:\n  highestUserWastedPercent: disabled\n{text}"),
        )
        .unwrap();
        let out = ours(&image, &config, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(*code), "{text}\n{stdout}");
        assert!(
            stdout.contains(says),
            "{text}\nwanted {says:?} in\n{stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_run_writes_every_report_and_trouble_is_exit_2() {
    let dir = tmp("reports");
    let image = dive_image();
    let config = dir.join("rules.yaml");
    std::fs::write(&config, "rules:\n  lowestEfficiency: 0.99\n").unwrap();
    let (json, md, xml) = (dir.join("r.json"), dir.join("r.md"), dir.join("r.xml"));
    let out = ours(
        &image,
        &config,
        &[
            "--json",
            json.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["ci"]["result"], "fail");
    let eff = report["ci"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "lowestEfficiency" && r["origin"] == "dive")
        .unwrap();
    assert_eq!(eff["status"], "FAIL");
    assert_eq!(eff["value"], "0.9844212134184309");
    // The rest of the document is inspect's.
    assert_eq!(report["dive"]["wasted_bytes"], 32025);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "runs-as-root"));
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("## layerscope ci: **FAIL**"), "{md}");
    assert!(
        md.contains("| lowestEfficiency | 0.99 | 0.9844212134184309 | FAIL: "),
        "{md}"
    );
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(
        xml.contains("<testcase classname=\"dive\" name=\"lowestEfficiency\">\n      <failure"),
        "{xml}"
    );
    assert!(xml.contains("failures=\"2\""), "{xml}");

    // A rules file that is not YAML: trouble, before the image is read.
    std::fs::write(&config, "rules: [\n").unwrap();
    let out = ours(Path::new("/nonexistent.tar"), &config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rules.yaml: the CI rules are not valid YAML"),
        "{stderr}"
    );
    // An image that cannot be read: trouble.
    std::fs::write(&config, "").unwrap();
    let out = ours(Path::new("/nonexistent.tar"), &config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
