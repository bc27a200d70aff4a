//! The report downloads beside Export JSON (the Markdown report, the CSVs
//! of the layer selected) and the CI panel's: which the selection means,
//! which were asked for and not answered yet, and the last file the worker
//! made, numbered so the page offers each once (`views::reports`).

use std::rc::Rc;

use layerscope_protocol::{ReportFile, ReportKind, Step};

use crate::selection::{layer_at, layers_in, Selection};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportsPane {
    /// Asked for and not answered yet, oldest first (answers come in order).
    pub pending: Vec<ReportKind>,
    /// The last file that came, and its number.
    pub ready: Option<(u64, Rc<ReportFile>)>,
    /// How many files have come (never goes back, so a number is never reused).
    received: u64,
}

impl ReportsPane {
    pub(super) fn started(&mut self, kind: ReportKind) {
        self.pending.push(kind);
    }

    pub(super) fn answered(&mut self, file: ReportFile) {
        if let Some(at) = self.pending.iter().position(|k| *k == file.kind) {
            self.pending.remove(at);
        }
        self.received += 1;
        self.ready = Some((self.received, Rc::new(file)));
    }

    /// A request failed (the worker says why in the notice): nothing is coming.
    pub(super) fn failed(&mut self) {
        self.pending.clear();
    }

    /// Another image (or none).
    pub(super) fn reset(&mut self) {
        self.pending.clear();
        self.ready = None;
    }

    /// Whether a file of this kind is being made.
    pub fn is_pending(&self, kind: &ReportKind) -> bool {
        self.pending.contains(kind)
    }
}

/// The CSVs the selection means, as `layerscope ls` takes them: the
/// filesystem after the layer the tree shows (`--layer N --csv`), and the
/// changes of the layers selected (`--from M --layer N --changes --csv`).
/// `None` where only metadata steps are selected.
pub fn csv_kinds(steps: &[Step], selection: Selection) -> (Option<ReportKind>, Option<ReportKind>) {
    let (lo, hi) = selection.bounds();
    let paths = layer_at(steps, hi).map(|layer| ReportKind::PathsCsv { layer });
    let changes =
        layers_in(steps, lo, hi).map(|(from, layer)| ReportKind::ChangesCsv { from, layer });
    (paths, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::state::testing::steps;

    #[test]
    fn the_csvs_follow_the_selection() {
        // L0, empty, L1, L2, empty
        let st = steps(&[Some(0), None, Some(1), Some(2), None]);
        assert_eq!(
            csv_kinds(&st, Selection::single(3)),
            (
                Some(ReportKind::PathsCsv { layer: 2 }),
                Some(ReportKind::ChangesCsv { from: 2, layer: 2 })
            )
        );
        // A range: the tree shows its changes; the files are after its top.
        let range = Selection {
            anchor: 3,
            focus: 1,
        };
        assert_eq!(
            csv_kinds(&st, range),
            (
                Some(ReportKind::PathsCsv { layer: 2 }),
                Some(ReportKind::ChangesCsv { from: 1, layer: 2 })
            )
        );
        // An empty step: the files are those of the layer before; it changed none.
        assert_eq!(
            csv_kinds(&st, Selection::single(4)),
            (Some(ReportKind::PathsCsv { layer: 2 }), None)
        );
        assert_eq!(
            csv_kinds(&steps(&[None, Some(0)]), Selection::single(0)),
            (None, None)
        );
    }

    #[test]
    fn each_file_is_offered_once_and_pending_ends_with_its_answer() {
        let mut pane = ReportsPane::default();
        pane.started(ReportKind::Markdown);
        pane.started(ReportKind::PathsCsv { layer: 1 });
        assert!(pane.is_pending(&ReportKind::Markdown));
        let file = |kind: ReportKind| ReportFile {
            kind,
            file_name: "app.layerscope.md".into(),
            mime: "text/markdown".into(),
            text: "## x\n".into(),
        };
        pane.answered(file(ReportKind::Markdown));
        assert!(!pane.is_pending(&ReportKind::Markdown));
        assert!(pane.is_pending(&ReportKind::PathsCsv { layer: 1 }));
        assert_eq!(pane.ready.as_ref().map(|(n, _)| *n), Some(1));
        pane.answered(file(ReportKind::Markdown));
        assert_eq!(
            pane.ready.as_ref().map(|(n, _)| *n),
            Some(2),
            "the same file again is a new download"
        );
        pane.failed();
        assert!(pane.pending.is_empty());
        pane.reset();
        assert_eq!(pane.ready, None);
        pane.answered(file(ReportKind::Markdown));
        assert_eq!(
            pane.ready.as_ref().map(|(n, _)| *n),
            Some(3),
            "numbers are never reused"
        );
    }
}
