//! `wasi-run`: run a WASI preview1 program from the shell.
//!
//! This binary is the only place that touches ambient host authority: it
//! opens the directories named by `--dir`, reads the host environment for
//! `--env NAME` and `--env-inherit`, and hands the guest duplicates of its
//! own stdio. Everything else is done through the capabilities it passes
//! to the library.

use clap::Parser;
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;
use wasi_preview1::unix::{UnixSystem, sandbox::Resolver};
use wasi_wasmi::{Exit, engine_config, run_command};
use wasmi::{Engine, Module};

/// The exit status after a trap (128 + SIGABRT, as a native abort).
const TRAP_STATUS: u8 = 134;
/// The exit status when the module cannot be read, compiled or linked.
const MODULE_ERROR_STATUS: u8 = 1;
/// The exit status for bad command-line input.
const USAGE_STATUS: u8 = 2;

/// Run a WebAssembly program that uses WASI preview1, on an interpreter.
#[derive(Parser, Debug)]
#[command(name = "wasi-run", version, about, max_term_width = 100)]
struct Cli {
    /// Give the guest the host directory HOST, named GUEST (default: HOST).
    /// Append `::ro` to mount it read-only. Repeatable; preopens are
    /// numbered from fd 3 in order.
    #[arg(long = "dir", value_name = "HOST[::GUEST][::ro]")]
    dirs: Vec<String>,

    /// Set NAME=VALUE in the guest's environment, or with NAME alone pass
    /// the host's value of NAME. Repeatable.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    envs: Vec<OsString>,

    /// Pass the whole host environment to the guest (`--env` still
    /// overrides single variables).
    #[arg(long = "env-inherit")]
    env_inherit: bool,

    /// How guest paths are resolved beneath preopens: `auto` (openat2
    /// where the kernel has it) or `manual` (one component at a time).
    #[arg(long = "path-resolution", value_name = "MODE", default_value = "auto", hide = true)]
    path_resolution: ResolutionArg,

    /// The program: a `.wasm` binary or `.wat` text module.
    #[arg(value_name = "MODULE")]
    module: PathBuf,

    /// Arguments for the program (its `argv[0]` is MODULE as given).
    #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ResolutionArg {
    Auto,
    Manual,
}

/// A one-line error and the status to exit with.
struct Failure(u8, String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(status, message)) => {
            eprintln!("wasi-run: {message}");
            ExitCode::from(status)
        }
    }
}

/// A duplicate of one of this process's stdio fds, if it is open.
fn dup_stdio(fd: std::os::fd::BorrowedFd<'_>) -> Option<OwnedFd> {
    rustix::io::fcntl_dupfd_cloexec(fd, 3).ok()
}

/// Splits `HOST[::GUEST][::ro]`.
fn parse_dir(spec: &str) -> Result<(&str, &str, bool), Failure> {
    let (rest, readonly) = match spec.strip_suffix("::ro") {
        Some(rest) => (rest, true),
        None => (spec, false),
    };
    let (host, guest) = rest.split_once("::").unwrap_or((rest, rest));
    if host.is_empty() || guest.is_empty() {
        return Err(Failure(USAGE_STATUS, format!("--dir {spec:?}: expected HOST[::GUEST][::ro]")));
    }
    Ok((host, guest, readonly))
}

fn build_system(cli: &Cli) -> Result<UnixSystem, Failure> {
    let mut b = UnixSystem::builder().arg(cli.module.as_os_str().as_bytes());
    for a in &cli.args {
        b = b.arg(a.as_bytes());
    }
    if cli.env_inherit {
        for (k, v) in std::env::vars_os() {
            b = b.env(k.as_bytes(), v.as_bytes());
        }
    }
    for e in &cli.envs {
        let bytes = e.as_bytes();
        match bytes.iter().position(|&c| c == b'=') {
            Some(0) => return Err(Failure(USAGE_STATUS, format!("--env {e:?}: empty variable name"))),
            Some(i) => b = b.env(&bytes[..i], &bytes[i + 1..]),
            None => {
                if bytes.is_empty() {
                    return Err(Failure(USAGE_STATUS, "--env: empty variable name".into()));
                }
                // Inherit one variable; absent on the host means absent here.
                if let Some(v) = std::env::var_os(e) {
                    b = b.env(bytes, v.as_bytes());
                }
            }
        }
    }
    if let Some(fd) = dup_stdio(std::io::stdin().as_fd()) {
        b = b.stdin(fd);
    }
    if let Some(fd) = dup_stdio(std::io::stdout().as_fd()) {
        b = b.stdout(fd);
    }
    if let Some(fd) = dup_stdio(std::io::stderr().as_fd()) {
        b = b.stderr(fd);
    }
    for spec in &cli.dirs {
        let (host, guest, readonly) = parse_dir(spec)?;
        let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
        let fd = rustix::fs::open(host, flags, rustix::fs::Mode::empty())
            .map_err(|e| Failure(USAGE_STATUS, format!("--dir {host:?}: {}", std::io::Error::from(e))))?;
        b = if readonly { b.preopen_dir_readonly(fd, guest) } else { b.preopen_dir(fd, guest) };
    }
    b = b.resolver(match cli.path_resolution {
        ResolutionArg::Auto => Resolver::Auto,
        ResolutionArg::Manual => Resolver::Manual,
    });
    b.build().map_err(|e| Failure(USAGE_STATUS, e.to_string()))
}

fn run(cli: &Cli) -> Result<u8, Failure> {
    let name = cli.module.display();
    let bytes =
        std::fs::read(&cli.module).map_err(|e| Failure(MODULE_ERROR_STATUS, format!("cannot read {name}: {e}")))?;
    let system = build_system(cli)?;
    let engine = Engine::new(&engine_config());
    let module = load_module(&engine, &cli.module, &bytes)
        .map_err(|reason| Failure(MODULE_ERROR_STATUS, format!("invalid module {name}: {reason}")))?;
    let finished = run_command(&engine, &module, system)
        .map_err(|e| Failure(MODULE_ERROR_STATUS, format!("cannot run {name}: {}", one_line(&e))))?;
    match finished.exit {
        // The host keeps the low eight bits of an exit status, as for a
        // native program.
        Exit::Code(code) => Ok(code as u8),
        Exit::Trap(e) => Err(Failure(TRAP_STATUS, format!("trap: {}", one_line(&e)))),
    }
}

/// Compiles a binary module (it starts with `\0asm`) or a text one.
fn load_module(engine: &Engine, path: &std::path::Path, bytes: &[u8]) -> Result<Module, String> {
    if bytes.starts_with(b"\0asm") {
        return Module::new(engine, bytes).map_err(|e| one_line(&e));
    }
    let is_wat = path.extension().is_some_and(|e| e == "wat");
    match wat::parse_bytes(bytes) {
        Ok(binary) => Module::new(engine, &binary[..]).map_err(|e| one_line(&e)),
        Err(e) if is_wat => Err(one_line(&e)),
        Err(_) => Err("not a WebAssembly binary (no \\0asm header) nor a text module".into()),
    }
}

/// An error's message on one line.
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}
