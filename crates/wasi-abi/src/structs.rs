//! Preview1 structures with the spec's sizes, alignments and field offsets.
//!
//! Each implements [`Layout`]; the layout tests below assert every size,
//! alignment and offset against the spec.
//!
//! # References
//! - [preview1 types](https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#types)

use crate::memory::field::{put_u16, put_u32, put_u64, u8_at, u16_at, u32_at, u64_at};
use crate::{
    Clockid, Device, Errno, Eventrwflags, Eventtype, Fd, Fdflags, Filesize, Filetype, Inode, Layout, Linkcount, Rights,
    Subclockflags, Timestamp, Userdata, decode_flags,
};

/// `iovec` / `ciovec`: a region of guest memory (`buf: u32 @0`, `buf_len: u32 @4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Iovec {
    /// The address of the buffer.
    pub buf: u32,
    /// The length of the buffer.
    pub buf_len: u32,
}

impl Layout for Iovec {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    #[inline]
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Iovec { buf: u32_at(b, 0), buf_len: u32_at(b, 4) })
    }
    #[inline]
    fn encode(&self, b: &mut [u8]) {
        put_u32(b, 0, self.buf);
        put_u32(b, 4, self.buf_len);
    }
}

/// `fdstat`: file descriptor attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fdstat {
    /// File type (`u8 @0`).
    pub fs_filetype: Filetype,
    /// File descriptor flags (`u16 @2`).
    pub fs_flags: Fdflags,
    /// Rights that apply to this file descriptor (`u64 @8`).
    pub fs_rights_base: Rights,
    /// Maximum set of rights that may be installed on new file descriptors
    /// that are created through this file descriptor (`u64 @16`).
    pub fs_rights_inheriting: Rights,
}

impl Layout for Fdstat {
    const SIZE: u32 = 24;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Fdstat {
            fs_filetype: Filetype::try_from(u8_at(b, 0))?,
            fs_flags: decode_flags(u16_at(b, 2))?,
            fs_rights_base: decode_flags(u64_at(b, 8))?,
            fs_rights_inheriting: decode_flags(u64_at(b, 16))?,
        })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        b[0] = self.fs_filetype.raw();
        put_u16(b, 2, self.fs_flags.bits());
        put_u64(b, 8, self.fs_rights_base.bits());
        put_u64(b, 16, self.fs_rights_inheriting.bits());
    }
}

/// `filestat`: file attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filestat {
    /// Device ID of device containing the file (`u64 @0`).
    pub dev: Device,
    /// File serial number (`u64 @8`).
    pub ino: Inode,
    /// File type (`u8 @16`).
    pub filetype: Filetype,
    /// Number of hard links to the file (`u64 @24`).
    pub nlink: Linkcount,
    /// For regular files, the file size in bytes. For symbolic links, the
    /// length in bytes of the pathname contained in the symbolic link (`u64 @32`).
    pub size: Filesize,
    /// Last data access timestamp (`u64 @40`).
    pub atim: Timestamp,
    /// Last data modification timestamp (`u64 @48`).
    pub mtim: Timestamp,
    /// Last file status change timestamp (`u64 @56`).
    pub ctim: Timestamp,
}

impl Layout for Filestat {
    const SIZE: u32 = 64;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Filestat {
            dev: u64_at(b, 0),
            ino: u64_at(b, 8),
            filetype: Filetype::try_from(u8_at(b, 16))?,
            nlink: u64_at(b, 24),
            size: u64_at(b, 32),
            atim: u64_at(b, 40),
            mtim: u64_at(b, 48),
            ctim: u64_at(b, 56),
        })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        put_u64(b, 0, self.dev);
        put_u64(b, 8, self.ino);
        b[16] = self.filetype.raw();
        put_u64(b, 24, self.nlink);
        put_u64(b, 32, self.size);
        put_u64(b, 40, self.atim);
        put_u64(b, 48, self.mtim);
        put_u64(b, 56, self.ctim);
    }
}

/// `prestat`: information about a pre-opened capability. The only variant
/// is `dir` (tag `u8 @0`), whose `pr_name_len: u32` sits at `@4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prestat {
    /// A pre-opened directory whose name is `pr_name_len` bytes long.
    Dir {
        /// The length of the directory name for use with `fd_prestat_dir_name`.
        pr_name_len: u32,
    },
}

impl Layout for Prestat {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        match u8_at(b, 0) {
            0 => Ok(Prestat::Dir { pr_name_len: u32_at(b, 4) }),
            _ => Err(Errno::INVAL),
        }
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        match self {
            Prestat::Dir { pr_name_len } => put_u32(b, 4, *pr_name_len),
        }
    }
}

