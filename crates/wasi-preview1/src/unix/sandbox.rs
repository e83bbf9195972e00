//! Sandboxed path resolution: every guest path resolves beneath its
//! directory fd, on every component, or fails.
//!
//! Two resolvers give the same answers:
//!
//! - **openat2**: `openat2(dir, path, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`.
//!   The kernel refuses `..` past `dir`, absolute symlinks and magic links
//!   (`/proc/self/fd/N`), atomically with respect to concurrent renames
//!   (a racing rename makes it fail with `EAGAIN`, and we retry).
//! - **manual**: one component at a time with `O_NOFOLLOW`, holding an open
//!   fd for every ancestor, so `..` pops a held fd and never opens `..` on
//!   disk. A symlink is expanded by `readlinkat` on the held parent (at most
//!   40 times, then `ELOOP`); an absolute target or a `..` past the root is
//!   [`ESCAPE`]. Nothing is ever resolved by the kernel across more than
//!   one component, so a concurrent swap of a directory for a symlink can
//!   only change which name inside the sandbox is reached.
//!
//! Operations that change the tree (mkdir, unlink, rmdir, rename, link,
//! symlink, set_times without follow) use [`parent`]: the parent is opened
//! beneath the root and the operation acts on the last name only, with an
//! `*at` call that does not follow it.

use super::errno::HostResult;
use super::platform::{dir_handle, is_path_handle};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno as Host;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};
use wasi_abi::Errno;

use crate::paths::{self, Final, Through, check_path, ends_as_directory, single_name, split_last};
pub use crate::paths::{ESCAPE, MAX_HELD_DIRS, MAX_SYMLINK_EXPANSIONS};

/// How many times an `openat2` interrupted by a concurrent rename is retried
/// before the manual resolver takes over for that call.
#[cfg(target_os = "linux")]
const OPENAT2_RETRIES: u32 = 8;

/// Which resolver to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Resolver {
    /// `openat2` where the kernel has it, else the manual resolver.
    #[default]
    Auto,
    /// Always the component-by-component resolver (for testing, and for
    /// kernels or sandboxes without `openat2`).
    Manual,
}

/// Whether `openat2` works here: 0 = not yet known, 1 = yes, 2 = no.
static OPENAT2: AtomicU8 = AtomicU8::new(0);

fn openat2_usable(resolver: Resolver) -> bool {
    cfg!(target_os = "linux")
        && super::platform::linux_fast()
        && resolver == Resolver::Auto
        && OPENAT2.load(Ordering::Relaxed) != 2
}

/// `openat` of one name. FreeBSD reports `O_NOFOLLOW` on a symlink as
/// `EMLINK`; it is `ELOOP` here, as on the other systems.
fn openat(dir: BorrowedFd<'_>, name: &[u8], flags: OFlags, mode: Mode) -> Result<OwnedFd, Host> {
    let r = rustix::fs::openat(dir, name, flags, mode);
    #[cfg(target_os = "freebsd")]
    if matches!(r, Err(Host::MLINK)) && flags.contains(OFlags::NOFOLLOW) {
        return Err(Host::LOOP);
    }
    r
}

/// Tries `openat2`; `None` means "use the manual resolver instead".
#[cfg(not(target_os = "linux"))]
fn try_openat2(_: BorrowedFd<'_>, _: &[u8], _: OFlags, _: Mode) -> Option<Result<OwnedFd, Errno>> {
    None
}

/// Tries `openat2`; `None` means "use the manual resolver instead".
#[cfg(target_os = "linux")]
fn try_openat2(dir: BorrowedFd<'_>, path: &[u8], flags: OFlags, mode: Mode) -> Option<Result<OwnedFd, Errno>> {
    use rustix::fs::ResolveFlags;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    for _ in 0..OPENAT2_RETRIES {
        match rustix::fs::openat2(dir, path, flags | OFlags::CLOEXEC, mode, resolve) {
            Ok(fd) => {
                OPENAT2.store(1, Ordering::Relaxed);
                return Some(Ok(fd));
            }
            Err(Host::AGAIN) => continue,
            // Not implemented, or refused by a seccomp filter: never again.
            Err(Host::NOSYS | Host::PERM) if OPENAT2.load(Ordering::Relaxed) != 1 => {
                OPENAT2.store(2, Ordering::Relaxed);
                return None;
            }
            // An escape (`..` past the root, an absolute symlink, a magic link).
            Err(Host::XDEV) => return Some(Err(ESCAPE)),
            Err(e) => return Some(Err(super::errno::from_host(e))),
        }
    }
    None
}

