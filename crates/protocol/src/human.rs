//! The one place that formats numbers for people: byte counts in decimal
//! units as `docker history` prints them, and percentages. It lives here, in
//! the dependency-free protocol crate, so the page (which must not carry the
//! engine's wasm) and the engine (`layerscope_core::human` re-exports it)
//! print the same text for the same number.

/// `1234567` → `"1.2 MB"`; exact bytes below 1 kB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// RFC 3339 stamps shortened for a table: `2000-01-01T00:00:00.123Z` → `2000-01-01 00:00:00`.
pub fn created(stamp: &str) -> String {
    let mut s: String = stamp.chars().take(19).collect();
    if s.len() == 19 && s.as_bytes()[10] == b'T' {
        s.replace_range(10..11, " ");
    }
    s
}

/// `0.98765` → `"98.77 %"`.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.2} %", fraction * 100.0)
}

/// `count(1, "layer", "layers")` → `"1 layer"`, `count(3, …)` → `"3 layers"`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(0, "layer", "layers"), "0 layers");
        assert_eq!(count(1, "layer", "layers"), "1 layer");
        assert_eq!(count(2, "step", "steps"), "2 steps");
    }

    #[test]
    fn formats_like_docker_history() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(5_612_345), "5.6 MB");
        assert_eq!(bytes(123_456_789), "123 MB");
        assert_eq!(bytes(999_990_000), "1.0 GB");
        assert_eq!(percent(0.5), "50.00 %");
        assert_eq!(percent(f64::NAN), "n/a");
    }
}
