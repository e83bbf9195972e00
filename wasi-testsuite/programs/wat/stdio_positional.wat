;; Positional calls on stdio, as Zig's stdout writer makes them: it tries
;; fd_pwrite(1, offset 0) first and falls back to fd_write on ESPIPE. Then
;; it reports the errno of fd_seek and fd_tell on stdout and of fd_pread
;; on stdin, as "pwrite=NN seek=NN tell=NN pread=NN\n" (two digits each;
;; 70 is ESPIPE). wasi-run answers as wasmtime does: stdio are streams, so
;; a redirected stdout keeps what the shell wrote before the guest.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite"
    (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread"
    (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek"
    (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell"
    (func $fd_tell (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "body\n")
  (data (i32.const 128) "pwrite=.. seek=.. tell=.. pread=..\n")
  ;; Writes `n` as two decimal digits at `at`.
  (func $digits (param $at i32) (param $n i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1))
      (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10)))))
  (func (export "_start")
    (local $e i32)
    ;; iovec at 0: "body\n"
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 5))
    (local.set $e (call $fd_pwrite (i32.const 1) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 8)))
    (if (i32.eq (local.get $e) (i32.const 70))
      (then (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    (call $digits (i32.const 135) (local.get $e))
    (call $digits (i32.const 143)
      (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 16)))
    (call $digits (i32.const 151) (call $fd_tell (i32.const 1) (i32.const 16)))
    ;; iovec at 32: 8 bytes of room at 256
    (i32.store (i32.const 32) (i32.const 256))
    (i32.store (i32.const 36) (i32.const 8))
    (call $digits (i32.const 160)
      (call $fd_pread (i32.const 0) (i32.const 32) (i32.const 1) (i64.const 0) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 128))
    (i32.store (i32.const 4) (i32.const 35))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
