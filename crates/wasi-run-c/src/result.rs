//! Results (`wasirun_result`): how a run or call ended, what the called
//! export returned, and what the guest wrote to captured streams.

use crate::host::Output;
use crate::{c_string, wasirun_val, write_values};
use std::ffi::{CString, c_char, c_int};
use wasi_wasmi::{Exit, Finished};
use wasmi::Val;

/// How a run ended.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wasirun_outcome {
    /// The guest returned or called `proc_exit`: see
    /// [`wasirun_result_exit_code`].
    WASIRUN_EXITED = 0,
    /// The guest trapped: [`wasirun_result_message`] says how.
    WASIRUN_TRAPPED = 1,
    /// The guest used up its fuel ([`crate::wasirun_config_fuel`]).
    WASIRUN_OUT_OF_FUEL = 2,
    /// The guest ran past its time limit ([`crate::wasirun_config_timeout_ms`]).
    WASIRUN_TIMED_OUT = 3,
    /// The guest did not run: its imports could not be satisfied, the
    /// entry point is missing or unusable, or the system could not be
    /// built. [`wasirun_result_message`] says why.
    WASIRUN_FAILED = 4,
    /// The host gave the guest up during a call in slices
    /// ([`crate::wasirun_instance_abandon`]).
    WASIRUN_ABANDONED = 5,
}

/// How a run ended, what the called export returned, and what the guest
/// wrote to captured streams.
#[derive(Debug)]
pub struct wasirun_result {
    pub(crate) outcome: wasirun_outcome,
    pub(crate) exit_code: i32,
    pub(crate) message: CString,
    pub(crate) values: Vec<Val>,
    pub(crate) memory_refused: usize,
    pub(crate) output: Output,
    pub(crate) trace: Trace,
}

/// Where a trap happened: its frames and backtrace, and a core dump.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    frames: Vec<Frame>,
    text: CString,
    core_dump: Vec<u8>,
}

/// A frame's strings, kept for the `wasirun_frame`s that point at them.
#[derive(Debug)]
struct Frame {
    func_index: u32,
    module: CString,
    name: Option<CString>,
    offset: Option<u32>,
    file: Option<CString>,
    line: u32,
    column: u32,
}

impl Trace {
    #[cfg(not(feature = "diagnostics"))]
    fn of(_exit: &Exit) -> Trace {
        Trace::default()
    }

    #[cfg(feature = "diagnostics")]
    fn of(exit: &Exit) -> Trace {
        let Exit::Trap(trap) = exit else { return Trace::default() };
        let Some(bt) = &trap.backtrace else { return Trace::default() };
        let frames = bt
            .frames
            .iter()
            .map(|f| Frame {
                func_index: f.func_index,
                module: c_string(f.module.clone()),
                name: f.name.clone().map(c_string),
                offset: f.offset,
                file: f.location.as_ref().map(|l| c_string(l.file.clone())),
                line: f.location.as_ref().map_or(0, |l| l.line),
                column: f.location.as_ref().and_then(|l| l.column).unwrap_or(0),
            })
            .collect();
        let text = if bt.frames.is_empty() { String::new() } else { bt.to_string() };
        Trace { frames, text: c_string(text), core_dump: trap.core_dump.clone().unwrap_or_default() }
    }
}

/// One frame of a trap's backtrace ([`wasirun_result_frame`]). Its strings
/// live as long as the result.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wasirun_frame {
    /// The function's index in the module (imports first, as in wasm).
    pub func_index: u32,
    /// The module's name (its file name, or what [`crate::wasirun_module_load`]
    /// was given).
    pub module: *const c_char,
    /// The function's name, demangled; `NULL` when the module names none.
    pub name: *const c_char,
    /// With source lines ([`crate::WASIRUN_MODULE_SOURCE_LINES`]): the module
    /// offset of the last call or trapping instruction the frame reached.
    pub offset: u32,
    /// Whether `offset` is known.
    pub has_offset: bool,
    /// The source file of that instruction (from DWARF); `NULL` when unknown.
    pub file: *const c_char,
    /// Its line (from 1); 0 when unknown.
    pub line: u32,
    /// Its column; 0 when unknown.
    pub column: u32,
}

