//! Which host facilities a call uses: the Linux fast paths where this OS
//! has them, and the portable paths every Unix has.
//!
//! | facility | Linux | Android | macOS, iOS, FreeBSD | portable mode |
//! | --- | --- | --- | --- | --- |
//! | path resolution | `openat2`, else the component walk | the component walk | the component walk | the component walk |
//! | held directories | `O_PATH` | `O_PATH` | `O_RDONLY \| O_DIRECTORY` | `O_RDONLY \| O_DIRECTORY` |
//! | non-blocking stdio | `RWF_NOWAIT`, else readiness then transfer | readiness then transfer | readiness then transfer | readiness then transfer |
//! | `fd_readdir` | `getdents64` batches | `getdents64` batches | the directory stream | the directory stream |
//! | `poll_oneoff` sleeps | absolute `clock_nanosleep`, timer slack | the same | relative sleeps to the deadline | relative sleeps to the deadline |
//!
//! **Portable mode** makes a Linux build take the right-hand column: set
//! `WASI_RUN_PORTABLE=1` in the environment of the process (read once,
//! at the first call that asks). It exists so that the paths the other
//! OSes take are run by the whole test suite on Linux; it changes no
//! result, only how it is reached (docs/platforms.md).

use std::sync::atomic::{AtomicU8, Ordering};

/// 0: not read yet; 1: the fast paths; 2: portable mode.
static MODE: AtomicU8 = AtomicU8::new(0);

/// The environment variable that turns portable mode on (`1`).
pub const PORTABLE_ENV: &str = "WASI_RUN_PORTABLE";

/// Whether this process takes only the portable paths: always on OSes
/// without the Linux fast paths; on Linux and Android when
/// [`PORTABLE_ENV`] is `1`.
#[must_use]
#[inline]
pub fn portable() -> bool {
    if cfg!(not(any(target_os = "linux", target_os = "android"))) {
        return true;
    }
    match MODE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let portable = std::env::var_os(PORTABLE_ENV).is_some_and(|v| v == "1");
            MODE.store(if portable { 2 } else { 1 }, Ordering::Relaxed);
            portable
        }
    }
}

/// Whether the Linux-kernel fast paths (`O_PATH`, `getdents64`, absolute
/// sleeps with timer slack) are taken.
#[inline]
pub(crate) fn linux_fast() -> bool {
    cfg!(any(target_os = "linux", target_os = "android")) && !portable()
}

/// How a directory is held open only to resolve names beneath it.
#[inline]
pub(crate) fn dir_handle() -> rustix::fs::OFlags {
    use rustix::fs::OFlags;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if linux_fast() {
        return OFlags::PATH | OFlags::DIRECTORY;
    }
    OFlags::RDONLY | OFlags::DIRECTORY
}

/// Whether `flags` open a bare handle (`O_PATH`), which may name a symlink
/// itself and allows no I/O.
#[inline]
pub(crate) fn is_path_handle(flags: rustix::fs::OFlags) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        flags.contains(rustix::fs::OFlags::PATH)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = flags;
        false
    }
}

/// `MSG_NOSIGNAL`, where the system has it. Apple systems have none: their
/// sockets carry `SO_NOSIGPIPE` from creation instead ([`socket`],
/// [`accept`]).
#[inline]
pub(crate) fn no_sigpipe() -> rustix::net::SendFlags {
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        rustix::net::SendFlags::empty()
    }
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    {
        rustix::net::SendFlags::NOSIGNAL
    }
}

/// A new socket, close-on-exec, that never raises `SIGPIPE`.
pub(crate) fn socket(
    family: rustix::net::AddressFamily,
    ty: rustix::net::SocketType,
) -> rustix::io::Result<rustix::fd::OwnedFd> {
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        // No SOCK_CLOEXEC: set right after (a fork by another thread in
        // between could inherit it; wasi-run forks nothing).
        let fd = rustix::net::socket(family, ty, None)?;
        apple_socket_flags(&fd, false)?;
        Ok(fd)
    }
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    {
        rustix::net::socket_with(family, ty, rustix::net::SocketFlags::CLOEXEC, None)
    }
}

/// `accept`: the new connection close-on-exec (and non-blocking if asked),
/// never raising `SIGPIPE`.
pub(crate) fn accept(listener: rustix::fd::BorrowedFd<'_>, nonblock: bool) -> rustix::io::Result<rustix::fd::OwnedFd> {
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        let fd = rustix::net::accept(listener)?;
        apple_socket_flags(&fd, nonblock)?;
        Ok(fd)
    }
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    {
        use rustix::net::SocketFlags;
        let flags = if nonblock { SocketFlags::CLOEXEC | SocketFlags::NONBLOCK } else { SocketFlags::CLOEXEC };
        rustix::net::accept_with(listener, flags)
    }
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
fn apple_socket_flags(fd: &rustix::fd::OwnedFd, nonblock: bool) -> rustix::io::Result<()> {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?;
    rustix::net::sockopt::set_socket_nosigpipe(fd, true)?;
    if nonblock {
        let fl = rustix::fs::fcntl_getfl(fd)?;
        rustix::fs::fcntl_setfl(fd, fl | rustix::fs::OFlags::NONBLOCK)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CI runs the suite with and without the variable: each run checks
    /// that the paths it meant to take are the ones taken.
    #[test]
    fn portable_mode_follows_the_environment() {
        let asked = std::env::var_os(PORTABLE_ENV).is_some_and(|v| v == "1");
        let linux = cfg!(any(target_os = "linux", target_os = "android"));
        assert_eq!(portable(), asked || !linux);
        assert_eq!(linux_fast(), linux && !asked);
        assert_eq!(is_path_handle(dir_handle()), linux_fast());
    }
}
