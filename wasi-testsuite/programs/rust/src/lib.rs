//! Raw `wasi_snapshot_preview1` bindings and small helpers for the guest
//! programs. Written from the preview1 spec; no external crates.
#![allow(clippy::missing_safety_doc)]

pub mod raw {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        pub fn args_get(argv: *mut *mut u8, buf: *mut u8) -> u16;
        pub fn args_sizes_get(argc: *mut u32, size: *mut u32) -> u16;
        pub fn clock_res_get(id: u32, out: *mut u64) -> u16;
        pub fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
        pub fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> u16;
        pub fn fd_allocate(fd: u32, offset: u64, len: u64) -> u16;
        pub fn fd_close(fd: u32) -> u16;
        pub fn fd_datasync(fd: u32) -> u16;
        pub fn fd_fdstat_get(fd: u32, out: *mut u8) -> u16;
        pub fn fd_fdstat_set_flags(fd: u32, flags: u32) -> u16;
        pub fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> u16;
        pub fn fd_filestat_get(fd: u32, out: *mut u8) -> u16;
        pub fn fd_filestat_set_size(fd: u32, size: u64) -> u16;
        pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32) -> u16;
        pub fn fd_pread(fd: u32, iovs: *const Iovec, len: u32, offset: u64, out: *mut u32) -> u16;
        pub fn fd_prestat_get(fd: u32, out: *mut u8) -> u16;
        pub fn fd_prestat_dir_name(fd: u32, buf: *mut u8, len: u32) -> u16;
        pub fn fd_pwrite(fd: u32, iovs: *const Iovec, len: u32, offset: u64, out: *mut u32) -> u16;
        pub fn fd_read(fd: u32, iovs: *const Iovec, len: u32, out: *mut u32) -> u16;
        pub fn fd_readdir(fd: u32, buf: *mut u8, len: u32, cookie: u64, out: *mut u32) -> u16;
        pub fn fd_renumber(fd: u32, to: u32) -> u16;
        pub fn fd_seek(fd: u32, offset: i64, whence: u32, out: *mut u64) -> u16;
        pub fn fd_sync(fd: u32) -> u16;
        pub fn fd_tell(fd: u32, out: *mut u64) -> u16;
        pub fn fd_write(fd: u32, iovs: *const Iovec, len: u32, out: *mut u32) -> u16;
        pub fn path_create_directory(fd: u32, path: *const u8, len: u32) -> u16;
        pub fn path_filestat_get(fd: u32, flags: u32, path: *const u8, len: u32, out: *mut u8) -> u16;
        pub fn path_filestat_set_times(fd: u32, flags: u32, path: *const u8, len: u32, atim: u64, mtim: u64, fst: u32) -> u16;
        pub fn path_link(old_fd: u32, old_flags: u32, old: *const u8, old_len: u32, new_fd: u32, new: *const u8, new_len: u32) -> u16;
        pub fn path_open(fd: u32, dirflags: u32, path: *const u8, len: u32, oflags: u32, base: u64, inheriting: u64, fdflags: u32, out: *mut u32) -> u16;
        pub fn path_readlink(fd: u32, path: *const u8, len: u32, buf: *mut u8, buf_len: u32, out: *mut u32) -> u16;
        pub fn path_remove_directory(fd: u32, path: *const u8, len: u32) -> u16;
        pub fn path_rename(fd: u32, old: *const u8, old_len: u32, new_fd: u32, new: *const u8, new_len: u32) -> u16;
        pub fn path_symlink(old: *const u8, old_len: u32, fd: u32, new: *const u8, new_len: u32) -> u16;
        pub fn path_unlink_file(fd: u32, path: *const u8, len: u32) -> u16;
        pub fn poll_oneoff(subs: *const u8, events: *mut u8, n: u32, out: *mut u32) -> u16;
        pub fn proc_raise(sig: u32) -> u16;
        pub fn random_get(buf: *mut u8, len: u32) -> u16;
        pub fn sched_yield() -> u16;
        pub fn sock_accept(fd: u32, flags: u32, out: *mut u32) -> u16;
        pub fn sock_recv(fd: u32, iovs: *const Iovec, len: u32, flags: u32, out_len: *mut u32, out_flags: *mut u16) -> u16;
        pub fn sock_send(fd: u32, iovs: *const Iovec, len: u32, flags: u32, out: *mut u32) -> u16;
        pub fn sock_shutdown(fd: u32, how: u32) -> u16;
    }

    #[repr(C)]
    #[derive(Clone, Copy, Debug)]
    pub struct Iovec {
        pub buf: *const u8,
        pub len: u32,
    }
}

