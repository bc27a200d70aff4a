//! A history entry's `created_by` read back as the Dockerfile instruction
//! that wrote it. Builders write it differently:
//!
//! - the classic builder (and buildah/podman, which copy its format):
//!   `/bin/sh -c #(nop)  ENV A=b` for metadata steps, `/bin/sh -c #(nop) COPY
//!   file:<sha256> in /app ` for COPY/ADD (the sources replaced by a checksum
//!   of what they held: `file:`, `dir:` or `multi:`), `/bin/sh -c make` for
//!   RUN, and `|2 A=x B=y /bin/sh -c make` for a RUN that had build ARGs in
//!   scope;
//! - BuildKit: the Dockerfile line itself (`WORKDIR /app`, `CMD ["x"]`), with
//!   ` # buildkit` after the layer-making ones (`RUN /bin/sh -c make #
//!   buildkit`, `RUN |1 X=1 /bin/sh -c make # buildkit`, `COPY . /app #
//!   buildkit`) and the comment `buildkit.dockerfile.v0`;
//! - kaniko: the Dockerfile line without the suffix (`RUN mkdir x`,
//!   `ADD README.md /somefile.txt`).
//!
//! Anything else (`bazel build ...`) is kept whole as an unknown step.
//! Parsing never fails: the text it cannot read is still shown.

use crate::archive::image::HistoryEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    From,
    Run,
    Copy,
    Add,
    Env,
    Arg,
    Workdir,
    Cmd,
    Entrypoint,
    Label,
    Expose,
    User,
    Volume,
    Shell,
    Stopsignal,
    Healthcheck,
    Onbuild,
    Maintainer,
    /// Not written by a Dockerfile builder we know (`bazel build ...`).
    Unknown,
}

impl Keyword {
    pub fn name(self) -> &'static str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Copy => "COPY",
            Keyword::Add => "ADD",
            Keyword::Env => "ENV",
            Keyword::Arg => "ARG",
            Keyword::Workdir => "WORKDIR",
            Keyword::Cmd => "CMD",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Label => "LABEL",
            Keyword::Expose => "EXPOSE",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Unknown => "",
        }
    }

    /// The keyword a word names, in any case (Dockerfile keywords are case-insensitive).
    pub fn parse(word: &str) -> Option<Keyword> {
        const ALL: [Keyword; 18] = [
            Keyword::From,
            Keyword::Run,
            Keyword::Copy,
            Keyword::Add,
            Keyword::Env,
            Keyword::Arg,
            Keyword::Workdir,
            Keyword::Cmd,
            Keyword::Entrypoint,
            Keyword::Label,
            Keyword::Expose,
            Keyword::User,
            Keyword::Volume,
            Keyword::Shell,
            Keyword::Stopsignal,
            Keyword::Healthcheck,
            Keyword::Onbuild,
            Keyword::Maintainer,
        ];
        ALL.into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(word))
    }

    pub fn is_copy(self) -> bool {
        matches!(self, Keyword::Copy | Keyword::Add)
    }
}

/// Which tool wrote the `created_by`, as far as its shape tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// `/bin/sh -c …` forms: the classic builder, buildah, podman.
    Classic,
    /// `… # buildkit` or the comment `buildkit.dockerfile.v0`.
    BuildKit,
    /// A bare Dockerfile line (kaniko, BuildKit's metadata steps without a comment).
    Plain,
    Unknown,
}

/// What a COPY or ADD copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySpec {
    /// The sources as written: paths of the build context (`.`, `package.json`),
    /// or for the classic builder the one checksum it recorded (`file:<hex>`,
    /// `dir:<hex>`, `multi:<hex>`), or URLs for ADD.
    pub sources: Vec<String>,
    pub dest: String,
    /// `file:`/`dir:`/`multi:` checksum of the classic builder, when written.
    pub checksum: Option<String>,
    /// `--from=<stage or image>`: copied from another stage, not the context.
    pub from: Option<String>,
    /// Other flags (`--chown=…`, `--chmod=…`, `--link`).
    pub flags: Vec<String>,
}

