//! Command-line behaviour that a `.json` expectation cannot express.

mod common;

use common::{programs, rust_guests, scratch, spawn_piped, wasi_run};
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
    let out = run(&["-V"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("wasi-run {}", env!("CARGO_PKG_VERSION")));
    // --version adds the build: the engine's version and the features.
    let out = run(&["--version"]);
    assert!(out.status.success());
    let long = String::from_utf8_lossy(&out.stdout);
    assert!(long.starts_with(&format!("wasi-run {}\n", env!("CARGO_PKG_VERSION"))), "{long}");
    for part in ["engine: wasmi 2.", "simd", "memory64", "built for "] {
        assert!(long.contains(part), "--version lacks {part:?}: {long}");
    }
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for part in
        ["--dir", "--env", "--env-inherit", "MODULE", "ARGS", "-S", "-W", "--argv0", "Examples:", "Exit status:", "124"]
    {
        assert!(help.contains(part), "help lacks {part}");
    }
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything after MODULE is the guest's, untouched: wasi-run's own
/// flags, `--`, `-` and `--env` included.
#[test]
fn arguments_after_the_module_are_the_guests() {
    let args = guest("args");
    let args = args.to_str().unwrap();
    for guest_args in [
        &["-V"][..],
        &["--help"],
        &["--version", "-h"],
        &["--env", "X=1", "-c", "x"],
        &["--dir", "/tmp"],
        &["--", "a"],
        &["-"],
        &["--trace", "--fuel", "-1"],
    ] {
        let mut argv = vec![args];
        argv.extend_from_slice(guest_args);
        let out = run(&argv);
        assert!(out.status.success(), "{guest_args:?}: {}", stderr(&out));
        let mut want: String = guest_args.iter().enumerate().map(|(i, a)| format!("{}: [{a}]\n", i + 1)).collect();
        want += &format!("argc={}\n", guest_args.len() + 1);
        assert_eq!(stdout(&out), want, "{guest_args:?}");
    }
}

/// wasmtime's spellings: `run`, `--argv0`, `-S` and `-W`.
#[test]
fn wasmtime_spellings() {
    let args = guest("args");
    let args = args.to_str().unwrap();
    let out = run(&["run", args, "x"]);
    assert_eq!(stdout(&out), "1: [x]\nargc=2\n", "{}", stderr(&out));
    // -W fuel= stops a spinning guest as --fuel does; -W timeout= too.
    let spin = programs().join("wat/spin.wat");
    let spin = spin.to_str().unwrap();
    assert_eq!(run(&["-W", "fuel=100000", spin]).status.code(), Some(123));
    assert_eq!(run(&["-W", "timeout=300ms", spin]).status.code(), Some(124));
    assert_eq!(run(&["-Wfuel=100000", spin]).status.code(), Some(123));
    // -W max-memory-size= bounds memory as --max-memory does.
    let grow = programs().join("wat/table_grow.wat");
    let out = run(&["-W", "max-memory-size=17M", grow.to_str().unwrap()]);
    assert_eq!(stdout(&out), "table 99 memories 01\n");
    // -W simd=n turns the proposal off.
    let simd = programs().join("wat/relaxed_simd.wat");
    let out = run(&["-W", "simd=n,relaxed-simd=n", simd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // -S inherit-env passes the environment; --argv0 names the program.
    let env = guest("env");
    let out = wasi_run()
        .env("WASI_RUN_TEST_VAR", "seen")
        .args(["-S", "inherit-env"])
        .arg(&env)
        .arg("WASI_RUN_TEST_VAR")
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("WASI_RUN_TEST_VAR=[seen]\n"), "{}", stdout(&out));
    let trace = scratch("argv0").join("t.log");
    let out = run(&[&format!("--trace={}", trace.display()), "--argv0", "named", args]);
    assert!(out.status.success());
    let log = std::fs::read_to_string(&trace).unwrap();
    assert!(log.contains(r#"args_get() = ["named"]"#), "{log}");
    // -S tcplisten= preopens a listening socket, as --tcplisten does: the
    // guest exits with fd 3's filetype (6, a stream socket).
    let probe = scratch("tcplisten").join("probe.wat");
    std::fs::write(
        &probe,
        r#"(module
          (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (if (call $stat (i32.const 3) (i32.const 0)) (then (call $exit (i32.const 99))))
            (call $exit (i32.load8_u (i32.const 0)))))"#,
    )
    .unwrap();
    let out = run(&["-S", "tcplisten=127.0.0.1:0", probe.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
}

/// Every error wasi-run itself reports is one line, `wasi-run: ...`, that
/// names the culprit; bad command lines exit 2, bad modules 1.
#[test]
fn errors_are_one_line() {
    let args = guest("args");
    let args = args.to_str().unwrap();
    let dir = scratch("one-line");
    let bad_wat = dir.join("bad.wat");
    std::fs::write(&bad_wat, "(module\n  (func (export \"f\")\n    (nope)))\n").unwrap();
    let component = dir.join("c.wasm");
    std::fs::write(&component, b"\0asm\x0d\x00\x01\x00").unwrap();
    let mismatch = dir.join("mismatch.wat");
    std::fs::write(
        &mismatch,
        r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32))) (memory (export "memory") 1) (func (export "_start")))"#,
    )
    .unwrap();
    let unknown = programs().join("wat/unknown_import.wat");
    let not_tar = dir.join("not.tar");
    std::fs::write(&not_tar, b"\x7fELF\x02\x01\x01\nsecret line\n\0\0\xff binary bytes").unwrap();
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (vec!["--no-such-flag".into(), args.into()], 2, "'--no-such-flag'"),
        (vec!["--fuel".into(), "-1".into(), args.into()], 2, "'-1' for '--fuel"),
        (vec!["--fuel".into(), "0".into(), args.into()], 2, "more than zero"),
        (vec!["--max-memory".into(), "0".into(), args.into()], 2, "more than zero"),
        (vec!["--max-open-files".into(), "0".into(), args.into()], 2, "more than zero"),
        (vec!["--timeout".into(), "5x".into(), args.into()], 2, "unknown unit"),
        (vec!["--dir".into(), "/tmp::/d::rw::x".into(), args.into()], 2, "--dir"),
        (vec!["--dir".into(), "/tmp::/d::RO".into(), args.into()], 2, "::RO"),
        (vec!["-S".into(), "nope".into(), args.into()], 2, "-S nope"),
        (vec!["-W".into(), "opt-level=2".into(), args.into()], 2, "-W opt-level"),
        (vec!["--fuel".into(), "10".into(), "-W".into(), "fuel=20".into(), args.into()], 2, "disagree"),
        (vec![bad_wat.display().to_string()], 1, "bad.wat:3:6: "),
        (vec![component.display().to_string()], 1, "is a WebAssembly component"),
        (
            vec![unknown.display().to_string()],
            1,
            "unknown import `wasi_snapshot_preview1::no_such_call` (func (param i32) (result i32))",
        ),
        (
            vec![mismatch.display().to_string()],
            1,
            "is declared (func (param i32)) but wasi-run provides (func (param i32 i32 i32 i32) (result i32))",
        ),
        // --trace takes its value after `=`: a "module" that may have been
        // its value is a usage error.
        (
            vec!["--trace".into(), "/tmp/wasi-run-no-such.log".into(), args.into()],
            2,
            "--trace=/tmp/wasi-run-no-such.log",
        ),
        // An archive that is no archive: one line, none of its bytes.
        (vec!["--mount".into(), format!("tar:{}::/x", not_tar.display()), args.into()], 2, "not a .tar archive"),
        (vec![], 2, "<MODULE>"),
    ];
    for (argv, status, needle) in cases {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = run(&argv);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(status), "{argv:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{argv:?}: {err}");
        assert!(err.starts_with("wasi-run: ") && err.contains(needle), "{argv:?}: {err}");
        assert!(!err.contains("secret") && !err.contains("ELF"), "{argv:?} quotes the file: {err}");
    }
}

