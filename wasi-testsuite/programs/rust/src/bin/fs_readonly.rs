//! A read-only mount (`--dir HOST::GUEST::ro`): everything can be read,
//! nothing can be changed (EPERM, as wasmtime answers), and the host files stay as they were.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{check, expect_errno, preopen, raw};

fn main() {
    let d = preopen("/ro");
    check("read", contents(d, "given.txt").unwrap(), b"given\n".to_vec());
    check("stat", stat(d, 0, "given.txt").unwrap().size, 6);
    check("readdir", readdir_all(open_dir(d, ".").unwrap(), 4096).unwrap().len(), 3);

    expect_errno!("open for writing", open_with(d, 0, "given.txt", 0, FD_READ | FD_WRITE, 0, 0), PERM);
    expect_errno!("open to append", open_with(d, 0, "given.txt", 0, FD_WRITE, 0, FDFL_APPEND), PERM);
    expect_errno!("create", open_with(d, 0, "new.txt", O_CREAT, FD_READ, 0, 0), PERM);
    expect_errno!("truncate", open_with(d, 0, "given.txt", O_TRUNC, FD_READ, 0, 0), PERM);
    expect_errno!("mkdir", mkdir(d, "dir"), PERM);
    expect_errno!("unlink", unlink(d, "given.txt"), PERM);
    expect_errno!("rmdir", rmdir(d, "."), PERM);
    expect_errno!("rename", rename(d, "given.txt", d, "moved.txt"), PERM);
    expect_errno!("symlink", symlink("given.txt", d, "l"), PERM);
    expect_errno!("link", link(d, 0, "given.txt", d, "l"), PERM);
    expect_errno!("set times", set_times(d, 0, "given.txt", 0, 0, 8), PERM);

    // A read-only fd beneath the mount cannot change the file either.
    let fd = open_with(d, 0, "given.txt", 0, FD_READ | FD_FILESTAT_SET_TIMES | FD_FDSTAT_SET_FLAGS, 0, 0).unwrap();
    expect_errno!("fd set times", fset_times(fd, 0, 0, 8), PERM);
    expect_errno!("fd set size", fset_size(fd, 0), PERM);
    expect_errno!("fd write", write(fd, b"x"), BADF);
    // Directories opened beneath it are read-only too.
    let sub = open_dir(d, ".").unwrap();
    expect_errno!("create via subdir", open_with(sub, 0, "n", O_CREAT, FD_READ, 0, 0), PERM);
    expect_errno!("fd allocate", match unsafe { raw::fd_allocate(fd, 0, 1) } { 0 => Ok(()), e => Err(e) }, PERM);
    check("still there", contents(d, "given.txt").unwrap(), b"given\n".to_vec());
    println!("fs_readonly ok");
}
