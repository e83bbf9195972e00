//! The Windows system calls the host file system needs, each behind a safe
//! function over `OwnedHandle`/`BorrowedHandle`: opening one name beneath
//! a directory handle (`NtCreateFile` with a root directory: the handle,
//! never a path, decides where the name is looked up), querying and
//! setting a file's information, listing a directory, reading and
//! writing at an offset, and reading and making symlinks (reparse points).
//!
//! Every name that reaches [`open_at`] has been checked by
//! [`super::names::to_wide`]: one component, no separator, no stream
//! (`:`), nothing Windows would reinterpret.
#![allow(unsafe_code)]

use super::errno::{from_ntstatus, from_win32};
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use wasi_abi::Errno;
use windows_sys::Wdk::Foundation::OBJECT_ATTRIBUTES;
use windows_sys::Wdk::Storage::FileSystem as nt;
use windows_sys::Win32::Foundation::{HANDLE, NTSTATUS, OBJ_CASE_INSENSITIVE, UNICODE_STRING};
use windows_sys::Win32::Storage::FileSystem as fs;
use windows_sys::Win32::System::IO::IO_STATUS_BLOCK;

/// A result with a preview1 errno.
pub(crate) type Result<T> = core::result::Result<T, Errno>;

/// `FILE_ATTRIBUTE_DIRECTORY`.
pub(crate) const ATTR_DIRECTORY: u32 = fs::FILE_ATTRIBUTE_DIRECTORY;
/// `FILE_ATTRIBUTE_REPARSE_POINT`.
pub(crate) const ATTR_REPARSE_POINT: u32 = fs::FILE_ATTRIBUTE_REPARSE_POINT;
/// `IO_REPARSE_TAG_SYMLINK`.
pub(crate) const TAG_SYMLINK: u32 = 0xA000_000C;
/// `IO_REPARSE_TAG_MOUNT_POINT` (a junction).
pub(crate) const TAG_MOUNT_POINT: u32 = 0xA000_0003;

/// Whether a reparse tag stands for another name (a symlink, a junction,
/// and any other name surrogate): such a point is never followed by the
/// system, only by the sandbox, and only if it is a relative symlink.
pub(crate) fn is_name_surrogate(tag: u32) -> bool {
    tag & 0x2000_0000 != 0
}

fn check(status: NTSTATUS) -> Result<()> {
    if status >= 0 { Ok(()) } else { Err(from_ntstatus(status)) }
}

fn io_status() -> IO_STATUS_BLOCK {
    // SAFETY: IO_STATUS_BLOCK is plain data; all zeroes is a valid value.
    unsafe { std::mem::zeroed() }
}

/// What to do if the name exists or not (`NtCreateFile`'s disposition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Open what is there (`FILE_OPEN`).
    Open,
    /// Make a new one; `EEXIST` if the name is taken (`FILE_CREATE`).
    Create,
}

/// What kind of node to open or make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Whatever is there (no `FILE_DIRECTORY_FILE` or `FILE_NON_DIRECTORY_FILE`).
    Any,
    /// A directory (`FILE_DIRECTORY_FILE`).
    Directory,
    /// Anything but a directory (`FILE_NON_DIRECTORY_FILE`).
    NotDirectory,
}

/// The access an open asks for.
pub(crate) mod access {
    use windows_sys::Win32::Storage::FileSystem as fs;
    /// Enough to query a node and use it as a root directory.
    pub(crate) const LOOK: u32 = fs::FILE_READ_ATTRIBUTES | fs::SYNCHRONIZE;
    /// Read a file's data or list a directory.
    pub(crate) const READ: u32 = fs::FILE_READ_DATA | fs::FILE_READ_EA;
    /// Write a file's data.
    pub(crate) const WRITE: u32 = fs::FILE_WRITE_DATA | fs::FILE_APPEND_DATA | fs::FILE_WRITE_EA;
    /// Set times and attributes.
    pub(crate) const ATTRIBUTES: u32 = fs::FILE_WRITE_ATTRIBUTES;
    /// Rename, link or delete the node.
    pub(crate) const DELETE: u32 = fs::DELETE;
}

