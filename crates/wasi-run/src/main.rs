//! `wasi-run`: run a WASI preview1 program from the shell.
//!
//! This binary is the only place that touches ambient host authority: it
//! opens the directories named by `--dir`, reads the host environment for
//! `--env NAME` and `--env-inherit`, and hands the guest duplicates of its
//! own stdio. Everything else is done through the capabilities it passes
//! to the library.

mod aliases;
#[cfg(unix)]
mod alloc;
mod argv;
mod diag;
mod host;
mod limits;
mod mounts;

use clap::{CommandFactory, Parser};
use host::HostSystem;
use limits::{Given, parse_bytes, parse_duration, parse_positive};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use wasi_preview1::NetPolicy;
use wasi_preview1::{MaybeDeterministic, Tracer};
use wasi_wasmi::{Exit, Finished, Limits, Proposals, Run, engine_config_for};
use wasmi::{Engine, ExternType, Module, Val, ValType};

/// Large blocks (linear memories) start on a page boundary, so guest
/// buffers keep their alignment on the host (docs/performance.md).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: alloc::PageAligned = alloc::PageAligned;

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

/// `--version`: the version, and with `--version` also what it was built
/// with.
const VERSION: &str = env!("CARGO_PKG_VERSION");
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\n",
    env!("WASI_RUN_ENGINE"),
    "\n",
    env!("WASI_RUN_FEATURES"),
    "\nWASI: wasi_snapshot_preview1, wasi_unstable, the WasmEdge sockets extension\n",
    env!("WASI_RUN_BUILT"),
);

