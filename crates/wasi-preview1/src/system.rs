//! The [`System`] trait: every preview1 call in Rust types.
//!
//! Guest pointers never reach a `System`: the host module decodes them with
//! `wasi-abi` and passes slices of guest memory, strings and decoded
//! structures. A `System` can wrap another (a tracer does), so every method
//! is required: a wrapper forwards each one explicitly.

use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use wasi_abi::wasmedge::{AddressFamily, AiFlags, Protocol, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, Errno, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Fstflags,
    Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, Size, StringList, Subscription,
    Timestamp, Whence,
};

/// The result of a preview1 call: a value, or the spec's errno.
pub type Result<T> = core::result::Result<T, Errno>;

/// What happens to the guest after `proc_raise`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raised {
    /// The signal's action let the guest continue.
    Continue,
    /// The signal's action terminates the guest, with this exit status.
    Terminate(Exitcode),
}

/// `sock_getaddrinfo` hints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrInfoHints {
    /// `AI_*` flags.
    pub flags: AiFlags,
    /// The wanted family (`Unspec` for any).
    pub family: AddressFamily,
    /// The wanted socket type (`Any` for any).
    pub socktype: SockType,
    /// The wanted protocol (`Ip` for any).
    pub protocol: Protocol,
}

/// One `sock_getaddrinfo` result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrInfo {
    /// The socket type it is for.
    pub socktype: SockType,
    /// The protocol it is for.
    pub protocol: Protocol,
    /// The address and port.
    pub addr: SocketAddr,
    /// The canonical name, when `AI_CANONNAME` asked for it.
    pub canonname: Option<String>,
}