impl CopySpec {
    /// Whether the whole build context is copied (`COPY . /app`).
    pub fn copies_whole_context(&self) -> bool {
        self.from.is_none()
            && self
                .sources
                .iter()
                .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// The arguments as a Dockerfile line would have them: for RUN the
    /// command without its `/bin/sh -c` and build-ARG prefix; for classic
    /// COPY/ADD `file:<hex> in /app`. For an unknown step, the whole text.
    pub args: String,
    /// Whether the step made a filesystem layer (from `empty_layer`).
    pub made_layer: bool,
    /// `NAME=value` pairs of the `|N A=b` prefix: the build ARGs a RUN had in
    /// scope, which are part of its cache key.
    pub build_args: Vec<(String, String)>,
    /// Flags of a RUN (`--mount=…`, `--network=…`) as BuildKit records them.
    pub run_flags: Vec<String>,
    pub copy: Option<CopySpec>,
    pub writer: Writer,
    /// `created_by` exactly as written.
    pub raw: String,
}

impl Instruction {
    /// The step as a Dockerfile line (`RUN make`, `COPY file:ab12… in /app`).
    pub fn dockerfile_line(&self) -> String {
        match self.keyword {
            Keyword::Unknown => self.args.clone(),
            k if self.args.is_empty() => k.name().to_string(),
            Keyword::Run if !self.run_flags.is_empty() => {
                format!("RUN {} {}", self.run_flags.join(" "), self.args)
            }
            k => format!("{} {}", k.name(), self.args),
        }
    }

    /// The text a cache lookup compares for this step: the line with
    /// whitespace runs folded, so that re-typing it identically is a hit.
    pub fn key_text(&self) -> String {
        normalize(&self.dockerfile_line())
    }

    /// Whether this step uses build ARG `name`: it is in the RUN's `|N`
    /// prefix, or the text refers to `$name` / `${name}`.
    pub fn uses_arg(&self, name: &str) -> bool {
        if self.build_args.iter().any(|(n, _)| n == name) {
            return true;
        }
        if self.keyword == Keyword::Arg {
            return false;
        }
        refers_to(&self.args, name)
    }
}

/// Whitespace runs folded to one space, ends trimmed.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn refers_to(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find('$') {
        let at = i + pos + 1;
        let rest = &text[at..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        if let Some(after) = rest.strip_prefix(name) {
            let next = after.bytes().next();
            if !matches!(next, Some(b) if b.is_ascii_alphanumeric() || b == b'_') {
                return true;
            }
        }
        i = at;
        if i >= bytes.len() {
            break;
        }
    }
    false
}

/// Reads a history entry.
pub fn from_history(h: &HistoryEntry) -> Instruction {
    let mut ins = parse(h.created_by.as_deref().unwrap_or(""), h.empty_layer);
    if ins.writer == Writer::Plain
        && h.comment
            .as_deref()
            .is_some_and(|c| c.starts_with("buildkit.dockerfile"))
    {
        ins.writer = Writer::BuildKit;
    }
    ins
}

/// Reads one `created_by`. `empty_layer` is the history's flag.
pub fn parse(created_by: &str, empty_layer: bool) -> Instruction {
    let raw = created_by.to_string();
    let mut ins = Instruction {
        keyword: Keyword::Unknown,
        args: created_by.trim().to_string(),
        made_layer: !empty_layer,
        build_args: Vec::new(),
        run_flags: Vec::new(),
        copy: None,
        writer: Writer::Unknown,
        raw,
    };
    let text = created_by.trim();
    if text.is_empty() {
        return ins;
    }
    // BuildKit marks the steps that ran in a container or copied files.
    let (text, buildkit) = match text.strip_suffix("# buildkit") {
        Some(t) => (t.trim_end(), true),
        None => (text, false),
    };

    // Classic: `|N A=b … /bin/sh -c cmd` (RUN with build args).
    if let Some((args, rest)) = split_arg_prefix(text) {
        if let Some(cmd) = strip_shell(rest) {
            return classic_run(ins, args, cmd);
        }
    }
    // Classic: `/bin/sh -c #(nop) KEYWORD …` or `/bin/sh -c cmd`.
    if let Some(cmd) = strip_shell(text) {
        let cmd_trim = cmd.trim_start();
        if let Some(nop) = cmd_trim.strip_prefix("#(nop)") {
            let line = nop.trim();
            let (word, rest) = split_word(line);
            if let Some(k) = Keyword::parse(word) {
                ins.writer = Writer::Classic;
                fill(&mut ins, k, rest.trim(), true);
                return ins;
            }
            ins.writer = Writer::Classic;
            ins.args = line.to_string();
            return ins;
        }
        return classic_run(ins, Vec::new(), cmd);
    }

    // A Dockerfile line (BuildKit, kaniko).
    let (word, rest) = split_word(text);
    if let Some(k) = Keyword::parse(word).filter(|_| word.chars().all(|c| c.is_ascii_uppercase())) {
        ins.writer = if buildkit {
            Writer::BuildKit
        } else {
            Writer::Plain
        };
        fill(&mut ins, k, rest.trim(), false);
    } else if buildkit {
        ins.writer = Writer::BuildKit;
        ins.args = text.to_string();
    }
    ins
}

