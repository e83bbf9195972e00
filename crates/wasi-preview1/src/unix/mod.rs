//! [`UnixSystem`]: preview1 on a Unix host, through rustix.
//!
//! The system holds the guest's arguments, environment and fd table. It
//! never opens anything by an ambient host path: the embedder hands it
//! already-open fds for stdio and preopened directories (see
//! [`UnixSystemBuilder`]), and every path the guest names is resolved
//! beneath one of those by [`sandbox`].

mod builder;
mod clock;
pub mod errno;
mod fd;
#[cfg(feature = "mounts")]
pub mod lower;
mod mounts;
mod nonblock;
mod path;
pub mod platform;
mod poll;
mod readdir;
pub mod sandbox;
#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod sandbox_tests;
mod sock;
mod sockext;
mod stat;
mod stdio;
mod table;

use crate::file::VirtualFile;
use crate::net::NetPolicy;
use crate::system::{AddrInfo, AddrInfoHints, Raised, Result, System};
use sandbox::Resolver;
use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use table::{Entry, FdTable};
use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, DirentWriter, Errno, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize,
    Filestat, Fstflags, Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, Size,
    StringList, Subscription, Timestamp, Whence,
};

use crate::builder::Packed;
pub use crate::builder::{BuildError, Output};
pub use crate::mounts::{MountKind, open_mount};
pub use builder::UnixSystemBuilder;
pub use mounts::open_dir;

/// Preview1 on a Unix host.
#[derive(Debug)]
pub struct UnixSystem {
    args: Packed,
    env: Packed,
    table: FdTable,
    resolver: Resolver,
    net: Option<NetPolicy>,
    random: crate::random::Pool,
    exit_code: Option<Exitcode>,
    /// Captured stdout and stderr.
    captures: [Option<stdio::Capture>; 2],
    /// The embedder's time limit: no call waits past it.
    deadline: Option<std::time::Instant>,
}

impl UnixSystem {
    /// Starts building a system.
    #[must_use]
    pub fn builder() -> UnixSystemBuilder {
        UnixSystemBuilder::default()
    }

    /// The code the guest passed to `proc_exit`, if it has called it.
    #[must_use]
    pub fn exit_code(&self) -> Option<Exitcode> {
        self.exit_code
    }

    /// The number of fds the guest holds open.
    #[must_use]
    pub fn open_fds(&self) -> usize {
        self.table.iter().count()
    }

    /// Closes every fd the guest holds and returns what it wrote to its
    /// captured stdout and stderr ([`UnixSystemBuilder::capture_stdout`],
    /// [`UnixSystemBuilder::capture_stderr`]); empty for stdio that was not
    /// captured.
    #[must_use]
    pub fn into_output(self) -> Output {
        let UnixSystem { table, captures: [out, err], .. } = self;
        drop(table);
        let (stdout, stdout_dropped) = out.map(stdio::Capture::finish).unwrap_or_default();
        let (stderr, stderr_dropped) = err.map(stdio::Capture::finish).unwrap_or_default();
        Output { stdout, stderr, stdout_dropped, stderr_dropped }
    }

    /// Hands the guest `file` under the lowest free fd number, which is
    /// returned (for the embedder to tell the guest, by argument or
    /// environment).
    ///
    /// # Errors
    /// `EMFILE` past [`UnixSystemBuilder::max_open_files`].
    pub fn insert_file(&mut self, file: impl VirtualFile + 'static) -> Result<Fd> {
        self.table.insert(Entry::virtual_file(Box::new(file)))
    }

    /// How many times [`UnixSystemBuilder::max_open_files`] refused the
    /// guest an fd (`EMFILE`).
    #[must_use]
    pub fn open_files_refused(&self) -> usize {
        self.table.refused()
    }
}

impl UnixSystem {
    /// Waits, before a call that may block, until `fd` is ready or the
    /// deadline passes (see [`poll::wait_until_ready`]).
    fn wait_for(&self, fd: Fd, flags: rustix::event::PollFlags) -> Result<()> {
        match self.table.get(fd) {
            Ok(e) => poll::wait_until_ready(e, flags, self.deadline),
            // The call itself reports the bad fd.
            Err(_) => Ok(()),
        }
    }
}

