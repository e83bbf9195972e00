//! A mount made from what the embedder names on the host, as `wasi-run`
//! and the C API make one ([`open_mount`]): an empty in-memory tree, or a
//! host directory or `.tar` file indexed as a read-only archive, an
//! overlay, or an in-memory copy (docs/mounts.md).

use crate::vfs::{FileSystem, MemoryFs};
use std::path::Path;
use std::sync::Arc;

/// What a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// An in-memory tree: empty, or a copy of the source read in full.
    Memory,
    /// A `.tar` archive, read on demand (read-only unless asked otherwise,
    /// when it is an overlay).
    Tar,
    /// The source (a host directory or `.tar`) beneath an in-memory layer
    /// that takes every change.
    Overlay,
}

/// Makes the file system `kind` names from `source` (a host directory or
/// `.tar` file; none for an empty memory mount), holding at most `budget`
/// bytes in memory, read-only if `readonly`.
///
/// # Errors
/// A message naming the source and what was wrong with it.
pub fn open_mount(
    kind: MountKind,
    source: Option<&Path>,
    readonly: bool,
    budget: u64,
) -> Result<Arc<dyn FileSystem>, String> {
    let fs = match source {
        None if kind == MountKind::Memory => MemoryFs::with_budget(budget),
        None => return Err("needs a SOURCE".into()),
        Some(src) => from_source(kind, src, budget)?,
    };
    Ok(Arc::new(if readonly { fs.into_read_only() } else { fs }))
}

/// The mount `kind` makes of the host directory or `.tar` file `src`.
#[cfg(feature = "mounts")]
fn from_source(kind: MountKind, src: &Path, budget: u64) -> Result<MemoryFs, String> {
    let shown = src.display();
    let meta = std::fs::metadata(src).map_err(|e| format!("{shown}: {e}"))?;
    let fs = if meta.is_dir() {
        if kind == MountKind::Tar {
            return Err(format!("{shown}: a directory, not a .tar archive (use overlay: or --dir)"));
        }
        host_dir(src, budget).map_err(|e| format!("{shown}: {e}"))?
    } else {
        let file = std::fs::File::open(src).map_err(|e| format!("{shown}: {e}"))?;
        MemoryFs::from_tar(file, budget).map_err(|e| format!("{shown}: {e}"))?
    };
    if kind == MountKind::Memory {
        fs.load_blobs().map_err(|e| format!("{shown}: {e}"))?;
    }
    Ok(fs)
}

/// A build without the `mounts` feature makes no mount from the host.
#[cfg(not(feature = "mounts"))]
fn from_source(_kind: MountKind, src: &Path, _budget: u64) -> Result<MemoryFs, String> {
    Err(format!("{}: this build mounts no host directory or archive (the `mounts` feature is off)", src.display()))
}

/// A host directory indexed as the lower layer of a mount.
#[cfg(all(unix, feature = "mounts"))]
fn host_dir(src: &Path, budget: u64) -> Result<MemoryFs, String> {
    let fd = crate::unix::open_dir(src).map_err(|e| e.to_string())?;
    MemoryFs::from_host_dir(fd, budget).map_err(|e| e.to_string())
}

/// A host directory indexed as the lower layer of a mount.
#[cfg(all(windows, feature = "mounts"))]
fn host_dir(src: &Path, budget: u64) -> Result<MemoryFs, String> {
    let dir = crate::windows::open_dir(src).map_err(|e| e.to_string())?;
    MemoryFs::from_host_dir(dir, budget).map_err(|e| e.to_string())
}
