//! `--mount`: real programs over file systems that are not host
//! directories. A Go program walks a `.tar` mount with `os.DirFS` and a
//! Rust program walks it with `std::fs`, and each must print exactly what
//! it prints over the same tree unpacked on the host; an overlay of the
//! archive takes changes and leaves the archive alone; a memory mount's
//! budget stops a guest that fills it; bad mounts are one-line errors.
//! Every guest runs as an unprivileged user.

#![allow(unused_crate_dependencies)]

mod common;

use common::{give_to_test_user, go_guest, output_with_timeout, rust_guests, scratch, wasi_run, wasi_run_unprivileged};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A pseudo-random megabyte: data a lazy read must get right at every offset.
fn big_file() -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A name past the 100 bytes a plain tar header holds (a GNU long name).
fn long_dir() -> String {
    format!("long-{}", "n".repeat(120))
}

/// Writes an archive with directories, files (one of a megabyte, one
/// beneath a long name), a relative symlink, an absolute one and a hard
/// link, as GNU tar would.
fn make_tar(path: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let entry = |kind: tar::EntryType, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(if kind == tar::EntryType::Directory { 0o755 } else { 0o644 });
        h.set_mtime(1_700_000_000);
        h
    };
    for dir in ["sub/", "sub/deep/", "empty/"] {
        b.append_data(&mut entry(tar::EntryType::Directory, 0), dir, &[][..]).unwrap();
    }
    let files: Vec<(String, Vec<u8>)> = vec![
        ("a.txt".into(), b"alpha\n".to_vec()),
        ("sub/b.txt".into(), b"beta, nested\n".to_vec()),
        ("sub/deep/big.bin".into(), big_file()),
        (format!("{}/inner.txt", long_dir()), b"beneath a long name\n".to_vec()),
        ("zero.txt".into(), Vec::new()),
    ];
    for (name, data) in &files {
        b.append_data(&mut entry(tar::EntryType::Regular, data.len() as u64), name, &data[..]).unwrap();
    }
    b.append_link(&mut entry(tar::EntryType::Symlink, 0), "link_b", "sub/b.txt").unwrap();
    b.append_link(&mut entry(tar::EntryType::Symlink, 0), "link_abs", "/etc/passwd").unwrap();
    b.append_link(&mut entry(tar::EntryType::Link, 0), "sub/hard_a", "a.txt").unwrap();
    b.finish().unwrap();
}

/// The archive and the same tree unpacked on the host, in a fresh
/// directory the test user may read.
fn archive_and_tree(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = scratch(tag);
    let archive = root.join("tree.tar");
    make_tar(&archive);
    let unpacked = root.join("unpacked");
    tar::Archive::new(std::fs::File::open(&archive).unwrap()).unpack(&unpacked).unwrap();
    give_to_test_user(&root);
    (root, archive, unpacked)
}

fn rust_guest(name: &str) -> PathBuf {
    rust_guests().unwrap().join(format!("{name}.wasm"))
}

fn run(args: &[String], wasm: &Path, guest_args: &[&str]) -> Output {
    let mut cmd = wasi_run_unprivileged();
    cmd.args(args).arg(wasm).args(guest_args);
    output_with_timeout(&mut cmd, 120)
}

/// The listing of the unpacked tree, to compare with the tar mount's. The
/// Windows build under Wine 8 sees a host symlink as what it points to
/// (`.ci/wine/run` sets `WASI_RUN_NO_HOST_SYMLINKS`): there the archive's
/// two symlinks are left out of both listings.
fn comparable(tar: &str, host: &str) -> (String, String) {
    if std::env::var_os("WASI_RUN_NO_HOST_SYMLINKS").is_none() {
        return (tar.to_owned(), host.to_owned());
    }
    let keep = |text: &str| text.lines().filter(|l| !l.starts_with("link_")).map(|l| format!("{l}\n")).collect();
    (keep(tar), keep(host))
}

