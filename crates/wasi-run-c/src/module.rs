//! Modules (`wasirun_module`) and errors (`wasirun_error`).

use crate::{bytes_of, guarded, or_error};
use std::ffi::{CString, c_char};
#[cfg(feature = "diagnostics")]
use std::sync::Arc;
#[cfg(feature = "diagnostics")]
use wasi_wasmi::diagnostics::{Detail, FrameMap, Options, Prepared, prepare};
use wasi_wasmi::engine_config;
use wasmi::{Config, Engine, Module};

/// A compiled module (validated when loaded). Shareable across threads.
#[derive(Debug)]
pub struct wasirun_module {
    pub(crate) code: Code,
    pub(crate) plain: (Engine, Module),
}

/// What a module was compiled from.
#[derive(Debug)]
pub(crate) enum Code {
    /// The module as given (backtraces off, or it could not be prepared).
    Plain(Vec<u8>),
    /// The module prepared for backtraces.
    #[cfg(feature = "diagnostics")]
    Prepared(Prepared),
}

impl Code {
    /// The module compiled for `config` (an engine of its own).
    pub(crate) fn compile(&self, config: &Config) -> Result<(Engine, Module), String> {
        let r = match self {
            Code::Plain(bytes) => {
                let engine = Engine::new(config);
                Module::new(&engine, &bytes[..]).map(|m| (engine, m))
            }
            #[cfg(feature = "diagnostics")]
            Code::Prepared(p) => p.compile(config),
        };
        r.map_err(|e| format!("invalid module: {e}"))
    }
}

impl wasirun_module {
    /// How to read its frames, when it was prepared for backtraces.
    #[cfg(feature = "diagnostics")]
    pub(crate) fn frame_map(&self) -> Option<&Arc<FrameMap>> {
        match &self.code {
            Code::Prepared(p) => Some(&p.map),
            Code::Plain(_) => None,
        }
    }
}

/// [`wasirun_module_load`]'s flags: run the module as it is, without
/// backtraces (and so without their cost, docs/diagnostics.md).
pub const WASIRUN_MODULE_NO_BACKTRACES: u32 = 1;
/// [`wasirun_module_load`]'s flags: source lines in backtraces, from the
/// module's DWARF (wasmtime's `-D debug-info`; costs more).
pub const WASIRUN_MODULE_SOURCE_LINES: u32 = 2;
/// [`wasirun_module_load`]'s flags: a core dump on a trap
/// ([`crate::wasirun_result_core_dump`]).
pub const WASIRUN_MODULE_CORE_DUMPS: u32 = 4;

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

/// Compiles `bytes`, prepared for backtraces named under `name` unless
/// `flags` say otherwise. A module that cannot be prepared (or is invalid:
/// compiling it says why) is compiled as it is.
#[cfg(feature = "diagnostics")]
fn load(bytes: Vec<u8>, name: &str, flags: u32) -> Result<wasirun_module, String> {
    let prepared = (flags & WASIRUN_MODULE_NO_BACKTRACES == 0)
        .then(|| {
            let detail = if flags & WASIRUN_MODULE_SOURCE_LINES != 0 { Detail::Lines } else { Detail::Frames };
            let options = Options { detail, core_dump: flags & WASIRUN_MODULE_CORE_DUMPS != 0, ..Options::new(name) };
            prepare(&bytes, &options).ok()
        })
        .flatten();
    let code = match prepared {
        Some(p) => Code::Prepared(p),
        None => Code::Plain(bytes),
    };
    let plain = code.compile(&engine_config())?;
    Ok(wasirun_module { code, plain })
}

/// Compiles `bytes` (this build has no backtraces).
#[cfg(not(feature = "diagnostics"))]
fn load(bytes: Vec<u8>, _name: &str, _flags: u32) -> Result<wasirun_module, String> {
    let code = Code::Plain(bytes);
    let plain = code.compile(&engine_config())?;
    Ok(wasirun_module { code, plain })
}

/// Loads and validates a module from `len` bytes at `bytes` (a binary
/// module; the bytes are copied), prepared for backtraces named
/// `<unknown>` (as [`wasirun_module_load`] with no name and no flags).
/// Returns `NULL` on failure, with the reason in `*error_out` if
/// `error_out` is not `NULL`. The caller owns the module: free it with
/// [`wasirun_module_delete`].
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
    // SAFETY: the caller's contract is `wasirun_module_load`'s, with no name.
    unsafe { wasirun_module_load(bytes, len, std::ptr::null(), 0, error_out) }
}

/// Loads and validates a module from `len` bytes at `bytes`, as
/// [`wasirun_module_new`] does, with backtraces naming the module `name`
/// (`NULL` or "": the module's own name from its `name` section, or
/// `<unknown>`) and `flags`: [`WASIRUN_MODULE_NO_BACKTRACES`],
/// [`WASIRUN_MODULE_SOURCE_LINES`], [`WASIRUN_MODULE_CORE_DUMPS`], or 0.
///
/// # Safety
/// `bytes` is valid for reads of `len` bytes; `name` is null or a
/// NUL-terminated string; `error_out` is null or valid for a write of one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_module_load(
    bytes: *const u8,
    len: usize,
    name: *const c_char,
    flags: u32,
    error_out: *mut *mut wasirun_error,
) -> *mut wasirun_module {
    let r = guarded(Err("the library panicked".to_string()), || {
        if bytes.is_null() {
            return Err("no module bytes (NULL)".to_string());
        }
        // SAFETY: null or NUL-terminated by the caller's contract.
        let name = unsafe { bytes_of(name) }.map(String::from_utf8_lossy).unwrap_or_default();
        // SAFETY: valid for `len` bytes by the caller's contract.
        load(unsafe { std::slice::from_raw_parts(bytes, len) }.to_vec(), &name, flags)
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
        let bytes = binary(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        load(bytes, &name, 0).map_err(|e| format!("{}: {e}", path.display()))
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.map_or(std::ptr::null_mut(), |m| Box::into_raw(Box::new(m)))
}

/// The binary module in a file's `bytes`: as they are, or parsed from
/// `.wat` text.
#[cfg(feature = "wat")]
fn binary(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    match wat::parse_bytes(&bytes) {
        Ok(std::borrow::Cow::Borrowed(_)) => Ok(bytes),
        Ok(std::borrow::Cow::Owned(b)) => Ok(b),
        Err(e) => Err(e.to_string()),
    }
}

/// The binary module in a file's `bytes` (this build reads no text).
#[cfg(not(feature = "wat"))]
fn binary(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.starts_with(b"\0asm") {
        Ok(bytes)
    } else {
        Err("not a binary module (this build reads no .wat text: the `wat` feature is off)".into())
    }
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
