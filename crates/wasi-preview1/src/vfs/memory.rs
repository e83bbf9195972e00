//! [`MemoryFs`]: a file system held in memory, bounded by a byte budget.
//!
//! One lock guards the whole tree, so every change of a name is atomic.
//! Nodes live in a map by inode number; a directory maps names to inodes
//! and keeps each entry's insertion number, which is its readdir cookie:
//! cookies stay valid while entries come and go, and a readdir resumes in
//! O(log n). A node lives while it has a name or an open fd.
//!
//! A regular file holds its bytes, or a [`Blob`]: contents read on demand
//! from elsewhere (a range of a `.tar` archive, a file of a host directory
//! beneath an overlay), copied into memory the first time the file is
//! changed. So an archive or a host tree can be mounted without reading
//! it, and an overlay changes only memory.

use super::{FileSystem, Ino, NewNode, now};
use crate::file::{read_bytes, write_bytes};
use crate::system::Result;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use wasi_abi::{Dircookie, Dirent, DirentWriter, Errno, Filesize, Filestat, Filetype, Size, Timestamp};

/// The longest name a directory entry may have (Linux's `NAME_MAX`):
/// longer is `ENAMETOOLONG`.
pub const NAME_MAX: usize = 255;

/// The budget of a [`MemoryFs`] unless [`MemoryFs::with_budget`] says
/// otherwise: 256 MiB.
pub const DEFAULT_BUDGET: u64 = 256 << 20;

/// What each node costs the budget besides its contents.
const NODE_COST: u64 = 128;

/// What each directory entry costs the budget besides its name (the name
/// is stored twice: by name, and by cookie).
const ENTRY_COST: u64 = 64;

/// What the entry `name` costs the budget.
fn entry_cost(name: &[u8]) -> u64 {
    ENTRY_COST + 2 * name.len() as u64
}

/// File contents read on demand: a range of an archive, a file of a host
/// directory. It must not change while mounted.
pub trait Blob: fmt::Debug + Send + Sync {
    /// The size in bytes.
    fn len(&self) -> u64;

    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads from `offset` (less than [`Blob::len`]) into `buf`: the bytes
    /// read, 0 only at the end.
    ///
    /// # Errors
    /// The host's error reading it (`EIO` to the guest).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

#[derive(Debug)]
enum Data {
    Bytes(Vec<u8>),
    Blob(Arc<dyn Blob>),
}

impl Data {
    fn len(&self) -> u64 {
        match self {
            Data::Bytes(b) => b.len() as u64,
            Data::Blob(b) => b.len(),
        }
    }
}

#[derive(Debug, Default)]
struct Dir {
    parent: Ino,
    names: BTreeMap<Box<[u8]>, (Ino, u64)>,
    order: BTreeMap<u64, Box<[u8]>>,
    next_seq: u64,
}

#[derive(Debug)]
enum Body {
    File(Data),
    Dir(Dir),
    Symlink(Box<[u8]>),
}

#[derive(Debug)]
struct Node {
    body: Body,
    nlink: u64,
    open: u64,
    atim: Timestamp,
    mtim: Timestamp,
    ctim: Timestamp,
}

impl Node {
    fn filetype(&self) -> Filetype {
        match self.body {
            Body::File(_) => Filetype::RegularFile,
            Body::Dir(_) => Filetype::Directory,
            Body::Symlink(_) => Filetype::SymbolicLink,
        }
    }

    fn dir(&self) -> Result<&Dir> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::NOTDIR),
        }
    }

    /// A directory that still has a name: one removed while open can be
    /// neither listed nor added to (`ENOENT`, as Linux answers).
    fn live_dir(&self) -> Result<&Dir> {
        let d = self.dir()?;
        if self.nlink == 0 { Err(Errno::NOENT) } else { Ok(d) }
    }

    fn dir_mut(&mut self) -> Result<&mut Dir> {
        match &mut self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::NOTDIR),
        }
    }
}

#[derive(Debug)]
struct Tree {
    nodes: HashMap<Ino, Node>,
    next_ino: Ino,
    used: u64,
    budget: u64,
    dev: u64,
}

