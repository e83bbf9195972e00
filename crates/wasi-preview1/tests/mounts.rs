//! Mounted file systems through the `System` trait: what the differential
//! test cannot see (it compares one host with one mount): files that
//! outlive their names, readdir cookies while entries come and go, the
//! budget's accounting, a host lower layer changed under an overlay, and
//! an archive's index.

#[cfg(feature = "mounts")]
use rustix::fs::{Mode, OFlags};
use std::io::{IoSlice, IoSliceMut};
#[cfg(feature = "mounts")]
use std::path::PathBuf;
use std::sync::Arc;
use wasi_preview1::System;
use wasi_preview1::abi::{Dirent, DirentWriter, Errno, Fd, Fdflags, Layout, Lookupflags, Oflags, Rights};
use wasi_preview1::unix::UnixSystem;
#[cfg(feature = "mounts")]
use wasi_preview1::vfs::FileSystem;
use wasi_preview1::vfs::MemoryFs;

const RW: Rights = Rights::FD_READ.union(Rights::FD_WRITE);

fn mounted(fs: Arc<MemoryFs>) -> UnixSystem {
    UnixSystem::builder().mount(fs, "/m").build().unwrap()
}

fn create(sys: &mut UnixSystem, path: &str) -> Fd {
    sys.path_open(3, Lookupflags::empty(), path, Oflags::CREAT, RW, Rights::empty(), Fdflags::empty()).unwrap()
}

fn write(sys: &mut UnixSystem, fd: Fd, data: &[u8]) {
    assert_eq!(sys.fd_write(fd, &[IoSlice::new(data)]).unwrap() as usize, data.len());
}

fn pread(sys: &mut UnixSystem, fd: Fd, n: usize, at: u64) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let got = sys.fd_pread(fd, &mut [IoSliceMut::new(&mut buf)], at).unwrap() as usize;
    buf.truncate(got);
    buf
}

/// Names from one readdir call at `cookie`, with each entry's `d_next`.
fn names(sys: &mut UnixSystem, fd: Fd, cookie: u64, room: usize) -> Vec<(String, u64)> {
    let mut buf = vec![0u8; room];
    let mut out = DirentWriter::new(&mut buf);
    sys.fd_readdir(fd, &mut out, cookie).unwrap();
    let used = out.used();
    let mut at = 0;
    let mut v = Vec::new();
    while at + 24 <= used {
        let d = Dirent::decode(&buf[at..at + 24]).unwrap();
        let end = at + 24 + d.d_namlen as usize;
        if end > used {
            break;
        }
        v.push((String::from_utf8(buf[at + 24..end].to_vec()).unwrap(), d.d_next));
        at = end;
    }
    v
}

#[test]
fn an_open_file_outlives_its_name_and_its_bytes_are_refunded_after() {
    let fs = Arc::new(MemoryFs::with_budget(1 << 20));
    let mut sys = mounted(fs.clone());
    let empty = fs.used();
    let fd = create(&mut sys, "f");
    write(&mut sys, fd, &[9u8; 1000]);
    sys.path_unlink_file(3, "f").unwrap();
    assert_eq!(sys.path_filestat_get(3, Lookupflags::empty(), "f"), Err(Errno::NOENT));
    assert_eq!(pread(&mut sys, fd, 2000, 0), vec![9u8; 1000]);
    assert_eq!(sys.fd_filestat_get(fd).unwrap().nlink, 0);
    assert!(fs.used() >= empty + 1000);
    sys.fd_close(fd).unwrap();
    assert_eq!(fs.used(), empty, "the unlinked file's bytes were not refunded");
}

#[test]
fn readdir_cookies_stay_valid_while_entries_come_and_go() {
    let fs = Arc::new(MemoryFs::new());
    for i in 0..50 {
        fs.add_file(&format!("f{i:02}"), Vec::new()).unwrap();
    }
    let mut sys = mounted(fs);
    // Read part of the listing, then change the directory, then go on.
    let first = names(&mut sys, 3, 0, 24 * 12 + 20);
    let (last, cookie) = first.iter().rev().find(|(n, _)| n.starts_with('f')).cloned().unwrap();
    let seen: Vec<String> = first.iter().map(|(n, _)| n.clone()).collect();
    sys.path_unlink_file(3, &last).unwrap();
    sys.path_unlink_file(3, "f40").unwrap();
    let fd = create(&mut sys, "new");
    sys.fd_close(fd).unwrap();
    let mut rest = Vec::new();
    let mut c = cookie;
    loop {
        let batch = names(&mut sys, 3, c, 256);
        let Some((_, next)) = batch.last() else { break };
        c = *next;
        rest.extend(batch.into_iter().map(|(n, _)| n));
    }
    // Nothing seen twice, nothing still there skipped, and the removed
    // entry not returned.
    for n in &rest {
        assert!(!seen.contains(n), "{n} was listed twice");
    }
    for i in 0..50 {
        let n = format!("f{i:02}");
        if n != last && n != "f40" {
            assert!(seen.contains(&n) || rest.contains(&n), "{n} was skipped");
        }
    }
    assert!(!rest.contains(&"f40".to_owned()));
    assert!(rest.contains(&"new".to_owned()), "an entry added during the listing, after the cookie, is listed");
}

