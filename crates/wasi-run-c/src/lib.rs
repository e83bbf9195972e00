//! The C API of wasi-run (`include/wasi_run.h`, generated from this crate
//! by cbindgen): load a module, describe a WASI preview1 system (arguments,
//! environment, preopens, stdio, limits, determinism, host functions), run
//! `_start` or call an export (at once, or in slices of fuel or time that
//! never block the host thread), reach the guest's memory, and read how it
//! ended and what it wrote. docs/c-api.md is the guide.
//!
//! One file per handle: [`module`] (modules and errors), [`config`] (what a
//! run's system is built from), [`host_funcs`] (functions the host defines
//! and the caller handle they get), [`run`] (one-shot runs and calls),
//! [`instance`] (a guest kept across calls, its slices and memory),
//! [`result`] (how a run ended); [`host`] holds what differs between Unix
//! and Windows hosts.
//!
//! Conventions, for every function:
//!
//! - **Handles are opaque** and owned by the caller from the function that
//!   returns them until the matching `_delete`. Deleting `NULL` does
//!   nothing. No function keeps a pointer it was given after it returns,
//!   except the `userdata` of an output callback or a host function (see
//!   [`wasirun_config_output_callback`], [`wasirun_config_define_func`]).
//! - **Strings** passed in are NUL-terminated UTF-8 (arguments and
//!   environment may be any bytes); strings returned belong to the handle
//!   they came from and live as long as it does.
//! - **Errors**: a function that can fail returns `NULL` or `false`, and,
//!   when given a non-null `error_out`, stores there a `wasirun_error`
//!   the caller must delete. A panic inside the library never crosses into
//!   C: it is caught and reported as an error (or a failed result).
//! - **Threads**: a module may be shared by any number of threads and runs
//!   at once. A config may be read by concurrent runs but not changed while
//!   one uses it. A result or an instance belongs to one thread at a time
//!   (an instance may move between threads between calls). Callbacks are
//!   called on the thread that runs the guest.

#![allow(unsafe_code)]
#![allow(non_camel_case_types)]

pub mod config;
pub mod host;
pub mod host_funcs;
pub mod instance;
pub mod module;
pub mod result;
pub mod run;

pub use config::*;
pub use host::*;
pub use host_funcs::*;
pub use instance::*;
pub use module::*;
pub use result::*;
pub use run::*;

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use wasmi::{Val, ValType};

/// The type of a [`wasirun_val`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wasirun_valkind {
    /// `i32`.
    WASIRUN_I32 = 0,
    /// `i64`.
    WASIRUN_I64 = 1,
    /// `f32`.
    WASIRUN_F32 = 2,
    /// `f64`.
    WASIRUN_F64 = 3,
}

/// The value of a [`wasirun_val`], as its `kind` says.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasirun_valunion {
    /// For `WASIRUN_I32`.
    pub i32: i32,
    /// For `WASIRUN_I64`.
    pub i64: i64,
    /// For `WASIRUN_F32`.
    pub f32: f32,
    /// For `WASIRUN_F64`.
    pub f64: f64,
}

/// An argument to, or a result of, an exported or host function.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasirun_val {
    /// Which member of `of` holds the value.
    pub kind: wasirun_valkind,
    /// The value.
    pub of: wasirun_valunion,
}

impl std::fmt::Debug for wasirun_valunion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("wasirun_valunion { .. }")
    }
}

impl std::fmt::Debug for wasirun_val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("wasirun_val").field("kind", &self.kind).finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by every handle's functions.

/// Runs `f`, turning a panic into `fallback`.
pub(crate) fn guarded<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

pub(crate) fn c_string(s: impl Into<Vec<u8>>) -> CString {
    let mut bytes = s.into();
    bytes.retain(|&b| b != 0);
    CString::new(bytes).unwrap_or_default()
}

/// Stores an error for the caller, if it asked for one.
///
/// # Safety
/// `error_out` is null or valid for a write of one pointer.
pub(crate) unsafe fn set_error(error_out: *mut *mut wasirun_error, message: impl std::fmt::Display) {
    if !error_out.is_null() {
        let e = Box::new(wasirun_error { message: c_string(message.to_string()) });
        // SAFETY: non-null, and valid for writes by the caller's contract.
        unsafe { *error_out = Box::into_raw(e) };
    }
}

