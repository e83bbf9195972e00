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