/// Opens `name` (one component, as UTF-16) beneath the directory `dir`,
/// or reopens `dir` itself if `name` is empty, never following a reparse
/// point (`FILE_OPEN_REPARSE_POINT`): a symlink or junction is opened as
/// itself. Names are looked up case-insensitively, as Windows programs
/// expect.
pub(crate) fn open_at(
    dir: BorrowedHandle<'_>,
    name: &[u16],
    access: u32,
    disposition: Disposition,
    shape: Shape,
) -> Result<OwnedHandle> {
    let bytes = u16::try_from(name.len() * 2).map_err(|_| Errno::NAMETOOLONG)?;
    let uname = UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: name.as_ptr().cast_mut() };
    let attrs = OBJECT_ATTRIBUTES {
        Length: std::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
        RootDirectory: dir.as_raw_handle() as HANDLE,
        ObjectName: &uname,
        Attributes: OBJ_CASE_INSENSITIVE,
        SecurityDescriptor: std::ptr::null(),
        SecurityQualityOfService: std::ptr::null(),
    };
    let mut options = nt::FILE_OPEN_REPARSE_POINT | nt::FILE_SYNCHRONOUS_IO_NONALERT | nt::FILE_OPEN_FOR_BACKUP_INTENT;
    options |= match shape {
        Shape::Any => 0,
        Shape::Directory => nt::FILE_DIRECTORY_FILE,
        Shape::NotDirectory => nt::FILE_NON_DIRECTORY_FILE,
    };
    let disposition = match disposition {
        Disposition::Open => nt::FILE_OPEN,
        Disposition::Create => nt::FILE_CREATE,
    };
    let mut handle: HANDLE = std::ptr::null_mut();
    let mut iosb = io_status();
    // SAFETY: every pointer is to a live local (the name outlives the
    // call); the handle is written only on success.
    let status = unsafe {
        nt::NtCreateFile(
            &mut handle,
            access | fs::SYNCHRONIZE,
            &attrs,
            &mut iosb,
            std::ptr::null(),
            fs::FILE_ATTRIBUTE_NORMAL,
            fs::FILE_SHARE_READ | fs::FILE_SHARE_WRITE | fs::FILE_SHARE_DELETE,
            disposition,
            options,
            std::ptr::null(),
            0,
        )
    };
    check(status)?;
    // SAFETY: NtCreateFile succeeded, so `handle` is a new handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(handle as _) })
}

fn query<T>(h: BorrowedHandle<'_>, class: nt::FILE_INFORMATION_CLASS) -> Result<T> {
    let mut out = std::mem::MaybeUninit::<T>::zeroed();
    let mut iosb = io_status();
    // SAFETY: `out` is a writable buffer of the size passed; the classes
    // used here are fixed-size structures of type T.
    let status = unsafe {
        nt::NtQueryInformationFile(
            h.as_raw_handle() as HANDLE,
            &mut iosb,
            out.as_mut_ptr().cast(),
            std::mem::size_of::<T>() as u32,
            class,
        )
    };
    check(status)?;
    // SAFETY: zero-initialised plain data, filled in by the system.
    Ok(unsafe { out.assume_init() })
}

fn set(h: BorrowedHandle<'_>, class: nt::FILE_INFORMATION_CLASS, info: &[u8]) -> Result<()> {
    let mut iosb = io_status();
    // SAFETY: `info` is a readable buffer of the length passed, laid out
    // as `class` requires (the callers build it so).
    let status = unsafe {
        nt::NtSetInformationFile(h.as_raw_handle() as HANDLE, &mut iosb, info.as_ptr().cast(), info.len() as u32, class)
    };
    check(status)
}

/// A node's attributes and reparse tag (0 if it is no reparse point).
pub(crate) fn attribute_tag(h: BorrowedHandle<'_>) -> Result<(u32, u32)> {
    let info: fs::FILE_ATTRIBUTE_TAG_INFO = query(h, nt::FileAttributeTagInformation)?;
    let tag = if info.FileAttributes & ATTR_REPARSE_POINT != 0 { info.ReparseTag } else { 0 };
    Ok((info.FileAttributes, tag))
}

/// What `fd_filestat_get` needs of a node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Info {
    pub(crate) volume: u32,
    pub(crate) index: u64,
    pub(crate) links: u32,
    pub(crate) size: u64,
    /// Times as 100 ns ticks since 1601.
    pub(crate) access: i64,
    pub(crate) write: i64,
    pub(crate) change: i64,
}

