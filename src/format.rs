//! Text the page shows for numbers, times, digests and marks. Bytes and
//! percentages come from `layerscope_protocol::human`, the engine's own rule,
//! so the page and the CLI print the same figure the same way. Pure: tested
//! on the host.

use layerscope_protocol::{human, Mark, Progress, Reading};

pub use human::{bytes, percent};

/// A build step's number for people: from 1, as `docker build` ("Step
/// 3/10"), `layerscope cache` and the build pane count them (index `i` is
/// the step's place in the history, from 0; layers stay counted from 0,
/// as `layerscope ls --layer` takes them).
pub fn step(i: usize) -> usize {
    i + 1
}

/// `340 ms`, `3.4 s`, `42 s`, `2 min 05 s`.
pub fn duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "?".to_string();
    }
    if ms < 1000.0 {
        return format!("{} ms", ms.round() as u64);
    }
    let s = ms / 1000.0;
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{} s", s.round() as u64)
    } else {
        let s = s.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// What the status line says once an image is open: `analysed 1.2 GB in 3.4 s`.
pub fn analysed(bytes_read: Option<u64>, ms: f64) -> String {
    match bytes_read {
        Some(n) => format!("analysed {} in {}", bytes(n), duration(ms)),
        None => format!("analysed in {}", duration(ms)),
    }
}

/// How far an analysis is, 0 to 100: by bytes when the total is known, else by layers.
pub fn progress_percent(p: &Progress) -> u8 {
    let fraction = match (p.bytes_total, p.layers_total) {
        (Some(total), _) if total > 0 => p.bytes_done as f64 / total as f64,
        (_, Some(total)) if total > 0 => p.layers_done as f64 / total as f64,
        _ => 0.0,
    };
    (fraction.clamp(0.0, 1.0) * 100.0).floor() as u8
}

/// `12 MB of 40 MB · 2 of 7 layers`.
pub fn progress_text(p: &Progress) -> String {
    let read = match p.bytes_total {
        Some(total) => format!("{} of {}", bytes(p.bytes_done), bytes(total)),
        None => format!("{} read", bytes(p.bytes_done)),
    };
    let layers = match p.layers_total {
        Some(total) => format!("{} of {} layers", p.layers_done, total),
        None if p.layers_done == 1 => "1 layer".to_string(),
        None => format!("{} layers", p.layers_done),
    };
    format!("{read} · {layers}")
}

/// A build step as people read it: `/bin/sh -c #(nop)  CMD ["x"]` → `CMD ["x"]`,
/// `/bin/sh -c apk add curl` → `RUN apk add curl`. The history table keeps the
/// text exactly as recorded.
pub fn short_command(created_by: &str) -> String {
    let text = created_by.trim();
    if let Some(rest) = text.strip_prefix("/bin/sh -c #(nop)") {
        return rest.trim().to_string();
    }
    if let Some(rest) = text.strip_prefix("/bin/sh -c ") {
        return format!("RUN {}", rest.trim());
    }
    text.to_string()
}

/// The symbol beside a changed path: shape, not only colour, tells them apart.
pub fn mark_symbol(mark: Option<Mark>) -> &'static str {
    match mark {
        Some(Mark::Added) => "+",
        Some(Mark::Modified) => "~",
        Some(Mark::Removed) => "\u{2212}",
        None => "",
    }
}

/// `data-mark` and the CSS class: `added`, `modified`, `removed` or empty.
pub fn mark_name(mark: Option<Mark>) -> &'static str {
    match mark {
        Some(Mark::Added) => "added",
        Some(Mark::Modified) => "modified",
        Some(Mark::Removed) => "removed",
        None => "",
    }
}

/// A story event's `what` for people.
pub fn event_text(what: &str) -> &str {
    match what {
        "added" => "added",
        "modified" => "changed",
        "removed" => "deleted",
        "rewritten" => "rewritten with identical bytes (a new copy, no change)",
        "removed_with_parent" => "deleted with a directory above it",
        other => other,
    }
}

