//! [`VirtualFile`]: a file or directory the fd table holds that is not a
//! host fd (an in-memory file, an embedder's log sink, a directory of
//! bundled assets), and [`MemoryFile`], an in-memory regular file.
//!
//! A system hands the guest such an object like any other fd: stdio
//! (`UnixSystemBuilder::stdout_file`), or a file inserted at run time
//! (`UnixSystem::insert_file`). Every `fd_*` call on it goes to the
//! object; path calls through one that is a directory are `EPERM`, as
//! beneath a read-only mount (a tree of files to mount is a
//! [`FileSystem`](crate::vfs::FileSystem) instead). Sockets calls on one
//! are `ENOTSOCK`.
//!
//! Each method has the spec's meaning for the preview1 call named in its
//! documentation, and a default that answers as a file without that
//! ability would, so an object writes only what it supports. No method may
//! block: a read with nothing to return yet is `EAGAIN`, and
//! [`VirtualFile::ready`] tells `poll_oneoff` when to try again.

use crate::system::Result;
use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use std::sync::{Arc, Mutex, PoisonError};
use wasi_abi::{
    Advice, Dircookie, DirentWriter, Errno, Fdflags, Filedelta, Filesize, Filestat, Filetype, Fstflags, Size,
    Timestamp, Whence,
};

/// The answer to a positional call (`fd_seek`, `fd_tell`, `fd_pread`,
/// `fd_pwrite`) on stdio, whatever the host's stdio is: stdio are streams,
/// as under wasmtime, so `ESPIPE` (`EBADF` for a transfer the fd cannot
/// make at all: `fd_pwrite` on stdin, `fd_pread` on stdout). A program that
/// tries a positional write first and falls back to `fd_write` on `ESPIPE`
/// (Zig's stdout writer) then writes where the shell left the file, never
/// over what came before it (docs/conformance.md).
pub(crate) fn stdio_positional(transfer_allowed: bool) -> Errno {
    if transfer_allowed { Errno::SPIPE } else { Errno::BADF }
}

/// A file or directory object in the fd table, other than a host fd.
pub trait VirtualFile: fmt::Debug + Send {
    /// The type `fd_fdstat_get` and `fd_filestat_get` report (a regular
    /// file, a directory, a character device, ...).
    fn filetype(&self) -> Filetype;

    /// Whether the guest may read it (`FD_READ` is reported).
    fn readable(&self) -> bool {
        true
    }

    /// Whether the guest may write it (`FD_WRITE` is reported).
    fn writable(&self) -> bool {
        true
    }

    /// `fd_read`, at the object's own offset.
    fn read(&mut self, _bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        Err(Errno::BADF)
    }

