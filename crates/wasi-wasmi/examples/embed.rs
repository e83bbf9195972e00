//! Embedding wasi-run in a program: the guest gets arguments, an
//! environment, a read-only directory and input fed from memory; its
//! output is captured into memory; its exit code comes back; and the
//! System it runs on is wrapped twice, by a wrapper of our own (counting
//! writes) and by the tracer (logging every call into a buffer).
//!
//! `cargo run -p wasi-wasmi --example embed`

use std::io::IoSlice;
use wasi_preview1::abi::{Fd, Size};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::{Result, System, Tracer, Wrapper};
use wasi_wasmi::{Exit, Run, engine_config};
use wasmi::{Engine, Module};

/// The guest: echoes its stdin and `greeting.txt` from its first preopen
/// to stdout, says "done" on stderr, and exits with its argument count.
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x30) "greeting.txt")
  (data (i32.const 0x40) "got: ")
  (data (i32.const 0x48) "done\n")
  (func $put (param $fd i32) (param $buf i32) (param $len i32)
    (i32.store (i32.const 0x10) (local.get $buf))
    (i32.store (i32.const 0x14) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 0x10) (i32.const 1) (i32.const 0x18))))
  ;; Reads once from $fd into 0x1000 and writes what came to stdout.
  (func $copy (param $fd i32)
    (i32.store (i32.const 0) (i32.const 0x1000))
    (i32.store (i32.const 4) (i32.const 4096))
    (if (i32.eqz (call $read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
      (then (call $put (i32.const 1) (i32.const 0x1000) (i32.load (i32.const 8))))))
  (func (export "_start")
    (call $put (i32.const 1) (i32.const 0x40) (i32.const 5))
    (call $copy (i32.const 0))
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0x30) (i32.const 12) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x20))
      (then (call $exit (i32.const 99))))
    (call $copy (i32.load (i32.const 0x20)))
    (call $put (i32.const 2) (i32.const 0x48) (i32.const 5))
    (drop (call $args (i32.const 0x50) (i32.const 0x54)))
    (call $exit (i32.load (i32.const 0x50)))))
"#;

/// A wrapper of our own: counts `fd_write` calls, forwards everything.
struct CountWrites<S> {
    inner: S,
    writes: usize,
}

impl<S: System> Wrapper for CountWrites<S> {
    type Inner = S;

    fn inner_system(&mut self) -> &mut S {
        &mut self.inner
    }

    fn fd_write(&mut self, fd: Fd, bufs: &[IoSlice<'_>]) -> Result<Size> {
        self.writes += 1;
        self.inner.fd_write(fd, bufs)
    }
}

pub(crate) fn main() {
    // A directory to share, read-only. Opening it by path is the
    // embedder's choice; the library only ever receives the fd.
    let dir = std::env::temp_dir().join(format!("wasi-run-embed-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("greeting.txt"), "hello from a file\n").unwrap();
    let dir_fd = std::fs::File::open(&dir).unwrap().into();

    let system = UnixSystem::builder()
        .args(["guest", "one", "two"])
        .env("LANG", "C")
        .preopen_dir_readonly(dir_fd, "/data")
        .stdin_bytes("hello from memory\n")
        .capture_stdout(1 << 20)
        .capture_stderr(1 << 20)
        .build()
        .unwrap();
    let system = Tracer::new(CountWrites { inner: system, writes: 0 }, Vec::new());

    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wat::parse_str(GUEST).unwrap()[..]).unwrap();
    let finished = Run::new(&engine, &module).run(system).unwrap();

    let (counted, trace) = finished.system.into_parts();
    let writes = counted.writes;
    let output = counted.inner.into_output();
    let trace = String::from_utf8(trace).unwrap();
    println!("exit: {:?}", finished.exit);
    println!("stdout: {:?}", String::from_utf8_lossy(&output.stdout));
    println!("stderr: {:?}", String::from_utf8_lossy(&output.stderr));
    println!("fd_write calls: {writes}");
    print!("trace:\n{trace}");

    assert!(matches!(finished.exit, Exit::Code(3)), "argc is the exit code");
    assert_eq!(output.stdout, b"got: hello from memory\nhello from a file\n");
    assert_eq!(output.stderr, b"done\n");
    assert_eq!(writes, 4);
    assert!(trace.contains(r#"path_open(fd=3, dirflags=0, path="greeting.txt", oflags=0, base=FD_READ,"#));
    assert!(trace.contains("proc_exit(rval=3) = ? <"));
    std::fs::remove_dir_all(&dir).unwrap();
}
