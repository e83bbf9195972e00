//! `--mount KIND[:SOURCE]::GUEST[::ro][::size=BYTES]`: file systems that
//! are not host directories (docs/mounts.md).
//!
//! - `mem`: an empty in-memory directory;
//! - `mem:SOURCE`: an in-memory copy of the host directory or `.tar` SOURCE;
//! - `tar:FILE`: a `.tar` archive, read-only, its files read on demand;
//! - `overlay:SOURCE`: the host directory or `.tar` SOURCE beneath an
//!   in-memory layer that takes every change (the host never changes).

use crate::limits::parse_bytes;
use std::path::Path;
use std::sync::Arc;
#[cfg(unix)]
use wasi_preview1::unix::{MountKind, open_mount};
use wasi_preview1::vfs::{DEFAULT_BUDGET, FileSystem};
#[cfg(windows)]
use wasi_preview1::windows::{MountKind, open_mount};

/// One parsed `--mount`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MountSpec<'a> {
    pub(crate) kind: MountKind,
    pub(crate) source: Option<&'a str>,
    pub(crate) guest: &'a str,
    pub(crate) readonly: bool,
    pub(crate) budget: u64,
}

const FORM: &str = "expected KIND[:SOURCE]::GUEST[::ro][::size=BYTES], KIND one of mem, tar, overlay";

/// Splits a `--mount` value; the error names what was wrong.
pub(crate) fn parse(spec: &str) -> Result<MountSpec<'_>, String> {
    let mut parts = spec.split("::");
    let what = parts.next().unwrap_or_default();
    let guest = parts.next().filter(|g| !g.is_empty()).ok_or(FORM)?;
    let (kind, source) = match what.split_once(':') {
        Some((k, s)) => (k, Some(s).filter(|s| !s.is_empty())),
        None => (what, None),
    };
    let kind = match kind {
        "mem" => MountKind::Memory,
        "tar" => MountKind::Tar,
        "overlay" => MountKind::Overlay,
        other => return Err(format!("unknown kind {other:?}: {FORM}")),
    };
    if kind != MountKind::Memory && source.is_none() {
        return Err(format!("{} needs a SOURCE: {FORM}", what.trim_end_matches(':')));
    }
    let mut readonly = kind == MountKind::Tar;
    let mut budget = DEFAULT_BUDGET;
    for opt in parts {
        match opt {
            "ro" => readonly = true,
            "rw" if kind == MountKind::Tar => return Err("a tar mount is read-only (use overlay: to change it)".into()),
            "rw" => readonly = false,
            o if o.starts_with("size=") => {
                budget = parse_bytes(&o[5..]).map_err(|e| format!("size={}: {e}", &o[5..]))?.value as u64;
            }
            other => return Err(format!("unknown option ::{other} (::ro, ::rw or ::size=BYTES)")),
        }
    }
    Ok(MountSpec { kind, source, guest, readonly, budget })
}

/// Makes the file system a spec names, reading its source from the host.
pub(crate) fn open(spec: &MountSpec<'_>) -> Result<Arc<dyn FileSystem>, String> {
    open_mount(spec.kind, spec.source.map(Path::new), spec.readonly, spec.budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let m = parse("mem::/tmp").unwrap();
        assert_eq!(
            (m.kind, m.source, m.guest, m.readonly, m.budget),
            (MountKind::Memory, None, "/tmp", false, DEFAULT_BUDGET)
        );
        let m = parse("tar:a.tar::/a").unwrap();
        assert_eq!((m.kind, m.source, m.readonly), (MountKind::Tar, Some("a.tar"), true));
        let m = parse("overlay:site::/site::size=1M::ro").unwrap();
        assert_eq!((m.kind, m.source, m.readonly, m.budget), (MountKind::Overlay, Some("site"), true, 1 << 20));
        assert!(parse("mem").unwrap_err().contains("expected"));
        assert!(parse("disk:x::/x").unwrap_err().contains("unknown kind"));
        assert!(parse("tar::/x").unwrap_err().contains("needs a SOURCE"));
        assert!(parse("tar:a.tar::/x::rw").unwrap_err().contains("read-only"));
        assert!(parse("mem::/x::fast").unwrap_err().contains("unknown option"));
        assert!(parse("mem::/x::size=0").unwrap_err().contains("size=0"));
    }
}
