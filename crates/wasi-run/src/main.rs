//! `wasi-run`: run a WASI preview1 program from the shell.
//!
//! This binary is the only place that touches ambient host authority: it
//! opens the directories named by `--dir`, reads the host environment for
//! `--env NAME` and `--env-inherit`, and hands the guest duplicates of its
//! own stdio. Everything else is done through the capabilities it passes
//! to the library.

mod limits;

use clap::Parser;
use limits::{Given, parse_bytes, parse_duration};
use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasi_preview1::unix::{UnixSystem, net::NetPolicy, sandbox::Resolver};
use wasi_preview1::{Deterministic, Tracer};
use wasi_wasmi::{Exit, Finished, Limits, Run, engine_config_for};
use wasmi::{Engine, ExternType, Module, Val, ValType};

/// The exit status after a trap (128 + SIGABRT, as a native abort).
const TRAP_STATUS: u8 = 134;
/// The exit status when the module cannot be read, compiled or linked.
const MODULE_ERROR_STATUS: u8 = 1;
/// The exit status for bad command-line input.
const USAGE_STATUS: u8 = 2;
/// The exit status when the guest failed after `--max-open-files` refused it an fd.
const OPEN_FILES_STATUS: u8 = 121;
/// The exit status when the guest failed after `--max-memory` refused it memory.
const MEMORY_STATUS: u8 = 122;
/// The exit status when the guest used up its `--fuel`.
const FUEL_STATUS: u8 = 123;
/// The exit status when the guest ran past its `--timeout` (as GNU timeout's).
const TIMEOUT_STATUS: u8 = 124;

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

    /// Log every WASI call, its decoded arguments, result and duration, one
    /// line per call, to stderr or to FILE.
    #[arg(long = "trace", value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    trace: Option<PathBuf>,

    /// How many bytes of each path or data buffer `--trace` shows.
    #[arg(long = "trace-string-size", value_name = "N", default_value_t = wasi_preview1::trace::DEFAULT_STRING_SIZE)]
    trace_string_size: usize,

    /// Call the export NAME instead of `_start`, with ARGS as its typed
    /// arguments (i32, i64, f32, f64), and print its results, one per line.
    /// A reactor's `_initialize` runs first.
    #[arg(long = "invoke", value_name = "NAME")]
    invoke: Option<String>,

    /// Stop the guest once it has used N units of fuel (wasmi's: roughly
    /// one per wasm instruction executed) (exit status 123).
    #[arg(long = "fuel", value_name = "N")]
    fuel: Option<u64>,

    /// Let the guest's linear memories and tables together take at most
    /// BYTES (a number, optionally with K, M or G for KiB, MiB, GiB).
    /// Growing beyond fails as the spec allows; a guest that then fails
    /// exits with status 122.
    #[arg(long = "max-memory", value_name = "BYTES", value_parser = parse_bytes)]
    max_memory: Option<Given<usize>>,

    /// Stop the guest after DURATION (`1.5s`, `500ms`, `2m`, `1h`; a bare
    /// number is seconds), wherever it is (exit status 124).
    #[arg(long = "timeout", value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Given<Duration>>,

    /// Let the guest hold at most N fds open at once (stdio and preopens
    /// included); past it, opens fail with EMFILE. A guest that then fails
    /// exits with status 121.
    #[arg(long = "max-open-files", value_name = "N")]
    max_open_files: Option<usize>,

    /// Make runs reproducible: clocks start at 2020-01-01T00:00:00Z and
    /// advance 1 µs per read, sleeps return at once, and random_get gives a
    /// seeded (predictable) stream.
    #[arg(long = "deterministic")]
    deterministic: bool,

    /// The seed for `--deterministic`'s random stream.
    #[arg(long = "seed", value_name = "N", default_value_t = 0, requires = "deterministic")]
    seed: u64,

    /// How guest paths are resolved beneath preopens: `auto` (openat2
    /// where the kernel has it) or `manual` (one component at a time).
    #[arg(long = "path-resolution", value_name = "MODE", default_value = "auto", hide = true)]
    path_resolution: ResolutionArg,

    /// The program: a `.wasm` binary or `.wat` text module.
    #[arg(value_name = "MODULE")]
    module: PathBuf,

    /// Arguments for the program (its `argv[0]` is MODULE as given), or
    /// for the function named by `--invoke`.
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
    let open_stdio = hold_stdio_numbers();
    let cli = Cli::parse();
    match run(&cli, open_stdio) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(status, message)) => {
            report(&message);
            ExitCode::from(status)
        }
    }
}

/// Writes `wasi-run: MESSAGE` to stderr. A closed, broken or full stderr
/// loses the message, never the exit status: nothing here panics.
fn report(message: &str) {
    let _ = writeln!(std::io::stderr(), "wasi-run: {message}");
}

