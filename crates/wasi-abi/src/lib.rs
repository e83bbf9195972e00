//! WASI preview1 (`wasi_snapshot_preview1`) types, constants and codecs.
//!
//! Everything a host needs to talk to a guest at the ABI level, with no
//! operating system and no `unsafe`:
//!
//! - [`Errno`] and every type, enumeration and bit set of the spec, with the
//!   spec's names and values;
//! - [`GuestMemory`], a bounds-checked little-endian view over linear memory;
//! - codecs for iovec arrays ([`IovecList`]), [`Prestat`], [`Fdstat`],
//!   [`Filestat`], [`Dirent`] ([`DirentWriter`]), [`Subscription`] and
//!   [`Event`], each laid out exactly as the spec says;
//! - the layouts where `wasi_unstable` (preview0) differs ([`preview0`]);
//! - with the `std` feature, iovec lists as `std::io::IoSlice`s and
//!   `IoSliceMut`s straight into guest memory
//!   ([`GuestMemory::with_gather`], [`GuestMemory::with_scatter`]) and
//!   `path_readlink`'s path and buffer borrowed together
//!   ([`GuestMemory::path_and_buffer`]).
//!
//! Out-of-bounds ranges are [`Errno::FAULT`], misaligned structures
//! [`Errno::INVAL`], unknown enumeration values and flag bits
//! [`Errno::INVAL`], and invalid UTF-8 [`Errno::ILSEQ`]. Nothing here panics
//! on guest input.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod dirent;
mod errno;
mod flags;
#[cfg(feature = "std")]
mod io;
mod iovec;
mod memory;
pub mod preview0;
mod strings;
mod structs;
#[macro_use]
mod types;
pub mod wasmedge;

pub use dirent::{DirentWriter, dirent_size};
pub use errno::Errno;
pub use flags::{
    Eventrwflags, Fdflags, Fstflags, Lookupflags, Oflags, Riflags, Rights, Roflags, Sdflags, Siflags, Subclockflags,
    WasiFlags, decode_flags,
};
pub use iovec::{IovecList, MAX_IOVS};
pub use memory::{GuestMemory, GuestPtr, Layout, MAX_PATH, checked_range};
pub use strings::StringList;
pub use structs::{
    Dirent, Event, EventFdReadwrite, Fdstat, Filestat, Iovec, Prestat, Subscription, SubscriptionClock, SubscriptionU,
};
pub use types::{
    Advice, Clockid, DIRCOOKIE_START, Device, Dircookie, Dirnamlen, Eventtype, Exitcode, Fd, Filedelta, Filesize,
    Filetype, Inode, Linkcount, Preopentype, Signal, SignalAction, Size, Timestamp, Userdata, Whence, decode_enum,
};

/// `poll_oneoff` subscriptions a host handles without heap allocation (the
/// host module's decoded copy and the Unix system's wait both hold this
/// many inline).
pub const POLL_INLINE: usize = 32;

/// The most subscriptions one `poll_oneoff` takes (`ENOMEM` past it): the
/// host copies each, so this bounds what one call may make it allocate
/// (about 6 MiB) whatever memory the guest has.
pub const MAX_POLL_SUBSCRIPTIONS: u32 = 1 << 16;
