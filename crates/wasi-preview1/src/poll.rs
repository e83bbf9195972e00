//! What both systems' `poll_oneoff` share: clock subscriptions as
//! monotonic deadlines, and the event of a ready fd.

use wasi_abi::{
    Clockid, Errno, Event, EventFdReadwrite, Eventrwflags, Subclockflags, Subscription, SubscriptionClock, Timestamp,
};

/// The absolute monotonic deadline of a clock subscription, given the
/// monotonic clock now and a way to read the realtime clock (read only for
/// an absolute realtime deadline). CPU-time clocks cannot be waited on.
pub(crate) fn deadline(
    c: &SubscriptionClock,
    mono_now: Timestamp,
    real_now: impl FnOnce() -> Result<Timestamp, Errno>,
) -> Result<Timestamp, Errno> {
    let abs = c.flags.contains(Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME);
    match c.id {
        Clockid::Monotonic | Clockid::Realtime if !abs => Ok(mono_now.saturating_add(c.timeout)),
        Clockid::Monotonic => Ok(c.timeout),
        Clockid::Realtime => {
            let real_now = real_now()?;
            Ok(mono_now.saturating_add(c.timeout.saturating_sub(real_now)))
        }
        Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => Err(Errno::NOTSUP),
    }
}

/// The event of a ready fd subscription.
pub(crate) fn fd_event(sub: &Subscription, nbytes: u64, hangup: bool) -> Event {
    let mut ev = Event::for_subscription(sub, Errno::SUCCESS);
    ev.fd_readwrite = EventFdReadwrite {
        nbytes,
        flags: if hangup { Eventrwflags::FD_READWRITE_HANGUP } else { Eventrwflags::empty() },
    };
    ev
}
