//! One program, one mode per workload, built for wasm32-wasip1 (run by each
//! runtime) and for the host (the native column). Each mode times its own
//! loop with the monotonic clock and prints `MODE VALUE UNIT` on stderr.
//!
//! The per-call modes measure the system-call layer, not the interpreter:
//! under WASI they call the preview1 function directly in a tight loop (as
//! a libc would); natively they make the same system call through Rust's
//! standard library, which adds nothing to it. The bandwidth, compute and
//! start-up modes use Rust's standard library in both builds.
//!
//! Paths are relative to the data directory: preopened as `.` (fd 3) under
//! WASI, the working directory natively. It holds `file` (small),
//! `dir2000` (2000 entries) and `big` (1 GiB, sparse); `out` is written.

use std::fs::File;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn report(mode: &str, value: f64, unit: &str) {
    eprintln!("{mode} {value:.3} {unit}");
}

/// A 64 KiB I/O buffer on a page boundary, in both builds: the bandwidth
/// modes then measure the system-call path with the alignment the program
/// chose, not where each allocator happens to put a `Vec` (a copy into a
/// buffer 16 bytes off a cache line runs 15-20% slower).
#[repr(C, align(4096))]
struct Page64k([u8; 64 * 1024]);

fn io_buffer(fill: u8) -> Box<Page64k> {
    let buf = Box::new(Page64k([fill; 64 * 1024]));
    assert_eq!(buf.0.as_ptr() as usize % 4096, 0);
    buf
}

fn per_op(mode: &str, n: u64, mut f: impl FnMut()) {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    report(mode, start.elapsed().as_nanos() as f64 / n as f64, "ns/op");
}

#[cfg(target_os = "wasi")]
mod calls {
    //! Direct preview1 calls; the data directory is fd 3.
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        fn fd_write(fd: u32, iovs: *const [u32; 2], n: u32, out: *mut u32) -> u16;
        fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
        fn path_open(fd: u32, dirflags: u32, path: *const u8, len: u32, oflags: u32, base: u64, inh: u64, fdflags: u32, out: *mut u32) -> u16;
        fn fd_close(fd: u32) -> u16;
        fn path_filestat_get(fd: u32, flags: u32, path: *const u8, len: u32, out: *mut [u64; 8]) -> u16;
        fn fd_readdir(fd: u32, buf: *mut u8, len: u32, cookie: u64, out: *mut u32) -> u16;
    }
    const DIR: u32 = 3;

    pub fn write1() {
        let byte = b"x";
        let iov = [byte.as_ptr() as u32, 1];
        let mut n = 0;
        assert_eq!(unsafe { fd_write(1, &iov, 1, &mut n) }, 0);
    }
    pub fn clock() -> u64 {
        let mut t = 0;
        assert_eq!(unsafe { clock_time_get(1, 1, &mut t) }, 0);
        t
    }
    fn open(path: &str, oflags: u32, rights: u64) -> u32 {
        let mut fd = 0;
        assert_eq!(unsafe { path_open(DIR, 1, path.as_ptr(), path.len() as u32, oflags, rights, rights, 0, &mut fd) }, 0);
        fd
    }
    pub fn openclose() {
        let fd = open("file", 0, 1 << 1);
        assert_eq!(unsafe { fd_close(fd) }, 0);
    }
    pub fn stat() -> u64 {
        let mut st = [0u64; 8];
        assert_eq!(unsafe { path_filestat_get(DIR, 1, b"file".as_ptr(), 4, &mut st) }, 0);
        st[4]
    }
    pub fn readdir(buf: &mut [u8]) -> usize {
        let fd = open("dir2000", 2, 1 << 14);
        let (mut cookie, mut count) = (0u64, 0);
        loop {
            let mut used = 0;
            assert_eq!(unsafe { fd_readdir(fd, buf.as_mut_ptr(), buf.len() as u32, cookie, &mut used) }, 0);
            let mut at = 0;
            while at + 24 <= used as usize {
                let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
                if at + 24 + namlen > used as usize {
                    break;
                }
                cookie = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
                let name = &buf[at + 24..at + 24 + namlen];
                if name != b"." && name != b".." {
                    count += 1;
                }
                at += 24 + namlen;
            }
            if (used as usize) < buf.len() {
                break;
            }
        }
        assert_eq!(unsafe { fd_close(fd) }, 0);
        count
    }
}

