//! The `path_*` calls beneath a directory of a mounted [`FileSystem`].
//!
//! Resolution is the host manual resolver's, over inodes instead of fds:
//! one component at a time, holding every ancestor, so `..` pops a held
//! directory and never climbs past the fd the path is relative to; a
//! symlink is expanded (at most [`MAX_SYMLINK_EXPANSIONS`] times, then
//! `ELOOP`), and an absolute target or a `..` past the start is
//! [`ESCAPE`]. Each call then applies the same rules as the host's
//! `unix::path` (trailing slashes, `.` and `..` as the last component) and
//! leaves the change of one name to the file system, so the errno of every
//! refusal is the host's.

use super::handle::{Handle, times};
use super::{FileSystem, Ino, NewNode};
use crate::paths::{self, ESCAPE, Final, Through, check_path, split_last};
use crate::system::Result;
use std::sync::Arc;
use wasi_abi::{Errno, Filestat, Filetype, Fstflags, Oflags, Size, Timestamp};

/// The last component of a path, once the rest has been resolved.
type Last = crate::paths::Last<Vec<u8>>;

/// The directory holding a path's last component.
type Parent = crate::paths::Parent<Ino, Vec<u8>>;

/// The last component of `p`, not followed: `None` if it does not exist;
/// a trailing slash requires a directory.
fn last_node(p: &Parent, fs: &dyn FileSystem) -> Result<Option<(Ino, Filetype)>> {
    {
        let node = match &p.last {
            Last::Name(name) => match fs.lookup(p.dir, name) {
                Ok(n) => n,
                Err(Errno::NOENT) => return Ok(None),
                Err(e) => return Err(e),
            },
            Last::Itself => (p.dir, Filetype::Directory),
        };
        if p.trailing_slash && node.1 != Filetype::Directory {
            return Err(Errno::NOTDIR);
        }
        Ok(Some(node))
    }
}

/// A walk over a file system: the start, and the shared walk holding the
/// inodes of the directories below it.
struct Walk<'f> {
    fs: &'f dyn FileSystem,
    root: Ino,
    parts: paths::Walk<Ino>,
}

impl<'f> Walk<'f> {
    fn new(fs: &'f dyn FileSystem, root: Ino, path: &str) -> Result<Self> {
        check_path(path)?;
        Ok(Walk { fs, root, parts: paths::Walk::new(path.as_bytes()) })
    }

    fn current(&self) -> Ino {
        self.parts.stack.last().copied().unwrap_or(self.root)
    }

    fn push_target(&mut self, link: Ino) -> Result<()> {
        let target = self.fs.readlink(link)?;
        self.parts.push_target(&target)
    }

    /// Walks the intermediate components, one lookup each, and returns the
    /// last one.
    fn next_final(&mut self) -> Result<Final> {
        let (fs, root) = (self.fs, self.root);
        self.parts.next_final(|current, c| match fs.lookup(current.copied().unwrap_or(root), c)? {
            (ino, Filetype::Directory) => Ok(Through::Dir(ino)),
            (ino, Filetype::SymbolicLink) => Ok(Through::Link(fs.readlink(ino)?)),
            _ => Err(Errno::NOTDIR),
        })
    }
}

/// What a whole path names, the last symlink followed if `follow` (or the
/// path ends in a slash): the directory that holds it, its name there
/// (`None` for the directory itself) and the node (`None` if missing).
struct Found {
    dir: Ino,
    name: Option<Vec<u8>>,
    node: Option<(Ino, Filetype)>,
    trailing_slash: bool,
}

fn find(fs: &dyn FileSystem, root: Ino, path: &str, follow: bool) -> Result<Found> {
    find_for(fs, root, path, follow, false)
}

