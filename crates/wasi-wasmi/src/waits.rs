//! Waits that never block the host thread ([`crate::Run::non_blocking`]).
//!
//! In non-blocking mode the system's deadline is always past, so no
//! system call waits: a read of a pipe with nothing in it is `EAGAIN`, a
//! `poll_oneoff` returns what is ready now. Where the guest asked to wait
//! (a blocking fd, a clock in `poll_oneoff`, `sched_yield`), the import
//! does not hand that answer to the guest: it keeps the call as a
//! `Blocked` (how to try it again) and suspends the guest with the host
//! error [`WouldBlock`]; the runner then returns [`crate::Step::Waiting`]
//! with the [`Wait`] (until when, on which fds) and tries the call again
//! when the embedder resumes it. Nothing of the call is visible to the
//! guest until it completes.
//!
//! A `poll_oneoff` clock with a relative timeout is fixed to an absolute
//! time at the first try (`Anchors`), so trying again never starts the
//! timeout over.

use crate::Fail;
use smallvec::SmallVec;
use std::fmt;
use std::time::{Duration, Instant};
use wasi_abi::{Clockid, Errno, Fdflags, GuestMemory, Subclockflags, Subscription, SubscriptionU, Timestamp};
use wasi_preview1::System;

/// What a guest waits for: it can go on when a clock reaches `until`, or
/// one of the fds is ready; with neither (after `sched_yield`), at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wait {
    /// When the earliest clock it waits on fires, if it waits on one.
    pub until: Option<Instant>,
    /// The guest fds it waits to read from (or accept on).
    pub read: Vec<u32>,
    /// The guest fds it waits to write to.
    pub write: Vec<u32>,
}

/// The host error that suspends a guest whose WASI call would block, in
/// non-blocking mode. The runner catches it; an embedder with a store of
/// its own never sees it unless it turns non-blocking mode on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WouldBlock;

impl fmt::Display for WouldBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the guest waits (a WASI call would block)")
    }
}

impl wasmi_core::HostError for WouldBlock {}

/// How to try a call that would have blocked again: on the same
/// arguments, with the guest's memory and the system.
pub(crate) type Retry<S> = Box<dyn FnMut(&mut GuestMemory<'_>, &mut S) -> Result<(), Fail> + Send>;

/// A call that would have blocked: what it waits for, and how to try it
/// again.
pub(crate) struct Blocked<S> {
    pub(crate) wait: Wait,
    pub(crate) retry: Retry<S>,
}

impl<S> fmt::Debug for Blocked<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocked").field("wait", &self.wait).finish_non_exhaustive()
    }
}

/// Which way an fd call waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

/// The answer of an fd call that waits in `interest` on `fd`, in
/// non-blocking mode: `EAGAIN` on an fd the guest has not made
/// non-blocking itself means the call would have blocked.
pub(crate) fn fd_would_block<S: System>(
    sys: &mut S,
    r: Result<(), Fail>,
    fd: u32,
    interest: Interest,
) -> Result<(), Fail> {
    if !matches!(r, Err(Fail::Errno(Errno::AGAIN))) {
        return r;
    }
    match sys.fd_fdstat_get(fd) {
        Ok(st) if !st.fs_flags.contains(Fdflags::NONBLOCK) => {
            let mut wait = Wait::default();
            match interest {
                Interest::Read => wait.read.push(fd),
                Interest::Write => wait.write.push(fd),
            }
            Err(Fail::Block(wait))
        }
        _ => r,
    }
}

/// The absolute time of each relative clock subscription, fixed at a
/// `poll_oneoff`'s first try (empty before it).
pub(crate) type Anchors = SmallVec<[Option<Timestamp>; 8]>;

/// Fixes `subs`' relative clocks to absolute times: computed against the
/// system's clocks on the first try (filling `anchors`), reused on every
/// later one.
pub(crate) fn anchor<S: System>(sys: &mut S, subs: &mut [Subscription], anchors: &mut Anchors) {
    if anchors.len() != subs.len() {
        anchors.clear();
        for s in subs.iter() {
            anchors.push(match s.u {
                SubscriptionU::Clock(c) if !c.flags.contains(Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME) => {
                    sys.clock_time_get(c.id, 0).ok().map(|now| now.saturating_add(c.timeout))
                }
                _ => None,
            });
        }
    }
    for (s, at) in subs.iter_mut().zip(anchors.iter()) {
        if let (SubscriptionU::Clock(c), Some(at)) = (&mut s.u, at) {
            c.timeout = *at;
            c.flags |= Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME;
        }
    }
}

/// What a `poll_oneoff` on (anchored) `subs` that found nothing ready
/// waits for.
pub(crate) fn poll_wait<S: System>(sys: &mut S, subs: &[Subscription]) -> Wait {
    let mut wait = Wait::default();
    let now = Instant::now();
    for s in subs {
        match s.u {
            SubscriptionU::Clock(c) if matches!(c.id, Clockid::Realtime | Clockid::Monotonic) => {
                let Ok(clock_now) = sys.clock_time_get(c.id, 0) else { continue };
                let at = now + Duration::from_nanos(c.timeout.saturating_sub(clock_now));
                wait.until = Some(wait.until.map_or(at, |u| u.min(at)));
            }
            SubscriptionU::FdRead(fd) => wait.read.push(fd),
            SubscriptionU::FdWrite(fd) => wait.write.push(fd),
            SubscriptionU::Clock(_) => {}
        }
    }
    wait
}
