//! `iovec` / `ciovec` arrays: decoded once, then turned into host slices
//! that point straight into guest memory (no copy, no allocation).
//!
//! Guest memory is untrusted and may alias itself: two iovecs may overlap,
//! and the array may overlap the buffers it describes. The array is decoded
//! into a fixed-size list first; gather (write) slices are shared, so
//! overlap is harmless; scatter (read) slices are exclusive, so only the
//! longest prefix of pairwise-disjoint iovecs is used (a short read, which
//! POSIX allows), carved from memory with `split_at_mut`.

use crate::memory::checked_range;
use crate::{Errno, GuestMemory, GuestPtr, Iovec, Layout};

/// The most iovecs one call uses; further entries are validated but not
/// used (the call transfers less, as `readv`/`writev` may).
pub const MAX_IOVS: usize = 64;

/// A decoded, bounds-checked iovec array (at most `N` entries, by default
/// [`MAX_IOVS`]; a small `N` keeps short lists cheap).
#[derive(Clone, Debug)]
pub struct IovecList<const N: usize = MAX_IOVS> {
    items: [Iovec; N],
    len: usize,
}

impl<const N: usize> IovecList<N> {
    /// Decodes the array of `count` iovecs at `ptr`.
    ///
    /// Every entry is checked, including those past `N`.
    ///
    /// # Errors
    /// [`Errno::INVAL`] if the array is misaligned; [`Errno::FAULT`] if the
    /// array or any buffer lies outside memory (lengths are added in 64 bits,
    /// so `buf + buf_len` never wraps).
    pub fn decode(mem: &GuestMemory<'_>, ptr: GuestPtr, count: u32) -> Result<Self, Errno> {
        let array = mem.check_array(ptr, count, Iovec::SIZE, Iovec::ALIGN)?;
        let bytes = &mem.bytes()[array];
        let mut list = IovecList { items: [Iovec::default(); N], len: 0 };
        for raw in bytes.chunks_exact(Iovec::SIZE as usize) {
            let iov = Iovec::decode(raw)?;
            checked_range(mem.len(), iov.buf, u64::from(iov.buf_len))?;
            if list.len < N {
                list.items[list.len] = iov;
                list.len += 1;
            }
        }
        Ok(list)
    }

    /// The decoded entries (at most `N`).
    #[must_use]
    pub fn as_slice(&self) -> &[Iovec] {
        &self.items[..self.len]
    }

    /// The number of bytes the used entries describe.
    #[must_use]
    pub fn total_len(&self) -> u64 {
        self.as_slice().iter().map(|v| u64::from(v.buf_len)).sum()
    }

    /// Shared slices for a gather (write) operation, in guest order.
    /// Entries may overlap each other freely.
    pub fn shared<'m>(&self, mem: &'m [u8]) -> impl Iterator<Item = &'m [u8]> {
        self.as_slice().iter().map(move |v| {
            let start = v.buf as usize;
            // Checked in `decode` against a memory that cannot have shrunk.
            &mem[start..start + v.buf_len as usize]
        })
    }

    /// Carves exclusive slices for a scatter (read) operation into `out`, in
    /// guest order, and returns how many were placed: the longest prefix of
    /// entries (at most `out.len()`) whose non-empty buffers are pairwise
    /// disjoint.
    pub fn carve<'m>(&self, mem: &'m mut [u8], out: &mut [&'m mut [u8]]) -> usize {
        let items = &self.items[..self.len.min(out.len())];
        // Order the non-empty entries by address: an insertion sort, linear
        // for the ascending lists guests usually pass.
        let mut order = [0u8; N];
        let mut n = sort_by_address(items, &mut order);
        // Disjoint if no entry overlaps the next in address order (the
        // usual case); otherwise take the longest disjoint prefix.
        let k = if order[..n].windows(2).all(|w| !overlaps(items[usize::from(w[0])], items[usize::from(w[1])])) {
            items.len()
        } else {
            let k = disjoint_prefix(items);
            n = sort_by_address(&items[..k], &mut order);
            k
        };
        for (i, v) in items[..k].iter().enumerate() {
            if v.buf_len == 0 {
                out[i] = &mut [];
            }
        }
        // Split memory front to back, handing each range to its slot.
        let mut rest: &'m mut [u8] = mem;
        let mut base = 0usize;
        for &i in &order[..n] {
            let v = items[usize::from(i)];
            let start = v.buf as usize - base;
            let taken = core::mem::take(&mut rest);
            let (_, tail) = taken.split_at_mut(start);
            let (slot, tail) = tail.split_at_mut(v.buf_len as usize);
            out[usize::from(i)] = slot;
            rest = tail;
            base = v.buf as usize + v.buf_len as usize;
        }
        k
    }
}

