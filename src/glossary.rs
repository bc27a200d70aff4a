//! The teaching glossary: a short, plain-words explanation for every term the
//! page uses, shown on hover or focus. The wording follows the OCI image spec
//! (manifest, config, layer.md's whiteouts and opaque directories), Docker's
//! documentation (build cache invalidation; storage drivers, copy-on-write and
//! overlay2's copy-up), and, for dive's figures, docs/waste.md. Pure data: it
//! builds and is tested on the host.

/// One term of the glossary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// Lowercase kebab-case key the views refer to (`diff-id`, `copy-up`).
    pub key: &'static str,
    /// The term as people read it.
    pub label: &'static str,
    /// One or two sentences in plain words, ending with a period.
    pub short: &'static str,
}

const fn t(key: &'static str, label: &'static str, short: &'static str) -> Term {
    Term { key, label, short }
}

/// Every term, in the order a tour meets them.
pub const TERMS: &[Term] = &[
    t(
        "image",
        "Image",
        "Layers stacked in a fixed order, plus a config saying how to run them, tied together by a manifest. Running it gives a container the union of those layers.",
    ),
    t(
        "layer",
        "Layer",
        "A tar archive of filesystem changes: files added or changed, and whiteouts for files deleted. Layers are read-only and shared by every image that uses them.",
    ),
    t(
        "manifest",
        "Manifest",
        "The JSON document that lists an image's config and its layers, each by digest and size, in the order the layers are stacked.",
    ),
    t(
        "config",
        "Image config",
        "The JSON document with how to run the image (command, environment, user), the diff_ids of its layers and the history of its build.",
    ),
    t(
        "digest",
        "Digest",
        "A content address: a hash of the exact bytes, such as sha256:3f5a…. Change one byte and the digest changes; a layer's digest is that of its stored, usually compressed, blob.",
    ),
    t(
        "diff-id",
        "diff_id",
        "The sha256 of a layer's uncompressed tar, listed in the image config. Unlike the layer's digest, it does not depend on how the layer was compressed.",
    ),
    t(
        "compressed-size",
        "Compressed size",
        "The bytes of a layer as stored in the archive or registry (gzip or zstd). This is what a push uploads and a pull downloads.",
    ),
    t(
        "uncompressed-size",
        "Uncompressed size",
        "The bytes of a layer's tar once decompressed: its files plus tar headers. It is about what the layer takes on disk after a pull.",
    ),
    t(
        "empty-layer",
        "Empty layer",
        "A build step that changed only metadata (ENV, CMD, LABEL, WORKDIR…): the history marks it empty_layer and it adds no layer to the image.",
    ),
    t(
        "history",
        "History",
        "The build steps recorded in the image config, in order: when each ran and the command that made it. What docker history shows.",
    ),
    t(
        "base-image",
        "Base image",
        "The image a build starts FROM. Its layers come first and are shared, not copied, by every image built on it.",
    ),
    t(
        "union-filesystem",
        "Union filesystem",
        "One view of all the layers stacked: a read of a path returns the copy from the highest layer that has it, and directories merge their entries from every layer.",
    ),
    t(
        "whiteout",
        "Whiteout",
        "An empty file named .wh.NAME in a layer: NAME was deleted, and every copy below is hidden. The deleted bytes still sit in the lower layer.",
    ),
    t(
        "opaque-directory",
        "Opaque directory",
        "A directory holding the marker file .wh..wh..opq: whatever lower layers had in it is hidden, and only the entries of this layer and those above show.",
    ),
    t(
        "exact-waste",
        "Exact waste",
        "Our figure: bytes stored in the image's layers that the final filesystem never shows, such as overwritten copies and deleted files. Every pull still downloads them.",
    ),
    t(
        "efficiency",
        "Efficiency (dive)",
        "dive's score: for each path, the bytes of its smallest copy over the bytes of all its copies, summed over the image. 100 % means no path was written twice; deleting a file does not lower it.",
    ),
    t(
        "wasted-bytes",
        "Wasted bytes (dive)",
        "dive's figure: the bytes of every copy of each path written in more than one layer, the copy still visible included. A file that was only deleted does not count.",
    ),
    t(
        "hard-link",
        "Hard link",
        "A second name for the same file: both names share one set of bytes. In a layer it is an entry pointing at a name written before it.",
    ),
    t(
        "symlink",
        "Symlink",
        "A tiny file holding the path of another file; opening it opens that target instead. The target may come from another layer, or not exist at all.",
    ),
    t(
        "build-context",
        "Build context",
        "The files sent to the builder with docker build, usually a directory minus what .dockerignore excludes. COPY and ADD take their files from it.",
    ),
    t(
        "build-cache",
        "Build cache",
        "The results of earlier build steps. When a step's cache key matches one of them, Docker reuses its layer instead of running the step again.",
    ),
    t(
        "cache-key",
        "Cache key",
        "What a build step is matched on: the step before it and the instruction's text, plus, for COPY and ADD, checksums of the files copied (not their modification times).",
    ),
    t(
        "cache-hit",
        "Cache hit",
        "A cached step with the same cache key was found, so its layer is reused and the step does not run.",
    ),
    t(
        "cache-miss",
        "Cache miss",
        "No cached step matches, so the step runs again, and so does every step after it, even those that did not change.",
    ),
    t(
        "push",
        "Push",
        "Uploading an image to a registry. Layers the registry already has, by digest, are skipped; the others are sent compressed.",
    ),
    t(
        "pull",
        "Pull",
        "Downloading an image from a registry. Layers the host already has are skipped; the others are downloaded compressed, checked against their digests and unpacked.",
    ),
    t(
        "container-layer",
        "Container layer",
        "The thin writable layer put on top of the image for each container. Everything the container writes, creates or deletes goes there, and is lost when the container is removed.",
    ),
    t(
        "copy-on-write",
        "Copy-on-write",
        "Image layers never change: a container that writes to a file of the image first gets its own copy in its container layer, then writes to that copy.",
    ),
    t(
        "copy-up",
        "Copy-up",
        "The first write to a file of the image copies the whole file into the container layer, even to change one byte. Later writes to it cost nothing more.",
    ),
];

