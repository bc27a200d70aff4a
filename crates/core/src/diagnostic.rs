//! A diagnostic: something odd found on the way (a whiteout for a missing
//! path, a digest mismatch, a skipped platform) that did not stop the
//! analysis, returned beside the result. Structural failures are
//! [`crate::Error`]s instead. A diagnostic's wording is [`Diagnostic::text`]
//! alone: the CLI prints it and the page shows it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing, nothing wrong (a platform skipped, a media type that lies).
    Info,
    /// The input is odd; the answer is still what a runtime would see.
    Warning,
    /// The input is wrong (a digest mismatch); the answer is shown, but do not trust the image.
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something found on the way that did not stop the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The 0-based filesystem layer, if it is about one.
    pub layer: Option<usize>,
    /// The path in the image (no leading `/`), if it is about one.
    pub path: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            layer: None,
            path: None,
            message: message.into(),
        }
    }

    pub fn at_layer(mut self, layer: usize) -> Self {
        self.layer = Some(layer);
        self
    }

    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl Diagnostic {
    /// Where and what, as the CLI words it: `layer 3: /etc/passwd: message`
    /// (the page says it so too).
    pub fn text(&self) -> String {
        let mut text = String::new();
        if let Some(layer) = self.layer {
            text.push_str(&format!("layer {layer}: "));
        }
        if let Some(path) = &self.path {
            text.push_str(&format!("/{path}: "));
        }
        text.push_str(&self.message);
        text
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.severity.name(), self.text())
    }
}

/// Collects a layer's diagnostics, keeping at most
/// [`crate::limits::SAME_DIAGNOSTIC`] of each kind: a layer of a million odd
/// entries says so in a hundred lines and one count, not a million.
#[derive(Debug, Default)]
pub(crate) struct Capped {
    kept: Vec<Diagnostic>,
    /// Per kind: how many came, and the first one's severity and layer.
    counts: Vec<(&'static str, usize, Severity, Option<usize>)>,
}

impl Capped {
    /// Keeps `d` unless `kind` (a few words naming what is odd) is over the cap.
    pub fn push(&mut self, kind: &'static str, d: Diagnostic) {
        let count = match self.counts.iter_mut().find(|(k, ..)| *k == kind) {
            Some((_, n, ..)) => {
                *n += 1;
                *n
            }
            None => {
                self.counts.push((kind, 1, d.severity, d.layer));
                1
            }
        };
        if count <= crate::limits::SAME_DIAGNOSTIC {
            self.kept.push(d);
        }
    }

    /// Those kept, and for each kind over the cap, one line with the count.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let cap = crate::limits::SAME_DIAGNOSTIC;
        for (kind, n, severity, layer) in self.counts {
            if n > cap {
                let message = format!(
                    "{} more of this layer's entries: {kind} (only the first {cap} are listed)",
                    n - cap
                );
                self.kept.push(Diagnostic {
                    layer,
                    ..Diagnostic::new(severity, message)
                });
            }
        }
        self.kept
    }
}

/// A name as a message quotes it: cut after 200 bytes (a tar name may be
/// megabytes long), saying how long it was.
pub(crate) fn quoted(name: &str) -> String {
    const SHOWN: usize = 200;
    if name.len() <= SHOWN {
        return format!("{name:?}");
    }
    let mut end = SHOWN;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &name[..end], name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_says_where_then_what() {
        let d = Diagnostic::new(Severity::Error, "the file is cut short")
            .at_layer(3)
            .at_path("etc/passwd");
        assert_eq!(d.text(), "layer 3: /etc/passwd: the file is cut short");
        assert_eq!(
            d.to_string(),
            "error: layer 3: /etc/passwd: the file is cut short"
        );
        let bare = Diagnostic::new(Severity::Info, "no history");
        assert_eq!(bare.to_string(), "info: no history");
    }
}
