//! Running a guest: instantiate, initialise a reactor, call `_start` or a
//! chosen export, within optional limits, and collect how it ended.

use crate::host_funcs::{HostCall, HostFunc, MemoryRange};
use crate::waits::{Blocked, Wait, WouldBlock};
use crate::{DeadlinePassed, WasiCtx, errno_result};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasi_abi::GuestMemory;
use wasi_preview1::System;
use wasmi::errors::{MemoryError, TableError};
use wasmi::{
    Caller, CompilationMode, Config, Engine, Extern, ExternType, Func, FuncType, Linker, Module, ResourceLimiter,
    ResumableCall, ResumableCallHostTrap, ResumableCallOutOfFuel, Store, TrapCode, Val, ValType,
};
use wasmi_core::LimiterError;

/// Call depth allowed to a guest. Go's wasip1 binaries map every Go call to
/// a wasm call, so deep Go recursion needs deep wasm recursion; wasmi's
/// default of 1000 is far too small for them.
pub const MAX_RECURSION_DEPTH: usize = 1 << 20;

/// Value-stack bytes allowed to a guest (grown on demand, up to this).
pub const MAX_STACK_BYTES: usize = 1 << 30;

/// Fuel given to a guest at a time when it runs under a time limit: the
/// deadline is checked each time a slice is used up (a few milliseconds of
/// interpretation).
pub const FUEL_SLICE: u64 = 4_000_000;

/// Fuel given to a guest at a time within a [`Slice::time`]: the slice's
/// end is checked each time it is used up (well under a millisecond of
/// interpretation on any machine wasi-run targets).
pub const TIME_CHECK_FUEL: u64 = 100_000;

/// The WebAssembly proposals an engine accepts beyond its base (Wasm 2.0's
/// mutable globals, multi-value, sign extension, saturating conversions,
/// bulk memory and reference types). The default is what wasmtime enables
/// that wasmi has; SIMD and memory64 only when this crate's `simd` and
/// `memory64` features are on (as they are by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Proposals {
    /// Fixed-width SIMD (Wasm 2.0).
    pub simd: bool,
    /// Relaxed SIMD.
    pub relaxed_simd: bool,
    /// 64-bit memories.
    pub memory64: bool,
    /// Tail calls.
    pub tail_call: bool,
    /// More than one memory.
    pub multi_memory: bool,
    /// Extended constant expressions.
    pub extended_const: bool,
}

impl Default for Proposals {
    fn default() -> Self {
        Proposals {
            simd: cfg!(feature = "simd"),
            relaxed_simd: cfg!(feature = "simd"),
            memory64: cfg!(feature = "memory64"),
            tail_call: true,
            multi_memory: true,
            extended_const: true,
        }
    }
}

impl Proposals {
    /// Turns `config`'s proposals on or off as these say (one this build
    /// lacks stays off).
    pub fn apply(&self, config: &mut Config) {
        #[cfg(feature = "simd")]
        config.wasm_simd(self.simd).wasm_relaxed_simd(self.relaxed_simd);
        #[cfg(feature = "memory64")]
        config.wasm_memory64(self.memory64);
        config
            .wasm_tail_call(self.tail_call)
            .wasm_multi_memory(self.multi_memory)
            .wasm_extended_const(self.extended_const);
    }
}

/// The engine configuration for real programs: functions are validated
/// when the module loads (so an invalid module is refused before it runs)
/// and translated on first call (so a large module starts fast); stack
/// limits large enough for Go; the default [`Proposals`].
#[must_use]
pub fn engine_config() -> Config {
    let mut config = Config::default();
    config
        .compilation_mode(CompilationMode::LazyTranslation)
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(MAX_STACK_BYTES);
    Proposals::default().apply(&mut config);
    config
}

/// [`engine_config`], with fuel metering when `limits` need it (a fuel
/// budget or a time limit). Metering costs interpretation speed, so an
/// engine without limits should not have it.
#[must_use]
pub fn engine_config_for(limits: &Limits) -> Config {
    let mut config = engine_config();
    if limits.needs_fuel() {
        // Translating a function on its first call costs no fuel: wasmi
        // charges it outside any resumable point, so a translation that
        // ran out of fuel would end the guest even between slices of an
        // unlimited run. Fuel then counts execution alone (wasmi's
        // default copy cost is kept).
        config.consume_fuel(true).fuel_cost(wasmi::CustomFuelCosts {
            bytes_copied_per_fuel: 64,
            fuel_per_bytes_translated: 0,
            fuel_per_bytes_validated: 0,
        });
    }
    config
}

/// Bounds on one run. The default bounds nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Fuel the guest may use, in wasmi's units: roughly one per wasm
    /// instruction executed, more for some operations (bulk copies).
    /// Translating a function on its first call costs none
    /// ([`engine_config_for`]). Running out ends the guest with
    /// [`Exit::OutOfFuel`].
    pub fuel: Option<u64>,
    /// The most bytes the guest's linear memories and tables may take
    /// together (tables at [`TABLE_ELEMENT_BYTES`] per element). Growing
    /// beyond it fails as the spec allows (`memory.grow` and `table.grow`
    /// return -1; an over-large initial size fails instantiation); the
    /// refused total is reported in [`Finished::memory_refused`].
    pub max_memory: Option<usize>,
    /// How long the guest may run ([`Exit::Timeout`] past it). A guest
    /// computing in wasm is stopped within milliseconds: the clock is
    /// checked whenever a [`FUEL_SLICE`] is used up. A guest waiting in a
    /// host call is stopped at the deadline too: `poll_oneoff` (sleeps)
    /// and blocking reads, writes and accepts on streams and sockets wait
    /// no longer than it (see [`System::set_deadline`]), and the import
    /// then ends the guest. What no call can be made to give up: a
    /// `sock_connect` still handshaking, and a file system that hangs in
    /// the kernel. A `start` section runs without the time limit.
    pub timeout: Option<Duration>,
    /// Meter fuel even without a fuel or time limit, so that calls can run
    /// in fuel or time slices ([`Guest::start`] with [`Slice::fuel`] or
    /// [`Slice::time`]). Metering costs a few percent of interpretation
    /// speed (docs/performance.md), so it is off unless asked for.
    pub metered: bool,
}

