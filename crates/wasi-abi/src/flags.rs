//! Preview1 bit sets, with the spec's names and bit positions.
//!
//! Unknown bits are [`Errno::INVAL`] when decoded with [`decode_flags`].
//!
//! # References
//! - [preview1 types](https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#types)

use crate::Errno;
use bitflags::bitflags;

bitflags! {
    /// `rights`: file descriptor rights, determining which actions may be performed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Rights: u64 {
        /// The right to invoke `fd_datasync`.
        const FD_DATASYNC = 1 << 0;
        /// The right to invoke `fd_read` and `sock_recv`.
        const FD_READ = 1 << 1;
        /// The right to invoke `fd_seek`. This flag implies `FD_TELL`.
        const FD_SEEK = 1 << 2;
        /// The right to invoke `fd_fdstat_set_flags`.
        const FD_FDSTAT_SET_FLAGS = 1 << 3;
        /// The right to invoke `fd_sync`.
        const FD_SYNC = 1 << 4;
        /// The right to invoke `fd_seek` in such a way that the file offset remains unaltered, i.e. `whence::cur` with offset zero, or to invoke `fd_tell`.
        const FD_TELL = 1 << 5;
        /// The right to invoke `fd_write` and `sock_send`. If `FD_SEEK` is set, includes the right to invoke `fd_pwrite`.
        const FD_WRITE = 1 << 6;
        /// The right to invoke `fd_advise`.
        const FD_ADVISE = 1 << 7;
        /// The right to invoke `fd_allocate`.
        const FD_ALLOCATE = 1 << 8;
        /// The right to invoke `path_create_directory`.
        const PATH_CREATE_DIRECTORY = 1 << 9;
        /// If `PATH_OPEN` is set, the right to invoke `path_open` with `oflags::creat`.
        const PATH_CREATE_FILE = 1 << 10;
        /// The right to invoke `path_link` with the file descriptor as the source directory.
        const PATH_LINK_SOURCE = 1 << 11;
        /// The right to invoke `path_link` with the file descriptor as the target directory.
        const PATH_LINK_TARGET = 1 << 12;
        /// The right to invoke `path_open`.
        const PATH_OPEN = 1 << 13;
        /// The right to invoke `fd_readdir`.
        const FD_READDIR = 1 << 14;
        /// The right to invoke `path_readlink`.
        const PATH_READLINK = 1 << 15;
        /// The right to invoke `path_rename` with the file descriptor as the source directory.
        const PATH_RENAME_SOURCE = 1 << 16;
        /// The right to invoke `path_rename` with the file descriptor as the target directory.
        const PATH_RENAME_TARGET = 1 << 17;
        /// The right to invoke `path_filestat_get`.
        const PATH_FILESTAT_GET = 1 << 18;
        /// The right to change a file's size. If `PATH_OPEN` is set, includes the right to invoke `path_open` with `oflags::trunc`.
        const PATH_FILESTAT_SET_SIZE = 1 << 19;
        /// The right to invoke `path_filestat_set_times`.
        const PATH_FILESTAT_SET_TIMES = 1 << 20;
        /// The right to invoke `fd_filestat_get`.
        const FD_FILESTAT_GET = 1 << 21;
        /// The right to invoke `fd_filestat_set_size`.
        const FD_FILESTAT_SET_SIZE = 1 << 22;
        /// The right to invoke `fd_filestat_set_times`.
        const FD_FILESTAT_SET_TIMES = 1 << 23;
        /// The right to invoke `path_symlink`.
        const PATH_SYMLINK = 1 << 24;
        /// The right to invoke `path_remove_directory`.
        const PATH_REMOVE_DIRECTORY = 1 << 25;
        /// The right to invoke `path_unlink_file`.
        const PATH_UNLINK_FILE = 1 << 26;
        /// If `FD_READ` is set, includes the right to invoke `poll_oneoff` to subscribe to `eventtype::fd_read`. If `FD_WRITE` is set, includes the right to invoke `poll_oneoff` to subscribe to `eventtype::fd_write`.
        const POLL_FD_READWRITE = 1 << 27;
        /// The right to invoke `sock_shutdown`.
        const SOCK_SHUTDOWN = 1 << 28;
        /// The right to invoke `sock_accept`.
        const SOCK_ACCEPT = 1 << 29;
    }
}