/// The device number the next file system reports, so two mounts never
/// share a `(dev, ino)` pair.
static NEXT_DEV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0x7761_7369_0000);

const ROOT: Ino = 1;

/// A file system in memory: see [`crate::vfs`] and docs/mounts.md.
///
/// Filled by the embedder ([`MemoryFs::add_file`], [`MemoryFs::add_dir`],
/// [`MemoryFs::add_symlink`], [`MemoryFs::add_blob`]), from an archive
/// (`MemoryFs::from_tar`), or by the guest once mounted; made read-only
/// with [`MemoryFs::into_read_only`].
#[derive(Debug)]
pub struct MemoryFs {
    tree: Mutex<Tree>,
    writable: bool,
}

impl Default for MemoryFs {
    fn default() -> Self {
        Self::new()
    }
}

fn missing() -> Errno {
    Errno::NOENT
}

fn check_name(name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX { Err(Errno::NAMETOOLONG) } else { Ok(()) }
}

impl Tree {
    fn node(&self, ino: Ino) -> Result<&Node> {
        self.nodes.get(&ino).ok_or(Errno::NOENT)
    }

    fn node_mut(&mut self, ino: Ino) -> Result<&mut Node> {
        self.nodes.get_mut(&ino).ok_or(Errno::NOENT)
    }

    fn charge(&mut self, bytes: u64) -> Result<()> {
        self.check_room(bytes)?;
        self.used += bytes;
        Ok(())
    }

    /// Whether `bytes` more would fit, without taking them.
    fn check_room(&self, bytes: u64) -> Result<()> {
        match self.used.checked_add(bytes) {
            Some(u) if u <= self.budget => Ok(()),
            _ => Err(Errno::NOSPC),
        }
    }

    fn refund(&mut self, bytes: u64) {
        self.used = self.used.saturating_sub(bytes);
    }

    fn entry(&self, dir: Ino, name: &[u8]) -> Result<Ino> {
        check_name(name)?;
        self.node(dir)?.dir()?.names.get(name).map(|&(ino, _)| ino).ok_or_else(missing)
    }

    /// Adds `name` → `ino` to `dir` (which must not hold `name`).
    fn add_entry(&mut self, dir: Ino, name: &[u8], ino: Ino) -> Result<()> {
        self.charge(entry_cost(name))?;
        let t = now();
        let node = self.node_mut(dir)?;
        node.mtim = t;
        node.ctim = t;
        let d = node.dir_mut()?;
        let seq = d.next_seq;
        d.next_seq += 1;
        d.names.insert(name.into(), (ino, seq));
        d.order.insert(seq, name.into());
        Ok(())
    }

    /// Removes `name` from `dir`, returning its inode; the node loses a link.
    fn remove_entry(&mut self, dir: Ino, name: &[u8]) -> Result<Ino> {
        let t = now();
        let node = self.node_mut(dir)?;
        node.mtim = t;
        node.ctim = t;
        let d = node.dir_mut()?;
        let (ino, seq) = d.names.remove(name).ok_or_else(missing)?;
        d.order.remove(&seq);
        self.refund(entry_cost(name));
        Ok(ino)
    }

    fn new_node(&mut self, body: Body) -> Result<Ino> {
        let bytes = match &body {
            Body::Symlink(t) => t.len() as u64,
            _ => 0,
        };
        self.charge(NODE_COST + bytes)?;
        let ino = self.next_ino;
        self.next_ino += 1;
        let t = now();
        let nlink = if matches!(body, Body::Dir(_)) { 2 } else { 1 };
        self.nodes.insert(ino, Node { body, nlink, open: 0, atim: t, mtim: t, ctim: t });
        Ok(ino)
    }

    /// Drops a link (or an open fd) from `ino`, freeing the node when it has
    /// neither.
    fn release(&mut self, ino: Ino) {
        let Some(node) = self.nodes.get(&ino) else { return };
        if node.nlink > 0 || node.open > 0 {
            return;
        }
        if let Some(node) = self.nodes.remove(&ino) {
            let bytes = match &node.body {
                Body::File(Data::Bytes(b)) => b.len() as u64,
                Body::Symlink(t) => t.len() as u64,
                _ => 0,
            };
            self.refund(NODE_COST + bytes);
        }
    }

