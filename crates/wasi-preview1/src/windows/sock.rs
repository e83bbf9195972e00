//! Sockets on a Windows host: the embedder's preopened TCP listeners and
//! streams, what `sock_accept` makes, and the sockets a guest opens itself
//! with the WasmEdge calls (TCP and UDP, within the network grant).
//!
//! Every socket is kept non-blocking on the host; a guest's blocking call
//! waits for readiness with `WSAPoll` (up to the embedder's deadline), and
//! `NONBLOCK` is the guest's own flag. Where Windows differs from what
//! guests were built against (docs/windows.md): `SO_REUSEADDR` is kept for
//! the guest and never set on the host (there it lets a socket take over a
//! port another socket holds; Windows' `bind` already reuses a port in
//! `TIME_WAIT`), `listen` on an unbound socket binds it to the wildcard
//! address first as Unix kernels do, and a UDP socket is not failed by an
//! ICMP "port unreachable" for an earlier datagram (`SIO_UDP_CONNRESET`
//! off), as on Unix.
#![allow(unsafe_code)]

use super::errno::from_io;
use crate::file::{VirtualFile, plain_stat};
use crate::net::NetPolicy;
use crate::system::Result;
use smallvec::SmallVec;
use socket2::{Domain, MaybeUninitSlice, SockAddr, Type};
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr};
use std::os::windows::io::{AsRawSocket, OwnedSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use wasi_abi::wasmedge::{SockOpt, SockType};
use wasi_abi::{Errno, Fdflags, Filestat, Filetype, Riflags, Roflags, Sdflags, Size};
use windows_sys::Win32::Networking::WinSock::{
    MSG_PEEK, POLLHUP, POLLRDNORM, POLLWRNORM, SIO_UDP_CONNRESET, SO_ACCEPTCONN, SOCKET, SOL_SOCKET, WSAIoctl,
    WSAPOLLFD, WSAPoll, getsockopt,
};

/// At most this many buffers go to one transfer (Unix's `IOV_MAX`); the
/// rest of a longer list is left for the next call.
const MAX_BUFS: usize = 1024;

/// `WSAEINVAL`: what `getsockname` answers for a socket not yet bound.
const WSAEINVAL: i32 = 10022;
/// `WSAEWOULDBLOCK`.
const WSAEWOULDBLOCK: i32 = 10035;

/// A socket the guest holds.
#[derive(Debug)]
pub(crate) struct Socket {
    sock: socket2::Socket,
    dgram: bool,
    v6: bool,
    /// The guest's `SO_REUSEADDR` (never the host's: module docs).
    reuseaddr: AtomicBool,
}

/// A guest's buffer as the socket calls take it.
fn uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has `u8`'s layout, and the socket calls
    // only ever write initialised bytes into it, so `buf` stays initialised.
    unsafe { &mut *(std::ptr::from_mut(buf) as *mut [MaybeUninit<u8>]) }
}

fn inet(addr: &SockAddr) -> Result<SocketAddr> {
    addr.as_socket().ok_or(Errno::AFNOSUPPORT)
}

impl Socket {
    fn wrap(sock: socket2::Socket, dgram: bool, v6: bool) -> Self {
        Socket { sock, dgram, v6, reuseaddr: AtomicBool::new(false) }
    }

    /// A socket the embedder preopened (a TCP listener or stream).
    pub(crate) fn preopened(s: OwnedSocket) -> Self {
        let sock = socket2::Socket::from(s);
        let v6 = sock.local_addr().ok().and_then(|a| a.as_socket()).is_some_and(|a| a.is_ipv6());
        Socket::wrap(sock, false, v6)
    }

