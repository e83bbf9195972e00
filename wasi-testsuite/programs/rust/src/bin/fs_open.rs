//! path_open: every oflag and fdflag, the host open mode, success and error paths.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{check, ensure, expect_errno, preopen};

fn main() {
    let d = preopen("scratch");

    // A missing file; CREAT makes it; CREAT again opens it; CREAT|EXCL fails.
    expect_errno!("missing", open_file(d, "f", 0, 0), NOENT);
    let fd = open_file(d, "f", O_CREAT, 0).unwrap();
    check("write", write(fd, b"hello").unwrap(), 5);
    close(fd).unwrap();
    close(open_file(d, "f", O_CREAT, 0).unwrap()).unwrap();
    expect_errno!("creat|excl existing", open_file(d, "f", O_CREAT | O_EXCL, 0), EXIST);
    check("creat kept contents", contents(d, "f").unwrap(), b"hello".to_vec());

    // TRUNC empties the file.
    close(open_file(d, "f", O_TRUNC, 0).unwrap()).unwrap();
    check("trunc", stat(d, 0, "f").unwrap().size, 0);
    create_file(d, "f", b"abc");

    // DIRECTORY: only a directory.
    mkdir(d, "sub").unwrap();
    expect_errno!("directory on a file", open_with(d, 0, "f", O_DIRECTORY, 0, 0, 0), NOTDIR);
    let sub = open_dir(d, "sub").unwrap();
    let st = fdstat(sub).unwrap();
    check("dir filetype", st.filetype, FT_DIRECTORY);
    ensure("a directory gets no file-content rights", st.base & (FD_READ | FD_WRITE | FD_SEEK) == 0);
    ensure("a directory keeps its directory rights", st.base & (PATH_OPEN | FD_READDIR) == PATH_OPEN | FD_READDIR);
    // Opening a directory for writing is EISDIR, with or without DIRECTORY.
    expect_errno!("dir for writing", open_with(d, 0, "sub", 0, FD_WRITE, 0, 0), ISDIR);
    expect_errno!("dir creat", open_with(d, 0, "sub", O_CREAT, FD_READ, 0, 0), ISDIR);
    // Paths through a file are not directories; a file fd is no directory.
    expect_errno!("through a file", open_file(d, "f/x", 0, 0), NOTDIR);
    let file = open_file(d, "f", 0, 0).unwrap();
    expect_errno!("file as dirfd", open_file(file, "x", O_CREAT, 0), NOTDIR);
    // Trailing slashes: a directory may have them, a file may not.
    close(open_with(d, 0, "sub/", 0, 0, 0, 0).unwrap()).unwrap();
    close(open_with(d, 0, "sub//", O_DIRECTORY, 0, 0, 0).unwrap()).unwrap();
    expect_errno!("file/", open_file(d, "f/", 0, 0), NOTDIR);
    expect_errno!("creat x/", open_file(d, "newfile/", O_CREAT, 0), ISDIR);
    expect_errno!("missing parent", open_file(d, "nope/x", O_CREAT, 0), NOENT);
    expect_errno!("empty path", open_file(d, "", 0, 0), NOENT);

    // Rights are reported, not enforced (as wasmtime): FD_READ and FD_WRITE
    // choose how the host opens the file, and nothing else is checked.
    let ro = open_with(d, 0, "f", 0, FD_READ | FD_SEEK, 0, 0).unwrap();
    let st = fdstat(ro).unwrap();
    check("file filetype", st.filetype, FT_REGULAR);
    ensure("read-only: FD_READ reported", st.base & FD_READ != 0);
    ensure("read-only: no FD_WRITE reported", st.base & FD_WRITE == 0);
    expect_errno!("write to a read-only open", write(ro, b"x"), BADF);
    check("read with FD_READ", read(ro, 3).unwrap(), b"abc".to_vec());
    check("tell without FD_TELL asked", tell(ro).unwrap(), 3);
    close(ro).unwrap();
    let none = open_with(d, 0, "f", 0, 0, 0, 0).unwrap();
    check("rights 0 opens for reading", read(none, 1).unwrap(), b"a".to_vec());
    close(none).unwrap();
    // A directory opened with few rights still opens, creates and
    // truncates beneath it: Go's os.Root and test harnesses do this.
    let limited = open_with(d, 0, "sub", O_DIRECTORY, PATH_OPEN, FD_READ, 0).unwrap();
    let g = open_with(limited, 0, "g", O_CREAT, FD_READ | FD_WRITE, 0, 0).unwrap();
    check("write beneath a limited dir", write(g, b"gg").unwrap(), 2);
    close(g).unwrap();
    close(open_with(limited, 0, "g", O_TRUNC, FD_READ, 0, 0).unwrap()).unwrap();
    check("truncated beneath a limited dir", stat(d, 0, "sub/g").unwrap().size, 0);
    let zero = open_with(d, 0, "sub", O_DIRECTORY, 0, 0, 0).unwrap();
    close(open_with(zero, 0, "h", O_CREAT, FD_READ, 0, 0).unwrap()).unwrap();
    // A directory is opened to be read: what is opened beneath it reports
    // no FD_WRITE to inherit (wasi-libc's faccessat(W_OK) says EACCES, as
    // under wasmtime), but keeps FD_DATASYNC, so wasi-libc's O_WRONLY
    // beneath it still asks for (and gets) a writable file.
    let inheriting = fdstat(zero).unwrap().inheriting;
    ensure("dir inheriting rights include reading", inheriting & FD_READ == FD_READ);
    ensure("dir inheriting rights lack FD_WRITE", inheriting & FD_WRITE == 0);
    ensure("dir inheriting rights keep FD_DATASYNC", inheriting & FD_DATASYNC == FD_DATASYNC);
    ensure("a writable preopen's include FD_WRITE", fdstat(d).unwrap().inheriting & FD_WRITE == FD_WRITE);
    for fd in [limited, zero, sub, file] {
        close(fd).unwrap();
    }

    // APPEND: every write goes to the end, whatever the offset.
    let app = open_file(d, "f", 0, FDFL_APPEND).unwrap();
    check("append flag", fdstat(app).unwrap().flags, FDFL_APPEND as u16);
    seek(app, 0, 0).unwrap();
    write(app, b"d").unwrap();
    check("appended", contents(d, "f").unwrap(), b"abcd".to_vec());
    set_flags(app, 0).unwrap();
    check("append cleared", fdstat(app).unwrap().flags, 0);
    seek(app, 0, 0).unwrap();
    write(app, b"A").unwrap();
    check("overwrote", contents(d, "f").unwrap(), b"Abcd".to_vec());
    close(app).unwrap();

    // NONBLOCK and the sync flags are accepted and reported.
    for flag in [FDFL_NONBLOCK, FDFL_DSYNC, FDFL_RSYNC, FDFL_SYNC, FDFL_DSYNC | FDFL_SYNC] {
        let fd = open_file(d, "f", 0, flag).unwrap();
        check("fdflags reported", fdstat(fd).unwrap().flags, flag as u16);
        close(fd).unwrap();
    }
    let fd = open_file(d, "f", 0, 0).unwrap();
    set_flags(fd, FDFL_NONBLOCK).unwrap();
    check("nonblock set", fdstat(fd).unwrap().flags, FDFL_NONBLOCK as u16);
    expect_errno!("sync flags are fixed at open", set_flags(fd, FDFL_SYNC), NOTSUP);
    close(fd).unwrap();

    // Symlinks: followed with SYMLINK_FOLLOW, ELOOP without it.
    symlink("f", d, "lnk").unwrap();
    expect_errno!("nofollow on a link", open_with(d, 0, "lnk", 0, FD_READ, 0, 0), LOOP);
    let via = open_with(d, LOOKUP_FOLLOW, "lnk", 0, FD_READ, 0, 0).unwrap();
    check("through the link", read(via, 4).unwrap(), b"Abcd".to_vec());
    close(via).unwrap();
    // CREAT through a dangling link creates its target; CREAT|EXCL does not.
    symlink("made-by-link", d, "dangling").unwrap();
    expect_errno!("excl on a link", open_with(d, LOOKUP_FOLLOW, "dangling", O_CREAT | O_EXCL, FD_READ, 0, 0), EXIST);
    close(open_with(d, LOOKUP_FOLLOW, "dangling", O_CREAT, FD_READ, 0, 0).unwrap()).unwrap();
    check("target created", stat(d, 0, "made-by-link").unwrap().filetype, FT_REGULAR);

    // Out of the sandbox.
    expect_errno!("absolute", open_file(d, "/f", 0, 0), PERM);
    expect_errno!("dotdot", open_file(d, "../f", 0, 0), PERM);
    expect_errno!("dotdot deeper", open_file(d, "sub/../../f", 0, 0), PERM);
    close(open_file(d, "sub/../f", 0, 0).unwrap()).unwrap();
    expect_errno!("bad dirfd", open_file(99, "f", 0, 0), BADF);
    println!("fs_open ok");
}
