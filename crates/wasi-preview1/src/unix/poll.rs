//! `poll_oneoff`: clock subscriptions and fd readiness in one wait.
//!
//! - Clock subscriptions become absolute monotonic deadlines (a realtime
//!   deadline is converted at the time of the call). CPU-time clocks
//!   cannot be waited on: their event carries `ENOTSUP`.
//! - Precision is honoured as the spec defines it, "the amount of time that
//!   the implementation may wait additionally to coalesce with other
//!   events": the wait is a kernel timer at the earliest deadline whose
//!   timer slack is the tightest window any clock allows (the earliest
//!   `deadline + precision`, less that deadline; at least 1 ns). So a
//!   precision of 0 wakes as close to the deadline as the kernel can,
//!   rather than up to the default 50 µs late, and a looser one lets the
//!   kernel coalesce. Every clock whose deadline has passed when the wait
//!   ends fires in the same call; none fires before its deadline.
//! - Regular files are always ready; an fd_read event reports the bytes
//!   between the offset and the end of the file.
//! - Other fds are polled with `poll(2)`; fd_read events report the bytes
//!   waiting (`FIONREAD`) and the hangup flag.
//! - A virtual file reports its own readiness ([`VirtualFile::ready`]);
//!   one that is not ready is checked again every millisecond while the
//!   call waits.
//! - A subscription whose fd is not open gets its own event with `EBADF`;
//!   the call itself succeeds (wasmtime fails the whole call instead, which
//!   Go's runtime would treat as fatal; see docs/conformance.md).
//!
//! Up to [`POLL_INLINE`] subscriptions are handled without heap allocation.

use super::clock::{monotonic_now, sleep_until, with_slack};
use super::table::{Entry, FdTable, Kind};
#[cfg(doc)]
use crate::file::VirtualFile;
use crate::poll::{deadline, fd_event};
use rustix::event::{PollFd, PollFlags};
use rustix::fs::SeekFrom;
use smallvec::SmallVec;
use std::time::Instant;
use wasi_abi::{Clockid, Errno, Event, POLL_INLINE, Size, Subscription, SubscriptionU, Timestamp};

/// Bytes from the offset to the end of a regular file.
fn file_remaining(fd: rustix::fd::BorrowedFd<'_>) -> u64 {
    let Ok(st) = rustix::fs::fstat(fd) else { return 0 };
    let Ok(pos) = rustix::fs::seek(fd, SeekFrom::Current(0)) else { return 0 };
    (st.st_size as u64).saturating_sub(pos)
}

/// With a deadline set, waits until `entry` is ready for `flags` before a
/// call that would otherwise block (a blocking stream, device or socket),
/// so the call cannot outlive the deadline: past it, `EAGAIN` (the host
/// then ends the guest). Without a deadline, or for an fd that cannot
/// block, nothing is done.
pub(crate) fn wait_until_ready(entry: &Entry, flags: PollFlags, deadline: Option<Instant>) -> Result<(), Errno> {
    let Some(deadline) = deadline else { return Ok(()) };
    if entry.flags.contains(wasi_abi::Fdflags::NONBLOCK)
        || !matches!(entry.kind, Kind::Stream | Kind::Device | Kind::Socket)
    {
        return Ok(());
    }
    let mut fds = [PollFd::from_borrowed_fd(entry.fd()?, flags)];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ts = super::clock::to_timespec(u64::try_from(left.as_nanos()).unwrap_or(u64::MAX));
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(0) => return Err(Errno::AGAIN),
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(super::errno::from_host(e)),
        }
    }
}

