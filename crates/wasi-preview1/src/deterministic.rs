//! [`Deterministic`]: virtual clocks and seeded randomness over any
//! [`System`], so the same program with the same inputs behaves the same
//! every run.
//!
//! - Every clock starts at a fixed time ([`REALTIME_START`] for the
//!   realtime clock, [`MONOTONIC_START`] for the monotonic one, zero for
//!   the CPU-time clocks) and every `clock_time_get` moves all of them
//!   forward by the same fixed step (1 µs unless [`Deterministic::step`]
//!   says otherwise). `clock_res_get` reports the step.
//! - `poll_oneoff` on clocks alone does not sleep: virtual time jumps to
//!   the earliest deadline, and every clock subscription due by then
//!   fires. A poll that also waits on fds is passed to the wrapped system
//!   with its clock deadlines turned into real waits of the same length,
//!   and virtual time jumps to the earliest deadline if a clock fires.
//! - `random_get` produces the xoshiro256** stream seeded (through
//!   SplitMix64) by the seed. It is predictable by design: never give it
//!   to a guest that needs secrets.
//!
//! Everything else comes from the wrapped system unchanged: file contents
//! and times, inode numbers, directory order and network data are as
//! deterministic as the host makes them.

use crate::system::{Result, System};
use smallvec::SmallVec;
use wasi_abi::{
    Clockid, Errno, Event, Eventtype, Size, Subclockflags, Subscription, SubscriptionClock, SubscriptionU, Timestamp,
};

/// Where the realtime clock starts: 2020-01-01T00:00:00Z, in nanoseconds.
pub const REALTIME_START: Timestamp = 1_577_836_800_000_000_000;
/// Where the monotonic clock starts (nanoseconds; its epoch is arbitrary).
pub const MONOTONIC_START: Timestamp = 1_000_000_000;
/// The default step every clock read advances time by: 1 µs.
pub const DEFAULT_STEP: Timestamp = 1_000;

/// A [`System`] with virtual clocks and a seeded random stream.
#[derive(Debug)]
pub struct Deterministic<S> {
    inner: S,
    /// Virtual nanoseconds since the start.
    elapsed: Timestamp,
    step: Timestamp,
    rng: Xoshiro256,
}

impl<S: System> Deterministic<S> {
    /// Wraps `inner`, with random bytes seeded by `seed`.
    pub fn new(inner: S, seed: u64) -> Self {
        Deterministic { inner, elapsed: 0, step: DEFAULT_STEP, rng: Xoshiro256::seeded(seed) }
    }

    /// Sets how far each clock read advances time (nanoseconds, at least 1).
    #[must_use]
    pub fn step(mut self, step: Timestamp) -> Self {
        self.step = step.max(1);
        self
    }

    /// The wrapped system.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The wrapped system, exclusively.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the system.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The clock's epoch, in virtual time.
    fn base(id: Clockid) -> Timestamp {
        match id {
            Clockid::Realtime => REALTIME_START,
            Clockid::Monotonic => MONOTONIC_START,
            Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => 0,
        }
    }

    /// When (in elapsed virtual nanoseconds) a clock subscription is due.
    fn due(&self, c: &SubscriptionClock) -> Timestamp {
        if c.flags.contains(Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME) {
            c.timeout.saturating_sub(Self::base(c.id))
        } else {
            self.elapsed.saturating_add(c.timeout)
        }
    }
}

impl<S: System> crate::Wrapper for Deterministic<S> {
    type Inner = S;

    fn inner_system(&mut self) -> &mut S {
        &mut self.inner
    }

    fn clock_res_get(&mut self, _id: Clockid) -> Result<Timestamp> {
        Ok(self.step)
    }

    fn clock_time_get(&mut self, id: Clockid, _precision: Timestamp) -> Result<Timestamp> {
        let now = Self::base(id).checked_add(self.elapsed).ok_or(Errno::OVERFLOW)?;
        self.elapsed = self.elapsed.saturating_add(self.step);
        Ok(now)
    }

