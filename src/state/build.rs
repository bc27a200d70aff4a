//! The build pane: the build read back from the history (asked for once
//! the image is open), where the person says the base image ends, a pasted
//! Dockerfile, the change to simulate and its answer, and the download of
//! the simulation as JSON (the same document as `layerscope cache --json`).

use std::rc::Rc;

use layerscope_protocol::{BuildView, Request, SimChange, SimulationView};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildPane {
    /// The build as the worker read it back.
    pub view: Option<Rc<BuildView>>,
    /// Where the person says the base image ends (None: the guess).
    pub base_end: Option<usize>,
    /// A pasted Dockerfile, aligned with the steps.
    pub dockerfile: Option<String>,
    /// The change to simulate, tagged with the id its answer will carry.
    pub simulate: Option<(u64, SimChange)>,
    pub simulation: Option<Rc<SimulationView>>,
    /// The simulation's JSON was asked for and has not come yet.
    pub exporting: bool,
}

impl BuildPane {
    pub(super) fn set_base_end(&mut self, end: Option<usize>) {
        if end != self.base_end {
            self.base_end = end;
            // The simulation was on the old boundary: run it again.
            if let Some((_, change)) = self.simulate.clone() {
                self.start_simulation(change);
            }
        }
    }

    pub(super) fn set_dockerfile(&mut self, text: Option<String>) {
        self.dockerfile = text.filter(|t| !t.trim().is_empty());
    }

    pub(super) fn start_simulation(&mut self, change: SimChange) {
        let id = self.simulate.as_ref().map_or(1, |(id, _)| id + 1);
        self.simulate = Some((id, change));
    }

    pub(super) fn clear_simulation(&mut self) {
        self.simulate = None;
        self.simulation = None;
    }

    /// An answer counts only for the change last asked.
    pub(super) fn simulated(&mut self, sim: SimulationView) {
        if self.simulate.as_ref().is_some_and(|(id, _)| *id == sim.id) {
            self.simulation = Some(Rc::new(sim));
        }
    }

    /// The change whose answer is shown, if it could be simulated.
    pub fn shown_change(&self) -> Option<&SimChange> {
        let (id, change) = self.simulate.as_ref()?;
        let sim = self.simulation.as_ref()?;
        (sim.id == *id && sim.error.is_none()).then_some(change)
    }

    /// What to ask the worker for the JSON of what the pane shows: the
    /// boundary, the Dockerfile and the change shown.
    pub fn export_request(&self) -> Request {
        Request::ExportCache {
            base_end: self.base_end,
            dockerfile: self.dockerfile.clone(),
            change: self.shown_change().cloned(),
        }
    }
}
