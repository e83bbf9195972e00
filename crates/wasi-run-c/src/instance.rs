//! Instances (`wasirun_instance`): a guest instantiated once and kept
//! across calls, its calls in slices of fuel or time that give the thread
//! back (`wasirun_instance_start`, `wasirun_instance_resume`), and its
//! memory between calls.

use crate::host::CSystem;
use crate::host_funcs::{copy_in, copy_out};
use crate::result::{ended, failed, finished};
use crate::run::{build_system, configured, metered, unwrapped};
use crate::{
    bytes_of, guarded, or_error, set_error, vals_of, wasirun_config, wasirun_error, wasirun_module, wasirun_result,
    wasirun_val, write_values,
};
use std::ffi::{c_char, c_void};
use std::time::{Duration, Instant};
use wasi_wasmi::{Exit, Guest, RunError, Slice, Step, Wait};
use wasmi::{Engine, Module, Val};

/// A guest instantiated once, for any number of calls
/// ([`wasirun_instance_new`]).
pub struct wasirun_instance {
    guest: Guest<CSystem>,
    /// The last call in slices' results, once it returned.
    values: Vec<Val>,
    /// What the guest waits for, after `WASIRUN_STEP_WAITING`.
    wait: Option<(Wait, Instant)>,
    /// The metered engine and module the guest runs on, when its limits
    /// or slices needed one.
    _metered: Option<(Engine, Module)>,
}

impl std::fmt::Debug for wasirun_instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("wasirun_instance").field("exit", &self.guest.exit()).finish_non_exhaustive()
    }
}

/// Where a call in slices stands ([`wasirun_instance_start`],
/// [`wasirun_instance_resume`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wasirun_step {
    /// The call returned: [`wasirun_instance_values`] gives its results.
    WASIRUN_STEP_RETURNED = 0,
    /// The slice was used up: resume it later.
    WASIRUN_STEP_YIELDED = 1,
    /// The guest waits (non-blocking mode): [`wasirun_instance_wait`] says
    /// until when and on which fds; resume it when it can go on (or at
    /// once: it tries again and waits on).
    WASIRUN_STEP_WAITING = 2,
    /// The guest ended (an exit, a trap, a limit):
    /// [`wasirun_instance_finish`] says how.
    WASIRUN_STEP_ENDED = 3,
    /// Nothing ran: no such export, arguments of the wrong types, a call
    /// already in progress (or none to resume), slices without
    /// [`crate::wasirun_config_slices`], or an instance that has ended.
    /// `*error_out` says which.
    WASIRUN_STEP_FAILED = 4,
}

/// What a waiting guest waits for ([`wasirun_instance_wait`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct wasirun_wait {
    /// Nanoseconds from now until the earliest clock the guest waits on
    /// fires (0 if it has); -1 if it waits on no clock.
    pub timeout_ns: i64,
    /// How many guest fds it waits on ([`wasirun_instance_wait_fd`]). With
    /// no clock and no fd, the guest gave way (`sched_yield`) and can go
    /// on at once.
    pub nfds: usize,
}

