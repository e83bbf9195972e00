//! The CLI's diagnostics (docs/diagnostics.md): backtraces on traps (with
//! source lines under `-D debug-info` or `WASMTIME_BACKTRACE_DETAILS=1`),
//! `-D coredump=PATH`, and `--profile=guest[,PATH[,INTERVAL]]` written in the
//! Firefox Profiler's format.

use fxprof_processed_profile as fx;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasi_wasmi::diagnostics::{Detail, FrameMap, Profile};

/// The profile's file when `--profile=guest` names none.
pub(crate) const DEFAULT_PROFILE: &str = "wasi-run-guest-profile.json";

/// Fuel units between samples when `--profile` gives no interval: about a
/// millisecond of interpretation.
pub(crate) const DEFAULT_INTERVAL: u64 = 1_000_000;

/// Fuel units per second the CLI assumes to turn a profile interval given
/// as a duration (wasmtime's form, `10ms`) into fuel.
pub(crate) const NOMINAL_FUEL_PER_SECOND: f64 = 100e6;

/// What `--profile` asks for.
#[derive(Debug, Clone)]
pub(crate) struct ProfileSpec {
    pub(crate) path: PathBuf,
    /// Fuel units between samples.
    pub(crate) interval: u64,
}

/// Parses `--profile`'s value: `guest[,PATH[,INTERVAL]]`, INTERVAL a number
/// of fuel units or a duration (`10ms`, converted at
/// [`NOMINAL_FUEL_PER_SECOND`]).
pub(crate) fn parse_profile(value: &str) -> Result<ProfileSpec, String> {
    let mut parts = value.splitn(3, ',');
    match parts.next() {
        Some("guest") => {}
        Some(other) => {
            return Err(format!("--profile={value}: {other:?} is not a profiler wasi-run has (it has guest)"));
        }
        None => return Err("--profile needs a value (--profile=guest)".into()),
    }
    let path = parts.next().filter(|p| !p.is_empty()).unwrap_or(DEFAULT_PROFILE).into();
    let interval = match parts.next() {
        None => DEFAULT_INTERVAL,
        Some(i) => match i.parse::<u64>() {
            Ok(0) => return Err(format!("--profile={value}: the interval must be more than zero")),
            Ok(n) => n,
            Err(_) => {
                let d = crate::limits::parse_duration(i).map_err(|e| format!("--profile={value}: {e}"))?;
                ((d.value.as_secs_f64() * NOMINAL_FUEL_PER_SECOND) as u64).max(1)
            }
        },
    };
    Ok(ProfileSpec { path, interval })
}

/// The detail backtraces get: source lines under `-D debug-info` or
/// wasmtime's `WASMTIME_BACKTRACE_DETAILS=1`.
pub(crate) fn detail(debug_info: bool) -> Detail {
    let env = std::env::var_os("WASMTIME_BACKTRACE_DETAILS").is_some_and(|v| v == "1");
    if debug_info || env { Detail::Lines } else { Detail::Frames }
}

/// Writes `profile` (function indices named by `map`) to `path` in the
/// Firefox Profiler's processed format: one thread, a sample per interval,
/// each with the stack it saw.
pub(crate) fn write_profile(path: &Path, map: &FrameMap, profile: &Profile, module: &str) -> std::io::Result<()> {
    let interval_ns = ((profile.interval as f64 / NOMINAL_FUEL_PER_SECOND) * 1e9) as u64;
    let start = fx::ReferenceTimestamp::from_system_time(std::time::SystemTime::now());
    let mut p =
        fx::Profile::new(&format!("wasi-run: {module}"), start, fx::SamplingInterval::from_nanos(interval_ns.max(1)));
    let process = p.add_process(module, std::process::id(), fx::Timestamp::from_millis_since_reference(0.0));
    let thread = p.add_thread(process, 1, fx::Timestamp::from_millis_since_reference(0.0), true);
    p.set_thread_name(thread, "main");
    let mut names = std::collections::HashMap::new();
    let mut previous = Duration::ZERO;
    for (at, stack) in &profile.samples {
        // Frames from the outermost caller to the innermost callee.
        let frames: Vec<fx::FrameInfo> = stack
            .iter()
            .rev()
            .map(|&func| {
                let name = names.entry(func).or_insert_with(|| map.function_name(func));
                fx::FrameInfo {
                    frame: fx::Frame::Label(p.intern_string(name)),
                    category_pair: fx::CategoryHandle::OTHER.into(),
                    flags: fx::FrameFlags::empty(),
                }
            })
            .collect();
        let stack = p.intern_stack_frames(thread, frames.into_iter());
        let ts = fx::Timestamp::from_nanos_since_reference(at.as_nanos() as u64);
        let cpu = fx::CpuDelta::from_nanos(at.saturating_sub(previous).as_nanos() as u64);
        previous = *at;
        p.add_sample(thread, ts, stack, cpu, 1);
    }
    let file = std::fs::File::create(path)?;
    serde_json::to_writer(std::io::BufWriter::new(file), &p).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_values() {
        let p = parse_profile("guest").unwrap();
        assert_eq!((p.path, p.interval), (PathBuf::from(DEFAULT_PROFILE), DEFAULT_INTERVAL));
        let p = parse_profile("guest,out.json,5000").unwrap();
        assert_eq!((p.path, p.interval), (PathBuf::from("out.json"), 5000));
        assert_eq!(parse_profile("guest,out.json,10ms").unwrap().interval, 1_000_000);
        assert!(parse_profile("perfmap").unwrap_err().contains("perfmap"));
        assert!(parse_profile("guest,x,0").is_err());
    }
}
