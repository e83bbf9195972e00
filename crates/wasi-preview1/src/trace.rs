//! [`Tracer`]: a [`System`] that logs every call of the one it wraps.
//!
//! One line per call, in the manner of `strace -T`: the call's name, its
//! decoded arguments (fd numbers, flag and enumeration names, paths and
//! data as quoted strings cut at [`Tracer::string_size`] bytes), then
//! `= ` and the result or the errno's name, then the time the wrapped call
//! took in seconds:
//!
//! ```text
//! path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="hello.txt", oflags=0, base=FD_READ|FD_SEEK, inheriting=0, fdflags=0) = 4 <0.000011>
//! fd_read(fd=4, iovs=1, bytes=4096) = 12 "hello world\n" <0.000003>
//! fd_read(fd=9, iovs=1, bytes=4096) = EBADF (Bad file descriptor.) <0.000000>
//! ```
//!
//! Wrapping is the whole mechanism: a `Tracer<S, W>` is itself a
//! [`System`], so it is chosen (or not) when the host is built, and a host
//! that does not trace contains no tracing code at all. Embedders wrap a
//! `System` with their own layers the same way.
//!
//! Each line is formatted into one reusable buffer and written with one
//! `write_all`, so lines from a tracer writing to an unbuffered stream
//! (stderr, a file) never interleave with each other. A failed write never
//! changes what the guest sees; it is counted ([`Tracer::lost_lines`]) so
//! the embedder can report it.

use crate::system::{AddrInfo, AddrInfoHints, Raised, Result, System};
use std::fmt::{self, Display, Write as _};
use std::io::{IoSlice, IoSliceMut, Write};
use std::net::SocketAddr;
use std::ops::Deref;
use std::time::Instant;
use wasi_abi::wasmedge::{AddressFamily, SockOpt, SockOptLevel, SockType};
use wasi_abi::{
    Advice, Clockid, Dircookie, DirentWriter, Event, Exitcode, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat,
    Fstflags, Lookupflags, Oflags, Prestat, Riflags, Rights, Roflags, Sdflags, Siflags, Signal, Size, StringList,
    Subscription, SubscriptionU, Timestamp, Whence,
};

/// The default for [`Tracer::string_size`], as strace's.
pub const DEFAULT_STRING_SIZE: usize = 32;

/// A [`System`] that writes a line to `W` for every call it forwards to `S`.
#[derive(Debug)]
pub struct Tracer<S, W> {
    inner: S,
    log: Log<W>,
}

impl<S: System, W: Write> Tracer<S, W> {
    /// Wraps `inner`, writing the trace to `out`.
    pub fn new(inner: S, out: W) -> Self {
        Tracer {
            inner,
            log: Log { out, line: String::with_capacity(256), max: DEFAULT_STRING_SIZE, lost: 0, last_error: None },
        }
    }

    /// Sets how many bytes of a path or of data are shown before `...`.
    #[must_use]
    pub fn string_size(mut self, max: usize) -> Self {
        self.log.max = max;
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

    /// How many trace lines could not be written, and the last error.
    pub fn lost_lines(&self) -> (u64, Option<&std::io::Error>) {
        (self.log.lost, self.log.last_error.as_ref())
    }

    /// Unwraps the system and the trace's writer.
    pub fn into_parts(self) -> (S, W) {
        (self.inner, self.log.out)
    }
}

#[derive(Debug)]
struct Log<W> {
    out: W,
    line: String,
    max: usize,
    /// Lines whose write failed.
    lost: u64,
    last_error: Option<std::io::Error>,
}

impl<W: Write> Log<W> {
    /// Starts a line: the call and its arguments. Returns when the call starts.
    fn begin(&mut self, name: &str, args: fmt::Arguments<'_>) -> Instant {
        self.open(name);
        let _ = self.line.write_fmt(args);
        self.close()
    }

    /// Starts a line with the call's name; arguments follow with [`Log::arg`].
    fn open(&mut self, name: &str) {
        self.line.clear();
        self.line.push_str(name);
        self.line.push('(');
    }

    /// Starts the next argument, `label=`; its value is written to the result.
    fn arg(&mut self, label: &str) -> &mut String {
        if !self.line.ends_with('(') {
            self.line.push_str(", ");
        }
        self.line.push_str(label);
        self.line.push('=');
        &mut self.line
    }

    /// Ends the arguments. Returns when the call starts.
    fn close(&mut self) -> Instant {
        self.line.push(')');
        Instant::now()
    }

