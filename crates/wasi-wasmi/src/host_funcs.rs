//! Functions the embedder defines for the guest to import (a game engine's
//! `env.draw(ptr, len)`, a plugin host's `host.log`): [`crate::Run::func`].
//!
//! A host function receives its arguments as [`Val`]s, writes its results,
//! and gets a [`HostCall`] through which it reads and writes the calling
//! instance's linear memory (bounds-checked, or as a slice valid until it
//! returns). It ends the guest by returning an error: `wasmi::Error::i32_exit`
//! to exit with a status, any other error (`wasmi::Error::new("why")`) to
//! trap with that message. A panic inside it is caught and becomes a trap
//! naming the function: it never unwinds through the interpreter.

use std::fmt;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use wasmi::{FuncType, Val};

/// The body of a host function: `(call, arguments, results)`.
pub type HostFn = dyn Fn(&mut HostCall<'_>, &[Val], &mut [Val]) -> Result<(), wasmi::Error> + Send + Sync;

/// What a host function can reach of the guest that called it.
#[derive(Debug)]
pub struct HostCall<'a> {
    memory: &'a mut [u8],
}

impl<'a> HostCall<'a> {
    pub(crate) fn new(memory: &'a mut [u8]) -> Self {
        HostCall { memory }
    }

    /// The guest's whole linear memory (its `memory` export; empty if it
    /// has none), valid until the host function returns.
    pub fn memory(&mut self) -> &mut [u8] {
        self.memory
    }

    /// The `len` bytes at `offset` in the guest's memory.
    ///
    /// # Errors
    /// [`MemoryRange`] if they are not all inside it.
    pub fn slice(&self, offset: u64, len: u64) -> Result<&[u8], MemoryRange> {
        Ok(&self.memory[range(self.memory.len(), offset, len)?])
    }

    /// The `len` bytes at `offset` in the guest's memory, to write.
    ///
    /// # Errors
    /// [`MemoryRange`] if they are not all inside it.
    pub fn slice_mut(&mut self, offset: u64, len: u64) -> Result<&mut [u8], MemoryRange> {
        let r = range(self.memory.len(), offset, len)?;
        Ok(&mut self.memory[r])
    }

    /// Copies `buf.len()` bytes of the guest's memory at `offset` into `buf`.
    ///
    /// # Errors
    /// [`MemoryRange`] if they are not all inside it (nothing is copied).
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), MemoryRange> {
        buf.copy_from_slice(self.slice(offset, buf.len() as u64)?);
        Ok(())
    }

    /// Copies `data` into the guest's memory at `offset`.
    ///
    /// # Errors
    /// [`MemoryRange`] if it does not fit inside it (nothing is copied).
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), MemoryRange> {
        self.slice_mut(offset, data.len() as u64)?.copy_from_slice(data);
        Ok(())
    }
}

/// A range of guest memory that is not all inside it: `len` bytes at
/// `offset`, in a memory of `size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRange {
    /// Where the range starts.
    pub offset: u64,
    /// How long it is.
    pub len: u64,
    /// The size of the guest's memory.
    pub size: u64,
}

impl fmt::Display for MemoryRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bytes {}..{} are outside the guest's memory of {} bytes",
            self.offset,
            u128::from(self.offset) + u128::from(self.len),
            self.size
        )
    }
}

impl std::error::Error for MemoryRange {}

impl From<MemoryRange> for wasmi::Error {
    fn from(e: MemoryRange) -> Self {
        wasmi::Error::new(e.to_string())
    }
}

/// The index range of `len` bytes at `offset` in a memory of `size` bytes.
///
/// # Errors
/// [`MemoryRange`] if they are not all inside it.
pub fn range(size: usize, offset: u64, len: u64) -> Result<Range<usize>, MemoryRange> {
    let bad = MemoryRange { offset, len, size: size as u64 };
    let end = offset.checked_add(len).ok_or(bad)?;
    if end > size as u64 {
        return Err(bad);
    }
    // Both fit in usize: they are at most `size`.
    Ok(offset as usize..end as usize)
}

/// One host function to define: where the guest imports it from, its wasm
/// type and its body.
#[derive(Clone)]
pub(crate) struct HostFunc {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) ty: FuncType,
    pub(crate) body: Arc<HostFn>,
}

impl fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostFunc({}::{}: {:?})", self.module, self.name, self.ty)
    }
}

impl HostFunc {
    /// Calls the body, with a panic inside it turned into a trap.
    pub(crate) fn call(&self, memory: &mut [u8], args: &[Val], results: &mut [Val]) -> Result<(), wasmi::Error> {
        let mut call = HostCall::new(memory);
        match catch_unwind(AssertUnwindSafe(|| (self.body)(&mut call, args, results))) {
            Ok(r) => r,
            Err(_) => Err(wasmi::Error::new(format!("host function {}::{} panicked", self.module, self.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range(10, 2, 8), Ok(2..10));
        assert_eq!(range(10, 10, 0), Ok(10..10));
        let e = range(10, 3, 8).unwrap_err();
        assert_eq!(e.to_string(), "bytes 3..11 are outside the guest's memory of 10 bytes");
        assert!(range(10, u64::MAX, 2).is_err());
        let mut mem = [0u8; 4];
        let mut call = HostCall::new(&mut mem);
        call.write(1, b"ab").unwrap();
        let mut out = [0u8; 2];
        call.read(1, &mut out).unwrap();
        assert_eq!(&out, b"ab");
        assert!(call.write(3, b"ab").is_err());
        assert_eq!(mem, [0, b'a', b'b', 0]);
    }
}