    fn unlink_node(&mut self, ino: Ino) {
        if let Ok(n) = self.node_mut(ino) {
            n.nlink = n.nlink.saturating_sub(1);
            n.ctim = now();
        }
        self.release(ino);
    }

    /// Whether `ino` is `ancestor` or beneath it.
    fn is_within(&self, mut ino: Ino, ancestor: Ino) -> bool {
        // Bounded by the depth of the tree: every step goes one level up.
        for _ in 0..=self.nodes.len() {
            if ino == ancestor {
                return true;
            }
            match self.nodes.get(&ino).map(|n| &n.body) {
                Some(Body::Dir(d)) if d.parent != ino => ino = d.parent,
                _ => return false,
            }
        }
        false
    }

    /// The file's bytes, copied in from its blob first if it has one.
    fn bytes_mut(&mut self, ino: Ino) -> Result<&mut Vec<u8>> {
        let blob = match &self.node(ino)?.body {
            Body::File(Data::Blob(b)) => Some(b.clone()),
            Body::File(Data::Bytes(_)) => None,
            Body::Dir(_) => return Err(Errno::ISDIR),
            Body::Symlink(_) => return Err(Errno::INVAL),
        };
        if let Some(blob) = blob {
            let len = usize::try_from(blob.len()).map_err(|_| Errno::NOSPC)?;
            self.charge(blob.len())?;
            let mut bytes = vec![0u8; len];
            if let Err(e) = read_blob(&*blob, &mut bytes, 0) {
                self.refund(blob.len());
                return Err(e);
            }
            self.node_mut(ino)?.body = Body::File(Data::Bytes(bytes));
        }
        match &mut self.node_mut(ino)?.body {
            Body::File(Data::Bytes(b)) => Ok(b),
            _ => Err(Errno::INVAL),
        }
    }

    /// Resizes a file's bytes to `size`, charging or refunding the budget.
    fn resize(&mut self, ino: Ino, size: u64) -> Result<()> {
        let old = self.bytes_mut(ino)?.len() as u64;
        if size > old {
            self.charge(size - old)?;
        } else {
            self.refund(old - size);
        }
        let new = usize::try_from(size).map_err(|_| Errno::NOSPC)?;
        self.bytes_mut(ino)?.resize(new, 0);
        Ok(())
    }
}

/// A filling path (relative to the root, `/`-separated) as the directory
/// part and the last name.
fn split_parent(path: &str) -> (&[u8], &[u8]) {
    let path = path.trim_matches('/').as_bytes();
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b""[..], path),
    }
}

/// Fills `buf` from `blob` at `offset` (short only at its end).
fn read_blob(blob: &dyn Blob, buf: &mut [u8], offset: u64) -> Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        let at = offset + done as u64;
        if at >= blob.len() {
            break;
        }
        match blob.read_at(&mut buf[done..], at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Errno::IO),
        }
    }
    Ok(done)
}

impl MemoryFs {
    /// An empty, writable file system with the [`DEFAULT_BUDGET`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }

    /// An empty, writable file system that holds at most `budget` bytes:
    /// file contents kept in memory, names, and a fixed cost per node and
    /// per entry. Past it, writes and creations are `ENOSPC`. Contents
    /// still read from a [`Blob`] cost nothing until copied in.
    #[must_use]
    pub fn with_budget(budget: u64) -> Self {
        let dev = NEXT_DEV.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut tree = Tree { nodes: HashMap::new(), next_ino: ROOT, used: 0, budget, dev };
        // The root is its own parent, as `/` is; the budget does not
        // count it, so even a zero budget has a root.
        let t = now();
        tree.nodes.insert(
            ROOT,
            Node {
                body: Body::Dir(Dir { parent: ROOT, ..Dir::default() }),
                nlink: 2,
                open: 0,
                atim: t,
                mtim: t,
                ctim: t,
            },
        );
        tree.next_ino = ROOT + 1;
        MemoryFs { tree: Mutex::new(tree), writable: true }
    }