    /// Ends a call that moved data through `bufs`: the count, then the
    /// first bytes moved.
    fn end_moved<B: Deref<Target = [u8]>>(&mut self, start: Instant, r: &Result<Size>, bufs: &[B]) {
        let max = self.max;
        self.end(start, r, |l, &n| {
            num(l, &n);
            show_data(l, bufs, n as usize, max);
        });
    }

    /// Ends a call that returned a string list.
    fn end_strings(&mut self, start: Instant, r: &Result<StringList<'_>>) {
        let max = self.max;
        self.end(start, r, |l, list| show_strings(l, list, max));
    }

    /// Ends and writes the line: the result (`ok` shows a value) and the time.
    fn end<T>(&mut self, start: Instant, r: &Result<T>, ok: impl FnOnce(&mut String, &T)) {
        let took = start.elapsed();
        self.line.push_str(" = ");
        match r {
            Ok(v) => ok(&mut self.line, v),
            Err(e) => {
                let _ = write!(self.line, "{e}");
            }
        }
        let _ = writeln!(self.line, " <{:.6}>", took.as_secs_f64());
        if let Err(e) = self.out.write_all(self.line.as_bytes()) {
            self.lost += 1;
            self.last_error = Some(e);
        }
    }
}

/// Shows `0` for success.
fn zero(line: &mut String, (): &()) {
    line.push('0');
}

/// Shows a number.
fn num<T: Display>(line: &mut String, v: &T) {
    let _ = write!(line, "{v}");
}

/// Shows `v` with `{:?}`.
fn debug<T: fmt::Debug>(line: &mut String, v: &T) {
    let _ = write!(line, "{v:?}");
}

/// Bytes as a quoted, escaped string, cut after `max` bytes (`"..."...`).
struct Quoted<I> {
    parts: I,
    /// How many bytes of `parts` there are to show.
    len: usize,
    max: usize,
}

impl<'a, I: Iterator<Item = &'a [u8]> + Clone> Display for Quoted<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        let shown = self.len.min(self.max);
        for &b in self.parts.clone().flatten().take(shown) {
            match b {
                b'"' => f.write_str("\\\"")?,
                b'\\' => f.write_str("\\\\")?,
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                b'\t' => f.write_str("\\t")?,
                0x20..=0x7e => f.write_char(char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        f.write_char('"')?;
        if shown < self.len {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// A string argument (a path), quoted and cut.
fn quoted(s: &[u8], max: usize) -> Quoted<core::iter::Once<&[u8]>> {
    Quoted { parts: core::iter::once(s), len: s.len(), max }
}

/// A bit set by name: `A|B`, `0` when empty, unknown bits in hex.
struct Names<F>(F);

impl<F: bitflags::Flags + Copy> Display for Names<F>
where
    F::Bits: fmt::LowerHex,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_char('0');
        }
        let mut first = true;
        for (name, _) in self.0.iter_names() {
            if !first {
                f.write_char('|')?;
            }
            first = false;
            f.write_str(name)?;
        }
        let unknown = self.0.difference(F::all());
        if !unknown.is_empty() {
            if !first {
                f.write_char('|')?;
            }
            write!(f, "{:#x}", unknown.bits())?;
        }
        Ok(())
    }
}

/// Rights, with every defined right shown as `ALL`.
struct RightsNames(Rights);

impl Display for RightsNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == Rights::all() { f.write_str("ALL") } else { Names(self.0).fmt(f) }
    }
}

/// The count and total length of an iovec list.
struct Iovs(usize, usize);

impl Display for Iovs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "iovs={}, bytes={}", self.0, self.1)
    }
}

/// The count and total length of a gather or scatter list.
fn iovs<B: Deref<Target = [u8]>>(bufs: &[B]) -> Iovs {
    Iovs(bufs.len(), bufs.iter().map(|b| b.len()).sum())
}

/// Shows the first `n` bytes of a gather list, or of a scatter list after a read.
fn show_data<B: Deref<Target = [u8]>>(line: &mut String, bufs: &[B], n: usize, max: usize) {
    let _ = write!(line, " {}", Quoted { parts: bufs.iter().map(|b| &**b), len: n, max });
}

fn show_fdstat(line: &mut String, s: &Fdstat) {
    let _ = write!(
        line,
        "{{filetype={}, flags={}, base={}, inheriting={}}}",
        s.fs_filetype.name(),
        Names(s.fs_flags),
        RightsNames(s.fs_rights_base),
        RightsNames(s.fs_rights_inheriting)
    );
}