/// A directory fd: the root itself (borrowed) or one opened beneath it.
#[derive(Debug)]
pub enum DirFd<'a> {
    /// The directory the path was relative to.
    Root(BorrowedFd<'a>),
    /// A directory opened beneath it.
    Owned(OwnedFd),
}

impl AsFd for DirFd<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            DirFd::Root(fd) => *fd,
            DirFd::Owned(fd) => fd.as_fd(),
        }
    }
}

/// The last component of a path, once the rest has been resolved: a name
/// (borrowed from the path where it can be) or the directory itself.
pub type Last<'p> = crate::paths::Last<Cow<'p, [u8]>>;

/// The result of [`parent`]: the directory that holds a path's last
/// component, the component, and whether the path ended in a slash.
pub type Parent<'a, 'p> = crate::paths::Parent<DirFd<'a>, Cow<'p, [u8]>>;

impl Parent<'_, '_> {
    /// Stats the last component without following it (the directory
    /// itself for [`Last::Itself`]); a trailing slash requires a directory.
    ///
    /// # Errors
    /// The host's errno; `ENOTDIR` for a trailing slash on a non-directory.
    pub fn stat(&self) -> Result<rustix::fs::Stat, Errno> {
        let st = match &self.last {
            Last::Name(name) => {
                rustix::fs::statat(&self.dir, &name[..], rustix::fs::AtFlags::SYMLINK_NOFOLLOW).wasi()?
            }
            Last::Itself => rustix::fs::fstat(&self.dir).wasi()?,
        };
        if self.trailing_slash && rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
            return Err(Errno::NOTDIR);
        }
        Ok(st)
    }
}

