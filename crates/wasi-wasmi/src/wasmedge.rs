//! The WasmEdge sockets extension, in both its versions, registered by the
//! signature each import actually has.
//!
//! WasmEdge's own rule, followed here: the plain names (`sock_open`, …)
//! take the v1 behaviour when the module's import has the v1 signature and
//! the v2 behaviour when it has the v2 one; the `_v2` names are always v2.
//! The versions differ only where their signatures differ:
//!
//! | call | v1 | v2 |
//! | --- | --- | --- |
//! | `sock_accept` | `(fd, fd_out)` | preview1's `(fd, fdflags, fd_out)` |
//! | `sock_recv_from` | 7 params; the sender's raw address (4/16 bytes) | 8 params; 128-byte `{u16 family, address}` storage and a port out |
//! | `sock_getlocaladdr`, `sock_getpeeraddr` | `(fd, addr, addr_type_out, port_out)`; raw address, type 4 or 6 | `(fd, addr, port_out)`; 128-byte storage |
//!
//! Addresses passed in (bind, connect, send_to) may be 4, 16 or 128 bytes
//! in either version. An import whose signature matches neither version is
//! left undefined, so the module fails to link with a message naming it:
//! other runtimes (WASIX) reuse these names with other signatures.

use crate::waits::Interest;
use crate::{Fail, MODULE, Waits, WasiCtx, import};
use wasi_abi::wasmedge::{
    AddrLayout, AddressFamily, AddrinfoList, AddrinfoResult, RawAddrinfo, SockOpt, SockOptLevel, SockType,
    address_range, name_str, read_socket_addr,
};
use wasi_abi::{Errno, Fdflags, GuestMemory, IovecList, Riflags, Siflags, decode_enum, decode_flags};
use wasi_preview1::System;
use wasmi::{Caller, ExternType, Linker, Module, ValType, errors::LinkerError};

type R = Result<(), Fail>;

fn sock_open<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, family: u32, ty: u32, out: u32) -> R {
    let family = decode_enum::<AddressFamily, u8>(family)?;
    let ty = decode_enum::<SockType, u8>(ty)?;
    mem.check_out::<u32>(out)?;
    Ok(mem.write_u32(out, sys.sock_open(family, ty)?)?)
}

fn sock_bind<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, addr: u32, port: u32) -> R {
    let addr = read_socket_addr(mem, addr, port)?;
    Ok(sys.sock_bind(fd, addr)?)
}

fn sock_connect<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, addr: u32, port: u32) -> R {
    let addr = read_socket_addr(mem, addr, port)?;
    Ok(sys.sock_connect(fd, addr)?)
}

fn sock_listen<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, backlog: u32) -> R {
    Ok(sys.sock_listen(fd, backlog)?)
}

fn sock_accept_v1<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    mem.check_out::<u32>(out)?;
    Ok(mem.write_u32(out, sys.sock_accept(fd, Fdflags::empty())?)?)
}

#[allow(clippy::too_many_arguments)]
fn recv_from<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    addr: u32,
    flags: u32,
    port_out: Option<u32>,
    nread: u32,
    oflags: u32,
) -> R {
    IovecList::<0>::decode(mem, iovs, len)?;
    let flags = decode_flags::<Riflags>(flags)?;
    let addr_range = address_range(mem, addr)?;
    let layout = if port_out.is_some() { AddrLayout::Storage } else { AddrLayout::Raw };
    if !layout.fits(addr_range.len()) {
        return Err(Errno::INVAL.into());
    }
    if let Some(p) = port_out {
        mem.check_out::<u16>(p)?;
    }
    mem.check_out::<u32>(nread)?;
    mem.check_out::<u16>(oflags)?;
    if layout == AddrLayout::Raw && addr_range.len() == 4 && sys.sock_getlocaladdr(fd)?.is_ipv6() {
        // v1 stores the sender's raw address: 4 bytes cannot hold what an
        // IPv6 socket may receive from. Refused before anything is
        // received, so no datagram is lost to a failed call.
        return Err(Errno::INVAL.into());
    }
    let (n, ro, from) = mem.with_scatter(iovs, len, |bufs| sys.sock_recv_from(fd, bufs, flags))??;
    let out = &mut mem.bytes_mut()[addr_range];
    match from {
        Some(from) => layout.write(from.ip(), out)?,
        None => out.fill(0),
    }
    if let Some(p) = port_out {
        mem.write_u16(p, from.map_or(0, |a| a.port()))?;
    }
    mem.write_u32(nread, n)?;
    Ok(mem.write_u16(oflags, ro.bits())?)
}

#[allow(clippy::too_many_arguments)]
fn sock_recv_from_v1<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    addr: u32,
    flags: u32,
    nread: u32,
    oflags: u32,
) -> R {
    recv_from(mem, sys, fd, iovs, len, addr, flags, None, nread, oflags)
}

