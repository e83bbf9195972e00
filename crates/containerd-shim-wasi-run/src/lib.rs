//! A containerd shim that runs WASI preview1 containers on wasi-run, built
//! on runwasi (`containerd-shim-wasm`): Kubernetes schedules a pod on it by
//! a `RuntimeClass` (docs/kubernetes.md).
//!
//! runwasi's container support (youki's libcontainer) makes the container:
//! its namespaces, cgroup, root file system and mounts, and containerd's
//! FIFOs as its standard input and output. It then calls
//! [`Sandbox::run_wasi`] inside the container, where this crate runs the
//! module with the wasi-run library as `wasi-run` would: the container's
//! root (and each of its own mounts) preopened, the process's arguments and
//! environment, stdio, the cgroup's memory limit as the guest's, and a
//! backtrace on a trap.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::sandbox::context::{Entrypoint, RuntimeContext, Source};
use containerd_shim_wasm::shim::{Shim, Version, version};
use wasi_preview1::NetPolicy;
use wasi_preview1::unix::{UnixSystem, UnixSystemBuilder};
use wasi_wasmi::diagnostics::{self, Options};
use wasi_wasmi::{Exit, Limits, Run, engine_config_for};

/// The shim: `containerd-shim-wasi-run-v1`, runtime `io.containerd.wasirun.v1`
/// (installed as `containerd-shim-wasirun-v1`) or `io.containerd.wasi-run.v1`.
#[derive(Debug)]
pub struct WasiRunShim;

/// Runs one container's module.
#[derive(Debug, Default)]
pub struct WasiRunSandbox;

impl Shim for WasiRunShim {
    type Sandbox = WasiRunSandbox;

    fn name() -> &'static str {
        "wasirun"
    }

    fn version() -> Version {
        version!()
    }
}

/// The exit status of a guest that trapped (as `wasi-run`'s: SIGABRT's).
pub const TRAP_STATUS: i32 = 134;

/// The container variable that grants the guest sockets of its own (the
/// WasmEdge socket calls), by `wasi-run --allow-net`'s rules. Without it the
/// guest has no network.
pub const ALLOW_NET_ENV: &str = "WASI_RUN_ALLOW_NET";

impl Sandbox for WasiRunSandbox {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> Result<i32> {
        end_on_signals()?;
        let Entrypoint { source, func, name, arg0 } = ctx.entrypoint();
        let bytes = source.as_bytes().context("cannot read the module")?;
        let wasm = match &source {
            Source::File(path) if !bytes.starts_with(b"\0asm") => {
                wat::parse_bytes(&bytes).with_context(|| format!("{} is not a WebAssembly module", path.display()))?
            }
            _ => bytes,
        };
        let module_name = match (&source, &name) {
            (Source::File(path), _) => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            (Source::Oci(_), Some(name)) => format!("{name}.wasm"),
            (Source::Oci(_), None) => String::new(),
        };
        let limits = Limits { max_memory: memory_limit(), ..Limits::default() };
        let config = engine_config_for(&limits);
        check_module(&wasm)?;
        let options = Options::new(module_name);
        let prepared = match diagnostics::prepare(&wasm, &options) {
            Ok(p) => Some(p),
            Err(why) if why.invalid => None,
            Err(why) => {
                report(&format!("wasi-run: note: backtraces are off for this module: {why}"));
                None
            }
        };
        let (engine, module) = match &prepared {
            Some(p) => p.compile(&config),
            None => {
                let engine = wasmi::Engine::new(&config);
                wasmi::Module::new(&engine, &wasm[..]).map(|m| (engine, m))
            }
        }
        .context("invalid module")?;
        drop(wasm);
        let map = prepared.map(|p| p.map);
        let system = system(ctx.args(), ctx.envs(), arg0)?;
        let mut run = Run::new(&engine, &module).limits(limits);
        if let Some(map) = &map {
            run = run.diagnostics(map.clone());
        }
        let run = if func == "_start" { run } else { run.invoke(&func, &[]) };
        let finished = run.run(system).context("cannot run the module")?;
        Ok(match &finished.exit {
            // The low eight bits, as for a native process.
            Exit::Code(code) => code & 0xff,
            Exit::Trap(trap) => {
                let mut report = format!("wasi-run: trap: {}", trap.error);
                if let Some(bt) = trap.backtrace.as_ref().filter(|b| !b.frames.is_empty()) {
                    report = format!("{report}\n{bt}");
                }
                self::report(&report);
                TRAP_STATUS
            }
            other => {
                report(&format!("wasi-run: the guest ended: {other:?}"));
                TRAP_STATUS
            }
        })
    }
}