impl System for UnixSystem {
    fn args_get(&mut self) -> Result<StringList<'_>> {
        Ok(self.args.list())
    }

    fn args_sizes_get(&mut self) -> Result<(Size, Size)> {
        self.args.sizes()
    }

    fn environ_get(&mut self) -> Result<StringList<'_>> {
        Ok(self.env.list())
    }

    fn environ_sizes_get(&mut self) -> Result<(Size, Size)> {
        self.env.sizes()
    }

    fn clock_res_get(&mut self, id: Clockid) -> Result<Timestamp> {
        clock::resolution(id)
    }

    fn clock_time_get(&mut self, id: Clockid, _precision: Timestamp) -> Result<Timestamp> {
        clock::now(id)
    }

    fn fd_advise(&mut self, fd: Fd, offset: Filesize, len: Filesize, advice: Advice) -> Result<()> {
        fd::advise(self.table.get_mut(fd)?, offset, len, advice)
    }

    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Result<()> {
        fd::allocate(self.table.get_mut(fd)?, offset, len)
    }

    fn fd_close(&mut self, fd: Fd) -> Result<()> {
        self.table.remove(fd).map(drop)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Result<()> {
        fd::sync(self.table.get_mut(fd)?, true)
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Result<Fdstat> {
        Ok(fd::fdstat_get(self.table.get(fd)?))
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<()> {
        fd::fdstat_set_flags(self.table.get_mut(fd)?, flags)
    }

    fn fd_fdstat_set_rights(&mut self, fd: Fd, _base: Rights, _inheriting: Rights) -> Result<()> {
        // Rights are reported, not enforced (docs/security.md): there is
        // nothing to drop. wasmtime answers the same, and the official
        // suite reads `ENOTSUP` as "this host has no rights".
        self.table.get(fd)?;
        Err(Errno::NOTSUP)
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Result<Filestat> {
        fd::filestat_get(self.table.get_mut(fd)?)
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Result<()> {
        fd::filestat_set_size(self.table.get_mut(fd)?, size)
    }

    fn fd_filestat_set_times(&mut self, fd: Fd, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
        fd::filestat_set_times(self.table.get_mut(fd)?, atim, mtim, flags)
    }

    fn fd_pread(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        fd::pread(self.table.get_mut(fd)?, bufs, offset)
    }

    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat> {
        match &self.table.get(fd)?.preopen {
            Some(name) => Ok(Prestat::Dir { pr_name_len: fd::size(name.len()) }),
            None => Err(Errno::BADF),
        }
    }

    fn fd_prestat_dir_name(&mut self, fd: Fd, buf: &mut [u8]) -> Result<()> {
        let name = self.table.get(fd)?.preopen.as_deref().ok_or(Errno::BADF)?;
        let dst = buf.get_mut(..name.len()).ok_or(Errno::NAMETOOLONG)?;
        dst.copy_from_slice(name.as_bytes());
        Ok(())
    }

    fn fd_pwrite(&mut self, fd: Fd, bufs: &[IoSlice<'_>], offset: Filesize) -> Result<Size> {
        fd::pwrite(self.table.get_mut(fd)?, bufs, offset)
    }

    fn fd_read(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        fd::read(self.table.get_mut(fd)?, bufs, self.deadline)
    }

    fn fd_readdir(&mut self, fd: Fd, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
        fd::readdir(self.table.get_mut(fd)?, out, cookie)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Result<()> {
        self.table.renumber(fd, to)
    }

    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        fd::seek(self.table.get_mut(fd)?, offset, whence)
    }

    fn fd_sync(&mut self, fd: Fd) -> Result<()> {
        fd::sync(self.table.get_mut(fd)?, false)
    }

    fn fd_tell(&mut self, fd: Fd) -> Result<Filesize> {
        fd::seek(self.table.get_mut(fd)?, 0, Whence::Cur)
    }

    fn fd_write(&mut self, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size> {
        fd::write(self.table.get_mut(fd)?, bufs, self.deadline)
    }

    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Result<()> {
        path::create_directory(&self.table, self.resolver, fd, path)
    }

    fn path_filestat_get(&mut self, fd: Fd, flags: Lookupflags, path: &str) -> Result<Filestat> {
        path::filestat_get(&self.table, self.resolver, fd, flags, path)
    }

    fn path_filestat_set_times(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Result<()> {
        path::filestat_set_times(&self.table, self.resolver, fd, flags, path, atim, mtim, fst_flags)
    }

    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Result<()> {
        path::link(&self.table, self.resolver, old_fd, old_flags, old_path, new_fd, new_path)
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd> {
        path::open(
            &mut self.table,
            self.resolver,
            fd,
            dirflags,
            path,
            oflags,
            fs_rights_base,
            fs_rights_inheriting,
            fdflags,
        )
    }

    fn path_readlink(&mut self, fd: Fd, path: &str, buf: &mut [u8]) -> Result<Size> {
        path::readlink(&self.table, self.resolver, fd, path, buf)
    }

    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Result<()> {
        path::remove_directory(&self.table, self.resolver, fd, path)
    }

    fn path_rename(&mut self, fd: Fd, old_path: &str, new_fd: Fd, new_path: &str) -> Result<()> {
        path::rename(&self.table, self.resolver, fd, old_path, new_fd, new_path)
    }

    fn path_symlink(&mut self, old_path: &str, fd: Fd, new_path: &str) -> Result<()> {
        path::symlink(&self.table, self.resolver, old_path, fd, new_path)
    }

    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Result<()> {
        path::unlink_file(&self.table, self.resolver, fd, path)
    }

    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<Size> {
        poll::poll_oneoff(&self.table, subscriptions, events, self.deadline)
    }

    fn proc_exit(&mut self, rval: Exitcode) {
        self.exit_code = Some(rval);
    }

    fn proc_raise(&mut self, sig: Signal) -> Result<Raised> {
        let raised = Raised::by_default(sig);
        if let Raised::Terminate(status) = raised {
            self.exit_code = Some(status);
        }
        Ok(raised)
    }

    fn sched_yield(&mut self) -> Result<()> {
        rustix::thread::sched_yield();
        Ok(())
    }

    fn random_get(&mut self, buf: &mut [u8]) -> Result<()> {
        self.random.fill(buf)
    }

    fn sock_accept(&mut self, fd: Fd, flags: Fdflags) -> Result<Fd> {
        self.wait_for(fd, rustix::event::PollFlags::IN)?;
        sock::accept(&mut self.table, fd, flags)
    }

    fn sock_recv(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], flags: Riflags) -> Result<(Size, Roflags)> {
        self.wait_for(fd, rustix::event::PollFlags::IN)?;
        sock::recv_from(&self.table, fd, bufs, flags).map(|(n, ro, _)| (n, ro))
    }

    fn sock_send(&mut self, fd: Fd, bufs: &[IoSlice<'_>], _flags: Siflags) -> Result<Size> {
        self.wait_for(fd, rustix::event::PollFlags::OUT)?;
        sock::send(&self.table, fd, bufs)
    }

    fn sock_shutdown(&mut self, fd: Fd, how: Sdflags) -> Result<()> {
        sock::shutdown(&self.table, fd, how)
    }

    fn sock_open(&mut self, family: AddressFamily, socktype: SockType) -> Result<Fd> {
        sockext::open(&mut self.table, self.net.as_ref(), family, socktype)
    }

    fn sock_bind(&mut self, fd: Fd, addr: SocketAddr) -> Result<()> {
        sockext::bind(&self.table, self.net.as_ref(), fd, addr)
    }

    fn sock_connect(&mut self, fd: Fd, addr: SocketAddr) -> Result<()> {
        sockext::connect(&self.table, self.net.as_ref(), fd, addr)
    }

    fn sock_listen(&mut self, fd: Fd, backlog: u32) -> Result<()> {
        sockext::listen(&self.table, self.net.as_ref(), fd, backlog)
    }

    fn sock_recv_from(
        &mut self,
        fd: Fd,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags, Option<SocketAddr>)> {
        self.wait_for(fd, rustix::event::PollFlags::IN)?;
        sock::recv_from(&self.table, fd, bufs, flags)
    }

    fn sock_send_to(&mut self, fd: Fd, bufs: &[IoSlice<'_>], addr: SocketAddr, _flags: Siflags) -> Result<Size> {
        self.wait_for(fd, rustix::event::PollFlags::OUT)?;
        sockext::send_to(&self.table, self.net.as_ref(), fd, bufs, addr)
    }

    fn sock_getsockopt(&mut self, fd: Fd, level: SockOptLevel, name: SockOpt) -> Result<i32> {
        sockext::getsockopt(&self.table, fd, level, name)
    }

    fn sock_setsockopt(&mut self, fd: Fd, level: SockOptLevel, name: SockOpt, value: i32) -> Result<()> {
        sockext::setsockopt(&self.table, fd, level, name, value)
    }

    fn sock_getlocaladdr(&mut self, fd: Fd) -> Result<SocketAddr> {
        sockext::local_addr(&self.table, fd)
    }

    fn sock_getpeeraddr(&mut self, fd: Fd) -> Result<SocketAddr> {
        sockext::peer_addr(&self.table, fd)
    }

    fn sock_getaddrinfo(&mut self, node: &str, service: &str, hints: &AddrInfoHints) -> Result<Vec<AddrInfo>> {
        crate::net::getaddrinfo(self.net.as_ref(), node, service, hints)
    }

    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.deadline = deadline;
    }
}
