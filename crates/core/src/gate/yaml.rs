//! The `.dive-ci` file as dive 0.13.1 reads it: YAML (yaml.v3 through
//! viper), keys case-insensitive, each value turned into the string dive's
//! rules parse (`cast.ToString` of what yaml.v3 made of the scalar: `1e3`
//! is `1000`, `017` is `15`, a quoted `"1e3"` stays `1e3`).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML node, as far as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null`, an empty value.
    Null,
    /// A scalar as dive's rules see it (after yaml.v3's typing and
    /// `cast.ToString`).
    Text(String),
    /// Keys lower-cased (viper), in file order.
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl Node {
    /// A key of a map (keys are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string viper's `GetString` gives: maps and lists are `""`.
    pub fn as_string(&self) -> String {
        match self {
            Node::Text(s) => s.clone(),
            _ => String::new(),
        }
    }
}

/// yaml.v3's resolution of a plain scalar, then `cast.ToString`.
fn plain(text: &str) -> Node {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Node::Null,
        "true" | "True" | "TRUE" => return Node::Text("true".into()),
        "false" | "False" | "FALSE" => return Node::Text("false".into()),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Node::Text("+Inf".into()),
        "-.inf" | "-.Inf" | "-.INF" => return Node::Text("-Inf".into()),
        ".nan" | ".NaN" | ".NAN" => return Node::Text("NaN".into()),
        _ => {}
    }
    let digits = text.replace('_', "");
    if let Some(n) = go_int(&digits) {
        return Node::Text(n);
    }
    if is_yaml_float(&digits) {
        if let Ok(f) = digits.parse::<f64>() {
            return Node::Text(go_float(f));
        }
    }
    Node::Text(text.to_string())
}

/// `strconv.ParseInt(s, 0, 64)` (then ParseUint, then a float for what is
/// too large), as yaml.v3 tries it: `0x`, `0o`, `0b` and a leading `0`
/// (octal) prefixes, an optional sign.
fn go_int(s: &str) -> Option<String> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    match u128::from_str_radix(digits, radix) {
        Ok(v) if v <= u64::MAX as u128 => {
            if neg && v > 0 {
                // Below i64::MIN is not an int to yaml.v3: a float.
                if v > i64::MAX as u128 + 1 {
                    return Some(go_float(-(v as f64)));
                }
                Some(format!("-{v}"))
            } else {
                Some(v.to_string())
            }
        }
        _ => {
            let f = digits.chars().fold(0f64, |acc, c| {
                acc * radix as f64 + c.to_digit(radix).unwrap_or(0) as f64
            });
            Some(go_float(if neg { -f } else { f }))
        }
    }
}

/// yaml.v3's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    let mut i = 0;
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
        if int == 0 && frac == 0 {
            return false;
        }
    } else if int == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that
/// reads back as `f`, never an exponent (Rust's `Display` is the same rule).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{f}")
    }
}

/// Builds the tree from the parser's events.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    error: Option<String>,
}

enum Frame {
    Map {
        entries: Vec<(String, Node)>,
        key: Option<String>,
        lines: Vec<usize>,
        key_line: usize,
    },
    List(Vec<Node>),
}

impl Builder {
    fn push_value(&mut self, value: Node, line: usize) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::List(items)) => items.push(value),
            Some(Frame::Map {
                entries,
                key,
                lines,
                key_line,
            }) => match key.take() {
                None => {
                    // A key: a scalar's text (a map or list as a key is not
                    // something a rules file has).
                    let k = match value {
                        Node::Text(s) => s,
                        _ => String::new(),
                    };
                    if let Some(at) = entries.iter().position(|(e, _)| *e == k) {
                        self.error.get_or_insert(format!(
                            "line {}: mapping key {k:?} already defined at line {}",
                            line + 1,
                            lines[at] + 1
                        ));
                    }
                    *key = Some(k);
                    *key_line = line;
                }
                Some(k) => {
                    entries.push((k, value));
                    lines.push(*key_line);
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line().saturating_sub(1);
        match ev {
            Event::Scalar(text, style, _, _) => {
                let value = if style == TScalarStyle::Plain {
                    plain(&text)
                } else {
                    Node::Text(text)
                };
                self.push_value(value, line);
            }
            Event::Alias(_) => self.push_value(Node::Null, line),
            Event::SequenceStart(..) => self.stack.push(Frame::List(Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                key: None,
                lines: Vec::new(),
                key_line: 0,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::List(items)) => Node::List(items),
                    Some(Frame::Map { entries, .. }) => Node::Map(entries),
                    None => return,
                };
                self.push_value(node, line);
            }
            _ => {}
        }
    }
}

/// Parses a rules file. An empty file (or only comments) is an empty map.
/// A top level that is not a map is an error, as it is to dive.
pub fn parse(text: &str) -> Result<Node, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    match builder.root {
        None | Some(Node::Null) => Ok(Node::Map(Vec::new())),
        Some(map @ Node::Map(_)) => Ok(map),
        Some(_) => Err("the top level is not a mapping of keys to values".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(yaml_value: &str) -> Node {
        let doc = parse(&format!("rules:\n  v: {yaml_value}\n")).unwrap();
        doc.get("rules").unwrap().get("v").cloned().unwrap()
    }

    fn text(s: &str) -> Node {
        Node::Text(s.into())
    }

    #[test]
    fn scalars_become_the_strings_dive_parses() {
        assert_eq!(value("0.95"), text("0.95"));
        assert_eq!(value("1e3"), text("1000"));
        assert_eq!(value("\"1e3\""), text("1e3"));
        assert_eq!(value("0x10"), text("16"));
        assert_eq!(value("017"), text("15"));
        assert_eq!(value("0o17"), text("15"));
        assert_eq!(value("1_000"), text("1000"));
        assert_eq!(value("+100"), text("100"));
        assert_eq!(value(".5"), text("0.5"));
        assert_eq!(value(".nan"), text("NaN"));
        assert_eq!(value(".inf"), text("+Inf"));
        assert_eq!(value("20MB"), text("20MB"));
        assert_eq!(value("disabled"), text("disabled"));
        assert_eq!(value("'0.99'"), text("0.99"));
        assert_eq!(value("~"), Node::Null);
        assert_eq!(value(""), Node::Null);
        assert_eq!(value("null"), Node::Null);
        assert_eq!(value("[1, 2]").as_string(), "");
        assert_eq!(value("18446744073709551616"), text("18446744073709552000"));
    }

    #[test]
    fn keys_are_case_insensitive_and_duplicates_are_errors() {
        let doc = parse("Rules:\n  LOWESTEFFICIENCY: 0.5\n").unwrap();
        assert_eq!(
            doc.get("rules").unwrap().get("lowestEfficiency"),
            Some(&text("0.5"))
        );
        let err = parse("rules:\n  a: 1\n  a: 2\n").unwrap_err();
        assert!(err.contains("already defined"), "{err}");
        assert!(parse("- a\n- b\n").is_err());
        assert!(parse("rules: [\n").is_err());
        assert_eq!(parse("").unwrap(), Node::Map(Vec::new()));
        assert_eq!(parse("# only a comment\n").unwrap(), Node::Map(Vec::new()));
        assert_eq!(parse("---\n").unwrap(), Node::Map(Vec::new()));
    }
}