    /// The same tree, refusing every change from now on.
    #[must_use]
    pub fn into_read_only(mut self) -> Self {
        self.writable = false;
        self
    }

    /// The same tree, open to changes (an overlay: a tree filled from an
    /// archive or host directory that the guest may change in memory).
    #[must_use]
    pub fn into_writable(mut self) -> Self {
        self.writable = true;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Tree> {
        self.tree.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes of the budget in use.
    #[must_use]
    pub fn used(&self) -> u64 {
        self.lock().used
    }

    /// Copies the contents of every [`Blob`] into memory (for a mount that
    /// must not read its source after it is made), within the budget.
    ///
    /// # Errors
    /// `ENOSPC` when the budget cannot hold them, `EIO` when a blob cannot
    /// be read.
    pub fn load_blobs(&self) -> Result<()> {
        let mut tree = self.lock();
        let blobs: Vec<Ino> =
            tree.nodes.iter().filter(|(_, n)| matches!(n.body, Body::File(Data::Blob(_)))).map(|(&i, _)| i).collect();
        for ino in blobs {
            tree.bytes_mut(ino)?;
        }
        Ok(())
    }

    /// The directory `path` (relative to the root, `/`-separated), made
    /// with its parents if missing: as `mkdir -p`, for filling a tree.
    fn dir_at(tree: &mut Tree, path: &[u8]) -> Result<Ino> {
        let mut dir = ROOT;
        for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
            if c == b".." {
                return Err(Errno::INVAL);
            }
            dir = match tree.entry(dir, c) {
                Ok(ino) => {
                    tree.node(ino)?.dir()?;
                    ino
                }
                Err(Errno::NOENT) => {
                    let ino = tree.new_node(Body::Dir(Dir { parent: dir, ..Dir::default() }))?;
                    tree.add_entry(dir, c, ino)?;
                    tree.node_mut(dir)?.nlink += 1;
                    ino
                }
                Err(e) => return Err(e),
            };
        }
        Ok(dir)
    }

    fn add(&self, path: &str, body: Body) -> Result<Ino> {
        let (parent, name) = split_parent(path);
        if name.is_empty() || name == b"." || name == b".." || name.contains(&0) {
            return Err(Errno::INVAL);
        }
        check_name(name)?;
        let mut tree = self.lock();
        let dir = Self::dir_at(&mut tree, parent)?;
        // A name given twice: the later wins, as when an archive is unpacked.
        if let Ok(old) = tree.entry(dir, name) {
            if matches!(tree.node(old)?.body, Body::Dir(_)) {
                return if matches!(body, Body::Dir(_)) { Ok(old) } else { Err(Errno::ISDIR) };
            }
            tree.remove_entry(dir, name)?;
            tree.unlink_node(old);
        }
        let is_dir = matches!(body, Body::Dir(_));
        let bytes = match &body {
            Body::File(Data::Bytes(b)) => b.len() as u64,
            _ => 0,
        };
        tree.charge(bytes)?;
        let body = match body {
            Body::Dir(d) => Body::Dir(Dir { parent: dir, ..d }),
            b => b,
        };
        let ino = tree.new_node(body)?;
        tree.add_entry(dir, name, ino)?;
        if is_dir {
            tree.node_mut(dir)?.nlink += 1;
        }
        Ok(ino)
    }

    /// Adds a regular file at `path` (parents made as needed; an existing
    /// file there is replaced).
    ///
    /// # Errors
    /// `ENOSPC` past the budget, `EINVAL` for a path that names no entry,
    /// `ENOTDIR` where a parent is not a directory, `EISDIR` where a
    /// directory has the name.
    pub fn add_file(&self, path: &str, contents: Vec<u8>) -> Result<Ino> {
        self.add(path, Body::File(Data::Bytes(contents)))
    }

    /// Adds a regular file whose contents are read from `blob` when the
    /// guest reads them.
    ///
    /// # Errors
    /// As [`MemoryFs::add_file`].
    pub fn add_blob(&self, path: &str, blob: Arc<dyn Blob>) -> Result<Ino> {
        self.add(path, Body::File(Data::Blob(blob)))
    }

    /// Adds a directory (and its parents).
    ///
    /// # Errors
    /// As [`MemoryFs::add_file`].
    pub fn add_dir(&self, path: &str) -> Result<Ino> {
        self.add(path, Body::Dir(Dir::default()))
    }

    /// Adds a symlink to `target` (stored as given; the guest's resolution
    /// refuses any target that leaves the mount).
    ///
    /// # Errors
    /// As [`MemoryFs::add_file`].
    pub fn add_symlink(&self, path: &str, target: &str) -> Result<Ino> {
        crate::paths::check_symlink_target(target).or_else(|e| if e == crate::ESCAPE { Ok(()) } else { Err(e) })?;
        self.add(path, Body::Symlink(target.as_bytes().into()))
    }

    /// Adds a second name `path` for the node `target` (an archive's hard
    /// link): `EPERM` for a directory.
    ///
    /// # Errors
    /// As [`MemoryFs::add_file`].
    pub fn add_hard_link(&self, path: &str, target: &str) -> Result<()> {
        let mut tree = self.lock();
        // The target must exist already: looked up, nothing made on the way.
        let (tdir, tname) = split_parent(target);
        let mut at = ROOT;
        for c in tdir.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
            at = tree.entry(at, c)?;
        }
        let ino = tree.entry(at, tname)?;
        let (dir, name) = split_parent(path);
        let dir = Self::dir_at(&mut tree, dir)?;
        if matches!(tree.node(ino)?.body, Body::Dir(_)) {
            return Err(Errno::PERM);
        }
        check_name(name)?;
        if tree.entry(dir, name).is_ok() {
            return Err(Errno::EXIST);
        }
        tree.add_entry(dir, name, ino)?;
        tree.node_mut(ino)?.nlink += 1;
        Ok(())
    }