/// `subscription_clock`: the contents of a clock subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionClock {
    /// The clock against which to compare the timestamp.
    pub id: Clockid,
    /// The absolute or relative timestamp.
    pub timeout: Timestamp,
    /// The amount of time that the implementation may wait additionally to
    /// coalesce with other events.
    pub precision: Timestamp,
    /// Flags specifying whether the timeout is absolute or relative.
    pub flags: Subclockflags,
}

/// `subscription_u`: the contents of a subscription, by event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionU {
    /// A clock subscription.
    Clock(SubscriptionClock),
    /// Wait for `Fd` to have data available for reading.
    FdRead(Fd),
    /// Wait for `Fd` to have capacity available for writing.
    FdWrite(Fd),
}

impl SubscriptionU {
    /// The event type of this subscription.
    #[must_use]
    pub fn eventtype(&self) -> Eventtype {
        match self {
            SubscriptionU::Clock(_) => Eventtype::Clock,
            SubscriptionU::FdRead(_) => Eventtype::FdRead,
            SubscriptionU::FdWrite(_) => Eventtype::FdWrite,
        }
    }
}

/// `subscription`: a subscription to an event (48 bytes, align 8):
/// `userdata: u64 @0`, tag `u8 @8`, contents `@16` (clock: `id: u32 @16`,
/// `timeout: u64 @24`, `precision: u64 @32`, `flags: u16 @40`; fd:
/// `file_descriptor: u32 @16`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// User-provided value that is attached to the subscription in the
    /// implementation and returned through `event::userdata`.
    pub userdata: Userdata,
    /// The type of the event to which to subscribe, and its contents.
    pub u: SubscriptionU,
}

impl Layout for Subscription {
    const SIZE: u32 = 48;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Subscription::decode_at(b, 16)
    }
    fn encode(&self, b: &mut [u8]) {
        self.encode_at(b, 16);
    }
}

impl Subscription {
    /// Decodes a subscription whose clock contents start at `clock` (16 in
    /// preview1; preview0 puts an identifier first, so 24 there). The fd
    /// of an fd subscription is at 16 in both.
    pub(crate) fn decode_at(b: &[u8], clock: usize) -> Result<Self, Errno> {
        let userdata = u64_at(b, 0);
        let u = match Eventtype::try_from(u8_at(b, 8))? {
            Eventtype::Clock => SubscriptionU::Clock(SubscriptionClock {
                id: Clockid::try_from(u32_at(b, clock))?,
                timeout: u64_at(b, clock + 8),
                precision: u64_at(b, clock + 16),
                flags: decode_flags(u16_at(b, clock + 24))?,
            }),
            Eventtype::FdRead => SubscriptionU::FdRead(u32_at(b, 16)),
            Eventtype::FdWrite => SubscriptionU::FdWrite(u32_at(b, 16)),
        };
        Ok(Subscription { userdata, u })
    }

    /// Encodes with the clock contents at `clock` (see [`Self::decode_at`]).
    pub(crate) fn encode_at(&self, b: &mut [u8], clock: usize) {
        b.fill(0);
        put_u64(b, 0, self.userdata);
        b[8] = self.u.eventtype().raw();
        match self.u {
            SubscriptionU::Clock(c) => {
                put_u32(b, clock, c.id.raw());
                put_u64(b, clock + 8, c.timeout);
                put_u64(b, clock + 16, c.precision);
                put_u16(b, clock + 24, c.flags.bits());
            }
            SubscriptionU::FdRead(fd) | SubscriptionU::FdWrite(fd) => put_u32(b, 16, fd),
        }
    }
}

/// `event_fd_readwrite`: the contents of an fd_read or fd_write event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventFdReadwrite {
    /// The number of bytes available for reading or writing.
    pub nbytes: Filesize,
    /// The state of the file descriptor.
    pub flags: Eventrwflags,
}

/// `event`: an event that occurred (32 bytes, align 8): `userdata: u64 @0`,
/// `error: u16 @8`, `type: u8 @10`, `fd_readwrite: @16` (`nbytes: u64 @16`,
/// `flags: u16 @24`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// User-provided value that got attached to `subscription::userdata`.
    pub userdata: Userdata,
    /// If non-zero, an error that occurred while processing the subscription request.
    pub error: Errno,
    /// The type of event that occurred.
    pub type_: Eventtype,
    /// The contents of the event, if it is an fd_read or fd_write event;
    /// zero for a clock event.
    pub fd_readwrite: EventFdReadwrite,
}

impl Default for Event {
    /// A clock event with user data 0 and no error.
    fn default() -> Self {
        Event {
            userdata: 0,
            error: Errno::SUCCESS,
            type_: Eventtype::Clock,
            fd_readwrite: EventFdReadwrite { nbytes: 0, flags: Eventrwflags::empty() },
        }
    }
}

