//! The fd table: guest fd numbers to what they hold (a host fd, or any
//! [`VirtualFile`]), their kind and flags.
//!
//! A `Vec` indexed by the guest fd: a lookup is one bounds check, with no
//! lock and no hashing. New fds take the lowest free number.
//!
//! Rights are reported, not enforced (as wasmtime does, see
//! docs/security.md): what an fd may do is decided by how the host opened
//! it ([`Access`]), by the read-only mount it lies beneath, and for stdio
//! by what the host's own description allows. [`Entry::rights`] derives
//! the rights `fd_fdstat_get` reports from those facts.

use super::readdir::DirStream;
use crate::file::VirtualFile;
use crate::vfs::Handle;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::OFlags;
use wasi_abi::{Errno, Fd, Fdflags, Filetype, Rights};

/// What a guest fd refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file or block device (seekable, always ready).
    File,
    /// A directory.
    Dir,
    /// A character device that is not a terminal (`/dev/null`): seekable
    /// as the kernel allows, polled like a stream.
    Device,
    /// A pipe, FIFO or terminal (not seekable).
    Stream,
    /// A socket.
    Socket,
    /// A [`VirtualFile`]: every call on it goes to the object.
    Virtual,
}

/// What an fd holds.
#[derive(Debug)]
pub(crate) enum Object {
    /// A host fd.
    Host(OwnedFd),
    /// Any other file or directory.
    Virtual(Box<dyn VirtualFile>),
    /// A file or directory of a mounted file system.
    Mount(Handle),
}

/// How a host file description was opened: `O_RDONLY`, `O_WRONLY` or `O_RDWR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Access {
    pub(crate) read: bool,
    pub(crate) write: bool,
}

impl Access {
    /// Read and write.
    pub(crate) const READ_WRITE: Access = Access { read: true, write: true };

    /// The access mode of open flags.
    pub(crate) fn of_flags(flags: OFlags) -> Access {
        if super::platform::is_path_handle(flags) {
            return Access { read: false, write: false };
        }
        match flags & OFlags::RWMODE {
            f if f == OFlags::WRONLY => Access { read: false, write: true },
            f if f == OFlags::RDWR => Access::READ_WRITE,
            _ => Access { read: true, write: false },
        }
    }

    /// The access mode of a host fd's description (read and write if it
    /// cannot be read).
    pub(crate) fn of_fd(fd: BorrowedFd<'_>) -> Access {
        rustix::fs::fcntl_getfl(fd).map_or(Access::READ_WRITE, Access::of_flags)
    }
}

/// One open guest fd.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) object: Object,
    pub(crate) kind: Kind,
    pub(crate) filetype: Filetype,
    /// How the host description was opened.
    pub(crate) access: Access,
    /// The flags the guest sees in `fdstat`.
    pub(crate) flags: Fdflags,
    /// The guest's name for a preopened directory.
    pub(crate) preopen: Option<Box<str>>,
    /// Beneath a read-only mount: nothing may be changed through it.
    pub(crate) readonly: bool,
    /// `fd_readdir` state, made on first use.
    pub(crate) readdir: Option<Box<DirStream>>,
    /// The host file description is shared with other processes (stdio):
    /// its flags are never changed, `NONBLOCK` is emulated, and the file's
    /// metadata changes only as far as its access mode allows.
    pub(crate) shared: bool,
}

impl Entry {
    pub(crate) fn new(host: OwnedFd, kind: Kind, filetype: Filetype, access: Access) -> Self {
        Self::holding(Object::Host(host), kind, filetype, access)
    }

    /// An entry for a virtual file or directory.
    pub(crate) fn virtual_file(file: Box<dyn VirtualFile>) -> Self {
        let filetype = file.filetype();
        let access = Access { read: file.readable(), write: file.writable() };
        Self::holding(Object::Virtual(file), Kind::Virtual, filetype, access)
    }

    /// An entry for a node of a mounted file system (beneath a read-only
    /// mount if `readonly`).
    pub(crate) fn mounted(handle: Handle, readonly: bool) -> Self {
        let filetype = handle.filetype();
        let access = Access { read: handle.readable(), write: handle.writable() };
        let mut e = Self::holding(Object::Mount(handle), Kind::Virtual, filetype, access);
        e.readonly = readonly;
        e
    }

    fn holding(object: Object, kind: Kind, filetype: Filetype, access: Access) -> Self {
        Entry {
            object,
            kind,
            filetype,
            access,
            flags: Fdflags::empty(),
            preopen: None,
            readonly: false,
            readdir: None,
            shared: false,
        }
    }

