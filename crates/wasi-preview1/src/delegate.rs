//! [`delegate!`](crate::delegate!): forward [`System`](crate::System) calls
//! to a wrapped system, so a wrapper writes only the calls it changes.
//!
//! ```
//! use wasi_preview1::{Result, System, abi::Errno};
//!
//! /// A system whose guest cannot read random bytes.
//! struct NoRandom<S>(S);
//!
//! impl<S: System> System for NoRandom<S> {
//!     fn random_get(&mut self, _buf: &mut [u8]) -> Result<()> {
//!         Err(Errno::NOSYS)
//!     }
//!     wasi_preview1::delegate!(0 => args_get, args_sizes_get, environ_get, environ_sizes_get,
//!         clock_res_get, clock_time_get, fd_advise, fd_allocate, fd_close, fd_datasync,
//!         fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights, fd_filestat_get,
//!         fd_filestat_set_size, fd_filestat_set_times, fd_pread, fd_prestat_get,
//!         fd_prestat_dir_name, fd_pwrite, fd_read, fd_readdir, fd_renumber, fd_seek, fd_sync,
//!         fd_tell, fd_write, path_create_directory, path_filestat_get, path_filestat_set_times,
//!         path_link, path_open, path_readlink, path_remove_directory, path_rename, path_symlink,
//!         path_unlink_file, poll_oneoff, proc_exit, proc_raise, sched_yield, sock_accept,
//!         sock_recv, sock_send, sock_shutdown, sock_open, sock_bind, sock_connect, sock_listen,
//!         sock_recv_from, sock_send_to, sock_getsockopt, sock_setsockopt, sock_getlocaladdr,
//!         sock_getpeeraddr, sock_getaddrinfo, set_deadline);
//! }
//! ```

/// The types the forwarding methods name (not part of the API).
#[doc(hidden)]
pub mod __types {
    pub use crate::system::{AddrInfo, AddrInfoHints, Raised, Result};
    pub use std::io::{IoSlice, IoSliceMut};
    pub use std::net::SocketAddr;
    pub use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
    pub use wasi_abi::{
        Advice, Clockid, Dircookie, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Fstflags,
        Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, Size, StringList,
        Subscription, Timestamp, Whence,
    };
}

