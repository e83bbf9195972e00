//! The example C and C++ hosts (examples/host.c, examples/host.cpp), built
//! with the system's compilers against the static library and the checked-in
//! header, and run: arguments, environment, a read-only preopen, captured
//! output, a stderr callback, an exit code, a trap, a fuel limit, a
//! reactor's exports. Then host.c again under AddressSanitizer and
//! LeakSanitizer for 1,000 create/run/destroy cycles, which must report
//! nothing. The embedding host (examples/embed_host.c) the same way: host
//! functions, a buffer through the guest's allocator, a game loop of time
//! slices whose sleeps never block a frame, and a call resumed on another
//! thread (once natively, and its host-function part 1,000 times under
//! the sanitizers). `.ci/wine/c-api` runs both C hosts with the Windows
//! build of the library under Wine.
//!
//! Needs clang (host and wasm32-wasi, with wasi-libc) and a C++ compiler:
//! `.ci/install-toolchains` installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>, where cargo put this crate's libraries.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed ({}):\n{text}", out.status);
    text
}

/// The static library, as this profile builds it now. Cargo builds the
/// tests against the rlib and does not refresh `target/<profile>/libwasi_run.a`
/// for them, so it is built here (a no-op when it is current).
fn static_lib() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "wasi-run-c", "--lib", "--no-default-features", "--features"]);
        // The features these tests were built with, so that a test run
        // with `--no-default-features` links the smallest library.
        let on = [
            ("diagnostics", cfg!(feature = "diagnostics")),
            ("wat", cfg!(feature = "wat")),
            ("simd", cfg!(feature = "simd")),
            ("memory64", cfg!(feature = "memory64")),
            ("mounts", cfg!(feature = "mounts")),
            ("sockets", cfg!(feature = "sockets")),
            ("preview0", cfg!(feature = "preview0")),
        ];
        cmd.arg(on.iter().filter(|(_, on)| *on).map(|(f, _)| *f).collect::<Vec<_>>().join(","));
        if profile_dir().file_name().is_some_and(|p| p == "release") {
            cmd.arg("--release");
        }
        run(&mut cmd, "building libwasi_run.a");
    });
    profile_dir().join("libwasi_run.a")
}

#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
struct Fixture {
    dir: PathBuf,
    guest: PathBuf,
    add: PathBuf,
    data: PathBuf,
}

#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("wasi-run-c-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("in.txt"), "shared with the guest\n").unwrap();
    let guest = dir.join("guest.wasm");
    let clang = std::env::var("WASI_CC").unwrap_or_else(|_| "clang".into());
    run(
        Command::new(clang)
            .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&guest)
            .arg(crate_dir().join("examples/guest.c")),
        "compiling the wasm guest (clang and wasi-libc installed?)",
    );
    Fixture { guest, add: crate_dir().join("examples/add.wat"), data, dir }
}

/// The embedding host's two guests: the plugin (a reactor) and the sleeper.
fn embed_guests(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let clang = std::env::var("WASI_CC").unwrap_or_else(|_| "clang".into());
    let plugin = dir.join("plugin.wasm");
    let sleeper = dir.join("sleeper.wasm");
    for (out, source, extra) in [(&plugin, "plugin.c", &["-mexec-model=reactor"][..]), (&sleeper, "sleeper.c", &[][..])]
    {
        run(
            Command::new(&clang)
                .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"])
                .args(extra)
                .arg("-o")
                .arg(out)
                .arg(crate_dir().join("examples").join(source)),
            &format!("compiling {source} for wasm32-wasi"),
        );
    }
    (plugin, sleeper)
}

