//! Indexing a host directory into a [`MemoryFs`], the lower layer of an
//! overlay: the walk, its bounds and the nodes it makes, shared by the
//! hosts (`unix::lower`, `windows::lower`), which only list directories
//! and read files.

use super::{Blob, MemoryFs};
use std::sync::Arc;
use wasi_abi::{Errno, Timestamp};

/// The most entries a host tree may have to be mounted.
pub const MAX_LOWER_ENTRIES: usize = 1 << 20;

/// One entry of a host directory, as the host lists it.
pub(crate) enum Listed {
    /// Left out (a device, a FIFO, a socket, a name that is not UTF-8,
    /// what could not be looked at), but counted against the bound.
    Skip,
    Dir {
        name: String,
        mtim: Timestamp,
    },
    File {
        name: String,
        len: u64,
        mtim: Timestamp,
    },
    Symlink {
        name: String,
        target: String,
        mtim: Timestamp,
    },
}

/// Bytes of a `len`-byte file a read of `want` bytes at `offset` gets.
pub(crate) fn read_len(len: u64, want: usize, offset: u64) -> usize {
    want.min(usize::try_from(len.saturating_sub(offset)).unwrap_or(usize::MAX))
}

/// Indexes a host tree into a writable [`MemoryFs`] with the given budget:
/// `list` lists the directory at a `/`-separated path beneath the root
/// (`""` for the root itself), and `blob` makes the [`Blob`] that reads
/// the file at a path, of a length.
///
/// # Errors
/// `list`'s errors; `ENOSPC` when the tree does not fit the budget;
/// `E2BIG` past [`MAX_LOWER_ENTRIES`]; `ENAMETOOLONG` for a directory
/// deeper than the walk goes ([`crate::MAX_HELD_DIRS`]).
pub(crate) fn index(
    budget: u64,
    mut list: impl FnMut(&str) -> Result<Vec<Listed>, Errno>,
    mut blob: impl FnMut(&str, u64) -> Arc<dyn Blob>,
) -> Result<MemoryFs, Errno> {
    let fs = MemoryFs::with_budget(budget);
    let mut pending: Vec<String> = vec![String::new()];
    let mut count = 0usize;
    let under = |rel: &str, name: &str| if rel.is_empty() { name.to_owned() } else { format!("{rel}/{name}") };
    while let Some(rel) = pending.pop() {
        for entry in list(&rel)? {
            count += 1;
            if count > MAX_LOWER_ENTRIES {
                return Err(Errno::TOOBIG);
            }
            let (ino, mtim) = match entry {
                Listed::Skip => continue,
                Listed::Dir { name, mtim } => {
                    let path = under(&rel, &name);
                    if path.split('/').count() > crate::MAX_HELD_DIRS {
                        return Err(Errno::NAMETOOLONG);
                    }
                    let ino = fs.add_dir(&path)?;
                    pending.push(path);
                    (ino, mtim)
                }
                Listed::File { name, len, mtim } => {
                    let path = under(&rel, &name);
                    (fs.add_blob(&path, blob(&path, len))?, mtim)
                }
                Listed::Symlink { name, target, mtim } => (fs.add_symlink(&under(&rel, &name), &target)?, mtim),
            };
            fs.set_node_times(ino, mtim);
        }
    }
    Ok(fs)
}