/// Writes the indices of the non-empty `items` into `order`, sorted by
/// address; returns how many.
fn sort_by_address(items: &[Iovec], order: &mut [u8]) -> usize {
    let mut n = 0;
    for (i, v) in items.iter().enumerate() {
        if v.buf_len == 0 {
            continue;
        }
        let mut j = n;
        while j > 0 && items[usize::from(order[j - 1])].buf > v.buf {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = i as u8;
        n += 1;
    }
    n
}

/// The length of the longest prefix of `items` whose non-empty entries are
/// pairwise disjoint.
fn disjoint_prefix(items: &[Iovec]) -> usize {
    for (k, a) in items.iter().enumerate() {
        if a.buf_len != 0 && items[..k].iter().any(|b| b.buf_len != 0 && overlaps(*a, *b)) {
            return k;
        }
    }
    items.len()
}

fn overlaps(a: Iovec, b: Iovec) -> bool {
    let (a0, a1) = (u64::from(a.buf), u64::from(a.buf) + u64::from(a.buf_len));
    let (b0, b1) = (u64::from(b.buf), u64::from(b.buf) + u64::from(b.buf_len));
    a0 < b1 && b0 < a1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem_with_iovs(iovs: &[(u32, u32)]) -> std::vec::Vec<u8> {
        let mut bytes = std::vec![0u8; 256];
        for (i, (p, l)) in iovs.iter().enumerate() {
            bytes[i * 8..i * 8 + 4].copy_from_slice(&p.to_le_bytes());
            bytes[i * 8 + 4..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn decode_checks_every_entry() {
        let mut bytes = mem_with_iovs(&[(100, 10), (250, 6)]);
        let mem = GuestMemory::new(&mut bytes);
        let list = IovecList::<MAX_IOVS>::decode(&mem, 0, 2).unwrap();
        assert_eq!(list.total_len(), 16);
        let mut bytes = mem_with_iovs(&[(100, 10), (250, 7)]);
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 0, 2).unwrap_err(), Errno::FAULT);
        // A length that would wrap a 32-bit pointer.
        let mut bytes = mem_with_iovs(&[(0xFFFF_FFF0, 0x20)]);
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 0, 1).unwrap_err(), Errno::FAULT);
        // An array that runs past memory, and a count whose byte size
        // overflows u32.
        let mut bytes = mem_with_iovs(&[]);
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 248, 2).unwrap_err(), Errno::FAULT);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 0, 0x2000_0001).unwrap_err(), Errno::FAULT);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 2, 1).unwrap_err(), Errno::INVAL);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 256, 0).unwrap().as_slice().len(), 0);
    }

    #[test]
    fn more_than_max_are_checked_but_not_used() {
        let mut bytes = std::vec![0u8; 1024];
        for i in 0..70 {
            bytes[i * 8 + 4..i * 8 + 8].copy_from_slice(&1u32.to_le_bytes());
        }
        let mem = GuestMemory::new(&mut bytes);
        let list = IovecList::<MAX_IOVS>::decode(&mem, 0, 70).unwrap();
        assert_eq!(list.as_slice().len(), MAX_IOVS);
        // The 70th entry out of bounds is still an error.
        bytes[69 * 8..69 * 8 + 4].copy_from_slice(&2000u32.to_le_bytes());
        let mem = GuestMemory::new(&mut bytes);
        assert_eq!(IovecList::<MAX_IOVS>::decode(&mem, 0, 70).unwrap_err(), Errno::FAULT);
    }

    #[test]
    fn carve_disjoint_in_guest_order() {
        let mut bytes = mem_with_iovs(&[(200, 8), (100, 4), (0, 0), (150, 2)]);
        let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, 4).unwrap();
        let mut out: [&mut [u8]; 4] = Default::default();
        assert_eq!(list.carve(&mut bytes, &mut out), 4);
        assert_eq!(out.iter().map(|s| s.len()).collect::<std::vec::Vec<_>>(), [8, 4, 0, 2]);
        out[0].fill(1);
        out[1].fill(2);
        out[3].fill(3);
        assert_eq!(&bytes[200..208], &[1; 8]);
        assert_eq!(&bytes[100..104], &[2; 4]);
        assert_eq!(&bytes[150..152], &[3; 2]);
        assert_eq!(bytes[208], 0);
        assert_eq!(bytes[104], 0);
    }

    #[test]
    fn carve_stops_at_the_first_overlap() {
        let mut bytes = mem_with_iovs(&[(100, 8), (120, 4), (104, 8), (200, 4)]);
        let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, 4).unwrap();
        let mut out: [&mut [u8]; 4] = Default::default();
        assert_eq!(list.carve(&mut bytes, &mut out), 2);
        // Identical ranges overlap too.
        let mut bytes = mem_with_iovs(&[(100, 8), (100, 8)]);
        let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, 2).unwrap();
        let mut out: [&mut [u8]; 2] = Default::default();
        assert_eq!(list.carve(&mut bytes, &mut out), 1);
        // Adjacent ranges do not.
        let mut bytes = mem_with_iovs(&[(108, 8), (100, 8)]);
        let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, 2).unwrap();
        let mut out: [&mut [u8]; 2] = Default::default();
        assert_eq!(list.carve(&mut bytes, &mut out), 2);
    }

    #[test]
    fn carve_respects_out_capacity() {
        let mut bytes = mem_with_iovs(&[(100, 1), (101, 1), (102, 1)]);
        let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, 3).unwrap();
        let mut out: [&mut [u8]; 2] = Default::default();
        assert_eq!(list.carve(&mut bytes, &mut out), 2);
    }
}
