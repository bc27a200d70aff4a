//! The text lines of `layerscope ls`: one path per line, in the form `find
//! -printf` gives over an unpacked root filesystem, so the two can be diffed.
//! `path<TAB>type<TAB>size<TAB>mode<TAB>uid<TAB>gid<TAB>linktarget`, sorted by
//! the bytes of the path; and for changes `A|M|D<TAB>path<TAB>fields`.

use crate::fs::node::{Change, ChangeKind, FileKind, Node};
use crate::fs::overlay::Union;
use crate::Analysis;

/// Escapes a name for one tab-separated line: `\` `\t` `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The mode `find -printf %m` shows: Linux ignores a symlink's own bits and
/// reports 0777 for every symlink.
pub fn mode(node: &Node) -> u32 {
    if node.kind == FileKind::Symlink {
        0o777
    } else {
        u32::from(node.mode & 0o7777)
    }
}

/// One `ls` line for a clean path.
pub fn line(path: &str, node: &Node) -> String {
    let size = if node.kind == FileKind::Regular {
        node.size
    } else {
        0
    };
    let link = if node.kind == FileKind::Symlink {
        escape(node.link().unwrap_or(""))
    } else {
        String::new()
    };
    format!(
        "/{}\t{}\t{}\t{:04o}\t{}\t{}\t{}",
        escape(path),
        node.kind.letter(),
        size,
        mode(node),
        node.uid,
        node.gid,
        link
    )
}

/// Every path of a union, one line each, sorted by the bytes of the line
/// (escapes included, as `sort` orders what `find` prints).
pub fn ls(a: &Analysis, union: &Union) -> Vec<String> {
    let mut lines: Vec<String> = union
        .iter()
        .map(|(p, n)| line(&a.path(p), a.node(n)))
        .collect();
    lines.sort_unstable();
    lines
}

/// One line for a change; identical rewrites have none.
pub fn change_line(a: &Analysis, change: &Change) -> Option<String> {
    let fields = match &change.kind {
        ChangeKind::Modified(f) => f.names().join(","),
        ChangeKind::Same => return None,
        _ => String::new(),
    };
    Some(format!(
        "{}\t/{}\t{}",
        change.kind.letter(),
        escape(&a.path(change.path)),
        fields
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_would_break_a_line() {
        assert_eq!(escape("a\tb\nc\\d"), "a\\tb\\nc\\\\d");
        assert_eq!(escape("plain"), "plain");
    }
}

/// `layerscope ls`'s checks of `--layer` and `--from`, worded as it says them.
pub fn check_layers(a: &Analysis, from: usize, layer: usize) -> Result<(), String> {
    let n = a.layers.len();
    if n == 0 {
        return Err("the image has no layers".to_string());
    }
    if layer >= n {
        return Err(format!(
            "there is no layer {layer}: the image has {n} layers (0 to {})",
            n - 1
        ));
    }
    if from > layer {
        return Err(format!("--from {from} is after --layer {layer}"));
    }
    Ok(())
}
