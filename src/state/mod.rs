//! The page's state as one plain struct, the `Action`s that change it and a
//! pure `reduce` (Yew's function_todomvc shape), so every decision the page
//! makes is tested on the host without a browser.
//!
//! The reducer never talks to the worker. What must be asked for is *state*:
//! `tree.pending` is the window of rows wanted (the app sends it, after a
//! debounce, whenever its id changes), `story` names the path whose story is
//! wanted, `tree.scroll_to` asks the tree to scroll. Answers come back as
//! `Action::Response` tagged with the worker generation they came from; an
//! answer from an older worker (a replaced or cancelled analysis) or to an
//! older query (a stale tree window) is dropped here.

mod build;
pub mod ci;
mod compare;
mod container;
pub mod findings;
pub mod packages;
pub mod reports;
mod story;
#[cfg(test)]
pub(crate) mod testing;
mod tour;
mod tree;
pub mod treemap;

use std::rc::Rc;

use layerscope_protocol::{
    CiRules, Note, Progress, Reading, ReportKind, Response, Severity, SimChange, Sort, Summary,
    View,
};
use serde::Deserialize;

use crate::route::Route;
use crate::selection::{layer_at, layers_in, step_of_layer, Selection};

pub use build::BuildPane;
pub use ci::CiPane;
pub use compare::ComparePane;
pub use container::ContainerPane;
pub use findings::FindingsPane;
pub use packages::{PackageSort, PackagesPane};
pub use reports::ReportsPane;
pub use story::StoryState;
pub use tour::Tour;
pub use tree::{Mode, Tree, TreeKey};
pub use treemap::TreemapPane;

/// One entry of `samples/index.json` (written by `scripts/make-samples`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Sample {
    pub name: String,
    pub file: String,
    #[serde(default)]
    pub description: String,
    /// The sample this one is the "after" of: the page offers to compare them.
    #[serde(default)]
    pub compare_with: Option<String>,
}

