//! Random sequences of file-system calls, run against a host directory and
//! against an in-memory mount (and an overlay of a host tree), through
//! the `System` trait: every result must be the same, errno for errno.
//!
//! Paths come from a small vocabulary (a few names, `.`, `..`, trailing
//! slashes, symlinks to names inside and outside the directory, loops), so
//! the sequences reach the corners of the rules: replacing renames,
//! directories moved beneath themselves, trailing slashes on files,
//! dangling links followed with `O_CREAT`, `..` past the root.
//!
//! What a host's file system decides for itself is not compared: inode
//! and device numbers, times, a directory's size and link count, and the
//! order of directory entries (compared as sets).

use rustix::fs::{Mode, OFlags};
use std::io::{IoSlice, IoSliceMut};
use std::path::PathBuf;
use std::sync::Arc;
use wasi_preview1::System;
use wasi_preview1::abi::{
    Dirent, DirentWriter, Errno, Fd, Fdflags, Filestat, Filetype, Fstflags, Layout, Lookupflags, Oflags, Rights, Whence,
};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::unix::sandbox::Resolver;
use wasi_preview1::vfs::MemoryFs;

/// A small, seeded generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const NAMES: &[&str] = &["a", "b", "c", "d", "a/b", "a/c", "b/a", "a/b/c", "l", "a/l"];
const EXTRA: &[&str] = &[".", "..", "a/..", "../a", "a/./b", "l/b", "a//c", "", "/a", "a/.", "./", "a/b/..", "l/."];
const TARGETS: &[&str] = &["a", "b", "../a", "a/b", "l", ".", "missing", "c/", "/etc", "b/../a"];

fn path(rng: &mut Rng) -> String {
    let mut p = if rng.below(8) == 0 { rng.pick(EXTRA).to_string() } else { rng.pick(NAMES).to_string() };
    if rng.below(6) == 0 {
        p.push('/');
    }
    p
}

/// One call's result, with what hosts may differ in taken out.
#[derive(Debug, PartialEq)]
enum Outcome {
    Err(Errno),
    Unit,
    Fd(Fd),
    Size(u64),
    Stat(Filetype, Option<u64>, Option<u64>),
    Bytes(Vec<u8>),
    Names(Vec<(Vec<u8>, u8)>),
}

fn stat(st: Filestat) -> Outcome {
    if st.filetype == Filetype::Directory {
        Outcome::Stat(st.filetype, None, None)
    } else {
        Outcome::Stat(st.filetype, Some(st.size), Some(st.nlink))
    }
}

fn of<T>(r: Result<T, Errno>, f: impl FnOnce(T) -> Outcome) -> Outcome {
    r.map_or_else(Outcome::Err, f)
}

/// Every entry of the directory `fd`, read with a small buffer.
fn list(sys: &mut dyn System, fd: Fd) -> Outcome {
    let mut names = Vec::new();
    let mut cookie = 0;
    for _ in 0..1000 {
        let mut buf = [0u8; 64];
        let mut out = DirentWriter::new(&mut buf);
        if let Err(e) = sys.fd_readdir(fd, &mut out, cookie) {
            return Outcome::Err(e);
        }
        let used = out.used();
        let mut at = 0;
        let mut progressed = false;
        while at + Dirent::SIZE as usize <= used {
            let d = Dirent::decode(&buf[at..at + Dirent::SIZE as usize]).unwrap();
            let start = at + Dirent::SIZE as usize;
            let end = start + d.d_namlen as usize;
            if end > used {
                break;
            }
            names.push((buf[start..end].to_vec(), d.d_type as u8));
            cookie = d.d_next;
            at = end;
            progressed = true;
        }
        if used < buf.len() {
            break;
        }
        assert!(progressed, "an entry longer than the buffer");
    }
    names.sort();
    Outcome::Names(names)
}

