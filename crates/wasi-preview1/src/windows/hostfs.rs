//! [`HostDir`]: a host directory as a [`FileSystem`], so that every path a
//! guest names beneath it is resolved by the mounts' walk
//! ([`crate::vfs`]: one component at a time, `..` never above the start,
//! symlinks expanded by the walk, never by Windows), and each step is one
//! name opened beneath a held directory handle ([`nt::open_at`], which
//! never follows a reparse point).
//!
//! A node is an open handle: the one its lookup made (enough to query it
//! and to open names beneath it), and, once an fd reads, writes or lists
//! it, a second handle with that access (reopened from the first, never
//! by path). Nodes no fd holds are released after each call
//! ([`FileSystem::release_unused`]).
//!
//! Symlinks and junctions are reparse points: a relative symlink is a
//! symlink to the walk, anything else that names another place (an
//! absolute symlink, a junction, any other name surrogate) is a symlink
//! with an absolute target, which the walk refuses ([`crate::ESCAPE`]).

use super::names::{lookup_name, new_name, target_to_windows, to_guest};
use super::nt::{self, Disposition, Shape, access};
use crate::system::Result;
use crate::vfs::{FileSystem, Ino, NewNode};
use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut};
use std::os::windows::io::{AsHandle, BorrowedHandle, OwnedHandle};
use std::sync::{Arc, Mutex, MutexGuard};
use wasi_abi::{Dircookie, Dirent, DirentWriter, Errno, Filesize, Filestat, Filetype, Fstflags, Size, Timestamp};

/// The most nodes one call may find before it is refused (`ENFILE`): each
/// holds a handle until the call ends.
const MAX_TRANSIENT: usize = 1 << 16;

/// The most entries one listing of a directory holds (the rest of a
/// bigger directory is not listed).
const MAX_LISTING: usize = 1 << 20;

const ROOT: Ino = 1;

/// 100 ns ticks from 1601 to 1970.
const EPOCH_TICKS: i64 = 116_444_736_000_000_000;

#[derive(Debug)]
struct Node {
    /// The handle the lookup opened (attributes only).
    look: Arc<OwnedHandle>,
    filetype: Filetype,
    /// A handle opened for reading, writing or setting attributes, and
    /// the access it has.
    data: Option<(Arc<OwnedHandle>, u32)>,
    /// How many fds refer to the node.
    pins: u32,
    /// The directory's entries, as the last listing from cookie 0 found.
    listing: Option<Arc<Vec<Listed>>>,
}

#[derive(Debug)]
struct Listed {
    name: Vec<u8>,
    ino: u64,
    filetype: Filetype,
}

#[derive(Debug, Default)]
struct Nodes {
    map: HashMap<Ino, Node>,
    next: Ino,
}

/// A host directory, mounted as a guest's preopen.
#[derive(Debug)]
pub struct HostDir {
    nodes: Mutex<Nodes>,
    writable: bool,
}

/// The preview1 type of a node with these attributes and reparse tag.
fn filetype_of(attributes: u32, tag: u32) -> Filetype {
    if tag != 0 && nt::is_name_surrogate(tag) {
        Filetype::SymbolicLink
    } else if attributes & nt::ATTR_DIRECTORY != 0 {
        Filetype::Directory
    } else {
        Filetype::RegularFile
    }
}

/// Windows ticks (100 ns since 1601) as a preview1 timestamp.
fn to_timestamp(ticks: i64) -> Timestamp {
    u64::try_from(ticks.saturating_sub(EPOCH_TICKS)).map_or(0, |t| t.saturating_mul(100))
}

/// `fd_filestat_get` of the node `h` is open on, a `filetype`.
pub(crate) fn stat_of(h: BorrowedHandle<'_>, filetype: Filetype) -> Result<Filestat> {
    let i = nt::info(h)?;
    Ok(Filestat {
        dev: u64::from(i.volume),
        ino: i.index,
        filetype,
        nlink: u64::from(i.links),
        size: if filetype == Filetype::Directory { 0 } else { i.size },
        atim: to_timestamp(i.access),
        mtim: to_timestamp(i.write),
        ctim: to_timestamp(i.change),
    })
}

