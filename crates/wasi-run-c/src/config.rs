//! Configs (`wasirun_config`): everything a run's system is built from,
//! reusable for any number of runs and instances.

use crate::host::{HostBuilder, HostFile, MountKind, open_dir, open_mount, path_of};
use crate::{bytes_of, guarded, or_error, text_of, wasirun_error};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;
use wasi_preview1::vfs::{DEFAULT_BUDGET, FileSystem};
use wasi_wasmi::{Limits, Run};

/// What one stdio stream of the guest is connected to.
#[derive(Debug, Default)]
pub(crate) enum StdioChoice {
    /// Nothing: reads see end-of-file, writes are discarded.
    #[default]
    Null,
    /// This process's own stream.
    Inherit,
    /// A host file (fd or handle; duplicated for each run).
    File(HostFile),
    /// Bytes to read (stdin) or captured output: what the builder is
    /// told, as a function, so that a host that never asks for either
    /// links none of the threads behind them (docs/footprint.md).
    Piped(StdioStep),
    /// Each write handed to a callback (stdout, stderr).
    Callback(Callback),
}

/// Receives what the guest writes to a stream: `len` bytes at `data`
/// (valid only during the call). Called on the thread running the guest.
pub type wasirun_write_fn = extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize);

/// A C output callback and its context.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Callback {
    pub(crate) write: wasirun_write_fn,
    pub(crate) userdata: *mut c_void,
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
pub(crate) struct Preopen {
    pub(crate) dir: PreopenDir,
    pub(crate) guest: String,
    pub(crate) readonly: bool,
}

/// What a preopen holds.
#[derive(Debug)]
pub(crate) enum PreopenDir {
    /// A host directory, opened when added.
    Host(HostFile),
    /// A mount: the file system made when it was added (every run of a
    /// read-only one shares it), and how to make a fresh one for each run
    /// of a writable one, so no run sees another's changes. Made by a
    /// closure: a host that never mounts links none of the code that makes
    /// mounts (docs/footprint.md).
    Mount { fs: Arc<dyn FileSystem>, fresh: Option<MountFactory> },
}

/// A setting kept as the function that applies it, so that only the
/// setting calls a host makes link their code (docs/footprint.md); shown
/// by its type alone in `Debug`.
pub(crate) struct Deferred<F: ?Sized>(pub(crate) Arc<F>);

impl<F: ?Sized> std::fmt::Debug for Deferred<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

/// Sets a stdio stream on a system's builder ([`StdioChoice::Piped`]).
pub(crate) type StdioStep = Deferred<dyn Fn(HostBuilder) -> HostBuilder + Send + Sync>;

/// A host function, as it adds itself to a run.
pub(crate) type FuncDef = Deferred<dyn for<'a> Fn(Run<'a>) -> Run<'a> + Send + Sync>;

/// Makes a fresh file system for a writable mount.
pub(crate) type MountFactory = Deferred<dyn Fn() -> Result<Arc<dyn FileSystem>, String> + Send + Sync>;

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
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<(Vec<u8>, Vec<u8>)>,
    /// Copies this process's environment into the builder (set by
    /// [`wasirun_config_inherit_env`]; a function, so a host that never
    /// calls it links none of it).
    pub(crate) inherit_env: Option<fn(HostBuilder) -> HostBuilder>,
    pub(crate) preopens: Vec<Preopen>,
    pub(crate) stdio: [StdioChoice; 3],
    pub(crate) limits: Limits,
    pub(crate) max_open_files: Option<usize>,
    pub(crate) deterministic: Option<u64>,
    /// The host functions: each adds itself to a run (a closure, so a host
    /// that defines none links none of their code).
    pub(crate) funcs: Vec<FuncDef>,
    pub(crate) non_blocking: bool,
}