fn classic_run(mut ins: Instruction, args: Vec<(String, String)>, cmd: &str) -> Instruction {
    ins.keyword = Keyword::Run;
    ins.writer = Writer::Classic;
    ins.build_args = args;
    ins.args = cmd.trim().to_string();
    ins
}

fn fill(ins: &mut Instruction, k: Keyword, rest: &str, classic: bool) {
    ins.keyword = k;
    ins.args = rest.to_string();
    match k {
        Keyword::Run => {
            // BuildKit: `RUN [--mount=…] [|N A=b …] /bin/sh -c cmd`.
            let mut rest = rest;
            while rest.starts_with("--") {
                let (flag, r) = split_word(rest);
                ins.run_flags.push(flag.to_string());
                rest = r.trim_start();
            }
            let mut body = rest;
            if let Some((args, r)) = split_arg_prefix(rest) {
                ins.build_args = args;
                body = r;
            }
            ins.args = match strip_shell(body) {
                Some(cmd) => cmd.trim().to_string(),
                None => body.trim().to_string(),
            };
        }
        Keyword::Copy | Keyword::Add => ins.copy = Some(copy_spec(rest, classic)),
        _ => {}
    }
}

fn copy_spec(rest: &str, classic: bool) -> CopySpec {
    let mut spec = CopySpec {
        sources: Vec::new(),
        dest: String::new(),
        checksum: None,
        from: None,
        flags: Vec::new(),
    };
    let mut words: Vec<String> = Vec::new();
    let mut rest = rest.trim();
    while rest.starts_with("--") {
        let (flag, r) = split_word(rest);
        if let Some(from) = flag.strip_prefix("--from=") {
            spec.from = Some(from.to_string());
        } else {
            spec.flags.push(flag.to_string());
        }
        rest = r.trim_start();
    }
    if rest.starts_with('[') {
        // JSON form: COPY ["a b", "dest"].
        if let Ok(list) = serde_json::from_str::<Vec<String>>(rest) {
            words = list;
        }
    }
    if words.is_empty() {
        words = rest.split_whitespace().map(str::to_string).collect();
    }
    // Classic: `file:<hex> in /dest`.
    if classic && words.len() >= 3 && words[words.len() - 2] == "in" {
        let dest = words.pop().unwrap_or_default();
        words.pop();
        spec.dest = dest;
        let src = words.join(" ");
        if ["file:", "dir:", "multi:"]
            .iter()
            .any(|p| src.starts_with(p))
        {
            spec.checksum = Some(src.clone());
        }
        spec.sources = vec![src];
        return spec;
    }
    if let Some(dest) = words.pop() {
        spec.dest = dest;
    }
    spec.sources = words;
    spec
}

fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    }
}

/// `|2 A=x B=y rest` → the pairs and `rest`.
fn split_arg_prefix(text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let after = text.strip_prefix('|')?;
    let (count, mut rest) = split_word(after);
    let n: usize = count.parse().ok()?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let (pair, r) = split_word(rest);
        let (name, value) = pair.split_once('=')?;
        args.push((name.to_string(), value.to_string()));
        rest = r;
    }
    Some((args, rest.trim_start()))
}