/// Builds the embedding host with `compiler` and `flags` and runs it with
/// `extra` arguments and environment.
fn embed_run(name: &str, compiler: &str, flags: &[&str], extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = std::env::temp_dir().join(format!("wasi-run-c-{name}-{}", std::process::id()));
    let (plugin, sleeper) = embed_guests(&dir);
    let exe = dir.join(name);
    build_host(compiler, "embed_host.c", flags, &exe);
    let out = run(
        Command::new(&exe).arg(&plugin).arg(&sleeper).args(extra).envs(env.iter().copied()),
        &format!("the {name} host"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn the_embedding_host_passes_its_checks() {
    let flags = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-O1"];
    let out = embed_run("embed", "cc", &flags, &[], &[]);
    // The frame-time distribution, for the test log.
    println!("{out}");
    for line in ["host functions: ok", "resumed on another thread: ok", "0 failure(s)"] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
}

#[test]
fn the_embedding_host_under_address_and_leak_sanitizers_reports_nothing() {
    let flags = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-g", "-O1", "-fsanitize=address", "-fno-omit-frame-pointer"];
    let env = [("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:exitcode=23")];
    let out = embed_run("embed-asan", "clang", &flags, &["1000"], &env);
    assert!(out.contains("1000 cycle(s) of host functions") && out.contains("0 failure(s)"), "{out}");
    assert!(!out.contains("Sanitizer"), "a sanitizer reported:\n{out}");
}

/// Compiles `source` with `compiler` and `flags` into `out`, linked with
/// the static library.
fn build_host(compiler: &str, source: &str, flags: &[&str], out: &Path) {
    let mut cmd = Command::new(compiler);
    cmd.args(flags)
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("examples").join(source))
        .arg(static_lib())
        .args(["-lpthread", "-ldl", "-lm", "-lrt", "-o"])
        .arg(out);
    run(&mut cmd, &format!("compiling {source} with {compiler}"));
}

/// Builds `source` into a host and runs it on a fresh fixture with
/// `extra` arguments and environment; returns its output.
#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
fn build_and_run(
    name: &str,
    compiler: &str,
    source: &str,
    flags: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let f = fixture(name);
    let exe = f.dir.join(name);
    build_host(compiler, source, flags, &exe);
    let out = run(
        Command::new(&exe).arg(&f.guest).arg(&f.add).arg(&f.data).args(extra).envs(env.iter().copied()),
        &format!("the {name} host"),
    );
    let _ = std::fs::remove_dir_all(&f.dir);
    out
}

// host.c and host.cpp use .wat modules, an overlay mount and backtraces.
#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
#[test]
fn the_c_host_passes_its_checks() {
    let out = build_and_run("c", "cc", "host.c", &["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"], &[], &[]);
    for line in [
        "args: [guest] [hello] [two words]",
        "GREETING=hi from C",
        "write to /data: refused",
        "add(2, 40) = 42",
        "bump x3 on one instance = 3",
        "1 cycle(s), 0 failure(s)",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert!(out.contains("trap: ") && out.contains("spin: out of fuel"), "{out}");
}

// host.c and host.cpp use .wat modules, an overlay mount and backtraces.
#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
#[test]
fn the_cpp_host_passes_its_checks() {
    let out = build_and_run("cpp", "c++", "host.cpp", &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1"], &[], &[]);
    assert!(out.contains("args: [guest] [hello] [from C++]") && out.contains("add(20, 22) = 42"), "{out}");
    assert!(out.contains("0 failure(s)"), "{out}");
}

// host.c and host.cpp use .wat modules, an overlay mount and backtraces.
#[cfg(all(feature = "wat", feature = "mounts", feature = "diagnostics"))]
#[test]
fn a_thousand_cycles_under_address_and_leak_sanitizers_report_nothing() {
    let flags = ["-std=c11", "-g", "-O1", "-fsanitize=address", "-fno-omit-frame-pointer"];
    let env = [("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:exitcode=23")];
    let out = build_and_run("asan", "clang", "host.c", &flags, &["1000"], &env);
    assert!(out.contains("1000 cycle(s), 0 failure(s)"), "{out}");
    assert!(!out.contains("Sanitizer"), "a sanitizer reported:\n{out}");
}

/// The frames the C host printed for the trap (`frame N: INDEX MODULE
/// NAME`) are those a Rust embedder gets on the trap outcome for the same
/// module and arguments.
#[cfg(all(unix, feature = "diagnostics"))]
#[test]
fn the_c_result_and_the_rust_outcome_carry_the_same_frames() {
    use wasi_preview1::unix::UnixSystem;
    use wasi_wasmi::diagnostics::{Options, prepare};
    use wasi_wasmi::{Exit, Run, engine_config};

    let f = fixture("frames");
    let exe = f.dir.join("frames");
    build_host("cc", "host.c", &["-std=c11", "-O1"], &exe);
    let out = run(Command::new(&exe).arg(&f.guest).arg(&f.add).arg(&f.data), "the C host");
    let from_c: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("frame "))
        .map(|l| l.split_once(": ").unwrap().1.to_owned())
        .collect();

    let bytes = std::fs::read(&f.guest).unwrap();
    let prepared = prepare(&bytes, &Options::new("guest.wasm")).unwrap();
    let (engine, module) = prepared.compile(&engine_config()).unwrap();
    let system = UnixSystem::builder().args(["guest", "trap"]).build().unwrap();
    let finished = Run::new(&engine, &module).diagnostics(prepared.map.clone()).run(system).unwrap();
    let Exit::Trap(trap) = finished.exit else { panic!("no trap: {:?}", finished.exit) };
    let from_rust: Vec<String> = trap
        .backtrace
        .expect("a backtrace")
        .frames
        .iter()
        .map(|fr| format!("{} {} {}", fr.func_index, fr.module, fr.name.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(from_c, from_rust);
    assert_eq!(
        from_rust.iter().take(3).map(|l| l.rsplit(' ').next().unwrap()).collect::<Vec<_>>(),
        ["trap_level3", "trap_level2", "trap_level1"]
    );
    let _ = std::fs::remove_dir_all(&f.dir);
}
