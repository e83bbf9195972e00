//! A bounds-checked view over a guest's linear memory.
//!
//! Every guest pointer is a `u32`; every range is computed in `u64`, so
//! `ptr + len` can never overflow. The decision, applied everywhere:
//!
//! - a range that does not lie wholly inside memory is [`Errno::FAULT`];
//! - a pointer to a structure or integer that is not aligned as the spec lays
//!   the type out is [`Errno::INVAL`];
//! - a string that is not UTF-8 is [`Errno::ILSEQ`].
//!
//! None of them traps: the guest gets the errno and goes on.

use crate::Errno;
use core::ops::Range;

/// A guest pointer.
pub type GuestPtr = u32;

/// A view over linear memory. It borrows the bytes exclusively for the length
/// of one host call, so their size cannot change under it.
#[derive(Debug)]
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// Validates `[ptr, ptr + len)` against a memory of `mem_len` bytes.
///
/// # Errors
/// [`Errno::FAULT`] when the range does not fit.
#[inline]
pub fn checked_range(mem_len: usize, ptr: GuestPtr, len: u64) -> Result<Range<usize>, Errno> {
    let start = u64::from(ptr);
    let end = start.checked_add(len).ok_or(Errno::FAULT)?;
    if end > mem_len as u64 {
        return Err(Errno::FAULT);
    }
    Ok(start as usize..end as usize)
}

macro_rules! scalar_access {
    ($($read:ident, $write:ident, $t:ty;)*) => {$(
        #[doc = concat!("Reads a little-endian `", stringify!($t), "` at an aligned `ptr`.")]
        ///
        /// # Errors
        /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
        #[inline]
        pub fn $read(&self, ptr: GuestPtr) -> Result<$t, Errno> {
            const N: usize = core::mem::size_of::<$t>();
            let r = self.check(ptr, N as u32, N as u32)?;
            let mut raw = [0u8; N];
            raw.copy_from_slice(&self.bytes[r]);
            Ok(<$t>::from_le_bytes(raw))
        }

        #[doc = concat!("Writes a little-endian `", stringify!($t), "` at an aligned `ptr`.")]
        ///
        /// # Errors
        /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
        #[inline]
        pub fn $write(&mut self, ptr: GuestPtr, value: $t) -> Result<(), Errno> {
            const N: usize = core::mem::size_of::<$t>();
            let r = self.check(ptr, N as u32, N as u32)?;
            self.bytes[r].copy_from_slice(&value.to_le_bytes());
            Ok(())
        }
    )*};
}

impl<'a> GuestMemory<'a> {
    /// Wraps the bytes of a linear memory.
    #[inline]
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    /// The size of memory in bytes.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether memory has no bytes at all.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// All of memory, shared.
    #[inline]
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// All of memory, exclusive.
    #[inline]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }

