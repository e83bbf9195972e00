//! Opening a host directory the embedder names, as `wasi-run` and the C
//! API do, to preopen or mount it ([`open_dir`]).

use rustix::fd::OwnedFd;
use std::path::Path;

/// Opens the host directory `path` to preopen or mount it (read-only,
/// close-on-exec; not a directory is `ENOTDIR`).
///
/// # Errors
/// The host's error opening it.
pub fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
    Ok(rustix::fs::open(path, flags, rustix::fs::Mode::empty())?)
}
