//! The treemap pane: which map (the files after the selected layer, or the
//! waste), the directory zoomed into, and the worker's last answer. What to
//! ask for is state (`query`); an answer to an older query is dropped.

use std::rc::Rc;

use layerscope_protocol::treemap::{Treemap, TreemapMode, TreemapQuery};

/// The drawing's width over its height (the CSS gives the box this ratio).
pub const ASPECT: f64 = 1.6;

#[derive(Debug, Clone, PartialEq)]
pub struct TreemapPane {
    pub mode: TreemapMode,
    /// The directory shown (absolute).
    pub root: String,
    /// The last query sent; answers to others are stale.
    pub asked: u64,
    pub answer: Option<Rc<Treemap>>,
    /// Why the last query failed (a directory gone after another layer).
    pub error: Option<String>,
}

impl Default for TreemapPane {
    fn default() -> Self {
        TreemapPane {
            mode: TreemapMode::Files,
            root: "/".to_string(),
            asked: 0,
            answer: None,
            error: None,
        }
    }
}

impl TreemapPane {
    /// What to ask the worker for the filesystem after `layer`.
    pub fn query(&self, layer: usize) -> TreemapQuery {
        TreemapQuery {
            id: self.asked,
            mode: self.mode,
            layer: if self.mode == TreemapMode::Waste {
                0
            } else {
                layer
            },
            root: self.root.clone(),
            aspect: ASPECT,
        }
    }

    /// A new question: later answers to older ones are dropped.
    pub(super) fn ask(&mut self) {
        self.asked += 1;
    }

    pub(super) fn set_mode(&mut self, mode: TreemapMode) {
        if self.mode != mode {
            self.mode = mode;
            self.root = "/".to_string();
            self.ask();
        }
    }

    pub(super) fn zoom(&mut self, root: String) {
        if self.root != root {
            self.root = root;
            self.ask();
        }
    }

    /// An answer: kept when it is to the last question, about the layer
    /// now selected (the waste map is the same at every layer).
    pub(super) fn answered(
        &mut self,
        id: u64,
        layer: usize,
        now: Option<usize>,
        answer: Result<Treemap, String>,
    ) {
        if id != self.asked || (self.mode == TreemapMode::Files && Some(layer) != now) {
            return;
        }
        match answer {
            Ok(t) => {
                self.answer = Some(Rc::new(t));
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Another image: back to the whole filesystem.
    pub(super) fn reset(&mut self) {
        let asked = self.asked + 1;
        *self = TreemapPane {
            mode: self.mode,
            asked,
            ..TreemapPane::default()
        };
    }
}

/// The directories from `/` to `root`, each with its name: the breadcrumb.
pub fn crumbs(root: &str) -> Vec<(String, String)> {
    let mut out = vec![("/".to_string(), "/".to_string())];
    let mut path = String::new();
    for part in root.split('/').filter(|p| !p.is_empty()) {
        path.push('/');
        path.push_str(part);
        out.push((path.clone(), part.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(id: u64) -> Treemap {
        Treemap {
            id,
            mode: TreemapMode::Files,
            layer: 0,
            root: "/".into(),
            bytes: 1,
            files: 1,
            layer_bytes: vec![1],
            cells: vec![],
        }
    }

    #[test]
    fn answers_to_older_questions_are_dropped() {
        let mut pane = TreemapPane::default();
        pane.ask();
        let first = pane.asked;
        pane.zoom("/usr".into());
        pane.answered(first, 0, Some(0), Ok(map(first)));
        assert_eq!(
            pane.answer, None,
            "an answer about / after zooming into /usr"
        );
        pane.answered(pane.asked, 1, Some(0), Ok(map(pane.asked)));
        assert_eq!(
            pane.answer, None,
            "an answer about layer 1 with layer 0 selected"
        );
        pane.answered(pane.asked, 0, Some(0), Ok(map(pane.asked)));
        assert!(pane.answer.is_some());
        pane.answered(pane.asked, 0, Some(0), Err("gone".into()));
        assert_eq!(pane.error.as_deref(), Some("gone"));
    }

    #[test]
    fn a_new_mode_starts_from_the_top_and_the_query_says_what_is_shown() {
        let mut pane = TreemapPane::default();
        pane.zoom("/usr/lib".into());
        assert_eq!(pane.query(3).layer, 3);
        assert_eq!(pane.query(3).root, "/usr/lib");
        pane.set_mode(TreemapMode::Waste);
        assert_eq!(pane.root, "/");
        assert_eq!(pane.query(3).mode, TreemapMode::Waste);
        pane.reset();
        assert_eq!((pane.mode, pane.root.as_str()), (TreemapMode::Waste, "/"));
    }

    #[test]
    fn the_breadcrumb() {
        assert_eq!(crumbs("/"), vec![("/".to_string(), "/".to_string())]);
        assert_eq!(
            crumbs("/usr/lib"),
            vec![
                ("/".to_string(), "/".to_string()),
                ("/usr".to_string(), "usr".to_string()),
                ("/usr/lib".to_string(), "lib".to_string())
            ]
        );
    }
}
