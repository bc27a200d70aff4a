//! `layerscope packages`: what each layer installed, as a table for people,
//! a JSON document (docs/packages.md) and CSV. The figures are
//! `packages::packages`'s; only the shapes are decided here.

use super::csv::cell;
use crate::human;
use crate::packages::{Package, Packages};
use serde_json::{json, Value};

/// `packages_version` of the JSON document: bumped when a key changes
/// meaning or goes away (a new key does not bump it).
pub const VERSION: u32 = 1;

/// What happened to it after it came: `upgraded in 2 (from 1.0); removed in 3`.
fn history(p: &Package) -> String {
    let mut parts: Vec<String> = p
        .upgraded
        .iter()
        .map(|(layer, from)| format!("upgraded in {layer} (from {from})"))
        .collect();
    if let Some(layer) = p.removed {
        parts.push(format!("removed in {layer}"));
    }
    parts.join("; ")
}

fn package_json(p: &Package) -> Value {
    json!({
        "ecosystem": p.ecosystem.name(),
        "name": p.name,
        "version": p.version,
        "location": format!("/{}", p.location),
        "added_in_layer": p.added,
        "upgraded": p.upgraded.iter().map(|(layer, from)| json!({"layer": layer, "from": from})).collect::<Vec<_>>(),
        "removed_in_layer": p.removed,
        "bytes": p.bytes,
        "wasted_bytes": p.wasted_bytes,
        "files": p.files.iter().map(|f| format!("/{f}")).collect::<Vec<_>>(),
    })
}

/// Bytes the packages a layer added have in the final image.
pub fn added_bytes(p: &Packages, layer: usize) -> u64 {
    p.layers
        .get(layer)
        .map_or(0, |l| l.added.iter().map(|&k| p.packages[k].bytes).sum())
}

/// The whole document.
pub fn json(p: &Packages, image: &str) -> Value {
    let mut doc = json!({
        "packages_version": VERSION,
        "image": image,
    });
    if let (Some(doc), Value::Object(section)) = (doc.as_object_mut(), section(p)) {
        doc.extend(section);
    }
    doc
}

/// The document's body: `inspect --json`'s `packages` section.
pub fn section(p: &Packages) -> Value {
    json!({
        "packages": p.packages.iter().map(package_json).collect::<Vec<_>>(),
        "layers": p.layers.iter().enumerate().map(|(i, l)| json!({
            "layer": i,
            "added": l.added,
            "upgraded": l.upgraded,
            "removed": l.removed,
            "added_bytes": added_bytes(p, i),
        })).collect::<Vec<_>>(),
        "unowned": p.unowned.iter().map(|u| json!({
            "dir": format!("/{}", u.dir),
            "files": u.files,
            "bytes": u.bytes,
        })).collect::<Vec<_>>(),
        "diagnostics": p.diagnostics.iter().map(|d| d.text()).collect::<Vec<_>>(),
    })
}

/// One row a package (or one a package layer `only` added, upgraded or
/// removed), most bytes first (RFC 4180, as `ls --csv`).
pub fn csv(p: &Packages, only: Option<usize>) -> String {
    let mut out = String::from(
        "ecosystem,name,version,added_in_layer,history,files,bytes,wasted_bytes,location\r\n",
    );
    for k in rows(p, only) {
        let cells = [
            k.ecosystem.name().to_string(),
            k.name.clone(),
            k.version.clone(),
            k.added.to_string(),
            history(k),
            k.files.len().to_string(),
            k.bytes.to_string(),
            k.wasted_bytes.to_string(),
            format!("/{}", k.location),
        ];
        out += &cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
        out += "\r\n";
    }
    out
}

/// Every package, or those layer `only` added, upgraded or removed, in the
/// packages' order (most bytes first).
fn rows(p: &Packages, only: Option<usize>) -> Vec<&Package> {
    match only.and_then(|i| p.layers.get(i)) {
        None => p.packages.iter().collect(),
        Some(l) => {
            let mut ks: Vec<usize> = l
                .added
                .iter()
                .chain(&l.upgraded)
                .chain(&l.removed)
                .copied()
                .collect();
            ks.sort_unstable();
            ks.dedup();
            ks.into_iter().map(|k| &p.packages[k]).collect()
        }
    }
}

fn count(n: usize, one: &str) -> String {
    human::count(n, one, &format!("{one}s"))
}

/// What layer `i` did, in a line (`installed 41 packages, 87 MB; upgraded 1`).
pub fn layer_line(p: &Packages, i: usize) -> Option<String> {
    let l = p.layers.get(i)?;
    let mut parts = Vec::new();
    if !l.added.is_empty() {
        parts.push(format!(
            "installed {}, {}",
            count(l.added.len(), "package"),
            human::bytes(added_bytes(p, i))
        ));
    }
    if !l.upgraded.is_empty() {
        parts.push(format!("upgraded {}", l.upgraded.len()));
    }
    if !l.removed.is_empty() {
        parts.push(format!("removed {}", l.removed.len()));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The table `layerscope packages` prints: every package (or those layer
/// `only` added, upgraded or removed), the layers' lines, and the files no
/// package owns.
pub fn text(p: &Packages, only: Option<usize>) -> String {
    let rows = rows(p, only);
    let mut out = String::new();
    if rows.is_empty() {
        out += match only {
            Some(_) => "No package was installed, upgraded or removed in this layer.\n",
            None => "No package database found (dpkg, apk, Python dist-info or egg-info, npm package.json).\n",
        };
    } else {
        let name_w = rows
            .iter()
            .map(|k| k.name.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        let ver_w = rows
            .iter()
            .map(|k| k.version.chars().count())
            .max()
            .unwrap_or(7)
            .clamp(7, 30);
        out += &format!(
            "{:<9}  {:<name_w$}  {:<ver_w$}  {:>5}  {:>6}  {:>9}  {:>9}  HISTORY\n",
            "ECOSYSTEM", "NAME", "VERSION", "LAYER", "FILES", "SIZE", "WASTED"
        );
        for k in rows {
            out += &format!(
                "{:<9}  {:<name_w$}  {:<ver_w$}  {:>5}  {:>6}  {:>9}  {:>9}  {}\n",
                k.ecosystem.name(),
                k.name,
                k.version,
                k.added,
                k.files.len(),
                human::bytes(k.bytes),
                human::bytes(k.wasted_bytes),
                history(k)
            );
        }
    }
    let layers: Vec<usize> = match only {
        Some(i) => vec![i],
        None => (0..p.layers.len()).collect(),
    };
    let lines: Vec<String> = layers
        .into_iter()
        .filter_map(|i| layer_line(p, i).map(|line| format!("  {i:>3}  {line}\n")))
        .collect();
    if !lines.is_empty() {
        out += "\nLayers\n";
        out += &lines.concat();
    }
    if only.is_none() && !p.unowned.is_empty() {
        out += "\nFiles no package owns (by directory, most bytes first)\n";
        for u in p.unowned.iter().take(15) {
            out += &format!(
                "  {:>9}  {:>6}  /{}\n",
                human::bytes(u.bytes),
                count(u.files, "file"),
                u.dir
            );
        }
        if p.unowned.len() > 15 {
            out += &format!("  and {} more directories\n", p.unowned.len() - 15);
        }
    }
    for d in &p.diagnostics {
        out += &format!("note: {}\n", d.text());
    }
    out
}