/// `poll_oneoff`. With a deadline (`until`), the wait ends by then even if nothing
/// is ready (the result may then hold no events).
pub(crate) fn poll_oneoff(
    table: &FdTable,
    subs: &[Subscription],
    events: &mut [Event],
    until: Option<Instant>,
) -> Result<Size, Errno> {
    if subs.is_empty() {
        return Err(Errno::INVAL);
    }
    let mut out = Out { events, n: 0 };
    let start = monotonic_now();
    // The embedder's deadline on the monotonic clock the waits use.
    let limit = until.map(|d| {
        start.saturating_add(u64::try_from(d.saturating_duration_since(Instant::now()).as_nanos()).unwrap_or(u64::MAX))
    });
    // The earliest deadline, and the latest time the wait may end.
    let mut earliest: Option<Timestamp> = None;
    let mut latest: Option<Timestamp> = None;
    let mut deadlines: SmallVec<[Option<Timestamp>; POLL_INLINE]> = SmallVec::with_capacity(subs.len());
    let mut pollfds: SmallVec<[PollFd<'_>; POLL_INLINE]> = SmallVec::new();
    let mut polled: SmallVec<[usize; POLL_INLINE]> = SmallVec::new();
    // Virtual files that were not ready: checked again after each wait.
    let mut pending: SmallVec<[usize; 4]> = SmallVec::new();

    for (i, sub) in subs.iter().enumerate() {
        let mut this_deadline = None;
        match &sub.u {
            SubscriptionU::Clock(c) => match deadline(c, start, || super::clock::now(Clockid::Realtime)) {
                Ok(d) => {
                    this_deadline = Some(d);
                    earliest = Some(earliest.map_or(d, |e: Timestamp| e.min(d)));
                    let end = d.saturating_add(c.precision);
                    latest = Some(latest.map_or(end, |l: Timestamp| l.min(end)));
                }
                Err(e) => out.push(Event::for_subscription(sub, e)),
            },
            SubscriptionU::FdRead(fd) | SubscriptionU::FdWrite(fd) => {
                let read = matches!(sub.u, SubscriptionU::FdRead(_));
                match table.get(*fd) {
                    Err(e) => out.push(Event::for_subscription(sub, e)),
                    Ok(entry) => match (entry.virtual_ref(), entry.fd()) {
                        // A virtual file answers for itself, whatever its type.
                        (Some(file), _) => match file.ready(!read) {
                            Some(nbytes) => out.push(fd_event(sub, nbytes, file.hangup())),
                            None => pending.push(i),
                        },
                        // A regular file is always ready.
                        (None, Ok(host)) if entry.kind == Kind::File => {
                            out.push(fd_event(sub, if read { file_remaining(host) } else { 0 }, false));
                        }
                        (None, Ok(host)) => {
                            let flags = if read { PollFlags::IN } else { PollFlags::OUT };
                            pollfds.push(PollFd::from_borrowed_fd(host, flags));
                            polled.push(i);
                        }
                        (None, Err(e)) => out.push(Event::for_subscription(sub, e)),
                    },
                }
            }
        }
        deadlines.push(this_deadline);
    }

    // What the wait may not pass: the earliest clock, and the deadline;
    // the slack the clocks' precision allows, unless the deadline comes first.
    let wake = match (earliest, limit) {
        (Some(e), Some(l)) => Some(e.min(l)),
        (e, l) => e.or(l),
    };
    let slack = match (earliest, latest, wake) {
        (Some(e), Some(l), Some(w)) if w == e => l - e,
        _ => 0,
    };
    loop {
        // With virtual files pending, no wait is longer than their recheck.
        let recheck = !pending.is_empty();
        let this_wake = if recheck {
            let soon = monotonic_now().saturating_add(VIRTUAL_RECHECK_NS);
            Some(wake.map_or(soon, |w| w.min(soon)))
        } else {
            wake
        };
        wait(&mut pollfds, &polled, subs, &mut out, this_wake, slack)?;
        if recheck {
            for &i in &pending {
                let sub = &subs[i];
                let (SubscriptionU::FdRead(fd) | SubscriptionU::FdWrite(fd)) = sub.u else { continue };
                let write = matches!(sub.u, SubscriptionU::FdWrite(_));
                let Some(f) = table.get(fd).ok().and_then(|e| e.virtual_ref()) else { continue };
                if let Some(nbytes) = f.ready(write) {
                    out.push(fd_event(sub, nbytes, f.hangup()));
                }
            }
        }
        if out.n > 0 || !recheck || wake.is_some_and(|w| monotonic_now() >= w) {
            break;
        }
    }

    // Clock subscriptions whose time has come.
    let now = monotonic_now();
    for (sub, d) in subs.iter().zip(&deadlines) {
        if matches!(d, Some(d) if *d <= now) {
            out.push(Event::for_subscription(sub, Errno::SUCCESS));
        }
    }
    Ok(out.n as Size)
}

/// How often a poll rechecks virtual files that were not ready, in ns.
const VIRTUAL_RECHECK_NS: Timestamp = 1_000_000;

/// One wait: for the host fds in `pollfds` (their events pushed to `out`),
/// or, with none, a sleep; until `wake` at the latest, and not at all when
/// `out` already holds events.
fn wait(
    pollfds: &mut [PollFd<'_>],
    polled: &[usize],
    subs: &[Subscription],
    out: &mut Out<'_>,
    wake: Option<Timestamp>,
    slack: Timestamp,
) -> Result<(), Errno> {
    if pollfds.is_empty() {
        // A deadline already past (a timeout of 0) returns at once: no
        // sleep, which would cost the kernel's timer slack.
        if out.n == 0 {
            if let Some(d) = wake.filter(|&d| d > monotonic_now()) {
                with_slack(slack, || sleep_until(d));
            }
        }
        return Ok(());
    }
    loop {
        let timeout =
            if out.n > 0 { Some(Timestamp::default()) } else { wake.map(|d| d.saturating_sub(monotonic_now())) };
        let ts = timeout.map(super::clock::to_timespec);
        match with_slack(slack, || rustix::event::poll(pollfds, ts.as_ref())) {
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(super::errno::from_host(e)),
        }
    }
    for (pfd, &i) in pollfds.iter().zip(polled) {
        let rev = pfd.revents();
        if rev.is_empty() {
            continue;
        }
        let sub = &subs[i];
        if rev.contains(PollFlags::NVAL) {
            out.push(Event::for_subscription(sub, Errno::BADF));
            continue;
        }
        let hangup = rev.intersects(PollFlags::HUP | PollFlags::ERR);
        let read = matches!(sub.u, SubscriptionU::FdRead(_));
        let nbytes = if read && rev.contains(PollFlags::IN) { rustix::io::ioctl_fionread(pfd).unwrap_or(0) } else { 0 };
        out.push(fd_event(sub, nbytes, hangup));
    }
    Ok(())
}

struct Out<'e> {
    events: &'e mut [Event],
    n: usize,
}

impl Out<'_> {
    fn push(&mut self, ev: Event) {
        if let Some(slot) = self.events.get_mut(self.n) {
            *slot = ev;
            self.n += 1;
        }
    }
}
