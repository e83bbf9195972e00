//! [`WindowsSystem`]: preview1 on a Windows host.
//!
//! Every fd the guest holds is a [`VirtualFile`]: stdio (a console, a
//! pipe, a file), a preopened socket, or a node of a mounted file system.
//! A preopened host directory is such a file system too ([`HostDir`]), so
//! a path a guest names beneath it is resolved by the mounts' walk, one
//! name at a time beneath a held directory handle, with the same answers
//! as on a Unix host (docs/windows.md). Nothing is opened by a host path
//! but what the embedder names when it builds the system.

mod acl;
mod builder;
mod clock;
pub mod errno;
mod hostfs;
#[cfg(feature = "mounts")]
pub mod lower;
mod names;
mod nt;
mod sock;
mod stdio;

pub use crate::builder::{BuildError, Output};
pub use crate::mounts::{MountKind, open_mount};
pub use acl::create_owner_only;
pub use builder::{WindowsSystemBuilder, open_dir};
pub use hostfs::HostDir;

use crate::builder::Packed;
use crate::fdtable::FdTable;
use crate::file::VirtualFile;
use crate::net::NetPolicy;
use crate::paths;
use crate::system::{AddrInfo, AddrInfoHints, Raised, Result, System};
use crate::vfs::{self, Handle};
use sock::Socket;
use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, DirentWriter, Errno, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize,
    Filestat, Filetype, Fstflags, Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal,
    Size, StringList, Subscription, SubscriptionU, Timestamp, Whence,
};

/// What an fd holds.
#[derive(Debug)]
enum Object {
    /// Stdio, or a file the embedder handed the guest.
    File(Box<dyn VirtualFile>),
    /// A node of a mounted file system (a host directory's too).
    Mount(Handle),
    /// A socket.
    Socket(Socket),
}

/// One open guest fd.
#[derive(Debug)]
struct Entry {
    object: Object,
    /// The flags the guest sees in `fdstat`.
    flags: Fdflags,
    /// The guest's name for a preopened directory.
    preopen: Option<Box<str>>,
    /// Beneath a read-only mount.
    readonly: bool,
    /// A character device that is no console (`NUL`): seekable, so its
    /// rights are a file's (wasi-libc's `isatty` is false), as on Unix.
    device: bool,
    /// One of the guest's stdio fds: a stream for the positional calls
    /// ([`crate::file::stdio_positional`]).
    stdio: bool,
}

impl Entry {
    fn new(object: Object) -> Self {
        Entry { object, flags: Fdflags::empty(), preopen: None, readonly: false, device: false, stdio: false }
    }

    fn file(&self) -> &dyn VirtualFile {
        match &self.object {
            Object::File(f) => &**f,
            Object::Mount(h) => h,
            Object::Socket(s) => s,
        }
    }

    fn file_mut(&mut self) -> &mut dyn VirtualFile {
        match &mut self.object {
            Object::File(f) => &mut **f,
            Object::Mount(h) => h,
            Object::Socket(s) => s,
        }
    }

    fn socket(&self) -> Result<&Socket> {
        match &self.object {
            Object::Socket(s) => Ok(s),
            _ => Err(Errno::NOTSOCK),
        }
    }

    /// Fails a positional call on stdio: `ESPIPE`, or `EBADF` where the
    /// transfer (`Some(write)`) is one the fd cannot make.
    fn positional(&self, transfer: Option<bool>) -> Result<()> {
        if !self.stdio {
            return Ok(());
        }
        let allowed = match transfer {
            None => true,
            Some(true) => self.file().writable(),
            Some(false) => self.file().readable(),
        };
        Err(crate::file::stdio_positional(allowed))
    }

    /// `EPERM` beneath a read-only mount.
    fn mutable(&self) -> Result<()> {
        if self.readonly { Err(Errno::PERM) } else { Ok(()) }
    }

