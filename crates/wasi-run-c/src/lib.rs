//! The C API of wasi-run (`include/wasi_run.h`, generated from this file
//! by cbindgen): load a module, describe a WASI preview1 system (arguments,
//! environment, preopens, stdio, limits, determinism), run `_start` or call
//! an export, and read how it ended and what it wrote. docs/c-api.md is the
//! guide.
//!
//! Conventions, for every function:
//!
//! - **Handles are opaque** and owned by the caller from the function that
//!   returns them until the matching `_delete`. Deleting `NULL` does
//!   nothing. No function keeps a pointer it was given after it returns,
//!   except the `userdata` of an output callback (see
//!   [`wasirun_config_output_callback`]).
//! - **Strings** passed in are NUL-terminated UTF-8 (arguments and
//!   environment may be any bytes); strings returned belong to the handle
//!   they came from and live as long as it does.
//! - **Errors**: a function that can fail returns `NULL` or `false`, and,
//!   when given a non-null `error_out`, stores there a `wasirun_error`
//!   the caller must delete. A panic inside the library never crosses into
//!   C: it is caught and reported as an error (or a failed result).
//! - **Threads**: a module may be shared by any number of threads and runs
//!   at once. A config may be read by concurrent runs but not changed while
//!   one uses it. A result belongs to one thread at a time. Output
//!   callbacks are called on the thread that runs the guest.

#![allow(unsafe_code)]
#![allow(non_camel_case_types)]

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::io::IoSlice;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasi_preview1::Deterministic;
use wasi_preview1::abi::{Errno, Fdflags, Filetype, Size};
use wasi_preview1::file::VirtualFile;
use wasi_preview1::unix::{MountKind, Output, UnixSystem, UnixSystemBuilder, open_dir, open_mount};
use wasi_preview1::vfs::{DEFAULT_BUDGET, FileSystem};
use wasi_wasmi::{Exit, Finished, Guest, Limits, Run, engine_config, engine_config_for};
use wasmi::{Engine, Module, Val};

/// A compiled module (validated when loaded). Shareable across threads.
#[derive(Debug)]
pub struct wasirun_module {
    bytes: Vec<u8>,
    plain: (Engine, Module),
}

/// An error message.
#[derive(Debug)]
pub struct wasirun_error {
    message: CString,
}

/// What one stdio stream of the guest is connected to.
#[derive(Debug, Default)]
enum StdioChoice {
    /// Nothing: reads see end-of-file, writes are discarded.
    #[default]
    Null,
    /// This process's own stream.
    Inherit,
    /// A host fd (duplicated for each run).
    Fd(OwnedFd),
    /// Bytes to read (stdin).
    Bytes(Vec<u8>),
    /// Captured up to a capacity (stdout, stderr).
    Capture(usize),
    /// Each write handed to a callback (stdout, stderr).
    Callback(Callback),
}

/// A C output callback and its context.
#[derive(Debug, Clone, Copy)]
struct Callback {
    write: wasirun_write_fn,
    userdata: *mut c_void,
}

// SAFETY: the callback and its userdata are only ever used on the thread
// that runs the guest; the C caller promises (docs/c-api.md, and the doc of
// `wasirun_config_output_callback`) that calling them from that thread is
// sound. Nothing else is done with the pointer.
unsafe impl Send for Callback {}
// SAFETY: as above; a shared config only copies the pair.
unsafe impl Sync for Callback {}

/// A preopened directory: a host one, or a mount.
#[derive(Debug)]
struct Preopen {
    dir: PreopenDir,
    guest: String,
    readonly: bool,
}

/// What a preopen holds.
#[derive(Debug)]
enum PreopenDir {
    /// A host directory, opened when added.
    Host(OwnedFd),
    /// A mount: the file system made when it was added (every run of a
    /// read-only one shares it), and how to make a fresh one for each run
    /// of a writable one, so no run sees another's changes.
    Mount { fs: Arc<dyn FileSystem>, kind: MountKind, source: Option<PathBuf>, budget: u64 },
}