/// A node's identity, size, link count, attributes and times.
pub(crate) fn info(h: BorrowedHandle<'_>) -> Result<Info> {
    let basic: nt::FILE_BASIC_INFORMATION = query(h, nt::FileBasicInformation)?;
    let mut by = std::mem::MaybeUninit::<fs::BY_HANDLE_FILE_INFORMATION>::zeroed();
    // SAFETY: `by` is writable and of the type the call fills in.
    let (volume, index, links, size) =
        if unsafe { fs::GetFileInformationByHandle(h.as_raw_handle() as HANDLE, by.as_mut_ptr()) } != 0 {
            // SAFETY: filled in by the successful call above.
            let by = unsafe { by.assume_init() };
            (
                by.dwVolumeSerialNumber,
                (u64::from(by.nFileIndexHigh) << 32) | u64::from(by.nFileIndexLow),
                by.nNumberOfLinks,
                (u64::from(by.nFileSizeHigh) << 32) | u64::from(by.nFileSizeLow),
            )
        } else {
            // A handle the Win32 call refuses (Wine's handles on files a
            // Unix parent opened, as stdio): the NT classes, without the
            // volume's serial number.
            let standard: nt::FILE_STANDARD_INFORMATION = query(h, nt::FileStandardInformation)?;
            let internal: nt::FILE_INTERNAL_INFORMATION = query(h, nt::FileInternalInformation)?;
            (0, internal.IndexNumber as u64, standard.NumberOfLinks, u64::try_from(standard.EndOfFile).unwrap_or(0))
        };
    Ok(Info {
        volume,
        index,
        links,
        size,
        access: basic.LastAccessTime,
        write: basic.LastWriteTime,
        change: basic.ChangeTime,
    })
}

/// Whether two handles are open on one node (volume and file index).
pub(crate) fn same_node(a: BorrowedHandle<'_>, b: BorrowedHandle<'_>) -> Result<bool> {
    let (a, b) = (info(a)?, info(b)?);
    Ok((a.volume, a.index) == (b.volume, b.index))
}

/// The access a handle was opened with (`FILE_READ_DATA`, ...).
pub(crate) fn granted_access(h: BorrowedHandle<'_>) -> Result<u32> {
    let info: nt::FILE_ACCESS_INFORMATION = query(h, nt::FileAccessInformation)?;
    Ok(info.AccessFlags)
}

/// Sets a node's last access and write times (100 ns ticks since 1601;
/// `None` leaves one as it is).
pub(crate) fn set_times(h: BorrowedHandle<'_>, access: Option<i64>, write: Option<i64>) -> Result<()> {
    // FILE_BASIC_INFORMATION: four times, then the attributes (0: unchanged).
    let mut info = [0u8; std::mem::size_of::<nt::FILE_BASIC_INFORMATION>()];
    info[8..16].copy_from_slice(&access.unwrap_or(0).to_le_bytes());
    info[16..24].copy_from_slice(&write.unwrap_or(0).to_le_bytes());
    set(h, nt::FileBasicInformation, &info)
}

/// Sets a file's size.
pub(crate) fn set_size(h: BorrowedHandle<'_>, size: u64) -> Result<()> {
    let size = i64::try_from(size).map_err(|_| Errno::FBIG)?;
    set(h, nt::FileEndOfFileInformation, &size.to_le_bytes())
}

/// Removes the name `h` was opened by (the node goes when its last name
/// and handle do): at once, POSIX-style, where the file system can, else
/// when the last handle closes.
pub(crate) fn delete(h: BorrowedHandle<'_>) -> Result<()> {
    // FILE_DISPOSITION_DELETE | POSIX_SEMANTICS | IGNORE_READONLY_ATTRIBUTE.
    let flags: u32 = 0x1 | 0x2 | 0x10;
    match set(h, nt::FileDispositionInformationEx, &flags.to_le_bytes()) {
        Err(Errno::INVAL | Errno::NOTSUP | Errno::NOSYS) => set(h, nt::FileDispositionInformation, &[1]),
        r => r,
    }
}

/// Builds a `FILE_RENAME_INFORMATION` / `FILE_LINK_INFORMATION`: replace
/// flag, root directory, name length, name.
fn name_info(replace: bool, dir: BorrowedHandle<'_>, name: &[u16]) -> Vec<u8> {
    let ptr = std::mem::size_of::<usize>();
    let mut info = vec![0u8; 2 * ptr + 4];
    info[0] = u8::from(replace);
    info[ptr..2 * ptr].copy_from_slice(&(dir.as_raw_handle() as usize).to_ne_bytes());
    info[2 * ptr..2 * ptr + 4].copy_from_slice(&((name.len() * 2) as u32).to_ne_bytes());
    for c in name {
        info.extend_from_slice(&c.to_ne_bytes());
    }
    // The structure's size is at least its declared one.
    info.resize(info.len().max(3 * ptr + 2), 0);
    info
}

/// Moves the node `h` to `name` in the directory `dir`, replacing a
/// non-directory there if `replace`.
pub(crate) fn rename(h: BorrowedHandle<'_>, dir: BorrowedHandle<'_>, name: &[u16], replace: bool) -> Result<()> {
    set(h, nt::FileRenameInformation, &name_info(replace, dir, name))
}