impl Limits {
    /// Whether the engine needs fuel metering for these limits.
    #[must_use]
    pub fn needs_fuel(&self) -> bool {
        self.fuel.is_some() || self.timeout.is_some() || self.metered
    }
}

/// Why a guest did not run.
#[derive(Debug)]
pub enum RunError {
    /// The imports could not be defined or the module's imports could not
    /// be satisfied.
    Link(wasmi::Error),
    /// The entry point is missing or unusable: no `_start` (and no export
    /// chosen), an export that is not a function, or arguments that do not
    /// fit its type.
    Entry(String),
    /// The limits need fuel metering and the engine was built without it
    /// (see [`engine_config_for`]).
    FuelNotEnabled,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use wasmi::errors::{ErrorKind, InstantiationError, LinkerError};
        match self {
            RunError::Link(e) => match e.kind() {
                ErrorKind::Linker(LinkerError::MissingDefinition { name, ty }) => write!(
                    f,
                    "unknown import `{}::{}` {}: wasi-run provides wasi_snapshot_preview1, wasi_unstable and the WasmEdge socket calls",
                    name.module(),
                    name.name(),
                    WasmNotation(ty)
                ),
                ErrorKind::Linker(LinkerError::InvalidTypeDefinition { name, expected, found }) => write!(
                    f,
                    "import `{}::{}` is declared {} but {} {}",
                    name.module(),
                    name.name(),
                    WasmNotation(expected),
                    provider(name.module()),
                    WasmNotation(found)
                ),
                ErrorKind::Instantiation(InstantiationError::FuncTypeMismatch { name, expected, actual }) => write!(
                    f,
                    "import `{}::{}` is declared {} but {} {}",
                    name.module(),
                    name.name(),
                    WasmNotation(&ExternType::Func(expected.clone())),
                    provider(name.module()),
                    WasmNotation(&ExternType::Func(actual.clone()))
                ),
                _ => write!(f, "{e}"),
            },
            RunError::Entry(why) => f.write_str(why),
            RunError::FuelNotEnabled => f.write_str("the limits need an engine with fuel metering"),
        }
    }
}

impl std::error::Error for RunError {}

/// Who defines the imports of `module`, for a type mismatch's message.
fn provider(module: &str) -> &'static str {
    if module == crate::MODULE || module == crate::MODULE0 { "wasi-run provides" } else { "the host defines" }
}

/// An import's type in the text format's notation: `(func (param i32) (result i32))`.
struct WasmNotation<'a>(&'a ExternType);

fn val_type(t: &ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "funcref",
        ValType::ExternRef => "externref",
    }
}

impl fmt::Display for WasmNotation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ExternType::Func(ty) => {
                f.write_str("(func")?;
                if !ty.params().is_empty() {
                    f.write_str(" (param")?;
                    for p in ty.params() {
                        write!(f, " {}", val_type(p))?;
                    }
                    f.write_str(")")?;
                }
                if !ty.results().is_empty() {
                    f.write_str(" (result")?;
                    for r in ty.results() {
                        write!(f, " {}", val_type(r))?;
                    }
                    f.write_str(")")?;
                }
                f.write_str(")")
            }
            ExternType::Global(g) => write!(f, "(global {})", val_type(&g.content())),
            ExternType::Memory(_) => f.write_str("(memory)"),
            ExternType::Table(t) => match t.element() {
                wasmi::RefType::Func => f.write_str("(table funcref)"),
                wasmi::RefType::Extern => f.write_str("(table externref)"),
            },
        }
    }
}

/// A trap: the engine's error and, for a module prepared for it
/// ([`Run::diagnostics`]), where it happened.
#[derive(Debug)]
pub struct Trap {
    /// The trap (its message is wasmi's).
    pub error: wasmi::Error,
    /// The wasm frames live at the trap, innermost first.
    #[cfg(feature = "diagnostics")]
    pub backtrace: Option<crate::diagnostics::Backtrace>,
    /// A core dump taken at the trap ([`Run::core_dump`]).
    #[cfg(feature = "diagnostics")]
    pub core_dump: Option<Vec<u8>>,
}

impl Trap {
    fn new(error: wasmi::Error) -> Box<Trap> {
        Box::new(Trap {
            error,
            #[cfg(feature = "diagnostics")]
            backtrace: None,
            #[cfg(feature = "diagnostics")]
            core_dump: None,
        })
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

/// How a guest ended.
#[derive(Debug)]
pub enum Exit {
    /// It returned (0) or called `proc_exit` (its code).
    Code(i32),
    /// It trapped.
    Trap(Box<Trap>),
    /// It used up its [`Limits::fuel`].
    OutOfFuel,
    /// It ran past its [`Limits::timeout`].
    Timeout,
    /// The embedder gave it up during a call in slices ([`Guest::abandon`]).
    Abandoned,
}

impl Exit {
    /// Whether the guest ended well: it returned, or exited with status 0.
    #[must_use]
    pub fn success(&self) -> bool {
        matches!(self, Exit::Code(0))
    }
}

/// A finished guest: how it ended, what it returned, and the system it ran on.
#[derive(Debug)]
pub struct Finished<S> {
    /// How the guest ended.
    pub exit: Exit,
    /// The invoked export's results, when it returned ([`Run::invoke`]);
    /// empty otherwise.
    pub results: Vec<Val>,
    /// The largest total (bytes of memories and tables) refused by
    /// [`Limits::max_memory`], if the guest asked for more than it allows.
    pub memory_refused: Option<usize>,
    /// The system, for the embedder to inspect.
    pub system: S,
    /// The profile taken ([`Run::profile`]).
    #[cfg(feature = "diagnostics")]
    pub profile: Option<crate::diagnostics::Profile>,
}

impl<S> Finished<S> {
    /// The same outcome with the system `f` makes of this one (to unwrap a
    /// wrapper, or to drop the system).
    pub fn map_system<T>(self, f: impl FnOnce(S) -> T) -> Finished<T> {
        Finished {
            exit: self.exit,
            results: self.results,
            memory_refused: self.memory_refused,
            system: f(self.system),
            #[cfg(feature = "diagnostics")]
            profile: self.profile,
        }
    }
}

/// One run of a module: what to call and within which limits.
///
/// ```
/// # use wasi_preview1::unix::UnixSystem;
/// # use wasi_wasmi::{Exit, Run, engine_config};
/// # use wasmi::{Engine, Module, Val};
/// let engine = Engine::new(&engine_config());
/// let wasm = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32)
///     (i32.add (local.get 0) (local.get 1))))"#).unwrap();
/// let module = Module::new(&engine, &wasm[..]).unwrap();
/// let system = UnixSystem::builder().build().unwrap();
/// let args = [Val::I32(2), Val::I32(40)];
/// let finished = Run::new(&engine, &module).invoke("add", &args).run(system).unwrap();
/// assert!(finished.exit.success());
/// assert_eq!(finished.results[0].i32(), Some(42));
/// ```
#[derive(Debug)]
pub struct Run<'a> {
    engine: &'a Engine,
    module: &'a Module,
    limits: Limits,
    invoke: Option<(&'a str, &'a [Val])>,
    funcs: Vec<HostFunc>,
    non_blocking: bool,
    #[cfg(feature = "diagnostics")]
    diag: Diag,
}

/// What a run does for diagnostics.
#[cfg(feature = "diagnostics")]
#[derive(Debug, Clone, Default)]
struct Diag {
    map: Option<Arc<crate::diagnostics::FrameMap>>,
    core_dump: bool,
    profile: Option<u64>,
}

impl<'a> Run<'a> {
    /// A run of `module` on `engine` that calls `_start`, without limits.
    #[must_use]
    pub fn new(engine: &'a Engine, module: &'a Module) -> Self {
        Run {
            engine,
            module,
            limits: Limits::default(),
            invoke: None,
            funcs: Vec::new(),
            non_blocking: false,
            #[cfg(feature = "diagnostics")]
            diag: Diag::default(),
        }
    }

