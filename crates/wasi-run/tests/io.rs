//! poll_oneoff, non-blocking stdio and preopened sockets, driven by the
//! test as the guest runs (what a `.json` cannot express).

mod common;

use common::{
    c_guest, give_to_test_user, go_guest, rust_guests, scratch, spawn_piped, wasi_run, wasi_run_unprivileged,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const LINE_WAIT: Duration = Duration::from_secs(60);

fn guest(name: &str) -> std::path::PathBuf {
    rust_guests().unwrap().join(format!("{name}.wasm"))
}

/// The child's stdout, a line at a time, from a thread.
fn lines(child: &mut Child) -> Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn expect_line(rx: &Receiver<String>, want: &str, child: &mut Child) {
    match rx.recv_timeout(LINE_WAIT) {
        Ok(line) if line == want => {}
        other => {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("wanted {want:?}, got {other:?}; stderr: {err}");
        }
    }
}

/// Go's scheduler keeps its timers running while a goroutine reads a stdin
/// that stays open: the sleepers finish (and say so) before the test has
/// written or closed anything. A runtime blocked in the read would never
/// print the line, and the test would time out.
#[test]
fn go_timers_run_while_stdin_is_read() {
    let wasm = go_guest("sleepers").unwrap();
    let mut child =
        wasi_run().arg(wasm).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines(&mut child);
    expect_line(&rx, "sleepers done", &mut child);
    stdin.write_all(b"tail\n").unwrap();
    drop(stdin);
    expect_line(&rx, "stdin bytes 5", &mut child);
    assert!(child.wait().unwrap().success());
}

/// A pipe and a timer polled together: data first (with nbytes), then the
/// timer, then hangup, each when the test makes it happen.
#[test]
fn poll_sees_pipe_data_timer_and_hangup() {
    let dir = scratch("poll");
    let mut child =
        spawn_piped(wasi_run().arg("--dir").arg(format!("{}::scratch", dir.display())).arg(guest("poll_pipe")));
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines(&mut child);
    expect_line(&rx, "waiting for data", &mut child);
    std::thread::sleep(Duration::from_millis(50));
    stdin.write_all(b"hello").unwrap();
    expect_line(&rx, "waiting for hangup", &mut child);
    drop(stdin);
    expect_line(&rx, "poll ok", &mut child);
    assert!(child.wait().unwrap().success());
}

fn status_flags(fd: impl AsFd) -> rustix::fs::OFlags {
    rustix::fs::fcntl_getfl(fd).unwrap()
}

/// The guest makes stdin and stdout non-blocking and reads an empty pipe:
/// EAGAIN at once. The host's pipes keep their flags while it runs and
/// after it exits.
#[test]
fn nonblocking_stdio_does_not_leak_to_the_host() {
    let (in_r, in_w) = rustix::pipe::pipe().unwrap();
    let (out_r, out_w) = rustix::pipe::pipe().unwrap();
    let before = (status_flags(&in_r), status_flags(&out_w));
    let mut child = wasi_run()
        .arg(guest("nonblock"))
        .stdin(Stdio::from(in_r.try_clone().unwrap()))
        .stdout(Stdio::from(out_w.try_clone().unwrap()))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(std::fs::File::from(out_r));
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "EAGAIN\n");
    // The guest believes both are non-blocking; the host's descriptions
    // (shared with the guest's) are not.
    assert_eq!((status_flags(&in_r), status_flags(&out_w)), before);
    assert!(!status_flags(&in_r).contains(rustix::fs::OFlags::NONBLOCK));
    let mut w = std::fs::File::from(in_w);
    w.write_all(b"go\n").unwrap();
    drop(w);
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "done\n");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!((status_flags(&in_r), status_flags(&out_w)), before);
}

/// A free loopback port (bound then released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn connect_retrying(port: u16) -> TcpStream {
    for _ in 0..600 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {port}");
}

