//! Command-line behaviour that a `.json` expectation cannot express.

mod common;

use common::{rust_guests, scratch, spawn_piped, wasi_run};
use std::io::{Read, Write};
use std::process::{Output, Stdio};

fn guest(name: &str) -> std::path::PathBuf {
    rust_guests().unwrap().join(format!("{name}.wasm"))
}

fn run(args: &[&str]) -> Output {
    wasi_run().args(args).stdin(Stdio::null()).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// 10 MiB of every byte value through stdin and back out of stdout.
#[test]
fn stdin_to_stdout_is_binary_safe() {
    let mut input = Vec::with_capacity(10 << 20);
    let mut x: u32 = 0x1234_5678;
    while input.len() < 10 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        input.extend_from_slice(&x.to_le_bytes());
    }
    input.extend_from_slice(b"\0\r\n\xff");
    let mut child = spawn_piped(wasi_run().arg(guest("cat")));
    let mut stdin = child.stdin.take().unwrap();
    let feed = input.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&feed).unwrap());
    let mut output = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut output).unwrap();
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(output.len(), input.len());
    assert!(output == input, "stdout differs from stdin");
    assert_eq!(stderr(&out), format!("copied {} bytes\n", input.len()));
}

/// A bad flag: clap's usage error, status 2, nothing run.
#[test]
fn unknown_flag_is_a_usage_error() {
    let out = run(&["--no-such-flag", guest("hello").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-such-flag"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

/// Bad flag values: one line naming what was wrong, status 2.
#[test]
fn bad_flag_values_get_one_line() {
    let hello = guest("hello");
    let hello = hello.to_str().unwrap();
    let missing = scratch("missing").join("nope");
    let missing = missing.to_str().unwrap();
    let file = guest("hello");
    for (args, needle) in [
        (vec!["--dir", missing, hello], "nope"),
        (vec!["--dir", file.to_str().unwrap(), hello], "--dir"),
        (vec!["--dir", "::x", hello], "--dir"),
        (vec!["--env", "=value", hello], "--env"),
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("wasi-run: ") && err.contains(needle), "{args:?}: {err}");
    }
}

/// An unreadable or invalid module: one line naming the file, status 1.
#[test]
fn bad_modules_get_one_line() {
    let dir = scratch("modules");
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0\xff\xff").unwrap();
    let text = dir.join("text.wasm");
    std::fs::write(&text, b"not a module").unwrap();
    let bad_wat = dir.join("bad.wat");
    std::fs::write(&bad_wat, b"(module (func (result i32)))").unwrap();
    for path in [dir.join("absent.wasm"), dir.clone(), garbage, text, bad_wat] {
        let out = run(&[path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", path.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(path.to_str().unwrap()), "{err}");
    }
}

/// `--` ends the options, so a module name may start with a dash; every
/// argument after MODULE belongs to the guest, dashes included.
#[test]
fn double_dash_and_guest_flags() {
    let dir = scratch("dash");
    let odd = dir.join("-odd.wasm");
    std::fs::copy(guest("args"), &odd).unwrap();
    let out = wasi_run().current_dir(&dir).args(["--", "-odd.wasm", "--help", "--dir", "x"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1: [--help]\n2: [--dir]\n3: [x]\nargc=4\n");
}

#[test]
fn version_and_help() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("wasi-run {}", env!("CARGO_PKG_VERSION")));
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--dir", "--env", "--env-inherit", "MODULE", "ARGS"] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
}
