//! The `wasi_snapshot_preview1` host module for the [wasmi] interpreter.
//!
//! [`add_to_linker`] registers all 46 imports on a [`wasmi::Linker`], from
//! the one signature table in [`signatures`]. Each import borrows linear
//! memory together with the store data ([`Memory::data_and_store_mut`]),
//! decodes its arguments in place with `wasi-abi`, calls a
//! [`System`], and encodes the results: no copies,
//! and no allocation per call.
//!
//! Guest errors follow one rule (docs/security.md): an out-of-bounds
//! pointer or length is `EFAULT`, a misaligned structure pointer `EINVAL`,
//! an unknown flag or enumeration value `EINVAL`, a non-UTF-8 path
//! `EILSEQ`; none of them traps. `proc_exit` ends the guest with
//! [`wasmi::Error::i32_exit`], which [`run_command`] hands back to the
//! embedder as an exit code; nothing here exits the host process.

pub mod signatures;

#[cfg(feature = "diagnostics")]
pub mod diagnostics;
pub mod host_funcs;
#[cfg(feature = "preview0")]
mod preview0;
mod preview1;
mod run;
pub mod waits;
#[cfg(feature = "sockets")]
mod wasmedge;

pub use host_funcs::{HostCall, HostFn, MemoryRange};
pub use run::{
    Exit, FUEL_SLICE, Finished, Guest, Limits, MAX_RECURSION_DEPTH, MAX_STACK_BYTES, Proposals, Run, RunError, Slice,
    Step, TABLE_ELEMENT_BYTES, TIME_CHECK_FUEL, Trap, engine_config, engine_config_for, run_command,
};
pub use signatures::{SIGNATURES, Signature, WasmType};
pub use waits::Wait;
pub use wasi_abi::{MAX_POLL_SUBSCRIPTIONS, POLL_INLINE};
#[cfg(feature = "sockets")]
pub use wasmedge::add_wasmedge_sockets;

/// The code in docs/embedding.md, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
struct EmbeddingGuide;

use wasi_abi::{Errno, GuestMemory};
use wasi_preview1::System;
use wasmi::{Caller, Extern, Linker, Memory, errors::LinkerError};

/// The import module name of preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// The import module name of preview0.
pub const MODULE0: &str = "wasi_unstable";

/// The WASI state kept in a store: the [`System`] and the guest's memory.
#[derive(Debug)]
pub struct WasiCtx<S> {
    system: S,
    memory: Option<Memory>,
    /// Past it, every import ends the guest ([`DeadlinePassed`]).
    deadline: Option<std::time::Instant>,
    /// Non-blocking mode ([`waits`]): the system never waits, and a call
    /// that would is kept in `blocked` while the guest is suspended.
    nonblocking: bool,
    blocked: Option<waits::Blocked<S>>,
}

/// The trap an import raises once the run's deadline has passed
/// ([`WasiCtx::set_deadline`]); [`Run`] reports it as [`Exit::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePassed;

impl std::fmt::Display for DeadlinePassed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the run's time limit passed")
    }
}

impl wasmi_core::HostError for DeadlinePassed {}

impl<S> WasiCtx<S> {
    /// Wraps a system.
    pub fn new(system: S) -> Self {
        WasiCtx { system, memory: None, deadline: None, nonblocking: false, blocked: None }
    }

    /// The system.
    pub fn system(&self) -> &S {
        &self.system
    }

    /// The system, exclusively.
    pub fn system_mut(&mut self) -> &mut S {
        &mut self.system
    }

    /// Gives the system back.
    pub fn into_system(self) -> S {
        self.system
    }

    /// Sets the run's time limit: the system is told (so no call waits
    /// past it), and once it has passed every import ends the guest with
    /// [`DeadlinePassed`].
    pub fn set_deadline(&mut self, deadline: Option<std::time::Instant>)
    where
        S: System,
    {
        self.deadline = deadline;
        self.tell_system_deadline();
    }

    /// Turns non-blocking mode on or off ([`waits`]): while it is on, the
    /// system's deadline is always past, so no call waits, and a call that
    /// would have waited suspends the guest with [`waits::WouldBlock`].
    pub(crate) fn set_nonblocking(&mut self, on: bool)
    where
        S: System,
    {
        self.nonblocking = on;
        self.tell_system_deadline();
    }

