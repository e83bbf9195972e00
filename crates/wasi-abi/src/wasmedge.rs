//! The WasmEdge sockets extension to preview1: its enumerations, flags and
//! structures, laid out as WasmEdge's `wasi_snapshot_preview1` functions
//! read and write them.
//!
//! # References
//! - WasmEdge `thirdparty/wasi/api.hpp` (layouts and values),
//!   `include/host/wasi/wasifunc.h` (signatures, v1 and v2)

use crate::memory::field::{put_u16, put_u32, u8_at, u16_at, u32_at};
use crate::{Errno, GuestMemory, GuestPtr, Layout, checked_range};
use bitflags::bitflags;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

wasi_enum! {
    /// `address_family`.
    pub enum AddressFamily: u8 {
        /// Unspecified.
        Unspec = 0 => "UNSPEC",
        /// IPv4.
        Inet4 = 1 => "INET4",
        /// IPv6.
        Inet6 = 2 => "INET6",
        /// Unix-domain sockets.
        Unix = 3 => "AF_UNIX",
    }
}

wasi_enum! {
    /// `sock_type`.
    pub enum SockType: u8 {
        /// Any type.
        Any = 0 => "SOCK_ANY",
        /// Datagram (UDP).
        Dgram = 1 => "SOCK_DGRAM",
        /// Stream (TCP).
        Stream = 2 => "SOCK_STREAM",
    }
}

wasi_enum! {
    /// `protocol`.
    pub enum Protocol: u8 {
        /// Any protocol.
        Ip = 0 => "IPPROTO_IP",
        /// TCP.
        Tcp = 1 => "IPPROTO_TCP",
        /// UDP.
        Udp = 2 => "IPPROTO_UDP",
    }
}

wasi_enum! {
    /// `sock_opt_level`.
    pub enum SockOptLevel: u32 {
        /// `SOL_SOCKET`.
        SolSocket = 0 => "SOL_SOCKET",
    }
}

wasi_enum! {
    /// `sock_opt_so`: socket options at `SOL_SOCKET`.
    pub enum SockOpt: u32 {
        /// `SO_REUSEADDR`.
        ReuseAddr = 0 => "SO_REUSEADDR",
        /// `SO_TYPE`.
        Type = 1 => "SO_TYPE",
        /// `SO_ERROR`.
        Error = 2 => "SO_ERROR",
        /// `SO_DONTROUTE`.
        DontRoute = 3 => "SO_DONTROUTE",
        /// `SO_BROADCAST`.
        Broadcast = 4 => "SO_BROADCAST",
        /// `SO_SNDBUF`.
        SndBuf = 5 => "SO_SNDBUF",
        /// `SO_RCVBUF`.
        RcvBuf = 6 => "SO_RCVBUF",
        /// `SO_KEEPALIVE`.
        KeepAlive = 7 => "SO_KEEPALIVE",
        /// `SO_OOBINLINE`.
        OobInline = 8 => "SO_OOBINLINE",
        /// `SO_LINGER`.
        Linger = 9 => "SO_LINGER",
        /// `SO_RCVLOWAT`.
        RcvLowat = 10 => "SO_RCVLOWAT",
        /// `SO_RCVTIMEO`.
        RcvTimeo = 11 => "SO_RCVTIMEO",
        /// `SO_SNDTIMEO`.
        SndTimeo = 12 => "SO_SNDTIMEO",
        /// `SO_ACCEPTCONN`.
        AcceptConn = 13 => "SO_ACCEPTCONN",
        /// `SO_BINDTODEVICE`.
        BindToDevice = 14 => "SO_BINDTODEVICE",
    }
}

bitflags! {
    /// `aiflags`: `getaddrinfo` hint flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct AiFlags: u16 {
        /// `AI_PASSIVE`: the address is for `bind`.
        const PASSIVE = 1 << 0;
        /// `AI_CANONNAME`: return the canonical name.
        const CANONNAME = 1 << 1;
        /// `AI_NUMERICHOST`: the node is an address, not a name.
        const NUMERICHOST = 1 << 2;
        /// `AI_NUMERICSERV`: the service is a port number.
        const NUMERICSERV = 1 << 3;
        /// `AI_V4MAPPED`.
        const V4MAPPED = 1 << 4;
        /// `AI_ALL`.
        const ALL = 1 << 5;
        /// `AI_ADDRCONFIG`.
        const ADDRCONFIG = 1 << 6;
    }
}