    /// Defines the function `module::name` for the guest to import, of the
    /// wasm type `ty`, with the body `f` (see [`crate::host_funcs`]): `f`
    /// gets the guest's memory through its [`HostCall`], the arguments, and
    /// the results to write. A module that imports it with another type
    /// fails to instantiate, naming both types.
    ///
    /// ```
    /// # use wasi_preview1::unix::UnixSystem;
    /// # use wasi_wasmi::{Run, engine_config};
    /// # use wasmi::{Engine, FuncType, Module, Val, ValType};
    /// let engine = Engine::new(&engine_config());
    /// let wasm = wat::parse_str(r#"(module (import "env" "add" (func $add (param i32 i32) (result i32)))
    ///     (func (export "f") (result i32) (call $add (i32.const 2) (i32.const 40))))"#).unwrap();
    /// let module = Module::new(&engine, &wasm[..]).unwrap();
    /// let add = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
    /// let finished = Run::new(&engine, &module)
    ///     .func("env", "add", add, |_call, args, results| {
    ///         results[0] = Val::I32(args[0].i32().unwrap() + args[1].i32().unwrap());
    ///         Ok(())
    ///     })
    ///     .invoke("f", &[])
    ///     .run(UnixSystem::builder().build().unwrap())
    ///     .unwrap();
    /// assert_eq!(finished.results[0].i32(), Some(42));
    /// ```
    #[must_use]
    pub fn func(
        mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(&mut HostCall<'_>, &[Val], &mut [Val]) -> Result<(), wasmi::Error> + Send + Sync + 'static,
    ) -> Self {
        self.funcs.push(HostFunc { module: module.into(), name: name.into(), ty, body: Arc::new(f) });
        self
    }

    /// Backtraces on traps: `module` was prepared by
    /// [`crate::diagnostics::prepare`] with `map`, so a trap carries the
    /// frames that were live ([`Trap::backtrace`]).
    #[cfg(feature = "diagnostics")]
    #[must_use]
    pub fn diagnostics(mut self, map: Arc<crate::diagnostics::FrameMap>) -> Self {
        self.diag.map = Some(map);
        self
    }

    /// A core dump on a trap ([`Trap::core_dump`]); needs [`Run::diagnostics`]
    /// with a module prepared with `dump`.
    #[cfg(feature = "diagnostics")]
    #[must_use]
    pub fn core_dump(mut self, on: bool) -> Self {
        self.diag.core_dump = on;
        self
    }

    /// Samples the guest's stack every `interval` units of fuel, for a
    /// profile ([`Guest::profile`]); needs [`Run::diagnostics`] and a
    /// metered engine ([`Limits::metered`]).
    #[cfg(feature = "diagnostics")]
    #[must_use]
    pub fn profile(mut self, interval: u64) -> Self {
        self.diag.profile = Some(interval.max(1));
        self
    }

    /// Bytes of memory the run's module has for the host rather than the
    /// guest: a prepared module's shadow stack.
    fn host_memory(&self) -> usize {
        #[cfg(feature = "diagnostics")]
        if let Some(map) = &self.diag.map {
            return map.host_memory();
        }
        0
    }

    /// Non-blocking mode, for a host that owns its thread (a UI or game
    /// loop): in calls made with [`Guest::start`] and [`Guest::resume`], a
    /// WASI call that would block (`poll_oneoff` on a clock or on fds that
    /// are not ready, a read of a stream with nothing in it, a write to a
    /// full one, `sched_yield`) suspends the guest and returns
    /// [`Step::Waiting`] with what it waits for, instead of blocking the
    /// thread. [`Guest::call`] and [`Run::run`] still wait.
    #[must_use]
    pub fn non_blocking(mut self, on: bool) -> Self {
        self.non_blocking = on;
        self
    }

    /// Runs within `limits`.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Calls the export `name` with `args` instead of `_start` (after
    /// `_initialize`, if the module exports it).
    #[must_use]
    pub fn invoke(mut self, name: &'a str, args: &'a [Val]) -> Self {
        self.invoke = Some((name, args));
        self
    }

    /// Instantiates the module with the preview1, preview0 and WasmEdge
    /// socket imports on `system`, calls `_initialize` if the module
    /// exports it (a reactor, or a command that exports both), then calls
    /// `_start` or the chosen export.
    ///
    /// # Errors
    /// [`RunError`] when the module cannot be instantiated or has no usable
    /// entry point. A trap, exit or exhausted limit while running is not an
    /// error: it is the [`Exit`] in [`Finished`].
    pub fn run<S: System + 'static>(self, system: S) -> Result<Finished<S>, RunError> {
        let (name, args) = self.entry()?;
        let mut guest = self.instantiate(system)?;
        if guest.ended.is_some() {
            return Ok(guest.finish());
        }
        let results = guest.call(name, args)?;
        let mut finished = guest.finish();
        finished.results = results.unwrap_or_default();
        Ok(finished)
    }

