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
use wasi_preview1::unix::{UnixSystem, net::NetPolicy, sandbox::Resolver};
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

    /// Preopen a TCP socket listening on ADDR (`[tcp://|tcp4://|tcp6://]HOST:PORT`;
    /// port 0 picks a free one). Repeatable; sockets are numbered after
    /// every preopened directory, listeners first, in the order given. Like
    /// wasmtime's, preopened sockets start non-blocking.
    #[arg(long = "listen", visible_alias = "tcplisten", value_name = "ADDR")]
    listens: Vec<String>,

    /// Preopen a TCP socket connected to ADDR (`[tcp://|tcp4://|tcp6://]HOST:PORT`).
    /// Repeatable; numbered after the listeners, in the order given.
    #[arg(long = "dial", value_name = "ADDR")]
    dials: Vec<String>,

    /// Let the guest open sockets itself (the WasmEdge sockets extension) and
    /// resolve names. Alone, any address is allowed; `--allow-net=RULES` allows
    /// only the comma-separated RULES: `*`, `localhost`, `IP`, `IP/PREFIX`,
    /// `[IPV6/PREFIX]`, each optionally with `:PORT` or `:LOW-HIGH`.
    #[arg(long = "allow-net", value_name = "RULES", num_args = 0..=1, require_equals = true, default_missing_value = "*")]
    allow_net: Option<String>,

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

/// Resolves `[tcp://|tcp4://|tcp6://]HOST:PORT` for `flag`.
fn socket_addrs(flag: &str, spec: &str) -> Result<Vec<std::net::SocketAddr>, Failure> {
    use std::net::ToSocketAddrs;
    let bad = |why: &str| Failure(USAGE_STATUS, format!("{flag} {spec:?}: {why}"));
    let (family, rest) = match spec.split_once("://") {
        Some(("tcp", rest)) => (None, rest),
        Some(("tcp4", rest)) => (Some(true), rest),
        Some(("tcp6", rest)) => (Some(false), rest),
        Some((scheme, _)) => return Err(bad(&format!("unsupported scheme {scheme:?} (tcp, tcp4 or tcp6)"))),
        None => (None, spec),
    };
    let addrs: Vec<_> = rest
        .to_socket_addrs()
        .map_err(|e| bad(&e.to_string()))?
        .filter(|a| family.is_none_or(|v4| a.is_ipv4() == v4))
        .collect();
    if addrs.is_empty() {
        return Err(bad("no address of that family"));
    }
    Ok(addrs)
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
    for spec in &cli.listens {
        let addrs = socket_addrs("--listen", spec)?;
        let listener = std::net::TcpListener::bind(&addrs[..])
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| Failure(USAGE_STATUS, format!("--listen {spec:?}: {e}")))?;
        b = b.preopen_socket(OwnedFd::from(listener));
    }
    for spec in &cli.dials {
        let addrs = socket_addrs("--dial", spec)?;
        let stream = std::net::TcpStream::connect(&addrs[..])
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .map_err(|e| Failure(USAGE_STATUS, format!("--dial {spec:?}: {e}")))?;
        b = b.preopen_socket(OwnedFd::from(stream));
    }
    if let Some(rules) = &cli.allow_net {
        let policy = NetPolicy::parse(rules).map_err(|e| Failure(USAGE_STATUS, format!("--allow-net: {e}")))?;
        b = b.network(policy);
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