pub use raw::Iovec;

/// Errno values used by the programs (the spec's numbers).
pub mod errno {
    pub const SUCCESS: u16 = 0;
    pub const ACCES: u16 = 2;
    pub const AGAIN: u16 = 6;
    pub const BADF: u16 = 8;
    pub const BUSY: u16 = 10;
    pub const EXIST: u16 = 20;
    pub const FAULT: u16 = 21;
    pub const ILSEQ: u16 = 25;
    pub const INVAL: u16 = 28;
    pub const ISDIR: u16 = 31;
    pub const LOOP: u16 = 32;
    pub const NAMETOOLONG: u16 = 37;
    pub const NOENT: u16 = 44;
    pub const NOSYS: u16 = 52;
    pub const NOTDIR: u16 = 54;
    pub const NOTEMPTY: u16 = 55;
    pub const NOTSUP: u16 = 58;
    pub const PERM: u16 = 63;
    pub const ROFS: u16 = 69;
    pub const SPIPE: u16 = 70;
    pub const XDEV: u16 = 75;
    pub const NOTCAPABLE: u16 = 76;
}

pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    /// Every right a directory can have.
    pub const DIR_ALL: u64 = FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_ADVISE | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE | PATH_LINK_SOURCE | PATH_LINK_TARGET | PATH_OPEN | FD_READDIR
        | PATH_READLINK | PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE | PATH_FILESTAT_SET_TIMES | FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK | PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE | POLL_FD_READWRITE;
    /// Every right a file can have.
    pub const FILE_ALL: u64 = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_TELL
        | FD_WRITE | FD_ADVISE | FD_ALLOCATE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES | POLL_FD_READWRITE;
}

/// Fails the program with a message and exit code 1 unless `actual == expected`.
#[track_caller]
pub fn check<T: PartialEq + core::fmt::Debug>(what: &str, actual: T, expected: T) {
    if actual != expected {
        eprintln!("FAIL {what}: got {actual:?}, want {expected:?} ({})", core::panic::Location::caller());
        std::process::exit(1);
    }
}

/// Fails the program unless `cond` holds.
#[track_caller]
pub fn ensure(what: &str, cond: bool) {
    if !cond {
        eprintln!("FAIL {what} ({})", core::panic::Location::caller());
        std::process::exit(1);
    }
}

/// The fd of the preopened directory named `name`.
pub fn preopen(name: &str) -> u32 {
    for fd in 3..64 {
        let mut stat = [0u8; 8];
        if unsafe { raw::fd_prestat_get(fd, stat.as_mut_ptr()) } != 0 {
            break;
        }
        let len = u32::from_le_bytes(stat[4..8].try_into().unwrap());
        let mut buf = vec![0u8; len as usize];
        unsafe { raw::fd_prestat_dir_name(fd, buf.as_mut_ptr(), len) };
        if buf == name.as_bytes() {
            return fd;
        }
    }
    eprintln!("FAIL no preopen named {name:?}");
    std::process::exit(1);
}

/// `path_open` with every right a file can have.
pub fn open(dir: u32, path: &str, oflags: u32, rights: u64) -> Result<u32, u16> {
    let mut fd = 0;
    match unsafe { raw::path_open(dir, 1, path.as_ptr(), path.len() as u32, oflags, rights, rights, 0, &mut fd) } {
        0 => Ok(fd),
        e => Err(e),
    }
}

/// Writes all of `data` to `fd` with `fd_write`.
pub fn write_all(fd: u32, mut data: &[u8]) -> Result<(), u16> {
    while !data.is_empty() {
        let iov = Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut n = 0;
        let e = unsafe { raw::fd_write(fd, &iov, 1, &mut n) };
        if e != 0 {
            return Err(e);
        }
        data = &data[n as usize..];
    }
    Ok(())
}

