//! The body of every import: decode the arguments from guest memory with
//! `wasi-abi`, call the [`System`], encode the results.
//!
//! Every guest value is decoded and every result pointer checked before
//! the `System` acts, so a bad pointer never leaves a half-done call
//! behind. Nothing here allocates, except `poll_oneoff` beyond
//! [`POLL_INLINE`] subscriptions (at most [`MAX_POLL_SUBSCRIPTIONS`]) and
//! `path_readlink` when the guest's path and buffer overlap (at most
//! [`wasi_abi::MAX_PATH`] bytes).

use crate::Fail;
use smallvec::SmallVec;
use std::io::{IoSlice, IoSliceMut};
use wasi_abi::{
    Advice, Clockid, Errno, Event, Fdflags, Fdstat, Filestat, Fstflags, GuestMemory, Iovec, IovecList, Layout,
    Lookupflags, MAX_IOVS, Oflags, Prestat, Riflags, Rights, Sdflags, Siflags, Signal, Subscription, Whence,
    checked_range, decode_enum, decode_flags,
};
use wasi_preview1::{Raised, System};

/// `poll_oneoff` subscriptions decoded without heap allocation.
pub const POLL_INLINE: usize = 32;

/// The most subscriptions one `poll_oneoff` takes (`ENOMEM` past it): the
/// host copies each, so this bounds what one call may make it allocate
/// (about 6 MiB) whatever memory the guest has.
pub const MAX_POLL_SUBSCRIPTIONS: u32 = 1 << 16;

type R = Result<(), Fail>;

/// Runs `f` with the host slices of the gather (write) list of `count`
/// iovecs at `iovs`, in guest order; entries may overlap freely.
///
/// One iovec (by far the most common) needs no list; up to 4 use a small
/// one; longer lists use [`MAX_IOVS`] slots, and a call transfers what those
/// hold.
#[inline]
pub(crate) fn with_bufs<T>(
    mem: &GuestMemory<'_>,
    iovs: u32,
    count: u32,
    f: impl FnOnce(&[IoSlice<'_>]) -> T,
) -> Result<T, Errno> {
    if count == 1 {
        let iov: Iovec = mem.read(iovs)?;
        return Ok(f(&[IoSlice::new(mem.slice(iov.buf, iov.buf_len)?)]));
    }
    if count <= 4 {
        return Ok(gather(&IovecList::<4>::decode(mem, iovs, count)?, mem.bytes(), f));
    }
    Ok(gather(&IovecList::<MAX_IOVS>::decode(mem, iovs, count)?, mem.bytes(), f))
}

#[inline]
fn gather<const N: usize, T>(list: &IovecList<N>, mem: &[u8], f: impl FnOnce(&[IoSlice<'_>]) -> T) -> T {
    let mut bufs = [IoSlice::new(&[]); N];
    let mut n = 0;
    for (slot, s) in bufs.iter_mut().zip(list.shared(mem)) {
        *slot = IoSlice::new(s);
        n += 1;
    }
    f(&bufs[..n])
}

/// Runs `f` with the host slices of the scatter (read) list of `count`
/// iovecs at `iovs`: its longest prefix of pairwise-disjoint entries, in
/// guest order (see [`IovecList::carve`]).
#[inline]
pub(crate) fn with_bufs_mut<T>(
    mem: &mut GuestMemory<'_>,
    iovs: u32,
    count: u32,
    f: impl FnOnce(&mut [IoSliceMut<'_>]) -> T,
) -> Result<T, Errno> {
    if count == 1 {
        let iov: Iovec = mem.read(iovs)?;
        return Ok(f(&mut [IoSliceMut::new(mem.slice_mut(iov.buf, iov.buf_len)?)]));
    }
    if count <= 4 {
        let list = IovecList::<4>::decode(mem, iovs, count)?;
        return Ok(scatter(&list, mem.bytes_mut(), f));
    }
    let list = IovecList::<MAX_IOVS>::decode(mem, iovs, count)?;
    Ok(scatter(&list, mem.bytes_mut(), f))
}

#[inline]
fn scatter<const N: usize, T>(list: &IovecList<N>, mem: &mut [u8], f: impl FnOnce(&mut [IoSliceMut<'_>]) -> T) -> T {
    let mut slots: [&mut [u8]; N] = std::array::from_fn(|_| &mut [][..]);
    let n = list.carve(mem, &mut slots);
    let mut bufs: [IoSliceMut<'_>; N] = std::array::from_fn(|i| IoSliceMut::new(std::mem::take(&mut slots[i])));
    f(&mut bufs[..n])
}

/// Writes a pair of `size` results.
fn write_sizes(mem: &mut GuestMemory<'_>, a_ptr: u32, b_ptr: u32, (a, b): (u32, u32)) -> R {
    mem.write_u32(a_ptr, a)?;
    mem.write_u32(b_ptr, b)?;
    Ok(())
}

pub(crate) fn args_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, argv: u32, argv_buf: u32) -> R {
    Ok(sys.args_get()?.encode(mem, argv, argv_buf)?)
}

pub(crate) fn args_sizes_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, argc: u32, size: u32) -> R {
    mem.check_out::<u32>(argc)?;
    mem.check_out::<u32>(size)?;
    write_sizes(mem, argc, size, sys.args_sizes_get()?)
}

pub(crate) fn environ_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, environ: u32, buf: u32) -> R {
    Ok(sys.environ_get()?.encode(mem, environ, buf)?)
}

pub(crate) fn environ_sizes_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, count: u32, size: u32) -> R {
    mem.check_out::<u32>(count)?;
    mem.check_out::<u32>(size)?;
    write_sizes(mem, count, size, sys.environ_sizes_get()?)
}

pub(crate) fn clock_res_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, id: u32, out: u32) -> R {
    let id = Clockid::try_from(id)?;
    mem.check_out::<u64>(out)?;
    Ok(mem.write_u64(out, sys.clock_res_get(id)?)?)
}

pub(crate) fn clock_time_get<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    id: u32,
    precision: u64,
    out: u32,
) -> R {
    let id = Clockid::try_from(id)?;
    mem.check_out::<u64>(out)?;
    Ok(mem.write_u64(out, sys.clock_time_get(id, precision)?)?)
}

pub(crate) fn fd_advise<S: System>(
    _: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> R {
    let advice = decode_enum::<Advice, u8>(advice)?;
    Ok(sys.fd_advise(fd, offset, len, advice)?)
}

pub(crate) fn fd_allocate<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, offset: u64, len: u64) -> R {
    Ok(sys.fd_allocate(fd, offset, len)?)
}

pub(crate) fn fd_close<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32) -> R {
    Ok(sys.fd_close(fd)?)
}

pub(crate) fn fd_datasync<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32) -> R {
    Ok(sys.fd_datasync(fd)?)
}

pub(crate) fn fd_fdstat_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    mem.check_out::<Fdstat>(out)?;
    Ok(mem.write(out, &sys.fd_fdstat_get(fd)?)?)
}

