//! The fd table: guest fd numbers to host fds, rights and flags.
//!
//! A `Vec` indexed by the guest fd: a lookup is one bounds check, with no
//! lock and no hashing. New fds take the lowest free number.

use super::readdir::DirStream;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use wasi_abi::{Errno, Fd, Fdflags, Filetype, Rights};

/// What a guest fd refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file (seekable).
    File,
    /// A directory.
    Dir,
    /// A pipe, terminal or other character stream (not seekable).
    Stream,
    /// A socket.
    Socket,
}

/// One open guest fd.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) host: OwnedFd,
    pub(crate) kind: Kind,
    pub(crate) filetype: Filetype,
    pub(crate) base: Rights,
    pub(crate) inheriting: Rights,
    /// The flags the guest sees in `fdstat`.
    pub(crate) flags: Fdflags,
    /// The guest's name for a preopened directory.
    pub(crate) preopen: Option<Box<str>>,
    /// Beneath a read-only mount: nothing may be changed through it.
    pub(crate) readonly: bool,
    /// `fd_readdir` state, made on first use.
    pub(crate) dir: Option<Box<DirStream>>,
    /// The host file description is shared with other processes (stdio):
    /// its flags are never changed, and `NONBLOCK` is emulated.
    pub(crate) shared: bool,
}

impl Entry {
    pub(crate) fn new(host: OwnedFd, kind: Kind, filetype: Filetype, base: Rights, inheriting: Rights) -> Self {
        Entry {
            host,
            kind,
            filetype,
            base,
            inheriting,
            flags: Fdflags::empty(),
            preopen: None,
            readonly: false,
            dir: None,
            shared: false,
        }
    }

    /// The host fd, after checking that the guest holds `rights`.
    #[inline]
    pub(crate) fn with(&self, rights: Rights) -> Result<BorrowedFd<'_>, Errno> {
        if self.base.contains(rights) { Ok(self.host.as_fd()) } else { Err(Errno::NOTCAPABLE) }
    }

    /// Fails with `EISDIR` on a directory (for operations on file contents).
    #[inline]
    pub(crate) fn not_dir(&self) -> Result<&Self, Errno> {
        if self.kind == Kind::Dir { Err(Errno::ISDIR) } else { Ok(self) }
    }

    /// Fails with `ENOTDIR` unless this is a directory.
    #[inline]
    pub(crate) fn dir(&self) -> Result<&Self, Errno> {
        if self.kind == Kind::Dir { Ok(self) } else { Err(Errno::NOTDIR) }
    }

    /// Whether transfers must be made non-blocking one by one: the guest
    /// asked for `NONBLOCK` on a shared stream or socket.
    #[inline]
    pub(crate) fn emulates_nonblock(&self) -> bool {
        self.shared && self.flags.contains(Fdflags::NONBLOCK) && matches!(self.kind, Kind::Stream | Kind::Socket)
    }

    /// Fails with `EROFS` beneath a read-only mount.
    #[inline]
    pub(crate) fn writable(&self) -> Result<&Self, Errno> {
        if self.readonly { Err(Errno::ROFS) } else { Ok(self) }
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
        Entry::new(fd, Kind::Stream, Filetype::Unknown, Rights::empty(), Rights::empty())
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
