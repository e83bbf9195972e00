//! The fd_* calls on files, directories and streams: success and errors.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{check, ensure, expect_errno, preopen, raw};

const SET: u32 = 0;
const CUR: u32 = 1;
const END: u32 = 2;

fn main() {
    let d = preopen("scratch");
    let f = open_file(d, "f", O_CREAT, 0).unwrap();

    // read, write, seek, tell
    check("write", write(f, b"0123456789").unwrap(), 10);
    check("tell", tell(f).unwrap(), 10);
    check("seek cur", seek(f, -3, CUR).unwrap(), 7);
    check("seek end", seek(f, 0, END).unwrap(), 10);
    check("seek set", seek(f, 2, SET).unwrap(), 2);
    check("read", read(f, 3).unwrap(), b"234".to_vec());
    expect_errno!("seek before 0", seek(f, -1, SET), INVAL);
    expect_errno!("seek cur before 0", seek(f, -100, CUR), INVAL);
    check("seek past end", seek(f, 100, SET).unwrap(), 100);
    check("read at end", read(f, 4).unwrap(), Vec::<u8>::new());
    seek(f, 0, SET).unwrap();

    // pread / pwrite leave the offset alone
    check("pwrite", pwrite(f, b"AB", 20).unwrap(), 2);
    check("offset unchanged", tell(f).unwrap(), 0);
    check("size grew", fstat(f).unwrap().size, 22);
    check("pread", pread(f, 2, 20).unwrap(), b"AB".to_vec());
    check("pread hole", pread(f, 2, 12).unwrap(), vec![0, 0]);
    check("pread past end", pread(f, 2, 1000).unwrap(), Vec::<u8>::new());

    // fd_filestat_get agrees with path_filestat_get
    let st = fstat(f).unwrap();
    check("filetype", st.filetype, FT_REGULAR);
    check("nlink", st.nlink, 1);
    check("same inode", st.ino, stat(d, 0, "f").unwrap().ino);
    check("same device", st.dev, stat(d, 0, "f").unwrap().dev);

    // fd_filestat_set_size
    fset_size(f, 5).unwrap();
    check("shrunk", fstat(f).unwrap().size, 5);
    fset_size(f, 64).unwrap();
    check("grew", fstat(f).unwrap().size, 64);
    check("zero filled", pread(f, 4, 60).unwrap(), vec![0; 4]);

    // fd_filestat_set_times, with fstflags validated
    let t = 1_000_000_000_123_456_789u64;
    fset_times(f, t, t + 1, 1 | 4).unwrap();
    let st = fstat(f).unwrap();
    check("atim set", st.atim, t);
    check("mtim set", st.mtim, t + 1);
    fset_times(f, 0, 7, 4).unwrap();
    check("atim omitted", fstat(f).unwrap().atim, t);
    check("mtim only", fstat(f).unwrap().mtim, 7);
    fset_times(f, 0, 0, 8).unwrap();
    ensure("mtim now", fstat(f).unwrap().mtim > 1_600_000_000_000_000_000);
    check("atim untouched by MTIM_NOW", fstat(f).unwrap().atim, t);
    expect_errno!("atim and atim_now", fset_times(f, 1, 1, 1 | 2), INVAL);
    expect_errno!("mtim and mtim_now", fset_times(f, 1, 1, 4 | 8), INVAL);
    fset_times(f, 0, 0, 0).unwrap();

    // fd_advise, fd_allocate, fd_sync, fd_datasync
    for advice in 0..6 {
        check("advise", unsafe { raw::fd_advise(f, 0, 64, advice) }, SUCCESS);
    }
    check("allocate", unsafe { raw::fd_allocate(f, 0, 4096) }, SUCCESS);
    check("allocated size", fstat(f).unwrap().size, 4096);
    check("allocate inside keeps size", unsafe { raw::fd_allocate(f, 10, 10) }, SUCCESS);
    check("size kept", fstat(f).unwrap().size, 4096);
    check("allocate zero", unsafe { raw::fd_allocate(f, 0, 0) }, INVAL);
    check("sync", unsafe { raw::fd_sync(f) }, SUCCESS);
    check("datasync", unsafe { raw::fd_datasync(f) }, SUCCESS);

    // Rights are reported, not enforced (as wasmtime): fd_fdstat_set_rights
    // has nothing to drop, and an fd's rights follow how it was opened.
    expect_errno!("set_rights", set_rights(f, 0, 0), NOTSUP);
    expect_errno!("set_rights on a closed fd", set_rights(99, 0, 0), BADF);
    let rights = fdstat(f).unwrap().base;
    ensure("read-write file has FD_READ and FD_WRITE", rights & (FD_READ | FD_WRITE) == FD_READ | FD_WRITE);
    let ro = open_with(d, 0, "f", 0, FD_READ, 0, 0).unwrap();
    let ro_rights = fdstat(ro).unwrap().base;
    ensure("read-only file: FD_READ, no FD_WRITE", ro_rights & (FD_READ | FD_WRITE) == FD_READ);
    ensure("read-only file: no FD_FILESTAT_SET_SIZE", ro_rights & FD_FILESTAT_SET_SIZE == 0);
    expect_errno!("write to a read-only fd", write(ro, b"x"), BADF);
    expect_errno!("pwrite to a read-only fd", pwrite(ro, b"x", 0), BADF);
    check("reads need no right asked for", read(ro, 2).unwrap(), b"01".to_vec());
    close(ro).unwrap();
    let wo = open_with(d, 0, "f", 0, FD_WRITE, 0, 0).unwrap();
    ensure("write-only file: no FD_READ", fdstat(wo).unwrap().base & (FD_READ | FD_WRITE) == FD_WRITE);
    expect_errno!("read from a write-only fd", read(wo, 1), BADF);
    close(wo).unwrap();
    // Rights 0: the host opens the file read-only, and every call works
    // that reading allows.
    let none = open_with(d, 0, "f", 0, 0, 0, 0).unwrap();
    check("rights 0 still reads", read(none, 2).unwrap(), b"01".to_vec());
    check("rights 0 seeks", seek(none, 1, SET).unwrap(), 1);
    check("rights 0 stats", fstat(none).unwrap().size, 4096);
    close(none).unwrap();
    close(f).unwrap();
    expect_errno!("close twice", close(f), BADF);
    expect_errno!("read closed", read(f, 1), BADF);

    // File operations on a directory are EBADF, as wasmtime answers them
    let sub = open_dir(d, ".").unwrap();
    expect_errno!("read dir", read(sub, 1), BADF);
    expect_errno!("write dir", write(sub, b"x"), BADF);
    expect_errno!("seek dir", seek(sub, 0, SET), BADF);
    expect_errno!("tell dir", tell(sub), BADF);
    expect_errno!("pread dir", pread(sub, 1, 0), BADF);
    expect_errno!("set_size dir", fset_size(sub, 0), BADF);
    check("sync dir", unsafe { raw::fd_sync(sub) }, SUCCESS);
    check("dir filestat", fstat(sub).unwrap().filetype, FT_DIRECTORY);
    fset_times(sub, 0, 5_000_000_000, 4).unwrap();
    check("dir mtim", stat(d, 0, ".").unwrap().mtim, 5_000_000_000);
    close(sub).unwrap();

    // Streams: stdin is /dev/null here (a device with an offset, not a
    // terminal), stdout a pipe. Stdio are streams for positional calls,
    // whatever the host's stdio is (as under wasmtime); their rights still
    // say what the host fd is, so isatty stays false for /dev/null.
    expect_errno!("seek stdin (/dev/null)", seek(0, 0, SET), SPIPE);
    expect_errno!("pread stdin (/dev/null)", pread(0, 1, 0), SPIPE);
    let null = fdstat(0).unwrap();
    check("/dev/null is a character device", null.filetype, 2);
    ensure("/dev/null has seek and tell rights (not a tty)", null.base & (FD_SEEK | FD_TELL) == FD_SEEK | FD_TELL);
    expect_errno!("seek a pipe", seek(1, 0, CUR), SPIPE);
    expect_errno!("tell a pipe", tell(1), SPIPE);
    expect_errno!("pwrite a pipe", pwrite(1, b"x", 0), SPIPE);
    check("stdout filetype is not a file", fdstat(1).unwrap().filetype == FT_REGULAR, false);
    println!("fs_fd ok");
}
