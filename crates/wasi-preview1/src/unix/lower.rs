//! A host directory as a [`MemoryFs`]: the lower layer of an overlay (or,
//! with its contents loaded, an in-memory copy).
//!
//! The tree is read once, when the mount is made: every directory, file
//! and symlink beneath the host directory becomes a node, each file a
//! [`Blob`] that opens the host file (beneath the directory, by the
//! sandbox resolver, so a swap on the host cannot lead outside it) each
//! time the guest reads it. Nothing is ever written to the host. Devices,
//! FIFOs, sockets and names that are not UTF-8 are left out.

use super::sandbox::{self, Resolver};
use crate::vfs::lower::{Listed, index, read_len};
use crate::vfs::{Blob, MemoryFs};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::sync::Arc;
use wasi_abi::Errno;

pub use crate::vfs::lower::MAX_LOWER_ENTRIES;

/// One host file's contents, read on demand.
#[derive(Debug)]
struct HostBlob {
    root: Arc<OwnedFd>,
    path: Box<str>,
    len: u64,
}

impl Blob for HostBlob {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let fd = sandbox::open(Resolver::Auto, self.root.as_fd(), &self.path, OFlags::RDONLY, Mode::empty(), false)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let n = read_len(self.len, buf.len(), offset);
        Ok(rustix::io::pread(&fd, &mut buf[..n], offset)?)
    }
}

fn ns(sec: i64, nsec: u64) -> u64 {
    u64::try_from(sec).unwrap_or(0).saturating_mul(1_000_000_000).saturating_add(nsec)
}

/// The entries of the directory `rel` beneath `root` (UTF-8 names only).
fn list(root: &OwnedFd, rel: &str) -> Result<Vec<Listed>, Errno> {
    let fd = if rel.is_empty() {
        rustix::fs::openat(root.as_fd(), ".", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            .map_err(super::errno::from_host)?
    } else {
        sandbox::open(Resolver::Auto, root.as_fd(), rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty(), false)?
    };
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&fd).map_err(super::errno::from_host)? {
        let entry = entry.map_err(super::errno::from_host)?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        if let Ok(name) = std::str::from_utf8(name) {
            names.push(name.to_owned());
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Ok(st) = rustix::fs::statat(&fd, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) else {
            out.push(Listed::Skip);
            continue;
        };
        #[allow(clippy::unnecessary_cast)]
        let mtim = ns(st.st_mtime as i64, st.st_mtime_nsec as u64);
        out.push(match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => Listed::Dir { name, mtim },
            FileType::RegularFile => Listed::File { name, len: st.st_size as u64, mtim },
            FileType::Symlink => {
                let target = rustix::fs::readlinkat(&fd, name.as_str(), Vec::new()).map_err(super::errno::from_host)?;
                match target.into_string() {
                    Ok(target) => Listed::Symlink { name, target, mtim },
                    Err(_) => Listed::Skip,
                }
            }
            _ => Listed::Skip,
        });
    }
    Ok(out)
}

impl MemoryFs {
    /// Indexes the host directory `dir` into a writable tree with the
    /// given budget, whose files are read from the host when the guest
    /// reads them.
    ///
    /// # Errors
    /// A host error reading the tree; `ENOSPC` when it does not fit the
    /// budget; `E2BIG` past [`MAX_LOWER_ENTRIES`]; `ENAMETOOLONG` deeper
    /// than the resolver goes.
    pub fn from_host_dir(dir: OwnedFd, budget: u64) -> Result<MemoryFs, Errno> {
        let root = Arc::new(dir);
        index(
            budget,
            |rel| list(&root, rel),
            |path, len| Arc::new(HostBlob { root: root.clone(), path: path.into(), len }),
        )
    }
}