    /// The deadline the system keeps: the run's, or (non-blocking) one
    /// already past.
    fn tell_system_deadline(&mut self)
    where
        S: System,
    {
        let now = std::time::Instant::now();
        self.system.set_deadline(if self.nonblocking { Some(now) } else { self.deadline });
    }

    /// The call that suspended the guest, if one did.
    pub(crate) fn take_blocked(&mut self) -> Option<waits::Blocked<S>> {
        self.blocked.take()
    }

    /// The guest's memory, once known.
    pub(crate) fn memory(&self) -> Option<Memory> {
        self.memory
    }

    /// Sets the memory the imports read and write. Without it, the first
    /// call looks up the calling instance's `memory` export and keeps it:
    /// a `WasiCtx` serves one instance, as a preview1 command is one.
    pub fn set_memory(&mut self, memory: Memory) {
        self.memory = Some(memory);
    }
}

/// Why an import did not return an errno.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The call failed with this errno.
    Errno(Errno),
    /// The guest exits with this status.
    Exit(i32),
    /// In non-blocking mode: the call would have blocked, waiting for this.
    Block(waits::Wait),
}

impl From<Errno> for Fail {
    #[inline]
    fn from(e: Errno) -> Self {
        Fail::Errno(e)
    }
}

/// Ends the guest once the run's deadline has passed.
#[inline(always)]
fn check_deadline<T, S>(caller: &mut Caller<'_, T>, get: fn(&mut T) -> &mut WasiCtx<S>) -> Result<(), wasmi::Error> {
    match get(caller.data_mut()).deadline {
        Some(d) if std::time::Instant::now() >= d => Err(wasmi::Error::host(DeadlinePassed)),
        _ => Ok(()),
    }
}

/// The wasm result of an import that returns an errno.
#[inline]
fn errno_result(r: Result<(), Fail>) -> Result<u32, wasmi::Error> {
    match r {
        Ok(()) => Ok(0),
        Err(Fail::Errno(e)) => Ok(u32::from(e.raw())),
        Err(Fail::Exit(code)) => Err(wasmi::Error::i32_exit(code)),
        // Only in non-blocking mode, where the import keeps the call
        // instead of answering; never seen by a guest otherwise.
        Err(Fail::Block(_)) => Ok(u32::from(Errno::AGAIN.raw())),
    }
}

/// How an import may wait, in non-blocking mode ([`waits`]).
#[derive(Clone, Copy)]
enum Waits {
    /// It never waits.
    Never,
    /// It waits on this fd, this way.
    Fd(u32, waits::Interest),
    /// `sched_yield`: it gives way, and may go on at once.
    Yield,
}

/// One import call: `f` with the guest's memory and the system, its answer
/// as the wasm result, and the run's deadline checked. In non-blocking
/// mode a call that `waits` and would have blocked suspends the guest
/// instead ([`waits::WouldBlock`]), kept to be tried again.
#[inline(always)]
fn import<T, S, F>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiCtx<S>,
    waits: Waits,
    f: F,
) -> Result<u32, wasmi::Error>
where
    S: System + 'static,
    F: Fn(&mut GuestMemory<'_>, &mut S) -> Result<(), Fail> + Copy + Send + 'static,
{
    let mut r = with_memory(caller, get, f);
    if !matches!(waits, Waits::Never) && get(caller.data_mut()).nonblocking {
        // Only the boxing of `f` is compiled per import; the rest once per
        // system (docs/footprint.md).
        r = suspend_if_blocked(get(caller.data_mut()), r, waits, &|| Box::new(f))?;
    }
    let r = errno_result(r);
    check_deadline(caller, get)?;
    r
}

/// The answer `r` of an import that `waits`, in non-blocking mode: kept,
/// or, when it would have blocked, the guest suspended
/// ([`waits::WouldBlock`]) with the call kept to be tried again (`call`
/// boxes it).
#[inline(never)]
fn suspend_if_blocked<S: System + 'static>(
    ctx: &mut WasiCtx<S>,
    r: Result<(), Fail>,
    waits: Waits,
    call: &dyn Fn() -> waits::Retry<S>,
) -> Result<Result<(), Fail>, wasmi::Error> {
    let r = match waits {
        Waits::Fd(fd, interest) => waits::fd_would_block(&mut ctx.system, r, fd, interest),
        Waits::Yield if r.is_ok() => Err(Fail::Block(waits::Wait::default())),
        _ => r,
    };
    let Err(Fail::Block(wait)) = r else { return Ok(r) };
    let retry: waits::Retry<S> = match waits {
        Waits::Fd(fd, interest) => {
            let mut f = call();
            Box::new(move |mem, sys| {
                let r = f(mem, sys);
                waits::fd_would_block(sys, r, fd, interest)
            })
        }
        _ => Box::new(|_, _| Ok(())),
    };
    ctx.blocked = Some(waits::Blocked { wait, retry });
    Err(wasmi::Error::host(waits::WouldBlock))
}