/// `address`: a guest buffer holding an address (`buf: u32 @0`,
/// `buf_len: u32 @4`; 8 bytes, align 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasiAddress {
    /// Where the address bytes are.
    pub buf: u32,
    /// How many: 4 (IPv4), 16 (IPv6), or 128 (v2's family-prefixed storage).
    pub buf_len: u32,
}

impl Layout for WasiAddress {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(WasiAddress { buf: u32_at(b, 0), buf_len: u32_at(b, 4) })
    }
    fn encode(&self, b: &mut [u8]) {
        put_u32(b, 0, self.buf);
        put_u32(b, 4, self.buf_len);
    }
}

/// The size of v2's address storage: a `u16` family, then the address.
pub const ADDR_STORAGE_LEN: usize = 128;

/// Decodes the bytes of an address buffer: 4 bytes are IPv4, 16 IPv6, and
/// 128 are v2's storage (`u16` family at 0, the address from byte 2).
///
/// # Errors
/// `EINVAL` for any other length or family.
pub fn decode_ip(bytes: &[u8]) -> Result<IpAddr, Errno> {
    match bytes.len() {
        4 => Ok(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Ok(IpAddr::V6(Ipv6Addr::from(a)))
        }
        ADDR_STORAGE_LEN => match AddressFamily::try_from(u16_at(bytes, 0) as u8)? {
            AddressFamily::Inet4 if u16_at(bytes, 0) == 1 => decode_ip(&bytes[2..6]),
            AddressFamily::Inet6 if u16_at(bytes, 0) == 2 => decode_ip(&bytes[2..18]),
            _ => Err(Errno::INVAL),
        },
        _ => Err(Errno::INVAL),
    }
}

/// Writes `ip` as raw bytes (v1): the buffer must hold it (4 or 16 bytes).
///
/// # Errors
/// `EINVAL` if the buffer is neither 4 nor 16 bytes; `ENOMEM` if an IPv6
/// address does not fit.
pub fn encode_ip_raw(ip: IpAddr, out: &mut [u8]) -> Result<(), Errno> {
    if out.len() != 4 && out.len() != 16 {
        return Err(Errno::INVAL);
    }
    match ip {
        IpAddr::V4(v4) => out[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) if out.len() == 16 => out.copy_from_slice(&v6.octets()),
        IpAddr::V6(_) => return Err(Errno::NOMEM),
    }
    Ok(())
}

/// Writes `ip` into v2's 128-byte storage: the family, then the address.
///
/// # Errors
/// `EINVAL` if the buffer is not 128 bytes.
pub fn encode_ip_storage(ip: IpAddr, out: &mut [u8]) -> Result<(), Errno> {
    if out.len() != ADDR_STORAGE_LEN {
        return Err(Errno::INVAL);
    }
    match ip {
        IpAddr::V4(v4) => {
            put_u16(out, 0, u16::from(AddressFamily::Inet4.raw()));
            out[2..6].copy_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            put_u16(out, 0, u16::from(AddressFamily::Inet6.raw()));
            out[2..18].copy_from_slice(&v6.octets());
        }
    }
    Ok(())
}

/// The guest range the `address` struct at `ptr` points to.
///
/// # Errors
/// [`Errno::FAULT`]/[`Errno::INVAL`] if the struct or its buffer is out of
/// bounds or misaligned.
pub fn address_range(mem: &GuestMemory<'_>, ptr: GuestPtr) -> Result<core::ops::Range<usize>, Errno> {
    let a: WasiAddress = mem.read(ptr)?;
    checked_range(mem.len(), a.buf, u64::from(a.buf_len))
}

/// An address the guest passes in (bind, connect, send_to): the IP in the
/// buffer the `address` at `ptr` points to (4, 16 or 128 bytes, see
/// [`decode_ip`]), and `port`.
///
/// # Errors
/// As [`address_range`] and [`decode_ip`]; [`Errno::INVAL`] for a port past
/// 65535.
pub fn read_socket_addr(mem: &GuestMemory<'_>, ptr: GuestPtr, port: u32) -> Result<SocketAddr, Errno> {
    let ip = decode_ip(&mem.bytes()[address_range(mem, ptr)?])?;
    let port = u16::try_from(port).map_err(|_| Errno::INVAL)?;
    Ok(SocketAddr::new(ip, port))
}

