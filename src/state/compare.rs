//! The comparison pane: the open image (A) against another file (B) the
//! person chose ("Compare with…"), read by the same worker. The open image
//! stays open; a B that cannot be read says why here.

use std::rc::Rc;

use layerscope_protocol::{ComparisonView, View};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComparePane {
    /// B's name while the worker reads it.
    pub running: Option<String>,
    pub view: Option<Rc<ComparisonView>>,
    /// Why the last comparison could not be made.
    pub error: Option<String>,
    /// The comparison's JSON was asked for and has not come yet.
    pub exporting: bool,
    /// The layers whose filesystems are compared, as last asked (None: the
    /// last layer); the answer follows.
    pub layers: (Option<usize>, Option<usize>),
}

impl ComparePane {
    pub(super) fn started(&mut self, name: String) {
        *self = ComparePane {
            running: Some(name),
            ..ComparePane::default()
        };
    }

    pub(super) fn answered(&mut self, view: ComparisonView) {
        self.running = None;
        self.error = None;
        self.view = Some(Rc::new(view));
    }

    /// The tree's view of the comparison, once there is one.
    pub fn tree_view(&self) -> Option<View> {
        self.view.as_ref().map(|v| View::Compare {
            revision: v.revision,
        })
    }

    /// A request failed: if it was the comparison, say so here.
    pub(super) fn failed(&mut self, message: &str) {
        self.exporting = false;
        if self.running.take().is_some() {
            self.error = Some(message.to_string());
        }
    }
}
