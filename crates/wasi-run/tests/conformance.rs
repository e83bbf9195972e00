//! Runs every conformance program under `wasi-testsuite/programs` through
//! the real `wasi-run` binary and checks it against the `.json` beside it.
//!
//! The `.json` format is the official wasi-testsuite's (`args`, `env`,
//! `dirs`, `exit_code`, `stdout`, `stderr`), with these additions:
//!
//! - `program`: the program to run, when several expectations share one
//!   (default: the `.json` file's stem);
//! - `dirs`: each entry `FIXTURE[::GUEST]` copies `programs/fixtures/FIXTURE`
//!   to a fresh directory and preopens it as GUEST (default FIXTURE);
//!   `@empty` is an empty directory;
//! - `flags`: extra `wasi-run` options; `host_env`: variables set in
//!   `wasi-run`'s own environment; `stdin`: text fed to stdin;
//! - `stdout_contains` / `stderr_contains`: substrings, for output that is
//!   not fixed;
//! - `both_resolvers` (default: true when `dirs` is non-empty): run once
//!   with each path resolver (openat2 and the manual fallback);
//! - `host_readonly`: the copied fixtures lose their write permission, so
//!   the guest's user may only read them (the host's own access control,
//!   not a `::ro` mount).
//! - `mounts` (default: true when `dirs` is non-empty and not
//!   `host_readonly`): run twice more with each directory mounted instead
//!   of preopened from the host: as an in-memory copy (`--mount mem:`),
//!   and as an overlay (`--mount overlay:`), after which the host copy
//!   must be exactly as it was.
//!
//! Every case runs as an unprivileged user: when the tests run as root,
//! `wasi-run` is started as uid/gid 65534 (`setpriv`) and the fixtures are
//! handed to it, since root passes every permission check and would hide
//! permission bugs.
//!
//! `stdout` and `stderr`, when absent, are not checked.

mod common;

use common::{
    c_guest, copy_tree, give_to_test_user, go_guest, make_read_only, make_writable, programs, rust_guests, scratch,
    snapshot, wasi_run_unprivileged, zig_guest,
};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    exit_code: i32,
    stdout: Option<String>,
    stderr: Option<String>,
    #[serde(default)]
    stdout_contains: Vec<String>,
    #[serde(default)]
    stderr_contains: Vec<String>,
    program: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    host_env: BTreeMap<String, String>,
    stdin: Option<String>,
    both_resolvers: Option<bool>,
    #[serde(default)]
    host_readonly: bool,
    mounts: Option<bool>,
}

/// How a case's directories reach the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `--dir`, with the default resolver.
    Host,
    /// `--dir` with `--path-resolution manual`.
    Manual,
    /// `--mount mem:` (an in-memory copy).
    Mem,
    /// `--mount overlay:` (the host copy must not change).
    Overlay,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Rust,
    C,
    Go,
    Zig,
    Wat,
}

impl Lang {
    fn dir(self) -> &'static str {
        match self {
            Lang::Rust => "rust/src/bin",
            Lang::C => "c",
            Lang::Go => "go",
            Lang::Zig => "zig",
            Lang::Wat => "wat",
        }
    }

    /// The program names in this language's directory.
    fn programs(self) -> Vec<String> {
        let dir = programs().join(self.dir());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let e = e.unwrap();
                let p = e.path();
                let name = p.file_stem()?.to_str()?.to_owned();
                let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
                let is_program = match self {
                    Lang::Rust => ext == "rs",
                    Lang::C => ext == "c",
                    Lang::Zig => ext == "zig",
                    Lang::Wat => ext == "wat",
                    Lang::Go => e.file_type().unwrap().is_dir(),
                };
                is_program.then_some(name)
            })
            .collect();
        names.sort();
        names
    }

    fn build(self, program: &str) -> Result<PathBuf, String> {
        let path = match self {
            Lang::Rust => rust_guests()?.join(format!("{program}.wasm")),
            Lang::C => c_guest(program)?,
            Lang::Go => go_guest(program)?,
            Lang::Zig => zig_guest(program)?,
            Lang::Wat => programs().join("wat").join(format!("{program}.wat")),
        };
        if path.exists() { Ok(path) } else { Err(format!("no program {program} ({})", path.display())) }
    }
}