    /// The export [`Run::run`] calls, checked against the module's exports
    /// before anything runs.
    fn entry(&self) -> Result<(&'a str, &'a [Val]), RunError> {
        let func = |name: &str| match self.module.get_export(name) {
            Some(ExternType::Func(ty)) => Ok(Some(ty)),
            Some(_) => Err(RunError::Entry(format!("export {name:?} is not a function"))),
            None => Ok(None),
        };
        if let Some(ty) = func("_initialize")? {
            if !ty.params().is_empty() || !ty.results().is_empty() {
                return Err(RunError::Entry("_initialize must take no parameters and return nothing".into()));
            }
        }
        match self.invoke {
            Some((name, args)) => {
                let ty = func(name)?.ok_or_else(|| RunError::Entry(format!("no export named {name:?}")))?;
                check_args(&ty, name, args)?;
                Ok((name, args))
            }
            None => match func("_start")? {
                Some(ty) if !ty.params().is_empty() || !ty.results().is_empty() => {
                    Err(RunError::Entry("_start must take no parameters and return nothing".into()))
                }
                Some(_) => Ok(("_start", &[])),
                None if func("_initialize")?.is_some() => Err(RunError::Entry(
                    "the module is a reactor (it exports _initialize, not _start): name an export to call".into(),
                )),
                None => Err(RunError::Entry("the module exports no _start function: name an export to call".into())),
            },
        }
    }

    /// Instantiates the module on `system` as [`Run::run`] does and calls
    /// `_initialize` if it exports one, then keeps the instance for any
    /// number of [`Guest::call`]s (a reactor's exports, sharing its memory
    /// and globals). The limits hold for the guest's whole life: fuel is
    /// spent across calls, and the time limit counts from now. The export
    /// chosen with [`Run::invoke`], if any, is not called.
    ///
    /// # Errors
    /// As [`Run::run`]. A trap or exit during instantiation or
    /// `_initialize` is not an error: the guest has then ended
    /// ([`Guest::exit`]).
    pub fn instantiate<S: System + 'static>(self, system: S) -> Result<Guest<S>, RunError> {
        let mut store = Store::new(
            self.engine,
            Host { wasi: WasiCtx::new(system), memory: MemoryLimit::new(self.limits.max_memory, self.host_memory()) },
        );
        if self.limits.max_memory.is_some() {
            store.limiter(|host| &mut host.memory);
        }
        let budget = Budget::new(&self.limits);
        store.data_mut().wasi.set_deadline(budget.deadline);
        if budget.metered {
            // The start section runs within the fuel budget, unsliced.
            store.set_fuel(budget.fuel.unwrap_or(u64::MAX)).map_err(|_| RunError::FuelNotEnabled)?;
        }
        let mut linker = Linker::<Host<S>>::new(self.engine);
        let link = |e: wasmi::errors::LinkerError| RunError::Link(e.into());
        // Only what the module imports: registering a host function runs
        // code of its own, and a hundred of them spread over the binary
        // would map most of it (docs/footprint.md).
        let imports: Vec<(&str, &str)> = self.module.imports().map(|i| (i.module(), i.name())).collect();
        let imported = |module: &str, name: &str| imports.iter().any(|&(m, n)| m == module && n == name);
        crate::add_to_linker_where(&mut linker, |h| &mut h.wasi, |name| imported(crate::MODULE, name)).map_err(link)?;
        #[cfg(feature = "preview0")]
        crate::add_preview0_to_linker_where(&mut linker, |h| &mut h.wasi, |name| imported(crate::MODULE0, name))
            .map_err(link)?;
        #[cfg(feature = "sockets")]
        crate::add_wasmedge_sockets(&mut linker, self.module, |h| &mut h.wasi).map_err(link)?;
        for func in self.funcs {
            let (module, name, ty) = (func.module.clone(), func.name.clone(), func.ty.clone());
            linker
                .func_new(&module, &name, ty, move |mut caller: Caller<'_, Host<S>>, args, results| {
                    let memory = caller.data().wasi.memory().or_else(|| {
                        let m = caller.get_export("memory").and_then(Extern::into_memory);
                        if let Some(m) = m {
                            caller.data_mut().wasi.set_memory(m);
                        }
                        m
                    });
                    match memory {
                        Some(m) => func.call(m.data_mut(&mut caller), args, results),
                        None => func.call(&mut [], args, results),
                    }
                })
                .map_err(link)?;
        }

        let mut guest = Guest {
            store,
            instance: None,
            budget,
            ended: None,
            pending: None,
            non_blocking: self.non_blocking,
            #[cfg(feature = "diagnostics")]
            samples: self.diag.profile.map(|interval| Sampler {
                interval,
                started: Instant::now(),
                samples: Vec::new(),
            }),
            #[cfg(feature = "diagnostics")]
            diag: self.diag,
        };
        match linker.instantiate_and_start(&mut guest.store, self.module) {
            Ok(i) => guest.instance = Some(i),
            // A trap or exit in the start section, or a memory the limiter
            // refused at instantiation: the guest ran, and ended.
            Err(e)
                if e.as_trap_code().is_some()
                    || e.i32_exit_status().is_some()
                    || guest.store.data().memory.refused.is_some() =>
            {
                guest.ended = Some(guest.exit_of(Stop::Error(e)));
                return Ok(guest);
            }
            Err(e) => return Err(RunError::Link(e)),
        }
        if guest.budget.metered {
            let left = guest.store.get_fuel().unwrap_or(0);
            guest.budget.spend(guest.budget.fuel.unwrap_or(u64::MAX) - left);
        }
        if let Some(memory) = guest.instance.and_then(|i| i.get_memory(&guest.store, "memory")) {
            guest.store.data_mut().wasi.set_memory(memory);
        }
        if let Some(init) = guest.func("_initialize")? {
            if !init.ty(&guest.store).params().is_empty() || !init.ty(&guest.store).results().is_empty() {
                return Err(RunError::Entry("_initialize must take no parameters and return nothing".into()));
            }
            if let Err(stop) = guest.run_to_end(init, &[], &mut []) {
                guest.ended = Some(guest.exit_of(stop));
            }
        }
        Ok(guest)
    }
}