/// A config from a caller's pointer.
///
/// # Safety
/// `config` is null or a live config from [`wasirun_config_new`], not used
/// by another thread during the call.
pub(crate) unsafe fn config_mut<'a>(config: *mut wasirun_config) -> Option<&'a mut wasirun_config> {
    // SAFETY: by the caller's contract.
    unsafe { config.as_mut() }
}

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
        c.inherit_env = Some(HostBuilder::inherit_env);
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
        let host = path_of(unsafe { bytes_of(host_path) }.ok_or("no host path (NULL)")?)?;
        // SAFETY: by the caller's contract.
        let guest = unsafe { text_of(guest_path, "guest path") }?.to_string();
        let dir = open_dir(&host).map_err(|e| format!("cannot open directory {}: {e}", host.display()))?;
        c.preopens.push(Preopen { dir: PreopenDir::Host(dir), guest, readonly });
        Ok(())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.is_some()
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
        let guest = unsafe { text_of(guest_path, "guest path") }?.to_string();
        // SAFETY: by the caller's contract.
        let source = unsafe { bytes_of(source) }.map(path_of).transpose()?;
        let kind = match kind {
            WASIRUN_MOUNT_MEMORY => MountKind::Memory,
            WASIRUN_MOUNT_TAR => MountKind::Tar,
            WASIRUN_MOUNT_OVERLAY => MountKind::Overlay,
            other => return Err(format!("unknown mount kind {other}")),
        };
        let readonly = readonly || kind == MountKind::Tar;
        let budget = if budget == 0 { DEFAULT_BUDGET } else { budget };
        let fs = open_mount(kind, source.as_deref(), readonly, budget)?;
        let fresh = (!readonly).then(|| -> MountFactory {
            Deferred(Arc::new(move || open_mount(kind, source.as_deref(), false, budget)))
        });
        c.preopens.push(Preopen { dir: PreopenDir::Mount { fs, fresh }, guest, readonly });
        Ok(())
    });
    // SAFETY: by the caller's contract.
    unsafe { or_error(r, error_out) }.is_some()
}

/// Which stdio stream: 0 stdin, 1 stdout, 2 stderr.
///
/// # Safety
/// As [`config_mut`].
pub(crate) unsafe fn stream<'a>(config: *mut wasirun_config, which: c_int) -> Option<&'a mut StdioChoice> {
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
    let data = unsafe { crate::slice_of(bytes, len) }.to_vec();
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, 0) } {
        Some(s) => {
            *s = StdioChoice::Piped(Deferred(Arc::new(move |b| b.stdin_bytes(data.clone()))));
            true
        }
        None => false,
    }
}

/// Captures up to `capacity` bytes of what the guest writes to stream
/// `which` (1 stdout, 2 stderr); the rest is dropped (the guest's writes
/// still succeed). Read them with [`crate::wasirun_result_output`].
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_capture(config: *mut wasirun_config, which: c_int, capacity: usize) -> bool {
    // SAFETY: by the caller's contract.
    match unsafe { stream(config, which) } {
        Some(s) if which != 0 => {
            let step: Arc<dyn Fn(HostBuilder) -> HostBuilder + Send + Sync> = if which == 1 {
                Arc::new(move |b| b.capture_stdout(capacity))
            } else {
                Arc::new(move |b| b.capture_stderr(capacity))
            };
            *s = StdioChoice::Piped(Deferred(step));
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
/// milliseconds; one sleeping or blocked reading is woken at the deadline;
/// one running in slices ends at its next slice).
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

/// Lets instances made from this config run calls in slices of fuel or
/// time ([`crate::wasirun_instance_start`] with a non-zero `fuel` or
/// `time_us`): turns fuel metering on, which costs a few percent of
/// interpretation speed, so it is off unless asked for (or a fuel or time
/// limit turns it on).
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_slices(config: *mut wasirun_config, on: bool) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.limits.metered = on;
    }
}

/// Non-blocking mode for instances made from this config: in calls made
/// with [`crate::wasirun_instance_start`] and
/// [`crate::wasirun_instance_resume`], a WASI call that would block (a
/// sleep, `poll_oneoff` on fds that are not ready, a read of a stream with
/// nothing in it, `sched_yield`) returns `WASIRUN_STEP_WAITING` with what
/// the guest waits for ([`crate::wasirun_instance_wait`]) instead of
/// blocking the calling thread.
///
/// # Safety
/// `config` is null or a live config.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_config_non_blocking(config: *mut wasirun_config, on: bool) {
    // SAFETY: by the caller's contract.
    if let Some(c) = unsafe { config_mut(config) } {
        c.non_blocking = on;
    }
}
