//! The WasmEdge sockets extension on rustix: sockets the guest opens
//! itself, within the embedder's network grant ([`NetPolicy`]).

use super::errno::{HostResult, retry};
use super::sock::socket;
use super::stat::classify;
use super::table::{Access, Entry, FdTable};
use crate::net::NetPolicy;
use crate::system::{AddrInfo, AddrInfoHints};
use rustix::fd::AsFd;
use rustix::net::{AddressFamily as HostFamily, SendAncillaryBuffer, SendFlags, SocketType, sockopt};
use std::io::IoSlice;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use wasi_abi::wasmedge::{AddressFamily, AiFlags, Protocol, SockOpt, SockOptLevel, SockType};
use wasi_abi::{Errno, Fd, Size};

/// The grant, or `ENOTCAPABLE` when there is none.
fn grant(net: Option<&NetPolicy>) -> Result<&NetPolicy, Errno> {
    net.ok_or(Errno::NOTCAPABLE)
}

/// `EACCES` unless the grant allows `addr`.
fn allowed(net: Option<&NetPolicy>, addr: &SocketAddr) -> Result<(), Errno> {
    if grant(net)?.allows(addr) { Ok(()) } else { Err(Errno::ACCES) }
}

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
    grant(net)?;
    let family = match family {
        AddressFamily::Inet4 => HostFamily::INET,
        AddressFamily::Inet6 => HostFamily::INET6,
        // Unix-domain sockets would name host paths outside the sandbox.
        AddressFamily::Unix => return Err(Errno::AFNOSUPPORT),
        AddressFamily::Unspec => return Err(Errno::INVAL),
    };
    let ty = match ty {
        SockType::Stream => SocketType::STREAM,
        SockType::Dgram => SocketType::DGRAM,
        SockType::Any => return Err(Errno::INVAL),
    };
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
    if let Some(policy) = net {
        let local = inet(rustix::net::getsockname(host).wasi()?)?;
        if local.port() == 0 && !policy.allows_any_port(local.ip()) {
            return Err(Errno::ACCES);
        }
    }
    rustix::net::listen(host, i32::try_from(backlog).unwrap_or(i32::MAX)).wasi()
}

/// Before a datagram is sent from an unbound socket: the kernel would bind
/// it to the wildcard address, receiving from anyone. Unless the rules
/// allow that, bind it to the local address that leads to `to` (port 0)
/// if the rules allow that address with any port, or refuse (`EACCES`).
fn bind_before_sending(host: rustix::fd::BorrowedFd<'_>, policy: &NetPolicy, to: &SocketAddr) -> Result<(), Errno> {
    let local = inet(rustix::net::getsockname(host).wasi()?)?;
    if local.port() != 0 || policy.allows_any_port(local.ip()) {
        return Ok(());
    }
    // The source address for `to`: what a socket of this family connected
    // there is bound to.
    let family = if local.is_ipv4() { HostFamily::INET } else { HostFamily::INET6 };
    let probe = super::platform::socket(family, SocketType::DGRAM).wasi()?;
    rustix::net::connect(&probe, to).wasi()?;
    let source = inet(rustix::net::getsockname(&probe).wasi()?)?;
    if !policy.allows_any_port(source.ip()) {
        return Err(Errno::ACCES);
    }
    rustix::net::bind(host, &SocketAddr::new(source.ip(), 0)).wasi()
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
    allowed(net, &addr)?;
    bind_before_sending(host, grant(net)?, &addr)?;
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

/// `sock_getaddrinfo`, through the host resolver. The service must be a
/// port number (or empty for 0); with `AI_CANONNAME` the canonical name
/// reported is the node as given.
pub(crate) fn getaddrinfo(
    net: Option<&NetPolicy>,
    node: &str,
    service: &str,
    hints: &AddrInfoHints,
) -> Result<Vec<AddrInfo>, Errno> {
    grant(net)?;
    if node.is_empty() && service.is_empty() {
        return Err(Errno::INVAL);
    }
    let port: u16 = if service.is_empty() { 0 } else { service.parse().map_err(|_| Errno::INVAL)? };
    let addrs: Vec<SocketAddr> = if node.is_empty() {
        let (v4, v6) = if hints.flags.contains(AiFlags::PASSIVE) {
            (Ipv4Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
        } else {
            (Ipv4Addr::LOCALHOST, Ipv6Addr::LOCALHOST)
        };
        vec![SocketAddr::new(IpAddr::V4(v4), port), SocketAddr::new(IpAddr::V6(v6), port)]
    } else if let Ok(ip) = node.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else if hints.flags.contains(AiFlags::NUMERICHOST) {
        return Err(Errno::INVAL);
    } else {
        (node, port).to_socket_addrs().map_err(|_| Errno::NOENT)?.collect()
    };
    let (socktype, protocol) = match (hints.socktype, hints.protocol) {
        (SockType::Dgram, _) | (_, Protocol::Udp) => (SockType::Dgram, Protocol::Udp),
        _ => (SockType::Stream, Protocol::Tcp),
    };
    let mut out: Vec<AddrInfo> = Vec::new();
    for addr in addrs {
        let keep = match hints.family {
            AddressFamily::Inet4 => addr.is_ipv4(),
            AddressFamily::Inet6 => addr.is_ipv6(),
            _ => true,
        };
        if keep && !out.iter().any(|a| a.addr == addr) {
            let canonname = hints.flags.contains(AiFlags::CANONNAME).then(|| node.to_owned());
            out.push(AddrInfo { socktype, protocol, addr, canonname });
        }
    }
    if out.is_empty() { Err(Errno::NOENT) } else { Ok(out) }
}