/// How a version stores an address it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrLayout {
    /// v1: the raw 4 or 16 bytes ([`encode_ip_raw`]).
    Raw,
    /// v2: the 128-byte family-prefixed storage ([`encode_ip_storage`]).
    Storage,
}

impl AddrLayout {
    /// Whether a guest buffer of `len` bytes is one this layout writes.
    #[must_use]
    pub fn fits(self, len: usize) -> bool {
        match self {
            AddrLayout::Raw => len == 4 || len == 16,
            AddrLayout::Storage => len == ADDR_STORAGE_LEN,
        }
    }

    /// Zeroes `out`, then writes `ip` into it in this layout.
    ///
    /// # Errors
    /// As [`encode_ip_raw`] or [`encode_ip_storage`].
    pub fn write(self, ip: IpAddr, out: &mut [u8]) -> Result<(), Errno> {
        out.fill(0);
        match self {
            AddrLayout::Raw => encode_ip_raw(ip, out),
            AddrLayout::Storage => encode_ip_storage(ip, out),
        }
    }
}

/// The longest node or service name `sock_getaddrinfo` takes (a DNS name is
/// at most 253 bytes; numeric IPv6 with a scope far less).
pub const MAX_NAME: usize = 1024;

/// A node or service name for `sock_getaddrinfo`: UTF-8 that may carry C's
/// terminating NUL (dropped), at most [`MAX_NAME`] bytes.
///
/// # Errors
/// [`Errno::INVAL`] past [`MAX_NAME`]; as [`GuestMemory::str`] otherwise.
pub fn name_str<'m>(mem: &'m GuestMemory<'_>, ptr: GuestPtr, len: u32) -> Result<&'m str, Errno> {
    if len as usize > MAX_NAME {
        return Err(Errno::INVAL);
    }
    Ok(mem.str(ptr, len)?.trim_end_matches('\0'))
}

/// `sock_getaddrinfo` hints, decoded from the guest's `addrinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrinfoHints {
    /// `AI_*` flags.
    pub flags: AiFlags,
    /// The wanted family (`Unspec` for any).
    pub family: AddressFamily,
    /// The wanted socket type (`Any` for any).
    pub socktype: SockType,
    /// The wanted protocol (`Ip` for any).
    pub protocol: Protocol,
}

impl RawAddrinfo {
    /// This entry's flags, family, type and protocol, as hints.
    ///
    /// # Errors
    /// [`Errno::INVAL`] for an unknown flag or value.
    pub fn hints(&self) -> Result<AddrinfoHints, Errno> {
        Ok(AddrinfoHints {
            flags: AiFlags::from_bits(self.flags).ok_or(Errno::INVAL)?,
            family: AddressFamily::try_from(self.family)?,
            socktype: SockType::try_from(self.socktype)?,
            protocol: Protocol::try_from(self.protocol)?,
        })
    }
}

/// `addrinfo` (28 bytes, align 4): `ai_flags: u16 @0`, `ai_family: u8 @2`,
/// `ai_socktype: u8 @3`, `ai_protocol: u8 @4`, `ai_addrlen: u32 @8`,
/// `ai_addr: u32 @12`, `ai_canonname: u32 @16`, `ai_canonname_len: u32
/// @20`, `ai_next: u32 @24`. Kept raw: the guest fills in the pointers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RawAddrinfo {
    /// `ai_flags`.
    pub flags: u16,
    /// `ai_family`.
    pub family: u8,
    /// `ai_socktype`.
    pub socktype: u8,
    /// `ai_protocol`.
    pub protocol: u8,
    /// `ai_addrlen`.
    pub addrlen: u32,
    /// `ai_addr`: where this entry's `sockaddr` is.
    pub addr: u32,
    /// `ai_canonname`: a buffer for the canonical name.
    pub canonname: u32,
    /// `ai_canonname_len`: that buffer's size, then the name's length.
    pub canonname_len: u32,
    /// `ai_next`: the next entry the guest prepared.
    pub next: u32,
}

