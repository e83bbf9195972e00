//! The `fd_*` calls on one open entry: a virtual file's go to its object,
//! a host fd's to the kernel through rustix.
//!
//! Each function checks for a virtual file first (one comparison), then
//! runs the host path, which allocates nothing.

use super::errno::{HostResult, retry};
use super::stat::filestat;
use super::table::{Entry, Kind};
use super::{nonblock, path, poll, readdir};
use crate::system::Result;
use rustix::event::PollFlags;
use rustix::fs::{FallocateFlags, SeekFrom};
use std::io::{IoSlice, IoSliceMut};
use std::time::Instant;
use wasi_abi::{
    Advice, Dircookie, DirentWriter, Errno, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Fstflags, Size, Timestamp,
    Whence,
};

/// A byte count as a preview1 `size` (a single host transfer never exceeds it).
#[inline]
pub(super) fn size(n: usize) -> Size {
    Size::try_from(n).unwrap_or(Size::MAX)
}

pub(super) fn advise(e: &mut Entry, offset: Filesize, len: Filesize, advice: Advice) -> Result<()> {
    if let Some(v) = e.virtual_mut() {
        return v.advise(offset, len, advice);
    }
    let host = e.not_dir()?.fd()?;
    if e.kind != Kind::File {
        return Err(Errno::SPIPE);
    }
    offset.checked_add(len).ok_or(Errno::INVAL)?;
    // Apple systems have no posix_fadvise: advice may be ignored.
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        let _ = (host, advice);
        Ok(())
    }
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    {
        let advice = match advice {
            Advice::Normal => rustix::fs::Advice::Normal,
            Advice::Sequential => rustix::fs::Advice::Sequential,
            Advice::Random => rustix::fs::Advice::Random,
            Advice::Willneed => rustix::fs::Advice::WillNeed,
            Advice::Dontneed => rustix::fs::Advice::DontNeed,
            Advice::Noreuse => rustix::fs::Advice::NoReuse,
        };
        retry(|| rustix::fs::fadvise(host, offset, core::num::NonZeroU64::new(len), advice))
    }
}

pub(super) fn allocate(e: &mut Entry, offset: Filesize, len: Filesize) -> Result<()> {
    e.resizable()?;
    if let Some(v) = e.virtual_mut() {
        return v.allocate(offset, len);
    }
    let host = e.not_dir()?.fd()?;
    if e.kind != Kind::File {
        return Err(Errno::SPIPE);
    }
    if len == 0 {
        return Err(Errno::INVAL);
    }
    let end = offset.checked_add(len).filter(|&end| end <= i64::MAX as u64).ok_or(Errno::FBIG)?;
    match retry(|| rustix::fs::fallocate(host, FallocateFlags::empty(), offset, len)) {
        // File systems without fallocate: extend the file if needed.
        Err(Errno::NOTSUP) => {
            let st = rustix::fs::fstat(host).wasi()?;
            if (st.st_size as u64) < end {
                retry(|| rustix::fs::ftruncate(host, end))?;
            }
            Ok(())
        }
        r => r,
    }
}

/// `fd_sync` (`data` false) and `fd_datasync`.
pub(super) fn sync(e: &mut Entry, data: bool) -> Result<()> {
    if let Some(v) = e.virtual_mut() {
        return v.sync();
    }
    let host = e.fd()?;
    // Apple systems have no fdatasync: fsync does at least as much.
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    if data {
        return retry(|| rustix::fs::fdatasync(host));
    }
    let _ = data;
    retry(|| rustix::fs::fsync(host))
}

pub(super) fn fdstat_get(e: &Entry) -> Fdstat {
    let (fs_rights_base, fs_rights_inheriting) = e.rights();
    Fdstat { fs_filetype: e.filetype, fs_flags: e.flags, fs_rights_base, fs_rights_inheriting }
}

pub(super) fn fdstat_set_flags(e: &mut Entry, flags: Fdflags) -> Result<()> {
    // Only APPEND and NONBLOCK can change on an open file; the sync flags
    // are fixed when it is opened.
    let fixed = Fdflags::DSYNC | Fdflags::RSYNC | Fdflags::SYNC;
    if (flags & fixed) != (e.flags & fixed) {
        return Err(Errno::NOTSUP);
    }
    if e.shared && (flags ^ e.flags).contains(Fdflags::APPEND) {
        // Never change a description other processes share: NONBLOCK is
        // emulated, APPEND cannot be.
        return Err(Errno::NOTSUP);
    }
    if !e.shared && e.kind != Kind::Virtual {
        let host = e.fd()?;
        let mut host_flags = rustix::fs::fcntl_getfl(host).wasi()?;
        host_flags.set(rustix::fs::OFlags::APPEND, flags.contains(Fdflags::APPEND));
        host_flags.set(rustix::fs::OFlags::NONBLOCK, flags.contains(Fdflags::NONBLOCK));
        rustix::fs::fcntl_setfl(host, host_flags).wasi()?;
    }
    e.flags = flags;
    Ok(())
}

