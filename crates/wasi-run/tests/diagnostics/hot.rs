//! Spends nearly all its time in one function (`hot_loop`), a little in
//! another (`cold_loop`): a profile's samples should say so.

use std::hint::black_box;

#[inline(never)]
fn hot_loop(n: u64) -> u64 {
    let mut x = black_box(n);
    for i in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i) ^ (x >> 29);
    }
    x
}

#[inline(never)]
fn cold_loop(n: u64) -> u64 {
    let mut x = black_box(n);
    for i in 0..n {
        x = x.rotate_left(7) ^ i;
    }
    x
}

fn main() {
    let mut total = 0u64;
    for _ in 0..20 {
        total = total.wrapping_add(hot_loop(black_box(200_000)));
        total = total.wrapping_add(cold_loop(black_box(5_000)));
    }
    println!("{total}");
}