#[allow(clippy::too_many_arguments)]
fn sock_recv_from_v2<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    addr: u32,
    flags: u32,
    port: u32,
    nread: u32,
    oflags: u32,
) -> R {
    recv_from(mem, sys, fd, iovs, len, addr, flags, Some(port), nread, oflags)
}

#[allow(clippy::too_many_arguments)]
fn sock_send_to<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    addr: u32,
    port: u32,
    flags: u32,
    out: u32,
) -> R {
    IovecList::<0>::decode(mem, iovs, len)?;
    let addr = read_socket_addr(mem, addr, port)?;
    let flags = decode_flags::<Siflags>(flags)?;
    mem.check_out::<u32>(out)?;
    let n = mem.with_gather(iovs, len, |bufs| sys.sock_send_to(fd, bufs, addr, flags))??;
    Ok(mem.write_u32(out, n)?)
}

fn opt_names(level: u32, name: u32) -> Result<(SockOptLevel, SockOpt), Errno> {
    Ok((SockOptLevel::try_from(level)?, SockOpt::try_from(name)?))
}

fn sock_getsockopt<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    level: u32,
    name: u32,
    val: u32,
    len: u32,
) -> R {
    let (level, name) = opt_names(level, name)?;
    // Integer options only: the value buffer must hold an i32.
    if mem.read_u32(len)? != 4 {
        return Err(Errno::INVAL.into());
    }
    mem.slice(val, 4)?;
    let v = sys.sock_getsockopt(fd, level, name)?;
    mem.slice_mut(val, 4)?.copy_from_slice(&v.to_le_bytes());
    Ok(mem.write_u32(len, 4)?)
}

fn sock_setsockopt<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    level: u32,
    name: u32,
    val: u32,
    len: u32,
) -> R {
    let (level, name) = opt_names(level, name)?;
    if len != 4 {
        return Err(Errno::INVAL.into());
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(mem.slice(val, 4)?);
    Ok(sys.sock_setsockopt(fd, level, name, i32::from_le_bytes(v))?)
}

fn addr_call<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    addr: u32,
    type_out: Option<u32>,
    port: u32,
    peer: bool,
) -> R {
    let range = address_range(mem, addr)?;
    let layout = if type_out.is_some() { AddrLayout::Raw } else { AddrLayout::Storage };
    if !layout.fits(range.len()) {
        return Err(Errno::INVAL.into());
    }
    if let Some(t) = type_out {
        mem.check_out::<u32>(t)?;
    }
    mem.check_out::<u32>(port)?;
    let a = if peer { sys.sock_getpeeraddr(fd)? } else { sys.sock_getlocaladdr(fd)? };
    layout.write(a.ip(), &mut mem.bytes_mut()[range])?;
    if let Some(t) = type_out {
        // v1 reports the type as 4 or 6, as WasmEdge does.
        mem.write_u32(t, if a.is_ipv4() { 4 } else { 6 })?;
    }
    Ok(mem.write_u32(port, u32::from(a.port()))?)
}

fn sock_getlocaladdr_v1<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    addr: u32,
    ty: u32,
    port: u32,
) -> R {
    addr_call(mem, sys, fd, addr, Some(ty), port, false)
}

fn sock_getpeeraddr_v1<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, addr: u32, ty: u32, port: u32) -> R {
    addr_call(mem, sys, fd, addr, Some(ty), port, true)
}

fn sock_getlocaladdr_v2<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, addr: u32, port: u32) -> R {
    addr_call(mem, sys, fd, addr, None, port, false)
}

fn sock_getpeeraddr_v2<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, addr: u32, port: u32) -> R {
    addr_call(mem, sys, fd, addr, None, port, true)
}

#[allow(clippy::too_many_arguments)]
fn sock_getaddrinfo<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    node: u32,
    node_len: u32,
    service: u32,
    service_len: u32,
    hints: u32,
    res: u32,
    max: u32,
    res_len: u32,
) -> R {
    let hints = mem.read::<RawAddrinfo>(hints)?.hints()?;
    mem.check_out::<u32>(res_len)?;
    // The entries the guest prepared, each checked, before resolving; the
    // walk is bounded (MAX_ADDRINFO) whatever `max` and the links say.
    let list = AddrinfoList::decode(mem, res, max)?;
    let found = sys.sock_getaddrinfo(name_str(mem, node, node_len)?, name_str(mem, service, service_len)?, &hints)?;
    let n = found.len().min(list.slots().len());
    for (info, slot) in found.iter().zip(list.slots()) {
        let result = AddrinfoResult {
            flags: hints.flags,
            socktype: info.socktype,
            protocol: info.protocol,
            addr: info.addr,
            canonname: info.canonname.as_deref(),
        };
        slot.write(mem, &result)?;
    }
    Ok(mem.write_u32(res_len, n as u32)?)
}

