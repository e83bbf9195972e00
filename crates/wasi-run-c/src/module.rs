//! Modules (`wasirun_module`) and errors (`wasirun_error`).

use crate::{bytes_of, guarded, or_error};
use std::ffi::{CString, c_char};
use wasi_wasmi::engine_config;
use wasmi::{Engine, Module};

/// A compiled module (validated when loaded). Shareable across threads.
#[derive(Debug)]
pub struct wasirun_module {
    pub(crate) bytes: Vec<u8>,
    pub(crate) plain: (Engine, Module),
}

/// An error message.
#[derive(Debug)]
pub struct wasirun_error {
    pub(crate) message: CString,
}

/// The library's version, as a static string.
#[unsafe(no_mangle)]
pub extern "C" fn wasirun_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

fn load(bytes: Vec<u8>) -> Result<wasirun_module, String> {
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &bytes[..]).map_err(|e| format!("invalid module: {e}"))?;
    Ok(wasirun_module { bytes, plain: (engine, module) })
}

/// Loads and validates a module from `len` bytes at `bytes` (a binary
/// module; the bytes are copied). Returns `NULL` on failure, with the
/// reason in `*error_out` if `error_out` is not `NULL`. The caller owns the
/// module: free it with [`wasirun_module_delete`].
///
/// # Safety
/// `bytes` is valid for reads of `len` bytes; `error_out` is null or valid
/// for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_module_new(
    bytes: *const u8,
    len: usize,
    error_out: *mut *mut wasirun_error,
) -> *mut wasirun_module {
    let r = guarded(Err("the library panicked".to_string()), || {
        if bytes.is_null() {
            return Err("no module bytes (NULL)".to_string());
        }
        // SAFETY: valid for `len` bytes by the caller's contract.
        load(unsafe { std::slice::from_raw_parts(bytes, len) }.to_vec())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.map_or(std::ptr::null_mut(), |m| Box::into_raw(Box::new(m)))
}

/// Loads and validates the module in the file at `path` (binary, or `.wat`
/// text). Returns `NULL` on failure, with the reason (naming the path) in
/// `*error_out`. The caller owns the module.
///
/// # Safety
/// `path` is a NUL-terminated string; `error_out` is null or valid for a
/// write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_module_from_file(
    path: *const c_char,
    error_out: *mut *mut wasirun_error,
) -> *mut wasirun_module {
    let r = guarded(Err("the library panicked".to_string()), || {
        // SAFETY: by the caller's contract.
        let path = crate::host::path_of(unsafe { bytes_of(path) }.ok_or("no path (NULL)")?)?;
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let bytes = match wat::parse_bytes(&bytes) {
            Ok(b) => b.into_owned(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        load(bytes).map_err(|e| format!("{}: {e}", path.display()))
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.map_or(std::ptr::null_mut(), |m| Box::into_raw(Box::new(m)))
}

/// Frees a module. `NULL` does nothing.
///
/// # Safety
/// `module` is null or from [`wasirun_module_new`] or
/// [`wasirun_module_from_file`], not yet freed, and not in use by a run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_module_delete(module: *mut wasirun_module) {
    if !module.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        guarded((), || drop(unsafe { Box::from_raw(module) }));
    }
}

/// The message of an error: a NUL-terminated string that lives as long as
/// the error.
///
/// # Safety
/// `error` is a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_error_message(error: *const wasirun_error) -> *const c_char {
    // SAFETY: by the caller's contract.
    match unsafe { error.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// Frees an error. `NULL` does nothing.
///
/// # Safety
/// `error` is null or an error this library stored, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_error_delete(error: *mut wasirun_error) {
    if !error.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        drop(unsafe { Box::from_raw(error) });
    }
}