/// Runs `f` with the guest's memory and the system. A module without a
/// memory gets an empty one, so every pointer it passes is `EFAULT`.
#[inline(always)]
fn with_memory<T, S, R>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiCtx<S>,
    f: impl FnOnce(&mut GuestMemory<'_>, &mut S) -> R,
) -> R {
    let memory = match get(caller.data_mut()).memory {
        Some(m) => Some(m),
        None => {
            let m = caller.get_export("memory").and_then(Extern::into_memory);
            get(caller.data_mut()).memory = m;
            m
        }
    };
    match memory {
        Some(m) => {
            let (bytes, data) = m.data_and_store_mut(caller);
            f(&mut GuestMemory::new(bytes), &mut get(data).system)
        }
        None => f(&mut GuestMemory::new(&mut []), &mut get(caller.data_mut()).system),
    }
}

/// The implementation of `$name` under `wasi_unstable`: preview1's, except
/// where preview0's ABI differs.
#[cfg(feature = "preview0")]
macro_rules! preview0_impl {
    (fd_fdstat_get) => {
        preview0::fd_fdstat_get
    };
    (fd_filestat_get) => {
        preview0::fd_filestat_get
    };
    (fd_seek) => {
        preview0::fd_seek
    };
    (path_filestat_get) => {
        preview0::path_filestat_get
    };
    (poll_oneoff) => {
        preview0::poll_oneoff
    };
    ($name:ident) => {
        preview1::$name
    };
}

/// Whether `wasi_unstable` has `$name` (it has every preview1 call but
/// `sock_accept`).
#[cfg(feature = "preview0")]
macro_rules! in_preview0 {
    (sock_accept) => {
        false
    };
    ($name:ident) => {
        true
    };
}