/// Every `.json` of a language: (test name, program, spec).
fn specs(lang: Lang) -> Vec<(String, String, Spec)> {
    let dir = programs().join(lang.dir());
    let mut jsons: Vec<PathBuf> =
        walk(&dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    jsons.sort();
    jsons
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let spec: Spec = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let program = spec.program.clone().unwrap_or_else(|| match lang {
                // A Go program's .json sits in its directory.
                Lang::Go => path.parent().unwrap().file_name().unwrap().to_str().unwrap().to_owned(),
                _ => stem.clone(),
            });
            (stem, program, spec)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn run_case(lang: Lang, program: &str, spec: &Spec, mode: Mode) -> Result<(), Failed> {
    let wasm = lang.build(program)?;
    let work = scratch(program);
    let mut cmd = wasi_run_unprivileged();
    if mode == Mode::Manual {
        cmd.args(["--path-resolution", "manual"]);
    }
    let mut before = Vec::new();
    for d in &spec.dirs {
        let (fixture, guest) = d.split_once("::").unwrap_or((d, d));
        let host = work.join(format!("mnt{}", cmd.get_args().count()));
        if fixture == "@empty" {
            std::fs::create_dir_all(&host).unwrap();
        } else {
            let src = programs().join("fixtures").join(fixture);
            if !src.is_dir() {
                return Err(format!("missing fixture {}", src.display()).into());
            }
            copy_tree(&src, &host);
        }
        give_to_test_user(&host);
        if spec.host_readonly {
            make_read_only(&host);
        }
        match mode {
            Mode::Host | Mode::Manual => cmd.arg("--dir").arg(format!("{}::{guest}", host.display())),
            Mode::Mem => cmd.arg("--mount").arg(format!("mem:{}::{guest}", host.display())),
            Mode::Overlay => {
                before.push((host.clone(), snapshot(&host)));
                cmd.arg("--mount").arg(format!("overlay:{}::{guest}", host.display()))
            }
        };
    }
    for (k, v) in &spec.env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.args(&spec.flags);
    cmd.envs(&spec.host_env);
    cmd.arg(&wasm).args(&spec.args);
    cmd.stdin(if spec.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    if let Some(input) = &spec.stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(spec.exit_code) {
        problems.push(format!("exit status {:?}, want {}", out.status.code(), spec.exit_code));
    }
    if let Some(want) = &spec.stdout {
        if stdout != *want {
            problems.push(format!("stdout {stdout:?}, want {want:?}"));
        }
    }
    if let Some(want) = &spec.stderr {
        if stderr != *want {
            problems.push(format!("stderr {stderr:?}, want {want:?}"));
        }
    }
    for want in &spec.stdout_contains {
        if !stdout.contains(want.as_str()) {
            problems.push(format!("stdout {stdout:?} lacks {want:?}"));
        }
    }
    for want in &spec.stderr_contains {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr {stderr:?} lacks {want:?}"));
        }
    }
    for (host, was) in before {
        if snapshot(&host) != was {
            problems.push(format!("the overlay changed the host directory {}", host.display()));
        }
    }
    if problems.is_empty() {
        make_writable(&work);
        let _ = std::fs::remove_dir_all(&work);
        Ok(())
    } else {
        problems.push(format!("stderr was: {stderr}"));
        Err(problems.join("\n").into())
    }
}

/// The source of the other integration tests, which drive some programs.
fn driven_by_tests() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    walk(&dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let langs = [Lang::Rust, Lang::C, Lang::Go, Lang::Zig, Lang::Wat];
    for lang in langs {
        for (name, program, spec) in specs(lang) {
            let both = spec.both_resolvers.unwrap_or(!spec.dirs.is_empty());
            let mounts = spec.mounts.unwrap_or(!spec.dirs.is_empty() && !spec.host_readonly);
            let kind = format!("{lang:?}").to_lowercase();
            let mut modes = vec![(Mode::Host, "")];
            if both {
                modes.push((Mode::Manual, "::manual"));
            }
            if mounts {
                modes.extend([(Mode::Mem, "::mem"), (Mode::Overlay, "::overlay")]);
            }
            for (mode, suffix) in modes {
                let (s, p) = (spec.clone(), program.clone());
                trials.push(Trial::test(format!("{kind}::{name}{suffix}"), move || run_case(lang, &p, &s, mode)));
            }
        }
    }
    // Every program has at least one expectation (a .json, or a test in
    // tests/*.rs that names it), and every expectation a program.
    trials.push(Trial::test("every_program_has_a_json", move || {
        let mut missing = Vec::new();
        for lang in langs {
            let used: Vec<String> = specs(lang).into_iter().map(|(_, p, _)| p).collect();
            let driven = driven_by_tests();
            for p in lang.programs() {
                if !used.contains(&p) && !driven.contains(&format!("\"{p}\"")) {
                    missing.push(format!("{}/{p}", lang.dir()));
                }
            }
            for p in used {
                if !lang.programs().contains(&p) {
                    missing.push(format!("{}/{p}.json names no program", lang.dir()));
                }
            }
        }
        if missing.is_empty() { Ok(()) } else { Err(format!("without expectations: {missing:?}").into()) }
    }));
    libtest_mimic::run(&args, trials).exit();
}