/// Every `wasi_snapshot_preview1` function, in Rust types.
///
/// Method documentation follows the preview1 specification
/// (<https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md>).
/// Errors are the spec's [`Errno`] values.
pub trait System {
    /// `args_get`: read command-line argument data. The list's strings are
    /// NUL-terminated, as they are laid out in guest memory.
    fn args_get(&mut self) -> Result<StringList<'_>>;
    /// `args_sizes_get`: return the number of arguments and the size of the
    /// argument string data.
    fn args_sizes_get(&mut self) -> Result<(Size, Size)>;
    /// `environ_get`: read environment variable data (`NAME=value`, each
    /// NUL-terminated).
    fn environ_get(&mut self) -> Result<StringList<'_>>;
    /// `environ_sizes_get`: return the number of environment variables and
    /// the size of the environment variable data.
    fn environ_sizes_get(&mut self) -> Result<(Size, Size)>;
    /// `clock_res_get`: return the resolution of a clock.
    fn clock_res_get(&mut self, id: Clockid) -> Result<Timestamp>;
    /// `clock_time_get`: return the time value of a clock, with the maximum
    /// lag (exclusive) that the returned time value may have.
    fn clock_time_get(&mut self, id: Clockid, precision: Timestamp) -> Result<Timestamp>;
    /// `fd_advise`: provide file advisory information on a file descriptor.
    fn fd_advise(&mut self, fd: Fd, offset: Filesize, len: Filesize, advice: Advice) -> Result<()>;
    /// `fd_allocate`: force the allocation of space in a file.
    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Result<()>;
    /// `fd_close`: close a file descriptor.
    fn fd_close(&mut self, fd: Fd) -> Result<()>;
    /// `fd_datasync`: synchronize the data of a file to disk.
    fn fd_datasync(&mut self, fd: Fd) -> Result<()>;
    /// `fd_fdstat_get`: get the attributes of a file descriptor.
    fn fd_fdstat_get(&mut self, fd: Fd) -> Result<Fdstat>;
    /// `fd_fdstat_set_flags`: adjust the flags associated with a file descriptor.
    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<()>;
    /// `fd_fdstat_set_rights`: adjust the rights associated with a file
    /// descriptor. This can only be used to remove rights.
    fn fd_fdstat_set_rights(&mut self, fd: Fd, base: Rights, inheriting: Rights) -> Result<()>;
    /// `fd_filestat_get`: return the attributes of an open file.
    fn fd_filestat_get(&mut self, fd: Fd) -> Result<Filestat>;
    /// `fd_filestat_set_size`: adjust the size of an open file. If this
    /// increases the file's size, the extra bytes are filled with zeros.
    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Result<()>;
    /// `fd_filestat_set_times`: adjust the timestamps of an open file or directory.
    fn fd_filestat_set_times(&mut self, fd: Fd, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()>;
    /// `fd_pread`: read from a file descriptor, without using and updating
    /// the file descriptor's offset.
    fn fd_pread(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size>;
    /// `fd_prestat_get`: return a description of the given preopened file descriptor.
    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat>;
    /// `fd_prestat_dir_name`: return the name of a preopened directory into
    /// `buf` (whose length is the guest's `path_len`).
    fn fd_prestat_dir_name(&mut self, fd: Fd, buf: &mut [u8]) -> Result<()>;
    /// `fd_pwrite`: write to a file descriptor, without using and updating
    /// the file descriptor's offset.
    fn fd_pwrite(&mut self, fd: Fd, bufs: &[IoSlice<'_>], offset: Filesize) -> Result<Size>;
    /// `fd_read`: read from a file descriptor.
    fn fd_read(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>]) -> Result<Size>;
    /// `fd_readdir`: read directory entries from a directory into `buf`,
    /// starting at `cookie`, returning the number of bytes stored. A result
    /// smaller than the buffer means the end of the directory was reached;
    /// an entry that does not fit is truncated to fill the buffer.
    fn fd_readdir(&mut self, fd: Fd, buf: &mut [u8], cookie: Dircookie) -> Result<Size>;
    /// `fd_renumber`: atomically replace a file descriptor by renumbering
    /// another file descriptor.
    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Result<()>;
    /// `fd_seek`: move the offset of a file descriptor; returns the new offset.
    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Result<Filesize>;
    /// `fd_sync`: synchronize the data and metadata of a file to disk.
    fn fd_sync(&mut self, fd: Fd) -> Result<()>;
    /// `fd_tell`: return the current offset of a file descriptor.
    fn fd_tell(&mut self, fd: Fd) -> Result<Filesize>;
    /// `fd_write`: write to a file descriptor.
    fn fd_write(&mut self, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size>;
    /// `path_create_directory`: create a directory.
    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Result<()>;
    /// `path_filestat_get`: return the attributes of a file or directory.
    fn path_filestat_get(&mut self, fd: Fd, flags: Lookupflags, path: &str) -> Result<Filestat>;
    /// `path_filestat_set_times`: adjust the timestamps of a file or directory.
    fn path_filestat_set_times(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Result<()>;
    /// `path_link`: create a hard link.
    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Result<()>;
    /// `path_open`: open a file or directory; returns the new file descriptor.
    #[allow(clippy::too_many_arguments)]
    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd>;
    /// `path_readlink`: read the contents of a symbolic link into `buf`;
    /// returns the number of bytes placed (the contents are truncated to fit).
    fn path_readlink(&mut self, fd: Fd, path: &str, buf: &mut [u8]) -> Result<Size>;
    /// `path_remove_directory`: remove a directory. Return `ENOTEMPTY` if
    /// the directory is not empty.
    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Result<()>;
    /// `path_rename`: rename a file or directory.
    fn path_rename(&mut self, fd: Fd, old_path: &str, new_fd: Fd, new_path: &str) -> Result<()>;
    /// `path_symlink`: create a symbolic link at `new_path` containing `old_path`.
    fn path_symlink(&mut self, old_path: &str, fd: Fd, new_path: &str) -> Result<()>;
    /// `path_unlink_file`: unlink a file. Return `EISDIR` if the path refers
    /// to a directory.
    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Result<()>;
    /// `poll_oneoff`: concurrently poll for the occurrence of a set of events.
    /// `events` has room for one event per subscription; returns how many
    /// were stored.
    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<Size>;
    /// `proc_exit`: terminate the process normally. The host ends the guest
    /// after this returns; an implementation only records or cleans up.
    fn proc_exit(&mut self, rval: Exitcode);
    /// `proc_raise`: send a signal to the process of the calling thread.
    fn proc_raise(&mut self, sig: Signal) -> Result<Raised>;
    /// `sched_yield`: temporarily yield execution of the calling thread.
    fn sched_yield(&mut self) -> Result<()>;
    /// `random_get`: fill `buf` with high-quality random data.
    fn random_get(&mut self, buf: &mut [u8]) -> Result<()>;
    /// `sock_accept`: accept a new incoming connection; returns its file descriptor.
    fn sock_accept(&mut self, fd: Fd, flags: Fdflags) -> Result<Fd>;
    /// `sock_recv`: receive a message from a socket; returns the number of
    /// bytes stored and the message flags.
    fn sock_recv(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], flags: Riflags) -> Result<(Size, Roflags)>;
    /// `sock_send`: send a message on a socket; returns the number of bytes sent.
    fn sock_send(&mut self, fd: Fd, bufs: &[IoSlice<'_>], flags: Siflags) -> Result<Size>;
    /// `sock_shutdown`: shut down socket send and receive channels.
    fn sock_shutdown(&mut self, fd: Fd, how: Sdflags) -> Result<()>;

    // The WasmEdge sockets extension (both its versions map onto these).

    /// `sock_open`: create a socket; needs the embedder's network grant.
    fn sock_open(&mut self, family: AddressFamily, socktype: SockType) -> Result<Fd>;
    /// `sock_bind`: bind a socket to an address the grant allows.
    fn sock_bind(&mut self, fd: Fd, addr: SocketAddr) -> Result<()>;
    /// `sock_connect`: connect a socket to an address the grant allows.
    fn sock_connect(&mut self, fd: Fd, addr: SocketAddr) -> Result<()>;
    /// `sock_listen`: listen for connections.
    fn sock_listen(&mut self, fd: Fd, backlog: u32) -> Result<()>;
    /// `sock_recv_from`: receive a message and where it came from.
    fn sock_recv_from(
        &mut self,
        fd: Fd,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags, Option<SocketAddr>)>;
    /// `sock_send_to`: send a message to an address the grant allows.
    fn sock_send_to(&mut self, fd: Fd, bufs: &[IoSlice<'_>], addr: SocketAddr, flags: Siflags) -> Result<Size>;
    /// `sock_getsockopt` for an integer option.
    fn sock_getsockopt(&mut self, fd: Fd, level: SockOptLevel, name: SockOpt) -> Result<i32>;
    /// `sock_setsockopt` for an integer option.
    fn sock_setsockopt(&mut self, fd: Fd, level: SockOptLevel, name: SockOpt, value: i32) -> Result<()>;
    /// `sock_getlocaladdr`: the address a socket is bound to.
    fn sock_getlocaladdr(&mut self, fd: Fd) -> Result<SocketAddr>;
    /// `sock_getpeeraddr`: the address a socket is connected to.
    fn sock_getpeeraddr(&mut self, fd: Fd) -> Result<SocketAddr>;
    /// `sock_getaddrinfo`: resolve a host name and service; needs the grant.
    fn sock_getaddrinfo(&mut self, node: &str, service: &str, hints: &AddrInfoHints) -> Result<Vec<AddrInfo>>;

    // Not a guest call: the embedder's side.

    /// The embedder's time limit for the run (`None`: no limit). A call
    /// that would wait (`poll_oneoff`, a blocking read, write or accept on
    /// a stream or socket) returns by then; the host then ends the guest.
    fn set_deadline(&mut self, deadline: Option<std::time::Instant>);
}