/// Sets the times `fstflags` asks for on the node `h` is open on.
pub(crate) fn set_times_of(h: BorrowedHandle<'_>, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
    let (atim, mtim) = crate::vfs::handle::times(atim, mtim, flags)?;
    nt::set_times(h, atim.map(to_ticks), mtim.map(to_ticks))
}

/// A preview1 timestamp as Windows ticks.
fn to_ticks(ts: Timestamp) -> i64 {
    i64::try_from(ts / 100).unwrap_or(i64::MAX - EPOCH_TICKS) + EPOCH_TICKS
}

impl HostDir {
    /// A host directory from a handle to it (opened with at least
    /// `FILE_READ_ATTRIBUTES`; `wasi_run`'s `--dir` opens one with
    /// [`open_dir`](super::open_dir)); `writable: false` makes the mount
    /// read-only.
    ///
    /// # Errors
    /// `ENOTDIR` if the handle is not a directory.
    pub fn new(dir: OwnedHandle, writable: bool) -> Result<Self> {
        let (attributes, tag) = nt::attribute_tag(dir.as_handle())?;
        if filetype_of(attributes, tag) != Filetype::Directory {
            return Err(Errno::NOTDIR);
        }
        let mut nodes = Nodes { map: HashMap::new(), next: ROOT + 1 };
        nodes.map.insert(
            ROOT,
            Node { look: Arc::new(dir), filetype: Filetype::Directory, data: None, pins: 1, listing: None },
        );
        Ok(HostDir { nodes: Mutex::new(nodes), writable })
    }

    fn lock(&self) -> MutexGuard<'_, Nodes> {
        self.nodes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lookup handle of a node (`ENOENT` for one released).
    fn look(&self, ino: Ino) -> Result<Arc<OwnedHandle>> {
        self.lock().map.get(&ino).map(|n| n.look.clone()).ok_or(Errno::NOENT)
    }

    fn add(&self, look: OwnedHandle, filetype: Filetype) -> Result<Ino> {
        let mut nodes = self.lock();
        if nodes.map.len() >= MAX_TRANSIENT {
            return Err(Errno::NFILE);
        }
        let ino = nodes.next;
        nodes.next += 1;
        nodes.map.insert(ino, Node { look: Arc::new(look), filetype, data: None, pins: 0, listing: None });
        Ok(ino)
    }

    /// A handle to the node with at least `need` access, reopened from
    /// its lookup handle the first time (with what it had before, if the
    /// system grants both).
    fn with_access(&self, ino: Ino, need: u32) -> Result<Arc<OwnedHandle>> {
        let (look, had) = {
            let nodes = self.lock();
            let node = nodes.map.get(&ino).ok_or(Errno::NOENT)?;
            match &node.data {
                Some((h, a)) if a & need == need => return Ok(h.clone()),
                Some((_, a)) => (node.look.clone(), *a),
                None => (node.look.clone(), 0),
            }
        };
        let reopen = |a: u32| nt::open_at(look.as_handle(), &[], access::LOOK | a, Disposition::Open, Shape::Any);
        let (h, got) = match reopen(had | need) {
            Ok(h) => (h, had | need),
            Err(Errno::ACCES) if had != 0 => (reopen(need)?, need),
            Err(e) => return Err(e),
        };
        let h = Arc::new(h);
        if let Some(node) = self.lock().map.get_mut(&ino) {
            node.data = Some((h.clone(), got));
        }
        Ok(h)
    }

    /// `name` in `dir`, opened as itself with `access`.
    fn open_name(&self, dir: Ino, name: &[u8], access: u32) -> Result<(OwnedHandle, Filetype)> {
        let dir = self.look(dir)?;
        let h =
            nt::open_at(dir.as_handle(), &lookup_name(name)?, access::LOOK | access, Disposition::Open, Shape::Any)?;
        let (attributes, tag) = nt::attribute_tag(h.as_handle())?;
        Ok((h, filetype_of(attributes, tag)))
    }