    fn rights(&self) -> (Rights, Rights) {
        let file = self.file();
        let (mut base, inheriting) = match file.filetype() {
            Filetype::Directory => return crate::rights::directory(self.preopen.is_some(), self.readonly),
            Filetype::RegularFile | Filetype::BlockDevice => (Rights::REGULAR_FILE_BASE, Rights::empty()),
            Filetype::CharacterDevice if self.device => {
                (Rights::REGULAR_FILE_BASE - Rights::FD_ALLOCATE - Rights::FD_ADVISE, Rights::empty())
            }
            Filetype::SocketStream | Filetype::SocketDgram => (Rights::SOCKET_BASE, Rights::empty()),
            _ => (Rights::TTY_BASE, Rights::empty()),
        };
        if !file.readable() {
            base -= Rights::FD_READ;
        }
        if !file.writable() || self.readonly {
            base -= Rights::FD_WRITE | Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE;
        }
        if self.readonly {
            base -= Rights::FD_FILESTAT_SET_TIMES;
        }
        // The embedder's stdio file: its size changes only through a handle
        // that writes anywhere, its times only through one that writes.
        if let Object::File(f) = &self.object
            && f.filetype() == Filetype::RegularFile
            && !self.device
        {
            if self.flags.contains(Fdflags::APPEND) {
                base -= Rights::FD_ALLOCATE | Rights::FD_FILESTAT_SET_SIZE;
            }
            if !file.writable() {
                base -= Rights::FD_FILESTAT_SET_TIMES;
            }
        }
        (base, inheriting)
    }
}

/// Preview1 on a Windows host.
#[derive(Debug)]
pub struct WindowsSystem {
    args: Packed,
    env: Packed,
    table: FdTable<Entry>,
    net: Option<NetPolicy>,
    random: crate::random::Pool,
    exit_code: Option<Exitcode>,
    captures: [Option<Arc<Mutex<stdio::Captured>>>; 2],
    deadline: Option<Instant>,
}

