//! Fixed-width SIMD (Wasm 2.0): integer, float and shuffle operations on
//! `v128`, and a loop the compiler vectorises, checked against the same
//! work done one lane at a time. The SIMD code is compiled with
//! `simd128` enabled (the attribute below: one function at a time, so the
//! other guests stay plain Wasm 1.0).
use std::arch::wasm32::*;

#[target_feature(enable = "simd128")]
fn lanes(a: &[i32], b: &[i32]) -> (i64, [u8; 16], f32) {
    // i32x4 multiply-add over the arrays
    let mut acc = i32x4_splat(0);
    for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        let vx = i32x4(x[0], x[1], x[2], x[3]);
        let vy = i32x4(y[0], y[1], y[2], y[3]);
        acc = i32x4_add(acc, i32x4_mul(vx, vy));
    }
    let dot = [i32x4_extract_lane::<0>(acc), i32x4_extract_lane::<1>(acc), i32x4_extract_lane::<2>(acc), i32x4_extract_lane::<3>(acc)]
        .iter()
        .map(|&v| i64::from(v))
        .sum();
    // a byte shuffle (reverse) and a saturating add
    let bytes = u8x16(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 250);
    let reversed = i8x16_shuffle::<15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0>(bytes, bytes);
    let sat = u8x16_add_sat(reversed, u8x16_splat(10));
    let mut out = [0u8; 16];
    // SAFETY: `out` is 16 writable bytes; v128_store has no alignment requirement.
    unsafe { v128_store(out.as_mut_ptr().cast(), sat) };
    // f32x4 square roots and a horizontal sum
    let f = f32x4_sqrt(f32x4(1.0, 4.0, 9.0, 16.0));
    let fsum = f32x4_extract_lane::<0>(f) + f32x4_extract_lane::<1>(f) + f32x4_extract_lane::<2>(f) + f32x4_extract_lane::<3>(f);
    (dot, out, fsum)
}

/// A loop for the auto-vectoriser.
#[target_feature(enable = "simd128")]
fn vectorised_sum(v: &[u32]) -> u32 {
    v.iter().fold(0u32, |a, &x| a.wrapping_add(x.wrapping_mul(3) ^ 0x5a5a))
}

fn main() {
    let a: Vec<i32> = (0..1024).map(|i| i * 3 - 500).collect();
    let b: Vec<i32> = (0..1024).map(|i| 7 - i).collect();
    // (On wasm32 a `simd128` function is safe to call: a host without SIMD
    // refuses the whole module before it runs.)
    let (dot, bytes, fsum) = lanes(&a, &b);
    let scalar: i64 = a.iter().zip(&b).map(|(&x, &y)| i64::from(x.wrapping_mul(y))).sum();
    println!("dot {dot} (scalar {scalar}) {}", if dot == scalar { "match" } else { "DIFFER" });
    println!("bytes {bytes:?}");
    println!("sqrt sum {fsum}");
    let v: Vec<u32> = (0..100_000).collect();
    let s = vectorised_sum(&v);
    let plain = v.iter().fold(0u32, |a, &x| a.wrapping_add(x.wrapping_mul(3) ^ 0x5a5a));
    println!("vectorised {s} (scalar {plain}) {}", if s == plain { "match" } else { "DIFFER" });
}
