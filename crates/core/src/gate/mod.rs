//! **gate**: the CI verdicts. dive's three rules from its `.dive-ci` file,
//! with dive 0.13.1's exact semantics (defaults, `disabled`, how values
//! parse, strict comparisons: a figure exactly at its threshold passes, a
//! value that does not parse makes the run misconfigured), over dive's own
//! figures (`figures::dive`); and our rules, read from the same file under
//! the `layerscope:` key (dive ignores it): our exact wasted bytes and
//! efficiency, and the findings by severity or id. docs/ci.md has the table.
//!
//! Must not touch: how the verdicts look (`report/`), reading files (the
//! CLI and the page hand the text in).

pub mod yaml;

use crate::analysis::Analysis;
use crate::findings::{self, Finding, Level};
use yaml::Node;

/// The file dive reads when `--ci-config` is not given.
pub const DEFAULT_FILE: &str = ".dive-ci";

/// dive's rules, in the order dive prints them (sorted by key).
pub const DIVE_RULES: [(&str, &str); 3] = [
    ("highestUserWastedPercent", "0.1"),
    ("highestWastedBytes", "disabled"),
    ("lowestEfficiency", "0.9"),
];

/// Our rules under `layerscope:`, with their defaults.
pub const OUR_RULES: [(&str, &str); 5] = [
    ("highestWastedBytes", "disabled"),
    ("lowestEfficiency", "disabled"),
    ("failOn", "high"),
    ("failOnFindings", ""),
    ("ignoreFindings", ""),
];

/// The key our rules live under.
pub const OUR_KEY: &str = "layerscope";

/// Who defines a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// dive's `rules:`, evaluated as dive does.
    Dive,
    /// Ours, under `layerscope:`.
    Layerscope,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Dive => "dive",
            Origin::Layerscope => "layerscope",
        }
    }
}

/// A rule's outcome, as dive names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// `disabled`.
    Skip,
    /// Its value does not parse: nothing of its group is evaluated.
    Misconfigured,
    /// Valid, but not evaluated because another rule of its group is misconfigured.
    Configured,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
            Status::Misconfigured => "MISCONFIGURED",
            Status::Configured => "CONFIGURED",
        }
    }
}

/// The rules as a file sets them: each value as the string dive parses.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// dive's three, in [`DIVE_RULES`] order.
    pub dive: Vec<(&'static str, String)>,
    /// Ours, in [`OUR_RULES`] order; lists joined with `,`.
    pub ours: Vec<(&'static str, String)>,
    /// What in our section cannot be read (an unknown key, keys that
    /// differ only in case): makes our group misconfigured.
    pub our_problems: Vec<String>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            dive: DIVE_RULES
                .iter()
                .map(|(k, d)| (*k, d.to_string()))
                .collect(),
            ours: OUR_RULES.iter().map(|(k, d)| (*k, d.to_string())).collect(),
            our_problems: Vec::new(),
        }
    }
}

