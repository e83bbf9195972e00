//! The `path_*` calls, each resolved beneath its directory fd by
//! [`sandbox`](super::sandbox).

use super::errno::HostResult;
use super::sandbox::{self, Last, Parent, Resolver};
use super::stat::{classify, filestat};
use super::table::{Access, Entry, FdTable, Kind};
use crate::paths;
use crate::vfs::{self, Handle};
use rustix::fd::{AsFd, BorrowedFd};
use rustix::fs::{AtFlags, Mode, OFlags, Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};
use std::sync::Arc;
use wasi_abi::{Errno, Fd, Fdflags, Filestat, Filetype, Fstflags, Lookupflags, Oflags, Rights, Size, Timestamp};

/// Mode bits for files and directories the guest creates (less the umask):
/// 0o666 and 0o777.
const FILE_MODE: Mode =
    Mode::RUSR.union(Mode::WUSR).union(Mode::RGRP).union(Mode::WGRP).union(Mode::ROTH).union(Mode::WOTH);
const DIR_MODE: Mode = Mode::RWXU.union(Mode::RWXG).union(Mode::RWXO);

/// A directory fd a path call resolves beneath.
enum Dir<'t> {
    /// A host directory.
    Host(&'t Entry),
    /// A directory of a mounted file system.
    Mount(&'t Handle),
}

/// The directory for `fd`, after checking that it is one and (if
/// `modifies`) that it is not beneath a read-only mount (`EPERM`). A
/// virtual file that calls itself a directory (not a mount) has no names
/// to resolve: `EPERM`, as beneath a read-only mount.
fn dir_of(table: &FdTable, fd: Fd, modifies: bool) -> Result<Dir<'_>, Errno> {
    let e = table.get(fd)?;
    if modifies {
        e.mutable()?;
    }
    match e.mount() {
        Some(h) if e.filetype == Filetype::Directory => Ok(Dir::Mount(h)),
        None if e.kind == Kind::Virtual && e.filetype == Filetype::Directory => Err(Errno::PERM),
        _ => e.directory().map(Dir::Host),
    }
}

/// Validates `fstflags`: each time may be set to a value or to now, not both.
pub(crate) fn timestamps(atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<Timestamps, Errno> {
    fn one(value: Timestamp, set: bool, now: bool) -> Result<Timespec, Errno> {
        Ok(match (set, now) {
            (true, true) => return Err(Errno::INVAL),
            (true, false) => super::clock::to_timespec(value),
            (false, true) => Timespec { tv_sec: 0, tv_nsec: UTIME_NOW },
            (false, false) => Timespec { tv_sec: 0, tv_nsec: UTIME_OMIT },
        })
    }
    Ok(Timestamps {
        last_access: one(atim, flags.contains(Fstflags::ATIM), flags.contains(Fstflags::ATIM_NOW))?,
        last_modification: one(mtim, flags.contains(Fstflags::MTIM), flags.contains(Fstflags::MTIM_NOW))?,
    })
}

/// `path_open`. Rights are not enforced (docs/security.md): the host file
/// is opened for reading and writing as the rights ask
/// ([`crate::rights::open_access`]); beneath a read-only mount, writing,
/// creating or truncating is `EPERM`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open(
    table: &mut FdTable,
    resolver: Resolver,
    fd: Fd,
    dirflags: Lookupflags,
    path: &str,
    oflags: Oflags,
    base: Rights,
    _inheriting: Rights,
    fdflags: Fdflags,
) -> Result<Fd, Errno> {
    let dir = dir_of(table, fd, false)?;
    if oflags.contains(Oflags::CREAT | Oflags::DIRECTORY) {
        // As Linux (since 6.4) answers, before resolving anything; older
        // kernels created a regular file. Decided here for every host.
        return Err(Errno::INVAL);
    }
    let (read, write) = crate::rights::open_access(base, oflags);
    let readonly = table.get(fd)?.readonly;
    if readonly && (write || oflags.contains(Oflags::CREAT)) {
        return Err(Errno::PERM);
    }
    let follow = dirflags.contains(Lookupflags::SYMLINK_FOLLOW);
    let dir = match dir {
        Dir::Host(e) => e,
        Dir::Mount(h) => {
            let handle = vfs::path::open(h.fs(), h.ino(), path, follow, oflags, read, write)?;
            let mut entry = Entry::mounted(handle, readonly);
            entry.flags = fdflags;
            return table.insert(entry);
        }
    };
    let mut flags = match (read, write) {
        (true, false) => OFlags::RDONLY,
        (false, _) => OFlags::WRONLY,
        (true, true) => OFlags::RDWR,
    };
    flags |= OFlags::NOCTTY;
    // Apple systems and FreeBSD have no O_RSYNC.
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    if fdflags.contains(Fdflags::RSYNC) {
        return Err(Errno::NOTSUP);
    }
    for (o, h) in [
        (Oflags::CREAT, OFlags::CREATE),
        (Oflags::DIRECTORY, OFlags::DIRECTORY),
        (Oflags::EXCL, OFlags::EXCL),
        (Oflags::TRUNC, OFlags::TRUNC),
    ] {
        if oflags.contains(o) {
            flags |= h;
        }
    }
    for (f, h) in [
        (Fdflags::APPEND, OFlags::APPEND),
        (Fdflags::DSYNC, OFlags::DSYNC),
        (Fdflags::NONBLOCK, OFlags::NONBLOCK),
        #[cfg(not(any(target_os = "macos", target_os = "ios", target_os = "freebsd")))]
        (Fdflags::RSYNC, OFlags::RSYNC),
        (Fdflags::SYNC, OFlags::SYNC),
    ] {
        if fdflags.contains(f) {
            flags |= h;
        }
    }
    let host = sandbox::open(resolver, dir.fd()?, path, flags, FILE_MODE, follow)?;
    let (kind, filetype) = classify(host.as_fd())?;
    let mut entry = Entry::new(host, kind, filetype, Access::of_flags(flags));
    entry.flags = fdflags;
    entry.readonly = readonly;
    table.insert(entry)
}