/// Which of fds 0, 1 and 2 were open when wasi-run started. A closed one
/// is filled with `/dev/null` (so nothing opened later takes its number
/// and is mistaken for stdio), and the guest gets no fd there.
fn hold_stdio_numbers() -> [bool; 3] {
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let fds = [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()];
    let mut open = [true; 3];
    for (fd, is_open) in fds.into_iter().zip(&mut open) {
        if rustix::io::fcntl_getfd(fd).is_err() {
            *is_open = false;
            // Opened on the lowest free number, which is this one; kept
            // open for the whole run.
            if let Ok(null) = rustix::fs::open("/dev/null", rustix::fs::OFlags::RDWR, rustix::fs::Mode::empty()) {
                std::mem::forget(null);
            }
        }
    }
    open
}

/// A duplicate of one of this process's stdio fds, if it was open.
fn dup_stdio(fd: std::os::fd::BorrowedFd<'_>, was_open: bool) -> Option<OwnedFd> {
    if !was_open {
        return None;
    }
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

fn build_system(cli: &Cli, open_stdio: [bool; 3]) -> Result<UnixSystem, Failure> {
    let mut b = UnixSystem::builder().arg(cli.module.as_os_str().as_bytes());
    if cli.invoke.is_none() {
        for a in &cli.args {
            b = b.arg(a.as_bytes());
        }
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
    if let Some(fd) = dup_stdio(std::io::stdin().as_fd(), open_stdio[0]) {
        b = b.stdin(fd);
    }
    if let Some(fd) = dup_stdio(std::io::stdout().as_fd(), open_stdio[1]) {
        b = b.stdout(fd);
    }
    if let Some(fd) = dup_stdio(std::io::stderr().as_fd(), open_stdio[2]) {
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
    if let Some(max) = cli.max_open_files {
        b = b.max_open_files(max);
    }
    b = b.resolver(match cli.path_resolution {
        ResolutionArg::Auto => Resolver::Auto,
        ResolutionArg::Manual => Resolver::Manual,
    });
    b.build().map_err(|e| Failure(USAGE_STATUS, e.to_string()))
}

fn run(cli: &Cli, open_stdio: [bool; 3]) -> Result<u8, Failure> {
    let name = cli.module.display();
    let bytes =
        std::fs::read(&cli.module).map_err(|e| Failure(MODULE_ERROR_STATUS, format!("cannot read {name}: {e}")))?;
    let system = build_system(cli, open_stdio)?;
    let limits = Limits { fuel: cli.fuel, max_memory: cli.max_memory.as_ref().map(|m| m.value), timeout: None };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = load_module(&engine, &cli.module, &bytes)
        .map_err(|reason| Failure(MODULE_ERROR_STATUS, format!("invalid module {name}: {reason}")))?;
    let invoke = match &cli.invoke {
        Some(func) => Some((func.as_str(), invoke_args(&module, func, &cli.args)?)),
        None => None,
    };
    let trace: Option<Box<dyn Write>> = match &cli.trace {
        None => None,
        Some(path) if path.as_os_str() == "-" => Some(Box::new(std::io::stderr())),
        // The trace holds the guest's data: readable by this user only,
        // a file that existed before included.
        Some(path) => {
            let bad = |e: std::io::Error| Failure(USAGE_STATUS, format!("--trace={}: {e}", path.display()));
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .map_err(bad)?;
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(bad)?;
            Some(Box::new(file))
        }
    };
    if let Some(timeout) = &cli.timeout {
        watchdog(timeout.clone());
    }
    let run = Run::new(&engine, &module).limits(limits);
    let run = match &invoke {
        Some((func, args)) => run.invoke(func, args),
        None => run,
    };
    // Each combination of wrappers is its own System type: without
    // --trace or --deterministic the guest runs on the UnixSystem itself.
    let size = cli.trace_string_size;
    let (finished, refused) = match (cli.deterministic, trace) {
        (false, None) => finish(run.run(system), UnixSystem::open_files_refused),
        (false, Some(out)) => {
            finish(run.run(Tracer::new(system, out).string_size(size)), |s| s.inner().open_files_refused())
        }
        (true, None) => finish(run.run(Deterministic::new(system, cli.seed)), |s| s.inner().open_files_refused()),
        (true, Some(out)) => {
            let system = Tracer::new(Deterministic::new(system, cli.seed), out).string_size(size);
            finish(run.run(system), |s| s.inner().inner().open_files_refused())
        }
    }
    .map_err(|e| {
        let hint = match (&e, &cli.invoke) {
            (wasi_wasmi::RunError::Entry(_), None) => " (with --invoke NAME)",
            _ => "",
        };
        Failure(MODULE_ERROR_STATUS, format!("cannot run {name}: {}{hint}", one_line(&e)))
    })?;
    status(cli, finished, refused)
}

/// How a run ended, without its system: the results and how many fds
/// `--max-open-files` refused.
type Ended = (Finished<()>, usize);

fn finish<S>(
    result: Result<Finished<S>, wasi_wasmi::RunError>,
    refused: impl Fn(&S) -> usize,
) -> Result<Ended, wasi_wasmi::RunError> {
    let f = result?;
    let n = refused(&f.system);
    Ok((Finished { exit: f.exit, results: f.results, memory_refused: f.memory_refused, system: () }, n))
}

/// The exit status (and message) for how the guest ended.
fn status(cli: &Cli, finished: Finished<()>, open_refused: usize) -> Result<u8, Failure> {
    let failed = !finished.exit.success();
    if failed && let Some(bytes) = finished.memory_refused {
        return Err(Failure(
            MEMORY_STATUS,
            format!(
                "the guest failed after --max-memory {} refused it {bytes} bytes of memory ({})",
                cli.max_memory.as_ref().map_or("", |m| &m.text),
                describe(&finished.exit)
            ),
        ));
    }
    if failed && open_refused > 0 {
        return Err(Failure(
            OPEN_FILES_STATUS,
            format!(
                "the guest failed after --max-open-files {} refused it {open_refused} fd(s) ({})",
                cli.max_open_files.unwrap_or(0),
                describe(&finished.exit)
            ),
        ));
    }
    match &finished.exit {
        // The host keeps the low eight bits of an exit status, as for a
        // native program.
        Exit::Code(code) => {
            if *code == 0 {
                print_results(&finished.results);
            }
            Ok(*code as u8)
        }
        Exit::Trap(_) => Err(Failure(TRAP_STATUS, describe(&finished.exit))),
        Exit::OutOfFuel => Err(Failure(FUEL_STATUS, format!("the guest used up its --fuel {}", cli.fuel.unwrap_or(0)))),
        // The CLI's watchdog stops a guest at its deadline; this is the
        // library's own time limit, not used here.
        Exit::Timeout => Err(Failure(TIMEOUT_STATUS, "the guest ran past its time limit".into())),
    }
}

/// How a guest ended, in a few words.
fn describe(exit: &Exit) -> String {
    match exit {
        Exit::Code(code) => format!("exit status {code}"),
        Exit::Trap(e) => format!("trap: {}", one_line(e)),
        Exit::OutOfFuel => "out of fuel".into(),
        Exit::Timeout => "timed out".into(),
    }
}

/// How long the watchdog waits for its message to be written before it
/// ends the process anyway (stderr may be a pipe nobody reads).
const REPORT_GRACE: Duration = Duration::from_millis(100);

/// Ends this process, whatever the guest is doing, once `timeout` passes.
/// The message is written by a thread of its own: a full or blocked stderr
/// delays the exit by at most [`REPORT_GRACE`].
fn watchdog(timeout: Given<Duration>) {
    std::thread::spawn(move || {
        std::thread::sleep(timeout.value);
        let (done, reported) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            report(&format!("the guest ran past its --timeout {}", timeout.text));
            let _ = done.send(());
        });
        let _ = reported.recv_timeout(REPORT_GRACE);
        std::process::exit(i32::from(TIMEOUT_STATUS));
    });
}

/// Parses `--invoke`'s arguments by the export's parameter types.
fn invoke_args(module: &Module, func: &str, args: &[OsString]) -> Result<Vec<Val>, Failure> {
    let usage = |why: String| Failure(USAGE_STATUS, format!("--invoke {func}: {why}"));
    let ty = match module.get_export(func) {
        Some(ExternType::Func(ty)) => ty,
        Some(_) => return Err(usage("the export is not a function".into())),
        None => return Err(usage("the module has no such export".into())),
    };
    if ty.params().len() != args.len() {
        return Err(usage(format!("takes {} argument(s), given {}", ty.params().len(), args.len())));
    }
    ty.params()
        .iter()
        .zip(args)
        .map(|(t, a)| {
            let text = a.to_string_lossy();
            let bad = || usage(format!("{text:?} is not a valid {}", format!("{t:?}").to_lowercase()));
            Ok(match t {
                ValType::I32 => {
                    Val::I32(text.parse::<i32>().or_else(|_| text.parse::<u32>().map(|v| v as i32)).map_err(|_| bad())?)
                }
                ValType::I64 => {
                    Val::I64(text.parse::<i64>().or_else(|_| text.parse::<u64>().map(|v| v as i64)).map_err(|_| bad())?)
                }
                ValType::F32 => Val::F32(text.parse::<f32>().map_err(|_| bad())?.into()),
                ValType::F64 => Val::F64(text.parse::<f64>().map_err(|_| bad())?.into()),
                other => return Err(usage(format!("cannot pass a {other:?} from the command line"))),
            })
        })
        .collect()
}

/// Prints an invoked function's results, one per line.
fn print_results(results: &[Val]) {
    let mut out = std::io::stdout().lock();
    for v in results {
        let _ = match v {
            Val::I32(x) => writeln!(out, "{x}"),
            Val::I64(x) => writeln!(out, "{x}"),
            // Debug is the shortest text that reads back as the same value.
            Val::F32(x) => writeln!(out, "{:?}", f32::from(*x)),
            Val::F64(x) => writeln!(out, "{:?}", f64::from(*x)),
            other => writeln!(out, "{other:?}"),
        };
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