impl Rules {
    /// Reads a rules file's text. An error (the YAML does not parse, or its
    /// top level is not a mapping) is a configuration error, as it is to
    /// dive; a value that does not parse is not an error here but a
    /// misconfigured rule when evaluated.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let doc = yaml::parse(text)?;
        let mut rules = Rules::default();
        let section = |name: &str| doc.get(name).cloned().unwrap_or(Node::Null);
        let dive = section("rules");
        for (key, value) in rules.dive.iter_mut() {
            match dive.get(key) {
                None | Some(Node::Null) => {}
                Some(v) => *value = v.as_string(),
            }
        }
        let ours = section(OUR_KEY);
        if let Node::Map(entries) = &ours {
            let mut seen: Vec<String> = Vec::new();
            for (k, _) in entries {
                let lower = k.to_ascii_lowercase();
                if seen.contains(&lower) {
                    rules
                        .our_problems
                        .push(format!("{k}: set twice (keys are case-insensitive)"));
                }
                seen.push(lower);
                if !OUR_RULES.iter().any(|(r, _)| r.eq_ignore_ascii_case(k)) {
                    let known: Vec<&str> = OUR_RULES.iter().map(|(r, _)| *r).collect();
                    rules
                        .our_problems
                        .push(format!("{k}: unknown key (known: {})", known.join(", ")));
                }
            }
        } else if ours != Node::Null {
            rules
                .our_problems
                .push("expected a mapping of rules".to_string());
        }
        for (key, value) in rules.ours.iter_mut() {
            match ours.get(key) {
                None | Some(Node::Null) => {}
                Some(Node::List(items)) => {
                    *value = items
                        .iter()
                        .map(Node::as_string)
                        .collect::<Vec<_>>()
                        .join(",")
                }
                Some(v) => *value = v.as_string(),
            }
        }
        Ok(rules)
    }

    /// Reads the rules file `name`: an error is the one line `layerscope
    /// ci` stops with (`NAME: the CI rules are not valid YAML: …`).
    pub fn read(text: &str, name: &str) -> Result<Rules, String> {
        Rules::parse(text).map_err(|e| format!("{name}: the CI rules are not valid YAML: {e}"))
    }

    /// Sets a dive rule as its command-line flag would (the flag wins over the file).
    pub fn set_dive(&mut self, key: &str, value: &str) -> bool {
        match self
            .dive
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, v)) => {
                *v = value.to_string();
                true
            }
            None => false,
        }
    }

    fn our(&self, key: &str) -> &str {
        self.ours
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub origin: Origin,
    /// The key as the docs spell it (`lowestEfficiency`).
    pub rule: &'static str,
    /// The value as set (after YAML typing), or the default.
    pub setting: String,
    pub status: Status,
    /// What dive prints after the key: the failure with both figures, why
    /// it is misconfigured, `rule disabled`, `test`; empty for a pass.
    pub message: String,
    /// The image's figure, as the message prints it.
    pub value: Option<String>,
}

/// The verdicts for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub verdicts: Vec<Verdict>,
}

/// The run's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Misconfigured,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Misconfigured => "misconfigured",
        }
    }
}