/// How far a call may run before it gives control back ([`Guest::start`],
/// [`Guest::resume`]): a number of fuel units, a length of time, both (the
/// first reached ends the slice), or neither (to the end).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slice {
    fuel: Option<u64>,
    time: Option<Duration>,
}

impl Slice {
    /// No bound: the call runs until it returns, the guest ends, or (in
    /// non-blocking mode) it waits.
    pub const UNLIMITED: Slice = Slice { fuel: None, time: None };

    /// At most `fuel` units of fuel (about one per wasm instruction).
    #[must_use]
    pub fn fuel(fuel: u64) -> Self {
        Slice { fuel: Some(fuel), time: None }
    }

    /// About `time` of interpretation: the clock is read each time
    /// [`TIME_CHECK_FUEL`] units are spent, so a slice ends within that much
    /// work of its end.
    #[must_use]
    pub fn time(time: Duration) -> Self {
        Slice { fuel: None, time: Some(time) }
    }

    /// This slice, also bounded by `fuel` units.
    #[must_use]
    pub fn and_fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// Whether the slice needs fuel metering.
    fn metered(&self) -> bool {
        self.fuel.is_some() || self.time.is_some()
    }
}

/// Where a call made in slices stands ([`Guest::start`], [`Guest::resume`]).
#[derive(Debug)]
pub enum Step {
    /// The call returned these results.
    Returned(Vec<Val>),
    /// The slice was used up; [`Guest::resume`] goes on.
    Yielded,
    /// The guest waits (non-blocking mode, [`Run::non_blocking`]): for a
    /// clock to reach [`Wait::until`], or one of the fds to be ready, or
    /// (with neither) it gave way and can go on at once. [`Guest::resume`]
    /// tries the call again and goes on if it can.
    Waiting(Wait),
    /// The guest ended during the call: [`Guest::exit`] says how.
    Ended,
}

/// A call paused between slices.
struct Pending<S> {
    paused: Paused<S>,
    results: Vec<Val>,
}

enum Paused<S> {
    /// Its slice was used up.
    Fuel(ResumableCallOutOfFuel),
    /// A WASI call would have blocked: `blocked` tries it again, and its
    /// answer is the host function's result that `call` resumes with.
    Waiting { call: ResumableCallHostTrap, blocked: Blocked<S> },
}

/// An instantiated guest that lives across calls ([`Run::instantiate`]).
///
/// A guest is `Send` when its system is: one thread may start a call in
/// slices and another resume it.
pub struct Guest<S> {
    store: Store<Host<S>>,
    instance: Option<wasmi::Instance>,
    budget: Budget,
    /// How the guest ended, once it has.
    ended: Option<Exit>,
    /// A call in slices that has not finished.
    pending: Option<Pending<S>>,
    non_blocking: bool,
    #[cfg(feature = "diagnostics")]
    diag: Diag,
    /// A profile being taken ([`Run::profile`]).
    #[cfg(feature = "diagnostics")]
    samples: Option<Sampler>,
}

/// A profile being taken: samples every `interval` units of fuel.
#[cfg(feature = "diagnostics")]
struct Sampler {
    interval: u64,
    started: Instant,
    samples: Vec<(Duration, Vec<u32>)>,
}