impl Event {
    /// An event for `sub` with no data.
    #[must_use]
    pub fn for_subscription(sub: &Subscription, error: Errno) -> Self {
        Event {
            userdata: sub.userdata,
            error,
            type_: sub.u.eventtype(),
            fd_readwrite: EventFdReadwrite { nbytes: 0, flags: Eventrwflags::empty() },
        }
    }
}

impl Layout for Event {
    const SIZE: u32 = 32;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Event {
            userdata: u64_at(b, 0),
            error: Errno::from_raw(u16_at(b, 8)),
            type_: Eventtype::try_from(u8_at(b, 10))?,
            fd_readwrite: EventFdReadwrite { nbytes: u64_at(b, 16), flags: decode_flags(u16_at(b, 24))? },
        })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        put_u64(b, 0, self.userdata);
        put_u16(b, 8, self.error.raw());
        b[10] = self.type_.raw();
        put_u64(b, 16, self.fd_readwrite.nbytes);
        put_u16(b, 24, self.fd_readwrite.flags.bits());
    }
}

/// `dirent`: a directory entry header (24 bytes, align 8), followed in the
/// buffer by `d_namlen` bytes of name: `d_next: u64 @0`, `d_ino: u64 @8`,
/// `d_namlen: u32 @16`, `d_type: u8 @20`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dirent {
    /// The offset of the next directory entry stored in this directory.
    pub d_next: u64,
    /// The serial number of the file referred to by this directory entry.
    pub d_ino: Inode,
    /// The length of the name of the directory entry.
    pub d_namlen: u32,
    /// The type of the file referred to by this directory entry.
    pub d_type: Filetype,
}