/// [`find`]; when `creating`, a last component that must be a directory
/// (a trailing slash, `.`, `..`) is `EISDIR` before it is looked at, as
/// the kernel answers `O_CREAT` there.
fn find_for(fs: &dyn FileSystem, root: Ino, path: &str, follow: bool, creating: bool) -> Result<Found> {
    let mut walk = Walk::new(fs, root, path)?;
    loop {
        let last = walk.next_final()?;
        if creating && walk.parts.trailing_slash && matches!(last, Final::Name(_)) {
            return Err(Errno::ISDIR);
        }
        match last {
            Final::Itself => {
                let dir = walk.current();
                return Ok(Found {
                    dir,
                    name: None,
                    node: Some((dir, Filetype::Directory)),
                    trailing_slash: walk.parts.trailing_slash,
                });
            }
            Final::Name(name) => {
                let dir = walk.current();
                let node = match fs.lookup(dir, &name) {
                    Ok((ino, Filetype::SymbolicLink)) if follow || walk.parts.trailing_slash => {
                        walk.push_target(ino)?;
                        continue;
                    }
                    Ok(n) => Some(n),
                    Err(Errno::NOENT) => None,
                    Err(e) => return Err(e),
                };
                return Ok(Found { dir, name: Some(name), node, trailing_slash: walk.parts.trailing_slash });
            }
        }
    }
}

/// The node `path` names (following a last symlink if `follow`): `ENOENT`
/// if missing, `ENOTDIR` for a non-directory named with a trailing slash.
fn resolve(fs: &dyn FileSystem, root: Ino, path: &str, follow: bool) -> Result<(Ino, Filetype)> {
    let f = find(fs, root, path, follow)?;
    let node = f.node.ok_or(Errno::NOENT)?;
    if f.trailing_slash && node.1 != Filetype::Directory {
        return Err(Errno::NOTDIR);
    }
    Ok(node)
}

/// The directory `path` names, symlinks followed.
fn resolve_dir(fs: &dyn FileSystem, root: Ino, path: &str) -> Result<Ino> {
    match resolve(fs, root, path, true)? {
        (ino, Filetype::Directory) => Ok(ino),
        _ => Err(Errno::NOTDIR),
    }
}

/// Resolves all but the last component of `path` (as the host's
/// `sandbox::parent`).
fn parent(fs: &dyn FileSystem, root: Ino, path: &str) -> Result<Parent> {
    check_path(path)?;
    let (prefix, name, trailing_slash) = split_last(path).ok_or(ESCAPE)?;
    if name == ".." {
        let dir = resolve_dir(fs, root, path.trim_end_matches('/'))?;
        return Ok(Parent { dir, last: Last::Itself, trailing_slash });
    }
    let dir = if prefix.is_empty() { root } else { resolve_dir(fs, root, prefix)? };
    let last = if name == "." { Last::Itself } else { Last::Name(name.as_bytes().to_vec()) };
    Ok(Parent { dir, last, trailing_slash })
}

/// Like [`parent`], but a symlink as the last component is followed until
/// the last component is not a symlink.
fn parent_following(fs: &dyn FileSystem, root: Ino, path: &str) -> Result<Parent> {
    let f = find(fs, root, path, true)?;
    let last = f.name.map_or(Last::Itself, Last::Name);
    Ok(Parent { dir: f.dir, last, trailing_slash: f.trailing_slash })
}

