//! What the reducer's tests share: an image opened with the steps a test
//! needs, and a worker's answer as the reducer receives it.

use layerscope_protocol::{Response, Step, Summary};

use super::{Action, State};

/// Steps with these layers (None: an empty step), the rest default.
pub fn steps(layers: &[Option<usize>]) -> Vec<Step> {
    layers
        .iter()
        .map(|&layer| Step {
            layer,
            ..Step::default()
        })
        .collect()
}

/// `app.tar` opened (generation `gen`) with steps of these layers.
pub fn open(s: &mut State, gen: u64, layers: &[Option<usize>]) {
    s.apply(Action::Open {
        gen,
        name: "app.tar".into(),
        sample: None,
        platform: None,
        started_ms: 0.0,
        keep_place: false,
    });
    s.apply(Action::Response {
        gen,
        now_ms: 1.0,
        response: Response::Opened(Box::new(Summary {
            file_name: "app.tar".into(),
            steps: steps(layers),
            ..Summary::default()
        })),
    });
}

/// The worker's `response` to generation `gen`.
pub fn answer(gen: u64, response: Response) -> Action {
    Action::Response {
        gen,
        now_ms: 2.0,
        response,
    }
}