#[test]
fn the_budget_refuses_names_and_nodes_too() {
    let fs = Arc::new(MemoryFs::with_budget(4096));
    let mut sys = mounted(fs.clone());
    let mut made = 0;
    let err = loop {
        match sys.path_create_directory(3, &format!("d{made}")) {
            Ok(()) => made += 1,
            Err(e) => break e,
        }
        assert!(made < 1000, "no limit on directories");
    };
    assert_eq!(err, Errno::NOSPC);
    assert!(made > 5, "{made}");
    for i in 0..made {
        sys.path_remove_directory(3, &format!("d{i}")).unwrap();
    }
    assert_eq!(fs.used(), 0);
}

#[cfg(feature = "mounts")]
#[test]
fn an_overlay_never_follows_a_lower_layer_swapped_after_mounting() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mount-lower-swap");
    let _ = std::fs::remove_dir_all(&root);
    let (lower, outside) = (root.join("lower"), root.join("outside"));
    std::fs::create_dir_all(lower.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(lower.join("sub/f"), "inside").unwrap();
    std::fs::write(outside.join("f"), "SECRET").unwrap();
    let fd = rustix::fs::open(&lower, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).unwrap();
    let fs = Arc::new(MemoryFs::from_host_dir(fd, 1 << 20).unwrap());
    let mut sys = mounted(fs);
    let f = sys
        .path_open(
            3,
            Lookupflags::empty(),
            "sub/f",
            Oflags::empty(),
            Rights::FD_READ,
            Rights::empty(),
            Fdflags::empty(),
        )
        .unwrap();
    assert_eq!(pread(&mut sys, f, 100, 0), b"inside");
    // The host swaps the directory for a symlink out of the lower layer.
    std::fs::rename(lower.join("sub"), root.join("moved")).unwrap();
    std::os::unix::fs::symlink(&outside, lower.join("sub")).unwrap();
    let mut buf = [0u8; 100];
    assert_eq!(sys.fd_pread(f, &mut [IoSliceMut::new(&mut buf)], 0), Err(Errno::IO));
    assert!(!buf.starts_with(b"SECRET"));
    // And the guest's own tree still says what it said at mount time.
    assert_eq!(
        sys.path_filestat_get(3, Lookupflags::empty(), "sub").unwrap().filetype,
        wasi_preview1::abi::Filetype::Directory
    );
}

#[cfg(feature = "mounts")]
#[test]
fn an_archive_is_indexed_and_read_on_demand() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("index.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let mut h = tar::Header::new_ustar();
    h.set_size(5);
    h.set_mode(0o644);
    h.set_mtime(1_600_000_000);
    b.append_data(&mut h, "./dir/five.txt", &b"12345"[..]).unwrap();
    b.finish().unwrap();
    drop(b);
    let fs = MemoryFs::from_tar(std::fs::File::open(&path).unwrap(), 1 << 20).unwrap().into_read_only();
    assert!(!fs.writable());
    let before = fs.used();
    let mut sys = mounted(Arc::new(fs));
    let st = sys.path_filestat_get(3, Lookupflags::empty(), "dir/five.txt").unwrap();
    assert_eq!((st.size, st.mtim), (5, 1_600_000_000 * 1_000_000_000));
    let f = sys
        .path_open(
            3,
            Lookupflags::empty(),
            "dir/five.txt",
            Oflags::empty(),
            Rights::FD_READ,
            Rights::empty(),
            Fdflags::empty(),
        )
        .unwrap();
    assert_eq!(pread(&mut sys, f, 10, 2), b"345");
    assert_eq!(sys.fd_write(f, &[IoSlice::new(b"x")]), Err(Errno::BADF));
    assert_eq!(
        sys.path_open(3, Lookupflags::empty(), "dir/new", Oflags::CREAT, RW, Rights::empty(), Fdflags::empty()),
        Err(Errno::PERM)
    );
    assert_eq!(sys.path_create_directory(3, "x"), Err(Errno::PERM));
    // Reading cost the budget nothing: the data stayed in the archive.
    assert!(before < 1024, "{before}");
}
