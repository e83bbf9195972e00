//! What differs between Unix and Windows hosts: the system type, how a host
//! file is held (an fd, a `HANDLE`), paths from C strings, this process's
//! own stdio, and the one function each platform has alone
//! (`wasirun_config_stdio_fd` on Unix, `wasirun_config_stdio_handle` on
//! Windows). Everything else in the C API is the same on both.

use crate::config::{StdioChoice, stream};
use crate::wasirun_config;
use std::path::PathBuf;

#[cfg(unix)]
pub(crate) use wasi_preview1::unix::{
    MountKind, Output, UnixSystem as HostSystem, UnixSystemBuilder as HostBuilder, open_dir, open_mount,
};
#[cfg(windows)]
pub(crate) use wasi_preview1::windows::{
    MountKind, Output, WindowsSystem as HostSystem, WindowsSystemBuilder as HostBuilder, open_dir, open_mount,
};

/// The system every run and instance gets: the host's, with deterministic
/// clocks if the config asks. One type for both, so the host module is
/// compiled once (docs/footprint.md).
pub(crate) type CSystem = wasi_preview1::MaybeDeterministic<HostSystem>;

/// A host file the config holds: an fd on Unix, a handle on Windows.
#[cfg(unix)]
pub(crate) type HostFile = std::os::fd::OwnedFd;
/// A host file the config holds: an fd on Unix, a handle on Windows.
#[cfg(windows)]
pub(crate) type HostFile = std::os::windows::io::OwnedHandle;

/// A path from a C string: any bytes on Unix, UTF-8 on Windows.
pub(crate) fn path_of(bytes: &[u8]) -> Result<PathBuf, String> {
    #[cfg(unix)]
    return Ok(PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes)));
    #[cfg(windows)]
    return std::str::from_utf8(bytes).map(PathBuf::from).map_err(|_| "the path is not UTF-8".to_string());
}

/// A duplicate of this process's stdio stream `which` (0, 1, 2), if it
/// has one.
pub(crate) fn own_stdio(which: usize) -> Option<HostFile> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = match which {
            0 => std::io::stdin().as_fd().try_clone_to_owned(),
            1 => std::io::stdout().as_fd().try_clone_to_owned(),
            _ => std::io::stderr().as_fd().try_clone_to_owned(),
        };
        fd.ok()
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::{AsHandle, AsRawHandle, BorrowedHandle, OwnedHandle};
        fn dup(h: BorrowedHandle<'_>) -> Option<OwnedHandle> {
            if h.as_raw_handle().is_null() { None } else { h.try_clone_to_owned().ok() }
        }
        match which {
            0 => dup(std::io::stdin().as_handle()),
            1 => dup(std::io::stdout().as_handle()),
            _ => dup(std::io::stderr().as_handle()),
        }
    }
}

/// Gives the guest `file` as its stdio stream `which`.
pub(crate) fn set_stdio(b: HostBuilder, which: usize, file: HostFile) -> HostBuilder {
    match which {
        0 => b.stdin(file),
        1 => b.stdout(file),
        _ => b.stderr(file),
    }
}

/// Connects stdio stream `which` (0, 1 or 2) to a duplicate of the host fd
/// `fd` (the caller keeps `fd`; each run gets its own duplicate). Returns
/// `false` if `which` is not 0, 1 or 2, or `fd` cannot be duplicated. Unix
/// only (`wasirun_config_stdio_handle` on Windows).
///
/// # Safety
/// `config` is null or a live config; `fd` is an open fd.
#[cfg(unix)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_stdio_fd(
    config: *mut wasirun_config,
    which: std::ffi::c_int,
    fd: std::ffi::c_int,
) -> bool {
    if fd < 0 {
        return false;
    }
    // SAFETY: open by the caller's contract; only duplicated, never closed.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let Ok(dup) = borrowed.try_clone_to_owned() else { return false };
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) => {
            *s = StdioChoice::File(dup);
            true
        }
        None => false,
    }
}

/// Connects stdio stream `which` (0, 1 or 2) to a duplicate of the host
/// `HANDLE` `handle` (a file, pipe, console or `NUL`; the caller keeps
/// `handle`; each run gets its own duplicate). Returns `false` if `which`
/// is not 0, 1 or 2, or `handle` cannot be duplicated. Windows only
/// (`wasirun_config_stdio_fd` on Unix).
///
/// # Safety
/// `config` is null or a live config; `handle` is an open handle.
#[cfg(windows)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_stdio_handle(
    config: *mut wasirun_config,
    which: std::ffi::c_int,
    handle: *mut std::ffi::c_void,
) -> bool {
    if handle.is_null() {
        return false;
    }
    // SAFETY: open by the caller's contract; only duplicated, never closed.
    let borrowed = unsafe { std::os::windows::io::BorrowedHandle::borrow_raw(handle) };
    let Ok(dup) = borrowed.try_clone_to_owned() else { return false };
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) => {
            *s = StdioChoice::File(dup);
            true
        }
        None => false,
    }
}
