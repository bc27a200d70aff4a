//! Findings about the config: who the image runs as, secrets in its
//! environment and in the history's build arguments.

use super::catalog::{masked, secret_variable};
use super::{Finding, Level};
use crate::analysis::Analysis;

fn finding(id: &'static str, level: Level, title: String, layer: Option<usize>) -> Finding {
    Finding {
        id,
        level,
        title,
        layer,
        paths: Vec::new(),
        more_paths: 0,
        bytes: 0,
    }
}

/// Whether a `User` value means root: unset, `root`, `0`, with any group.
pub fn is_root(user: Option<&str>) -> bool {
    let user = user.map(str::trim).unwrap_or("");
    let name = user.split(':').next().unwrap_or("");
    matches!(name, "" | "root" | "0")
}

pub(super) fn user(a: &Analysis, out: &mut Vec<Finding>) {
    if !is_root(a.runtime.user.as_deref()) {
        return;
    }
    let how = match a.runtime.user.as_deref() {
        None | Some("") => "the config sets no User, so it runs as root".to_string(),
        Some(u) => format!("the config's User is {u:?}: root"),
    };
    out.push(finding("runs-as-root", Level::Medium, how, None));
}

/// `NAME=value` → (name, value).
fn split_pair(pair: &str) -> (&str, &str) {
    pair.split_once('=').unwrap_or((pair, ""))
}

pub(super) fn env(a: &Analysis, out: &mut Vec<Finding>) {
    for pair in &a.runtime.env {
        let (name, value) = split_pair(pair);
        if secret_variable(name, value) {
            out.push(finding(
                "secret-in-env",
                Level::High,
                format!(
                    "the config's environment sets {name} to a secret-looking value ({})",
                    masked(value)
                ),
                None,
            ));
        }
    }
}

/// The `NAME=value` pairs a history line records: the build arguments a
/// RUN ran with (`|2 A=1 B=2 /bin/sh -c …`, BuildKit's `RUN |2 …`) and the
/// values of `ENV` and `ARG` steps (`/bin/sh -c #(nop)  ENV A=1`, `ENV A=1`).
pub fn recorded_variables(created_by: &str) -> Vec<(String, String)> {
    let line = created_by.trim();
    let line = line.strip_prefix("RUN ").unwrap_or(line).trim_start();
    let mut out = Vec::new();
    if let Some(rest) = line.strip_prefix('|') {
        let mut words = rest.split_whitespace();
        let n: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        for word in words.take(n) {
            let (k, v) = split_pair(word);
            out.push((k.to_string(), v.to_string()));
        }
        return out;
    }
    let line = line
        .strip_prefix("/bin/sh -c #(nop)")
        .map(str::trim_start)
        .unwrap_or(line);
    let Some((keyword, rest)) = line.split_once(char::is_whitespace) else {
        return out;
    };
    if !matches!(keyword, "ENV" | "ARG") {
        return out;
    }
    let rest = rest.trim();
    if keyword == "ENV" && !rest.split_whitespace().next().unwrap_or("").contains('=') {
        // The old `ENV NAME value with spaces` form.
        let (k, v) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        out.push((k.to_string(), v.trim().to_string()));
        return out;
    }
    for word in rest.split_whitespace() {
        let (k, v) = split_pair(word);
        out.push((k.to_string(), v.trim_matches('"').to_string()));
    }
    out
}

pub(super) fn history(a: &Analysis, out: &mut Vec<Finding>) {
    for (step, s) in a.steps.iter().enumerate() {
        let Some(created_by) = s
            .history
            .and_then(|h| a.history.get(h))
            .and_then(|h| h.created_by.as_deref())
        else {
            continue;
        };
        for (name, value) in recorded_variables(created_by) {
            if secret_variable(&name, &value) {
                out.push(finding(
                    "secret-in-history",
                    Level::High,
                    format!(
                        "step {} of the history records {name} with a secret-looking value ({}): anyone with the image can read it",
                        step + 1,
                        masked(&value)
                    ),
                    s.layer,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> Vec<(String, String)> {
        recorded_variables(line)
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn build_arguments_and_env_as_builders_record_them() {
        assert_eq!(
            pairs("|2 NPM_TOKEN=abc MODE=prod /bin/sh -c npm ci"),
            vec![p("NPM_TOKEN", "abc"), p("MODE", "prod")]
        );
        assert_eq!(
            pairs("RUN |1 NPM_TOKEN=abc /bin/sh -c npm ci # buildkit"),
            vec![p("NPM_TOKEN", "abc")]
        );
        assert_eq!(
            pairs("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2"),
            vec![p("DB_PASSWORD", "hunter2")]
        );
        assert_eq!(
            pairs("ENV API_TOKEN=x Y=2"),
            vec![p("API_TOKEN", "x"), p("Y", "2")]
        );
        assert_eq!(
            pairs("ENV API_TOKEN two words"),
            vec![p("API_TOKEN", "two words")]
        );
        assert_eq!(pairs("ARG TOKEN=abc"), vec![p("TOKEN", "abc")]);
        assert_eq!(pairs("/bin/sh -c apt-get update"), vec![]);
        assert_eq!(pairs("RUN /bin/sh -c echo TOKEN=x # buildkit"), vec![]);
    }

    #[test]
    fn root() {
        assert!(is_root(None));
        assert!(is_root(Some("")));
        assert!(is_root(Some("root")));
        assert!(is_root(Some("0:0")));
        assert!(is_root(Some("root:staff")));
        assert!(!is_root(Some("1000")));
        assert!(!is_root(Some("app")));
        assert!(!is_root(Some("10001:0")));
    }
}