/// Reads `samples/index.json`; only names safe in a `data-testid` and a URL are kept.
pub fn parse_samples(json: &str) -> Result<Vec<Sample>, String> {
    let samples: Vec<Sample> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(samples
        .into_iter()
        .filter(|s| {
            !s.name.is_empty()
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !s.file.contains("..")
                && !s.file.contains("://")
                && !s.file.starts_with('/')
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Samples {
    #[default]
    Loading,
    /// No `samples/index.json` (or an unreadable one): the page simply offers none.
    Missing,
    Ready(Vec<Sample>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status {
    #[default]
    Idle,
    /// From the drop (or the sample's click) to `Opened`.
    Running {
        name: String,
        started_ms: f64,
        /// The sample is still downloading.
        fetching: bool,
        progress: Option<Progress>,
    },
    Done {
        name: String,
        ms: f64,
        bytes: Option<u64>,
        /// The first error note (a digest that does not match), as the CLI
        /// reports it after showing the analysis: "layer 0: diff_id
        /// mismatch: …", with "(and N more)".
        problem: Option<String>,
    },
    Failed {
        name: Option<String>,
        kind: String,
        message: String,
    },
    Cancelled,
}

impl Status {
    /// `data-state` of `analysis-status`.
    pub fn state_name(&self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Running { .. } => "running",
            Status::Done { .. } => "done",
            Status::Failed { .. } => "error",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// The worker generation whose answers count (bumped by every open and cancel).
    pub gen: u64,
    pub samples: Samples,
    pub status: Status,
    /// The sample open, if the image is one (kept in the URL).
    pub sample: Option<String>,
    /// The platform asked for when opening.
    pub platform: Option<String>,
    pub summary: Option<Rc<Summary>>,
    /// The steps (layers) selected in the layer stack.
    pub selection: Selection,
    /// Where the URL said to go, applied once the image is open.
    pub pending_route: Option<Route>,
    /// A request about the open image failed; the image stays open.
    pub notice: Option<String>,
    /// The whole report was asked for and has not come yet.
    pub exporting: bool,
    /// Larger type for projectors.
    pub present: bool,
    // One part per pane, each with its own module.
    pub tree: Tree,
    /// The selected path and its story.
    pub story: Option<StoryState>,
    pub build: BuildPane,
    pub compare: ComparePane,
    pub container: ContainerPane,
    pub findings: FindingsPane,
    /// Which layer installed which package.
    pub packages: PackagesPane,
    pub treemap: TreemapPane,
    pub ci: CiPane,
    /// The report downloads asked for, and the last that came.
    pub reports: ReportsPane,
    pub tour: Tour,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SamplesLoaded(Vec<Sample>),
    SamplesMissing,
    /// A sample is downloading for worker generation `gen`.
    FetchingSample {
        gen: u64,
        name: String,
        started_ms: f64,
    },
    /// An image went to worker generation `gen`. `keep_place`: the same image
    /// again (another platform): keep the layer and path selected.
    Open {
        gen: u64,
        name: String,
        sample: Option<String>,
        platform: Option<String>,
        started_ms: f64,
        keep_place: bool,
    },
    /// Before the worker had it (a sample's download failed).
    OpenFailed {
        gen: u64,
        name: String,
        message: String,
    },
    /// The analysis was stopped; `gen` is the fresh worker's.
    Cancel {
        gen: u64,
    },
    Response {
        gen: u64,
        now_ms: f64,
        response: Response,
    },
    /// The worker could not start or crashed.
    WorkerDied {
        gen: u64,
        message: String,
    },
    SelectStep {
        index: usize,
        extend: bool,
    },
    MoveStep {
        delta: isize,
        extend: bool,
    },
    SetMode(Mode),
    SetFilter(String),
    SetSort(Sort),
    SetHideUnchanged(bool),
    ExpandAll,
    CollapseAll,
    Scrolled {
        top: f64,
        viewport: f64,
    },
    RowClicked {
        index: usize,
    },
    TreeKey(TreeKey),
    /// The URL fragment changed (a link pasted into this tab): go there, now
    /// if it is about the image open, else once the image it names is open.
    Navigate(Route),
    /// Select a path from elsewhere (waste list, URL): expand to it and find it.
    SelectPath(String),
    ExportStarted,
    /// The simulation's JSON was asked for.
    ExportCacheStarted,
    /// Another file went to the worker to compare the open image with.
    CompareStarted(String),
    /// The comparison's JSON was asked for.
    ExportCompareStarted,
    /// The filesystems after these layers of A and B are to be compared.
    CompareLayers(Option<usize>, Option<usize>),
    /// Move the base boundary (None: back to the guess).
    SetBaseEnd(Option<usize>),
    /// Paste (or clear) a Dockerfile to align with the steps.
    SetDockerfile(Option<String>),
    /// Simulate a change of the build.
    Simulate(SimChange),
    ClearSimulation,
    /// Show (or hide) the findings of a severity.
    ShowSeverity(Severity, bool),
    /// Sort the packages by a column (again: the other way round).
    SortPackages(PackageSort),
    /// Only the packages whose name contains this text.
    FilterPackages(String),
    /// Only the packages of one ecosystem (None: all).
    PackageEcosystem(Option<String>),
    /// Show another page of packages.
    MorePackages,
    /// Select the layer that added a package and show only its files in
    /// the tree (None: the whole filesystem again).
    ShowPackage(Option<usize>),
    /// The treemap of the files, or of the waste.
    TreemapMode(layerscope_protocol::treemap::TreemapMode),
    /// The treemap of another directory (absolute).
    TreemapZoom(String),
    /// Check the image (and the next ones) against CI rules.
    CheckRules(CiRules),
    /// A report was asked of the worker, to download.
    ReportStarted(ReportKind),
    /// Start the tour at a step, or end it.
    Tour(Option<usize>),
    SetPresent(bool),
}

impl State {
    /// The state a page opened on `route` (its URL fragment) starts in.
    pub fn with_route(route: Route) -> Self {
        let pending_route = (route != Route::default()).then_some(route);
        State {
            pending_route,
            ..State::default()
        }
    }

    /// What the tree shows for the selection, or `None` (no image, or only
    /// empty-layer steps selected in changes mode).
    pub fn view(&self) -> Option<View> {
        let summary = self.summary.as_ref()?;
        let steps = &summary.steps;
        let (lo, hi) = self.selection.bounds();
        match self.effective_mode() {
            Mode::Container => Some(self.container.tree_view()),
            Mode::Compare => self.compare.tree_view(),
            Mode::Changes => layers_in(steps, lo, hi)
                .filter(|&(_, to)| summary.is_read(to))
                .map(|(from, to)| View::Changes { from, to }),
            Mode::Union => layer_at(steps, hi)
                .filter(|&layer| summary.is_read(layer))
                .map(|layer| View::Union { layer }),
        }
    }

    /// The layer whose filesystem the treemap shows: the last one selected
    /// (once it is read).
    pub fn treemap_layer(&self) -> Option<usize> {
        let summary = self.summary.as_ref()?;
        layer_at(&summary.steps, self.selection.bounds().1).filter(|&l| summary.is_read(l))
    }

    /// The layer the selection needs that is still being read, if any: the
    /// tree and the treemap wait for it.
    pub fn unread_layer(&self) -> Option<usize> {
        let summary = self.summary.as_ref()?;
        if matches!(self.effective_mode(), Mode::Container | Mode::Compare) {
            return None;
        }
        layer_at(&summary.steps, self.selection.bounds().1).filter(|&l| !summary.is_read(l))
    }

    /// How far the layers are read, while they are (`Preview`).
    pub fn reading(&self) -> Option<Reading> {
        self.summary.as_ref()?.reading
    }

    /// A range always shows changes; one layer shows what the tree's mode says.
    pub fn effective_mode(&self) -> Mode {
        if self.selection.is_range() {
            Mode::Changes
        } else {
            self.tree.mode
        }
    }

    /// The path selected (its story is shown).
    pub fn selected_path(&self) -> Option<&str> {
        self.story.as_ref().map(|s| s.path.as_str())
    }

    /// Where the page is, for the URL.
    pub fn route(&self) -> Route {
        if let Some(route) = &self.pending_route {
            return route.clone();
        }
        let mut route = Route {
            sample: self.sample.clone(),
            ..Route::default()
        };
        let Some(summary) = &self.summary else {
            return route;
        };
        if summary.platforms.len() > 1 {
            route.platform = summary.platform.clone();
        }
        let steps = &summary.steps;
        let Selection { anchor, focus } = self.selection;
        match (
            steps.get(anchor).and_then(|s| s.layer),
            steps.get(focus).and_then(|s| s.layer),
        ) {
            (Some(a), Some(f)) => route.layers = Some((a, f)),
            _ if !steps.is_empty() => route.steps = Some((anchor, focus)),
            _ => {}
        }
        route.changes = self.tree.mode == Mode::Changes && !self.selection.is_range();
        route.path = self.selected_path().map(str::to_string);
        route
    }

    pub fn apply(&mut self, action: Action) {
        let view = self.view();
        match action {
            Action::SamplesLoaded(list) => self.samples = Samples::Ready(list),
            Action::SamplesMissing => self.samples = Samples::Missing,
            Action::FetchingSample {
                gen,
                name,
                started_ms,
            } => {
                self.reset_image(gen);
                self.sample = Some(name.clone());
                self.status = Status::Running {
                    name,
                    started_ms,
                    fetching: true,
                    progress: None,
                };
            }
            Action::Open {
                gen,
                name,
                sample,
                platform,
                started_ms,
                keep_place,
            } => {
                if keep_place && self.summary.is_some() {
                    let mut here = self.route();
                    here.platform = None;
                    self.pending_route = Some(here);
                } else if self
                    .pending_route
                    .as_ref()
                    .is_some_and(|r| r.sample.is_none() || r.sample != sample)
                {
                    // A link's place belongs to the link's sample, not to a file dropped instead.
                    self.pending_route = None;
                }
                self.reset_image(gen);
                self.sample = sample;
                self.platform = platform;
                self.status = Status::Running {
                    name,
                    started_ms,
                    fetching: false,
                    progress: None,
                };
            }
            Action::OpenFailed { gen, name, message } => {
                if gen == self.gen {
                    self.status = Status::Failed {
                        name: Some(name),
                        kind: "fetch".into(),
                        message,
                    };
                }
            }
            Action::Cancel { gen } => {
                let running = matches!(self.status, Status::Running { .. });
                self.reset_image(gen);
                self.sample = None;
                self.pending_route = None;
                if running {
                    self.status = Status::Cancelled;
                }
            }
            Action::Response {
                gen,
                now_ms,
                response,
            } => {
                if gen == self.gen {
                    self.respond(now_ms, response);
                }
            }
            Action::WorkerDied { gen, message } => {
                if gen == self.gen {
                    let name = match &self.status {
                        Status::Running { name, .. } => Some(name.clone()),
                        _ => self.summary.as_ref().map(|s| s.file_name.clone()),
                    };
                    self.status = Status::Failed {
                        name,
                        kind: "worker".into(),
                        message,
                    };
                    self.tree.pending = None;
                    self.exporting = false;
                    self.build.exporting = false;
                    self.reports.failed();
                    self.compare = ComparePane::default();
                }
            }
            Action::SelectStep { index, extend } => {
                let len = self.steps_len();
                self.back_to_layers();
                if index < len {
                    self.set_selection(self.selection.click(index, extend));
                }
            }
            Action::MoveStep { delta, extend } => {
                let len = self.steps_len();
                self.back_to_layers();
                self.set_selection(self.selection.step(delta, extend, len));
            }
            Action::SetMode(mode) => {
                if mode == Mode::Union && self.selection.is_range() {
                    self.selection = Selection::single(self.selection.focus);
                }
                self.tree.mode = mode;
                self.view_changed(view);
            }
            Action::SetFilter(filter) => self.tree.set_filter(filter, view),
            Action::SetSort(sort) => self.tree.set_sort(sort, view),
            Action::SetHideUnchanged(hide) => self.tree.set_hide_unchanged(hide, view),
            Action::ExpandAll => self.tree.expand_all(view),
            Action::CollapseAll => self.tree.collapse_all(view),
            Action::Scrolled { top, viewport } => self.tree.scrolled(top, viewport, view),
            Action::RowClicked { index } => {
                if let Some(path) = self.tree.clicked(index, view) {
                    self.select_path(path, false);
                }
            }
            Action::TreeKey(key) => {
                if let Some(path) = self.tree.key(key, view) {
                    self.select_path(path, false);
                }
            }
            Action::SelectPath(path) => self.select_path(path, true),
            Action::Navigate(route) => {
                let same_image = route.sample.is_none() || route.sample == self.sample;
                if self.summary.is_some() && same_image {
                    self.place(Some(route));
                } else {
                    self.pending_route = Some(route);
                }
            }
            Action::ExportStarted => self.exporting = true,
            Action::ExportCacheStarted => self.build.exporting = true,
            Action::CompareStarted(name) => {
                self.compare.started(name);
                if self.tree.mode == Mode::Compare {
                    self.tree.mode = Mode::Union;
                }
                self.view_changed(view);
            }
            Action::ExportCompareStarted => self.compare.exporting = true,
            Action::CompareLayers(a, b) => self.compare.layers = (a, b),
            Action::SetBaseEnd(end) => self.build.set_base_end(end),
            Action::SetDockerfile(text) => self.build.set_dockerfile(text),
            Action::Simulate(change) => self.build.start_simulation(change),
            Action::ClearSimulation => self.build.clear_simulation(),
            Action::ShowSeverity(severity, shown) => self.findings.set_shown(severity, shown),
            Action::SortPackages(sort) => self.packages.sort_by(sort),
            Action::FilterPackages(text) => self.packages.set_filter(text),
            Action::PackageEcosystem(e) => self.packages.set_ecosystem(e),
            Action::MorePackages => self.packages.more(),
            Action::ShowPackage(package) => self.show_package(package),
            Action::TreemapMode(mode) => self.treemap.set_mode(mode),
            Action::TreemapZoom(root) => self.treemap.zoom(root),
            Action::CheckRules(rules) => self.ci.check(rules),
            Action::ReportStarted(kind) => self.reports.started(kind),
            Action::Tour(step) => self.tour.step = step,
            Action::SetPresent(on) => self.present = on,
        }
    }

    fn steps_len(&self) -> usize {
        self.summary.as_ref().map_or(0, |s| s.steps.len())
    }

    /// A click in the layer stack leaves the views that are not of a layer
    /// (the running container, the comparison).
    fn back_to_layers(&mut self) {
        if matches!(self.tree.mode, Mode::Container | Mode::Compare) {
            self.tree.mode = Mode::Union;
        }
    }

    /// A new image (or none): everything about the old one goes, preferences stay.
    fn reset_image(&mut self, gen: u64) {
        self.gen = gen;
        self.summary = None;
        self.selection = Selection::default();
        self.story = None;
        self.exporting = false;
        self.notice = None;
        self.build = BuildPane::default();
        self.compare = ComparePane::default();
        self.container = ContainerPane::default();
        self.findings.reset();
        self.packages.reset();
        self.treemap.reset();
        self.ci.reset();
        self.reports.reset();
        self.tree.reset();
    }

    fn respond(&mut self, now_ms: f64, response: Response) {
        match response {
            Response::Progress(p) => {
                if let Status::Running {
                    progress, fetching, ..
                } = &mut self.status
                {
                    *progress = Some(p);
                    *fetching = false;
                }
            }
            Response::Preview(summary) => {
                // Only while this open runs: a late preview never replaces the result.
                if !matches!(self.status, Status::Running { .. }) {
                    return;
                }
                let first = self.summary.is_none();
                let before = self.view();
                self.summary = Some(Rc::new(*summary));
                if first {
                    let route = self.pending_route.take();
                    self.place(route);
                } else {
                    // The layer the tree waited for may be read now.
                    self.view_changed(before);
                }
            }
            Response::Opened(summary) => {
                // Shown already while its layers were read: the person may
                // have moved; keep their place (the tree's rows are final
                // already; the story and the treemap ask again).
                let previewed = self.summary.as_ref().is_some_and(|s| s.reading.is_some());
                let (started, read) = match &self.status {
                    Status::Running {
                        started_ms,
                        progress,
                        ..
                    } => (*started_ms, progress.as_ref().and_then(|p| p.bytes_total)),
                    _ => (now_ms, None),
                };
                self.status = Status::Done {
                    name: summary.file_name.clone(),
                    ms: (now_ms - started).max(0.0),
                    bytes: summary.input_size.or(read),
                    problem: first_error(&summary.diagnostics),
                };
                let before = self.view();
                self.summary = Some(Rc::new(*summary));
                if previewed {
                    self.treemap.ask();
                    self.view_changed(before);
                } else {
                    let route = self.pending_route.take();
                    self.place(route);
                }
            }
            Response::Failed { message, kind } => {
                // Nothing answers the request that failed: let the tree ask again.
                self.tree.pending = None;
                self.exporting = false;
                self.build.exporting = false;
                self.reports.failed();
                let running = match &self.status {
                    Status::Running { name, .. } => Some(name.clone()),
                    _ => None,
                };
                let fatal = running.is_some()
                    || self.summary.is_none()
                    || kind == "crash"
                    || kind == "worker";
                if fatal {
                    let name =
                        running.or_else(|| self.summary.as_ref().map(|s| s.file_name.clone()));
                    self.status = Status::Failed {
                        name,
                        kind,
                        message,
                    };
                    self.summary = None;
                    self.pending_route = None;
                    self.tree.locate = None;
                } else if self.compare.running.is_some() {
                    // The file to compare with could not be read: the open
                    // image stays; the comparison pane says why.
                    self.compare.failed(&message);
                } else {
                    // A request about the open image failed (a bug, a bad
                    // query): the image stays open; say so beside it.
                    if let Some(story) = &mut self.story {
                        story.failed(&message);
                    }
                    self.compare.exporting = false;
                    self.notice = Some(format!("{message} ({kind})"));
                }
            }
            Response::Tree(answer) => {
                let view = self.view();
                if let Some(path) = self.tree.answered(answer, view) {
                    self.select_path(path, false);
                }
            }
            Response::Story(story) => {
                if let Some(state) = &mut self.story {
                    state.answered(story);
                }
            }
            Response::Export { .. } => self.exporting = false,
            Response::ExportCache { .. } => self.build.exporting = false,
            Response::Compared(view) => {
                let before = self.view();
                self.compare.answered(*view);
                self.view_changed(before);
            }
            Response::ExportCompare { .. } => self.compare.exporting = false,
            Response::Build(build) => self.build.view = Some(Rc::new(*build)),
            Response::Simulation(sim) => self.build.simulated(*sim),
            Response::Findings { findings } => self.findings.answered(findings),
            Response::Packages(view) => self.packages.answered(*view),
            Response::Treemap {
                id,
                layer,
                map,
                error,
            } => {
                let now = self.treemap_layer();
                let answer = match (map, error) {
                    (Some(map), _) => Ok(*map),
                    (None, error) => Err(error.unwrap_or_default()),
                };
                self.treemap.answered(id, layer, now, answer);
            }
            Response::Report(file) => self.reports.answered(*file),
            Response::Rules(view) => self.ci.answered(*view),
            Response::Container(container) => {
                let before = self.view();
                self.container.view = Some(Rc::new(*container));
                self.view_changed(before);
            }
        }
    }

    /// Selection, mode and path after `Opened`: where the link said, else the
    /// last filesystem layer (the image a container starts from).
    fn place(&mut self, route: Option<Route>) {
        let steps = self
            .summary
            .as_ref()
            .map(|s| s.steps.clone())
            .unwrap_or_default();
        let default = steps.iter().rposition(|s| s.layer.is_some()).unwrap_or(0);
        let mut selection = Selection::single(default);
        let mut path = None;
        if let Some(route) = route {
            if let Some((a, f)) = route.layers {
                if let (Some(a), Some(f)) = (step_of_layer(&steps, a), step_of_layer(&steps, f)) {
                    selection = Selection {
                        anchor: a,
                        focus: f,
                    };
                }
            } else if let Some((a, f)) = route.steps {
                if a < steps.len() && f < steps.len() {
                    selection = Selection {
                        anchor: a,
                        focus: f,
                    };
                }
            }
            self.tree.mode = if route.changes {
                Mode::Changes
            } else {
                Mode::Union
            };
            path = route.path;
        }
        self.selection = selection;
        let view = self.view();
        self.tree.invalidate(view, 0);
        if let Some(path) = path {
            self.select_path(path, true);
        }
    }

    /// A package clicked: its layer selected (the filesystem after it), the
    /// tree showing only its files. None: the whole filesystem again.
    fn show_package(&mut self, package: Option<usize>) {
        let Some(k) = package else {
            let view = self.view();
            self.tree.set_package(None, view);
            return;
        };
        let (Some(label), Some(layer)) = (
            self.packages.label(k),
            self.packages
                .view
                .as_ref()
                .and_then(|v| v.packages.get(k))
                .map(|p| p.added_in_layer),
        ) else {
            return;
        };
        let Some(step) = self
            .summary
            .as_ref()
            .and_then(|s| step_of_layer(&s.steps, layer))
        else {
            return;
        };
        self.back_to_layers();
        if self.tree.mode == Mode::Changes {
            self.tree.mode = Mode::Union;
        }
        self.selection = Selection::single(step);
        let view = self.view();
        // Always asked again: the view, the package or both changed.
        self.tree.package = None;
        self.tree.set_package(Some((k, label)), view);
    }

    fn set_selection(&mut self, selection: Selection) {
        let before = self.view();
        self.selection = selection;
        self.view_changed(before);
    }

    fn view_changed(&mut self, before: Option<View>) {
        let now = self.view();
        if now != before {
            self.tree.invalidate(now, 0);
        }
    }

    /// Selects `path` for its story. `reveal`: it came from outside the tree,
    /// so open its parents and find its row.
    fn select_path(&mut self, path: String, reveal: bool) {
        StoryState::select(&mut self.story, path.clone());
        if reveal && self.summary.is_some() {
            let view = self.view();
            self.tree.reveal(path, view);
        }
    }
}

/// The first error note as the CLI words it (`layer 0: /path: message`),
/// with how many more there are.
fn first_error(notes: &[Note]) -> Option<String> {
    let mut errors = notes.iter().filter(|n| n.severity == "error");
    let first = errors.next()?;
    let more = errors.count();
    Some(match more {
        0 => first.text.clone(),
        _ => format!("{} (and {more} more)", first.text),
    })
}

#[cfg(test)]
mod tests {
    use super::tree::{FILTER_DEBOUNCE_MS, SCROLL_DEBOUNCE_MS};
    use super::*;
    use crate::window;
    use layerscope_protocol::{ComparisonView, ContainerView, Request, SimulationView, Story};
    use layerscope_protocol::{Mark, Row, Step, TreeRows};

    fn summary(layers: &[Option<usize>]) -> Summary {
        Summary {
            file_name: "app.tar".into(),
            input_size: Some(4_000_000),
            steps: layers
                .iter()
                .map(|&layer| Step {
                    layer,
                    ..Step::default()
                })
                .collect(),
            ..Summary::default()
        }
    }

    fn row(path: &str, depth: usize, dir: bool, expanded: bool) -> Row {
        Row {
            path: path.into(),
            name: path.rsplit('/').next().unwrap_or("").into(),
            depth,
            kind: if dir { 'd' } else { 'f' },
            size: 1,
            mode: if dir {
                "drwxr-xr-x".into()
            } else {
                "-rw-r--r--".into()
            },
            uid: 0,
            gid: 0,
            link: None,
            hardlink: None,
            mark: None,
            fields: vec![],
            has_children: dir,
            expanded,
        }
    }

    /// An open image with steps L0, empty, L1, L2, empty.
    fn opened() -> State {
        opened_with(summary(&[Some(0), None, Some(1), Some(2), None]))
    }

    /// `summary` opened: asked for at 1000 ms, answered at 4400 ms.
    fn opened_with(summary: Summary) -> State {
        let mut s = State::default();
        s.apply(Action::Open {
            gen: 1,
            name: "app.tar".into(),
            sample: None,
            platform: None,
            started_ms: 1000.0,
            keep_place: false,
        });
        s.apply(Action::Response {
            gen: 1,
            now_ms: 4400.0,
            response: Response::Opened(Box::new(summary)),
        });
        s
    }

    fn answer(s: &mut State, rows: Vec<Row>, total: usize) {
        let q = s.tree.pending.clone().expect("a pending query");
        s.apply(Action::Response {
            gen: s.gen,
            now_ms: 0.0,
            response: Response::Tree(TreeRows {
                id: q.id,
                total,
                offset: q.offset,
                rows,
            }),
        });
    }

    /// `summary` with its first `read` layers read (a `Preview`).
    fn reading(mut summary: Summary, read: usize) -> Summary {
        let layers = summary.steps.iter().filter(|s| s.layer.is_some()).count();
        summary.reading = Some(Reading {
            layers_read: read,
            layers,
        });
        summary
    }

    #[test]
    fn the_image_shows_while_its_layers_are_read_and_the_tree_waits_for_its_layer() {
        let steps = [Some(0), None, Some(1), Some(2)];
        let mut s = State::default();
        s.apply(Action::Open {
            gen: 1,
            name: "app.tar".into(),
            sample: None,
            platform: None,
            started_ms: 1000.0,
            keep_place: false,
        });
        let preview = |s: &mut State, read: usize| {
            s.apply(Action::Response {
                gen: 1,
                now_ms: 1100.0,
                response: Response::Preview(Box::new(reading(summary(&steps), read))),
            })
        };
        // Before any layer is read: the stack and history are there, the
        // last layer is selected, the tree waits for it and says so.
        preview(&mut s, 0);
        assert_eq!(s.status.state_name(), "running");
        assert_eq!(s.summary.as_ref().map(|x| x.steps.len()), Some(4));
        assert_eq!(s.selection, Selection::single(3));
        assert_eq!(s.view(), None);
        assert_eq!(s.unread_layer(), Some(2));
        assert_eq!(s.treemap_layer(), None);
        assert!(
            s.tree.pending.is_none(),
            "nothing asked about an unread layer"
        );
        // The person picks layer 0, then layer 0 is read: the tree asks.
        s.apply(Action::SelectStep {
            index: 0,
            extend: false,
        });
        assert_eq!(s.view(), None);
        preview(&mut s, 1);
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
        assert_eq!(s.unread_layer(), None);
        assert!(
            s.tree.pending.is_some(),
            "the tree asks once its layer is read"
        );
        // A range over an unread layer waits too.
        s.apply(Action::SelectStep {
            index: 2,
            extend: true,
        });
        assert_eq!(s.view(), None);
        assert_eq!(s.unread_layer(), Some(1));
        s.apply(Action::SelectStep {
            index: 0,
            extend: false,
        });
        // Opened: the place the person chose is kept, the status is done.
        s.apply(Action::Response {
            gen: 1,
            now_ms: 4400.0,
            response: Response::Opened(Box::new(summary(&steps))),
        });
        assert_eq!(s.status.state_name(), "done");
        assert_eq!(s.selection, Selection::single(0));
        assert_eq!(s.reading(), None);
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
        // A preview that comes late never replaces the result.
        preview(&mut s, 1);
        assert_eq!(s.reading(), None);
    }

    #[test]
    fn a_link_is_followed_at_the_first_preview_and_cancel_drops_the_preview() {
        let steps = [Some(0), Some(1)];
        let mut s = State::default();
        s.apply(Action::Open {
            gen: 1,
            name: "app.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        s.apply(Action::Navigate(Route {
            layers: Some((0, 0)),
            ..Route::default()
        }));
        s.apply(Action::Response {
            gen: 1,
            now_ms: 5.0,
            response: Response::Preview(Box::new(reading(summary(&steps), 0))),
        });
        assert_eq!(s.selection, Selection::single(0));
        assert!(s.pending_route.is_none());
        s.apply(Action::Cancel { gen: 2 });
        assert_eq!(s.status, Status::Cancelled);
        assert!(s.summary.is_none());
        s.apply(Action::Response {
            gen: 1,
            now_ms: 6.0,
            response: Response::Preview(Box::new(reading(summary(&steps), 1))),
        });
        assert!(
            s.summary.is_none(),
            "the cancelled worker's preview is dropped"
        );
    }

    #[test]
    fn open_progress_opened() {
        let mut s = State::default();
        assert_eq!(s.status.state_name(), "idle");
        s.apply(Action::Open {
            gen: 1,
            name: "app.tar".into(),
            sample: None,
            platform: None,
            started_ms: 10.0,
            keep_place: false,
        });
        assert_eq!(s.status.state_name(), "running");
        let p = Progress {
            bytes_done: 5,
            bytes_total: Some(10),
            layers_done: 1,
            layers_total: Some(3),
        };
        s.apply(Action::Response {
            gen: 1,
            now_ms: 20.0,
            response: Response::Progress(p.clone()),
        });
        assert!(matches!(&s.status, Status::Running { progress: Some(q), .. } if *q == p));
        // A stale worker's message is dropped.
        s.apply(Action::Response {
            gen: 0,
            now_ms: 30.0,
            response: Response::Opened(Box::default()),
        });
        assert!(s.summary.is_none());
        s.apply(Action::Response {
            gen: 1,
            now_ms: 3410.0,
            response: Response::Opened(Box::new(summary(&[Some(0), None, Some(1)]))),
        });
        assert_eq!(
            s.status,
            Status::Done {
                name: "app.tar".into(),
                ms: 3400.0,
                bytes: Some(4_000_000),
                problem: None,
            }
        );
        // Default: the last filesystem layer, as a union.
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.view(), Some(View::Union { layer: 1 }));
        let q = s.tree.pending.as_ref().expect("rows are asked for");
        assert_eq!((q.offset, q.view.clone()), (0, View::Union { layer: 1 }));
    }

    #[test]
    fn a_digest_that_does_not_match_is_said_with_the_done_status() {
        let note = |severity: &str, layer: Option<usize>, message: &str| Note {
            severity: severity.into(),
            layer,
            path: None,
            message: message.into(),
            text: match layer {
                Some(layer) => format!("layer {layer}: {message}"),
                None => message.into(),
            },
        };
        let mut with_errors = summary(&[Some(0), Some(1)]);
        with_errors.diagnostics = vec![
            note("info", None, "the layer blob is empty"),
            note(
                "error",
                Some(1),
                "diff_id mismatch: the config says a, the uncompressed layer hashes to b",
            ),
            note("error", Some(2), "digest mismatch"),
        ];
        for (summary, problem) in [
            (summary(&[Some(0)]), None),
            (
                with_errors,
                Some("layer 1: diff_id mismatch: the config says a, the uncompressed layer hashes to b (and 1 more)".to_string()),
            ),
        ] {
            let s = opened_with(summary);
            assert!(matches!(&s.status, Status::Done { problem: p, .. } if *p == problem), "{:?}", s.status);
            assert_eq!(s.status.state_name(), "done");
        }
    }

    #[test]
    fn failure_and_cancel_leave_the_page_usable() {
        let mut s = opened();
        s.apply(Action::Open {
            gen: 2,
            name: "bad.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        assert!(s.summary.is_none());
        s.apply(Action::Response {
            gen: 2,
            now_ms: 1.0,
            response: Response::Failed {
                message: "bad.tar: not an image".into(),
                kind: "not_an_image".into(),
            },
        });
        assert_eq!(s.status.state_name(), "error");
        assert!(matches!(&s.status, Status::Failed { name: Some(n), .. } if n == "bad.tar"));
        s.apply(Action::Open {
            gen: 3,
            name: "x.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        s.apply(Action::Cancel { gen: 4 });
        assert_eq!(s.status, Status::Cancelled);
        // The cancelled worker's late answer is ignored.
        s.apply(Action::Response {
            gen: 3,
            now_ms: 1.0,
            response: Response::Opened(Box::default()),
        });
        assert!(s.summary.is_none());
        assert_eq!(s.status, Status::Cancelled);
        // A worker that dies mid-analysis is an error.
        s.apply(Action::Open {
            gen: 5,
            name: "y".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        s.apply(Action::WorkerDied {
            gen: 5,
            message: "out of memory".into(),
        });
        assert_eq!(s.status.state_name(), "error");
    }

    #[test]
    fn a_failed_request_about_an_open_image_keeps_it_open() {
        let mut s = opened();
        s.apply(Action::SelectPath("/etc/passwd".into()));
        assert!(s.tree.pending.is_some());
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Failed {
                message: "layer 9: no such layer".into(),
                kind: "bad_request".into(),
            },
        });
        assert_eq!(s.status.state_name(), "done");
        assert!(s.summary.is_some());
        assert!(s.tree.pending.is_none(), "the tree may ask again");
        assert_eq!(
            s.story.as_ref().unwrap().error.as_deref(),
            Some("layer 9: no such layer")
        );
        assert!(s.notice.is_some());
        // A crash loses the image.
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Failed {
                message: "out of memory".into(),
                kind: "crash".into(),
            },
        });
        assert_eq!(s.status.state_name(), "error");
        assert!(s.summary.is_none());
    }

    #[test]
    fn steps_select_views() {
        let mut s = opened();
        assert_eq!(s.selection, Selection::single(3));
        assert_eq!(s.view(), Some(View::Union { layer: 2 }));
        // An empty step shows the union below it.
        s.apply(Action::SelectStep {
            index: 1,
            extend: false,
        });
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
        // In changes mode an empty step changed nothing.
        s.apply(Action::SetMode(Mode::Changes));
        assert_eq!(s.view(), None);
        assert_eq!(s.tree.total, Some(0));
        assert!(s.tree.pending.is_none());
        // Back to a view with rows: the tree asks for them.
        s.apply(Action::SetMode(Mode::Union));
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
        assert!(s.tree.pending.is_some());
        // A range shows the changes of its layers.
        s.apply(Action::SelectStep {
            index: 0,
            extend: false,
        });
        s.apply(Action::SelectStep {
            index: 3,
            extend: true,
        });
        assert_eq!(s.effective_mode(), Mode::Changes);
        assert_eq!(s.view(), Some(View::Changes { from: 0, to: 2 }));
        s.apply(Action::MoveStep {
            delta: -1,
            extend: true,
        });
        assert_eq!(s.view(), Some(View::Changes { from: 0, to: 1 }));
        // Union mode on a range falls back to its focus.
        s.apply(Action::SetMode(Mode::Union));
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.view(), Some(View::Union { layer: 1 }));
        s.apply(Action::SelectStep {
            index: 99,
            extend: false,
        });
        assert_eq!(s.selection, Selection::single(2));
    }

    #[test]
    fn tree_windows_follow_scrolling_and_drop_stale_answers() {
        let mut s = opened();
        s.apply(Action::Scrolled {
            top: 0.0,
            viewport: 260.0,
        });
        let first = s.tree.pending.clone().unwrap();
        let rows: Vec<Row> = (0..200)
            .map(|i| row(&format!("/f{i:06}"), 0, false, false))
            .collect();
        answer(&mut s, rows, 100_000);
        assert!(s.tree.pending.is_none());
        assert_eq!(s.tree.total, Some(100_000));
        assert_eq!(s.tree.row(5).unwrap().path, "/f000005");
        // Scrolling inside the held window asks nothing.
        s.apply(Action::Scrolled {
            top: 26.0 * 100.0,
            viewport: 260.0,
        });
        assert!(s.tree.pending.is_none());
        // Scrolling far asks for a window around the new place.
        s.apply(Action::Scrolled {
            top: 26.0 * 50_000.0,
            viewport: 260.0,
        });
        let far = s.tree.pending.clone().unwrap();
        assert!(far.offset <= 50_000 && far.offset + far.limit >= 50_010);
        assert!(far.id > first.id);
        assert_eq!(s.tree.debounce_ms, SCROLL_DEBOUNCE_MS);
        // Sorting changes the query: the far answer is now stale.
        s.apply(Action::SetSort(Sort::Size));
        let sorted = s.tree.pending.clone().unwrap();
        assert_eq!(sorted.sort, Sort::Size);
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Tree(TreeRows {
                id: far.id,
                total: 100_000,
                offset: far.offset,
                rows: vec![],
            }),
        });
        assert_eq!(s.tree.offset, 0, "a stale window is dropped");
        assert!(!s.tree.fresh());
        assert_eq!(s.tree.pending.as_ref().map(|p| p.id), Some(sorted.id));
    }

    #[test]
    fn end_selects_the_last_row_once_it_arrives() {
        let mut s = opened();
        s.apply(Action::Scrolled {
            top: 0.0,
            viewport: 260.0,
        });
        let rows: Vec<Row> = (0..300)
            .map(|i| row(&format!("/f{i:06}"), 0, false, false))
            .collect();
        answer(&mut s, rows, 10_000);
        s.apply(Action::TreeKey(TreeKey::End));
        assert_eq!(s.tree.cursor, 9_999);
        assert_ne!(s.selected_path().as_deref(), Some("/f009999"));
        let q = s.tree.pending.clone().expect("the end is asked for");
        assert!(q.offset + q.limit >= 10_000);
        let rows: Vec<Row> = (q.offset..10_000)
            .map(|i| row(&format!("/f{i:06}"), 0, false, false))
            .collect();
        answer(&mut s, rows, 10_000);
        assert_eq!(s.selected_path().as_deref(), Some("/f009999"));
    }

    #[test]
    fn filter_resets_the_cursor_and_debounces() {
        let mut s = opened();
        answer(&mut s, vec![row("/a", 0, false, false)], 1);
        s.tree.cursor = 0;
        s.apply(Action::SetFilter("*.so".into()));
        let q = s.tree.pending.clone().unwrap();
        assert_eq!(q.filter, "*.so");
        assert_eq!(s.tree.debounce_ms, FILTER_DEBOUNCE_MS);
        assert_eq!(s.tree.scroll_top, 0.0);
    }

    #[test]
    fn directories_open_close_and_keys_move() {
        let mut s = opened();
        s.apply(Action::CollapseAll);
        s.apply(Action::Scrolled {
            top: 0.0,
            viewport: 260.0,
        });
        answer(
            &mut s,
            vec![row("/etc", 0, true, false), row("/usr", 0, true, false)],
            2,
        );
        s.apply(Action::TreeKey(TreeKey::Right));
        assert!(s.tree.expanded.contains("/etc"));
        let q = s.tree.pending.clone().unwrap();
        assert_eq!(q.expanded, vec!["/etc".to_string()]);
        answer(
            &mut s,
            vec![
                row("/etc", 0, true, true),
                row("/etc/passwd", 1, false, false),
                row("/usr", 0, true, false),
            ],
            3,
        );
        s.apply(Action::TreeKey(TreeKey::Right));
        assert_eq!(s.tree.cursor, 1);
        s.apply(Action::TreeKey(TreeKey::Activate));
        assert_eq!(s.selected_path().as_deref(), Some("/etc/passwd"));
        assert_eq!(
            s.story,
            Some(StoryState {
                path: "/etc/passwd".into(),
                story: None,
                error: None
            })
        );
        s.apply(Action::TreeKey(TreeKey::Left));
        assert_eq!(s.tree.cursor, 0, "left goes to the parent");
        s.apply(Action::TreeKey(TreeKey::Left));
        assert!(!s.tree.expanded.contains("/etc"), "left again closes it");
        s.apply(Action::TreeKey(TreeKey::End));
        assert_eq!(s.tree.cursor, 2);
        assert_eq!(
            s.selected_path().as_deref(),
            Some("/usr"),
            "the selection follows the keyboard"
        );
        s.apply(Action::TreeKey(TreeKey::Down));
        assert_eq!(s.tree.cursor, 2);
        s.apply(Action::RowClicked { index: 2 });
        assert!(s.tree.expanded.contains("/usr"));
        assert_eq!(s.selected_path().as_deref(), Some("/usr"));
    }

    #[test]
    fn expand_all_then_collapse_one() {
        let mut s = opened();
        assert!(
            s.tree.expand_all,
            "a new image opens fully expanded, as in dive"
        );
        s.apply(Action::CollapseAll);
        s.apply(Action::ExpandAll);
        assert!(s.tree.pending.as_ref().unwrap().expand_all);
        answer(
            &mut s,
            vec![
                row("/a", 0, true, true),
                row("/a/b", 1, true, true),
                row("/a/b/c", 2, false, false),
                row("/d", 0, true, true),
                row("/d/e", 1, false, false),
            ],
            5,
        );
        s.apply(Action::RowClicked { index: 1 });
        // Still everything open, but /a/b: the directories beyond the rows
        // held stay open too.
        assert!(s.tree.expand_all);
        let q = s.tree.pending.clone().expect("asked again");
        assert!(q.expand_all);
        assert_eq!(q.collapsed, vec!["/a/b"]);
        // Clicking it again opens it again.
        answer(
            &mut s,
            vec![
                row("/a", 0, true, true),
                row("/a/b", 1, true, false),
                row("/d", 0, true, true),
                row("/d/e", 1, false, false),
            ],
            4,
        );
        s.apply(Action::RowClicked { index: 1 });
        assert!(s
            .tree
            .pending
            .clone()
            .expect("asked again")
            .collapsed
            .is_empty());
        // Selecting a path below a closed directory opens it.
        s.apply(Action::RowClicked { index: 1 });
        s.apply(Action::SelectPath("/a/b/c".into()));
        assert!(s.tree.collapsed.is_empty());
        s.apply(Action::CollapseAll);
        assert!(s.tree.expanded.is_empty() && !s.tree.expand_all);
    }

    #[test]
    fn selecting_a_path_from_elsewhere_opens_and_finds_it() {
        let mut s = opened();
        s.apply(Action::CollapseAll);
        s.apply(Action::Scrolled {
            top: 0.0,
            viewport: 260.0,
        });
        answer(&mut s, vec![row("/app", 0, true, false)], 1);
        s.apply(Action::SelectPath("/app/static/index.html".into()));
        assert!(s.tree.expanded.contains("/app") && s.tree.expanded.contains("/app/static"));
        let q = s.tree.pending.clone().unwrap();
        assert_eq!((q.offset, q.limit), (0, super::tree::LOCATE_LIMIT));
        let mut rows = vec![
            row("/app", 0, true, true),
            row("/app/static", 1, true, true),
        ];
        rows.extend((0..40).map(|i| row(&format!("/app/static/a{i:02}"), 2, false, false)));
        rows.push(row("/app/static/index.html", 2, false, false));
        answer(&mut s, rows, 43);
        assert!(s.tree.locate.is_none());
        assert_eq!(s.tree.cursor, 42);
        let (_, top) = s.tree.scroll_to.unwrap();
        assert!(top > 0.0 && top <= 42.0 * window::ROW_HEIGHT);
        assert_eq!(s.story.as_ref().unwrap().path, "/app/static/index.html");
        // Its story arrives; another path's does not replace it.
        let story = Story {
            path: "/app/static/index.html".into(),
            events: vec![],
            visible_layer: Some(2),
            container: None,
            compared: None,
            owner: None,
        };
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Story(Story {
                path: "/x".into(),
                ..story.clone()
            }),
        });
        assert_eq!(s.story.as_ref().unwrap().story, None);
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Story(story.clone()),
        });
        assert_eq!(s.story.as_ref().unwrap().story, Some(story));
    }

    #[test]
    fn locate_gives_up() {
        let mut s = opened();
        s.apply(Action::SelectPath("/nowhere".into()));
        answer(&mut s, vec![row("/a", 0, false, false)], 1);
        assert!(s.tree.locate.is_none());
    }

    #[test]
    fn the_url_keeps_sample_layer_and_path() {
        let link = Route::parse("#sample=demo&layer=1&view=changes&path=/app/config.yml");
        let mut s = State::with_route(link.clone());
        assert_eq!(s.route(), link, "unchanged until the image is open");
        s.apply(Action::FetchingSample {
            gen: 1,
            name: "demo".into(),
            started_ms: 0.0,
        });
        s.apply(Action::Open {
            gen: 1,
            name: "demo".into(),
            sample: Some("demo".into()),
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        s.apply(Action::Response {
            gen: 1,
            now_ms: 1.0,
            response: Response::Opened(Box::new(summary(&[Some(0), None, Some(1), Some(2)]))),
        });
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.view(), Some(View::Changes { from: 1, to: 1 }));
        assert_eq!(s.selected_path().as_deref(), Some("/app/config.yml"));
        assert_eq!(s.route(), link);
        s.apply(Action::SelectStep {
            index: 1,
            extend: false,
        });
        assert_eq!(
            s.route().format(),
            "#sample=demo&step=2&view=changes&path=/app/config.yml"
        );
        s.apply(Action::SelectStep {
            index: 3,
            extend: true,
        });
        assert_eq!(
            s.route().format(),
            "#sample=demo&step=2-4&path=/app/config.yml"
        );
        s.apply(Action::SelectStep {
            index: 0,
            extend: true,
        });
        s.apply(Action::SelectStep {
            index: 3,
            extend: false,
        });
        s.apply(Action::SelectStep {
            index: 0,
            extend: true,
        });
        assert_eq!(
            s.route().format(),
            "#sample=demo&layer=2-0&path=/app/config.yml"
        );
    }

    #[test]
    fn a_link_pasted_into_the_tab_goes_there() {
        let mut s = opened();
        s.apply(Action::Navigate(Route::parse(
            "#layer=0-1&path=/etc/passwd",
        )));
        assert_eq!(
            s.selection,
            Selection {
                anchor: 0,
                focus: 2
            }
        );
        assert_eq!(s.view(), Some(View::Changes { from: 0, to: 1 }));
        assert_eq!(s.selected_path().as_deref(), Some("/etc/passwd"));
        // Another sample's link waits for that sample.
        s.apply(Action::Navigate(Route::parse("#sample=other&layer=1")));
        assert_eq!(
            s.pending_route.as_ref().and_then(|r| r.sample.as_deref()),
            Some("other")
        );
    }

    #[test]
    fn a_dropped_file_forgets_the_links_place() {
        let mut s = State::with_route(Route::parse("#sample=demo&layer=1"));
        s.apply(Action::Open {
            gen: 1,
            name: "mine.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        assert!(s.pending_route.is_none());
    }

    #[test]
    fn another_platform_keeps_the_place() {
        let mut s = opened();
        s.apply(Action::SelectStep {
            index: 2,
            extend: false,
        });
        s.apply(Action::SelectPath("/etc/os-release".into()));
        s.apply(Action::Open {
            gen: 2,
            name: "app.tar".into(),
            sample: None,
            platform: Some("linux/arm64".into()),
            started_ms: 0.0,
            keep_place: true,
        });
        s.apply(Action::Response {
            gen: 2,
            now_ms: 1.0,
            response: Response::Opened(Box::new(summary(&[Some(0), None, Some(1)]))),
        });
        assert_eq!(s.selection, Selection::single(2));
        assert_eq!(s.selected_path().as_deref(), Some("/etc/os-release"));
    }

    #[test]
    fn samples_index() {
        let list = parse_samples(
            r#"[{"name":"demo","file":"samples/demo.tar","description":"d"},
                {"name":"bad name","file":"samples/x.tar"},
                {"name":"up","file":"../x.tar"},
                {"name":"far","file":"https://example.com/x.tar"},
                {"name":"plain","file":"samples/p.tar"}]"#,
        )
        .unwrap();
        assert_eq!(
            list.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            vec!["demo", "plain"]
        );
        assert!(parse_samples("not json").is_err());
    }

    #[test]
    fn marks_render() {
        assert_eq!(crate::format::mark_name(Some(Mark::Added)), "added");
    }

    #[test]
    fn a_simulation_answer_counts_only_for_the_change_last_asked() {
        let mut s = opened();
        s.apply(Action::Simulate(SimChange::NoCache));
        s.apply(Action::Simulate(SimChange::Base));
        let (id, change) = s.build.simulate.clone().expect("asked");
        assert_eq!(change, SimChange::Base);
        let answer = |id| Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Simulation(Box::new(SimulationView {
                id,
                ..SimulationView::default()
            })),
        };
        s.apply(answer(id - 1));
        assert!(
            s.build.simulation.is_none(),
            "the answer to the replaced change is dropped"
        );
        s.apply(answer(id));
        assert_eq!(s.build.simulation.as_ref().map(|v| v.id), Some(id));
        // Moving the base boundary asks again, with a new id.
        s.apply(Action::SetBaseEnd(Some(2)));
        assert_eq!(s.build.simulate.as_ref().map(|(i, _)| *i), Some(id + 1));
        s.apply(Action::ClearSimulation);
        assert!(s.build.simulate.is_none() && s.build.simulation.is_none());
    }

    #[test]
    fn the_simulation_json_is_of_what_the_pane_shows() {
        let mut s = opened();
        let export = |s: &State| match s.build.export_request() {
            Request::ExportCache {
                base_end,
                dockerfile,
                change,
            } => (base_end, dockerfile, change),
            other => panic!("{other:?}"),
        };
        // Nothing simulated: the build and its advice.
        assert_eq!(export(&s), (None, None, None));
        s.apply(Action::SetBaseEnd(Some(2)));
        s.apply(Action::SetDockerfile(Some("FROM x\nRUN y".into())));
        s.apply(Action::Simulate(SimChange::NoCache));
        // Asked, not answered: not shown, so not exported.
        assert_eq!(export(&s).2, None);
        let (id, _) = s.build.simulate.clone().unwrap();
        let answer = |id, error: Option<&str>| Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Simulation(Box::new(SimulationView {
                id,
                error: error.map(str::to_string),
                ..SimulationView::default()
            })),
        };
        s.apply(answer(id, None));
        assert_eq!(
            export(&s),
            (
                Some(2),
                Some("FROM x\nRUN y".into()),
                Some(SimChange::NoCache)
            )
        );
        // A change the image cannot take is shown as an error, not exported.
        s.apply(Action::Simulate(SimChange::Base));
        s.apply(answer(id + 1, Some("no base")));
        assert_eq!(export(&s).2, None);
        // Downloading, until the answer (or a failure) comes.
        s.apply(Action::ExportCacheStarted);
        assert!(s.build.exporting);
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::ExportCache { json: "{}".into() },
        });
        assert!(!s.build.exporting);
        s.apply(Action::ExportCacheStarted);
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Failed {
                message: "no".into(),
                kind: "bad_request".into(),
            },
        });
        assert!(!s.build.exporting, "a failure ends the download too");
        assert!(s.summary.is_some(), "and the image stays open");
    }

    #[test]
    fn a_comparison_keeps_the_open_image_whatever_happens() {
        let mut s = opened();
        let respond = |s: &mut State, response: Response| {
            s.apply(Action::Response {
                gen: 1,
                now_ms: 0.0,
                response,
            })
        };
        s.apply(Action::CompareStarted("b.tar".into()));
        assert_eq!(s.compare.running.as_deref(), Some("b.tar"));
        // B is not an image: said in the pane, A stays open, no notice.
        respond(
            &mut s,
            Response::Failed {
                message: "b.tar: not an image".into(),
                kind: "not_an_archive".into(),
            },
        );
        assert_eq!(s.compare.error.as_deref(), Some("b.tar: not an image"));
        assert!(s.compare.running.is_none() && s.summary.is_some() && s.notice.is_none());
        assert_eq!(s.status.state_name(), "done");
        // Another try answers.
        s.apply(Action::CompareStarted("c.tar".into()));
        assert!(s.compare.error.is_none());
        respond(
            &mut s,
            Response::Compared(Box::new(ComparisonView {
                name: "c.tar".into(),
                ..ComparisonView::default()
            })),
        );
        assert_eq!(
            s.compare.view.as_ref().map(|v| v.name.as_str()),
            Some("c.tar")
        );
        // The tree can show the difference, until a layer is clicked.
        s.apply(Action::SetMode(Mode::Compare));
        assert_eq!(s.view(), Some(View::Compare { revision: 0 }));
        assert!(
            s.tree.pending.is_some(),
            "the tree asks for the comparison's rows"
        );
        s.apply(Action::SelectStep {
            index: 0,
            extend: false,
        });
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
        // A new comparison under way: the tree leaves the old one.
        s.apply(Action::SetMode(Mode::Compare));
        s.apply(Action::CompareStarted("e.tar".into()));
        assert_eq!(s.tree.mode, Mode::Union);
        respond(
            &mut s,
            Response::Compared(Box::new(ComparisonView {
                revision: 2,
                name: "e.tar".into(),
                ..ComparisonView::default()
            })),
        );
        s.apply(Action::CompareLayers(Some(1), None));
        assert_eq!(
            s.compare.layers,
            (Some(1), None),
            "the choice stands before the answer"
        );
        s.apply(Action::ExportCompareStarted);
        assert!(s.compare.exporting);
        respond(&mut s, Response::ExportCompare { json: "{}".into() });
        assert!(!s.compare.exporting);
        // A new image forgets the comparison.
        s.apply(Action::Open {
            gen: 2,
            name: "d.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        assert_eq!(s.compare, ComparePane::default());
    }

    #[test]
    fn the_container_view_follows_the_container_and_a_layer_click_leaves_it() {
        let mut s = opened();
        s.apply(Action::SetMode(Mode::Container));
        assert_eq!(s.view(), Some(View::Container { revision: 0 }));
        let before = s.tree.epoch;
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Container(Box::new(ContainerView {
                size: 44,
                revision: 1,
                ..ContainerView::default()
            })),
        });
        assert_eq!(s.view(), Some(View::Container { revision: 1 }));
        assert!(
            s.tree.epoch > before,
            "the tree asks again for the changed container"
        );
        s.apply(Action::SelectStep {
            index: 0,
            extend: false,
        });
        assert_eq!(s.view(), Some(View::Union { layer: 0 }));
    }

    #[test]
    fn a_new_image_forgets_the_build_the_simulation_and_the_container() {
        let mut s = opened();
        s.apply(Action::Simulate(SimChange::NoCache));
        s.apply(Action::SetBaseEnd(Some(1)));
        s.apply(Action::SetDockerfile(Some("FROM x".into())));
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Build(Box::default()),
        });
        s.apply(Action::Response {
            gen: 1,
            now_ms: 0.0,
            response: Response::Container(Box::default()),
        });
        s.apply(Action::Tour(Some(3)));
        s.apply(Action::Open {
            gen: 2,
            name: "other.tar".into(),
            sample: None,
            platform: None,
            started_ms: 0.0,
            keep_place: false,
        });
        assert_eq!(s.build, BuildPane::default());
        assert_eq!(s.container, ContainerPane::default());
        assert_eq!((s.build.base_end, s.build.dockerfile.clone()), (None, None));
        assert_eq!(
            s.tour.step,
            Some(3),
            "the tour goes on (it may have opened the demo itself)"
        );
        // A blank paste is no Dockerfile.
        s.apply(Action::SetDockerfile(Some("  \n".into())));
        assert_eq!(s.build.dockerfile, None);
    }
}