fn step(sys: &mut dyn System, rng: &mut Rng, fds: &mut Vec<Fd>) -> (String, Outcome) {
    let p = path(rng);
    let follow = if rng.below(2) == 0 { Lookupflags::SYMLINK_FOLLOW } else { Lookupflags::empty() };
    let fd = if fds.is_empty() || rng.below(3) == 0 { 3 } else { *rng.pick(fds) };
    match rng.below(19) {
        0 | 1 => {
            let mut oflags = Oflags::empty();
            for f in [Oflags::CREAT, Oflags::EXCL, Oflags::TRUNC, Oflags::DIRECTORY] {
                if rng.below(3) == 0 {
                    oflags |= f;
                }
            }
            let rights = match rng.below(3) {
                0 => Rights::FD_READ,
                1 => Rights::FD_WRITE,
                _ => Rights::FD_READ | Rights::FD_WRITE,
            };
            let fdflags = if rng.below(4) == 0 { Fdflags::APPEND } else { Fdflags::empty() };
            let r = sys.path_open(fd, follow, &p, oflags, rights, Rights::empty(), fdflags);
            if let Ok(new) = r {
                fds.push(new);
            }
            (format!("open({fd}, {p:?}, {oflags:?}, {rights:?}, {follow:?}, {fdflags:?})"), of(r, Outcome::Fd))
        }
        2 => {
            let Some(i) = (!fds.is_empty()).then(|| rng.below(fds.len() as u64) as usize) else {
                return ("nothing".into(), Outcome::Unit);
            };
            let fd = fds.swap_remove(i);
            (format!("close({fd})"), of(sys.fd_close(fd), |()| Outcome::Unit))
        }
        3 => {
            let data = vec![b'x' + rng.below(3) as u8; rng.below(40) as usize];
            (
                format!("write({fd}, {})", data.len()),
                of(sys.fd_write(fd, &[IoSlice::new(&data)]), |n| Outcome::Size(n.into())),
            )
        }
        4 => {
            let off = rng.below(64);
            let data = vec![b'p'; rng.below(20) as usize + 1];
            let r = sys.fd_pwrite(fd, &[IoSlice::new(&data)], off);
            (format!("pwrite({fd}, {}, {off})", data.len()), of(r, |n| Outcome::Size(n.into())))
        }
        5 => {
            let mut buf = vec![0u8; rng.below(50) as usize];
            let r = sys.fd_read(fd, &mut [IoSliceMut::new(&mut buf)]);
            (format!("read({fd})"), of(r, |n| Outcome::Bytes(buf[..n as usize].to_vec())))
        }
        6 => {
            let mut buf = vec![0u8; 30];
            let off = rng.below(50);
            let r = sys.fd_pread(fd, &mut [IoSliceMut::new(&mut buf)], off);
            (format!("pread({fd}, {off})"), of(r, |n| Outcome::Bytes(buf[..n as usize].to_vec())))
        }
        7 => {
            let whence = *rng.pick(&[Whence::Set, Whence::Cur, Whence::End]);
            let off = rng.below(40) as i64 - 10;
            (format!("seek({fd}, {off}, {whence:?})"), of(sys.fd_seek(fd, off, whence), Outcome::Size))
        }
        8 => (format!("fstat({fd})"), of(sys.fd_filestat_get(fd), stat)),
        9 => {
            let size = rng.below(60);
            (format!("set_size({fd}, {size})"), of(sys.fd_filestat_set_size(fd, size), |()| Outcome::Unit))
        }
        10 => (format!("stat({fd}, {p:?}, {follow:?})"), of(sys.path_filestat_get(fd, follow, &p), stat)),
        11 => (format!("mkdir({fd}, {p:?})"), of(sys.path_create_directory(fd, &p), |()| Outcome::Unit)),
        12 => (format!("rmdir({fd}, {p:?})"), of(sys.path_remove_directory(fd, &p), |()| Outcome::Unit)),
        13 => (format!("unlink({fd}, {p:?})"), of(sys.path_unlink_file(fd, &p), |()| Outcome::Unit)),
        14 => {
            let q = path(rng);
            (format!("rename({fd}, {p:?}, 3, {q:?})"), of(sys.path_rename(fd, &p, 3, &q), |()| Outcome::Unit))
        }
        15 => {
            let t = *rng.pick(TARGETS);
            (format!("symlink({t:?}, {fd}, {p:?})"), of(sys.path_symlink(t, fd, &p), |()| Outcome::Unit))
        }
        16 => {
            let mut buf = vec![0u8; rng.below(12) as usize];
            let r = sys.path_readlink(fd, &p, &mut buf);
            (format!("readlink({fd}, {p:?}, {})", buf.len()), of(r, |n| Outcome::Bytes(buf[..n as usize].to_vec())))
        }
        17 => {
            let q = path(rng);
            let r = sys.path_link(fd, follow, &p, 3, &q);
            (format!("link({fd}, {p:?}, {follow:?}, 3, {q:?})"), of(r, |()| Outcome::Unit))
        }
        _ => match rng.below(3) {
            0 => (format!("readdir({fd})"), list(sys, fd)),
            1 => {
                let flags = *rng.pick(&[Fstflags::MTIM, Fstflags::ATIM_NOW, Fstflags::MTIM | Fstflags::MTIM_NOW]);
                let r = sys.path_filestat_set_times(fd, follow, &p, 5, 6, flags);
                (format!("set_times({fd}, {p:?}, {follow:?}, {flags:?})"), of(r, |()| Outcome::Unit))
            }
            _ => {
                let (off, len) = (rng.below(30), rng.below(30));
                (format!("allocate({fd}, {off}, {len})"), of(sys.fd_allocate(fd, off, len), |()| Outcome::Unit))
            }
        },
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn host_system(dir: &std::path::Path) -> UnixSystem {
    let fd = rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    UnixSystem::builder().preopen_dir(fd, "/d").build().unwrap()
}

/// Runs `ops` random calls from `seed` on both systems, failing at the
/// first call whose results differ.
fn compare(seed: u64, ops: usize, host: &mut dyn System, other: &mut dyn System) {
    let (mut r1, mut r2) = (Rng(seed), Rng(seed));
    let (mut f1, mut f2) = (Vec::new(), Vec::new());
    let mut log = Vec::new();
    for i in 0..ops {
        let (what, a) = step(host, &mut r1, &mut f1);
        let (what2, b) = step(other, &mut r2, &mut f2);
        assert_eq!(what, what2);
        log.push(format!("{what} = {a:?}"));
        if a != b {
            let start = log.len().saturating_sub(25);
            panic!(
                "seed {seed}, call {i}: {what}\n  host:   {a:?}\n  mount:  {b:?}\nthe calls before it:\n{}",
                log[start..].join("\n")
            );
        }
    }
}

const SEEDS: u64 = 1000;
const OPS: usize = 400;

#[test]
fn manual_resolver_answers_as_openat2() {
    for seed in 1..=SEEDS / 2 {
        let (a, b) = (scratch("differential-auto"), scratch("differential-manual"));
        let mut auto = host_system(&a);
        let fd = rustix::fs::open(&b, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
        let mut manual = UnixSystem::builder().resolver(Resolver::Manual).preopen_dir(fd, "/d").build().unwrap();
        compare(seed, OPS, &mut auto, &mut manual);
    }
}

#[test]
fn memory_mount_answers_as_the_host() {
    for seed in 1..=SEEDS {
        let dir = scratch("differential-mem");
        let mut host = host_system(&dir);
        let mut mem = UnixSystem::builder().mount(Arc::new(MemoryFs::new()), "/d").build().unwrap();
        compare(seed, OPS, &mut host, &mut mem);
    }
}

#[cfg(feature = "mounts")]
#[test]
fn overlay_answers_as_the_host_and_leaves_it_alone() {
    for seed in 1..=SEEDS / 3 {
        // The same starting tree on both sides: a file, a directory with a
        // file, a symlink; the overlay's lower layer is a third copy.
        let make = |d: &std::path::Path| {
            std::fs::create_dir_all(d.join("a")).unwrap();
            std::fs::write(d.join("b"), b"lower b").unwrap();
            std::fs::write(d.join("a/c"), b"lower a/c").unwrap();
            std::os::unix::fs::symlink("a", d.join("l")).unwrap();
        };
        let dir = scratch("differential-host");
        make(&dir);
        let lower = scratch("differential-lower");
        make(&lower);
        let fd = rustix::fs::open(&lower, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
        let overlay = MemoryFs::from_host_dir(fd, 1 << 20).unwrap();
        let mut host = host_system(&dir);
        let mut ov = UnixSystem::builder().mount(Arc::new(overlay), "/d").build().unwrap();
        compare(seed, OPS, &mut host, &mut ov);
        assert_eq!(std::fs::read(lower.join("b")).unwrap(), b"lower b");
        assert_eq!(std::fs::read(lower.join("a/c")).unwrap(), b"lower a/c");
        assert_eq!(std::fs::read_dir(&lower).unwrap().count(), 3);
        assert_eq!(std::fs::read_link(lower.join("l")).unwrap(), PathBuf::from("a"));
    }
}
