//! Traps three named frames deep (level1 calls level2 calls level3), in
//! the way the first argument says: `abort`, `panic`, `oob` (a load past
//! the end of memory), `recurse` (a stack overflow).

use std::hint::black_box;

#[inline(never)]
fn level3(how: &str, depth: u32) -> u32 {
    match how {
        "abort" => std::process::abort(), // LINE: abort
        "panic" => panic!("the guest gave up at depth {depth}"), // LINE: panic
        "oob" => {
            // SAFETY: none: the address is past the end of linear memory on
            // purpose, and the wasm load traps.
            let far = black_box(0xffff_fff0usize) as *const u32;
            unsafe { std::ptr::read_volatile(far) } // LINE: oob
        }
        _ => recurse(black_box(depth)) + 1,
    }
}

#[inline(never)]
fn recurse(n: u32) -> u32 {
    let mut buf = [0u8; 64];
    black_box(&mut buf);
    recurse(black_box(n + 1)) + u32::from(buf[0])
}

#[inline(never)]
fn level2(how: &str, depth: u32) -> u32 {
    black_box(level3(how, depth + 1)) + 1
}

#[inline(never)]
fn level1(how: &str) -> u32 {
    black_box(level2(how, 1)) + 1
}

fn main() {
    let how = std::env::args().nth(1).unwrap_or_default();
    println!("{}", level1(&how));
}
