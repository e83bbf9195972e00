//! [`UnixSystemBuilder`]: a [`UnixSystem`] from explicit capabilities
//! (arguments, environment, stdio, preopened directories and sockets, the
//! network grant, the resolver, limits).

use super::sandbox::Resolver;
use super::stat::classify;
use super::table::{Access, Entry, FdTable, Kind};
use super::{UnixSystem, stdio};
use crate::builder::{BuildError, pack};
use crate::file::VirtualFile;
use crate::net::NetPolicy;
use crate::vfs::{FileSystem, Handle};
use rustix::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use wasi_abi::{Fd, Fdflags, Filetype};

/// Where one of the guest's stdio fds leads.
enum Stdio {
    Fd(OwnedFd),
    /// A pipe another thread feeds (stdin's bytes) or drains (captured
    /// output), started when the system is built, given the stream's
    /// number. A function, so that a program that never asks for one links
    /// none of it (docs/footprint.md).
    Piped(PipeStart),
    /// Any other file.
    File(Box<dyn VirtualFile>),
}

/// Starts a piped stream ([`Stdio::Piped`]): the guest's end, and the
/// capture that drains it, if it is one.
type PipeStart = Box<dyn FnOnce(usize) -> std::io::Result<(OwnedFd, Option<stdio::Capture>)> + Send>;

impl std::fmt::Debug for Stdio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stdio::Fd(fd) => f.debug_tuple("Fd").field(fd).finish(),
            Stdio::Piped(_) => f.write_str("Piped"),
            Stdio::File(file) => f.debug_tuple("File").field(file).finish(),
        }
    }
}

/// What a preopen holds.
#[derive(Debug)]
enum PreopenDir {
    Host(OwnedFd),
    Mount(Arc<dyn FileSystem>),
}

/// A directory handed to the guest.
#[derive(Debug)]
struct Preopen {
    dir: PreopenDir,
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
    pub fn stdin(self, fd: OwnedFd) -> Self {
        self.with_stdio(0, Stdio::Fd(fd))
    }

    /// Gives the guest a pipe holding `bytes` as its stdin: it reads them,
    /// then end-of-file.
    #[must_use]
    pub fn stdin_bytes(self, bytes: impl Into<Vec<u8>>) -> Self {
        let bytes = bytes.into();
        self.with_stdio(0, Stdio::Piped(Box::new(move |_| Ok((stdio::feed(bytes)?, None)))))
    }

    /// Gives the guest `fd` as its stdout (fd 1). Writes go straight to it,
    /// unbuffered.
    #[must_use]
    pub fn stdout(self, fd: OwnedFd) -> Self {
        self.with_stdio(1, Stdio::Fd(fd))
    }

    /// Captures up to `capacity` bytes of what the guest writes to stdout
    /// (a pipe drained into memory); [`UnixSystem::into_output`] returns
    /// them. Past the capacity the guest's writes still succeed, and what
    /// they carry is dropped and counted ([`Output::stdout_dropped`](crate::unix::Output::stdout_dropped)): host
    /// memory stays bounded whatever the guest writes.
    #[must_use]
    pub fn capture_stdout(self, capacity: usize) -> Self {
        self.with_stdio(1, capture(capacity))
    }

    /// Gives the guest `fd` as its stderr (fd 2), unbuffered.
    #[must_use]
    pub fn stderr(self, fd: OwnedFd) -> Self {
        self.with_stdio(2, Stdio::Fd(fd))
    }

    /// Captures up to `capacity` bytes of what the guest writes to stderr,
    /// as [`Self::capture_stdout`] does for stdout.
    #[must_use]
    pub fn capture_stderr(self, capacity: usize) -> Self {
        self.with_stdio(2, capture(capacity))
    }

    /// Preopens the directory `fd` under the guest name `guest`. Preopens
    /// are numbered from 3 in the order they are added.
    #[must_use]
    pub fn preopen_dir(self, fd: OwnedFd, guest: impl Into<String>) -> Self {
        self.with_preopen(PreopenDir::Host(fd), guest.into(), false)
    }

    /// Preopens `fd` read-only: nothing beneath it can be created, changed
    /// or removed through the guest (`EPERM`, as wasmtime answers).
    #[must_use]
    pub fn preopen_dir_readonly(self, fd: OwnedFd, guest: impl Into<String>) -> Self {
        self.with_preopen(PreopenDir::Host(fd), guest.into(), true)
    }

