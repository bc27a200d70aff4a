//! The guided tour's state: which step is shown, while it runs. What a step
//! says and does is `views/tour.rs` (it dispatches what a person would do).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tour {
    pub step: Option<usize>,
}