pub(crate) fn fd_fdstat_set_flags<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, flags: u32) -> R {
    let flags = decode_flags::<Fdflags>(flags)?;
    Ok(sys.fd_fdstat_set_flags(fd, flags)?)
}

pub(crate) fn fd_fdstat_set_rights<S: System>(
    _: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> R {
    let base = decode_flags::<Rights>(base)?;
    let inheriting = decode_flags::<Rights>(inheriting)?;
    Ok(sys.fd_fdstat_set_rights(fd, base, inheriting)?)
}

pub(crate) fn fd_filestat_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    fd_filestat_get_as(mem, sys, fd, out, |s: Filestat| s)
}

/// `fd_filestat_get`, writing the result in layout `L`.
pub(crate) fn fd_filestat_get_as<S: System, L: Layout>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    out: u32,
    layout: fn(Filestat) -> L,
) -> R {
    mem.check_out::<L>(out)?;
    Ok(mem.write(out, &layout(sys.fd_filestat_get(fd)?))?)
}

pub(crate) fn fd_filestat_set_size<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, size: u64) -> R {
    Ok(sys.fd_filestat_set_size(fd, size)?)
}

pub(crate) fn fd_filestat_set_times<S: System>(
    _: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> R {
    let fst = decode_flags::<Fstflags>(fst)?;
    Ok(sys.fd_filestat_set_times(fd, atim, mtim, fst)?)
}

pub(crate) fn fd_pread<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    offset: u64,
    out: u32,
) -> R {
    mem.check_out::<u32>(out)?;
    let n = with_bufs_mut(mem, iovs, len, |bufs| sys.fd_pread(fd, bufs, offset))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn fd_prestat_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    mem.check_out::<Prestat>(out)?;
    Ok(mem.write(out, &sys.fd_prestat_get(fd)?)?)
}

pub(crate) fn fd_prestat_dir_name<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    path: u32,
    len: u32,
) -> R {
    Ok(sys.fd_prestat_dir_name(fd, mem.slice_mut(path, len)?)?)
}