impl WindowsSystem {
    /// Starts building a system.
    #[must_use]
    pub fn builder() -> WindowsSystemBuilder {
        WindowsSystemBuilder::default()
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

    /// How many times the limit on open fds refused the guest one.
    #[must_use]
    pub fn open_files_refused(&self) -> usize {
        self.table.refused()
    }

    /// Hands the guest `file` under the lowest free fd number.
    ///
    /// # Errors
    /// `EMFILE` past [`WindowsSystemBuilder::max_open_files`].
    pub fn insert_file(&mut self, file: impl VirtualFile + 'static) -> Result<Fd> {
        self.table.insert(Entry::new(Object::File(Box::new(file))))
    }

    /// Closes every fd and returns what the guest wrote to its captured
    /// stdout and stderr.
    #[must_use]
    pub fn into_output(self) -> Output {
        let WindowsSystem { table, captures: [out, err], .. } = self;
        drop(table);
        let take = |c: Option<Arc<Mutex<stdio::Captured>>>| {
            c.map(|c| {
                let mut c = c.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                (std::mem::take(&mut c.bytes), c.dropped)
            })
            .unwrap_or_default()
        };
        let ((stdout, stdout_dropped), (stderr, stderr_dropped)) = (take(out), take(err));
        Output { stdout, stderr, stdout_dropped, stderr_dropped }
    }

    /// Waits, before a transfer on a stream that would block, until it is
    /// ready, never past the deadline (`EAGAIN`); with `NONBLOCK`, a stream
    /// that is not ready is `EAGAIN` at once.
    fn wait_for(&self, fd: Fd, write: bool) -> Result<()> {
        let Ok(e) = self.table.get(fd) else { return Ok(()) };
        if let Object::Socket(s) = &e.object {
            return s.wait(write, e.flags, self.deadline);
        }
        let file = e.file();
        if !matches!(file.filetype(), Filetype::Unknown | Filetype::CharacterDevice) {
            return Ok(());
        }
        if e.flags.contains(Fdflags::NONBLOCK) {
            return if file.ready(write).is_some() { Ok(()) } else { Err(Errno::AGAIN) };
        }
        let Some(deadline) = self.deadline else { return Ok(()) };
        while file.ready(write).is_none() {
            if Instant::now() >= deadline {
                return Err(Errno::AGAIN);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Ok(())
    }
}

/// The mounted directory an `fd` names, for a path call (`ENOTDIR` for
/// anything else; `EPERM` for a virtual directory, which has no names, or
/// for a change beneath a read-only mount).
fn dir_of(table: &FdTable<Entry>, fd: Fd, modifies: bool) -> Result<(&Handle, bool)> {
    let e = table.get(fd)?;
    if modifies {
        e.mutable()?;
    }
    match &e.object {
        Object::Mount(h) if h.filetype() == Filetype::Directory => Ok((h, e.readonly)),
        Object::File(f) if f.filetype() == Filetype::Directory => Err(Errno::PERM),
        _ => Err(Errno::NOTDIR),
    }
}

/// Runs a path call on the tree of the directory `fd`, then lets its file
/// system release the nodes the call found and no fd holds.
fn on_tree<T>(
    table: &FdTable<Entry>,
    fd: Fd,
    modifies: bool,
    f: impl FnOnce(&vfs::path::MountTree<'_>, vfs::Ino) -> Result<T>,
) -> Result<T> {
    let (h, _) = dir_of(table, fd, modifies)?;
    let r = f(&vfs::path::MountTree(&**h.fs()), h.ino());
    h.fs().release_unused();
    r
}

/// The file system both directories of a two-path call are on (`EXDEV`
/// across two).
fn pair(table: &FdTable<Entry>, a: Fd, b: Fd) -> Result<(&Handle, &Handle)> {
    let ((x, _), (y, _)) = (dir_of(table, a, true)?, dir_of(table, b, true)?);
    if std::ptr::addr_eq(Arc::as_ptr(x.fs()), Arc::as_ptr(y.fs())) { Ok((x, y)) } else { Err(Errno::XDEV) }
}

impl System for WindowsSystem {
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
        self.table.get_mut(fd)?.file_mut().advise(offset, len, advice)
    }

    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Result<()> {
        let e = self.table.get_mut(fd)?;
        e.mutable()?;
        e.file_mut().allocate(offset, len)
    }

    fn fd_close(&mut self, fd: Fd) -> Result<()> {
        self.table.remove(fd).map(drop)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Result<()> {
        self.table.get_mut(fd)?.file_mut().sync()
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Result<Fdstat> {
        let e = self.table.get(fd)?;
        let (fs_rights_base, fs_rights_inheriting) = e.rights();
        Ok(Fdstat { fs_filetype: e.file().filetype(), fs_flags: e.flags, fs_rights_base, fs_rights_inheriting })
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<()> {
        let e = self.table.get_mut(fd)?;
        let fixed = Fdflags::DSYNC | Fdflags::RSYNC | Fdflags::SYNC;
        if (flags & fixed) != (e.flags & fixed) {
            return Err(Errno::NOTSUP);
        }
        e.flags = flags;
        Ok(())
    }

    fn fd_fdstat_set_rights(&mut self, fd: Fd, _base: Rights, _inheriting: Rights) -> Result<()> {
        // Rights are reported, not enforced (docs/security.md).
        self.table.get(fd)?;
        Err(Errno::NOTSUP)
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Result<Filestat> {
        self.table.get_mut(fd)?.file_mut().filestat()
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Result<()> {
        let e = self.table.get_mut(fd)?;
        if e.file().filetype() == Filetype::Directory {
            return Err(Errno::BADF);
        }
        e.mutable()?;
        e.file_mut().set_size(size)
    }

    fn fd_filestat_set_times(&mut self, fd: Fd, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
        let e = self.table.get_mut(fd)?;
        e.mutable()?;
        e.file_mut().set_times(atim, mtim, flags)
    }

    fn fd_pread(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        let e = self.table.get_mut(fd)?;
        e.positional(Some(false))?;
        if !matches!(e.file().filetype(), Filetype::RegularFile | Filetype::Directory) {
            return Err(Errno::SPIPE);
        }
        e.file_mut().pread(bufs, offset)
    }

    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat> {
        match &self.table.get(fd)?.preopen {
            Some(name) => Ok(Prestat::Dir { pr_name_len: Size::try_from(name.len()).unwrap_or(Size::MAX) }),
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
        let e = self.table.get_mut(fd)?;
        e.positional(Some(true))?;
        if !matches!(e.file().filetype(), Filetype::RegularFile | Filetype::Directory) {
            return Err(Errno::SPIPE);
        }
        let flags = e.flags;
        let n = e.file_mut().pwrite(bufs, offset, flags)?;
        if flags.intersects(Fdflags::SYNC | Fdflags::DSYNC) {
            e.file_mut().sync()?;
        }
        Ok(n)
    }

    fn fd_read(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        self.wait_for(fd, false)?;
        self.table.get_mut(fd)?.file_mut().read(bufs)
    }

    fn fd_readdir(&mut self, fd: Fd, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<()> {
        self.table.get_mut(fd)?.file_mut().readdir(out, cookie)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Result<()> {
        self.table.renumber(fd, to)
    }

    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        let e = self.table.get_mut(fd)?;
        e.positional(None)?;
        e.file_mut().seek(offset, whence)
    }

    fn fd_sync(&mut self, fd: Fd) -> Result<()> {
        self.table.get_mut(fd)?.file_mut().sync()
    }

    fn fd_tell(&mut self, fd: Fd) -> Result<Filesize> {
        let e = self.table.get_mut(fd)?;
        e.positional(None)?;
        e.file_mut().seek(0, Whence::Cur)
    }

    fn fd_write(&mut self, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size> {
        self.wait_for(fd, true)?;
        let e = self.table.get_mut(fd)?;
        let flags = e.flags;
        let n = e.file_mut().write(bufs, flags)?;
        if flags.intersects(Fdflags::SYNC | Fdflags::DSYNC) {
            e.file_mut().sync()?;
        }
        Ok(n)
    }

    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Result<()> {
        on_tree(&self.table, fd, true, |t, root| paths::create_directory(t, root, path))
    }

    fn path_filestat_get(&mut self, fd: Fd, flags: Lookupflags, path: &str) -> Result<Filestat> {
        let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
        on_tree(&self.table, fd, false, |t, root| vfs::path::filestat_get(t.0, root, path, follow))
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
        let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
        on_tree(&self.table, fd, true, |t, root| {
            vfs::path::filestat_set_times(t.0, root, path, follow, atim, mtim, fst_flags)
        })
    }

    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Result<()> {
        let follow = old_flags.contains(Lookupflags::SYMLINK_FOLLOW);
        let (a, b) = pair(&self.table, old_fd, new_fd)?;
        let r = paths::link(&vfs::path::MountTree(&**a.fs()), a.ino(), follow, old_path, b.ino(), new_path);
        a.fs().release_unused();
        r
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        _fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd> {
        let (dir, readonly) = dir_of(&self.table, fd, false)?;
        if oflags.contains(Oflags::CREAT | Oflags::DIRECTORY) {
            return Err(Errno::INVAL);
        }
        let (read, write) = crate::rights::open_access(fs_rights_base, oflags);
        if readonly && (write || oflags.contains(Oflags::CREAT)) {
            return Err(Errno::PERM);
        }
        let follow = dirflags.contains(Lookupflags::SYMLINK_FOLLOW);
        let fs = dir.fs().clone();
        let opened = vfs::path::open(&fs, dir.ino(), path, follow, oflags, read, write);
        let result = opened.and_then(|handle| {
            let mut entry = Entry::new(Object::Mount(handle));
            entry.flags = fdflags;
            entry.readonly = readonly;
            self.table.insert(entry)
        });
        fs.release_unused();
        result
    }

    fn path_readlink(&mut self, fd: Fd, path: &str, buf: &mut [u8]) -> Result<Size> {
        on_tree(&self.table, fd, false, |t, root| paths::readlink(t, root, path, buf))
    }

    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Result<()> {
        on_tree(&self.table, fd, true, |t, root| paths::remove_directory(t, root, path))
    }

    fn path_rename(&mut self, fd: Fd, old_path: &str, new_fd: Fd, new_path: &str) -> Result<()> {
        let (a, b) = pair(&self.table, fd, new_fd)?;
        let r = paths::rename(&vfs::path::MountTree(&**a.fs()), a.ino(), old_path, b.ino(), new_path);
        a.fs().release_unused();
        r
    }

    fn path_symlink(&mut self, old_path: &str, fd: Fd, new_path: &str) -> Result<()> {
        on_tree(&self.table, fd, true, |t, root| paths::symlink(t, old_path, root, new_path))
    }

    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Result<()> {
        on_tree(&self.table, fd, true, |t, root| paths::unlink_file(t, root, path))
    }

    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<Size> {
        poll_oneoff(&self.table, subscriptions, events, self.deadline)
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
        std::thread::yield_now();
        Ok(())
    }

    fn random_get(&mut self, buf: &mut [u8]) -> Result<()> {
        self.random.fill(buf)
    }

    fn sock_accept(&mut self, fd: Fd, flags: Fdflags) -> Result<Fd> {
        if !(flags - Fdflags::NONBLOCK).is_empty() {
            return Err(Errno::INVAL);
        }
        self.wait_for(fd, false)?;
        let stream = self.table.get(fd)?.socket()?.accept()?;
        let mut entry = Entry::new(Object::Socket(stream));
        entry.flags = flags;
        self.table.insert(entry)
    }

    fn sock_recv(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], flags: Riflags) -> Result<(Size, Roflags)> {
        self.wait_for(fd, false)?;
        self.table.get(fd)?.socket()?.recv(bufs, flags).map(|(n, ro, _)| (n, ro))
    }

    fn sock_send(&mut self, fd: Fd, bufs: &[IoSlice<'_>], _flags: Siflags) -> Result<Size> {
        self.wait_for(fd, true)?;
        self.table.get(fd)?.socket()?.send(bufs)
    }

    fn sock_shutdown(&mut self, fd: Fd, how: Sdflags) -> Result<()> {
        self.table.get(fd)?.socket()?.shutdown(how)
    }

    fn sock_open(&mut self, family: AddressFamily, socktype: SockType) -> Result<Fd> {
        let (v6, dgram) = crate::net::open_kind(self.net.as_ref(), family, socktype)?;
        self.table.insert(Entry::new(Object::Socket(Socket::open(v6, dgram)?)))
    }

    fn sock_bind(&mut self, fd: Fd, addr: SocketAddr) -> Result<()> {
        let s = self.table.get(fd)?.socket()?;
        crate::net::allowed(self.net.as_ref(), &addr)?;
        s.bind(addr)
    }

    fn sock_connect(&mut self, fd: Fd, addr: SocketAddr) -> Result<()> {
        let e = self.table.get(fd)?;
        let s = e.socket()?;
        crate::net::allowed(self.net.as_ref(), &addr)?;
        s.connect(addr, e.flags, self.deadline)
    }

    fn sock_listen(&mut self, fd: Fd, backlog: u32) -> Result<()> {
        self.table.get(fd)?.socket()?.listen(self.net.as_ref(), backlog)
    }

    fn sock_recv_from(
        &mut self,
        fd: Fd,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags, Option<SocketAddr>)> {
        self.wait_for(fd, false)?;
        self.table.get(fd)?.socket()?.recv(bufs, flags)
    }

    fn sock_send_to(&mut self, fd: Fd, bufs: &[IoSlice<'_>], addr: SocketAddr, _flags: Siflags) -> Result<Size> {
        let s = self.table.get(fd)?.socket()?;
        let policy = crate::net::allowed(self.net.as_ref(), &addr)?;
        self.wait_for(fd, true)?;
        s.send_to(policy, bufs, addr)
    }

    fn sock_getsockopt(&mut self, fd: Fd, _level: SockOptLevel, name: SockOpt) -> Result<i32> {
        self.table.get(fd)?.socket()?.getsockopt(name)
    }

    fn sock_setsockopt(&mut self, fd: Fd, _level: SockOptLevel, name: SockOpt, value: i32) -> Result<()> {
        self.table.get(fd)?.socket()?.setsockopt(name, value)
    }

    fn sock_getlocaladdr(&mut self, fd: Fd) -> Result<SocketAddr> {
        self.table.get(fd)?.socket()?.local_addr()
    }

    fn sock_getpeeraddr(&mut self, fd: Fd) -> Result<SocketAddr> {
        self.table.get(fd)?.socket()?.peer_addr()
    }

    fn sock_getaddrinfo(&mut self, node: &str, service: &str, hints: &AddrInfoHints) -> Result<Vec<AddrInfo>> {
        crate::net::getaddrinfo(self.net.as_ref(), node, service, hints)
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }
}

/// `poll_oneoff`: every fd answers for its own readiness
/// ([`VirtualFile::ready`]), checked every millisecond until one is ready
/// or the earliest clock (or the embedder's deadline) comes.
fn poll_oneoff(
    table: &FdTable<Entry>,
    subs: &[Subscription],
    events: &mut [Event],
    until: Option<Instant>,
) -> Result<Size> {
    if subs.is_empty() {
        return Err(Errno::INVAL);
    }
    let mut n = 0usize;
    let mut push = |ev: Event, n: &mut usize| {
        if let Some(slot) = events.get_mut(*n) {
            *slot = ev;
            *n += 1;
        }
    };
    let start = clock::monotonic_now();
    let mut wake: Option<Timestamp> = until.map(|d| {
        start.saturating_add(u64::try_from(d.saturating_duration_since(Instant::now()).as_nanos()).unwrap_or(u64::MAX))
    });
    let mut deadlines = Vec::with_capacity(subs.len());
    let mut fds = false;
    for sub in subs {
        let mut this = None;
        match &sub.u {
            SubscriptionU::Clock(c) => match crate::poll::deadline(c, start, || clock::now(Clockid::Realtime)) {
                Ok(d) => {
                    this = Some(d);
                    wake = Some(wake.map_or(d, |w| w.min(d)));
                }
                Err(e) => push(Event::for_subscription(sub, e), &mut n),
            },
            SubscriptionU::FdRead(fd) | SubscriptionU::FdWrite(fd) => {
                if let Err(e) = table.get(*fd) {
                    push(Event::for_subscription(sub, e), &mut n);
                } else {
                    fds = true;
                }
            }
        }
        deadlines.push(this);
    }
    loop {
        if fds {
            for sub in subs {
                let (SubscriptionU::FdRead(fd) | SubscriptionU::FdWrite(fd)) = sub.u else { continue };
                let write = matches!(sub.u, SubscriptionU::FdWrite(_));
                let Ok(e) = table.get(fd) else { continue };
                if let Some(nbytes) = e.file().ready(write) {
                    push(crate::poll::fd_event(sub, nbytes, e.file().hangup()), &mut n);
                }
            }
        }
        let now = clock::monotonic_now();
        if n > 0 || wake.is_some_and(|w| now >= w) {
            break;
        }
        let pause = if fds { 1_000_000 } else { wake.map_or(1_000_000, |w| w - now) };
        std::thread::sleep(std::time::Duration::from_nanos(pause.min(wake.map_or(u64::MAX, |w| w - now))));
    }
    let now = clock::monotonic_now();
    for (sub, d) in subs.iter().zip(&deadlines) {
        if matches!(d, Some(d) if *d <= now) {
            push(Event::for_subscription(sub, Errno::SUCCESS), &mut n);
        }
    }
    Ok(n as Size)
}
