//! The [`System`] trait: every preview1 call in Rust types, and
//! [`Wrapper`], for systems that wrap another.
//!
//! Guest pointers never reach a `System`: the host module decodes them with
//! `wasi-abi` and passes slices of guest memory, strings, decoded
//! structures and a [`DirentWriter`] to hand directory entries to.
//!
//! Every call is written once, in the table [`for_each_system_call!`]; the
//! trait, [`Wrapper`]'s forwarding defaults and most of the
//! [`Tracer`](crate::Tracer) are expanded from it. Adding a call touches
//! the table and each implementation, nothing else.

use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::time::Instant;
use wasi_abi::wasmedge::{AddressFamily, Protocol, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, DirentWriter, Errno, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize,
    Filestat, Fstflags, Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, Size,
    StringList, Subscription, Timestamp, Whence,
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

impl Raised {
    /// What a signal's default action does to a guest that is its own
    /// process: a terminating signal ends it alone (never the host) with
    /// status 128 + the signal's number; the others let it continue.
    #[must_use]
    pub fn by_default(sig: wasi_abi::Signal) -> Raised {
        match sig.default_action() {
            wasi_abi::SignalAction::Terminate => Raised::Terminate(128 + Exitcode::from(sig.raw())),
            _ => Raised::Continue,
        }
    }
}

/// `sock_getaddrinfo` hints, as the host module decodes them.
pub use wasi_abi::wasmedge::AddrinfoHints as AddrInfoHints;

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

/// Invokes `$m!` with the table of every [`System`] call.
///
/// Each entry is `TAG name(ARG: TYPE => SHOW, ...) -> RESULT => RESULT_SHOW;`
/// with its documentation before it:
///
/// - TAG: `traced` calls are traced by the generated [`Tracer`](crate::Tracer)
///   methods; `data` calls (those whose trace shows the data moved) are
///   traced by hand-written ones; `host` calls come from the embedder, not
///   the guest, and are not traced.
/// - SHOW: how the tracer prints the argument: `plain` (its `Display`:
///   numbers, addresses), `names` (flag names), `rights` (rights, `ALL`
///   when all are set), `name` (an enumeration's name), `path` (a quoted,
///   cut string), `len` (a buffer's length), or `data` (not shown by the
///   generated code). `ARG ["label"]` prints under another name.
/// - RESULT_SHOW: how a success prints: `zero` (`0`), `plain`, `debug`,
///   `fdstat`, `filestat`, `prestat`, `raised`, or `data` (hand-written).
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_system_call {
    ($m:ident) => {
        $m! {
            /// `args_get`: read command-line argument data. The list's
            /// strings are NUL-terminated, as they are laid out in guest memory.
            data args_get() -> Result<StringList<'_>> => data;
            /// `args_sizes_get`: return the number of arguments and the size
            /// of the argument string data.
            traced args_sizes_get() -> Result<(Size, Size)> => debug;
            /// `environ_get`: read environment variable data (`NAME=value`,
            /// each NUL-terminated).
            data environ_get() -> Result<StringList<'_>> => data;
            /// `environ_sizes_get`: return the number of environment
            /// variables and the size of the environment variable data.
            traced environ_sizes_get() -> Result<(Size, Size)> => debug;
            /// `clock_res_get`: return the resolution of a clock.
            traced clock_res_get(id: Clockid => name) -> Result<Timestamp> => plain;
            /// `clock_time_get`: return the time value of a clock, with the
            /// maximum lag (exclusive) that the returned time value may have.
            traced clock_time_get(id: Clockid => name, precision: Timestamp => plain) -> Result<Timestamp> => plain;
            /// `fd_advise`: provide file advisory information on a file descriptor.
            traced fd_advise(fd: Fd => plain, offset: Filesize => plain, len: Filesize => plain, advice: Advice => name) -> Result<()> => zero;
            /// `fd_allocate`: force the allocation of space in a file.
            traced fd_allocate(fd: Fd => plain, offset: Filesize => plain, len: Filesize => plain) -> Result<()> => zero;
            /// `fd_close`: close a file descriptor.
            traced fd_close(fd: Fd => plain) -> Result<()> => zero;
            /// `fd_datasync`: synchronize the data of a file to disk.
            traced fd_datasync(fd: Fd => plain) -> Result<()> => zero;
            /// `fd_fdstat_get`: get the attributes of a file descriptor.
            traced fd_fdstat_get(fd: Fd => plain) -> Result<Fdstat> => fdstat;
            /// `fd_fdstat_set_flags`: adjust the flags associated with a file descriptor.
            traced fd_fdstat_set_flags(fd: Fd => plain, flags: Fdflags => names) -> Result<()> => zero;
            /// `fd_fdstat_set_rights`: adjust the rights associated with a
            /// file descriptor. This can only be used to remove rights.
            traced fd_fdstat_set_rights(fd: Fd => plain, base: Rights => rights, inheriting: Rights => rights) -> Result<()> => zero;
            /// `fd_filestat_get`: return the attributes of an open file.
            traced fd_filestat_get(fd: Fd => plain) -> Result<Filestat> => filestat;
            /// `fd_filestat_set_size`: adjust the size of an open file. If
            /// this increases the file's size, the extra bytes are filled with zeros.
            traced fd_filestat_set_size(fd: Fd => plain, size: Filesize => plain) -> Result<()> => zero;
            /// `fd_filestat_set_times`: adjust the timestamps of an open file or directory.
            traced fd_filestat_set_times(fd: Fd => plain, atim: Timestamp => plain, mtim: Timestamp => plain, flags: Fstflags => names) -> Result<()> => zero;
            /// `fd_pread`: read from a file descriptor, without using and
            /// updating the file descriptor's offset.
            data fd_pread(fd: Fd => plain, bufs: &mut [IoSliceMut<'_>] => data, offset: Filesize => plain) -> Result<Size> => data;
            /// `fd_prestat_get`: return a description of the given preopened file descriptor.
            traced fd_prestat_get(fd: Fd => plain) -> Result<Prestat> => prestat;
            /// `fd_prestat_dir_name`: return the name of a preopened
            /// directory into `buf` (whose length is the guest's `path_len`).
            data fd_prestat_dir_name(fd: Fd => plain, buf: &mut [u8] => data) -> Result<()> => data;
            /// `fd_pwrite`: write to a file descriptor, without using and
            /// updating the file descriptor's offset.
            data fd_pwrite(fd: Fd => plain, bufs: &[IoSlice<'_>] => data, offset: Filesize => plain) -> Result<Size> => data;
            /// `fd_read`: read from a file descriptor.
            data fd_read(fd: Fd => plain, bufs: &mut [IoSliceMut<'_>] => data) -> Result<Size> => data;
            /// `fd_readdir`: read directory entries from a directory,
            /// starting at `cookie`, handing each to `out` until it is full
            /// or the directory ends (a result that does not fill the
            /// buffer means the end was reached; an entry that does not fit
            /// is truncated to fill it).
            data fd_readdir(fd: Fd => plain, out: &mut DirentWriter<'_> => data, cookie: Dircookie => plain) -> Result<()> => data;
            /// `fd_renumber`: atomically replace a file descriptor by
            /// renumbering another file descriptor.
            traced fd_renumber(fd: Fd => plain, to: Fd => plain) -> Result<()> => zero;
            /// `fd_seek`: move the offset of a file descriptor; returns the new offset.
            traced fd_seek(fd: Fd => plain, offset: Filedelta => plain, whence: Whence => name) -> Result<Filesize> => plain;
            /// `fd_sync`: synchronize the data and metadata of a file to disk.
            traced fd_sync(fd: Fd => plain) -> Result<()> => zero;
            /// `fd_tell`: return the current offset of a file descriptor.
            traced fd_tell(fd: Fd => plain) -> Result<Filesize> => plain;
            /// `fd_write`: write to a file descriptor.
            data fd_write(fd: Fd => plain, bufs: &[IoSlice<'_>] => data) -> Result<Size> => data;
            /// `path_create_directory`: create a directory.
            traced path_create_directory(fd: Fd => plain, path: &str => path) -> Result<()> => zero;
            /// `path_filestat_get`: return the attributes of a file or directory.
            traced path_filestat_get(fd: Fd => plain, flags: Lookupflags => names, path: &str => path) -> Result<Filestat> => filestat;
            /// `path_filestat_set_times`: adjust the timestamps of a file or directory.
            traced path_filestat_set_times(fd: Fd => plain, flags: Lookupflags => names, path: &str => path, atim: Timestamp => plain, mtim: Timestamp => plain, fst_flags: Fstflags => names) -> Result<()> => zero;
            /// `path_link`: create a hard link.
            traced path_link(old_fd: Fd => plain, old_flags: Lookupflags => names, old_path: &str => path, new_fd: Fd => plain, new_path: &str => path) -> Result<()> => zero;
            /// `path_open`: open a file or directory; returns the new file descriptor.
            traced path_open(fd: Fd => plain, dirflags: Lookupflags => names, path: &str => path, oflags: Oflags => names, base: Rights => rights, inheriting: Rights => rights, fdflags: Fdflags => names) -> Result<Fd> => plain;
            /// `path_readlink`: read the contents of a symbolic link into
            /// `buf`; returns the number of bytes placed (the contents are
            /// truncated to fit).
            data path_readlink(fd: Fd => plain, path: &str => path, buf: &mut [u8] => data) -> Result<Size> => data;
            /// `path_remove_directory`: remove a directory. Return
            /// `ENOTEMPTY` if the directory is not empty.
            traced path_remove_directory(fd: Fd => plain, path: &str => path) -> Result<()> => zero;
            /// `path_rename`: rename a file or directory.
            traced path_rename(fd: Fd => plain, old_path: &str => path, new_fd: Fd => plain, new_path: &str => path) -> Result<()> => zero;
            /// `path_symlink`: create a symbolic link at `new_path` containing `old_path`.
            traced path_symlink(old_path: &str => path, fd: Fd => plain, new_path: &str => path) -> Result<()> => zero;
            /// `path_unlink_file`: unlink a file. Return `EISDIR` if the
            /// path refers to a directory.
            traced path_unlink_file(fd: Fd => plain, path: &str => path) -> Result<()> => zero;
            /// `poll_oneoff`: concurrently poll for the occurrence of a set
            /// of events. `events` has room for one event per subscription;
            /// returns how many were stored.
            data poll_oneoff(subscriptions: &[Subscription] => data, events: &mut [Event] => data) -> Result<Size> => data;
            /// `proc_exit`: terminate the process normally. The host ends
            /// the guest after this returns; an implementation only records
            /// or cleans up.
            data proc_exit(rval: Exitcode => plain) => data;
            /// `proc_raise`: send a signal to the process of the calling thread.
            traced proc_raise(sig: Signal => name) -> Result<Raised> => raised;
            /// `sched_yield`: temporarily yield execution of the calling thread.
            traced sched_yield() -> Result<()> => zero;
            /// `random_get`: fill `buf` with high-quality random data.
            traced random_get(buf ["len"]: &mut [u8] => len) -> Result<()> => zero;
            /// `sock_accept`: accept a new incoming connection; returns its file descriptor.
            traced sock_accept(fd: Fd => plain, flags: Fdflags => names) -> Result<Fd> => plain;
            /// `sock_recv`: receive a message from a socket; returns the
            /// number of bytes stored and the message flags.
            data sock_recv(fd: Fd => plain, bufs: &mut [IoSliceMut<'_>] => data, flags: Riflags => names) -> Result<(Size, Roflags)> => data;
            /// `sock_send`: send a message on a socket; returns the number of bytes sent.
            data sock_send(fd: Fd => plain, bufs: &[IoSlice<'_>] => data, flags: Siflags => names) -> Result<Size> => data;
            /// `sock_shutdown`: shut down socket send and receive channels.
            traced sock_shutdown(fd: Fd => plain, how: Sdflags => names) -> Result<()> => zero;
            /// `sock_open` (the WasmEdge sockets extension, as both its
            /// versions): create a socket; needs the embedder's network grant.
            traced sock_open(family: AddressFamily => name, socktype ["type"]: SockType => name) -> Result<Fd> => plain;
            /// `sock_bind`: bind a socket to an address the grant allows.
            traced sock_bind(fd: Fd => plain, addr: SocketAddr => plain) -> Result<()> => zero;
            /// `sock_connect`: connect a socket to an address the grant allows.
            traced sock_connect(fd: Fd => plain, addr: SocketAddr => plain) -> Result<()> => zero;
            /// `sock_listen`: listen for connections.
            traced sock_listen(fd: Fd => plain, backlog: u32 => plain) -> Result<()> => zero;
            /// `sock_recv_from`: receive a message and where it came from.
            data sock_recv_from(fd: Fd => plain, bufs: &mut [IoSliceMut<'_>] => data, flags: Riflags => names) -> Result<(Size, Roflags, Option<SocketAddr>)> => data;
            /// `sock_send_to`: send a message to an address the grant allows.
            data sock_send_to(fd: Fd => plain, bufs: &[IoSlice<'_>] => data, addr: SocketAddr => plain, flags: Siflags => names) -> Result<Size> => data;
            /// `sock_getsockopt` for an integer option.
            traced sock_getsockopt(fd: Fd => plain, level: SockOptLevel => name, name: SockOpt => name) -> Result<i32> => plain;
            /// `sock_setsockopt` for an integer option.
            traced sock_setsockopt(fd: Fd => plain, level: SockOptLevel => name, name: SockOpt => name, value: i32 => plain) -> Result<()> => zero;
            /// `sock_getlocaladdr`: the address a socket is bound to.
            traced sock_getlocaladdr(fd: Fd => plain) -> Result<SocketAddr> => plain;
            /// `sock_getpeeraddr`: the address a socket is connected to.
            traced sock_getpeeraddr(fd: Fd => plain) -> Result<SocketAddr> => plain;
            /// `sock_getaddrinfo`: resolve a host name and service; needs the grant.
            data sock_getaddrinfo(node: &str => data, service: &str => data, hints: &AddrInfoHints => data) -> Result<Vec<AddrInfo>> => data;
            /// The embedder's time limit for the run (`None`: no limit). A
            /// call that would wait (`poll_oneoff`, a blocking read, write or
            /// accept on a stream or socket) returns by then; the host then
            /// ends the guest. Not a guest call.
            host set_deadline(deadline: Option<Instant> => data) => data;
        }
    };
}

macro_rules! system_trait {
    ($( $(#[doc = $doc:literal])* $tag:ident $name:ident ( $( $arg:ident $([$label:literal])? : $ty:ty => $show:ident ),* ) $(-> $ret:ty)? => $res:ident ; )*) => {
        /// Every `wasi_snapshot_preview1` function (and the WasmEdge socket
        /// calls), in Rust types.
        ///
        /// Method documentation follows the preview1 specification
        /// (<https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md>).
        /// Errors are the spec's [`Errno`] values. Every method is required;
        /// a system that wraps another implements [`Wrapper`] instead, and
        /// writes only the calls it changes.
        pub trait System {
            $( $(#[doc = $doc])* #[allow(clippy::too_many_arguments)] fn $name(&mut self, $($arg: $ty),*) $(-> $ret)?; )*
        }

        /// A [`System`] that wraps another: every call it does not write
        /// itself goes to [`Wrapper::inner_system`] unchanged. Implement this
        /// (not [`System`], which every `Wrapper` gets) and write only the
        /// calls you change:
        ///
        /// ```
        /// use wasi_preview1::{Result, System, Wrapper, abi::Errno};
        ///
        /// /// A system on which the guest cannot yield.
        /// struct NoYield<S>(S);
        ///
        /// impl<S: System> Wrapper for NoYield<S> {
        ///     type Inner = S;
        ///     fn inner_system(&mut self) -> &mut S {
        ///         &mut self.0
        ///     }
        ///     fn sched_yield(&mut self) -> Result<()> {
        ///         Err(Errno::NOTSUP)
        ///     }
        /// }
        /// ```
        pub trait Wrapper {
            /// The wrapped system.
            type Inner: System;
            /// The wrapped system, where the calls not written go.
            fn inner_system(&mut self) -> &mut Self::Inner;
            $(
                $(#[doc = $doc])*
                #[inline]
                #[allow(clippy::too_many_arguments)]
                fn $name(&mut self, $($arg: $ty),*) $(-> $ret)? {
                    self.inner_system().$name($($arg),*)
                }
            )*
        }

        impl<W: Wrapper> System for W {
            $(
                #[inline]
                fn $name(&mut self, $($arg: $ty),*) $(-> $ret)? {
                    <W as Wrapper>::$name(self, $($arg),*)
                }
            )*
        }
    };
}
for_each_system_call!(system_trait);

#[cfg(all(test, unix))]
mod tests {
    // Wrapper is named, not imported: with both traits in scope a call on
    // the wrapper would be ambiguous (docs/embedding.md).
    use super::{Result, System};
    use crate::unix::UnixSystem;
    use wasi_abi::{Clockid, Timestamp};

    /// A wrapper that changes one call and writes no other method.
    struct FrozenClock<S>(S);

    impl<S: System> super::Wrapper for FrozenClock<S> {
        type Inner = S;
        fn inner_system(&mut self) -> &mut S {
            &mut self.0
        }
        fn clock_time_get(&mut self, _id: Clockid, _precision: Timestamp) -> Result<Timestamp> {
            Ok(42)
        }
    }

    #[test]
    fn a_wrapper_changes_one_call_and_forwards_the_rest() {
        let inner = UnixSystem::builder().args(["prog", "one"]).build().unwrap();
        let mut system = FrozenClock(inner);
        assert_eq!(system.clock_time_get(Clockid::Monotonic, 1), Ok(42));
        assert_eq!(system.clock_time_get(Clockid::Realtime, 1), Ok(42));
        // Everything else is the inner system's.
        assert_eq!(system.args_sizes_get(), Ok((2, 9)));
        assert!(system.clock_res_get(Clockid::Monotonic).is_ok());
        assert_eq!(system.fd_close(99), Err(wasi_abi::Errno::BADF));
    }
}