    /// The host fd (`EBADF` for a virtual file: callers check the kind
    /// first, or dispatch virtual files before they get here).
    #[inline]
    pub(crate) fn fd(&self) -> Result<BorrowedFd<'_>, Errno> {
        match &self.object {
            Object::Host(fd) => Ok(fd.as_fd()),
            Object::Virtual(_) | Object::Mount(_) => Err(Errno::BADF),
        }
    }

    /// The virtual file this entry holds, if it holds one.
    #[inline]
    pub(crate) fn virtual_mut(&mut self) -> Option<&mut dyn VirtualFile> {
        match &mut self.object {
            Object::Virtual(v) => Some(&mut **v),
            Object::Mount(h) => Some(h),
            Object::Host(_) => None,
        }
    }

    /// The virtual file this entry holds, if it holds one.
    #[inline]
    pub(crate) fn virtual_ref(&self) -> Option<&dyn VirtualFile> {
        match &self.object {
            Object::Virtual(v) => Some(&**v),
            Object::Mount(h) => Some(h),
            Object::Host(_) => None,
        }
    }

    /// The mounted file system's node this entry holds, if it holds one.
    #[inline]
    pub(crate) fn mount(&self) -> Option<&Handle> {
        match &self.object {
            Object::Mount(h) => Some(h),
            _ => None,
        }
    }

    /// Fails with `EBADF` on a directory (for operations on file contents,
    /// as wasmtime answers them).
    #[inline]
    pub(crate) fn not_dir(&self) -> Result<&Self, Errno> {
        if self.kind == Kind::Dir { Err(Errno::BADF) } else { Ok(self) }
    }

    /// Fails with `ENOTDIR` unless this is a directory.
    #[inline]
    pub(crate) fn directory(&self) -> Result<&Self, Errno> {
        if self.kind == Kind::Dir { Ok(self) } else { Err(Errno::NOTDIR) }
    }

    /// Whether the fd has an offset to seek (`ESPIPE` otherwise).
    #[inline]
    pub(crate) fn seekable(&self) -> Result<&Self, Errno> {
        if matches!(self.kind, Kind::File | Kind::Device) { Ok(self) } else { Err(Errno::SPIPE) }
    }

    /// Whether transfers must be made non-blocking one by one: the guest
    /// asked for `NONBLOCK` on a shared stream, device or socket.
    #[inline]
    pub(crate) fn emulates_nonblock(&self) -> bool {
        self.shared
            && self.flags.contains(Fdflags::NONBLOCK)
            && matches!(self.kind, Kind::Stream | Kind::Device | Kind::Socket)
    }

    /// Fails with `EPERM` (wasmtime's answer) beneath a read-only mount.
    #[inline]
    pub(crate) fn mutable(&self) -> Result<&Self, Errno> {
        if self.readonly { Err(Errno::PERM) } else { Ok(self) }
    }

    /// Checks that the file's size may change through this fd: not beneath
    /// a read-only mount (`EPERM`), and for stdio only through a writable,
    /// non-appending description (`EBADF`: the host opened it to be read,
    /// or to be appended to, never cut).
    pub(crate) fn resizable(&self) -> Result<&Self, Errno> {
        self.mutable()?;
        if self.shared && (!self.access.write || self.flags.contains(Fdflags::APPEND)) {
            return Err(Errno::BADF);
        }
        Ok(self)
    }

    /// Checks that the file's times may change through this fd: not
    /// beneath a read-only mount (`EPERM`), and for stdio only through a
    /// writable description (`EBADF`).
    pub(crate) fn touchable(&self) -> Result<&Self, Errno> {
        self.mutable()?;
        if self.shared && !self.access.write {
            return Err(Errno::BADF);
        }
        Ok(self)
    }

    /// The rights `fd_fdstat_get` reports: those that apply to the fd's
    /// kind, less what its access mode, its mount and (for stdio) its host
    /// description rule out. (base, inheriting)
    pub(crate) fn rights(&self) -> (Rights, Rights) {
        let (mut base, inheriting) = match self.kind {
            Kind::Dir => return (Rights::DIRECTORY_BASE, Rights::DIRECTORY_INHERITING),
            Kind::File => (Rights::REGULAR_FILE_BASE, Rights::empty()),
            Kind::Device => (Rights::REGULAR_FILE_BASE - Rights::FD_ALLOCATE - Rights::FD_ADVISE, Rights::empty()),
            Kind::Stream => (Rights::TTY_BASE, Rights::empty()),
            Kind::Socket => (Rights::SOCKET_BASE, Rights::empty()),
            Kind::Virtual => match self.filetype {
                Filetype::Directory => (Rights::DIRECTORY_BASE, Rights::DIRECTORY_INHERITING),
                Filetype::RegularFile | Filetype::BlockDevice => (Rights::REGULAR_FILE_BASE, Rights::empty()),
                _ => (Rights::TTY_BASE, Rights::empty()),
            },
        };
        if !self.access.read {
            base -= Rights::FD_READ;
        }
        if !self.access.write {
            base -= Rights::FD_WRITE | Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE;
        }
        if self.resizable().is_err() {
            base -= Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE;
        }
        if self.touchable().is_err() {
            base -= Rights::FD_FILESTAT_SET_TIMES;
        }
        (base, inheriting)
    }
}
/// The table of open guest fds.
#[derive(Debug, Default)]
pub(crate) struct FdTable {
    slots: Vec<Option<Entry>>,
    /// No slot below this index is free.
    lowest_free: usize,
    open: usize,
    /// The most fds the guest may hold open at once.
    max_open: Option<usize>,
    /// How many opens `max_open` refused.
    refused: usize,
}

