//! One-shot runs (`wasirun_run`, `wasirun_call`), and what every run and
//! instance is built from: the system a config describes, the engine its
//! limits need, and the `Run` with its host functions.

use crate::config::{Callback, PreopenDir, StdioChoice};
use crate::host::{CSystem, HostBuilder, HostSystem, own_stdio, set_stdio};
use crate::result::{failed, finished};
use crate::{bytes_of, guarded, vals_of, wasirun_config, wasirun_module, wasirun_result, wasirun_val};
use std::ffi::c_char;
use std::io::IoSlice;
use wasi_preview1::abi::{Errno, Fdflags, Filetype, Size};
use wasi_preview1::file::VirtualFile;
use wasi_wasmi::{Finished, Limits, Run, engine_config_for};
use wasmi::{Engine, Module, Val};

/// A guest stream that hands every write to a C callback.
#[derive(Debug)]
struct CallbackFile(Callback);

impl VirtualFile for CallbackFile {
    fn filetype(&self) -> Filetype {
        Filetype::CharacterDevice
    }
    fn readable(&self) -> bool {
        false
    }
    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size, Errno> {
        let mut n = 0usize;
        for b in bufs.iter().filter(|b| !b.is_empty()) {
            (self.0.write)(self.0.userdata, b.as_ptr(), b.len());
            n += b.len();
        }
        Ok(Size::try_from(n).unwrap_or(Size::MAX))
    }
}

/// The system a run of `config` gets.
pub(crate) fn build_system(config: &wasirun_config) -> Result<HostSystem, String> {
    let mut b: HostBuilder = HostSystem::builder().args(&config.args);
    if let Some(inherit) = config.inherit_env {
        b = inherit(b);
    }
    b = b.envs(config.env.iter().map(|(k, v)| (k, v)));
    let dup = |f: &crate::host::HostFile| f.try_clone().map_err(|e| format!("cannot duplicate a host file: {e}"));
    for p in &config.preopens {
        b = match &p.dir {
            PreopenDir::Host(dir) if p.readonly => b.preopen_dir_readonly(dup(dir)?, p.guest.clone()),
            PreopenDir::Host(dir) => b.preopen_dir(dup(dir)?, p.guest.clone()),
            PreopenDir::Mount { fresh: Some(fresh), .. } => b.mount((fresh.0)()?, p.guest.clone()),
            PreopenDir::Mount { fs, fresh: None } => b.mount(fs.clone(), p.guest.clone()),
        };
    }
    for (which, choice) in config.stdio.iter().enumerate() {
        b = match (which, choice) {
            (_, StdioChoice::Null) => b,
            // A closed stream of our own: the guest's is closed too.
            (_, StdioChoice::Inherit) => match own_stdio(which) {
                Some(f) => set_stdio(b, which, f),
                None => b,
            },
            (_, StdioChoice::File(f)) => set_stdio(b, which, dup(f)?),
            (_, StdioChoice::Piped(step)) => (step.0)(b),
            (1, StdioChoice::Callback(cb)) => b.stdout_file(CallbackFile(*cb)),
            (2, StdioChoice::Callback(cb)) => b.stderr_file(CallbackFile(*cb)),
            _ => b,
        };
    }
    if let Some(max) = config.max_open_files {
        b = b.max_open_files(max);
    }
    b.build().map_err(|e| format!("cannot build the system: {e}"))
}

/// An engine with fuel metering and the module compiled for it, when the
/// config's limits need one (the module's own engine has none).
pub(crate) fn metered(module: &wasirun_module, limits: &Limits) -> Result<Option<(Engine, Module)>, String> {
    if !limits.needs_fuel() {
        return Ok(None);
    }
    module.code.compile(&engine_config_for(limits)).map(Some)
}

/// The run `config` describes, of `module` (compiled as `compiled` on
/// `engine`): its limits, host functions, mode and backtraces.
pub(crate) fn configured<'a>(
    engine: &'a Engine,
    compiled: &'a Module,
    module: &wasirun_module,
    config: &wasirun_config,
) -> Run<'a> {
    let _ = module;
    let mut run = Run::new(engine, compiled).limits(config.limits.clone()).non_blocking(config.non_blocking);
    #[cfg(feature = "diagnostics")]
    if let Some(map) = module.frame_map() {
        run = run.diagnostics(map.clone()).core_dump(map.core_dumps());
    }
    for f in &config.funcs {
        run = (f.0)(run);
    }
    run
}

/// A run's outcome, with the host system beneath its clocks.
pub(crate) fn unwrapped(f: Finished<CSystem>) -> Finished<HostSystem> {
    f.map_system(CSystem::into_inner)
}

/// One run of `module` under `config`, calling `invoke` if given.
fn run(module: &wasirun_module, config: &wasirun_config, invoke: Option<(&str, &[Val])>) -> wasirun_result {
    let system = match build_system(config) {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let metered = match metered(module, &config.limits) {
        Ok(m) => m,
        Err(e) => return failed(e),
    };
    let (engine, compiled) = metered.as_ref().unwrap_or(&module.plain);
    let mut r = configured(engine, compiled, module, config);
    if let Some((name, args)) = invoke {
        r = r.invoke(name, args);
    }
    match r.run(CSystem::new(system, config.deterministic)).map(unwrapped) {
        Ok(f) => finished(f),
        Err(e) => failed(e),
    }
}

/// Runs the module's `_start` (after `_initialize`, if it exports both)
/// on a system built from `config`, within its limits, and returns how it
/// ended. Never `NULL` unless memory for the result cannot be had: a guest
/// that could not run gives `WASIRUN_FAILED`. The caller owns the result:
/// free it with [`crate::wasirun_result_delete`].
///
/// # Safety
/// `module` and `config` are live (the config not changed during the run).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_run(
    module: *const wasirun_module,
    config: *const wasirun_config,
) -> *mut wasirun_result {
    // SAFETY: live by the caller's contract.
    let (module, config) = unsafe { (module.as_ref(), config.as_ref()) };
    let r = guarded(failed("the library panicked"), || match (module, config) {
        (Some(m), Some(c)) => run(m, c, None),
        _ => failed("no module or config (NULL)"),
    });
    Box::into_raw(Box::new(r))
}

/// Instantiates the module on a system built from `config`, calls
/// `_initialize` if it exports it (a reactor), then the export `name` with
/// the `nargs` arguments at `args`; its results are in the result
/// ([`crate::wasirun_result_values`]). Each call gets a new instance (use
/// [`crate::wasirun_instance_new`] to keep one across calls). Ownership as
/// for [`wasirun_run`].
///
/// # Safety
/// `module` and `config` are live; `name` is a NUL-terminated string;
/// `args` is valid for reads of `nargs` values (or `nargs` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_call(
    module: *const wasirun_module,
    config: *const wasirun_config,
    name: *const c_char,
    args: *const wasirun_val,
    nargs: usize,
) -> *mut wasirun_result {
    // SAFETY: live by the caller's contract.
    let (module, config) = unsafe { (module.as_ref(), config.as_ref()) };
    // SAFETY: a NUL-terminated string by the caller's contract.
    let name = unsafe { bytes_of(name) };
    // SAFETY: valid for `nargs` values by the caller's contract.
    let vals = unsafe { vals_of(args, nargs) };
    let r = guarded(failed("the library panicked"), || {
        let (Some(m), Some(c), Some(name)) = (module, config, name) else {
            return failed("no module, config or export name (NULL)");
        };
        let Ok(name) = std::str::from_utf8(name) else { return failed("the export name is not UTF-8") };
        run(m, c, Some((name, &vals)))
    });
    Box::into_raw(Box::new(r))
}
