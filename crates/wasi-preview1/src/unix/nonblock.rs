//! Non-blocking I/O on file descriptions shared with other processes.
//!
//! The guest's stdio are duplicates of the host's: they share one open
//! file description (and its `O_NONBLOCK` flag) with the user's terminal,
//! the shell's pipes and every other process holding them. Setting
//! `O_NONBLOCK` there would change the flag for all of them, during the run
//! and after it. So on a shared fd the guest's `NONBLOCK` is only recorded,
//! and each transfer is made non-blocking by itself:
//!
//! - sockets: `recvmsg`/`sendmsg` with `MSG_DONTWAIT`;
//! - pipes and FIFOs on Linux: `preadv2`/`pwritev2` with `RWF_NOWAIT`;
//! - terminals, devices without `RWF_NOWAIT`, and every stream on the
//!   other systems (and in portable mode): a zero-timeout `poll` first,
//!   `EAGAIN` if the fd is not ready, then the transfer. Another process
//!   sharing the description may take the data between the two, and the
//!   transfer then blocks until more comes (docs/platforms.md).
//!
//! Sockets are `MSG_NOSIGNAL` where the system has it; elsewhere the
//! socket carries `SO_NOSIGPIPE` from its creation.
//!
//! fds the system opened itself have no other users: there the host flag
//! is set directly.

use super::errno::HostResult;
use super::table::Kind;
use rustix::event::{PollFd, PollFlags};
use rustix::fd::BorrowedFd;
use rustix::io::Errno as Host;
use rustix::net::{RecvAncillaryBuffer, RecvFlags, SendAncillaryBuffer, SendFlags};
use std::io::{IoSlice, IoSliceMut};
use wasi_abi::Errno;

/// "The current file position", for `preadv2`/`pwritev2`.
#[cfg(target_os = "linux")]
const CURRENT_POSITION: u64 = u64::MAX;

/// Whether `fd` is ready for `flags` right now.
fn ready(fd: BorrowedFd<'_>, flags: PollFlags) -> Result<bool, Errno> {
    let mut fds = [PollFd::from_borrowed_fd(fd, flags)];
    loop {
        match rustix::event::poll(&mut fds, Some(&rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 })) {
            Ok(n) => return Ok(n > 0),
            Err(Host::INTR) => continue,
            Err(e) => return Err(super::errno::from_host(e)),
        }
    }
}

/// A read that never blocks, from a shared stream or socket.
pub(crate) fn read(kind: Kind, fd: BorrowedFd<'_>, bufs: &mut [IoSliceMut<'_>]) -> Result<usize, Errno> {
    if kind == Kind::Socket {
        let flags = RecvFlags::DONTWAIT;
        return rustix::net::recvmsg(fd, bufs, &mut RecvAncillaryBuffer::default(), flags).map(|m| m.bytes).wasi();
    }
    stream(fd, PollFlags::IN, |nowait| {
        #[cfg(target_os = "linux")]
        if nowait {
            return rustix::io::preadv2(fd, bufs, CURRENT_POSITION, rustix::io::ReadWriteFlags::NOWAIT);
        }
        let _ = nowait;
        rustix::io::readv(fd, bufs)
    })
}

/// A write that never blocks, to a shared stream or socket.
pub(crate) fn write(kind: Kind, fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> Result<usize, Errno> {
    if kind == Kind::Socket {
        let flags = SendFlags::DONTWAIT | super::platform::no_sigpipe();
        return rustix::net::sendmsg(fd, bufs, &mut SendAncillaryBuffer::default(), flags).wasi();
    }
    stream(fd, PollFlags::OUT, |nowait| {
        #[cfg(target_os = "linux")]
        if nowait {
            return rustix::io::pwritev2(fd, bufs, CURRENT_POSITION, rustix::io::ReadWriteFlags::NOWAIT);
        }
        let _ = nowait;
        rustix::io::writev(fd, bufs)
    })
}

/// A transfer on a shared stream: `transfer(true)` (with `RWF_NOWAIT`,
/// Linux only) unless the stream does not support it, else readiness for
/// `want` and then `transfer(false)`.
fn stream(
    fd: BorrowedFd<'_>,
    want: PollFlags,
    mut transfer: impl FnMut(bool) -> rustix::io::Result<usize>,
) -> Result<usize, Errno> {
    if cfg!(target_os = "linux") && super::platform::linux_fast() {
        match transfer(true) {
            Err(Host::OPNOTSUPP | Host::INVAL) => {}
            r => return r.wasi(),
        }
    }
    if !ready(fd, want)? {
        return Err(Errno::AGAIN);
    }
    transfer(false).wasi()
}

/// An accept that never blocks, on a shared listening socket.
pub(crate) fn ready_to_accept(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    if ready(fd, PollFlags::IN)? { Ok(()) } else { Err(Errno::AGAIN) }
}
