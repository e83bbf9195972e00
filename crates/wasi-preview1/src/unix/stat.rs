//! Host file metadata as preview1 sees it.

use super::errno::HostResult;
use super::readdir::filetype_of;
use super::table::Kind;
use rustix::fd::BorrowedFd;
use rustix::fs::{FileType, Stat};
use rustix::net::SocketType;
use wasi_abi::{Errno, Filestat, Filetype, Timestamp};

fn nanos(secs: i64, nsec: i64) -> Timestamp {
    u64::try_from(secs).unwrap_or(0).saturating_mul(1_000_000_000).saturating_add(u64::try_from(nsec).unwrap_or(0))
}

/// `filestat` from a host `stat`. (The casts are no-ops on x86_64 but not
/// on every target: `st_nlink` is 32 bits on some.)
#[allow(clippy::unnecessary_cast)]
pub(crate) fn filestat(st: &Stat) -> Filestat {
    Filestat {
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        filetype: filetype_of(FileType::from_raw_mode(st.st_mode)),
        nlink: st.st_nlink as u64,
        size: u64::try_from(st.st_size).unwrap_or(0),
        atim: nanos(st.st_atime as i64, st.st_atime_nsec as i64),
        mtim: nanos(st.st_mtime as i64, st.st_mtime_nsec as i64),
        ctim: nanos(st.st_ctime as i64, st.st_ctime_nsec as i64),
    }
}

/// What a host fd is, as the fd table records it.
pub(crate) fn classify(fd: BorrowedFd<'_>) -> Result<(Kind, Filetype), Errno> {
    let st = rustix::fs::fstat(fd).wasi()?;
    Ok(match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => (Kind::File, Filetype::RegularFile),
        FileType::BlockDevice => (Kind::File, Filetype::BlockDevice),
        FileType::Directory => (Kind::Dir, Filetype::Directory),
        // A terminal has no offset (and wasi-libc's `isatty` knows it by
        // the missing seek rights); other devices (`/dev/null`) do.
        FileType::CharacterDevice if rustix::termios::isatty(fd) => (Kind::Stream, Filetype::CharacterDevice),
        FileType::CharacterDevice => (Kind::Device, Filetype::CharacterDevice),
        FileType::Socket => match rustix::net::sockopt::socket_type(fd) {
            Ok(SocketType::DGRAM) => (Kind::Socket, Filetype::SocketDgram),
            _ => (Kind::Socket, Filetype::SocketStream),
        },
        _ => (Kind::Stream, Filetype::Unknown),
    })
}