/// Reads from `fd` until end of file.
pub fn read_to_end(fd: u32) -> Result<Vec<u8>, u16> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let iov = Iovec { buf: buf.as_mut_ptr(), len: buf.len() as u32 };
        let mut n = 0;
        let e = unsafe { raw::fd_read(fd, &iov, 1, &mut n) };
        if e != 0 {
            return Err(e);
        }
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// Blocks in `poll_oneoff` until `fd` is readable.
pub fn wait_readable(fd: u32) {
    // subscription: userdata u64, tag u8 (1 = fd_read) at 8, fd u32 at 16
    #[repr(C, align(8))]
    struct Sub([u8; 48]);
    let mut sub = Sub([0; 48]);
    sub.0[8] = 1;
    sub.0[16..20].copy_from_slice(&fd.to_le_bytes());
    let mut event = [0u64; 4];
    let mut n = 0;
    check("poll_oneoff", unsafe { raw::poll_oneoff(sub.0.as_ptr(), event.as_mut_ptr().cast(), 1, &mut n) }, 0);
}

/// Monotonic clock time in nanoseconds.
pub fn monotonic() -> u64 {
    let mut t = 0;
    check("clock_time_get", unsafe { raw::clock_time_get(1, 1, &mut t) }, 0);
    t
}

/// Thin `Result` wrappers over the raw calls, for the filesystem programs.
pub mod fs {
    use super::raw;
    pub type R<T> = Result<T, u16>;

    fn ok(e: u16) -> R<()> {
        if e == 0 { Ok(()) } else { Err(e) }
    }

    pub const LOOKUP_FOLLOW: u32 = 1;
    pub const O_CREAT: u32 = 1;
    pub const O_DIRECTORY: u32 = 2;
    pub const O_EXCL: u32 = 4;
    pub const O_TRUNC: u32 = 8;
    pub const FDFL_APPEND: u32 = 1;
    pub const FDFL_DSYNC: u32 = 2;
    pub const FDFL_NONBLOCK: u32 = 4;
    pub const FDFL_RSYNC: u32 = 8;
    pub const FDFL_SYNC: u32 = 16;
    pub const FT_DIRECTORY: u8 = 3;
    pub const FT_REGULAR: u8 = 4;
    pub const FT_SYMLINK: u8 = 7;

