//! `random_get`: the kernel's CSPRNG (`getrandom(2)`), read in 4 KiB
//! batches so that small requests (the common case: hash seeds, UUIDs)
//! cost a copy rather than a system call. Every byte handed out is wiped
//! from the pool, so no byte is ever given twice. Requests larger than
//! [`SMALL`] go to the kernel directly.

use wasi_abi::Errno;

/// The largest request served from the pool.
const SMALL: usize = 256;

/// Random bytes read ahead from the kernel.
pub(crate) struct Pool {
    bytes: Box<[u8; 4096]>,
    /// Bytes before this index have been handed out (and wiped).
    next: usize,
}

impl Default for Pool {
    fn default() -> Self {
        Pool { bytes: Box::new([0; 4096]), next: 4096 }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool { .. }")
    }
}

/// Fills `buf` straight from the kernel.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn kernel(buf: &mut [u8]) -> Result<(), Errno> {
    use rustix::rand::{GetRandomFlags, getrandom};
    let mut filled = 0;
    while filled < buf.len() {
        filled += crate::unix::errno::retry(|| getrandom(&mut buf[filled..], GetRandomFlags::empty()))?;
    }
    Ok(())
}

/// Fills `buf` straight from the kernel (`getentropy`, `getrandom`).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn kernel(buf: &mut [u8]) -> Result<(), Errno> {
    getrandom::fill(buf).map_err(|_| Errno::IO)
}

impl Pool {
    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.len() > SMALL {
            return kernel(buf);
        }
        if self.bytes.len() - self.next < buf.len() {
            kernel(&mut self.bytes[..])?;
            self.next = 0;
        }
        let taken = &mut self.bytes[self.next..self.next + buf.len()];
        buf.copy_from_slice(taken);
        taken.fill(0);
        self.next += buf.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_handed_out_once() {
        let mut pool = Pool::default();
        let mut seen = std::collections::HashSet::new();
        // 64-bit draws: a repeat would mean a byte range was reused.
        for _ in 0..2000 {
            let mut b = [0u8; 8];
            pool.fill(&mut b).unwrap();
            assert!(seen.insert(b), "repeated draw");
        }
        let mut big = vec![0u8; 10_000];
        pool.fill(&mut big).unwrap();
        assert!(big.iter().any(|&b| b != 0));
        assert!(pool.bytes[..pool.next].iter().all(|&b| b == 0), "handed-out bytes are wiped");
    }
}
