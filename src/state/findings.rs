//! The findings pane: what the engine's reviewer flags in the open image
//! (the `findings` of `layerscope inspect --json`, asked for once the image
//! is open), and which severities the person chose to see. The choice is a
//! preference: it stays when another image is opened.

use std::rc::Rc;

use layerscope_protocol::{FindingRow, Severity};

/// Paths a finding shows before "and N more".
pub const SHOWN_PATHS: usize = 3;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FindingsPane {
    /// `None` until the worker answers.
    pub rows: Option<Rc<Vec<FindingRow>>>,
    /// The severities unchecked in the filter.
    pub hidden: Vec<Severity>,
}

impl FindingsPane {
    pub fn shows(&self, severity: Severity) -> bool {
        !self.hidden.contains(&severity)
    }

    pub(super) fn set_shown(&mut self, severity: Severity, shown: bool) {
        self.hidden.retain(|s| *s != severity);
        if !shown {
            self.hidden.push(severity);
            self.hidden.sort();
        }
    }

    /// The worker's answer about the open image.
    pub(super) fn answered(&mut self, rows: Vec<FindingRow>) {
        self.rows = Some(Rc::new(rows));
    }

    /// Another image (or none): its findings are asked for again.
    pub(super) fn reset(&mut self) {
        self.rows = None;
    }

    /// The findings of the severities shown, in the engine's order.
    pub fn shown(&self) -> Vec<&FindingRow> {
        self.rows
            .iter()
            .flat_map(|rows| rows.iter())
            .filter(|r| self.shows(r.severity))
            .collect()
    }

    /// How many findings the image has of `severity`, shown or not.
    pub fn count(&self, severity: Severity) -> usize {
        self.rows.as_ref().map_or(0, |rows| {
            rows.iter().filter(|r| r.severity == severity).count()
        })
    }
}

/// The paths a finding shows, and how many more it involves.
pub fn paths(row: &FindingRow) -> (&[String], usize) {
    let shown = row.paths.len().min(SHOWN_PATHS);
    (
        &row.paths[..shown],
        row.paths.len() - shown + row.more_paths,
    )
}

/// A severity in words: `High`, `Medium`, `Low`, `Info`.
pub fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// A severity's shape, shown beside its word and colour (never colour alone).
pub fn symbol(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "\u{25B2}",   // ▲
        Severity::Medium => "\u{25C6}", // ◆
        Severity::Low => "\u{25CF}",    // ●
        Severity::Info => "\u{25CB}",   // ○
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, severity: Severity, paths: usize, more: usize) -> FindingRow {
        FindingRow {
            id: id.into(),
            severity,
            title: format!("{id} title"),
            layer: Some(1),
            paths: (0..paths).map(|i| format!("/p{i}")).collect(),
            more_paths: more,
            bytes: 10,
            fix: "fix it".into(),
        }
    }

    #[test]
    fn the_filter_hides_the_severities_unchecked_and_keeps_the_order() {
        let mut pane = FindingsPane::default();
        assert!(pane.shown().is_empty());
        pane.answered(vec![
            row("runs-as-root", Severity::Medium, 0, 0),
            row("package-cache", Severity::Low, 1, 0),
            row("deleted-files", Severity::Low, 2, 0),
        ]);
        let ids = |p: &FindingsPane| p.shown().iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&pane),
            ["runs-as-root", "package-cache", "deleted-files"]
        );
        assert_eq!(pane.count(Severity::Low), 2);
        pane.set_shown(Severity::Low, false);
        assert_eq!(ids(&pane), ["runs-as-root"]);
        assert_eq!(pane.count(Severity::Low), 2, "counted, shown or not");
        pane.set_shown(Severity::Low, false);
        assert_eq!(pane.hidden, [Severity::Low]);
        pane.set_shown(Severity::Medium, false);
        assert!(pane.shown().is_empty());
        pane.set_shown(Severity::Low, true);
        assert_eq!(ids(&pane), ["package-cache", "deleted-files"]);
        // Another image: the answer goes, the choice stays.
        pane.reset();
        assert_eq!(pane.rows, None);
        assert!(!pane.shows(Severity::Medium));
    }

    #[test]
    fn a_finding_shows_its_first_paths_and_counts_the_rest() {
        let none = row("runs-as-root", Severity::Medium, 0, 0);
        assert_eq!(paths(&none), (&[][..], 0));
        let two = row("deleted-files", Severity::Low, 2, 0);
        assert_eq!(paths(&two).0, ["/p0", "/p1"]);
        assert_eq!(paths(&two).1, 0);
        // 20 listed by the engine and 7 more: 3 shown, 24 more.
        let many = row("world-writable", Severity::Low, 20, 7);
        assert_eq!(paths(&many).0, ["/p0", "/p1", "/p2"]);
        assert_eq!(paths(&many).1, 24);
    }

    #[test]
    fn each_severity_has_its_own_word_and_shape() {
        let words: Vec<_> = Severity::ALL.iter().map(|s| label(*s)).collect();
        assert_eq!(words, ["High", "Medium", "Low", "Info"]);
        let mut shapes: Vec<_> = Severity::ALL.iter().map(|s| symbol(*s)).collect();
        shapes.sort();
        shapes.dedup();
        assert_eq!(shapes.len(), 4);
    }
}

#[cfg(test)]
mod reducer {
    use super::*;
    use crate::selection::Selection;
    use crate::state::{Action, State};
    use layerscope_protocol::{Response, Step, Summary, View};

    fn open(s: &mut State, gen: u64) {
        crate::state::testing::open(s, gen, &[Some(0), None, Some(1), Some(2)]);
    }

    fn answer(gen: u64, rows: Vec<FindingRow>) -> Action {
        crate::state::testing::answer(gen, Response::Findings { findings: rows })
    }

    #[test]
    fn findings_belong_to_the_image_they_were_asked_about() {
        let mut s = State::default();
        open(&mut s, 1);
        assert_eq!(s.findings.rows, None);
        let first = FindingRow {
            id: "deleted-files".into(),
            severity: Severity::Low,
            title: "layer 1 holds 12 B in 1 file that a later layer deletes".into(),
            layer: Some(1),
            paths: vec!["/tmp/x".into()],
            more_paths: 0,
            bytes: 12,
            fix: "delete it in the same RUN".into(),
        };
        s.apply(answer(1, vec![first.clone()]));
        assert_eq!(s.findings.rows.as_deref(), Some(&vec![first.clone()]));
        s.apply(Action::ShowSeverity(Severity::Low, false));
        // The next image: the old worker's late answer is dropped, the filter stays.
        open(&mut s, 2);
        assert_eq!(s.findings.rows, None);
        s.apply(answer(1, vec![first]));
        assert_eq!(s.findings.rows, None);
        s.apply(answer(2, vec![]));
        assert_eq!(s.findings.rows.as_deref(), Some(&vec![]));
        assert!(!s.findings.shows(Severity::Low));
    }

    #[test]
    fn a_findings_path_selects_its_layer_and_tells_the_paths_story() {
        let mut s = State::default();
        open(&mut s, 1);
        // What the panel dispatches for /tmp/x in layer 1 (step 2).
        let step = crate::selection::step_of_layer(&s.summary.as_ref().unwrap().steps, 1);
        assert_eq!(step, Some(2));
        s.apply(Action::SelectStep {
            index: 2,
            extend: false,
        });
        s.apply(Action::SelectPath("/tmp/x".into()));
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.view(), Some(View::Union { layer: 1 }));
        assert_eq!(s.selected_path(), Some("/tmp/x"));
        assert_eq!(s.story.as_ref().map(|st| st.story.is_none()), Some(true));
    }
}
