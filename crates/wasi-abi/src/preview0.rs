//! `wasi_unstable` (preview0): where its ABI differs from preview1.
//!
//! Preview0 has the same functions as preview1 except `sock_accept`, and
//! the same types except these, which a host translates at the boundary:
//!
//! - `whence` numbers its values differently: `cur` = 0, `end` = 1,
//!   `set` = 2 ([`whence`]);
//! - `linkcount` is a `u32`, so `filestat` is 56 bytes with `nlink` at 20
//!   and every later field 8 bytes earlier ([`Filestat0`]);
//! - `subscription_clock` starts with an `identifier: u64`, so a
//!   subscription is 56 bytes ([`Subscription0`]);
//! - `rights` has no `sock_accept` bit ([`RIGHTS`]).
//!
//! `event`, `dirent`, `fdstat`, `prestat`, the flags and the other
//! enumerations are laid out and numbered as in preview1.
//!
//! # References
//! - [preview0 types](https://github.com/WebAssembly/WASI/blob/main/legacy/preview0/witx/typenames.witx)

use crate::memory::field::{put_u32, put_u64, u8_at, u32_at, u64_at};
use crate::{Errno, Filestat, Filetype, Layout, Rights, Subscription, Whence};

/// Every right preview0 defines: preview1's without `SOCK_ACCEPT`.
pub const RIGHTS: Rights = Rights::all().difference(Rights::SOCK_ACCEPT);

/// Decodes a preview0 `whence` (`cur` = 0, `end` = 1, `set` = 2).
///
/// # Errors
/// [`Errno::INVAL`] for any other value.
pub fn whence(raw: u32) -> Result<Whence, Errno> {
    match raw {
        0 => Ok(Whence::Cur),
        1 => Ok(Whence::End),
        2 => Ok(Whence::Set),
        _ => Err(Errno::INVAL),
    }
}

/// A preview0 `filestat` (56 bytes, align 8): `dev: u64 @0`, `ino: u64 @8`,
/// `filetype: u8 @16`, `nlink: u32 @20`, `size: u64 @24`, `atim: u64 @32`,
/// `mtim: u64 @40`, `ctim: u64 @48`. A link count beyond `u32::MAX` is
/// written as `u32::MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filestat0(pub Filestat);

impl Layout for Filestat0 {
    const SIZE: u32 = 56;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Filestat0(Filestat {
            dev: u64_at(b, 0),
            ino: u64_at(b, 8),
            filetype: Filetype::try_from(u8_at(b, 16))?,
            nlink: u64::from(u32_at(b, 20)),
            size: u64_at(b, 24),
            atim: u64_at(b, 32),
            mtim: u64_at(b, 40),
            ctim: u64_at(b, 48),
        }))
    }
    fn encode(&self, b: &mut [u8]) {
        let s = &self.0;
        b.fill(0);
        put_u64(b, 0, s.dev);
        put_u64(b, 8, s.ino);
        b[16] = s.filetype.raw();
        put_u32(b, 20, u32::try_from(s.nlink).unwrap_or(u32::MAX));
        put_u64(b, 24, s.size);
        put_u64(b, 32, s.atim);
        put_u64(b, 40, s.mtim);
        put_u64(b, 48, s.ctim);
    }
}

/// A preview0 `subscription` (56 bytes, align 8): `userdata: u64 @0`, tag
/// `u8 @8`, contents `@16` (clock: `identifier: u64 @16`, `id: u32 @24`,
/// `timeout: u64 @32`, `precision: u64 @40`, `flags: u16 @48`; fd:
/// `file_descriptor: u32 @16`). The clock's `identifier` has no meaning to
/// the host and is not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription0(pub Subscription);

impl Layout for Subscription0 {
    const SIZE: u32 = 56;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Subscription::decode_at(b, 24).map(Subscription0)
    }
    fn encode(&self, b: &mut [u8]) {
        self.0.encode_at(b, 24);
    }
}

impl From<Subscription0> for Subscription {
    fn from(s: Subscription0) -> Subscription {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clockid, Subclockflags, SubscriptionClock, SubscriptionU};

    #[test]
    fn whence_values() {
        assert_eq!(whence(0), Ok(Whence::Cur));
        assert_eq!(whence(1), Ok(Whence::End));
        assert_eq!(whence(2), Ok(Whence::Set));
        assert_eq!(whence(3), Err(Errno::INVAL));
        assert_eq!(RIGHTS.bits(), (1 << 29) - 1);
    }

    #[test]
    fn filestat_offsets() {
        let s =
            Filestat { dev: 1, ino: 2, filetype: Filetype::RegularFile, nlink: 3, size: 4, atim: 5, mtim: 6, ctim: 7 };
        let mut b = [0xAAu8; 56];
        Filestat0(s).encode(&mut b);
        assert_eq!(b[16], 4);
        assert_eq!(&b[17..20], &[0, 0, 0], "padding is zeroed");
        assert_eq!(u32_at(&b, 20), 3);
        for (off, v) in [(0, 1), (8, 2), (24, 4), (32, 5), (40, 6), (48, 7)] {
            assert_eq!(u64_at(&b, off), v, "field at {off}");
        }
        assert_eq!(Filestat0::decode(&b), Ok(Filestat0(s)));
        Filestat0(Filestat { nlink: u64::MAX, ..s }).encode(&mut b);
        assert_eq!(u32_at(&b, 20), u32::MAX);
    }

    #[test]
    fn subscription_offsets() {
        let mut b = [0u8; 56];
        b[0] = 9;
        b[8] = 0;
        b[16..24].copy_from_slice(&77u64.to_le_bytes());
        b[24] = 1;
        b[32..40].copy_from_slice(&1000u64.to_le_bytes());
        b[40..48].copy_from_slice(&10u64.to_le_bytes());
        b[48] = 1;
        let Subscription0(s) = Subscription0::decode(&b).unwrap();
        assert_eq!(
            s,
            Subscription {
                userdata: 9,
                u: SubscriptionU::Clock(SubscriptionClock {
                    id: Clockid::Monotonic,
                    timeout: 1000,
                    precision: 10,
                    flags: Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME,
                }),
            }
        );
        let mut again = [0u8; 56];
        Subscription0(s).encode(&mut again);
        b[16..24].fill(0);
        assert_eq!(again, b, "encodes the same layout (without the identifier)");
        b[8] = 2;
        b[16..20].copy_from_slice(&5u32.to_le_bytes());
        assert_eq!(Subscription0::decode(&b).unwrap().0.u, SubscriptionU::FdWrite(5));
        b[8] = 3;
        assert_eq!(Subscription0::decode(&b), Err(Errno::INVAL));
        b[8] = 0;
        b[24] = 4;
        assert_eq!(Subscription0::decode(&b), Err(Errno::INVAL), "unknown clock");
    }
}
