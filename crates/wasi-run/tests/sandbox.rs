//! The attack suite: a guest tries every way out of its preopen that we
//! know of, under both path resolvers, and on in-memory and overlay
//! mounts of the same tree. Zero escapes: every attempt fails
//! with the expected errno, the secret outside never reaches the guest,
//! and nothing outside the preopen changes.
//!
//! Layout, in a fresh temporary directory:
//!
//! ```text
//! outside/secret.txt        "SECRET-OUTSIDE"   (must never be read)
//! outside/dir/
//! jail/                     preopened as "jail"
//!   inside.txt              "inside"
//!   sub/deeper/
//!   link_etc -> /etc, link_root -> /, link_abs -> <abs path of secret>
//!   link_climb -> ../outside/secret.txt, sub/link_climb2 -> ../../outside
//!   chain1 -> chain2 -> chain3 -> ../outside, ok1 -> ok2 -> inside.txt
//!   loop1 <-> loop2, self_loop -> self_loop
//!   mid -> sub, mid_out -> ../outside, proc_link -> /proc/self
//!   dangling -> nonexistent, dangling_out -> ../outside/newfile
//! ```

mod common;

use common::{output_with_timeout, rust_guests, scratch, snapshot, wasi_run};
// For the race tests (FreeBSD has no RENAME_EXCHANGE to race with).
#[cfg(not(target_os = "freebsd"))]
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

const SECRET: &str = "SECRET-OUTSIDE";
const NOENT: u16 = 44;
const PERM: u16 = 63;
const LOOP: u16 = 32;

#[derive(Clone, Copy, Debug)]
enum Want {
    /// Must fail with this errno.
    Err(u16),
    /// Must fail, with any errno (the two resolvers may differ).
    AnyErr,
    /// Must succeed (an operation that stays inside the jail).
    Ok,
}

struct Jail {
    root: PathBuf,
    jail: PathBuf,
    outside: PathBuf,
}

/// The symlinks planted in the jail (and `link_abs`, to the secret's
/// absolute path).
const LINKS: &[(&str, &str)] = &[
    ("link_etc", "/etc"),
    ("link_root", "/"),
    ("link_climb", "../outside/secret.txt"),
    ("sub/link_climb2", "../../outside"),
    ("chain1", "chain2"),
    ("chain2", "chain3"),
    ("chain3", "../outside"),
    ("ok1", "ok2"),
    ("ok2", "inside.txt"),
    ("loop1", "loop2"),
    ("loop2", "loop1"),
    ("self_loop", "self_loop"),
    ("mid", "sub"),
    ("mid_out", "../outside"),
    ("proc_link", "/proc/self"),
    ("dangling", "nonexistent"),
    ("dangling_out", "../outside/newfile"),
];

/// The names the attacks reach only through a planted symlink (the links,
/// and what the suite makes from them).
fn through_planted_link(op: &str) -> bool {
    let derived = ["link_abs", "hard_to_link", "renamed_abs", "nonexistent"];
    op.split_once(':')
        .map_or("", |(_, paths)| paths)
        .split([':', '/'])
        .any(|name| LINKS.iter().any(|(link, _)| link.rsplit('/').next() == Some(name)) || derived.contains(&name))
}

/// Whether the `wasi-run` under test sees the host's symlinks as symlinks.
/// The Windows build under Wine 8 does not (Wine shows a Unix symlink as
/// what it points to, with no reparse point to refuse), and Wine 8 cannot
/// make reparse points: `.ci/wine/run` sets `WASI_RUN_NO_HOST_SYMLINKS`,
/// and the attacks through symlinks, the `/proc` magic links and the swap
/// race are left out (docs/windows.md lists them as untested there).
fn host_symlinks() -> bool {
    std::env::var_os("WASI_RUN_NO_HOST_SYMLINKS").is_none()
}

fn build_jail(tag: &str) -> Jail {
    let root = scratch(tag);
    let (jail, outside) = (root.join("jail"), root.join("outside"));
    std::fs::create_dir_all(outside.join("dir")).unwrap();
    std::fs::write(outside.join("secret.txt"), SECRET).unwrap();
    std::fs::create_dir_all(jail.join("sub/deeper")).unwrap();
    std::fs::write(jail.join("inside.txt"), "inside").unwrap();
    if host_symlinks() {
        for (link, target) in LINKS {
            symlink(target, jail.join(link)).unwrap();
        }
        symlink(outside.join("secret.txt"), jail.join("link_abs")).unwrap();
    }
    Jail { root, jail, outside }
}

/// Runs the escape guest with `ops` on preopen `name` (host `dir`) and
/// returns one result line per op.
fn run_ops(dir: &Path, name: &str, manual: bool, ops: &[String]) -> Vec<String> {
    let how = if manual { How::Manual } else { How::Openat2 };
    run_ops_as(dir, name, how, ops)
}