/// `path_filestat_get`.
pub(crate) fn filestat_get(
    table: &FdTable,
    resolver: Resolver,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
) -> Result<Filestat, Errno> {
    let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
    match dir_of(table, fd, false)? {
        Dir::Mount(h) => vfs::path::filestat_get(&**h.fs(), h.ino(), path, follow),
        Dir::Host(dir) => Ok(filestat(&sandbox::stat(resolver, dir.fd()?, path, follow)?)),
    }
}

/// `path_filestat_set_times`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn filestat_set_times(
    table: &FdTable,
    resolver: Resolver,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
    atim: Timestamp,
    mtim: Timestamp,
    fst: Fstflags,
) -> Result<(), Errno> {
    let dir = match dir_of(table, fd, true)? {
        Dir::Mount(h) => {
            let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
            return vfs::path::filestat_set_times(&**h.fs(), h.ino(), path, follow, atim, mtim, fst);
        }
        Dir::Host(e) => e,
    };
    let times = timestamps(atim, mtim, fst)?;
    // A trailing slash makes the last component a directory to follow.
    let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW) || path.ends_with('/');
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if follow && super::platform::linux_fast() {
        let target = sandbox::open(resolver, dir.fd()?, path, OFlags::PATH, Mode::empty(), true)?;
        return rustix::fs::utimensat(&target, "", &times, AtFlags::EMPTY_PATH).wasi();
    }
    // Without O_PATH: the holding directory, and the name (never a symlink
    // when following) set with an *at call that does not follow it.
    let p = if follow {
        sandbox::locate(resolver, dir.fd()?, path, true)?
    } else {
        sandbox::parent(resolver, dir.fd()?, path)?
    };
    if p.trailing_slash {
        p.stat()?;
    }
    match &p.last {
        Last::Name(name) => rustix::fs::utimensat(&p.dir, &name[..], &times, AtFlags::SYMLINK_NOFOLLOW).wasi(),
        Last::Itself => set_times_of(p.dir.as_fd(), &times),
    }
}

/// Sets the times of the directory `fd` itself (a bare `O_PATH` handle or
/// an open directory).
fn set_times_of(fd: BorrowedFd<'_>, times: &Timestamps) -> Result<(), Errno> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if super::platform::linux_fast() {
        return rustix::fs::utimensat(fd, "", times, AtFlags::EMPTY_PATH).wasi();
    }
    rustix::fs::futimens(fd, times).wasi()
}

/// The host's side of the shared path rules: resolution by the sandbox,
/// one name changed by the `*at` calls.
struct HostTree<'a>(Resolver, std::marker::PhantomData<BorrowedFd<'a>>);

impl HostTree<'_> {
    fn new(resolver: Resolver) -> Self {
        HostTree(resolver, std::marker::PhantomData)
    }
}

fn lstat_kind(dir: BorrowedFd<'_>, name: &[u8]) -> Result<Filetype, Errno> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).wasi()?;
    Ok(super::readdir::filetype_of(rustix::fs::FileType::from_raw_mode(st.st_mode)))
}

impl<'a, 'p> crate::paths::Tree<'p> for HostTree<'a> {
    type Root = BorrowedFd<'a>;
    type Dir = sandbox::DirFd<'a>;
    type Name = std::borrow::Cow<'p, [u8]>;

    fn parent(&self, root: BorrowedFd<'a>, path: &'p str) -> Result<Parent<'a, 'p>, Errno> {
        sandbox::parent(self.0, root, path)
    }

    fn parent_following(&self, root: BorrowedFd<'a>, path: &'p str) -> Result<Parent<'a, 'p>, Errno> {
        sandbox::parent_following(root, path)
    }

