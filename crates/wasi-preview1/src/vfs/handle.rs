//! [`Handle`]: an open fd on a node of a mounted [`FileSystem`], which the
//! fd table holds as a [`VirtualFile`]. It answers each `fd_*` call as a
//! host fd on the same kind of node would (the same errno for a read of a
//! directory, a write through a read-only fd, a seek past the start).

use super::{FileSystem, Ino};
use crate::file::VirtualFile;
use crate::system::Result;
use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use std::sync::Arc;
use wasi_abi::{
    Advice, Dircookie, DirentWriter, Errno, Fdflags, Filedelta, Filesize, Filestat, Filetype, Fstflags, Size,
    Timestamp, Whence,
};

/// An open file or directory of a mounted file system.
pub struct Handle {
    fs: Arc<dyn FileSystem>,
    ino: Ino,
    filetype: Filetype,
    pos: Filesize,
    read: bool,
    write: bool,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("ino", &self.ino).field("filetype", &self.filetype).finish_non_exhaustive()
    }
}

impl Handle {
    /// Opens the node `ino` of `fs` (for reading and writing as asked).
    pub(crate) fn new(fs: Arc<dyn FileSystem>, ino: Ino, filetype: Filetype, read: bool, write: bool) -> Self {
        fs.open(ino);
        Handle { fs, ino, filetype, pos: 0, read, write }
    }

    /// The file system the node belongs to.
    #[must_use]
    pub fn fs(&self) -> &Arc<dyn FileSystem> {
        &self.fs
    }

    /// The node.
    #[must_use]
    pub fn ino(&self) -> Ino {
        self.ino
    }

    /// Refuses operations on file contents through a directory (`EBADF`,
    /// as for a host directory fd).
    fn file(&self) -> Result<()> {
        if self.filetype == Filetype::Directory { Err(Errno::BADF) } else { Ok(()) }
    }

    fn readable_file(&self) -> Result<()> {
        self.file()?;
        if self.read { Ok(()) } else { Err(Errno::BADF) }
    }

    fn writable_file(&self) -> Result<()> {
        self.file()?;
        if self.write { Ok(()) } else { Err(Errno::BADF) }
    }

    fn size(&self) -> Result<Filesize> {
        Ok(self.fs.stat(self.ino)?.size)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.fs.close(self.ino);
    }
}

/// The largest offset or size a file may have (`off_t`'s range).
const MAX_OFFSET: Filesize = i64::MAX as Filesize;

impl VirtualFile for Handle {
    fn filetype(&self) -> Filetype {
        self.filetype
    }

    fn readable(&self) -> bool {
        self.read
    }

    fn writable(&self) -> bool {
        self.write
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        self.readable_file()?;
        let n = self.fs.read(self.ino, bufs, self.pos)?;
        self.pos += Filesize::from(n);
        Ok(n)
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], flags: Fdflags) -> Result<Size> {
        self.writable_file()?;
        let at = if flags.contains(Fdflags::APPEND) { None } else { Some(self.pos) };
        let (n, end) = self.fs.write(self.ino, bufs, at)?;
        self.pos = end;
        Ok(n)
    }

    fn pread(&mut self, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        self.readable_file()?;
        if offset > MAX_OFFSET {
            return Err(Errno::INVAL);
        }
        self.fs.read(self.ino, bufs, offset)
    }

    fn pwrite(&mut self, bufs: &[IoSlice<'_>], offset: Filesize, flags: Fdflags) -> Result<Size> {
        self.writable_file()?;
        if offset > MAX_OFFSET {
            return Err(Errno::INVAL);
        }
        // As Linux: a positioned write to a file opened to append appends.
        let at = if flags.contains(Fdflags::APPEND) { None } else { Some(offset) };
        self.fs.write(self.ino, bufs, at).map(|(n, _)| n)
    }

    fn seek(&mut self, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        self.file()?;
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => self.pos,
            Whence::End => self.size()?,
        };
        let pos = base.checked_add_signed(offset).filter(|&p| p <= MAX_OFFSET).ok_or(Errno::INVAL)?;
        self.pos = pos;
        Ok(pos)
    }

    fn filestat(&mut self) -> Result<Filestat> {
        self.fs.stat(self.ino)
    }

    fn set_size(&mut self, size: Filesize) -> Result<()> {
        self.file()?;
        if !self.write {
            // ftruncate(2) on a descriptor not open for writing.
            return Err(Errno::INVAL);
        }
        if size > MAX_OFFSET {
            return Err(Errno::FBIG);
        }
        self.fs.set_size(self.ino, size)
    }

    fn set_times(&mut self, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
        let (atim, mtim) = times(atim, mtim, flags)?;
        self.fs.set_times(self.ino, atim, mtim)
    }

    fn allocate(&mut self, offset: Filesize, len: Filesize) -> Result<()> {
        // The host's order: the kind, the range, then the access mode.
        self.file()?;
        if len == 0 {
            return Err(Errno::INVAL);
        }
        let end = offset.checked_add(len).filter(|&e| e <= MAX_OFFSET).ok_or(Errno::FBIG)?;
        self.writable_file()?;
        if self.size()? < end { self.fs.set_size(self.ino, end) } else { Ok(()) }
    }

    fn advise(&mut self, offset: Filesize, len: Filesize, _advice: Advice) -> Result<()> {
        self.file()?;
        offset.checked_add(len).ok_or(Errno::INVAL)?;
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        if self.filetype == Filetype::Directory || !self.write {
            return Ok(());
        }
        self.fs.sync(self.ino)
    }

    fn readdir(&mut self, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
        if self.filetype != Filetype::Directory {
            return Err(Errno::NOTDIR);
        }
        self.fs.readdir(self.ino, out, cookie)
    }

    fn ready(&self, write: bool) -> Option<Filesize> {
        if write || self.filetype == Filetype::Directory {
            return Some(0);
        }
        Some(self.size().map_or(0, |s| s.saturating_sub(self.pos)))
    }
}

/// The times `fstflags` asks for: a value, now, or left alone (`None`);
/// `EINVAL` for a time asked to be both a value and now.
pub(crate) fn times(
    atim: Timestamp,
    mtim: Timestamp,
    flags: Fstflags,
) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    fn one(value: Timestamp, set: bool, now: bool) -> Result<Option<Timestamp>> {
        match (set, now) {
            (true, true) => Err(Errno::INVAL),
            (true, false) => Ok(Some(value)),
            (false, true) => Ok(Some(super::now())),
            (false, false) => Ok(None),
        }
    }
    Ok((
        one(atim, flags.contains(Fstflags::ATIM), flags.contains(Fstflags::ATIM_NOW))?,
        one(mtim, flags.contains(Fstflags::MTIM), flags.contains(Fstflags::MTIM_NOW))?,
    ))
}
