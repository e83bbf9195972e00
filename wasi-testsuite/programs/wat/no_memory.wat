;; A module without memory: pointer arguments are EFAULT, pointer-free
;; calls work, and proc_exit hands back the errno it got.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "_start")
    (if (i32.ne (call $sched_yield) (i32.const 0)) (then (call $proc_exit (i32.const 1))))
    (call $proc_exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
