//! Selection in the layer stack: an anchor and a focus over build steps
//! (history entries, empty-layer steps included), as in a list box with
//! shift-click and shift-arrows. What the tree shows follows from it (see
//! `state::State::view`). Pure: tested on the host.

use layerscope_protocol::Step;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Selection {
    /// Where a range starts (the last plain click).
    pub anchor: usize,
    /// Where the keyboard is; the other end of a range.
    pub focus: usize,
}

impl Selection {
    pub fn single(index: usize) -> Self {
        Selection {
            anchor: index,
            focus: index,
        }
    }

    /// Lowest and highest selected step, inclusive.
    pub fn bounds(&self) -> (usize, usize) {
        (self.anchor.min(self.focus), self.anchor.max(self.focus))
    }

    pub fn is_range(&self) -> bool {
        self.anchor != self.focus
    }

    pub fn contains(&self, index: usize) -> bool {
        let (lo, hi) = self.bounds();
        (lo..=hi).contains(&index)
    }

    /// A click (or Enter) on `index`; with shift the range grows from the anchor.
    pub fn click(self, index: usize, extend: bool) -> Self {
        if extend {
            Selection {
                anchor: self.anchor,
                focus: index,
            }
        } else {
            Selection::single(index)
        }
    }

    /// Arrow keys: move the focus by `delta` within `len` steps.
    pub fn step(self, delta: isize, extend: bool, len: usize) -> Self {
        if len == 0 {
            return self;
        }
        let focus = (self.focus as isize + delta).clamp(0, len as isize - 1) as usize;
        self.click(focus, extend)
    }
}

/// Filesystem layers among steps `lo..=hi`: the lowest and highest.
pub fn layers_in(steps: &[Step], lo: usize, hi: usize) -> Option<(usize, usize)> {
    let mut layers = steps
        .iter()
        .skip(lo)
        .take(hi.saturating_sub(lo) + 1)
        .filter_map(|s| s.layer);
    let first = layers.next()?;
    let last = layers.next_back().unwrap_or(first);
    Some((first.min(last), first.max(last)))
}

/// The filesystem layer in effect at step `index`: its own, or the last one
/// before it (an empty-layer step changes no files).
pub fn layer_at(steps: &[Step], index: usize) -> Option<usize> {
    steps
        .iter()
        .take(index.saturating_add(1))
        .rev()
        .find_map(|s| s.layer)
}

/// The step that made filesystem layer `layer`.
pub fn step_of_layer(steps: &[Step], layer: usize) -> Option<usize> {
    steps.iter().position(|s| s.layer == Some(layer))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::state::testing::steps;

    #[test]
    fn clicks_and_shift_clicks() {
        let s = Selection::single(2);
        assert_eq!(s.bounds(), (2, 2));
        assert!(!s.is_range());
        let r = s.click(5, true);
        assert_eq!(
            r,
            Selection {
                anchor: 2,
                focus: 5
            }
        );
        assert_eq!(r.bounds(), (2, 5));
        assert!(r.contains(4) && !r.contains(6));
        let r = r.click(0, true);
        assert_eq!(r.bounds(), (0, 2));
        assert_eq!(r.click(3, false), Selection::single(3));
    }

    #[test]
    fn arrows_move_and_extend_within_bounds() {
        let s = Selection::single(0);
        assert_eq!(s.step(-1, false, 4), Selection::single(0));
        assert_eq!(
            s.step(1, true, 4),
            Selection {
                anchor: 0,
                focus: 1
            }
        );
        assert_eq!(
            s.step(10, true, 4),
            Selection {
                anchor: 0,
                focus: 3
            }
        );
        assert_eq!(Selection::single(3).step(1, false, 4), Selection::single(3));
        assert_eq!(Selection::single(3).step(1, false, 0), Selection::single(3));
    }

    #[test]
    fn layers_of_steps() {
        // steps: L0, empty, L1, L2, empty
        let st = steps(&[Some(0), None, Some(1), Some(2), None]);
        assert_eq!(layers_in(&st, 0, 4), Some((0, 2)));
        assert_eq!(layers_in(&st, 1, 2), Some((1, 1)));
        assert_eq!(layers_in(&st, 1, 1), None);
        assert_eq!(layers_in(&st, 4, 4), None);
        assert_eq!(layer_at(&st, 1), Some(0));
        assert_eq!(layer_at(&st, 4), Some(2));
        assert_eq!(layer_at(&steps(&[None, Some(0)]), 0), None);
        assert_eq!(step_of_layer(&st, 2), Some(3));
        assert_eq!(step_of_layer(&st, 7), None);
    }
}