pub(super) fn filestat_get(e: &mut Entry) -> Result<Filestat> {
    if let Some(v) = e.virtual_mut() {
        return v.filestat();
    }
    let mut st = filestat(&rustix::fs::fstat(e.fd()?).wasi()?);
    st.filetype = e.filetype;
    Ok(st)
}

pub(super) fn filestat_set_size(e: &mut Entry, size: Filesize) -> Result<()> {
    e.not_dir()?.resizable()?;
    if let Some(v) = e.virtual_mut() {
        return v.set_size(size);
    }
    let host = e.fd()?;
    if size > i64::MAX as u64 {
        return Err(Errno::FBIG);
    }
    retry(|| rustix::fs::ftruncate(host, size))
}

pub(super) fn filestat_set_times(e: &mut Entry, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
    e.touchable()?;
    let times = path::timestamps(atim, mtim, flags)?;
    if let Some(v) = e.virtual_mut() {
        return v.set_times(atim, mtim, flags);
    }
    let host = e.fd()?;
    retry(|| rustix::fs::futimens(host, &times))
}

pub(super) fn pread(e: &mut Entry, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
    e.positional(Some(false))?;
    if let Some(v) = e.virtual_mut() {
        return v.pread(bufs, offset);
    }
    let host = e.not_dir()?.seekable()?.fd()?;
    match bufs {
        [one] => retry(|| rustix::io::pread(host, &mut **one, offset)),
        _ => retry(|| rustix::io::preadv(host, bufs, offset)),
    }
    .map(size)
}

pub(super) fn pwrite(e: &mut Entry, bufs: &[IoSlice<'_>], offset: Filesize) -> Result<Size> {
    e.positional(Some(true))?;
    let flags = e.flags;
    if let Some(v) = e.virtual_mut() {
        return v.pwrite(bufs, offset, flags);
    }
    let host = e.not_dir()?.seekable()?.fd()?;
    match bufs {
        [one] => retry(|| rustix::io::pwrite(host, one, offset)),
        _ => retry(|| rustix::io::pwritev(host, bufs, offset)),
    }
    .map(size)
}

pub(super) fn read(e: &mut Entry, bufs: &mut [IoSliceMut<'_>], deadline: Option<Instant>) -> Result<Size> {
    if let Some(v) = e.virtual_mut() {
        return v.read(bufs);
    }
    let host = e.not_dir()?.fd()?;
    if e.emulates_nonblock() {
        return nonblock::read(e.kind, host, bufs).map(size);
    }
    poll::wait_until_ready(e, PollFlags::IN, deadline)?;
    // One buffer is one read(2): readv(2) costs the kernel an iovec import.
    match bufs {
        [one] => retry(|| rustix::io::read(host, &mut **one)),
        _ => retry(|| rustix::io::readv(host, bufs)),
    }
    .map(size)
}

pub(super) fn write(e: &mut Entry, bufs: &[IoSlice<'_>], deadline: Option<Instant>) -> Result<Size> {
    let flags = e.flags;
    if let Some(v) = e.virtual_mut() {
        return v.write(bufs, flags);
    }
    let host = e.not_dir()?.fd()?;
    if e.emulates_nonblock() {
        return nonblock::write(e.kind, host, bufs).map(size);
    }
    poll::wait_until_ready(e, PollFlags::OUT, deadline)?;
    match bufs {
        [one] => retry(|| rustix::io::write(host, one)),
        _ => retry(|| rustix::io::writev(host, bufs)),
    }
    .map(size)
}

pub(super) fn readdir(e: &mut Entry, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
    if let Some(v) = e.virtual_mut() {
        return v.readdir(out, cookie);
    }
    e.directory()?;
    let Entry { object: super::table::Object::Host(host), readdir, .. } = e else { return Err(Errno::BADF) };
    let stream = readdir.get_or_insert_with(|| Box::new(readdir::DirStream::new()));
    stream.read(rustix::fd::AsFd::as_fd(host), out, cookie)
}

pub(super) fn seek(e: &mut Entry, offset: Filedelta, whence: Whence) -> Result<Filesize> {
    e.positional(None)?;
    if let Some(v) = e.virtual_mut() {
        return v.seek(offset, whence);
    }
    let host = e.not_dir()?.seekable()?.fd()?;
    let pos = match whence {
        Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        Whence::Cur => SeekFrom::Current(offset),
        Whence::End => SeekFrom::End(offset),
    };
    retry(|| rustix::fs::seek(host, pos))
}
