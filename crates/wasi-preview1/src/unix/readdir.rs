//! `fd_readdir`: directory entries read from the host in large batches
//! (`getdents64` on Linux and Android, the portable directory stream
//! elsewhere and in portable mode), kept between calls, and encoded
//! straight into the guest's buffer.
//!
//! Cookies are small and dense, as wasmtime gives them: the entry at
//! position `n` of the listing (0 for the first) has `d_next = n + 1`, and
//! cookie `n` resumes at entry `n`. They fit wasi-libc's 32-bit `long`, so
//! `telldir`/`seekdir` work, and they never depend on what the host's
//! `d_off` values look like (hashes on ext4, opaque on overlayfs or NFS).
//!
//! - A call with the cookie the previous call ended at, or any cookie
//!   inside the batch in memory, is served from that batch: the sequential
//!   reader pays one `getdents64` per 32 KiB of entries and nothing more.
//! - Any other cookie goes back to the nearest batch start seen before
//!   (its host offset was recorded, one mark per batch) and skips forward;
//!   if the host refuses that offset, the listing is read again from the
//!   start. The directory stream has no offsets to record: there, such a
//!   cookie rereads the listing from the start and skips forward (the cost
//!   of `seekdir` backwards is the entries before the cookie). A cookie
//!   past the end gives an empty read.
//! - Cookie 0 always lists the directory afresh, so `rewinddir` sees
//!   entries made since the last listing.
//!
//! Entries added or removed between calls may or may not be seen, as with
//! POSIX `readdir`; no entry that stays is skipped or repeated while the
//! guest reads on sequentially.

use super::errno::HostResult;
use rustix::fd::BorrowedFd;
use rustix::fs::{AtFlags, FileType};
use std::ops::Range;
use wasi_abi::{Dircookie, Dirent, DirentWriter, Errno, Filetype};

/// The size of one `getdents64` batch.
#[cfg(any(target_os = "linux", target_os = "android"))]
const BATCH_BYTES: usize = 32 * 1024;

/// The entries one batch from the directory stream holds.
const BATCH_ENTRIES: usize = 256;

/// Where the entries come from.
enum Source {
    /// `getdents64` into this buffer; batches are marked by host offset.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Raw(Vec<std::mem::MaybeUninit<u8>>),
    /// The portable directory stream, opened on the directory at the first
    /// read (a description of its own, so its offset is its own).
    Stream(Option<rustix::fs::Dir>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Source::Raw(_) => f.write_str("Raw"),
            Source::Stream(_) => f.write_str("Stream"),
        }
    }
}

#[derive(Debug, Clone)]
struct Cached {
    ino: u64,
    filetype: Filetype,
    name: Range<usize>,
}

/// Where a batch started: its first entry's position in the listing, and
/// the host offset to seek to for reading it again.
#[derive(Debug, Clone, Copy)]
struct Mark {
    index: u64,
    host_offset: u64,
}

/// One batch being read: entries replace those in memory from the first
/// one on.
struct Batch<'s> {
    entries: &'s mut Vec<Cached>,
    names: &'s mut Vec<u8>,
    end_offset: &'s mut u64,
    first: bool,
}

impl Batch<'_> {
    fn push(&mut self, dir: BorrowedFd<'_>, name: &[u8], ino: u64, t: FileType, next_offset: u64) {
        if std::mem::take(&mut self.first) {
            self.entries.clear();
            self.names.clear();
        }
        let at = self.names.len();
        self.names.extend_from_slice(name);
        let filetype = match t {
            FileType::Unknown => stat_type(dir, name),
            t => filetype_of(t),
        };
        self.entries.push(Cached { ino, filetype, name: at..self.names.len() });
        *self.end_offset = next_offset;
    }
}

/// The state of one directory fd's reading.
#[derive(Debug)]
pub(crate) struct DirStream {
    source: Source,
    entries: Vec<Cached>,
    names: Vec<u8>,
    /// The position in the listing of `entries[0]`.
    batch_start: u64,
    /// The host offset after the batch's last entry.
    batch_end_offset: u64,
    /// The host directory has no entries after the batch.
    eof: bool,
    /// Whether `entries` holds a batch read since the last rewind.
    loaded: bool,
    /// One mark per batch read, in listing order.
    marks: Vec<Mark>,
}

impl DirStream {
    pub(crate) fn new() -> Self {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let source = if super::platform::linux_fast() {
            Source::Raw(vec![std::mem::MaybeUninit::uninit(); BATCH_BYTES])
        } else {
            Source::Stream(None)
        };
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let source = Source::Stream(None);
        DirStream {
            source,
            entries: Vec::new(),
            names: Vec::new(),
            batch_start: 0,
            batch_end_offset: 0,
            eof: false,
            loaded: false,
            marks: Vec::new(),
        }
    }

    /// Positions the host directory at `mark` (nothing in memory).
    fn seek(&mut self, dir: BorrowedFd<'_>, mark: Mark) -> Result<(), Errno> {
        match &mut self.source {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Source::Raw(_) => {
                rustix::fs::seek(dir, rustix::fs::SeekFrom::Start(mark.host_offset)).wasi()?;
            }
            // Only the start is ever marked.
            Source::Stream(stream) => {
                let _ = dir;
                debug_assert_eq!(mark.index, 0);
                if let Some(d) = stream {
                    d.rewind();
                }
            }
        }
        self.entries.clear();
        self.names.clear();
        self.batch_start = mark.index;
        self.batch_end_offset = mark.host_offset;
        self.eof = false;
        self.loaded = false;
        Ok(())
    }

