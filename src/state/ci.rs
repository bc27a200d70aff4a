//! The CI rules pane: the rules the person checked the image against (a
//! dropped `.dive-ci` or pasted text, with the name the reports give it),
//! and the worker's verdicts (`layerscope ci`'s, rule by rule) or why the
//! rules could not be read. The rules are a preference: another image is
//! checked against them again; its verdicts are asked for afresh.

use std::rc::Rc;

use layerscope_protocol::{CiResult, CiRules, CiStatus, CiView, Request, DEFAULT_RULES_FILE};

/// Bytes a rules file may have: a `.dive-ci` is a few lines. Anything
/// bigger dropped on the pane (an image, by mistake) is not read.
pub const MAX_RULES_BYTES: f64 = 1024.0 * 1024.0;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CiPane {
    /// The rules last checked, tagged with the id their answer carries.
    pub asked: Option<(u64, CiRules)>,
    /// The answer to `asked` about the open image (`None` while checking).
    pub view: Option<Rc<CiView>>,
}

impl CiPane {
    /// Check the open image (and the next ones) against `rules`.
    pub(super) fn check(&mut self, rules: CiRules) {
        if self.asked.as_ref().is_some_and(|(_, r)| *r == rules) {
            // The same rules: the answer shown (or coming) is theirs.
            return;
        }
        let id = self.asked.as_ref().map_or(1, |(id, _)| id + 1);
        self.asked = Some((id, rules));
        self.view = None;
    }

    /// An answer counts only for the rules last asked.
    pub(super) fn answered(&mut self, view: CiView) {
        if self.asked.as_ref().is_some_and(|(id, _)| *id == view.id) {
            self.view = Some(Rc::new(view));
        }
    }

    /// Another image (or none): its verdicts are asked for again.
    pub(super) fn reset(&mut self) {
        self.view = None;
    }

    /// Rules were asked about and their verdicts have not come yet.
    pub fn checking(&self) -> bool {
        self.asked.is_some() && self.view.is_none()
    }

    /// What to ask the worker for the open image, if anything.
    pub fn request(&self) -> Option<Request> {
        self.asked.as_ref().map(|(id, rules)| Request::CheckRules {
            id: *id,
            rules: rules.clone(),
        })
    }
}

/// The name the reports give rules: the file's own while its text is what
/// the file holds, [`DEFAULT_RULES_FILE`] for text pasted or edited.
pub fn config_name(loaded: Option<&(String, String)>, text: &str) -> String {
    match loaded {
        Some((name, original)) if original == text && !name.is_empty() => name.clone(),
        _ => DEFAULT_RULES_FILE.to_string(),
    }
}

/// A verdict in words, as `layerscope ci` prints it.
pub fn label(status: CiStatus) -> &'static str {
    status.name()
}

/// A verdict's shape, shown beside its word and colour (never colour alone).
pub fn symbol(status: CiStatus) -> &'static str {
    match status {
        CiStatus::Pass => "\u{2713}",          // ✓
        CiStatus::Fail => "\u{2717}",          // ✗
        CiStatus::Skip => "\u{2298}",          // ⊘
        CiStatus::Misconfigured => "\u{0021}", // !
        CiStatus::Configured => "\u{25CB}",    // ○
    }
}

/// The run's result as a verdict (its word, shape and colour).
pub fn result_status(result: CiResult) -> CiStatus {
    match result {
        CiResult::Pass => CiStatus::Pass,
        CiResult::Fail => CiStatus::Fail,
        CiResult::Misconfigured => CiStatus::Misconfigured,
    }
}

