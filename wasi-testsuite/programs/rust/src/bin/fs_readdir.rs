//! fd_readdir: `.` and `..`, types and inode numbers, cookies that stay
//! valid across calls and after entries are added, small buffers filled to
//! the last byte.
use std::collections::BTreeSet;
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{check, ensure, expect_errno, preopen};

fn names(entries: &[Dirent]) -> BTreeSet<String> {
    entries.iter().map(|e| e.name.clone()).collect()
}

fn main() {
    let d = preopen("scratch");
    mkdir(d, "dir").unwrap();
    for n in ["a", "b", "c"] {
        create_file(d, &format!("dir/{n}"), n.as_bytes());
    }
    mkdir(d, "dir/s").unwrap();
    symlink("a", d, "dir/l").unwrap();
    let dir = open_dir(d, "dir").unwrap();

    let all = readdir_all(dir, 4096).unwrap();
    let want: BTreeSet<String> = [".", "..", "a", "b", "c", "s", "l"].iter().map(|s| s.to_string()).collect();
    check("names", names(&all), want);
    check("no duplicates", all.len(), 7);
    for e in &all {
        let t = match e.name.as_str() {
            "." | ".." | "s" => FT_DIRECTORY,
            "l" => FT_SYMLINK,
            _ => FT_REGULAR,
        };
        check(&format!("type of {}", e.name), e.filetype, t);
        if e.name != ".." {
            check(&format!("ino of {}", e.name), e.ino, stat(dir, 0, &e.name).unwrap().ino);
        }
    }

    // Small buffers: every size from one byte short of the largest entry up
    // gives the same listing when the reader restarts from its last cookie.
    for size in [26, 27, 30, 40, 64, 100] {
        check(&format!("buffer {size}"), names(&readdir_all(dir, size).unwrap()), names(&all));
    }
    // A buffer smaller than the next entry is filled to its last byte with
    // the start of that entry.
    let mut full = vec![0u8; 4096];
    let used = readdir_raw(dir, &mut full, 0).unwrap();
    let mut tiny = [0xEEu8; 10];
    check("tiny used", readdir_raw(dir, &mut tiny, 0).unwrap(), 10);
    check("tiny bytes", &tiny[..], &full[..10]);
    let mut exact = vec![0u8; used];
    check("exact size", readdir_raw(dir, &mut exact, 0).unwrap(), used);
    check("exact bytes", &exact, &full[..used].to_vec());

    // Cookies: resuming from an entry's d_next gives the entries after it.
    let third = all[2].next;
    let rest = parse_dirents(&{
        let mut b = vec![0u8; 4096];
        let n = readdir_raw(dir, &mut b, third).unwrap();
        b.truncate(n);
        b
    });
    check("resumed", names(&rest), names(&all[3..]));
    // ...and still does after entries are added.
    for i in 0..20 {
        create_file(d, &format!("dir/new{i}"), b"");
    }
    let mut b = vec![0u8; 8192];
    let n = readdir_raw(dir, &mut b, third).unwrap();
    let later = names(&parse_dirents(&b[..n]));
    ensure("old remaining entries still listed", names(&all[3..]).is_subset(&later));
    ensure("earlier entries not repeated", names(&all[..3]).is_disjoint(&later));
    // Cookie 0 starts over.
    check("rewind", readdir_all(dir, 4096).unwrap().len(), 27);

    // Many entries, read in small batches.
    mkdir(d, "many").unwrap();
    for i in 0..300 {
        create_file(d, &format!("many/entry-with-a-longish-name-{i:04}"), b"");
    }
    let many = open_dir(d, "many").unwrap();
    let listed = readdir_all(many, 256).unwrap();
    check("300 + . + ..", listed.len(), 302);
    check("distinct", names(&listed).len(), 302);

    // Errors
    let file = open_file(d, "dir/a", 0, 0).unwrap();
    expect_errno!("readdir a file", readdir_raw(file, &mut b, 0), NOTDIR);
    let no_right = open_with(d, 0, "dir", O_DIRECTORY, PATH_OPEN, 0, 0).unwrap();
    expect_errno!("without FD_READDIR", readdir_raw(no_right, &mut b, 0), NOTCAPABLE);
    expect_errno!("closed fd", readdir_raw(77, &mut b, 0), BADF);
    println!("fs_readdir ok");
}
