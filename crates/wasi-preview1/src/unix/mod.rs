//! [`UnixSystem`]: preview1 on a Unix host, through rustix.
//!
//! The system holds the guest's arguments, environment and fd table. It
//! never opens anything by an ambient host path: the embedder hands it
//! already-open fds for stdio and preopened directories (see
//! [`UnixSystemBuilder`]), and every path the guest names is resolved
//! beneath one of those by [`sandbox`].

mod clock;
pub mod errno;
pub mod net;
mod nonblock;
mod path;
mod poll;
mod random;
mod readdir;
pub mod sandbox;
#[cfg(test)]
mod sandbox_tests;
mod sock;
mod sockext;
mod stat;
mod stdio;
mod table;

use crate::system::{AddrInfo, AddrInfoHints, Raised, Result, System};
use errno::{HostResult, retry};
use net::NetPolicy;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{FallocateFlags, SeekFrom};
use sandbox::Resolver;
use stat::{classify, filestat};
use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use table::{Access, Entry, FdTable, Kind};
use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, Errno, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Fstflags,
    Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, SignalAction, Size, StringList,
    Subscription, Timestamp, Whence,
};

pub use poll::INLINE as POLL_INLINE_SUBSCRIPTIONS;

/// Strings packed as the guest sees them: each followed by a NUL.
#[derive(Debug, Default, Clone)]
struct Packed {
    bytes: Vec<u8>,
    count: u32,
}

impl Packed {
    fn push(&mut self, s: &[u8]) {
        self.bytes.extend_from_slice(s);
        self.bytes.push(0);
        self.count += 1;
    }
    fn list(&self) -> StringList<'_> {
        StringList::new(&self.bytes, self.count)
    }
    fn sizes(&self) -> Result<(Size, Size)> {
        Ok((self.count, Size::try_from(self.bytes.len()).map_err(|_| Errno::OVERFLOW)?))
    }
}

/// Why a [`UnixSystem`] could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// An argument contains a NUL byte.
    ArgHasNul(usize),
    /// An environment variable's name is empty or contains `=` or NUL, or
    /// its value contains NUL.
    BadEnv(String),
    /// A preopen's guest name is empty.
    EmptyGuestName,
    /// A preopened fd is not a directory, or could not be examined.
    NotADirectory(String),
    /// A preopened socket fd is not a socket.
    NotASocket,
    /// A stdio fd could not be examined.
    Stdio(Fd, Errno),
    /// A pipe or thread for in-memory stdio could not be made.
    Pipe(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ArgHasNul(i) => write!(f, "argument {i} contains a NUL byte"),
            BuildError::BadEnv(name) => write!(f, "invalid environment variable {name:?}"),
            BuildError::EmptyGuestName => write!(f, "a preopened directory needs a non-empty guest name"),
            BuildError::NotADirectory(name) => write!(f, "preopen {name:?} is not a directory"),
            BuildError::NotASocket => write!(f, "a preopened socket is not a socket"),
            BuildError::Stdio(fd, e) => write!(f, "stdio fd {fd}: {e}"),
            BuildError::Pipe(e) => write!(f, "in-memory stdio: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Where one of the guest's stdio fds leads.
#[derive(Debug)]
enum Stdio {
    Fd(OwnedFd),
    Bytes(Vec<u8>),
    /// Captured in memory, at most this many bytes.
    Capture(usize),
}

/// What a guest wrote to its captured stdout and stderr
/// ([`UnixSystem::into_output`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    /// The bytes written to fd 1, if [`UnixSystemBuilder::capture_stdout`],
    /// up to its capacity.
    pub stdout: Vec<u8>,
    /// The bytes written to fd 2, if [`UnixSystemBuilder::capture_stderr`],
    /// up to its capacity.
    pub stderr: Vec<u8>,
    /// How many bytes written to fd 1 past the capacity were dropped.
    pub stdout_dropped: u64,
    /// How many bytes written to fd 2 past the capacity were dropped.
    pub stderr_dropped: u64,
}

/// A directory handed to the guest.
#[derive(Debug)]
struct Preopen {
    fd: OwnedFd,
    guest: String,
    readonly: bool,
}

/// Builds a [`UnixSystem`] from explicit capabilities.
#[derive(Debug, Default)]
pub struct UnixSystemBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    stdio: [Option<Stdio>; 3],
    preopens: Vec<Preopen>,
    sockets: Vec<OwnedFd>,
    net: Option<NetPolicy>,
    resolver: Resolver,
    max_open: Option<usize>,
}

