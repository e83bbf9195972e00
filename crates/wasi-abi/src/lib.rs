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
//! - the layouts where `wasi_unstable` (preview0) differs ([`preview0`]).
//!
//! Out-of-bounds ranges are [`Errno::FAULT`], misaligned structures
//! [`Errno::INVAL`], unknown enumeration values and flag bits
//! [`Errno::INVAL`], and invalid UTF-8 [`Errno::ILSEQ`]. Nothing here panics
//! on guest input.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod dirent;
mod errno;
mod flags;
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
