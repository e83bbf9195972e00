//! Operator features whose checks a `.json` expectation cannot express:
//! reproducible runs, timeouts measured against the clock, trace files.

mod common;

use common::{go, go_guest, output_with_timeout, programs, rust_guests, scratch, spawn_piped, wasi_run};
use std::process::Output;
use std::time::{Duration, Instant};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let out = output_with_timeout(wasi_run().args(args), 60);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// The same program under `--deterministic` prints byte-identical output
/// twice, though it reads the time of day, sleeps, draws random bytes and
/// iterates a randomly seeded HashMap; `--seed` changes only the random
/// part; without the flag the output changes.
#[test]
fn deterministic_rust_runs_are_identical() {
    let guest = rust_guests().unwrap().join("deterministic.wasm");
    let det =
        |seed: &str| stdout(&run(&["--deterministic".as_ref(), "--seed".as_ref(), seed.as_ref(), guest.as_os_str()]));
    let (a, b) = (det("0"), det("0"));
    assert_eq!(a, b, "two deterministic runs differ");
    assert!(a.starts_with("realtime 1577836800.000000000\n"), "{a}");
    let line = |out: &str, key: &str| out.lines().find(|l| l.starts_with(key)).unwrap().to_owned();
    let other_seed = det("1");
    assert_eq!(line(&a, "realtime"), line(&other_seed, "realtime"));
    assert_eq!(line(&a, "slept"), line(&other_seed, "slept"));
    assert_ne!(line(&a, "random"), line(&other_seed, "random"));
    let free = stdout(&run(&[guest.as_os_str()]));
    assert_ne!(line(&a, "random"), line(&free, "random"));
    assert_ne!(line(&a, "realtime"), line(&free, "realtime"));
}

/// A Go program (its runtime seeds maps and math/rand from random_get and
/// schedules timers on the clocks) is reproducible too, and its sleeps
/// take no real time.
#[test]
fn deterministic_go_runs_are_identical() {
    let guest = go_guest("deterministic").unwrap();
    let started = Instant::now();
    let a = stdout(&run(&["--deterministic".as_ref(), guest.as_os_str()]));
    let b = stdout(&run(&["--deterministic".as_ref(), guest.as_os_str()]));
    assert_eq!(a, b, "two deterministic runs differ");
    assert!(a.starts_with("now 2020-01-01T00:00:00"), "{a}");
    assert!(a.contains("woke 3 2 1\nslept 300ms\n"), "{a}");
    // Two runs that each sleep 300 ms of virtual time.
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// `--timeout 1s` stops an endless loop in about a second.
#[test]
fn timeout_stops_an_endless_loop_on_time() {
    let spin = programs().join("wat/spin.wat");
    let started = Instant::now();
    let out = output_with_timeout(wasi_run().args(["--timeout", "1s"]).arg(&spin), 30);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert_eq!(stderr(&out), "wasi-run: the guest ran past its --timeout 1s\n");
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(3), "took {took:?}");
}

/// A guest blocked in a host call (a read from a pipe that never delivers)
/// is stopped on time as well.
#[test]
fn timeout_stops_a_blocked_read() {
    let cat = rust_guests().unwrap().join("cat.wasm");
    let started = Instant::now();
    let mut child = spawn_piped(wasi_run().args(["--timeout", "500ms"]).arg(&cat));
    // Keep stdin open (and silent) until the child is gone.
    let _stdin = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

/// `--trace=FILE` writes the trace to FILE, leaving the guest's stderr alone.
#[test]
fn trace_to_a_file() {
    let dir = scratch("trace");
    let log = dir.join("trace.log");
    // A guest that reads, writes, lists and renames in a preopen (and
    // makes no symlink, so that it runs under Wine too).
    let guest = rust_guests().unwrap().join("file_rw.wasm");
    let data = scratch("trace-data");
    std::fs::copy(programs().join("fixtures/data/given.txt"), data.join("given.txt")).unwrap();
    let out = output_with_timeout(
        wasi_run()
            .arg(format!("--trace={}", log.display()))
            .arg("--dir")
            .arg(format!("{}::/mnt/data", data.display()))
            .arg(&guest)
            .arg("/mnt/data"),
        60,
    );
    let trace = std::fs::read_to_string(&log).unwrap();
    use std::os::unix::fs::PermissionsExt;
    // Under Wine the mode says nothing of the file's access list (as in
    // tests/hardening.rs).
    if std::env::var_os("WASI_RUN_UNDER_WINE").is_none() {
        assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600, "the trace is private");
    }
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("written by the guest\n"), "{}", stdout(&out));
    assert!(!stderr(&out).contains(" <0."), "trace lines leaked to stderr: {}", stderr(&out));
    assert!(trace.lines().count() > 10, "{trace}");
    for line in trace.lines() {
        let (call, rest) = line.split_once('(').unwrap();
        assert!(call.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{line}");
        assert!(rest.contains(") = "), "{line}");
        assert!(line.ends_with('>') || line.starts_with("proc_exit("), "{line}");
    }
    assert!(trace.contains("fd_prestat_dir_name(fd=3, len=9) = 0 \"/mnt/data\""), "{trace}");
    assert!(trace.contains("path_open(fd=3, "), "{trace}");
}

/// `go test` runs a package's tests (reading its testdata, using temporary
/// directories, parallel timers) under wasi-run through the shipped exec
/// wrapper, and a failing test fails `go test`.
#[test]
fn go_test_runs_through_the_exec_wrapper() {
    let wrapper = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("go");
    assert!(wrapper.join("go_wasip1_wasm_exec").exists());
    let path = format!("{}:{}", wrapper.display(), std::env::var("PATH").unwrap_or_default());
    let go_test = |extra: &[&str]| {
        let mut cmd = go();
        cmd.current_dir(programs().join("go").join("gotest"))
            .env("PATH", &path)
            .env("WASI_RUN", env!("CARGO_BIN_EXE_wasi-run"))
            .args(["test", "-v", "-count=1", "."])
            .args(extra);
        output_with_timeout(&mut cmd, 600)
    };
    let out = go_test(&[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    for test in ["TestCountWordsFromTestdata", "TestTempDirAndCleanup", "TestParallelTimers", "TestMustFail"] {
        assert!(text.contains(&format!("--- PASS: {test} ")), "{test}: {text}");
    }
    assert!(text.contains("ok  \twasirun.test/guests/gotest"), "{text}");

    let out = go_test(&["-args", "-must-fail"]);
    let text = stdout(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("--- FAIL: TestMustFail") && text.contains("failing on purpose"), "{text}");
}
