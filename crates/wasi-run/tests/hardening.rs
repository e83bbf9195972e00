//! Regression tests for the ways a guest could hurt its host: unbounded
//! host allocations, a network grant that was not a boundary, limits that
//! bounded too little, a CLI that panicked when its stderr failed, a
//! half-done receive, and a trace file readable by others.

mod common;

use common::{KillAfter, output_and_peak_kib, programs, rust_guests, scratch, wasi_run};
use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: i64 = 1024;

fn wat(name: &str) -> std::path::PathBuf {
    programs().join("wat").join(format!("{name}.wat"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The peak resident memory of a run of `hello.wat`: what the binary under
/// test costs before a guest does anything (a few MiB natively; Wine's own
/// memory under Wine), so that the bounds below are on what a guest adds.
fn idle_peak_kib() -> i64 {
    static PEAK: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *PEAK.get_or_init(|| {
        let (out, peak) = output_and_peak_kib(wasi_run().arg(wat("hello")));
        assert!(out.status.success(), "{}", text(&out.stderr));
        peak
    })
}

/// A result list whose entry links to itself, with `max` 0xffffffff: the
/// walk is bounded, before the grant check and after it.
#[test]
fn addrinfo_loop_is_bounded() {
    for (flags, want) in [(&[][..], "errno 76 n 00\n"), (&["--allow-net"][..], "errno 00 n 01\n")] {
        let (out, peak) = output_and_peak_kib(wasi_run().args(flags).arg(wat("addrinfo_loop")));
        assert_eq!(text(&out.stdout), want, "{}", text(&out.stderr));
        let idle = idle_peak_kib();
        assert!(peak < idle + 64 * MIB, "peak {peak} KiB with {flags:?} ({idle} KiB idle)");
    }
}

/// `--max-memory` bounds tables and the sum of all memories: a funcref
/// table grown by 2^27 elements fails, and of 24 memories of 16 MiB only
/// the one that fits beside the first memory grows.
#[test]
fn max_memory_bounds_tables_and_the_total() {
    let (out, peak) = output_and_peak_kib(wasi_run().args(["--max-memory", "17M"]).arg(wat("table_grow")));
    assert_eq!(text(&out.stdout), "table 99 memories 01\n", "{}", text(&out.stderr));
    let idle = idle_peak_kib();
    assert!(peak < idle + 64 * MIB, "peak {peak} KiB ({idle} KiB idle)");
}

/// A 64 MiB path is `ENAMETOOLONG` at once: it costs the host no memory
/// beyond the guest's own (compared with a run that only builds the path),
/// under both resolvers.
#[test]
fn long_paths_cost_no_host_memory() {
    let dir = scratch("long-path");
    for manual in [false, true] {
        let run = |extra: &[&str]| {
            let mut cmd = wasi_run();
            if manual {
                cmd.args(["--path-resolution", "manual"]);
            }
            cmd.arg("--dir").arg(format!("{}::.", dir.display())).arg(wat("long_path")).args(extra);
            output_and_peak_kib(&mut cmd)
        };
        let (out, peak) = run(&[]);
        assert_eq!(text(&out.stdout), "37 37 37\n", "{}", text(&out.stderr));
        let (_, baseline) = run(&["fill-only"]);
        assert!(peak < baseline + 8 * MIB, "manual={manual}: {peak} KiB against {baseline} KiB without the calls");
    }
}

/// stderr as a closed pipe, a full pipe nobody reads, and /dev/full.
#[derive(Clone, Copy, Debug)]
enum BadStderr {
    BrokenPipe,
    FullPipe,
    DevFull,
}

/// Runs `wasi-run ARGS` with stderr in `how`'s state; returns the exit
/// status and how long it took.
fn run_with_stderr(how: BadStderr, args: &[std::ffi::OsString]) -> (Option<i32>, Duration) {
    let mut cmd = wasi_run();
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null());
    let _keep;
    match how {
        BadStderr::BrokenPipe => {
            let (r, w) = rustix::pipe::pipe().unwrap();
            drop(r);
            cmd.stderr(std::fs::File::from(w));
        }
        BadStderr::FullPipe => {
            let (r, w) = rustix::pipe::pipe().unwrap();
            rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::NONBLOCK).unwrap();
            while rustix::io::write(&w, &[b'x'; 4096]).is_ok() {}
            rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::empty()).unwrap();
            _keep = r;
            cmd.stderr(std::fs::File::from(w));
        }
        BadStderr::DevFull => {
            cmd.stderr(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let _guard = KillAfter::new(child.id(), 20);
    let status = child.wait().unwrap();
    (status.code(), start.elapsed())
}

/// `--timeout 1s` ends a spinning guest within 2 s whatever state stderr is
/// in (a blocked write of the message cannot hold the exit back).
#[test]
fn timeout_holds_when_stderr_fails() {
    for how in [BadStderr::BrokenPipe, BadStderr::FullPipe, BadStderr::DevFull] {
        let (code, took) = run_with_stderr(how, &["--timeout".into(), "1s".into(), wat("spin").into()]);
        assert_eq!(code, Some(124), "{how:?}");
        assert!(took < Duration::from_secs(2), "{how:?}: took {took:?}");
    }
}

/// Traps, limits and load errors keep their exit statuses (134, 123, 1)
/// when stderr is closed, broken or /dev/full. (A pipe that is full and
/// never read blocks the message, as it would block any program's; only
/// the timeout, above, must not wait for it.)
#[test]
fn exit_statuses_hold_when_stderr_fails() {
    let cases: [(&[std::ffi::OsString], i32); 3] = [
        (&[wat("trap").into()], 134),
        (&["--fuel".into(), "10000".into(), wat("spin").into()], 123),
        (&["/nonexistent/module.wasm".into()], 1),
    ];
    for how in [BadStderr::BrokenPipe, BadStderr::DevFull] {
        for (args, want) in &cases {
            let (code, _) = run_with_stderr(how, args);
            assert_eq!(code, Some(*want), "{how:?} {args:?}");
        }
    }
    // A closed fd 2 (not a pipe at all).
    for (args, want) in &cases {
        let line = format!(
            "exec {} {} 2>&-",
            common::wasi_run_binary().display(),
            args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
        );
        let status = Command::new("sh").arg("-c").arg(line).stdout(Stdio::null()).status().unwrap();
        assert_eq!(status.code(), Some(*want), "closed stderr, {args:?}");
    }
}

/// The sockets of process `pid` (their inodes).
fn socket_inodes(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|t| t.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_owned))
        .collect()
}

/// Local addresses (hex, as /proc/net has them) of those of `inodes` that
/// the kernel lists in /proc/net/{tcp,tcp6,udp,udp6}.
fn local_addresses(inodes: &[String]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/net/{table}")) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9 && inodes.iter().any(|i| i == fields[9]) {
                found.push((table.to_owned(), fields[1].to_owned()));
            }
        }
    }
    found
}