/// [`wasirun_config_mount`]: an in-memory directory, empty or (with a
/// source) a copy of the host directory or `.tar` file read in full.
pub const WASIRUN_MOUNT_MEMORY: c_int = 0;
/// [`wasirun_config_mount`]: a `.tar` archive, read when the guest reads.
pub const WASIRUN_MOUNT_TAR: c_int = 1;
/// [`wasirun_config_mount`]: a host directory or `.tar` file beneath an
/// in-memory layer that takes every change (the source never changes).
pub const WASIRUN_MOUNT_OVERLAY: c_int = 2;

/// Everything a run's system is built from. Reusable: each run builds a
/// fresh system from it.
#[derive(Debug, Default)]
pub struct wasirun_config {
    args: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    inherit_env: bool,
    preopens: Vec<Preopen>,
    stdio: [StdioChoice; 3],
    limits: Limits,
    max_open_files: Option<usize>,
    deterministic: Option<u64>,
}

/// How a run ended.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wasirun_outcome {
    /// The guest returned or called `proc_exit`: see
    /// [`wasirun_result_exit_code`].
    WASIRUN_EXITED = 0,
    /// The guest trapped: [`wasirun_result_message`] says how.
    WASIRUN_TRAPPED = 1,
    /// The guest used up its fuel ([`wasirun_config_fuel`]).
    WASIRUN_OUT_OF_FUEL = 2,
    /// The guest ran past its time limit ([`wasirun_config_timeout_ms`]).
    WASIRUN_TIMED_OUT = 3,
    /// The guest did not run: its imports could not be satisfied, the
    /// entry point is missing or unusable, or the system could not be
    /// built. [`wasirun_result_message`] says why.
    WASIRUN_FAILED = 4,
    /// The host gave the guest up during a call in slices
    /// ([`wasirun_instance_abandon`]).
    WASIRUN_ABANDONED = 5,
}

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

/// An argument to, or a result of, an exported function.
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

/// Receives what the guest writes to a stream: `len` bytes at `data`
/// (valid only during the call). Called on the thread running the guest.
pub type wasirun_write_fn = extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize);

/// How a run ended, what the called export returned, and what the guest
/// wrote to captured streams.
#[derive(Debug)]
pub struct wasirun_result {
    outcome: wasirun_outcome,
    exit_code: i32,
    message: CString,
    values: Vec<Val>,
    memory_refused: usize,
    output: Output,
}

// ---------------------------------------------------------------------------
// Helpers.

/// Runs `f`, turning a panic into `fallback`.
fn guarded<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

fn c_string(s: impl Into<Vec<u8>>) -> CString {
    let mut bytes = s.into();
    bytes.retain(|&b| b != 0);
    CString::new(bytes).unwrap_or_default()
}

/// Stores an error for the caller, if it asked for one.
///
/// # Safety
/// `error_out` is null or valid for a write of one pointer.
unsafe fn set_error(error_out: *mut *mut wasirun_error, message: impl std::fmt::Display) {
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
unsafe fn or_error<T>(r: Result<T, String>, error_out: *mut *mut wasirun_error) -> Option<T> {
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
unsafe fn bytes_of<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: by the caller's contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A config from a caller's pointer.
///
/// # Safety
/// `config` is null or a live config from [`wasirun_config_new`], not used
/// by another thread during the call.
unsafe fn config_mut<'a>(config: *mut wasirun_config) -> Option<&'a mut wasirun_config> {
    // SAFETY: by the caller's contract.
    unsafe { config.as_mut() }
}

// ---------------------------------------------------------------------------
// Modules and errors.

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
        let path = unsafe { bytes_of(path) }.ok_or("no path (NULL)")?;
        let path = std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(path));
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
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

// ---------------------------------------------------------------------------
// Configs.

/// A new config: no arguments, an empty environment, no preopens, stdio
/// connected to nothing (reads see end-of-file, writes are discarded), no
/// limits. The caller owns it: free it with [`wasirun_config_delete`].
#[unsafe(no_mangle)]
pub extern "C" fn wasirun_config_new() -> *mut wasirun_config {
    guarded(std::ptr::null_mut(), || Box::into_raw(Box::default()))
}

/// Frees a config (and closes the directories and fds it holds). `NULL`
/// does nothing.
///
/// # Safety
/// `config` is null or from [`wasirun_config_new`], not yet freed, and not
/// in use by a run.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_delete(config: *mut wasirun_config) {
    if !config.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        guarded((), || drop(unsafe { Box::from_raw(config) }));
    }
}

