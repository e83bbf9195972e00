//! What a container costs over running the guest with the `wasi-run` CLI
//! (docs/kubernetes.md): time from start to the guest's first line of
//! output, and the memory of the shim's processes beside the CLI's for a
//! guest asleep.
//!
//! Needs root, a containerd with the shim, and the CLI's release build:
//!
//! ```sh
//! cargo build --release -p wasi-run
//! cd crates/containerd-shim-wasi-run && cargo build --release
//! tools/with-containerd cargo bench --bench overhead
//! ```

#[path = "../tests/common.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{NAMESPACE, ROOTFS_IMAGE, RUNTIME, ctr, images, scratch};

const RUNS: usize = 11;

/// Spawns `cmd` and the time to its first line of output, and the child.
fn first_line(mut cmd: Command) -> (Duration, Child, String) {
    let start = Instant::now();
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (start.elapsed(), child, line)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A process's resident and proportional set sizes, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let field = |file: &str, name: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().trim_end_matches(" kB").parse().ok()))
            .unwrap_or(0)
    };
    (field("status", "VmRSS:"), field("smaps_rollup", "Pss:"))
}

/// The pids of the shim's processes serving container `id` (its server and
/// runwasi's zygote, whose command lines name it), and of the container's
/// own process (forked from the shim, so with the same command line).
fn container_pids(id: &str) -> (Vec<u32>, u32) {
    let mut shim = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        // containerd starts the shim by its link; the shim starts its
        // server from its own path (the link resolved).
        let is_shim = args
            .first()
            .is_some_and(|a| a.ends_with(b"containerd-shim-wasirun-v1") || a.ends_with(b"containerd-shim-wasi-run-v1"));
        if is_shim && args.windows(2).any(|w| w[0] == b"-id" && w[1] == id.as_bytes()) {
            shim.push(pid);
        }
    }
    let out = ctr().args(["task", "ls"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let task = text
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&id)).then(|| f[1].parse().unwrap())
        })
        .expect("the task");
    shim.retain(|&p| p != task);
    (shim, task)
}

fn main() {
    let cli: PathBuf = std::env::var_os("WASI_RUN_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/wasi-run"));
    assert!(cli.exists(), "no CLI at {} (cargo build --release -p wasi-run)", cli.display());
    images();
    let wasm = scratch().join("probe.wasm");
    std::fs::write(&wasm, common::probe()).unwrap();

    let mut container = Vec::new();
    let mut direct = Vec::new();
    for i in 0..RUNS {
        let mut c = ctr();
        c.args(["run", "--rm", "--runtime", RUNTIME, ROOTFS_IMAGE, &format!("hello-{i}"), "/probe.wasm"]);
        let (t, mut child, line) = first_line(c);
        assert_eq!(line, "hello from wasi-run\n");
        child.wait().unwrap();
        container.push(t);
        let mut c = Command::new(&cli);
        c.arg(&wasm);
        let (t, mut child, line) = first_line(c);
        assert_eq!(line, "hello from wasi-run\n");
        child.wait().unwrap();
        direct.push(t);
    }

    let mut c = ctr();
    c.args(["run", "--rm", "--runtime", RUNTIME, ROOTFS_IMAGE, "sleeper", "/probe.wasm", "sleep"]);
    let (_, mut sleeper, _) = first_line(c);
    let (shim, task) = container_pids("sleeper");
    let shim_processes = shim.len();
    let (shim_rss, shim_pss) = shim.iter().map(|&p| memory(p)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let (task_rss, task_pss) = memory(task);
    ctr().args(["task", "kill", "-s", "SIGKILL", "sleeper"]).status().unwrap();
    sleeper.wait().unwrap();
    let mut c = Command::new(&cli);
    c.arg(&wasm).arg("sleep");
    let (_, mut alone, _) = first_line(c);
    let (cli_rss, cli_pss) = memory(alone.id());
    alone.kill().unwrap();
    alone.wait().unwrap();

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    let mib = |k: u64| format!("{:.1} MiB", k as f64 / 1024.0);
    println!("| | `wasi-run` (the CLI) | a container (`ctr run`, the shim) |");
    println!("| --- | --- | --- |");
    println!(
        "| start to the guest's first line (median of {RUNS}) | {} | {} |",
        ms(median(direct)),
        ms(median(container))
    );
    println!(
        "| a sleeping guest's process: RSS / PSS | {} / {} | {} / {} |",
        mib(cli_rss),
        mib(cli_pss),
        mib(task_rss),
        mib(task_pss)
    );
    println!(
        "| the shim's own {shim_processes} processes (per container): RSS / PSS | | {} / {} |",
        mib(shim_rss),
        mib(shim_pss)
    );
    println!("\n(namespace {NAMESPACE}; containerd {})", {
        let out = ctr().arg("version").output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Version:"))
            .nth(1)
            .unwrap_or("?")
            .trim()
            .to_owned()
    });
}
