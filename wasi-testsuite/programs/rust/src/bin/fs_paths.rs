//! The path_* calls: create/remove directories, unlink, rename, link,
//! symlink, readlink, filestat get/set (with and without following), and
//! the trailing-slash rule of each.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::{check, ensure, expect_errno, preopen};

fn main() {
    let d = preopen("scratch");
    create_file(d, "f", b"file");

    // path_create_directory
    mkdir(d, "a").unwrap();
    expect_errno!("mkdir existing", mkdir(d, "a"), EXIST);
    expect_errno!("mkdir over a file", mkdir(d, "f"), EXIST);
    expect_errno!("mkdir missing parent", mkdir(d, "x/y"), NOENT);
    expect_errno!("mkdir under a file", mkdir(d, "f/y"), NOTDIR);
    expect_errno!("mkdir .", mkdir(d, "."), EXIST);
    expect_errno!("mkdir a/..", mkdir(d, "a/.."), EXIST);
    mkdir(d, "b/").unwrap();
    check("mkdir b/", stat(d, 0, "b").unwrap().filetype, FT_DIRECTORY);
    expect_errno!("mkdir escaping", mkdir(d, "../x"), PERM);

    // path_remove_directory
    create_file(d, "a/inner", b"");
    expect_errno!("rmdir non-empty", rmdir(d, "a"), NOTEMPTY);
    expect_errno!("rmdir a file", rmdir(d, "f"), NOTDIR);
    expect_errno!("rmdir a file/", rmdir(d, "f/"), NOTDIR);
    expect_errno!("rmdir missing", rmdir(d, "nope"), NOENT);
    expect_errno!("rmdir .", rmdir(d, "."), INVAL);
    expect_errno!("rmdir a/..", rmdir(d, "a/.."), NOTEMPTY);
    rmdir(d, "b/").unwrap();
    expect_errno!("gone", stat(d, 0, "b"), NOENT);

    // path_unlink_file
    create_file(d, "g", b"");
    unlink(d, "g").unwrap();
    expect_errno!("unlink missing", unlink(d, "g"), NOENT);
    expect_errno!("unlink a directory", unlink(d, "a"), ISDIR);
    expect_errno!("unlink dir/", unlink(d, "a/"), ISDIR);
    expect_errno!("unlink file/", unlink(d, "f/"), NOTDIR);
    symlink("a", d, "to-a").unwrap();
    unlink(d, "to-a").unwrap();
    check("link removed, dir kept", stat(d, 0, "a").unwrap().filetype, FT_DIRECTORY);

    // path_rename
    create_file(d, "r1", b"one");
    create_file(d, "r2", b"two");
    rename(d, "r1", d, "r2").unwrap();
    check("renamed over", contents(d, "r2").unwrap(), b"one".to_vec());
    expect_errno!("source gone", stat(d, 0, "r1"), NOENT);
    expect_errno!("file over dir", rename(d, "r2", d, "a"), ISDIR);
    mkdir(d, "e1").unwrap();
    mkdir(d, "e2").unwrap();
    rename(d, "e1", d, "e2").unwrap();
    expect_errno!("dir over non-empty dir", rename(d, "e2", d, "a"), NOTEMPTY);
    expect_errno!("dir over file", rename(d, "e2", d, "r2"), NOTDIR);
    expect_errno!("dir into itself", rename(d, "e2", d, "e2/sub"), INVAL);
    expect_errno!("rename missing", rename(d, "nope", d, "x"), NOENT);
    expect_errno!("file/ source", rename(d, "r2/", d, "r3"), NOTDIR);
    expect_errno!("file to x/", rename(d, "r2", d, "r3/"), NOTDIR);
    rename(d, "e2/", d, "e3/").unwrap();
    check("dir/ renamed", stat(d, 0, "e3").unwrap().filetype, FT_DIRECTORY);
    expect_errno!("rename out", rename(d, "r2", d, "../r2"), PERM);

    // path_symlink and path_readlink
    symlink("f", d, "s").unwrap();
    check("readlink", readlink(d, "s", 64).unwrap(), b"f".to_vec());
    symlink("a/inner", d, "s2").unwrap();
    check("readlink truncated", readlink(d, "s2", 3).unwrap(), b"a/i".to_vec());
    expect_errno!("symlink over existing", symlink("x", d, "f"), EXIST);
    expect_errno!("symlink s/", symlink("x", d, "new/"), NOENT);
    expect_errno!("absolute target", symlink("/etc/passwd", d, "abs"), PERM);
    expect_errno!("readlink a file", readlink(d, "f", 64), INVAL);
    expect_errno!("readlink missing", readlink(d, "nope", 64), NOENT);
    expect_errno!("readlink link/", readlink(d, "s/", 64), NOTDIR);
    symlink("../outside", d, "climb").unwrap();
    check("a climbing link can be read", readlink(d, "climb", 64).unwrap(), b"../outside".to_vec());
    expect_errno!("but not followed", open_file(d, "climb", 0, 0), PERM);

    // path_link
    link(d, 0, "f", d, "hard").unwrap();
    check("same inode", stat(d, 0, "hard").unwrap().ino, stat(d, 0, "f").unwrap().ino);
    check("two links", stat(d, 0, "f").unwrap().nlink, 2);
    expect_errno!("link over existing", link(d, 0, "f", d, "hard"), EXIST);
    expect_errno!("link a directory", link(d, 0, "a", d, "a2"), PERM);
    expect_errno!("link missing", link(d, 0, "nope", d, "x"), NOENT);
    expect_errno!("link to x/", link(d, 0, "f", d, "x/"), NOENT);
    expect_errno!("link from f/", link(d, 0, "f/", d, "x"), NOTDIR);
    // Without SYMLINK_FOLLOW the link itself is linked; with it, its target.
    link(d, 0, "s", d, "hard-s").unwrap();
    check("linked the symlink", stat(d, 0, "hard-s").unwrap().filetype, FT_SYMLINK);
    link(d, LOOKUP_FOLLOW, "s", d, "hard-f").unwrap();
    check("linked the target", stat(d, 0, "hard-f").unwrap().ino, stat(d, 0, "f").unwrap().ino);
    expect_errno!("link out", link(d, 0, "f", d, "../f"), PERM);
    expect_errno!("follow out", link(d, LOOKUP_FOLLOW, "climb", d, "x"), PERM);

    // path_filestat_get and path_filestat_set_times, with and without follow
    let link_st = stat(d, 0, "s").unwrap();
    check("lstat type", link_st.filetype, FT_SYMLINK);
    check("lstat size is the target's length", link_st.size, 1);
    check("stat follows", stat(d, LOOKUP_FOLLOW, "s").unwrap().filetype, FT_REGULAR);
    let f_mtim = stat(d, 0, "f").unwrap().mtim;
    set_times(d, 0, "s", 0, 3_000_000_000, 4).unwrap();
    check("link's mtim set", stat(d, 0, "s").unwrap().mtim, 3_000_000_000);
    check("target untouched", stat(d, 0, "f").unwrap().mtim, f_mtim);
    set_times(d, LOOKUP_FOLLOW, "s", 0, 4_000_000_000, 4).unwrap();
    check("target's mtim set", stat(d, 0, "f").unwrap().mtim, 4_000_000_000);
    check("link untouched", stat(d, 0, "s").unwrap().mtim, 3_000_000_000);
    expect_errno!("set_times both atim flags", set_times(d, 0, "f", 1, 1, 1 | 2), INVAL);
    expect_errno!("stat missing", stat(d, 0, "nope"), NOENT);
    expect_errno!("stat file/", stat(d, 0, "f/"), NOTDIR);
    check("stat dir/", stat(d, 0, "a/").unwrap().filetype, FT_DIRECTORY);
    expect_errno!("set_times file/", set_times(d, 0, "f/", 0, 0, 8), NOTDIR);
    expect_errno!("stat escaping", stat(d, 0, "a/../../x"), PERM);
    ensure("stat . is the preopen", stat(d, 0, ".").unwrap().filetype == FT_DIRECTORY);
    println!("fs_paths ok");
}