    /// Sets the times of the node `ino` (for filling a tree from an
    /// archive with its recorded times).
    pub fn set_node_times(&self, ino: Ino, mtim: Timestamp) {
        if let Ok(n) = self.lock().node_mut(ino) {
            n.atim = mtim;
            n.mtim = mtim;
            n.ctim = mtim;
        }
    }
}

impl FileSystem for MemoryFs {
    fn root(&self) -> Ino {
        ROOT
    }

    fn writable(&self) -> bool {
        self.writable
    }

    fn stat(&self, ino: Ino) -> Result<Filestat> {
        let tree = self.lock();
        let n = tree.node(ino)?;
        let size = match &n.body {
            Body::File(d) => d.len(),
            Body::Dir(_) => 0,
            Body::Symlink(t) => t.len() as u64,
        };
        Ok(Filestat {
            dev: tree.dev,
            ino,
            filetype: n.filetype(),
            nlink: n.nlink,
            size,
            atim: n.atim,
            mtim: n.mtim,
            ctim: n.ctim,
        })
    }

    fn lookup(&self, dir: Ino, name: &[u8]) -> Result<(Ino, Filetype)> {
        let tree = self.lock();
        let ino = tree.entry(dir, name)?;
        Ok((ino, tree.node(ino)?.filetype()))
    }

    fn readlink(&self, ino: Ino) -> Result<Vec<u8>> {
        match &self.lock().node(ino)?.body {
            Body::Symlink(t) => Ok(t.to_vec()),
            _ => Err(Errno::INVAL),
        }
    }

    fn read(&self, ino: Ino, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        let tree = self.lock();
        let blob = match &tree.node(ino)?.body {
            Body::File(Data::Bytes(data)) => return Ok(read_bytes(data, bufs, offset)),
            Body::File(Data::Blob(b)) => b.clone(),
            Body::Dir(_) => return Err(Errno::ISDIR),
            Body::Symlink(_) => return Err(Errno::INVAL),
        };
        // The blob is read without the lock held.
        drop(tree);
        let mut at = offset;
        let mut n = 0usize;
        for buf in bufs {
            let got = read_blob(&*blob, buf, at)?;
            n += got;
            at += got as u64;
            if got < buf.len() {
                break;
            }
        }
        Ok(Size::try_from(n).unwrap_or(Size::MAX))
    }