/// Inside an `impl System for Wrapper`, defines each named method to call
/// the same method of the field `FIELD` (a name, or a tuple index):
/// `delegate!(FIELD => method, method, ...)`. The methods a wrapper
/// changes, it writes itself; the compiler reports any it forgets.
///
/// Every method: args_get, args_sizes_get, environ_get, environ_sizes_get, clock_res_get, clock_time_get, fd_advise, fd_allocate, fd_close, fd_datasync, fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights, fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times, fd_pread, fd_prestat_get, fd_prestat_dir_name, fd_pwrite, fd_read, fd_readdir, fd_renumber, fd_seek, fd_sync, fd_tell, fd_write, path_create_directory, path_filestat_get, path_filestat_set_times, path_link, path_open, path_readlink, path_remove_directory, path_rename, path_symlink, path_unlink_file, poll_oneoff, proc_exit, proc_raise, sched_yield, random_get, sock_accept, sock_recv, sock_send, sock_shutdown, sock_open, sock_bind, sock_connect, sock_listen, sock_recv_from, sock_send_to, sock_getsockopt, sock_setsockopt, sock_getlocaladdr, sock_getpeeraddr, sock_getaddrinfo, set_deadline.
#[macro_export]
macro_rules! delegate {
    ($f:tt => $($name:ident),* $(,)?) => {
        $( $crate::delegate!(@one $f $name); )*
    };
    (@one $f:tt args_get) => {
        #[inline]
        fn args_get(&mut self) -> $crate::delegate::__types::Result<$crate::delegate::__types::StringList<'_>> {
            $crate::System::args_get(&mut self.$f)
        }
    };
    (@one $f:tt args_sizes_get) => {
        #[inline]
        fn args_sizes_get(&mut self) -> $crate::delegate::__types::Result<($crate::delegate::__types::Size, $crate::delegate::__types::Size)> {
            $crate::System::args_sizes_get(&mut self.$f)
        }
    };
    (@one $f:tt environ_get) => {
        #[inline]
        fn environ_get(&mut self) -> $crate::delegate::__types::Result<$crate::delegate::__types::StringList<'_>> {
            $crate::System::environ_get(&mut self.$f)
        }
    };
    (@one $f:tt environ_sizes_get) => {
        #[inline]
        fn environ_sizes_get(&mut self) -> $crate::delegate::__types::Result<($crate::delegate::__types::Size, $crate::delegate::__types::Size)> {
            $crate::System::environ_sizes_get(&mut self.$f)
        }
    };
    (@one $f:tt clock_res_get) => {
        #[inline]
        fn clock_res_get(&mut self, id: $crate::delegate::__types::Clockid) -> $crate::delegate::__types::Result<$crate::delegate::__types::Timestamp> {
            $crate::System::clock_res_get(&mut self.$f, id)
        }
    };
    (@one $f:tt clock_time_get) => {
        #[inline]
        fn clock_time_get(&mut self, id: $crate::delegate::__types::Clockid, precision: $crate::delegate::__types::Timestamp) -> $crate::delegate::__types::Result<$crate::delegate::__types::Timestamp> {
            $crate::System::clock_time_get(&mut self.$f, id, precision)
        }
    };
    (@one $f:tt fd_advise) => {
        #[inline]
        fn fd_advise(&mut self, fd: $crate::delegate::__types::Fd, offset: $crate::delegate::__types::Filesize, len: $crate::delegate::__types::Filesize, advice: $crate::delegate::__types::Advice) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_advise(&mut self.$f, fd, offset, len, advice)
        }
    };
    (@one $f:tt fd_allocate) => {
        #[inline]
        fn fd_allocate(&mut self, fd: $crate::delegate::__types::Fd, offset: $crate::delegate::__types::Filesize, len: $crate::delegate::__types::Filesize) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_allocate(&mut self.$f, fd, offset, len)
        }
    };
    (@one $f:tt fd_close) => {
        #[inline]
        fn fd_close(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_close(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_datasync) => {
        #[inline]
        fn fd_datasync(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_datasync(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_fdstat_get) => {
        #[inline]
        fn fd_fdstat_get(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::Fdstat> {
            $crate::System::fd_fdstat_get(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_fdstat_set_flags) => {
        #[inline]
        fn fd_fdstat_set_flags(&mut self, fd: $crate::delegate::__types::Fd, flags: $crate::delegate::__types::Fdflags) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_fdstat_set_flags(&mut self.$f, fd, flags)
        }
    };
    (@one $f:tt fd_fdstat_set_rights) => {
        #[inline]
        fn fd_fdstat_set_rights(&mut self, fd: $crate::delegate::__types::Fd, base: $crate::delegate::__types::Rights, inheriting: $crate::delegate::__types::Rights) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_fdstat_set_rights(&mut self.$f, fd, base, inheriting)
        }
    };
    (@one $f:tt fd_filestat_get) => {
        #[inline]
        fn fd_filestat_get(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::Filestat> {
            $crate::System::fd_filestat_get(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_filestat_set_size) => {
        #[inline]
        fn fd_filestat_set_size(&mut self, fd: $crate::delegate::__types::Fd, size: $crate::delegate::__types::Filesize) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_filestat_set_size(&mut self.$f, fd, size)
        }
    };
    (@one $f:tt fd_filestat_set_times) => {
        #[inline]
        fn fd_filestat_set_times(&mut self, fd: $crate::delegate::__types::Fd, atim: $crate::delegate::__types::Timestamp, mtim: $crate::delegate::__types::Timestamp, flags: $crate::delegate::__types::Fstflags) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_filestat_set_times(&mut self.$f, fd, atim, mtim, flags)
        }
    };
    (@one $f:tt fd_pread) => {
        #[inline]
        fn fd_pread(&mut self, fd: $crate::delegate::__types::Fd, bufs: &mut [$crate::delegate::__types::IoSliceMut<'_>], offset: $crate::delegate::__types::Filesize) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::fd_pread(&mut self.$f, fd, bufs, offset)
        }
    };
    (@one $f:tt fd_prestat_get) => {
        #[inline]
        fn fd_prestat_get(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::Prestat> {
            $crate::System::fd_prestat_get(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_prestat_dir_name) => {
        #[inline]
        fn fd_prestat_dir_name(&mut self, fd: $crate::delegate::__types::Fd, buf: &mut [u8]) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_prestat_dir_name(&mut self.$f, fd, buf)
        }
    };
    (@one $f:tt fd_pwrite) => {
        #[inline]
        fn fd_pwrite(&mut self, fd: $crate::delegate::__types::Fd, bufs: &[$crate::delegate::__types::IoSlice<'_>], offset: $crate::delegate::__types::Filesize) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::fd_pwrite(&mut self.$f, fd, bufs, offset)
        }
    };
    (@one $f:tt fd_read) => {
        #[inline]
        fn fd_read(&mut self, fd: $crate::delegate::__types::Fd, bufs: &mut [$crate::delegate::__types::IoSliceMut<'_>]) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::fd_read(&mut self.$f, fd, bufs)
        }
    };
    (@one $f:tt fd_readdir) => {
        #[inline]
        fn fd_readdir(&mut self, fd: $crate::delegate::__types::Fd, buf: &mut [u8], cookie: $crate::delegate::__types::Dircookie) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::fd_readdir(&mut self.$f, fd, buf, cookie)
        }
    };
    (@one $f:tt fd_renumber) => {
        #[inline]
        fn fd_renumber(&mut self, fd: $crate::delegate::__types::Fd, to: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_renumber(&mut self.$f, fd, to)
        }
    };
    (@one $f:tt fd_seek) => {
        #[inline]
        fn fd_seek(&mut self, fd: $crate::delegate::__types::Fd, offset: $crate::delegate::__types::Filedelta, whence: $crate::delegate::__types::Whence) -> $crate::delegate::__types::Result<$crate::delegate::__types::Filesize> {
            $crate::System::fd_seek(&mut self.$f, fd, offset, whence)
        }
    };
    (@one $f:tt fd_sync) => {
        #[inline]
        fn fd_sync(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<()> {
            $crate::System::fd_sync(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_tell) => {
        #[inline]
        fn fd_tell(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::Filesize> {
            $crate::System::fd_tell(&mut self.$f, fd)
        }
    };
    (@one $f:tt fd_write) => {
        #[inline]
        fn fd_write(&mut self, fd: $crate::delegate::__types::Fd, bufs: &[$crate::delegate::__types::IoSlice<'_>]) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::fd_write(&mut self.$f, fd, bufs)
        }
    };
    (@one $f:tt path_create_directory) => {
        #[inline]
        fn path_create_directory(&mut self, fd: $crate::delegate::__types::Fd, path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_create_directory(&mut self.$f, fd, path)
        }
    };
    (@one $f:tt path_filestat_get) => {
        #[inline]
        fn path_filestat_get(&mut self, fd: $crate::delegate::__types::Fd, flags: $crate::delegate::__types::Lookupflags, path: &str) -> $crate::delegate::__types::Result<$crate::delegate::__types::Filestat> {
            $crate::System::path_filestat_get(&mut self.$f, fd, flags, path)
        }
    };
    (@one $f:tt path_filestat_set_times) => {
        #[inline]
        fn path_filestat_set_times(&mut self, fd: $crate::delegate::__types::Fd, flags: $crate::delegate::__types::Lookupflags, path: &str, atim: $crate::delegate::__types::Timestamp, mtim: $crate::delegate::__types::Timestamp, fst_flags: $crate::delegate::__types::Fstflags) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_filestat_set_times(&mut self.$f, fd, flags, path, atim, mtim, fst_flags)
        }
    };
    (@one $f:tt path_link) => {
        #[inline]
        fn path_link(&mut self, old_fd: $crate::delegate::__types::Fd, old_flags: $crate::delegate::__types::Lookupflags, old_path: &str, new_fd: $crate::delegate::__types::Fd, new_path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_link(&mut self.$f, old_fd, old_flags, old_path, new_fd, new_path)
        }
    };
    (@one $f:tt path_open) => {
        #[inline]
        fn path_open(&mut self, fd: $crate::delegate::__types::Fd, dirflags: $crate::delegate::__types::Lookupflags, path: &str, oflags: $crate::delegate::__types::Oflags, fs_rights_base: $crate::delegate::__types::Rights, fs_rights_inheriting: $crate::delegate::__types::Rights, fdflags: $crate::delegate::__types::Fdflags) -> $crate::delegate::__types::Result<$crate::delegate::__types::Fd> {
            $crate::System::path_open(&mut self.$f, fd, dirflags, path, oflags, fs_rights_base, fs_rights_inheriting, fdflags)
        }
    };
    (@one $f:tt path_readlink) => {
        #[inline]
        fn path_readlink(&mut self, fd: $crate::delegate::__types::Fd, path: &str, buf: &mut [u8]) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::path_readlink(&mut self.$f, fd, path, buf)
        }
    };
    (@one $f:tt path_remove_directory) => {
        #[inline]
        fn path_remove_directory(&mut self, fd: $crate::delegate::__types::Fd, path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_remove_directory(&mut self.$f, fd, path)
        }
    };
    (@one $f:tt path_rename) => {
        #[inline]
        fn path_rename(&mut self, fd: $crate::delegate::__types::Fd, old_path: &str, new_fd: $crate::delegate::__types::Fd, new_path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_rename(&mut self.$f, fd, old_path, new_fd, new_path)
        }
    };
    (@one $f:tt path_symlink) => {
        #[inline]
        fn path_symlink(&mut self, old_path: &str, fd: $crate::delegate::__types::Fd, new_path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_symlink(&mut self.$f, old_path, fd, new_path)
        }
    };
    (@one $f:tt path_unlink_file) => {
        #[inline]
        fn path_unlink_file(&mut self, fd: $crate::delegate::__types::Fd, path: &str) -> $crate::delegate::__types::Result<()> {
            $crate::System::path_unlink_file(&mut self.$f, fd, path)
        }
    };
    (@one $f:tt poll_oneoff) => {
        #[inline]
        fn poll_oneoff(&mut self, subscriptions: &[$crate::delegate::__types::Subscription], events: &mut [$crate::delegate::__types::Event]) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::poll_oneoff(&mut self.$f, subscriptions, events)
        }
    };
    (@one $f:tt proc_exit) => {
        #[inline]
        fn proc_exit(&mut self, rval: $crate::delegate::__types::Exitcode) {
            $crate::System::proc_exit(&mut self.$f, rval)
        }
    };
    (@one $f:tt proc_raise) => {
        #[inline]
        fn proc_raise(&mut self, sig: $crate::delegate::__types::Signal) -> $crate::delegate::__types::Result<$crate::delegate::__types::Raised> {
            $crate::System::proc_raise(&mut self.$f, sig)
        }
    };
    (@one $f:tt sched_yield) => {
        #[inline]
        fn sched_yield(&mut self) -> $crate::delegate::__types::Result<()> {
            $crate::System::sched_yield(&mut self.$f)
        }
    };
    (@one $f:tt random_get) => {
        #[inline]
        fn random_get(&mut self, buf: &mut [u8]) -> $crate::delegate::__types::Result<()> {
            $crate::System::random_get(&mut self.$f, buf)
        }
    };
    (@one $f:tt sock_accept) => {
        #[inline]
        fn sock_accept(&mut self, fd: $crate::delegate::__types::Fd, flags: $crate::delegate::__types::Fdflags) -> $crate::delegate::__types::Result<$crate::delegate::__types::Fd> {
            $crate::System::sock_accept(&mut self.$f, fd, flags)
        }
    };
    (@one $f:tt sock_recv) => {
        #[inline]
        fn sock_recv(&mut self, fd: $crate::delegate::__types::Fd, bufs: &mut [$crate::delegate::__types::IoSliceMut<'_>], flags: $crate::delegate::__types::Riflags) -> $crate::delegate::__types::Result<($crate::delegate::__types::Size, $crate::delegate::__types::Roflags)> {
            $crate::System::sock_recv(&mut self.$f, fd, bufs, flags)
        }
    };
    (@one $f:tt sock_send) => {
        #[inline]
        fn sock_send(&mut self, fd: $crate::delegate::__types::Fd, bufs: &[$crate::delegate::__types::IoSlice<'_>], flags: $crate::delegate::__types::Siflags) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::sock_send(&mut self.$f, fd, bufs, flags)
        }
    };
    (@one $f:tt sock_shutdown) => {
        #[inline]
        fn sock_shutdown(&mut self, fd: $crate::delegate::__types::Fd, how: $crate::delegate::__types::Sdflags) -> $crate::delegate::__types::Result<()> {
            $crate::System::sock_shutdown(&mut self.$f, fd, how)
        }
    };
    (@one $f:tt sock_open) => {
        #[inline]
        fn sock_open(&mut self, family: $crate::delegate::__types::AddressFamily, socktype: $crate::delegate::__types::SockType) -> $crate::delegate::__types::Result<$crate::delegate::__types::Fd> {
            $crate::System::sock_open(&mut self.$f, family, socktype)
        }
    };
    (@one $f:tt sock_bind) => {
        #[inline]
        fn sock_bind(&mut self, fd: $crate::delegate::__types::Fd, addr: $crate::delegate::__types::SocketAddr) -> $crate::delegate::__types::Result<()> {
            $crate::System::sock_bind(&mut self.$f, fd, addr)
        }
    };
    (@one $f:tt sock_connect) => {
        #[inline]
        fn sock_connect(&mut self, fd: $crate::delegate::__types::Fd, addr: $crate::delegate::__types::SocketAddr) -> $crate::delegate::__types::Result<()> {
            $crate::System::sock_connect(&mut self.$f, fd, addr)
        }
    };
    (@one $f:tt sock_listen) => {
        #[inline]
        fn sock_listen(&mut self, fd: $crate::delegate::__types::Fd, backlog: u32) -> $crate::delegate::__types::Result<()> {
            $crate::System::sock_listen(&mut self.$f, fd, backlog)
        }
    };
    (@one $f:tt sock_recv_from) => {
        #[inline]
        fn sock_recv_from(&mut self, fd: $crate::delegate::__types::Fd, bufs: &mut [$crate::delegate::__types::IoSliceMut<'_>], flags: $crate::delegate::__types::Riflags) -> $crate::delegate::__types::Result<($crate::delegate::__types::Size, $crate::delegate::__types::Roflags, Option<$crate::delegate::__types::SocketAddr>)> {
            $crate::System::sock_recv_from(&mut self.$f, fd, bufs, flags)
        }
    };
    (@one $f:tt sock_send_to) => {
        #[inline]
        fn sock_send_to(&mut self, fd: $crate::delegate::__types::Fd, bufs: &[$crate::delegate::__types::IoSlice<'_>], addr: $crate::delegate::__types::SocketAddr, flags: $crate::delegate::__types::Siflags) -> $crate::delegate::__types::Result<$crate::delegate::__types::Size> {
            $crate::System::sock_send_to(&mut self.$f, fd, bufs, addr, flags)
        }
    };
    (@one $f:tt sock_getsockopt) => {
        #[inline]
        fn sock_getsockopt(&mut self, fd: $crate::delegate::__types::Fd, level: $crate::delegate::__types::SockOptLevel, name: $crate::delegate::__types::SockOpt) -> $crate::delegate::__types::Result<i32> {
            $crate::System::sock_getsockopt(&mut self.$f, fd, level, name)
        }
    };
    (@one $f:tt sock_setsockopt) => {
        #[inline]
        fn sock_setsockopt(&mut self, fd: $crate::delegate::__types::Fd, level: $crate::delegate::__types::SockOptLevel, name: $crate::delegate::__types::SockOpt, value: i32) -> $crate::delegate::__types::Result<()> {
            $crate::System::sock_setsockopt(&mut self.$f, fd, level, name, value)
        }
    };
    (@one $f:tt sock_getlocaladdr) => {
        #[inline]
        fn sock_getlocaladdr(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::SocketAddr> {
            $crate::System::sock_getlocaladdr(&mut self.$f, fd)
        }
    };
    (@one $f:tt sock_getpeeraddr) => {
        #[inline]
        fn sock_getpeeraddr(&mut self, fd: $crate::delegate::__types::Fd) -> $crate::delegate::__types::Result<$crate::delegate::__types::SocketAddr> {
            $crate::System::sock_getpeeraddr(&mut self.$f, fd)
        }
    };
    (@one $f:tt set_deadline) => {
        #[inline]
        fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
            $crate::System::set_deadline(&mut self.$f, deadline)
        }
    };
    (@one $f:tt sock_getaddrinfo) => {
        #[inline]
        fn sock_getaddrinfo(&mut self, node: &str, service: &str, hints: &$crate::delegate::__types::AddrInfoHints) -> $crate::delegate::__types::Result<Vec<$crate::delegate::__types::AddrInfo>> {
            $crate::System::sock_getaddrinfo(&mut self.$f, node, service, hints)
        }
    };
}