fn show_filestat(line: &mut String, s: &Filestat) {
    let _ = write!(
        line,
        "{{dev={}, ino={}, filetype={}, nlink={}, size={}, atim={}, mtim={}, ctim={}}}",
        s.dev,
        s.ino,
        s.filetype.name(),
        s.nlink,
        s.size,
        s.atim,
        s.mtim,
        s.ctim
    );
}

fn show_strings(line: &mut String, list: &StringList<'_>, max: usize) {
    line.push('[');
    for (i, s) in list.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        let _ = write!(line, "{}", quoted(s, max));
    }
    line.push(']');
}

/// One subscription, as `{userdata=.., clock=.., ..}` or `{userdata=.., fd_read=..}`.
struct Sub<'a>(&'a Subscription);

impl Display for Sub<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{userdata={}, ", self.0.userdata)?;
        match self.0.u {
            SubscriptionU::Clock(c) => write!(
                f,
                "clock={}, timeout={}, precision={}, flags={}}}",
                c.id.name(),
                c.timeout,
                c.precision,
                Names(c.flags)
            ),
            SubscriptionU::FdRead(fd) => write!(f, "fd_read={fd}}}"),
            SubscriptionU::FdWrite(fd) => write!(f, "fd_write={fd}}}"),
        }
    }
}

struct Subs<'a>(&'a [Subscription]);

impl Display for Subs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('[')?;
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            Sub(s).fmt(f)?;
        }
        f.write_char(']')
    }
}

fn show_events(line: &mut String, events: &[Event], n: Size) {
    let _ = write!(line, "{n} [");
    for (i, e) in events.iter().take(n as usize).enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        let _ = write!(line, "{{userdata={}, type={}, error={:?}", e.userdata, e.type_.name(), e.error);
        if e.type_ != wasi_abi::Eventtype::Clock {
            let _ = write!(line, ", nbytes={}, flags={}", e.fd_readwrite.nbytes, Names(e.fd_readwrite.flags));
        }
        line.push('}');
    }
    line.push(']');
}

fn show_prestat(line: &mut String, Prestat::Dir { pr_name_len }: &Prestat) {
    let _ = write!(line, "{{dir, name_len={pr_name_len}}}");
}

fn show_raised(line: &mut String, raised: &Raised) {
    match raised {
        Raised::Continue => line.push('0'),
        Raised::Terminate(code) => {
            let _ = write!(line, "0 (terminates with {code})");
        }
    }
}

/// Writes an argument the way the table's SHOW says.
macro_rules! show_arg {
    (plain, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", $v)
    };
    (names, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", Names($v))
    };
    (rights, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", RightsNames($v))
    };
    (name, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", $v.name())
    };
    (path, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", quoted($v.as_bytes(), $max))
    };
    (len, $line:expr, $v:expr, $max:expr) => {
        write!($line, "{}", $v.len())
    };
}

/// The function that shows a success the way the table's RESULT_SHOW says.
macro_rules! show_result {
    (zero) => {
        zero
    };
    (plain) => {
        num
    };
    (debug) => {
        debug
    };
    (fdstat) => {
        show_fdstat
    };
    (filestat) => {
        show_filestat
    };
    (prestat) => {
        show_prestat
    };
    (raised) => {
        show_raised
    };
}

macro_rules! arg_label {
    ($arg:ident) => {
        stringify!($arg)
    };
    ($arg:ident $label:literal) => {
        $label
    };
}

/// One [`Tracer`] method: generated for `traced` calls, the hand-written
/// one in [`data`] for `data` calls, the forwarding default for `host` calls.
macro_rules! tracer_method {
    (traced $name:ident ( $( $arg:ident $([$label:literal])? : $ty:ty => $show:ident ),* ) -> $ret:ty => $res:ident) => {
        fn $name(&mut self, $($arg: $ty),*) -> $ret {
            // Only paths use it.
            let _max = self.log.max;
            self.log.open(stringify!($name));
            $(
                let line = self.log.arg(arg_label!($arg $($label)?));
                let _ = show_arg!($show, line, $arg, _max);
            )*
            let t = self.log.close();
            let r = self.inner.$name($($arg),*);
            self.log.end(t, &r, show_result!($res));
            r
        }
    };
    (data $name:ident ( $( $arg:ident $([$label:literal])? : $ty:ty => $show:ident ),* ) $(-> $ret:ty)? => $res:ident) => {
        fn $name(&mut self, $($arg: $ty),*) $(-> $ret)? {
            data::$name(self, $($arg),*)
        }
    };
    (host $($rest:tt)*) => {};
}

