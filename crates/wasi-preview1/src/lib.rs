//! The preview1 [`System`] trait and its Unix and Windows implementations.
//!
//! [`System`] has one method per `wasi_snapshot_preview1` call, in Rust
//! types: no guest pointers, so it does not depend on any WebAssembly
//! runtime, and one `System` can wrap another.
//!
//! `unix::UnixSystem` implements it on rustix: the fd table, preopened
//! directories, sandboxed path resolution, poll and clocks;
//! `windows::WindowsSystem` on Windows (docs/windows.md). [`Tracer`]
//! wraps any `System` and logs every call; [`Deterministic`] gives one
//! virtual clocks and seeded randomness. Both are [`Wrapper`]s: a wrapper
//! writes only the calls it changes, and the rest go to the system inside.
//!
//! ```no_run
//! use std::os::fd::AsFd;
//! use wasi_preview1::{System, unix::UnixSystem};
//!
//! let stdout = std::io::stdout().as_fd().try_clone_to_owned().unwrap();
//! let mut sys = UnixSystem::builder().arg("prog.wasm").stdout(stdout).build().unwrap();
//! assert_eq!(sys.args_sizes_get().unwrap(), (1, 10));
//! ```

mod builder;
pub mod deterministic;
mod fdtable;
pub mod file;
mod mounts;
pub mod net;
pub mod paths;
mod poll;
mod random;
mod rights;
mod system;
#[cfg(feature = "tracer")]
pub mod trace;
#[cfg(unix)]
pub mod unix;
pub mod vfs;
#[cfg(windows)]
pub mod windows;

pub use deterministic::{Deterministic, MaybeDeterministic};
pub use file::VirtualFile;
pub use net::NetPolicy;
pub use paths::{ESCAPE, MAX_HELD_DIRS, MAX_SYMLINK_EXPANSIONS};
pub use system::{AddrInfo, AddrInfoHints, Raised, Result, System, Wrapper};
#[cfg(feature = "tracer")]
pub use trace::Tracer;
pub use wasi_abi as abi;