impl<S> fmt::Debug for Guest<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guest")
            .field("ended", &self.ended)
            .field("pending", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: System + 'static> Guest<S> {
    fn func(&self, name: &str) -> Result<Option<Func>, RunError> {
        match self.instance.and_then(|i| i.get_export(&self.store, name)) {
            Some(Extern::Func(f)) => Ok(Some(f)),
            Some(_) => Err(RunError::Entry(format!("export {name:?} is not a function"))),
            None => Ok(None),
        }
    }

    /// How the guest ended (an exit, a trap, a limit), or `None` while it
    /// can still be called.
    #[must_use]
    pub fn exit(&self) -> Option<&Exit> {
        self.ended.as_ref()
    }

    /// Calls the export `name` with `args`: `Some(results)` when it
    /// returned, `None` when the guest ended during the call (it exited,
    /// trapped or ran out of a limit: [`Guest::exit`] says which; no later
    /// call runs).
    ///
    /// # Errors
    /// [`RunError::Entry`] for a missing export, arguments that do not fit
    /// its type, or a guest that has already ended.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Option<Vec<Val>>, RunError> {
        let (f, mut results) = self.callable(name, args)?;
        match self.run_to_end(f, args, &mut results) {
            Ok(()) => Ok(Some(results)),
            Err(stop) => {
                self.ended = Some(self.exit_of(stop));
                Ok(None)
            }
        }
    }

    /// Calls `f` to the end, slicing its fuel when the run is metered (to
    /// check the time limit and take profile samples).
    fn run_to_end(&mut self, f: Func, args: &[Val], results: &mut [Val]) -> Result<(), Stop> {
        if !self.budget.metered {
            return f.call(&mut self.store, args, results).map_err(Stop::Error);
        }
        let mut given = self.next_grant(0);
        self.store.set_fuel(given).map_err(Stop::Error)?;
        let mut outcome = f.call_resumable(&mut self.store, args, results);
        loop {
            let left = self.store.get_fuel().unwrap_or(0);
            self.budget.spend(given - left.min(given));
            match outcome.map_err(Stop::Error)? {
                ResumableCall::Finished => return Ok(()),
                ResumableCall::HostTrap(trap) => return Err(Stop::Error(trap.into_host_error())),
                ResumableCall::OutOfFuel(paused) => {
                    if self.budget.fuel.is_some_and(|fuel| fuel < paused.required_fuel().max(1)) {
                        return Err(Stop::OutOfFuel);
                    }
                    if self.budget.deadline.is_some_and(|d| Instant::now() >= d) {
                        return Err(Stop::Timeout);
                    }
                    self.sample();
                    given = self.next_grant(paused.required_fuel());
                    self.store.set_fuel(given).map_err(Stop::Error)?;
                    outcome = paused.resume(&mut self.store, results);
                }
            }
        }
    }

    /// The fuel to give next outside slices: the limit's slice, or a
    /// profile's interval; at least `required`.
    fn next_grant(&self, required: u64) -> u64 {
        #[allow(unused_mut)]
        let mut grant = self.budget.slice();
        #[cfg(feature = "diagnostics")]
        if let Some(p) = &self.samples {
            grant = grant.min(p.interval);
        }
        grant.max(required).max(1)
    }

    /// Takes a profile sample of the stack, if profiling.
    fn sample(&mut self) {
        #[cfg(feature = "diagnostics")]
        if let (Some(p), Some(map), Some(instance)) = (&mut self.samples, &self.diag.map, self.instance) {
            let (raw, _) = map.raw(&self.store, &instance);
            p.samples.push((p.started.elapsed(), raw.into_iter().map(|(f, _)| f).collect()));
        }
    }

    /// The profile taken so far ([`Run::profile`]).
    #[cfg(feature = "diagnostics")]
    #[must_use]
    pub fn profile(&self) -> Option<crate::diagnostics::Profile> {
        self.samples.as_ref().map(|p| crate::diagnostics::Profile { interval: p.interval, samples: p.samples.clone() })
    }

    /// The exit a stopped call means, with the frames and core dump of a
    /// trap when diagnostics are on.
    fn exit_of(&self, stop: Stop) -> Exit {
        #[allow(unused_mut)]
        let mut exit = exit_of(stop);
        #[cfg(feature = "diagnostics")]
        if let (Exit::Trap(trap), Some(map), Some(instance)) = (&mut exit, &self.diag.map, self.instance) {
            let (raw, lost) = map.raw(&self.store, &instance);
            trap.backtrace = Some(crate::diagnostics::Backtrace { frames: map.frames(&raw), lost });
            if self.diag.core_dump {
                trap.core_dump = map.core_dump(&self.store, &instance, &raw);
            }
        }
        exit
    }

    /// The export `name`, checked against `args`, and room for its results.
    fn callable(&self, name: &str, args: &[Val]) -> Result<(Func, Vec<Val>), RunError> {
        if let Some(exit) = &self.ended {
            return Err(RunError::Entry(format!("the guest has ended ({exit:?}): {name} was not called")));
        }
        if self.pending.is_some() {
            return Err(RunError::Entry(format!(
                "a call in slices has not finished: resume or abandon it before calling {name}"
            )));
        }
        let f = self.func(name)?.ok_or_else(|| RunError::Entry(format!("no export named {name:?}")))?;
        let ty = f.ty(&self.store);
        check_args(&ty, name, args)?;
        let results = ty.results().iter().map(|t| Val::default_for_ty(*t)).collect();
        Ok((f, results))
    }

    /// Starts a call of the export `name` with `args` that runs for at most
    /// `slice` and then gives control back: [`Step::Returned`] if it
    /// finished, [`Step::Yielded`] when the slice is used up,
    /// [`Step::Waiting`] when the guest waits (non-blocking mode), and
    /// [`Step::Ended`] when the guest ended. Go on with
    /// [`Guest::resume`], any number of times, from this thread or another;
    /// [`Guest::abandon`] gives the guest up. The limits hold across slices
    /// (the fuel limit counts every slice; past the time limit the guest
    /// ends, also if it keeps yielding or waiting).
    ///
    /// # Errors
    /// As [`Guest::call`], and [`RunError::FuelNotEnabled`] for a slice of
    /// fuel or time on an engine without fuel metering
    /// ([`Limits::metered`]).
    pub fn start(&mut self, name: &str, args: &[Val], slice: Slice) -> Result<Step, RunError> {
        let (f, mut results) = self.callable(name, args)?;
        self.check_metering(slice)?;
        let grant = self.grant(slice, 0);
        self.set_fuel(grant)?;
        self.store.data_mut().wasi.set_nonblocking(self.non_blocking);
        let outcome = f.call_resumable(&mut self.store, args, &mut results);
        Ok(self.drive(outcome, results, slice, grant))
    }

    /// Goes on with the call [`Guest::start`] began, for at most `slice`.
    /// A guest that was waiting tries its WASI call again first: if it
    /// still cannot go on, this is [`Step::Waiting`] again at once.
    ///
    /// # Errors
    /// [`RunError::Entry`] when no call is in progress;
    /// [`RunError::FuelNotEnabled`] as for [`Guest::start`].
    pub fn resume(&mut self, slice: Slice) -> Result<Step, RunError> {
        self.check_metering(slice)?;
        let Some(Pending { paused, mut results }) = self.pending.take() else {
            return Err(RunError::Entry("no call in slices is in progress".into()));
        };
        self.store.data_mut().wasi.set_nonblocking(self.non_blocking);
        if self.budget.deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(self.end(Exit::Timeout));
        }
        match paused {
            Paused::Fuel(paused) => {
                let grant = self.grant(slice, paused.required_fuel());
                self.set_fuel(grant)?;
                let outcome = paused.resume(&mut self.store, &mut results);
                Ok(self.drive(outcome, results, slice, grant))
            }
            Paused::Waiting { call, mut blocked } => match self.retry(&mut blocked) {
                Err(wait) => {
                    blocked.wait = wait.clone();
                    self.pending = Some(Pending { paused: Paused::Waiting { call, blocked }, results });
                    Ok(Step::Waiting(wait))
                }
                Ok(answer) => {
                    let grant = self.grant(slice, 0);
                    self.set_fuel(grant)?;
                    let outcome = match answer {
                        Ok(errno) => call.resume(&mut self.store, &[Val::I32(errno as i32)], &mut results),
                        Err(e) => Err(e),
                    };
                    Ok(self.drive(outcome, results, slice, grant))
                }
            },
        }
    }

    /// Gives the guest up during a call in slices: the call is dropped and
    /// the guest has ended ([`Exit::Abandoned`]). Nothing happens when no
    /// call is in progress.
    pub fn abandon(&mut self) {
        if self.pending.take().is_some() {
            self.ended = Some(Exit::Abandoned);
        }
    }

    /// Whether a call in slices is in progress.
    #[must_use]
    pub fn in_call(&self) -> bool {
        self.pending.is_some()
    }

    /// The size of the guest's memory (its `memory` export) in bytes; 0
    /// if it has none.
    #[must_use]
    pub fn memory_size(&self) -> usize {
        self.memory().map_or(0, |m| m.data(&self.store).len())
    }

    /// Copies `buf.len()` bytes of the guest's memory at `offset` into
    /// `buf`, between calls (to read a result the guest left there).
    ///
    /// # Errors
    /// [`MemoryRange`] if they are not all inside it.
    pub fn read_memory(&self, offset: u64, buf: &mut [u8]) -> Result<(), MemoryRange> {
        let data = self.memory().map_or(&[][..], |m| m.data(&self.store));
        let r = crate::host_funcs::range(data.len(), offset, buf.len() as u64)?;
        buf.copy_from_slice(&data[r]);
        Ok(())
    }

    /// Copies `data` into the guest's memory at `offset`, between calls (to
    /// hand the guest a buffer, typically one its allocator gave).
    ///
    /// # Errors
    /// [`MemoryRange`] if it does not fit inside it.
    pub fn write_memory(&mut self, offset: u64, data: &[u8]) -> Result<(), MemoryRange> {
        let memory = self.memory();
        let bytes = memory.map_or(&mut [][..], |m| m.data_mut(&mut self.store));
        let r = crate::host_funcs::range(bytes.len(), offset, data.len() as u64)?;
        bytes[r].copy_from_slice(data);
        Ok(())
    }

    /// The guest's whole memory, to read and write in place between calls.
    #[must_use]
    pub fn memory_mut(&mut self) -> &mut [u8] {
        let memory = self.memory();
        memory.map_or(&mut [][..], |m| m.data_mut(&mut self.store))
    }

    /// The guest's memory: its `memory` export.
    fn memory(&self) -> Option<wasmi::Memory> {
        self.store.data().wasi.memory().or_else(|| self.instance?.get_memory(&self.store, "memory"))
    }

    fn check_metering(&self, slice: Slice) -> Result<(), RunError> {
        if slice.metered() && !self.budget.metered {
            return Err(RunError::FuelNotEnabled);
        }
        Ok(())
    }

    /// The fuel to give the guest next, within `slice` (of which `spent`
    /// is used) and the run's limits; at least `required`.
    fn grant(&self, slice: Slice, required: u64) -> u64 {
        if !self.budget.metered {
            return 0;
        }
        let mut grant = self.next_grant(0);
        if let Some(fuel) = slice.fuel {
            grant = grant.min(fuel);
        }
        if slice.time.is_some() {
            grant = grant.min(TIME_CHECK_FUEL);
        }
        grant.max(required).max(1)
    }

    fn set_fuel(&mut self, grant: u64) -> Result<(), RunError> {
        if self.budget.metered {
            self.store.set_fuel(grant).map_err(|_| RunError::FuelNotEnabled)?;
        }
        Ok(())
    }

    /// Ends the guest with `exit`.
    fn end(&mut self, exit: Exit) -> Step {
        self.pending = None;
        self.ended = Some(exit);
        self.store.data_mut().wasi.set_nonblocking(false);
        Step::Ended
    }

    /// Tries a waiting guest's WASI call again: `Err` with what it still
    /// waits for, or its answer (an errno, or the error that ends the guest).
    fn retry(&mut self, blocked: &mut Blocked<S>) -> Result<Result<u32, wasmi::Error>, Wait> {
        let memory = self.store.data().wasi.memory();
        let r = match memory {
            Some(m) => {
                let (bytes, host) = m.data_and_store_mut(&mut self.store);
                (blocked.retry)(&mut GuestMemory::new(bytes), host.wasi.system_mut())
            }
            None => (blocked.retry)(&mut GuestMemory::new(&mut []), self.store.data_mut().wasi.system_mut()),
        };
        match r {
            Err(crate::Fail::Block(wait)) => Err(wait),
            r => Ok(errno_result(r)),
        }
    }

    /// Runs a call in slices from `outcome` (the first part ran with
    /// `grant` fuel) until it returns, the slice is used up, the guest
    /// waits, or it ends.
    fn drive(
        &mut self,
        mut outcome: Result<ResumableCall, wasmi::Error>,
        results: Vec<Val>,
        slice: Slice,
        mut grant: u64,
    ) -> Step {
        let mut results = results;
        let start = Instant::now();
        let mut slice_fuel = slice.fuel;
        loop {
            if self.budget.metered {
                let used = grant - self.store.get_fuel().unwrap_or(0).min(grant);
                self.budget.spend(used);
                if let Some(f) = &mut slice_fuel {
                    *f = f.saturating_sub(used);
                }
            }
            match outcome {
                Err(e) => {
                    let exit = self.exit_of(Stop::Error(e));
                    return self.end(exit);
                }
                Ok(ResumableCall::Finished) => {
                    self.store.data_mut().wasi.set_nonblocking(false);
                    return Step::Returned(results);
                }
                Ok(ResumableCall::HostTrap(call)) => {
                    if call.host_error().downcast_ref::<WouldBlock>().is_some() {
                        let Some(blocked) = self.store.data_mut().wasi.take_blocked() else {
                            let e = wasmi::Error::new("a WASI call waited without saying for what");
                            return self.end(Exit::Trap(Trap::new(e)));
                        };
                        let wait = blocked.wait.clone();
                        self.pending = Some(Pending { paused: Paused::Waiting { call, blocked }, results });
                        return Step::Waiting(wait);
                    }
                    let exit = self.exit_of(Stop::Error(call.into_host_error()));
                    return self.end(exit);
                }
                Ok(ResumableCall::OutOfFuel(paused)) => {
                    let required = paused.required_fuel().max(1);
                    if self.budget.fuel.is_some_and(|fuel| fuel < required) {
                        return self.end(Exit::OutOfFuel);
                    }
                    if self.budget.deadline.is_some_and(|d| Instant::now() >= d) {
                        return self.end(Exit::Timeout);
                    }
                    let fuel_spent = slice_fuel.is_some_and(|f| f == 0 || f < required);
                    let time_spent = slice.time.is_some_and(|t| start.elapsed() >= t);
                    if fuel_spent || time_spent {
                        self.pending = Some(Pending { paused: Paused::Fuel(paused), results });
                        return Step::Yielded;
                    }
                    self.sample();
                    let rest = Slice { fuel: slice_fuel, time: slice.time };
                    grant = self.grant(rest, required);
                    if let Err(e) = self.store.set_fuel(grant) {
                        return self.end(Exit::Trap(Trap::new(e)));
                    }
                    outcome = paused.resume(&mut self.store, &mut results);
                }
            }
        }
    }

    /// Ends the guest and gives back how it ended (`Exit::Code(0)` if it
    /// never did) and the system.
    #[must_use]
    pub fn finish(mut self) -> Finished<S> {
        self.abandon();
        #[cfg(feature = "diagnostics")]
        let profile = self.profile();
        let host = self.store.into_data();
        Finished {
            exit: self.ended.unwrap_or(Exit::Code(0)),
            results: Vec::new(),
            memory_refused: host.memory.refused,
            system: host.wasi.into_system(),
            #[cfg(feature = "diagnostics")]
            profile,
        }
    }
}

