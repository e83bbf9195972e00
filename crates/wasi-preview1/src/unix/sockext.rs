//! The WasmEdge sockets extension on rustix: sockets the guest opens
//! itself, within the embedder's network grant ([`NetPolicy`]).

use super::errno::{HostResult, retry};
use super::sock::socket;
use super::stat::classify;
use super::table::{Access, Entry, FdTable};
use crate::net::{NetPolicy, allowed};
use rustix::fd::AsFd;
use rustix::net::{AddressFamily as HostFamily, SendAncillaryBuffer, SendFlags, SocketType, sockopt};
use std::io::IoSlice;
use std::net::SocketAddr;
use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
use wasi_abi::{Errno, Fd, Size};

/// The options whose values are structures or that rustix cannot set
/// (`ENOTSUP`), as one pattern for both option calls' matches.
macro_rules! unsupported {
    () => {
        SockOpt::DontRoute
            | SockOpt::Linger
            | SockOpt::RcvLowat
            | SockOpt::RcvTimeo
            | SockOpt::SndTimeo
            | SockOpt::BindToDevice
    };
}

fn inet(addr: rustix::net::SocketAddrAny) -> Result<SocketAddr, Errno> {
    SocketAddr::try_from(addr).map_err(|_| Errno::AFNOSUPPORT)
}

/// `sock_open`.
pub(crate) fn open(
    table: &mut FdTable,
    net: Option<&NetPolicy>,
    family: AddressFamily,
    ty: SockType,
) -> Result<Fd, Errno> {
    let (v6, dgram) = crate::net::open_kind(net, family, ty)?;
    let family = if v6 { HostFamily::INET6 } else { HostFamily::INET };
    let ty = if dgram { SocketType::DGRAM } else { SocketType::STREAM };
    let fd = super::platform::socket(family, ty).wasi()?;
    let (kind, filetype) = classify(fd.as_fd())?;
    table.insert(Entry::new(fd, kind, filetype, Access::READ_WRITE))
}

/// `sock_bind`.
pub(crate) fn bind(table: &FdTable, net: Option<&NetPolicy>, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
    let (_, host) = socket(table, fd)?;
    allowed(net, &addr)?;
    rustix::net::bind(host, &addr).wasi()
}

/// `sock_connect`.
pub(crate) fn connect(table: &FdTable, net: Option<&NetPolicy>, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
    let (_, host) = socket(table, fd)?;
    allowed(net, &addr)?;
    retry(|| rustix::net::connect(host, &addr))
}

/// `sock_listen`.
///
/// An unbound socket would be bound by the kernel to the wildcard address
/// (reachable from anywhere): under a grant whose rules do not allow that
/// address with any port, that is `EACCES` (bind it to an allowed address
/// first).
pub(crate) fn listen(table: &FdTable, net: Option<&NetPolicy>, fd: Fd, backlog: u32) -> Result<(), Errno> {
    let (_, host) = socket(table, fd)?;
    if net.is_some() {
        crate::net::may_listen(net, inet(rustix::net::getsockname(host).wasi()?)?)?;
    }
    rustix::net::listen(host, i32::try_from(backlog).unwrap_or(i32::MAX)).wasi()
}

/// Before a datagram is sent: binds an unbound socket where the grant
/// says so ([`crate::net::bind_before_sending`]).
fn bind_before_sending(host: rustix::fd::BorrowedFd<'_>, policy: &NetPolicy, to: &SocketAddr) -> Result<(), Errno> {
    let local = inet(rustix::net::getsockname(host).wasi()?)?;
    // The source address for `to`: what a socket of this family connected
    // there is bound to.
    let source = || {
        let family = if local.is_ipv4() { HostFamily::INET } else { HostFamily::INET6 };
        let probe = super::platform::socket(family, SocketType::DGRAM).wasi()?;
        rustix::net::connect(&probe, to).wasi()?;
        Ok(inet(rustix::net::getsockname(&probe).wasi()?)?.ip())
    };
    match crate::net::bind_before_sending(policy, local, source)? {
        Some(addr) => rustix::net::bind(host, &addr).wasi(),
        None => Ok(()),
    }
}

