//! The story pane: the path selected (in the tree, the waste list, a link)
//! and every layer that wrote, changed or deleted it, once the worker tells.
//! The selected path *is* the story's path: there is no other.

use layerscope_protocol::Story;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryState {
    pub path: String,
    /// `None` until the worker answers.
    pub story: Option<Story>,
    /// The worker could not tell it.
    pub error: Option<String>,
}

impl StoryState {
    /// `path` selected: its story is wanted (the app asks for it).
    pub(super) fn select(current: &mut Option<StoryState>, path: String) {
        if current.as_ref().map(|s| &s.path) != Some(&path) {
            *current = Some(StoryState {
                path,
                story: None,
                error: None,
            });
        }
    }

    /// The worker's answer, kept if it is about the path still selected.
    pub(super) fn answered(&mut self, story: Story) {
        if self.path == story.path {
            self.story = Some(story);
        }
    }

    /// A request failed while the story was awaited: say why there.
    pub(super) fn failed(&mut self, message: &str) {
        if self.story.is_none() {
            self.error = Some(message.to_string());
        }
    }
}
