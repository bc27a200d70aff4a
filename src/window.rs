//! Window math for the virtualized file tree: which rows a scroll position
//! shows, which window to ask the worker for, and whether the rows already
//! held cover what is shown. Rows have one fixed height, so a row's place is
//! `index * ROW_HEIGHT` and a spacer of `total * ROW_HEIGHT` gives the
//! scrollbar its length. Pure: tested on the host.

use std::ops::Range;

/// Height of one tree row in CSS pixels (www/style.css `.tree-row` agrees).
pub const ROW_HEIGHT: f64 = 26.0;

/// The viewport height assumed before the tree has been measured.
pub const DEFAULT_VIEWPORT: f64 = 600.0;

/// Fewest rows asked for at once: small answers cost a round trip each.
const MIN_FETCH: usize = 300;

/// Rows at least partly inside `[scroll_top, scroll_top + viewport)`,
/// clamped to `total` when it is known.
pub fn visible(scroll_top: f64, viewport: f64, total: Option<usize>) -> Range<usize> {
    let top = if scroll_top.is_finite() {
        scroll_top.max(0.0)
    } else {
        0.0
    };
    let height = if viewport.is_finite() && viewport > 0.0 {
        viewport
    } else {
        DEFAULT_VIEWPORT
    };
    let first = (top / ROW_HEIGHT).floor() as usize;
    let end = ((top + height) / ROW_HEIGHT).ceil() as usize;
    match total {
        Some(total) => first.min(total)..end.min(total),
        None => first..end.max(first + 1),
    }
}

/// The window to ask for so that `shown` and a few screens around it are
/// held: two screens above, three below (scrolling down is the common case),
/// never fewer than `MIN_FETCH` rows.
pub fn fetch(shown: &Range<usize>, total: Option<usize>) -> (usize, usize) {
    let screen = shown.len().max(1);
    let offset = shown.start.saturating_sub(2 * screen);
    let limit = (shown.end - offset + 3 * screen).max(MIN_FETCH);
    match total {
        // Near the end, slide the window up rather than ask past the end.
        Some(total) if offset + limit > total => {
            let offset = total.saturating_sub(limit).min(offset);
            (offset, limit)
        }
        _ => (offset, limit),
    }
}

/// `shown` and a screen on each side: once the rows held no longer cover
/// this, the next window is asked for, before a blank row could show.
pub fn margin(shown: &Range<usize>, total: Option<usize>) -> Range<usize> {
    let screen = shown.len().max(1);
    let end = shown.end + screen;
    shown.start.saturating_sub(screen)..total.map_or(end, |t| end.min(t))
}

/// Whether rows `held` (of a view with `total` rows, if known) cover every
/// row of `shown`. Rows past the end need no covering.
pub fn covers(held: &Range<usize>, shown: &Range<usize>, total: Option<usize>) -> bool {
    let end = match total {
        Some(total) => shown.end.min(total),
        None => shown.end,
    };
    if shown.start >= end {
        return true;
    }
    held.start <= shown.start && held.end >= end
}

/// The scroll position that brings row `index` into view, moving as little
/// as possible; `None` when it is already fully visible.
pub fn scroll_into_view(index: usize, scroll_top: f64, viewport: f64) -> Option<f64> {
    let top = index as f64 * ROW_HEIGHT;
    let bottom = top + ROW_HEIGHT;
    if top < scroll_top {
        Some(top)
    } else if bottom > scroll_top + viewport {
        Some((bottom - viewport).max(0.0))
    } else {
        None
    }
}

/// Rows a page (PageUp/PageDown) moves by.
pub fn page_rows(viewport: f64) -> usize {
    ((viewport / ROW_HEIGHT).floor() as usize)
        .saturating_sub(1)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_rows() {
        assert_eq!(visible(0.0, 260.0, Some(1000)), 0..10);
        assert_eq!(visible(13.0, 260.0, Some(1000)), 0..11);
        assert_eq!(visible(2600.0, 260.0, Some(1000)), 100..110);
        assert_eq!(visible(0.0, 260.0, Some(3)), 0..3);
        assert_eq!(visible(26_000.0, 260.0, Some(3)), 3..3);
        assert_eq!(visible(0.0, 0.0, None), 0..24);
        assert_eq!(visible(-5.0, 26.0, None), 0..1);
    }

    #[test]
    fn fetch_windows() {
        // One screen of 10 rows at 100: two screens above, three below, at least 200.
        assert_eq!(fetch(&(100..110), Some(100_000)), (80, 300));
        let big = fetch(&(1000..1100), Some(100_000));
        assert_eq!(big, (800, 600));
        // At the top.
        assert_eq!(fetch(&(0..10), None), (0, 300));
        // Near the end the window slides up.
        assert_eq!(fetch(&(990..1000), Some(1000)), (700, 300));
        // Fewer rows than a window.
        assert_eq!(fetch(&(0..10), Some(50)), (0, 300));
        // What is held must reach a screen beyond what is shown.
        assert_eq!(margin(&(100..110), Some(1000)), 90..120);
        assert_eq!(margin(&(0..10), Some(15)), 0..15);
        for shown in [0..10, 100..110, 5000..5030] {
            let (o, l) = fetch(&shown, Some(100_000));
            assert!(covers(
                &(o..o + l),
                &margin(&shown, Some(100_000)),
                Some(100_000)
            ));
        }
    }

    #[test]
    fn coverage() {
        assert!(covers(&(0..200), &(10..40), Some(1000)));
        assert!(!covers(&(0..200), &(190..220), Some(1000)));
        assert!(!covers(&(50..200), &(10..40), Some(1000)));
        // Past the end needs nothing.
        assert!(covers(&(0..30), &(20..60), Some(30)));
        assert!(covers(&(0..0), &(0..10), Some(0)));
        assert!(!covers(&(0..0), &(0..10), None));
    }

    #[test]
    fn scrolling_a_row_into_view() {
        assert_eq!(scroll_into_view(5, 0.0, 260.0), None);
        assert_eq!(scroll_into_view(10, 0.0, 260.0), Some(26.0));
        assert_eq!(scroll_into_view(2, 100.0, 260.0), Some(52.0));
        assert_eq!(page_rows(260.0), 9);
        assert_eq!(page_rows(10.0), 1);
    }

    #[test]
    fn a_hundred_thousand_rows_scroll_in_windows() {
        // Scrolling through 100k rows a screen at a time never shows an
        // uncovered row once each planned window is held.
        let total = Some(100_000);
        let mut held = 0..0;
        let mut fetches = 0;
        let mut top = 0.0;
        while top < 100_000.0 * ROW_HEIGHT {
            let shown = visible(top, 600.0, total);
            if !covers(&held, &margin(&shown, total), total) {
                let (offset, limit) = fetch(&shown, total);
                held = offset..(offset + limit).min(100_000);
                fetches += 1;
                assert!(covers(&held, &shown, total));
            }
            top += 600.0;
        }
        assert!(fetches < 100_000 / 100, "{fetches} fetches");
    }
}