/// Instantiates the module on a system built from `config` (with its host
/// functions, limits and modes) and calls `_initialize` if it exports one,
/// keeping the instance (its memory and globals) for any number of
/// [`wasirun_instance_call`]s and calls in slices. The config's limits hold
/// for the instance's whole life: fuel is spent across calls, the time
/// limit counts from now. Returns `NULL` when the guest cannot run
/// (unsatisfied imports, a host function of the wrong type, a system that
/// cannot be built), with the one-line reason in `*error_out`; a trap in
/// `_initialize` gives an instance that has ended (its calls fail;
/// [`wasirun_instance_finish`] says how). The caller owns the instance:
/// free it with [`wasirun_instance_delete`] or [`wasirun_instance_finish`].
/// An instance is used by one thread at a time, and may move to another
/// thread between calls (a call in slices started on one thread may be
/// resumed on another).
///
/// # Safety
/// `module` and `config` are live; `error_out` is null or valid for a
/// write of one pointer. The config may be changed or freed afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_new(
    module: *const wasirun_module,
    config: *const wasirun_config,
    error_out: *mut *mut wasirun_error,
) -> *mut wasirun_instance {
    // SAFETY: live by the caller's contract.
    let (module, config) = unsafe { (module.as_ref(), config.as_ref()) };
    let r = guarded(Err("the library panicked".to_string()), || {
        let (Some(module), Some(config)) = (module, config) else {
            return Err("no module or config (NULL)".to_string());
        };
        let system = build_system(config)?;
        let metered = metered(module, &config.limits)?;
        let (engine, m) = metered.as_ref().unwrap_or(&module.plain);
        let r = configured(engine, m, module, config);
        let guest = r.instantiate(CSystem::new(system, config.deterministic)).map_err(|e| e.to_string())?;
        Ok(wasirun_instance { guest, values: Vec::new(), wait: None, _metered: metered })
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.map_or(std::ptr::null_mut(), |i| Box::into_raw(Box::new(i)))
}

/// An instance from a caller's pointer.
///
/// # Safety
/// `instance` is null or live, and not used by another thread during the call.
unsafe fn instance_mut<'a>(instance: *mut wasirun_instance) -> Option<&'a mut wasirun_instance> {
    // SAFETY: by the caller's contract.
    unsafe { instance.as_mut() }
}

/// Calls the instance's export `name` with the `nargs` arguments at
/// `args`, to the end (waiting, in the calling thread, for whatever the
/// guest waits for). The result's outcome is `WASIRUN_EXITED` (exit code
/// 0) with the export's results ([`crate::wasirun_result_values`]) when it
/// returned; a trap, `proc_exit` or an exhausted limit ends the instance
/// (the result says which, and later calls fail); `WASIRUN_FAILED` for a
/// missing export, arguments of the wrong types, a call in slices in
/// progress, or an instance that has ended. Captured output is in the
/// result of [`wasirun_instance_finish`]. The caller owns the result.
///
/// # Safety
/// `instance` is live and not used by another thread during the call;
/// `name` is a NUL-terminated string; `args` is valid for reads of `nargs`
/// values (or `nargs` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_call(
    instance: *mut wasirun_instance,
    name: *const c_char,
    args: *const wasirun_val,
    nargs: usize,
) -> *mut wasirun_result {
    // SAFETY: live and ours for the call, by the caller's contract.
    let instance = unsafe { instance_mut(instance) };
    // SAFETY: a NUL-terminated string by the caller's contract.
    let name = unsafe { bytes_of(name) };
    // SAFETY: valid for `nargs` values by the caller's contract.
    let args = unsafe { vals_of(args, nargs) };
    let r = guarded(failed("the library panicked"), || {
        let (Some(instance), Some(name)) = (instance, name) else {
            return failed("no instance or export name (NULL)");
        };
        let Ok(name) = std::str::from_utf8(name) else { return failed("the export name is not UTF-8") };
        let called = instance.guest.call(name, &args);
        match (called, instance.guest.exit()) {
            (Ok(Some(values)), _) => ended(&Exit::Code(0), values),
            (Ok(None), Some(exit)) => ended(exit, Vec::new()),
            (Ok(None), None) => failed("the guest ended"),
            (Err(e), _) => failed(e),
        }
    });
    Box::into_raw(Box::new(r))
}

/// A slice of `fuel` units (0: no bound) and `time_us` microseconds (0: no
/// bound).
fn slice_of(fuel: u64, time_us: u64) -> Slice {
    let mut slice = if time_us > 0 { Slice::time(Duration::from_micros(time_us)) } else { Slice::UNLIMITED };
    if fuel > 0 {
        slice = slice.and_fuel(fuel);
    }
    slice
}

/// Records a step for the C caller.
///
/// # Safety
/// `error_out` is null or valid for a write of one pointer.
unsafe fn record(
    instance: &mut wasirun_instance,
    step: Result<Step, RunError>,
    error_out: *mut *mut wasirun_error,
) -> wasirun_step {
    instance.wait = None;
    match step {
        Ok(Step::Returned(values)) => {
            instance.values = values;
            wasirun_step::WASIRUN_STEP_RETURNED
        }
        Ok(Step::Yielded) => wasirun_step::WASIRUN_STEP_YIELDED,
        Ok(Step::Waiting(wait)) => {
            instance.wait = Some((wait, Instant::now()));
            wasirun_step::WASIRUN_STEP_WAITING
        }
        Ok(Step::Ended) => wasirun_step::WASIRUN_STEP_ENDED,
        Err(e) => {
            // SAFETY: by the caller's contract.
            unsafe { set_error(error_out, e) };
            wasirun_step::WASIRUN_STEP_FAILED
        }
    }
}

/// Starts a call of the export `name` with the `nargs` arguments at `args`
/// that runs for at most `fuel` units of fuel (0: no bound) and `time_us`
/// microseconds (0: no bound), then gives the thread back: the step says
/// whether it returned, used up its slice, waits (non-blocking mode,
/// [`crate::wasirun_config_non_blocking`]) or ended. Go on with
/// [`wasirun_instance_resume`], any number of times;
/// [`wasirun_instance_abandon`] gives the guest up. Slices of fuel or time
/// need [`crate::wasirun_config_slices`] (or a fuel or time limit). With
/// neither bound and non-blocking mode off, this runs to the end, as
/// [`wasirun_instance_call`] does. Call `_start` to run a command this way.
///
/// # Safety
/// `instance` is live and not used by another thread during the call;
/// `name` is a NUL-terminated string; `args` is valid for reads of `nargs`
/// values (or `nargs` is 0); `error_out` is null or valid for a write of
/// one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_start(
    instance: *mut wasirun_instance,
    name: *const c_char,
    args: *const wasirun_val,
    nargs: usize,
    fuel: u64,
    time_us: u64,
    error_out: *mut *mut wasirun_error,
) -> wasirun_step {
    // SAFETY: by the caller's contract.
    let (instance, name, args) = unsafe { (instance_mut(instance), bytes_of(name), vals_of(args, nargs)) };
    let (Some(instance), Some(name)) = (instance, name) else {
        // SAFETY: by the caller's contract.
        unsafe { set_error(error_out, "no instance or export name (NULL)") };
        return wasirun_step::WASIRUN_STEP_FAILED;
    };
    let step = guarded(Err(RunError::Entry("the library panicked".into())), || {
        let name = std::str::from_utf8(name).map_err(|_| RunError::Entry("the export name is not UTF-8".into()))?;
        instance.guest.start(name, &args, slice_of(fuel, time_us))
    });
    // SAFETY: by the caller's contract.
    unsafe { record(instance, step, error_out) }
}