macro_rules! register_imports {
    ($( $name:ident ( $($p:ident : $t:ident),* ) $(-> $never:tt)? ; )*) => {
        /// Registers every `wasi_snapshot_preview1` import on `linker`.
        /// `get` finds the [`WasiCtx`] in the store data.
        ///
        /// # Errors
        /// If `linker` already defines one of the imports.
        pub fn add_to_linker<T: 'static, S: System + 'static>(
            linker: &mut Linker<T>,
            get: fn(&mut T) -> &mut WasiCtx<S>,
        ) -> Result<(), LinkerError> {
            add_to_linker_where(linker, get, |_| true)
        }

        /// Registers the `wasi_snapshot_preview1` imports `wanted` names.
        pub(crate) fn add_to_linker_where<T: 'static, S: System + 'static>(
            linker: &mut Linker<T>,
            get: fn(&mut T) -> &mut WasiCtx<S>,
            wanted: impl Fn(&str) -> bool,
        ) -> Result<(), LinkerError> {
            $( if wanted(stringify!($name)) {
                register_imports!(@one linker, MODULE, get, preview1::$name, $name ( $($p : $t),* ) $(-> $never)?);
            } )*
            Ok(())
        }

        /// Registers every `wasi_unstable` (preview0) import on `linker`:
        /// the preview1 calls but `sock_accept`, with preview0's `whence`
        /// values, `filestat` and `subscription` layouts and rights
        /// translated (see [`wasi_abi::preview0`]). `get` finds the
        /// [`WasiCtx`] in the store data.
        ///
        /// # Errors
        /// If `linker` already defines one of the imports.
        #[cfg(feature = "preview0")]
        pub fn add_preview0_to_linker<T: 'static, S: System + 'static>(
            linker: &mut Linker<T>,
            get: fn(&mut T) -> &mut WasiCtx<S>,
        ) -> Result<(), LinkerError> {
            add_preview0_to_linker_where(linker, get, |_| true)
        }

        /// Registers the `wasi_unstable` imports `wanted` names.
        #[cfg(feature = "preview0")]
        pub(crate) fn add_preview0_to_linker_where<T: 'static, S: System + 'static>(
            linker: &mut Linker<T>,
            get: fn(&mut T) -> &mut WasiCtx<S>,
            wanted: impl Fn(&str) -> bool,
        ) -> Result<(), LinkerError> {
            $( if in_preview0!($name) && wanted(stringify!($name)) {
                register_imports!(@one linker, MODULE0, get, preview0_impl!($name), $name ( $($p : $t),* ) $(-> $never)?);
            } )*
            Ok(())
        }
    };
    (@one $linker:ident, $module:ident, $get:ident, $imp:expr, $name:ident ( $($p:ident : $t:ident),* ) -> !) => {
        $linker.func_wrap($module, stringify!($name),
            move |mut caller: Caller<'_, T>, $($p: $t),*| -> Result<(), wasmi::Error> {
                let r = errno_result(with_memory(&mut caller, $get, |mem, sys| $imp(mem, sys, $($p),*))).map(drop);
                check_deadline(&mut caller, $get)?;
                r
            })?;
    };
    // poll_oneoff: in non-blocking mode, relative clocks are fixed at the
    // first try, and a poll that finds nothing ready suspends the guest.
    (@one $linker:ident, $module:ident, $get:ident, $imp:expr, poll_oneoff ( $($p:ident : $t:ident),* )) => {
        $linker.func_wrap($module, "poll_oneoff",
            move |mut caller: Caller<'_, T>, $($p: $t),*| -> Result<u32, wasmi::Error> {
                if !$get(caller.data_mut()).nonblocking {
                    return import(&mut caller, $get, Waits::Never, move |mem, sys| $imp(mem, sys, $($p),*));
                }
                let mut anchors = waits::Anchors::new();
                let r = with_memory(&mut caller, $get, |mem, sys| poll_anchored!($module)(mem, sys, $($p,)* &mut anchors));
                if let Err(Fail::Block(wait)) = r {
                    let retry = Box::new(move |mem: &mut GuestMemory<'_>, sys: &mut S| {
                        poll_anchored!($module)(mem, sys, $($p,)* &mut anchors)
                    });
                    $get(caller.data_mut()).blocked = Some(waits::Blocked { wait, retry });
                    return Err(wasmi::Error::host(waits::WouldBlock));
                }
                let r = errno_result(r);
                check_deadline(&mut caller, $get)?;
                r
            })?;
    };
    (@one $linker:ident, $module:ident, $get:ident, $imp:expr, $name:ident ( $($p:ident : $t:ident),* )) => {
        $linker.func_wrap($module, stringify!($name), host_fn!($get, $imp, $name; $($p : $t),*))?;
    };
}

/// How the import `$name` may wait ([`WaitsOn`]): those that wait wait on
/// their first parameter, an fd.
macro_rules! waits_of {
    (fd_read) => {
        WaitsOn::Read
    };
    (sock_recv) => {
        WaitsOn::Read
    };
    (sock_accept) => {
        WaitsOn::Read
    };
    (fd_write) => {
        WaitsOn::Write
    };
    (sock_send) => {
        WaitsOn::Write
    };
    (sched_yield) => {
        WaitsOn::Yield
    };
    ($name:ident) => {
        WaitsOn::Never
    };
}

/// How an import may wait, as a value rather than in its code, so that
/// the imports of one signature can share one host function
/// ([`trampoline!`]).
#[derive(Clone, Copy)]
enum WaitsOn {
    Never,
    /// To read the fd in its first parameter.
    Read,
    /// To write the fd in its first parameter.
    Write,
    Yield,
}

impl WaitsOn {
    /// The [`Waits`] of a call whose first parameter is `first`.
    #[inline(always)]
    fn with(self, first: u64) -> Waits {
        match self {
            WaitsOn::Never => Waits::Never,
            // Only imports whose first parameter is an fd (a u32) wait.
            WaitsOn::Read => Waits::Fd(first as u32, waits::Interest::Read),
            WaitsOn::Write => Waits::Fd(first as u32, waits::Interest::Write),
            WaitsOn::Yield => Waits::Yield,
        }
    }
}

