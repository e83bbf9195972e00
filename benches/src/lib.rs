//! Shared by the benches and the comparison: a store running a `.wat`
//! fixture on a [`UnixSystem`] with the host calls registered.

use std::os::fd::OwnedFd;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{WasiCtx, add_to_linker, engine_config};
use wasmi::{Engine, Instance, Linker, Module, Store};

/// An instantiated fixture.
#[derive(Debug)]
pub struct Fixture {
    /// The store, holding the host context.
    pub store: Store<WasiCtx<UnixSystem>>,
    /// The instantiated fixture module.
    pub instance: Instance,
}

fn open(path: &str, flags: rustix::fs::OFlags) -> OwnedFd {
    rustix::fs::open(path, flags | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty()).expect(path)
}

impl Fixture {
    /// Instantiates `wat` with stdin `/dev/zero`, stdout `/dev/null`, and
    /// `dir` preopened as fd 3.
    pub fn new(wat: &str, dir: &std::path::Path) -> Fixture {
        let engine = Engine::new(&engine_config());
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()[..]).unwrap();
        let system = UnixSystem::builder()
            .stdin(open("/dev/zero", rustix::fs::OFlags::RDONLY))
            .stdout(open("/dev/null", rustix::fs::OFlags::WRONLY))
            .preopen_dir(open(dir.to_str().unwrap(), rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY), "dir")
            .build()
            .unwrap();
        let mut store = Store::new(&engine, WasiCtx::new(system));
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |ctx| ctx).unwrap();
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        Fixture { store, instance }
    }

    /// Calls export `name` with `args`.
    pub fn call(&mut self, name: &str, args: &[wasmi::Val]) {
        let f = self.instance.get_func(&self.store, name).unwrap();
        f.call(&mut self.store, args, &mut []).unwrap();
    }
}

/// The host-call fixture.
pub const HOST_CALLS_WAT: &str = include_str!("../fixtures/host_calls.wat");

/// A directory of `n` empty files, made fresh.
pub fn dir_with_entries(name: &str, n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-run-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(format!("entry-{i:05}")), b"").unwrap();
    }
    dir
}

/// What the comparisons (`compare`, `diagnostics`) share: running tools,
/// medians, the machine's description.
pub mod tools {
    use std::process::Command;

    /// Runs `cmd`, which must succeed.
    pub fn run_checked(cmd: &mut Command, what: &str) {
        let status = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(status.success(), "{what} failed: {status}");
    }

    /// Runs `cmd` (stdin empty, stdout dropped), which must succeed: its
    /// stderr, wall time (seconds) and peak resident memory (KiB).
    // The child is reaped by wait4 (for its rusage), which clippy cannot see.
    #[allow(clippy::zombie_processes)]
    pub fn run_measured(mut cmd: Command) -> (String, f64, i64) {
        use std::io::Read;
        use std::process::Stdio;
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let start = std::time::Instant::now();
        let mut child = cmd.spawn().expect("spawn");
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let (mut status, pid) = (0, child.id() as libc::pid_t);
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
        #[allow(unsafe_code)]
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not yet waited for; both pointers
        // point to live locals.
        #[allow(unsafe_code)]
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let wall = start.elapsed().as_secs_f64();
        assert_eq!(r, pid, "wait4");
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed: {err}");
        (err, wall, usage.ru_maxrss)
    }

    /// A `cargo` command (the one running this, if any).
    pub fn cargo() -> Command {
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
    }

    /// The median of `v` (sorted in place).
    pub fn median(v: &mut [f64]) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
    }

    /// The CPU, cores, kernel, rustc and Node versions.
    pub fn machine() -> String {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let version = |cmd: &str, arg: &str| {
            Command::new(cmd)
                .arg(arg)
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_owned())
        };
        let kernel = version("uname", "-r").unwrap_or_default();
        let rustc = version("rustc", "--version").unwrap_or_default();
        let node = version("node", "--version").map_or("not installed".into(), |v| format!("Node {v}"));
        format!("{cpu}, {cores} cores, Linux {kernel}; {rustc}; {node}")
    }

    /// Puts `table` into the document `doc` between the lines `<!-- NAME:begin -->`
    /// and `<!-- NAME:end -->` (appended with them when it has none).
    pub fn write_table(doc: &std::path::Path, name: &str, table: &str) {
        let text = std::fs::read_to_string(doc).unwrap_or_default();
        let (begin, end) = (format!("<!-- {name}:begin -->"), format!("<!-- {name}:end -->"));
        let new = match (text.find(&begin), text.find(&end)) {
            (Some(b), Some(e)) => format!("{}{begin}\n{table}\n{}", &text[..b], &text[e..]),
            _ => format!("{text}\n{begin}\n{table}\n{end}\n"),
        };
        std::fs::write(doc, new).unwrap();
        eprintln!("wrote {}", doc.display());
    }
}
