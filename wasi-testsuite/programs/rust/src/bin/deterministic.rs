//! Prints everything a run would get from the host's clocks and entropy:
//! the time of day, how long a sleep took, random bytes, and the order of a
//! HashMap (whose hasher is seeded from random_get). Under
//! `--deterministic` the output is the same every run.
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasi_run_guests::{check, errno, raw};
fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("realtime {}.{:09}", now.as_secs(), now.subsec_nanos());
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(250));
    println!("slept {:?}", start.elapsed());
    let mut bytes = [0u8; 16];
    check("random_get", unsafe { raw::random_get(bytes.as_mut_ptr(), 16) }, errno::SUCCESS);
    println!("random {}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let map: HashMap<u32, ()> = (0..12).map(|k| (k, ())).collect();
    println!("map order {:?}", map.keys().collect::<Vec<_>>());
}