pub(crate) fn fd_pwrite<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    offset: u64,
    out: u32,
) -> R {
    mem.check_out::<u32>(out)?;
    let n = with_bufs(mem, iovs, len, |bufs| sys.fd_pwrite(fd, bufs, offset))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn fd_read<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, iovs: u32, len: u32, out: u32) -> R {
    mem.check_out::<u32>(out)?;
    let n = with_bufs_mut(mem, iovs, len, |bufs| sys.fd_read(fd, bufs))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn fd_readdir<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    buf: u32,
    len: u32,
    cookie: u64,
    out: u32,
) -> R {
    mem.check_out::<u32>(out)?;
    let n = sys.fd_readdir(fd, mem.slice_mut(buf, len)?, cookie)?;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn fd_renumber<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, to: u32) -> R {
    Ok(sys.fd_renumber(fd, to)?)
}

pub(crate) fn fd_seek<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    offset: u64,
    whence: u32,
    out: u32,
) -> R {
    seek(mem, sys, fd, offset, decode_enum::<Whence, u8>(whence)?, out)
}

/// `fd_seek` with a decoded `whence`.
pub(crate) fn seek<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    offset: u64,
    whence: Whence,
    out: u32,
) -> R {
    mem.check_out::<u64>(out)?;
    Ok(mem.write_u64(out, sys.fd_seek(fd, offset as i64, whence)?)?)
}

pub(crate) fn fd_sync<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32) -> R {
    Ok(sys.fd_sync(fd)?)
}

pub(crate) fn fd_tell<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    mem.check_out::<u64>(out)?;
    Ok(mem.write_u64(out, sys.fd_tell(fd)?)?)
}

pub(crate) fn fd_write<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, iovs: u32, len: u32, out: u32) -> R {
    mem.check_out::<u32>(out)?;
    let n = with_bufs(mem, iovs, len, |bufs| sys.fd_write(fd, bufs))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn path_create_directory<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    path: u32,
    len: u32,
) -> R {
    Ok(sys.path_create_directory(fd, mem.path(path, len)?)?)
}

pub(crate) fn path_filestat_get<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> R {
    path_filestat_get_as(mem, sys, fd, flags, path, len, out, |s: Filestat| s)
}