bitflags! {
    /// `fdflags`: file descriptor flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Fdflags: u16 {
        /// Append mode: data written to the file is always appended to the file's end.
        const APPEND = 1 << 0;
        /// Write according to synchronized I/O data integrity completion. Only the data stored in the file is synchronized.
        const DSYNC = 1 << 1;
        /// Non-blocking mode.
        const NONBLOCK = 1 << 2;
        /// Synchronized read I/O operations.
        const RSYNC = 1 << 3;
        /// Write according to synchronized I/O file integrity completion. In addition to synchronizing the data stored in the file, the implementation may also synchronously update the file's metadata.
        const SYNC = 1 << 4;
    }
}

bitflags! {
    /// `oflags`: open flags used by `path_open`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Oflags: u16 {
        /// Create file if it does not exist.
        const CREAT = 1 << 0;
        /// Fail if not a directory.
        const DIRECTORY = 1 << 1;
        /// Fail if file already exists.
        const EXCL = 1 << 2;
        /// Truncate file to size 0.
        const TRUNC = 1 << 3;
    }
}

bitflags! {
    /// `lookupflags`: flags determining the method of how paths are resolved.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Lookupflags: u32 {
        /// As long as the resolved path corresponds to a symbolic link, it is expanded.
        const SYMLINK_FOLLOW = 1 << 0;
    }
}

bitflags! {
    /// `fstflags`: which file time attributes to adjust.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Fstflags: u16 {
        /// Adjust the last data access timestamp to the value stored in `filestat::atim`.
        const ATIM = 1 << 0;
        /// Adjust the last data access timestamp to the time of clock `clockid::realtime`.
        const ATIM_NOW = 1 << 1;
        /// Adjust the last data modification timestamp to the value stored in `filestat::mtim`.
        const MTIM = 1 << 2;
        /// Adjust the last data modification timestamp to the time of clock `clockid::realtime`.
        const MTIM_NOW = 1 << 3;
    }
}

bitflags! {
    /// `eventrwflags`: the state of the file descriptor subscribed to with `eventtype::fd_read` or `eventtype::fd_write`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Eventrwflags: u16 {
        /// The peer of this socket has closed or disconnected.
        const FD_READWRITE_HANGUP = 1 << 0;
    }
}

bitflags! {
    /// `subclockflags`: flags determining how to interpret the timestamp provided in `subscription_clock::timeout`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Subclockflags: u16 {
        /// If set, treat the timestamp provided in `subscription_clock::timeout` as an absolute timestamp of clock `subscription_clock::id`. If clear, treat the timestamp as relative to the current time value of that clock.
        const SUBSCRIPTION_CLOCK_ABSTIME = 1 << 0;
    }
}

bitflags! {
    /// `riflags`: flags provided to `sock_recv`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Riflags: u16 {
        /// Returns the message without removing it from the socket's receive queue.
        const RECV_PEEK = 1 << 0;
        /// On byte-stream sockets, block until the full amount of data can be returned.
        const RECV_WAITALL = 1 << 1;
    }
}

bitflags! {
    /// `roflags`: flags returned by `sock_recv`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Roflags: u16 {
        /// Returned by `sock_recv`: message data has been truncated.
        const RECV_DATA_TRUNCATED = 1 << 0;
    }
}

bitflags! {
    /// `siflags`: flags provided to `sock_send`. As there are currently no flags defined, it must be set to zero.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Siflags: u16 {
    }
}

bitflags! {
    /// `sdflags`: which channels on a socket to shut down.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Sdflags: u8 {
        /// Disables further receive operations.
        const RD = 1 << 0;
        /// Disables further send operations.
        const WR = 1 << 1;
    }
}

/// A bit set decodable from a raw wasm parameter.
pub trait WasiFlags: Sized + Copy {
    /// Decodes `raw` (a wasm parameter, possibly wider than the type):
    /// any bit the spec does not define is [`Errno::INVAL`].
    ///
    /// # Errors
    /// [`Errno::INVAL`] for unknown bits.
    fn decode(raw: u64) -> Result<Self, Errno>;
}

macro_rules! impl_flags {
    ($($t:ty: $repr:ty),*) => {$(
        impl WasiFlags for $t {
            fn decode(raw: u64) -> Result<Self, Errno> {
                let narrow = <$repr>::try_from(raw).map_err(|_| Errno::INVAL)?;
                <$t>::from_bits(narrow).ok_or(Errno::INVAL)
            }
        }
    )*};
}
impl_flags!(Rights: u64, Fdflags: u16, Oflags: u16, Lookupflags: u32, Fstflags: u16,
    Eventrwflags: u16, Subclockflags: u16, Riflags: u16, Roflags: u16, Siflags: u16, Sdflags: u8);