/// An echo server guest on a `--listen` preopen serves three clients in turn.
#[test]
fn echo_server_on_a_listen_preopen() {
    let port = free_port();
    let mut child = wasi_run()
        .args(["--listen", &format!("tcp://127.0.0.1:{port}")])
        .arg(guest("echo_server"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    for i in 0..3 {
        let mut s = connect_retrying(port);
        s.write_all(format!("client {i}\n").as_bytes()).unwrap();
        let mut reply = String::new();
        BufReader::new(&s).read_line(&mut reply).unwrap();
        assert_eq!(reply, format!("echo: client {i}\n"));
        expect_line(&rx, &format!("served client {i}"), &mut child);
    }
    assert!(child.wait().unwrap().success());
}

/// A guest on a `--dial` preopen talks to a server of the test's.
#[test]
fn client_on_a_dial_preopen() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let child = wasi_run()
        .args(["--dial", &format!("127.0.0.1:{port}")])
        .arg(guest("dial_client"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut conn, _) = server.accept().unwrap();
    let mut got = String::new();
    conn.read_to_string(&mut got).unwrap();
    assert_eq!(got, "hello from the guest\n");
    conn.write_all(b"welcome").unwrap();
    drop(conn);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "server said: welcome");
}

/// Sockets are numbered after every directory, listeners before dials.
#[test]
fn socket_preopens_follow_directories() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let dir = scratch("numbering");
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_prestat_get" (func $pre (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func $type (param $fd i32) (result i32)
        (drop (call $stat (local.get $fd) (i32.const 64))) (i32.load8_u (i32.const 64)))
      (func (export "_start")
        ;; fd 3, 4: directories (preopens); 5: the listener, 6: the dial (sockets)
        (if (i32.ne (call $type (i32.const 3)) (i32.const 3)) (then (call $exit (i32.const 3))))
        (if (i32.ne (call $type (i32.const 4)) (i32.const 3)) (then (call $exit (i32.const 4))))
        (if (i32.ne (call $type (i32.const 5)) (i32.const 6)) (then (call $exit (i32.const 5))))
        (if (i32.ne (call $type (i32.const 6)) (i32.const 6)) (then (call $exit (i32.const 6))))
        ;; wasi-libc's scan stops at the first fd that is not a preopen: 5
        (if (i32.ne (call $pre (i32.const 5) (i32.const 64)) (i32.const 8)) (then (call $exit (i32.const 7))))))"#;
    let module = dir.join("numbering.wat");
    std::fs::write(&module, wat).unwrap();
    let d = dir.display().to_string();
    let out = wasi_run()
        .args([
            "--dial",
            &format!("127.0.0.1:{port}"),
            "--dir",
            &d,
            "--listen",
            "127.0.0.1:0",
            "--dir",
            &format!("{d}::other"),
        ])
        .arg(&module)
        .output()
        .unwrap();
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
}

/// Bad socket flags: one line naming the flag, status 2.
#[test]
fn bad_socket_flags() {
    let hello = guest("hello");
    for args in [
        vec!["--listen", "udp://127.0.0.1:1"],
        vec!["--listen", "127.0.0.1:99999"],
        vec!["--dial", "127.0.0.1:1"],
        vec!["--allow-net=10.0.0.0/99"],
    ] {
        let out = wasi_run().args(&args).arg(&hello).stdin(Stdio::null()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(args[0].split('=').next().unwrap()), "{err}");
    }
}

/// Go's net/http serves on a `--listen` preopen (net.FileListener): its
/// scheduler waits in poll_oneoff for the listener and each connection.
#[test]
fn go_http_server_on_a_listen_preopen() {
    let wasm = go_guest("http_server").unwrap();
    let port = free_port();
    let child = wasi_run()
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg(wasm)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let get = |path: &str| {
        let mut s = connect_retrying(port);
        write!(s, "GET {path} HTTP/1.0\r\nHost: test\r\n\r\n").unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        response
    };
    // Two clients at once: the server must not block on the first.
    let idle = connect_retrying(port);
    for name in ["alice", "bob"] {
        let r = get(&format!("/hello/{name}"));
        assert!(r.starts_with("HTTP/1.0 200") && r.ends_with(&format!("hello, {name}\n")), "{r}");
    }
    drop(idle);
    assert!(get("/quit").ends_with("bye\n"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "server stopped\n");
}

/// The guest's stdio keep the host's access modes: a read-only stdin and
/// an append-only stdout are reported as such (wasi-libc's `F_GETFL`), and
/// the guest can neither cut the log it appends to nor set the times of
/// the file it reads, though the kernel would let an fd of either do so.
#[test]
fn stdio_keep_the_hosts_access_modes() {
    let dir = scratch("stdio-host");
    let input = dir.join("in.txt");
    let log = dir.join("log.txt");
    std::fs::write(&input, "0123456789").unwrap();
    std::fs::write(&log, "kept\n").unwrap();
    give_to_test_user(&dir);
    let old = rustix::fs::Timespec { tv_sec: 1_000_000, tv_nsec: 0 };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        &input,
        &rustix::fs::Timestamps { last_access: old, last_modification: old },
        rustix::fs::AtFlags::empty(),
    )
    .unwrap();
    let wasm = c_guest("stdio_host").unwrap();
    let out = wasi_run_unprivileged()
        .arg(wasm)
        .stdin(std::fs::File::open(&input).unwrap())
        .stdout(std::fs::OpenOptions::new().append(true).open(&log).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for want in [
        "fd 0: isatty=0 (Not a tty) mode=O_RDONLY",
        "fd 1: isatty=0 (Not a tty) mode=O_WRONLY",
        "ftruncate(1): Bad file descriptor",
        "futimens(0): Bad file descriptor",
        "futimens(1): ok",
        "fstat(0): ok size=10",
    ] {
        assert!(stderr.lines().any(|l| l == want), "no line {want:?} in:\n{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "kept\nwritten\n", "the log was cut");
    let st = rustix::fs::stat(&input).unwrap();
    assert_eq!(st.st_mtime, 1_000_000, "the input's mtime changed");
    let _ = std::fs::remove_dir_all(&dir);
}
