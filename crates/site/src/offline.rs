//! `sw.js`: the service worker, told what to keep. The template
//! (`www/sw.js`) holds the logic; this prepends the two facts only the
//! build knows: every file of the site, and a version that changes when any
//! of their bytes does (a browser installs a new worker exactly when
//! `sw.js`'s bytes change, so one deploy is one update).

use sha2::{Digest, Sha256};
use std::path::Path;

/// The worker's own name, beside index.html (`www/offline.js` registers it).
pub const WORKER: &str = "sw.js";

/// Writes `site/sw.js`; returns how many files it lists and the version.
pub fn write(site: &Path, template: &str) -> Result<(usize, String), String> {
    let mut assets = Vec::new();
    let mut hash = Sha256::new();
    for file in crate::docs::files(site)? {
        let rel = file
            .strip_prefix(site)
            .expect("under site")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == WORKER {
            continue;
        }
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        hash.update((rel.len() as u64).to_le_bytes());
        hash.update(rel.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
        assets.push(rel);
    }
    hash.update(template.as_bytes());
    let version: String = hash
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let text = worker(&version, &assets, template);
    crate::write(&site.join(WORKER), text.as_bytes())?;
    Ok((assets.len(), version))
}

/// The worker's text: the facts, then the template.
fn worker(version: &str, assets: &[String], template: &str) -> String {
    let mut s = String::from(
        "// Written by crates/site (layerscope-site) from www/sw.js: do not edit here.\n",
    );
    s.push_str(&format!("const VERSION = {};\n", js_string(version)));
    // "./" is the page as a folder's URL names it (what a link to the site opens).
    s.push_str("const ASSETS = [\n  \"./\",\n");
    for a in assets {
        s.push_str(&format!("  {},\n", js_string(&format!("./{a}"))));
    }
    s.push_str("];\n\n");
    s.push_str(template);
    s
}

/// A JavaScript string literal (JSON's rules; paths here are ours, but say
/// them right whatever they hold).
fn js_string(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                s.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TempDir;

    fn site(files: &[(&str, &[u8])]) -> TempDir {
        let dir = TempDir::new();
        for (name, bytes) in files {
            crate::write(&dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn lists_every_file_and_versions_by_their_bytes() {
        let a = site(&[
            ("index.html", b"<p>"),
            ("samples/x.tar", b"tar"),
            ("sw.js", b"old"),
        ]);
        let (n, v1) = write(a.path(), "self.x = 1;\n").unwrap();
        assert_eq!(n, 2, "sw.js does not list itself");
        let text = std::fs::read_to_string(a.path().join("sw.js")).unwrap();
        assert!(
            text.contains(
                "const ASSETS = [\n  \"./\",\n  \"./index.html\",\n  \"./samples/x.tar\",\n];"
            ),
            "{text}"
        );
        assert!(
            text.contains(&format!("const VERSION = \"{v1}\";")) && text.ends_with("self.x = 1;\n")
        );
        // The same bytes: the same version, however often it runs.
        let (_, again) = write(a.path(), "self.x = 1;\n").unwrap();
        assert_eq!(again, v1);
        // One byte of one file, or of the template: a new version.
        let b = site(&[("index.html", b"<p>"), ("samples/x.tar", b"taR")]);
        assert_ne!(write(b.path(), "self.x = 1;\n").unwrap().1, v1);
        assert_ne!(write(a.path(), "self.x = 2;\n").unwrap().1, v1);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(js_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