    /// `sock_open`: a new TCP or UDP socket, non-blocking on the host.
    pub(crate) fn open(v6: bool, dgram: bool) -> Result<Self> {
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let ty = if dgram { Type::DGRAM } else { Type::STREAM };
        let sock = socket2::Socket::new(domain, ty, None).map_err(|e| from_io(&e))?;
        sock.set_nonblocking(true).map_err(|e| from_io(&e))?;
        if dgram {
            let off: u32 = 0;
            let mut returned = 0u32;
            // SAFETY: `off` is a live 4-byte input and `returned` a live
            // local; no output buffer and no overlapped I/O. A failure
            // (an older Windows, Wine) leaves the default, which is harmless.
            unsafe {
                WSAIoctl(
                    sock.as_raw_socket() as SOCKET,
                    SIO_UDP_CONNRESET,
                    (&raw const off).cast(),
                    4,
                    std::ptr::null_mut(),
                    0,
                    &mut returned,
                    std::ptr::null_mut(),
                    None,
                )
            };
        }
        Ok(Socket::wrap(sock, dgram, v6))
    }

    fn raw(&self) -> SOCKET {
        self.sock.as_raw_socket() as SOCKET
    }

    /// Waits up to `ms` milliseconds (-1: for ever) until the socket is
    /// readable (or writable): whether it is.
    fn poll(&self, write: bool, ms: i32) -> bool {
        self.revents(write, ms) != 0
    }

    /// `WSAPoll`'s answer for the socket (0: nothing yet).
    fn revents(&self, write: bool, ms: i32) -> i16 {
        let mut fd = WSAPOLLFD { fd: self.raw(), events: if write { POLLWRNORM } else { POLLRDNORM }, revents: 0 };
        // SAFETY: one live WSAPOLLFD, the count passed.
        let n = unsafe { WSAPoll(&mut fd, 1, ms) };
        if n > 0 { fd.revents } else { 0 }
    }