/// Appends `arg` to the guest's arguments (the first is the program name,
/// by convention). Returns `false` if `config` or `arg` is `NULL`.
///
/// # Safety
/// `config` is a live config; `arg` is a NUL-terminated string (copied).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_arg(config: *mut wasirun_config, arg: *const c_char) -> bool {
    // SAFETY: by the caller's contract.
    match (unsafe { config_mut(config) }, unsafe { bytes_of(arg) }) {
        (Some(c), Some(a)) => {
            c.args.push(a.to_vec());
            true
        }
        _ => false,
    }
}

/// Sets the guest environment variable `name` to `value` (copied; a later
/// setting of the same name wins). Returns `false` if a pointer is `NULL`
/// or `name` is empty or holds `=`.
///
/// # Safety
/// `config` is a live config; `name` and `value` are NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_env(
    config: *mut wasirun_config,
    name: *const c_char,
    value: *const c_char,
) -> bool {
    // SAFETY: by the caller's contract.
    let (Some(c), Some(n), Some(v)) =
        (unsafe { config_mut(config) }, unsafe { bytes_of(name) }, unsafe { bytes_of(value) })
    else {
        return false;
    };
    if n.is_empty() || n.contains(&b'=') {
        return false;
    }
    c.env.retain(|(k, _)| k != n);
    c.env.push((n.to_vec(), v.to_vec()));
    true
}

/// Gives the guest this process's environment (at run time), before the
/// variables set with [`wasirun_config_env`], which win.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_inherit_env(config: *mut wasirun_config) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.inherit_env = true;
    }
}