/// `sock_send_to`.
pub(crate) fn send_to(
    table: &FdTable,
    net: Option<&NetPolicy>,
    fd: Fd,
    bufs: &[IoSlice<'_>],
    addr: SocketAddr,
) -> Result<Size, Errno> {
    let (e, host) = socket(table, fd)?;
    let policy = allowed(net, &addr)?;
    bind_before_sending(host, policy, &addr)?;
    let mut f = super::platform::no_sigpipe();
    if e.emulates_nonblock() {
        f |= SendFlags::DONTWAIT;
    }
    let n = retry(|| rustix::net::sendmsg_addr(host, &addr, bufs, &mut SendAncillaryBuffer::default(), f))?;
    Ok(Size::try_from(n).unwrap_or(Size::MAX))
}

fn flag(v: bool) -> i32 {
    i32::from(v)
}

fn size_arg(v: i32) -> Result<usize, Errno> {
    usize::try_from(v).map_err(|_| Errno::INVAL)
}

/// `sock_getsockopt`: integer options only; `SO_TYPE` answers with the
/// extension's `sock_type` values.
pub(crate) fn getsockopt(table: &FdTable, fd: Fd, _level: SockOptLevel, name: SockOpt) -> Result<i32, Errno> {
    let (_, host) = socket(table, fd)?;
    Ok(match name {
        SockOpt::ReuseAddr => flag(sockopt::socket_reuseaddr(host).wasi()?),
        SockOpt::Type => match sockopt::socket_type(host).wasi()? {
            SocketType::DGRAM => i32::from(SockType::Dgram.raw()),
            _ => i32::from(SockType::Stream.raw()),
        },
        SockOpt::Error => match sockopt::socket_error(host).wasi()? {
            Ok(()) => 0,
            Err(e) => i32::from(super::errno::from_host(e).raw()),
        },
        SockOpt::Broadcast => flag(sockopt::socket_broadcast(host).wasi()?),
        SockOpt::SndBuf => i32::try_from(sockopt::socket_send_buffer_size(host).wasi()?).unwrap_or(i32::MAX),
        SockOpt::RcvBuf => i32::try_from(sockopt::socket_recv_buffer_size(host).wasi()?).unwrap_or(i32::MAX),
        SockOpt::KeepAlive => flag(sockopt::socket_keepalive(host).wasi()?),
        SockOpt::OobInline => flag(sockopt::socket_oobinline(host).wasi()?),
        #[cfg(not(any(target_os = "macos", target_os = "ios")))]
        SockOpt::AcceptConn => flag(sockopt::socket_acceptconn(host).wasi()?),
        // rustix offers no SO_ACCEPTCONN on Apple systems (docs/platforms.md).
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        SockOpt::AcceptConn => return Err(Errno::NOTSUP),
        unsupported!() => return Err(Errno::NOTSUP),
    })
}

/// `sock_setsockopt`: integer options only.
pub(crate) fn setsockopt(
    table: &FdTable,
    fd: Fd,
    _level: SockOptLevel,
    name: SockOpt,
    value: i32,
) -> Result<(), Errno> {
    let (_, host) = socket(table, fd)?;
    match name {
        SockOpt::ReuseAddr => sockopt::set_socket_reuseaddr(host, value != 0),
        SockOpt::Broadcast => sockopt::set_socket_broadcast(host, value != 0),
        SockOpt::SndBuf => sockopt::set_socket_send_buffer_size(host, size_arg(value)?),
        SockOpt::RcvBuf => sockopt::set_socket_recv_buffer_size(host, size_arg(value)?),
        SockOpt::KeepAlive => sockopt::set_socket_keepalive(host, value != 0),
        SockOpt::OobInline => sockopt::set_socket_oobinline(host, value != 0),
        SockOpt::Type | SockOpt::Error | SockOpt::AcceptConn => return Err(Errno::NOPROTOOPT),
        unsupported!() => return Err(Errno::NOTSUP),
    }
    .wasi()
}

/// `sock_getlocaladdr`.
pub(crate) fn local_addr(table: &FdTable, fd: Fd) -> Result<SocketAddr, Errno> {
    let (_, host) = socket(table, fd)?;
    inet(rustix::net::getsockname(host).wasi()?)
}

/// `sock_getpeeraddr`.
pub(crate) fn peer_addr(table: &FdTable, fd: Fd) -> Result<SocketAddr, Errno> {
    let (_, host) = socket(table, fd)?;
    inet(rustix::net::getpeername(host).wasi()?.ok_or(Errno::NOTCONN)?)
}