/// `path_filestat_get`, writing the result in layout `L`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn path_filestat_get_as<S: System, L: Layout>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
    layout: fn(Filestat) -> L,
) -> R {
    let flags = decode_flags::<Lookupflags>(flags)?;
    mem.check_out::<L>(out)?;
    let stat = sys.path_filestat_get(fd, flags, mem.path(path, len)?)?;
    Ok(mem.write(out, &layout(stat))?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_filestat_set_times<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> R {
    let flags = decode_flags::<Lookupflags>(flags)?;
    let fst = decode_flags::<Fstflags>(fst)?;
    Ok(sys.path_filestat_set_times(fd, flags, mem.path(path, len)?, atim, mtim, fst)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_link<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> R {
    let old_flags = decode_flags::<Lookupflags>(old_flags)?;
    Ok(sys.path_link(old_fd, old_flags, mem.path(old_path, old_len)?, new_fd, mem.path(new_path, new_len)?)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_open<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    dirflags: u32,
    path: u32,
    len: u32,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
    out: u32,
) -> R {
    let dirflags = decode_flags::<Lookupflags>(dirflags)?;
    let oflags = decode_flags::<Oflags>(oflags)?;
    let base = decode_flags::<Rights>(base)?;
    let inheriting = decode_flags::<Rights>(inheriting)?;
    let fdflags = decode_flags::<Fdflags>(fdflags)?;
    mem.check_out::<u32>(out)?;
    let opened = sys.path_open(fd, dirflags, mem.path(path, len)?, oflags, base, inheriting, fdflags)?;
    Ok(mem.write_u32(out, opened)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_readlink<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    out: u32,
) -> R {
    let p = checked_range(mem.len(), path, u64::from(path_len))?;
    let b = checked_range(mem.len(), buf, u64::from(buf_len))?;
    mem.check_out::<u32>(out)?;
    if p.len() > wasi_abi::MAX_PATH {
        return Err(Errno::NAMETOOLONG.into());
    }
    let bytes = mem.bytes_mut();
    let n = if p.end <= b.start || b.end <= p.start {
        // Disjoint: borrow both in place.
        let (path_bytes, buf_bytes) = if p.end <= b.start {
            let (lo, hi) = bytes.split_at_mut(b.start);
            (&lo[p.clone()], &mut hi[..b.len()])
        } else {
            let (lo, hi) = bytes.split_at_mut(p.start);
            (&hi[..p.len()], &mut lo[b.clone()])
        };
        let path = std::str::from_utf8(path_bytes).map_err(|_| Errno::ILSEQ)?;
        sys.path_readlink(fd, path, buf_bytes)?
    } else {
        // The guest's path overlaps its own result buffer: copy the path.
        let path = std::str::from_utf8(&bytes[p]).map_err(|_| Errno::ILSEQ)?.to_owned();
        sys.path_readlink(fd, &path, &mut bytes[b])?
    };
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn path_remove_directory<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    path: u32,
    len: u32,
) -> R {
    Ok(sys.path_remove_directory(fd, mem.path(path, len)?)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn path_rename<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> R {
    Ok(sys.path_rename(fd, mem.path(old_path, old_len)?, new_fd, mem.path(new_path, new_len)?)?)
}

pub(crate) fn path_symlink<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> R {
    Ok(sys.path_symlink(mem.path(old_path, old_len)?, fd, mem.path(new_path, new_len)?)?)
}

pub(crate) fn path_unlink_file<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, path: u32, len: u32) -> R {
    Ok(sys.path_unlink_file(fd, mem.path(path, len)?)?)
}

pub(crate) fn poll_oneoff<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    in_: u32,
    out: u32,
    nsubs: u32,
    nevents: u32,
) -> R {
    poll_oneoff_as::<S, Subscription>(mem, sys, in_, out, nsubs, nevents)
}

/// `poll_oneoff` with subscriptions in layout `L`.
pub(crate) fn poll_oneoff_as<S: System, L: Layout + Into<Subscription>>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    in_: u32,
    out: u32,
    nsubs: u32,
    nevents: u32,
) -> R {
    let subs_range = mem.check_array(in_, nsubs, L::SIZE, L::ALIGN)?;
    mem.check_array(out, nsubs, Event::SIZE, Event::ALIGN)?;
    mem.check_out::<u32>(nevents)?;
    if nsubs > MAX_POLL_SUBSCRIPTIONS {
        return Err(Errno::NOMEM.into());
    }
    let mut subs: SmallVec<[Subscription; POLL_INLINE]> = SmallVec::new();
    for raw in mem.bytes()[subs_range].chunks_exact(L::SIZE as usize) {
        subs.push(L::decode(raw)?.into());
    }
    let mut events: SmallVec<[Event; POLL_INLINE]> = SmallVec::from_elem(Event::default(), subs.len());
    let n = (sys.poll_oneoff(&subs, &mut events)? as usize).min(events.len());
    for (i, ev) in events[..n].iter().enumerate() {
        mem.write(out + i as u32 * Event::SIZE, ev)?;
    }
    Ok(mem.write_u32(nevents, n as u32)?)
}

pub(crate) fn proc_exit<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, rval: u32) -> R {
    sys.proc_exit(rval);
    Err(Fail::Exit(rval as i32))
}

pub(crate) fn proc_raise<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, sig: u32) -> R {
    let sig = decode_enum::<Signal, u8>(sig)?;
    match sys.proc_raise(sig)? {
        Raised::Continue => Ok(()),
        Raised::Terminate(status) => Err(Fail::Exit(status as i32)),
    }
}

pub(crate) fn sched_yield<S: System>(_: &mut GuestMemory<'_>, sys: &mut S) -> R {
    Ok(sys.sched_yield()?)
}

pub(crate) fn random_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, buf: u32, len: u32) -> R {
    Ok(sys.random_get(mem.slice_mut(buf, len)?)?)
}

pub(crate) fn sock_accept<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, flags: u32, out: u32) -> R {
    let flags = decode_flags::<Fdflags>(flags)?;
    mem.check_out::<u32>(out)?;
    Ok(mem.write_u32(out, sys.sock_accept(fd, flags)?)?)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn sock_recv<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    ri_flags: u32,
    out_len: u32,
    out_flags: u32,
) -> R {
    let ri_flags = decode_flags::<Riflags>(ri_flags)?;
    mem.check_out::<u32>(out_len)?;
    mem.check_out::<u16>(out_flags)?;
    let (n, ro) = with_bufs_mut(mem, iovs, len, |bufs| sys.sock_recv(fd, bufs, ri_flags))??;
    mem.write_u32(out_len, n)?;
    Ok(mem.write_u16(out_flags, ro.bits())?)
}

pub(crate) fn sock_send<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    iovs: u32,
    len: u32,
    si_flags: u32,
    out: u32,
) -> R {
    let si_flags = decode_flags::<Siflags>(si_flags)?;
    mem.check_out::<u32>(out)?;
    let n = with_bufs(mem, iovs, len, |bufs| sys.sock_send(fd, bufs, si_flags))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn sock_shutdown<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, how: u32) -> R {
    let how = decode_flags::<Sdflags>(how)?;
    Ok(sys.sock_shutdown(fd, how)?)
}