const AFTER_HELP: &str = "\
Options come before MODULE: MODULE and everything after it are the guest's,
untouched (`wasi-run app.wasm --help` shows app's help).

Examples:
  wasi-run hello.wasm
  wasi-run --dir .::/work --env RUST_LOG=debug app.wasm --input /work/in.txt
  wasi-run --dir data::/data::ro --fuel 1000000000 --timeout 30s untrusted.wasm
  wasi-run --mount tar:stdlib.tar::/usr/lib --mount mem::/tmp python.wasm
  wasi-run --mount overlay:./site::/site build.wasm   (changes stay in memory)
  wasi-run --invoke add math.wasm 2 40
  wasi-run run -S inherit-env -W timeout=10s app.wasm    (wasmtime's spellings)

Exit status:
  N      the guest's proc_exit code (0 when _start returns), low 8 bits
  128+N  the guest raised signal N (proc_raise), as a native program ends
  134    the guest trapped
  121    the guest failed after --max-open-files refused it an fd
  122    the guest failed after --max-memory refused it memory
  123    the guest used up its --fuel
  124    the guest ran past its --timeout
  1      the module could not be read, compiled or linked
  2      bad command-line input";
/// Run a WebAssembly program that uses WASI preview1, on an interpreter.
#[derive(Parser, Debug)]
#[command(
    name = "wasi-run",
    version = VERSION,
    long_version = LONG_VERSION,
    about,
    max_term_width = 100,
    args_override_self = true,
    override_usage = "wasi-run [run] [OPTIONS] [--] <MODULE> [ARGS]...",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Give the guest the host directory HOST, named GUEST (default: HOST).
    /// A third component `::ro` mounts it read-only (`::rw`, the default,
    /// may be written too): `--dir data::/data::ro`. Repeatable; preopens
    /// are numbered from fd 3 in order.
    #[arg(long = "dir", value_name = "HOST[::GUEST[::ro]]")]
    dirs: Vec<String>,

    /// Give the guest a directory that is not a host one, named GUEST:
    /// `mem` (empty, in memory), `mem:SRC` (an in-memory copy of the host
    /// directory or .tar SRC), `tar:FILE` (a .tar archive, read-only, read
    /// on demand), `overlay:SRC` (SRC beneath an in-memory layer that takes
    /// every change: the host never changes). `::ro` makes it read-only,
    /// `::size=BYTES` bounds its memory (default 256M). Repeatable; numbered
    /// after every --dir, in order.
    #[arg(long = "mount", value_name = "KIND[:SRC]::GUEST[::ro][::size=BYTES]")]
    mounts: Vec<String>,

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

    /// The guest's `argv[0]` (default: MODULE as given).
    #[arg(long = "argv0", value_name = "NAME")]
    argv0: Option<OsString>,

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
    #[arg(long = "fuel", value_name = "N", value_parser = parse_positive::<u64>, allow_negative_numbers = true)]
    fuel: Option<u64>,

    /// Let the guest's linear memories and tables together take at most
    /// BYTES (a number, optionally with K, M or G for KiB, MiB, GiB).
    /// Growing beyond fails as the spec allows; a guest that then fails
    /// exits with status 122.
    #[arg(long = "max-memory", value_name = "BYTES", value_parser = parse_bytes, allow_negative_numbers = true)]
    max_memory: Option<Given<usize>>,

    /// Stop the guest after DURATION (`1.5s`, `250ms`, `1m30s`, `10us`; a
    /// bare number is seconds), wherever it is (exit status 124).
    #[arg(long = "timeout", value_name = "DURATION", value_parser = parse_duration, allow_negative_numbers = true)]
    timeout: Option<Given<Duration>>,

    /// Let the guest hold at most N fds open at once (stdio and preopens
    /// included); past it, opens fail with EMFILE. A guest that then fails
    /// exits with status 121.
    #[arg(long = "max-open-files", value_name = "N", value_parser = parse_positive::<usize>, allow_negative_numbers = true)]
    max_open_files: Option<usize>,

    /// Make runs reproducible: clocks start at 2020-01-01T00:00:00Z and
    /// advance 1 µs per read, sleeps return at once, and random_get gives a
    /// seeded (predictable) stream.
    #[arg(long = "deterministic")]
    deterministic: bool,

    /// The seed for `--deterministic`'s random stream.
    #[arg(long = "seed", value_name = "N", default_value_t = 0, requires = "deterministic")]
    seed: u64,

    /// wasmtime's WASI options, as KEY[=VALUE] (comma-separated or
    /// repeated): inherit-env, tcplisten=ADDR, inherit-network (preview2
    /// and cli are accepted and change nothing).
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VALUE]")]
    wasi: Vec<String>,

    /// wasmtime's WebAssembly options, as KEY[=VALUE] (comma-separated or
    /// repeated): fuel=N, max-memory-size=BYTES, timeout=DURATION,
    /// max-wasm-stack=BYTES, and simd, relaxed-simd, memory64, tail-call,
    /// multi-memory, extended-const (=y or =n).
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VALUE]")]
    wasm: Vec<String>,

    /// wasmtime's code-generation options: accepted where they mean
    /// nothing here (cache, cache-config, parallel-compilation: nothing is
    /// compiled), refused otherwise.
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VALUE]")]
    codegen: Vec<String>,

    /// wasmtime's debugging options: debug-info (source lines in
    /// backtraces), coredump=PATH (a core dump on a trap).
    #[arg(short = 'D', long = "debug", value_name = "KEY[=VALUE]")]
    debug: Vec<String>,

    /// Profile the guest's own functions (sampled every INTERVAL units of
    /// fuel, default 1000000; a duration like 10ms is converted at 100
    /// million units a second) into PATH (default
    /// wasi-run-guest-profile.json), for the Firefox Profiler.
    #[arg(long = "profile", value_name = "guest[,PATH[,INTERVAL]]")]
    profile: Option<String>,

    /// Run the module as it is, without backtraces on traps (and without
    /// what they cost: up to 16 more fuel units per call, a little time on
    /// call-heavy code; docs/diagnostics.md).
    #[arg(long = "no-backtraces")]
    no_backtraces: bool,

    /// wasmtime's optimisation options: opt-level is accepted and means
    /// nothing here (nothing is compiled).
    #[arg(short = 'O', long = "optimize", value_name = "KEY[=VALUE]")]
    optimize: Vec<String>,

    /// How guest paths are resolved beneath preopens: `auto` (openat2
    /// where the kernel has it) or `manual` (one component at a time).
    #[arg(long = "path-resolution", value_name = "MODE", default_value = "auto", hide = true)]
    path_resolution: ResolutionArg,

    /// The program: a `.wasm` binary or `.wat` text module.
    #[arg(value_name = "MODULE")]
    module: PathBuf,

    /// The program's arguments (its `argv[0]` is MODULE as given), or the
    /// arguments of the function named by `--invoke`.
    #[arg(value_name = "ARGS")]
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
    let open_stdio = host::hold_stdio_numbers();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let settings = match settings(&args) {
        Ok(s) => s,
        Err(Failure(0, _)) => return ExitCode::SUCCESS,
        Err(Failure(status, message)) => {
            report(&message);
            return ExitCode::from(status);
        }
    };
    match run(&settings, open_stdio) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(status, message)) => {
            report(&message);
            ExitCode::from(status)
        }
    }
}

