//! What wasi-run adds to an app and to each guest, re-measured into
//! docs/footprint.md: binary sizes (the engine alone, the minimal C host
//! with each feature, the static libraries, the CLI), peak memory of tiny
//! guests against wasmi with wasi-common, and memory per idle instance.
//!
//! `cargo run --release --manifest-path benches/Cargo.toml --bin footprint`
//!
//! Builds go to `target/footprint` (the release profile, as shipped).
//! Guests are built with what the machine has (rustc's wasm32-wasip1,
//! clang with wasi-libc, Go); a row whose tool is missing is left out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasi_run_benches::tools::{cargo, machine, median, run_checked, run_measured, write_table};

/// The C API's features, as its Cargo.toml names them.
const FEATURES: [(&str, &str); 7] = [
    ("diagnostics", "backtraces, source lines, core dumps"),
    ("wat", "`.wat` modules from files"),
    ("simd", "fixed-width and relaxed SIMD"),
    ("memory64", "64-bit memories"),
    ("mounts", "tar, overlay and copied-directory mounts"),
    ("sockets", "the WasmEdge sockets extension"),
    ("preview0", "the `wasi_unstable` imports"),
];

/// How many guests the idle-instance measurement keeps.
const INSTANCES: usize = 10_000;

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let target = repo.join("target/footprint");
    let doc = repo.join("docs/footprint.md");
    // The minimal host: built and measured once, shown in three tables.
    let minimal = minimal_host(&repo, &target, &[], true);
    let sizes = sizes(&repo, &target, &minimal);
    write_table(&doc, "footprint-sizes", &sizes);
    let features = feature_costs(&repo, &target, &minimal);
    write_table(&doc, "footprint-features", &features);
    let guests = guests(&target);
    let memory = memory(&repo, &target, &guests, &minimal.2);
    write_table(&doc, "footprint-memory", &memory);
    let idle = idle(&repo, &target, &guests);
    write_table(&doc, "footprint-idle", &idle);
    write_table(&doc, "footprint-machine", &format!("Measured on {}.", machine()));
}

/// Bytes as MB (10^6), as the tables show them.
fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).len()
}

/// Builds the C API's static library for the host with `features` (none
/// but those), links `examples/minimal.c` against it with
/// `--gc-sections` (or without), strips it, and
/// returns the library's and the host's sizes.
fn minimal_host(repo: &Path, target: &Path, features: &[&str], gc_sections: bool) -> (u64, u64, PathBuf) {
    let tag = if features.is_empty() { "none".to_owned() } else { features.join("+") };
    let dir = target.join(format!("c-api-{tag}"));
    let mut build = cargo();
    build.current_dir(repo).args(["build", "--release", "--quiet", "-p", "wasi-run-c", "--lib", "--target-dir"]);
    build.arg(&dir).arg("--no-default-features");
    if !features.is_empty() {
        build.args(["--features", &features.join(",")]);
    }
    run_checked(&mut build, &format!("build the C API with {tag}"));
    let lib = dir.join("release/libwasi_run.a");
    let exe = dir.join(if gc_sections { "minimal" } else { "minimal-whole" });
    let c_api = repo.join("crates/wasi-run-c");
    let mut link = Command::new("cc");
    link.args(["-O2", "-I"]).arg(c_api.join("include")).arg(c_api.join("examples/minimal.c")).arg(&lib);
    if gc_sections {
        link.arg("-Wl,--gc-sections");
    }
    link.args(["-lpthread", "-ldl", "-lm", "-o"]).arg(&exe);
    run_checked(&mut link, "link examples/minimal.c");
    run_checked(Command::new("strip").arg(&exe), "strip the host");
    (size_of(&lib), size_of(&exe), exe)
}