/// The counts line under the result: `3 rules: 1 failed, 1 passed, 1 skipped`.
pub fn counts(view: &CiView) -> String {
    let mut parts = Vec::new();
    for (n, word) in [
        (view.failed, "failed"),
        (view.misconfigured, "misconfigured"),
        (view.passed, "passed"),
        (view.skipped, "skipped"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let not_run = view
        .verdicts
        .iter()
        .filter(|v| v.status == CiStatus::Configured)
        .count();
    if not_run > 0 {
        parts.push(format!("{not_run} not evaluated"));
    }
    let n = view.verdicts.len();
    format!(
        "{n} rule{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use layerscope_protocol::CiVerdict;

    fn rules(text: &str) -> CiRules {
        CiRules {
            config: DEFAULT_RULES_FILE.into(),
            text: text.into(),
        }
    }

    fn view(id: u64, rules: CiRules, statuses: &[CiStatus]) -> CiView {
        CiView {
            id,
            rules,
            error: None,
            result: Some(CiResult::Fail),
            passed: statuses.iter().filter(|s| **s == CiStatus::Pass).count(),
            failed: statuses.iter().filter(|s| **s == CiStatus::Fail).count(),
            skipped: statuses.iter().filter(|s| **s == CiStatus::Skip).count(),
            misconfigured: statuses
                .iter()
                .filter(|s| **s == CiStatus::Misconfigured)
                .count(),
            verdicts: statuses
                .iter()
                .map(|s| CiVerdict {
                    origin: "dive".into(),
                    rule: "lowestEfficiency".into(),
                    name: "lowestEfficiency".into(),
                    setting: "0.9".into(),
                    status: *s,
                    value: None,
                    message: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn only_the_answer_to_the_rules_last_asked_counts() {
        let mut pane = CiPane::default();
        assert!(!pane.checking());
        assert_eq!(pane.request(), None);
        pane.check(rules("a: 1"));
        pane.check(rules("b: 2"));
        assert!(pane.checking());
        assert_eq!(
            pane.request(),
            Some(Request::CheckRules {
                id: 2,
                rules: rules("b: 2")
            })
        );
        pane.answered(view(1, rules("a: 1"), &[CiStatus::Pass]));
        assert_eq!(pane.view, None, "an answer to older rules is dropped");
        pane.answered(view(2, rules("b: 2"), &[CiStatus::Fail]));
        assert_eq!(pane.view.as_ref().map(|v| v.id), Some(2));
        // The same rules again: the answer stays.
        pane.check(rules("b: 2"));
        assert!(!pane.checking());
        // Another image: the rules stay and are asked about again.
        pane.reset();
        assert!(pane.checking());
        assert!(pane.request().is_some());
    }

    #[test]
    fn the_reports_name_rules_by_their_file_while_unedited() {
        let file = ("ci.yml".to_string(), "rules:\r\n  x: 1\r\n".to_string());
        assert_eq!(config_name(Some(&file), "rules:\r\n  x: 1\r\n"), "ci.yml");
        assert_eq!(config_name(Some(&file), "rules:\n  x: 2\n"), ".dive-ci");
        assert_eq!(config_name(None, "rules: {}"), ".dive-ci");
    }

    #[test]
    fn each_verdict_has_its_own_word_and_shape() {
        let words: Vec<_> = CiStatus::ALL.iter().map(|s| label(*s)).collect();
        assert_eq!(
            words,
            ["PASS", "FAIL", "SKIP", "MISCONFIGURED", "CONFIGURED"]
        );
        let mut shapes: Vec<_> = CiStatus::ALL.iter().map(|s| symbol(*s)).collect();
        shapes.sort();
        shapes.dedup();
        assert_eq!(shapes.len(), 5);
    }

    #[test]
    fn the_counts_say_what_happened() {
        let v = view(
            1,
            rules(""),
            &[
                CiStatus::Fail,
                CiStatus::Pass,
                CiStatus::Skip,
                CiStatus::Pass,
            ],
        );
        assert_eq!(counts(&v), "4 rules: 1 failed, 2 passed, 1 skipped");
        let v = view(
            1,
            rules(""),
            &[CiStatus::Misconfigured, CiStatus::Configured],
        );
        assert_eq!(counts(&v), "2 rules: 1 misconfigured, 1 not evaluated");
    }
}

#[cfg(test)]
mod reducer {
    use super::*;
    use crate::state::{Action, State};
    use layerscope_protocol::{Response, Step, Summary};

    fn open(s: &mut State, gen: u64) {
        crate::state::testing::open(s, gen, &[Some(0)]);
    }

    fn answer(gen: u64, view: CiView) -> Action {
        crate::state::testing::answer(gen, Response::Rules(Box::new(view)))
    }

    #[test]
    fn verdicts_belong_to_the_image_and_rules_asked_about() {
        let mut s = State::default();
        open(&mut s, 1);
        let r = CiRules {
            config: "ci.yml".into(),
            text: "rules: {}".into(),
        };
        s.apply(Action::CheckRules(r.clone()));
        assert!(s.ci.checking());
        let error = CiView {
            id: 1,
            rules: r.clone(),
            error: Some("ci.yml: the CI rules are not valid YAML: …".into()),
            result: None,
            passed: 0,
            failed: 0,
            skipped: 0,
            misconfigured: 0,
            verdicts: vec![],
        };
        s.apply(answer(1, error.clone()));
        assert_eq!(s.ci.view.as_deref(), Some(&error));
        assert_eq!(
            s.notice, None,
            "the YAML error is the pane's, not the page's"
        );
        // The next image: the old worker's late answer is dropped, the rules stay.
        open(&mut s, 2);
        assert!(s.ci.checking());
        s.apply(answer(1, error.clone()));
        assert!(s.ci.checking());
        s.apply(answer(2, error.clone()));
        assert_eq!(s.ci.view.as_deref(), Some(&error));
        assert_eq!(s.ci.asked.as_ref().map(|(_, r)| r), Some(&r));
    }
}