impl Layout for Dirent {
    const SIZE: u32 = 24;
    const ALIGN: u32 = 8;
    fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Dirent {
            d_next: u64_at(b, 0),
            d_ino: u64_at(b, 8),
            d_namlen: u32_at(b, 16),
            d_type: Filetype::try_from(u8_at(b, 20))?,
        })
    }
    fn encode(&self, b: &mut [u8]) {
        b.fill(0);
        put_u64(b, 0, self.d_next);
        put_u64(b, 8, self.d_ino);
        put_u32(b, 16, self.d_namlen);
        b[20] = self.d_type.raw();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GuestMemory;

    /// Encodes `value` into a marker-filled buffer and returns the bytes.
    fn image<T: Layout>(value: &T) -> std::vec::Vec<u8> {
        let mut buf = std::vec![0xA5u8; T::SIZE as usize];
        value.encode(&mut buf);
        buf
    }

    fn put(img: &mut [u8], off: usize, bytes: &[u8]) {
        img[off..off + bytes.len()].copy_from_slice(bytes);
    }

    #[test]
    fn sizes_and_alignments() {
        assert_eq!((Iovec::SIZE, Iovec::ALIGN), (8, 4));
        assert_eq!((Fdstat::SIZE, Fdstat::ALIGN), (24, 8));
        assert_eq!((Filestat::SIZE, Filestat::ALIGN), (64, 8));
        assert_eq!((Prestat::SIZE, Prestat::ALIGN), (8, 4));
        assert_eq!((Subscription::SIZE, Subscription::ALIGN), (48, 8));
        assert_eq!((Event::SIZE, Event::ALIGN), (32, 8));
        assert_eq!((Dirent::SIZE, Dirent::ALIGN), (24, 8));
    }

    #[test]
    fn fdstat_offsets() {
        let v = Fdstat {
            fs_filetype: Filetype::RegularFile,
            fs_flags: Fdflags::APPEND | Fdflags::NONBLOCK,
            fs_rights_base: Rights::FD_READ,
            fs_rights_inheriting: Rights::SOCK_ACCEPT,
        };
        let mut want = std::vec![0u8; 24];
        want[0] = 4;
        put(&mut want, 2, &5u16.to_le_bytes());
        put(&mut want, 8, &2u64.to_le_bytes());
        put(&mut want, 16, &(1u64 << 29).to_le_bytes());
        assert_eq!(image(&v), want);
        assert_eq!(Fdstat::decode(&want), Ok(v));
    }

    #[test]
    fn filestat_offsets() {
        let v =
            Filestat { dev: 1, ino: 2, filetype: Filetype::Directory, nlink: 3, size: 4, atim: 5, mtim: 6, ctim: 7 };
        let mut want = std::vec![0u8; 64];
        for (off, val) in [(0, 1u64), (8, 2), (24, 3), (32, 4), (40, 5), (48, 6), (56, 7)] {
            put(&mut want, off, &val.to_le_bytes());
        }
        want[16] = 3;
        assert_eq!(image(&v), want);
        assert_eq!(Filestat::decode(&want), Ok(v));
    }

    #[test]
    fn prestat_offsets() {
        let v = Prestat::Dir { pr_name_len: 0x0102_0304 };
        assert_eq!(image(&v), [0, 0, 0, 0, 4, 3, 2, 1]);
        assert_eq!(Prestat::decode(&[1, 0, 0, 0, 0, 0, 0, 0]), Err(Errno::INVAL));
    }

    #[test]
    fn subscription_offsets() {
        let clock = Subscription {
            userdata: 0x1122_3344_5566_7788,
            u: SubscriptionU::Clock(SubscriptionClock {
                id: Clockid::Monotonic,
                timeout: 9,
                precision: 10,
                flags: Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME,
            }),
        };
        let mut want = std::vec![0u8; 48];
        put(&mut want, 0, &0x1122_3344_5566_7788u64.to_le_bytes());
        want[8] = 0;
        put(&mut want, 16, &1u32.to_le_bytes());
        put(&mut want, 24, &9u64.to_le_bytes());
        put(&mut want, 32, &10u64.to_le_bytes());
        put(&mut want, 40, &1u16.to_le_bytes());
        assert_eq!(image(&clock), want);
        assert_eq!(Subscription::decode(&want), Ok(clock));

        let fd = Subscription { userdata: 1, u: SubscriptionU::FdWrite(7) };
        let mut want = std::vec![0u8; 48];
        want[0] = 1;
        want[8] = 2;
        want[16] = 7;
        assert_eq!(image(&fd), want);
        assert_eq!(Subscription::decode(&want), Ok(fd));
    }

    #[test]
    fn subscription_unknown_values_are_inval() {
        let mut raw = std::vec![0u8; 48];
        raw[8] = 3;
        assert_eq!(Subscription::decode(&raw), Err(Errno::INVAL));
        raw[8] = 0;
        raw[16] = 4; // clock id 4
        assert_eq!(Subscription::decode(&raw), Err(Errno::INVAL));
        raw[16] = 0;
        raw[40] = 2; // unknown subclockflags bit
        assert_eq!(Subscription::decode(&raw), Err(Errno::INVAL));
    }

    #[test]
    fn event_offsets() {
        let v = Event {
            userdata: 3,
            error: Errno::BADF,
            type_: Eventtype::FdRead,
            fd_readwrite: EventFdReadwrite { nbytes: 0x55, flags: Eventrwflags::FD_READWRITE_HANGUP },
        };
        let mut want = std::vec![0u8; 32];
        want[0] = 3;
        put(&mut want, 8, &8u16.to_le_bytes());
        want[10] = 1;
        want[16] = 0x55;
        want[24] = 1;
        assert_eq!(image(&v), want);
        assert_eq!(Event::decode(&want), Ok(v));
    }

    #[test]
    fn dirent_offsets() {
        let v = Dirent { d_next: 1, d_ino: 2, d_namlen: 3, d_type: Filetype::SymbolicLink };
        let mut want = std::vec![0u8; 24];
        want[0] = 1;
        want[8] = 2;
        want[16] = 3;
        want[20] = 7;
        assert_eq!(image(&v), want);
    }

    /// A structure that ends exactly at the end of memory is written; one
    /// byte further is EFAULT and memory is untouched.
    #[test]
    fn structures_at_the_memory_edge() {
        let stat = Filestat {
            dev: u64::MAX,
            ino: u64::MAX,
            filetype: Filetype::RegularFile,
            nlink: u64::MAX,
            size: u64::MAX,
            atim: u64::MAX,
            mtim: u64::MAX,
            ctim: u64::MAX,
        };
        let mut bytes = std::vec![0xEEu8; 128];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.write(64, &stat), Ok(()));
        assert_eq!(mem.write(72, &stat), Err(Errno::FAULT));
        assert_eq!(mem.write(68, &stat), Err(Errno::INVAL));
        assert_eq!(mem.read::<Filestat>(64), Ok(stat));
        assert_eq!(mem.read::<Filestat>(72), Err(Errno::FAULT));
        assert!(bytes[..64].iter().all(|&b| b == 0xEE));

        let mut bytes = std::vec![0xEEu8; 8];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(mem.write(0, &Prestat::Dir { pr_name_len: 1 }), Ok(()));
        assert_eq!(mem.write(4, &Prestat::Dir { pr_name_len: 1 }), Err(Errno::FAULT));
        assert_eq!(bytes, [0, 0, 0, 0, 1, 0, 0, 0]);
    }
}