/// Stats `path` beneath `root`, following a final symlink if `follow`.
///
/// # Errors
/// As [`open`].
pub fn stat(resolver: Resolver, root: BorrowedFd<'_>, path: &str, follow: bool) -> Result<rustix::fs::Stat, Errno> {
    check_path(path)?;
    if let Some(name) = single_name(path) {
        match rustix::fs::statat(root, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if follow && rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink => {}
            r => return r.wasi(),
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if super::platform::linux_fast() {
        let fd = open(resolver, root, path, OFlags::PATH, Mode::empty(), follow)?;
        return rustix::fs::fstat(&fd).wasi();
    }
    locate(resolver, root, path, follow)?.stat()
}

/// Finds what `path` names without opening it (where there is no `O_PATH`
/// to open a bare handle with): the directory that holds it and its last
/// name, which is not a symlink when `follow` is set or the path ends in
/// a slash (a trailing slash follows, as the kernel does).
///
/// # Errors
/// As [`parent`] and [`parent_following`].
pub fn locate<'a, 'p>(
    resolver: Resolver,
    root: BorrowedFd<'a>,
    path: &'p str,
    follow: bool,
) -> Result<Parent<'a, 'p>, Errno> {
    if follow || ends_as_directory(path.as_bytes()) {
        parent_following(root, path)
    } else {
        parent(resolver, root, path)
    }
}

/// Opens `path` beneath `root` with `flags` (and `mode` when creating).
/// When `follow` is false a symlink as the last component is not followed
/// (`O_NOFOLLOW`: opening it fails with `ELOOP`, unless `O_PATH` is given).
///
/// # Errors
/// [`ESCAPE`] for any path that would leave `root`; otherwise the
/// host's errno for the open.
pub fn open(
    resolver: Resolver,
    root: BorrowedFd<'_>,
    path: &str,
    mut flags: OFlags,
    mode: Mode,
    follow: bool,
) -> Result<OwnedFd, Errno> {
    check_path(path)?;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    // openat2 refuses a mode without O_CREAT (openat ignores it).
    let mode = if flags.contains(OFlags::CREATE) { mode } else { Mode::empty() };
    if let Some(name) = single_name(path) {
        match openat(root, name.as_bytes(), flags | OFlags::NOFOLLOW | OFlags::CLOEXEC, mode) {
            // A symlink to follow: the resolver's job.
            Err(Host::LOOP | Host::NOTDIR) if follow => {}
            Ok(fd) if follow && is_path_handle(flags) && is_symlink(&fd) => {}
            r => return r.wasi(),
        }
    }
    if openat2_usable(resolver) {
        if let Some(r) = try_openat2(root, path.as_bytes(), flags, mode) {
            return r;
        }
    }
    open_manual(root, path, flags, mode, follow)
}

fn open_manual(root: BorrowedFd<'_>, path: &str, flags: OFlags, mode: Mode, follow: bool) -> Result<OwnedFd, Errno> {
    let mut walk = Walk::new(root, path.as_bytes());
    loop {
        let step = walk.next_final()?;
        let name: &[u8] = match &step {
            Final::Name(name) => name,
            Final::Itself => b".",
        };
        // A trailing slash makes the last component a directory to follow,
        // as the kernel does.
        let follow = follow || walk.parts.trailing_slash;
        let mut f = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        if walk.parts.trailing_slash {
            // As the kernel: creating under a name that ends in a slash is
            // EISDIR (and O_CREAT | O_DIRECTORY is refused outright); at
            // `.` the kernel's own answer (EEXIST with O_EXCL) is taken.
            match step {
                Final::Name(_) if flags.contains(OFlags::CREATE) => return Err(Errno::ISDIR),
                Final::Name(_) => f |= OFlags::DIRECTORY,
                // `.` is a directory already (and O_CREAT | O_DIRECTORY would
                // be EINVAL).
                Final::Itself => {}
            }
        }
        match openat(walk.current(), name, f, mode) {
            // The last name is a symlink (with O_DIRECTORY | O_NOFOLLOW the
            // kernel calls it "not a directory"): expand it and go on.
            Err(e @ (Host::LOOP | Host::NOTDIR)) if follow => {
                let name = name.to_vec();
                match walk.read_link(&name) {
                    Ok(target) => walk.parts.push_target(&target)?,
                    // Not a symlink after all, or swapped since: try the
                    // name again (each try counts as an expansion).
                    Err(Host::INVAL) if e == Host::NOTDIR => return Err(Errno::NOTDIR),
                    Err(Host::INVAL | Host::NOENT) => walk.parts.retry(name)?,
                    Err(e) => return Err(super::errno::from_host(e)),
                }
            }
            // With O_PATH | O_NOFOLLOW the kernel opens a symlink itself
            // rather than failing: when following, expand it.
            Ok(fd) if follow && is_path_handle(flags) && is_symlink(&fd) => {
                let name = name.to_vec();
                match walk.read_link(&name) {
                    Ok(target) => walk.parts.push_target(&target)?,
                    Err(Host::INVAL | Host::NOENT) => walk.parts.retry(name)?,
                    Err(e) => return Err(super::errno::from_host(e)),
                }
            }
            r => return r.wasi(),
        }
    }
}

fn is_symlink(fd: &OwnedFd) -> bool {
    rustix::fs::fstat(fd)
        .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink)
}

/// Resolves all but the last component of `path` beneath `root`.
///
/// # Errors
/// [`ESCAPE`] for a path that would leave `root`; `ENOENT` or `ENOTDIR`
/// when an intermediate component is missing or not a directory.
pub fn parent<'a, 'p>(resolver: Resolver, root: BorrowedFd<'a>, path: &'p str) -> Result<Parent<'a, 'p>, Errno> {
    check_path(path)?;
    // Only slashes: an absolute path, refused by `check_path`.
    let (prefix, name, trailing_slash) = split_last(path).ok_or(ESCAPE)?;
    let trimmed = path.trim_end_matches('/');
    let dir_flags = dir_handle();
    let (dir, last) = match name {
        // "x/.." names the parent of x: resolve the whole path as a directory.
        ".." => (DirFd::Owned(open(resolver, root, trimmed, dir_flags, Mode::empty(), true)?), Last::Itself),
        _ => {
            let dir = if prefix.is_empty() {
                DirFd::Root(root)
            } else {
                DirFd::Owned(open(resolver, root, prefix, dir_flags, Mode::empty(), true)?)
            };
            let last = if name == "." { Last::Itself } else { Last::Name(Cow::Borrowed(name.as_bytes())) };
            (dir, last)
        }
    };
    Ok(Parent { dir, last, trailing_slash })
}

/// Like [`parent`], but a symlink as the last component is followed
/// (beneath `root`, by the manual resolver) until the last component is not
/// a symlink.
///
/// # Errors
/// As [`parent`], and `ELOOP` after [`MAX_SYMLINK_EXPANSIONS`].
pub fn parent_following<'a>(root: BorrowedFd<'a>, path: &str) -> Result<Parent<'a, 'static>, Errno> {
    check_path(path)?;
    let mut walk = Walk::new(root, path.as_bytes());
    loop {
        match walk.next_final()? {
            Final::Itself => {
                let trailing_slash = walk.parts.trailing_slash;
                return Ok(Parent { dir: walk.into_current(), last: Last::Itself, trailing_slash });
            }
            Final::Name(name) => match walk.read_link(&name) {
                Ok(target) => walk.parts.push_target(&target)?,
                Err(_) => {
                    let trailing_slash = walk.parts.trailing_slash;
                    return Ok(Parent { dir: walk.into_current(), last: Last::Name(Cow::Owned(name)), trailing_slash });
                }
            },
        }
    }
}