macro_rules! tracer_impl {
    ($( $(#[doc = $doc:literal])* $tag:ident $name:ident ( $( $arg:ident $([$label:literal])? : $ty:ty => $show:ident ),* ) $(-> $ret:ty)? => $res:ident ; )*) => {
        impl<S: System, W: Write> crate::Wrapper for Tracer<S, W> {
            type Inner = S;

            fn inner_system(&mut self) -> &mut S {
                &mut self.inner
            }

            $( tracer_method! { $tag $name ( $( $arg $([$label])? : $ty => $show ),* ) $(-> $ret)? => $res } )*
        }
    };
}
crate::for_each_system_call!(tracer_impl);

/// The calls whose trace shows the data they move, written by hand.
mod data {
    use super::*;

    /// A call that moves the bytes of `bufs`: the arguments as `fmt` shows
    /// them, then the count and (up to the string size) the data moved.
    macro_rules! moved {
        ($name:ident($($arg:ident: $ty:ty),*), $bufs:ident, $($fmt:tt)*) => {
            pub(super) fn $name<S: System, W: Write>(t: &mut Tracer<S, W>, $($arg: $ty),*) -> Result<Size> {
                let start = t.log.begin(stringify!($name), format_args!($($fmt)*));
                let r = t.inner.$name($($arg),*);
                t.log.end_moved(start, &r, $bufs);
                r
            }
        };
    }

    moved!(fd_read(fd: Fd, bufs: &mut [IoSliceMut<'_>]), bufs, "fd={fd}, {}", iovs(bufs));
    moved!(fd_write(fd: Fd, bufs: &[IoSlice<'_>]), bufs, "fd={fd}, {}", iovs(bufs));
    moved!(fd_pread(fd: Fd, bufs: &mut [IoSliceMut<'_>], offset: Filesize), bufs, "fd={fd}, {}, offset={offset}", iovs(bufs));
    moved!(fd_pwrite(fd: Fd, bufs: &[IoSlice<'_>], offset: Filesize), bufs, "fd={fd}, {}, offset={offset}", iovs(bufs));
    moved!(sock_send(fd: Fd, bufs: &[IoSlice<'_>], flags: Siflags), bufs, "fd={fd}, {}, flags={}", iovs(bufs), Names(flags));
    moved!(
        sock_send_to(fd: Fd, bufs: &[IoSlice<'_>], addr: SocketAddr, flags: Siflags),
        bufs,
        "fd={fd}, {}, addr={addr}, flags={}",
        iovs(bufs),
        Names(flags)
    );

    pub(super) fn args_get<S: System, W: Write>(t: &mut Tracer<S, W>) -> Result<StringList<'_>> {
        let start = t.log.begin("args_get", format_args!(""));
        let r = t.inner.args_get();
        t.log.end_strings(start, &r);
        r
    }

    pub(super) fn environ_get<S: System, W: Write>(t: &mut Tracer<S, W>) -> Result<StringList<'_>> {
        let start = t.log.begin("environ_get", format_args!(""));
        let r = t.inner.environ_get();
        t.log.end_strings(start, &r);
        r
    }

    pub(super) fn sock_recv<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        fd: Fd,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags)> {
        let start = t.log.begin("sock_recv", format_args!("fd={fd}, {}, flags={}", iovs(bufs), Names(flags)));
        let r = t.inner.sock_recv(fd, bufs, flags);
        let max = t.log.max;
        t.log.end(start, &r, |l, &(n, ro)| {
            let _ = write!(l, "{n} roflags={}", Names(ro));
            show_data(l, bufs, n as usize, max);
        });
        r
    }

    pub(super) fn sock_recv_from<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        fd: Fd,
        bufs: &mut [IoSliceMut<'_>],
        flags: Riflags,
    ) -> Result<(Size, Roflags, Option<SocketAddr>)> {
        let start = t.log.begin("sock_recv_from", format_args!("fd={fd}, {}, flags={}", iovs(bufs), Names(flags)));
        let r = t.inner.sock_recv_from(fd, bufs, flags);
        let max = t.log.max;
        t.log.end(start, &r, |l, &(n, ro, from)| {
            let _ = write!(l, "{n} roflags={}", Names(ro));
            if let Some(from) = from {
                let _ = write!(l, " from={from}");
            }
            show_data(l, bufs, n as usize, max);
        });
        r
    }

    pub(super) fn fd_readdir<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        fd: Fd,
        out: &mut DirentWriter<'_>,
        cookie: Dircookie,
    ) -> Result<()> {
        let before = out.used();
        let start = t.log.begin("fd_readdir", format_args!("fd={fd}, len={}, cookie={cookie}", out.remaining()));
        let r = t.inner.fd_readdir(fd, out, cookie);
        let used = out.used() - before;
        t.log.end(start, &r, |l, ()| num(l, &used));
        r
    }

    pub(super) fn fd_prestat_dir_name<S: System, W: Write>(t: &mut Tracer<S, W>, fd: Fd, buf: &mut [u8]) -> Result<()> {
        let start = t.log.begin("fd_prestat_dir_name", format_args!("fd={fd}, len={}", buf.len()));
        let r = t.inner.fd_prestat_dir_name(fd, buf);
        let max = t.log.max;
        t.log.end(start, &r, |l, ()| {
            let _ = write!(l, "0 {}", quoted(buf, max));
        });
        r
    }

    pub(super) fn path_readlink<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        fd: Fd,
        path: &str,
        buf: &mut [u8],
    ) -> Result<Size> {
        let max = t.log.max;
        let start = t
            .log
            .begin("path_readlink", format_args!("fd={fd}, path={}, len={}", quoted(path.as_bytes(), max), buf.len()));
        let r = t.inner.path_readlink(fd, path, buf);
        t.log.end(start, &r, |l, &n| {
            let shown = &buf[..(n as usize).min(buf.len())];
            let _ = write!(l, "{n} {}", quoted(shown, max));
        });
        r
    }

    pub(super) fn poll_oneoff<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        subscriptions: &[Subscription],
        events: &mut [Event],
    ) -> Result<Size> {
        let start = t.log.begin("poll_oneoff", format_args!("{}", Subs(subscriptions)));
        let r = t.inner.poll_oneoff(subscriptions, events);
        t.log.end(start, &r, |l, &n| show_events(l, events, n));
        r
    }

    pub(super) fn proc_exit<S: System, W: Write>(t: &mut Tracer<S, W>, rval: Exitcode) {
        let start = t.log.begin("proc_exit", format_args!("rval={rval}"));
        t.inner.proc_exit(rval);
        t.log.end(start, &Ok(()), |l, ()| l.push('?'));
    }

    pub(super) fn sock_getaddrinfo<S: System, W: Write>(
        t: &mut Tracer<S, W>,
        node: &str,
        service: &str,
        hints: &AddrInfoHints,
    ) -> Result<Vec<AddrInfo>> {
        let max = t.log.max;
        let start = t.log.begin(
            "sock_getaddrinfo",
            format_args!(
                "node={}, service={}, flags={}, family={}, type={}",
                quoted(node.as_bytes(), max),
                quoted(service.as_bytes(), max),
                Names(hints.flags),
                hints.family.name(),
                hints.socktype.name()
            ),
        );
        let r = t.inner.sock_getaddrinfo(node, service, hints);
        t.log.end(start, &r, |l, list| {
            l.push('[');
            for (i, a) in list.iter().enumerate() {
                if i > 0 {
                    l.push_str(", ");
                }
                let _ = write!(l, "{} {}", a.socktype.name(), a.addr);
            }
            l.push(']');
        });
        r
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::unix::UnixSystem;
    use std::os::fd::OwnedFd;

    fn traced(dir: &std::path::Path) -> (Tracer<UnixSystem, Vec<u8>>, OwnedFd) {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let d = rustix::fs::open(dir, rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC, 0.into()).unwrap();
        let sys = UnixSystem::builder().arg("prog").arg("a\tb").stdout(w).preopen_dir(d, "/sandbox").build().unwrap();
        (Tracer::new(sys, Vec::new()).string_size(8), r)
    }

    fn lines(t: &Tracer<UnixSystem, Vec<u8>>) -> Vec<String> {
        String::from_utf8(t.log.out.clone()).unwrap().lines().map(str::to_owned).collect()
    }

    /// The line without its timing, which varies.
    fn untimed(line: &str) -> &str {
        let (body, time) = line.rsplit_once(" <").unwrap();
        let secs: f64 = time.strip_suffix('>').unwrap().parse().unwrap();
        assert!(secs >= 0.0);
        body
    }

    #[test]
    fn calls_arguments_results_and_errnos() {
        let dir = std::env::temp_dir().join(format!("wasi-run-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("file.txt"), "0123456789abcdef").unwrap();
        let (mut t, _r) = traced(&dir);

        // No stdin was given, so the first file opened is fd 0.
        assert_eq!(t.args_sizes_get(), Ok((2, 9)));
        assert_eq!(t.args_get().unwrap().count(), 2);
        let n = t.fd_write(1, &[IoSlice::new(b"hi\n"), IoSlice::new(b"\x01there")]).unwrap();
        assert_eq!(n, 9);
        let fd = t
            .path_open(
                3,
                Lookupflags::SYMLINK_FOLLOW,
                "file.txt",
                Oflags::empty(),
                Rights::FD_READ | Rights::FD_SEEK,
                Rights::empty(),
                Fdflags::empty(),
            )
            .unwrap();
        let mut buf = [0u8; 32];
        assert_eq!(t.fd_read(fd, &mut [IoSliceMut::new(&mut buf)]), Ok(16));
        assert_eq!(t.fd_seek(fd, -4, Whence::End), Ok(12));
        assert_eq!(t.fd_close(42), Err(wasi_abi::Errno::BADF));
        assert_eq!(
            t.path_open(
                3,
                Lookupflags::empty(),
                "../../etc/passwd",
                Oflags::CREAT | Oflags::EXCL,
                Rights::all(),
                Rights::all(),
                Fdflags::APPEND
            )
            .unwrap_err(),
            wasi_abi::Errno::PERM
        );
        t.proc_exit(3);

        let got = lines(&t);
        let got: Vec<&str> = got.iter().map(|l| untimed(l)).collect();
        assert_eq!(
            got,
            [
                "args_sizes_get() = (2, 9)",
                r#"args_get() = ["prog", "a\tb"]"#,
                r#"fd_write(fd=1, iovs=2, bytes=9) = 9 "hi\n\x01ther"..."#,
                r#"path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="file.txt", oflags=0, base=FD_READ|FD_SEEK, inheriting=0, fdflags=0) = 0"#,
                r#"fd_read(fd=0, iovs=1, bytes=32) = 16 "01234567"..."#,
                "fd_seek(fd=0, offset=-4, whence=END) = 12",
                "fd_close(fd=42) = EBADF (Bad file descriptor.)",
                r#"path_open(fd=3, dirflags=0, path="../../et"..., oflags=CREAT|EXCL, base=ALL, inheriting=ALL, fdflags=APPEND) = EPERM (Operation not permitted.)"#,
                "proc_exit(rval=3) = ?",
            ]
        );
        let (sys, _) = t.into_parts();
        assert_eq!(sys.exit_code(), Some(3));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn polls_show_subscriptions_and_events() {
        let dir = std::env::temp_dir();
        let (mut t, _r) = traced(&dir);
        let subs = [
            Subscription {
                userdata: 7,
                u: SubscriptionU::Clock(wasi_abi::SubscriptionClock {
                    id: Clockid::Monotonic,
                    timeout: 0,
                    precision: 0,
                    flags: wasi_abi::Subclockflags::empty(),
                }),
            },
            Subscription { userdata: 8, u: SubscriptionU::FdWrite(1) },
        ];
        let mut events = [Event::default(); 2];
        let n = t.poll_oneoff(&subs, &mut events).unwrap();
        assert!(n >= 1);
        let got = lines(&t);
        let line = untimed(&got[0]);
        assert!(
            line.starts_with(
                "poll_oneoff([{userdata=7, clock=MONOTONIC, timeout=0, precision=0, flags=0}, {userdata=8, fd_write=1}]) = "
            ),
            "{line}"
        );
        assert!(line.contains("{userdata=8, type=FD_WRITE, error=ESUCCESS, nbytes="), "{line}");
    }

    #[test]
    fn flag_names_show_unknown_bits() {
        assert_eq!(Names(Oflags::CREAT | Oflags::TRUNC).to_string(), "CREAT|TRUNC");
        assert_eq!(Names(Oflags::from_bits_retain(0x101)).to_string(), "CREAT|0x100");
        assert_eq!(Names(Fdflags::empty()).to_string(), "0");
        assert_eq!(RightsNames(Rights::all()).to_string(), "ALL");
        assert_eq!(quoted(b"a\"b\\c\xff", 32).to_string(), r#""a\"b\\c\xff""#);
        assert_eq!(quoted(b"abcdef", 3).to_string(), r#""abc"..."#);
    }
}
