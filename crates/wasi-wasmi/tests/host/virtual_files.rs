//! Virtual files in the fd table: an in-memory stdout and a mounted
//! file system of the embedder's own, driven by a guest through the real
//! preview1 imports.

use std::io::{IoSlice, IoSliceMut};
use std::sync::Arc;
use wasi_preview1::abi::{Dircookie, Dirent, DirentWriter, Errno, Fdflags, Filestat, Filetype};
use wasi_preview1::file::{MemoryFile, VirtualFile, plain_stat};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::vfs::{FileSystem, Ino};
use wasi_wasmi::{Exit, engine_config, run_command};
use wasmi::{Engine, Module};

/// An embedder's own read-only file system: one directory of named
/// files, inode 1 the root and inode i + 2 the file at index i.
#[derive(Debug)]
struct Assets(Vec<(&'static str, &'static [u8])>);

impl Assets {
    fn file(&self, ino: Ino) -> Result<&'static [u8], Errno> {
        let i = usize::try_from(ino.checked_sub(2).ok_or(Errno::ISDIR)?).map_err(|_| Errno::NOENT)?;
        self.0.get(i).map(|&(_, data)| data).ok_or(Errno::NOENT)
    }
}

impl FileSystem for Assets {
    fn root(&self) -> Ino {
        1
    }
    fn stat(&self, ino: Ino) -> Result<Filestat, Errno> {
        if ino == 1 {
            return Ok(plain_stat(Filetype::Directory, 0));
        }
        Ok(plain_stat(Filetype::RegularFile, self.file(ino)?.len() as u64))
    }
    fn lookup(&self, dir: Ino, name: &[u8]) -> Result<(Ino, Filetype), Errno> {
        if dir != 1 {
            return Err(Errno::NOTDIR);
        }
        let i = self.0.iter().position(|(n, _)| n.as_bytes() == name).ok_or(Errno::NOENT)?;
        Ok((i as Ino + 2, Filetype::RegularFile))
    }
    fn read(&self, ino: Ino, bufs: &mut [IoSliceMut<'_>], offset: u64) -> Result<u32, Errno> {
        let data = self.file(ino)?;
        let at = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
        let buf = bufs.first_mut().ok_or(Errno::INVAL)?;
        let n = buf.len().min(data.len() - at);
        buf[..n].copy_from_slice(&data[at..at + n]);
        Ok(n as u32)
    }
    fn readdir(&self, _dir: Ino, out: &mut DirentWriter<'_>, cookie: Dircookie) -> Result<(), Errno> {
        let start = usize::try_from(cookie).unwrap_or(usize::MAX);
        for (i, (name, _)) in self.0.iter().enumerate().skip(start) {
            let header = Dirent {
                d_next: i as u64 + 1,
                d_ino: i as u64 + 2,
                d_namlen: name.len() as u32,
                d_type: Filetype::RegularFile,
            };
            if !out.push(&header, name.as_bytes()) {
                break;
            }
        }
        Ok(())
    }
}

/// Exits 0 when every step answered as expected, else with the number of
/// the step that did not. Writes greeting.txt's contents, then the first
/// directory entry's name, to stdout.
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "greeting.txt")
  (data (i32.const 120) "x")
  (data (i32.const 130) "missing")
  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))
  (func (export "_start")
    (local $fd i32)
    ;; 1: open greeting.txt beneath the mounted preopen (fd 3), to read
    ;; (FD_READ: the mount is read-only, so FD_WRITE would be EPERM).
    (call $check (i32.eq (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 12)
      (i32.const 0) (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 32)) (i32.const 63)) (i32.const 1))
    (call $check (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 12)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32))) (i32.const 1))
    (local.set $fd (i32.load (i32.const 32)))
    ;; 2: poll says it is readable, with 18 bytes to read.
    (i64.store (i32.const 200) (i64.const 7))
    (i32.store8 (i32.const 208) (i32.const 1))
    (i32.store (i32.const 216) (local.get $fd))
    (call $check (i32.eqz (call $poll (i32.const 200) (i32.const 304) (i32.const 1) (i32.const 360))) (i32.const 2))
    (call $check (i32.eq (i32.load (i32.const 360)) (i32.const 1)) (i32.const 2))
    (call $check (i32.eqz (i32.load16_u (i32.const 312))) (i32.const 2))
    (call $check (i64.eq (i64.load (i32.const 320)) (i64.const 18)) (i32.const 2))
    ;; 3: read it and write it to stdout.
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 256))
    (call $check (i32.eqz (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))) (i32.const 3))
    (call $check (i32.eq (i32.load (i32.const 8)) (i32.const 18)) (i32.const 3))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.load (i32.const 8)))
    (call $check (i32.eqz (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))) (i32.const 3))
    ;; 4: the size, by fd and by path; a seek back to the start.
    (call $check (i32.eqz (call $fd_filestat_get (local.get $fd) (i32.const 400))) (i32.const 4))
    (call $check (i64.eq (i64.load (i32.const 432)) (i64.const 18)) (i32.const 4))
    (call $check (i32.eqz (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 12) (i32.const 400))) (i32.const 4))
    (call $check (i64.eq (i64.load (i32.const 432)) (i64.const 18)) (i32.const 4))
    (call $check (i32.eqz (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 40))) (i32.const 4))
    (call $check (i32.eqz (call $fd_close (local.get $fd))) (i32.const 4))
    ;; 5: a missing name is ENOENT (44); mkdir beneath it is EPERM (63).
    (call $check (i32.eq (call $path_open (i32.const 3) (i32.const 0) (i32.const 130) (i32.const 7)
      (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 32)) (i32.const 44)) (i32.const 5))
    (call $check (i32.eq (call $mkdir (i32.const 3) (i32.const 120) (i32.const 1)) (i32.const 63)) (i32.const 5))
    ;; 6: the listing's first entry, written to stdout.
    (call $check (i32.eqz (call $fd_readdir (i32.const 3) (i32.const 2048) (i32.const 256) (i64.const 0) (i32.const 40))) (i32.const 6))
    (i32.store (i32.const 16) (i32.const 2072))
    (i32.store (i32.const 20) (i32.load (i32.const 2064)))
    (call $check (i32.eqz (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))) (i32.const 6))))
