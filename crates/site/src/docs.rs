//! `docs/*.md` → `docs/*.html`: the same files people read on GitHub, served
//! beside the page so it can link to them, offline too.
//!
//! Rules (one place each):
//! - `README.md` is the index: it becomes `index.html`, and its links to
//!   other docs, in order, are every page's side navigation. A doc it does
//!   not link is an error (nothing unreachable ships).
//! - A link to `x.md` or `x.md#part` becomes `x.html…`; its target and its
//!   heading must exist. A link leaving `docs/` (`../crates/…`) keeps its
//!   text and loses its link: the site holds only the docs. `http(s):` and
//!   `mailto:` links stay as written (a person may follow them; nothing is
//!   fetched). A link to the page itself, `../` or `../#sample=demo&…` (a
//!   place in it, src/route.rs), stays too: the docs sit in the page's
//!   `docs/` folder. (On GitHub it leads to the repository's top.)
//! - Headings get GitHub's ids (lowercase, punctuation dropped, spaces to
//!   `-`, `-1`, `-2` for repeats), so the same `#part` works on both.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// One Markdown file, rendered.
struct Page {
    /// `cache.md`
    source: String,
    title: String,
    body: String,
    ids: HashSet<String>,
    /// Links to other docs: (target source name, fragment).
    links: Vec<(String, Option<String>)>,
}

/// Renders every doc of `docs` into `out`, with the page's `palette`
/// (CSS, see [`palette`]); returns how many pages.
pub fn render(docs: &Path, out: &Path, palette: &str) -> Result<usize, String> {
    let mut pages = BTreeMap::new();
    let mut others = Vec::new();
    for file in files(docs)? {
        let rel = file.strip_prefix(docs).expect("under docs").to_path_buf();
        let name = rel.to_string_lossy().replace('\\', "/");
        if !name.contains('/') && name.ends_with(".md") {
            let text = crate::read(&file)?;
            pages.insert(name.clone(), page(&name, &text, docs)?);
        } else {
            others.push(rel);
        }
    }
    let index = pages
        .get("README.md")
        .ok_or_else(|| format!("{}: no README.md (the docs' index)", docs.display()))?;
    let mut problems = Vec::new();
    let mut nav = Vec::new();
    for (target, _) in &index.links {
        if target != "README.md" && !nav.contains(target) {
            nav.push(target.clone());
        }
    }
    for name in pages.keys() {
        if name != "README.md" && !nav.contains(name) {
            problems.push(format!("docs/{name}: not linked from docs/README.md (the index every page's navigation comes from)"));
        }
    }
    for page in pages.values() {
        for (target, fragment) in &page.links {
            match pages.get(target) {
                None => problems.push(format!(
                    "docs/{}: link to {target}: no such doc",
                    page.source
                )),
                Some(to) => {
                    if let Some(f) = fragment {
                        if !to.ids.contains(f) {
                            problems.push(format!("docs/{}: link to {target}#{f}: {target} has no heading with that id", page.source));
                        }
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    for page in pages.values() {
        let html = template(page, &nav, &pages);
        crate::write(&out.join(html_name(&page.source)), html.as_bytes())?;
    }
    for rel in others {
        let bytes =
            std::fs::read(docs.join(&rel)).map_err(|e| format!("docs/{}: {e}", rel.display()))?;
        crate::write(&out.join(&rel), &bytes)?;
    }
    crate::write(
        &out.join("docs.css"),
        format!("{palette}\n{STYLE}").as_bytes(),
    )?;
    crate::write(&out.join("docs.js"), SCRIPT.as_bytes())?;
    Ok(pages.len())
}

/// Every file under `dir`, sorted, hidden ones left out.
pub(crate) fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", d.display()))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn html_name(source: &str) -> String {
    if source == "README.md" {
        "index.html".to_string()
    } else {
        format!("{}.html", source.trim_end_matches(".md"))
    }
}

/// Where a relative link from a doc goes.
enum Target {
    /// Another doc (its source name) and a fragment.
    Doc(String, Option<String>),
    /// A heading of the same page.
    Here(String),
    /// A file under docs/ that is not a doc (a schema): kept as written.
    File,
    /// Out of docs/ or the site: the link is dropped, its text kept.
    Outside,
    /// A URL with a scheme: kept as written, not checked.
    External,
    /// The page (`../`, `../#sample=…`): kept as written.
    App,
}

fn target(dest: &str, docs: &Path) -> Result<Target, String> {
    if dest.contains("://") || dest.starts_with("mailto:") {
        return Ok(Target::External);
    }
    if dest == "../" || dest.starts_with("../#") {
        return Ok(Target::App);
    }
    if let Some(fragment) = dest.strip_prefix('#') {
        return Ok(Target::Here(fragment.to_string()));
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (dest, None),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Ok(Target::Outside);
                }
            }
            _ => return Ok(Target::Outside),
        }
    }
    let rel = parts.join("/");
    if parts.len() == 1 && rel.ends_with(".md") {
        return Ok(Target::Doc(rel, fragment));
    }
    if docs.join(&rel).is_file() {
        Ok(Target::File)
    } else {
        Err(format!("link to {dest}: no such file under docs/"))
    }
}

fn page(source: &str, text: &str, docs: &Path) -> Result<Page, String> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event> = Parser::new_ext(text, options).collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut ids = HashSet::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut links = Vec::new();
    let mut title = None;
    // Per open link: whether it was dropped (its end must go too).
    let mut open_links: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => {
                let end = events[i..]
                    .iter()
                    .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                    .map(|n| i + n)
                    .unwrap_or(events.len());
                let words = plain_text(&events[i + 1..end]);
                if *level == HeadingLevel::H1 && title.is_none() {
                    title = Some(words.clone());
                }
                let base = slug(&words);
                let n = seen.entry(base.clone()).or_insert(0);
                let id = if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                };
                *n += 1;
                ids.insert(id.clone());
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(id)),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = dest_url.to_string();
                let kept = match target(&dest, docs).map_err(|e| format!("docs/{source}: {e}"))? {
                    Target::Doc(to, fragment) => {
                        let url = match &fragment {
                            Some(f) => format!("{}#{f}", html_name(&to)),
                            None => html_name(&to),
                        };
                        links.push((to, fragment));
                        Some(url)
                    }
                    Target::Here(fragment) => {
                        links.push((source.to_string(), Some(fragment)));
                        Some(dest)
                    }
                    Target::File | Target::External | Target::App => Some(dest),
                    Target::Outside => None,
                };
                open_links.push(kept.is_some());
                if let Some(url) = kept {
                    out.push(Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url: CowStr::from(url),
                        title: title.clone(),
                        id: id.clone(),
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if open_links.pop().unwrap_or(true) {
                    out.push(events[i].clone());
                }
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    let title = title.ok_or_else(|| format!("docs/{source}: no `# Title` heading"))?;
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    // A table column's alignment is an inline style attribute, which the
    // docs' Content Security Policy (no inline style) refuses: a class
    // instead. (Text in cells is escaped, so only the writer's own
    // attribute can match.)
    let body = ["left", "center", "right"].iter().fold(html, |html, a| {
        html.replace(
            &format!(" style=\"text-align: {a}\""),
            &format!(" class=\"{a}\""),
        )
    });
    Ok(Page {
        source: source.to_string(),
        title,
        body,
        ids,
        links,
    })
}

/// The text a heading shows (code spans included, markup left out).
fn plain_text(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

/// GitHub's heading id: lowercase, letters, digits, `-` and `_` kept,
/// spaces to `-`, everything else dropped.
pub fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            c => s.push(c),
        }
    }
    s
}