    fn names_directory(&self, root: BorrowedFd<'a>, path: &str) -> Result<bool, Errno> {
        let dir_path = format!("{}/", path.trim_end_matches('/'));
        match sandbox::open(self.0, root, &dir_path, super::platform::dir_handle(), Mode::empty(), true) {
            Ok(_) => Ok(true),
            Err(Errno::NOTDIR) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn kind(&self, dir: &Self::Dir, name: &[u8]) -> Result<Filetype, Errno> {
        lstat_kind(dir.as_fd(), name)
    }

    fn mkdir(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno> {
        rustix::fs::mkdirat(dir, name, DIR_MODE).wasi()
    }

    fn unlink(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno> {
        rustix::fs::unlinkat(dir, name, AtFlags::empty()).wasi()
    }

    fn rmdir(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno> {
        rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR).wasi()
    }

    fn rename(&self, from: &Self::Dir, a: &[u8], to: &Self::Dir, b: &[u8]) -> Result<(), Errno> {
        rustix::fs::renameat(from, a, to, b).wasi()
    }

    fn symlink(&self, target: &str, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno> {
        rustix::fs::symlinkat(target, dir, name).wasi()
    }

    fn readlink(&self, dir: &Self::Dir, name: &[u8], buf: &mut [u8]) -> Result<Size, Errno> {
        let n = rustix::fs::readlinkat_raw(dir, name, buf).wasi()?;
        Ok(n as Size)
    }

    fn link(&self, from: &Self::Dir, a: &[u8], to: &Self::Dir, b: &[u8]) -> Result<(), Errno> {
        rustix::fs::linkat(from, a, to, b, AtFlags::empty()).wasi()
    }
}

/// Runs `$body` with `$t` the tree the directory `$fd` is on (the host's,
/// or its mount's) and `$root` the directory there: the shared rules of
/// [`crate::paths`], expanded once for each side.
macro_rules! on_tree {
    ($table:expr, $fd:expr, $modifies:expr, $resolver:expr, |$t:ident, $root:ident| $body:expr) => {
        match dir_of($table, $fd, $modifies)? {
            Dir::Host(e) => {
                let ($t, $root) = (&HostTree::new($resolver), e.fd()?);
                $body
            }
            Dir::Mount(h) => {
                let ($t, $root) = (&vfs::path::MountTree(&**h.fs()), h.ino());
                $body
            }
        }
    };
}

/// `path_create_directory`.
pub(crate) fn create_directory(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    on_tree!(table, fd, true, resolver, |t, root| paths::create_directory(t, root, path))
}

/// `path_unlink_file`.
pub(crate) fn unlink_file(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    on_tree!(table, fd, true, resolver, |t, root| paths::unlink_file(t, root, path))
}

/// `path_remove_directory`.
pub(crate) fn remove_directory(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    on_tree!(table, fd, true, resolver, |t, root| paths::remove_directory(t, root, path))
}

/// `path_symlink`.
pub(crate) fn symlink(table: &FdTable, resolver: Resolver, target: &str, fd: Fd, path: &str) -> Result<(), Errno> {
    on_tree!(table, fd, true, resolver, |t, root| paths::symlink(t, target, root, path))
}

/// `path_readlink`.
pub(crate) fn readlink(table: &FdTable, resolver: Resolver, fd: Fd, path: &str, buf: &mut [u8]) -> Result<Size, Errno> {
    on_tree!(table, fd, false, resolver, |t, root| paths::readlink(t, root, path, buf))
}

/// The roots of a call with two directories (`path_rename`,
/// `path_link`): both on the host, or both in one mount (`EXDEV` across).
enum Pair<'t> {
    Host(BorrowedFd<'t>, BorrowedFd<'t>),
    Mount(&'t Handle, &'t Handle),
}

fn pair<'t>(table: &'t FdTable, a: Fd, b: Fd) -> Result<Pair<'t>, Errno> {
    let (x, y) = (dir_of(table, a, true)?, dir_of(table, b, true)?);
    match (&x, &y) {
        (Dir::Host(e), Dir::Host(f)) => Ok(Pair::Host(e.fd()?, f.fd()?)),
        (Dir::Mount(m), Dir::Mount(n)) if std::ptr::addr_eq(Arc::as_ptr(m.fs()), Arc::as_ptr(n.fs())) => {
            Ok(Pair::Mount(m, n))
        }
        _ => Err(Errno::XDEV),
    }
}

/// `path_rename`.
pub(crate) fn rename(
    table: &FdTable,
    resolver: Resolver,
    fd: Fd,
    old: &str,
    new_fd: Fd,
    new: &str,
) -> Result<(), Errno> {
    match pair(table, fd, new_fd)? {
        Pair::Host(a, b) => paths::rename(&HostTree::new(resolver), a, old, b, new),
        Pair::Mount(a, b) => paths::rename(&vfs::path::MountTree(&**a.fs()), a.ino(), old, b.ino(), new),
    }
}

/// `path_link`.
pub(crate) fn link(
    table: &FdTable,
    resolver: Resolver,
    old_fd: Fd,
    old_flags: Lookupflags,
    old: &str,
    new_fd: Fd,
    new: &str,
) -> Result<(), Errno> {
    let follow = old_flags.contains(Lookupflags::SYMLINK_FOLLOW);
    match pair(table, old_fd, new_fd)? {
        Pair::Host(a, b) => paths::link(&HostTree::new(resolver), a, follow, old, b, new),
        Pair::Mount(a, b) => paths::link(&vfs::path::MountTree(&**a.fs()), a.ino(), follow, old, b.ino(), new),
    }
}