    fn readdir(&self, dir: Ino, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
        let tree = self.lock();
        let d = tree.node(dir)?.live_dir()?;
        let dot = [(0, dir, &b"."[..]), (1, d.parent, &b".."[..])];
        for &(c, ino, name) in &dot {
            if cookie <= c {
                let header =
                    Dirent { d_next: c + 1, d_ino: ino, d_namlen: name.len() as u32, d_type: Filetype::Directory };
                if !out.push(&header, name) {
                    return Ok(());
                }
            }
        }
        let from = cookie.saturating_sub(2);
        for (&seq, name) in d.order.range(from..) {
            let Some(&(ino, _)) = d.names.get(name) else { continue };
            let d_type = tree.node(ino).map_or(Filetype::Unknown, Node::filetype);
            let header = Dirent { d_next: seq + 3, d_ino: ino, d_namlen: name.len() as u32, d_type };
            if !out.push(&header, name) {
                break;
            }
        }
        Ok(())
    }

    fn open(&self, ino: Ino) {
        if let Ok(n) = self.lock().node_mut(ino) {
            n.open += 1;
        }
    }

    fn close(&self, ino: Ino) {
        let mut tree = self.lock();
        if let Ok(n) = tree.node_mut(ino) {
            n.open = n.open.saturating_sub(1);
        }
        tree.release(ino);
    }

    fn write(&self, ino: Ino, bufs: &[IoSlice<'_>], offset: Option<Filesize>) -> Result<(Size, Filesize)> {
        let mut tree = self.lock();
        let len = tree.bytes_mut(ino)?.len() as u64;
        let start = offset.unwrap_or(len);
        let total: u64 = bufs.iter().map(|b| b.len() as u64).sum();
        if total == 0 {
            return Ok((0, start));
        }
        // What fits in the budget: a short write, then ENOSPC.
        let end_wanted = start.checked_add(total).filter(|&e| e <= i64::MAX as u64).ok_or(Errno::FBIG)?;
        let room = tree.budget.saturating_sub(tree.used);
        let end = end_wanted.min(len.saturating_add(room));
        if end <= start {
            return Err(Errno::NOSPC);
        }
        let take_total = end - start;
        if end > len {
            tree.charge(end - len)?;
        }
        let end_us = usize::try_from(end).map_err(|_| Errno::NOSPC)?;
        let t = now();
        write_bytes(tree.bytes_mut(ino)?, bufs, start as usize, end_us);
        let node = tree.node_mut(ino)?;
        node.mtim = t;
        node.ctim = t;
        Ok((Size::try_from(take_total).unwrap_or(Size::MAX), end))
    }

    fn set_size(&self, ino: Ino, size: Filesize) -> Result<()> {
        let mut tree = self.lock();
        tree.resize(ino, size)?;
        let t = now();
        let node = tree.node_mut(ino)?;
        node.mtim = t;
        node.ctim = t;
        Ok(())
    }

    fn set_times(&self, ino: Ino, atim: Option<Timestamp>, mtim: Option<Timestamp>) -> Result<()> {
        let mut tree = self.lock();
        let node = tree.node_mut(ino)?;
        if let Some(a) = atim {
            node.atim = a;
        }
        if let Some(m) = mtim {
            node.mtim = m;
        }
        node.ctim = now();
        Ok(())
    }

    fn create(&self, dir: Ino, name: &[u8], new: NewNode<'_>) -> Result<Ino> {
        check_name(name)?;
        let mut tree = self.lock();
        tree.node(dir)?.live_dir()?;
        if tree.entry(dir, name).is_ok() {
            return Err(Errno::EXIST);
        }
        let body = match new {
            NewNode::File => Body::File(Data::Bytes(Vec::new())),
            NewNode::Directory => Body::Dir(Dir { parent: dir, ..Dir::default() }),
            NewNode::Symlink(target) => Body::Symlink(target.into()),
        };
        let ino = tree.new_node(body)?;
        if let Err(e) = tree.add_entry(dir, name, ino) {
            tree.node_mut(ino)?.nlink = 0;
            tree.release(ino);
            return Err(e);
        }
        if new == NewNode::Directory {
            tree.node_mut(dir)?.nlink += 1;
        }
        Ok(ino)
    }

    fn unlink(&self, dir: Ino, name: &[u8]) -> Result<()> {
        let mut tree = self.lock();
        let ino = tree.entry(dir, name)?;
        if matches!(tree.node(ino)?.body, Body::Dir(_)) {
            return Err(Errno::ISDIR);
        }
        tree.remove_entry(dir, name)?;
        tree.unlink_node(ino);
        Ok(())
    }

    fn rmdir(&self, dir: Ino, name: &[u8]) -> Result<()> {
        let mut tree = self.lock();
        let ino = tree.entry(dir, name)?;
        if !tree.node(ino)?.dir()?.names.is_empty() {
            return Err(Errno::NOTEMPTY);
        }
        tree.remove_entry(dir, name)?;
        tree.node_mut(dir)?.nlink -= 1;
        tree.node_mut(ino)?.nlink = 1;
        tree.unlink_node(ino);
        Ok(())
    }

    fn link(&self, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8]) -> Result<()> {
        check_name(to)?;
        let mut tree = self.lock();
        let ino = tree.entry(from_dir, from)?;
        tree.node(to_dir)?.live_dir()?;
        // As linkat(2): a taken name before a directory's refusal.
        if tree.entry(to_dir, to).is_ok() {
            return Err(Errno::EXIST);
        }
        if matches!(tree.node(ino)?.body, Body::Dir(_)) {
            return Err(Errno::PERM);
        }
        tree.add_entry(to_dir, to, ino)?;
        let node = tree.node_mut(ino)?;
        node.nlink += 1;
        node.ctim = now();
        Ok(())
    }

