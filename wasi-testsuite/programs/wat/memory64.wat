;; memory64: a 64-bit linear memory grown past its first page, 64-bit
;; addresses for loads, stores, memory.size, memory.grow and memory.fill,
;; then the answer printed through preview1 (whose pointers are 32-bit
;; offsets into the same memory).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") i64 1)
  (data (i64.const 0) "memory64 pages=? sum=?????\n")
  (func $digit (param $at i64) (param $v i64)
    (i64.store8 (local.get $at) (i64.add (i64.const 48) (local.get $v))))
  (func (export "_start")
    (local $i i64) (local $sum i64)
    ;; grow by 2 pages: the old size (1) comes back as an i64
    (drop (memory.grow (i64.const 2)))
    ;; fill 16 bytes just past the first page with 3s, store 1..10 at the
    ;; start of the third page, and add them all up through i64 addresses
    (memory.fill (i64.const 65536) (i32.const 3) (i64.const 16))
    (local.set $i (i64.const 1))
    (block $done
      (loop $next
        (i64.store (i64.add (i64.const 131072) (i64.mul (local.get $i) (i64.const 8))) (local.get $i))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br_if $next (i64.le_u (local.get $i) (i64.const 10)))))
    (local.set $i (i64.const 1))
    (block $done2
      (loop $add
        (local.set $sum (i64.add (local.get $sum)
          (i64.load (i64.add (i64.const 131072) (i64.mul (local.get $i) (i64.const 8))))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br_if $add (i64.le_u (local.get $i) (i64.const 10)))))
    (local.set $sum (i64.add (local.get $sum) (i64.load8_u (i64.const 65540))))
    ;; pages=3, sum=55+3=58 (written as five digits)
    (call $digit (i64.const 15) (memory.size))
    (call $digit (i64.const 21) (i64.div_u (local.get $sum) (i64.const 10000)))
    (call $digit (i64.const 22) (i64.rem_u (i64.div_u (local.get $sum) (i64.const 1000)) (i64.const 10)))
    (call $digit (i64.const 23) (i64.rem_u (i64.div_u (local.get $sum) (i64.const 100)) (i64.const 10)))
    (call $digit (i64.const 24) (i64.rem_u (i64.div_u (local.get $sum) (i64.const 10)) (i64.const 10)))
    (call $digit (i64.const 25) (i64.rem_u (local.get $sum) (i64.const 10)))
    (i32.store (i64.const 200) (i32.const 0))
    (i32.store (i64.const 204) (i32.const 27))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208)))))