/// The command line, parsed, with wasmtime's spellings folded into ours.
struct Settings {
    cli: Cli,
    /// The guest's arguments after MODULE, untouched.
    guest_args: Vec<OsString>,
    /// An option given without `=` just before MODULE whose value may have
    /// been meant to be MODULE (`--trace x.log app.wasm`).
    value_hint: Option<String>,
    env_inherit: bool,
    listens: Vec<String>,
    allow_net: Option<String>,
    fuel: Option<u64>,
    max_memory: Option<Given<usize>>,
    timeout: Option<Given<Duration>>,
    /// `-W max-wasm-stack`: the engine's value-stack limit in bytes.
    max_wasm_stack: Option<usize>,
    /// `-D debug-info`: source lines in backtraces.
    debug_info: bool,
    /// `-D coredump=PATH`.
    coredump: Option<PathBuf>,
    /// `--profile=guest...`.
    profile: Option<diag::ProfileSpec>,
    /// The proposals, as `-W` turned them on or off.
    proposals: Proposals,
}

/// One option given both ways with different values is an error.
fn either<T: PartialEq>(
    ours: Option<T>,
    theirs: Option<T>,
    ours_name: &str,
    theirs_name: &str,
) -> Result<Option<T>, Failure> {
    match (ours, theirs) {
        (Some(a), Some(b)) if a != b => {
            Err(Failure(USAGE_STATUS, format!("{ours_name} and {theirs_name} disagree: give one of them")))
        }
        (a, b) => Ok(a.or(b)),
    }
}

/// Parses `args` (without the program name). `Failure(0, _)` means help or
/// the version was printed.
fn settings(args: &[OsString]) -> Result<Settings, Failure> {
    let mut cmd = Cli::command();
    cmd.build();
    let split = argv::split(&cmd, args);
    let mut clap_args: Vec<OsString> = vec!["wasi-run".into()];
    clap_args.extend(split.options.iter().cloned());
    if let Some(module) = &split.module {
        clap_args.push("--".into());
        clap_args.push(module.clone());
    }
    let cli = match Cli::try_parse_from(clap_args) {
        Ok(cli) => cli,
        Err(e) => return Err(clap_failure(&e)),
    };
    let usage = |m: String| Failure(USAGE_STATUS, m);
    let wasi = aliases::wasi(&cli.wasi).map_err(usage)?;
    let wasm = aliases::wasm(&cli.wasm).map_err(usage)?;
    aliases::accepted('C', &cli.codegen).map_err(usage)?;
    let debug = aliases::debug(&cli.debug).map_err(usage)?;
    let profile = cli.profile.as_deref().map(diag::parse_profile).transpose().map_err(usage)?;
    aliases::accepted('O', &cli.optimize).map_err(usage)?;
    if cli.no_backtraces {
        let wanted = [
            (debug.debug_info == Some(true), "-D debug-info"),
            (debug.coredump.is_some(), "-D coredump"),
            (profile.is_some(), "--profile"),
        ];
        if let Some((_, what)) = wanted.iter().find(|(on, _)| *on) {
            return Err(usage(format!("{what} needs backtraces, which --no-backtraces turns off")));
        }
    }
    let mut listens = cli.listens.clone();
    listens.extend(wasi.tcplisten);
    let allow_net = match (&cli.allow_net, wasi.inherit_network) {
        (Some(rules), _) => Some(rules.clone()),
        (None, Some(true)) => Some("*".into()),
        (None, _) => None,
    };
    let text = |g: &Given<usize>| g.value;
    let max_memory = match (&cli.max_memory, &wasm.max_memory_size) {
        (Some(a), Some(b)) if text(a) != text(b) => {
            return Err(usage("--max-memory and -W max-memory-size disagree: give one of them".into()));
        }
        (a, b) => a.clone().or(b.clone()),
    };
    let timeout = match (&cli.timeout, &wasm.timeout) {
        (Some(a), Some(b)) if a.value != b.value => {
            return Err(usage("--timeout and -W timeout disagree: give one of them".into()));
        }
        (a, b) => a.clone().or(b.clone()),
    };
    Ok(Settings {
        fuel: either(cli.fuel, wasm.fuel, "--fuel", "-W fuel")?,
        env_inherit: cli.env_inherit || wasi.inherit_env == Some(true),
        guest_args: split.guest,
        value_hint: split.optional_value_before_module,
        listens,
        allow_net,
        max_memory,
        timeout,
        max_wasm_stack: wasm.max_wasm_stack,
        debug_info: debug.debug_info == Some(true),
        coredump: debug.coredump.map(PathBuf::from),
        profile,
        proposals: proposals(&wasm.features)?,
        cli,
    })
}

