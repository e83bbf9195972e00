//! The smallest embedding (docs/footprint.md): the C API built with
//! `--no-default-features` and `examples/minimal.c` (module bytes in,
//! `_start`, inherited stdio, the exit status out) run Rust, C and Go
//! guests as the CLI does.

mod common;

use common::{c_program, go_program, repo, rust_program, spawn_piped, wasi_run};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The minimal C host, linked against the C API built without default
/// features (copied out at once: the tests of wasi-run-c build the same
/// library with its defaults).
fn minimal_host() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(build_minimal_host)
}

fn build_minimal_host() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("minimal-host");
    std::fs::create_dir_all(&target).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .current_dir(repo())
        .args(["build", "--quiet", "-p", "wasi-run-c", "--lib", "--no-default-features"])
        .status()
        .unwrap();
    assert!(built.success(), "building the C API without default features");
    // target/<profile>/ (this test's executable is in target/<profile>/deps).
    let profile_dir = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    let lib = target.join("libwasi_run.a");
    std::fs::copy(profile_dir.join("libwasi_run.a"), &lib).unwrap();
    let exe = target.join("minimal");
    let c_api = repo().join("crates/wasi-run-c");
    let out = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-I"])
        .arg(c_api.join("include"))
        .arg(c_api.join("examples/minimal.c"))
        .arg(&lib)
        .args(["-Wl,--gc-sections", "-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(out.status.success(), "linking minimal.c: {}", String::from_utf8_lossy(&out.stderr));
    exe
}

fn with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = spawn_piped(&mut cmd);
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/minimal").join(name)
}

#[test]
fn the_minimal_c_host_runs_rust_c_and_go_guests_as_the_cli_does() {
    let host = minimal_host();
    let guests = [
        ("rust", rust_program(&source("greet.rs"), "", &["-C", "opt-level=2"]).unwrap()),
        ("c", c_program(&source("greet.c"), &[]).unwrap()),
        ("go", go_program(&source("greet.go")).unwrap()),
    ];
    for (lang, wasm) in &guests {
        let mut minimal = Command::new(host);
        minimal.arg(wasm).args(["one", "two words"]);
        let got = with_stdin(minimal, "a line\n");
        let mut cli = wasi_run();
        cli.arg(wasm).args(["one", "two words"]);
        let want = with_stdin(cli, "a line\n");
        let stdout = String::from_utf8_lossy(&got.stdout);
        assert_eq!(got.status.code(), Some(2), "{lang}: {stdout}{}", String::from_utf8_lossy(&got.stderr));
        assert!(stdout.starts_with(&format!("{lang}: args")), "{lang}: {stdout}");
        assert!(stdout.contains("one") && stdout.contains("two words") && stdout.contains("a line"), "{stdout}");
        assert!(!stdout.contains("false"), "{lang}: {stdout}");
        assert_eq!(stdout, String::from_utf8_lossy(&want.stdout), "{lang}: the CLI prints the same");
        assert_eq!(got.status.code(), want.status.code());
    }
}

#[test]
fn the_minimal_c_host_refuses_what_it_was_built_without() {
    let host = minimal_host();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("minimal-host");
    // WasmEdge sockets and preview0 are features left out: a module that
    // imports them does not link, and the error names the import.
    for (module, name) in [("wasmedge", "sock_open"), ("wasi_unstable", "fd_write")] {
        let import = if module == "wasmedge" { "wasi_snapshot_preview1" } else { module };
        let wat = format!(
            "(module (import \"{import}\" \"{name}\" (func (param i32 i32 i32 i32) (result i32))) \
             (memory (export \"memory\") 1) (func (export \"_start\")))"
        );
        let wasm = dir.join(format!("{name}.wasm"));
        std::fs::write(&wasm, wat::parse_str(&wat).unwrap()).unwrap();
        let out = Command::new(host).arg(&wasm).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(name) && stderr.lines().count() == 1, "{stderr}");
    }
}