/// Goes on with the call [`wasirun_instance_start`] began, for at most
/// `fuel` units and `time_us` microseconds (0: no bound). A guest that was
/// waiting tries its WASI call again first: if it still cannot go on, this
/// is `WASIRUN_STEP_WAITING` again at once. The time limit holds: past it
/// the guest ends.
///
/// # Safety
/// `instance` is live and not used by another thread during the call;
/// `error_out` is null or valid for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_resume(
    instance: *mut wasirun_instance,
    fuel: u64,
    time_us: u64,
    error_out: *mut *mut wasirun_error,
) -> wasirun_step {
    // SAFETY: by the caller's contract.
    let Some(instance) = (unsafe { instance_mut(instance) }) else {
        // SAFETY: by the caller's contract.
        unsafe { set_error(error_out, "no instance (NULL)") };
        return wasirun_step::WASIRUN_STEP_FAILED;
    };
    let step =
        guarded(Err(RunError::Entry("the library panicked".into())), || instance.guest.resume(slice_of(fuel, time_us)));
    // SAFETY: by the caller's contract.
    unsafe { record(instance, step, error_out) }
}

/// Gives the guest up during a call in slices: the call is dropped and the
/// instance has ended (`WASIRUN_ABANDONED`). Nothing happens when no call
/// is in progress.
///
/// # Safety
/// `instance` is null or live and not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_abandon(instance: *mut wasirun_instance) {
    // SAFETY: by the caller's contract.
    if let Some(i) = unsafe { instance_mut(instance) } {
        guarded((), || i.guest.abandon());
    }
}

/// Copies up to `capacity` of the results of the last call in slices that
/// returned to `out`, and returns how many it returned.
///
/// # Safety
/// `instance` is live; `out` is valid for writes of `capacity` values (or
/// `capacity` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_values(
    instance: *const wasirun_instance,
    out: *mut wasirun_val,
    capacity: usize,
) -> usize {
    // SAFETY: by the caller's contract.
    let Some(i) = (unsafe { instance.as_ref() }) else { return 0 };
    // SAFETY: by the caller's contract.
    unsafe { write_values(&i.values, out, capacity) }
}

/// What the guest waits for, after `WASIRUN_STEP_WAITING`: stored in `*out`.
/// Returns `false` (and stores nothing) when the last step was not a wait.
///
/// # Safety
/// `instance` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_wait(instance: *const wasirun_instance, out: *mut wasirun_wait) -> bool {
    // SAFETY: by the caller's contract.
    let Some((wait, _)) = (unsafe { instance.as_ref() }).and_then(|i| i.wait.as_ref()) else { return false };
    let timeout_ns = wait
        .until
        .map_or(-1, |u| i64::try_from(u.saturating_duration_since(Instant::now()).as_nanos()).unwrap_or(i64::MAX));
    if !out.is_null() {
        // SAFETY: valid for a write by the caller's contract.
        unsafe { out.write(wasirun_wait { timeout_ns, nfds: wait.read.len() + wait.write.len() }) };
    }
    true
}