/// Writes a line to the container's stderr (its log). Straight to fd 2:
/// `eprintln!` goes where a test harness captures it when the container's
/// process is forked from a test.
fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Ends the container at SIGTERM, SIGINT or SIGHUP (`ctr task kill`,
/// Kubernetes stopping a pod) with status 128 + the signal, as a native
/// process dies of one, wherever the guest is: computing, or blocked in a
/// read or a sleep. The container's process is often the first of its PID
/// namespace, to which the kernel delivers only the signals it handles, so
/// without these it would ignore them until SIGKILL. Like `wasi-run
/// --timeout`, it ends the whole process: a container runs one guest.
fn end_on_signals() -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]).context("signal handlers")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                std::process::exit(128 + signal);
            }
        })
        .context("signal thread")?;
    Ok(())
}

/// The guest's system: its arguments (the first without `#function`), the
/// container's environment, this process's stdio (containerd's FIFOs), the
/// container's root and mounts as preopens, and sockets only if granted.
fn system(args: &[String], envs: &[String], arg0: Option<&Path>) -> Result<UnixSystem> {
    let mut b = UnixSystem::builder();
    let first = arg0.map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let first = first.split_once('#').map_or(first.as_str(), |(path, _)| path).to_owned();
    b = b.arg(first.as_bytes());
    for a in args.iter().skip(1) {
        b = b.arg(a.as_bytes());
    }
    let mut net = None;
    for e in envs {
        let (k, v) = e.split_once('=').unwrap_or((e, ""));
        if k.is_empty() {
            continue;
        }
        if k == ALLOW_NET_ENV {
            net = Some(NetPolicy::parse(v).map_err(|e| anyhow::anyhow!("{ALLOW_NET_ENV}: {e}"))?);
        }
        b = b.env(k.as_bytes(), v.as_bytes());
    }
    b = stdio(b);
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").map(|t| preopens(&t)).unwrap_or_default();
    let root_readonly = mounts.iter().any(|m| m.path == Path::new("/") && m.readonly);
    b = preopen(b, Path::new("/"), root_readonly)?;
    for m in mounts.iter().filter(|m| m.path != Path::new("/")) {
        // A mount that is not a directory (a file bound over one) is
        // reached through its parent, and so is one that cannot be opened
        // (the guest then meets the kernel's answer there).
        if m.path.is_dir() {
            match wasi_preview1::unix::open_dir(&m.path) {
                Ok(dir) => b = with_dir(b, dir, &m.path, m.readonly),
                Err(e) => report(&format!("wasi-run: note: {} is not preopened: {e}", m.path.display())),
            }
        }
    }
    if let Some(policy) = net {
        b = b.network(policy);
    }
    b.build().context("the guest's system")
}

fn preopen(b: UnixSystemBuilder, path: &Path, readonly: bool) -> Result<UnixSystemBuilder> {
    let dir = wasi_preview1::unix::open_dir(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(with_dir(b, dir, path, readonly))
}

fn with_dir(b: UnixSystemBuilder, dir: OwnedFd, path: &Path, readonly: bool) -> UnixSystemBuilder {
    let guest = path.to_string_lossy().into_owned();
    if readonly { b.preopen_dir_readonly(dir, guest) } else { b.preopen_dir(dir, guest) }
}

/// Gives the guest duplicates of this process's stdio, where open.
fn stdio(mut b: UnixSystemBuilder) -> UnixSystemBuilder {
    let dup = |fd: BorrowedFd<'_>| -> Option<OwnedFd> { rustix::io::fcntl_dupfd_cloexec(fd, 3).ok() };
    if let Some(fd) = dup(rustix::stdio::stdin()) {
        b = b.stdin(fd);
    }
    if let Some(fd) = dup(rustix::stdio::stdout()) {
        b = b.stdout(fd);
    }
    if let Some(fd) = dup(rustix::stdio::stderr()) {
        b = b.stderr(fd);
    }
    b
}

/// A mount of the container that the guest gets as a preopen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted in the container.
    pub path: PathBuf,
    /// Mounted read-only (the OCI mount's `ro` option, or a read-only root).
    pub readonly: bool,
}

/// File systems that are the kernel's view of the container, not its data.
const PSEUDO: &[&str] =
    &["proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "devtmpfs", "securityfs", "debugfs", "tracefs", "bpf"];

/// The container's root and its mounts of data, from `/proc/self/mountinfo`
/// text: everything but the kernel's file systems and what is mounted under
/// `/proc`, `/sys` and `/dev`. A mount point mounted over again counts as its
/// last mount.
#[must_use]
pub fn preopens(mountinfo: &str) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::new();
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|&f| f == "-") else { continue };
        let (Some(point), Some(opts), Some(fstype)) = (fields.get(4), fields.get(5), fields.get(sep + 1)) else {
            continue;
        };
        let path = PathBuf::from(unescape(point));
        let under = |top: &str| path.starts_with(top);
        if PSEUDO.contains(fstype) || under("/proc") || under("/sys") || under("/dev") {
            continue;
        }
        let readonly = opts.split(',').any(|o| o == "ro");
        out.retain(|m| m.path != path);
        out.push(Mount { path, readonly });
    }
    out
}

