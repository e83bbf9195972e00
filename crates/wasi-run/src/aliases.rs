//! wasmtime's `-S`, `-W`, `-C`, `-D` and `-O` `KEY[=VALUE]` spellings.
//!
//! Every key wasi-run knows is in one table, [`KEYS`], with what it does
//! here: it maps onto one of wasi-run's own options, turns a WebAssembly
//! proposal on or off, or is accepted and means nothing here (there is no
//! compiler to cache or tune, and preview1 is all there is). A key not in
//! the table is a one-line error naming it and the keys that flag knows.

use crate::limits::{Given, parse_bytes, parse_duration, parse_positive};
use std::time::Duration;

/// What a key does in wasi-run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Does {
    /// It sets the wasi-run option named.
    Maps(&'static str),
    /// It turns a WebAssembly proposal on (`=y`) or off (`=n`).
    Feature,
    /// Accepted with any value, and nothing changes, for this reason.
    Nothing(&'static str),
}

/// Every wasmtime key wasi-run accepts: (flag letter, key, what it does).
const KEYS: &[(char, &str, Does)] = &[
    ('S', "inherit-env", Does::Maps("--env-inherit")),
    ('S', "tcplisten", Does::Maps("--tcplisten")),
    ('S', "inherit-network", Does::Maps("--allow-net")),
    ('S', "preview2", Does::Nothing("preview1 is the one WASI wasi-run has, whichever implementation is asked for")),
    ('S', "cli", Does::Nothing("the command-line interface is always there")),
    ('W', "fuel", Does::Maps("--fuel")),
    ('W', "max-memory-size", Does::Maps("--max-memory")),
    ('W', "timeout", Does::Maps("--timeout")),
    ('W', "max-wasm-stack", Does::Maps("the engine's value-stack limit, in bytes")),
    ('W', "simd", Does::Feature),
    ('W', "relaxed-simd", Does::Feature),
    ('W', "memory64", Does::Feature),
    ('W', "tail-call", Does::Feature),
    ('W', "multi-memory", Does::Feature),
    ('W', "extended-const", Does::Feature),
    ('D', "debug-info", Does::Maps("source lines in backtraces (docs/diagnostics.md)")),
    ('D', "coredump", Does::Maps("a core dump on a trap (docs/diagnostics.md)")),
    ('C', "cache", Does::Nothing("nothing is compiled, so nothing is cached")),
    ('C', "cache-config", Does::Nothing("nothing is compiled, so nothing is cached")),
    ('C', "parallel-compilation", Does::Nothing("nothing is compiled")),
    ('O', "opt-level", Does::Nothing("nothing is compiled")),
];

/// The keys `flag` knows, for an error message.
fn known(flag: char) -> String {
    KEYS.iter().filter(|(f, ..)| *f == flag).map(|(_, k, _)| *k).collect::<Vec<_>>().join(", ")
}

/// What `-FLAG KEY` does, or the error naming it.
fn lookup(flag: char, key: &str) -> Result<(&'static str, Does), String> {
    match KEYS.iter().find(|(f, k, _)| *f == flag && *k == key) {
        Some((_, k, does)) => Ok((k, *does)),
        None if known(flag).is_empty() => Err(format!("-{flag} {key}: not an option wasi-run has")),
        None => Err(format!("-{flag} {key}: not an option wasi-run has (it knows {})", known(flag))),
    }
}

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
    pub(crate) max_wasm_stack: Option<usize>,
    /// Proposals turned on or off: (key, on).
    pub(crate) features: Vec<(&'static str, bool)>,
}

/// wasmtime's booleans: nothing, `y`, `yes`, `true`, `n`, `no`, `false`.
fn boolean(flag: char, key: &str, v: Option<&str>) -> Result<bool, String> {
    match v {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => Err(format!("-{flag} {key}={other}: expected y or n")),
    }
}

fn value<'a>(flag: char, key: &str, v: Option<&'a str>) -> Result<&'a str, String> {
    v.ok_or_else(|| format!("-{flag} {key} needs a value (-{flag} {key}=...)"))
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
        match lookup('S', key)? {
            ("inherit-env", _) => w.inherit_env = Some(boolean('S', key, v)?),
            ("tcplisten", _) => w.tcplisten.push(value('S', key, v)?.to_owned()),
            ("inherit-network", _) => w.inherit_network = Some(boolean('S', key, v)?),
            (_, Does::Nothing(_)) => {}
            (other, _) => unreachable!("-S {other} is in the table but not handled"),
        }
    }
    Ok(w)
}