impl UnixSystemBuilder {
    /// Appends one argument (the first is the program name, `argv[0]`).
    #[must_use]
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Appends arguments, from any iterator (`std::env::args_os()` after
    /// converting each with `OsStrExt::as_bytes`, a `Vec<String>`, ...).
    #[must_use]
    pub fn args<I: IntoIterator<Item = A>, A: AsRef<[u8]>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_vec()));
        self
    }

    /// Sets environment variables from any iterator of (name, value)
    /// pairs; later values for a name win.
    #[must_use]
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    /// Gives the guest this process's whole environment (variables set
    /// before or after still apply, a later one winning). This reads
    /// ambient host state: call it only for a guest that may see it.
    #[must_use]
    pub fn inherit_env(self) -> Self {
        use std::os::unix::ffi::OsStrExt;
        let vars: Vec<(Vec<u8>, Vec<u8>)> =
            std::env::vars_os().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
        self.envs(vars)
    }

    /// Gives the guest duplicates of this process's own stdin, stdout and
    /// stderr (those that are open), as the `wasi-run` command does.
    #[must_use]
    pub fn inherit_stdio(mut self) -> Self {
        let fds = [
            std::io::stdin().as_fd().try_clone_to_owned(),
            std::io::stdout().as_fd().try_clone_to_owned(),
            std::io::stderr().as_fd().try_clone_to_owned(),
        ];
        for (slot, fd) in self.stdio.iter_mut().zip(fds) {
            if let Ok(fd) = fd {
                *slot = Some(Stdio::Fd(fd));
            }
        }
        self
    }

    /// Sets an environment variable (a later value for the same name wins).
    #[must_use]
    pub fn env(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        let name = name.as_ref().to_vec();
        self.env.retain(|(n, _)| *n != name);
        self.env.push((name, value.as_ref().to_vec()));
        self
    }

    /// Gives the guest `fd` as its stdin (fd 0).
    #[must_use]
    pub fn stdin(mut self, fd: OwnedFd) -> Self {
        self.stdio[0] = Some(Stdio::Fd(fd));
        self
    }

    /// Gives the guest a pipe holding `bytes` as its stdin: it reads them,
    /// then end-of-file.
    #[must_use]
    pub fn stdin_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdio[0] = Some(Stdio::Bytes(bytes.into()));
        self
    }

    /// Gives the guest `fd` as its stdout (fd 1). Writes go straight to it,
    /// unbuffered.
    #[must_use]
    pub fn stdout(mut self, fd: OwnedFd) -> Self {
        self.stdio[1] = Some(Stdio::Fd(fd));
        self
    }

    /// Captures up to `capacity` bytes of what the guest writes to stdout
    /// (a pipe drained into memory); [`UnixSystem::into_output`] returns
    /// them. Past the capacity the guest's writes still succeed, and what
    /// they carry is dropped and counted ([`Output::stdout_dropped`]): host
    /// memory stays bounded whatever the guest writes.
    #[must_use]
    pub fn capture_stdout(mut self, capacity: usize) -> Self {
        self.stdio[1] = Some(Stdio::Capture(capacity));
        self
    }

    /// Gives the guest `fd` as its stderr (fd 2), unbuffered.
    #[must_use]
    pub fn stderr(mut self, fd: OwnedFd) -> Self {
        self.stdio[2] = Some(Stdio::Fd(fd));
        self
    }

    /// Captures up to `capacity` bytes of what the guest writes to stderr,
    /// as [`Self::capture_stdout`] does for stdout.
    #[must_use]
    pub fn capture_stderr(mut self, capacity: usize) -> Self {
        self.stdio[2] = Some(Stdio::Capture(capacity));
        self
    }

    /// Preopens the directory `fd` under the guest name `guest`. Preopens
    /// are numbered from 3 in the order they are added.
    #[must_use]
    pub fn preopen_dir(mut self, fd: OwnedFd, guest: impl Into<String>) -> Self {
        self.preopens.push(Preopen { fd, guest: guest.into(), readonly: false });
        self
    }

    /// Preopens `fd` read-only: nothing beneath it can be created, changed
    /// or removed through the guest (`EROFS`).
    #[must_use]
    pub fn preopen_dir_readonly(mut self, fd: OwnedFd, guest: impl Into<String>) -> Self {
        self.preopens.push(Preopen { fd, guest: guest.into(), readonly: true });
        self
    }

    /// Preopens the socket `fd` (listening or connected). Preopened sockets
    /// are numbered after every preopened directory, in the order added,
    /// so that wasi-libc's scan of preopens (which stops at the first fd
    /// that is not a directory) still finds every directory. The system
    /// owns the socket's file description from now on.
    #[must_use]
    pub fn preopen_socket(mut self, fd: OwnedFd) -> Self {
        self.sockets.push(fd);
        self
    }

    /// Grants the guest the network: it may open sockets itself
    /// (`sock_open`), resolve names, and bind, connect and send to the
    /// addresses `policy` allows. Without a grant those calls are
    /// `ENOTCAPABLE`.
    #[must_use]
    pub fn network(mut self, policy: NetPolicy) -> Self {
        self.net = Some(policy);
        self
    }

    /// Chooses the path resolver (the default uses `openat2` where it can).
    #[must_use]
    pub fn resolver(mut self, resolver: Resolver) -> Self {
        self.resolver = resolver;
        self
    }

    /// Limits how many fds the guest may hold open at once (`EMFILE` past it).
    #[must_use]
    pub fn max_open_files(mut self, max: usize) -> Self {
        self.max_open = Some(max);
        self
    }

    /// Builds the system.
    ///
    /// # Errors
    /// [`BuildError`] for arguments or variables with NUL bytes, variable
    /// names with `=`, and preopens that are not directories.
    pub fn build(self) -> core::result::Result<UnixSystem, BuildError> {
        let mut args = Packed::default();
        for (i, a) in self.args.iter().enumerate() {
            if a.contains(&0) {
                return Err(BuildError::ArgHasNul(i));
            }
            args.push(a);
        }
        let mut env = Packed::default();
        for (name, value) in &self.env {
            if name.is_empty() || name.contains(&b'=') || name.contains(&0) || value.contains(&0) {
                return Err(BuildError::BadEnv(String::from_utf8_lossy(name).into_owned()));
            }
            let mut kv = name.clone();
            kv.push(b'=');
            kv.extend_from_slice(value);
            env.push(&kv);
        }
        let mut table = FdTable::default();
        let mut slots: Vec<Option<Entry>> = Vec::new();
        let mut captures: [Option<stdio::Capture>; 2] = [None, None];
        for (i, io) in self.stdio.into_iter().enumerate() {
            let pipe_err = |e: std::io::Error| BuildError::Pipe(e.to_string());
            let fd = match io {
                None => {
                    slots.push(None);
                    continue;
                }
                Some(Stdio::Fd(fd)) => fd,
                Some(Stdio::Bytes(bytes)) => stdio::feed(bytes).map_err(pipe_err)?,
                Some(Stdio::Capture(capacity)) => {
                    let (capture, fd) =
                        stdio::Capture::start(if i == 1 { "stdout" } else { "stderr" }, capacity).map_err(pipe_err)?;
                    if let Some(slot) = captures.get_mut(i.wrapping_sub(1)) {
                        *slot = Some(capture);
                    }
                    fd
                }
            };
            let (kind, filetype) = classify(fd.as_fd()).map_err(|e| BuildError::Stdio(i as Fd, e))?;
            let access = Access::of_fd(fd.as_fd());
            let mut entry = Entry::new(fd, kind, filetype, access);
            entry.flags = host_fdflags(&entry);
            entry.shared = true;
            slots.push(Some(entry));
        }
        for p in self.preopens {
            if p.guest.is_empty() {
                return Err(BuildError::EmptyGuestName);
            }
            match classify(p.fd.as_fd()) {
                Ok((Kind::Dir, filetype)) => {
                    let access = Access::of_fd(p.fd.as_fd());
                    let mut entry = Entry::new(p.fd, Kind::Dir, filetype, access);
                    entry.preopen = Some(p.guest.into_boxed_str());
                    entry.readonly = p.readonly;
                    slots.push(Some(entry));
                }
                _ => return Err(BuildError::NotADirectory(p.guest)),
            }
        }
        for fd in self.sockets {
            match classify(fd.as_fd()) {
                Ok((Kind::Socket, filetype)) => {
                    let access = Access::of_fd(fd.as_fd());
                    let mut entry = Entry::new(fd, Kind::Socket, filetype, access);
                    entry.flags = host_fdflags(&entry);
                    slots.push(Some(entry));
                }
                _ => return Err(BuildError::NotASocket),
            }
        }
        table.fill(slots);
        table.set_max_open(self.max_open);
        Ok(UnixSystem {
            args,
            env,
            table,
            resolver: self.resolver,
            net: self.net,
            random: random::Pool::default(),
            exit_code: None,
            captures,
            deadline: None,
        })
    }
}

