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
use crate::vfs::{Blob, FileSystem, Ino, MemoryFs};
use std::io::IoSliceMut;
use std::os::windows::io::OwnedHandle;
use std::sync::Arc;
use wasi_abi::{Errno, Filetype};

/// The most entries a host tree may have to be mounted.
pub const MAX_LOWER_ENTRIES: usize = 1 << 20;

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
        let left = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX);
        let n = buf.len().min(left);
        let r = walk(&self.host, &self.path, Filetype::RegularFile)
            .and_then(|ino| self.host.read(ino, &mut [IoSliceMut::new(&mut buf[..n])], offset));
        // Hold no handle for the file past the read.
        self.host.release_unused();
        r.map(|n| n as usize).map_err(|e| std::io::Error::other(e.to_string()))
    }
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
        let fs = MemoryFs::with_budget(budget);
        let mut pending: Vec<String> = vec![String::new()];
        let mut count = 0usize;
        while let Some(rel) = pending.pop() {
            let dir = if rel.is_empty() { host.root() } else { walk(&host, &rel, Filetype::Directory)? };
            for (name, _) in host.names(dir)? {
                count += 1;
                if count > MAX_LOWER_ENTRIES {
                    return Err(Errno::TOOBIG);
                }
                let Ok(name) = String::from_utf8(name) else { continue };
                let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
                let Ok((ino, filetype)) = host.lookup(dir, name.as_bytes()) else { continue };
                let Ok(st) = host.stat(ino) else { continue };
                let node = match filetype {
                    Filetype::Directory => {
                        if path.split('/').count() > crate::MAX_HELD_DIRS {
                            return Err(Errno::NAMETOOLONG);
                        }
                        pending.push(path.clone());
                        fs.add_dir(&path)?
                    }
                    Filetype::RegularFile => {
                        let blob = HostBlob { host: host.clone(), path: path.clone().into(), len: st.size };
                        fs.add_blob(&path, Arc::new(blob))?
                    }
                    Filetype::SymbolicLink => {
                        let Ok(target) = host.readlink(ino) else { continue };
                        let Ok(target) = String::from_utf8(target) else { continue };
                        fs.add_symlink(&path, &target)?
                    }
                    _ => continue,
                };
                fs.set_node_times(node, st.mtim);
            }
            // The nodes of this directory's entries hold handles: let them go.
            host.release_unused();
        }
        Ok(fs)
    }
}
