//! `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown` on socket fds
//! the embedder handed the guest (a preopened listener, an accepted
//! connection, or a socket as stdio).

use super::errno::{HostResult, retry};
use super::stat::classify;
use super::table::{Access, Entry, FdTable, Kind};
use rustix::fd::BorrowedFd;
use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags, Shutdown};
use std::io::{IoSlice, IoSliceMut};
use wasi_abi::{Errno, Fd, Fdflags, Riflags, Roflags, Sdflags, Size};

/// The socket behind `fd` (`ENOTSOCK` for any other kind of fd).
pub(crate) fn socket(table: &FdTable, fd: Fd) -> Result<(&Entry, BorrowedFd<'_>), Errno> {
    let e = table.get(fd)?;
    if e.kind != Kind::Socket {
        return Err(Errno::NOTSOCK);
    }
    Ok((e, e.fd()?))
}

/// `sock_accept`: only `NONBLOCK` may be asked for.
pub(crate) fn accept(table: &mut FdTable, fd: Fd, flags: Fdflags) -> Result<Fd, Errno> {
    if !(flags - Fdflags::NONBLOCK).is_empty() {
        return Err(Errno::INVAL);
    }
    let (listener, host) = socket(table, fd)?;
    if listener.emulates_nonblock() {
        super::nonblock::ready_to_accept(host)?;
    }
    // A listener the guest made non-blocking accepts without waiting.
    let conn = retry(|| super::platform::accept(host, flags.contains(Fdflags::NONBLOCK)))?;
    let readonly = listener.readonly;
    let (kind, filetype) = classify(rustix::fd::AsFd::as_fd(&conn))?;
    let mut entry = Entry::new(conn, kind, filetype, Access::READ_WRITE);
    entry.flags = flags;
    entry.readonly = readonly;
    table.insert(entry)
}

/// `sock_recv`, and `sock_recv_from` (which also wants the sender).
pub(crate) fn recv_from(
    table: &FdTable,
    fd: Fd,
    bufs: &mut [IoSliceMut<'_>],
    flags: Riflags,
) -> Result<(Size, Roflags, Option<std::net::SocketAddr>), Errno> {
    let (e, host) = socket(table, fd)?;
    let mut f = RecvFlags::empty();
    if e.emulates_nonblock() {
        f |= RecvFlags::DONTWAIT;
    }
    if flags.contains(Riflags::RECV_PEEK) {
        f |= RecvFlags::PEEK;
    }
    if flags.contains(Riflags::RECV_WAITALL) {
        f |= RecvFlags::WAITALL;
    }
    let msg = retry(|| rustix::net::recvmsg(host, bufs, &mut RecvAncillaryBuffer::default(), f))?;
    let mut ro = Roflags::empty();
    if msg.flags.contains(ReturnFlags::TRUNC) {
        ro |= Roflags::RECV_DATA_TRUNCATED;
    }
    let from = msg.address.and_then(|a| std::net::SocketAddr::try_from(a).ok());
    let total: usize = bufs.iter().map(|b| b.len()).sum();
    Ok((Size::try_from(msg.bytes.min(total)).unwrap_or(Size::MAX), ro, from))
}

/// `sock_send`: never raises SIGPIPE on the host; a closed peer is `EPIPE`.
pub(crate) fn send(table: &FdTable, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size, Errno> {
    let (e, host) = socket(table, fd)?;
    let mut f = super::platform::no_sigpipe();
    if e.emulates_nonblock() {
        f |= SendFlags::DONTWAIT;
    }
    let n = retry(|| rustix::net::sendmsg(host, bufs, &mut SendAncillaryBuffer::default(), f))?;
    Ok(Size::try_from(n).unwrap_or(Size::MAX))
}

/// `sock_shutdown`: at least one direction must be given.
pub(crate) fn shutdown(table: &FdTable, fd: Fd, how: Sdflags) -> Result<(), Errno> {
    let (_, host) = socket(table, fd)?;
    let how = match (how.contains(Sdflags::RD), how.contains(Sdflags::WR)) {
        (true, true) => Shutdown::Both,
        (true, false) => Shutdown::Read,
        (false, true) => Shutdown::Write,
        (false, false) => return Err(Errno::INVAL),
    };
    rustix::net::shutdown(host, how).wasi()
}
