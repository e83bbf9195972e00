//! A host directory as a [`MemoryFs`] on Windows: the lower layer of an
//! overlay (or, with its contents loaded, an in-memory copy), as
//! `unix::lower` is on Unix.
//!
//! The tree is read once, when the mount is made, through a [`HostDir`]
//! (one name at a time beneath held handles, never following a reparse
//! point): every directory, file and symlink becomes a node, each file a
//! [`Blob`] that walks to the host file again, one name at a time and
//! refusing anything that is no longer a directory on the way, each time
//! the guest reads it. Nothing is ever written to the host. Names that are
//! not UTF-8 and reparse points that are not symlinks are left out.

use super::hostfs::HostDir;
use crate::vfs::lower::{Listed, index, read_len};
use crate::vfs::{Blob, FileSystem, Ino, MemoryFs};
use std::io::IoSliceMut;
use std::os::windows::io::OwnedHandle;
use std::sync::Arc;
use wasi_abi::{Errno, Filetype};

pub use crate::vfs::lower::MAX_LOWER_ENTRIES;

/// The node at `path` (`/`-separated, each component a plain name found
/// at indexing time) beneath the root: every component but the last must
/// still be a directory (`ENOTDIR` otherwise: a swap on the host cannot
/// lead elsewhere), and the last must be a `want`.
fn walk(host: &HostDir, path: &str, want: Filetype) -> Result<Ino, Errno> {
    let mut ino = host.root();
    let mut parts = path.split('/').peekable();
    while let Some(name) = parts.next() {
        let (next, filetype) = host.lookup(ino, name.as_bytes())?;
        let expect = if parts.peek().is_some() { Filetype::Directory } else { want };
        if filetype != expect {
            return Err(if expect == Filetype::Directory { Errno::NOTDIR } else { Errno::NOENT });
        }
        ino = next;
    }
    Ok(ino)
}

/// One host file's contents, read on demand.
#[derive(Debug)]
struct HostBlob {
    host: Arc<HostDir>,
    path: Box<str>,
    len: u64,
}

impl Blob for HostBlob {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let n = read_len(self.len, buf.len(), offset);
        let r = walk(&self.host, &self.path, Filetype::RegularFile)
            .and_then(|ino| self.host.read(ino, &mut [IoSliceMut::new(&mut buf[..n])], offset));
        // Hold no handle for the file past the read.
        self.host.release_unused();
        r.map(|n| n as usize).map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// The entries of the directory `rel` beneath the root.
fn list(host: &HostDir, rel: &str) -> Result<Vec<Listed>, Errno> {
    let dir = if rel.is_empty() { host.root() } else { walk(host, rel, Filetype::Directory)? };
    let mut out = Vec::new();
    for name in host.names(dir)? {
        let entry = String::from_utf8(name).ok().and_then(|name| {
            let (ino, filetype) = host.lookup(dir, name.as_bytes()).ok()?;
            let st = host.stat(ino).ok()?;
            let mtim = st.mtim;
            match filetype {
                Filetype::Directory => Some(Listed::Dir { name, mtim }),
                Filetype::RegularFile => Some(Listed::File { name, len: st.size, mtim }),
                Filetype::SymbolicLink => {
                    let target = String::from_utf8(host.readlink(ino).ok()?).ok()?;
                    Some(Listed::Symlink { name, target, mtim })
                }
                _ => None,
            }
        });
        out.push(entry.unwrap_or(Listed::Skip));
    }
    // The nodes of this directory's entries hold handles: let them go.
    host.release_unused();
    Ok(out)
}

impl MemoryFs {
    /// Indexes the host directory `dir` (a handle to it, as
    /// [`open_dir`](super::open_dir) opens one) into a writable tree with
    /// the given budget, whose files are read from the host when the guest
    /// reads them.
    ///
    /// # Errors
    /// A host error reading the tree; `ENOTDIR` if `dir` is no directory;
    /// `ENOSPC` when it does not fit the budget; `E2BIG` past
    /// [`MAX_LOWER_ENTRIES`]; `ENAMETOOLONG` deeper than the walk goes.
    pub fn from_host_dir(dir: OwnedHandle, budget: u64) -> Result<MemoryFs, Errno> {
        let host = Arc::new(HostDir::new(dir, false)?);
        index(
            budget,
            |rel| list(&host, rel),
            |path, len| Arc::new(HostBlob { host: host.clone(), path: path.into(), len }),
        )
    }
}
