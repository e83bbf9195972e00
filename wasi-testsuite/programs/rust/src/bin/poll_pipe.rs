//! poll_oneoff on a pipe and a timer together, in steps the test drives
//! through stdin: data first (fd_read with nbytes), then nothing (the
//! timer), then hangup. Also: timeout 0, absolute deadlines, zero
//! subscriptions, a closed fd, and a regular file's remaining bytes.
use wasi_run_guests::errno::*;
use wasi_run_guests::fs::*;
use wasi_run_guests::{check, ensure, monotonic, raw};

const FD_READ: u8 = 1;
const CLOCK: u8 = 0;

#[derive(Debug, Clone, Copy)]
struct Ev {
    userdata: u64,
    error: u16,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct Sub([u8; 48]);

fn clock(userdata: u64, timeout: u64, abs: bool) -> Sub {
    let mut s = [0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = CLOCK;
    s[16..20].copy_from_slice(&1u32.to_le_bytes()); // monotonic
    s[24..32].copy_from_slice(&timeout.to_le_bytes());
    s[40..42].copy_from_slice(&(abs as u16).to_le_bytes());
    Sub(s)
}

fn fd_read(userdata: u64, fd: u32) -> Sub {
    let mut s = [0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = FD_READ;
    s[16..20].copy_from_slice(&fd.to_le_bytes());
    Sub(s)
}

fn poll(subs: &[Sub]) -> Result<Vec<Ev>, u16> {
    #[repr(C, align(8))]
    struct E([u8; 32]);
    let mut events: Vec<E> = (0..subs.len().max(1)).map(|_| E([0; 32])).collect();
    let mut n = 0u32;
    let e = unsafe { raw::poll_oneoff(subs.as_ptr().cast(), events.as_mut_ptr().cast(), subs.len() as u32, &mut n) };
    if e != 0 {
        return Err(e);
    }
    Ok(events[..n as usize]
        .iter()
        .map(|E(b)| Ev {
            userdata: u64::from_le_bytes(b[0..8].try_into().unwrap()),
            error: u16::from_le_bytes([b[8], b[9]]),
            kind: b[10],
            nbytes: u64::from_le_bytes(b[16..24].try_into().unwrap()),
            hangup: b[24] & 1 != 0,
        })
        .collect())
}

fn say(line: &str) {
    wasi_run_guests::write_all(1, format!("{line}\n").as_bytes()).unwrap();
}

fn main() {
    const TEN_S: u64 = 10_000_000_000;
    // 1. Data arrives on stdin before the 10 s timer.
    say("waiting for data");
    let ev = poll(&[fd_read(1, 0), clock(2, TEN_S, false)]).unwrap();
    check("one event", ev.len(), 1);
    check("it is stdin", (ev[0].userdata, ev[0].kind, ev[0].error), (1, FD_READ, SUCCESS));
    check("nbytes", ev[0].nbytes, 5);
    check("no hangup yet", ev[0].hangup, false);
    check("read", read(0, 5).unwrap(), b"hello".to_vec());
    // 2. Nothing more: the 30 ms timer fires.
    let t0 = monotonic();
    let ev = poll(&[fd_read(1, 0), clock(2, 30_000_000, false)]).unwrap();
    check("timer only", ev.iter().map(|e| (e.userdata, e.kind)).collect::<Vec<_>>(), vec![(2, CLOCK)]);
    ensure("not before its deadline", monotonic() - t0 >= 30_000_000);
    // 3. The writer goes away: fd_read reports hangup.
    say("waiting for hangup");
    let ev = poll(&[fd_read(1, 0), clock(2, TEN_S, false)]).unwrap();
    check("stdin again", (ev[0].userdata, ev[0].kind), (1, FD_READ));
    check("hangup", ev[0].hangup, true);
    check("nothing to read", ev[0].nbytes, 0);
    // 4. A zero timeout returns at once; an absolute deadline is honoured.
    let ev = poll(&[clock(3, 0, false)]).unwrap();
    check("timeout 0", ev.len(), 1);
    let t0 = monotonic();
    poll(&[clock(4, t0 + 20_000_000, true)]).unwrap();
    ensure("absolute deadline", monotonic() - t0 >= 20_000_000);
    // 5. Errors: none is EINVAL; a closed fd is an error in its own event.
    expect_errno(poll(&[]), INVAL);
    let ev = poll(&[fd_read(7, 99), clock(8, 1_000_000_000, false)]).unwrap();
    check("bad fd event", ev.iter().map(|e| (e.userdata, e.error)).collect::<Vec<_>>(), vec![(7, BADF)]);
    // 6. A regular file is ready, with the bytes left after the offset.
    let d = wasi_run_guests::preopen("scratch");
    create_file(d, "f", b"0123456789");
    let f = open_file(d, "f", 0, 0).unwrap();
    read(f, 3).unwrap();
    let ev = poll(&[fd_read(9, f), clock(10, TEN_S, false)]).unwrap();
    check("file ready", (ev.len(), ev[0].userdata, ev[0].nbytes), (1, 9, 7));
    say("poll ok");
}

fn expect_errno<T: std::fmt::Debug>(r: Result<T, u16>, want: u16) {
    check("errno", r.err(), Some(want));
}
