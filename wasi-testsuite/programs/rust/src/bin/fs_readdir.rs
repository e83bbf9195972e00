//! fd_readdir: `.` and `..`, types and inode numbers, small dense cookies
//! that stay valid across calls and after entries are added, small buffers
//! filled to the last byte.
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

    // Cookies are dense and small, as wasmtime gives them: the n-th entry's
    // d_next is n + 1, so they fit wasi-libc's 32-bit telldir.
    let listed = readdir_all(dir, 4096).unwrap();
    for (i, e) in listed.iter().enumerate() {
        check(&format!("d_next of entry {i}"), e.next, i as u64 + 1);
    }
    // Any cookie resumes there, in any order; past the end is empty.
    for cookie in [5u64, 1, 26, 3, 0, 27] {
        let mut b = vec![0u8; 8192];
        let n = readdir_raw(dir, &mut b, cookie).unwrap();
        let got: Vec<String> = parse_dirents(&b[..n]).into_iter().map(|e| e.name).collect();
        let want: Vec<String> = listed[cookie as usize..].iter().map(|e| e.name.clone()).collect();
        check(&format!("resume at {cookie}"), got, want);
    }
    check("last d_next + 1 is an empty read", readdir_raw(dir, &mut b, 28).unwrap(), 0);
    check("a huge cookie is an empty read", readdir_raw(dir, &mut b, u64::MAX).unwrap(), 0);

    // Many entries, read in small batches.
    mkdir(d, "many").unwrap();
    for i in 0..300 {
        create_file(d, &format!("many/entry-with-a-longish-name-{i:04}"), b"");
    }
    let many = open_dir(d, "many").unwrap();
    let listed = readdir_all(many, 256).unwrap();
    check("300 + . + ..", listed.len(), 302);
    check("distinct", names(&listed).len(), 302);

    // More entries than one host batch holds (32 KiB): cookies resume
    // across batches, backwards and forwards.
    mkdir(d, "big").unwrap();
    for i in 0..2000 {
        create_file(d, &format!("big/a-rather-long-entry-name-to-fill-batches-{i:05}"), b"");
    }
    let big = open_dir(d, "big").unwrap();
    let listed = readdir_all(big, 128).unwrap();
    check("2000 + . + ..", listed.len(), 2002);
    check("distinct names", names(&listed).len(), 2002);
    for cookie in [1500u64, 10, 2001, 700, 1999, 2002, 333] {
        let mut b = vec![0u8; 200];
        let n = readdir_raw(big, &mut b, cookie).unwrap();
        let got = parse_dirents(&b[..n]);
        match listed.get(cookie as usize) {
            Some(want) => {
                check(&format!("entry at cookie {cookie}"), &got[0].name, &want.name);
                check(&format!("its d_next"), got[0].next, cookie + 1);
            }
            None => check(&format!("cookie {cookie} past the end"), n, 0),
        }
    }
    close(big).unwrap();

    // Errors
    let file = open_file(d, "dir/a", 0, 0).unwrap();
    expect_errno!("readdir a file", readdir_raw(file, &mut b, 0), NOTDIR);
    let no_right = open_with(d, 0, "dir", O_DIRECTORY, PATH_OPEN, 0, 0).unwrap();
    check("without FD_READDIR asked for", readdir_all(no_right, 4096).unwrap().len(), 27);
    expect_errno!("closed fd", readdir_raw(77, &mut b, 0), BADF);
    println!("fs_readdir ok");
}