/// The term with this key (lowercase kebab-case, as in [`TERMS`]).
pub fn term(key: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn keys_are_unique_kebab_and_every_short_is_one_short_sentence_or_two() {
        let mut seen = BTreeSet::new();
        for t in TERMS {
            assert!(seen.insert(t.key), "{} twice", t.key);
            assert!(
                !t.key.is_empty()
                    && !t.key.starts_with('-')
                    && !t.key.ends_with('-')
                    && !t.key.contains("--")
                    && t.key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{:?} is not lowercase kebab-case",
                t.key
            );
            assert!(!t.label.is_empty(), "{} has no label", t.key);
            let chars = t.short.chars().count();
            assert!(chars < 240, "{}: {chars} characters", t.key);
            assert!(t.short.ends_with('.'), "{}: no final period", t.key);
            assert!(
                t.short.starts_with(|c: char| c.is_uppercase()) || t.short.starts_with("dive"),
                "{}: starts lowercase",
                t.key
            );
        }
    }

    #[test]
    fn every_term_the_page_uses_is_there() {
        for key in [
            "layer",
            "image",
            "manifest",
            "config",
            "digest",
            "diff-id",
            "compressed-size",
            "uncompressed-size",
            "empty-layer",
            "history",
            "union-filesystem",
            "whiteout",
            "opaque-directory",
            "efficiency",
            "wasted-bytes",
            "exact-waste",
            "hard-link",
            "symlink",
            "build-cache",
            "cache-key",
            "cache-hit",
            "cache-miss",
            "base-image",
            "build-context",
            "copy-on-write",
            "container-layer",
            "copy-up",
            "push",
            "pull",
        ] {
            assert!(term(key).is_some(), "no term {key}");
        }
        assert_eq!(term("diff-id").map(|t| t.label), Some("diff_id"));
        assert_eq!(term("diff_id"), None);
        assert_eq!(term("nope"), None);
    }

    #[test]
    fn the_spec_names_are_spelled_as_the_spec_spells_them() {
        let whiteout = term("whiteout").unwrap().short;
        assert!(whiteout.contains(".wh."));
        assert!(term("opaque-directory")
            .unwrap()
            .short
            .contains(".wh..wh..opq"));
        assert!(term("cache-key")
            .unwrap()
            .short
            .contains("not their modification times"));
    }

    /// Every `<Term key_name="…">` in the views names a term that exists (an
    /// unknown key would show the word with no explanation).
    #[test]
    fn every_key_the_views_use_is_defined() {
        let views = [
            include_str!("views/build.rs"),
            include_str!("views/container.rs"),
            include_str!("views/history.rs"),
            include_str!("views/image.rs"),
            include_str!("views/layers.rs"),
            include_str!("views/story.rs"),
            include_str!("views/tree.rs"),
            include_str!("views/waste.rs"),
        ];
        let mut used = 0;
        for text in views {
            for part in text.split("key_name=\"").skip(1) {
                let key = &part[..part.find('"').expect("a closing quote")];
                assert!(term(key).is_some(), "views use the undefined term {key:?}");
                used += 1;
            }
        }
        assert!(used >= 20, "only {used} terms found in the views");
    }
}