impl FdTable {
    pub(crate) fn set_max_open(&mut self, max: Option<usize>) {
        self.max_open = max;
    }

    #[inline]
    pub(crate) fn get(&self, fd: Fd) -> Result<&Entry, Errno> {
        match self.slots.get(fd as usize) {
            Some(Some(e)) => Ok(e),
            _ => Err(Errno::BADF),
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, fd: Fd) -> Result<&mut Entry, Errno> {
        match self.slots.get_mut(fd as usize) {
            Some(Some(e)) => Ok(e),
            _ => Err(Errno::BADF),
        }
    }

    fn check_room(&mut self) -> Result<(), Errno> {
        match self.max_open {
            Some(max) if self.open >= max => {
                self.refused += 1;
                Err(Errno::MFILE)
            }
            _ => Ok(()),
        }
    }

    /// How many times the limit on open fds refused one.
    pub(crate) fn refused(&self) -> usize {
        self.refused
    }

    /// Fills an empty table with the initial entries (stdio, preopens),
    /// numbered from 0; `None` leaves a number free.
    pub(crate) fn fill(&mut self, slots: Vec<Option<Entry>>) {
        debug_assert!(self.slots.is_empty());
        self.open = slots.iter().filter(|s| s.is_some()).count();
        self.slots = slots;
        self.lowest_free = 0;
    }

    /// Stores `entry` under the lowest free fd.
    pub(crate) fn insert(&mut self, entry: Entry) -> Result<Fd, Errno> {
        self.check_room()?;
        while self.lowest_free < self.slots.len() && self.slots[self.lowest_free].is_some() {
            self.lowest_free += 1;
        }
        let fd = self.lowest_free;
        let fd32 = Fd::try_from(fd).map_err(|_| Errno::MFILE)?;
        if fd == self.slots.len() {
            self.slots.push(Some(entry));
        } else {
            self.slots[fd] = Some(entry);
        }
        self.lowest_free = fd + 1;
        self.open += 1;
        Ok(fd32)
    }

    /// Removes and returns the entry for `fd`.
    pub(crate) fn remove(&mut self, fd: Fd) -> Result<Entry, Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(Errno::BADF)?;
        let entry = slot.take().ok_or(Errno::BADF)?;
        self.lowest_free = self.lowest_free.min(fd as usize);
        self.open -= 1;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(entry)
    }

    /// `fd_renumber`: moves `from` onto `to`, closing what `to` held.
    /// Both must be open.
    pub(crate) fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let entry = self.remove(from)?;
        let old = self.slots[to as usize].replace(entry);
        drop(old);
        Ok(())
    }

    /// Iterates over open fds.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Fd, &Entry)> {
        self.slots.iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i as Fd, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let (fd, _) = rustix::pipe::pipe().unwrap();
        Entry::new(fd, Kind::Stream, Filetype::Unknown, Access::READ_WRITE)
    }

    #[test]
    fn lowest_free_and_renumber() {
        let mut t = FdTable::default();
        for want in 0..5 {
            assert_eq!(t.insert(entry()).unwrap(), want);
        }
        t.remove(1).unwrap();
        t.remove(3).unwrap();
        assert_eq!(t.insert(entry()).unwrap(), 1);
        assert_eq!(t.insert(entry()).unwrap(), 3);
        assert_eq!(t.insert(entry()).unwrap(), 5);
        assert_eq!(t.renumber(5, 0), Ok(()));
        assert_eq!(t.get(5).unwrap_err(), Errno::BADF);
        assert!(t.get(0).is_ok());
        assert_eq!(t.renumber(5, 0), Err(Errno::BADF));
        assert_eq!(t.renumber(0, 9), Err(Errno::BADF));
        assert_eq!(t.insert(entry()).unwrap(), 5);
        assert_eq!(t.get(u32::MAX).unwrap_err(), Errno::BADF);
        assert_eq!(t.remove(u32::MAX).unwrap_err(), Errno::BADF);
    }

    #[test]
    fn max_open() {
        let mut t = FdTable::default();
        t.set_max_open(Some(2));
        t.insert(entry()).unwrap();
        t.insert(entry()).unwrap();
        assert_eq!(t.insert(entry()).unwrap_err(), Errno::MFILE);
        assert_eq!(t.refused(), 1);
        t.remove(0).unwrap();
        assert_eq!(t.insert(entry()).unwrap(), 0);
    }
}
