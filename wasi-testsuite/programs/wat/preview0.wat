;; A `wasi_unstable` (preview0) program: the calls whose ABI differs from
;; preview1 (whence values, the 56-byte filestat with a u32 nlink, the
;; 56-byte subscription, rights without sock_accept) and some that do not.
;; No toolchain emits preview0 any more, hence hand-written. A failed check
;; exits with its number.
(module
  (import "wasi_unstable" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x10) "given.txt")
  (data (i32.const 0x40) "ok\n")

  (func $expect (param $got i32) (param $want i32) (param $check i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (local.get $check)))))

  (func $expect64 (param $got i64) (param $want i64) (param $check i32)
    (if (i64.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (local.get $check)))))

  (func (export "_start")
    (local $fd i32)
    (local $t0 i64)
    ;; 1: argc, from the shared preview1 body
    (call $expect (call $args_sizes_get (i32.const 0x80) (i32.const 0x84)) (i32.const 0) (i32.const 1))
    (call $expect (i32.load (i32.const 0x80)) (i32.const 2) (i32.const 1))
    ;; 2: the preopen
    (call $expect (call $fd_prestat_get (i32.const 3) (i32.const 0x88)) (i32.const 0) (i32.const 2))
    ;; 3: open given.txt ("given\n") for reading, seeking and stat
    (call $expect
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x10) (i32.const 9) (i32.const 0)
        (i64.const 0x200026) (i64.const 0) (i32.const 0) (i32.const 0x90))
      (i32.const 0) (i32.const 3))
    (local.set $fd (i32.load (i32.const 0x90)))

    ;; 4: whence 2 is SET in preview0 (END in preview1)
    (call $expect (call $fd_seek (local.get $fd) (i64.const 2) (i32.const 2) (i32.const 0x98)) (i32.const 0) (i32.const 4))
    (call $expect64 (i64.load (i32.const 0x98)) (i64.const 2) (i32.const 4))
    ;; 5: whence 1 is END
    (call $expect (call $fd_seek (local.get $fd) (i64.const -1) (i32.const 1) (i32.const 0x98)) (i32.const 0) (i32.const 5))
    (call $expect64 (i64.load (i32.const 0x98)) (i64.const 5) (i32.const 5))
    ;; 6: whence 0 is CUR
    (call $expect (call $fd_seek (local.get $fd) (i64.const -2) (i32.const 0) (i32.const 0x98)) (i32.const 0) (i32.const 6))
    (call $expect64 (i64.load (i32.const 0x98)) (i64.const 3) (i32.const 6))
    ;; 7: reading from there gives "en\n"
    (i32.store (i32.const 0xA0) (i32.const 0xB0))
    (i32.store (i32.const 0xA4) (i32.const 16))
    (call $expect (call $fd_read (local.get $fd) (i32.const 0xA0) (i32.const 1) (i32.const 0xA8)) (i32.const 0) (i32.const 7))
    (call $expect (i32.load (i32.const 0xA8)) (i32.const 3) (i32.const 7))
    (call $expect (i32.load (i32.const 0xB0)) (i32.const 0x0A6E65) (i32.const 7))
    ;; 8: there is no whence 3
    (call $expect (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 3) (i32.const 0x98)) (i32.const 28) (i32.const 8))

    ;; 9: fd_filestat_get writes 56 bytes: filetype @16, nlink u32 @20, size @24
    (memory.fill (i32.const 0x100) (i32.const 0xAA) (i32.const 0x48))
    (call $expect (call $fd_filestat_get (local.get $fd) (i32.const 0x100)) (i32.const 0) (i32.const 9))
    (call $expect (i32.load8_u (i32.const 0x110)) (i32.const 4) (i32.const 9))
    (call $expect (i32.load (i32.const 0x114)) (i32.const 1) (i32.const 9))
    (call $expect64 (i64.load (i32.const 0x118)) (i64.const 6) (i32.const 9))
    (call $expect (i32.load (i32.const 0x138)) (i32.const 0xAAAAAAAA) (i32.const 9))
    ;; 10: so does path_filestat_get
    (memory.fill (i32.const 0x180) (i32.const 0xAA) (i32.const 0x48))
    (call $expect (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0x10) (i32.const 9) (i32.const 0x180))
      (i32.const 0) (i32.const 10))
    (call $expect (i32.load (i32.const 0x194)) (i32.const 1) (i32.const 10))
    (call $expect64 (i64.load (i32.const 0x198)) (i64.const 6) (i32.const 10))
    (call $expect (i32.load (i32.const 0x1B8)) (i32.const 0xAAAAAAAA) (i32.const 10))

    ;; 11: the preopen's rights have no sock_accept (bit 29), but do have path_open (bit 13)
    (call $expect (call $fd_fdstat_get (i32.const 3) (i32.const 0x200)) (i32.const 0) (i32.const 11))
    (call $expect64 (i64.and (i64.load (i32.const 0x208)) (i64.const 0x20002000)) (i64.const 0x2000) (i32.const 11))
    (call $expect64 (i64.and (i64.load (i32.const 0x210)) (i64.const 0xFFFFFFFFE0000000)) (i64.const 0) (i32.const 11))

    ;; 12: a 56-byte clock subscription: identifier @16, clock @24, timeout @32
    (i64.store (i32.const 0x300) (i64.const 0x77))
    (i32.store8 (i32.const 0x308) (i32.const 0))
    (i64.store (i32.const 0x310) (i64.const 0x1234))
    (i32.store (i32.const 0x318) (i32.const 1))
    (i64.store (i32.const 0x320) (i64.const 2000000))
    (i64.store (i32.const 0x328) (i64.const 0))
    (i32.store16 (i32.const 0x330) (i32.const 0))
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0x500)))
    (local.set $t0 (i64.load (i32.const 0x500)))
    (call $expect (call $poll_oneoff (i32.const 0x300) (i32.const 0x400) (i32.const 1) (i32.const 0x440)) (i32.const 0) (i32.const 12))
    (call $expect (i32.load (i32.const 0x440)) (i32.const 1) (i32.const 12))
    (call $expect64 (i64.load (i32.const 0x400)) (i64.const 0x77) (i32.const 12))
    (call $expect (i32.load16_u (i32.const 0x408)) (i32.const 0) (i32.const 12))
    (call $expect (i32.load8_u (i32.const 0x40A)) (i32.const 0) (i32.const 12))
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0x500)))
    (if (i64.lt_u (i64.sub (i64.load (i32.const 0x500)) (local.get $t0)) (i64.const 2000000))
      (then (call $proc_exit (i32.const 12))))

    ;; 13: two subscriptions, the second (fd_write on stdout, fd @16) at 56 bytes in
    (i64.store (i32.const 0x338) (i64.const 0x88))
    (i32.store8 (i32.const 0x340) (i32.const 2))
    (i32.store (i32.const 0x348) (i32.const 1))
    (i64.store (i32.const 0x320) (i64.const 10000000000))
    (call $expect (call $poll_oneoff (i32.const 0x300) (i32.const 0x400) (i32.const 2) (i32.const 0x440)) (i32.const 0) (i32.const 13))
    (call $expect (i32.load (i32.const 0x440)) (i32.const 1) (i32.const 13))
    (call $expect64 (i64.load (i32.const 0x400)) (i64.const 0x88) (i32.const 13))
    (call $expect (i32.load8_u (i32.const 0x40A)) (i32.const 2) (i32.const 13))

    ;; done
    (i32.store (i32.const 0x50) (i32.const 0x40))
    (i32.store (i32.const 0x54) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0x50) (i32.const 1) (i32.const 0x58)))))