/// How the jail reaches the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    Openat2,
    Manual,
    /// `--mount mem:` (an in-memory copy, symlinks and all).
    Mem,
    /// `--mount overlay:` (the host jail beneath an in-memory layer).
    Overlay,
}

fn run_ops_as(dir: &Path, name: &str, how: How, ops: &[String]) -> Vec<String> {
    let wasm = rust_guests().unwrap().join("escape.wasm");
    let mut cmd = wasi_run();
    match how {
        How::Openat2 => cmd.arg("--dir").arg(format!("{}::{name}", dir.display())),
        How::Manual => cmd.args(["--path-resolution", "manual", "--dir"]).arg(format!("{}::{name}", dir.display())),
        How::Mem => cmd.arg("--mount").arg(format!("mem:{}::{name}", dir.display())),
        How::Overlay => cmd.arg("--mount").arg(format!("overlay:{}::{name}", dir.display())),
    };
    cmd.arg(wasm).arg(name).args(ops);
    let out = output_with_timeout(&mut cmd, 120);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "guest failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains(SECRET), "THE SECRET ESCAPED:\n{stdout}");
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), ops.len(), "{stdout}");
    lines
}

fn check(lines: &[String], cases: &[(String, Want)], label: &str) {
    let mut problems = Vec::new();
    for (line, (op, want)) in lines.iter().zip(cases) {
        let got = line.strip_prefix(&format!("{op} -> ")).unwrap_or_else(|| panic!("{line}"));
        let fine = match want {
            Want::Ok => got.starts_with("ok"),
            Want::AnyErr => got.starts_with("err"),
            Want::Err(e) => got == format!("err {e}"),
        };
        if !fine {
            problems.push(format!("{op}: got `{got}`, want {want:?}"));
        }
    }
    assert!(problems.is_empty(), "{label}:\n{}", problems.join("\n"));
}

fn attacks() -> Vec<(String, Want)> {
    use Want::*;
    let esc = Err(PERM);
    let mut cases: Vec<(&str, Want)> = vec![
        // `..` chains
        ("open:..", esc),
        ("open:../outside/secret.txt", esc),
        ("open:sub/../../outside/secret.txt", esc),
        ("open:sub/deeper/../../../outside/secret.txt", esc),
        ("open:./sub/./../.././outside/secret.txt", esc),
        ("stat:../outside", esc),
        ("readdir:..", esc),
        ("open:sub/../inside.txt", Ok),
        // absolute paths
        ("open:/etc/passwd", esc),
        ("open:/", esc),
        ("stat:/etc", esc),
        ("mkdir:/tmp/x", esc),
        // Windows forms (docs/windows.md): separators, drives, device and
        // UNC prefixes, DOS devices, trailing dots (streams, `a:b`, are
        // refused by name: windows/names.rs's tests). On Unix each
        // is one name that is not there; on Windows each is refused as a
        // name, never handed to Windows to interpret.
        ("open:..\\outside\\secret.txt", AnyErr),
        ("open:sub\\..\\..\\outside\\secret.txt", AnyErr),
        ("open:C:/Windows/win.ini", AnyErr),
        ("open:C:\\Windows\\win.ini", AnyErr),
        ("open:Z:/etc/passwd", AnyErr),
        ("open:\\\\?\\C:\\Windows\\win.ini", AnyErr),
        ("open:\\\\.\\C:", AnyErr),
        ("open:\\\\localhost\\C$\\Windows\\win.ini", AnyErr),
        ("open:CON", AnyErr),
        ("open:NUL", AnyErr),
        ("open:aux.txt", AnyErr),
        ("open:inside.txt.", AnyErr),
        ("open:sub/..\\..\\outside", AnyErr),
        ("stat:..\\outside", AnyErr),
        ("readdir:C:", AnyErr),
        // symlinks to /etc and /, absolute to the secret
        ("open:link_etc/passwd", esc),
        ("readdir:link_etc", esc),
        ("readdir:link_root", esc),
        ("open:link_root/etc/passwd", esc),
        ("open:link_abs", esc),
        ("stat:link_abs", esc),
        // a relative symlink that climbs out, last and middle component
        ("open:link_climb", esc),
        ("stat:link_climb", esc),
        ("open:sub/link_climb2/secret.txt", esc),
        ("readdir:sub/link_climb2", esc),
        ("open:mid_out/secret.txt", esc),
        ("readdir:mid_out", esc),
        ("open:mid/deeper/../../inside.txt", Ok),
        // chains and loops
        ("open:chain1/secret.txt", esc),
        ("readdir:chain1", esc),
        ("open:ok1", Ok),
        ("open:loop1", Err(LOOP)),
        ("open:loop1/x", Err(LOOP)),
        ("open:self_loop", Err(LOOP)),
        ("stat:loop2", Err(LOOP)),
        // dangling symlinks: one inside (creating through it is allowed), one out
        ("open:dangling", Err(NOENT)),
        ("create:dangling_out", esc),
        ("create:dangling", Ok),
        // /proc through an absolute link
        ("open:proc_link/status", esc),
        ("open:proc_link/root/etc/passwd", esc),
        // tree changes through links that leave
        ("mkdir:mid_out/newdir", esc),
        ("mkdir:link_etc/x", esc),
        ("create:mid_out/newfile", esc),
        ("create:sub/link_climb2/newfile", esc),
        ("unlink:mid_out/secret.txt", esc),
        ("rmdir:mid_out/dir", esc),
        ("symlink:inside.txt:mid_out/planted", esc),
        ("symlink:/etc/passwd:planted_abs", esc),
        ("times:link_climb", esc),
        ("times:mid_out/secret.txt", esc),
        // path_rename and path_link with the other end outside
        ("rename:inside.txt:../outside/stolen", esc),
        ("rename:../outside/secret.txt:stolen", esc),
        ("link:../outside/secret.txt:hard_secret", esc),
        ("link:inside.txt:../outside/hard_inside", esc),
        ("rename:inside.txt:mid_out/stolen", esc),
        ("rename:mid_out/secret.txt:stolen", esc),
        ("rename:link_climb:../outside/moved", esc),
        ("link:mid_out/secret.txt:hard_secret", esc),
        ("link:inside.txt:mid_out/hard_inside", esc),
        ("linkf:link_climb:hard_followed", esc),
        ("linkf:link_abs:hard_followed", esc),
        // things that act on the link itself stay inside: allowed
        ("lstat:link_climb", Ok),
        ("readlink:link_climb", Ok),
        ("ltimes:link_climb", Ok),
        ("link:link_climb:hard_to_link", Ok),
        ("open:hard_to_link", esc),
        ("rename:link_abs:renamed_abs", Ok),
        ("open:renamed_abs", esc),
        ("unlink:mid_out", Ok),
        ("open:mid_out/secret.txt", Err(NOENT)),
    ];
    if !Path::new("/proc/self").exists() {
        cases.retain(|(op, _)| !op.contains("proc"));
    }
    if !host_symlinks() {
        cases.retain(|(op, _)| !through_planted_link(op));
    }
    cases.into_iter().map(|(op, w)| (op.to_string(), w)).collect()
}

