//! A pasted Dockerfile: its instructions (line continuations, comments,
//! parser directives, heredocs kept whole, stages), and their alignment with
//! the image's steps. Only the final stage built the image; its
//! instructions are matched with the steps after the base boundary, in order,
//! best match first (same keyword; same text, or for COPY/ADD the same
//! destination); what does not match is marked on either side.

use crate::build::cache::BuildStep;
use crate::build::instruction::{normalize, Keyword};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileInstruction {
    /// 1-based line where it starts, and where it ends.
    pub line: usize,
    pub end_line: usize,
    pub keyword: Keyword,
    /// The keyword as written (`run`, `RUN`, or an unknown word).
    pub word: String,
    /// Arguments, continuations joined with a space; a heredoc body follows on its own lines.
    pub args: String,
    /// 0-based stage (FROM … starts a new one).
    pub stage: usize,
}

impl DockerfileInstruction {
    pub fn text(&self) -> String {
        format!("{} {}", self.word.to_ascii_uppercase(), self.args)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// `FROM image AS name`: the image and the name.
    pub from: String,
    pub name: Option<String>,
    /// Index of its FROM in [`Dockerfile::instructions`].
    pub first: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    pub instructions: Vec<DockerfileInstruction>,
    pub stages: Vec<Stage>,
    /// `# syntax=…`, `# escape=…` at the top.
    pub directives: Vec<(String, String)>,
}

impl Dockerfile {
    /// The instructions of the stage that built the image (the last), FROM left out.
    pub fn final_stage(&self) -> Vec<usize> {
        let last = self.stages.len().saturating_sub(1);
        (0..self.instructions.len())
            .filter(|&i| {
                self.instructions[i].stage == last && self.instructions[i].keyword != Keyword::From
            })
            .collect()
    }
}

/// Reads a Dockerfile. Never fails: a line it cannot read is an instruction
/// with [`Keyword::Unknown`].
pub fn parse(text: &str) -> Dockerfile {
    let mut df = Dockerfile::default();
    let mut escape = '\\';
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    // Parser directives: `# key=value` lines at the very top.
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(d) = l.strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        let k = k.trim().to_ascii_lowercase();
        if k.contains(' ') || k.is_empty() {
            break;
        }
        if k == "escape" {
            escape = v.trim().chars().next().unwrap_or('\\');
        }
        df.directives.push((k, v.trim().to_string()));
        i += 1;
    }
    let mut stage: Option<usize> = None;
    while i < lines.len() {
        let start = i;
        let l = lines[i].trim();
        i += 1;
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        // Join continuations; comment lines inside are dropped (as Docker does).
        let mut joined = String::new();
        let mut cur = l.to_string();
        loop {
            let t = cur.trim_end();
            match t.strip_suffix(escape) {
                Some(body) => {
                    joined.push_str(body.trim_end());
                    joined.push(' ');
                    // Next non-comment line.
                    while i < lines.len() && lines[i].trim_start().starts_with('#') {
                        i += 1;
                    }
                    if i >= lines.len() {
                        break;
                    }
                    cur = lines[i].trim().to_string();
                    i += 1;
                }
                None => {
                    joined.push_str(t);
                    break;
                }
            }
        }
        // Heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`): the body up to the terminator belongs to this line.
        let mut heredoc_ends: Vec<String> = joined
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("<<"))
            .map(|w| {
                w.trim_start_matches('-')
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string()
            })
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect();
        while let Some(end) = heredoc_ends.first().cloned() {
            while i < lines.len() {
                let body = lines[i];
                i += 1;
                joined.push('\n');
                joined.push_str(body);
                if body.trim() == end {
                    break;
                }
            }
            heredoc_ends.remove(0);
        }
        let (word, args) = match joined.split_once(char::is_whitespace) {
            Some((w, a)) => (w.to_string(), a.trim().to_string()),
            None => (joined.clone(), String::new()),
        };
        let keyword = Keyword::parse(&word).unwrap_or(Keyword::Unknown);
        if keyword == Keyword::From {
            let words: Vec<&str> = args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            df.stages.push(Stage {
                from: words.first().unwrap_or(&"").to_string(),
                name,
                first: df.instructions.len(),
            });
            stage = Some(df.stages.len() - 1);
        }
        df.instructions.push(DockerfileInstruction {
            line: start + 1,
            end_line: i,
            keyword,
            word,
            args,
            stage: stage.unwrap_or(0),
        });
    }
    df
}

/// One row of the alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aligned {
    /// Instruction `instruction` made step `step`; `exact` when the text is the same.
    Both {
        instruction: usize,
        step: usize,
        exact: bool,
    },
    /// An instruction of the final stage with no step (a step of the base, or changed since).
    OnlyDockerfile(usize),
    /// A step with no instruction.
    OnlyImage(usize),
}