    /// The names in the directory `dir` (`.` and `..` left out).
    #[cfg(feature = "mounts")]
    pub(crate) fn names(&self, dir: Ino) -> Result<Vec<Vec<u8>>> {
        let listed = self.list(dir)?.into_iter();
        Ok(listed.filter(|l| l.name != b"." && l.name != b"..").map(|l| l.name).collect())
    }

    /// Lists a directory from its start.
    fn list(&self, dir: Ino) -> Result<Vec<Listed>> {
        // A handle of its own for each listing: a restarted scan on a
        // handle that listed before may answer from what it read then
        // (Wine does), missing entries made since.
        let look = self.look(dir)?;
        let h = nt::open_at(look.as_handle(), &[], access::LOOK | access::READ, Disposition::Open, Shape::Directory)?;
        let mut raw = Vec::new();
        let mut restart = true;
        while raw.len() < MAX_LISTING && nt::read_dir(h.as_handle(), restart, &mut raw)? {
            restart = false;
        }
        let own = nt::info(self.look(dir)?.as_handle())?.index;
        let mut out = Vec::with_capacity(raw.len() + 2);
        let dotdot = [u16::from(b'.'); 2];
        let parent = raw.iter().find(|e| e.name == dotdot).map_or(own, |e| e.index);
        out.push(Listed { name: b".".to_vec(), ino: own, filetype: Filetype::Directory });
        out.push(Listed { name: b"..".to_vec(), ino: parent, filetype: Filetype::Directory });
        for e in raw {
            let name = to_guest(&e.name);
            if name == b"." || name == b".." {
                continue;
            }
            out.push(Listed { name, ino: e.index, filetype: filetype_of(e.attributes, e.tag) });
        }
        Ok(out)
    }
}

/// Scatter-reads or gather-writes `count` buffers one at a time, `one`
/// moving buffer `i` at `done` bytes in and answering (bytes moved, the
/// buffer's length); stops at a short transfer, or at an error after
/// some bytes (which are then the result).
fn each_buffer(count: usize, mut one: impl FnMut(usize, u64) -> Result<(usize, usize)>) -> Result<Size> {
    let mut total = 0usize;
    for i in 0..count {
        let (n, len) = match one(i, total as u64) {
            Ok(r) => r,
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        };
        total += n;
        if n < len {
            break;
        }
    }
    Ok(Size::try_from(total).unwrap_or(Size::MAX))
}

impl FileSystem for HostDir {
    fn root(&self) -> Ino {
        ROOT
    }

    fn writable(&self) -> bool {
        self.writable
    }

    fn stat(&self, ino: Ino) -> Result<Filestat> {
        let (look, filetype) = {
            let nodes = self.lock();
            let n = nodes.map.get(&ino).ok_or(Errno::NOENT)?;
            (n.look.clone(), n.filetype)
        };
        stat_of(look.as_handle(), filetype)
    }

    fn lookup(&self, dir: Ino, name: &[u8]) -> Result<(Ino, Filetype)> {
        let (h, filetype) = self.open_name(dir, name, 0)?;
        Ok((self.add(h, filetype)?, filetype))
    }

    fn readlink(&self, ino: Ino) -> Result<Vec<u8>> {
        let (target, relative) = nt::read_link(self.look(ino)?.as_handle())?;
        let mut guest: Vec<u8> = to_guest(&target).into_iter().map(|b| if b == b'\\' { b'/' } else { b }).collect();
        if !relative && guest.first() != Some(&b'/') {
            // C:\x, \\?\UNC\..., a junction: another place on the host,
            // never followed (an absolute target is the walk's ESCAPE).
            guest.insert(0, b'/');
        }
        Ok(guest)
    }

    fn read(&self, ino: Ino, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        let h = self.with_access(ino, access::READ)?;
        each_buffer(bufs.len(), |i, done| {
            let n = nt::read_at(h.as_handle(), &mut bufs[i], offset + done)?;
            Ok((n, bufs[i].len()))
        })
    }