    pub fn open_with(dir: u32, lookup: u32, path: &str, oflags: u32, base: u64, inh: u64, fdflags: u32) -> R<u32> {
        let mut fd = 0;
        ok(unsafe { raw::path_open(dir, lookup, path.as_ptr(), path.len() as u32, oflags, base, inh, fdflags, &mut fd) })?;
        Ok(fd)
    }
    pub fn mkdir(dir: u32, path: &str) -> R<()> {
        ok(unsafe { raw::path_create_directory(dir, path.as_ptr(), path.len() as u32) })
    }
    pub fn rmdir(dir: u32, path: &str) -> R<()> {
        ok(unsafe { raw::path_remove_directory(dir, path.as_ptr(), path.len() as u32) })
    }
    pub fn unlink(dir: u32, path: &str) -> R<()> {
        ok(unsafe { raw::path_unlink_file(dir, path.as_ptr(), path.len() as u32) })
    }
    pub fn rename(dir: u32, from: &str, to_dir: u32, to: &str) -> R<()> {
        ok(unsafe { raw::path_rename(dir, from.as_ptr(), from.len() as u32, to_dir, to.as_ptr(), to.len() as u32) })
    }
    pub fn symlink(target: &str, dir: u32, path: &str) -> R<()> {
        ok(unsafe { raw::path_symlink(target.as_ptr(), target.len() as u32, dir, path.as_ptr(), path.len() as u32) })
    }
    pub fn link(dir: u32, lookup: u32, from: &str, to_dir: u32, to: &str) -> R<()> {
        ok(unsafe { raw::path_link(dir, lookup, from.as_ptr(), from.len() as u32, to_dir, to.as_ptr(), to.len() as u32) })
    }
    pub fn readlink(dir: u32, path: &str, cap: usize) -> R<Vec<u8>> {
        let mut buf = vec![0u8; cap];
        let mut n = 0;
        ok(unsafe { raw::path_readlink(dir, path.as_ptr(), path.len() as u32, buf.as_mut_ptr(), cap as u32, &mut n) })?;
        buf.truncate(n as usize);
        Ok(buf)
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Filestat {
        pub dev: u64,
        pub ino: u64,
        pub filetype: u8,
        pub nlink: u64,
        pub size: u64,
        pub atim: u64,
        pub mtim: u64,
        pub ctim: u64,
    }
    fn u64_at(b: &[u8], o: usize) -> u64 {
        u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
    }
    fn decode_filestat(b: &[u8; 64]) -> Filestat {
        Filestat {
            dev: u64_at(b, 0),
            ino: u64_at(b, 8),
            filetype: b[16],
            nlink: u64_at(b, 24),
            size: u64_at(b, 32),
            atim: u64_at(b, 40),
            mtim: u64_at(b, 48),
            ctim: u64_at(b, 56),
        }
    }
    #[repr(align(8))]
    struct Buf64([u8; 64]);
    pub fn stat(dir: u32, lookup: u32, path: &str) -> R<Filestat> {
        let mut b = Buf64([0; 64]);
        ok(unsafe { raw::path_filestat_get(dir, lookup, path.as_ptr(), path.len() as u32, b.0.as_mut_ptr()) })?;
        Ok(decode_filestat(&b.0))
    }
    pub fn fstat(fd: u32) -> R<Filestat> {
        let mut b = Buf64([0; 64]);
        ok(unsafe { raw::fd_filestat_get(fd, b.0.as_mut_ptr()) })?;
        Ok(decode_filestat(&b.0))
    }
    pub fn set_times(dir: u32, lookup: u32, path: &str, atim: u64, mtim: u64, fst: u32) -> R<()> {
        ok(unsafe { raw::path_filestat_set_times(dir, lookup, path.as_ptr(), path.len() as u32, atim, mtim, fst) })
    }
    pub fn fset_times(fd: u32, atim: u64, mtim: u64, fst: u32) -> R<()> {
        ok(unsafe { raw::fd_filestat_set_times(fd, atim, mtim, fst) })
    }
    pub fn fset_size(fd: u32, size: u64) -> R<()> {
        ok(unsafe { raw::fd_filestat_set_size(fd, size) })
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Fdstat {
        pub filetype: u8,
        pub flags: u16,
        pub base: u64,
        pub inheriting: u64,
    }
    pub fn fdstat(fd: u32) -> R<Fdstat> {
        #[repr(align(8))]
        struct B([u8; 24]);
        let mut b = B([0; 24]);
        ok(unsafe { raw::fd_fdstat_get(fd, b.0.as_mut_ptr()) })?;
        let b = &b.0;
        Ok(Fdstat {
            filetype: b[0],
            flags: u16::from_le_bytes([b[2], b[3]]),
            base: u64_at(b, 8),
            inheriting: u64_at(b, 16),
        })
    }
    pub fn set_flags(fd: u32, flags: u32) -> R<()> {
        ok(unsafe { raw::fd_fdstat_set_flags(fd, flags) })
    }
    pub fn set_rights(fd: u32, base: u64, inh: u64) -> R<()> {
        ok(unsafe { raw::fd_fdstat_set_rights(fd, base, inh) })
    }
    pub fn close(fd: u32) -> R<()> {
        ok(unsafe { raw::fd_close(fd) })
    }
    pub fn renumber(fd: u32, to: u32) -> R<()> {
        ok(unsafe { raw::fd_renumber(fd, to) })
    }
    pub fn seek(fd: u32, off: i64, whence: u32) -> R<u64> {
        let mut n = 0;
        ok(unsafe { raw::fd_seek(fd, off, whence, &mut n) })?;
        Ok(n)
    }
    pub fn tell(fd: u32) -> R<u64> {
        let mut n = 0;
        ok(unsafe { raw::fd_tell(fd, &mut n) })?;
        Ok(n)
    }
    pub fn write(fd: u32, data: &[u8]) -> R<u32> {
        let iov = super::Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut n = 0;
        ok(unsafe { raw::fd_write(fd, &iov, 1, &mut n) })?;
        Ok(n)
    }
    pub fn read(fd: u32, len: usize) -> R<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let iov = super::Iovec { buf: buf.as_mut_ptr(), len: len as u32 };
        let mut n = 0;
        ok(unsafe { raw::fd_read(fd, &iov, 1, &mut n) })?;
        buf.truncate(n as usize);
        Ok(buf)
    }
    pub fn pwrite(fd: u32, data: &[u8], off: u64) -> R<u32> {
        let iov = super::Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut n = 0;
        ok(unsafe { raw::fd_pwrite(fd, &iov, 1, off, &mut n) })?;
        Ok(n)
    }
    pub fn pread(fd: u32, len: usize, off: u64) -> R<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let iov = super::Iovec { buf: buf.as_mut_ptr(), len: len as u32 };
        let mut n = 0;
        ok(unsafe { raw::fd_pread(fd, &iov, 1, off, &mut n) })?;
        buf.truncate(n as usize);
        Ok(buf)
    }
    pub fn readdir_raw(fd: u32, buf: &mut [u8], cookie: u64) -> R<usize> {
        let mut n = 0;
        ok(unsafe { raw::fd_readdir(fd, buf.as_mut_ptr(), buf.len() as u32, cookie, &mut n) })?;
        Ok(n as usize)
    }

