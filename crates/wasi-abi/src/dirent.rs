//! Encoding directory entries for `fd_readdir` straight into the guest's buffer.
//!
//! Entries are packed back to back (a 24-byte [`Dirent`] header, then the
//! name, no padding). When the next entry does not fit, as much of it as
//! fits is written, so the buffer is filled to its last byte: the spec's
//! signal that the guest should call again with a larger buffer.

use crate::{Dirent, Layout};

/// Appends dirents to a guest buffer.
#[derive(Debug)]
pub struct DirentWriter<'b> {
    buf: &'b mut [u8],
    used: usize,
}

impl<'b> DirentWriter<'b> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        DirentWriter { buf, used: 0 }
    }

    /// Appends one entry, truncating it if it does not fit. Returns whether
    /// there is room left for more.
    pub fn push(&mut self, header: &Dirent, name: &[u8]) -> bool {
        let mut raw = [0u8; Dirent::SIZE as usize];
        header.encode(&mut raw);
        self.put(&raw);
        self.put(name);
        !self.is_full()
    }

    fn put(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.used);
        self.buf[self.used..self.used + n].copy_from_slice(&bytes[..n]);
        self.used += n;
    }

    /// Whether the buffer has no room left.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.used == self.buf.len()
    }

    /// Bytes written so far (the `bufused` result).
    #[must_use]
    pub fn used(&self) -> usize {
        self.used
    }

    /// Bytes still free.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.used
    }
}

/// The size an entry with a `namlen`-byte name takes in the buffer.
#[must_use]
pub const fn dirent_size(namlen: usize) -> usize {
    Dirent::SIZE as usize + namlen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Filetype;

    fn entry(next: u64) -> Dirent {
        Dirent { d_next: next, d_ino: 9, d_namlen: 3, d_type: Filetype::RegularFile }
    }

    #[test]
    fn packs_entries_and_fills_to_the_last_byte() {
        let mut buf = [0xA5u8; 60];
        let mut w = DirentWriter::new(&mut buf);
        assert!(w.push(&entry(1), b"abc"));
        assert_eq!(w.used(), 27);
        // The second entry (27 bytes) fits only partly: 33 bytes remain.
        assert!(w.push(&entry(2), b"def"));
        assert_eq!(w.used(), 54);
        assert!(!w.push(&entry(3), b"ghi"));
        assert_eq!(w.used(), 60);
        assert_eq!(&buf[24..27], b"abc");
        assert_eq!(buf[27], 2);
        assert_eq!(&buf[51..54], b"def");
        // The truncated third header: its first six bytes only.
        assert_eq!(&buf[54..60], &[3, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn empty_buffer_is_full() {
        let mut buf = [0u8; 0];
        let mut w = DirentWriter::new(&mut buf);
        assert!(!w.push(&entry(1), b"x"));
        assert_eq!(w.used(), 0);
    }
}