/// A clap error as one line (help and the version print as clap prints
/// them, to stdout, and succeed).
fn clap_failure(e: &clap::Error) -> Failure {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return Failure(0, String::new());
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad command line");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    // "the following required arguments were not provided:" names them
    // on the lines after.
    if message.ends_with(':') {
        for name in lines.by_ref().take_while(|l| l.starts_with('<') || l.starts_with("--")) {
            message.push(' ');
            message.push_str(name);
        }
    }
    // A misspelled option: the option it most likely meant. clap's own
    // guess misses swapped letters in short names (`--dri`), so a guess
    // by edit distance (a swap costs one) comes first.
    let tip = misspelled(e)
        .or_else(|| rendered.lines().map(str::trim).find_map(|l| l.strip_prefix("tip: ")).map(str::to_owned));
    if let Some(tip) = tip {
        message.push_str(": ");
        message.push_str(&tip);
    }
    Failure(USAGE_STATUS, format!("{message} (wasi-run --help lists the options)"))
}

/// For an unknown `--NAME`, "a similar argument exists: '--OPTION'" when
/// one of wasi-run's options is at most two edits away (a swap of two
/// neighbouring letters is one edit).
fn misspelled(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else { return None };
    let name = arg.strip_prefix("--")?.split('=').next()?;
    let cmd = Cli::command();
    let (distance, best) = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(clap::Arg::get_long)
        .map(|long| (strsim::osa_distance(name, long), long))
        .min()?;
    (distance <= 2 && distance < name.len()).then(|| format!("a similar argument exists: '--{best}'"))
}

/// Writes `wasi-run: MESSAGE` to stderr. A closed, broken or full stderr
/// loses the message, never the exit status: nothing here panics.
fn report(message: &str) {
    let _ = writeln!(std::io::stderr(), "wasi-run: {message}");
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

/// Splits `HOST[::GUEST[::ro|::rw]]`: the second component is always the
/// guest's name, as wasmtime reads it; the access mode is only ever a
/// third one, and any other third component (`::RO`, `::readonly`) is an
/// error.
fn parse_dir(spec: &str) -> Result<DirSpec<'_>, Failure> {
    let bad = |why: &str| Failure(USAGE_STATUS, format!("--dir {spec:?}: {why}"));
    let parts: Vec<&str> = spec.split("::").collect();
    let (host, guest, mode) = match parts[..] {
        [host] => (host, host, None),
        [host, guest] => (host, guest, None),
        [host, guest, mode] => (host, guest, Some(mode)),
        _ => return Err(bad("expected HOST[::GUEST[::ro]]")),
    };
    let readonly = match mode {
        None | Some("rw") => false,
        Some("ro") => true,
        Some(other) => return Err(bad(&format!("unknown mode ::{other} (::ro for read-only, ::rw for read-write)"))),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(bad("expected HOST[::GUEST[::ro]]"));
    }
    let note = match (guest, mode) {
        ("ro" | "rw", None) => Some(format!(
            "note: --dir {spec:?} gives the guest {host:?} under the name {guest:?}, read-write, as wasmtime reads it; \
             for a read-only preopen write --dir {host}::GUEST::ro"
        )),
        _ => None,
    };
    Ok(DirSpec { host, guest, readonly, note })
}

