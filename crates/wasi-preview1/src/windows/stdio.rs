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
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::sync::{Arc, Mutex};
use wasi_abi::{Errno, Fdflags, Filedelta, Filesize, Filestat, Filetype, Size, Whence};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Storage::FileSystem::{FILE_TYPE_CHAR, FILE_TYPE_DISK, FILE_TYPE_PIPE, GetFileType};

/// What a stdio handle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Console,
    /// A character device that is no console (`NUL`).
    Device,
    Pipe,
    File,
}

/// One of the guest's stdio handles.
#[derive(Debug)]
pub(crate) struct Stdio {
    file: std::fs::File,
    kind: Kind,
    fd: u32,
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
        Stdio { file, kind, fd }
    }

    /// Whether this is a character device that is no console (`NUL`).
    pub(crate) fn is_device(&self) -> bool {
        self.kind == Kind::Device
    }

    /// Bytes waiting in a pipe (`None`: the pipe is closed at the far end).
    fn pipe_bytes(&self) -> Option<u32> {
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
        (ok != 0).then_some(avail)
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
        self.fd == 0 || self.kind == Kind::File
    }

    fn writable(&self) -> bool {
        self.fd != 0 || self.kind == Kind::File
    }

    fn read(&mut self, bufs: &mut [IoSliceMut<'_>]) -> Result<Size> {
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
        let size = if self.kind == Kind::File { self.file.metadata().map_or(0, |m| m.len()) } else { 0 };
        Ok(plain_stat(self.filetype(), size))
    }

    fn sync(&mut self) -> Result<()> {
        if self.kind == Kind::File { self.file.sync_all().map_err(|e| from_io(&e)) } else { Ok(()) }
    }

    fn ready(&self, write: bool) -> Option<Filesize> {
        if write || self.fd != 0 {
            return Some(0);
        }
        match self.kind {
            Kind::Pipe => match self.pipe_bytes() {
                Some(0) => None,
                Some(n) => Some(Filesize::from(n)),
                // Closed: a read returns end of file at once.
                None => Some(0),
            },
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
