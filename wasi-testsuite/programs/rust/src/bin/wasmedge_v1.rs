//! The WasmEdge sockets extension through its v1 signatures (the plain
//! names as WasmEdge before 0.12 defined them).
use wasi_run_guests::wasmedge::{Addrinfo, Ext, WasiAddress, ok, run};
use wasi_run_guests::Iovec;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn sock_open(af: u32, ty: u32, fd: *mut u32) -> u32;
    fn sock_bind(fd: u32, addr: *const WasiAddress, port: u32) -> u32;
    fn sock_connect(fd: u32, addr: *const WasiAddress, port: u32) -> u32;
    fn sock_listen(fd: u32, backlog: u32) -> u32;
    #[link_name = "sock_accept"]
    fn sock_accept_v1(fd: u32, out: *mut u32) -> u32;
    #[link_name = "sock_recv_from"]
    fn sock_recv_from_v1(fd: u32, iovs: *const Iovec, n: u32, addr: *mut WasiAddress, flags: u32, nread: *mut u32, oflags: *mut u32) -> u32;
    fn sock_send_to(fd: u32, iovs: *const Iovec, n: u32, addr: *const WasiAddress, port: u32, flags: u32, out: *mut u32) -> u32;
    #[link_name = "sock_getlocaladdr"]
    fn sock_getlocaladdr_v1(fd: u32, addr: *mut WasiAddress, ty: *mut u32, port: *mut u32) -> u32;
    #[link_name = "sock_getpeeraddr"]
    fn sock_getpeeraddr_v1(fd: u32, addr: *mut WasiAddress, ty: *mut u32, port: *mut u32) -> u32;
    fn sock_getaddrinfo(node: *const u8, nl: u32, svc: *const u8, sl: u32, hints: *const Addrinfo, res: *mut u32, max: u32, n: *mut u32) -> u32;
}

struct V1;

fn addr(ip: &[u8]) -> WasiAddress {
    WasiAddress { buf: ip.as_ptr() as *mut u8, len: ip.len() as u32 }
}

impl V1 {
    fn get(&self, fd: u32, peer: bool) -> Result<(Vec<u8>, u16), u16> {
        let mut buf = [0u8; 16];
        let mut a = WasiAddress { buf: buf.as_mut_ptr(), len: 16 };
        let (mut ty, mut port) = (0u32, 0u32);
        let f = if peer { sock_getpeeraddr_v1 } else { sock_getlocaladdr_v1 };
        ok(unsafe { f(fd, &mut a, &mut ty, &mut port) })?;
        let len = if ty == 4 { 4 } else { 16 };
        Ok((buf[..len].to_vec(), port as u16))
    }
}

impl Ext for V1 {
    fn open(&self, family: u32, ty: u32) -> Result<u32, u16> {
        let mut fd = 0;
        ok(unsafe { sock_open(family, ty, &mut fd) }).map(|()| fd)
    }
    fn bind(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16> {
        ok(unsafe { sock_bind(fd, &addr(ip), port.into()) })
    }
    fn connect(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16> {
        ok(unsafe { sock_connect(fd, &addr(ip), port.into()) })
    }
    fn listen(&self, fd: u32) -> Result<(), u16> {
        ok(unsafe { sock_listen(fd, 8) })
    }
    fn accept(&self, fd: u32) -> Result<u32, u16> {
        let mut out = 0;
        ok(unsafe { sock_accept_v1(fd, &mut out) }).map(|()| out)
    }
    fn recv_from(&self, fd: u32, buf: &mut [u8]) -> Result<(usize, Vec<u8>, Option<u16>), u16> {
        let iov = Iovec { buf: buf.as_mut_ptr(), len: buf.len() as u32 };
        let mut from = [0u8; 16];
        let mut a = WasiAddress { buf: from.as_mut_ptr(), len: 16 };
        let (mut n, mut flags) = (0u32, 0u32);
        ok(unsafe { sock_recv_from_v1(fd, &iov, 1, &mut a, 0, &mut n, &mut flags) })?;
        Ok((n as usize, from.to_vec(), None))
    }
    fn send_to(&self, fd: u32, data: &[u8], ip: &[u8], port: u16) -> Result<usize, u16> {
        let iov = Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut n = 0;
        ok(unsafe { sock_send_to(fd, &iov, 1, &addr(ip), port.into(), 0, &mut n) }).map(|()| n as usize)
    }
    fn local(&self, fd: u32) -> Result<(Vec<u8>, u16), u16> {
        self.get(fd, false)
    }
    fn peer(&self, fd: u32) -> Result<(Vec<u8>, u16), u16> {
        self.get(fd, true)
    }
    fn getaddrinfo(&self, node: &str, service: &str, hints: &Addrinfo, res: &mut u32, max: u32, n: &mut u32) -> u16 {
        // As the WasmEdge socket crate does: NUL-terminated, lengths included.
        let (node, service) = (format!("{node}\0"), format!("{service}\0"));
        unsafe { sock_getaddrinfo(node.as_ptr(), node.len() as u32, service.as_ptr(), service.len() as u32, hints, res, max, n) as u16 }
    }
}

/// `small-address`: an IPv6 UDP socket on ::1 (its port printed); a receive
/// into a 4-byte address buffer (too small for what an IPv6 socket hears
/// from) is refused before anything is received, so the datagram the test
/// sent is still there for the next receive, with a 16-byte buffer.
fn small_address() {
    use wasi_run_guests::wasmedge::{DGRAM, INET6};
    let fd = V1.open(INET6, DGRAM).unwrap();
    V1.bind(fd, &std::net::Ipv6Addr::LOCALHOST.octets(), 0).unwrap();
    println!("ready {}", V1.local(fd).unwrap().1);
    let mut buf = [0u8; 64];
    let iov = Iovec { buf: buf.as_mut_ptr(), len: 64 };
    let mut small = [0u8; 4];
    let mut a = WasiAddress { buf: small.as_mut_ptr(), len: 4 };
    let (mut n, mut flags) = (0u32, 0u32);
    // Wait for the datagram to be there, without taking it.
    wasi_run_guests::wait_readable(fd);
    let e = unsafe { sock_recv_from_v1(fd, &iov, 1, &mut a, 0, &mut n, &mut flags) };
    println!("4-byte address: errno {e}");
    let (n, from, _) = V1.recv_from(fd, &mut buf).unwrap();
    println!("then: {:?} from {:?}", std::str::from_utf8(&buf[..n]).unwrap(), &from[..16] == &std::net::Ipv6Addr::LOCALHOST.octets()[..]);
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("small-address") {
        small_address();
        return;
    }
    run(&V1, &std::env::args().nth(1).unwrap_or_default());
}
