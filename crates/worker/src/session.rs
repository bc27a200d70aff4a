//! What the worker answers, without the browser: open an image from any
//! `Read + Seek`, and answer the page's questions about it. The wasm glue
//! (`web.rs`) only unpacks the message, wraps the `File`, and posts what
//! comes back, so everything here is tested natively.

use crate::build::Builds;
use crate::summary::summary;
use crate::views::{self, Views};
use layerscope_core::{Analysis, ErrorKind, Options, Progress, ProgressInfo};
use layerscope_protocol::{Request, Response};
use std::io::{Read, Seek};

/// `Failed.kind` for each engine error, and for the worker's own failures.
pub mod kind {
    /// A request the worker cannot take (bad JSON, a layer the image lacks, Open without a file).
    pub const BAD_REQUEST: &str = "bad_request";
    /// Tree, Story or Export before any image was opened.
    pub const NO_IMAGE: &str = "no_image";
    /// A bug: the worker panicked. The message says where.
    pub const PANIC: &str = "panic";
}

/// The `Failed.kind` of an engine error: its [`ErrorKind`] in snake case.
pub fn error_kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Empty => "empty",
        ErrorKind::NotAnArchive => "not_an_archive",
        ErrorKind::NotAnImage => "not_an_image",
        ErrorKind::Truncated => "truncated",
        ErrorKind::Corrupt => "corrupt",
        ErrorKind::BadJson => "bad_json",
        ErrorKind::MissingBlob => "missing_blob",
        ErrorKind::NoSuchImage => "no_such_image",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::TooLarge => "too_large",
        ErrorKind::Cancelled => "cancelled",
        ErrorKind::Io => "io",
    }
}

pub fn failed(kind: &str, message: impl Into<String>) -> Response {
    Response::Failed {
        message: message.into(),
        kind: kind.to_string(),
    }
}

/// An open image: what every later question is asked about.
#[derive(Debug)]
pub struct Image {
    pub name: String,
    pub analysis: Analysis,
}

/// Analyses an image. The failure is the `Failed` to post: the engine's
/// message prefixed by the file name, as the command line prints it.
pub fn open(
    reader: impl Read + Seek,
    name: &str,
    image: Option<String>,
    platform: Option<String>,
    progress: &mut dyn Progress,
) -> Result<Image, Response> {
    let options = Options { image, platform };
    match layerscope_core::analyze(reader, &options, progress) {
        Ok(analysis) => Ok(Image {
            name: name.to_string(),
            analysis,
        }),
        Err(e) => Err(failed(error_kind_name(e.kind), format!("{name}: {e}"))),
    }
}

/// The answer to `Opened`.
pub fn opened(image: &Image) -> Response {
    Response::Opened(Box::new(summary(&image.analysis, &image.name)))
}