    /// Mounts the file system `fs` (a [`MemoryFs`](crate::vfs::MemoryFs),
    /// an archive, an overlay, or the embedder's own [`FileSystem`]) as a
    /// preopened directory under the guest name `guest`, numbered with the
    /// host directories in the order added. It is read-only if the file
    /// system says it cannot change ([`FileSystem::writable`]).
    #[must_use]
    pub fn mount(self, fs: Arc<dyn FileSystem>, guest: impl Into<String>) -> Self {
        let readonly = !fs.writable();
        self.with_preopen(PreopenDir::Mount(fs), guest.into(), readonly)
    }

    /// Mounts `fs` read-only, whatever it allows: nothing beneath it can be
    /// created, changed or removed through the guest (`EPERM`).
    #[must_use]
    pub fn mount_read_only(self, fs: Arc<dyn FileSystem>, guest: impl Into<String>) -> Self {
        self.with_preopen(PreopenDir::Mount(fs), guest.into(), true)
    }

    /// Gives the guest `file` as its stdin (fd 0).
    #[must_use]
    pub fn stdin_file(self, file: impl VirtualFile + 'static) -> Self {
        self.with_stdio(0, Stdio::File(Box::new(file)))
    }

    /// Gives the guest `file` as its stdout (fd 1): every write goes to
    /// its [`VirtualFile::write`], in the calling thread.
    #[must_use]
    pub fn stdout_file(self, file: impl VirtualFile + 'static) -> Self {
        self.with_stdio(1, Stdio::File(Box::new(file)))
    }

    /// Gives the guest `file` as its stderr (fd 2).
    #[must_use]
    pub fn stderr_file(self, file: impl VirtualFile + 'static) -> Self {
        self.with_stdio(2, Stdio::File(Box::new(file)))
    }

    fn with_stdio(mut self, fd: usize, stdio: Stdio) -> Self {
        self.stdio[fd] = Some(stdio);
        self
    }

    fn with_preopen(mut self, dir: PreopenDir, guest: String, readonly: bool) -> Self {
        self.preopens.push(Preopen { dir, guest, readonly });
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
        let (args, env) = pack(&self.args, &self.env)?;
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
                Some(Stdio::File(file)) => {
                    let mut entry = Entry::virtual_file(file);
                    entry.stdio = true;
                    slots.push(Some(entry));
                    continue;
                }
                Some(Stdio::Fd(fd)) => fd,
                Some(Stdio::Piped(start)) => {
                    let (fd, capture) = start(i).map_err(pipe_err)?;
                    if let (Some(capture), Some(slot)) = (capture, captures.get_mut(i.wrapping_sub(1))) {
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
            entry.stdio = true;
            slots.push(Some(entry));
        }
        for p in self.preopens {
            if p.guest.is_empty() {
                return Err(BuildError::EmptyGuestName);
            }
            let mut entry = match p.dir {
                PreopenDir::Mount(fs) => {
                    let root = fs.root();
                    if fs.stat(root).map(|st| st.filetype) != Ok(Filetype::Directory) {
                        return Err(BuildError::NotADirectory(p.guest));
                    }
                    Entry::mounted(Handle::new(fs, root, Filetype::Directory, true, false), p.readonly)
                }
                PreopenDir::Host(fd) => match classify(fd.as_fd()) {
                    Ok((Kind::Dir, filetype)) => {
                        let access = Access::of_fd(fd.as_fd());
                        Entry::new(fd, Kind::Dir, filetype, access)
                    }
                    _ => return Err(BuildError::NotADirectory(p.guest)),
                },
            };
            entry.preopen = Some(p.guest.into_boxed_str());
            entry.readonly = p.readonly;
            slots.push(Some(entry));
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
            random: crate::random::Pool::default(),
            exit_code: None,
            captures,
            deadline: None,
        })
    }
}

/// Output captured in memory, at most `capacity` bytes ([`Stdio::Piped`]).
fn capture(capacity: usize) -> Stdio {
    Stdio::Piped(Box::new(move |i| {
        let (capture, fd) = stdio::Capture::start(if i == 1 { "stdout" } else { "stderr" }, capacity)?;
        Ok((fd, Some(capture)))
    }))
}

/// The host's flags on an fd, as `fdflags`.
fn host_fdflags(entry: &Entry) -> Fdflags {
    let Ok(Ok(fl)) = entry.fd().map(rustix::fs::fcntl_getfl) else { return Fdflags::empty() };
    let mut flags = Fdflags::empty();
    if fl.contains(rustix::fs::OFlags::APPEND) {
        flags |= Fdflags::APPEND;
    }
    if fl.contains(rustix::fs::OFlags::NONBLOCK) {
        flags |= Fdflags::NONBLOCK;
    }
    flags
}