fn sizes(repo: &Path, target: &Path, minimal: &(u64, u64, PathBuf)) -> String {
    eprintln!("sizes: the engine alone, the C API, the CLI…");
    let engine_dir = target.join("engine-only");
    run_checked(
        cargo()
            .current_dir(repo.join("benches/footprint/engine-only"))
            .args(["build", "--release", "--quiet", "--target-dir"])
            .arg(&engine_dir),
        "build the engine-only host",
    );
    let engine = size_of(&engine_dir.join("release/engine-only"));
    let (lib_min, host_min, _) = *minimal;
    let all: Vec<&str> = FEATURES.iter().map(|(f, _)| *f).collect();
    let (lib_all, host_all, _) = minimal_host(repo, target, &all, true);
    let (_, whole_all, _) = minimal_host(repo, target, &all, false);
    let cli_dir = target.join("cli");
    run_checked(
        cargo()
            .current_dir(repo)
            .args(["build", "--release", "--quiet", "-p", "wasi-run", "--target-dir"])
            .arg(&cli_dir),
        "build the CLI",
    );
    let cli = size_of(&cli_dir.join("release/wasi-run"));
    let ios = |features: &[&str]| -> Option<u64> {
        let dir = target.join(format!("ios-{}", if features.is_empty() { "none" } else { "all" }));
        let mut cmd = cargo();
        cmd.current_dir(repo).args(["rustc", "--release", "--quiet", "-p", "wasi-run-c", "--lib"]);
        cmd.args([
            "--target",
            "aarch64-apple-ios",
            "--crate-type",
            "staticlib",
            "--no-default-features",
            "--target-dir",
        ]);
        cmd.arg(&dir);
        if !features.is_empty() {
            cmd.args(["--features", &features.join(",")]);
        }
        let ok = cmd.status().is_ok_and(|s| s.success());
        ok.then(|| size_of(&dir.join("aarch64-apple-ios/release/libwasi_run.a")))
    };
    let (ios_min, ios_all) = (ios(&[]), ios(&all));
    let mut rows = vec![
        (
            "wasmi alone (std, validation, tail-call dispatch, no SIMD) with a two-import Rust host (`benches/footprint/engine-only`), stripped".to_owned(),
            mb(engine),
        ),
        (
            "**the minimal C host** (`examples/minimal.c`: bytes in, `_start`, inherited stdio, exit status) linked with `--gc-sections` against `libwasi_run.a` built `--no-default-features`, stripped".to_owned(),
            format!("**{}**", mb(host_min)),
        ),
        ("the same host against the default library (every feature), `--gc-sections`".to_owned(), mb(host_all)),
        (
            "the same host against the default library without `--gc-sections`".to_owned(),
            mb(whole_all),
        ),
        ("`libwasi_run.a`, x86-64 Linux: `--no-default-features` / default".to_owned(), format!("{} / {}", mb(lib_min), mb(lib_all))),
    ];
    match (ios_min, ios_all) {
        (Some(min), Some(all)) => rows.push((
            "`libwasi_run.a`, aarch64-apple-ios: `--no-default-features` / default".to_owned(),
            format!("{} / {}", mb(min), mb(all)),
        )),
        _ => eprintln!("(no aarch64-apple-ios target: `rustup target add aarch64-apple-ios` for that row)"),
    }
    rows.push(("the CLI (`wasi-run`, every feature), stripped".to_owned(), mb(cli)));
    let mut t = String::from("| what | size |\n| --- | --- |\n");
    for (what, size) in rows {
        let _ = writeln!(t, "| {what} | {size} |");
    }
    t
}

fn feature_costs(repo: &Path, target: &Path, minimal: &(u64, u64, PathBuf)) -> String {
    eprintln!("what each feature costs…");
    let (lib0, host0, _) = *minimal;
    let mut t = String::from(
        "| feature | what it adds | minimal host, `--gc-sections` | `libwasi_run.a` |\n| --- | --- | --- | --- |\n",
    );
    let _ = writeln!(
        t,
        "| none (`--no-default-features`) | preview1 with host directories, in-memory mounts, stdio | {} | {} |",
        mb(host0),
        mb(lib0)
    );
    for (feature, what) in FEATURES {
        let (lib, host, _) = minimal_host(repo, target, &[feature], true);
        let delta = |a: u64, b: u64| format!("{:+.0} KB", (a as f64 - b as f64) / 1e3);
        let _ = writeln!(t, "| `{feature}` | {what} | {} | {} |", delta(host, host0), delta(lib, lib0));
    }
    t
}

