//! The WasmEdge sockets extension through its v2 signatures: some calls by
//! their `_v2` names, others by the plain names with v2 signatures (which
//! must select v2 by signature), and preview1's own `sock_accept`.
use wasi_run_guests::wasmedge::{Addrinfo, Ext, WasiAddress, ok, run};
use wasi_run_guests::{Iovec, raw};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn sock_open_v2(af: u32, ty: u32, fd: *mut u32) -> u32;
    fn sock_bind_v2(fd: u32, addr: *const WasiAddress, port: u32) -> u32;
    fn sock_connect(fd: u32, addr: *const WasiAddress, port: u32) -> u32;
    fn sock_listen_v2(fd: u32, backlog: u32) -> u32;
    #[link_name = "sock_recv_from"]
    fn sock_recv_from_v2(fd: u32, iovs: *const Iovec, n: u32, addr: *mut WasiAddress, flags: u32, port: *mut u32, nread: *mut u32, oflags: *mut u32) -> u32;
    fn sock_send_to_v2(fd: u32, iovs: *const Iovec, n: u32, addr: *const WasiAddress, port: u32, flags: u32, out: *mut u32) -> u32;
    fn sock_getlocaladdr_v2(fd: u32, addr: *mut WasiAddress, port: *mut u32) -> u32;
    #[link_name = "sock_getpeeraddr"]
    fn sock_getpeeraddr_plain_v2(fd: u32, addr: *mut WasiAddress, port: *mut u32) -> u32;
    fn sock_getaddrinfo(node: *const u8, nl: u32, svc: *const u8, sl: u32, hints: *const Addrinfo, res: *mut u32, max: u32, n: *mut u32) -> u32;
}

struct V2;

/// v2 addresses travel in 128-byte storage: a `u16` family, then the bytes.
fn storage(ip: &[u8]) -> [u8; 128] {
    let mut s = [0u8; 128];
    s[0] = if ip.len() == 4 { 1 } else { 2 };
    s[2..2 + ip.len()].copy_from_slice(ip);
    s
}

fn decode(s: &[u8; 128]) -> Vec<u8> {
    if s[0] == 1 { s[2..6].to_vec() } else { s[2..18].to_vec() }
}

impl V2 {
    fn get(&self, fd: u32, peer: bool) -> Result<(Vec<u8>, u16), u16> {
        let mut s = [0u8; 128];
        let mut a = WasiAddress { buf: s.as_mut_ptr(), len: 128 };
        let mut port = 0u32;
        let f = if peer { sock_getpeeraddr_plain_v2 } else { sock_getlocaladdr_v2 };
        ok(unsafe { f(fd, &mut a, &mut port) })?;
        Ok((decode(&s), port as u16))
    }
}

impl Ext for V2 {
    fn open(&self, family: u32, ty: u32) -> Result<u32, u16> {
        let mut fd = 0;
        ok(unsafe { sock_open_v2(family, ty, &mut fd) }).map(|()| fd)
    }
    fn bind(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16> {
        let mut s = storage(ip);
        ok(unsafe { sock_bind_v2(fd, &WasiAddress { buf: s.as_mut_ptr(), len: 128 }, port.into()) })
    }
    fn connect(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16> {
        let mut s = storage(ip);
        ok(unsafe { sock_connect(fd, &WasiAddress { buf: s.as_mut_ptr(), len: 128 }, port.into()) })
    }
    fn listen(&self, fd: u32) -> Result<(), u16> {
        ok(unsafe { sock_listen_v2(fd, 8) })
    }
    fn accept(&self, fd: u32) -> Result<u32, u16> {
        let mut out = 0;
        ok(u32::from(unsafe { raw::sock_accept(fd, 0, &mut out) })).map(|()| out)
    }
    fn recv_from(&self, fd: u32, buf: &mut [u8]) -> Result<(usize, Vec<u8>, Option<u16>), u16> {
        let iov = Iovec { buf: buf.as_mut_ptr(), len: buf.len() as u32 };
        let mut s = [0u8; 128];
        let mut a = WasiAddress { buf: s.as_mut_ptr(), len: 128 };
        let (mut port, mut n, mut flags) = (0u32, 0u32, 0u32);
        ok(unsafe { sock_recv_from_v2(fd, &iov, 1, &mut a, 0, &mut port, &mut n, &mut flags) })?;
        Ok((n as usize, decode(&s), Some(port as u16)))
    }
    fn send_to(&self, fd: u32, data: &[u8], ip: &[u8], port: u16) -> Result<usize, u16> {
        let iov = Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut s = storage(ip);
        let mut n = 0;
        ok(unsafe { sock_send_to_v2(fd, &iov, 1, &WasiAddress { buf: s.as_mut_ptr(), len: 128 }, port.into(), 0, &mut n) })
            .map(|()| n as usize)
    }
    fn local(&self, fd: u32) -> Result<(Vec<u8>, u16), u16> {
        self.get(fd, false)
    }
    fn peer(&self, fd: u32) -> Result<(Vec<u8>, u16), u16> {
        self.get(fd, true)
    }
    fn getaddrinfo(&self, node: &str, service: &str, hints: &Addrinfo, res: &mut u32, max: u32, n: &mut u32) -> u16 {
        unsafe { sock_getaddrinfo(node.as_ptr(), node.len() as u32, service.as_ptr(), service.len() as u32, hints, res, max, n) as u16 }
    }
}

fn main() {
    run(&V2, &std::env::args().nth(1).unwrap_or_default());
}
