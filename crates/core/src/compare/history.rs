//! The two builds side by side: their history steps read as Dockerfile
//! lines (`build::instruction`) and aligned by the longest run of equal
//! lines, so a step inserted or removed does not make every later one look
//! changed; and what the images run with, key by key.

use crate::archive::image::RuntimeConfig;
use crate::build::instruction;
use crate::Analysis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRowKind {
    /// The same line on both sides.
    Same,
    /// A step of A whose place B fills with another line.
    Changed,
    /// Only in B.
    Inserted,
    /// Only in A.
    Removed,
}

impl StepRowKind {
    pub fn name(self) -> &'static str {
        match self {
            StepRowKind::Same => "same",
            StepRowKind::Changed => "changed",
            StepRowKind::Inserted => "inserted",
            StepRowKind::Removed => "removed",
        }
    }
}

/// One row of the aligned histories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub kind: StepRowKind,
    /// 0-based history steps, and their Dockerfile lines.
    pub a: Option<usize>,
    pub b: Option<usize>,
    pub line_a: Option<String>,
    pub line_b: Option<String>,
}

/// Histories longer than this are compared position by position only (the
/// alignment table grows with the product of the lengths).
const ALIGN_LIMIT: usize = 4096;

pub(super) fn steps(a: &Analysis, b: &Analysis) -> Vec<StepRow> {
    let lines = |x: &Analysis| -> Vec<String> {
        x.history
            .iter()
            .map(|h| instruction::from_history(h).dockerfile_line())
            .collect()
    };
    align(&lines(a), &lines(b))
}

/// Aligns two sequences of lines: equal lines by their longest common
/// subsequence; between two matches, A's and B's unmatched lines pair up
/// as changed, and the rest are removed or inserted.
pub fn align(a: &[String], b: &[String]) -> Vec<StepRow> {
    let matches = if a.len() <= ALIGN_LIMIT && b.len() <= ALIGN_LIMIT {
        common(a, b)
    } else {
        (0..a.len().min(b.len()))
            .filter(|&i| a[i] == b[i])
            .map(|i| (i, i))
            .collect()
    };
    let mut rows = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (mi, mj) in matches
        .into_iter()
        .chain(std::iter::once((a.len(), b.len())))
    {
        let (ra, rb) = (mi - i, mj - j);
        for k in 0..ra.max(rb) {
            let (x, y) = ((k < ra).then_some(i + k), (k < rb).then_some(j + k));
            let kind = match (x, y) {
                (Some(_), Some(_)) => StepRowKind::Changed,
                (Some(_), None) => StepRowKind::Removed,
                _ => StepRowKind::Inserted,
            };
            rows.push(row(kind, x, y, a, b));
        }
        if mi < a.len() && mj < b.len() {
            rows.push(row(StepRowKind::Same, Some(mi), Some(mj), a, b));
        }
        (i, j) = (mi + 1, mj + 1);
    }
    rows
}

fn row(
    kind: StepRowKind,
    x: Option<usize>,
    y: Option<usize>,
    a: &[String],
    b: &[String],
) -> StepRow {
    StepRow {
        kind,
        a: x,
        b: y,
        line_a: x.map(|i| a[i].clone()),
        line_b: y.map(|j| b[j].clone()),
    }
}

