//! The container pane: the copy-on-write layer a running container would
//! write on top of the image, once the person touched it. The tree's
//! *running container* view is built on it and redone at each revision.

use std::rc::Rc;

use layerscope_protocol::{ContainerView, View};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerPane {
    pub view: Option<Rc<ContainerView>>,
}

impl ContainerPane {
    /// The tree's view of the running container, as of the last change.
    pub fn tree_view(&self) -> View {
        View::Container {
            revision: self.view.as_ref().map_or(0, |c| c.revision),
        }
    }
}