/// A result for a guest that did not run.
pub(crate) fn failed(message: impl std::fmt::Display) -> wasirun_result {
    wasirun_result {
        outcome: wasirun_outcome::WASIRUN_FAILED,
        exit_code: -1,
        message: c_string(message.to_string()),
        values: Vec::new(),
        memory_refused: 0,
        output: Output::default(),
        trace: Trace::default(),
    }
}

/// A result for an exit, without output.
pub(crate) fn ended(exit: &Exit, values: Vec<Val>) -> wasirun_result {
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
        trace: Trace::of(exit),
    }
}

/// A finished guest's result, with its output.
pub(crate) fn finished(f: Finished<crate::host::HostSystem>) -> wasirun_result {
    let mut r = ended(&f.exit, f.results);
    r.memory_refused = f.memory_refused.unwrap_or(0);
    r.output = f.system.into_output();
    r
}

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
/// returns how many it returned (none unless [`crate::wasirun_call`] returned).
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
    // SAFETY: `out` is valid for `capacity` values by the caller's contract.
    unsafe { write_values(&r.values, out, capacity) }
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
/// [`crate::wasirun_config_max_memory`] (0 if it never did).
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_memory_refused(result: *const wasirun_result) -> usize {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(0, |r| r.memory_refused)
}

/// How many frames the trap's backtrace has (innermost first); 0 when the
/// guest did not trap, or its module was loaded without backtraces.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_frame_count(result: *const wasirun_result) -> usize {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(0, |r| r.trace.frames.len())
}

/// Writes frame `index` (0 is where the trap happened) to `*out` and
/// returns true; false (and `*out` untouched) past the last frame.
///
/// # Safety
/// `result` is a live result; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_frame(
    result: *const wasirun_result,
    index: usize,
    out: *mut wasirun_frame,
) -> bool {
    // SAFETY: by the caller's contract.
    let Some(f) = (unsafe { result.as_ref() }).and_then(|r| r.trace.frames.get(index)) else { return false };
    if out.is_null() {
        return false;
    }
    let frame = wasirun_frame {
        func_index: f.func_index,
        module: f.module.as_ptr(),
        name: f.name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
        offset: f.offset.unwrap_or(0),
        has_offset: f.offset.is_some(),
        file: f.file.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
        line: f.line,
        column: f.column,
    };
    // SAFETY: valid for a write by the caller's contract.
    unsafe { out.write(frame) };
    true
}

/// The trap's backtrace as the CLI prints it ("wasm backtrace:" and a line
/// per frame), or "" without one. Lives as long as the result.
///
/// # Safety
/// `result` is a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_backtrace(result: *const wasirun_result) -> *const c_char {
    // SAFETY: by the caller's contract.
    unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.trace.text.as_ptr())
}

/// The core dump taken at the trap (a module loaded with
/// [`crate::WASIRUN_MODULE_CORE_DUMPS`]), its length in `*len`; `NULL` and 0
/// without one. Owned by the result.
///
/// # Safety
/// `result` is a live result; `len` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_core_dump(result: *const wasirun_result, len: *mut usize) -> *const u8 {
    // SAFETY: by the caller's contract.
    let bytes = unsafe { result.as_ref() }.map_or(&[][..], |r| &r.trace.core_dump[..]);
    if !len.is_null() {
        // SAFETY: valid for a write by the caller's contract.
        unsafe { *len = bytes.len() };
    }
    if bytes.is_empty() { std::ptr::null() } else { bytes.as_ptr() }
}

/// Frees a result (and the output it holds). `NULL` does nothing.
///
/// # Safety
/// `result` is null or from [`crate::wasirun_run`] or [`crate::wasirun_call`], not yet
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasirun_result_delete(result: *mut wasirun_result) {
    if !result.is_null() {
        // SAFETY: owned by the caller, who gives it up.
        drop(unsafe { Box::from_raw(result) });
    }
}