/// Defines `$tramp`: the host function of an import with parameters of
/// the types `$P`, calling `imp`. A closure written at each import would
/// be a type of its own, and wasmi's host-function machinery would be
/// compiled once per import; this one is compiled once per signature (35
/// preview1 imports share 12), for one indirect call per import
/// (docs/footprint.md).
macro_rules! trampoline {
    ($tramp:ident ( $($p:ident : $P:ident),* )) => {
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        fn $tramp<T: 'static, S: System + 'static, $($P: wasmi::WasmTy + Copy + Into<u64> + Send + Sync + 'static),*>(
            get: fn(&mut T) -> &mut WasiCtx<S>,
            imp: fn(&mut GuestMemory<'_>, &mut S $(, $P)*) -> Result<(), Fail>,
            on: WaitsOn,
        ) -> impl Fn(Caller<'_, T>, $($P),*) -> Result<u32, wasmi::Error> + Send + Sync + 'static {
            move |mut caller: Caller<'_, T>, $($p: $P),*| {
                let first: u64 = trampoline!(@first $($p)*);
                import(&mut caller, get, on.with(first), move |mem, sys| imp(mem, sys $(, $p)*))
            }
        }
    };
    (@first) => {
        0
    };
    (@first $p1:ident $($rest:ident)*) => {
        $p1.into()
    };
}
trampoline!(tramp1(a: A));
trampoline!(tramp2(a: A, b: B));
trampoline!(tramp3(a: A, b: B, c: C));
trampoline!(tramp4(a: A, b: B, c: C, d: D));
trampoline!(tramp5(a: A, b: B, c: C, d: D, e: E));
trampoline!(tramp6(a: A, b: B, c: C, d: D, e: E, f: F));
trampoline!(tramp7(a: A, b: B, c: C, d: D, e: E, f: F, g: G));
trampoline!(tramp9(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I));

/// The host function of the import `$name`, calling `$imp`. The calls a
/// program makes in loops, where a few nanoseconds show, get a closure of
/// their own with the implementation inlined; the rest share one per
/// signature ([`shared!`], docs/footprint.md).
macro_rules! host_fn {
    (@own $get:ident, $imp:expr, $name:ident; $($p:ident : $t:ident),*) => {
        move |mut caller: Caller<'_, T>, $($p: $t),*| -> Result<u32, wasmi::Error> {
            let first: u64 = trampoline!(@first $($p)*);
            import(&mut caller, $get, waits_of!($name).with(first), move |mem, sys| $imp(mem, sys, $($p),*))
        }
    };
    ($get:ident, $imp:expr, fd_read; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_read; $($rest)*) };
    ($get:ident, $imp:expr, fd_write; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_write; $($rest)*) };
    ($get:ident, $imp:expr, fd_pread; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_pread; $($rest)*) };
    ($get:ident, $imp:expr, fd_pwrite; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_pwrite; $($rest)*) };
    ($get:ident, $imp:expr, fd_seek; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_seek; $($rest)*) };
    ($get:ident, $imp:expr, fd_tell; $($rest:tt)*) => { host_fn!(@own $get, $imp, fd_tell; $($rest)*) };
    ($get:ident, $imp:expr, clock_time_get; $($rest:tt)*) => { host_fn!(@own $get, $imp, clock_time_get; $($rest)*) };
    ($get:ident, $imp:expr, random_get; $($rest:tt)*) => { host_fn!(@own $get, $imp, random_get; $($rest)*) };
    ($get:ident, $imp:expr, sched_yield; $($rest:tt)*) => { host_fn!(@own $get, $imp, sched_yield; $($rest)*) };
    ($get:ident, $imp:expr, $name:ident; $($p:ident : $t:ident),*) => {
        shared!($get, $imp, waits_of!($name); $($t)*)
    };
}

/// The shared host function ([`trampoline!`]) for an import of `$t`
/// parameters, calling `$imp`.
macro_rules! shared {
    ($get:ident, $imp:expr, $on:expr; $a:ident) => {
        tramp1($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident) => {
        tramp2($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident) => {
        tramp3($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident $d:ident) => {
        tramp4($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident $d:ident $e:ident) => {
        tramp5($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident $d:ident $e:ident $f:ident) => {
        tramp6($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident $d:ident $e:ident $f:ident $g:ident) => {
        tramp7($get, $imp, $on)
    };
    ($get:ident, $imp:expr, $on:expr; $a:ident $b:ident $c:ident $d:ident $e:ident $f:ident $g:ident $h:ident $i:ident) => {
        tramp9($get, $imp, $on)
    };
}

/// The non-blocking `poll_oneoff` of preview1 (`MODULE`) or preview0
/// (`MODULE0`).
macro_rules! poll_anchored {
    (MODULE) => {
        preview1::poll_oneoff_anchored
    };
    (MODULE0) => {
        preview0::poll_oneoff_anchored
    };
}
for_each_preview1_import!(register_imports);
