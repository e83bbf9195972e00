//! Guest buffers as the host's I/O types (the `std` feature): iovec lists
//! as [`IoSlice`]s and [`IoSliceMut`]s pointing straight into guest memory,
//! and `path_readlink`'s path beside its result buffer.
//!
//! One iovec (by far the most common) needs no list; up to 4 use a small
//! one; longer lists use [`MAX_IOVS`] slots, and a call transfers what those
//! hold (as `readv`/`writev` may).

use crate::{Errno, GuestMemory, GuestPtr, Iovec, IovecList, MAX_IOVS, MAX_PATH, checked_range};
use std::borrow::Cow;
use std::io::{IoSlice, IoSliceMut};

impl GuestMemory<'_> {
    /// Runs `f` with the host slices of the gather (write) list of `count`
    /// iovecs at `iovs`, in guest order; entries may overlap freely.
    ///
    /// # Errors
    /// As [`IovecList::decode`].
    #[inline]
    pub fn with_gather<T>(&self, iovs: GuestPtr, count: u32, f: impl FnOnce(&[IoSlice<'_>]) -> T) -> Result<T, Errno> {
        if count == 1 {
            let iov: Iovec = self.read(iovs)?;
            return Ok(f(&[IoSlice::new(self.slice(iov.buf, iov.buf_len)?)]));
        }
        if count <= 4 {
            return Ok(gather(&IovecList::<4>::decode(self, iovs, count)?, self.bytes(), f));
        }
        Ok(gather(&IovecList::<MAX_IOVS>::decode(self, iovs, count)?, self.bytes(), f))
    }

    /// Runs `f` with the host slices of the scatter (read) list of `count`
    /// iovecs at `iovs`: its longest prefix of pairwise-disjoint entries, in
    /// guest order (see [`IovecList::carve`]).
    ///
    /// # Errors
    /// As [`IovecList::decode`].
    #[inline]
    pub fn with_scatter<T>(
        &mut self,
        iovs: GuestPtr,
        count: u32,
        f: impl FnOnce(&mut [IoSliceMut<'_>]) -> T,
    ) -> Result<T, Errno> {
        if count == 1 {
            let iov: Iovec = self.read(iovs)?;
            return Ok(f(&mut [IoSliceMut::new(self.slice_mut(iov.buf, iov.buf_len)?)]));
        }
        if count <= 4 {
            let list = IovecList::<4>::decode(self, iovs, count)?;
            return Ok(scatter(&list, self.bytes_mut(), f));
        }
        let list = IovecList::<MAX_IOVS>::decode(self, iovs, count)?;
        Ok(scatter(&list, self.bytes_mut(), f))
    }

    /// A path (at most [`MAX_PATH`] bytes of UTF-8) and a result buffer at
    /// once, as `path_readlink` takes them: both borrowed in place when they
    /// are disjoint; when the guest overlaps them, the path is copied first
    /// (at most [`MAX_PATH`] bytes), as it was before the call wrote
    /// anything.
    ///
    /// # Errors
    /// [`Errno::FAULT`] if either lies outside memory,
    /// [`Errno::NAMETOOLONG`] past [`MAX_PATH`], [`Errno::ILSEQ`] if the path
    /// is not UTF-8.
    pub fn path_and_buffer(
        &mut self,
        path: GuestPtr,
        path_len: u32,
        buf: GuestPtr,
        buf_len: u32,
    ) -> Result<(Cow<'_, str>, &mut [u8]), Errno> {
        let p = checked_range(self.len(), path, u64::from(path_len))?;
        let b = checked_range(self.len(), buf, u64::from(buf_len))?;
        if p.len() > MAX_PATH {
            return Err(Errno::NAMETOOLONG);
        }
        let bytes = self.bytes_mut();
        if p.end <= b.start {
            let (lo, hi) = bytes.split_at_mut(b.start);
            Ok((Cow::Borrowed(utf8(&lo[p])?), &mut hi[..b.len()]))
        } else if b.end <= p.start {
            let (lo, hi) = bytes.split_at_mut(p.start);
            Ok((Cow::Borrowed(utf8(&hi[..p.len()])?), &mut lo[b]))
        } else {
            let path = utf8(&bytes[p])?.to_owned();
            Ok((Cow::Owned(path), &mut bytes[b]))
        }
    }
}

fn utf8(b: &[u8]) -> Result<&str, Errno> {
    core::str::from_utf8(b).map_err(|_| Errno::ILSEQ)
}

#[inline]
fn gather<const N: usize, T>(list: &IovecList<N>, mem: &[u8], f: impl FnOnce(&[IoSlice<'_>]) -> T) -> T {
    let mut bufs = [IoSlice::new(&[]); N];
    let mut n = 0;
    for (slot, s) in bufs.iter_mut().zip(list.shared(mem)) {
        *slot = IoSlice::new(s);
        n += 1;
    }
    f(&bufs[..n])
}

#[inline]
fn scatter<const N: usize, T>(list: &IovecList<N>, mem: &mut [u8], f: impl FnOnce(&mut [IoSliceMut<'_>]) -> T) -> T {
    let mut slots: [&mut [u8]; N] = core::array::from_fn(|_| &mut [][..]);
    let n = list.carve(mem, &mut slots);
    let mut bufs: [IoSliceMut<'_>; N] = core::array::from_fn(|i| IoSliceMut::new(core::mem::take(&mut slots[i])));
    f(&mut bufs[..n])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    fn put_iov(mem: &mut [u8], at: usize, buf: u32, len: u32) {
        Iovec { buf, buf_len: len }.encode(&mut mem[at..at + 8]);
    }

    #[test]
    fn gather_and_scatter_point_into_memory() {
        let mut bytes = vec![0u8; 256];
        bytes[100..105].copy_from_slice(b"hello");
        bytes[120..123].copy_from_slice(b"abc");
        put_iov(&mut bytes, 0, 100, 5);
        put_iov(&mut bytes, 8, 120, 3);
        let mut mem = GuestMemory::new(&mut bytes);
        let seen = mem.with_gather(0, 2, |b| b.iter().map(|s| s.to_vec()).collect::<Vec<_>>()).unwrap();
        assert_eq!(seen, [b"hello".to_vec(), b"abc".to_vec()]);
        mem.with_scatter(0, 2, |b| {
            assert_eq!(b.len(), 2);
            b[1].copy_from_slice(b"XYZ");
        })
        .unwrap();
        assert_eq!(&mem.bytes()[120..123], b"XYZ");
        // An overlapping second entry is not used for a read.
        put_iov(mem.bytes_mut(), 8, 102, 2);
        assert_eq!(mem.with_scatter(0, 2, |b| b.len()), Ok(1));
        assert_eq!(mem.with_gather(0, 2, |b| b.len()), Ok(2));
        assert_eq!(mem.with_gather(252, 1, |b| b.len()), Err(Errno::FAULT));
        assert_eq!(mem.with_gather(250, 1, |b| b.len()), Err(Errno::INVAL));
    }

    #[test]
    fn readlink_path_and_buffer_disjoint_or_copied() {
        let mut bytes = vec![0u8; 64];
        bytes[0..4].copy_from_slice(b"link");
        let mut mem = GuestMemory::new(&mut bytes);
        let (path, buf) = mem.path_and_buffer(0, 4, 16, 8).unwrap();
        assert!(matches!(path, Cow::Borrowed("link")));
        buf.copy_from_slice(b"target!!");
        let (path, buf) = mem.path_and_buffer(16, 4, 0, 8).unwrap();
        assert!(matches!(path, Cow::Borrowed("targ")));
        assert_eq!(&buf[..4], b"link");
        // Overlapping: the path is read before the buffer is written.
        let (path, buf) = mem.path_and_buffer(0, 4, 2, 8).unwrap();
        assert!(matches!(path, Cow::Owned(ref s) if s == "link"));
        assert_eq!(buf.len(), 8);
        assert_eq!(mem.path_and_buffer(60, 8, 0, 1).unwrap_err(), Errno::FAULT);
        mem.bytes_mut()[0] = 0xff;
        assert_eq!(mem.path_and_buffer(0, 4, 16, 1).unwrap_err(), Errno::ILSEQ);
    }
}