/// Gives the file `h` a second name, `name` in the directory `dir`.
pub(crate) fn link(h: BorrowedHandle<'_>, dir: BorrowedHandle<'_>, name: &[u16]) -> Result<()> {
    set(h, nt::FileLinkInformation, &name_info(false, dir, name))
}

/// Reads at `offset` into `buf`: the bytes read (0 at or past the end).
pub(crate) fn read_at(h: BorrowedHandle<'_>, buf: &mut [u8], offset: u64) -> Result<usize> {
    let offset = i64::try_from(offset).map_err(|_| Errno::INVAL)?;
    let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
    let mut iosb = io_status();
    // SAFETY: `buf` is writable for `len` bytes; the handle is synchronous,
    // so the call completes before it returns.
    let status = unsafe {
        nt::NtReadFile(
            h.as_raw_handle() as HANDLE,
            std::ptr::null_mut(),
            None,
            std::ptr::null(),
            &mut iosb,
            buf.as_mut_ptr().cast(),
            len,
            &offset,
            std::ptr::null(),
        )
    };
    if status == STATUS_END_OF_FILE {
        return Ok(0);
    }
    check(status)?;
    Ok(iosb.Information)
}

const STATUS_END_OF_FILE: NTSTATUS = 0xC000_0011_u32 as NTSTATUS;

/// Writes `buf` at `offset`, or at the end of the file for `None` (one
/// atomic append): the bytes written.
pub(crate) fn write_at(h: BorrowedHandle<'_>, buf: &[u8], offset: Option<u64>) -> Result<usize> {
    // FILE_WRITE_TO_END_OF_FILE: the low part all ones, the high part -1.
    let offset = match offset {
        Some(o) => i64::try_from(o).map_err(|_| Errno::FBIG)?,
        None => -1,
    };
    let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
    let mut iosb = io_status();
    // SAFETY: `buf` is readable for `len` bytes; the handle is synchronous.
    let status = unsafe {
        nt::NtWriteFile(
            h.as_raw_handle() as HANDLE,
            std::ptr::null_mut(),
            None,
            std::ptr::null(),
            &mut iosb,
            buf.as_ptr().cast(),
            len,
            &offset,
            std::ptr::null(),
        )
    };
    check(status)?;
    Ok(iosb.Information)
}

/// Flushes a file's data (and metadata) to its device.
pub(crate) fn flush(h: BorrowedHandle<'_>) -> Result<()> {
    // SAFETY: a valid handle; the call reads nothing of ours.
    if unsafe { fs::FlushFileBuffers(h.as_raw_handle() as HANDLE) } == 0 {
        return Err(last_error());
    }
    Ok(())
}

/// One directory entry.
#[derive(Debug, Clone)]
pub(crate) struct DirEntry {
    pub(crate) name: Vec<u16>,
    pub(crate) index: u64,
    pub(crate) attributes: u32,
    pub(crate) tag: u32,
}

/// Lists a directory (`restart`: from its start), appending up to a
/// buffer's worth of entries to `out`: `false` when there are no more.
pub(crate) fn read_dir(h: BorrowedHandle<'_>, restart: bool, out: &mut Vec<DirEntry>) -> Result<bool> {
    // u64s, so the entries (8-byte aligned) are aligned.
    let mut buf = vec![0u64; 8192];
    let mut iosb = io_status();
    // SAFETY: `buf` is writable for its whole size; the handle is
    // synchronous, so the call completes before it returns.
    let status = unsafe {
        nt::NtQueryDirectoryFile(
            h.as_raw_handle() as HANDLE,
            std::ptr::null_mut(),
            None,
            std::ptr::null(),
            &mut iosb,
            buf.as_mut_ptr().cast(),
            (buf.len() * 8) as u32,
            nt::FileIdBothDirectoryInformation,
            false,
            std::ptr::null(),
            restart,
        )
    };
    const STATUS_NO_MORE_FILES: NTSTATUS = 0x8000_0006_u32 as NTSTATUS;
    if status == STATUS_NO_MORE_FILES {
        return Ok(false);
    }
    check(status)?;
    let bytes: &[u8] =
        // SAFETY: viewing the u64 buffer as bytes (same memory, same length in bytes).
        unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), buf.len() * 8) };
    let filled = iosb.Information.min(bytes.len());
    let name_at = std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, FileName);
    let mut at = 0usize;
    loop {
        let entry = bytes.get(at..filled).ok_or(Errno::IO)?;
        if entry.len() < name_at {
            return Err(Errno::IO);
        }
        let u32_at = |o: usize| u32::from_ne_bytes(entry[o..o + 4].try_into().unwrap_or_default());
        let next = u32_at(std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, NextEntryOffset)) as usize;
        let attributes = u32_at(std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, FileAttributes));
        let name_len = u32_at(std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, FileNameLength)) as usize;
        // EaSize holds the reparse tag for a reparse point.
        let ea = u32_at(std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, EaSize));
        let id_at = std::mem::offset_of!(nt::FILE_ID_BOTH_DIR_INFORMATION, FileId);
        let index = u64::from_ne_bytes(entry[id_at..id_at + 8].try_into().unwrap_or_default());
        let raw = entry.get(name_at..name_at + name_len).ok_or(Errno::IO)?;
        let name = raw.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect();
        let tag = if attributes & ATTR_REPARSE_POINT != 0 { ea } else { 0 };
        out.push(DirEntry { name, index, attributes, tag });
        if next == 0 {
            return Ok(true);
        }
        at += next;
    }
}

