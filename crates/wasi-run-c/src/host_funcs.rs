//! Host functions (`wasirun_config_define_func`): functions the C host
//! defines for the guest to import (`env.draw(ptr, len)`, `engine.spawn`),
//! and the caller handle (`wasirun_caller`) through which one reaches the
//! calling instance's memory, ends the guest, or traps it.
//!
//! A host function's C callback is called on the thread running the guest,
//! with the arguments as [`wasirun_val`]s and room for its results. It
//! returns 0 to return to the guest, or anything else to end it: with the
//! exit code given to [`wasirun_caller_exit`], the trap message given to
//! [`wasirun_caller_trap`], or (neither called) a trap naming the function
//! and the value it returned. It must not `longjmp` or throw out of the
//! callback: that would unwind through the interpreter, which the C
//! language cannot make safe; return non-zero instead.

use crate::config::config_mut;
use crate::{
    c_string, guarded, or_error, set_error, slice_of, text_of, to_val, val_type, wasirun_config, wasirun_error,
    wasirun_val, wasirun_valkind, wasirun_valunion,
};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use wasi_wasmi::host_funcs::range;
use wasi_wasmi::{HostCall, Run};
use wasmi::{FuncType, Val, ValType};

/// What a host function's callback gets to reach its caller: the calling
/// instance's memory, and the way to end the guest. Valid only during the
/// callback.
#[derive(Debug)]
pub struct wasirun_caller {
    memory: *mut u8,
    len: usize,
    end: Option<End>,
}

/// How a callback asked to end the guest.
#[derive(Debug)]
enum End {
    Trap(String),
    Exit(i32),
}

/// A host function: `args` holds its `nargs` arguments, `results` room for
/// its `nresults` results (each with `kind` set; write `of`). Returns 0 to
/// return to the guest, anything else to end it ([`wasirun_caller_exit`],
/// [`wasirun_caller_trap`]). Called on the thread running the guest.
pub type wasirun_host_fn = extern "C" fn(
    userdata: *mut c_void,
    caller: *mut wasirun_caller,
    args: *const wasirun_val,
    nargs: usize,
    results: *mut wasirun_val,
    nresults: usize,
) -> c_int;

/// Called once with a host function's `userdata` when nothing uses the
/// function any more (the config and every instance made from it are
/// gone).
pub type wasirun_finalizer = Option<extern "C" fn(userdata: *mut c_void)>;

/// One C host function, shared by the config and every run made from it.
#[derive(Debug)]
pub(crate) struct CFunc {
    module: String,
    name: String,
    params: Vec<ValType>,
    results: Vec<wasirun_valkind>,
    func: wasirun_host_fn,
    userdata: *mut c_void,
    finalizer: wasirun_finalizer,
}

// SAFETY: the callback and its userdata are used only on the thread that
// runs the guest, which the C caller promises is sound
// (`wasirun_config_define_func`); the finalizer runs once, on whichever
// thread drops the last reference, which the caller also accepts there.
unsafe impl Send for CFunc {}
// SAFETY: as above; shared references only read the fields.
unsafe impl Sync for CFunc {}

impl Drop for CFunc {
    fn drop(&mut self) {
        if let Some(f) = self.finalizer {
            f(self.userdata);
        }
    }
}

/// The most arguments or results a host function handles without a heap
/// allocation per call.
const INLINE: usize = 8;

impl CFunc {
    /// Calls the C function for the guest.
    fn call(&self, call: &mut HostCall<'_>, args: &[Val], results: &mut [Val]) -> Result<(), wasmi::Error> {
        let mut cargs: smallvec::SmallVec<[wasirun_val; INLINE]> = args.iter().filter_map(crate::from_val).collect();
        let mut cresults: smallvec::SmallVec<[wasirun_val; INLINE]> =
            self.results.iter().map(|&kind| wasirun_val { kind, of: wasirun_valunion { i64: 0 } }).collect();
        let memory = call.memory();
        let mut caller = wasirun_caller { memory: memory.as_mut_ptr(), len: memory.len(), end: None };
        let rc = (self.func)(
            self.userdata,
            &mut caller,
            cargs.as_mut_ptr(),
            cargs.len(),
            cresults.as_mut_ptr(),
            cresults.len(),
        );
        match (caller.end, rc) {
            (Some(End::Exit(code)), _) => Err(wasmi::Error::i32_exit(code)),
            (Some(End::Trap(message)), _) => Err(wasmi::Error::new(message)),
            (None, 0) => {
                for (slot, (r, want)) in results.iter_mut().zip(cresults.iter().zip(&self.results)) {
                    if r.kind != *want {
                        return Err(wasmi::Error::new(format!(
                            "host function {}::{} returned a {:?} where its type says {:?}",
                            self.module, self.name, r.kind, want
                        )));
                    }
                    *slot = to_val(r);
                }
                Ok(())
            }
            (None, rc) => Err(wasmi::Error::new(format!(
                "host function {}::{} failed (it returned {rc})",
                self.module, self.name
            ))),
        }
    }