impl Gate {
    pub fn outcome(&self) -> Outcome {
        if self
            .verdicts
            .iter()
            .any(|v| v.status == Status::Misconfigured)
        {
            Outcome::Misconfigured
        } else if self.verdicts.iter().any(|v| v.status == Status::Fail) {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }

    pub fn count(&self, status: Status) -> usize {
        self.verdicts.iter().filter(|v| v.status == status).count()
    }
}

/// Go's `%v` of a float64: `%g` with the shortest precision (an exponent
/// below 1e-4 and from 1e21 on).
pub fn go_v(f: f64) -> String {
    if f.is_nan() || f.is_infinite() || f == 0.0 {
        return yaml::go_float(f);
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..21).contains(&exp) {
        return yaml::go_float(f);
    }
    let s = format!("{f:e}");
    let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Go's `strconv.ParseFloat(s, 64)`, as far as rules files use it.
fn parse_float(s: &str) -> Result<f64, String> {
    let ok = !s.is_empty()
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s.contains('_');
    let parsed = if ok { s.parse::<f64>().ok() } else { None };
    parsed.ok_or_else(|| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"))
}

/// go-humanize 1.0.1's `ParseBytes`: leading digits, `.` and `,` are the
/// number (commas dropped); the rest, trimmed and lower-cased, a unit (`kb`
/// is 1000, `kib` or `ki` 1024, up to exabytes); a bare number is bytes;
/// the result truncated.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let number = s[..end].replace(',', "");
    let f = parse_float(&number)?;
    let unit = s[end..].trim().to_ascii_lowercase();
    let mult: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "ki" | "kib" => 1024f64,
        "m" | "mb" => 1e6,
        "mi" | "mib" => 1024f64.powi(2),
        "g" | "gb" => 1e9,
        "gi" | "gib" => 1024f64.powi(3),
        "t" | "tb" => 1e12,
        "ti" | "tib" => 1024f64.powi(4),
        "p" | "pb" => 1e15,
        "pi" | "pib" => 1024f64.powi(5),
        "e" | "eb" => 1e18,
        "ei" | "eib" => 1024f64.powi(6),
        _ => return Err(format!("unhandled size name: {unit}")),
    };
    let v = f * mult;
    if v >= u64::MAX as f64 {
        return Err(format!("too large: {s}"));
    }
    Ok(v as u64)
}

/// A fraction between 0 and 1, as dive's two ratio rules read it.
fn parse_fraction(key: &str, s: &str) -> Result<f64, String> {
    let v = parse_float(s).map_err(|e| format!("invalid config value ('{s}'): {e}"))?;
    if v < 0.0 || v > 1.0 {
        return Err(format!(
            "{key} config value is outside allowed range (0-1), given '{s}'"
        ));
    }
    Ok(v)
}

/// A threshold, parsed; or why it does not parse.
enum Threshold {
    Disabled,
    Ratio(f64),
    Bytes(u64),
}

fn dive_threshold(key: &str, setting: &str) -> Result<Threshold, String> {
    if setting == "disabled" {
        return Ok(Threshold::Disabled);
    }
    if key == "highestWastedBytes" {
        parse_bytes(setting)
            .map(Threshold::Bytes)
            .map_err(|e| format!("invalid config value ('{setting}'): {e}"))
    } else {
        parse_fraction(key, setting).map(Threshold::Ratio)
    }
}

/// The verdicts of dive's rules on dive's figures, as dive 0.13.1 gives
/// them: every rule validated first; one misconfigured, none evaluated.
fn dive_verdicts(a: &Analysis, rules: &Rules) -> Vec<Verdict> {
    let parsed: Vec<_> = rules
        .dive
        .iter()
        .map(|(k, s)| (*k, s.clone(), dive_threshold(k, s)))
        .collect();
    let misconfigured = parsed.iter().any(|(_, _, t)| t.is_err());
    let d = &a.dive;
    parsed
        .into_iter()
        .map(|(rule, setting, threshold)| {
            let (status, message, value) = match threshold {
                Err(e) => (Status::Misconfigured, e, None),
                Ok(Threshold::Disabled) if misconfigured => {
                    (Status::Configured, "rule disabled".to_string(), None)
                }
                Ok(Threshold::Disabled) => (Status::Skip, "rule disabled".to_string(), None),
                Ok(_) if misconfigured => (Status::Configured, "test".to_string(), None),
                Ok(Threshold::Bytes(t)) => {
                    let fail = d.wasted_bytes > t;
                    let msg = format!(
                        "too many bytes wasted (wasted-bytes={} > threshold={t})",
                        d.wasted_bytes
                    );
                    verdict(fail, msg, d.wasted_bytes.to_string())
                }
                Ok(Threshold::Ratio(t)) if rule == "lowestEfficiency" => {
                    let fail = t > d.efficiency;
                    let msg = format!(
                        "image efficiency is too low (efficiency={} < threshold={})",
                        go_v(d.efficiency),
                        go_v(t)
                    );
                    verdict(fail, msg, go_v(d.efficiency))
                }
                Ok(Threshold::Ratio(t)) => {
                    let fail = t < d.user_wasted_percent;
                    let msg = format!(
                        "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes={} > threshold={})",
                        go_v(d.user_wasted_percent),
                        go_v(t)
                    );
                    verdict(fail, msg, go_v(d.user_wasted_percent))
                }
            };
            Verdict {
                origin: Origin::Dive,
                rule,
                setting,
                status,
                message,
                value,
            }
        })
        .collect()
}

fn verdict(fail: bool, message: String, value: String) -> (Status, String, Option<String>) {
    if fail {
        (Status::Fail, message, Some(value))
    } else {
        (Status::Pass, String::new(), Some(value))
    }
}

/// Finding ids from a list setting; unknown ids are a misconfiguration.
fn finding_ids(setting: &str) -> Result<Vec<&'static str>, String> {
    setting
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|id| {
            findings::rule(id).map(|r| r.id).ok_or_else(|| {
                format!("unknown finding id {id:?} (the ids are listed in docs/findings.md)")
            })
        })
        .collect()
}

fn listed(found: &[&Finding]) -> String {
    let mut out: Vec<String> = found
        .iter()
        .take(5)
        .map(|f| match f.paths.first() {
            Some(p) => format!("{} (/{p})", f.id),
            None => f.id.to_string(),
        })
        .collect();
    if found.len() > 5 {
        out.push(format!("and {} more", found.len() - 5));
    }
    out.join(", ")
}