    fn rename(&self, from_dir: Ino, from: &[u8], to_dir: Ino, to: &[u8]) -> Result<()> {
        check_name(to)?;
        let mut tree = self.lock();
        let ino = tree.entry(from_dir, from)?;
        tree.node(to_dir)?.live_dir()?;
        let is_dir = matches!(tree.node(ino)?.body, Body::Dir(_));
        let replaced = match tree.entry(to_dir, to) {
            Ok(old) => Some(old),
            Err(Errno::NOENT) => None,
            Err(e) => return Err(e),
        };
        // As renameat(2), before the types are compared: a directory moved
        // beneath itself, and a target that holds the source.
        if is_dir && tree.is_within(to_dir, ino) {
            return Err(Errno::INVAL);
        }
        if replaced.is_some_and(|old| old != ino && tree.is_within(from_dir, old)) {
            return Err(Errno::NOTEMPTY);
        }
        if let Some(old) = replaced {
            if old == ino {
                // Two names of one node: nothing happens.
                return Ok(());
            }
            match (&tree.node(old)?.body, is_dir) {
                (Body::Dir(d), true) if !d.names.is_empty() => return Err(Errno::NOTEMPTY),
                (Body::Dir(_), true) => {}
                (Body::Dir(_), false) => return Err(Errno::ISDIR),
                (_, true) => return Err(Errno::NOTDIR),
                (_, false) => {}
            }
        }
        // Room for the new name before anything changes.
        tree.check_room(entry_cost(to))?;
        if let Some(old) = replaced {
            tree.remove_entry(to_dir, to)?;
            if is_dir {
                tree.node_mut(to_dir)?.nlink -= 1;
                tree.node_mut(old)?.nlink = 1;
            }
            tree.unlink_node(old);
        }
        tree.remove_entry(from_dir, from)?;
        tree.add_entry(to_dir, to, ino)?;
        let t = now();
        if is_dir {
            tree.node_mut(from_dir)?.nlink -= 1;
            tree.node_mut(to_dir)?.nlink += 1;
            if let Body::Dir(d) = &mut tree.node_mut(ino)?.body {
                d.parent = to_dir;
            }
        }
        tree.node_mut(ino)?.ctim = t;
        Ok(())
    }
}
