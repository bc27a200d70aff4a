//! The page's place in the URL fragment, so a shared link opens where it was
//! shared: `#sample=demo&layer=3&path=/app/config.yml`. Layers are the same
//! 0-based filesystem layer numbers as `data-layer` and `layerscope ls
//! --layer`; a range is `layer=1-4`; a selection that starts or ends on an
//! empty-layer step is kept by its step instead (`step=2-3`, numbered from 1
//! as the page shows steps). Pure: tested on the host.

/// Everything the fragment can say. Unknown keys are ignored, so older and
/// newer links still open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// A sample's name from `samples/index.json`.
    pub sample: Option<String>,
    /// `os/arch[/variant]` of a multi-platform image.
    pub platform: Option<String>,
    /// Filesystem layers, inclusive (`from`, `to` as selected: `to` may be lower).
    pub layers: Option<(usize, usize)>,
    /// Build steps (indexes from 0; the fragment writes them from 1, as the
    /// page numbers them), inclusive, when the selection is not expressible
    /// in layers.
    pub steps: Option<(usize, usize)>,
    /// Only what the selected layer changed, even for a single layer.
    pub changes: bool,
    /// The selected path.
    pub path: Option<String>,
}

impl Route {
    /// Reads `#a=b&c=d` (the leading `#` is optional).
    pub fn parse(fragment: &str) -> Route {
        let mut route = Route::default();
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        for pair in fragment.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "sample" if !value.is_empty() => route.sample = Some(value),
                "platform" if !value.is_empty() => route.platform = Some(value),
                "layer" => route.layers = parse_range(&value),
                // Written from 1, as the page numbers steps; kept from 0.
                "step" => {
                    route.steps = parse_range(&value)
                        .and_then(|(a, b)| Some((a.checked_sub(1)?, b.checked_sub(1)?)))
                }
                "view" => route.changes = value == "changes",
                "path" if value.starts_with('/') => route.path = Some(value),
                _ => {}
            }
        }
        route
    }

    /// Writes the fragment, `#` included; `""` when there is nothing to keep.
    pub fn format(&self) -> String {
        let mut parts = Vec::new();
        if let Some(sample) = &self.sample {
            parts.push(format!("sample={}", encode(sample)));
        }
        if let Some(platform) = &self.platform {
            parts.push(format!("platform={}", encode(platform)));
        }
        if let Some(range) = self.layers {
            parts.push(format!("layer={}", format_range(range)));
        } else if let Some((from, to)) = self.steps {
            parts.push(format!("step={}", format_range((from + 1, to + 1))));
        }
        if self.changes {
            parts.push("view=changes".to_string());
        }
        if let Some(path) = &self.path {
            parts.push(format!("path={}", encode(path)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("#{}", parts.join("&"))
        }
    }
}

fn parse_range(text: &str) -> Option<(usize, usize)> {
    match text.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let n = text.parse().ok()?;
            Some((n, n))
        }
    }
}

fn format_range((from, to): (usize, usize)) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

/// Percent-encodes all but unreserved characters and the ones a path reads
/// better with (`/`, `:`, `@`), byte by byte in UTF-8.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Undoes `encode` (and any other percent-encoding); a `%` not followed by
/// two hex digits stays as it is; invalid UTF-8 becomes U+FFFD.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let route = Route {
            sample: Some("demo".into()),
            platform: Some("linux/arm64".into()),
            layers: Some((1, 4)),
            steps: None,
            changes: true,
            path: Some("/usr/share/my file&more=1#x%y/ü".into()),
        };
        let text = route.format();
        assert_eq!(
            text,
            "#sample=demo&platform=linux/arm64&layer=1-4&view=changes&path=/usr/share/my%20file%26more%3D1%23x%25y/%C3%BC"
        );
        assert_eq!(Route::parse(&text), route);
    }

    #[test]
    fn single_layers_and_steps() {
        let r = Route::parse("#sample=demo&layer=3&path=/app/config.yml");
        assert_eq!(r.sample.as_deref(), Some("demo"));
        assert_eq!(r.layers, Some((3, 3)));
        assert_eq!(r.path.as_deref(), Some("/app/config.yml"));
        assert_eq!(r.format(), "#sample=demo&layer=3&path=/app/config.yml");
        let s = Route {
            steps: Some((1, 2)),
            ..Route::default()
        };
        assert_eq!(
            s.format(),
            "#step=2-3",
            "steps are written from 1, as the page numbers them"
        );
        assert_eq!(Route::parse("step=2-3"), s);
        assert_eq!(Route::parse("step=0").steps, None, "there is no step 0");
        // A layer range wins over steps when both were written.
        assert_eq!(
            Route {
                layers: Some((0, 0)),
                steps: Some((1, 1)),
                ..Route::default()
            }
            .format(),
            "#layer=0"
        );
    }

    #[test]
    fn junk_is_ignored() {
        assert_eq!(Route::parse(""), Route::default());
        assert_eq!(Route::parse("#"), Route::default());
        assert_eq!(Route::default().format(), "");
        let r = Route::parse("#layer=x&step=1-&path=relative&sample=&what=ever&%zz");
        assert_eq!(r, Route::default());
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }
}
