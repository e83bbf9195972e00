//! The fd table: lowest free numbers, closing and renumbering preopens.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::{check, expect_errno, raw};

fn prestat_name(fd: u32) -> Result<String, u16> {
    let mut st = [0u8; 8];
    let e = unsafe { raw::fd_prestat_get(fd, st.as_mut_ptr()) };
    if e != 0 {
        return Err(e);
    }
    let len = u32::from_le_bytes(st[4..8].try_into().unwrap());
    let mut name = vec![0u8; len as usize];
    check("dir name", unsafe { raw::fd_prestat_dir_name(fd, name.as_mut_ptr(), len) }, SUCCESS);
    Ok(String::from_utf8(name).unwrap())
}

fn main() {
    check("preopen 3", prestat_name(3).unwrap(), "a".to_string());
    check("preopen 4", prestat_name(4).unwrap(), "b".to_string());
    expect_errno!("no preopen 5", prestat_name(5), BADF);
    expect_errno!("stdio is no preopen", prestat_name(1), BADF);

    let f = open_file(3, "file", O_CREAT, 0).unwrap();
    check("lowest free", f, 5);
    // Close a preopen: its number is free again, and lowest.
    close(3).unwrap();
    expect_errno!("closed preopen", prestat_name(3), BADF);
    let g = open_file(4, "other", O_CREAT, 0).unwrap();
    check("reuses 3", g, 3);
    // Renumber a file onto a preopen: the preopen is closed, the file moves.
    renumber(5, 4).unwrap();
    expect_errno!("old number closed", fdstat(5), BADF);
    expect_errno!("b is gone", prestat_name(4), BADF);
    check("file at 4", fdstat(4).unwrap().filetype, FT_REGULAR);
    write(4, b"via 4").unwrap();
    // Errors: both fds must be open.
    expect_errno!("renumber from closed", renumber(9, 4), BADF);
    expect_errno!("renumber to closed", renumber(4, 9), BADF);
    renumber(4, 4).unwrap();
    check("self renumber keeps it", fdstat(4).unwrap().filetype, FT_REGULAR);
    // Stdio can be closed and its number reused.
    close(0).unwrap();
    close(4).unwrap();
    close(3).unwrap();
    check("table empty but 1 and 2", (fdstat(0).is_err(), fdstat(3).is_err(), fdstat(1).is_ok()), (true, true, true));
    println!("fs_fdtable ok");
}
