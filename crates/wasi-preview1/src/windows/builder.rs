//! [`WindowsSystemBuilder`]: a [`WindowsSystem`] from explicit
//! capabilities, as [`UnixSystemBuilder`](crate) does on Unix: arguments,
//! environment, stdio handles, preopened directories (each a [`HostDir`])
//! and sockets, mounts, limits.

use super::hostfs::HostDir;
use super::sock::Socket;
use super::stdio::{Capture, Captured, Stdio};
use super::{Entry, Object, WindowsSystem};
use crate::builder::{BuildError, pack};
use crate::file::{MemoryFile, VirtualFile};
use crate::net::NetPolicy;
use crate::vfs::{FileSystem, Handle};
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{AsHandle, OwnedHandle, OwnedSocket};
use std::path::Path;
use std::sync::{Arc, Mutex};
use wasi_abi::{Fdflags, Filetype};

/// Where one of the guest's stdio fds leads.
#[derive(Debug)]
enum StdioSpec {
    Handle(OwnedHandle),
    File(Box<dyn VirtualFile>),
    Capture(usize),
}

#[derive(Debug)]
struct Preopen {
    fs: Arc<dyn FileSystem>,
    guest: String,
    readonly: bool,
}

/// Builds a [`WindowsSystem`].
#[derive(Debug, Default)]
pub struct WindowsSystemBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    stdio: [Option<StdioSpec>; 3],
    preopens: Vec<Preopen>,
    /// Host directories, opened when the system is built (so that a bad
    /// one is a [`BuildError`]).
    pending: Vec<(OwnedHandle, String, bool)>,
    sockets: Vec<OwnedSocket>,
    net: Option<NetPolicy>,
    max_open: Option<usize>,
}