/// The tiny guests: (name, module), for the tools the machine has.
fn guests(target: &Path) -> Vec<(&'static str, PathBuf)> {
    let dir = target.join("guests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = Vec::new();
    let rs = dir.join("hello.rs");
    std::fs::write(&rs, "fn main() { println!(\"hello\"); }\n").unwrap();
    let rust = dir.join("hello-rust.wasm");
    let built = Command::new("rustc")
        .args(["--target", "wasm32-wasip1", "-O", "-C", "strip=debuginfo", "-o"])
        .arg(&rust)
        .arg(&rs)
        .status();
    if built.is_ok_and(|s| s.success()) {
        out.push(("Rust hello (`println!`)", rust));
    }
    let c = dir.join("hello.c");
    std::fs::write(&c, "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n").unwrap();
    let c_wasm = dir.join("hello-c.wasm");
    let built = Command::new("clang").args(["--target=wasm32-wasi", "-O2", "-o"]).arg(&c_wasm).arg(&c).status();
    if built.is_ok_and(|s| s.success()) {
        out.push(("C hello (`printf`, wasi-libc)", c_wasm));
    }
    let go = dir.join("hello.go");
    std::fs::write(&go, "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n").unwrap();
    let go_wasm = dir.join("hello-go.wasm");
    // `go` on PATH, else the one .ci/install-toolchains puts in its
    // virtual environment.
    let venv_go = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/wasi-run/guest-venv/bin/go"));
    let go_cmd = match venv_go.filter(|g| g.exists()) {
        Some(g) if Command::new("go").arg("version").output().is_err() => g,
        _ => PathBuf::from("go"),
    };
    let built = Command::new(go_cmd)
        .current_dir(&dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .args(["build", "-o"])
        .arg(&go_wasm)
        .arg(&go)
        .status();
    if built.is_ok_and(|s| s.success()) {
        out.push(("Go hello (`fmt.Println`)", go_wasm));
    }
    out
}

/// The median peak resident memory (KiB) of 21 runs of `exe args module`
/// (runs vary by about 0.1 MiB).
fn peak(exe: &Path, args: &[&str], module: &Path) -> f64 {
    let mut v: Vec<f64> = (0..21)
        .map(|_| {
            let mut cmd = Command::new(exe);
            cmd.args(args).arg(module);
            run_measured(cmd).2 as f64
        })
        .collect();
    median(&mut v)
}

fn memory(repo: &Path, target: &Path, guests: &[(&str, PathBuf)], minimal: &Path) -> String {
    eprintln!("peak memory of tiny guests…");
    let cli = target.join("cli/release/wasi-run");
    // The CLI without the start-up order (crates/wasi-run/startup.ld).
    let unordered_dir = target.join("cli-unordered");
    run_checked(
        cargo()
            .current_dir(repo)
            .env("WASI_RUN_NO_STARTUP_ORDER", "1")
            .args(["build", "--release", "--quiet", "-p", "wasi-run", "--target-dir"])
            .arg(&unordered_dir),
        "build the CLI without the start-up order",
    );
    let unordered = unordered_dir.join("release/wasi-run");
    let wasmi_wasi = example(repo, target, "wasmi_wasi_run");
    let mut t = String::from(
        "| guest | wasmi + wasi-common | `wasi-run` | `wasi-run --no-backtraces` | `wasi-run` linked in the default order | the minimal C host |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    let mib = |kib: f64| format!("{:.1} MiB", kib / 1024.0);
    for (name, module) in guests {
        let base = peak(&wasmi_wasi, &[], module);
        let _ = writeln!(
            t,
            "| {name} | {} | **{}** | {} | {} | {} |",
            mib(base),
            mib(peak(&cli, &[], module)),
            mib(peak(&cli, &["--no-backtraces"], module)),
            mib(peak(&unordered, &[], module)),
            mib(peak(minimal, &[], module)),
        );
    }
    t
}

fn idle(repo: &Path, target: &Path, guests: &[(&str, PathBuf)]) -> String {
    eprintln!("memory per idle instance…");
    let exe = example(repo, target, "idle_instances");
    let per = |module: &Path, mode: &str| -> u64 {
        let out = Command::new(&exe).arg(module).arg(INSTANCES.to_string()).arg(mode).output().expect("idle_instances");
        assert!(out.status.success(), "idle_instances {mode}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("bytes per instance")
    };
    let mut t = format!(
        "| module ({INSTANCES} instances in one process) | linear memory | wasmi alone, per instance | wasi-run, per instance | wasi-run's own share |\n| --- | --- | --- | --- | --- |\n"
    );
    for (name, module) in guests.iter().filter(|(n, _)| !n.starts_with("Go")) {
        let pages = initial_pages(module);
        let (engine, ours) = (per(module, "engine"), per(module, "wasi-run"));
        let _ = writeln!(
            t,
            "| {name} | {pages} pages ({} KiB) | {:.1} KB | {:.1} KB | {:+.1} KB |",
            pages * 64,
            engine as f64 / 1e3,
            ours as f64 / 1e3,
            (ours as f64 - engine as f64) / 1e3
        );
    }
    t
}

/// Builds the benches' example `name` into `target`; its path.
fn example(repo: &Path, target: &Path, name: &str) -> PathBuf {
    run_checked(
        cargo()
            .current_dir(repo)
            .args(["build", "--release", "--quiet", "--manifest-path", "benches/Cargo.toml", "--target-dir"])
            .arg(target)
            .args(["--example", name]),
        &format!("build the example {name}"),
    );
    target.join("release/examples").join(name)
}

/// The initial size, in pages, of the module's first memory.
fn initial_pages(module: &Path) -> u64 {
    let engine = wasmi::Engine::default();
    let m = wasmi::Module::new(&engine, &std::fs::read(module).unwrap()[..]).unwrap();
    m.exports()
        .find_map(|e| match e.ty() {
            wasmi::ExternType::Memory(ty) => Some(ty.minimum()),
            _ => None,
        })
        .unwrap_or(0)
}
