//! The form of a guest path and the rules of the calls that change a
//! tree, shared by the host directories (`unix::sandbox`, `unix::path`)
//! and the mounted file systems (`vfs::path`): what no resolution accepts,
//! how a path splits into components, the bounds on one resolution, and,
//! over any `Tree`, what `path_create_directory`, `path_unlink_file`,
//! `path_remove_directory`, `path_rename`, `path_symlink`, `path_readlink`
//! and `path_link` answer for trailing slashes and for `.` and `..` as the
//! last component. Each side resolves paths and changes one name its own
//! way; the rules are written once, here.

use wasi_abi::{Errno, Filetype, MAX_PATH, Size};

/// The symlink expansions one resolution may make before `ELOOP`.
pub const MAX_SYMLINK_EXPANSIONS: u32 = 40;

/// The most directories one resolution holds (one per level below its
/// directory fd): deeper is `ENAMETOOLONG`.
pub const MAX_HELD_DIRS: usize = 256;

/// The errno of a path that would leave its directory (an absolute path, a
/// `..` past the root, a symlink out of it, an absolute symlink target):
/// `EPERM`, as wasmtime answers (the official suite also accepts
/// `ENOTCAPABLE`; real programs were built against wasmtime).
pub const ESCAPE: Errno = Errno::PERM;

/// Refuses what no resolution may accept: absolute, empty and overlong
/// paths (so what a resolution holds is bounded by [`MAX_PATH`]), and NUL.
pub(crate) fn check_path(path: &str) -> Result<(), Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    check_symlink_target(path)
}

/// Checks a symlink's contents before one is made, as any path but an
/// empty one: only a relative target is accepted (the sandbox never
/// follows an absolute one, and a host program should not be led out of
/// the mount by one either).
pub(crate) fn check_symlink_target(target: &str) -> Result<(), Errno> {
    if target.len() > MAX_PATH {
        return Err(Errno::NAMETOOLONG);
    }
    if target.starts_with('/') {
        return Err(ESCAPE);
    }
    if target.as_bytes().contains(&0) {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// A path that is one entry of its directory (no slash, not `.` or `..`).
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn single_name(path: &str) -> Option<&str> {
    (!path.contains('/') && path != "." && path != "..").then_some(path)
}

/// The last component of a path, split off textually (as `parent` needs
/// it): the path before it (possibly empty), the component, and whether
/// the path ended in a slash. `None` for a path of slashes only.
pub(crate) fn split_last(path: &str) -> Option<(&str, &str, bool)> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let trailing_slash = trimmed.len() != path.len();
    Some(match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..], trailing_slash),
        None => ("", trimmed, trailing_slash),
    })
}

/// Whether a path names a directory by its form: a trailing slash, or a
/// last component of `.` or `..`.
pub(crate) fn ends_as_directory(path: &[u8]) -> bool {
    path.ends_with(b"/") || path == b"." || path == b".." || path.ends_with(b"/.") || path.ends_with(b"/..")
}

/// The components of `path`, without empty ones and `.`, in reverse order;
/// but a `.` that ends the path is kept (first), so that the component
/// before it is resolved as a directory, symlinks followed, as the kernel
/// resolves `x/.`. A resolver skips that `.` and ends at the directory.
pub(crate) fn components_reversed(path: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".").rev().map(<[u8]>::to_vec).collect();
    if path.split(|&b| b == b'/').rfind(|c| !c.is_empty()) == Some(b".") {
        out.insert(0, b".".to_vec());
    }
    out
}

/// What one intermediate component turned out to be, as a resolver's
/// step through it finds (anything else is its errno: `ENOTDIR`, ...).
pub(crate) enum Through<H> {
    /// A directory, now held.
    Dir(H),
    /// A symlink, with these contents.
    Link(Vec<u8>),
}

/// What a walk yields for the last component.
pub(crate) enum Final {
    /// A name in the current directory.
    Name(Vec<u8>),
    /// The current directory itself (the path ended in `.` or `..`).
    Itself,
}

