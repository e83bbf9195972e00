//! The tables that map Windows errors to preview1 errno values: NT status
//! codes (what the `Nt*` calls answer), Win32 error codes (what the
//! `kernel32` calls and `std::io::Error` carry) and Winsock codes. A
//! status without an entry goes through the system's own NT-to-Win32
//! table, and a Win32 code without one is `EIO`. Tested below, value by
//! value (docs/windows.md lists the choices).

use wasi_abi::Errno;

/// Maps an NT status code (a failure) to a preview1 errno.
#[must_use]
pub fn from_ntstatus(status: i32) -> Errno {
    match status as u32 {
        0xC000_000F | 0xC000_0034 | 0xC000_003A | 0xC000_0056 | 0xC000_0123 | 0xC000_0033 => Errno::NOENT,
        0xC000_0035 => Errno::EXIST,
        0xC000_0022 => Errno::ACCES,
        0xC000_0121 => Errno::ACCES,
        0xC000_0043 => Errno::BUSY,
        0xC000_0103 => Errno::NOTDIR,
        0xC000_00BA => Errno::ISDIR,
        0xC000_0101 => Errno::NOTEMPTY,
        0xC000_003B | 0xC000_000D | 0xC000_0275 => Errno::INVAL,
        0xC000_0106 => Errno::NAMETOOLONG,
        0xC000_007F => Errno::NOSPC,
        0xC000_00D4 => Errno::XDEV,
        0xC000_00BB | 0xC000_0002 | 0xC000_0010 => Errno::NOTSUP,
        0xC000_0061 => Errno::PERM,
        0x8000_002D | 0xC000_0279 | 0xC000_0281 => Errno::LOOP,
        0xC000_0265 => Errno::MLINK,
        0xC000_009A | 0xC000_0017 => Errno::NOMEM,
        0xC000_011F => Errno::MFILE,
        0xC000_0008 => Errno::BADF,
        0xC000_014B | 0xC000_00B1 => Errno::PIPE,
        0xC000_0904 => Errno::FBIG,
        0xC000_00A2 => Errno::ROFS,
        _ => from_win32(to_win32(status)),
    }
}

#[cfg(windows)]
fn to_win32(status: i32) -> u32 {
    // SAFETY: a pure table lookup in ntdll.
    #[allow(unsafe_code)]
    unsafe {
        windows_sys::Win32::Foundation::RtlNtStatusToDosError(status)
    }
}

#[cfg(not(windows))]
fn to_win32(_status: i32) -> u32 {
    0
}

/// Maps a Win32 (or Winsock) error code to a preview1 errno.
#[must_use]
pub fn from_win32(code: u32) -> Errno {
    match code {
        2 | 3 | 67 | 123 | 161 => Errno::NOENT,
        5 | 1920 => Errno::ACCES,
        6 => Errno::BADF,
        8 | 14 | 1450 => Errno::NOMEM,
        17 => Errno::XDEV,
        19 => Errno::ROFS,
        32 | 33 | 170 | 1224 => Errno::BUSY,
        39 | 112 => Errno::NOSPC,
        1 | 50 | 120 => Errno::NOTSUP,
        80 | 183 => Errno::EXIST,
        87 | 4390 => Errno::INVAL,
        109 | 232 | 233 => Errno::PIPE,
        111 | 206 => Errno::NAMETOOLONG,
        145 => Errno::NOTEMPTY,
        267 => Errno::NOTDIR,
        1314 => Errno::PERM,
        1921 => Errno::LOOP,
        1142 => Errno::MLINK,
        4 => Errno::MFILE,
        995 => Errno::CANCELED,
        10004 => Errno::INTR,
        10009 => Errno::BADF,
        10013 => Errno::ACCES,
        10014 => Errno::FAULT,
        10022 => Errno::INVAL,
        10024 => Errno::MFILE,
        10035 => Errno::AGAIN,
        10036 => Errno::INPROGRESS,
        10037 => Errno::ALREADY,
        10038 => Errno::NOTSOCK,
        10039 => Errno::DESTADDRREQ,
        10040 => Errno::MSGSIZE,
        10041 => Errno::PROTOTYPE,
        10042 => Errno::NOPROTOOPT,
        10043 | 10044 => Errno::PROTONOSUPPORT,
        10045 => Errno::NOTSUP,
        10046 | 10047 => Errno::AFNOSUPPORT,
        10048 => Errno::ADDRINUSE,
        10049 => Errno::ADDRNOTAVAIL,
        10050 => Errno::NETDOWN,
        10051 => Errno::NETUNREACH,
        10052 => Errno::NETRESET,
        10053 => Errno::CONNABORTED,
        10054 => Errno::CONNRESET,
        10055 => Errno::NOBUFS,
        10056 => Errno::ISCONN,
        10057 => Errno::NOTCONN,
        10058 => Errno::PIPE,
        10060 => Errno::TIMEDOUT,
        10061 => Errno::CONNREFUSED,
        10064 | 10065 => Errno::HOSTUNREACH,
        _ => Errno::IO,
    }
}

/// Maps a `std::io::Error` from a Windows call.
#[must_use]
pub fn from_io(e: &std::io::Error) -> Errno {
    match e.raw_os_error() {
        Some(code) => from_win32(code as u32),
        None => match e.kind() {
            std::io::ErrorKind::WouldBlock => Errno::AGAIN,
            std::io::ErrorKind::InvalidInput => Errno::INVAL,
            std::io::ErrorKind::NotFound => Errno::NOENT,
            std::io::ErrorKind::PermissionDenied => Errno::ACCES,
            _ => Errno::IO,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nt_statuses() {
        for (status, want) in [
            (0xC000_0034_u32, Errno::NOENT),
            (0xC000_003A, Errno::NOENT),
            (0xC000_0035, Errno::EXIST),
            (0xC000_0022, Errno::ACCES),
            (0xC000_0103, Errno::NOTDIR),
            (0xC000_00BA, Errno::ISDIR),
            (0xC000_0101, Errno::NOTEMPTY),
            (0xC000_0106, Errno::NAMETOOLONG),
            (0xC000_007F, Errno::NOSPC),
            (0xC000_00D4, Errno::XDEV),
            (0xC000_0061, Errno::PERM),
            (0xC000_00BB, Errno::NOTSUP),
            (0xC000_0265, Errno::MLINK),
            (0xC000_0008, Errno::BADF),
            (0xC000_014B, Errno::PIPE),
        ] {
            assert_eq!(from_ntstatus(status as i32), want, "{status:#x}");
        }
    }

    #[test]
    fn win32_codes() {
        for (code, want) in [
            (2, Errno::NOENT),
            (3, Errno::NOENT),
            (5, Errno::ACCES),
            (6, Errno::BADF),
            (17, Errno::XDEV),
            (80, Errno::EXIST),
            (183, Errno::EXIST),
            (87, Errno::INVAL),
            (109, Errno::PIPE),
            (145, Errno::NOTEMPTY),
            (267, Errno::NOTDIR),
            (1314, Errno::PERM),
            (10035, Errno::AGAIN),
            (10054, Errno::CONNRESET),
            (10061, Errno::CONNREFUSED),
            (99_999, Errno::IO),
        ] {
            assert_eq!(from_win32(code), want, "{code}");
        }
    }
}
