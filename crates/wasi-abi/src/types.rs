//! Preview1 scalar types and enumerations, with the spec's names and values.
//!
//! Enumerations are Rust enums decoded with `TryFrom<uN>`: an unknown value is
//! [`Errno::INVAL`], never a panic.
//!
//! # References
//! - [preview1 types](https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#types)

use crate::Errno;

/// `size`: a 32-bit guest size.
pub type Size = u32;
/// `filesize`: a non-negative file size or length of a region within a file.
pub type Filesize = u64;
/// `timestamp`: nanoseconds since an epoch that depends on the clock.
pub type Timestamp = u64;
/// `filedelta`: a relative offset within a file.
pub type Filedelta = i64;
/// `dircookie`: a reference to the offset of a directory entry.
pub type Dircookie = u64;
/// `dirnamlen`: the length of a directory entry's name.
pub type Dirnamlen = u32;
/// `inode`: a file serial number unique within its file system.
pub type Inode = u64;
/// `device`: an identifier for a device containing a file system.
pub type Device = u64;
/// `linkcount`: the number of hard links to an inode.
pub type Linkcount = u64;
/// `userdata`: a value the guest attaches to a subscription, echoed in its event.
pub type Userdata = u64;
/// `exitcode`: the exit code of a process.
pub type Exitcode = u32;
/// `fd`: a file descriptor handle.
pub type Fd = u32;

/// The first cookie of a directory (`dircookie` 0).
pub const DIRCOOKIE_START: Dircookie = 0;