fn attack_suite(manual: bool) {
    let j = build_jail(if manual { "attack-manual" } else { "attack" });
    let before = snapshot(&j.outside);
    let cases = attacks();
    let ops: Vec<String> = cases.iter().map(|(op, _)| op.clone()).collect();
    let lines = run_ops(&j.jail, "jail", manual, &ops);
    check(&lines, &cases, if manual { "manual resolver" } else { "openat2 resolver" });
    assert_eq!(snapshot(&j.outside), before, "something outside the jail changed");
    // The allowed creation through the inside dangling link made its target.
    if host_symlinks() {
        assert_eq!(std::fs::read_to_string(j.jail.join("nonexistent")).unwrap(), "pwned");
    }
    let _ = std::fs::remove_dir_all(&j.root);
}

/// The same attacks on a mounted copy of the jail: the mount's own
/// resolver refuses each one with the host's errno, and the host (inside
/// the jail too) never changes.
fn attack_mount(how: How) {
    let j = build_jail(&format!("attack-{how:?}"));
    let (before_out, before_jail) = (snapshot(&j.outside), snapshot(&j.jail));
    let cases = attacks();
    let ops: Vec<String> = cases.iter().map(|(op, _)| op.clone()).collect();
    let lines = run_ops_as(&j.jail, "jail", how, &ops);
    check(&lines, &cases, &format!("{how:?} mount"));
    assert_eq!(snapshot(&j.outside), before_out, "something outside the jail changed");
    assert_eq!(snapshot(&j.jail), before_jail, "the mounted copy changed the host's jail");
    let _ = std::fs::remove_dir_all(&j.root);
}

#[test]
fn attacks_on_a_memory_mount() {
    attack_mount(How::Mem);
}

#[test]
fn attacks_on_an_overlay() {
    attack_mount(How::Overlay);
}

#[test]
fn attacks_with_openat2() {
    attack_suite(false);
}

#[test]
fn attacks_with_manual_resolution() {
    attack_suite(true);
}

