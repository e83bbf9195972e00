//! Every fd_ and path_ call through a directory opened with rights 0 (and
//! inheriting 0), and on a file opened beneath it with only FD_READ and
//! FD_WRITE asked for: rights are reported, not enforced, as in wasmtime,
//! whose own test programs open their scratch directory this way.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{check, ensure, preopen, raw};

fn ok(what: &str, e: u16) {
    check(what, e, SUCCESS);
}

fn main() {
    let pre = preopen("scratch");
    let d = open_with(pre, 0, ".", O_DIRECTORY, 0, 0, 0).unwrap();
    check("rights-0 dir fdstat", fdstat(d).unwrap().filetype, FT_DIRECTORY);

    // path_* through the rights-0 directory
    mkdir(d, "sub").unwrap();
    let f = open_with(d, 0, "sub/f", O_CREAT | O_EXCL, FD_READ | FD_WRITE, 0, 0).unwrap();
    check("path_filestat_get", stat(d, 0, "sub/f").unwrap().filetype, FT_REGULAR);
    set_times(d, 0, "sub/f", 0, 7_000_000_000, 4).unwrap();
    check("path_filestat_set_times", stat(d, 0, "sub/f").unwrap().mtim, 7_000_000_000);
    link(d, 0, "sub/f", d, "hard").unwrap();
    check("path_link", stat(d, 0, "hard").unwrap().nlink, 2);
    symlink("sub/f", d, "soft").unwrap();
    check("path_readlink", readlink(d, "soft", 64).unwrap(), b"sub/f".to_vec());
    rename(d, "hard", d, "sub/hard2").unwrap();
    unlink(d, "sub/hard2").unwrap();
    unlink(d, "soft").unwrap();
    mkdir(d, "gone").unwrap();
    rmdir(d, "gone").unwrap();
    close(open_with(d, 0, "sub/f", O_TRUNC, 0, 0, 0).unwrap()).unwrap();

    // fd_* on the file opened beneath it
    check("fd_write", write(f, b"0123456789").unwrap(), 10);
    check("fd_seek", seek(f, 2, 0).unwrap(), 2);
    check("fd_tell", tell(f).unwrap(), 2);
    check("fd_read", read(f, 3).unwrap(), b"234".to_vec());
    check("fd_pwrite", pwrite(f, b"AB", 0).unwrap(), 2);
    check("fd_pread", pread(f, 4, 0).unwrap(), b"AB23".to_vec());
    check("fd_filestat_get", fstat(f).unwrap().size, 10);
    fset_size(f, 4).unwrap();
    check("fd_filestat_set_size", fstat(f).unwrap().size, 4);
    fset_times(f, 0, 9_000_000_000, 4).unwrap();
    check("fd_filestat_set_times", fstat(f).unwrap().mtim, 9_000_000_000);
    ok("fd_advise", unsafe { raw::fd_advise(f, 0, 4, 0) });
    ok("fd_allocate", unsafe { raw::fd_allocate(f, 0, 16) });
    ok("fd_sync", unsafe { raw::fd_sync(f) });
    ok("fd_datasync", unsafe { raw::fd_datasync(f) });
    set_flags(f, FDFL_APPEND).unwrap();
    write(f, b"!").unwrap();
    check("fd_fdstat_set_flags APPEND", contents(d, "sub/f").unwrap().len(), 17);
    let st = fdstat(f).unwrap();
    ensure("a read-write file reports FD_READ and FD_WRITE", st.base & (FD_READ | FD_WRITE) == FD_READ | FD_WRITE);
    check("fd_fdstat_set_rights has nothing to drop", set_rights(f, 0, 0), Err(NOTSUP));
    let g = open_with(d, 0, "sub/f", 0, FD_READ, 0, 0).unwrap();
    let h = open_with(d, 0, "sub", O_DIRECTORY, 0, 0, 0).unwrap();
    renumber(g, h).unwrap();
    check("fd_renumber", read(h, 2).unwrap(), b"AB".to_vec());
    close(h).unwrap();
    close(f).unwrap();

    // fd_* on the rights-0 directory itself
    let names: Vec<String> = readdir_all(d, 128).unwrap().into_iter().map(|e| e.name).collect();
    ensure("fd_readdir lists sub", names.iter().any(|n| n == "sub"));
    check("fd_filestat_get on the dir", fstat(d).unwrap().filetype, FT_DIRECTORY);
    fset_times(d, 0, 11_000_000_000, 4).unwrap();
    check("fd_filestat_set_times on the dir", fstat(d).unwrap().mtim, 11_000_000_000);
    ok("fd_sync on the dir", unsafe { raw::fd_sync(d) });
    set_flags(d, FDFL_NONBLOCK).unwrap();
    // A directory opened beneath it with rights 0 works the same.
    let sub = open_with(d, 0, "sub", O_DIRECTORY, 0, 0, 0).unwrap();
    check("nested rights-0 dir", contents(sub, "f").unwrap().len(), 17);
    unlink(sub, "f").unwrap();
    close(sub).unwrap();
    rmdir(d, "sub").unwrap();
    close(d).unwrap();
    println!("rights_zero ok");
}
