//! The one table that maps host errno values to preview1 errno values.
//!
//! Every errno that Linux defines is listed: the 76 with a preview1
//! counterpart map to it by name; Linux-only values map to the closest
//! preview1 meaning, and the rest to `EIO`. Tested below, value by value.

use rustix::io::Errno as Host;
use wasi_abi::Errno;

/// Maps a host errno to the preview1 errno with the same meaning.
#[must_use]
pub fn from_host(e: Host) -> Errno {
    match e {
        Host::TOOBIG => Errno::TOOBIG,
        Host::ACCESS => Errno::ACCES,
        Host::ADDRINUSE => Errno::ADDRINUSE,
        Host::ADDRNOTAVAIL => Errno::ADDRNOTAVAIL,
        Host::AFNOSUPPORT | Host::PFNOSUPPORT => Errno::AFNOSUPPORT,
        Host::AGAIN => Errno::AGAIN,
        Host::ALREADY => Errno::ALREADY,
        Host::BADF => Errno::BADF,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::BADFD => Errno::BADF,
        Host::BADMSG => Errno::BADMSG,
        Host::BUSY => Errno::BUSY,
        Host::CANCELED => Errno::CANCELED,
        Host::CHILD => Errno::CHILD,
        Host::CONNABORTED => Errno::CONNABORTED,
        Host::CONNREFUSED => Errno::CONNREFUSED,
        Host::CONNRESET => Errno::CONNRESET,
        Host::DEADLK => Errno::DEADLK,
        Host::DESTADDRREQ => Errno::DESTADDRREQ,
        Host::DOM => Errno::DOM,
        Host::DQUOT => Errno::DQUOT,
        Host::EXIST => Errno::EXIST,
        Host::FAULT => Errno::FAULT,
        Host::FBIG => Errno::FBIG,
        Host::HOSTUNREACH | Host::HOSTDOWN => Errno::HOSTUNREACH,
        Host::IDRM => Errno::IDRM,
        Host::ILSEQ => Errno::ILSEQ,
        Host::INPROGRESS => Errno::INPROGRESS,
        Host::INTR => Errno::INTR,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::RESTART => Errno::INTR,
        Host::INVAL => Errno::INVAL,
        Host::IO => Errno::IO,
        Host::ISCONN => Errno::ISCONN,
        Host::ISDIR => Errno::ISDIR,
        Host::LOOP => Errno::LOOP,
        Host::MFILE => Errno::MFILE,
        Host::MLINK => Errno::MLINK,
        Host::MSGSIZE => Errno::MSGSIZE,
        Host::MULTIHOP => Errno::MULTIHOP,
        Host::NAMETOOLONG => Errno::NAMETOOLONG,
        Host::NETDOWN => Errno::NETDOWN,
        Host::NETRESET => Errno::NETRESET,
        Host::NETUNREACH => Errno::NETUNREACH,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::NONET => Errno::NETUNREACH,
        Host::NFILE => Errno::NFILE,
        Host::NOBUFS => Errno::NOBUFS,
        Host::NODEV => Errno::NODEV,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::NOMEDIUM | Host::MEDIUMTYPE => Errno::NODEV,
        Host::NOENT => Errno::NOENT,
        Host::NOEXEC => Errno::NOEXEC,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::LIBBAD | Host::LIBEXEC => Errno::NOEXEC,
        Host::NOLCK => Errno::NOLCK,
        Host::NOLINK => Errno::NOLINK,
        Host::NOMEM => Errno::NOMEM,
        Host::NOMSG => Errno::NOMSG,
        Host::NOPROTOOPT => Errno::NOPROTOOPT,
        Host::NOSPC => Errno::NOSPC,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Host::XFULL => Errno::NOSPC,
        Host::NOSYS => Errno::NOSYS,
        Host::NOTCONN => Errno::NOTCONN,
        Host::NOTDIR => Errno::NOTDIR,
        Host::NOTEMPTY => Errno::NOTEMPTY,
        #[cfg(not(target_os = "freebsd"))]
        Host::NOTRECOVERABLE => Errno::NOTRECOVERABLE,
        Host::NOTSOCK => Errno::NOTSOCK,
        Host::NOTSUP | Host::SOCKTNOSUPPORT => Errno::NOTSUP,
        // One value on Linux and FreeBSD; two on Apple systems.
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        Host::OPNOTSUPP => Errno::NOTSUP,
        #[cfg(target_os = "freebsd")]
        Host::NOTCAPABLE | Host::CAPMODE => Errno::NOTCAPABLE,
        Host::NOTTY => Errno::NOTTY,
        Host::NXIO => Errno::NXIO,
        Host::OVERFLOW => Errno::OVERFLOW,
        #[cfg(not(target_os = "freebsd"))]
        Host::OWNERDEAD => Errno::OWNERDEAD,
        Host::PERM => Errno::PERM,
        Host::PIPE | Host::SHUTDOWN => Errno::PIPE,
        Host::PROTO => Errno::PROTO,
        Host::PROTONOSUPPORT => Errno::PROTONOSUPPORT,
        Host::PROTOTYPE => Errno::PROTOTYPE,
        Host::RANGE => Errno::RANGE,
        Host::ROFS => Errno::ROFS,
        Host::SPIPE => Errno::SPIPE,
        Host::SRCH => Errno::SRCH,
        Host::STALE => Errno::STALE,
        Host::TIMEDOUT => Errno::TIMEDOUT,
        #[cfg(not(target_os = "freebsd"))]
        Host::TIME => Errno::TIMEDOUT,
        Host::TXTBSY => Errno::TXTBSY,
        Host::XDEV => Errno::XDEV,
        _ => Errno::IO,
    }
}

