//! File-system calls through the `System` trait on an in-memory mount and
//! on a host directory in tmpfs (`/dev/shm`, the fastest host file system
//! there is), side by side: 64 KiB reads and writes (against a plain
//! 64 KiB copy, the memory-bandwidth floor), the stat of a 4-component
//! path, open + close of it, and a listing of 100 entries.

// criterion_group! defines an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rustix::fs::{Mode, OFlags};
use std::hint::black_box;
use std::io::{IoSlice, IoSliceMut};
use std::path::PathBuf;
use std::sync::Arc;
use wasi_preview1::System;
use wasi_preview1::abi::{DirentWriter, Fdflags, Lookupflags, Oflags, Rights};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::vfs::MemoryFs;

const CHUNK: usize = 64 << 10;
const FILE: &str = "a/b/c/file.bin";

/// The same tree both ways: a 4-component path to a 1 MiB file, and a
/// directory of 100 entries.
fn systems() -> (PathBuf, [(&'static str, UnixSystem); 2]) {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let dir = base.join(format!("wasi-run-bench-mounts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a/b/c")).unwrap();
    std::fs::create_dir_all(dir.join("many")).unwrap();
    std::fs::write(dir.join(FILE), vec![1u8; 1 << 20]).unwrap();
    let mem = MemoryFs::with_budget(64 << 20);
    mem.add_file(FILE, vec![1u8; 1 << 20]).unwrap();
    for i in 0..100 {
        std::fs::write(dir.join(format!("many/entry-{i:03}")), b"").unwrap();
        mem.add_file(&format!("many/entry-{i:03}"), Vec::new()).unwrap();
    }
    let fd = rustix::fs::open(&dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    let host = UnixSystem::builder().preopen_dir(fd, "/d").build().unwrap();
    let mem = UnixSystem::builder().mount(Arc::new(mem), "/d").build().unwrap();
    (dir, [("host_tmpfs", host), ("memory", mem)])
}

fn mounts(c: &mut Criterion) {
    let (dir, mut systems) = systems();
    let rw = Rights::FD_READ | Rights::FD_WRITE;
    let mut g = c.benchmark_group("mount_64k");
    g.throughput(Throughput::Bytes(CHUNK as u64));
    let src = vec![2u8; CHUNK];
    let mut buf = vec![0u8; CHUNK];
    g.bench_function("memcpy_floor", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&src));
            black_box(&buf);
        });
    });
    for (name, sys) in &mut systems {
        let fd = sys
            .path_open(3, Lookupflags::empty(), FILE, Oflags::empty(), rw, Rights::empty(), Fdflags::empty())
            .unwrap();
        g.bench_function(BenchmarkId::new("pread", *name), |b| {
            b.iter(|| sys.fd_pread(fd, &mut [IoSliceMut::new(&mut buf)], 4096).unwrap());
        });
        g.bench_function(BenchmarkId::new("pwrite", *name), |b| {
            b.iter(|| sys.fd_pwrite(fd, &[IoSlice::new(&src)], 4096).unwrap());
        });
        sys.fd_close(fd).unwrap();
    }
    g.finish();

    let mut g = c.benchmark_group("mount_path");
    for (name, sys) in &mut systems {
        g.bench_function(BenchmarkId::new("stat_4_components", *name), |b| {
            b.iter(|| sys.path_filestat_get(3, Lookupflags::SYMLINK_FOLLOW, FILE).unwrap());
        });
        g.bench_function(BenchmarkId::new("open_close_4_components", *name), |b| {
            b.iter(|| {
                let fd = sys
                    .path_open(
                        3,
                        Lookupflags::empty(),
                        FILE,
                        Oflags::empty(),
                        Rights::FD_READ,
                        Rights::empty(),
                        Fdflags::empty(),
                    )
                    .unwrap();
                sys.fd_close(fd).unwrap();
            });
        });
        let many = sys
            .path_open(
                3,
                Lookupflags::empty(),
                "many",
                Oflags::DIRECTORY,
                Rights::FD_READDIR,
                Rights::empty(),
                Fdflags::empty(),
            )
            .unwrap();
        let mut listing = vec![0u8; 8192];
        g.bench_function(BenchmarkId::new("readdir_100_entries", *name), |b| {
            b.iter(|| {
                let mut out = DirentWriter::new(&mut listing);
                sys.fd_readdir(many, &mut out, 0).unwrap();
                assert!(out.used() > 100 * 24);
            });
        });
        sys.fd_close(many).unwrap();
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, mounts);
criterion_main!(benches);