/// Whether `path` names a directory, symlinks followed: `Ok(false)` if it
/// names something else.
fn names_directory(fs: &dyn FileSystem, root: Ino, path: &str) -> Result<bool> {
    match resolve(fs, root, &format!("{}/", path.trim_end_matches('/')), true) {
        Ok(_) => Ok(true),
        Err(Errno::NOTDIR) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `path_open`: the open handle. `read` and `write` are the access the
/// host would open with (the caller has refused writing, creating and
/// truncating beneath a read-only mount).
pub(crate) fn open(
    fs: &Arc<dyn FileSystem>,
    root: Ino,
    path: &str,
    follow: bool,
    oflags: Oflags,
    read: bool,
    write: bool,
) -> Result<Handle> {
    let creat = oflags.contains(Oflags::CREAT);
    let excl = creat && oflags.contains(Oflags::EXCL);
    // O_CREAT | O_EXCL never follows the last name: a symlink there exists.
    let f = find_for(&**fs, root, path, follow && !excl, creat)?;
    let (ino, filetype) = match (f.node, &f.name) {
        (None, Some(name)) if creat => (fs.create(f.dir, name, NewNode::File)?, Filetype::RegularFile),
        (None, _) => return Err(Errno::NOENT),
        (Some(_), _) if excl => return Err(Errno::EXIST),
        (Some((_, Filetype::SymbolicLink)), _) => {
            // Not followed: O_NOFOLLOW's ELOOP (ENOTDIR with O_DIRECTORY).
            return Err(if oflags.contains(Oflags::DIRECTORY) { Errno::NOTDIR } else { Errno::LOOP });
        }
        (Some(n), _) => n,
    };
    if (oflags.contains(Oflags::DIRECTORY) || f.trailing_slash) && filetype != Filetype::Directory {
        return Err(Errno::NOTDIR);
    }
    if filetype == Filetype::Directory && (write || creat) {
        return Err(Errno::ISDIR);
    }
    if oflags.contains(Oflags::TRUNC) && filetype == Filetype::RegularFile {
        fs.set_size(ino, 0)?;
    }
    Ok(Handle::new(fs.clone(), ino, filetype, read, write))
}

/// `path_filestat_get`.
pub(crate) fn filestat_get(fs: &dyn FileSystem, root: Ino, path: &str, follow: bool) -> Result<Filestat> {
    let (ino, _) = resolve(fs, root, path, follow)?;
    fs.stat(ino)
}

/// `path_filestat_set_times`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn filestat_set_times(
    fs: &dyn FileSystem,
    root: Ino,
    path: &str,
    follow: bool,
    atim: Timestamp,
    mtim: Timestamp,
    fst: Fstflags,
) -> Result<()> {
    let (atim, mtim) = times(atim, mtim, fst)?;
    let (ino, _) = if follow || path.ends_with('/') {
        resolve(fs, root, path, true)?
    } else {
        last_node(&parent(fs, root, path)?, fs)?.ok_or(Errno::NOENT)?
    };
    fs.set_times(ino, atim, mtim)
}

/// A mounted file system's side of the shared path rules
/// ([`crate::paths`]): resolution by this module, one name changed by the
/// file system.
pub(crate) struct MountTree<'f>(pub(crate) &'f dyn FileSystem);

impl<'p> crate::paths::Tree<'p> for MountTree<'_> {
    type Root = Ino;
    type Dir = Ino;
    type Name = Vec<u8>;

    fn parent(&self, root: Ino, path: &'p str) -> Result<Parent> {
        parent(self.0, root, path)
    }

    fn parent_following(&self, root: Ino, path: &'p str) -> Result<Parent> {
        parent_following(self.0, root, path)
    }

    fn names_directory(&self, root: Ino, path: &str) -> Result<bool> {
        names_directory(self.0, root, path)
    }

    fn kind(&self, dir: &Ino, name: &[u8]) -> Result<Filetype> {
        self.0.lookup(*dir, name).map(|(_, t)| t)
    }

    fn mkdir(&self, dir: &Ino, name: &[u8]) -> Result<()> {
        self.0.create(*dir, name, NewNode::Directory).map(drop)
    }

    fn unlink(&self, dir: &Ino, name: &[u8]) -> Result<()> {
        self.0.unlink(*dir, name)
    }

    fn rmdir(&self, dir: &Ino, name: &[u8]) -> Result<()> {
        self.0.rmdir(*dir, name)
    }

    fn rename(&self, from: &Ino, a: &[u8], to: &Ino, b: &[u8]) -> Result<()> {
        self.0.rename(*from, a, *to, b)
    }

    fn symlink(&self, target: &str, dir: &Ino, name: &[u8]) -> Result<()> {
        self.0.create(*dir, name, NewNode::Symlink(target.as_bytes())).map(drop)
    }

    fn readlink(&self, dir: &Ino, name: &[u8], buf: &mut [u8]) -> Result<Size> {
        let (ino, _) = self.0.lookup(*dir, name)?;
        let target = self.0.readlink(ino)?;
        let n = target.len().min(buf.len());
        buf[..n].copy_from_slice(&target[..n]);
        Ok(Size::try_from(n).unwrap_or(Size::MAX))
    }

    fn link(&self, from: &Ino, a: &[u8], to: &Ino, b: &[u8]) -> Result<()> {
        self.0.link(*from, a, *to, b)
    }
}