fn stdout_of(out: &Output) -> String {
    assert!(out.status.success(), "{:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_go_dirfs_walk_over_a_tar_mount_sees_the_unpacked_tree() {
    let (_root, archive, unpacked) = archive_and_tree("mount-go");
    let wasm = go_guest("dirwalk").unwrap();
    let tar =
        stdout_of(&run(&["--mount".into(), format!("tar:{}::/data", archive.display())], &wasm, &["/data", "write"]));
    let host =
        stdout_of(&run(&["--dir".into(), format!("{}::/data::ro", unpacked.display())], &wasm, &["/data", "write"]));
    let (same_tar, same_host) = comparable(&tar, &host);
    assert_eq!(same_tar, same_host, "the tar mount and the unpacked tree differ");
    let big = format!("sub/deep/big.bin file {} nlink=1", 1 << 20);
    for want in [
        "./ dir",
        "a.txt file 6 nlink=2",
        "sub/hard_a file 6 nlink=2",
        &big,
        &format!("{}/inner.txt file 20 nlink=1", long_dir()),
        "zero.txt file 0 nlink=1",
        "link_b -> \"sub/b.txt\" <nil>",
        "link_abs -> \"/etc/passwd\" <nil>",
        "empty/ dir",
        "create: open /data/new.txt: Operation not permitted",
    ] {
        assert!(tar.contains(want), "{want:?} missing from:\n{tar}");
    }
}

#[test]
fn a_rust_walk_over_a_tar_mount_sees_the_unpacked_tree() {
    let (_root, archive, unpacked) = archive_and_tree("mount-rust");
    let wasm = rust_guest("tree_sum");
    let tar = stdout_of(&run(&["--mount".into(), format!("tar:{}::/data", archive.display())], &wasm, &["/data"]));
    let host = stdout_of(&run(&["--dir".into(), format!("{}::/data", unpacked.display())], &wasm, &["/data"]));
    let (same_tar, same_host) = comparable(&tar, &host);
    assert_eq!(same_tar, same_host, "the tar mount and the unpacked tree differ");
    assert_eq!(tar.lines().count(), 12, "{tar}");
    assert!(tar.contains("sub/deep/big.bin 1048576 "), "{tar}");
}

#[test]
fn an_overlay_of_a_tar_takes_changes_and_leaves_the_archive_alone() {
    let (_root, archive, _) = archive_and_tree("mount-overlay");
    let before = std::fs::read(&archive).unwrap();
    let wasm = go_guest("dirwalk").unwrap();
    let spec = format!("overlay:{}::/data", archive.display());
    let out = stdout_of(&run(&["--mount".into(), spec], &wasm, &["/data", "write"]));
    assert!(out.contains("create: <nil>\nread back: \"new\" <nil>"), "{out}");
    assert!(out.contains("sub/hard_a file 6 nlink=2"), "{out}");
    assert_eq!(std::fs::read(&archive).unwrap(), before, "the archive changed");
    // A file changed in the overlay is copied up; the rest still reads
    // from the archive.
    let file_rw = rust_guest("file_rw");
    let root = scratch("mount-overlay-dir");
    std::fs::write(root.join("given.txt"), "given\n").unwrap();
    give_to_test_user(&root);
    let out = run(&["--mount".into(), format!("overlay:{}::/mnt/data", root.display())], &file_rw, &["/mnt/data"]);
    let text = stdout_of(&out);
    assert!(text.contains("given.txt,out.txt"), "{text}");
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "the overlay wrote to the host");
}

#[test]
fn a_memory_mount_budget_stops_a_guest_that_fills_it() {
    let wasm = rust_guest("fill");
    let out = stdout_of(&run(&["--mount".into(), "mem::/scratch::size=1M".into()], &wasm, &["/scratch"]));
    let wrote: usize = out.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(wrote > 900 << 10 && wrote <= 1 << 20, "{out}");
    assert!(out.contains("then StorageFull\nafter remove: ok"), "{out}");
}

#[test]
fn bad_mounts_are_one_line_errors() {
    let root = scratch("mount-bad");
    std::fs::write(root.join("junk.tar"), vec![0x5a; 2048]).unwrap();
    let hello = rust_guest("hello");
    let cases = [
        ("mem".to_string(), "expected KIND"),
        ("disk:x::/x".to_string(), "unknown kind \"disk\""),
        ("tar::/x".to_string(), "tar needs a SOURCE"),
        // The host's own words: Unix's, or Windows' (under Wine).
        (
            format!("tar:{}::/x", root.join("missing.tar").display()),
            "missing.tar: No such file|missing.tar: File not found",
        ),
        (format!("tar:{}::/x", root.display()), "a directory, not a .tar archive"),
        (format!("tar:{}::/x", root.join("junk.tar").display()), "junk.tar"),
        ("mem::/x::size=lots".to_string(), "size=lots"),
        ("mem::/x::exec".to_string(), "unknown option ::exec"),
    ];
    for (spec, want) in cases {
        let mut cmd = wasi_run();
        cmd.arg("--mount").arg(&spec).arg(&hello);
        let out = output_with_timeout(&mut cmd, 60);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec}: {err}");
        assert_eq!(err.lines().count(), 1, "{spec}: {err}");
        assert!(
            err.contains(&format!("--mount {spec:?}")) && want.split('|').any(|w| err.contains(w)),
            "{spec}: {err}"
        );
    }
}