fn template(page: &Page, nav: &[String], pages: &BTreeMap<String, Page>) -> String {
    let mut items = String::new();
    let current = |name: &str| {
        if name == page.source {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    items.push_str(&format!(
        "<li><a href=\"index.html\"{}>Contents</a></li>\n",
        current("README.md")
    ));
    for name in nav {
        let title = pages.get(name).map(|p| p.title.as_str()).unwrap_or(name);
        items.push_str(&format!(
            "<li><a href=\"{}\"{}>{}</a></li>\n",
            html_name(name),
            current(name),
            escape(title)
        ));
    }
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>{title} · layerscope</title>
<link rel="icon" href="../icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="docs.css">
<script src="docs.js" defer></script>
</head>
<body>
<a class="skip" href="#doc">Skip to the text</a>
<header class="docs-top"><a class="brand" href="../" data-testid="docs-app-link">layerscope</a> <span class="muted">documentation</span> <button type="button" id="present-toggle" class="present-toggle" aria-pressed="false" title="Larger type for projectors (the page's switch too)" hidden>Presentation mode</button> <a class="open-app" href="../">Open the app</a></header>
<div class="docs-layout">
<nav class="docs-nav" aria-label="Documentation">
<ul>
{items}</ul>
</nav>
<main class="doc" id="doc" data-doc="{source}">
{body}</main>
</div>
</body>
</html>
"##,
        title = escape(&page.title),
        source = escape(&page.source),
        body = page.body,
    )
}

/// The page's colours, one place (`www/style.css`): its first `:root`
/// rule and the theme switch's two rules after it, as written.
pub fn palette(page_css: &str) -> Result<String, String> {
    let start = page_css
        .find(":root {")
        .ok_or("www/style.css: no `:root {` rule (the palette)")?;
    let mut end = start;
    for _ in 0..3 {
        end += page_css[end..]
            .find("\n}\n")
            .ok_or("www/style.css: the palette's rules do not end")?
            + 3;
    }
    let rules = &page_css[start..end];
    if !rules.contains(":root[data-theme=\"light\"]")
        || !rules.contains(":root[data-theme=\"dark\"]")
    {
        return Err("www/style.css: the palette is not followed by the data-theme rules".into());
    }
    Ok(rules.to_string())
}

/// The docs' own stylesheet (after the palette): system fonts, nothing fetched.
const STYLE: &str = include_str!("docs.css");
/// Its one script: the theme and presentation mode the page set.
const SCRIPT: &str = include_str!("docs.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_is_the_pages() {
        let css =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/style.css"))
                .unwrap();
        let p = palette(&css).unwrap();
        assert!(
            p.starts_with(":root {")
                && p.contains("--accent:")
                && p.ends_with("color-scheme: dark;\n}\n"),
            "{p}"
        );
        assert!(palette("body {}").is_err());
    }

    #[test]
    fn slugs_are_githubs() {
        assert_eq!(
            slug("The JSON report (version 2)"),
            "the-json-report-version-2"
        );
        assert_eq!(slug("`inspect`: what it prints"), "inspect-what-it-prints");
        assert_eq!(slug("Waste vs. dive's"), "waste-vs-dives");
        assert_eq!(slug("a_b-c"), "a_b-c");
    }

    fn site(files: &[(&str, &str)]) -> (crate::TempDir, Result<usize, String>) {
        let dir = crate::TempDir::new();
        for (name, text) in files {
            crate::write(&dir.path().join("docs").join(name), text.as_bytes()).unwrap();
        }
        let result = render(
            &dir.path().join("docs"),
            &dir.path().join("out"),
            ":root { --fg: red; }",
        );
        (dir, result)
    }

    #[test]
    fn renders_links_ids_and_navigation() {
        let (dir, result) = site(&[
            ("README.md", "# Docs\n\n- [Cache rules](cache.md)\n- [Report](report.md#top-level)\n"),
            ("cache.md", "# Cache\n\nSee [the report](report.md#top-level), [the code](../crates/core/src/lib.rs) and [the schema](schema/r.json).\n\n[Try it](../#sample=demo&layer=2).\n\n## Again\n\n## Again\n"),
            ("report.md", "# The report\n\n## Top level\n\n| a | b |\n|---|---:|\n| 1 | 2 |\n"),
            ("schema/r.json", "{}"),
        ]);
        assert_eq!(result, Ok(3));
        let cache = std::fs::read_to_string(dir.path().join("out/cache.html")).unwrap();
        assert!(
            cache.contains(r#"<a href="report.html#top-level">the report</a>"#),
            "{cache}"
        );
        assert!(
            cache.contains(", the code and "),
            "a link out of docs/ keeps only its text: {cache}"
        );
        assert!(cache.contains(r#"<a href="schema/r.json">"#));
        assert!(
            cache.contains(r#"<a href="../#sample=demo&amp;layer=2">Try it</a>"#),
            "a place in the page: {cache}"
        );
        assert!(
            cache.contains(r#"<h2 id="again">Again</h2>"#)
                && cache.contains(r#"<h2 id="again-1">Again</h2>"#)
        );
        assert!(
            cache.contains(r#"<a href="cache.html" aria-current="page">Cache</a>"#),
            "navigation: {cache}"
        );
        assert!(cache.contains("<title>Cache · layerscope</title>"));
        let report = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
        assert!(report.contains("<table>"));
        assert!(
            report.contains(r#"<th class="right">b</th>"#),
            "alignment as a class, not a style: {report}"
        );
        assert!(!report.contains("style="));
        assert!(dir.path().join("out/index.html").is_file());
        assert!(dir.path().join("out/schema/r.json").is_file());
        assert!(std::fs::read_to_string(dir.path().join("out/docs.css"))
            .unwrap()
            .starts_with(":root { --fg: red; }\n"));
        assert!(dir.path().join("out/docs.js").is_file());
    }

    #[test]
    fn broken_links_and_unlisted_docs_fail_the_build() {
        let (_d, result) = site(&[
            ("README.md", "# Docs\n\n[Cache](cache.md)\n"),
            (
                "cache.md",
                "# Cache\n\n[gone](gone.md), [no part](README.md#nope), [here](#cache)\n",
            ),
            ("extra.md", "# Extra\n"),
        ]);
        let err = result.unwrap_err();
        assert!(
            err.contains("docs/cache.md: link to gone.md: no such doc"),
            "{err}"
        );
        assert!(
            err.contains("docs/cache.md: link to README.md#nope"),
            "{err}"
        );
        assert!(
            err.contains("docs/extra.md: not linked from docs/README.md"),
            "{err}"
        );
        assert!(
            !err.contains("#cache"),
            "a heading of the same page resolves: {err}"
        );
        let (_d, result) = site(&[("README.md", "# Docs\n\n[x](schema/missing.json)\n")]);
        assert!(result
            .unwrap_err()
            .contains("docs/README.md: link to schema/missing.json: no such file under docs/"));
        let (_d, result) = site(&[("README.md", "no title\n")]);
        assert!(result
            .unwrap_err()
            .contains("docs/README.md: no `# Title` heading"));
    }
}
