//! The grammar of the limit flags' values.

use std::time::Duration;

/// A value as given on the command line, and what it means.
#[derive(Clone, Debug)]
pub(crate) struct Given<T> {
    pub(crate) text: String,
    pub(crate) value: T,
}

/// `--max-memory`: a byte count, optionally with `K`, `M` or `G` (powers
/// of 1024; `KiB`, `MiB`, `GiB` and `B` spellings too).
pub(crate) fn parse_bytes(s: &str) -> Result<Given<usize>, String> {
    let lower = s.trim().to_ascii_lowercase();
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let scale: u64 = match &lower[digits.len()..] {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        unit => return Err(format!("unknown unit {unit:?} (use K, M or G)")),
    };
    let n: u64 = digits.parse().map_err(|_| format!("{s:?} is not a byte count"))?;
    let bytes = n.checked_mul(scale).and_then(|b| usize::try_from(b).ok()).ok_or("too large")?;
    if bytes == 0 {
        return Err("must be more than zero".into());
    }
    Ok(Given { text: s.to_owned(), value: bytes })
}

/// `--timeout`: a number with `ms`, `s`, `m` or `h` (a bare number is
/// seconds); fractions allowed.
pub(crate) fn parse_duration(s: &str) -> Result<Given<Duration>, String> {
    let t = s.trim();
    let (number, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let scale = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit {unit:?} (use ms, s, m or h)")),
    };
    let n: f64 = number.parse().map_err(|_| format!("{s:?} is not a duration"))?;
    let d = Duration::try_from_secs_f64(n * scale).map_err(|_| format!("{s:?} is out of range"))?;
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(Given { text: s.to_owned(), value: d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("65536").unwrap().value, 65536);
        assert_eq!(parse_bytes("64K").unwrap().value, 64 << 10);
        assert_eq!(parse_bytes("16MiB").unwrap().value, 16 << 20);
        assert_eq!(parse_bytes("2g").unwrap().value, 2 << 30);
        for bad in ["", "0", "-1", "12Q", "M", "1.5M", "99999999999999999999G"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s").unwrap().value, Duration::from_secs(1));
        assert_eq!(parse_duration("2").unwrap().value, Duration::from_secs(2));
        assert_eq!(parse_duration("250ms").unwrap().value, Duration::from_millis(250));
        assert_eq!(parse_duration("1.5m").unwrap().value, Duration::from_secs(90));
        assert_eq!(parse_duration("1h").unwrap().value, Duration::from_secs(3600));
        for bad in ["", "0", "0s", "-1s", "1d", "s", "1e400"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
