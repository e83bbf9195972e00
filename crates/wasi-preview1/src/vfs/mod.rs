//! File systems that are not the host's, mounted as preopened directories
//! beside host ones: [`FileSystem`], the trait any of them implements, and
//! [`MemoryFs`], the in-memory one (empty scratch space, a read-only index
//! of a `.tar` archive, or an overlay of a host directory or archive).
//!
//! A [`FileSystem`] is a tree of nodes named by inode numbers, as a kernel
//! sees one: it answers lookups of one name in one directory and changes
//! of one name, each atomically. Everything a path means (`..`, symlinks
//! in any position, trailing slashes, the escape rules, the errno of each
//! refusal) is decided once, in this module, over any file system, with
//! the host sandbox's answers (docs/mounts.md). So a file system has no
//! way to let a guest out of its mount, and no host path is ever named.
//!
//! A file system that cannot change implements only [`FileSystem::root`],
//! [`FileSystem::stat`], [`FileSystem::lookup`], [`FileSystem::read`] and
//! [`FileSystem::readdir`] (and [`FileSystem::readlink`] if it has
//! symlinks); the defaults of the other methods refuse as a read-only
//! mount does.
//!
//! ```
//! use std::sync::Arc;
//! use wasi_preview1::vfs::MemoryFs;
//!
//! let assets = MemoryFs::new();
//! assets.add_file("config/app.toml", b"answer = 42\n".to_vec()).unwrap();
//! let assets = Arc::new(assets.into_read_only());
//! let sys = wasi_preview1::unix::UnixSystem::builder().mount(assets, "/assets").build().unwrap();
//! # drop(sys);
//! ```

pub(crate) mod handle;
#[cfg(feature = "mounts")]
pub(crate) mod lower;
mod memory;
pub(crate) mod path;
#[cfg(all(any(unix, windows), feature = "mounts"))]
mod tar;

pub use handle::Handle;
pub use memory::{Blob, DEFAULT_BUDGET, MemoryFs, NAME_MAX};
#[cfg(all(any(unix, windows), feature = "mounts"))]
pub use tar::TarError;

use crate::system::Result;
use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use wasi_abi::{Dircookie, DirentWriter, Errno, Filesize, Filestat, Filetype, Size, Timestamp};

/// A node's serial number in its file system (`filestat.ino`).
pub type Ino = u64;

/// What [`FileSystem::create`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewNode<'a> {
    /// An empty regular file.
    File,
    /// An empty directory.
    Directory,
    /// A symlink with these contents (already checked to be relative).
    Symlink(&'a [u8]),
}

/// A tree of files, directories and symlinks that can be mounted as a
/// guest's preopened directory.
///
/// Each method acts on one node, or on one name in one directory, and must
/// be atomic with respect to the others (a lock around the tree will do).
/// Names are never empty, `.` or `..`, and never contain `/` or NUL. Each
/// method answers with the errno the matching `*at` system call would give
/// on Linux for that one name (the method's documentation says which).
pub trait FileSystem: fmt::Debug + Send + Sync {
    /// The root directory's inode.
    fn root(&self) -> Ino;

    /// Whether anything may change: `false` makes the mount read-only, so
    /// every change is refused (`EPERM`, as beneath a host `::ro` mount)
    /// before any method is called.
    fn writable(&self) -> bool {
        false
    }

    /// The node's `filestat` (`fstat`).
    fn stat(&self, ino: Ino) -> Result<Filestat>;

    /// The node called `name` in the directory `dir`, without following a
    /// symlink, and its type: `ENOENT` if there is none, `ENOTDIR` if
    /// `dir` is not a directory.
    fn lookup(&self, dir: Ino, name: &[u8]) -> Result<(Ino, Filetype)>;

    /// A symlink's contents: `EINVAL` for any other node.
    fn readlink(&self, _ino: Ino) -> Result<Vec<u8>> {
        Err(Errno::INVAL)
    }

    /// Reads a regular file's contents from `offset` into `bufs` (`pread`):
    /// fewer bytes at the end of the file, none past it.
    fn read(&self, ino: Ino, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size>;

    /// A directory's entries from `cookie` on, `.` and `..` included
    /// (`fd_readdir`): each entry's `d_next` is the cookie that continues
    /// after it, and a cookie stays valid while entries come and go.
    fn readdir(&self, dir: Ino, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()>;

    /// An fd now refers to the node: it must outlive its last name until
    /// [`FileSystem::close`].
    fn open(&self, _ino: Ino) {}

    /// An fd that referred to the node was closed.
    fn close(&self, _ino: Ino) {}

    /// Writes `bufs` at `offset`, or at the end for `None` (`pwrite`,
    /// append): the bytes written, and the offset after them. A file
    /// system that is full writes what fits, then says `ENOSPC`.
    fn write(&self, _ino: Ino, _bufs: &[IoSlice<'_>], _offset: Option<Filesize>) -> Result<(Size, Filesize)> {
        Err(Errno::PERM)
    }

    /// Writes a file's data through to its storage (`fsync`): nothing to
    /// do for a file system in memory.
    fn sync(&self, _ino: Ino) -> Result<()> {
        Ok(())
    }

    /// The system calls this after each path call: a file system that
    /// holds host resources for the nodes its lookups found may release
    /// those of nodes no fd refers to.
    fn release_unused(&self) {}

    /// Cuts or extends a regular file to `size` bytes (`ftruncate`).
    fn set_size(&self, _ino: Ino, _size: Filesize) -> Result<()> {
        Err(Errno::PERM)
    }

    /// Sets the node's access and modification times; `None` leaves one
    /// as it is (`utimensat` with `UTIME_OMIT`).
    fn set_times(&self, _ino: Ino, _atim: Option<Timestamp>, _mtim: Option<Timestamp>) -> Result<()> {
        Err(Errno::PERM)
    }

    /// Makes a node called `name` in `dir` (`mkdirat`, `openat` with
    /// `O_CREAT | O_EXCL`, `symlinkat`): `EEXIST` if the name is taken.
    fn create(&self, _dir: Ino, _name: &[u8], _node: NewNode<'_>) -> Result<Ino> {
        Err(Errno::PERM)
    }

    /// Removes the non-directory `name` from `dir` (`unlinkat`): `EISDIR`
    /// for a directory.
    fn unlink(&self, _dir: Ino, _name: &[u8]) -> Result<()> {
        Err(Errno::PERM)
    }

    /// Removes the empty directory `name` from `dir` (`unlinkat` with
    /// `AT_REMOVEDIR`): `ENOTDIR`, `ENOTEMPTY`.
    fn rmdir(&self, _dir: Ino, _name: &[u8]) -> Result<()> {
        Err(Errno::PERM)
    }

    /// Gives the node `from_dir`/`from` a second name, `to_dir`/`to`
    /// (`linkat` without following): `EPERM` for a directory, `EEXIST` if
    /// the new name is taken.
    fn link(&self, _from_dir: Ino, _from: &[u8], _to_dir: Ino, _to: &[u8]) -> Result<()> {
        Err(Errno::PERM)
    }

    /// Moves `from_dir`/`from` to `to_dir`/`to`, replacing what is there
    /// (`renameat`): `ENOTDIR`, `EISDIR`, `ENOTEMPTY`, and `EINVAL` for a
    /// directory moved beneath itself; nothing happens when both names
    /// are links to one node.
    fn rename(&self, _from_dir: Ino, _from: &[u8], _to_dir: Ino, _to: &[u8]) -> Result<()> {
        Err(Errno::PERM)
    }
}

/// The time now, as a preview1 timestamp (ns since the epoch).
pub(crate) fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