/// The host's flags on an fd, as `fdflags`.
fn host_fdflags(entry: &Entry) -> Fdflags {
    let Ok(fl) = rustix::fs::fcntl_getfl(&entry.host) else { return Fdflags::empty() };
    let mut flags = Fdflags::empty();
    if fl.contains(rustix::fs::OFlags::APPEND) {
        flags |= Fdflags::APPEND;
    }
    if fl.contains(rustix::fs::OFlags::NONBLOCK) {
        flags |= Fdflags::NONBLOCK;
    }
    flags
}

/// Preview1 on a Unix host.
#[derive(Debug)]
pub struct UnixSystem {
    args: Packed,
    env: Packed,
    table: FdTable,
    resolver: Resolver,
    net: Option<NetPolicy>,
    random: random::Pool,
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

/// A byte count as a preview1 `size` (a single host transfer never exceeds it).
#[inline]
fn size(n: usize) -> Size {
    Size::try_from(n).unwrap_or(Size::MAX)
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
        let e = self.table.get(fd)?.not_dir()?;
        let host = e.fd();
        if e.kind != Kind::File {
            return Err(Errno::SPIPE);
        }
        let advice = match advice {
            Advice::Normal => rustix::fs::Advice::Normal,
            Advice::Sequential => rustix::fs::Advice::Sequential,
            Advice::Random => rustix::fs::Advice::Random,
            Advice::Willneed => rustix::fs::Advice::WillNeed,
            Advice::Dontneed => rustix::fs::Advice::DontNeed,
            Advice::Noreuse => rustix::fs::Advice::NoReuse,
        };
        offset.checked_add(len).ok_or(Errno::INVAL)?;
        retry(|| rustix::fs::fadvise(host, offset, core::num::NonZeroU64::new(len), advice))
    }

    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Result<()> {
        let e = self.table.get(fd)?.not_dir()?.resizable()?;
        let host = e.fd();
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

    fn fd_close(&mut self, fd: Fd) -> Result<()> {
        self.table.remove(fd).map(drop)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Result<()> {
        let host = self.table.get(fd)?.fd();
        retry(|| rustix::fs::fdatasync(host))
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Result<Fdstat> {
        let e = self.table.get(fd)?;
        let (fs_rights_base, fs_rights_inheriting) = e.rights();
        Ok(Fdstat { fs_filetype: e.filetype, fs_flags: e.flags, fs_rights_base, fs_rights_inheriting })
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<()> {
        let e = self.table.get_mut(fd)?;
        let host = e.host.as_fd();
        // Only APPEND and NONBLOCK can change on an open file; the sync
        // flags are fixed when it is opened.
        let fixed = Fdflags::DSYNC | Fdflags::RSYNC | Fdflags::SYNC;
        if (flags & fixed) != (e.flags & fixed) {
            return Err(Errno::NOTSUP);
        }
        if e.shared {
            // Never change a description other processes share: NONBLOCK
            // is emulated, APPEND cannot be.
            if (flags ^ e.flags).contains(Fdflags::APPEND) {
                return Err(Errno::NOTSUP);
            }
            e.flags = flags;
            return Ok(());
        }
        let mut host_flags = rustix::fs::fcntl_getfl(host).wasi()?;
        host_flags.set(rustix::fs::OFlags::APPEND, flags.contains(Fdflags::APPEND));
        host_flags.set(rustix::fs::OFlags::NONBLOCK, flags.contains(Fdflags::NONBLOCK));
        rustix::fs::fcntl_setfl(host, host_flags).wasi()?;
        e.flags = flags;
        Ok(())
    }

    fn fd_fdstat_set_rights(&mut self, fd: Fd, _base: Rights, _inheriting: Rights) -> Result<()> {
        // Rights are reported, not enforced (docs/security.md): there is
        // nothing to drop. wasmtime answers the same, and the official
        // suite reads `ENOTSUP` as "this host has no rights".
        self.table.get(fd)?;
        Err(Errno::NOTSUP)
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Result<Filestat> {
        let e = self.table.get(fd)?;
        let host = e.fd();
        let mut st = filestat(&rustix::fs::fstat(host).wasi()?);
        st.filetype = e.filetype;
        Ok(st)
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Result<()> {
        let e = self.table.get(fd)?.not_dir()?.resizable()?;
        let host = e.fd();
        if size > i64::MAX as u64 {
            return Err(Errno::FBIG);
        }
        retry(|| rustix::fs::ftruncate(host, size))
    }

    fn fd_filestat_set_times(&mut self, fd: Fd, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
        let e = self.table.get(fd)?.touchable()?;
        let host = e.fd();
        let times = path::timestamps(atim, mtim, flags)?;
        retry(|| rustix::fs::futimens(host, &times))
    }

    fn fd_pread(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>], offset: Filesize) -> Result<Size> {
        let host = self.table.get(fd)?.not_dir()?.seekable()?.fd();
        match bufs {
            [one] => retry(|| rustix::io::pread(host, &mut **one, offset)),
            _ => retry(|| rustix::io::preadv(host, bufs, offset)),
        }
        .map(size)
    }

    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat> {
        match &self.table.get(fd)?.preopen {
            Some(name) => Ok(Prestat::Dir { pr_name_len: size(name.len()) }),
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
        let host = self.table.get(fd)?.not_dir()?.seekable()?.fd();
        match bufs {
            [one] => retry(|| rustix::io::pwrite(host, one, offset)),
            _ => retry(|| rustix::io::pwritev(host, bufs, offset)),
        }
        .map(size)
    }

    fn fd_read(&mut self, fd: Fd, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        let e = self.table.get(fd)?.not_dir()?;
        let host = e.fd();
        if e.emulates_nonblock() {
            return nonblock::read(e.kind, host, bufs).map(size);
        }
        poll::wait_until_ready(e, rustix::event::PollFlags::IN, self.deadline)?;
        // One buffer is one read(2): readv(2) costs the kernel an iovec import.
        match bufs {
            [one] => retry(|| rustix::io::read(host, &mut **one)),
            _ => retry(|| rustix::io::readv(host, bufs)),
        }
        .map(size)
    }

    fn fd_readdir(&mut self, fd: Fd, buf: &mut [u8], cookie: Dircookie) -> Result<Size> {
        let e = self.table.get_mut(fd)?;
        e.directory()?;
        let stream = e.readdir.get_or_insert_with(|| Box::new(readdir::DirStream::new()));
        stream.read(e.host.as_fd(), buf, cookie).map(size)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Result<()> {
        self.table.renumber(fd, to)
    }

    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        let host = self.table.get(fd)?.not_dir()?.seekable()?.fd();
        let pos = match whence {
            Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
            Whence::Cur => SeekFrom::Current(offset),
            Whence::End => SeekFrom::End(offset),
        };
        retry(|| rustix::fs::seek(host, pos))
    }

    fn fd_sync(&mut self, fd: Fd) -> Result<()> {
        let host = self.table.get(fd)?.fd();
        retry(|| rustix::fs::fsync(host))
    }

    fn fd_tell(&mut self, fd: Fd) -> Result<Filesize> {
        let host = self.table.get(fd)?.not_dir()?.seekable()?.fd();
        retry(|| rustix::fs::seek(host, SeekFrom::Current(0)))
    }

    fn fd_write(&mut self, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size> {
        let e = self.table.get(fd)?.not_dir()?;
        let host = e.fd();
        if e.emulates_nonblock() {
            return nonblock::write(e.kind, host, bufs).map(size);
        }
        poll::wait_until_ready(e, rustix::event::PollFlags::OUT, self.deadline)?;
        match bufs {
            [one] => retry(|| rustix::io::write(host, one)),
            _ => retry(|| rustix::io::writev(host, bufs)),
        }
        .map(size)
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
        // The guest is its own process: a signal's default action applies
        // to it alone, never to the host.
        Ok(match sig.default_action() {
            SignalAction::Terminate => {
                let status = 128 + Exitcode::from(sig.raw());
                self.exit_code = Some(status);
                Raised::Terminate(status)
            }
            SignalAction::Ignore | SignalAction::Continue | SignalAction::Stop => Raised::Continue,
        })
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
        sockext::getaddrinfo(self.net.as_ref(), node, service, hints)
    }

    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.deadline = deadline;
    }
}