/// Preopens the host directory `host_path` under the guest path
/// `guest_path`, read-only if `readonly` (nothing beneath it can be
/// created, changed or removed). The directory is opened now; the config
/// keeps it open until deleted. Preopens get fds 3, 4, ... in the order
/// added. Returns `false` on failure, with the reason in `*error_out`.
///
/// # Safety
/// `config` is a live config; the paths are NUL-terminated strings;
/// `error_out` is null or valid for a write of one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_preopen_dir(
    config: *mut wasirun_config,
    host_path: *const c_char,
    guest_path: *const c_char,
    readonly: bool,
    error_out: *mut *mut wasirun_error,
) -> bool {
    let r = guarded(Err("the library panicked".to_string()), || {
        // SAFETY: by the caller's contract.
        let c = unsafe { config_mut(config) }.ok_or("no config (NULL)")?;
        // SAFETY: by the caller's contract.
        let host = unsafe { bytes_of(host_path) }.ok_or("no host path (NULL)")?;
        // SAFETY: by the caller's contract.
        let guest = unsafe { guest_name(guest_path) }?;
        let shown = String::from_utf8_lossy(host).into_owned();
        let dir = open_dir(Path::new(std::ffi::OsStr::from_bytes(host)))
            .map_err(|e| format!("cannot open directory {shown}: {e}"))?;
        c.preopens.push(Preopen { dir: PreopenDir::Host(dir), guest, readonly });
        Ok(())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.is_some()
}

/// A preopen's guest path, as a string.
///
/// # Safety
/// As [`bytes_of`].
unsafe fn guest_name(guest_path: *const c_char) -> Result<String, String> {
    // SAFETY: by the caller's contract.
    let guest = unsafe { bytes_of(guest_path) }.ok_or("no guest path (NULL)")?;
    Ok(std::str::from_utf8(guest).map_err(|_| "the guest path is not UTF-8")?.to_string())
}

/// Mounts a directory that is not a host one under the guest path
/// `guest_path` (docs/mounts.md): `kind` is [`WASIRUN_MOUNT_MEMORY`] (with
/// `source` NULL, an empty directory), [`WASIRUN_MOUNT_TAR`] or
/// [`WASIRUN_MOUNT_OVERLAY`]; `source` is a host directory or `.tar` file.
/// A tar mount is read-only unless it is an overlay; `readonly` makes any
/// mount read-only. `budget` bounds the bytes the mount holds in memory (0:
/// 256 MiB; past it the guest gets `ENOSPC`). The source is read now, so a
/// bad one fails here; a writable mount is made afresh for each run, so no
/// run sees another's changes. Numbered with the preopens, in the order
/// added. Returns `false` on failure, with the reason in `*error_out`.
///
/// # Safety
/// `config` is a live config; `guest_path` is a NUL-terminated string and
/// `source` null or one; `error_out` is null or valid for a write of one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_mount(
    config: *mut wasirun_config,
    kind: c_int,
    source: *const c_char,
    guest_path: *const c_char,
    readonly: bool,
    budget: u64,
    error_out: *mut *mut wasirun_error,
) -> bool {
    let r = guarded(Err("the library panicked".to_string()), || {
        // SAFETY: by the caller's contract.
        let c = unsafe { config_mut(config) }.ok_or("no config (NULL)")?;
        // SAFETY: by the caller's contract.
        let guest = unsafe { guest_name(guest_path) }?;
        // SAFETY: by the caller's contract.
        let source = unsafe { bytes_of(source) }.map(|b| PathBuf::from(std::ffi::OsStr::from_bytes(b)));
        let kind = match kind {
            WASIRUN_MOUNT_MEMORY => MountKind::Memory,
            WASIRUN_MOUNT_TAR => MountKind::Tar,
            WASIRUN_MOUNT_OVERLAY => MountKind::Overlay,
            other => return Err(format!("unknown mount kind {other}")),
        };
        let readonly = readonly || kind == MountKind::Tar;
        let budget = if budget == 0 { DEFAULT_BUDGET } else { budget };
        let fs = open_mount(kind, source.as_deref(), readonly, budget)?;
        c.preopens.push(Preopen { dir: PreopenDir::Mount { fs, kind, source, budget }, guest, readonly });
        Ok(())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.is_some()
}

/// Which stdio stream: 0 stdin, 1 stdout, 2 stderr.
///
/// # Safety
/// As [`config_mut`].
unsafe fn stream<'a>(config: *mut wasirun_config, which: c_int) -> Option<&'a mut StdioChoice> {
    let which = usize::try_from(which).ok().filter(|&w| w < 3)?;
    // SAFETY: by the caller's contract.
    unsafe { config_mut(config) }.map(|c| &mut c.stdio[which])
}

/// Connects all three stdio streams to this process's own.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_inherit_stdio(config: *mut wasirun_config) {
    for which in 0..3 {
        // SAFETY: by the caller's contract.
        if let Some(s) = unsafe { stream(config, which) } {
            *s = StdioChoice::Inherit;
        }
    }
}

/// Connects stdio stream `which` (0, 1 or 2) to a duplicate of the host fd
/// `fd` (the caller keeps `fd`; each run gets its own duplicate). Returns
/// `false` if `which` is not 0, 1 or 2, or `fd` cannot be duplicated.
///
/// # Safety
/// `config` is null or a live config; `fd` is an open fd.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_stdio_fd(config: *mut wasirun_config, which: c_int, fd: c_int) -> bool {
    if fd < 0 {
        return false;
    }
    // SAFETY: open by the caller's contract; only duplicated, never closed.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let Ok(dup) = rustix::io::fcntl_dupfd_cloexec(borrowed, 3) else { return false };
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) => {
            *s = StdioChoice::Fd(dup);
            true
        }
        None => false,
    }
}

/// Gives the guest `len` bytes at `bytes` (copied) as its stdin: it reads
/// them, then end-of-file.
///
/// # Safety
/// `config` is a live config; `bytes` is valid for reads of `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_stdin_bytes(config: *mut wasirun_config, bytes: *const u8, len: usize) -> bool {
    if bytes.is_null() && len > 0 {
        return false;
    }
    // SAFETY: valid for `len` bytes by the caller's contract (or empty).
    let data = if len == 0 { Vec::new() } else { unsafe { std::slice::from_raw_parts(bytes, len) }.to_vec() };
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, 0) } {
        Some(s) => {
            *s = StdioChoice::Bytes(data);
            true
        }
        None => false,
    }
}

