//! `layerscope ls --csv` and the page's CSV download: every path of the
//! filesystem after a layer, or every change of a range of layers, one row
//! each, for a spreadsheet. RFC 4180 quoting; a cell a spreadsheet would
//! run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.

use super::listing::mode;
use crate::fs::node::{ChangeKind, FileKind, Node};
use crate::fs::overlay::Union;
use crate::Analysis;

/// One cell.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn size(node: &Node) -> u64 {
    if node.kind == FileKind::Regular {
        node.size
    } else {
        0
    }
}

fn row(cells: &[String]) -> String {
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

/// Every path of a union, sorted by path: where it is, what it is, and the
/// layer that wrote it.
pub fn paths(a: &Analysis, union: &Union) -> String {
    let mut out = row(&[
        "path", "type", "size", "mode", "uid", "gid", "layer", "link",
    ]
    .map(String::from));
    for (p, n) in union.sorted(&a.files.paths) {
        let node = a.node(n);
        out.push_str(&row(&[
            cell(&format!("/{}", a.path(p))),
            node.kind.name().to_string(),
            size(node).to_string(),
            format!("{:04o}", mode(node)),
            node.uid.to_string(),
            node.gid.to_string(),
            node.layer.to_string(),
            cell(node.link().or(node.hardlink()).unwrap_or("")),
        ]));
    }
    out
}

/// Every change of layers `first..=last`, in layer order then path order:
/// what changed, the bytes before and after, and which fields.
pub fn changes(a: &Analysis, first: usize, last: usize) -> String {
    let mut out = row(&[
        "layer",
        "change",
        "path",
        "type",
        "size",
        "size_before",
        "mode",
        "uid",
        "gid",
        "fields",
    ]
    .map(String::from));
    for layer in a.layers.iter().take(last + 1).skip(first) {
        for c in layer.real_changes() {
            let (after, before) = (a.after(c), a.before(c));
            let Some(node) = after.or(before) else {
                continue;
            };
            let fields = match c.kind {
                ChangeKind::Modified(f) => f.names().join(" "),
                _ => String::new(),
            };
            out.push_str(&row(&[
                layer.index.to_string(),
                c.kind.letter().to_string(),
                cell(&format!("/{}", a.path(c.path))),
                node.kind.name().to_string(),
                after.map_or(0, size).to_string(),
                before.map_or(0, size).to_string(),
                format!("{:04o}", mode(node)),
                node.uid.to_string(),
                node.gid.to_string(),
                fields,
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells() {
        assert_eq!(cell("/a/b"), "/a/b");
        assert_eq!(cell("/a,b"), "\"/a,b\"");
        assert_eq!(cell("/say \"hi\""), "\"/say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("/a\nb"), "\"/a\nb\"");
    }
}