    fn readdir(&self, dir: Ino, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
        let cached = if cookie == 0 { None } else { self.lock().map.get(&dir).and_then(|n| n.listing.clone()) };
        let listing = match cached {
            Some(l) => l,
            None => {
                let l = Arc::new(self.list(dir)?);
                if let Some(n) = self.lock().map.get_mut(&dir) {
                    n.listing = Some(l.clone());
                }
                l
            }
        };
        let start = usize::try_from(cookie).unwrap_or(usize::MAX);
        for (i, e) in listing.iter().enumerate().skip(start) {
            let d = Dirent { d_next: i as u64 + 1, d_ino: e.ino, d_namlen: e.name.len() as u32, d_type: e.filetype };
            if !out.push(&d, &e.name) {
                break;
            }
        }
        Ok(())
    }

    fn open(&self, ino: Ino) {
        if let Some(n) = self.lock().map.get_mut(&ino) {
            n.pins += 1;
        }
    }

    fn close(&self, ino: Ino) {
        let mut nodes = self.lock();
        if let Some(n) = nodes.map.get_mut(&ino) {
            n.pins = n.pins.saturating_sub(1);
            if n.pins == 0 && ino != ROOT {
                nodes.map.remove(&ino);
            }
        }
    }

    fn release_unused(&self) {
        self.lock().map.retain(|&ino, n| ino == ROOT || n.pins > 0);
    }

    fn write(&self, ino: Ino, bufs: &[IoSlice<'_>], offset: Option<Filesize>) -> Result<(Size, Filesize)> {
        let h = self.with_access(ino, access::WRITE)?;
        let n = each_buffer(bufs.len(), |i, done| {
            let n = nt::write_at(h.as_handle(), &bufs[i], offset.map(|o| o + done))?;
            Ok((n, bufs[i].len()))
        })?;
        let end = match offset {
            Some(o) => o + Filesize::from(n),
            None => nt::info(h.as_handle())?.size,
        };
        Ok((n, end))
    }

    fn set_size(&self, ino: Ino, size: Filesize) -> Result<()> {
        nt::set_size(self.with_access(ino, access::WRITE)?.as_handle(), size)
    }

    fn set_times(&self, ino: Ino, atim: Option<Timestamp>, mtim: Option<Timestamp>) -> Result<()> {
        let h = self.with_access(ino, access::ATTRIBUTES)?;
        nt::set_times(h.as_handle(), atim.map(to_ticks), mtim.map(to_ticks))
    }

    fn sync(&self, ino: Ino) -> Result<()> {
        nt::flush(self.with_access(ino, access::WRITE)?.as_handle())
    }

    fn create(&self, dir: Ino, name: &[u8], node: NewNode<'_>) -> Result<Ino> {
        let wide = new_name(name)?;
        let parent = self.look(dir)?;
        let open = |shape, access| nt::open_at(parent.as_handle(), &wide, access, Disposition::Create, shape);
        let (h, filetype) = match node {
            NewNode::File => (open(Shape::NotDirectory, access::LOOK)?, Filetype::RegularFile),
            NewNode::Directory => (open(Shape::Directory, access::LOOK)?, Filetype::Directory),
            NewNode::Symlink(target) => {
                let target = std::str::from_utf8(target).map_err(|_| Errno::ILSEQ)?;
                let windows_target = target_to_windows(target)?;
                let shape = if self.target_is_directory(dir, target) { Shape::Directory } else { Shape::NotDirectory };
                let h = open(shape, access::LOOK | access::WRITE | access::ATTRIBUTES | access::DELETE)?;
                if let Err(e) = nt::make_link(h.as_handle(), &windows_target) {
                    // Leave nothing behind.
                    let _ = nt::delete(h.as_handle());
                    return Err(e);
                }
                (h, Filetype::SymbolicLink)
            }
        };
        self.add(h, filetype)
    }

    fn unlink(&self, dir: Ino, name: &[u8]) -> Result<()> {
        let (h, filetype) = self.open_name(dir, name, access::DELETE)?;
        if filetype == Filetype::Directory {
            return Err(Errno::ISDIR);
        }
        nt::delete(h.as_handle())
    }

    fn rmdir(&self, dir: Ino, name: &[u8]) -> Result<()> {
        let (h, filetype) = self.open_name(dir, name, access::DELETE)?;
        if filetype != Filetype::Directory {
            return Err(Errno::NOTDIR);
        }
        nt::delete(h.as_handle())
    }

    fn link(&self, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8]) -> Result<()> {
        let (h, filetype) = self.open_name(from_dir, from, 0)?;
        if filetype == Filetype::Directory {
            return Err(Errno::PERM);
        }
        let wide = new_name(to)?;
        nt::link(h.as_handle(), self.look(to_dir)?.as_handle(), &wide)
    }