/// With `/proc` itself preopened, its magic links (`/proc/self/fd/N`,
/// `/proc/self/root`, `/proc/self/cwd`, `/proc/self/exe`) are refused.
fn magic_links(manual: bool) {
    if !Path::new("/proc/self/root").exists() || !host_symlinks() {
        return;
    }
    let mut ops: Vec<String> =
        ["self/root/etc/passwd", "self/root", "self/cwd", "self/exe", "thread-self/root/etc/hostname"]
            .iter()
            .map(|p| format!("open:{p}"))
            .collect();
    for n in 0..8 {
        // stat, not open: fd 1 is the read end of our own stdout pipe, and
        // reading it through an escaped magic link would block.
        ops.push(format!("stat:self/fd/{n}"));
        ops.push(format!("readdir:self/fd/{n}"));
        ops.push(format!("open:self/fd/{n}/../etc/passwd"));
    }
    ops.push("readdir:self/root".into());
    let cases: Vec<(String, Want)> = ops.iter().map(|o| (o.clone(), Want::AnyErr)).collect();
    let lines = run_ops(Path::new("/proc"), "proc", manual, &ops);
    check(&lines, &cases, "magic links");
    // Ordinary files of /proc are still readable: the preopen works.
    let lines = run_ops(Path::new("/proc"), "proc", manual, &["open:self/stat".to_string()]);
    assert!(lines[0].contains("-> ok"), "{lines:?}");
}

#[test]
fn proc_magic_links_with_openat2() {
    magic_links(false);
}

#[test]
fn proc_magic_links_with_manual_resolution() {
    magic_links(true);
}

/// Another thread keeps swapping a directory inside the jail for a symlink
/// to outside (an atomic exchange) while the guest opens a file through it,
/// and creates directories through it, thousands of times.
///
/// Every run must keep the secret in and the outside unchanged. A run in
/// which the guest saw only one side of the swap (the scheduler can put
/// the two threads in step on a loaded machine) proves nothing about the
/// race, so it is repeated, up to five times, until both sides were seen.
// FreeBSD has no RENAME_EXCHANGE to race with.
#[cfg(not(target_os = "freebsd"))]
fn race(manual: bool) {
    if !host_symlinks() {
        return;
    }
    for attempt in 1..=5 {
        let tag = format!("race-{}-{attempt}", if manual { "manual" } else { "openat2" });
        let (counts, swaps, lines) = race_once(&tag, manual);
        if counts["inside"] > 0 && counts["errors"] > 0 {
            return;
        }
        eprintln!("attempt {attempt}: no interleaving seen ({swaps} swaps): {lines:?}");
    }
    panic!("no interleaving seen in five runs: the race test did not race");
}

// FreeBSD has no RENAME_EXCHANGE to race with.
#[cfg(not(target_os = "freebsd"))]
fn race_once(tag: &str, manual: bool) -> (BTreeMap<String, u64>, u64, Vec<String>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let j = build_jail(tag);
    std::fs::write(j.outside.join("target"), SECRET).unwrap();
    std::fs::create_dir(j.jail.join("race")).unwrap();
    std::fs::write(j.jail.join("race/target"), "inside-race").unwrap();
    symlink(&j.outside, j.jail.join("race_alt")).unwrap();
    let before = snapshot(&j.outside);

    let stop = Arc::new(AtomicBool::new(false));
    // Stops the swapper even if an assertion below fails.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _stop_on_exit = Stop(stop.clone());
    let swapper = {
        let (stop, jail) = (stop.clone(), j.jail.clone());
        std::thread::spawn(move || {
            let dir = rustix::fs::open(&jail, rustix::fs::OFlags::DIRECTORY, rustix::fs::Mode::empty()).unwrap();
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(&dir, "race", &dir, "race_alt", rustix::fs::RenameFlags::EXCHANGE).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let lines = run_ops(&j.jail, "jail", manual, &["race:race/target:5000".to_string()]);
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(lines[0].contains("other=0"), "{lines:?}");
    let counts: BTreeMap<String, u64> = lines[0]
        .rsplit("ok ")
        .next()
        .unwrap()
        .split_whitespace()
        .map(|kv| kv.split_once('=').unwrap())
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
        .collect();
    assert_eq!(counts["inside"] + counts["errors"], 5000, "{lines:?}");
    assert_eq!(snapshot(&j.outside), before, "something outside the jail changed");
    let _ = std::fs::remove_dir_all(&j.root);
    (counts, swaps, lines)
}

// FreeBSD has no RENAME_EXCHANGE to race with.
#[cfg(not(target_os = "freebsd"))]
#[test]
fn swap_race_with_openat2() {
    race(false);
}

// FreeBSD has no RENAME_EXCHANGE to race with.
#[cfg(not(target_os = "freebsd"))]
#[test]
fn swap_race_with_manual_resolution() {
    race(true);
}