    /// Lists the directory afresh from its first entry.
    fn rewind(&mut self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        self.marks.clear();
        self.seek(dir, Mark { index: 0, host_offset: 0 })
    }

    /// Reads the batch after the one in memory, from the host's position.
    /// Returns whether there was one; at the end of the directory the batch
    /// in memory stays (so cookies inside it are still served from it).
    fn refill(&mut self, dir: BorrowedFd<'_>) -> Result<bool, Errno> {
        let start = if self.loaded { self.batch_start + self.entries.len() as u64 } else { self.batch_start };
        let start_offset = self.batch_end_offset;
        let mut batch = Batch {
            entries: &mut self.entries,
            names: &mut self.names,
            end_offset: &mut self.batch_end_offset,
            first: true,
        };
        match &mut self.source {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Source::Raw(buf) => {
                let mut raw = rustix::fs::RawDir::new(dir, buf);
                loop {
                    match raw.next() {
                        None => {
                            self.eof = true;
                            break;
                        }
                        Some(Err(e)) => return Err(super::errno::from_host(e)),
                        Some(Ok(e)) => {
                            batch.push(dir, e.file_name().to_bytes(), e.ino(), e.file_type(), e.next_entry_cookie());
                        }
                    }
                    if raw.is_buffer_empty() {
                        break;
                    }
                }
            }
            Source::Stream(stream) => {
                if stream.is_none() {
                    *stream = Some(rustix::fs::Dir::read_from(dir).wasi()?);
                }
                let Some(d) = stream.as_mut() else { return Err(Errno::IO) };
                for _ in 0..BATCH_ENTRIES {
                    match d.read() {
                        None => {
                            self.eof = true;
                            break;
                        }
                        Some(Err(e)) => return Err(super::errno::from_host(e)),
                        Some(Ok(e)) => batch.push(dir, e.file_name().to_bytes(), e.ino(), e.file_type(), 0),
                    }
                }
                if start == 0 && batch.first {
                    // Not even `.`: the directory was removed while open,
                    // which getdents(2) reports as ENOENT and the stream as
                    // an empty listing. Answered as getdents does.
                    return Err(Errno::NOENT);
                }
            }
        }
        let first = batch.first;
        if !first {
            self.batch_start = start;
        }
        if first {
            // Nothing more: keep what is in memory.
            if !self.loaded {
                self.entries.clear();
                self.names.clear();
                self.loaded = true;
            }
            return Ok(false);
        }
        self.loaded = true;
        let seekable = !matches!(self.source, Source::Stream(_));
        if seekable && self.marks.last().is_none_or(|m| m.index < start) {
            self.marks.push(Mark { index: start, host_offset: start_offset });
        }
        Ok(true)
    }

    /// Makes `cookie` the next entry to deliver; returns its index in
    /// `entries` (equal to the length when the batch must be refilled), or
    /// `None` past the end of the directory.
    fn position(&mut self, dir: BorrowedFd<'_>, cookie: Dircookie) -> Result<Option<usize>, Errno> {
        if cookie == 0 {
            self.rewind(dir)?;
        } else if !self.loaded || cookie < self.batch_start || cookie > self.batch_start + self.entries.len() as u64 {
            // Back to the last batch that starts at or before the cookie.
            let mark = self.marks.iter().rev().find(|m| m.index <= cookie).copied();
            match mark {
                Some(m) if self.seek(dir, m).is_ok() => {}
                _ => self.rewind(dir)?,
            }
        }
        loop {
            let end = self.batch_start + self.entries.len() as u64;
            if self.loaded && cookie >= self.batch_start && cookie <= end {
                return Ok(Some((cookie - self.batch_start) as usize));
            }
            if self.loaded && self.eof {
                return Ok(None);
            }
            self.refill(dir)?;
        }
    }

    /// Hands `out` entries starting at `cookie` until it is full or the
    /// directory ends.
    pub(crate) fn read(
        &mut self,
        dir: BorrowedFd<'_>,
        out: &mut DirentWriter<'_>,
        cookie: Dircookie,
    ) -> Result<(), Errno> {
        let Some(mut pos) = self.position(dir, cookie)? else { return Ok(()) };
        while !out.is_full() {
            if pos == self.entries.len() {
                if self.eof || !self.refill(dir)? {
                    break;
                }
                pos = 0;
            }
            let e = &self.entries[pos];
            let name = &self.names[e.name.clone()];
            let d_next = self.batch_start + pos as u64 + 1;
            let header = Dirent { d_next, d_ino: e.ino, d_namlen: name.len() as u32, d_type: e.filetype };
            let whole = out.remaining() >= wasi_abi::dirent_size(name.len());
            out.push(&header, name);
            if !whole {
                // Truncated: the guest asks again from the same cookie.
                break;
            }
            pos += 1;
        }
        Ok(())
    }
}

/// The type of `name` in `dir`, for file systems that do not report it in
/// directory entries.
fn stat_type(dir: BorrowedFd<'_>, name: &[u8]) -> Filetype {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => filetype_of(FileType::from_raw_mode(st.st_mode)),
        Err(_) => Filetype::Unknown,
    }
}

/// The preview1 file type for a host file type. A socket's kind (stream
/// or datagram) is not known from its mode; it is reported as a stream.
pub(crate) fn filetype_of(t: FileType) -> Filetype {
    match t {
        FileType::RegularFile => Filetype::RegularFile,
        FileType::Directory => Filetype::Directory,
        FileType::Symlink => Filetype::SymbolicLink,
        FileType::CharacterDevice => Filetype::CharacterDevice,
        FileType::BlockDevice => Filetype::BlockDevice,
        FileType::Socket => Filetype::SocketStream,
        _ => Filetype::Unknown,
    }
}