/// `?`-friendly conversion of a host result.
pub(crate) trait HostResult<T> {
    /// Maps the host errno to the preview1 errno.
    fn wasi(self) -> Result<T, Errno>;
}

impl<T> HostResult<T> for rustix::io::Result<T> {
    #[inline]
    fn wasi(self) -> Result<T, Errno> {
        self.map_err(from_host)
    }
}

/// Runs a host call, retrying it when a signal interrupts it (`EINTR`), and
/// maps its errno.
#[inline]
pub(crate) fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> Result<T, Errno> {
    loop {
        match f() {
            Err(Host::INTR) => continue,
            r => return r.map_err(from_host),
        }
    }
}

// The tables are Linux's: other systems lack some of these names.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn every_named_errno_maps_by_name() {
        let pairs = [
            (Host::TOOBIG, Errno::TOOBIG),
            (Host::ACCESS, Errno::ACCES),
            (Host::ADDRINUSE, Errno::ADDRINUSE),
            (Host::ADDRNOTAVAIL, Errno::ADDRNOTAVAIL),
            (Host::AFNOSUPPORT, Errno::AFNOSUPPORT),
            (Host::AGAIN, Errno::AGAIN),
            (Host::ALREADY, Errno::ALREADY),
            (Host::BADF, Errno::BADF),
            (Host::BADMSG, Errno::BADMSG),
            (Host::BUSY, Errno::BUSY),
            (Host::CANCELED, Errno::CANCELED),
            (Host::CHILD, Errno::CHILD),
            (Host::CONNABORTED, Errno::CONNABORTED),
            (Host::CONNREFUSED, Errno::CONNREFUSED),
            (Host::CONNRESET, Errno::CONNRESET),
            (Host::DEADLK, Errno::DEADLK),
            (Host::DESTADDRREQ, Errno::DESTADDRREQ),
            (Host::DOM, Errno::DOM),
            (Host::DQUOT, Errno::DQUOT),
            (Host::EXIST, Errno::EXIST),
            (Host::FAULT, Errno::FAULT),
            (Host::FBIG, Errno::FBIG),
            (Host::HOSTUNREACH, Errno::HOSTUNREACH),
            (Host::IDRM, Errno::IDRM),
            (Host::ILSEQ, Errno::ILSEQ),
            (Host::INPROGRESS, Errno::INPROGRESS),
            (Host::INTR, Errno::INTR),
            (Host::INVAL, Errno::INVAL),
            (Host::IO, Errno::IO),
            (Host::ISCONN, Errno::ISCONN),
            (Host::ISDIR, Errno::ISDIR),
            (Host::LOOP, Errno::LOOP),
            (Host::MFILE, Errno::MFILE),
            (Host::MLINK, Errno::MLINK),
            (Host::MSGSIZE, Errno::MSGSIZE),
            (Host::MULTIHOP, Errno::MULTIHOP),
            (Host::NAMETOOLONG, Errno::NAMETOOLONG),
            (Host::NETDOWN, Errno::NETDOWN),
            (Host::NETRESET, Errno::NETRESET),
            (Host::NETUNREACH, Errno::NETUNREACH),
            (Host::NFILE, Errno::NFILE),
            (Host::NOBUFS, Errno::NOBUFS),
            (Host::NODEV, Errno::NODEV),
            (Host::NOENT, Errno::NOENT),
            (Host::NOEXEC, Errno::NOEXEC),
            (Host::NOLCK, Errno::NOLCK),
            (Host::NOLINK, Errno::NOLINK),
            (Host::NOMEM, Errno::NOMEM),
            (Host::NOMSG, Errno::NOMSG),
            (Host::NOPROTOOPT, Errno::NOPROTOOPT),
            (Host::NOSPC, Errno::NOSPC),
            (Host::NOSYS, Errno::NOSYS),
            (Host::NOTCONN, Errno::NOTCONN),
            (Host::NOTDIR, Errno::NOTDIR),
            (Host::NOTEMPTY, Errno::NOTEMPTY),
            (Host::NOTRECOVERABLE, Errno::NOTRECOVERABLE),
            (Host::NOTSOCK, Errno::NOTSOCK),
            (Host::NOTSUP, Errno::NOTSUP),
            (Host::NOTTY, Errno::NOTTY),
            (Host::NXIO, Errno::NXIO),
            (Host::OVERFLOW, Errno::OVERFLOW),
            (Host::OWNERDEAD, Errno::OWNERDEAD),
            (Host::PERM, Errno::PERM),
            (Host::PIPE, Errno::PIPE),
            (Host::PROTO, Errno::PROTO),
            (Host::PROTONOSUPPORT, Errno::PROTONOSUPPORT),
            (Host::PROTOTYPE, Errno::PROTOTYPE),
            (Host::RANGE, Errno::RANGE),
            (Host::ROFS, Errno::ROFS),
            (Host::SPIPE, Errno::SPIPE),
            (Host::SRCH, Errno::SRCH),
            (Host::STALE, Errno::STALE),
            (Host::TIMEDOUT, Errno::TIMEDOUT),
            (Host::TXTBSY, Errno::TXTBSY),
            (Host::XDEV, Errno::XDEV),
        ];
        // Every preview1 errno but SUCCESS and NOTCAPABLE has a host twin.
        assert_eq!(pairs.len(), Errno::ALL.len() - 2);
        for (host, wasi) in pairs {
            assert_eq!(from_host(host), wasi, "{host:?}");
        }
        // Aliases Linux defines with the same value.
        assert_eq!(from_host(Host::WOULDBLOCK), Errno::AGAIN);
        assert_eq!(from_host(Host::OPNOTSUPP), Errno::NOTSUP);
        assert_eq!(from_host(Host::DEADLOCK), Errno::DEADLK);
    }

    #[test]
    fn linux_only_values_map_to_near_meanings() {
        assert_eq!(from_host(Host::SHUTDOWN), Errno::PIPE);
        assert_eq!(from_host(Host::HOSTDOWN), Errno::HOSTUNREACH);
        assert_eq!(from_host(Host::BADFD), Errno::BADF);
        assert_eq!(from_host(Host::TIME), Errno::TIMEDOUT);
        assert_eq!(from_host(Host::KEYEXPIRED), Errno::IO);
        assert_eq!(from_host(Host::from_raw_os_error(4000)), Errno::IO);
    }
}