    /// Defines this function on a run.
    pub(crate) fn define<'a>(self: &Arc<Self>, run: Run<'a>) -> Run<'a> {
        let ty = FuncType::new(self.params.iter().copied(), self.results.iter().map(|&k| val_type(k)));
        let me = self.clone();
        run.func(&self.module, &self.name, ty, move |call, args, results| me.call(call, args, results))
    }
}

/// Defines the function `module::name` for the guest to import, with the
/// `nparams` parameter types at `params` and the `nresults` result types at
/// `results`, calling `func(userdata, caller, ...)` when the guest calls it
/// (see [`wasirun_host_fn`]). A module that imports it with another type
/// fails to instantiate with a one-line error naming both types. Every run
/// and instance made from the config gets it. `finalizer`, if not `NULL`,
/// is called with `userdata` once nothing uses the function any more.
/// Returns `false` on failure (a `NULL` or non-UTF-8 name), with the
/// reason in `*error_out`.
///
/// # Safety
/// `config` is a live config; `module` and `name` are NUL-terminated
/// strings; `params` and `results` are valid for reads of `nparams` and
/// `nresults` kinds (or the counts are 0); `func` and `finalizer` are safe
/// to call with `userdata` on the threads that run guests and drop the
/// config; `error_out` is null or valid for a write of one pointer.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wasirun_config_define_func(
    config: *mut wasirun_config,
    module: *const c_char,
    name: *const c_char,
    params: *const wasirun_valkind,
    nparams: usize,
    results: *const wasirun_valkind,
    nresults: usize,
    func: wasirun_host_fn,
    userdata: *mut c_void,
    finalizer: wasirun_finalizer,
    error_out: *mut *mut wasirun_error,
) -> bool {
    let r = guarded(Err("the library panicked".to_string()), || {
        // SAFETY: by the caller's contract.
        let c = unsafe { config_mut(config) }.ok_or("no config (NULL)")?;
        // SAFETY: by the caller's contract.
        let module = unsafe { text_of(module, "module name") }?.to_string();
        // SAFETY: by the caller's contract.
        let name = unsafe { text_of(name, "function name") }?.to_string();
        // SAFETY: by the caller's contract.
        let params = unsafe { slice_of(params, nparams) }.iter().map(|&k| val_type(k)).collect();
        // SAFETY: by the caller's contract.
        let results = unsafe { slice_of(results, nresults) }.to_vec();
        let f = Arc::new(CFunc { module, name, params, results, func, userdata, finalizer });
        c.funcs.push(crate::config::Deferred(Arc::new(move |run| f.define(run))));
        Ok(())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.is_some()
}

/// The caller from a callback's pointer.
///
/// # Safety
/// `caller` is null or the live caller of a callback in progress.
unsafe fn caller_ref<'a>(caller: *mut wasirun_caller) -> Option<&'a mut wasirun_caller> {
    // SAFETY: by the caller's contract.
    unsafe { caller.as_mut() }
}

impl wasirun_caller {
    /// The guest's memory.
    fn bytes(&mut self) -> &mut [u8] {
        if self.memory.is_null() {
            return &mut [];
        }
        // SAFETY: the memory the host call borrowed, of this length, for
        // the callback's duration (the only time a caller lives).
        unsafe { std::slice::from_raw_parts_mut(self.memory, self.len) }
    }
}

/// The size of the calling instance's memory (its `memory` export) in
/// bytes; 0 if it has none.
///
/// # Safety
/// `caller` is the callback's caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_memory_size(caller: *mut wasirun_caller) -> usize {
    // SAFETY: by the caller's contract.
    unsafe { caller_ref(caller) }.map_or(0, |c| c.len)
}

/// The `len` bytes at `offset` in the calling instance's memory, to read
/// and write in place: valid until the callback returns. `NULL` if they
/// are not all inside it.
///
/// # Safety
/// `caller` is the callback's caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_memory(caller: *mut wasirun_caller, offset: u64, len: u64) -> *mut u8 {
    // SAFETY: by the caller's contract.
    let Some(c) = (unsafe { caller_ref(caller) }) else { return std::ptr::null_mut() };
    let bytes = c.bytes();
    match range(bytes.len(), offset, len) {
        Ok(r) => bytes[r].as_mut_ptr(),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Copies `len` bytes of the calling instance's memory at `offset` to
/// `buf`. Returns `false` if they are not all inside it, with the range in
/// `*error_out` (nothing is copied).
///
/// # Safety
/// `caller` is the callback's caller; `buf` is valid for writes of `len`
/// bytes; `error_out` is null or valid for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_memory_read(
    caller: *mut wasirun_caller,
    offset: u64,
    buf: *mut c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some(c) = (unsafe { caller_ref(caller) }) else { return false };
    // SAFETY: `buf` is valid for `len` bytes by the caller's contract.
    unsafe { copy_out(c.bytes(), offset, buf, len, error_out) }
}

/// Copies `len` bytes at `data` into the calling instance's memory at
/// `offset`. Returns `false` if they do not fit inside it, with the range
/// in `*error_out` (nothing is copied).
///
/// # Safety
/// `caller` is the callback's caller; `data` is valid for reads of `len`
/// bytes; `error_out` is null or valid for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_memory_write(
    caller: *mut wasirun_caller,
    offset: u64,
    data: *const c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some(c) = (unsafe { caller_ref(caller) }) else { return false };
    // SAFETY: `data` is valid for `len` bytes by the caller's contract.
    unsafe { copy_in(c.bytes(), offset, data, len, error_out) }
}

