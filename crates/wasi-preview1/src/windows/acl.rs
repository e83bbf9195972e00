//! Files only their owner may open: what mode 0600 is on Unix, as an
//! access control list granting this process's user alone read, write and
//! delete, protected from its directory's inherited entries.
#![allow(unsafe_code)]

use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::path::Path;
use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::Authorization::{SE_FILE_OBJECT, SetSecurityInfo};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, AddAccessAllowedAce, DACL_SECURITY_INFORMATION, GetLengthSid,
    GetTokenInformation, InitializeAcl, InitializeSecurityDescriptor, PROTECTED_DACL_SECURITY_INFORMATION,
    SE_DACL_PROTECTED, SECURITY_ATTRIBUTES, SECURITY_DESCRIPTOR, SetSecurityDescriptorControl,
    SetSecurityDescriptorDacl, TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_ALWAYS, CreateFileW, DELETE, FILE_ATTRIBUTE_NORMAL, FILE_GENERIC_READ, FILE_GENERIC_WRITE,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, READ_CONTROL, WRITE_DAC,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `SECURITY_DESCRIPTOR_REVISION`.
const SD_REVISION: u32 = 1;

fn check(ok: i32) -> io::Result<()> {
    if ok != 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// An ACL with one entry: this process's user may read, write and delete.
/// Both buffers are `u64`s, aligned for the structures they hold.
struct OwnerOnly {
    _user: Vec<u64>,
    acl: Vec<u64>,
}

impl OwnerOnly {
    fn new() -> io::Result<Self> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: `token` is a live local the call fills with a new handle.
        check(unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) })?;
        // SAFETY: the handle was just opened and is owned here alone.
        let token = unsafe { OwnedHandle::from_raw_handle(token) };
        let mut len = 0u32;
        // SAFETY: a size query: no buffer, `len` a live local.
        unsafe { GetTokenInformation(token.as_raw_handle(), TokenUser, std::ptr::null_mut(), 0, &mut len) };
        if (len as usize) < std::mem::size_of::<TOKEN_USER>() {
            return Err(io::Error::last_os_error());
        }
        let mut user = vec![0u64; (len as usize).div_ceil(8)];
        // SAFETY: `user` is writable for `len` bytes (rounded up).
        check(unsafe {
            GetTokenInformation(token.as_raw_handle(), TokenUser, user.as_mut_ptr().cast(), len, &mut len)
        })?;
        // SAFETY: the call wrote a TOKEN_USER at the start of the aligned
        // buffer; its SID points into the same buffer, which lives in `Self`.
        let sid = unsafe { (*user.as_ptr().cast::<TOKEN_USER>()).User.Sid };
        // SAFETY: a valid SID from the token.
        let sid_len = unsafe { GetLengthSid(sid) } as usize;
        let acl_len = std::mem::size_of::<ACL>() + std::mem::size_of::<ACCESS_ALLOWED_ACE>() + sid_len;
        let mut acl = vec![0u64; acl_len.div_ceil(8)];
        let acl_ptr = acl.as_mut_ptr().cast::<ACL>();
        // SAFETY: `acl` is writable for `acl_len` bytes, aligned for an ACL.
        check(unsafe { InitializeAcl(acl_ptr, acl_len as u32, ACL_REVISION) })?;
        let rights = FILE_GENERIC_READ | FILE_GENERIC_WRITE | DELETE;
        // SAFETY: an initialised ACL with room for one entry of this SID.
        check(unsafe { AddAccessAllowedAce(acl_ptr, ACL_REVISION, rights, sid) })?;
        Ok(OwnerOnly { _user: user, acl })
    }

    fn acl(&self) -> *const ACL {
        self.acl.as_ptr().cast()
    }
}

/// Creates `path`, or truncates it, opened to write: a file made by the
/// call is readable and writable by this user alone, and a file that
/// existed before is given the same list in place of what it had (as
/// `chmod 600`).
///
/// # Errors
/// The open's error, or the system's if the list cannot be made or set.
pub fn create_owner_only(path: &Path) -> io::Result<std::fs::File> {
    let owner = OwnerOnly::new()?;
    // SAFETY: an all-zero SECURITY_DESCRIPTOR is what Initialize fills in.
    let mut sd: SECURITY_DESCRIPTOR = unsafe { std::mem::zeroed() };
    let psd = (&raw mut sd).cast();
    // SAFETY: `sd` is a live, writable descriptor; the ACL outlives every
    // use of it (it lives in `owner` until the end of this function).
    unsafe {
        check(InitializeSecurityDescriptor(psd, SD_REVISION))?;
        check(SetSecurityDescriptorDacl(psd, 1, owner.acl(), 0))?;
        check(SetSecurityDescriptorControl(psd, SE_DACL_PROTECTED, SE_DACL_PROTECTED))?;
    }
    let sa = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: psd,
        bInheritHandle: 0,
    };
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
    // SAFETY: `wide` is NUL-terminated; `sa` and the descriptor it points
    // to are live locals.
    let h = unsafe {
        CreateFileW(
            wide.as_ptr(),
            FILE_GENERIC_WRITE | WRITE_DAC | READ_CONTROL,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            &sa,
            CREATE_ALWAYS,
            FILE_ATTRIBUTE_NORMAL,
            std::ptr::null_mut(),
        )
    };
    if h == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a handle just opened, owned here alone.
    let file = std::fs::File::from(unsafe { OwnedHandle::from_raw_handle(h) });
    // SAFETY: a live file handle; the ACL is valid for the call.
    let r = unsafe {
        SetSecurityInfo(
            file.as_raw_handle(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            owner.acl(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r as i32));
    }
    Ok(file)
}