/// `/bin/sh -c cmd` (or another shell set by SHELL: `/bin/bash -o pipefail -c cmd`) → `cmd`.
fn strip_shell(text: &str) -> Option<&str> {
    let (first, _) = split_word(text);
    let shell = first.rsplit('/').next().unwrap_or(first);
    if !matches!(shell, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let i = text
        .find(" -c ")
        .or_else(|| text.ends_with(" -c").then(|| text.len() - 3))?;
    // Only options between the shell and -c.
    let between = &text[first.len()..i];
    if between
        .split_whitespace()
        .any(|w| !w.starts_with('-') && !w.chars().all(|c| c.is_ascii_lowercase()))
    {
        return None;
    }
    Some(text.get(i + 4..).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real `created_by` strings from the corpus archives (see docs/cache.md).
    #[test]
    fn classic_add_records_a_checksum_and_the_destination() {
        // wagoodman-dive test-docker-image.tar, history[2].
        let i = parse("/bin/sh -c #(nop) ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt ", false);
        assert_eq!(i.keyword, Keyword::Add);
        assert_eq!(i.writer, Writer::Classic);
        let c = i.copy.as_ref().unwrap();
        assert_eq!(c.dest, "/somefile.txt");
        assert_eq!(
            c.checksum.as_deref(),
            Some("file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2")
        );
        assert!(i.made_layer);
        let d = parse("/bin/sh -c #(nop) ADD dir:7ec14b81 in /root/.data/ ", false);
        assert_eq!(d.copy.unwrap().checksum.as_deref(), Some("dir:7ec14b81"));
    }

    #[test]
    fn classic_metadata_and_run() {
        let cmd = parse("/bin/sh -c #(nop)  CMD [\"sh\"]", true);
        assert_eq!(
            (cmd.keyword, cmd.args.as_str(), cmd.made_layer),
            (Keyword::Cmd, "[\"sh\"]", false)
        );
        assert_eq!(cmd.dockerfile_line(), "CMD [\"sh\"]");
        let env = parse("/bin/sh -c #(nop)  ENV A=b", true);
        assert_eq!((env.keyword, env.args.as_str()), (Keyword::Env, "A=b"));
        let run = parse("/bin/sh -c mkdir -p /root/example/really/nested", false);
        assert_eq!(run.keyword, Keyword::Run);
        assert_eq!(
            run.dockerfile_line(),
            "RUN mkdir -p /root/example/really/nested"
        );
        // A RUN with build args in scope: the classic builder's `|N` prefix.
        let run = parse("|2 ARG1=x ARG2=y /bin/sh -c apt-get install -y curl", false);
        assert_eq!(run.keyword, Keyword::Run);
        assert_eq!(run.args, "apt-get install -y curl");
        assert_eq!(
            run.build_args,
            vec![("ARG1".into(), "x".into()), ("ARG2".into(), "y".into())]
        );
        assert!(run.uses_arg("ARG2") && !run.uses_arg("ARG3"));
        // SHELL ["/bin/bash", "-o", "pipefail", "-c"] changes the prefix.
        let bash = parse("/bin/bash -o pipefail -c curl x | sh", false);
        assert_eq!(
            (bash.keyword, bash.args.as_str()),
            (Keyword::Run, "curl x | sh")
        );
    }

    #[test]
    fn buildkit_forms() {
        // google-go-containerregistry hello-world-v25.tar.
        let c = parse("COPY hello / # buildkit", false);
        assert_eq!(c.writer, Writer::BuildKit);
        let spec = c.copy.unwrap();
        assert_eq!(
            (spec.sources, spec.dest),
            (vec!["hello".to_string()], "/".to_string())
        );
        let r = parse("RUN |1 X=1 /bin/sh -c make all # buildkit", false);
        assert_eq!(r.args, "make all");
        assert_eq!(r.build_args, vec![("X".into(), "1".into())]);
        assert_eq!(r.dockerfile_line(), "RUN make all");
        let m = parse(
            "RUN --mount=type=cache,target=/root/.cache /bin/sh -c pip install -r r.txt # buildkit",
            false,
        );
        assert_eq!(m.run_flags, vec!["--mount=type=cache,target=/root/.cache"]);
        assert_eq!(m.args, "pip install -r r.txt");
        let w = parse("WORKDIR /app", true);
        assert_eq!((w.keyword, w.args.as_str()), (Keyword::Workdir, "/app"));
        let a = parse("ARG arg=value", true);
        assert_eq!(a.keyword, Keyword::Arg);
        let all = parse("COPY --from=build --chown=1:1 . /app # buildkit", false);
        let spec = all.copy.unwrap();
        assert_eq!(spec.from.as_deref(), Some("build"));
        assert_eq!(spec.flags, vec!["--chown=1:1"]);
        assert!(!spec.copies_whole_context(), "--from copies from a stage");
        assert!(parse("COPY . /app # buildkit", false)
            .copy
            .unwrap()
            .copies_whole_context());
    }

    #[test]
    fn kaniko_and_unknown() {
        // wagoodman-dive test-kaniko-image.tar.
        let k = parse("ADD README.md /somefile.txt", false);
        assert_eq!((k.keyword, k.writer), (Keyword::Add, Writer::Plain));
        assert_eq!(k.copy.unwrap().dest, "/somefile.txt");
        let b = parse("bazel build ...", false);
        assert_eq!(b.keyword, Keyword::Unknown);
        assert_eq!(b.dockerfile_line(), "bazel build ...");
        // Lower case is not a Dockerfile line written by a builder.
        assert_eq!(parse("run this", false).keyword, Keyword::Unknown);
    }

    #[test]
    fn arg_references() {
        let e = parse("ENV V=${VERSION}", true);
        assert!(e.uses_arg("VERSION"));
        assert!(!e.uses_arg("VERS"));
        assert!(parse("LABEL v=$VERSION-x", true).uses_arg("VERSION"));
    }
}
