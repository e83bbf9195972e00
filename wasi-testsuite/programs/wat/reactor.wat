;; A reactor: `_initialize` sets up state (and says so), the exports use it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $base (mut i32) (i32.const 0))
  (data (i32.const 16) "initialized\n")
  (func (export "_initialize")
    (global.set $base (i32.const 100))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Every value type the command line can pass, and back.
  (func (export "echo") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (i32.add (local.get 0) (global.get $base)) (local.get 1) (local.get 2) (local.get 3))
  (func (export "nothing"))
  (func (export "fail") unreachable))