impl Layout for RawAddrinfo {
    const SIZE: u32 = 28;
    const ALIGN: u32 = 4;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(RawAddrinfo {
            flags: u16_at(b, 0),
            family: u8_at(b, 2),
            socktype: u8_at(b, 3),
            protocol: u8_at(b, 4),
            addrlen: u32_at(b, 8),
            addr: u32_at(b, 12),
            canonname: u32_at(b, 16),
            canonname_len: u32_at(b, 20),
            next: u32_at(b, 24),
        })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        put_u16(b, 0, self.flags);
        b[2] = self.family;
        b[3] = self.socktype;
        b[4] = self.protocol;
        put_u32(b, 8, self.addrlen);
        put_u32(b, 12, self.addr);
        put_u32(b, 16, self.canonname);
        put_u32(b, 20, self.canonname_len);
        put_u32(b, 24, self.next);
    }
}

/// `sockaddr` (12 bytes, align 4): `sa_family: u8 @0`, `sa_data_len: u32
/// @4`, `sa_data: u32 @8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RawSockaddr {
    /// `sa_family` (an [`AddressFamily`] value).
    pub family: u8,
    /// `sa_data_len`: the buffer's size, then the bytes written.
    pub data_len: u32,
    /// `sa_data`: where the bytes go.
    pub data: u32,
}

impl Layout for RawSockaddr {
    const SIZE: u32 = 12;
    const ALIGN: u32 = 4;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(RawSockaddr { family: u8_at(b, 0), data_len: u32_at(b, 4), data: u32_at(b, 8) })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        b[0] = self.family;
        put_u32(b, 4, self.data_len);
        put_u32(b, 8, self.data);
    }
}

/// The most `addrinfo` entries one `sock_getaddrinfo` call fills, whatever
/// `max` the guest passes: the guest's list is walked this far and no
/// further, so a list whose `ai_next` loops costs the host nothing more.
pub const MAX_ADDRINFO: usize = 16;

/// One entry of the guest's prepared result list: where it is, and what
/// it held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddrinfoSlot {
    /// The entry's address.
    pub at: GuestPtr,
    /// The entry.
    pub info: RawAddrinfo,
    /// Its `sockaddr`.
    pub addr: RawSockaddr,
}

/// The result list a guest prepared for `sock_getaddrinfo`: at most
/// [`MAX_ADDRINFO`] entries (fewer if `max` is smaller), every entry, its
/// `sockaddr` and both of their buffers checked against memory. Held
/// inline: decoding allocates nothing.
#[derive(Clone, Copy, Debug)]
pub struct AddrinfoList {
    slots: [AddrinfoSlot; MAX_ADDRINFO],
    len: usize,
}

impl AddrinfoList {
    /// Walks the list whose first entry's address is stored at `res`.
    ///
    /// # Errors
    /// [`Errno::INVAL`] for `max` 0; [`Errno::FAULT`] or [`Errno::INVAL`]
    /// for an entry, `sockaddr` or buffer out of bounds or misaligned.
    pub fn decode(mem: &GuestMemory<'_>, res: GuestPtr, max: u32) -> Result<Self, Errno> {
        if max == 0 {
            return Err(Errno::INVAL);
        }
        let want = (max as usize).min(MAX_ADDRINFO);
        let mut list = AddrinfoList { slots: [AddrinfoSlot::default(); MAX_ADDRINFO], len: 0 };
        let mut at = mem.read_u32(res)?;
        for slot in &mut list.slots[..want] {
            let info: RawAddrinfo = mem.read(at)?;
            let addr: RawSockaddr = mem.read(info.addr)?;
            checked_range(mem.len(), addr.data, u64::from(addr.data_len))?;
            checked_range(mem.len(), info.canonname, u64::from(info.canonname_len))?;
            *slot = AddrinfoSlot { at, info, addr };
            list.len += 1;
            at = info.next;
        }
        Ok(list)
    }

    /// The entries, in list order.
    #[must_use]
    pub fn slots(&self) -> &[AddrinfoSlot] {
        &self.slots[..self.len]
    }
}

/// One result for an [`AddrinfoSlot`].
#[derive(Clone, Copy, Debug)]
pub struct AddrinfoResult<'a> {
    /// `ai_flags` to report.
    pub flags: AiFlags,
    /// The socket type.
    pub socktype: SockType,
    /// The protocol.
    pub protocol: Protocol,
    /// The address and port.
    pub addr: SocketAddr,
    /// The canonical name, if asked for.
    pub canonname: Option<&'a str>,
}

