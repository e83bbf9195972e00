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

/// Monotonic clock time in nanoseconds.
pub fn monotonic() -> u64 {
    let mut t = 0;
    check("clock_time_get", unsafe { raw::clock_time_get(1, 1, &mut t) }, 0);
    t
}
