//! Running a preview1 command: instantiate, call `_start`, collect the exit.

use crate::{WasiCtx, add_to_linker, add_wasmedge_sockets};
use std::fmt;
use wasi_preview1::System;
use wasmi::{CompilationMode, Config, Engine, Linker, Module, Store};

/// Call depth allowed to a guest. Go's wasip1 binaries map every Go call to
/// a wasm call, so deep Go recursion needs deep wasm recursion; wasmi's
/// default of 1000 is far too small for them.
pub const MAX_RECURSION_DEPTH: usize = 1 << 20;

/// Value-stack bytes allowed to a guest (grown on demand, up to this).
pub const MAX_STACK_BYTES: usize = 1 << 30;

/// The engine configuration for real programs: functions are validated
/// when the module loads (so an invalid module is refused before it runs)
/// and translated on first call (so a large module starts fast); stack
/// limits large enough for Go.
#[must_use]
pub fn engine_config() -> Config {
    let mut config = Config::default();
    config
        .compilation_mode(CompilationMode::LazyTranslation)
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(MAX_STACK_BYTES);
    config
}

/// Why a command did not run.
#[derive(Debug)]
pub enum RunError {
    /// The imports could not be defined or linked, or the module does not
    /// export a `_start` function of type `() -> ()`.
    Link(wasmi::Error),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Link(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// How a guest ended.
#[derive(Debug)]
pub enum Exit {
    /// It returned from `_start` (0) or called `proc_exit` (its code).
    Code(i32),
    /// It trapped.
    Trap(wasmi::Error),
}

/// A finished command: how it ended, and the system it ran on.
#[derive(Debug)]
pub struct Finished<S> {
    /// How the guest ended.
    pub exit: Exit,
    /// The system, for the embedder to inspect.
    pub system: S,
}

/// Instantiates `module` with the preview1 imports on `system` and runs its
/// `_start`.
///
/// # Errors
/// [`RunError::Link`] when the module cannot be instantiated (an import
/// preview1 does not provide, a missing `_start`). A trap or exit while
/// running is not an error: it is the [`Exit`] in [`Finished`].
pub fn run_command<S: System + 'static>(engine: &Engine, module: &Module, system: S) -> Result<Finished<S>, RunError> {
    let mut store = Store::new(engine, WasiCtx::new(system));
    let mut linker = Linker::<WasiCtx<S>>::new(engine);
    add_to_linker(&mut linker, |ctx| ctx).map_err(|e| RunError::Link(e.into()))?;
    add_wasmedge_sockets(&mut linker, module, |ctx| ctx).map_err(|e| RunError::Link(e.into()))?;
    let instance = match linker.instantiate_and_start(&mut store, module) {
        Ok(i) => i,
        Err(e) if e.as_trap_code().is_some() || e.i32_exit_status().is_some() => {
            return Ok(finish(store, Err(e)));
        }
        Err(e) => return Err(RunError::Link(e)),
    };
    if let Some(memory) = instance.get_memory(&store, "memory") {
        store.data_mut().set_memory(memory);
    }
    let start = instance.get_typed_func::<(), ()>(&store, "_start").map_err(RunError::Link)?;
    let result = start.call(&mut store, ());
    Ok(finish(store, result))
}

fn finish<S>(store: Store<WasiCtx<S>>, result: Result<(), wasmi::Error>) -> Finished<S> {
    let exit = match result {
        Ok(()) => Exit::Code(0),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Exit::Code(code),
            None => Exit::Trap(e),
        },
    };
    Finished { exit, system: store.into_data().into_system() }
}
