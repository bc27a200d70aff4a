//! The package databases' formats, each into [`Record`]s: dpkg's status
//! stanzas and file lists, Alpine's `installed`, Python's dist-info and
//! egg-info, npm's package.json. Lenient as the tools that write them are
//! read: a stanza without a name is skipped; a file that is not text or not
//! JSON is an error the caller reports with its layer and path.

use crate::fs::path;

/// One package as a database file states it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub name: String,
    pub version: String,
    /// Files it installed (clean paths, no leading `/`), when this database
    /// lists them.
    pub files: Vec<String>,
}

/// A database's bytes as text.
pub fn text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({e})"))
}

/// RFC 822-style stanzas (dpkg's status, Python's METADATA header): each a
/// list of (field, value), continuation lines joined with `\n`.
fn stanzas(text: &str) -> Vec<Vec<(&str, String)>> {
    let mut out = Vec::new();
    let mut current: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((field, value)) = line.split_once(':') {
            current.push((field.trim(), value.trim().to_string()));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn field<'a>(stanza: &'a [(&str, String)], name: &str) -> Option<&'a str> {
    stanza
        .iter()
        .find(|(f, _)| f.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// dpkg's name for a package as `dpkg-query -W` prints it
/// (`${binary:Package}`): `name:arch` when it is `Multi-Arch: same`.
fn dpkg_name(stanza: &[(&str, String)]) -> Option<String> {
    let name = field(stanza, "Package")?;
    Some(
        match (field(stanza, "Multi-Arch"), field(stanza, "Architecture")) {
            (Some("same"), Some(arch)) => format!("{name}:{arch}"),
            _ => name.to_string(),
        },
    )
}

/// `var/lib/dpkg/status` (or one `status.d` stanza): the packages dpkg
/// has installed (`Status: … installed`; a stanza without Status, as
/// distroless writes them, is installed).
pub fn dpkg_status(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let text = text(bytes)?;
    Ok(stanzas(text)
        .iter()
        .filter(|s| {
            field(s, "Status").is_none_or(|st| st.split_whitespace().nth(2) == Some("installed"))
        })
        .filter_map(|s| {
            Some(Record {
                name: dpkg_name(s)?,
                version: field(s, "Version").unwrap_or_default().to_string(),
                files: Vec::new(),
            })
        })
        .collect())
}

/// `info/<package>.list`: one absolute path a line (directories included),
/// each without its leading `/`.
pub fn dpkg_list(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_start_matches('/').trim_end())
        .filter(|l| !l.is_empty() && *l != ".")
}

/// `status.d/<name>.md5sums`: `<md5>  <path>` lines, paths relative to `/`.
pub fn dpkg_md5sums(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(_, p)| p.trim().trim_start_matches('/'))
        .filter(|p| !p.is_empty())
}

/// Alpine's `lib/apk/db/installed`: blank-line-separated records of
/// `X:value` lines; `P` name, `V` version, `F` a directory, `R` a file in
/// the last `F` (the root when none came yet).
pub fn apk_installed(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let text = text(bytes)?;
    let mut out = Vec::new();
    let mut record = Record::default();
    let mut dir = String::new();
    let mut flush = |record: &mut Record, dir: &mut String| {
        if !record.name.is_empty() {
            out.push(std::mem::take(record));
        }
        *record = Record::default();
        dir.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut record, &mut dir);
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key {
            "P" => record.name = value.to_string(),
            "V" => record.version = value.to_string(),
            "F" => dir = value.trim_matches('/').to_string(),
            "R" => record.files.push(path::join(&dir, value)),
            _ => {}
        }
    }
    flush(&mut record, &mut dir);
    Ok(out)
}