/// The state of one component-by-component resolution, whatever it holds
/// (`H`: an open directory fd for the host, an inode for a mount): the
/// directories held below the starting one, the components still to
/// resolve, and the symlink expansions made. `..` pops a held directory
/// and never climbs past the start ([`ESCAPE`]); a symlink's target is
/// checked and put in front of what is pending, at most
/// [`MAX_SYMLINK_EXPANSIONS`] times (then `ELOOP`); at most
/// [`MAX_HELD_DIRS`] directories are held (then `ENAMETOOLONG`).
pub(crate) struct Walk<H> {
    /// Held ancestors below the start; the last is the current directory.
    pub(crate) stack: Vec<H>,
    /// Components still to resolve, last first (so `pop` gives the next).
    pending: Vec<Vec<u8>>,
    expansions: u32,
    /// Whether the last component must be a directory (a trailing slash,
    /// here or at the end of an expanded target).
    pub(crate) trailing_slash: bool,
}

impl<H> Walk<H> {
    /// A walk of `path` (already checked with [`check_path`]).
    pub(crate) fn new(path: &[u8]) -> Self {
        Walk {
            stack: Vec::new(),
            pending: components_reversed(path),
            expansions: 0,
            trailing_slash: ends_as_directory(path),
        }
    }

    fn count_expansion(&mut self) -> Result<(), Errno> {
        self.expansions += 1;
        if self.expansions > MAX_SYMLINK_EXPANSIONS { Err(Errno::LOOP) } else { Ok(()) }
    }

    /// Puts a symlink's target in front of the components still pending.
    pub(crate) fn push_target(&mut self, target: &[u8]) -> Result<(), Errno> {
        self.count_expansion()?;
        if target.first() == Some(&b'/') {
            return Err(ESCAPE);
        }
        if target.is_empty() {
            return Err(Errno::NOENT);
        }
        if self.pending.is_empty() && ends_as_directory(target) {
            self.trailing_slash = true;
        }
        self.pending.extend(components_reversed(target));
        Ok(())
    }

    /// Resolves `name` once more, after a race changed what it was (each
    /// try counts as an expansion).
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) fn retry(&mut self, name: Vec<u8>) -> Result<(), Errno> {
        self.count_expansion()?;
        self.pending.push(name);
        Ok(())
    }

    /// Walks the intermediate components, each through `step` (given the
    /// current directory, `None` for the start, and the name), and returns
    /// the last one.
    pub(crate) fn next_final(
        &mut self,
        mut step: impl FnMut(Option<&H>, &[u8]) -> Result<Through<H>, Errno>,
    ) -> Result<Final, Errno> {
        loop {
            let Some(c) = self.pending.pop() else { return Ok(Final::Itself) };
            if c == b"." {
                // A path's last `.`: the directory reached so far.
                continue;
            }
            if c == b".." {
                if self.stack.pop().is_none() {
                    return Err(ESCAPE);
                }
                continue;
            }
            if self.pending.is_empty() {
                return Ok(Final::Name(c));
            }
            match step(self.stack.last(), &c)? {
                Through::Dir(_) if self.stack.len() >= MAX_HELD_DIRS => return Err(Errno::NAMETOOLONG),
                Through::Dir(h) => self.stack.push(h),
                Through::Link(target) => self.push_target(&target)?,
            }
        }
    }
}

/// The last component of a path, once the rest has been resolved.
#[derive(Debug, PartialEq, Eq)]
pub enum Last<N> {
    /// A name to act on (never empty, `.` or `..`, and without slashes).
    Name(N),
    /// The path names the directory itself (it ends in `.` or `..`).
    Itself,
}

/// A path resolved up to its last component.
#[derive(Debug)]
pub struct Parent<D, N> {
    /// The directory that holds the last component.
    pub dir: D,
    /// The last component.
    pub last: Last<N>,
    /// Whether the path ended in a slash (so it must name a directory).
    pub trailing_slash: bool,
}