/// Our rules' verdicts.
fn our_verdicts(a: &Analysis, found: &[Finding], rules: &Rules) -> Vec<Verdict> {
    let ignored = finding_ids(rules.our("ignoreFindings"));
    let counted: Vec<&Finding> = match &ignored {
        Ok(ids) => found.iter().filter(|f| !ids.contains(&f.id)).collect(),
        Err(_) => Vec::new(),
    };
    let mut parsed: Vec<(&'static str, String, Result<Option<Check>, String>)> = Vec::new();
    for (rule, setting) in &rules.ours {
        let check = match *rule {
            _ if setting == "disabled" => Ok(None),
            "highestWastedBytes" => parse_bytes(setting)
                .map(|t| Some(Check::WastedBytes(t)))
                .map_err(|e| format!("invalid config value ('{setting}'): {e}")),
            "lowestEfficiency" => {
                parse_fraction(rule, setting).map(|t| Some(Check::Efficiency(t)))
            }
            "failOn" => Level::from_name(setting)
                .map(|l| Some(Check::Level(l)))
                .ok_or_else(|| {
                    format!("invalid config value ('{setting}'): expected high, medium, low, info or disabled")
                }),
            "failOnFindings" => finding_ids(setting).map(|ids| {
                (!ids.is_empty()).then_some(Check::Ids(ids))
            }),
            _ => ignored.clone().map(|_| None),
        };
        parsed.push((rule, setting.clone(), check));
    }
    let misconfigured = !rules.our_problems.is_empty() || parsed.iter().any(|(_, _, c)| c.is_err());
    let mut out: Vec<Verdict> = parsed
        .into_iter()
        .filter(|(rule, _, check)| {
            // The ignore list is a modifier, not a rule: shown only when wrong.
            *rule != "ignoreFindings" || check.is_err()
        })
        .map(|(rule, setting, check)| {
            let (status, message, value) = match check {
                Err(e) => (Status::Misconfigured, e, None),
                Ok(None) if misconfigured => (Status::Configured, "rule disabled".into(), None),
                Ok(None) => (Status::Skip, "rule disabled".into(), None),
                Ok(Some(_)) if misconfigured => (Status::Configured, "test".into(), None),
                Ok(Some(check)) => check.run(a, &counted),
            };
            Verdict {
                origin: Origin::Layerscope,
                rule,
                setting,
                status,
                message,
                value,
            }
        })
        .collect();
    for problem in &rules.our_problems {
        out.push(Verdict {
            origin: Origin::Layerscope,
            rule: OUR_KEY,
            setting: String::new(),
            status: Status::Misconfigured,
            message: problem.clone(),
            value: None,
        });
    }
    out
}

enum Check {
    WastedBytes(u64),
    Efficiency(f64),
    Level(Level),
    Ids(Vec<&'static str>),
}

impl Check {
    fn run(&self, a: &Analysis, found: &[&Finding]) -> (Status, String, Option<String>) {
        match self {
            Check::WastedBytes(t) => {
                let w = a.waste.wasted_bytes;
                verdict(
                    w > *t,
                    format!(
                        "too many bytes wasted, counted exactly (wasted-bytes={w} > threshold={t})"
                    ),
                    w.to_string(),
                )
            }
            Check::Efficiency(t) => {
                let e = a.waste.efficiency;
                verdict(
                    *t > e,
                    format!(
                        "image efficiency is too low, counted exactly (efficiency={} < threshold={})",
                        go_v(e),
                        go_v(*t)
                    ),
                    go_v(e),
                )
            }
            Check::Level(level) => {
                let hit: Vec<&Finding> = found
                    .iter()
                    .copied()
                    .filter(|f| f.level >= *level)
                    .collect();
                verdict(
                    !hit.is_empty(),
                    format!(
                        "{} at {} or above: {}",
                        plural(hit.len(), "finding"),
                        level.name(),
                        listed(&hit)
                    ),
                    hit.len().to_string(),
                )
            }
            Check::Ids(ids) => {
                let hit: Vec<&Finding> = found
                    .iter()
                    .copied()
                    .filter(|f| ids.contains(&f.id))
                    .collect();
                verdict(
                    !hit.is_empty(),
                    format!(
                        "{} with a listed id: {}",
                        plural(hit.len(), "finding"),
                        listed(&hit)
                    ),
                    hit.len().to_string(),
                )
            }
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Every verdict for an image: dive's rules, then ours.
pub fn evaluate(a: &Analysis, found: &[Finding], rules: &Rules) -> Gate {
    let mut verdicts = dive_verdicts(a, rules);
    verdicts.extend(our_verdicts(a, found, rules));
    Gate { verdicts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_go_humanize_parses_them() {
        for (s, want) in [
            ("20MB", 20_000_000),
            ("20MiB", 20_971_520),
            ("100", 100),
            ("20 MB", 20_000_000),
            ("20mb", 20_000_000),
            ("0.02MB", 20_000),
            ("0.02MiB", 20_971),
            ("1.5kB", 1500),
            ("1,000", 1000),
            (".5kB", 500),
            ("5.kB", 5000),
            ("20kb ", 20_000),
            ("32025.999", 32025),
            ("100 b", 100),
        ] {
            assert_eq!(parse_bytes(s), Ok(want), "{s}");
        }
        assert_eq!(
            parse_bytes("-1").unwrap_err(),
            "strconv.ParseFloat: parsing \"\": invalid syntax"
        );
        assert_eq!(parse_bytes("20XB").unwrap_err(), "unhandled size name: xb");
        assert_eq!(
            parse_bytes("100bytes").unwrap_err(),
            "unhandled size name: bytes"
        );
        assert!(parse_bytes("18446744073709551615")
            .unwrap_err()
            .starts_with("too large"));
        assert!(parse_bytes("1.2.3").is_err());
    }

    #[test]
    fn fractions() {
        assert_eq!(parse_fraction("k", "0.95"), Ok(0.95));
        assert_eq!(parse_fraction("k", ".99"), Ok(0.99));
        assert_eq!(parse_fraction("k", "1e-2"), Ok(0.01));
        assert!(parse_fraction("k", "NaN").unwrap().is_nan());
        assert_eq!(
            parse_fraction("lowestEfficiency", "95%").unwrap_err(),
            "invalid config value ('95%'): strconv.ParseFloat: parsing \"95%\": invalid syntax"
        );
        assert_eq!(
            parse_fraction("highestUserWastedPercent", "1.5").unwrap_err(),
            "highestUserWastedPercent config value is outside allowed range (0-1), given '1.5'"
        );
        assert!(parse_fraction("k", "+Inf").is_err());
    }

    #[test]
    fn go_formatting() {
        assert_eq!(go_v(0.9844212134184309), "0.9844212134184309");
        assert_eq!(go_v(0.99), "0.99");
        assert_eq!(go_v(1.0), "1");
        assert_eq!(go_v(0.00001), "1e-05");
        assert_eq!(go_v(f64::INFINITY), "+Inf");
        assert_eq!(go_v(f64::NAN), "NaN");
    }

    #[test]
    fn rules_files() {
        let r = Rules::parse("rules:\n  lowestEfficiency: 0.95\n").unwrap();
        assert_eq!(r.dive[2], ("lowestEfficiency", "0.95".to_string()));
        assert_eq!(r.dive[0], ("highestUserWastedPercent", "0.1".to_string()));
        assert_eq!(r.dive[1], ("highestWastedBytes", "disabled".to_string()));
        // dive's keys at the top level are not dive's rules.
        let r = Rules::parse("lowestEfficiency: 0.5\n").unwrap();
        assert_eq!(r.dive[2].1, "0.9");
        // An explicit empty string is a value (misconfigured), null the default.
        let r =
            Rules::parse("rules:\n  lowestEfficiency: \"\"\n  highestWastedBytes: ~\n").unwrap();
        assert_eq!(r.dive[2].1, "");
        assert_eq!(r.dive[1].1, "disabled");
        let r = Rules::parse(
            "layerscope:\n  failOn: medium\n  failOnFindings: [secret-in-image]\n  typo: 1\n",
        )
        .unwrap();
        assert_eq!(r.our("failOn"), "medium");
        assert_eq!(r.our("failOnFindings"), "secret-in-image");
        assert_eq!(r.our_problems.len(), 1);
        assert!(Rules::parse("rules: [\n").is_err());
    }
}
