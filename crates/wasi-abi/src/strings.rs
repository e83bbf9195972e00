//! `args_get` / `environ_get`: a list of NUL-terminated strings written as
//! an array of guest pointers plus the packed bytes they point into.

use crate::{Errno, GuestMemory, GuestPtr};

/// A list of strings, packed as the guest will see them: each entry
/// followed by a NUL byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StringList<'a> {
    packed: &'a [u8],
    count: u32,
}

impl<'a> StringList<'a> {
    /// Wraps `count` NUL-terminated strings laid end to end.
    #[must_use]
    pub fn new(packed: &'a [u8], count: u32) -> Self {
        debug_assert_eq!(packed.iter().filter(|&&b| b == 0).count(), count as usize);
        StringList { packed, count }
    }

    /// The number of strings.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The bytes of all strings with their terminators.
    #[must_use]
    pub fn packed(&self) -> &'a [u8] {
        self.packed
    }

    /// Each string without its terminator.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> {
        self.packed.split(|&b| b == 0).take(self.count as usize)
    }

    /// Writes the pointer array at `ptrs` and the bytes at `buf`. Both
    /// ranges are checked before anything is written.
    ///
    /// # Errors
    /// [`Errno::INVAL`] if `ptrs` is misaligned, [`Errno::FAULT`] if either
    /// range lies outside memory.
    pub fn encode(&self, mem: &mut GuestMemory<'_>, ptrs: GuestPtr, buf: GuestPtr) -> Result<(), Errno> {
        let ptr_range = mem.check_array(ptrs, self.count, 4, 4)?;
        let len = u32::try_from(self.packed.len()).map_err(|_| Errno::OVERFLOW)?;
        let buf_range = mem.check(buf, len, 1)?;
        let bytes = mem.bytes_mut();
        let mut offset = 0u32;
        let mut slots = bytes[ptr_range].chunks_exact_mut(4);
        for s in self.iter() {
            if let Some(slot) = slots.next() {
                slot.copy_from_slice(&buf.wrapping_add(offset).to_le_bytes());
            }
            offset += s.len() as u32 + 1;
        }
        bytes[buf_range].copy_from_slice(self.packed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_and_bytes() {
        let list = StringList::new(b"a\0bc\0\0", 3);
        assert_eq!(list.iter().collect::<std::vec::Vec<_>>(), [&b"a"[..], b"bc", b""]);
        let mut bytes = [0xEEu8; 32];
        let mut mem = GuestMemory::new(&mut bytes);
        list.encode(&mut mem, 0, 20).unwrap();
        assert_eq!(&bytes[0..12], &[20, 0, 0, 0, 22, 0, 0, 0, 25, 0, 0, 0]);
        assert_eq!(&bytes[12..20], &[0xEE; 8]);
        assert_eq!(&bytes[20..26], b"a\0bc\0\0");
        assert_eq!(&bytes[26..], &[0xEE; 6]);
    }

    #[test]
    fn out_of_bounds_writes_nothing() {
        let list = StringList::new(b"abc\0", 1);
        let mut bytes = [0xEEu8; 16];
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(list.encode(&mut mem, 0, 13), Err(Errno::FAULT));
        assert_eq!(list.encode(&mut mem, 16, 0), Err(Errno::FAULT));
        assert_eq!(list.encode(&mut mem, 2, 0), Err(Errno::INVAL));
        assert_eq!(bytes, [0xEE; 16]);
    }
}
