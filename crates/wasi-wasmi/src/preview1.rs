//! The body of every import: decode the arguments from guest memory with
//! `wasi-abi`, call the [`System`], encode the results.
//!
//! Every guest value is decoded and every result pointer checked before
//! the `System` acts, so a bad pointer never leaves a half-done call
//! behind. The decoding itself is `wasi-abi`'s; this is glue. Nothing here
//! allocates, except `poll_oneoff` beyond [`POLL_INLINE`] subscriptions (at
//! most [`MAX_POLL_SUBSCRIPTIONS`]) and `path_readlink` when the guest's
//! path and buffer overlap (at most [`wasi_abi::MAX_PATH`] bytes).

use crate::Fail;
use smallvec::SmallVec;
use wasi_abi::{
    Advice, Clockid, DirentWriter, Errno, Event, Fdflags, Fdstat, Filestat, Fstflags, GuestMemory, Layout, Lookupflags,
    MAX_POLL_SUBSCRIPTIONS, Oflags, POLL_INLINE, Prestat, Riflags, Rights, Sdflags, Siflags, Signal, Subscription,
    Whence, decode_enum, decode_flags,
};
use wasi_preview1::{Raised, System};

type R = Result<(), Fail>;

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
    let n = mem.with_scatter(iovs, len, |bufs| sys.fd_pread(fd, bufs, offset))??;
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
    let n = mem.with_gather(iovs, len, |bufs| sys.fd_pwrite(fd, bufs, offset))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn fd_read<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, iovs: u32, len: u32, out: u32) -> R {
    mem.check_out::<u32>(out)?;
    let n = mem.with_scatter(iovs, len, |bufs| sys.fd_read(fd, bufs))??;
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
    let mut dirents = DirentWriter::new(mem.slice_mut(buf, len)?);
    sys.fd_readdir(fd, &mut dirents, cookie)?;
    let n = dirents.used() as u32;
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
    let n = mem.with_gather(iovs, len, |bufs| sys.fd_write(fd, bufs))??;
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
    mem.check_out::<u32>(out)?;
    let (path, buf) = mem.path_and_buffer(path, path_len, buf, buf_len)?;
    let n = sys.path_readlink(fd, &path, buf)?;
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
    poll_oneoff_as::<S, Subscription>(mem, sys, in_, out, nsubs, nevents, None)
}

/// [`poll_oneoff`] in non-blocking mode ([`crate::waits`]).
pub(crate) fn poll_oneoff_anchored<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    in_: u32,
    out: u32,
    nsubs: u32,
    nevents: u32,
    anchors: &mut crate::waits::Anchors,
) -> R {
    poll_oneoff_as::<S, Subscription>(mem, sys, in_, out, nsubs, nevents, Some(anchors))
}

/// `poll_oneoff` with subscriptions in layout `L`. With `anchors` (the
/// non-blocking mode, [`crate::waits`]), relative clocks are fixed to the
/// absolute times in it (computed on the first try), and a poll that finds
/// nothing ready writes nothing and is `Fail::Block` with what it waits for.
pub(crate) fn poll_oneoff_as<S: System, L: Layout + Into<Subscription>>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    in_: u32,
    out: u32,
    nsubs: u32,
    nevents: u32,
    anchors: Option<&mut crate::waits::Anchors>,
) -> R {
    let raw = mem.read_array::<L>(in_, nsubs)?;
    mem.check_array(out, nsubs, Event::SIZE, Event::ALIGN)?;
    mem.check_out::<u32>(nevents)?;
    if nsubs > MAX_POLL_SUBSCRIPTIONS {
        return Err(Errno::NOMEM.into());
    }
    let mut subs: SmallVec<[Subscription; POLL_INLINE]> = SmallVec::new();
    for s in raw {
        subs.push(s?.into());
    }
    let blocking = anchors.is_none();
    if let Some(anchors) = anchors {
        crate::waits::anchor(sys, &mut subs, anchors);
    }
    let mut events: SmallVec<[Event; POLL_INLINE]> = SmallVec::from_elem(Event::default(), subs.len());
    let n = (sys.poll_oneoff(&subs, &mut events)? as usize).min(events.len());
    if n == 0 && !blocking {
        return Err(Fail::Block(crate::waits::poll_wait(sys, &subs)));
    }
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
    let (n, ro) = mem.with_scatter(iovs, len, |bufs| sys.sock_recv(fd, bufs, ri_flags))??;
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
    let n = mem.with_gather(iovs, len, |bufs| sys.sock_send(fd, bufs, si_flags))??;
    Ok(mem.write_u32(out, n)?)
}

pub(crate) fn sock_shutdown<S: System>(_: &mut GuestMemory<'_>, sys: &mut S, fd: u32, how: u32) -> R {
    let how = decode_flags::<Sdflags>(how)?;
    Ok(sys.sock_shutdown(fd, how)?)
}