/// A mountinfo path, whose space, tab, newline and backslash are octal
/// escapes (`\040`).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The container's memory limit (its cgroup's, which the pod's
/// `resources.limits.memory` sets) as the guest's memory limit, so that a
/// guest asking for more sees `memory.grow` fail rather than the container
/// killed. `None` where the container sees no cgroup file system (`ctr run`
/// mounts none; Kubernetes mounts the container's own) or no limit.
fn memory_limit() -> Option<usize> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    limit_files(&cgroups).iter().find_map(|p| std::fs::read_to_string(p).ok()).and_then(|t| parse_limit(&t))
}

/// Where the memory limit of the cgroup that `/proc/self/cgroup` text names
/// may be read, most specific first: under the cgroup's path in the
/// hierarchy (cgroup v2's `memory.max`, or v1's `memory.limit_in_bytes`),
/// then at the root of the mount (a cgroup namespace shows the container's
/// own cgroup there).
#[must_use]
pub fn limit_files(proc_self_cgroup: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for line in proc_self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let relative = path.trim_start_matches('/');
        if controllers.is_empty() {
            out.push(Path::new("/sys/fs/cgroup").join(relative).join("memory.max"));
            out.push(PathBuf::from("/sys/fs/cgroup/memory.max"));
        } else if controllers.split(',').any(|c| c == "memory") {
            out.push(Path::new("/sys/fs/cgroup/memory").join(relative).join("memory.limit_in_bytes"));
            out.push(PathBuf::from("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
        }
    }
    // v1's memory controller before the unified hierarchy's (hybrid systems
    // list both; the limit is the controller's).
    out.sort_by_key(|p| p.ends_with("memory.max"));
    out
}

/// A cgroup memory limit file's value: bytes, or `None` for `max` (v2) or
/// v1's "no limit" (a page-rounded `i64::MAX`).
#[must_use]
pub fn parse_limit(text: &str) -> Option<usize> {
    let v: u64 = text.trim().parse().ok()?;
    (v < (1 << 62)).then(|| usize::try_from(v).unwrap_or(usize::MAX))
}

/// Refuses what the shim cannot run, with the reason in the container's
/// log: a component (wasi-run runs preview1 core modules).
pub fn check_module(bytes: &[u8]) -> Result<()> {
    if bytes.starts_with(b"\0asm") && bytes.get(4..8) == Some(&[0x0d, 0x00, 0x01, 0x00][..]) {
        bail!("a WebAssembly component: wasi-run runs core modules (WASI preview1, wasm32-wasip1)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_gives_the_root_and_data_mounts_with_their_modes() {
        let text = "\
1 0 0:30 / / ro,relatime - overlay overlay rw,lowerdir=/l
2 1 0:5 / /proc rw,nosuid - proc proc rw
3 1 0:6 / /dev rw,nosuid - tmpfs tmpfs rw
4 3 0:7 / /dev/pts rw - devpts devpts rw
5 1 0:8 / /sys ro - sysfs sysfs ro
6 5 0:9 / /sys/fs/cgroup ro - cgroup2 cgroup rw
7 1 8:1 /srv/data /data ro,relatime - ext4 /dev/sda1 rw
8 1 8:1 /srv/out /my\\040out rw,relatime - ext4 /dev/sda1 rw
9 1 0:10 / /run rw - tmpfs tmpfs rw
10 1 8:1 /srv/data2 /data rw - ext4 /dev/sda1 rw
";
        let got = preopens(text);
        let want = [("/", true), ("/my out", false), ("/run", false), ("/data", false)];
        let want: Vec<Mount> = want.iter().map(|&(p, ro)| Mount { path: p.into(), readonly: ro }).collect();
        assert_eq!(got, want);
        assert!(preopens("garbage\n\n1 2 3\n").is_empty());
    }

    #[test]
    fn cgroup_limits_read_as_bytes_or_none() {
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit("67108864\n"), Some(64 << 20));
        assert_eq!(parse_limit(""), None);
    }

    #[test]
    fn the_limit_is_read_where_the_cgroup_is() {
        let hybrid = "4:memory:/wasirun-e2e/c1\n1:cpu:/wasirun-e2e/c1\n0::/\n";
        let want: Vec<PathBuf> = [
            "/sys/fs/cgroup/memory/wasirun-e2e/c1/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory.max",
            "/sys/fs/cgroup/memory.max",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(limit_files(hybrid), want);
        let unified = "0::/kubepods/pod1/c1\n";
        assert_eq!(limit_files(unified)[0], Path::new("/sys/fs/cgroup/kubepods/pod1/c1/memory.max"));
        assert!(limit_files("").is_empty());
    }

    #[test]
    fn components_are_refused() {
        assert!(check_module(b"\0asm\x0d\0\x01\0").is_err());
        assert!(check_module(b"\0asm\x01\0\0\0").is_ok());
    }
}