/// A symlink's target as stored, and whether it is relative.
pub(crate) fn read_link(h: BorrowedHandle<'_>) -> Result<(Vec<u16>, bool)> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0u32;
    // SAFETY: `buf` is writable for its length; no overlapped I/O.
    let ok = unsafe {
        windows_sys::Win32::System::IO::DeviceIoControl(
            h.as_raw_handle() as HANDLE,
            windows_sys::Win32::System::Ioctl::FSCTL_GET_REPARSE_POINT,
            std::ptr::null(),
            0,
            buf.as_mut_ptr().cast(),
            buf.len() as u32,
            &mut got,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    let data = &buf[..(got as usize).min(buf.len())];
    let u16_at = |o: usize| data.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |o: usize| data.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let tag = u32_at(0).ok_or(Errno::IO)?;
    // Header: tag, data length, reserved (8 bytes), then the four name
    // offsets and lengths; a symlink has a flags word after them.
    let (path_at, relative) = match tag {
        TAG_SYMLINK => (20, u32_at(16).ok_or(Errno::IO)? & 1 != 0),
        TAG_MOUNT_POINT => (16, false),
        _ => return Err(Errno::INVAL),
    };
    // The print name, else the substitute name.
    let (off, len) = match (u16_at(12), u16_at(14)) {
        (Some(o), Some(l)) if l > 0 => (o, l),
        _ => (u16_at(8).ok_or(Errno::IO)?, u16_at(10).ok_or(Errno::IO)?),
    };
    let raw = data.get(path_at + off..path_at + off + len).ok_or(Errno::IO)?;
    Ok((raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect(), relative))
}

/// Makes the empty file or directory `h` a relative symlink to `target`
/// (UTF-16, `\`-separated).
pub(crate) fn make_link(h: BorrowedHandle<'_>, target: &[u16]) -> Result<()> {
    let name_bytes = target.len() * 2;
    let n = u16::try_from(name_bytes).map_err(|_| Errno::NAMETOOLONG)?;
    // Substitute name then print name, both the target.
    let data_len = u16::try_from(12 + 2 * name_bytes).map_err(|_| Errno::NAMETOOLONG)?;
    let mut buf = Vec::with_capacity(8 + usize::from(data_len));
    buf.extend_from_slice(&TAG_SYMLINK.to_le_bytes());
    buf.extend_from_slice(&data_len.to_le_bytes());
    buf.extend_from_slice(&0u16.to_le_bytes());
    buf.extend_from_slice(&0u16.to_le_bytes()); // substitute name offset
    buf.extend_from_slice(&n.to_le_bytes());
    buf.extend_from_slice(&n.to_le_bytes()); // print name offset
    buf.extend_from_slice(&n.to_le_bytes());
    buf.extend_from_slice(&1u32.to_le_bytes()); // SYMLINK_FLAG_RELATIVE
    for _ in 0..2 {
        for c in target {
            buf.extend_from_slice(&c.to_le_bytes());
        }
    }
    let mut got = 0u32;
    // SAFETY: `buf` is readable for its length; no output; no overlapped I/O.
    let ok = unsafe {
        windows_sys::Win32::System::IO::DeviceIoControl(
            h.as_raw_handle() as HANDLE,
            windows_sys::Win32::System::Ioctl::FSCTL_SET_REPARSE_POINT,
            buf.as_ptr().cast(),
            buf.len() as u32,
            std::ptr::null_mut(),
            0,
            &mut got,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    Ok(())
}

/// The calling thread's last Win32 error, as a preview1 errno.
pub(crate) fn last_error() -> Errno {
    // SAFETY: reads the calling thread's error value.
    from_win32(unsafe { windows_sys::Win32::Foundation::GetLastError() })
}