/// Durations in any of the forms, and repeated flags (the last wins).
#[test]
fn durations_and_repeated_flags() {
    let spin = programs().join("wat/spin.wat");
    let spin = spin.to_str().unwrap();
    let start = std::time::Instant::now();
    let out = run(&["--timeout", "1m30s", "--timeout", "200000us", spin]);
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    let hello = guest("hello");
    let out = run(&["--env-inherit", "--env-inherit", "--deterministic", "--deterministic", hello.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A module that exports both `_initialize` and `_start` runs both, in
/// that order (as wasmtime does).
#[test]
fn both_entry_points_run_in_order() {
    let both = scratch("both").join("both.wat");
    std::fs::write(
        &both,
        r#"(module (global $g (mut i32) (i32.const 0))
            (func (export "_initialize") (global.set $g (i32.const 7)))
            (func (export "_start") (if (i32.ne (global.get $g) (i32.const 7)) (then unreachable))))"#,
    )
    .unwrap();
    let out = run(&[both.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A trace that cannot be written is reported, and the guest's status kept.
/// A host with no `/dev/full` (Windows: `.ci/wine/run` sets
/// `WASI_RUN_NO_DEV_FULL`) has no file whose writes fail, so the case is left
/// out there.
#[test]
fn trace_write_failures_are_reported() {
    if std::env::var_os("WASI_RUN_NO_DEV_FULL").is_some() {
        return;
    }
    let hello = guest("hello");
    let out = run(&["--trace=/dev/full", hello.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("--trace: ") && err.contains("could not be written"), "{err}");
}

/// A rename to the same name in another case renames (on Windows, where
/// names are looked up without regard to case, too), for a file and a
/// directory, also when the two paths reach the directory by different
/// walks; a rename between two names of one node changes nothing.
#[test]
fn a_rename_in_another_case_renames() {
    let dir = scratch("rename-case");
    std::fs::write(dir.join("renameFROM"), "x").unwrap();
    std::fs::create_dir(dir.join("dirFROM")).unwrap();
    std::fs::hard_link(dir.join("renameFROM"), dir.join("hard")).unwrap();
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    std::fs::write(dir.join("sub/deeper/nestedFROM"), "y").unwrap();
    let preopen = format!("{}::j", dir.display());
    let ops = [
        "rename:renameFROM:RENAMEfrom",
        "rename:dirFROM:DIRfrom",
        "rename:hard:RENAMEfrom",
        // The two ends reach one directory by walks of their own.
        "rename:sub/deeper/nestedFROM:sub/../sub/deeper/NESTEDfrom",
    ];
    let escape = guest("escape");
    let mut args = vec!["--dir", &preopen, escape.to_str().unwrap(), "j"];
    args.extend(ops);
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    for op in ops {
        assert!(said.contains(&format!("{op} -> ok")), "{said}");
    }
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["DIRfrom", "RENAMEfrom", "hard", "sub"]);
    let nested: Vec<_> = std::fs::read_dir(dir.join("sub/deeper")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(nested, ["NESTEDfrom"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A probe guest: prints the guest name of fd 3, then tries to create a
/// directory beneath it and exits with the errno (0: it could).
fn preopen_probe() -> std::path::PathBuf {
    let probe = scratch("dir-probe").join("probe.wat");
    std::fs::write(
        &probe,
        r#"(module
          (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 200) "made-by-probe")
          (func (export "_start")
            (if (call $prestat (i32.const 3) (i32.const 0)) (then (call $exit (i32.const 99))))
            (drop (call $name (i32.const 3) (i32.const 64) (i32.load (i32.const 4))))
            (i32.store8 (i32.add (i32.const 64) (i32.load (i32.const 4))) (i32.const 10))
            (i32.store (i32.const 16) (i32.const 64))
            (i32.store (i32.const 20) (i32.add (i32.load (i32.const 4)) (i32.const 1)))
            (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
            (call $exit (call $mkdir (i32.const 3) (i32.const 200) (i32.const 13)))))"#,
    )
    .unwrap();
    probe
}

/// `--dir HOST::GUEST` always names the guest directory GUEST, as wasmtime
/// reads it, `ro` and `rw` included (with a one-line note on how to ask
/// for a read-only preopen); the access mode is a third component only.
#[test]
fn dir_guest_names_and_modes() {
    let probe = preopen_probe();
    let probe = probe.to_str().unwrap();
    for (i, (suffix, name, note, status)) in [
        ("::rw", "rw", true, 0),
        ("::ro", "ro", true, 0),
        ("::G::ro", "G", false, 63), // EPERM: nothing may be made beneath it
        ("::G::rw", "G", false, 0),
        ("::G", "G", false, 0),
    ]
    .into_iter()
    .enumerate()
    {
        let host = scratch(&format!("dir-modes-{i}"));
        let spec = format!("{}{suffix}", host.display());
        let out = run(&["--dir", &spec, probe]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(status), "{spec}: {err}");
        assert_eq!(stdout(&out), format!("{name}\n"), "{spec}");
        assert_eq!(host.join("made-by-probe").exists(), status == 0, "{spec}");
        if note {
            assert_eq!(err.lines().count(), 1, "{spec}: {err}");
            assert!(err.starts_with("wasi-run: note: ") && err.contains("::GUEST::ro"), "{err}");
        } else {
            assert!(err.is_empty(), "{spec}: {err}");
        }
    }
}

/// wasmtime options that map (`-W max-wasm-stack`) or mean nothing here
/// (`-S preview2`, `-C cache`) are accepted; a misspelled option gets a
/// suggestion.
#[test]
fn more_wasmtime_options_and_suggestions() {
    let hello = guest("hello");
    let hello = hello.to_str().unwrap();
    let out = run(&["-S", "preview2=n", "-C", "cache=n", "-O", "opt-level=2", "-W", "max-wasm-stack=1M", hello]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The stack limit is the engine's: 10,000 nested calls fit in the
    // default and not in 4 KiB.
    let deep = scratch("max-wasm-stack").join("deep.wat");
    std::fs::write(
        &deep,
        r#"(module
          (func $down (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
              (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
          (func (export "_start") (drop (call $down (i32.const 10000)))))"#,
    )
    .unwrap();
    let deep = deep.to_str().unwrap();
    assert!(run(&[deep]).status.success());
    let out = run(&["-W", "max-wasm-stack=4096", deep]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    let out = run(&["--dri", ".", hello]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("a similar argument exists: '--dir'") && err.lines().count() == 1, "{err}");
}

/// A guest that writes to stdout by position first (as Zig's stdout writer
/// does) gets ESPIPE, as under wasmtime, and falls back to fd_write: what
/// the shell wrote to the file before the guest is kept. fd_seek and
/// fd_tell on stdout and fd_pread on a redirected stdin are ESPIPE too.
#[test]
fn positional_writes_keep_what_the_shell_wrote() {
    let dir = scratch("positional");
    let input = dir.join("in.txt");
    std::fs::write(&input, "stdin is a file\n").unwrap();
    let log = dir.join("log.txt");
    let guest = programs().join("wat/stdio_positional.wat");
    let script = r#"(echo header; "$0" "$1" < "$2") > "$3""#;
    let status = std::process::Command::new("sh")
        .args(["-c", script])
        .arg(common::wasi_run_binary())
        .arg(&guest)
        .arg(&input)
        .arg(&log)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&log).unwrap();
    assert_eq!(written, "header\nbody\npwrite=70 seek=70 tell=70 pread=70\n");
    // The same with a real Zig 0.17 program, whose stdout writer does this.
    let zig = common::zig_guest("stdio").unwrap();
    let data = format!("{}::data", programs().join("fixtures/data").display());
    let script = r#"(echo header; "$0" --dir "$1" "$2" arg) > "$3""#;
    let status = std::process::Command::new("sh")
        .args(["-c", script])
        .arg(common::wasi_run_binary())
        .arg(&data)
        .arg(&zig)
        .arg(&log)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&log).unwrap();
    assert_eq!(written, "header\narg 1: arg\ngiven.txt: given\nzig stdio ok\n");
}