#[cfg(not(target_os = "wasi"))]
mod calls {
    //! The same system calls, natively.
    use std::fs::File;
    use std::io::Write;
    use std::mem::ManuallyDrop;
    use std::os::unix::io::FromRawFd;

    pub fn write1() {
        // SAFETY: fd 1 stays open; ManuallyDrop never closes it.
        let mut out = ManuallyDrop::new(unsafe { File::from_raw_fd(1) });
        out.write_all(b"x").unwrap();
    }
    pub fn clock() -> u64 {
        std::time::Instant::now().elapsed().as_nanos() as u64
    }
    pub fn openclose() {
        drop(File::open("file").unwrap());
    }
    pub fn stat() -> u64 {
        std::fs::symlink_metadata("file").unwrap().len()
    }
    pub fn readdir(_: &mut [u8]) -> usize {
        std::fs::read_dir("dir2000").unwrap().count()
    }
}

/// A call-heavy kernel: naive recursive Fibonacci, a call per step.
#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 { u64::from(n) } else { fib(n - 1) + fib(n - 2) }
}

/// A compute kernel with no system calls: a xorshift hash over a buffer.
fn compute(rounds: u64) -> u64 {
    let mut buf = vec![0u64; 4096];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for r in 0..rounds {
        for (i, v) in buf.iter_mut().enumerate() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *v = v.wrapping_add(x ^ (i as u64) ^ r);
        }
    }
    buf.iter().fold(0, |a, b| a ^ b)
}

fn main() {
    let mode = std::env::args().nth(1).expect("mode");
    let n: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    match mode.as_str() {
        "write1" => per_op("write1", n, calls::write1),
        "clock" => {
            let mut sink = 0u64;
            per_op("clock", n, || sink = sink.wrapping_add(calls::clock()));
            std::hint::black_box(sink);
        }
        "openclose" => per_op("openclose", n, calls::openclose),
        "stat" => per_op("stat", n, || {
            std::hint::black_box(calls::stat());
        }),
        "readdir" => {
            let mut buf = vec![0u8; 32 * 1024];
            per_op("readdir", n, || assert_eq!(calls::readdir(&mut buf), 2000));
        }
        "read1g" => {
            let mut f = File::open("big").unwrap();
            let mut page = io_buffer(0);
            let buf = &mut page.0;
            let start = Instant::now();
            let mut total = 0u64;
            loop {
                let k = f.read(buf).unwrap();
                if k == 0 {
                    break;
                }
                total += k as u64;
            }
            assert_eq!(total, 1 << 30);
            report("read1g", total as f64 / start.elapsed().as_secs_f64() / 1e6, "MB/s");
        }
        "writefile" => {
            let mut f = File::create("out").unwrap();
            let page = io_buffer(7);
            let buf = &page.0;
            let start = Instant::now();
            for _ in 0..(256 << 20) / buf.len() {
                f.write_all(buf).unwrap();
            }
            report("writefile", (256u64 << 20) as f64 / start.elapsed().as_secs_f64() / 1e6, "MB/s");
            drop(f);
            std::fs::remove_file("out").unwrap();
        }
        "poll" => per_op("poll", n, || std::thread::sleep(Duration::from_micros(1))),
        "compute" => {
            let start = Instant::now();
            std::hint::black_box(compute(n));
            report("compute", start.elapsed().as_nanos() as f64 / (n * 4096) as f64, "ns/elem");
        }
        "fib" => {
            let start = Instant::now();
            std::hint::black_box(fib(std::hint::black_box(n as u32)));
            let elapsed = start.elapsed();
            // fib(n) makes 2 fib(n+1) - 1 calls.
            let calls = 2 * fib(n as u32 + 1) - 1;
            report("fib", elapsed.as_nanos() as f64 / calls as f64, "ns/call");
        }
        "hello" => println!("Hello, world!"),
        other => panic!("unknown mode {other}"),
    }
}
