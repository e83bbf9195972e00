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

/// `--timeout`: one or more numbers, each with a unit (`ns`, `us` or `µs`,
/// `ms`, `s`, `m`, `h`): `1m30s`, `250ms`, `1.5s`, `10us`. A bare number
/// is seconds. Must be more than zero.
pub(crate) fn parse_duration(s: &str) -> Result<Given<Duration>, String> {
    let bad = || format!("{s:?} is not a duration (like 1.5s, 250ms, 1m30s, 10us)");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, after) = rest.split_at(num_len);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        if number.is_empty() {
            return Err(bad());
        }
        let scale = match unit {
            "" if rest.len() == t.len() && next.is_empty() => 1.0,
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(bad()),
            other => return Err(format!("{s:?}: unknown unit {other:?} (use ns, us, ms, s, m or h)")),
        };
        total += number.parse::<f64>().map_err(|_| bad())? * scale;
        rest = next;
    }
    let d = Duration::try_from_secs_f64(total).map_err(|_| format!("{s:?} is out of range"))?;
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(Given { text: s.to_owned(), value: d })
}

/// A count that must be more than zero (`--fuel`, `--max-open-files`):
/// every limit refuses 0, which would stop the guest before it started.
pub(crate) fn parse_positive<T: std::str::FromStr + PartialEq + Default>(s: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let v: T = s.trim().parse().map_err(|e| format!("{e}"))?;
    if v == T::default() {
        return Err("must be more than zero".into());
    }
    Ok(v)
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
    fn positive_counts() {
        assert_eq!(parse_positive::<u64>("12"), Ok(12));
        assert!(parse_positive::<u64>("0").is_err());
        assert!(parse_positive::<usize>("-1").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s").unwrap().value, Duration::from_secs(1));
        assert_eq!(parse_duration("2").unwrap().value, Duration::from_secs(2));
        assert_eq!(parse_duration("250ms").unwrap().value, Duration::from_millis(250));
        assert_eq!(parse_duration("1.5m").unwrap().value, Duration::from_secs(90));
        assert_eq!(parse_duration("1h").unwrap().value, Duration::from_secs(3600));
        assert_eq!(parse_duration("1m30s").unwrap().value, Duration::from_secs(90));
        assert_eq!(parse_duration("10us").unwrap().value, Duration::from_micros(10));
        assert_eq!(parse_duration("2h5m").unwrap().value, Duration::from_secs(7500));
        assert_eq!(parse_duration("100ns").unwrap().value, Duration::from_nanos(100));
        for bad in ["", "0", "0s", "-1s", "1d", "s", "1e400", "1m30", "1s2", "..s", "5 s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