    fn random_get(&mut self, buf: &mut [u8]) -> Result<()> {
        self.rng.fill(buf);
        Ok(())
    }

    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<Size> {
        // When each clock subscription is due (computed before time moves).
        let due: SmallVec<[Option<Timestamp>; 8]> = subscriptions
            .iter()
            .map(|s| match &s.u {
                SubscriptionU::Clock(c) => Some(self.due(c)),
                _ => None,
            })
            .collect();
        let Some(earliest) = due.iter().flatten().copied().min() else {
            return self.inner.poll_oneoff(subscriptions, events);
        };
        if due.iter().all(Option::is_some) {
            let now = earliest.max(self.elapsed);
            self.elapsed = now;
            let fired = subscriptions.iter().zip(&due).filter(|(_, d)| d.is_some_and(|d| d <= now));
            let mut n = 0;
            for ((s, _), slot) in fired.zip(events.iter_mut()) {
                *slot = Event::for_subscription(s, Errno::SUCCESS);
                n += 1;
            }
            return Ok(n as Size);
        }
        // Fds too: real waits of the virtual lengths.
        let real: SmallVec<[Subscription; 8]> = subscriptions
            .iter()
            .zip(&due)
            .map(|(s, due)| match (&s.u, due) {
                (SubscriptionU::Clock(c), Some(due)) => Subscription {
                    userdata: s.userdata,
                    u: SubscriptionU::Clock(SubscriptionClock {
                        id: Clockid::Monotonic,
                        timeout: due.saturating_sub(self.elapsed),
                        precision: c.precision,
                        flags: Subclockflags::empty(),
                    }),
                },
                _ => *s,
            })
            .collect();
        let n = self.inner.poll_oneoff(&real, events)?;
        if events.iter().take(n as usize).any(|e| e.type_ == Eventtype::Clock && e.error == Errno::SUCCESS) {
            self.elapsed = self.elapsed.max(earliest);
        }
        Ok(n)
    }
}

/// [`Deterministic`] or not, as chosen when the system is made: one type
/// for both, so code generic over the system (the host module, a run) is
/// compiled once for the two instead of twice (docs/footprint.md). Every
/// call costs one branch more than on the system itself.
#[derive(Debug)]
pub enum MaybeDeterministic<S> {
    /// The system, unchanged.
    Real(S),
    /// The system with virtual clocks and seeded randomness.
    Virtual(Deterministic<S>),
}

impl<S: System> MaybeDeterministic<S> {
    /// `inner` made [`Deterministic`] with `seed`, or left as it is for
    /// `None`.
    pub fn new(inner: S, seed: Option<u64>) -> Self {
        match seed {
            Some(seed) => MaybeDeterministic::Virtual(Deterministic::new(inner, seed)),
            None => MaybeDeterministic::Real(inner),
        }
    }

    /// The wrapped system.
    pub fn inner(&self) -> &S {
        match self {
            MaybeDeterministic::Real(s) => s,
            MaybeDeterministic::Virtual(d) => d.inner(),
        }
    }

    /// Unwraps the system.
    pub fn into_inner(self) -> S {
        match self {
            MaybeDeterministic::Real(s) => s,
            MaybeDeterministic::Virtual(d) => d.into_inner(),
        }
    }
}

/// The calls [`Deterministic`] answers itself go to it; the rest to the
/// system under both.
macro_rules! either {
    ($self:ident . $call:ident ( $($arg:expr),* )) => {
        match $self {
            MaybeDeterministic::Real(s) => s.$call($($arg),*),
            MaybeDeterministic::Virtual(d) => System::$call(d, $($arg),*),
        }
    };
}

impl<S: System> crate::Wrapper for MaybeDeterministic<S> {
    type Inner = S;

    fn inner_system(&mut self) -> &mut S {
        match self {
            MaybeDeterministic::Real(s) => s,
            MaybeDeterministic::Virtual(d) => d.inner_mut(),
        }
    }

    fn clock_res_get(&mut self, id: Clockid) -> Result<Timestamp> {
        either!(self.clock_res_get(id))
    }

    fn clock_time_get(&mut self, id: Clockid, precision: Timestamp) -> Result<Timestamp> {
        either!(self.clock_time_get(id, precision))
    }

    fn random_get(&mut self, buf: &mut [u8]) -> Result<()> {
        either!(self.random_get(buf))
    }

    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<Size> {
        either!(self.poll_oneoff(subscriptions, events))
    }
}

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
#[derive(Debug, Clone)]
struct Xoshiro256([u64; 4]);