/// The manual resolver's state: the root, and the shared walk holding
/// open ancestors below it.
struct Walk<'a> {
    root: BorrowedFd<'a>,
    parts: paths::Walk<OwnedFd>,
}

impl<'a> Walk<'a> {
    fn new(root: BorrowedFd<'a>, path: &[u8]) -> Self {
        Walk { root, parts: paths::Walk::new(path) }
    }

    fn into_current(mut self) -> DirFd<'a> {
        match self.parts.stack.pop() {
            Some(fd) => DirFd::Owned(fd),
            None => DirFd::Root(self.root),
        }
    }

    fn current(&self) -> BorrowedFd<'_> {
        self.parts.stack.last().map_or(self.root, AsFd::as_fd)
    }

    fn read_link(&self, name: &[u8]) -> Result<Vec<u8>, Host> {
        read_link(self.current(), name)
    }

    /// Walks the intermediate components, one `openat` with `O_NOFOLLOW`
    /// each, and returns the last one.
    fn next_final(&mut self) -> Result<Final, Errno> {
        let root = self.root;
        self.parts.next_final(|current, c| {
            let dir = current.map_or(root, AsFd::as_fd);
            let flags = dir_handle() | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            match openat(dir, c, flags, Mode::empty()) {
                Ok(fd) => Ok(Through::Dir(fd)),
                Err(Host::NOTDIR | Host::LOOP) => match read_link(dir, c) {
                    Ok(target) => Ok(Through::Link(target)),
                    Err(Host::INVAL) => Err(Errno::NOTDIR),
                    Err(e) => Err(super::errno::from_host(e)),
                },
                Err(e) => Err(super::errno::from_host(e)),
            }
        })
    }
}

/// A symlink's contents (`ENAMETOOLONG` past 4096 bytes).
fn read_link(dir: BorrowedFd<'_>, name: &[u8]) -> Result<Vec<u8>, Host> {
    let mut buf = vec![0u8; 4096];
    let n = rustix::fs::readlinkat_raw(dir, name, &mut buf[..])?;
    if n == buf.len() {
        return Err(Host::NAMETOOLONG);
    }
    buf.truncate(n);
    Ok(buf)
}
