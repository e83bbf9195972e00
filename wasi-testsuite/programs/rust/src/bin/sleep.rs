//! Sleeps 100 ms with `thread::sleep` (poll_oneoff on a clock) and checks
//! that the monotonic clock moved by at least that much.
use std::time::{Duration, Instant};
fn main() {
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(100));
    let slept = start.elapsed();
    wasi_run_guests::ensure("slept at least 100 ms", slept >= Duration::from_millis(100));
    wasi_run_guests::ensure("slept less than 5 s", slept < Duration::from_secs(5));
    println!("slept");
}
