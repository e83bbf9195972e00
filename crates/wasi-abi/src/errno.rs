//! `errno`: error codes returned by functions.
//!
//! # References
//! - [preview1 `errno`](https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#errno)

use core::fmt;

/// A preview1 error code (`errno`, a `u16`).
///
/// A transparent newtype over the integer, not an enum, so that any value can
/// be held without undefined behaviour; the spec's 77 values are associated
/// constants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Errno(u16);

macro_rules! errnos {
    ($( $(#[$doc:meta])* $const:ident = $value:literal, $name:literal, $desc:literal; )*) => {
        impl Errno {
            $( $(#[$doc])* pub const $const: Errno = Errno($value); )*

            /// Every errno the spec defines, in numeric order.
            pub const ALL: &'static [Errno] = &[ $( Errno::$const ),* ];

            /// The spec's name, in the C spelling (`EBADF`), or `None` for a
            /// value the spec does not define.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 { $( $value => Some($name), )* _ => None }
            }

            /// The spec's one-line description ("Bad file descriptor.").
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self.0 { $( $value => $desc, )* _ => "Unknown error." }
            }
        }
    };
}

errnos! {
    /// No error occurred. System call completed successfully.
    SUCCESS = 0, "ESUCCESS", "No error occurred. System call completed successfully.";
    /// Argument list too long.
    TOOBIG = 1, "E2BIG", "Argument list too long.";
    /// Permission denied.
    ACCES = 2, "EACCES", "Permission denied.";
    /// Address in use.
    ADDRINUSE = 3, "EADDRINUSE", "Address in use.";
    /// Address not available.
    ADDRNOTAVAIL = 4, "EADDRNOTAVAIL", "Address not available.";
    /// Address family not supported.
    AFNOSUPPORT = 5, "EAFNOSUPPORT", "Address family not supported.";
    /// Resource unavailable, or operation would block.
    AGAIN = 6, "EAGAIN", "Resource unavailable, or operation would block.";
    /// Connection already in progress.
    ALREADY = 7, "EALREADY", "Connection already in progress.";
    /// Bad file descriptor.
    BADF = 8, "EBADF", "Bad file descriptor.";
    /// Bad message.
    BADMSG = 9, "EBADMSG", "Bad message.";
    /// Device or resource busy.
    BUSY = 10, "EBUSY", "Device or resource busy.";
    /// Operation canceled.
    CANCELED = 11, "ECANCELED", "Operation canceled.";
    /// No child processes.
    CHILD = 12, "ECHILD", "No child processes.";
    /// Connection aborted.
    CONNABORTED = 13, "ECONNABORTED", "Connection aborted.";
    /// Connection refused.
    CONNREFUSED = 14, "ECONNREFUSED", "Connection refused.";
    /// Connection reset.
    CONNRESET = 15, "ECONNRESET", "Connection reset.";
    /// Resource deadlock would occur.
    DEADLK = 16, "EDEADLK", "Resource deadlock would occur.";
    /// Destination address required.
    DESTADDRREQ = 17, "EDESTADDRREQ", "Destination address required.";
    /// Mathematics argument out of domain of function.
    DOM = 18, "EDOM", "Mathematics argument out of domain of function.";
    /// Reserved.
    DQUOT = 19, "EDQUOT", "Reserved.";
    /// File exists.
    EXIST = 20, "EEXIST", "File exists.";
    /// Bad address.
    FAULT = 21, "EFAULT", "Bad address.";
    /// File too large.
    FBIG = 22, "EFBIG", "File too large.";
    /// Host is unreachable.
    HOSTUNREACH = 23, "EHOSTUNREACH", "Host is unreachable.";
    /// Identifier removed.
    IDRM = 24, "EIDRM", "Identifier removed.";
    /// Illegal byte sequence.
    ILSEQ = 25, "EILSEQ", "Illegal byte sequence.";
    /// Operation in progress.
    INPROGRESS = 26, "EINPROGRESS", "Operation in progress.";
    /// Interrupted function.
    INTR = 27, "EINTR", "Interrupted function.";
    /// Invalid argument.
    INVAL = 28, "EINVAL", "Invalid argument.";
    /// I/O error.
    IO = 29, "EIO", "I/O error.";
    /// Socket is connected.
    ISCONN = 30, "EISCONN", "Socket is connected.";
    /// Is a directory.
    ISDIR = 31, "EISDIR", "Is a directory.";
    /// Too many levels of symbolic links.
    LOOP = 32, "ELOOP", "Too many levels of symbolic links.";
    /// File descriptor value too large.
    MFILE = 33, "EMFILE", "File descriptor value too large.";
    /// Too many links.
    MLINK = 34, "EMLINK", "Too many links.";
    /// Message too large.
    MSGSIZE = 35, "EMSGSIZE", "Message too large.";
    /// Reserved.
    MULTIHOP = 36, "EMULTIHOP", "Reserved.";
    /// Filename too long.
    NAMETOOLONG = 37, "ENAMETOOLONG", "Filename too long.";
    /// Network is down.
    NETDOWN = 38, "ENETDOWN", "Network is down.";
    /// Connection aborted by network.
    NETRESET = 39, "ENETRESET", "Connection aborted by network.";
    /// Network unreachable.
    NETUNREACH = 40, "ENETUNREACH", "Network unreachable.";
    /// Too many files open in system.
    NFILE = 41, "ENFILE", "Too many files open in system.";
    /// No buffer space available.
    NOBUFS = 42, "ENOBUFS", "No buffer space available.";
    /// No such device.
    NODEV = 43, "ENODEV", "No such device.";
    /// No such file or directory.
    NOENT = 44, "ENOENT", "No such file or directory.";
    /// Executable file format error.
    NOEXEC = 45, "ENOEXEC", "Executable file format error.";
    /// No locks available.
    NOLCK = 46, "ENOLCK", "No locks available.";
    /// Reserved.
    NOLINK = 47, "ENOLINK", "Reserved.";
    /// Not enough space.
    NOMEM = 48, "ENOMEM", "Not enough space.";
    /// No message of the desired type.
    NOMSG = 49, "ENOMSG", "No message of the desired type.";
    /// Protocol not available.
    NOPROTOOPT = 50, "ENOPROTOOPT", "Protocol not available.";
    /// No space left on device.
    NOSPC = 51, "ENOSPC", "No space left on device.";
    /// Function not supported.
    NOSYS = 52, "ENOSYS", "Function not supported.";
    /// The socket is not connected.
    NOTCONN = 53, "ENOTCONN", "The socket is not connected.";
    /// Not a directory or a symbolic link to a directory.
    NOTDIR = 54, "ENOTDIR", "Not a directory or a symbolic link to a directory.";
    /// Directory not empty.
    NOTEMPTY = 55, "ENOTEMPTY", "Directory not empty.";
    /// State not recoverable.
    NOTRECOVERABLE = 56, "ENOTRECOVERABLE", "State not recoverable.";
    /// Not a socket.
    NOTSOCK = 57, "ENOTSOCK", "Not a socket.";
    /// Not supported, or operation not supported on socket.
    NOTSUP = 58, "ENOTSUP", "Not supported, or operation not supported on socket.";
    /// Inappropriate I/O control operation.
    NOTTY = 59, "ENOTTY", "Inappropriate I/O control operation.";
    /// No such device or address.
    NXIO = 60, "ENXIO", "No such device or address.";
    /// Value too large to be stored in data type.
    OVERFLOW = 61, "EOVERFLOW", "Value too large to be stored in data type.";
    /// Previous owner died.
    OWNERDEAD = 62, "EOWNERDEAD", "Previous owner died.";
    /// Operation not permitted.
    PERM = 63, "EPERM", "Operation not permitted.";
    /// Broken pipe.
    PIPE = 64, "EPIPE", "Broken pipe.";
    /// Protocol error.
    PROTO = 65, "EPROTO", "Protocol error.";
    /// Protocol not supported.
    PROTONOSUPPORT = 66, "EPROTONOSUPPORT", "Protocol not supported.";
    /// Protocol wrong type for socket.
    PROTOTYPE = 67, "EPROTOTYPE", "Protocol wrong type for socket.";
    /// Result too large.
    RANGE = 68, "ERANGE", "Result too large.";
    /// Read-only file system.
    ROFS = 69, "EROFS", "Read-only file system.";
    /// Invalid seek.
    SPIPE = 70, "ESPIPE", "Invalid seek.";
    /// No such process.
    SRCH = 71, "ESRCH", "No such process.";
    /// Reserved.
    STALE = 72, "ESTALE", "Reserved.";
    /// Connection timed out.
    TIMEDOUT = 73, "ETIMEDOUT", "Connection timed out.";
    /// Text file busy.
    TXTBSY = 74, "ETXTBSY", "Text file busy.";
    /// Cross-device link.
    XDEV = 75, "EXDEV", "Cross-device link.";
    /// Extension: Capabilities insufficient.
    NOTCAPABLE = 76, "ENOTCAPABLE", "Extension: Capabilities insufficient.";
}

impl Errno {
    /// Wraps a raw value (any `u16`, defined or not).
    #[must_use]
    pub const fn from_raw(raw: u16) -> Self {
        Errno(raw)
    }

    /// The raw value, as a guest sees it.
    #[must_use]
    pub const fn raw(self) -> u16 {
        self.0
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.description()),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn all_77_values_in_order_with_names() {
        assert_eq!(Errno::ALL.len(), 77);
        for (i, e) in Errno::ALL.iter().enumerate() {
            assert_eq!(usize::from(e.raw()), i, "{e:?} is out of order");
            assert!(e.name().unwrap().starts_with('E'));
        }
        assert_eq!(Errno::NOTCAPABLE.raw(), 76);
        assert_eq!(Errno::INVAL.raw(), 28);
        assert_eq!(Errno::from_raw(77).name(), None);
        assert_eq!(format!("{:?}", Errno::from_raw(900)), "Errno(900)");
        assert_eq!(format!("{}", Errno::BADF), "EBADF (Bad file descriptor.)");
    }
}