    /// `fd_write`, at the object's own offset (or its end, for `APPEND`).
    fn write(&mut self, _bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size> {
        Err(Errno::BADF)
    }

    /// `fd_pread`.
    fn pread(&mut self, _bufs: &mut [IoSliceMut<'_>], _offset: Filesize) -> Result<Size> {
        Err(Errno::SPIPE)
    }

    /// `fd_pwrite` (with the fd's flags: as on Linux, a file opened to
    /// `APPEND` is appended to whatever the offset).
    fn pwrite(&mut self, _bufs: &[IoSlice<'_>], _offset: Filesize, _flags: Fdflags) -> Result<Size> {
        Err(Errno::SPIPE)
    }

    /// `fd_seek` (and `fd_tell`, as a seek by 0 from the current offset).
    fn seek(&mut self, _offset: Filedelta, _whence: Whence) -> Result<Filesize> {
        Err(Errno::SPIPE)
    }

    /// `fd_filestat_get`: by default the file type and one link, every
    /// other field 0.
    fn filestat(&mut self) -> Result<Filestat> {
        Ok(plain_stat(self.filetype(), 0))
    }

    /// `fd_filestat_set_size`.
    fn set_size(&mut self, _size: Filesize) -> Result<()> {
        Err(Errno::INVAL)
    }

    /// `fd_filestat_set_times`.
    fn set_times(&mut self, _atim: Timestamp, _mtim: Timestamp, _flags: Fstflags) -> Result<()> {
        Err(Errno::PERM)
    }

    /// `fd_allocate`.
    fn allocate(&mut self, _offset: Filesize, _len: Filesize) -> Result<()> {
        Err(Errno::NOTSUP)
    }

    /// `fd_advise`: advice may be ignored.
    fn advise(&mut self, _offset: Filesize, _len: Filesize, _advice: Advice) -> Result<()> {
        Ok(())
    }

    /// `fd_sync` and `fd_datasync`: nothing to flush by default.
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    /// `fd_readdir`, for a directory: hands `out` entries from `cookie` on.
    fn readdir(&mut self, _out: &mut DirentWriter<'_>, _cookie: Dircookie) -> Result<()> {
        Err(Errno::NOTDIR)
    }

    /// For `poll_oneoff`: `None` if a read (or, with `write`, a write)
    /// would return `EAGAIN` now; otherwise the bytes that can be read (0
    /// when unknown, and for writes). By default always ready. A poll with
    /// an object that is not ready checks it again every millisecond.
    fn ready(&self, _write: bool) -> Option<Filesize> {
        Some(0)
    }

    /// For `poll_oneoff`, once [`ready`](VirtualFile::ready): whether the
    /// far end has gone (a pipe's writer closed, a peer's connection
    /// ended), reported as `FD_READWRITE_HANGUP`. By default never.
    fn hangup(&self) -> bool {
        false
    }
}

/// A `filestat` for an object with no device, inode or times: the type,
/// one link and the size.
#[must_use]
pub fn plain_stat(filetype: Filetype, size: Filesize) -> Filestat {
    Filestat { dev: 0, ino: 0, filetype, nlink: 1, size, atim: 0, mtim: 0, ctim: 0 }
}

/// An in-memory regular file. Clones share the contents (each has its own
/// offset), so the embedder keeps one to read what the guest wrote, or to
/// fill it before the guest reads.
///
/// ```
/// use wasi_preview1::file::{MemoryFile, VirtualFile};
/// use std::io::IoSlice;
/// use wasi_preview1::abi::Fdflags;
///
/// let log = MemoryFile::new();
/// let mut guest_side: Box<dyn VirtualFile> = Box::new(log.clone());
/// guest_side.write(&[IoSlice::new(b"hello")], Fdflags::empty()).unwrap();
/// assert_eq!(log.contents(), b"hello");
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryFile {
    data: Arc<Mutex<Vec<u8>>>,
    pos: u64,
    /// The most bytes the file may hold (`EFBIG` past it).
    max: Option<u64>,
}

/// The most a [`MemoryFile`] holds unless [`MemoryFile::max_size`] says
/// otherwise: 64 MiB, so a guest cannot grow host memory without bound.
pub const MEMORY_FILE_MAX: u64 = 64 << 20;

impl MemoryFile {
    /// An empty file.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A file holding `bytes`.
    #[must_use]
    pub fn with_contents(bytes: impl Into<Vec<u8>>) -> Self {
        MemoryFile { data: Arc::new(Mutex::new(bytes.into())), pos: 0, max: None }
    }

    /// Limits the file to `max` bytes (default [`MEMORY_FILE_MAX`]).
    #[must_use]
    pub fn max_size(mut self, max: u64) -> Self {
        self.max = Some(max);
        self
    }

    /// A copy of the contents.
    #[must_use]
    pub fn contents(&self) -> Vec<u8> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn limit(&self) -> u64 {
        self.max.unwrap_or(MEMORY_FILE_MAX)
    }

    fn read_at(&self, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Size {
        read_bytes(&self.lock(), bufs, offset)
    }

    fn write_at(&self, bufs: &[IoSlice<'_>], offset: Option<u64>) -> Result<(Size, u64)> {
        let mut data = self.lock();
        let start = offset.unwrap_or(data.len() as u64);
        let total: u64 = bufs.iter().map(|b| b.len() as u64).sum();
        // Writes that would pass the limit are cut to it (a short write).
        let room = self.limit().saturating_sub(start);
        let len = total.min(room);
        if len == 0 && total > 0 {
            return Err(Errno::FBIG);
        }
        let start_us = usize::try_from(start).map_err(|_| Errno::FBIG)?;
        let end = start_us + usize::try_from(len).map_err(|_| Errno::FBIG)?;
        write_bytes(&mut data, bufs, start_us, end);
        Ok((Size::try_from(len).unwrap_or(Size::MAX), end as u64))
    }
}

/// Copies `data` from `offset` into `bufs` in turn (fewer bytes at its end,
/// none past it): the bytes copied. An in-memory file's `pread`.
pub(crate) fn read_bytes(data: &[u8], bufs: &mut [IoSliceMut<'_>], offset: u64) -> Size {
    let mut at = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
    let mut n = 0;
    for buf in bufs {
        let take = buf.len().min(data.len() - at);
        buf[..take].copy_from_slice(&data[at..at + take]);
        at += take;
        n += take;
    }
    Size::try_from(n).unwrap_or(Size::MAX)
}

/// Copies `bufs` in turn into `data` from `start`, up to `end` (what would
/// pass it is not written), first growing `data` with zeros to `end`. An
/// in-memory file's `pwrite`, once the caller has decided how much fits.
pub(crate) fn write_bytes(data: &mut Vec<u8>, bufs: &[IoSlice<'_>], start: usize, end: usize) {
    if data.len() < end {
        data.resize(end, 0);
    }
    let mut at = start;
    for buf in bufs {
        let take = buf.len().min(end - at);
        data[at..at + take].copy_from_slice(&buf[..take]);
        at += take;
    }
}

impl VirtualFile for MemoryFile {
    fn filetype(&self) -> Filetype {
        Filetype::RegularFile
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        let n = self.read_at(bufs, self.pos);
        self.pos += u64::from(n);
        Ok(n)
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], flags: Fdflags) -> Result<Size> {
        let at = if flags.contains(Fdflags::APPEND) { None } else { Some(self.pos) };
        let (n, end) = self.write_at(bufs, at)?;
        self.pos = end;
        Ok(n)
    }

    fn pread(&mut self, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        Ok(self.read_at(bufs, offset))
    }

    fn pwrite(&mut self, bufs: &[IoSlice<'_>], offset: Filesize, flags: Fdflags) -> Result<Size> {
        let at = if flags.contains(Fdflags::APPEND) { None } else { Some(offset) };
        self.write_at(bufs, at).map(|(n, _)| n)
    }

    fn seek(&mut self, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => self.pos,
            Whence::End => self.lock().len() as u64,
        };
        let pos = base.checked_add_signed(offset).filter(|&p| p <= i64::MAX as u64).ok_or(Errno::INVAL)?;
        self.pos = pos;
        Ok(pos)
    }

    fn filestat(&mut self) -> Result<Filestat> {
        Ok(plain_stat(Filetype::RegularFile, self.lock().len() as u64))
    }

    fn set_size(&mut self, size: Filesize) -> Result<()> {
        if size > self.limit() {
            return Err(Errno::FBIG);
        }
        self.lock().resize(usize::try_from(size).map_err(|_| Errno::FBIG)?, 0);
        Ok(())
    }

    fn allocate(&mut self, offset: Filesize, len: Filesize) -> Result<()> {
        let end = offset.checked_add(len).ok_or(Errno::FBIG)?;
        if len == 0 {
            return Err(Errno::INVAL);
        }
        if end > self.limit() {
            return Err(Errno::FBIG);
        }
        let mut data = self.lock();
        let end = usize::try_from(end).map_err(|_| Errno::FBIG)?;
        if data.len() < end {
            data.resize(end, 0);
        }
        Ok(())
    }

    fn ready(&self, write: bool) -> Option<Filesize> {
        if write { Some(0) } else { Some((self.lock().len() as u64).saturating_sub(self.pos)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_file_reads_writes_seeks_and_shares() {
        let shared = MemoryFile::with_contents(b"0123456789".to_vec()).max_size(16);
        let mut f = shared.clone();
        let mut a = [0u8; 4];
        assert_eq!(f.read(&mut [IoSliceMut::new(&mut a)]), Ok(4));
        assert_eq!(&a, b"0123");
        assert_eq!(f.write(&[IoSlice::new(b"ab")], Fdflags::empty()), Ok(2));
        assert_eq!(shared.contents(), b"0123ab6789");
        assert_eq!(f.write(&[IoSlice::new(b"XY")], Fdflags::APPEND), Ok(2));
        assert_eq!(f.seek(0, Whence::Cur), Ok(12));
        // Cut at the limit, then EFBIG.
        assert_eq!(f.pwrite(&[IoSlice::new(b"123456")], 12, Fdflags::empty()), Ok(4));
        assert_eq!(f.pwrite(&[IoSlice::new(b"z")], 16, Fdflags::empty()), Err(Errno::FBIG));
        assert_eq!(f.seek(-1, Whence::Set), Err(Errno::INVAL));
        assert_eq!(f.filestat().unwrap().size, 16);
        assert_eq!(f.set_size(3), Ok(()));
        assert_eq!(shared.contents(), b"012");
        assert_eq!(f.set_size(17), Err(Errno::FBIG));
        let mut b = [0u8; 8];
        assert_eq!(f.pread(&mut [IoSliceMut::new(&mut b)], 1), Ok(2));
        assert_eq!(f.pread(&mut [IoSliceMut::new(&mut b)], u64::MAX), Ok(0));
        assert_eq!(f.ready(false), Some(0));
    }
}
