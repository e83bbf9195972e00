//! The host module's integration tests, in one target so that the generic
//! host is instantiated and compiled once for all of them.

#[cfg(feature = "diagnostics")]
mod diagnostics;
mod embed;
mod example;
mod main_loop;
mod no_alloc;
mod virtual_files;