impl AddrinfoSlot {
    /// Fills the guest's entry with `r`: the `sockaddr` bytes (cut to its
    /// buffer), the entry's fields, and the canonical name (cut to its
    /// buffer, NUL-terminated) if the entry has room for one.
    ///
    /// # Errors
    /// [`Errno::FAULT`]/[`Errno::INVAL`] if the guest's memory changed
    /// under the entry (it was checked when decoded).
    pub fn write(mut self, mem: &mut GuestMemory<'_>, r: &AddrinfoResult<'_>) -> Result<(), Errno> {
        let family = if r.addr.is_ipv4() { AddressFamily::Inet4 } else { AddressFamily::Inet6 };
        let mut data = [0u8; 26];
        let used = encode_sa_data(&r.addr, &mut data);
        let written = used.min(self.addr.data_len as usize);
        mem.slice_mut(self.addr.data, written as u32)?.copy_from_slice(&data[..written]);
        self.addr.family = family.raw();
        self.addr.data_len = written as u32;
        mem.write(self.info.addr, &self.addr)?;
        let ai = &mut self.info;
        ai.flags = r.flags.bits();
        ai.family = family.raw();
        ai.socktype = r.socktype.raw();
        ai.protocol = r.protocol.raw();
        ai.addrlen = if r.addr.is_ipv4() { 16 } else { 28 };
        ai.canonname_len = match r.canonname {
            Some(name) if ai.canonname_len > 0 => {
                let len = name.len().min(ai.canonname_len as usize - 1);
                let buf = mem.slice_mut(ai.canonname, len as u32 + 1)?;
                buf[..len].copy_from_slice(&name.as_bytes()[..len]);
                buf[len] = 0;
                len as u32
            }
            _ => 0,
        };
        mem.write(self.at, &self.info)
    }
}

/// The `sa_data` bytes of a socket address, as in the host's
/// `sockaddr_in`/`sockaddr_in6` from `sin_port` on: the port (big-endian),
/// then for IPv4 the address and 8 zero bytes (14 in all), for IPv6 the
/// flow info, address and scope id (26 in all). Returns the length used.
pub fn encode_sa_data(addr: &SocketAddr, out: &mut [u8; 26]) -> usize {
    out.fill(0);
    out[..2].copy_from_slice(&addr.port().to_be_bytes());
    match addr {
        SocketAddr::V4(a) => {
            out[2..6].copy_from_slice(&a.ip().octets());
            14
        }
        SocketAddr::V6(a) => {
            out[2..6].copy_from_slice(&a.flowinfo().to_be_bytes());
            out[6..22].copy_from_slice(&a.ip().octets());
            out[22..26].copy_from_slice(&a.scope_id().to_ne_bytes());
            26
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!((WasiAddress::SIZE, WasiAddress::ALIGN), (8, 4));
        assert_eq!((RawAddrinfo::SIZE, RawAddrinfo::ALIGN), (28, 4));
        assert_eq!((RawSockaddr::SIZE, RawSockaddr::ALIGN), (12, 4));
        let ai = RawAddrinfo {
            flags: 0x0102,
            family: 3,
            socktype: 4,
            protocol: 5,
            addrlen: 6,
            addr: 7,
            canonname: 8,
            canonname_len: 9,
            next: 10,
        };
        let mut b = [0xAAu8; 28];
        ai.encode(&mut b);
        assert_eq!(b, [2, 1, 3, 4, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0]);
        assert_eq!(RawAddrinfo::decode(&b), Ok(ai));
    }

    #[test]
    fn addresses() {
        assert_eq!(decode_ip(&[127, 0, 0, 1]), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let mut storage = [0u8; 128];
        encode_ip_storage(IpAddr::V6(Ipv6Addr::LOCALHOST), &mut storage).unwrap();
        assert_eq!(&storage[..2], &[2, 0]);
        assert_eq!(decode_ip(&storage), Ok(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        storage[0] = 9;
        assert_eq!(decode_ip(&storage), Err(Errno::INVAL));
        assert_eq!(decode_ip(&[1, 2, 3]), Err(Errno::INVAL));
        let mut raw = [0u8; 4];
        assert_eq!(encode_ip_raw(IpAddr::V6(Ipv6Addr::LOCALHOST), &mut raw), Err(Errno::NOMEM));
        let mut sa = [0u8; 26];
        assert_eq!(encode_sa_data(&"10.0.0.1:80".parse().unwrap(), &mut sa), 14);
        assert_eq!(&sa[..6], &[0, 80, 10, 0, 0, 1]);
    }
}