/// Captures up to `capacity` bytes of what the guest writes to stream
/// `which` (1 stdout, 2 stderr); the rest is dropped (the guest's writes
/// still succeed). Read them with [`wasirun_result_output`].
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_capture(config: *mut wasirun_config, which: c_int, capacity: usize) -> bool {
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) if which != 0 => {
            *s = StdioChoice::Capture(capacity);
            true
        }
        _ => false,
    }
}

/// Hands every write the guest makes to stream `which` (1 stdout, 2
/// stderr) to `write(userdata, data, len)`, on the thread running the
/// guest, before the guest's write returns (so a game engine can route
/// guest output to its console). `userdata` is passed through untouched;
/// it must stay valid while the config is used by a run. The callback must
/// not call back into this library with the same config or result.
///
/// # Safety
/// `config` is null or a live config; `write` is a function safe to call
/// with `userdata` from the thread that runs the guest.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_output_callback(
    config: *mut wasirun_config,
    which: c_int,
    write: wasirun_write_fn,
    userdata: *mut c_void,
) -> bool {
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) if which != 0 => {
            *s = StdioChoice::Callback(Callback { write, userdata });
            true
        }
        _ => false,
    }
}

/// Limits the guest to `fuel` units of work (about one per wasm
/// instruction); past it the run ends with `WASIRUN_OUT_OF_FUEL`.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_fuel(config: *mut wasirun_config, fuel: u64) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.limits.fuel = Some(fuel);
    }
}

/// Limits the guest's linear memories and tables to `bytes` in all;
/// growing past it fails as the spec allows (`memory.grow` returns -1).
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_max_memory(config: *mut wasirun_config, bytes: usize) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.limits.max_memory = Some(bytes);
    }
}

/// Limits how long the guest may run, in milliseconds; past it the run
/// ends with `WASIRUN_TIMED_OUT` (a guest computing is stopped within
/// milliseconds; one sleeping or blocked reading is woken at the deadline).
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_timeout_ms(config: *mut wasirun_config, ms: u64) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.limits.timeout = Some(Duration::from_millis(ms));
    }
}

/// Limits how many fds the guest may hold open at once (stdio and preopens
/// included); past it, opens fail with `EMFILE`.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_max_open_files(config: *mut wasirun_config, max: usize) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.max_open_files = Some(max);
    }
}

/// Makes the run reproducible: virtual clocks that start at 0 and advance
/// only when read, sleeps that take no time, and random bytes from a
/// stream seeded with `seed`.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_deterministic(config: *mut wasirun_config, seed: u64) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.deterministic = Some(seed);
    }
}