    /// Before a transfer that would block: waits for readiness unless the
    /// guest asked for `NONBLOCK`, never past `deadline` (then `EAGAIN`).
    pub(crate) fn wait(&self, write: bool, flags: Fdflags, deadline: Option<Instant>) -> Result<()> {
        if flags.contains(Fdflags::NONBLOCK) {
            return Ok(());
        }
        loop {
            let ms = match deadline {
                None => 1000,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Errno::AGAIN);
                    }
                    i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
                }
            };
            if self.poll(write, ms) {
                return Ok(());
            }
        }
    }

    /// `sock_accept`: a non-blocking stream.
    pub(crate) fn accept(&self) -> Result<Socket> {
        let (s, _) = self.sock.accept().map_err(|e| from_io(&e))?;
        s.set_nonblocking(true).map_err(|e| from_io(&e))?;
        Ok(Socket::wrap(s, false, self.v6))
    }

    /// `sock_recv` and `sock_recv_from`: `PEEK` and `WAITALL` as the flags
    /// ask; the sender, where the host names one.
    pub(crate) fn recv(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags, Option<SocketAddr>)> {
        let peek = flags.contains(Riflags::RECV_PEEK);
        if flags.contains(Riflags::RECV_WAITALL) && !peek && !self.dgram {
            return self.recv_all(bufs);
        }
        let mut slices: SmallVec<[MaybeUninitSlice<'_>; 8]> =
            bufs.iter_mut().take(MAX_BUFS).map(|b| MaybeUninitSlice::new(uninit(b))).collect();
        let f = if peek { MSG_PEEK } else { 0 };
        let (n, rf, from) = self.sock.recv_from_vectored_with_flags(&mut slices, f).map_err(|e| from_io(&e))?;
        let ro = if rf.is_truncated() { Roflags::RECV_DATA_TRUNCATED } else { Roflags::empty() };
        Ok((Size::try_from(n).unwrap_or(Size::MAX), ro, from.as_socket()))
    }

    /// `WAITALL` on a stream: Windows refuses `MSG_WAITALL` on a
    /// non-blocking socket, so the first buffer is filled here, waiting
    /// for more until it is full or the peer stops sending.
    fn recv_all(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<(Size, Roflags, Option<SocketAddr>)> {
        let Some(buf) = bufs.iter_mut().find(|b| !b.is_empty()) else { return Ok((0, Roflags::empty(), None)) };
        let mut total = 0usize;
        while total < buf.len() {
            match self.sock.recv(uninit(&mut buf[total..])) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) if e.raw_os_error() == Some(WSAEWOULDBLOCK) && total > 0 => {
                    self.poll(false, -1);
                }
                Err(_) if total > 0 => break,
                Err(e) => return Err(from_io(&e)),
            }
        }
        Ok((Size::try_from(total).unwrap_or(Size::MAX), Roflags::empty(), None))
    }

    /// `sock_send`.
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>]) -> Result<Size> {
        let bufs = &bufs[..bufs.len().min(MAX_BUFS)];
        self.sock.send_vectored(bufs).map(|n| n as Size).map_err(|e| from_io(&e))
    }

    /// `sock_send_to`, once the grant has allowed `to`: binds an unbound
    /// socket where the grant says so first.
    pub(crate) fn send_to(&self, policy: &NetPolicy, bufs: &[IoSlice<'_>], to: SocketAddr) -> Result<Size> {
        let source = || {
            let probe = Socket::open(to.is_ipv6(), true)?;
            probe.sock.connect(&to.into()).map_err(|e| from_io(&e))?;
            Ok(probe.local_addr()?.ip())
        };
        if let Some(addr) = crate::net::bind_before_sending(policy, self.local_addr()?, source)? {
            self.bind(addr)?;
        }
        let bufs = &bufs[..bufs.len().min(MAX_BUFS)];
        self.sock.send_to_vectored(bufs, &to.into()).map(|n| n as Size).map_err(|e| from_io(&e))
    }

    /// `sock_shutdown`.
    pub(crate) fn shutdown(&self, how: Sdflags) -> Result<()> {
        let how = match (how.contains(Sdflags::RD), how.contains(Sdflags::WR)) {
            (true, true) => Shutdown::Both,
            (true, false) => Shutdown::Read,
            (false, true) => Shutdown::Write,
            (false, false) => return Err(Errno::INVAL),
        };
        self.sock.shutdown(how).map_err(|e| from_io(&e))
    }

    /// `sock_bind`, once the grant has allowed `addr`.
    pub(crate) fn bind(&self, addr: SocketAddr) -> Result<()> {
        self.sock.bind(&addr.into()).map_err(|e| from_io(&e))
    }

    /// `sock_connect`, once the grant has allowed `addr`: a blocking
    /// connect waits (never past `deadline`: `EAGAIN`) and answers with
    /// the connection's error; with `NONBLOCK`, `EINPROGRESS`.
    pub(crate) fn connect(&self, addr: SocketAddr, flags: Fdflags, deadline: Option<Instant>) -> Result<()> {
        match self.sock.connect(&addr.into()) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() != Some(WSAEWOULDBLOCK) => return Err(from_io(&e)),
            Err(_) if flags.contains(Fdflags::NONBLOCK) => return Err(Errno::INPROGRESS),
            Err(_) => {}
        }
        // Windows' WSAPoll has not always reported a failed connect, so
        // the error is asked for between short waits too.
        loop {
            let connected = self.poll(true, 50);
            if let Some(e) = self.sock.take_error().map_err(|e| from_io(&e))? {
                return Err(from_io(&e));
            }
            if connected {
                return Ok(());
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Errno::AGAIN);
            }
        }
    }

    /// `sock_listen`, under the grant's rules for an implicit bind
    /// ([`crate::net::may_listen`]). Windows refuses to listen on an
    /// unbound socket; Unix kernels bind it to the wildcard address with a
    /// port they pick, and so does this, where the grant allows that.
    pub(crate) fn listen(&self, net: Option<&NetPolicy>, backlog: u32) -> Result<()> {
        let local = self.local_addr()?;
        crate::net::may_listen(net, local)?;
        if local.port() == 0 && self.sock.local_addr().is_err() {
            self.bind(local)?;
        }
        self.sock.listen(i32::try_from(backlog).unwrap_or(i32::MAX)).map_err(|e| from_io(&e))
    }

    /// The local address; the family's unspecified address and port 0 for a
    /// socket not yet bound (as Unix answers).
    pub(crate) fn local_addr(&self) -> Result<SocketAddr> {
        match self.sock.local_addr() {
            Ok(a) => inet(&a),
            Err(e) if e.raw_os_error() == Some(WSAEINVAL) => {
                let ip = if self.v6 { IpAddr::V6(Ipv6Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::UNSPECIFIED) };
                Ok(SocketAddr::new(ip, 0))
            }
            Err(e) => Err(from_io(&e)),
        }
    }

    pub(crate) fn peer_addr(&self) -> Result<SocketAddr> {
        inet(&self.sock.peer_addr().map_err(|e| from_io(&e))?)
    }

    /// Whether the socket is listening (`SO_ACCEPTCONN`).
    pub(crate) fn is_listening(&self) -> bool {
        let mut value = 0i32;
        let mut len = std::mem::size_of::<i32>() as i32;
        // SAFETY: `value` and `len` are live locals of the sizes passed.
        let r = unsafe { getsockopt(self.raw(), SOL_SOCKET, SO_ACCEPTCONN, (&raw mut value).cast(), &mut len) };
        r == 0 && value != 0
    }

    /// `sock_getsockopt`: integer options only; `SO_TYPE` answers with the
    /// extension's `sock_type` values.
    pub(crate) fn getsockopt(&self, name: SockOpt) -> Result<i32> {
        let s = &self.sock;
        let io = |e: std::io::Error| from_io(&e);
        let size = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(match name {
            SockOpt::ReuseAddr => i32::from(self.reuseaddr.load(Ordering::Relaxed)),
            SockOpt::Type => i32::from(if self.dgram { SockType::Dgram } else { SockType::Stream }.raw()),
            SockOpt::Error => s.take_error().map_err(io)?.map_or(0, |e| i32::from(from_io(&e).raw())),
            SockOpt::Broadcast => i32::from(s.broadcast().map_err(io)?),
            SockOpt::SndBuf => size(s.send_buffer_size().map_err(io)?),
            SockOpt::RcvBuf => size(s.recv_buffer_size().map_err(io)?),
            SockOpt::KeepAlive => i32::from(s.keepalive().map_err(io)?),
            SockOpt::OobInline => i32::from(s.out_of_band_inline().map_err(io)?),
            SockOpt::AcceptConn => i32::from(self.is_listening()),
            _ => return Err(Errno::NOTSUP),
        })
    }

    /// `sock_setsockopt`: integer options only.
    pub(crate) fn setsockopt(&self, name: SockOpt, value: i32) -> Result<()> {
        let s = &self.sock;
        let size = || usize::try_from(value).map_err(|_| Errno::INVAL);
        match name {
            SockOpt::ReuseAddr => {
                self.reuseaddr.store(value != 0, Ordering::Relaxed);
                Ok(())
            }
            SockOpt::Broadcast => s.set_broadcast(value != 0),
            SockOpt::SndBuf => s.set_send_buffer_size(size()?),
            SockOpt::RcvBuf => s.set_recv_buffer_size(size()?),
            SockOpt::KeepAlive => s.set_keepalive(value != 0),
            SockOpt::OobInline => s.set_out_of_band_inline(value != 0),
            SockOpt::Type | SockOpt::Error | SockOpt::AcceptConn => return Err(Errno::NOPROTOOPT),
            _ => return Err(Errno::NOTSUP),
        }
        .map_err(|e| from_io(&e))
    }
}

impl VirtualFile for Socket {
    fn filetype(&self) -> Filetype {
        if self.dgram { Filetype::SocketDgram } else { Filetype::SocketStream }
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        self.recv(bufs, Riflags::empty()).map(|(n, _, _)| n)
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size> {
        self.send(bufs)
    }

    fn filestat(&mut self) -> Result<Filestat> {
        Ok(plain_stat(self.filetype(), 0))
    }

    fn ready(&self, write: bool) -> Option<u64> {
        self.poll(write, 0).then_some(0)
    }

    fn hangup(&self) -> bool {
        !self.dgram && self.revents(false, 0) & POLLHUP != 0
    }
}