/// One `--dir`, parsed.
struct DirSpec<'a> {
    host: &'a str,
    guest: &'a str,
    readonly: bool,
    /// A note for stderr when the guest name is `ro` or `rw` alone (the
    /// user may have meant the access mode).
    note: Option<String>,
}

fn build_system(s: &Settings, open_stdio: [bool; 3]) -> Result<HostSystem, Failure> {
    let cli = &s.cli;
    let argv0 = cli.argv0.as_deref().unwrap_or(cli.module.as_os_str());
    let mut b = HostSystem::builder().arg(argv0.as_encoded_bytes());
    if cli.invoke.is_none() {
        for a in &s.guest_args {
            b = b.arg(a.as_encoded_bytes());
        }
    }
    if s.env_inherit {
        for (k, v) in std::env::vars_os() {
            b = b.env(k.as_encoded_bytes(), v.as_encoded_bytes());
        }
    }
    for e in &cli.envs {
        let bytes = e.as_encoded_bytes();
        match bytes.iter().position(|&c| c == b'=') {
            Some(0) => return Err(Failure(USAGE_STATUS, format!("--env {e:?}: empty variable name"))),
            Some(i) => b = b.env(&bytes[..i], &bytes[i + 1..]),
            None => {
                if bytes.is_empty() {
                    return Err(Failure(USAGE_STATUS, "--env: empty variable name".into()));
                }
                // Inherit one variable; absent on the host means absent here.
                if let Some(v) = std::env::var_os(e) {
                    b = b.env(bytes, v.as_encoded_bytes());
                }
            }
        }
    }
    b = host::stdio(b, open_stdio);
    for spec in &cli.dirs {
        let DirSpec { host, guest, readonly, note } = parse_dir(spec)?;
        if let Some(note) = note {
            report(&note);
        }
        let dir = host::open_dir(Path::new(host)).map_err(|e| Failure(USAGE_STATUS, format!("--dir {host:?}: {e}")))?;
        b = if readonly { b.preopen_dir_readonly(dir, guest) } else { b.preopen_dir(dir, guest) };
    }
    for spec in &cli.mounts {
        let fail = |why: String| Failure(USAGE_STATUS, format!("--mount {spec:?}: {why}"));
        let m = mounts::parse(spec).map_err(fail)?;
        b = b.mount(mounts::open(&m).map_err(fail)?, m.guest);
    }
    for spec in &s.listens {
        let addrs = socket_addrs("--listen", spec)?;
        let listener = std::net::TcpListener::bind(&addrs[..])
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| Failure(USAGE_STATUS, format!("--listen {spec:?}: {e}")))?;
        b = b.preopen_socket(listener.into());
    }
    for spec in &cli.dials {
        let addrs = socket_addrs("--dial", spec)?;
        let stream = std::net::TcpStream::connect(&addrs[..])
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .map_err(|e| Failure(USAGE_STATUS, format!("--dial {spec:?}: {e}")))?;
        b = b.preopen_socket(stream.into());
    }
    if let Some(rules) = &s.allow_net {
        let policy = NetPolicy::parse(rules).map_err(|e| Failure(USAGE_STATUS, format!("--allow-net: {e}")))?;
        b = b.network(policy);
    }
    if let Some(max) = cli.max_open_files {
        b = b.max_open_files(max);
    }
    b = host::resolver(b, matches!(cli.path_resolution, ResolutionArg::Manual));
    b.build().map_err(|e| Failure(USAGE_STATUS, e.to_string()))
}