impl Xoshiro256 {
    fn seeded(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Xoshiro256([next(), next(), next(), next()])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::unix::UnixSystem;

    fn sys(seed: u64) -> Deterministic<UnixSystem> {
        Deterministic::new(UnixSystem::builder().build().unwrap(), seed)
    }

    fn clock(userdata: u64, id: Clockid, timeout: Timestamp, abs: bool) -> Subscription {
        let flags = if abs { Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME } else { Subclockflags::empty() };
        Subscription { userdata, u: SubscriptionU::Clock(SubscriptionClock { id, timeout, precision: 0, flags }) }
    }

    #[test]
    fn clocks_start_fixed_and_step() {
        let mut d = sys(1).step(10);
        assert_eq!(d.clock_time_get(Clockid::Realtime, 0), Ok(REALTIME_START));
        assert_eq!(d.clock_time_get(Clockid::Monotonic, 0), Ok(MONOTONIC_START + 10));
        assert_eq!(d.clock_time_get(Clockid::ProcessCputimeId, 0), Ok(20));
        assert_eq!(d.clock_res_get(Clockid::Monotonic), Ok(10));
    }

    #[test]
    fn random_streams_repeat_per_seed() {
        let (mut a, mut b, mut c) = (sys(7), sys(7), sys(8));
        let (mut x, mut y, mut z) = ([0u8; 37], [0u8; 37], [0u8; 37]);
        for _ in 0..3 {
            a.random_get(&mut x).unwrap();
            b.random_get(&mut y).unwrap();
            c.random_get(&mut z).unwrap();
            assert_eq!(x, y);
            assert_ne!(x, z);
        }
        // The reference output of xoshiro256** for state [1, 2, 3, 4].
        let mut r = Xoshiro256([1, 2, 3, 4]);
        assert_eq!([r.next(), r.next(), r.next()], [11520, 0, 1509978240]);
    }

    #[test]
    fn clock_polls_jump_instead_of_sleeping() {
        let mut d = sys(1);
        let started = std::time::Instant::now();
        let subs = [
            clock(1, Clockid::Monotonic, 3_600_000_000_000, false),
            clock(2, Clockid::Monotonic, 5_000, false),
            clock(3, Clockid::Realtime, REALTIME_START + 5_000, true),
        ];
        let mut events = [Event::default(); 3];
        assert_eq!(d.poll_oneoff(&subs, &mut events), Ok(2));
        assert_eq!((events[0].userdata, events[1].userdata), (2, 3));
        assert_eq!(d.clock_time_get(Clockid::Monotonic, 0), Ok(MONOTONIC_START + 5_000));
        // The hour-long one fires next, without an hour passing.
        assert_eq!(d.poll_oneoff(&subs[..1], &mut events), Ok(1));
        assert!(d.clock_time_get(Clockid::Monotonic, 0).unwrap() >= MONOTONIC_START + 3_600_000_000_000);
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn fd_polls_wait_for_real() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut d = Deterministic::new(UnixSystem::builder().stdin(r).build().unwrap(), 1);
        let subs = [
            clock(1, Clockid::Monotonic, 20_000_000, false),
            Subscription { userdata: 2, u: SubscriptionU::FdRead(0) },
        ];
        let mut events = [Event::default(); 2];
        let started = std::time::Instant::now();
        assert_eq!(d.poll_oneoff(&subs, &mut events), Ok(1));
        assert_eq!(events[0].userdata, 1);
        assert!(started.elapsed().as_millis() >= 15, "the wait was real");
        assert!(d.clock_time_get(Clockid::Monotonic, 0).unwrap() >= MONOTONIC_START + 20_000_000);
        rustix::io::write(&w, b"x").unwrap();
        assert_eq!(d.poll_oneoff(&subs, &mut events), Ok(1));
        assert_eq!(events[0].userdata, 2);
    }

    #[test]
    fn maybe_answers_as_the_system_it_holds() {
        let mut virt = MaybeDeterministic::new(UnixSystem::builder().build().unwrap(), Some(7));
        let mut plain = sys(7);
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        virt.random_get(&mut a).unwrap();
        plain.random_get(&mut b).unwrap();
        assert_eq!(a, b, "the same seeded stream");
        assert_eq!(virt.clock_time_get(Clockid::Realtime, 0), Ok(REALTIME_START));
        assert_eq!(virt.clock_res_get(Clockid::Monotonic), Ok(DEFAULT_STEP));
        let subs = [clock(9, Clockid::Monotonic, 3_600_000_000_000, false)];
        let mut events = [Event::default(); 1];
        assert_eq!(virt.poll_oneoff(&subs, &mut events), Ok(1), "an hour passes at once");
        assert!(virt.clock_time_get(Clockid::Monotonic, 0).unwrap() >= MONOTONIC_START + 3_600_000_000_000);

        let mut real = MaybeDeterministic::new(UnixSystem::builder().build().unwrap(), None);
        assert!(matches!(real, MaybeDeterministic::Real(_)));
        let now = real.clock_time_get(Clockid::Realtime, 0).unwrap();
        assert!(now > REALTIME_START + 365 * 86_400_000_000_000, "the host's clock, not 2020");
    }
}
