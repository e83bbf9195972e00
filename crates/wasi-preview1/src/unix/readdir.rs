//! `fd_readdir`: directory entries read from the host in large batches
//! (`getdents64`), kept between calls, and encoded straight into the
//! guest's buffer.
//!
//! A cookie is the host's `d_off` for the entry after it, so cookies stay
//! valid across calls and after entries are added (the file systems Linux
//! ships keep `d_off` stable). A call with the cookie the previous call
//! ended at continues from the batch in memory; any other cookie seeks the
//! host directory there.

use super::errno::HostResult;
use rustix::fd::BorrowedFd;
use rustix::fs::{AtFlags, FileType, RawDir, SeekFrom};
use std::mem::MaybeUninit;
use std::ops::Range;
use wasi_abi::{Dircookie, Dirent, DirentWriter, Errno, Filetype};

/// The size of one `getdents64` batch.
const BATCH_BYTES: usize = 32 * 1024;

#[derive(Debug, Clone)]
struct Cached {
    d_next: u64,
    ino: u64,
    filetype: Filetype,
    name: Range<usize>,
}

/// The state of one directory fd's reading.
#[derive(Debug)]
pub(crate) struct DirStream {
    raw: Vec<MaybeUninit<u8>>,
    entries: Vec<Cached>,
    names: Vec<u8>,
    /// The next entry to deliver.
    pos: usize,
    /// The cookie that continues at `pos`.
    next_cookie: Dircookie,
    /// The host directory has no entries after the batch.
    eof: bool,
}

impl DirStream {
    pub(crate) fn new() -> Self {
        DirStream {
            raw: vec![MaybeUninit::uninit(); BATCH_BYTES],
            entries: Vec::new(),
            names: Vec::new(),
            pos: 0,
            next_cookie: u64::MAX,
            eof: false,
        }
    }

    fn seek(&mut self, dir: BorrowedFd<'_>, cookie: Dircookie) -> Result<(), Errno> {
        rustix::fs::seek(dir, SeekFrom::Start(cookie)).wasi()?;
        self.entries.clear();
        self.names.clear();
        self.pos = 0;
        self.next_cookie = cookie;
        self.eof = false;
        Ok(())
    }

    /// Reads one batch from the host's current position.
    fn refill(&mut self, dir: BorrowedFd<'_>) -> Result<(), Errno> {
        self.entries.clear();
        self.names.clear();
        self.pos = 0;
        let mut raw = RawDir::new(dir, &mut self.raw);
        loop {
            match raw.next() {
                None => {
                    self.eof = true;
                    break;
                }
                Some(Err(e)) => return Err(super::errno::from_host(e)),
                Some(Ok(e)) => {
                    let name = e.file_name().to_bytes();
                    let start = self.names.len();
                    self.names.extend_from_slice(name);
                    let filetype = match e.file_type() {
                        FileType::Unknown => stat_type(dir, name),
                        t => filetype_of(t),
                    };
                    self.entries.push(Cached {
                        d_next: e.next_entry_cookie(),
                        ino: e.ino(),
                        filetype,
                        name: start..self.names.len(),
                    });
                }
            }
            if raw.is_buffer_empty() {
                break;
            }
        }
        Ok(())
    }

    /// Fills `buf` with entries starting at `cookie`; returns the bytes used.
    pub(crate) fn read(&mut self, dir: BorrowedFd<'_>, buf: &mut [u8], cookie: Dircookie) -> Result<usize, Errno> {
        if cookie != self.next_cookie {
            self.seek(dir, cookie)?;
        }
        let mut out = DirentWriter::new(buf);
        while !out.is_full() {
            if self.pos == self.entries.len() {
                if self.eof {
                    break;
                }
                self.refill(dir)?;
                if self.entries.is_empty() {
                    break;
                }
            }
            let e = &self.entries[self.pos];
            let name = &self.names[e.name.clone()];
            let header = Dirent { d_next: e.d_next, d_ino: e.ino, d_namlen: name.len() as u32, d_type: e.filetype };
            let whole = out.remaining() >= wasi_abi::dirent_size(name.len());
            out.push(&header, name);
            if !whole {
                // Truncated: the guest asks again from the same cookie.
                break;
            }
            self.next_cookie = e.d_next;
            self.pos += 1;
        }
        Ok(out.used())
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
