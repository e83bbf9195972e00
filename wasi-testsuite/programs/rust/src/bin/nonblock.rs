//! Makes stdin and stdout non-blocking and reads an empty, still-open pipe:
//! EAGAIN at once. Then waits for the test to look at the host's flags.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::{check, write_all};

fn main() {
    for fd in [0, 1] {
        let flags = fdstat(fd).unwrap().flags as u32;
        set_flags(fd, flags | FDFL_NONBLOCK).unwrap();
        check("NONBLOCK reported", fdstat(fd).unwrap().flags as u32 & FDFL_NONBLOCK, FDFL_NONBLOCK);
    }
    check("empty pipe", read(0, 16).err(), Some(AGAIN));
    write_all(1, b"EAGAIN\n").unwrap();
    // The test checks the host's flags now, then writes a line and closes.
    set_flags(0, 0).unwrap();
    check("blocking read again", read(0, 16).unwrap(), b"go\n".to_vec());
    write_all(1, b"done\n").unwrap();
}