/// The pairs of equal lines of a longest common subsequence, in order.
fn common(a: &[String], b: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // len[i][j]: the LCS of a[i..] and b[j..].
    let mut len = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[at(i, j)] = if a[i] == b[j] {
                len[at(i + 1, j + 1)] + 1
            } else {
                len[at(i + 1, j)].max(len[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if len[at(i + 1, j)] >= len[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// One setting that differs: its key (`Env PATH`, `Cmd`, `Labels
/// org.opencontainers.image.version`, `ExposedPorts 80/tcp`), and its value
/// on each side (None: not set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChange {
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

pub(super) fn config(a: &RuntimeConfig, b: &RuntimeConfig) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    let mut one = |key: String, x: Option<String>, y: Option<String>| {
        if x != y {
            out.push(ConfigChange { key, a: x, b: y });
        }
    };
    let words = |v: &Option<Vec<String>>| v.as_ref().map(|w| format!("{w:?}"));
    one(
        "Entrypoint".into(),
        words(&a.entrypoint),
        words(&b.entrypoint),
    );
    one("Cmd".into(), words(&a.cmd), words(&b.cmd));
    one("User".into(), a.user.clone(), b.user.clone());
    one("WorkingDir".into(), a.workdir.clone(), b.workdir.clone());
    let env = |c: &RuntimeConfig| -> std::collections::BTreeMap<String, String> {
        c.env
            .iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e.clone(), String::new()),
            })
            .collect()
    };
    let (ea, eb) = (env(a), env(b));
    for key in keys(&ea, &eb) {
        one(
            format!("Env {key}"),
            ea.get(key).cloned(),
            eb.get(key).cloned(),
        );
    }
    for key in keys(&a.labels, &b.labels) {
        one(
            format!("Labels {key}"),
            a.labels.get(key).cloned(),
            b.labels.get(key).cloned(),
        );
    }
    let ports = |c: &RuntimeConfig, p: &String| c.exposed_ports.contains(p).then(|| p.clone());
    let mut all: Vec<&String> = a.exposed_ports.iter().chain(&b.exposed_ports).collect();
    all.sort();
    all.dedup();
    for p in all {
        one(format!("ExposedPorts {p}"), ports(a, p), ports(b, p));
    }
    out
}

fn keys<'m, V>(
    a: &'m std::collections::BTreeMap<String, V>,
    b: &'m std::collections::BTreeMap<String, V>,
) -> Vec<&'m String> {
    let mut all: Vec<&String> = a.keys().chain(b.keys()).collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn shape(rows: &[StepRow]) -> String {
        rows.iter()
            .map(|r| match r.kind {
                StepRowKind::Same => format!("={}", r.line_a.as_deref().unwrap()),
                StepRowKind::Changed => format!(
                    "~{}>{}",
                    r.line_a.as_deref().unwrap(),
                    r.line_b.as_deref().unwrap()
                ),
                StepRowKind::Removed => format!("-{}", r.line_a.as_deref().unwrap()),
                StepRowKind::Inserted => format!("+{}", r.line_b.as_deref().unwrap()),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn steps_align_around_what_changed() {
        let check = |a: &str, b: &str, want: &str| {
            assert_eq!(shape(&align(&lines(a), &lines(b))), want, "{a} | {b}")
        };
        check("F R C", "F R C", "=F =R =C");
        check("F R C", "F X R C", "=F +X =R =C");
        check("F R C", "F C", "=F -R =C");
        check("F R C", "F Q C", "=F ~R>Q =C");
        check("F R1 R2 C", "F Q C", "=F ~R1>Q -R2 =C");
        check("A B", "C D E", "~A>C ~B>D +E");
        check("", "A", "+A");
        check("A", "", "-A");
    }

    #[test]
    fn settings_differ_key_by_key() {
        let a = RuntimeConfig {
            env: vec!["PATH=/bin".into(), "A=1".into()],
            cmd: Some(vec!["sh".into()]),
            labels: [("v".to_string(), "1".to_string())].into(),
            exposed_ports: vec!["80/tcp".into()],
            ..RuntimeConfig::default()
        };
        let b = RuntimeConfig {
            env: vec!["PATH=/bin".into(), "B=2".into()],
            cmd: Some(vec!["sh".into()]),
            user: Some("app".into()),
            labels: [("v".to_string(), "2".to_string())].into(),
            exposed_ports: vec!["443/tcp".into()],
            ..RuntimeConfig::default()
        };
        let got: Vec<String> = config(&a, &b)
            .iter()
            .map(|c| format!("{}: {:?} -> {:?}", c.key, c.a, c.b))
            .collect();
        assert_eq!(
            got,
            [
                "User: None -> Some(\"app\")",
                "Env A: Some(\"1\") -> None",
                "Env B: None -> Some(\"2\")",
                "Labels v: Some(\"1\") -> Some(\"2\")",
                "ExposedPorts 443/tcp: None -> Some(\"443/tcp\")",
                "ExposedPorts 80/tcp: Some(\"80/tcp\") -> None",
            ]
        );
        assert!(config(&a, &a).is_empty());
    }
}
