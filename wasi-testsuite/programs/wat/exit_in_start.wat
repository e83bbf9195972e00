;; proc_exit from the module's start function (before _start) still ends
;; the guest with that code.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $init (call $proc_exit (i32.const 3)))
  (start $init)
  (func (export "_start") unreachable))