macro_rules! wasi_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $repr:ty { $( $(#[$vdoc:meta])* $variant:ident = $value:literal => $vname:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr($repr)]
        pub enum $name { $( $(#[$vdoc])* $variant = $value, )* }

        impl $name {
            /// Every value the spec defines, in numeric order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),* ];

            /// The spec's name of this value.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $( $name::$variant => $vname, )* }
            }

            /// The raw value, as the guest sees it.
            #[must_use]
            pub const fn raw(self) -> $repr {
                self as $repr
            }
        }

        impl TryFrom<$repr> for $name {
            type Error = Errno;
            fn try_from(raw: $repr) -> Result<Self, Errno> {
                match raw { $( $value => Ok($name::$variant), )* _ => Err(Errno::INVAL) }
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                v as $repr
            }
        }
    };
}

wasi_enum! {
    /// `clockid`: identifiers for clocks.
    pub enum Clockid: u32 {
        /// The clock measuring real time (wall-clock time since the Unix epoch).
        Realtime = 0 => "REALTIME",
        /// The store-wide monotonic clock; its absolute value is meaningless.
        Monotonic = 1 => "MONOTONIC",
        /// The CPU-time clock associated with the current process.
        ProcessCputimeId = 2 => "PROCESS_CPUTIME_ID",
        /// The CPU-time clock associated with the current thread.
        ThreadCputimeId = 3 => "THREAD_CPUTIME_ID",
    }
}

wasi_enum! {
    /// `whence`: the position relative to which to set the offset of the file descriptor.
    pub enum Whence: u8 {
        /// Seek relative to start-of-file.
        Set = 0 => "SET",
        /// Seek relative to current position.
        Cur = 1 => "CUR",
        /// Seek relative to end-of-file.
        End = 2 => "END",
    }
}

wasi_enum! {
    /// `filetype`: the type of a file descriptor or file.
    pub enum Filetype: u8 {
        /// The type of the file descriptor or file is unknown or is different from any of the other types specified.
        Unknown = 0 => "UNKNOWN",
        /// The file descriptor or file refers to a block device inode.
        BlockDevice = 1 => "BLOCK_DEVICE",
        /// The file descriptor or file refers to a character device inode.
        CharacterDevice = 2 => "CHARACTER_DEVICE",
        /// The file descriptor or file refers to a directory inode.
        Directory = 3 => "DIRECTORY",
        /// The file descriptor or file refers to a regular file inode.
        RegularFile = 4 => "REGULAR_FILE",
        /// The file descriptor or file refers to a datagram socket.
        SocketDgram = 5 => "SOCKET_DGRAM",
        /// The file descriptor or file refers to a byte-stream socket.
        SocketStream = 6 => "SOCKET_STREAM",
        /// The file refers to a symbolic link inode.
        SymbolicLink = 7 => "SYMBOLIC_LINK",
    }
}

wasi_enum! {
    /// `advice`: file or memory access pattern advisory information.
    pub enum Advice: u8 {
        /// The application has no advice to give on its behavior with respect to the specified data.
        Normal = 0 => "NORMAL",
        /// The application expects to access the specified data sequentially from lower offsets to higher offsets.
        Sequential = 1 => "SEQUENTIAL",
        /// The application expects to access the specified data in a random order.
        Random = 2 => "RANDOM",
        /// The application expects to access the specified data in the near future.
        Willneed = 3 => "WILLNEED",
        /// The application expects that it will not access the specified data in the near future.
        Dontneed = 4 => "DONTNEED",
        /// The application expects to access the specified data once and then not reuse it thereafter.
        Noreuse = 5 => "NOREUSE",
    }
}

wasi_enum! {
    /// `eventtype`: type of a subscription to an event or its occurrence.
    pub enum Eventtype: u8 {
        /// The time value of clock `subscription_clock::id` has reached timestamp `subscription_clock::timeout`.
        Clock = 0 => "CLOCK",
        /// File descriptor `subscription_fd_readwrite::file_descriptor` has data available for reading.
        FdRead = 1 => "FD_READ",
        /// File descriptor `subscription_fd_readwrite::file_descriptor` has capacity available for writing.
        FdWrite = 2 => "FD_WRITE",
    }
}

wasi_enum! {
    /// `preopentype`: identifiers for preopened capabilities.
    pub enum Preopentype: u8 {
        /// A pre-opened directory.
        Dir = 0 => "DIR",
    }
}

wasi_enum! {
    /// `signal`: signal condition.
    pub enum Signal: u8 {
        /// No signal. Note that POSIX has special semantics for `kill(pid, 0)`, so this value is reserved.
        None = 0 => "NONE",
        /// Hangup. Action: Terminates the process.
        Hup = 1 => "HUP",
        /// Terminate interrupt signal. Action: Terminates the process.
        Int = 2 => "INT",
        /// Terminal quit signal. Action: Terminates the process.
        Quit = 3 => "QUIT",
        /// Illegal instruction. Action: Terminates the process.
        Ill = 4 => "ILL",
        /// Trace/breakpoint trap. Action: Terminates the process.
        Trap = 5 => "TRAP",
        /// Process abort signal. Action: Terminates the process.
        Abrt = 6 => "ABRT",
        /// Access to an undefined portion of a memory object. Action: Terminates the process.
        Bus = 7 => "BUS",
        /// Erroneous arithmetic operation. Action: Terminates the process.
        Fpe = 8 => "FPE",
        /// Kill. Action: Terminates the process.
        Kill = 9 => "KILL",
        /// User-defined signal 1. Action: Terminates the process.
        Usr1 = 10 => "USR1",
        /// Invalid memory reference. Action: Terminates the process.
        Segv = 11 => "SEGV",
        /// User-defined signal 2. Action: Terminates the process.
        Usr2 = 12 => "USR2",
        /// Write on a pipe with no one to read it. Action: Ignored.
        Pipe = 13 => "PIPE",
        /// Alarm clock. Action: Terminates the process.
        Alrm = 14 => "ALRM",
        /// Termination signal. Action: Terminates the process.
        Term = 15 => "TERM",
        /// Child process terminated, paused, or continued. Action: Ignored.
        Chld = 16 => "CHLD",
        /// Continue executing, if paused. Action: Continues executing, if paused.
        Cont = 17 => "CONT",
        /// Stop executing. Action: Stops executing.
        Stop = 18 => "STOP",
        /// Terminal stop signal. Action: Stops executing.
        Tstp = 19 => "TSTP",
        /// Background process attempting read. Action: Stops executing.
        Ttin = 20 => "TTIN",
        /// Background process attempting write. Action: Stops executing.
        Ttou = 21 => "TTOU",
        /// High bandwidth data is available at a socket. Action: Ignored.
        Urg = 22 => "URG",
        /// CPU time limit exceeded. Action: Terminates the process.
        Xcpu = 23 => "XCPU",
        /// File size limit exceeded. Action: Terminates the process.
        Xfsz = 24 => "XFSZ",
        /// Virtual timer expired. Action: Terminates the process.
        Vtalrm = 25 => "VTALRM",
        /// Profiling timer expired. Action: Terminates the process.
        Prof = 26 => "PROF",
        /// Window changed. Action: Ignored.
        Winch = 27 => "WINCH",
        /// I/O possible. Action: Terminates the process.
        Poll = 28 => "POLL",
        /// Power failure. Action: Terminates the process.
        Pwr = 29 => "PWR",
        /// Bad system call. Action: Terminates the process.
        Sys = 30 => "SYS",
    }
}

/// What the spec says a signal's default action is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalAction {
    /// "Action: Terminates the process."
    Terminate,
    /// "Action: Ignored."
    Ignore,
    /// "Action: Continues executing, if paused."
    Continue,
    /// "Action: Stops executing."
    Stop,
}

impl Signal {
    /// The default action the spec gives for this signal.
    #[must_use]
    pub const fn default_action(self) -> SignalAction {
        match self {
            Signal::None | Signal::Pipe | Signal::Chld | Signal::Urg | Signal::Winch => SignalAction::Ignore,
            Signal::Cont => SignalAction::Continue,
            Signal::Stop | Signal::Tstp | Signal::Ttin | Signal::Ttou => SignalAction::Stop,
            _ => SignalAction::Terminate,
        }
    }
}

/// Decodes an enumeration passed in a wider wasm parameter: bits above the
/// enumeration's width are an unknown value, hence [`Errno::INVAL`].
///
/// # Errors
/// [`Errno::INVAL`] when `raw` does not fit `R` or is not a value of `T`.
pub fn decode_enum<T, R>(raw: u32) -> Result<T, Errno>
where
    R: TryFrom<u32>,
    T: TryFrom<R, Error = Errno>,
{
    let narrow = R::try_from(raw).map_err(|_| Errno::INVAL)?;
    T::try_from(narrow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_spec() {
        assert_eq!(Clockid::ALL.len(), 4);
        assert_eq!(Filetype::SymbolicLink.raw(), 7);
        assert_eq!(Whence::End.raw(), 2);
        assert_eq!(Advice::Noreuse.raw(), 5);
        assert_eq!(Signal::ALL.len(), 31);
        assert_eq!(Signal::Sys.raw(), 30);
        for (i, s) in Signal::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.raw()), i);
        }
    }

    #[test]
    fn unknown_values_are_inval() {
        assert_eq!(Whence::try_from(3), Err(Errno::INVAL));
        assert_eq!(Clockid::try_from(4), Err(Errno::INVAL));
        assert_eq!(Signal::try_from(31), Err(Errno::INVAL));
        assert_eq!(decode_enum::<Whence, u8>(0x100), Err(Errno::INVAL));
        assert_eq!(decode_enum::<Whence, u8>(0x101), Err(Errno::INVAL));
        assert_eq!(decode_enum::<Whence, u8>(1), Ok(Whence::Cur));
        assert_eq!(decode_enum::<Advice, u8>(u32::MAX), Err(Errno::INVAL));
    }
}
