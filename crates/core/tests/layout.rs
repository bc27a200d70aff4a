//! The engine's layout, checked: which stage may import which (the table in
//! ARCHITECTURE.md). A stage imports only the stages below it, so the data's
//! flow (archive → layers → fs → figures → build) can be read from the code
//! and no circle creeps back in. Reads `src/` as text: every `crate::…`
//! path, in `use` lines and in code, with the crate root's re-exports
//! (`crate::Error`, `crate::Analysis`) counted as the module they come from.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each module and the modules it may import. `base` is the crate's shared
/// ground: error, diagnostic, progress, human.
const ALLOWED: &[(&str, &[&str])] = &[
    ("base", &["base"]),
    ("fs", &["base", "fs"]),
    ("archive", &["base", "fs", "archive"]),
    ("layers", &["base", "fs", "archive", "layers"]),
    ("figures", &["base", "fs", "figures"]),
    (
        "analysis",
        &["base", "fs", "archive", "layers", "figures", "analysis"],
    ),
    (
        "findings",
        &[
            "base", "fs", "archive", "layers", "figures", "analysis", "findings",
        ],
    ),
    (
        "packages",
        &[
            "base", "fs", "archive", "layers", "figures", "analysis", "packages",
        ],
    ),
    (
        "gate",
        &[
            "base", "fs", "archive", "figures", "analysis", "findings", "gate",
        ],
    ),
    (
        "build",
        &[
            "base", "fs", "archive", "figures", "analysis", "findings", "build",
        ],
    ),
    (
        "compare",
        &[
            "base", "fs", "archive", "figures", "analysis", "findings", "build", "compare",
        ],
    ),
    (
        "report",
        &[
            "base", "fs", "archive", "layers", "figures", "analysis", "findings", "packages",
            "gate", "build", "compare", "report",
        ],
    ),
];

/// The module a name right after `crate::` belongs to.
fn module_of(name: &str) -> Option<&'static str> {
    Some(match name {
        "error" | "diagnostic" | "progress" | "human" | "limits" | "Error" | "ErrorKind"
        | "Diagnostic" | "Severity" | "Progress" | "ProgressInfo" | "NoProgress" => "base",
        "fs" | "Change" | "ChangeKind" | "FileKind" | "Node" | "NodeId" | "PathId" => "fs",
        "archive" | "Options" | "Source" | "TarSource" | "member_at" => "archive",
        "layers" => "layers",
        "figures" => "figures",
        "findings" => "findings",
        "packages" => "packages",
        "gate" => "gate",
        "analysis" | "Analysis" | "Layer" | "Step" | "Stack" | "Prepared" | "analyze"
        | "analyze_stream" | "analyze_source" | "prepare" | "sniff_archive" | "PendingLayer" => {
            "analysis"
        }
        "build" => "build",
        "compare" => "compare",
        "report" => "report",
        _ => return None,
    })
}

/// The module a source file is part of.
fn file_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    match first.trim_end_matches(".rs") {
        "error" | "diagnostic" | "progress" | "human" | "limits" => "base".into(),
        "lib" => "lib".into(),
        other => other.into(),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every name that follows `crate::` in `text`, braces opened: `use
/// crate::{a, b::c}` gives `a` and `b`. Comments are skipped.
fn crate_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(inner) = rest.strip_prefix('{') {
                let group = inner.split('}').next().unwrap_or("");
                for item in group.split(',') {
                    let head = item.trim().split("::").next().unwrap_or("").trim();
                    if !head.is_empty() {
                        names.push(head.to_string());
                    }
                }
            } else {
                let head: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.push(head);
            }
        }
    }
    names
}

#[test]
fn each_stage_imports_only_the_stages_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, may)| (*m, may.iter().copied().collect()))
        .collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = file_module(rel);
        if module == "lib" {
            continue;
        }
        let Some(may) = allowed.get(module.as_str()) else {
            problems.push(format!(
                "{}: module {module:?} is not in the table",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for name in crate_names(&text) {
            match module_of(&name) {
                Some(target) if may.contains(target) => {
                    seen.insert((module.clone(), target));
                }
                Some(target) => problems.push(format!(
                    "{}: {module} imports {target} (crate::{name}), which it may not",
                    rel.display()
                )),
                None => problems.push(format!(
                    "{}: crate::{name} is not in the test's map of names",
                    rel.display()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    // The check sees real imports (a parser that finds nothing passes nothing).
    for edge in [
        ("layers", "fs"),
        ("layers", "archive"),
        ("analysis", "layers"),
        ("build", "analysis"),
        ("report", "build"),
    ] {
        assert!(
            seen.contains(&(edge.0.to_string(), edge.1)),
            "no import {edge:?} seen"
        );
    }
}

#[test]
fn the_checker_reads_braces_and_paths() {
    assert_eq!(
        crate_names("use crate::{Error, fs::node::Node};\nlet x = crate::layers::scan::scan(r); // crate::report"),
        ["Error", "fs", "layers"]
    );
}
