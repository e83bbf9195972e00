;; Hello world in WebAssembly text, using only wasi_snapshot_preview1:
;; one fd_write to stdout, then a return from _start (exit status 0).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nwritten i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Hello from wasi-run!\n")
  (func (export "_start")
    ;; one iovec at address 0: 21 bytes at address 64
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 21))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
