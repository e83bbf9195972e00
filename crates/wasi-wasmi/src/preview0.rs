//! The `wasi_unstable` (preview0) calls whose ABI differs from preview1's;
//! every other preview0 import is served by its preview1 body.

use crate::Fail;
use crate::preview1::{fd_filestat_get_as, path_filestat_get_as, poll_oneoff_as, seek};
use wasi_abi::preview0::{Filestat0, RIGHTS, Subscription0, whence};
use wasi_abi::{Fdstat, GuestMemory};
use wasi_preview1::System;

type R = Result<(), Fail>;

/// `fd_fdstat_get`: preview0 has no `sock_accept` right.
pub(crate) fn fd_fdstat_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    mem.check_out::<Fdstat>(out)?;
    let mut stat = sys.fd_fdstat_get(fd)?;
    stat.fs_rights_base &= RIGHTS;
    stat.fs_rights_inheriting &= RIGHTS;
    Ok(mem.write(out, &stat)?)
}

/// `fd_filestat_get` with preview0's 56-byte `filestat`.
pub(crate) fn fd_filestat_get<S: System>(mem: &mut GuestMemory<'_>, sys: &mut S, fd: u32, out: u32) -> R {
    fd_filestat_get_as(mem, sys, fd, out, Filestat0)
}

/// `fd_seek` with preview0's `whence` values.
pub(crate) fn fd_seek<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    offset: u64,
    whence_raw: u32,
    out: u32,
) -> R {
    seek(mem, sys, fd, offset, whence(whence_raw)?, out)
}

/// `path_filestat_get` with preview0's 56-byte `filestat`.
pub(crate) fn path_filestat_get<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> R {
    path_filestat_get_as(mem, sys, fd, flags, path, len, out, Filestat0)
}

/// `poll_oneoff` with preview0's 56-byte `subscription`.
pub(crate) fn poll_oneoff<S: System>(
    mem: &mut GuestMemory<'_>,
    sys: &mut S,
    in_: u32,
    out: u32,
    nsubs: u32,
    nevents: u32,
) -> R {
    poll_oneoff_as::<S, Subscription0>(mem, sys, in_, out, nsubs, nevents, None)
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
    poll_oneoff_as::<S, Subscription0>(mem, sys, in_, out, nsubs, nevents, Some(anchors))
}