    /// Gives the whole borrow back, for codecs that carve it up.
    #[inline]
    #[must_use]
    pub fn into_bytes(self) -> &'a mut [u8] {
        self.bytes
    }

    /// Checks that `size` bytes at `ptr` lie in memory and that `ptr` is a
    /// multiple of `align` (a power of two).
    ///
    /// # Errors
    /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn check(&self, ptr: GuestPtr, size: u32, align: u32) -> Result<Range<usize>, Errno> {
        debug_assert!(align.is_power_of_two());
        if ptr & (align - 1) != 0 {
            return Err(Errno::INVAL);
        }
        checked_range(self.bytes.len(), ptr, u64::from(size))
    }

    /// Checks that an array of `count` elements of `size` bytes each, aligned
    /// to `align`, lies in memory. `count * size` is computed without
    /// overflow.
    ///
    /// # Errors
    /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn check_array(&self, ptr: GuestPtr, count: u32, size: u32, align: u32) -> Result<Range<usize>, Errno> {
        if ptr & (align - 1) != 0 {
            return Err(Errno::INVAL);
        }
        checked_range(self.bytes.len(), ptr, u64::from(count) * u64::from(size))
    }

    /// The `len` bytes at `ptr` (byte-aligned), shared.
    ///
    /// # Errors
    /// [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn slice(&self, ptr: GuestPtr, len: u32) -> Result<&[u8], Errno> {
        let r = checked_range(self.bytes.len(), ptr, u64::from(len))?;
        Ok(&self.bytes[r])
    }

    /// The `len` bytes at `ptr` (byte-aligned), exclusive.
    ///
    /// # Errors
    /// [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn slice_mut(&mut self, ptr: GuestPtr, len: u32) -> Result<&mut [u8], Errno> {
        let r = checked_range(self.bytes.len(), ptr, u64::from(len))?;
        Ok(&mut self.bytes[r])
    }

    /// A UTF-8 string of `len` bytes at `ptr`.
    ///
    /// # Errors
    /// [`Errno::FAULT`] if out of bounds, [`Errno::ILSEQ`] if not UTF-8.
    #[inline]
    pub fn str(&self, ptr: GuestPtr, len: u32) -> Result<&str, Errno> {
        core::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::ILSEQ)
    }

    /// A path argument: a UTF-8 string of `len` bytes at `ptr`, refused
    /// before anything looks at it when it is longer than [`MAX_PATH`] (no
    /// host path can be, so no host work is done for it).
    ///
    /// # Errors
    /// [`Errno::NAMETOOLONG`] past [`MAX_PATH`]; otherwise as [`Self::str`].
    #[inline]
    pub fn path(&self, ptr: GuestPtr, len: u32) -> Result<&str, Errno> {
        if len as usize > MAX_PATH {
            // Still a fault if the range is not memory at all.
            self.check(ptr, len, 1)?;
            return Err(Errno::NAMETOOLONG);
        }
        self.str(ptr, len)
    }

    scalar_access! {
        read_u8, write_u8, u8;
        read_u16, write_u16, u16;
        read_u32, write_u32, u32;
        read_u64, write_u64, u64;
    }

    /// Reads a structure laid out as the spec says.
    ///
    /// # Errors
    /// As [`Layout::decode`], after the range and alignment checks.
    #[inline]
    pub fn read<T: Layout>(&self, ptr: GuestPtr) -> Result<T, Errno> {
        let r = self.check(ptr, T::SIZE, T::ALIGN)?;
        T::decode(&self.bytes[r])
    }

    /// Writes a structure laid out as the spec says. Padding bytes are
    /// written as zero; no byte outside the structure is touched.
    ///
    /// # Errors
    /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn write<T: Layout>(&mut self, ptr: GuestPtr, value: &T) -> Result<(), Errno> {
        let r = self.check(ptr, T::SIZE, T::ALIGN)?;
        value.encode(&mut self.bytes[r]);
        Ok(())
    }

    /// The `count` structures of layout `T` at `ptr`, decoded one by one
    /// as the iterator is consumed; the whole array is bounds- and
    /// alignment-checked first.
    ///
    /// # Errors
    /// As [`GuestMemory::check_array`]; each item as [`Layout::decode`].
    pub fn read_array<'m, T: Layout + 'm>(
        &'m self,
        ptr: GuestPtr,
        count: u32,
    ) -> Result<impl ExactSizeIterator<Item = Result<T, Errno>> + 'm, Errno> {
        let range = self.check_array(ptr, count, T::SIZE, T::ALIGN)?;
        Ok(self.bytes[range].chunks_exact(T::SIZE as usize).map(T::decode))
    }

    /// Validates, before any side effect, that a result of type `T` can be
    /// written at `ptr` later.
    ///
    /// # Errors
    /// [`Errno::INVAL`] if misaligned, [`Errno::FAULT`] if out of bounds.
    #[inline]
    pub fn check_out<T: Layout>(&self, ptr: GuestPtr) -> Result<(), Errno> {
        self.check(ptr, T::SIZE, T::ALIGN).map(drop)
    }
}

/// The longest path a guest may pass (Linux's `PATH_MAX`, the longest path
/// its system calls take): longer ones are [`Errno::NAMETOOLONG`] before any
/// host work, so what the host does per path is bounded by this whatever
/// the guest sends.
pub const MAX_PATH: usize = 4096;

