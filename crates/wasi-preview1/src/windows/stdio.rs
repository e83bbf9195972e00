//! The guest's stdio on a Windows host: a console, a pipe, a file or the
//! `NUL` device, as a [`VirtualFile`], and captured output.
//!
//! The handles are the embedder's, and shared with other processes: their
//! modes are never changed. `NONBLOCK` is answered by readiness
//! ([`VirtualFile::ready`]: bytes waiting in a pipe, input events waiting
//! in a console) before a transfer, never by switching the handle.
//! Text written to a console goes through `WriteConsoleW`, so UTF-8
//! shows as written whatever the console's code page.
#![allow(unsafe_code)]

use super::errno::from_io;
use crate::file::{VirtualFile, plain_stat};
use crate::system::Result;
use std::io::{IoSlice, IoSliceMut, Read, Seek, SeekFrom, Write};
use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use wasi_abi::{Errno, Fdflags, Filedelta, Filesize, Filestat, Filetype, Fstflags, Size, Timestamp, Whence};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    FILE_APPEND_DATA, FILE_READ_DATA, FILE_TYPE_CHAR, FILE_TYPE_DISK, FILE_TYPE_PIPE, FILE_WRITE_DATA, GetFileType,
};

/// What a stdio handle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Console,
    /// A character device that is no console (`NUL`).
    Device,
    Pipe,
    File,
}

/// What [`Stdio::peek`] found in a pipe.
enum Peek {
    Bytes(u32),
    /// Closed at the far end.
    Closed,
    /// The handle cannot be peeked: a socket, or Wine's handle on a Unix
    /// pipe (`ERROR_NOT_SUPPORTED`).
    Unsupported,
}

/// At most this much is read ahead at a time.
const AHEAD_CHUNK: usize = 64 << 10;

/// What the read-ahead thread has read and not yet handed over.
#[derive(Debug, Default)]
struct Ahead {
    buf: std::collections::VecDeque<u8>,
    eof: bool,
    error: Option<Errno>,
    /// A read or a readiness question is waiting for bytes.
    wanted: bool,
    /// The `Stdio` is gone: the thread ends.
    closed: bool,
}