/// Instantiates `module` with the preview1 imports on `system` and runs its
/// `_start` (a shorthand for [`Run::new`]`(engine, module).run(system)`).
///
/// # Errors
/// As [`Run::run`].
pub fn run_command<S: System + 'static>(engine: &Engine, module: &Module, system: S) -> Result<Finished<S>, RunError> {
    Run::new(engine, module).run(system)
}

/// The store's data while a guest runs.
struct Host<S> {
    wasi: WasiCtx<S>,
    memory: MemoryLimit,
}

/// wasmi's own default count of instances, tables and memories per store.
const LIMIT_UNCHANGED: usize = 10_000;

/// What one table element costs the host, as [`Limits::max_memory`] counts
/// it: wasmi stores 4 bytes per element, in a vector whose growth may
/// reserve as much again.
pub const TABLE_ELEMENT_BYTES: usize = 8;

/// [`Limits::max_memory`] over everything a guest can make the host
/// allocate in bulk: the sum of all its linear memories' sizes and all its
/// tables' elements (at [`TABLE_ELEMENT_BYTES`] each). Records what it
/// refused.
struct MemoryLimit {
    max: Option<usize>,
    /// Bytes that are the host's, not the guest's (a prepared module's
    /// shadow stack): not counted against `max`.
    credit: usize,
    refused: Option<usize>,
    /// Bytes of memories and tables granted so far.
    used: usize,
    /// The bytes the last approved growth added, taken back if the
    /// growth then fails.
    pending: usize,
}