/// The value, or `None` with the error stored for the caller.
///
/// # Safety
/// As [`set_error`].
pub(crate) unsafe fn or_error<T>(r: Result<T, String>, error_out: *mut *mut wasirun_error) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            // SAFETY: by the caller's contract.
            unsafe { set_error(error_out, e) };
            None
        }
    }
}

/// The bytes of a C string, or `None` for a null pointer.
///
/// # Safety
/// `s` is null or points to a NUL-terminated string.
pub(crate) unsafe fn bytes_of<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: by the caller's contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A C string as UTF-8 text, with `what` naming it in the error.
///
/// # Safety
/// As [`bytes_of`].
pub(crate) unsafe fn text_of<'a>(s: *const c_char, what: &str) -> Result<&'a str, String> {
    // SAFETY: by the caller's contract.
    let bytes = unsafe { bytes_of(s) }.ok_or_else(|| format!("no {what} (NULL)"))?;
    std::str::from_utf8(bytes).map_err(|_| format!("the {what} is not UTF-8"))
}

/// A slice from a C pointer and length (empty for a null pointer or 0).
///
/// # Safety
/// `p` is null or valid for reads of `len` values.
pub(crate) unsafe fn slice_of<'a, T>(p: *const T, len: usize) -> &'a [T] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: by the caller's contract.
    unsafe { std::slice::from_raw_parts(p, len) }
}

/// The `nargs` values at `args` as wasmi values.
///
/// # Safety
/// `args` is valid for reads of `nargs` values, or `nargs` is 0.
pub(crate) unsafe fn vals_of(args: *const wasirun_val, nargs: usize) -> Vec<Val> {
    // SAFETY: by the caller's contract.
    unsafe { slice_of(args, nargs) }.iter().map(to_val).collect()
}

pub(crate) fn to_val(v: &wasirun_val) -> Val {
    // SAFETY: `kind` says which member the caller wrote.
    unsafe {
        match v.kind {
            wasirun_valkind::WASIRUN_I32 => Val::I32(v.of.i32),
            wasirun_valkind::WASIRUN_I64 => Val::I64(v.of.i64),
            wasirun_valkind::WASIRUN_F32 => Val::F32(v.of.f32.into()),
            wasirun_valkind::WASIRUN_F64 => Val::F64(v.of.f64.into()),
        }
    }
}

pub(crate) fn from_val(v: &Val) -> Option<wasirun_val> {
    Some(match v {
        Val::I32(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_I32, of: wasirun_valunion { i32: *x } },
        Val::I64(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_I64, of: wasirun_valunion { i64: *x } },
        Val::F32(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_F32, of: wasirun_valunion { f32: (*x).into() } },
        Val::F64(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_F64, of: wasirun_valunion { f64: (*x).into() } },
        _ => return None,
    })
}

/// A value kind as a wasm value type.
pub(crate) fn val_type(kind: wasirun_valkind) -> ValType {
    match kind {
        wasirun_valkind::WASIRUN_I32 => ValType::I32,
        wasirun_valkind::WASIRUN_I64 => ValType::I64,
        wasirun_valkind::WASIRUN_F32 => ValType::F32,
        wasirun_valkind::WASIRUN_F64 => ValType::F64,
    }
}

/// Copies `values` to `out` (up to `capacity`) and returns how many there are.
///
/// # Safety
/// `out` is null or valid for writes of `capacity` values.
pub(crate) unsafe fn write_values(values: &[Val], out: *mut wasirun_val, capacity: usize) -> usize {
    let vals: Vec<wasirun_val> = values.iter().filter_map(from_val).collect();
    if !out.is_null() {
        for (i, v) in vals.iter().take(capacity).enumerate() {
            // SAFETY: i < capacity, within `out` by the caller's contract.
            unsafe { out.add(i).write(*v) };
        }
    }
    vals.len()
}