fn score(d: &DockerfileInstruction, s: &BuildStep) -> u32 {
    let ins = &s.instruction;
    if d.keyword == Keyword::Unknown || d.keyword != ins.keyword {
        return 0;
    }
    let args = normalize(&d.args);
    if d.keyword == Keyword::Run {
        // The Dockerfile has what the step ran, after flags.
        let body: String = args
            .split(' ')
            .skip_while(|w| w.starts_with("--"))
            .collect::<Vec<_>>()
            .join(" ");
        if body == normalize(&ins.args) {
            return 4;
        }
        return 1;
    }
    if normalize(&ins.args) == args {
        return 4;
    }
    if let Some(c) = &ins.copy {
        let dest = args.split(' ').next_back().unwrap_or("");
        if dest.trim_end_matches('/') == c.dest.trim_end_matches('/') {
            return 3;
        }
    }
    1
}

/// Aligns the final stage of `df` with `steps[base_end..]`: the order-keeping
/// match of greatest total score (same text 4, COPY/ADD to the same place 3,
/// same keyword 1), rows in order.
pub fn align(df: &Dockerfile, steps: &[BuildStep], base_end: usize) -> Vec<Aligned> {
    let ins = df.final_stage();
    let own: Vec<usize> = (base_end.min(steps.len())..steps.len()).collect();
    let (n, m) = (ins.len(), own.len());
    let mut best = vec![vec![0u32; m + 1]; n + 1];
    for a in (0..n).rev() {
        for b in (0..m).rev() {
            let s = score(&df.instructions[ins[a]], &steps[own[b]]);
            let take = if s > 0 { s + best[a + 1][b + 1] } else { 0 };
            best[a][b] = take.max(best[a + 1][b]).max(best[a][b + 1]);
        }
    }
    let mut rows = Vec::new();
    let (mut a, mut b) = (0, 0);
    while a < n && b < m {
        let s = score(&df.instructions[ins[a]], &steps[own[b]]);
        if s > 0 && best[a][b] == s + best[a + 1][b + 1] {
            rows.push(Aligned::Both {
                instruction: ins[a],
                step: own[b],
                exact: s == 4,
            });
            a += 1;
            b += 1;
        } else if best[a][b] == best[a + 1][b] {
            rows.push(Aligned::OnlyDockerfile(ins[a]));
            a += 1;
        } else {
            rows.push(Aligned::OnlyImage(own[b]));
            b += 1;
        }
    }
    rows.extend(ins[a..].iter().map(|&i| Aligned::OnlyDockerfile(i)));
    rows.extend(own[b..].iter().map(|&s| Aligned::OnlyImage(s)));
    rows
}

/// The steps an edited Dockerfile changes: for each aligned instruction
/// whose text in `edited` (same position in the final stage) differs from
/// `original`, the step and its new text. Feed them to
/// [`crate::build::cache::Change::EditStep`]; the earliest is the one that matters.
pub fn edited_steps(
    original: &Dockerfile,
    edited: &Dockerfile,
    rows: &[Aligned],
) -> Vec<(usize, String)> {
    let before = original.final_stage();
    let after = edited.final_stage();
    let mut out = Vec::new();
    for row in rows {
        if let Aligned::Both {
            instruction, step, ..
        } = *row
        {
            let Some(pos) = before.iter().position(|&i| i == instruction) else {
                continue;
            };
            let Some(&new) = after.get(pos) else { continue };
            let (o, e) = (
                &original.instructions[instruction],
                &edited.instructions[new],
            );
            if normalize(&o.text()) != normalize(&e.text()) {
                out.push((step, e.text()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DF: &str = "# syntax=docker/dockerfile:1\n# escape=\\\nFROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\n\nFROM alpine:3.19\n# a comment\nRUN apk add --no-cache \\\n    # inside\n    ca-certificates\nCOPY --from=build /app /app\nRUN <<EOF\necho one\necho two\nEOF\nCMD [\"/app\"]\n";

    #[test]
    fn parses_directives_continuations_heredocs_and_stages() {
        let df = parse(DF);
        assert_eq!(
            df.directives,
            vec![
                ("syntax".to_string(), "docker/dockerfile:1".to_string()),
                ("escape".to_string(), "\\".to_string())
            ]
        );
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].name.as_deref(), Some("build"));
        assert_eq!(df.stages[1].from, "alpine:3.19");
        let last: Vec<String> = df
            .final_stage()
            .iter()
            .map(|&i| df.instructions[i].text())
            .collect();
        assert_eq!(last[0], "RUN apk add --no-cache ca-certificates");
        assert_eq!(last[1], "COPY --from=build /app /app");
        assert!(last[2].starts_with("RUN <<EOF\necho one"));
        assert_eq!(
            last[3], "CMD [\"/app\"]",
            "the heredoc body is not read as instructions"
        );
        let apk = &df.instructions[df.final_stage()[0]];
        assert_eq!((apk.line, apk.end_line), (10, 12));
    }
}