/// Parses the `-W` options.
pub(crate) fn wasm(values: &[String]) -> Result<Wasm, String> {
    let mut w = Wasm::default();
    for (key, v) in entries(values) {
        let bad = |e: String| format!("-W {key}={}: {e}", v.unwrap_or(""));
        match lookup('W', key)? {
            ("fuel", _) => w.fuel = Some(parse_positive(value('W', key, v)?).map_err(bad)?),
            ("max-memory-size", _) => w.max_memory_size = Some(parse_bytes(value('W', key, v)?).map_err(bad)?),
            ("timeout", _) => w.timeout = Some(parse_duration(value('W', key, v)?).map_err(bad)?),
            ("max-wasm-stack", _) => w.max_wasm_stack = Some(parse_bytes(value('W', key, v)?).map_err(bad)?.value),
            (k, Does::Feature) => w.features.push((k, boolean('W', key, v)?)),
            (_, Does::Nothing(_)) => {}
            (other, _) => unreachable!("-W {other} is in the table but not handled"),
        }
    }
    Ok(w)
}

/// What the `-D` options ask for.
#[derive(Debug, Default)]
pub(crate) struct Debug {
    pub(crate) debug_info: Option<bool>,
    pub(crate) coredump: Option<String>,
}

/// Parses the `-D` options.
pub(crate) fn debug(values: &[String]) -> Result<Debug, String> {
    let mut d = Debug::default();
    for (key, v) in entries(values) {
        match lookup('D', key)? {
            ("debug-info", _) => d.debug_info = Some(boolean('D', key, v)?),
            ("coredump", _) => d.coredump = Some(value('D', key, v)?.to_owned()),
            (_, Does::Nothing(_)) => {}
            (other, _) => unreachable!("-D {other} is in the table but not handled"),
        }
    }
    Ok(d)
}

/// Checks the options of a flag whose every key means nothing here (`-C`,
/// `-O`): each must be one wasi-run knows.
pub(crate) fn accepted(flag: char, values: &[String]) -> Result<(), String> {
    for (key, _) in entries(values) {
        lookup(flag, key)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn wasi_keys() {
        let w = wasi(&strings(&["inherit-env", "tcplisten=127.0.0.1:0,inherit-network=n", "preview2=n"])).unwrap();
        assert_eq!(w.inherit_env, Some(true));
        assert_eq!(w.tcplisten, ["127.0.0.1:0"]);
        assert_eq!(w.inherit_network, Some(false));
        assert!(wasi(&strings(&["nope"])).unwrap_err().contains("-S nope"));
        assert!(wasi(&strings(&["tcplisten"])).unwrap_err().contains("needs a value"));
        assert!(wasi(&strings(&["inherit-env=maybe"])).is_err());
    }

    #[test]
    fn wasm_keys() {
        let w =
            wasm(&strings(&["fuel=10,max-memory-size=1M", "timeout=1m30s,simd=n", "max-wasm-stack=65536"])).unwrap();
        assert_eq!(w.fuel, Some(10));
        assert_eq!(w.max_memory_size.unwrap().value, 1 << 20);
        assert_eq!(w.timeout.unwrap().value, Duration::from_secs(90));
        assert_eq!(w.max_wasm_stack, Some(65536));
        assert_eq!(w.features, [("simd", false)]);
        assert!(wasm(&strings(&["fuel=0"])).is_err());
        assert!(wasm(&strings(&["max-wasm-stack=0"])).is_err());
        assert!(wasm(&strings(&["cranelift-opt-level=2"])).unwrap_err().contains("-W cranelift-opt-level"));
    }

    #[test]
    fn keys_that_mean_nothing_here() {
        assert!(accepted('C', &strings(&["cache=n", "parallel-compilation=y"])).is_ok());
        assert!(accepted('O', &strings(&["opt-level=2"])).is_ok());
        let e = accepted('C', &strings(&["compiler=cranelift"])).unwrap_err();
        assert!(e.starts_with("-C compiler: ") && e.contains("cache"), "{e}");
        let e = debug(&strings(&["logging=y"])).unwrap_err();
        assert!(e.starts_with("-D logging: not an option wasi-run has"), "{e}");
        let d = debug(&strings(&["debug-info,coredump=core.wasm"])).unwrap();
        assert_eq!((d.debug_info, d.coredump.as_deref()), (Some(true), Some("core.wasm")));
    }

    /// Each key is in the table once, and each that maps is handled.
    #[test]
    fn the_table_is_whole() {
        for (i, (f, k, _)) in KEYS.iter().enumerate() {
            assert!(!KEYS[..i].iter().any(|(g, l, _)| g == f && l == k), "-{f} {k} twice");
        }
        let with = |k: &str, v: &str| strings(&[&format!("{k}={v}")]);
        for (f, k, does) in KEYS {
            let v = match (*k, does) {
                ("timeout", _) => "1s",
                ("tcplisten", _) => "127.0.0.1:0",
                ("fuel" | "max-memory-size" | "max-wasm-stack", _) => "4096",
                (_, Does::Feature) => "n",
                _ => "y",
            };
            let r = match f {
                'S' => wasi(&with(k, v)).map(drop),
                'W' => wasm(&with(k, v)).map(drop),
                'D' => debug(&with(k, v)).map(drop),
                _ => accepted(*f, &with(k, v)),
            };
            assert!(r.is_ok(), "-{f} {k}={v}: {r:?}");
        }
    }
}