/// Opens a host directory for [`WindowsSystemBuilder::preopen_dir`]:
/// enough access to list it and open names beneath it, shared with every
/// other opener (so the tree can still be changed by others).
///
/// # Errors
/// The host's error, or `NotADirectory`-like `io::Error` if `path` is no
/// directory.
pub fn open_dir(path: &Path) -> std::io::Result<OwnedHandle> {
    use windows_sys::Win32::Storage::FileSystem as fs;
    let file = std::fs::OpenOptions::new()
        .access_mode(fs::FILE_LIST_DIRECTORY | fs::FILE_TRAVERSE | fs::FILE_READ_ATTRIBUTES | fs::SYNCHRONIZE)
        .share_mode(fs::FILE_SHARE_READ | fs::FILE_SHARE_WRITE | fs::FILE_SHARE_DELETE)
        .custom_flags(fs::FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)?;
    if !file.metadata()?.is_dir() {
        return Err(std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"));
    }
    Ok(file.into())
}

impl WindowsSystemBuilder {
    /// Appends one argument (the first is the program name).
    #[must_use]
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Appends arguments.
    #[must_use]
    pub fn args<I: IntoIterator<Item = A>, A: AsRef<[u8]>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_vec()));
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

    /// Sets environment variables from (name, value) pairs.
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

    /// Gives the guest this process's environment (as UTF-8).
    #[must_use]
    pub fn inherit_env(self) -> Self {
        let vars: Vec<(String, String)> = std::env::vars_os()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
            .collect();
        self.envs(vars)
    }

    /// Gives the guest duplicates of this process's stdin, stdout and
    /// stderr (those that are open).
    #[must_use]
    pub fn inherit_stdio(mut self) -> Self {
        let handles = [
            std::io::stdin().as_handle().try_clone_to_owned(),
            std::io::stdout().as_handle().try_clone_to_owned(),
            std::io::stderr().as_handle().try_clone_to_owned(),
        ];
        for (slot, h) in self.stdio.iter_mut().zip(handles) {
            if let Ok(h) = h {
                *slot = Some(StdioSpec::Handle(h));
            }
        }
        self
    }

    /// Gives the guest `handle` as its stdin.
    #[must_use]
    pub fn stdin(mut self, handle: OwnedHandle) -> Self {
        self.stdio[0] = Some(StdioSpec::Handle(handle));
        self
    }

    /// Gives the guest `handle` as its stdout.
    #[must_use]
    pub fn stdout(mut self, handle: OwnedHandle) -> Self {
        self.stdio[1] = Some(StdioSpec::Handle(handle));
        self
    }

    /// Gives the guest `handle` as its stderr.
    #[must_use]
    pub fn stderr(mut self, handle: OwnedHandle) -> Self {
        self.stdio[2] = Some(StdioSpec::Handle(handle));
        self
    }

    /// Gives the guest `bytes` as its stdin: it reads them, then end-of-file.
    #[must_use]
    pub fn stdin_bytes(self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin_file(MemoryFile::with_contents(bytes.into()))
    }

    /// Gives the guest `file` as its stdin.
    #[must_use]
    pub fn stdin_file(mut self, file: impl VirtualFile + 'static) -> Self {
        self.stdio[0] = Some(StdioSpec::File(Box::new(file)));
        self
    }

    /// Gives the guest `file` as its stdout.
    #[must_use]
    pub fn stdout_file(mut self, file: impl VirtualFile + 'static) -> Self {
        self.stdio[1] = Some(StdioSpec::File(Box::new(file)));
        self
    }

    /// Gives the guest `file` as its stderr.
    #[must_use]
    pub fn stderr_file(mut self, file: impl VirtualFile + 'static) -> Self {
        self.stdio[2] = Some(StdioSpec::File(Box::new(file)));
        self
    }

    /// Captures up to `capacity` bytes of the guest's stdout (the rest is
    /// counted and dropped); [`WindowsSystem::into_output`] returns them.
    #[must_use]
    pub fn capture_stdout(mut self, capacity: usize) -> Self {
        self.stdio[1] = Some(StdioSpec::Capture(capacity));
        self
    }

    /// Captures up to `capacity` bytes of the guest's stderr.
    #[must_use]
    pub fn capture_stderr(mut self, capacity: usize) -> Self {
        self.stdio[2] = Some(StdioSpec::Capture(capacity));
        self
    }

    /// Preopens the host directory `handle` (see [`open_dir`]) under the
    /// guest name `guest`; preopens are numbered from 3 in the order added.
    #[must_use]
    pub fn preopen_dir(mut self, handle: OwnedHandle, guest: impl Into<String>) -> Self {
        self.pending.push((handle, guest.into(), false));
        self
    }

    /// Preopens `handle` read-only (`EPERM` for every change).
    #[must_use]
    pub fn preopen_dir_readonly(mut self, handle: OwnedHandle, guest: impl Into<String>) -> Self {
        self.pending.push((handle, guest.into(), true));
        self
    }

    /// Mounts the file system `fs` under the guest name `guest`.
    #[must_use]
    pub fn mount(mut self, fs: Arc<dyn FileSystem>, guest: impl Into<String>) -> Self {
        let readonly = !fs.writable();
        self.preopens.push(Preopen { fs, guest: guest.into(), readonly });
        self
    }

    /// Mounts `fs` read-only.
    #[must_use]
    pub fn mount_read_only(mut self, fs: Arc<dyn FileSystem>, guest: impl Into<String>) -> Self {
        self.preopens.push(Preopen { fs, guest: guest.into(), readonly: true });
        self
    }

    /// Preopens a TCP listener or stream, numbered after every directory.
    #[must_use]
    pub fn preopen_socket(mut self, socket: OwnedSocket) -> Self {
        self.sockets.push(socket);
        self
    }

    /// Grants the guest the network (the WasmEdge socket calls).
    #[must_use]
    pub fn network(mut self, policy: NetPolicy) -> Self {
        self.net = Some(policy);
        self
    }

    /// Limits how many fds the guest may hold open at once.
    #[must_use]
    pub fn max_open_files(mut self, max: usize) -> Self {
        self.max_open = Some(max);
        self
    }

    /// Builds the system.
    ///
    /// # Errors
    /// [`BuildError`] for bad arguments or variables, and preopens that are
    /// not directories or sockets.
    pub fn build(self) -> Result<WindowsSystem, BuildError> {
        let (args, env) = pack(&self.args, &self.env)?;
        let mut slots: Vec<Option<Entry>> = Vec::new();
        let mut captures: [Option<Arc<Mutex<Captured>>>; 2] = [None, None];
        for (i, spec) in self.stdio.into_iter().enumerate() {
            let (mut device, mut append) = (false, false);
            let file: Box<dyn VirtualFile> = match spec {
                None => {
                    slots.push(None);
                    continue;
                }
                Some(StdioSpec::Handle(h)) => {
                    let s = Stdio::new(h, i as u32);
                    device = s.is_device();
                    append = s.is_append();
                    Box::new(s)
                }
                Some(StdioSpec::File(f)) => f,
                Some(StdioSpec::Capture(capacity)) => {
                    let into = Arc::new(Mutex::new(Captured::default()));
                    if let Some(slot) = captures.get_mut(i.wrapping_sub(1)) {
                        *slot = Some(into.clone());
                    }
                    Box::new(Capture { into, capacity })
                }
            };
            let mut entry = Entry::new(Object::File(file));
            entry.device = device;
            entry.stdio = true;
            if append {
                entry.flags = Fdflags::APPEND;
            }
            slots.push(Some(entry));
        }
        // Host directories first, in the order added, then mounts.
        let mut preopens = Vec::new();
        for (handle, guest, readonly) in self.pending {
            let dir = HostDir::new(handle, !readonly).map_err(|_| BuildError::NotADirectory(guest.clone()))?;
            preopens.push(Preopen { fs: Arc::new(dir), guest, readonly });
        }
        preopens.extend(self.preopens);
        for p in preopens {
            if p.guest.is_empty() {
                return Err(BuildError::EmptyGuestName);
            }
            let root = p.fs.root();
            if p.fs.stat(root).map(|st| st.filetype) != Ok(Filetype::Directory) {
                return Err(BuildError::NotADirectory(p.guest));
            }
            let mut entry = Entry::new(Object::Mount(Handle::new(p.fs, root, Filetype::Directory, true, false)));
            entry.preopen = Some(p.guest.into_boxed_str());
            entry.readonly = p.readonly;
            slots.push(Some(entry));
        }
        for s in self.sockets {
            let socket = Socket::preopened(s);
            let mut entry = Entry::new(Object::Socket(socket));
            entry.flags = Fdflags::NONBLOCK;
            slots.push(Some(entry));
        }
        let mut table = crate::fdtable::FdTable::default();
        table.fill(slots);
        table.set_max_open(self.max_open);
        Ok(WindowsSystem {
            args,
            env,
            table,
            net: self.net,
            random: crate::random::Pool::default(),
            exit_code: None,
            captures,
            deadline: None,
        })
    }
}