/// A thread that reads a pipe which cannot be peeked, only when the guest
/// asks for bytes or readiness and nothing read ahead is left, at most
/// [`AHEAD_CHUNK`] at a time: readiness is then whether it holds bytes.
/// Bytes it has read and the guest never asks for are lost to the pipe's
/// other readers, as with any reader that buffers.
#[derive(Debug)]
struct ReadAhead {
    state: Arc<(Mutex<Ahead>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(m: &Mutex<Ahead>) -> std::sync::MutexGuard<'_, Ahead> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ReadAhead {
    fn start(file: &std::fs::File) -> Option<Self> {
        let mut file = file.try_clone().ok()?;
        let state = Arc::new((Mutex::new(Ahead::default()), Condvar::new()));
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("wasi-run stdin".into())
            .spawn(move || {
                let (m, cv) = &*shared;
                let mut chunk = vec![0u8; AHEAD_CHUNK];
                loop {
                    {
                        let mut a = lock(m);
                        while !(a.closed || a.wanted && a.buf.is_empty()) {
                            a = cv.wait(a).unwrap_or_else(std::sync::PoisonError::into_inner);
                        }
                        if a.closed {
                            return;
                        }
                    }
                    let got = file.read(&mut chunk);
                    let mut a = lock(m);
                    a.wanted = false;
                    let done = match got {
                        Ok(0) => {
                            a.eof = true;
                            true
                        }
                        Ok(n) => {
                            a.buf.extend(&chunk[..n]);
                            false
                        }
                        Err(e) if e.raw_os_error() == Some(109) => {
                            a.eof = true;
                            true
                        }
                        Err(e) => {
                            a.error = Some(from_io(&e));
                            true
                        }
                    };
                    cv.notify_all();
                    if done {
                        return;
                    }
                }
            })
            .ok()?;
        Some(ReadAhead { state, thread: Some(thread) })
    }

    /// Bytes ready to read (0 at end of file or after an error), or `None`
    /// after asking the thread for more.
    fn ready(&self) -> Option<Filesize> {
        let (m, cv) = &*self.state;
        let mut a = lock(m);
        if !a.buf.is_empty() || a.eof || a.error.is_some() {
            return Some(a.buf.len() as Filesize);
        }
        a.wanted = true;
        cv.notify_all();
        None
    }

    /// Whether the pipe has ended and all it held was handed over.
    fn ended(&self) -> bool {
        let a = lock(&self.state.0);
        a.eof && a.buf.is_empty()
    }

    /// Hands over what was read ahead, waiting for it if there is none.
    fn read(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        let (m, cv) = &*self.state;
        let mut a = lock(m);
        loop {
            if !a.buf.is_empty() {
                let mut total = 0usize;
                for b in bufs.iter_mut() {
                    let n = b.len().min(a.buf.len());
                    for (dst, src) in b.iter_mut().zip(a.buf.drain(..n)) {
                        *dst = src;
                    }
                    total += n;
                    if a.buf.is_empty() {
                        break;
                    }
                }
                return Ok(Size::try_from(total).unwrap_or(Size::MAX));
            }
            if let Some(e) = a.error {
                return Err(e);
            }
            if a.eof {
                return Ok(0);
            }
            a.wanted = true;
            cv.notify_all();
            a = cv.wait(a).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

impl Drop for ReadAhead {
    /// Ends the thread: at once if it waits to be asked; a read in
    /// progress is cancelled where the system can (else the thread ends
    /// with the pipe's next bytes or its end).
    fn drop(&mut self) {
        let (m, cv) = &*self.state;
        lock(m).closed = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            use std::os::windows::io::AsRawHandle as _;
            // SAFETY: the thread's handle is live while `t` is held; a
            // thread not in a read is not affected.
            unsafe { windows_sys::Win32::System::IO::CancelSynchronousIo(t.as_raw_handle() as HANDLE) };
        }
    }
}

/// One of the guest's stdio handles.
#[derive(Debug)]
pub(crate) struct Stdio {
    file: std::fs::File,
    kind: Kind,
    fd: u32,
    /// What the handle was opened for: a file's own access (a file
    /// opened to append only is `append`); for a stream, stdin reads and
    /// stdout and stderr write.
    read: bool,
    write: bool,
    append: bool,
    /// For a pipe that cannot be peeked, once asked about.
    ahead: OnceLock<Option<ReadAhead>>,
}

fn raw(f: &std::fs::File) -> HANDLE {
    f.as_raw_handle() as HANDLE
}

impl Stdio {
    /// Stdio fd `fd` (0, 1 or 2) on `handle`.
    pub(crate) fn new(handle: OwnedHandle, fd: u32) -> Self {
        let file = std::fs::File::from(handle);
        // SAFETY: a valid handle; the calls only read its type and mode.
        let kind = match unsafe { GetFileType(raw(&file)) } {
            FILE_TYPE_CHAR => {
                let mut mode = 0u32;
                // SAFETY: `mode` is a live local the call writes.
                if unsafe { windows_sys::Win32::System::Console::GetConsoleMode(raw(&file), &mut mode) } != 0 {
                    Kind::Console
                } else {
                    Kind::Device
                }
            }
            FILE_TYPE_PIPE => Kind::Pipe,
            FILE_TYPE_DISK => Kind::File,
            _ => Kind::Device,
        };
        let (mut read, mut write, mut append) = (fd == 0, fd != 0, false);
        if kind == Kind::File {
            // A handle whose access cannot be asked for reads and writes,
            // as before the question was asked.
            let mask = super::nt::granted_access(file.as_handle()).unwrap_or(FILE_READ_DATA | FILE_WRITE_DATA);
            read = mask & FILE_READ_DATA != 0;
            write = mask & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0;
            append = mask & FILE_APPEND_DATA != 0 && mask & FILE_WRITE_DATA == 0;
        }
        Stdio { file, kind, fd, read, write, append, ahead: OnceLock::new() }
    }

    /// Whether this is a file opened to append only (so its size never
    /// changes but by writing, as `O_APPEND` on Unix).
    pub(crate) fn is_append(&self) -> bool {
        self.append
    }

    /// Whether this is a character device that is no console (`NUL`).
    pub(crate) fn is_device(&self) -> bool {
        self.kind == Kind::Device
    }

    /// What waits in a pipe.
    fn peek(&self) -> Peek {
        let mut avail = 0u32;
        // SAFETY: only `avail` is written; no data is read.
        let ok = unsafe {
            windows_sys::Win32::System::Pipes::PeekNamedPipe(
                raw(&self.file),
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut avail,
                std::ptr::null_mut(),
            )
        };
        if ok != 0 {
            return Peek::Bytes(avail);
        }
        // SAFETY: reads this thread's last error; no arguments.
        match unsafe { windows_sys::Win32::Foundation::GetLastError() } {
            windows_sys::Win32::Foundation::ERROR_BROKEN_PIPE => Peek::Closed,
            _ => Peek::Unsupported,
        }
    }

    /// The read-ahead of a pipe that cannot be peeked, started by the
    /// first question that needs it (`None` if no thread can be started:
    /// reads then block, as before).
    fn ahead(&self) -> Option<&ReadAhead> {
        self.ahead.get_or_init(|| ReadAhead::start(&self.file)).as_ref()
    }

    fn write_console(&self, buf: &[u8]) -> Result<usize> {
        let text: Vec<u16> = String::from_utf8_lossy(buf).encode_utf16().collect();
        let mut done = 0usize;
        while done < text.len() {
            let chunk = &text[done..text.len().min(done + 8192)];
            let mut wrote = 0u32;
            // SAFETY: `chunk` is readable for its length; `wrote` is a live local.
            let ok = unsafe {
                windows_sys::Win32::System::Console::WriteConsoleW(
                    raw(&self.file),
                    chunk.as_ptr().cast(),
                    chunk.len() as u32,
                    &mut wrote,
                    std::ptr::null(),
                )
            };
            if ok == 0 {
                return Err(super::nt::last_error());
            }
            done += (wrote as usize).max(1);
        }
        Ok(buf.len())
    }
}

impl VirtualFile for Stdio {
    fn filetype(&self) -> Filetype {
        match self.kind {
            Kind::Console | Kind::Device => Filetype::CharacterDevice,
            Kind::Pipe => Filetype::Unknown,
            Kind::File => Filetype::RegularFile,
        }
    }

    fn readable(&self) -> bool {
        self.read
    }

    fn writable(&self) -> bool {
        self.write
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
        if let Some(Some(ahead)) = self.ahead.get() {
            return ahead.read(bufs);
        }
        let Some(buf) = bufs.iter_mut().find(|b| !b.is_empty()) else { return Ok(0) };
        match self.file.read(buf) {
            Ok(n) => Ok(Size::try_from(n).unwrap_or(Size::MAX)),
            // The writer closed the pipe: end of file.
            Err(e) if e.raw_os_error() == Some(109) => Ok(0),
            Err(e) => Err(from_io(&e)),
        }
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size> {
        let mut total = 0usize;
        for b in bufs.iter().filter(|b| !b.is_empty()) {
            let n = if self.kind == Kind::Console {
                self.write_console(b)
            } else {
                self.file.write(b).map_err(|e| from_io(&e))
            };
            match n {
                Ok(n) => {
                    total += n;
                    if n < b.len() {
                        break;
                    }
                }
                Err(e) if total == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(Size::try_from(total).unwrap_or(Size::MAX))
    }

    fn seek(&mut self, offset: Filedelta, whence: Whence) -> Result<Filesize> {
        if self.kind == Kind::Device {
            // NUL, as /dev/null: every offset is 0.
            return Ok(0);
        }
        if self.kind != Kind::File {
            return Err(Errno::SPIPE);
        }
        let to = match whence {
            Whence::Set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
            Whence::Cur => SeekFrom::Current(offset),
            Whence::End => SeekFrom::End(offset),
        };
        self.file.seek(to).map_err(|e| from_io(&e))
    }

    fn filestat(&mut self) -> Result<Filestat> {
        if self.kind == Kind::File {
            return super::hostfs::stat_of(self.file.as_handle(), Filetype::RegularFile);
        }
        Ok(plain_stat(self.filetype(), 0))
    }

    /// The embedder's file is resized only through a handle that writes
    /// anywhere (`EBADF` for one that reads or appends only, as on Unix).
    fn set_size(&mut self, size: Filesize) -> Result<()> {
        match self.kind {
            Kind::File if self.write && !self.append => super::nt::set_size(self.file.as_handle(), size),
            Kind::File => Err(Errno::BADF),
            _ => Err(Errno::INVAL),
        }
    }

    /// The embedder's file has its times set only through a handle that
    /// writes (`EBADF` for a read-only one, as on Unix).
    fn set_times(&mut self, atim: Timestamp, mtim: Timestamp, flags: Fstflags) -> Result<()> {
        match self.kind {
            Kind::File if self.write => super::hostfs::set_times_of(self.file.as_handle(), atim, mtim, flags),
            Kind::File => Err(Errno::BADF),
            _ => Err(Errno::PERM),
        }
    }

    fn sync(&mut self) -> Result<()> {
        if self.kind == Kind::File { self.file.sync_all().map_err(|e| from_io(&e)) } else { Ok(()) }
    }

    fn hangup(&self) -> bool {
        if self.kind != Kind::Pipe || self.fd != 0 {
            return false;
        }
        match self.ahead.get() {
            Some(Some(ahead)) => ahead.ended(),
            _ => matches!(self.peek(), Peek::Closed),
        }
    }

    fn ready(&self, write: bool) -> Option<Filesize> {
        if write || self.fd != 0 {
            return Some(0);
        }
        match self.kind {
            Kind::Pipe => {
                if let Some(Some(ahead)) = self.ahead.get() {
                    return ahead.ready();
                }
                match self.peek() {
                    Peek::Bytes(0) => None,
                    Peek::Bytes(n) => Some(Filesize::from(n)),
                    // Closed: a read returns end of file at once.
                    Peek::Closed => Some(0),
                    // Reads block, as the guest has not asked otherwise.
                    Peek::Unsupported => self.ahead().map_or(Some(0), ReadAhead::ready),
                }
            }
            Kind::Console => {
                // SAFETY: waits on a valid handle for no time.
                let r = unsafe { windows_sys::Win32::System::Threading::WaitForSingleObject(raw(&self.file), 0) };
                (r == windows_sys::Win32::Foundation::WAIT_OBJECT_0).then_some(0)
            }
            Kind::Device | Kind::File => Some(0),
        }
    }
}

/// Output captured in memory, up to a capacity; the rest is counted.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    pub(crate) bytes: Vec<u8>,
    pub(crate) dropped: u64,
}

/// The write end of a capture, as the guest's stdout or stderr.
#[derive(Debug)]
pub(crate) struct Capture {
    pub(crate) into: Arc<Mutex<Captured>>,
    pub(crate) capacity: usize,
}

impl VirtualFile for Capture {
    fn filetype(&self) -> Filetype {
        Filetype::Unknown
    }

    fn readable(&self) -> bool {
        false
    }

    fn write(&mut self, bufs: &[IoSlice<'_>], _flags: Fdflags) -> Result<Size> {
        let mut c = self.into.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut total = 0usize;
        for b in bufs {
            let room = self.capacity.saturating_sub(c.bytes.len()).min(b.len());
            c.bytes.extend_from_slice(&b[..room]);
            c.dropped += (b.len() - room) as u64;
            total += b.len();
        }
        Ok(Size::try_from(total).unwrap_or(Size::MAX))
    }
}