    fn rename(&self, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8]) -> Result<()> {
        let (h, kind) = self.open_name(from_dir, from, access::DELETE)?;
        let wide = new_name(to)?;
        let target = self.look(to_dir)?;
        match self.open_name(to_dir, to, access::DELETE) {
            Ok((there, there_kind)) => {
                if nt::same_node(h.as_handle(), there.as_handle())? {
                    // One name in two cases (names are looked up without
                    // regard to case): the rename changes its case, as on
                    // Windows. Two names of one node: nothing happens.
                    if from != to && same_but_case(from, to) && self.same_dir(from_dir, to_dir)? {
                        return rename_case(&h, &target, &new_name(from)?, &wide);
                    }
                    return Ok(());
                }
                match (kind == Filetype::Directory, there_kind == Filetype::Directory) {
                    (true, false) => return Err(Errno::NOTDIR),
                    (false, true) => return Err(Errno::ISDIR),
                    // Windows replaces no directory: an empty one is
                    // removed first (ENOTEMPTY otherwise).
                    (true, true) => nt::delete(there.as_handle())?,
                    (false, false) => {}
                }
            }
            Err(Errno::NOENT) => {}
            Err(e) => return Err(e),
        }
        nt::rename(h.as_handle(), target.as_handle(), &wide, true)
    }
}

/// Renames `h`, opened by the name `from` in the directory `dir`, to
/// `to`, the same name in another case: by way of a name of its own (a
/// file system may take a rename to the same name in another case for no
/// change, as Wine's does), and back to `from` if the second step fails.
fn rename_case(h: &OwnedHandle, dir: &OwnedHandle, from: &[u16], to: &[u16]) -> Result<()> {
    let index = nt::info(h.as_handle())?.index;
    let aside: Vec<u16> = format!(".wasi-run-case-{index:x}").encode_utf16().collect();
    nt::rename(h.as_handle(), dir.as_handle(), &aside, false)?;
    nt::rename(h.as_handle(), dir.as_handle(), to, false).inspect_err(|_| {
        let _ = nt::rename(h.as_handle(), dir.as_handle(), from, false);
    })
}

/// Whether two names differ in case only.
fn same_but_case(a: &[u8], b: &[u8]) -> bool {
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    }
}

impl HostDir {
    /// Whether two of the walk's nodes are one directory (each walk to a
    /// directory may find it as a node of its own).
    fn same_dir(&self, a: Ino, b: Ino) -> Result<bool> {
        if a == b {
            return Ok(true);
        }
        nt::same_node(self.look(a)?.as_handle(), self.look(b)?.as_handle())
    }

    /// Whether a new symlink's target names a directory now (Windows marks
    /// a symlink as a file or a directory one; the walk follows either).
    /// Only a target of plain names beneath `dir` is looked at.
    fn target_is_directory(&self, dir: Ino, target: &str) -> bool {
        let mut current = match self.look(dir) {
            Ok(h) => h,
            Err(_) => return false,
        };
        for part in target.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if part == ".." {
                return false;
            }
            let Ok(name) = lookup_name(part.as_bytes()) else { return false };
            match nt::open_at(current.as_handle(), &name, access::LOOK, Disposition::Open, Shape::Any) {
                Ok(h) => match nt::attribute_tag(h.as_handle()) {
                    Ok((a, tag)) if filetype_of(a, tag) == Filetype::Directory => current = Arc::new(h),
                    _ => return false,
                },
                Err(_) => return false,
            }
        }
        true
    }
}