/// A tree the path calls act on: how it resolves a path's parent, and how
/// it answers for one name in one directory (as the Linux `*at` call
/// would).
pub(crate) trait Tree<'p> {
    /// What a path is relative to.
    type Root: Copy;
    /// A resolved directory.
    type Dir;
    /// A last component, as resolution leaves it.
    type Name: AsRef<[u8]>;

    /// All but the last component of `path`, resolved beneath `root`.
    fn parent(&self, root: Self::Root, path: &'p str) -> Result<Parent<Self::Dir, Self::Name>, Errno>;
    /// As [`Tree::parent`], a last component that is a symlink followed
    /// until it is not one.
    fn parent_following(&self, root: Self::Root, path: &'p str) -> Result<Parent<Self::Dir, Self::Name>, Errno>;
    /// Whether `path` names a directory, symlinks followed (`Ok(false)`
    /// for something else).
    fn names_directory(&self, root: Self::Root, path: &str) -> Result<bool, Errno>;
    /// The type of `name` in `dir`, not followed (`ENOENT` if missing).
    fn kind(&self, dir: &Self::Dir, name: &[u8]) -> Result<Filetype, Errno>;
    /// `mkdirat`.
    fn mkdir(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno>;
    /// `unlinkat`.
    fn unlink(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno>;
    /// `unlinkat(AT_REMOVEDIR)`.
    fn rmdir(&self, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno>;
    /// `renameat`.
    fn rename(&self, from: &Self::Dir, a: &[u8], to: &Self::Dir, b: &[u8]) -> Result<(), Errno>;
    /// `symlinkat`.
    fn symlink(&self, target: &str, dir: &Self::Dir, name: &[u8]) -> Result<(), Errno>;
    /// `readlinkat` into a non-empty `buf`, truncating.
    fn readlink(&self, dir: &Self::Dir, name: &[u8], buf: &mut [u8]) -> Result<Size, Errno>;
    /// `linkat` without following.
    fn link(&self, from: &Self::Dir, a: &[u8], to: &Self::Dir, b: &[u8]) -> Result<(), Errno>;
}

/// Whether `name` exists in `dir` (not followed).
fn exists<'p, T: Tree<'p>>(t: &T, dir: &T::Dir, name: &[u8]) -> Result<bool, Errno> {
    match t.kind(dir, name) {
        Ok(_) => Ok(true),
        Err(Errno::NOENT) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `path_create_directory`.
pub(crate) fn create_directory<'p, T: Tree<'p>>(t: &T, root: T::Root, path: &'p str) -> Result<(), Errno> {
    let p = t.parent(root, path)?;
    match &p.last {
        Last::Name(name) => t.mkdir(&p.dir, name.as_ref()),
        Last::Itself => Err(Errno::EXIST),
    }
}

/// `path_unlink_file`.
pub(crate) fn unlink_file<'p, T: Tree<'p>>(t: &T, root: T::Root, path: &'p str) -> Result<(), Errno> {
    let p = t.parent(root, path)?;
    let Last::Name(name) = &p.last else { return Err(Errno::ISDIR) };
    if p.trailing_slash {
        // "file/" names a directory: unlinking it is EISDIR if it is one,
        // and ENOTDIR if it is not.
        return Err(if t.kind(&p.dir, name.as_ref())? == Filetype::Directory { Errno::ISDIR } else { Errno::NOTDIR });
    }
    t.unlink(&p.dir, name.as_ref())
}

/// `path_remove_directory`.
pub(crate) fn remove_directory<'p, T: Tree<'p>>(t: &T, root: T::Root, path: &'p str) -> Result<(), Errno> {
    let p = t.parent(root, path)?;
    match &p.last {
        Last::Name(name) => t.rmdir(&p.dir, name.as_ref()),
        Last::Itself if path.trim_end_matches('/').ends_with("..") => Err(Errno::NOTEMPTY),
        Last::Itself => Err(Errno::INVAL),
    }
}

/// `path_rename`, both ends in one tree.
pub(crate) fn rename<'p, T: Tree<'p>>(
    t: &T,
    root: T::Root,
    old: &'p str,
    new_root: T::Root,
    new: &'p str,
) -> Result<(), Errno> {
    let from = t.parent(root, old)?;
    let to = t.parent(new_root, new)?;
    let (Last::Name(a), Last::Name(b)) = (&from.last, &to.last) else { return Err(Errno::BUSY) };
    if (from.trailing_slash || to.trailing_slash) && t.kind(&from.dir, a.as_ref())? != Filetype::Directory {
        // A trailing slash on either side requires the source to be a directory.
        return Err(Errno::NOTDIR);
    }
    t.rename(&from.dir, a.as_ref(), &to.dir, b.as_ref())
}

/// `path_symlink`: the link's contents are stored as given, but only a
/// relative target is accepted ([`check_symlink_target`]).
pub(crate) fn symlink<'p, T: Tree<'p>>(t: &T, target: &str, root: T::Root, path: &'p str) -> Result<(), Errno> {
    let p = t.parent(root, path)?;
    check_symlink_target(target)?;
    let Last::Name(name) = &p.last else { return Err(Errno::EXIST) };
    if p.trailing_slash {
        // "link/" names a directory, which a symlink cannot be: an existing
        // directory is EEXIST, an existing non-directory ENOTDIR (wasmtime's
        // answer; Linux says EEXIST), nothing there ENOENT.
        return Err(match t.kind(&p.dir, name.as_ref()) {
            Ok(Filetype::Directory) => Errno::EXIST,
            Ok(_) => Errno::NOTDIR,
            Err(e) => e,
        });
    }
    t.symlink(target, &p.dir, name.as_ref())
}

/// `path_readlink`: the contents, truncated to fit `buf`.
pub(crate) fn readlink<'p, T: Tree<'p>>(t: &T, root: T::Root, path: &'p str, buf: &mut [u8]) -> Result<Size, Errno> {
    let p = t.parent(root, path)?;
    let Last::Name(name) = &p.last else { return Err(Errno::INVAL) };
    if p.trailing_slash {
        // "link/" names what the link points to, which is not a link.
        return Err(if t.names_directory(root, path)? { Errno::INVAL } else { Errno::NOTDIR });
    }
    if buf.is_empty() {
        // readlinkat(2) refuses a 0-byte buffer; preview1 truncates the
        // contents to fit (to nothing), once the name is known to be a link.
        if t.kind(&p.dir, name.as_ref())? != Filetype::SymbolicLink {
            return Err(Errno::INVAL);
        }
        return Ok(0);
    }
    t.readlink(&p.dir, name.as_ref(), buf)
}

/// `path_link`, both ends in one tree.
pub(crate) fn link<'p, T: Tree<'p>>(
    t: &T,
    root: T::Root,
    follow: bool,
    old: &'p str,
    new_root: T::Root,
    new: &'p str,
) -> Result<(), Errno> {
    let from = if follow { t.parent_following(root, old)? } else { t.parent(root, old)? };
    let to = t.parent(new_root, new)?;
    let Last::Name(a) = &from.last else { return Err(Errno::PERM) };
    let Last::Name(b) = &to.last else { return Err(Errno::EXIST) };
    if from.trailing_slash {
        // "src/" names a directory, and directories cannot be hard-linked.
        return Err(if t.names_directory(root, old)? { Errno::PERM } else { Errno::NOTDIR });
    }
    if to.trailing_slash {
        // A non-directory cannot be created under a name ending in a slash.
        if !exists(t, &from.dir, a.as_ref())? {
            return Err(Errno::NOENT);
        }
        return Err(if exists(t, &to.dir, b.as_ref())? { Errno::EXIST } else { Errno::NOENT });
    }
    t.link(&from.dir, a.as_ref(), &to.dir, b.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        assert_eq!(components_reversed(b"a//b/./c/"), vec![b"c".to_vec(), b"b".to_vec(), b"a".to_vec()]);
        assert_eq!(components_reversed(b"./."), vec![b".".to_vec()]);
        assert_eq!(components_reversed(b"a/./"), vec![b".".to_vec(), b"a".to_vec()]);
        assert!(ends_as_directory(b"a/"));
        assert!(ends_as_directory(b"a/.."));
        assert!(!ends_as_directory(b"a/b"));
        assert_eq!(split_last("a/b//"), Some(("a", "b", true)));
        assert_eq!(split_last("b"), Some(("", "b", false)));
        assert_eq!(split_last("//"), None);
    }

    #[test]
    fn refused_forms() {
        assert_eq!(check_path(""), Err(Errno::NOENT));
        assert_eq!(check_path("/etc"), Err(ESCAPE));
        assert_eq!(check_path("a\0"), Err(Errno::INVAL));
        assert_eq!(check_path("a/b"), Ok(()));
        assert_eq!(check_path(&"a/".repeat(MAX_PATH)), Err(Errno::NAMETOOLONG));
        assert_eq!(check_symlink_target("/x"), Err(ESCAPE));
        assert_eq!(check_symlink_target("../x"), Ok(()));
    }
}