impl MemoryLimit {
    fn new(max: Option<usize>, credit: usize) -> Self {
        MemoryLimit { max, credit, refused: None, used: 0, pending: 0 }
    }

    /// Grants growing one memory or table from `current` to `desired`
    /// bytes if the total stays within the limit.
    fn grant(&mut self, current: usize, desired: usize) -> bool {
        let added = desired.saturating_sub(current);
        let total = self.used.saturating_add(added);
        let guest = total.saturating_sub(self.credit);
        if self.max.is_some_and(|max| guest > max) {
            self.refused = Some(self.refused.map_or(guest, |r| r.max(guest)));
            return false;
        }
        self.used = total;
        self.pending = added;
        true
    }

    fn take_back(&mut self) {
        self.used -= self.pending.min(self.used);
        self.pending = 0;
    }
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, LimiterError> {
        if maximum.is_some_and(|m| desired > m) {
            return Ok(false);
        }
        Ok(self.grant(current, desired))
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, LimiterError> {
        if maximum.is_some_and(|m| desired > m) {
            return Ok(false);
        }
        let bytes = |n: usize| n.saturating_mul(TABLE_ELEMENT_BYTES);
        Ok(self.grant(bytes(current), bytes(desired)))
    }

    fn memory_grow_failed(&mut self, _error: &MemoryError) -> Result<(), LimiterError> {
        self.take_back();
        Ok(())
    }

    fn table_grow_failed(&mut self, _error: &TableError) -> Result<(), LimiterError> {
        self.take_back();
        Ok(())
    }

    fn instances(&self) -> usize {
        LIMIT_UNCHANGED
    }

    fn tables(&self) -> usize {
        LIMIT_UNCHANGED
    }

    fn memories(&self) -> usize {
        LIMIT_UNCHANGED
    }
}

/// Checks `args` against the parameters of the export `name`.
fn check_args(ty: &wasmi::FuncType, name: &str, args: &[Val]) -> Result<(), RunError> {
    let want: Vec<_> = ty.params().to_vec();
    let got: Vec<_> = args.iter().map(Val::ty).collect();
    if want != got {
        return Err(RunError::Entry(format!("{name} takes {want:?}, given {got:?}")));
    }
    Ok(())
}

/// Fuel left to spend and the time limit.
struct Budget {
    metered: bool,
    /// Fuel left, if the fuel is limited.
    fuel: Option<u64>,
    deadline: Option<Instant>,
}

impl Budget {
    fn new(limits: &Limits) -> Self {
        Budget { metered: limits.needs_fuel(), fuel: limits.fuel, deadline: limits.timeout.map(|t| Instant::now() + t) }
    }

    /// The fuel to give the guest before it next checks in.
    fn slice(&self) -> u64 {
        match (self.fuel, self.deadline) {
            (Some(fuel), None) => fuel,
            (Some(fuel), Some(_)) => fuel.min(FUEL_SLICE),
            (None, _) => FUEL_SLICE,
        }
    }

    fn spend(&mut self, used: u64) {
        if let Some(fuel) = &mut self.fuel {
            *fuel = fuel.saturating_sub(used);
        }
    }
}

/// Why a call stopped early.
enum Stop {
    Error(wasmi::Error),
    OutOfFuel,
    Timeout,
}

/// The exit a stopped call means.
fn exit_of(stop: Stop) -> Exit {
    match stop {
        Stop::OutOfFuel => Exit::OutOfFuel,
        Stop::Timeout => Exit::Timeout,
        Stop::Error(e) if e.downcast_ref::<DeadlinePassed>().is_some() => Exit::Timeout,
        Stop::Error(e) => match (e.i32_exit_status(), e.as_trap_code()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(TrapCode::OutOfFuel)) => Exit::OutOfFuel,
            _ => Exit::Trap(Trap::new(e)),
        },
    }
}
