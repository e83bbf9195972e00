//! The fd table: guest fd numbers to what they hold (a host fd, or any
//! [`VirtualFile`]), their kind and flags.
//!
//! The numbering is the shared [`crate::fdtable::FdTable`]'s.
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
use wasi_abi::{Errno, Fdflags, Filetype, Rights};

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
    /// One of the guest's stdio fds (0, 1, 2 as built, wherever renumbered
    /// since): a stream for the positional calls
    /// ([`crate::file::stdio_positional`]).
    pub(crate) stdio: bool,
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
            stdio: false,
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

    /// Fails a positional call on stdio: `ESPIPE`, or `EBADF` where the
    /// transfer (`Some(write)`) is one the fd cannot make.
    #[inline]
    pub(crate) fn positional(&self, transfer: Option<bool>) -> Result<&Self, Errno> {
        if !self.stdio {
            return Ok(self);
        }
        let allowed = match transfer {
            None => true,
            Some(true) => self.access.write,
            Some(false) => self.access.read,
        };
        Err(crate::file::stdio_positional(allowed))
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
            Kind::Dir => return crate::rights::directory(self.preopen.is_some(), self.readonly),
            Kind::File => (Rights::REGULAR_FILE_BASE, Rights::empty()),
            Kind::Device => (Rights::REGULAR_FILE_BASE - Rights::FD_ALLOCATE - Rights::FD_ADVISE, Rights::empty()),
            Kind::Stream => (Rights::TTY_BASE, Rights::empty()),
            Kind::Socket => (Rights::SOCKET_BASE, Rights::empty()),
            Kind::Virtual => match self.filetype {
                Filetype::Directory => return crate::rights::directory(self.preopen.is_some(), self.readonly),
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
pub(crate) type FdTable = crate::fdtable::FdTable<Entry>;

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
