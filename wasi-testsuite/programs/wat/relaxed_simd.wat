;; Relaxed SIMD: relaxed_madd, relaxed_swizzle, relaxed_trunc and
;; relaxed_min on inputs whose results every implementation agrees on
;; (exact products, in-range indices and values, no NaN or signed zero).
;; Each result is compared with the plain-SIMD or scalar answer; the
;; program prints one line per check and exits 1 if any differs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "relaxed_madd ok\n")
  (data (i32.const 120) "relaxed_swizzle ok\n")
  (data (i32.const 140) "relaxed_trunc ok\n")
  (data (i32.const 160) "relaxed_min ok\n")
  (data (i32.const 180) "MISMATCH\n")
  (func $say (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $check (param $ok i32) (param $at i32) (param $len i32)
    (if (local.get $ok)
      (then (call $say (local.get $at) (local.get $len)))
      (else (call $say (i32.const 180) (i32.const 9)) (call $exit (i32.const 1)))))
  (func (export "_start")
    ;; 2*3+1 = 7 in every lane, fused or not
    (call $check
      (i32x4.all_true
        (f32x4.eq
          (f32x4.relaxed_madd (f32x4.splat (f32.const 2)) (f32x4.splat (f32.const 3)) (f32x4.splat (f32.const 1)))
          (f32x4.splat (f32.const 7))))
      (i32.const 100) (i32.const 16))
    ;; indices below 16 mean the same as i8x16.swizzle
    (call $check
      (i8x16.all_true
        (i8x16.eq
          (i8x16.relaxed_swizzle (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
                                 (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0))
          (i8x16.swizzle (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
                         (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0))))
      (i32.const 120) (i32.const 19))
    ;; in-range floats truncate as i32x4.trunc_sat_f32x4_s does
    (call $check
      (i32x4.all_true
        (i32x4.eq
          (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 1.5 -2.5 100.9 -7.0))
          (v128.const i32x4 1 -2 100 -7)))
      (i32.const 140) (i32.const 17))
    ;; no NaN or zero: the minimum is the minimum
    (call $check
      (i32x4.all_true
        (f32x4.eq
          (f32x4.relaxed_min (v128.const f32x4 1 5 -3 8) (v128.const f32x4 2 4 -4 8))
          (v128.const f32x4 1 4 -4 8)))
      (i32.const 160) (i32.const 15))))
