//! wasmtime's `-S KEY[=VALUE]` and `-W KEY[=VALUE]` spellings, for the
//! options wasi-run has: each is rewritten into wasi-run's own option, and
//! a key wasi-run does not know is a one-line error naming it.

use crate::limits::{Given, parse_bytes, parse_duration, parse_positive};
use std::time::Duration;

/// What the `-S` options ask for.
#[derive(Debug, Default)]
pub(crate) struct Wasi {
    pub(crate) inherit_env: Option<bool>,
    pub(crate) tcplisten: Vec<String>,
    pub(crate) inherit_network: Option<bool>,
}

/// What the `-W` options ask for.
#[derive(Debug, Default)]
pub(crate) struct Wasm {
    pub(crate) fuel: Option<u64>,
    pub(crate) max_memory_size: Option<Given<usize>>,
    pub(crate) timeout: Option<Given<Duration>>,
    /// Proposals turned on or off: (key, on).
    pub(crate) features: Vec<(&'static str, bool)>,
}

/// The `-S` keys wasi-run accepts.
pub(crate) const WASI_KEYS: &[&str] = &["inherit-env", "tcplisten", "inherit-network"];

/// The `-W` keys wasi-run accepts.
pub(crate) const WASM_KEYS: &[&str] = &[
    "fuel",
    "max-memory-size",
    "timeout",
    "simd",
    "relaxed-simd",
    "memory64",
    "tail-call",
    "multi-memory",
    "extended-const",
];

/// wasmtime's booleans: nothing, `y`, `yes`, `true`, `n`, `no`, `false`.
fn boolean(flag: &str, key: &str, v: Option<&str>) -> Result<bool, String> {
    match v {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => Err(format!("{flag} {key}={other}: expected y or n")),
    }
}

fn value<'a>(flag: &str, key: &str, v: Option<&'a str>) -> Result<&'a str, String> {
    v.ok_or_else(|| format!("{flag} {key} needs a value ({flag} {key}=...)"))
}

/// The entries of repeated `-X` options, each a comma-separated list.
fn entries(values: &[String]) -> impl Iterator<Item = (&str, Option<&str>)> {
    values.iter().flat_map(|v| v.split(',')).filter(|e| !e.is_empty()).map(|e| match e.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (e, None),
    })
}

/// Parses the `-S` options.
pub(crate) fn wasi(values: &[String]) -> Result<Wasi, String> {
    let mut w = Wasi::default();
    for (key, v) in entries(values) {
        match key {
            "inherit-env" => w.inherit_env = Some(boolean("-S", key, v)?),
            "tcplisten" => w.tcplisten.push(value("-S", key, v)?.to_owned()),
            "inherit-network" => w.inherit_network = Some(boolean("-S", key, v)?),
            other => return Err(format!("-S {other}: not an option wasi-run has (it knows {})", WASI_KEYS.join(", "))),
        }
    }
    Ok(w)
}

/// Parses the `-W` options.
pub(crate) fn wasm(values: &[String]) -> Result<Wasm, String> {
    let mut w = Wasm::default();
    for (key, v) in entries(values) {
        let bad = |e: String| format!("-W {key}={}: {e}", v.unwrap_or(""));
        match key {
            "fuel" => w.fuel = Some(parse_positive(value("-W", key, v)?).map_err(bad)?),
            "max-memory-size" => w.max_memory_size = Some(parse_bytes(value("-W", key, v)?).map_err(bad)?),
            "timeout" => w.timeout = Some(parse_duration(value("-W", key, v)?).map_err(bad)?),
            _ => match WASM_KEYS.iter().find(|k| **k == key) {
                Some(k) => w.features.push((k, boolean("-W", key, v)?)),
                None => {
                    return Err(format!("-W {key}: not an option wasi-run has (it knows {})", WASM_KEYS.join(", ")));
                }
            },
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn wasi_keys() {
        let w = wasi(&strings(&["inherit-env", "tcplisten=127.0.0.1:0,inherit-network=n"])).unwrap();
        assert_eq!(w.inherit_env, Some(true));
        assert_eq!(w.tcplisten, ["127.0.0.1:0"]);
        assert_eq!(w.inherit_network, Some(false));
        assert!(wasi(&strings(&["nope"])).unwrap_err().contains("-S nope"));
        assert!(wasi(&strings(&["tcplisten"])).unwrap_err().contains("needs a value"));
        assert!(wasi(&strings(&["inherit-env=maybe"])).is_err());
    }

    #[test]
    fn wasm_keys() {
        let w = wasm(&strings(&["fuel=10,max-memory-size=1M", "timeout=1m30s,simd=n"])).unwrap();
        assert_eq!(w.fuel, Some(10));
        assert_eq!(w.max_memory_size.unwrap().value, 1 << 20);
        assert_eq!(w.timeout.unwrap().value, Duration::from_secs(90));
        assert_eq!(w.features, [("simd", false)]);
        assert!(wasm(&strings(&["fuel=0"])).is_err());
        assert!(wasm(&strings(&["cranelift-opt-level=2"])).unwrap_err().contains("-W cranelift-opt-level"));
    }
}
