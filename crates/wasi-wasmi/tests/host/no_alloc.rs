//! The hot path allocates nothing: after one warm-up call (which may
//! translate the function and create per-fd state), a thousand calls of
//! each of fd_read, fd_write, fd_pread, fd_pwrite, clock_time_get,
//! random_get, fd_readdir and poll_oneoff make no heap allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::fd::OwnedFd;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{WasiCtx, add_to_linker, engine_config};
use wasmi::{Engine, Linker, Module, Store, Val};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts this thread's allocations.
struct Counting;

// SAFETY: forwards every call to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0: one iovec {64, 16}; 8: two iovecs {64, 8} {80, 8}; 64..96: data
  (data (i32.const 0) "\40\00\00\00\10\00\00\00\40\00\00\00\08\00\00\00\50\00\00\00\08\00\00\00")
  ;; 200: "file"; 208: "dir"
  (data (i32.const 200) "file")
  (data (i32.const 208) "dir")
  ;; 1024: four subscriptions: clock (timeout 0), fd_read 0, fd_write 1, fd_read 4 (the file);
  ;; 16384: random bytes
  (data (i32.const 1040) "\01")
  (data (i32.const 1080) "\01")
  (data (i32.const 1088) "\00")
  (data (i32.const 1128) "\02")
  (data (i32.const 1136) "\01")
  (data (i32.const 1176) "\01")
  (data (i32.const 1184) "\04")
  (global $file (mut i32) (i32.const 0))
  (global $dir (mut i32) (i32.const 0))
  (func (export "setup")
    ;; fd 3: the preopen; open "file" (read/write/seek) and "dir"
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 4) (i32.const 1) (i64.const 0x66) (i64.const 0) (i32.const 0) (i32.const 300)))
    (global.set $file (i32.load (i32.const 300)))
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 208) (i32.const 3) (i32.const 2) (i64.const 0x4000) (i64.const 0) (i32.const 0) (i32.const 300)))
    (global.set $dir (i32.load (i32.const 300))))
  ;; A failing call stores its errno at 2000 and traps.
  (func $check (param i32) (param i32)
    (if (local.get 0) (then (i32.store (i32.const 2000) (local.get 0)) (i32.store (i32.const 2004) (local.get 1)) unreachable)))
  (func (export "calls") (param $n i32)
    (loop $l
      (call $check (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 256)) (i32.const 1))
      (call $check (call $fd_read (i32.const 0) (i32.const 8) (i32.const 2) (i32.const 256)) (i32.const 2))
      (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 256)) (i32.const 3))
      (call $check (call $fd_write (i32.const 1) (i32.const 8) (i32.const 2) (i32.const 256)) (i32.const 4))
      (call $check (call $fd_pwrite (global.get $file) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 256)) (i32.const 5))
      (call $check (call $fd_pread (global.get $file) (i32.const 8) (i32.const 2) (i64.const 0) (i32.const 256)) (i32.const 6))
      (call $check (call $clock (i32.const 1) (i64.const 0) (i32.const 264)) (i32.const 7))
      (call $check (call $random (i32.const 16384) (i32.const 32)) (i32.const 8))
      (call $check (call $random (i32.const 16384) (i32.const 4096)) (i32.const 9))
      (call $check (call $readdir (global.get $dir) (i32.const 8192) (i32.const 1024) (i64.const 0) (i32.const 256)) (i32.const 10))
      (call $check (call $poll (i32.const 1024) (i32.const 4096) (i32.const 4) (i32.const 256)) (i32.const 11))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))))
"#;

fn open(path: &std::path::Path, flags: rustix::fs::OFlags) -> OwnedFd {
    rustix::fs::open(path, flags | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty()).unwrap()
}

#[test]
fn hot_calls_do_not_allocate() {
    let dir = std::env::temp_dir().join(format!("wasi-run-no-alloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("dir")).unwrap();
    for i in 0..100 {
        std::fs::write(dir.join(format!("dir/entry-{i}")), b"").unwrap();
    }
    use rustix::fs::OFlags;
    let system = UnixSystem::builder()
        .stdin(open("/dev/zero".as_ref(), OFlags::RDONLY))
        .stdout(open("/dev/null".as_ref(), OFlags::WRONLY))
        .preopen_dir(open(&dir, OFlags::RDONLY | OFlags::DIRECTORY), "d")
        .build()
        .unwrap();
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wat::parse_str(GUEST).unwrap()[..]).unwrap();
    let mut store = Store::new(&engine, WasiCtx::new(system));
    let mut linker = Linker::new(&engine);
    add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    let setup = instance.get_func(&store, "setup").unwrap();
    setup.call(&mut store, &[], &mut []).unwrap();
    let calls = instance.get_func(&store, "calls").unwrap();
    // Warm-up: translation, per-fd readdir state, the random pool.
    if let Err(e) = calls.call(&mut store, &[Val::I32(2)], &mut []) {
        let memory = instance.get_memory(&store, "memory").unwrap();
        let (errno, call) = (memory.data(&store)[2000], memory.data(&store)[2004]);
        panic!("call {call} failed with errno {errno}: {e}");
    }
    let before = allocations();
    calls.call(&mut store, &[Val::I32(1000)], &mut []).unwrap();
    let made = allocations() - before;
    let _ = std::fs::remove_dir_all(&dir);
    if wasi_preview1::unix::platform::portable() {
        // The portable directory stream owns each entry's name: one
        // allocation per entry read from the host (each round's cookie 0
        // rereads the 102 entries, `.` and `..` included), nothing else.
        assert!(made <= 1000 * 102, "{made} allocations in 1000 rounds of hot calls (portable)");
    } else {
        assert_eq!(made, 0, "{made} allocations in 1000 rounds of hot calls");
    }
}