    /// One decoded dirent.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Dirent {
        pub next: u64,
        pub ino: u64,
        pub filetype: u8,
        pub name: String,
    }

    /// Decodes the complete entries in `buf[..used]`.
    pub fn parse_dirents(buf: &[u8]) -> Vec<Dirent> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 24 <= buf.len() {
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + namlen > buf.len() {
                break;
            }
            out.push(Dirent {
                next: u64_at(buf, at),
                ino: u64_at(buf, at + 8),
                filetype: buf[at + 20],
                name: String::from_utf8_lossy(&buf[at + 24..at + 24 + namlen]).into_owned(),
            });
            at += 24 + namlen;
        }
        out
    }

    /// Every entry of a directory, read with a buffer of `bufsize` bytes
    /// (re-reading from the last whole entry's cookie, as wasi-libc does).
    pub fn readdir_all(fd: u32, bufsize: usize) -> R<Vec<Dirent>> {
        let mut all = Vec::new();
        let mut cookie = 0;
        let mut buf = vec![0u8; bufsize];
        loop {
            let used = readdir_raw(fd, &mut buf, cookie)?;
            let entries = parse_dirents(&buf[..used]);
            if entries.is_empty() && used == bufsize {
                return Err(u16::MAX); // buffer too small for one entry
            }
            if let Some(last) = entries.last() {
                cookie = last.next;
            }
            all.extend(entries);
            if used < bufsize {
                return Ok(all);
            }
        }
    }

    /// Opens a directory with every right, handing every right down.
    pub fn open_dir(dir: u32, path: &str) -> R<u32> {
        use super::rights::{DIR_ALL, FILE_ALL};
        open_with(dir, LOOKUP_FOLLOW, path, O_DIRECTORY, DIR_ALL, DIR_ALL | FILE_ALL, 0)
    }

    /// Opens a file with every file right.
    pub fn open_file(dir: u32, path: &str, oflags: u32, fdflags: u32) -> R<u32> {
        open_with(dir, LOOKUP_FOLLOW, path, oflags, super::rights::FILE_ALL, 0, fdflags)
    }

    /// The whole contents of a file.
    pub fn contents(dir: u32, path: &str) -> R<Vec<u8>> {
        let fd = open_with(dir, LOOKUP_FOLLOW, path, 0, super::rights::FD_READ, 0, 0)?;
        let data = super::read_to_end(fd);
        close(fd)?;
        data
    }

    /// Creates `path` with `contents`.
    pub fn create_file(dir: u32, path: &str, contents: &[u8]) {
        let fd = open_with(dir, 0, path, O_CREAT | O_TRUNC, super::rights::FILE_ALL, 0, 0).expect(path);
        super::write_all(fd, contents).unwrap();
        close(fd).unwrap();
    }
}

