//! Runs one host-call loop, for instruction counting under valgrind:
//! `valgrind --tool=callgrind target/release/examples/callgrind_calls write_loop 100000`
use wasi_run_benches::{Fixture, HOST_CALLS_WAT, dir_with_entries};
use wasmi::Val;

fn main() {
    let export = std::env::args().nth(1).expect("export");
    let n: i32 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = dir_with_entries("callgrind", 100);
    let mut fx = Fixture::new(HOST_CALLS_WAT, &dir);
    let args: Vec<Val> = if export == "readdir_loop" { vec![Val::I32(n), Val::I32(3)] } else { vec![Val::I32(n)] };
    fx.call(&export, &args);
    let _ = std::fs::remove_dir_all(&dir);
}
