//! In-memory stdio: a guest's input fed from bytes, its output captured
//! into a buffer. Both are real pipes, so the guest sees what it would see
//! in a shell pipeline (`printf input | prog | cat`): reads, writes, polls
//! and `fd_fdstat_get` behave exactly as for any pipe.
//!
//! A capture drains its pipe on a thread of its own, so a guest never
//! blocks on a full pipe, and keeps at most its capacity: what the guest
//! writes past it is read and dropped (the guest's writes succeed, as to a
//! full disk that discards), and counted. Input larger than the pipe holds
//! is written by a thread too. A feeding thread whose guest stops reading ends with
//! `EPIPE`: Rust programs ignore `SIGPIPE`, so a host that restores its
//! default action should feed large inputs from a file instead.

use rustix::fd::OwnedFd;
use std::io::{self, Read, Write};
use std::thread::JoinHandle;

/// A pipe whose read end is drained into memory on a thread.
#[derive(Debug)]
pub(crate) struct Capture {
    thread: JoinHandle<(Vec<u8>, u64)>,
}

impl Capture {
    /// Starts capturing at most `capacity` bytes; the returned fd is the
    /// pipe's write end, for the guest.
    pub(crate) fn start(name: &str, capacity: usize) -> io::Result<(Capture, OwnedFd)> {
        let (r, w) = cloexec_pipe()?;
        let thread = std::thread::Builder::new().name(format!("wasi-{name}")).spawn(move || {
            let mut kept = Vec::new();
            let mut dropped = 0u64;
            let mut file = std::fs::File::from(r);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = capacity.saturating_sub(kept.len()).min(n);
                        kept.extend_from_slice(&buf[..room]);
                        dropped += (n - room) as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // Any other error ends the capture with what was read.
                    Err(_) => break,
                }
            }
            (kept, dropped)
        })?;
        Ok((Capture { thread }, w))
    }

    /// What was kept, and how many bytes past the capacity were dropped,
    /// once every copy of the write end is closed.
    pub(crate) fn finish(self) -> (Vec<u8>, u64) {
        self.thread.join().unwrap_or_default()
    }
}

/// A pipe holding `bytes`, then end-of-file; returns the read end.
pub(crate) fn feed(bytes: Vec<u8>) -> io::Result<OwnedFd> {
    let (r, w) = cloexec_pipe()?;
    // Write what the pipe holds now; most inputs fit, and need no thread.
    rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::NONBLOCK)?;
    let mut done = 0;
    while done < bytes.len() {
        match rustix::io::write(&w, &bytes[done..]) {
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if done < bytes.len() {
        rustix::fs::fcntl_setfl(&w, rustix::fs::OFlags::empty())?;
        std::thread::Builder::new().name("wasi-stdin".into()).spawn(move || {
            // The guest may stop reading (EPIPE): the rest is dropped.
            let _ = std::fs::File::from(w).write_all(&bytes[done..]);
        })?;
    }
    Ok(r)
}

/// A pipe, both ends close-on-exec.
fn cloexec_pipe() -> rustix::io::Result<(rustix::fd::OwnedFd, rustix::fd::OwnedFd)> {
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    {
        // No pipe2: set right after (wasi-run forks nothing in between).
        let (r, w) = rustix::pipe::pipe()?;
        rustix::io::fcntl_setfd(&r, rustix::io::FdFlags::CLOEXEC)?;
        rustix::io::fcntl_setfd(&w, rustix::io::FdFlags::CLOEXEC)?;
        Ok((r, w))
    }
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    {
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_inputs_arrive_whole() {
        for len in [0usize, 5, 1 << 20] {
            let input: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let r = feed(input.clone()).unwrap();
            let mut got = Vec::new();
            std::fs::File::from(r).read_to_end(&mut got).unwrap();
            assert_eq!(got, input, "{len} bytes");
        }
    }

    #[test]
    fn captures_collect_until_closed_up_to_their_capacity() {
        for (capacity, kept) in [(usize::MAX, 1_000_000), (1500, 1500), (0, 0)] {
            let (cap, w) = Capture::start("test", capacity).unwrap();
            let mut f = std::fs::File::from(w);
            for _ in 0..1000 {
                f.write_all(&[b'x'; 1000]).unwrap();
            }
            drop(f);
            let (bytes, dropped) = cap.finish();
            assert_eq!((bytes.len(), dropped), (kept, 1_000_000 - kept as u64));
        }
    }
}
