//! The shim under runwasi's in-process test harness (containerd-shim-wasm's
//! `testing` feature): each test makes a bundle (a root file system with
//! the module at `/hello.wasm`, an OCI spec with the default namespaces,
//! files for stdio), creates and starts the container through the shim's
//! `Instance` as containerd would, and reads its exit status and output.
//!
//! Needs root (namespaces, mounts) and a containerd at
//! /run/containerd/containerd.sock (the harness asks it for the image's
//! wasm layers), so it is ignored by a plain `cargo test`:
//! `.ci/containerd` starts a containerd of its own and runs these with
//! `--include-ignored` (docs/kubernetes.md).

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use containerd_shim_wasi_run::WasiRunShim;
use containerd_shim_wasm::testing::WasiTest;

/// The harness shares one containerd client and one zygote process: one
/// container at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const WAIT: Duration = Duration::from_secs(30);

/// Builds a container of `wasm` with `/mode` saying what the probe does,
/// runs it to the end, and gives its status, stdout and stderr.
fn run(wasm: &[u8], mode: &str, stdin: &str) -> (u32, String, String) {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let test = WasiTest::<WasiRunShim>::builder()
        .unwrap()
        .with_wasm(wasm)
        .unwrap()
        .with_stdin(stdin)
        .unwrap()
        .build()
        .unwrap();
    std::fs::write(test.root().join("rootfs/mode"), mode).unwrap();
    std::fs::write(test.root().join("rootfs/data.txt"), "a file of the container\n").unwrap();
    test.start().unwrap();
    test.wait(WAIT).unwrap()
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn hello() {
    let (status, stdout, stderr) = run(common::probe(), "hello", "");
    assert_eq!((status, stdout.as_str()), (0, "hello from wasi-run\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn exit_codes_are_the_guests() {
    for code in [0, 3, 42, 255] {
        let (status, _, stderr) = run(common::probe(), &format!("exit {code}"), "");
        assert_eq!(status, code, "{stderr}");
    }
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn args_are_the_specs() {
    // The harness's process args are the module's path alone.
    let (status, stdout, stderr) = run(common::probe(), "args", "");
    assert_eq!((status, stdout.as_str()), (0, "[\"/hello.wasm\", \"args\"]\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn env_is_the_specs() {
    // oci-spec's default process environment: PATH and TERM.
    let (status, stdout, stderr) = run(common::probe(), "env", "");
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.lines().any(|l| l.starts_with("PATH=/usr/local/sbin:")), "{stdout}");
    assert!(stdout.lines().any(|l| l == "TERM=xterm"), "{stdout}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn stdin_is_containerds() {
    let (status, stdout, stderr) = run(common::probe(), "stdin", "from the pod's stdin\n");
    assert_eq!((status, stdout.as_str()), (0, "FROM THE POD'S STDIN\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn files_of_the_root_file_system_read_and_write() {
    let (status, stdout, stderr) = run(common::probe(), "read /data.txt", "");
    assert_eq!((status, stdout.as_str()), (0, "a file of the container\n"), "{stderr}");
    // The harness's root file system is read-only (oci-spec's default), and
    // so is the guest's preopen of it: the write fails in wasi-run (EPERM,
    // as for any read-only preopen), before the kernel's EROFS.
    let (status, stdout, stderr) = run(common::probe(), "write /out.txt", "");
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.starts_with("cannot write /out.txt: PermissionDenied"), "{stdout}");
    // `..` above the root preopen is refused, as above any preopen in
    // wasi-run (the file is there: the path leaves the preopen to reach it).
    let (status, stdout, _) = run(common::probe(), "read /../data.txt", "");
    assert_eq!(status, 0);
    assert!(stdout.starts_with("cannot read /../data.txt"), "{stdout}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn a_named_export_runs_as_the_entrypoint() {
    let wasm = wat::parse_str(
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "other\n")
            (func (export "_start") unreachable)
            (func (export "other") (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
              (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .unwrap();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (status, stdout, stderr) = WasiTest::<WasiRunShim>::builder()
        .unwrap()
        .with_start_fn("other")
        .with_wasm(&wasm)
        .unwrap()
        .build()
        .unwrap()
        .start()
        .unwrap()
        .wait(WAIT)
        .unwrap();
    assert_eq!((status, stdout.as_str()), (0, "other\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn a_trap_ends_with_134_and_a_backtrace() {
    let (status, _, stderr) = run(common::probe(), "trap", "");
    assert_eq!(status, 134, "{stderr}");
    assert!(stderr.contains("wasm backtrace:"), "{stderr}");
    assert!(stderr.contains("probe::main"), "{stderr}");
}

/// SIGTERM (a stop) and SIGINT end a guest asleep in `poll_oneoff` within
/// a second, with 128 + the signal.
#[test]
#[ignore = "needs root and containerd: .ci/containerd runs it"]
fn a_sleeping_guest_is_killed_on_request() {
    for (signal, status) in [(15, 143), (2, 130)] {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let test = WasiTest::<WasiRunShim>::builder().unwrap().with_wasm(common::probe()).unwrap().build().unwrap();
        std::fs::write(test.root().join("rootfs/mode"), "sleep").unwrap();
        test.start().unwrap();
        let asleep = Instant::now() + WAIT;
        while !test.read_stdout().unwrap().unwrap_or_default().contains("sleeping") {
            assert!(Instant::now() < asleep, "the guest never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        let sent = Instant::now();
        if signal == 2 {
            test.ctrl_c().unwrap()
        } else {
            test.terminate().unwrap()
        };
        let (got, stdout, _) = test.wait(WAIT).unwrap();
        let took = sent.elapsed();
        assert_eq!(got, status);
        assert_eq!(stdout, "sleeping\n");
        assert!(took < Duration::from_secs(1), "signal {signal} took {took:?}");
    }
}
