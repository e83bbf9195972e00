//! Clocks: `clock_res_get`, `clock_time_get`, and the monotonic deadlines
//! `poll_oneoff` sleeps to.

use rustix::time::{ClockId, Timespec};
use wasi_abi::{Clockid, Errno, Timestamp};

const NANOS: u64 = 1_000_000_000;

/// The host clock behind a preview1 clock.
pub(crate) fn host_clock(id: Clockid) -> ClockId {
    match id {
        Clockid::Realtime => ClockId::Realtime,
        Clockid::Monotonic => ClockId::Monotonic,
        Clockid::ProcessCputimeId => ClockId::ProcessCPUTime,
        Clockid::ThreadCputimeId => ClockId::ThreadCPUTime,
    }
}

/// Nanoseconds in a host time value; negative values (before the epoch)
/// are `EOVERFLOW`, as they cannot be a `timestamp`.
pub(crate) fn to_nanos(ts: Timespec) -> Result<Timestamp, Errno> {
    let secs = u64::try_from(ts.tv_sec).map_err(|_| Errno::OVERFLOW)?;
    let nsec = u64::try_from(ts.tv_nsec).map_err(|_| Errno::OVERFLOW)?;
    secs.checked_mul(NANOS).and_then(|n| n.checked_add(nsec)).ok_or(Errno::OVERFLOW)
}

/// A host time value for nanoseconds (saturating at the largest).
pub(crate) fn to_timespec(nanos: Timestamp) -> Timespec {
    Timespec { tv_sec: (nanos / NANOS) as i64, tv_nsec: (nanos % NANOS) as _ }
}

/// `clock_time_get`.
pub(crate) fn now(id: Clockid) -> Result<Timestamp, Errno> {
    to_nanos(rustix::time::clock_gettime(host_clock(id)))
}

/// `clock_res_get`.
pub(crate) fn resolution(id: Clockid) -> Result<Timestamp, Errno> {
    to_nanos(rustix::time::clock_getres(host_clock(id)))
}

/// The monotonic clock now, in nanoseconds.
pub(crate) fn monotonic_now() -> Timestamp {
    to_nanos(rustix::time::clock_gettime(ClockId::Monotonic)).unwrap_or(0)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
thread_local! {
    /// The thread's own timer slack, read once.
    static THREAD_SLACK: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (a wait) with the thread's timer slack set to `slack` ns: the
/// kernel may end the wait up to that much late, to coalesce wakeups. The
/// thread's own slack (the kernel's default is 50 µs) is restored after.
/// Only Linux has timer slack; elsewhere (and in portable mode) the wait
/// runs as it is, and a clock's precision coalesces nothing.
pub(crate) fn with_slack<T>(slack: Timestamp, f: impl FnOnce() -> T) -> T {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if super::platform::linux_fast() {
        let own = THREAD_SLACK.with(|c| match c.get() {
            Some(v) => v,
            None => {
                let v = rustix::thread::current_timer_slack().unwrap_or(50_000);
                c.set(Some(v));
                v
            }
        });
        let slack = slack.max(1);
        if slack == own {
            return f();
        }
        let _ = rustix::thread::set_current_timer_slack(core::num::NonZeroU64::new(slack));
        let r = f();
        let _ = rustix::thread::set_current_timer_slack(core::num::NonZeroU64::new(own));
        return r;
    }
    let _ = slack;
    f()
}

/// Sleeps until the monotonic clock reaches `deadline`: one absolute
/// `clock_nanosleep` on Linux; elsewhere (and in portable mode) relative
/// sleeps until the clock has passed it, so an early wakeup or a signal
/// only means another sleep.
pub(crate) fn sleep_until(deadline: Timestamp) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if super::platform::linux_fast() {
        let ts = to_timespec(deadline);
        while let Err(rustix::io::Errno::INTR) = rustix::thread::clock_nanosleep_absolute(ClockId::Monotonic, &ts) {}
        return;
    }
    loop {
        let now = monotonic_now();
        if now >= deadline {
            return;
        }
        let _ = rustix::thread::nanosleep(&to_timespec(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(to_nanos(Timespec { tv_sec: 2, tv_nsec: 5 }), Ok(2_000_000_005));
        assert_eq!(to_nanos(Timespec { tv_sec: -1, tv_nsec: 0 }), Err(Errno::OVERFLOW));
        assert_eq!(to_nanos(Timespec { tv_sec: i64::MAX, tv_nsec: 0 }), Err(Errno::OVERFLOW));
        let ts = to_timespec(3_000_000_007);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (3, 7));
    }

    #[test]
    fn clocks_tick() {
        for id in Clockid::ALL {
            assert!(resolution(*id).unwrap() > 0);
            let a = now(*id).unwrap();
            let b = now(*id).unwrap();
            assert!(b >= a || *id == Clockid::Realtime);
        }
    }
}