/// Checks a `Result` against an expected errno (or success), naming the step.
#[macro_export]
macro_rules! expect_errno {
    ($what:expr, $result:expr, $errno:expr) => {
        $crate::check($what, $result.err(), Some($errno))
    };
}

/// The WasmEdge sockets scenario, shared by the v1 and v2 programs, which
/// differ only in the imports behind [`wasmedge::Ext`].
pub mod wasmedge {
    use super::{check, ensure, raw, Iovec};

    pub const INET4: u32 = 1;
    pub const INET6: u32 = 2;
    pub const DGRAM: u32 = 1;
    pub const STREAM: u32 = 2;

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        fn sock_getsockopt(fd: u32, level: u32, name: u32, val: *mut i32, len: *mut u32) -> u32;
        fn sock_setsockopt(fd: u32, level: u32, name: u32, val: *const i32, len: u32) -> u32;
    }

    /// `address`: a buffer and its length.
    #[repr(C)]
    pub struct WasiAddress {
        pub buf: *mut u8,
        pub len: u32,
    }

    /// `addrinfo` as the guest lays it out.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Addrinfo {
        pub flags: u16,
        pub family: u8,
        pub socktype: u8,
        pub protocol: u8,
        pub addrlen: u32,
        pub addr: *mut Sockaddr,
        pub canonname: *mut u8,
        pub canonname_len: u32,
        pub next: *mut Addrinfo,
    }

    /// `sockaddr` as the guest lays it out.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Sockaddr {
        pub family: u8,
        pub data_len: u32,
        pub data: *mut u8,
    }

    /// What a version provides: raw errno results.
    pub trait Ext {
        fn open(&self, family: u32, ty: u32) -> Result<u32, u16>;
        fn bind(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16>;
        fn connect(&self, fd: u32, ip: &[u8], port: u16) -> Result<(), u16>;
        fn listen(&self, fd: u32) -> Result<(), u16>;
        fn accept(&self, fd: u32) -> Result<u32, u16>;
        /// Receives into `buf`; returns the length, the sender's address
        /// bytes and (v2 only) its port.
        fn recv_from(&self, fd: u32, buf: &mut [u8]) -> Result<(usize, Vec<u8>, Option<u16>), u16>;
        fn send_to(&self, fd: u32, data: &[u8], ip: &[u8], port: u16) -> Result<usize, u16>;
        fn local(&self, fd: u32) -> Result<(Vec<u8>, u16), u16>;
        fn peer(&self, fd: u32) -> Result<(Vec<u8>, u16), u16>;
        /// `sock_getsockopt`: the same in both versions.
        fn getsockopt(&self, fd: u32, name: u32) -> Result<i32, u16> {
            let (mut v, mut len) = (0i32, 4u32);
            ok(unsafe { sock_getsockopt(fd, 0, name, &mut v, &mut len) }).map(|()| v)
        }
        /// `sock_setsockopt`: the same in both versions.
        fn setsockopt(&self, fd: u32, name: u32, value: i32) -> Result<(), u16> {
            ok(unsafe { sock_setsockopt(fd, 0, name, &value, 4) })
        }
        fn getaddrinfo(&self, node: &str, service: &str, hints: &Addrinfo, res: &mut u32, max: u32, n: &mut u32) -> u16;
    }

    pub fn ok(e: u32) -> Result<(), u16> {
        if e == 0 { Ok(()) } else { Err(e as u16) }
    }

    fn send(fd: u32, data: &[u8]) {
        let iov = Iovec { buf: data.as_ptr(), len: data.len() as u32 };
        let mut n = 0;
        check("sock_send", unsafe { raw::sock_send(fd, &iov, 1, 0, &mut n) }, 0);
        check("sent", n as usize, data.len());
    }

    fn recv(fd: u32, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let iov = Iovec { buf: buf.as_mut_ptr(), len: len as u32 };
        let (mut n, mut flags) = (0u32, 0u16);
        check("sock_recv", unsafe { raw::sock_recv(fd, &iov, 1, 0, &mut n, &mut flags) }, 0);
        buf.truncate(n as usize);
        buf
    }

    const LOOPBACK: [u8; 4] = [127, 0, 0, 1];
    const SO_REUSEADDR: u32 = 0;
    const SO_TYPE: u32 = 1;

    /// Resolves `node`, returning the IPv4 results as (address, port).
    fn resolve(ext: &dyn Ext, node: &str, service: &str) -> Result<Vec<([u8; 4], u16)>, u16> {
        const MAX: usize = 8;
        let mut bufs = [[0u8; 26]; MAX];
        let mut names = [[0u8; 64]; MAX];
        let mut addrs = [Sockaddr { family: 0, data_len: 26, data: core::ptr::null_mut() }; MAX];
        let mut infos = [Addrinfo {
            flags: 0,
            family: 0,
            socktype: 0,
            protocol: 0,
            addrlen: 0,
            addr: core::ptr::null_mut(),
            canonname: core::ptr::null_mut(),
            canonname_len: 64,
            next: core::ptr::null_mut(),
        }; MAX];
        for i in 0..MAX {
            addrs[i].data = bufs[i].as_mut_ptr();
            infos[i].addr = &mut addrs[i];
            infos[i].canonname = names[i].as_mut_ptr();
        }
        for i in 0..MAX - 1 {
            infos[i].next = &mut infos[i + 1];
        }
        let hints = Addrinfo { family: INET4 as u8, socktype: STREAM as u8, ..infos[0] };
        let mut res = infos.as_mut_ptr() as u32;
        let mut n = 0;
        let e = ext.getaddrinfo(node, service, &hints, &mut res, MAX as u32, &mut n);
        if e != 0 {
            return Err(e);
        }
        Ok((0..n as usize)
            .filter(|&i| addrs[i].family == INET4 as u8)
            .map(|i| ([bufs[i][2], bufs[i][3], bufs[i][4], bufs[i][5]], u16::from_be_bytes([bufs[i][0], bufs[i][1]])))
            .collect())
    }

    /// Waits until stdin reaches its end (so a test can look at the
    /// guest's sockets from the host meanwhile).
    fn wait_for_stdin_eof() {
        let mut buf = [0u8; 16];
        loop {
            let iov = Iovec { buf: buf.as_mut_ptr(), len: buf.len() as u32 };
            let mut n = 0;
            if unsafe { raw::fd_read(0, &iov, 1, &mut n) } != 0 || n == 0 {
                return;
            }
        }
    }

    /// `implicit:PORT`: sockets the kernel would bind implicitly, under a
    /// grant whose rules allow 127.0.0.1 (any port) and nothing else. A
    /// listen without a bind would listen on the wildcard address: refused.
    /// A datagram to 127.0.0.1:PORT from an unbound socket: sent, from an
    /// address on 127.0.0.1, never the wildcard. Then the sockets stay open
    /// until stdin ends.
    fn implicit_binds(ext: &dyn Ext, port: u16) {
        let t4 = ext.open(INET4, STREAM).unwrap();
        println!("listen unbound v4: {:?}", ext.listen(t4));
        let t6 = ext.open(INET6, STREAM).unwrap();
        println!("listen unbound v6: {:?}", ext.listen(t6));
        let u = ext.open(INET4, DGRAM).unwrap();
        println!("send_to from unbound: {:?}", ext.send_to(u, b"hello", &LOOPBACK, port));
        println!("bound to: {:?}", ext.local(u).map(|(ip, _)| ip));
        println!("waiting");
        wait_for_stdin_eof();
    }

    /// Runs the scenario for `mode`: `granted`, `denied`, `restricted` or
    /// `implicit:PORT`.
    pub fn run(ext: &dyn Ext, mode: &str) {
        if let Some(port) = mode.strip_prefix("implicit:") {
            implicit_binds(ext, port.parse().unwrap());
            return;
        }
        match mode {
            "denied" => {
                check("open without the grant", ext.open(INET4, STREAM).err(), Some(76));
                check("resolve without the grant", resolve(ext, "localhost", "80").err(), Some(76));
                println!("denied ok");
            }
            "restricted" => {
                // Only 127.0.0.1 port 0 (binding an ephemeral port) is allowed.
                let l = ext.open(INET4, STREAM).unwrap();
                ext.bind(l, &LOOPBACK, 0).unwrap();
                ext.listen(l).unwrap();
                let (_, port) = ext.local(l).unwrap();
                let c = ext.open(INET4, STREAM).unwrap();
                check("connect outside the rules", ext.connect(c, &LOOPBACK, port).err(), Some(2));
                check("bind outside the rules", ext.bind(c, &[127, 0, 0, 2], 0).err(), Some(2));
                println!("restricted ok");
            }
            _ => {
                // TCP: listen, connect, accept, talk, and both ends' addresses.
                let l = ext.open(INET4, STREAM).unwrap();
                ext.setsockopt(l, SO_REUSEADDR, 1).unwrap();
                check("SO_REUSEADDR", ext.getsockopt(l, SO_REUSEADDR), Ok(1));
                check("SO_TYPE", ext.getsockopt(l, SO_TYPE), Ok(STREAM as i32));
                ext.bind(l, &LOOPBACK, 0).unwrap();
                ext.listen(l).unwrap();
                let (ip, port) = ext.local(l).unwrap();
                check("bound to loopback", ip, LOOPBACK.to_vec());
                ensure("an ephemeral port", port != 0);
                let c = ext.open(INET4, STREAM).unwrap();
                ext.connect(c, &LOOPBACK, port).unwrap();
                let s = ext.accept(l).unwrap();
                send(c, b"ping");
                check("received", recv(s, 16), b"ping".to_vec());
                send(s, b"pong");
                check("answered", recv(c, 16), b"pong".to_vec());
                check("client's peer", ext.peer(c).unwrap(), (LOOPBACK.to_vec(), port));
                check("server side's peer is the client", ext.peer(s).unwrap().1, ext.local(c).unwrap().1);
                println!("tcp ok");
                // UDP: a datagram between two bound sockets, and its sender.
                let u1 = ext.open(INET4, DGRAM).unwrap();
                ext.bind(u1, &LOOPBACK, 0).unwrap();
                let u2 = ext.open(INET4, DGRAM).unwrap();
                ext.bind(u2, &LOOPBACK, 0).unwrap();
                check("SO_TYPE dgram", ext.getsockopt(u1, SO_TYPE), Ok(DGRAM as i32));
                let (_, p1) = ext.local(u1).unwrap();
                let (_, p2) = ext.local(u2).unwrap();
                check("send_to", ext.send_to(u2, b"datagram", &LOOPBACK, p1), Ok(8));
                let mut buf = [0u8; 32];
                let (n, from, from_port) = ext.recv_from(u1, &mut buf).unwrap();
                check("datagram", &buf[..n], &b"datagram"[..]);
                check("sender", &from[..4], &LOOPBACK[..]);
                if let Some(p) = from_port {
                    check("sender's port", p, p2);
                }
                println!("udp ok");
                // IPv6 loopback, where the host has it.
                let l6 = ext.open(INET6, STREAM).unwrap();
                let lo6 = std::net::Ipv6Addr::LOCALHOST.octets();
                match ext.bind(l6, &lo6, 0) {
                    Ok(()) => {
                        ext.listen(l6).unwrap();
                        check("v6 address", ext.local(l6).unwrap().0, lo6.to_vec());
                        println!("ipv6 ok");
                    }
                    Err(e) => println!("ipv6 unavailable ({e})"),
                }
                // Name resolution.
                let found = resolve(ext, "localhost", "8080").unwrap();
                ensure("localhost is 127.0.0.1:8080", found.contains(&(LOOPBACK, 8080)));
                // Refused before any lookup: only numeric services (no
                // query leaves the machine in these tests).
                check("a service name", resolve(ext, "localhost", "http").err(), Some(28));
                println!("resolve ok");
            }
        }
    }
}