/// Asks to end the guest with a trap carrying `message` (copied) when the
/// callback returns; returns -1, for `return wasirun_caller_trap(c, "...")`.
///
/// # Safety
/// `caller` is the callback's caller; `message` is null or a NUL-terminated
/// string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_trap(caller: *mut wasirun_caller, message: *const c_char) -> c_int {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { caller_ref(caller) } {
        // SAFETY: by the caller's contract.
        let text = unsafe { crate::bytes_of(message) }.map_or_else(String::new, |b| String::from_utf8_lossy(b).into());
        c.end = Some(End::Trap(c_string(text).to_string_lossy().into_owned()));
    }
    -1
}

/// Asks to end the guest as if it had called `proc_exit(code)` when the
/// callback returns; returns -1, for `return wasirun_caller_exit(c, 3)`.
///
/// # Safety
/// `caller` is the callback's caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_caller_exit(caller: *mut wasirun_caller, code: i32) -> c_int {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { caller_ref(caller) } {
        c.end = Some(End::Exit(code));
    }
    -1
}

/// Copies `len` bytes of `memory` at `offset` to `buf`, or stores the
/// range's error.
///
/// # Safety
/// `buf` is valid for writes of `len` bytes; `error_out` is null or valid
/// for a write of one pointer.
pub(crate) unsafe fn copy_out(
    memory: &[u8],
    offset: u64,
    buf: *mut c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    match range(memory.len(), offset, len as u64) {
        Ok(r) => {
            if !r.is_empty() {
                // SAFETY: `buf` holds `len` bytes by the caller's contract;
                // `copy` allows it to lie in guest memory itself.
                unsafe { std::ptr::copy(memory[r].as_ptr(), buf.cast::<u8>(), len) };
            }
            true
        }
        Err(e) => {
            // SAFETY: by the caller's contract.
            unsafe { set_error(error_out, e) };
            false
        }
    }
}

/// Copies `len` bytes at `data` into `memory` at `offset`, or stores the
/// range's error.
///
/// # Safety
/// `data` is valid for reads of `len` bytes; `error_out` is null or valid
/// for a write of one pointer.
pub(crate) unsafe fn copy_in(
    memory: &mut [u8],
    offset: u64,
    data: *const c_void,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> bool {
    match range(memory.len(), offset, len as u64) {
        Ok(r) => {
            if !r.is_empty() {
                // SAFETY: `data` holds `len` bytes by the caller's
                // contract; `copy` allows it to lie in guest memory itself.
                unsafe { std::ptr::copy(data.cast::<u8>(), memory[r].as_mut_ptr(), len) };
            }
            true
        }
        Err(e) => {
            // SAFETY: by the caller's contract.
            unsafe { set_error(error_out, e) };
            false
        }
    }
}