/// Registers the extension's functions that `module` imports, each in the
/// version its imported signature calls for.
///
/// # Errors
/// If the linker refuses a definition.
pub fn add_wasmedge_sockets<T: 'static, S: System + 'static>(
    linker: &mut Linker<T>,
    module: &Module,
    get: fn(&mut T) -> &mut WasiCtx<S>,
) -> Result<(), LinkerError> {
    // Each call that receives or accepts waits to read its fd (the first
    // parameter), each that sends to write it ([`crate::waits`]).
    macro_rules! reg {
        ($name:expr, $f:ident, $($p:ident),*) => {
            reg!(@ $name, $f, Waits::Never, $($p),*)
        };
        (read $name:expr, $f:ident, $fd:ident $(, $p:ident)*) => {
            reg!(@ $name, $f, Waits::Fd($fd, Interest::Read), $fd $(, $p)*)
        };
        (write $name:expr, $f:ident, $fd:ident $(, $p:ident)*) => {
            reg!(@ $name, $f, Waits::Fd($fd, Interest::Write), $fd $(, $p)*)
        };
        (@ $name:expr, $f:ident, $waits:expr, $($p:ident),*) => {
            linker.func_wrap(MODULE, $name, move |mut caller: Caller<'_, T>, $($p: u32),*| -> Result<u32, wasmi::Error> {
                import(&mut caller, get, $waits, move |mem, sys| $f(mem, sys, $($p),*))
            })?
        };
    }
    linker.allow_shadowing(true);
    for import in module.imports() {
        if import.module() != MODULE {
            continue;
        }
        let ExternType::Func(ty) = import.ty() else { continue };
        if !ty.params().iter().all(|p| *p == ValType::I32) || ty.results() != [ValType::I32] {
            continue;
        }
        let name = import.name();
        let plain = name.strip_suffix("_v2").unwrap_or(name);
        let v2_name = plain != name;
        match (plain, ty.params().len()) {
            ("sock_open", 3) => reg!(name, sock_open, a, b, c),
            ("sock_bind", 3) => reg!(name, sock_bind, a, b, c),
            ("sock_connect", 3) => reg!(name, sock_connect, a, b, c),
            ("sock_listen", 2) => reg!(name, sock_listen, a, b),
            ("sock_accept", 2) if !v2_name => reg!(read name, sock_accept_v1, a, b),
            ("sock_accept", 3) if v2_name => reg!(read name, preview1_sock_accept, a, b, c),
            ("sock_recv", 6) if v2_name => reg!(read name, preview1_sock_recv, a, b, c, d, e, f),
            ("sock_send", 5) if v2_name => reg!(write name, preview1_sock_send, a, b, c, d, e),
            ("sock_recv_from", 7) if !v2_name => reg!(read name, sock_recv_from_v1, a, b, c, d, e, f, g),
            ("sock_recv_from", 8) => reg!(read name, sock_recv_from_v2, a, b, c, d, e, f, g, h),
            ("sock_send_to", 7) => reg!(write name, sock_send_to, a, b, c, d, e, f, g),
            ("sock_getsockopt", 5) if !v2_name => reg!(name, sock_getsockopt, a, b, c, d, e),
            ("sock_setsockopt", 5) if !v2_name => reg!(name, sock_setsockopt, a, b, c, d, e),
            ("sock_getlocaladdr", 4) if !v2_name => reg!(name, sock_getlocaladdr_v1, a, b, c, d),
            ("sock_getpeeraddr", 4) if !v2_name => reg!(name, sock_getpeeraddr_v1, a, b, c, d),
            ("sock_getlocaladdr", 3) => reg!(name, sock_getlocaladdr_v2, a, b, c),
            ("sock_getpeeraddr", 3) => reg!(name, sock_getpeeraddr_v2, a, b, c),
            ("sock_getaddrinfo", 8) if !v2_name => reg!(name, sock_getaddrinfo, a, b, c, d, e, f, g, h),
            _ => &mut *linker,
        };
    }
    linker.allow_shadowing(false);
    Ok(())
}

fn preview1_sock_accept<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, flags: u32, out: u32) -> R {
    crate::preview1::sock_accept(mem, sys, fd, flags, out)
}

#[allow(clippy::too_many_arguments)]
fn preview1_sock_recv<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    e: u32,
    f: u32,
) -> R {
    crate::preview1::sock_recv(mem, sys, a, b, c, d, e, f)
}

fn preview1_sock_send<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, a: u32, b: u32, c: u32, d: u32, e: u32) -> R {
    crate::preview1::sock_send(mem, sys, a, b, c, d, e)
}