/// Answers Tree, Story, Export, Findings… about `image` (Open is the caller's: it
/// needs the file that came with it).
pub fn answer(image: Option<&Image>, views: &mut Views, request: &Request) -> Response {
    let Some(image) = image else {
        return failed(kind::NO_IMAGE, "no image is open: open one first");
    };
    let a = &image.analysis;
    match request {
        Request::Open { .. } => failed(kind::BAD_REQUEST, "Open needs the file beside it"),
        Request::Compare { .. } => failed(kind::BAD_REQUEST, "Compare needs the file beside it"),
        Request::ExportCompare => crate::compare::export(image, views.compared.as_ref()),
        Request::CompareLayers { layer_a, layer_b } => {
            crate::compare::relayer(image, views, *layer_a, *layer_b)
        }
        Request::Tree(q) => match views.rows(a, q) {
            Ok(rows) => Response::Tree(rows),
            Err(e) => failed(kind::BAD_REQUEST, format!("{}: {}", image.name, e.0)),
        },
        Request::Story { path } => {
            let mut story = views::story(a, path, &views.container);
            story.compared = views.compared.as_ref().map(|c| {
                let other = views::story(&c.other.analysis, path, &Default::default());
                layerscope_protocol::ComparedStory {
                    name: c.other.name.clone(),
                    events: other.events,
                    visible_layer: other.visible_layer,
                }
            });
            if !views.partial {
                story.owner = views.packages(a).owner(&story.path);
            }
            Response::Story(story)
        }
        Request::Export => Response::Export {
            json: a.report_json(),
        },
        Request::Build {
            base_end,
            dockerfile,
        } => Response::Build(Box::new(
            views
                .builds
                .get_or_insert_with(|| Builds::new(a))
                .view(*base_end, dockerfile.as_deref()),
        )),
        Request::Simulate {
            id,
            change,
            base_end,
        } => Response::Simulation(Box::new(
            views
                .builds
                .get_or_insert_with(|| Builds::new(a))
                .simulate(*id, change, *base_end),
        )),
        Request::Container(op) => Response::Container(Box::new(views.container_op(a, op))),
        Request::Report(kind) => crate::reports::report(image, views, kind),
        Request::CheckRules { id, rules } => {
            Response::Rules(Box::new(crate::reports::check(image, views, *id, rules)))
        }
        Request::Treemap(q) => match crate::treemap::treemap(a, q) {
            Ok(map) => Response::Treemap {
                id: q.id,
                layer: q.layer,
                map: Some(Box::new(map)),
                error: None,
            },
            Err(e) => Response::Treemap {
                id: q.id,
                layer: q.layer,
                map: None,
                error: Some(e),
            },
        },
        Request::Findings => Response::Findings {
            findings: views
                .findings
                .get_or_insert_with(|| crate::findings::rows(a))
                .clone(),
        },
        Request::Packages => Response::Packages(Box::new(views.packages(a).view.clone())),
        Request::ExportCache {
            base_end,
            dockerfile,
            change,
        } => match views.builds.get_or_insert_with(|| Builds::new(a)).document(
            a,
            &image.name,
            *base_end,
            dockerfile.as_deref(),
            change.as_ref(),
        ) {
            Ok(json) => Response::ExportCache { json },
            Err(e) => failed(kind::BAD_REQUEST, format!("{}: {e}", image.name)),
        },
    }
}

/// The request in a message, or the `Failed` that says why it is not one.
pub fn parse_request(text: &str) -> Result<Request, Response> {
    serde_json::from_str(text).map_err(|e| {
        failed(
            kind::BAD_REQUEST,
            format!("the worker got a request it cannot read: {e}"),
        )
    })
}

/// A response as the message text.
pub fn to_text(response: &Response) -> String {
    // The protocol's types always serialize; keep a message even if not.
    serde_json::to_string(response).unwrap_or_else(|e| {
        format!(r#"{{"type":"failed","message":"the worker could not write its answer: {e}","kind":"panic"}}"#)
    })
}

/// Lets progress through at most once per `interval` (ms), plus the first.
#[derive(Debug, Clone)]
pub struct Throttle {
    interval: f64,
    last: Option<f64>,
}

impl Throttle {
    pub fn new(interval_ms: f64) -> Throttle {
        Throttle {
            interval: interval_ms,
            last: None,
        }
    }

    /// Whether to post now (`now` in ms, from any clock that does not go back).
    pub fn due(&mut self, now: f64) -> bool {
        let due = self.last.is_none_or(|t| now - t >= self.interval);
        if due {
            self.last = Some(now);
        }
        due
    }
}

pub fn progress(info: &ProgressInfo) -> Response {
    Response::Progress(layerscope_protocol::Progress {
        bytes_done: info.bytes_done,
        bytes_total: info.bytes_total,
        layers_done: info.layers_done,
        layers_total: info.layers_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_through_twenty_a_second() {
        let mut t = Throttle::new(50.0);
        let posted = (0..1000).filter(|ms| t.due(*ms as f64)).count();
        assert_eq!(posted, 20);
    }

    #[test]
    fn bad_requests_are_failures_not_panics() {
        let Err(Response::Failed { kind, message }) = parse_request("{\"type\":\"nope\"}") else {
            panic!("accepted");
        };
        assert_eq!(kind, "bad_request");
        assert!(message.contains("nope"), "{message}");
        let r = answer(None, &mut Views::new(), &Request::Export);
        assert!(matches!(r, Response::Failed { kind, .. } if kind == "no_image"));
    }
}