// ---------------------------------------------------------------------------
// Running.

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
fn build_system(config: &wasirun_config) -> Result<UnixSystem, String> {
    let mut b: UnixSystemBuilder = UnixSystem::builder().args(&config.args);
    if config.inherit_env {
        b = b.inherit_env();
    }
    b = b.envs(config.env.iter().map(|(k, v)| (k, v)));
    let dup = |fd: &OwnedFd| fd.try_clone().map_err(|e| format!("cannot duplicate an fd: {e}"));
    for p in &config.preopens {
        b = match &p.dir {
            PreopenDir::Host(dir) if p.readonly => b.preopen_dir_readonly(dup(dir)?, p.guest.clone()),
            PreopenDir::Host(dir) => b.preopen_dir(dup(dir)?, p.guest.clone()),
            PreopenDir::Mount { fs, .. } if p.readonly => b.mount(fs.clone(), p.guest.clone()),
            PreopenDir::Mount { kind, source, budget, .. } => {
                b.mount(open_mount(*kind, source.as_deref(), false, *budget)?, p.guest.clone())
            }
        };
    }
    for (which, choice) in config.stdio.iter().enumerate() {
        b = match (which, choice) {
            (_, StdioChoice::Null) => b,
            (_, StdioChoice::Inherit) => {
                // SAFETY: 0, 1 and 2 are this process's stdio; only
                // duplicated here, never closed.
                let own = unsafe { BorrowedFd::borrow_raw(which as c_int) };
                match rustix::io::fcntl_dupfd_cloexec(own, 3) {
                    Ok(fd) => set_fd(b, which, fd),
                    // A closed stream of our own: the guest's is closed too.
                    Err(_) => b,
                }
            }
            (_, StdioChoice::Fd(fd)) => set_fd(b, which, dup(fd)?),
            (0, StdioChoice::Bytes(bytes)) => b.stdin_bytes(bytes.clone()),
            (1, StdioChoice::Capture(cap)) => b.capture_stdout(*cap),
            (2, StdioChoice::Capture(cap)) => b.capture_stderr(*cap),
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

fn set_fd(b: UnixSystemBuilder, which: usize, fd: OwnedFd) -> UnixSystemBuilder {
    match which {
        0 => b.stdin(fd),
        1 => b.stdout(fd),
        _ => b.stderr(fd),
    }
}

fn failed(message: impl std::fmt::Display) -> wasirun_result {
    wasirun_result {
        outcome: wasirun_outcome::WASIRUN_FAILED,
        exit_code: -1,
        message: c_string(message.to_string()),
        values: Vec::new(),
        memory_refused: 0,
        output: Output::default(),
    }
}

/// A result for an exit, without output.
fn ended(exit: &Exit, values: Vec<Val>) -> wasirun_result {
    let (outcome, exit_code, message) = match exit {
        Exit::Code(c) => (wasirun_outcome::WASIRUN_EXITED, *c, String::new()),
        Exit::Trap(e) => (wasirun_outcome::WASIRUN_TRAPPED, -1, e.to_string()),
        Exit::OutOfFuel => (wasirun_outcome::WASIRUN_OUT_OF_FUEL, -1, "out of fuel".to_string()),
        Exit::Timeout => (wasirun_outcome::WASIRUN_TIMED_OUT, -1, "time limit exceeded".to_string()),
        Exit::Abandoned => (wasirun_outcome::WASIRUN_ABANDONED, -1, "abandoned during a call".to_string()),
    };
    wasirun_result {
        outcome,
        exit_code,
        message: c_string(message),
        values,
        memory_refused: 0,
        output: Output::default(),
    }
}

fn finished(f: Finished<UnixSystem>) -> wasirun_result {
    let mut r = ended(&f.exit, f.results);
    r.memory_refused = f.memory_refused.unwrap_or(0);
    r.output = f.system.into_output();
    r
}

/// Fuel and time limits need a metered engine: the module compiled for one
/// (translation is lazy, so this costs little). `None` when the module's
/// own engine will do.
fn metered(module: &wasirun_module, limits: &Limits) -> Result<Option<(Engine, Module)>, String> {
    if !limits.needs_fuel() {
        return Ok(None);
    }
    let engine = Engine::new(&engine_config_for(limits));
    let m = Module::new(&engine, &module.bytes[..]).map_err(|e| format!("invalid module: {e}"))?;
    Ok(Some((engine, m)))
}

/// A deterministic run's outcome, with the system it wrapped.
fn unwrapped(f: Finished<Deterministic<UnixSystem>>) -> Finished<UnixSystem> {
    Finished { exit: f.exit, results: f.results, memory_refused: f.memory_refused, system: f.system.into_inner() }
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
    let (engine, module) = metered.as_ref().unwrap_or(&module.plain);
    let mut r = Run::new(engine, module).limits(config.limits.clone());
    if let Some((name, args)) = invoke {
        r = r.invoke(name, args);
    }
    let outcome = match config.deterministic {
        Some(seed) => r.run(Deterministic::new(system, seed)).map(unwrapped),
        None => r.run(system),
    };
    match outcome {
        Ok(f) => finished(f),
        Err(e) => failed(e),
    }
}

/// Runs the module's `_start` (after `_initialize`, if it exports both)
/// on a system built from `config`, within its limits, and returns how it
/// ended. Never `NULL` unless memory for the result cannot be had: a guest
/// that could not run gives `WASIRUN_FAILED`. The caller owns the result:
/// free it with [`wasirun_result_delete`].
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
/// ([`wasirun_result_values`]). Each call gets a new instance (use
/// [`wasirun_instance_new`] to keep one across calls). Ownership as for
/// [`wasirun_run`].
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

/// A guest instantiated once, for any number of calls
/// ([`wasirun_instance_new`]).
#[derive(Debug)]
pub struct wasirun_instance {
    live: Live,
    /// The metered engine and module the guest runs on, when its limits
    /// needed one.
    _metered: Option<(Engine, Module)>,
}

#[derive(Debug)]
enum Live {
    Plain(Guest<UnixSystem>),
    Deterministic(Guest<Deterministic<UnixSystem>>),
}

impl Live {
    fn call(&mut self, name: &str, args: &[Val]) -> wasirun_result {
        let (called, exit) = match self {
            Live::Plain(g) => (g.call(name, args), g.exit()),
            Live::Deterministic(g) => (g.call(name, args), g.exit()),
        };
        match (called, exit) {
            (Ok(Some(values)), _) => ended(&Exit::Code(0), values),
            (Ok(None), Some(exit)) => ended(exit, Vec::new()),
            (Ok(None), None) => failed("the guest ended"),
            (Err(e), _) => failed(e),
        }
    }

    fn finish(self) -> Finished<UnixSystem> {
        match self {
            Live::Plain(g) => g.finish(),
            Live::Deterministic(g) => unwrapped(g.finish()),
        }
    }
}

/// Instantiates the module on a system built from `config` and calls
/// `_initialize` if it exports one, keeping the instance (its memory and
/// globals) for any number of [`wasirun_instance_call`]s. The config's
/// limits hold for the instance's whole life: fuel is spent across calls,
/// the time limit counts from now. Returns `NULL` when the guest cannot
/// run (unsatisfied imports, a system that cannot be built), with the
/// reason in `*error_out`; a trap in `_initialize` gives an instance that
/// has ended (its calls fail; [`wasirun_instance_finish`] says how). The
/// caller owns the instance: free it with [`wasirun_instance_delete`] or
/// [`wasirun_instance_finish`]. An instance is used by one thread at a
/// time.
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
        let r = Run::new(engine, m).limits(config.limits.clone());
        let live = match config.deterministic {
            Some(seed) => {
                Live::Deterministic(r.instantiate(Deterministic::new(system, seed)).map_err(|e| e.to_string())?)
            }
            None => Live::Plain(r.instantiate(system).map_err(|e| e.to_string())?),
        };
        Ok(wasirun_instance { live, _metered: metered })
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.map_or(std::ptr::null_mut(), |i| Box::into_raw(Box::new(i)))
}

/// Calls the instance's export `name` with the `nargs` arguments at
/// `args`. The result's outcome is `WASIRUN_EXITED` (exit code 0) with the
/// export's results ([`wasirun_result_values`]) when it returned; a trap,
/// `proc_exit` or an exhausted limit ends the instance (the result says
/// which, and later calls fail); `WASIRUN_FAILED` for a missing export,
/// arguments of the wrong types, or an instance that has ended. Captured
/// output is in the result of [`wasirun_instance_finish`]. The caller owns
/// the result.
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
    let instance = unsafe { instance.as_mut() };
    // SAFETY: a NUL-terminated string by the caller's contract.
    let name = unsafe { bytes_of(name) };
    // SAFETY: valid for `nargs` values by the caller's contract.
    let args = unsafe { vals_of(args, nargs) };
    let r = guarded(failed("the library panicked"), || {
        let (Some(instance), Some(name)) = (instance, name) else {
            return failed("no instance or export name (NULL)");
        };
        let Ok(name) = std::str::from_utf8(name) else { return failed("the export name is not UTF-8") };
        instance.live.call(name, &args)
    });
    Box::into_raw(Box::new(r))
}

/// Ends the instance and frees it, returning how it ended
/// (`WASIRUN_EXITED` with code 0 if nothing ended it) and what it wrote to
/// captured streams over its life. The caller owns the result.
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
    let r = guarded(failed("the library panicked"), || finished(instance.live.finish()));
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

/// The `nargs` values at `args` as wasmi values.
///
/// # Safety
/// `args` is valid for reads of `nargs` values, or `nargs` is 0.
unsafe fn vals_of(args: *const wasirun_val, nargs: usize) -> Vec<Val> {
    if nargs == 0 || args.is_null() {
        return Vec::new();
    }
    // SAFETY: by the caller's contract.
    unsafe { std::slice::from_raw_parts(args, nargs) }.iter().map(to_val).collect()
}

fn to_val(v: &wasirun_val) -> Val {
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

fn from_val(v: &Val) -> Option<wasirun_val> {
    Some(match v {
        Val::I32(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_I32, of: wasirun_valunion { i32: *x } },
        Val::I64(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_I64, of: wasirun_valunion { i64: *x } },
        Val::F32(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_F32, of: wasirun_valunion { f32: (*x).into() } },
        Val::F64(x) => wasirun_val { kind: wasirun_valkind::WASIRUN_F64, of: wasirun_valunion { f64: (*x).into() } },
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Results.

/// How the run ended.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_outcome(result: *const wasirun_result) -> wasirun_outcome {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(wasirun_outcome::WASIRUN_FAILED, |r| r.outcome)
}

/// The guest's exit status when the outcome is `WASIRUN_EXITED` (0 when it
/// returned from `_start` or the called export); -1 otherwise.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_exit_code(result: *const wasirun_result) -> i32 {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(-1, |r| r.exit_code)
}

/// What went wrong (a trap, a limit, why the guest could not run), or ""
/// when it exited. Lives as long as the result.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_message(result: *const wasirun_result) -> *const c_char {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.message.as_ptr())
}

/// Copies up to `capacity` of the called export's results to `out` and
/// returns how many it returned (none unless [`wasirun_call`] returned).
///
/// # Safety
/// `result` is a live result; `out` is valid for writes of `capacity`
/// values (or `capacity` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_values(
    result: *const wasirun_result,
    out: *mut wasirun_val,
    capacity: usize,
) -> usize {
    // SAFETY: by the caller's contract.
    let Some(r) = (unsafe { result.as_ref() }) else { return 0 };
    let vals: Vec<wasirun_val> = r.values.iter().filter_map(from_val).collect();
    if !out.is_null() {
        for (i, v) in vals.iter().take(capacity).enumerate() {
            // SAFETY: i < capacity, within `out` by the caller's contract.
            unsafe { out.add(i).write(*v) };
        }
    }
    vals.len()
}

/// The bytes the guest wrote to captured stream `which` (1 stdout, 2
/// stderr), their count in `*len`; owned by the result. `NULL` with
/// `*len` 0 for a stream not captured or empty.
///
/// # Safety
/// `result` is a live result; `len` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_output(
    result: *const wasirun_result,
    which: c_int,
    len: *mut usize,
) -> *const u8 {
    // SAFETY: by the caller's contract.
    let bytes = unsafe { result.as_ref() }.map_or(&[][..], |r| match which {
        1 => &r.output.stdout[..],
        2 => &r.output.stderr[..],
        _ => &[][..],
    });
    if !len.is_null() {
        // SAFETY: valid for a write by the caller's contract.
        unsafe { *len = bytes.len() };
    }
    if bytes.is_empty() { std::ptr::null() } else { bytes.as_ptr() }
}

/// How many bytes written to captured stream `which` were dropped past its
/// capacity.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_output_dropped(result: *const wasirun_result, which: c_int) -> u64 {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(0, |r| match which {
        1 => r.output.stdout_dropped,
        2 => r.output.stderr_dropped,
        _ => 0,
    })
}

/// The largest total of memory and table bytes the guest asked for past
/// [`wasirun_config_max_memory`] (0 if it never did).
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_memory_refused(result: *const wasirun_result) -> usize {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(0, |r| r.memory_refused)
}

/// Frees a result (and the output it holds). `NULL` does nothing.
///
/// # Safety
/// `result` is null or from [`wasirun_run`] or [`wasirun_call`], not yet
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_delete(result: *mut wasirun_result) {
    if !result.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        drop(unsafe { Box::from_raw(result) });
    }
}