"#;

#[test]
fn a_guest_reads_virtual_files_and_writes_to_a_virtual_stdout() {
    let stdout = MemoryFile::new();
    let assets = Assets(vec![("greeting.txt", b"hello from memory\n"), ("other.txt", b"x")]);
    let system = UnixSystem::builder().stdout_file(stdout.clone()).mount(Arc::new(assets), "/assets").build().unwrap();
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wat::parse_str(GUEST).unwrap()[..]).unwrap();
    let finished = run_command(&engine, &module, system).unwrap();
    assert!(matches!(finished.exit, Exit::Code(0)), "{:?}", finished.exit);
    assert_eq!(stdout.contents(), b"hello from memory\ngreeting.txt");
}

/// An object that supports almost nothing answers with the trait's
/// defaults, and the host survives every call on it.
#[derive(Debug)]
struct Sink;

impl VirtualFile for Sink {
    fn filetype(&self) -> Filetype {
        Filetype::CharacterDevice
    }
    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<u32, Errno> {
        Ok(bufs.iter().map(|b| b.len() as u32).sum())
    }
}

#[test]
fn trait_defaults_answer_as_a_file_without_the_ability() {
    let mut sink = Sink;
    let mut buf = [0u8; 4];
    assert_eq!(sink.read(&mut [IoSliceMut::new(&mut buf)]), Err(Errno::BADF));
    assert_eq!(sink.seek(0, wasi_preview1::abi::Whence::Cur), Err(Errno::SPIPE));
    assert_eq!(sink.allocate(0, 1), Err(Errno::NOTSUP));
    assert_eq!(sink.readdir(&mut DirentWriter::new(&mut buf), 0), Err(Errno::NOTDIR));
    assert_eq!(sink.write(&[IoSlice::new(b"abc")], Fdflags::empty()), Ok(3));
    assert_eq!(sink.filestat().map(|s| s.filetype), Ok(Filetype::CharacterDevice));
}
