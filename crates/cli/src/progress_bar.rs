//! The progress bar on stderr, drawn only when stderr is a terminal.

use layerscope_core::{human, Progress, ProgressInfo};
use std::io::Write;

pub struct Bar {
    enabled: bool,
    drawn: bool,
}

impl Bar {
    pub fn new(enabled: bool) -> Bar {
        Bar {
            enabled,
            drawn: false,
        }
    }

    pub fn clear(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Progress for Bar {
    fn update(&mut self, info: &ProgressInfo) -> bool {
        if !self.enabled {
            return true;
        }
        let width = 30usize;
        let (filled, pct) = match info.bytes_total {
            Some(total) if total > 0 => {
                let f = (info.bytes_done.min(total) as f64 / total as f64).clamp(0.0, 1.0);
                ((f * width as f64) as usize, format!("{:3.0}%", f * 100.0))
            }
            _ => (0, "   ".to_string()),
        };
        let layers = match info.layers_total {
            Some(t) => format!("  layer {}/{}", info.layers_done, t),
            None => String::new(),
        };
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K[{}{}] {} {}{}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            pct,
            human::bytes(info.bytes_done),
            layers
        );
        self.drawn = true;
        true
    }
}