/// A type with the spec's size, alignment and field layout in linear memory.
pub trait Layout: Sized {
    /// Size in bytes.
    const SIZE: u32;
    /// Alignment in bytes.
    const ALIGN: u32;
    /// Decodes from exactly `SIZE` bytes.
    ///
    /// # Errors
    /// [`Errno::INVAL`] for an unknown enumeration value or flag bit.
    fn decode(bytes: &[u8]) -> Result<Self, Errno>;
    /// Encodes into exactly `SIZE` bytes, padding included.
    fn encode(&self, bytes: &mut [u8]);
}

macro_rules! scalar_layout {
    ($($t:ty),*) => {$(
        impl Layout for $t {
            const SIZE: u32 = core::mem::size_of::<$t>() as u32;
            const ALIGN: u32 = core::mem::size_of::<$t>() as u32;
            #[inline]
            fn decode(bytes: &[u8]) -> Result<Self, Errno> {
                Ok(<$t>::from_le_bytes(bytes.try_into().map_err(|_| Errno::FAULT)?))
            }
            #[inline]
            fn encode(&self, bytes: &mut [u8]) {
                bytes.copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
scalar_layout!(u8, u16, u32, u64, i64);

/// Little-endian field access inside a structure's bytes (offsets are
/// constants checked by the layout tests, so indexing cannot fail).
pub(crate) mod field {
    #[inline]
    pub(crate) fn u8_at(b: &[u8], off: usize) -> u8 {
        b[off]
    }
    #[inline]
    pub(crate) fn u16_at(b: &[u8], off: usize) -> u16 {
        u16::from_le_bytes([b[off], b[off + 1]])
    }
    #[inline]
    pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
        let mut r = [0; 4];
        r.copy_from_slice(&b[off..off + 4]);
        u32::from_le_bytes(r)
    }
    #[inline]
    pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
        let mut r = [0; 8];
        r.copy_from_slice(&b[off..off + 8]);
        u64::from_le_bytes(r)
    }
    #[inline]
    pub(crate) fn put_u16(b: &mut [u8], off: usize, v: u16) {
        b[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub(crate) fn put_u32(b: &mut [u8], off: usize, v: u32) {
        b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub(crate) fn put_u64(b: &mut [u8], off: usize, v: u64) {
        b[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_never_overflow() {
        assert_eq!(checked_range(16, 0, 16), Ok(0..16));
        assert_eq!(checked_range(16, 16, 0), Ok(16..16));
        assert_eq!(checked_range(16, 17, 0), Err(Errno::FAULT));
        assert_eq!(checked_range(16, 15, 2), Err(Errno::FAULT));
        assert_eq!(checked_range(16, u32::MAX, u64::from(u32::MAX)), Err(Errno::FAULT));
        assert_eq!(checked_range(usize::MAX, u32::MAX, u64::MAX), Err(Errno::FAULT));
    }

    #[test]
    fn scalars_at_the_edge() {
        let mut bytes = [0xAAu8; 16];
        let mut m = GuestMemory::new(&mut bytes);
        m.write_u64(8, 0x0102_0304_0506_0708).unwrap();
        assert_eq!(m.read_u64(8), Ok(0x0102_0304_0506_0708));
        assert_eq!(m.read_u64(16), Err(Errno::FAULT));
        assert_eq!(m.read_u32(12), Ok(0x0102_0304));
        assert_eq!(m.read_u32(13), Err(Errno::INVAL));
        assert_eq!(m.write_u16(15, 1), Err(Errno::INVAL));
        assert_eq!(m.write_u8(15, 1), Ok(()));
        assert_eq!(m.write_u8(16, 1), Err(Errno::FAULT));
        assert_eq!(m.check_array(0, u32::MAX, 48, 8), Err(Errno::FAULT));
        assert_eq!(m.check_array(8, 1, 8, 8), Ok(8..16));
        assert_eq!(m.check_array(8, 2, 8, 8), Err(Errno::FAULT));
        let _ = m;
        assert_eq!(&bytes[..8], &[0xAA; 8]);
        assert_eq!(bytes[15], 1);
    }

    #[test]
    fn strings() {
        let mut bytes = *b"abc\xff";
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(m.str(0, 3), Ok("abc"));
        assert_eq!(m.str(0, 4), Err(Errno::ILSEQ));
        assert_eq!(m.str(2, 3), Err(Errno::FAULT));
    }
}