/// A file type letter (`find -printf %y`) as a word.
pub fn kind_name(kind: char) -> &'static str {
    match kind {
        'f' => "file",
        'd' => "directory",
        'l' => "symlink",
        'p' => "fifo",
        'c' => "character device",
        'b' => "block device",
        's' => "socket",
        _ => "entry",
    }
}

pub use layerscope_protocol::human::created;

/// The banner while the layers are read: how far, which layers are still
/// to come, and what works meanwhile.
pub fn reading(r: Reading) -> String {
    let to_come = match r.layers - r.layers_read {
        0 => String::new(),
        1 => format!("; layer {} is still being read", r.layers - 1),
        _ => format!(
            "; layers {}–{} are still being read",
            r.layers_read,
            r.layers - 1
        ),
    };
    format!(
        "Reading the layers: {} of {} read{to_come}. The tree, the story and the map show the layers read so far; findings, the build and the downloads come when all are read.",
        r.layers_read, r.layers
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0.4), "0 ms");
        assert_eq!(duration(340.2), "340 ms");
        assert_eq!(duration(3400.0), "3.4 s");
        assert_eq!(duration(42_400.0), "42 s");
        assert_eq!(duration(125_000.0), "2 min 05 s");
        assert_eq!(duration(f64::NAN), "?");
        assert_eq!(
            analysed(Some(1_234_000_000), 3_412.0),
            "analysed 1.2 GB in 3.4 s"
        );
        assert_eq!(analysed(None, 12.0), "analysed in 12 ms");
    }

    #[test]
    fn progress() {
        let mut p = Progress {
            bytes_done: 50,
            bytes_total: Some(200),
            layers_done: 1,
            layers_total: Some(4),
        };
        assert_eq!(progress_percent(&p), 25);
        assert_eq!(progress_text(&p), "50 B of 200 B · 1 of 4 layers");
        p.bytes_total = None;
        assert_eq!(progress_percent(&p), 25);
        p.layers_total = None;
        assert_eq!(progress_percent(&p), 0);
        assert_eq!(progress_text(&p), "50 B read · 1 layer");
        p.bytes_total = Some(10);
        assert_eq!(progress_percent(&p), 100);
    }

    #[test]
    fn digests_commands_and_stamps() {
        assert_eq!(
            short_command("/bin/sh -c #(nop)  CMD [\"/app/server\"]"),
            "CMD [\"/app/server\"]"
        );
        assert_eq!(short_command("/bin/sh -c apk add curl"), "RUN apk add curl");
        assert_eq!(
            short_command("COPY app /app # buildkit"),
            "COPY app /app # buildkit"
        );
        assert_eq!(created("2000-01-01T00:00:00Z"), "2000-01-01 00:00:00");
        assert_eq!(
            created("2000-01-01T00:00:00.5+02:00"),
            "2000-01-01 00:00:00"
        );
        assert_eq!(created("yesterday"), "yesterday");
    }

    #[test]
    fn marks() {
        assert_eq!(mark_symbol(Some(Mark::Removed)), "−");
        assert_eq!(mark_name(Some(Mark::Modified)), "modified");
        assert_eq!(mark_name(None), "");
        assert_eq!(bytes(5_612_345), "5.6 MB");
    }

    #[test]
    fn the_reading_banner_names_the_layers_to_come() {
        let r = |layers_read, layers| {
            reading(Reading {
                layers_read,
                layers,
            })
        };
        assert!(r(0, 12)
            .starts_with("Reading the layers: 0 of 12 read; layers 0–11 are still being read."));
        assert!(r(11, 12)
            .starts_with("Reading the layers: 11 of 12 read; layer 11 is still being read."));
        assert!(r(3, 3).starts_with("Reading the layers: 3 of 3 read. "));
    }
}