/// The `index`-th guest fd a waiting guest waits on, in `*fd`, and in
/// `*for_write` whether it waits to write it (else to read it). Returns
/// `false` past the last one, or when the guest is not waiting.
///
/// # Safety
/// `instance` is live; `fd` and `for_write` are valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_wait_fd(
    instance: *const wasirun_instance,
    index: usize,
    fd: *mut u32,
    for_write: *mut bool,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some((wait, _)) = (unsafe { instance.as_ref() }).and_then(|i| i.wait.as_ref()) else { return false };
    let found = match wait.read.get(index) {
        Some(&f) => Some((f, false)),
        None => wait.write.get(index - wait.read.len()).map(|&f| (f, true)),
    };
    let Some((f, w)) = found else { return false };
    if !fd.is_null() {
        // SAFETY: valid for a write by the caller's contract.
        unsafe { fd.write(f) };
    }
    if !for_write.is_null() {
        // SAFETY: valid for a write by the caller's contract.
        unsafe { for_write.write(w) };
    }
    true
}

/// The size of the instance's memory (its `memory` export) in bytes; 0 if
/// it has none.
///
/// # Safety
/// `instance` is null or live and not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_memory_size(instance: *mut wasirun_instance) -> usize {
    // SAFETY: by the caller's contract.
    unsafe { instance_mut(instance) }.map_or(0, |i| i.guest.memory_mut().len())
}

/// The `len` bytes at `offset` in the instance's memory, to read and write
/// in place between calls: valid until the next call into the instance
/// (which may grow and move the memory). `NULL` if they are not all inside
/// it.
///
/// # Safety
/// `instance` is null or live and not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_memory(instance: *mut wasirun_instance, offset: u64, len: u64) -> *mut u8 {
    // SAFETY: by the caller's contract.
    let Some(i) = (unsafe { instance_mut(instance) }) else { return std::ptr::null_mut() };
    let bytes = i.guest.memory_mut();
    match wasi_wasmi::host_funcs::range(bytes.len(), offset, len) {
        Ok(r) => bytes[r].as_mut_ptr(),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Copies `len` bytes of the instance's memory at `offset` to `buf`,
/// between calls (to read a result the guest left there). Returns `false`
/// if they are not all inside it, with the range in `*error_out` (nothing
/// is copied).
///
/// # Safety
/// `instance` is live and not used by another thread during the call;
/// `buf` is valid for writes of `len` bytes; `error_out` is null or valid
/// for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_memory_read(
    instance: *mut wasirun_instance,
    offset: u64,
    buf: *mut c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some(i) = (unsafe { instance_mut(instance) }) else { return false };
    // SAFETY: by the caller's contract.
    unsafe { copy_out(i.guest.memory_mut(), offset, buf, len, error_out) }
}

/// Copies `len` bytes at `data` into the instance's memory at `offset`,
/// between calls (to hand the guest a buffer, typically at an address its
/// allocator export gave). Returns `false` if they do not fit inside it,
/// with the range in `*error_out` (nothing is copied).
///
/// # Safety
/// `instance` is live and not used by another thread during the call;
/// `data` is valid for reads of `len` bytes; `error_out` is null or valid
/// for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_memory_write(
    instance: *mut wasirun_instance,
    offset: u64,
    data: *const c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some(i) = (unsafe { instance_mut(instance) }) else { return false };
    // SAFETY: by the caller's contract.
    unsafe { copy_in(i.guest.memory_mut(), offset, data, len, error_out) }
}

/// Ends the instance and frees it, returning how it ended
/// (`WASIRUN_EXITED` with code 0 if nothing ended it, `WASIRUN_ABANDONED`
/// if a call in slices was still in progress) and what it wrote to captured
/// streams over its life. The caller owns the result.
///
/// # Safety
/// `instance` is from [`wasirun_instance_new`] and not yet freed; it is
/// freed by this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_finish(instance: *mut wasirun_instance) -> *mut wasirun_result {
    if instance.is_null() {
        return Box::into_raw(Box::new(failed("no instance (NULL)")));
    }
    // SAFETY: owned by the caller, who gives it up.
    let instance = unsafe { Box::from_raw(instance) };
    let r = guarded(failed("the library panicked"), || {
        let wasirun_instance { guest, _metered, .. } = *instance;
        let r = finished(unwrapped(guest.finish()));
        drop(_metered);
        r
    });
    Box::into_raw(Box::new(r))
}

/// Frees an instance without looking at how it ended. `NULL` does nothing.
///
/// # Safety
/// `instance` is null or from [`wasirun_instance_new`], not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_instance_delete(instance: *mut wasirun_instance) {
    if !instance.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        guarded((), || drop(unsafe { Box::from_raw(instance) }));
    }
}