/// A dist-info `METADATA` or an egg-info `PKG-INFO`: its header's `Name`
/// and `Version`.
pub fn python_metadata(bytes: &[u8]) -> Result<Record, String> {
    let text = text(bytes)?;
    // The header ends at the first blank line; the description follows.
    let header = text.split("\n\n").next().unwrap_or("");
    let stanza = stanzas(header).into_iter().next().unwrap_or_default();
    let name = field(&stanza, "Name").ok_or("no Name field")?;
    Ok(Record {
        name: name.to_string(),
        version: field(&stanza, "Version").unwrap_or_default().to_string(),
        files: Vec::new(),
    })
}

/// A dist-info `RECORD` (CSV: path, hash, size) or an egg-info's
/// `installed-files.txt` (a path a line), each path relative to `base`.
pub fn python_files(bytes: &[u8], base: &str, csv: bool) -> Result<Vec<String>, String> {
    let text = text(bytes)?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let p = if csv {
                csv_first(line)?
            } else {
                line.trim().to_string()
            };
            (!p.is_empty()).then(|| resolve(base, &p))
        })
        .flatten()
        .collect())
}

/// The first cell of a CSV line (quotes as Python's csv module writes them).
fn csv_first(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    out.push('"');
                    chars.next();
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        return Some(out);
    }
    Some(line.split(',').next()?.to_string())
}

/// `rel` from directory `base` (both relative to `/`), `..` resolved; `None`
/// when it climbs above `/`.
fn resolve(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// An installed npm package's `package.json`: its `name` and `version`.
pub fn npm_package(bytes: &[u8]) -> Result<Record, String> {
    #[derive(serde::Deserialize)]
    struct Package {
        name: Option<String>,
        version: Option<String>,
    }
    let p: Package = serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
    Ok(Record {
        name: p.name.ok_or("no name")?,
        version: p.version.unwrap_or_default(),
        files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_keeps_what_is_installed() {
        let status = b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 2.36-9\nDescription: GNU C Library\n more text\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2-2\n";
        let r = dpkg_status(status).unwrap();
        let got: Vec<_> = r
            .iter()
            .map(|r| (r.name.as_str(), r.version.as_str()))
            .collect();
        assert_eq!(got, [("libc6:amd64", "2.36-9"), ("bash", "5.2-2")]);
    }

    #[test]
    fn dpkg_lists_and_md5sums() {
        let list: Vec<_> = dpkg_list("/.\n/usr\n/usr/share/x/data\n\n").collect();
        assert_eq!(list, ["usr", "usr/share/x/data"]);
        let sums: Vec<_> =
            dpkg_md5sums("d41d8cd98f00b204e9800998ecf8427e  usr/lib/libx.so\n").collect();
        assert_eq!(sums, ["usr/lib/libx.so"]);
    }

    #[test]
    fn apk_records_and_their_files() {
        let db = b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r5\nF:bin\nR:busybox\nF:etc\nR:securetty\n";
        let r = apk_installed(db).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "musl");
        assert_eq!(
            r[0].files,
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(r[1].files, ["bin/busybox", "etc/securetty"]);
    }

    #[test]
    fn python_metadata_and_record() {
        let m = python_metadata(b"Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\n\nFlask is a web framework.\nName: not this\n").unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("Flask", "3.0.0"));
        let rec = b"flask/__init__.py,sha256=abc,2000\n\"flask/we,ird.py\",,\n../../../bin/flask,sha256=x,200\nflask-3.0.0.dist-info/RECORD,,\n";
        let files = python_files(rec, "usr/lib/python3.12/site-packages", true).unwrap();
        assert_eq!(
            files,
            [
                "usr/lib/python3.12/site-packages/flask/__init__.py",
                "usr/lib/python3.12/site-packages/flask/we,ird.py",
                "usr/bin/flask",
                "usr/lib/python3.12/site-packages/flask-3.0.0.dist-info/RECORD",
            ]
        );
    }

    #[test]
    fn npm_package_json() {
        let p = npm_package(br#"{"name":"@babel/core","version":"7.24.0","main":"x"}"#).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("@babel/core", "7.24.0")
        );
        assert!(npm_package(b"{").is_err());
        assert!(npm_package(b"{}").is_err());
    }
}
