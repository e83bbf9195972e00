//! What every system's builder shares: the guest's arguments and
//! environment packed as it reads them, the errors of a build, and what a
//! guest wrote to captured stdio.

use crate::system::Result;
use std::fmt;
use wasi_abi::{Errno, Fd, Size, StringList};

/// Strings packed as the guest sees them: each followed by a NUL.
#[derive(Debug, Default, Clone)]
pub(crate) struct Packed {
    bytes: Vec<u8>,
    count: u32,
}

impl Packed {
    pub(crate) fn push(&mut self, s: &[u8]) {
        self.bytes.extend_from_slice(s);
        self.bytes.push(0);
        self.count += 1;
    }
    pub(crate) fn list(&self) -> StringList<'_> {
        StringList::new(&self.bytes, self.count)
    }
    pub(crate) fn sizes(&self) -> Result<(Size, Size)> {
        Ok((self.count, Size::try_from(self.bytes.len()).map_err(|_| Errno::OVERFLOW)?))
    }
}

/// Why a system could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// An argument contains a NUL byte.
    ArgHasNul(usize),
    /// An environment variable's name is empty or contains `=` or NUL, or
    /// its value contains NUL.
    BadEnv(String),
    /// A preopen's guest name is empty.
    EmptyGuestName,
    /// A preopened fd is not a directory, or could not be examined.
    NotADirectory(String),
    /// A preopened socket fd is not a socket.
    NotASocket,
    /// A stdio fd could not be examined.
    Stdio(Fd, Errno),
    /// A pipe or thread for in-memory stdio could not be made.
    Pipe(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ArgHasNul(i) => write!(f, "argument {i} contains a NUL byte"),
            BuildError::BadEnv(name) => write!(f, "invalid environment variable {name:?}"),
            BuildError::EmptyGuestName => write!(f, "a preopened directory needs a non-empty guest name"),
            BuildError::NotADirectory(name) => write!(f, "preopen {name:?} is not a directory"),
            BuildError::NotASocket => write!(f, "a preopened socket is not a socket"),
            BuildError::Stdio(fd, e) => write!(f, "stdio fd {fd}: {e}"),
            BuildError::Pipe(e) => write!(f, "in-memory stdio: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// What a guest wrote to its captured stdout and stderr
/// (`into_output` of the system).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    /// The bytes written to fd 1, if `capture_stdout`,
    /// up to its capacity.
    pub stdout: Vec<u8>,
    /// The bytes written to fd 2, if `capture_stderr`,
    /// up to its capacity.
    pub stderr: Vec<u8>,
    /// How many bytes written to fd 1 past the capacity were dropped.
    pub stdout_dropped: u64,
    /// How many bytes written to fd 2 past the capacity were dropped.
    pub stderr_dropped: u64,
}

/// Checks and packs the guest's arguments and environment.
///
/// # Errors
/// [`BuildError`] for arguments or variables with NUL bytes, and variable
/// names that are empty or hold `=`.
pub(crate) fn pack(
    args: &[Vec<u8>],
    vars: &[(Vec<u8>, Vec<u8>)],
) -> core::result::Result<(Packed, Packed), BuildError> {
    let mut packed = Packed::default();
    for (i, a) in args.iter().enumerate() {
        if a.contains(&0) {
            return Err(BuildError::ArgHasNul(i));
        }
        packed.push(a);
    }
    let mut env = Packed::default();
    for (name, value) in vars {
        if name.is_empty() || name.contains(&b'=') || name.contains(&0) || value.contains(&0) {
            return Err(BuildError::BadEnv(String::from_utf8_lossy(name).into_owned()));
        }
        let mut kv = name.clone();
        kv.push(b'=');
        kv.extend_from_slice(value);
        env.push(&kv);
    }
    Ok((packed, env))
}
