//! Clocks on a Windows host: the system time (100 ns ticks), a monotonic
//! clock (`QueryPerformanceCounter`, through `Instant`), and the process's
//! and thread's CPU time (`GetProcessTimes`, `GetThreadTimes`).
#![allow(unsafe_code)]

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use wasi_abi::{Clockid, Errno, Timestamp};
use windows_sys::Win32::Foundation::FILETIME;
use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetCurrentThread, GetProcessTimes, GetThreadTimes};

/// The monotonic clock now, in nanoseconds since the first reading (plus
/// one second, so no reading is 0).
pub(crate) fn monotonic_now() -> Timestamp {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX).saturating_add(1_000_000_000)
}

fn ticks(t: FILETIME) -> u64 {
    (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime)
}

/// User plus kernel time of the process or the thread, in nanoseconds.
fn cpu_time(thread: bool) -> Result<Timestamp, Errno> {
    let zero = FILETIME { dwLowDateTime: 0, dwHighDateTime: 0 };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: pseudo-handles for the current process and thread; the four
    // FILETIMEs are live locals the call writes.
    let ok = unsafe {
        if thread {
            GetThreadTimes(GetCurrentThread(), &mut created, &mut exited, &mut kernel, &mut user)
        } else {
            GetProcessTimes(GetCurrentProcess(), &mut created, &mut exited, &mut kernel, &mut user)
        }
    };
    if ok == 0 {
        return Err(super::nt::last_error());
    }
    Ok((ticks(kernel) + ticks(user)).saturating_mul(100))
}

/// `clock_time_get`.
pub(crate) fn now(id: Clockid) -> Result<Timestamp, Errno> {
    match id {
        Clockid::Realtime => {
            let d = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| Errno::OVERFLOW)?;
            u64::try_from(d.as_nanos()).map_err(|_| Errno::OVERFLOW)
        }
        Clockid::Monotonic => Ok(monotonic_now()),
        Clockid::ProcessCputimeId => cpu_time(false),
        Clockid::ThreadCputimeId => cpu_time(true),
    }
}

/// `clock_res_get`: the 100 ns tick of the system time and of CPU times;
/// the monotonic clock's is as fine (`Instant` counts in 100 ns or less).
pub(crate) fn resolution(_id: Clockid) -> Result<Timestamp, Errno> {
    Ok(100)
}
