//! The `path_*` calls, each resolved beneath its directory fd by
//! [`sandbox`](super::sandbox).

use super::errno::HostResult;
use super::sandbox::{self, Last, Parent, Resolver};
use super::stat::{classify, filestat};
use super::table::{Access, Entry, FdTable, Kind};
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

/// The host directory entry for `fd` (see [`dir_of`]): `EXDEV` for a
/// mounted one, where a call needs both of its directories on one side.
fn dir_entry(table: &FdTable, fd: Fd, modifies: bool) -> Result<&Entry, Errno> {
    match dir_of(table, fd, modifies)? {
        Dir::Host(e) => Ok(e),
        Dir::Mount(_) => Err(Errno::XDEV),
    }
}

/// Two directories of one call (`path_rename`, `path_link`): both host
/// directories (`None`), or both of one mounted file system; across file
/// systems, `EXDEV`.
fn same_mount<'t>(a: &Dir<'t>, b: &Dir<'t>) -> Result<Option<(&'t Handle, &'t Handle)>, Errno> {
    match (a, b) {
        (Dir::Host(_), Dir::Host(_)) => Ok(None),
        (Dir::Mount(x), Dir::Mount(y)) if std::ptr::addr_eq(Arc::as_ptr(x.fs()), Arc::as_ptr(y.fs())) => {
            Ok(Some((x, y)))
        }
        _ => Err(Errno::XDEV),
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
/// is opened for reading and writing as `FD_READ`/`FD_READDIR` and
/// `FD_WRITE` ask, and for writing when `TRUNC` does; beneath a read-only
/// mount, writing, creating or truncating is `EPERM`.
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
    let write = base.contains(Rights::FD_WRITE) || oflags.contains(Oflags::TRUNC);
    let read = base.intersects(Rights::FD_READ | Rights::FD_READDIR) || !write;
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

/// Whether `path` (beneath `root`, symlinks followed inside the sandbox)
/// names a directory: `Ok(false)` if it names something else.
fn names_directory(resolver: Resolver, root: BorrowedFd<'_>, path: &str) -> Result<bool, Errno> {
    let dir_path = format!("{}/", path.trim_end_matches('/'));
    match sandbox::open(resolver, root, &dir_path, super::platform::dir_handle(), Mode::empty(), true) {
        Ok(_) => Ok(true),
        Err(Errno::NOTDIR) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether the last name of `p` exists (without following it).
fn last_exists(p: &Parent<'_, '_>) -> Result<bool, Errno> {
    let Last::Name(name) = &p.last else { return Ok(true) };
    match rustix::fs::statat(&p.dir, &name[..], AtFlags::SYMLINK_NOFOLLOW) {
        Ok(_) => Ok(true),
        Err(rustix::io::Errno::NOENT) => Ok(false),
        Err(e) => Err(super::errno::from_host(e)),
    }
}

/// The parent of `path` beneath the directory `fd`, for a call that
/// changes the tree.
fn parent_of<'t, 'p>(table: &'t FdTable, resolver: Resolver, fd: Fd, path: &'p str) -> Result<Parent<'t, 'p>, Errno> {
    let dir = dir_entry(table, fd, true)?;
    sandbox::parent(resolver, dir.fd()?, path)
}

/// `path_create_directory`.
pub(crate) fn create_directory(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    if let Dir::Mount(h) = dir_of(table, fd, true)? {
        return vfs::path::create_directory(&**h.fs(), h.ino(), path);
    }
    let p = parent_of(table, resolver, fd, path)?;
    match &p.last {
        Last::Name(name) => rustix::fs::mkdirat(&p.dir, &name[..], DIR_MODE).wasi(),
        Last::Itself => Err(Errno::EXIST),
    }
}

/// `path_unlink_file`.
pub(crate) fn unlink_file(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    if let Dir::Mount(h) = dir_of(table, fd, true)? {
        return vfs::path::unlink_file(&**h.fs(), h.ino(), path);
    }
    let p = parent_of(table, resolver, fd, path)?;
    let Last::Name(name) = &p.last else { return Err(Errno::ISDIR) };
    if p.trailing_slash {
        // "file/" names a directory: unlinking it is EISDIR if it is one,
        // and ENOTDIR if it is not.
        let st = rustix::fs::statat(&p.dir, &name[..], AtFlags::SYMLINK_NOFOLLOW).wasi()?;
        return Err(if rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir() {
            Errno::ISDIR
        } else {
            Errno::NOTDIR
        });
    }
    rustix::fs::unlinkat(&p.dir, &name[..], AtFlags::empty()).wasi()
}

/// `path_remove_directory`.
pub(crate) fn remove_directory(table: &FdTable, resolver: Resolver, fd: Fd, path: &str) -> Result<(), Errno> {
    if let Dir::Mount(h) = dir_of(table, fd, true)? {
        return vfs::path::remove_directory(&**h.fs(), h.ino(), path);
    }
    let p = parent_of(table, resolver, fd, path)?;
    match &p.last {
        Last::Name(name) => rustix::fs::unlinkat(&p.dir, &name[..], AtFlags::REMOVEDIR).wasi(),
        Last::Itself if path.trim_end_matches('/').ends_with("..") => Err(Errno::NOTEMPTY),
        Last::Itself => Err(Errno::INVAL),
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
    if let Some((a, b)) = same_mount(&dir_of(table, fd, true)?, &dir_of(table, new_fd, true)?)? {
        return vfs::path::rename(&**a.fs(), a.ino(), old, b.ino(), new);
    }
    let from = parent_of(table, resolver, fd, old)?;
    let to = parent_of(table, resolver, new_fd, new)?;
    let (Last::Name(a), Last::Name(b)) = (&from.last, &to.last) else { return Err(Errno::BUSY) };
    if from.trailing_slash || to.trailing_slash {
        // A trailing slash on either side requires the source to be a directory.
        let st = rustix::fs::statat(&from.dir, &a[..], AtFlags::SYMLINK_NOFOLLOW).wasi()?;
        if !rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir() {
            return Err(Errno::NOTDIR);
        }
    }
    rustix::fs::renameat(&from.dir, &a[..], &to.dir, &b[..]).wasi()
}

/// `path_symlink`: the link's contents are stored as given, but only a
/// relative target is accepted: the sandbox never follows an absolute one,
/// and a host program should not be led out of the mount by one either.
pub(crate) fn symlink(table: &FdTable, resolver: Resolver, target: &str, fd: Fd, path: &str) -> Result<(), Errno> {
    if let Dir::Mount(h) = dir_of(table, fd, true)? {
        return vfs::path::symlink(&**h.fs(), target, h.ino(), path);
    }
    let p = parent_of(table, resolver, fd, path)?;
    crate::paths::check_symlink_target(target)?;
    let Last::Name(name) = &p.last else { return Err(Errno::EXIST) };
    if p.trailing_slash {
        // "link/" names a directory, which a symlink cannot be: an existing
        // directory is EEXIST, an existing non-directory ENOTDIR (wasmtime's
        // answer; Linux says EEXIST), nothing there ENOENT.
        return Err(match rustix::fs::statat(&p.dir, &name[..], AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir() => Errno::EXIST,
            Ok(_) => Errno::NOTDIR,
            Err(rustix::io::Errno::NOENT) => Errno::NOENT,
            Err(e) => super::errno::from_host(e),
        });
    }
    rustix::fs::symlinkat(target, &p.dir, &name[..]).wasi()
}

/// `path_readlink`: the contents, truncated to fit `buf`.
pub(crate) fn readlink(table: &FdTable, resolver: Resolver, fd: Fd, path: &str, buf: &mut [u8]) -> Result<Size, Errno> {
    let dir = match dir_of(table, fd, false)? {
        Dir::Mount(h) => return vfs::path::readlink(&**h.fs(), h.ino(), path, buf),
        Dir::Host(e) => e,
    };
    let p = sandbox::parent(resolver, dir.fd()?, path)?;
    let Last::Name(name) = &p.last else { return Err(Errno::INVAL) };
    if p.trailing_slash {
        // "link/" names what the link points to, which is not a link.
        return Err(if names_directory(resolver, dir.fd()?, path)? { Errno::INVAL } else { Errno::NOTDIR });
    }
    if buf.is_empty() {
        // readlinkat(2) refuses a 0-byte buffer; preview1 truncates the
        // contents to fit (to nothing), once the name is known to be a link.
        let st = rustix::fs::statat(&p.dir, &name[..], AtFlags::SYMLINK_NOFOLLOW).wasi()?;
        if !rustix::fs::FileType::from_raw_mode(st.st_mode).is_symlink() {
            return Err(Errno::INVAL);
        }
        return Ok(0);
    }
    let n = rustix::fs::readlinkat_raw(&p.dir, &name[..], &mut *buf).wasi()?;
    Ok(n as Size)
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
    if let Some((a, b)) = same_mount(&dir_of(table, old_fd, true)?, &dir_of(table, new_fd, true)?)? {
        let follow = old_flags.contains(Lookupflags::SYMLINK_FOLLOW);
        return vfs::path::link(&**a.fs(), a.ino(), follow, old, b.ino(), new);
    }
    let old_dir = dir_entry(table, old_fd, true)?;
    let from = if old_flags.contains(Lookupflags::SYMLINK_FOLLOW) {
        sandbox::parent_following(old_dir.fd()?, old)?
    } else {
        sandbox::parent(resolver, old_dir.fd()?, old)?
    };
    let to = parent_of(table, resolver, new_fd, new)?;
    let Last::Name(a) = &from.last else { return Err(Errno::PERM) };
    let Last::Name(b) = &to.last else { return Err(Errno::EXIST) };
    if from.trailing_slash {
        // "src/" names a directory, and directories cannot be hard-linked.
        return Err(if names_directory(resolver, old_dir.fd()?, old)? { Errno::PERM } else { Errno::NOTDIR });
    }
    if to.trailing_slash {
        // A non-directory cannot be created under a name ending in a slash.
        last_exists(&from).and_then(|e| if e { Ok(()) } else { Err(Errno::NOENT) })?;
        return Err(if last_exists(&to)? { Errno::EXIST } else { Errno::NOENT });
    }
    rustix::fs::linkat(&from.dir, &a[..], &to.dir, &b[..], AtFlags::empty()).wasi()
}