/// Decodes a flags parameter; unknown bits are [`Errno::INVAL`].
///
/// # Errors
/// [`Errno::INVAL`] for bits the spec does not define.
pub fn decode_flags<F: WasiFlags>(raw: impl Into<u64>) -> Result<F, Errno> {
    F::decode(raw.into())
}

impl Rights {
    /// Rights that apply to a regular file.
    pub const REGULAR_FILE_BASE: Rights = Rights::FD_DATASYNC
        .union(Rights::FD_READ)
        .union(Rights::FD_SEEK)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_SYNC)
        .union(Rights::FD_TELL)
        .union(Rights::FD_WRITE)
        .union(Rights::FD_ADVISE)
        .union(Rights::FD_ALLOCATE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_SIZE)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::POLL_FD_READWRITE);

    /// Rights reported for a directory itself: wasmtime's set for a
    /// preopened directory, which toolchains expect. `PATH_FILESTAT_SET_SIZE`
    /// is left out although `path_open` may truncate: the official
    /// wasi-testsuite takes it as a promise that `fd_fdstat_set_rights`
    /// works, and rights are reported, not enforced.
    pub const DIRECTORY_BASE: Rights = Rights::PATH_CREATE_DIRECTORY
        .union(Rights::PATH_CREATE_FILE)
        .union(Rights::PATH_LINK_SOURCE)
        .union(Rights::PATH_LINK_TARGET)
        .union(Rights::PATH_OPEN)
        .union(Rights::FD_READDIR)
        .union(Rights::PATH_READLINK)
        .union(Rights::PATH_RENAME_SOURCE)
        .union(Rights::PATH_RENAME_TARGET)
        .union(Rights::PATH_FILESTAT_GET)
        .union(Rights::PATH_FILESTAT_SET_TIMES)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::PATH_SYMLINK)
        .union(Rights::PATH_REMOVE_DIRECTORY)
        .union(Rights::PATH_UNLINK_FILE);

    /// Rights reported as a writable preopened directory's inheriting
    /// rights: everything a file or directory opened beneath it may do.
    /// wasi-libc asks `path_open` for the rights it needs masked by these,
    /// so they include reading and writing (a directory that cannot be
    /// written beneath reports them less `FD_WRITE`).
    pub const DIRECTORY_INHERITING: Rights = Rights::DIRECTORY_BASE.union(Rights::REGULAR_FILE_BASE);

    /// Rights that apply to a character device such as a terminal (no seek or tell, so that
    /// wasi-libc's `isatty` recognises it).
    pub const TTY_BASE: Rights = Rights::FD_READ
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_WRITE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::POLL_FD_READWRITE);

    /// Rights that apply to a pipe or other unseekable stream.
    pub const STREAM_BASE: Rights = Rights::TTY_BASE;

    /// Rights that apply to a socket.
    pub const SOCKET_BASE: Rights = Rights::FD_READ
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_WRITE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::POLL_FD_READWRITE)
        .union(Rights::SOCK_SHUTDOWN)
        .union(Rights::SOCK_ACCEPT);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_positions_match_the_spec() {
        assert_eq!(Rights::SOCK_ACCEPT.bits(), 1 << 29);
        assert_eq!(Rights::all().bits(), (1 << 30) - 1);
        assert_eq!(Fdflags::all().bits(), 0x1f);
        assert_eq!(Oflags::all().bits(), 0xf);
        assert_eq!(Fstflags::all().bits(), 0xf);
        assert_eq!(Siflags::all().bits(), 0);
        assert_eq!(Sdflags::all().bits(), 3);
    }

    #[test]
    fn unknown_bits_are_inval() {
        assert_eq!(decode_flags::<Oflags>(0x10u32), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Oflags>(0x1_0001u32), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Fdflags>(0x20u32), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Rights>(1u64 << 30), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Siflags>(1u32), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Sdflags>(4u32), Err(Errno::INVAL));
        assert_eq!(decode_flags::<Lookupflags>(1u32), Ok(Lookupflags::SYMLINK_FOLLOW));
        assert_eq!(decode_flags::<Fstflags>(5u32), Ok(Fstflags::ATIM | Fstflags::MTIM));
    }
}