/// The engine configuration: limits, and the proposals `-W` turned on or off.
fn engine_config(s: &Settings, limits: &Limits) -> wasmi::Config {
    let mut config = engine_config_for(limits);
    if let Some(bytes) = s.max_wasm_stack {
        // wasmi starts the stack at 1,000 bytes and refuses a maximum
        // below the start: a smaller limit starts it smaller.
        config.set_min_stack_height(bytes.min(1000)).set_max_stack_height(bytes);
    }
    s.proposals.apply(&mut config);
    config
}

/// The proposals `-W` turns on and off, over the defaults.
fn proposals(features: &[(&'static str, bool)]) -> Result<Proposals, Failure> {
    let mut p = Proposals::default();
    for &(feature, on) in features {
        match feature {
            #[cfg(feature = "simd")]
            "simd" => p.simd = on,
            #[cfg(feature = "simd")]
            "relaxed-simd" => p.relaxed_simd = on,
            #[cfg(feature = "memory64")]
            "memory64" => p.memory64 = on,
            "tail-call" => p.tail_call = on,
            "multi-memory" => p.multi_memory = on,
            "extended-const" => p.extended_const = on,
            // A proposal this build lacks is off already.
            _ if !on => {}
            other => {
                return Err(Failure(USAGE_STATUS, format!("-W {other}: this wasi-run was built without it")));
            }
        }
    }
    Ok(p)
}

fn run(s: &Settings, open_stdio: [bool; 3]) -> Result<u8, Failure> {
    let cli = &s.cli;
    let name = cli.module.display();
    // Where the module's name may really have been an option's value.
    let hint = match &s.value_hint {
        Some(opt) => format!(" ({opt} takes its value after `=`: {opt}={name} to give it {name})"),
        None => String::new(),
    };
    // A module that cannot be read or loaded where it may have been an
    // option's value is a command-line mistake: status 2.
    let load_status = if s.value_hint.is_some() { USAGE_STATUS } else { MODULE_ERROR_STATUS };
    let bytes =
        std::fs::read(&cli.module).map_err(|e| Failure(load_status, format!("cannot read {name}: {e}{hint}")))?;
    let system = build_system(s, open_stdio)?;
    let limits = Limits {
        fuel: s.fuel,
        max_memory: s.max_memory.as_ref().map(|m| m.value),
        metered: s.profile.is_some(),
        ..Limits::default()
    };
    let config = engine_config(s, &limits);
    let wasm = binary_of(&cli.module, &bytes).map_err(|reason| Failure(load_status, format!("{reason}{hint}")))?;
    let prepared = prepare(s, &wasm);
    // The module's bytes are let go as soon as nothing needs them: a
    // prepared module holds what it needs of the original, so the engine
    // compiles it with only the rewrite in memory (a lower peak).
    let compiled = match &prepared {
        Some(p) => {
            drop(wasm);
            drop(bytes);
            p.compile(&config)
        }
        None => {
            let engine = Engine::new(&config);
            let module = Module::new(&engine, &wasm[..]);
            drop(wasm);
            drop(bytes);
            module.map(|m| (engine, m))
        }
    };
    let (engine, module) =
        compiled.map_err(|e| Failure(load_status, format!("invalid module {name}: {}{hint}", one_line(&e))))?;
    let map = prepared.map(|p| p.map);
    let invoke = match &cli.invoke {
        Some(func) => Some((func.as_str(), invoke_args(&module, func, &s.guest_args)?)),
        None => None,
    };
    let trace: Option<Box<dyn Write>> = match &cli.trace {
        None => None,
        Some(path) if path.as_os_str() == "-" => Some(Box::new(std::io::stderr())),
        // The trace holds the guest's data: readable by this user only,
        // a file that existed before included.
        Some(path) => {
            let bad = |e: std::io::Error| Failure(USAGE_STATUS, format!("--trace={}: {e}", path.display()));
            let file = host::private_file(path).map_err(bad)?;
            Some(Box::new(file))
        }
    };
    if let Some(timeout) = &s.timeout {
        watchdog(timeout.clone());
    }
    let mut run = Run::new(&engine, &module).limits(limits);
    if let Some(map) = &map {
        run = run.diagnostics(map.clone()).core_dump(s.coredump.is_some());
        if let Some(p) = &s.profile {
            run = run.profile(p.interval);
        }
    }
    let run = match &invoke {
        Some((func, args)) => run.invoke(func, args),
        None => run,
    };
    // Each wrapper is its own System type, and the host module is compiled
    // once per type: --deterministic is a choice inside one type
    // (MaybeDeterministic), so there are two, traced and not.
    let size = cli.trace_string_size;
    let system = MaybeDeterministic::new(system, cli.deterministic.then_some(cli.seed));
    let ended = match trace {
        None => finish(run.run(system), |s| (s.inner().open_files_refused(), None)),
        Some(out) => finish(run.run(Tracer::new(system, out).string_size(size)), |s| {
            let (n, e) = s.lost_lines();
            (s.inner().inner().open_files_refused(), e.map(|e| (n, e.to_string())))
        }),
    };
    let (finished, refused, trace_lost) = ended.map_err(|e| {
        let entry_hint = match (&e, &cli.invoke) {
            (wasi_wasmi::RunError::Entry(_), None) => " (with --invoke NAME)",
            _ => "",
        };
        Failure(MODULE_ERROR_STATUS, format!("cannot run {name}: {}{entry_hint}", one_line(&e)))
    })?;
    if let Some((n, why)) = trace_lost {
        report(&format!("--trace: {n} line(s) could not be written: {why}"));
    }
    if let Some(spec) = &s.profile {
        match (&map, &finished.profile) {
            (Some(map), Some(profile)) => match diag::write_profile(&spec.path, map, profile, map.module_name()) {
                Ok(()) => {
                    report(&format!("--profile: {} samples written to {}", profile.samples.len(), spec.path.display()));
                }
                Err(e) => report(&format!("--profile: cannot write {}: {e}", spec.path.display())),
            },
            _ => report("--profile: no profile (backtraces are off for this module)"),
        }
    }
    // What became of a core dump: said after the trap it was taken at.
    let dumped = match (&s.coredump, &finished.exit) {
        (Some(path), Exit::Trap(trap)) => Some(match &trap.core_dump {
            Some(dump) => match std::fs::write(path, dump) {
                Ok(()) => format!("core dump written to {}", path.display()),
                Err(e) => format!("-D coredump: cannot write {}: {e}", path.display()),
            },
            None => "-D coredump: no core dump (backtraces are off for this module)".to_owned(),
        }),
        _ => None,
    };
    status(s, finished, refused, map.as_deref()).map_err(|Failure(code, text)| match dumped {
        Some(line) => Failure(code, format!("{text}\n{line}")),
        None => Failure(code, text),
    })
}

/// How a run ended, without its system: the results, how many fds
/// `--max-open-files` refused, and trace lines lost (with the last error).
type Ended = (Finished<()>, usize, Option<(u64, String)>);

fn finish<S>(
    result: Result<Finished<S>, wasi_wasmi::RunError>,
    facts: impl Fn(&S) -> (usize, Option<(u64, String)>),
) -> Result<Ended, wasi_wasmi::RunError> {
    let f = result?;
    let (refused, lost) = facts(&f.system);
    Ok((f.map_system(drop), refused, lost))
}

/// The exit status (and message) for how the guest ended.
fn status(
    s: &Settings,
    finished: Finished<()>,
    open_refused: usize,
    map: Option<&wasi_wasmi::diagnostics::FrameMap>,
) -> Result<u8, Failure> {
    let failed = !finished.exit.success();
    if failed && let Some(bytes) = finished.memory_refused {
        return Err(Failure(
            MEMORY_STATUS,
            format!(
                "the guest failed after --max-memory {} refused it {bytes} bytes of memory ({})",
                s.max_memory.as_ref().map_or("", |m| &m.text),
                describe(&finished.exit)
            ),
        ));
    }
    if failed && open_refused > 0 {
        return Err(Failure(
            OPEN_FILES_STATUS,
            format!(
                "the guest failed after --max-open-files {} refused it {open_refused} fd(s) ({})",
                s.cli.max_open_files.unwrap_or(0),
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
        // The CLI never runs a guest in slices, so never abandons one.
        Exit::Trap(trap) => Err(Failure(TRAP_STATUS, trap_report(trap, map))),
        Exit::Abandoned => Err(Failure(TRAP_STATUS, describe(&finished.exit))),
        Exit::OutOfFuel => Err(Failure(FUEL_STATUS, format!("the guest used up its --fuel {}", s.fuel.unwrap_or(0)))),
        // The CLI's watchdog stops a guest at its deadline; this is the
        // library's own time limit, not used here.
        Exit::Timeout => Err(Failure(TIMEOUT_STATUS, "the guest ran past its time limit".into())),
    }
}

/// A trap as wasi-run reports it: the one-line reason first, then the
/// wasm backtrace, and how to get source lines when they are not shown.
fn trap_report(trap: &wasi_wasmi::Trap, map: Option<&wasi_wasmi::diagnostics::FrameMap>) -> String {
    let mut text = format!("trap: {}", one_line(&trap.error));
    if let Some(bt) = trap.backtrace.as_ref().filter(|b| !b.frames.is_empty()) {
        text.push('\n');
        text.push_str(&bt.to_string());
        if map.is_some_and(|m| m.detail() == wasi_wasmi::diagnostics::Detail::Frames) {
            text.push_str(
                "\nnote: run with -D debug-info (or WASMTIME_BACKTRACE_DETAILS=1) for source lines and offsets",
            );
        }
    }
    text
}

/// Prepares the module for backtraces (and core dumps, profiles), or says
/// in one line why it runs without them.
fn prepare(s: &Settings, wasm: &[u8]) -> Option<wasi_wasmi::diagnostics::Prepared> {
    if s.cli.no_backtraces {
        return None;
    }
    let file = s
        .cli
        .module
        .file_name()
        .map_or_else(|| s.cli.module.display().to_string(), |f| f.to_string_lossy().into_owned());
    let options = wasi_wasmi::diagnostics::Options {
        module_name: file.clone(),
        detail: diag::detail(s.debug_info),
        core_dump: s.coredump.is_some(),
        proposals: s.proposals,
    };
    match wasi_wasmi::diagnostics::prepare(wasm, &options) {
        Ok(p) => Some(p),
        // An invalid module: compiling it says why.
        Err(why) if why.invalid => None,
        Err(why) => {
            report(&format!("note: backtraces are off for {file}: {why}"));
            None
        }
    }
}

/// How a guest ended, in a few words.
fn describe(exit: &Exit) -> String {
    match exit {
        Exit::Code(code) => format!("exit status {code}"),
        Exit::Trap(e) => format!("trap: {}", one_line(e)),
        Exit::OutOfFuel => "out of fuel".into(),
        Exit::Timeout => "timed out".into(),
        Exit::Abandoned => "abandoned".into(),
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

/// A binary module's bytes (it starts with `\0asm`), or a text one's
/// compiled; the error says what MODULE is and what is wrong with it, on one
/// line.
fn binary_of<'a>(path: &Path, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    let name = path.display();
    if bytes.starts_with(b"\0asm") {
        if bytes.get(4..8) == Some(&[0x0d, 0x00, 0x01, 0x00][..]) {
            return Err(format!(
                "{name} is a WebAssembly component; wasi-run runs core modules (WASI preview1, wasm32-wasip1)"
            ));
        }
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let is_wat = path.extension().is_some_and(|e| e == "wat");
    match wat::parse_bytes(bytes) {
        Ok(binary) => Ok(std::borrow::Cow::Owned(binary.into_owned())),
        Err(mut e) if is_wat || bytes.starts_with(b"(") => {
            e.set_path(path);
            Err(wat_error(&e))
        }
        Err(_) => Err(format!("{name} is not a WebAssembly module (no \\0asm header, not text)")),
    }
}

/// A `.wat` parse error as `FILE:LINE:COL: message`.
fn wat_error(e: &wat::Error) -> String {
    let text = e.to_string();
    let message = text.lines().next().unwrap_or("").trim();
    match text.lines().find_map(|l| l.trim().strip_prefix("--> ")) {
        Some(place) => format!("{place}: {message}"),
        None => one_line(&text),
    }
}

/// An error's message on one line.
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}
