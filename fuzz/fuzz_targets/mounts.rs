//! Mounted file systems under arbitrary input: arbitrary bytes as a `.tar`
//! archive (indexing must succeed or fail with a message, never panic, and
//! what it indexed must be walkable), then arbitrary sequences of path and
//! fd calls on a writable mount with a small budget: every call answers a
//! value or an errno, and the mount never holds more than its budget.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::io::{IoSlice, IoSliceMut, Write};
use std::sync::Arc;
use wasi_preview1::System;
use wasi_preview1::abi::{DirentWriter, Fdflags, Fstflags, Lookupflags, Oflags, Rights, Whence};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::vfs::MemoryFs;

const BUDGET: u64 = 64 << 10;

#[derive(Arbitrary, Debug)]
enum Op {
    Open { path: String, oflags: u8, write: bool, follow: bool, append: bool },
    Close { fd: u8 },
    Write { fd: u8, len: u16, at: Option<u32> },
    Read { fd: u8, len: u16, at: Option<u32> },
    Seek { fd: u8, offset: i32, whence: u8 },
    SetSize { fd: u8, size: u32 },
    Allocate { fd: u8, offset: u32, len: u32 },
    Stat { path: String, follow: bool },
    Mkdir { path: String },
    Rmdir { path: String },
    Unlink { path: String },
    Rename { from: String, to: String },
    Link { from: String, to: String, follow: bool },
    Symlink { target: String, path: String },
    Readlink { path: String, len: u8 },
    Readdir { fd: u8, cookie: u64, len: u16 },
    Times { path: String, flags: u8 },
}

fn step(sys: &mut UnixSystem, op: Op) {
    let fd = |n: u8| u32::from(n % 8);
    let lf = |follow: bool| if follow { Lookupflags::SYMLINK_FOLLOW } else { Lookupflags::empty() };
    match op {
        Op::Open { path, oflags, write, follow, append } => {
            let rights = if write { Rights::FD_READ | Rights::FD_WRITE } else { Rights::FD_READ };
            let fdflags = if append { Fdflags::APPEND } else { Fdflags::empty() };
            let oflags = Oflags::from_bits_truncate(u16::from(oflags));
            let _ = sys.path_open(3, lf(follow), &path, oflags, rights, Rights::empty(), fdflags);
        }
        Op::Close { fd: n } if fd(n) > 3 => {
            let _ = sys.fd_close(fd(n));
        }
        Op::Close { .. } => {}
        Op::Write { fd: n, len, at } => {
            let data = vec![b'w'; usize::from(len)];
            let _ = match at {
                Some(at) => sys.fd_pwrite(fd(n), &[IoSlice::new(&data)], u64::from(at)),
                None => sys.fd_write(fd(n), &[IoSlice::new(&data)]),
            };
        }
        Op::Read { fd: n, len, at } => {
            let mut buf = vec![0; usize::from(len)];
            let _ = match at {
                Some(at) => sys.fd_pread(fd(n), &mut [IoSliceMut::new(&mut buf)], u64::from(at)),
                None => sys.fd_read(fd(n), &mut [IoSliceMut::new(&mut buf)]),
            };
        }
        Op::Seek { fd: n, offset, whence } => {
            let whence = [Whence::Set, Whence::Cur, Whence::End][usize::from(whence % 3)];
            let _ = sys.fd_seek(fd(n), i64::from(offset), whence);
        }
        Op::SetSize { fd: n, size } => {
            let _ = sys.fd_filestat_set_size(fd(n), u64::from(size));
        }
        Op::Allocate { fd: n, offset, len } => {
            let _ = sys.fd_allocate(fd(n), u64::from(offset), u64::from(len));
        }
        Op::Stat { path, follow } => {
            let _ = sys.path_filestat_get(3, lf(follow), &path);
        }
        Op::Mkdir { path } => {
            let _ = sys.path_create_directory(3, &path);
        }
        Op::Rmdir { path } => {
            let _ = sys.path_remove_directory(3, &path);
        }
        Op::Unlink { path } => {
            let _ = sys.path_unlink_file(3, &path);
        }
        Op::Rename { from, to } => {
            let _ = sys.path_rename(3, &from, 3, &to);
        }
        Op::Link { from, to, follow } => {
            let _ = sys.path_link(3, lf(follow), &from, 3, &to);
        }
        Op::Symlink { target, path } => {
            let _ = sys.path_symlink(&target, 3, &path);
        }
        Op::Readlink { path, len } => {
            let mut buf = vec![0; usize::from(len)];
            let _ = sys.path_readlink(3, &path, &mut buf);
        }
        Op::Readdir { fd: n, cookie, len } => {
            let mut buf = vec![0; usize::from(len)];
            let _ = sys.fd_readdir(fd(n), &mut DirentWriter::new(&mut buf), cookie);
        }
        Op::Times { path, flags } => {
            let _ = sys.path_filestat_set_times(
                3,
                Lookupflags::empty(),
                &path,
                1,
                2,
                Fstflags::from_bits_truncate(u16::from(flags)),
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(archive) = <Vec<u8>>::arbitrary(&mut u) else { return };
    let Ok(memfd) = rustix::fs::memfd_create("fuzz.tar", rustix::fs::MemfdFlags::CLOEXEC) else { return };
    let mut file = std::fs::File::from(memfd);
    file.write_all(&archive).unwrap();
    // An overlay of whatever the archive holds, or an empty tree when it
    // holds nothing readable.
    let fs = MemoryFs::from_tar(file, BUDGET).unwrap_or_else(|_| MemoryFs::with_budget(BUDGET));
    let fs = Arc::new(fs);
    let Ok(mut sys) = UnixSystem::builder().mount(fs.clone(), "/m").max_open_files(8).build() else { return };
    let mut listing = vec![0; 4096];
    let _ = sys.fd_readdir(3, &mut DirentWriter::new(&mut listing), 0);
    for _ in 0..64 {
        let Ok(op) = Op::arbitrary(&mut u) else { break };
        step(&mut sys, op);
        assert!(fs.used() <= BUDGET, "the mount holds {} bytes, past its budget", fs.used());
    }
});