/// Under a grant with rules, no socket the guest makes is reachable on the
/// wildcard address: a listen on an unbound socket is refused, and a
/// datagram from an unbound socket leaves from 127.0.0.1, not 0.0.0.0.
/// Checked from the host side, in the kernel's socket tables.
#[test]
fn implicit_binds_stay_within_the_rules() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let port = peer.local_addr().unwrap().port();
    let wasm = rust_guests().unwrap().join("wasmedge_v2.wasm");
    let mut child = wasi_run()
        .arg("--allow-net=127.0.0.1")
        .arg(&wasm)
        .arg(format!("implicit:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let _guard = KillAfter::new(child.id(), 60);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut said = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "waiting" {
            break;
        }
        said.push(line);
    }
    let addresses = local_addresses(&socket_inodes(child.id()));
    let mut buf = [0u8; 16];
    let (n, from) = peer.recv_from(&mut buf).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert_eq!(
        said,
        [
            "listen unbound v4: Err(2)",
            "listen unbound v6: Err(2)",
            "send_to from unbound: Ok(5)",
            "bound to: Ok([127, 0, 0, 1])"
        ]
    );
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(from.ip().to_string(), "127.0.0.1");
    assert!(!addresses.is_empty(), "no guest socket found in /proc/net");
    for (table, addr) in &addresses {
        let ip = addr.split(':').next().unwrap();
        assert!(ip.chars().any(|c| c != '0'), "a {table} socket bound to the wildcard: {addr} ({addresses:?})");
    }
}

/// With the empty rule list nothing may be bound at all, implicitly or not.
#[test]
fn implicit_binds_under_no_rules_are_refused() {
    let wasm = rust_guests().unwrap().join("wasmedge_v2.wasm");
    let out = wasi_run().arg("--allow-net=").arg(&wasm).arg("implicit:9").stdin(Stdio::null()).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("listen unbound v4: Err(2)\nlisten unbound v6: Err(2)\nsend_to from unbound: Err(2)\n"),
        "{stdout}"
    );
}

/// v1's `sock_recv_from` with a 4-byte address buffer on an IPv6 socket is
/// refused before the receive: the datagram waiting is still there.
#[test]
fn datagram_survives_a_too_small_address_buffer() {
    let Ok(sender) = UdpSocket::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    };
    let wasm = rust_guests().unwrap().join("wasmedge_v1.wasm");
    let mut child = wasi_run()
        .arg("--allow-net")
        .arg(&wasm)
        .arg("small-address")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = KillAfter::new(child.id(), 60);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let port: u16 = ready.strip_prefix("ready ").unwrap().parse().unwrap();
    sender.send_to(b"data", ("::1", port)).unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success());
    assert_eq!(rest, ["4-byte address: errno 28", "then: \"data\" from true"]);
}

/// `--trace=FILE` leaves the file readable by its owner only, also when it
/// existed before with wider permissions.
#[test]
fn trace_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("trace-mode");
    let path = dir.join("trace.log");
    std::fs::File::create(&path).unwrap().write_all(b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let status = wasi_run().arg(format!("--trace={}", path.display())).arg(wat("hello")).output().unwrap().status;
    assert!(status.success());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    // The Windows build gives the file an access list of this user alone;
    // Wine shows access lists as mode bits merged with what the directory
    // lets others do, so under Wine the mode says nothing (docs/windows.md).
    if std::env::var_os("WASI_RUN_UNDER_WINE").is_none() {
        assert_eq!(mode, 0o600, "mode {mode:o}");
    }
    assert!(std::fs::read_to_string(&path).unwrap().contains("fd_write(fd=1"));
}
