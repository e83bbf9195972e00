//! Preopened sockets on a Windows host: a TCP listener or stream, kept
//! non-blocking on the host; a guest's blocking call waits for readiness
//! with `WSAPoll` (up to the embedder's deadline), and `NONBLOCK` is the
//! guest's own flag.
#![allow(unsafe_code)]

use super::errno::from_io;
use crate::file::{VirtualFile, plain_stat};
use crate::system::Result;
use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::windows::io::AsRawSocket;
use std::time::Instant;
use wasi_abi::{Errno, Fdflags, Filestat, Filetype, Riflags, Roflags, Sdflags, Size};
use windows_sys::Win32::Networking::WinSock::{POLLRDNORM, POLLWRNORM, SOCKET, WSAPOLLFD, WSAPoll};

/// A preopened socket, or one `sock_accept` made.
#[derive(Debug)]
pub(crate) enum Socket {
    Listener(TcpListener),
    Stream(TcpStream),
}

impl Socket {
    fn raw(&self) -> SOCKET {
        match self {
            Socket::Listener(l) => l.as_raw_socket() as SOCKET,
            Socket::Stream(s) => s.as_raw_socket() as SOCKET,
        }
    }

    /// Waits up to `ms` milliseconds (-1: for ever) until the socket is
    /// readable (or writable): whether it is.
    fn poll(&self, write: bool, ms: i32) -> bool {
        let mut fd = WSAPOLLFD { fd: self.raw(), events: if write { POLLWRNORM } else { POLLRDNORM }, revents: 0 };
        // SAFETY: one live WSAPOLLFD, the count passed.
        let n = unsafe { WSAPoll(&mut fd, 1, ms) };
        n > 0
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

    fn stream(&self) -> Result<&TcpStream> {
        match self {
            Socket::Stream(s) => Ok(s),
            Socket::Listener(_) => Err(Errno::NOTCONN),
        }
    }

    /// `sock_accept`: a non-blocking stream.
    pub(crate) fn accept(&self) -> Result<TcpStream> {
        let Socket::Listener(l) = self else { return Err(Errno::INVAL) };
        let (s, _) = l.accept().map_err(|e| from_io(&e))?;
        s.set_nonblocking(true).map_err(|e| from_io(&e))?;
        Ok(s)
    }

    /// `sock_recv`: `PEEK` and `WAITALL` as the flags ask.
    pub(crate) fn recv(&self, bufs: &mut [IoSliceMut<'_>], flags: Riflags) -> Result<(Size, Roflags)> {
        let s = self.stream()?;
        let Some(buf) = bufs.iter_mut().find(|b| !b.is_empty()) else { return Ok((0, Roflags::empty())) };
        if flags.contains(Riflags::RECV_PEEK) {
            return s.peek(buf).map(|n| (n as Size, Roflags::empty())).map_err(|e| from_io(&e));
        }
        let mut total = 0usize;
        let mut reader: &TcpStream = s;
        loop {
            match reader.read(&mut buf[total..]) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        && total > 0
                        && flags.contains(Riflags::RECV_WAITALL) =>
                {
                    self.poll(false, -1);
                    continue;
                }
                Err(_) if total > 0 => break,
                Err(e) => return Err(from_io(&e)),
            }
            if !flags.contains(Riflags::RECV_WAITALL) || total == buf.len() {
                break;
            }
        }
        Ok((Size::try_from(total).unwrap_or(Size::MAX), Roflags::empty()))
    }

    /// `sock_send`.
    pub(crate) fn send(&self, bufs: &[IoSlice<'_>]) -> Result<Size> {
        {
            let mut s: &TcpStream = self.stream()?;
            s.write_vectored(bufs)
        }
        .map(|n| n as Size)
        .map_err(|e| from_io(&e))
    }

    /// `sock_shutdown`.
    pub(crate) fn shutdown(&self, how: Sdflags) -> Result<()> {
        let how = match (how.contains(Sdflags::RD), how.contains(Sdflags::WR)) {
            (true, true) => Shutdown::Both,
            (true, false) => Shutdown::Read,
            (false, true) => Shutdown::Write,
            (false, false) => return Err(Errno::INVAL),
        };
        self.stream()?.shutdown(how).map_err(|e| from_io(&e))
    }

    pub(crate) fn local_addr(&self) -> Result<SocketAddr> {
        match self {
            Socket::Listener(l) => l.local_addr(),
            Socket::Stream(s) => s.local_addr(),
        }
        .map_err(|e| from_io(&e))
    }

    pub(crate) fn peer_addr(&self) -> Result<SocketAddr> {
        self.stream()?.peer_addr().map_err(|e| from_io(&e))
    }
}

impl VirtualFile for Socket {
    fn filetype(&self) -> Filetype {
        Filetype::SocketStream
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        self.recv(bufs, Riflags::empty()).map(|(n, _)| n)
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size> {
        self.send(bufs)
    }

    fn filestat(&mut self) -> Result<Filestat> {
        Ok(plain_stat(Filetype::SocketStream, 0))
    }

    fn ready(&self, write: bool) -> Option<u64> {
        self.poll(write, 0).then_some(0)
    }
}
