//! What differs between Unix and Windows hosts for the command: the
//! system type, this process's stdio handed to the guest, opening
//! `--dir` directories and the `--trace` file.

#[cfg(unix)]
pub(crate) use unix::*;
#[cfg(windows)]
pub(crate) use windows::*;

#[cfg(unix)]
mod unix {
    use std::os::fd::{BorrowedFd, OwnedFd};
    use std::path::Path;
    pub(crate) use wasi_preview1::unix::UnixSystem as HostSystem;
    use wasi_preview1::unix::{UnixSystemBuilder, sandbox::Resolver};

    /// Which of fds 0, 1 and 2 were open when wasi-run started. A closed
    /// one is filled with `/dev/null` (so nothing opened later takes its
    /// number and is mistaken for stdio), and the guest gets no fd there.
    pub(crate) fn hold_stdio_numbers() -> [bool; 3] {
        // rustix's, not std's: `std::io::stdin()` allocates its 8 KiB
        // buffer, which the CLI never reads through.
        let fds = [rustix::stdio::stdin(), rustix::stdio::stdout(), rustix::stdio::stderr()];
        let mut open = [true; 3];
        for (fd, is_open) in fds.into_iter().zip(&mut open) {
            if rustix::io::fcntl_getfd(fd).is_err() {
                *is_open = false;
                // Opened on the lowest free number, which is this one; kept
                // open for the whole run.
                if let Ok(null) = rustix::fs::open("/dev/null", rustix::fs::OFlags::RDWR, rustix::fs::Mode::empty()) {
                    std::mem::forget(null);
                }
            }
        }
        open
    }

    /// A duplicate of one of this process's stdio fds, if it was open.
    fn dup_stdio(fd: BorrowedFd<'_>, was_open: bool) -> Option<OwnedFd> {
        if !was_open {
            return None;
        }
        rustix::io::fcntl_dupfd_cloexec(fd, 3).ok()
    }

    /// Gives the guest duplicates of the stdio fds that were open.
    pub(crate) fn stdio(mut b: UnixSystemBuilder, open: [bool; 3]) -> UnixSystemBuilder {
        if let Some(fd) = dup_stdio(rustix::stdio::stdin(), open[0]) {
            b = b.stdin(fd);
        }
        if let Some(fd) = dup_stdio(rustix::stdio::stdout(), open[1]) {
            b = b.stdout(fd);
        }
        if let Some(fd) = dup_stdio(rustix::stdio::stderr(), open[2]) {
            b = b.stderr(fd);
        }
        b
    }

    /// Opens a `--dir` directory.
    pub(crate) fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
        wasi_preview1::unix::open_dir(path)
    }

    /// `--path-resolution`.
    pub(crate) fn resolver(b: UnixSystemBuilder, manual: bool) -> UnixSystemBuilder {
        b.resolver(if manual { Resolver::Manual } else { Resolver::Auto })
    }

    /// Creates (or truncates) a file readable by this user only.
    pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
        // A file that existed before keeps its mode unless it is set.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
}

#[cfg(windows)]
mod windows {
    use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};
    use std::path::Path;
    pub(crate) use wasi_preview1::windows::WindowsSystem as HostSystem;
    use wasi_preview1::windows::WindowsSystemBuilder;

    /// Which of this process's stdio handles exist (a process started
    /// without one has a null handle there, and the guest gets no fd).
    pub(crate) fn hold_stdio_numbers() -> [bool; 3] {
        let open = |h: std::os::windows::io::BorrowedHandle<'_>| !h.as_raw_handle().is_null();
        [open(std::io::stdin().as_handle()), open(std::io::stdout().as_handle()), open(std::io::stderr().as_handle())]
    }

    fn dup(h: std::os::windows::io::BorrowedHandle<'_>, was_open: bool) -> Option<OwnedHandle> {
        if was_open { h.try_clone_to_owned().ok() } else { None }
    }

    /// Gives the guest duplicates of the stdio handles that exist.
    pub(crate) fn stdio(mut b: WindowsSystemBuilder, open: [bool; 3]) -> WindowsSystemBuilder {
        if let Some(h) = dup(std::io::stdin().as_handle(), open[0]) {
            b = b.stdin(h);
        }
        if let Some(h) = dup(std::io::stdout().as_handle(), open[1]) {
            b = b.stdout(h);
        }
        if let Some(h) = dup(std::io::stderr().as_handle(), open[2]) {
            b = b.stderr(h);
        }
        b
    }

    /// Opens a `--dir` directory.
    pub(crate) fn open_dir(path: &Path) -> std::io::Result<OwnedHandle> {
        wasi_preview1::windows::open_dir(path)
    }

    /// `--path-resolution`: Windows has one resolver (one name at a time
    /// beneath a held handle), which both modes name.
    pub(crate) fn resolver(b: WindowsSystemBuilder, _manual: bool) -> WindowsSystemBuilder {
        b
    }

    /// Creates (or truncates) a file this user alone may open (an access
    /// list in place of the directory's inherited one).
    pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
        wasi_preview1::windows::create_owner_only(path)
    }
}
