;; Bad pointers, lengths, flags and enumeration values: each call must
;; return the documented errno (docs/security.md), never trap, and never
;; write outside what it was given. A failed check exits with its number.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $fd_advise (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0x100: the text "X"; 0x200: "ok\n"; 0x300: a path; 0x310: bad UTF-8
  (data (i32.const 0x100) "X")
  (data (i32.const 0x200) "ok\n")
  (data (i32.const 0x300) "some/file")
  (data (i32.const 0x310) "\ff\fe")

  (func $expect (param $got i32) (param $want i32) (param $check i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (local.get $check)))))

  ;; Stores an iovec {buf, len} at ptr.
  (func $iov (param $ptr i32) (param $buf i32) (param $len i32)
    (i32.store (local.get $ptr) (local.get $buf))
    (i32.store offset=4 (local.get $ptr) (local.get $len)))

  (func $check_untouched (param $ptr i32) (param $check i32)
    ;; 0x8000.. is filled with 0xAA before the calls that must not write.
    (call $expect (i32.load (local.get $ptr)) (i32.const 0xAAAAAAAA) (local.get $check)))

  (func (export "_start")
    (memory.fill (i32.const 0x8000) (i32.const 0xAA) (i32.const 0x100))

    ;; 1: an iovec array that runs past the end of memory
    (call $expect (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0x8000)) (i32.const 21) (i32.const 1))
    ;; 2: an iovec whose buffer runs past the end of memory
    (call $iov (i32.const 0x10) (i32.const 65530) (i32.const 10))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x8000)) (i32.const 21) (i32.const 2))
    ;; 3: buf + len wraps around 32 bits
    (call $iov (i32.const 0x10) (i32.const 0xFFFFFFF0) (i32.const 0x20))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x8000)) (i32.const 21) (i32.const 3))
    ;; 4: an iovec count whose byte size (count * 8) overflows u32
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 0x20000001) (i32.const 0x8000)) (i32.const 21) (i32.const 4))
    ;; 5: a misaligned iovec array
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x12) (i32.const 1) (i32.const 0x8000)) (i32.const 28) (i32.const 5))
    ;; 6: a result pointer out of bounds: EFAULT, and nothing is written
    ;;    (the expected stdout has no "X")
    (call $iov (i32.const 0x10) (i32.const 0x100) (i32.const 1))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 65536)) (i32.const 21) (i32.const 6))
    ;; 7: the same for fd_read: nothing consumed, memory untouched
    (call $iov (i32.const 0x10) (i32.const 0x8000) (i32.const 4))
    (call $expect (call $fd_read (i32.const 0) (i32.const 0x10) (i32.const 1) (i32.const 65536)) (i32.const 21) (i32.const 7))
    (call $check_untouched (i32.const 0x8000) (i32.const 107))
    ;; 8: misaligned structure and u64 results
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 0x8003)) (i32.const 28) (i32.const 8))
    (call $expect (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0x8004)) (i32.const 28) (i32.const 9))
    (call $check_untouched (i32.const 0x8000) (i32.const 109))
    (call $check_untouched (i32.const 0x8004) (i32.const 110))
    ;; 10: a structure that ends one byte past memory
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 65520)) (i32.const 21) (i32.const 10))
    ;; 11: ...and one that ends exactly at the end is written
    (call $expect (call $fd_fdstat_get (i32.const 1) (i32.const 65512)) (i32.const 0) (i32.const 11))
    ;; 12-16: unknown flag bits
    (call $expect (call $fd_fdstat_set_flags (i32.const 1) (i32.const 0x20)) (i32.const 28) (i32.const 12))
    (call $expect (call $fd_fdstat_set_flags (i32.const 1) (i32.const 0x10000)) (i32.const 28) (i32.const 13))
    (call $expect (call $fd_filestat_set_times (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 0x10)) (i32.const 28) (i32.const 14))
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x300) (i32.const 9) (i32.const 0x10) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x8010)) (i32.const 28) (i32.const 15))
    (call $expect (call $path_open (i32.const 3) (i32.const 2) (i32.const 0x300) (i32.const 9) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x8010)) (i32.const 28) (i32.const 16))
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x300) (i32.const 9) (i32.const 0) (i64.const 0x40000000) (i64.const 0) (i32.const 0) (i32.const 0x8010)) (i32.const 28) (i32.const 17))
    (call $iov (i32.const 0x10) (i32.const 0x100) (i32.const 1))
    (call $expect (call $sock_send (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 1) (i32.const 0x8010)) (i32.const 28) (i32.const 18))
    ;; 19-23: unknown enumeration values
    (call $expect (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 3) (i32.const 0x8010)) (i32.const 28) (i32.const 19))
    (call $expect (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0x100) (i32.const 0x8010)) (i32.const 28) (i32.const 20))
    (call $expect (call $clock_time_get (i32.const 4) (i64.const 0) (i32.const 0x8010)) (i32.const 28) (i32.const 21))
    (call $expect (call $fd_advise (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 6)) (i32.const 28) (i32.const 22))
    (call $expect (call $proc_raise (i32.const 31)) (i32.const 28) (i32.const 23))
    ;; 24: a subscription with an unknown event type
    (i64.store (i32.const 0x400) (i64.const 7))
    (i32.store8 (i32.const 0x408) (i32.const 3))
    (call $expect (call $poll_oneoff (i32.const 0x400) (i32.const 0x800) (i32.const 1) (i32.const 0x8010)) (i32.const 28) (i32.const 24))
    ;; 25: zero subscriptions
    (call $expect (call $poll_oneoff (i32.const 0x400) (i32.const 0x800) (i32.const 0) (i32.const 0x8010)) (i32.const 28) (i32.const 25))
    ;; 26: an events array that runs past memory
    (i32.store8 (i32.const 0x408) (i32.const 0))
    (call $expect (call $poll_oneoff (i32.const 0x400) (i32.const 65520) (i32.const 1) (i32.const 0x8010)) (i32.const 21) (i32.const 26))
    ;; 27: a path that runs past memory; 28: a path that is not UTF-8
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 65530) (i32.const 9) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x8010)) (i32.const 21) (i32.const 27))
    (call $expect (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x310) (i32.const 2) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x8010)) (i32.const 25) (i32.const 28))
    ;; 29: args_get with the pointer array out of bounds; 30: args_sizes_get misaligned
    (call $expect (call $args_get (i32.const 65536) (i32.const 0x900)) (i32.const 21) (i32.const 29))
    (call $expect (call $args_sizes_get (i32.const 0x8001) (i32.const 0x8010)) (i32.const 28) (i32.const 30))
    ;; 31: random_get past memory, and at the very end
    (call $expect (call $random_get (i32.const 65535) (i32.const 2)) (i32.const 21) (i32.const 31))
    (call $expect (call $random_get (i32.const 65535) (i32.const 1)) (i32.const 0) (i32.const 32))
    ;; 33-35: fds that are not open
    (call $expect (call $fd_write (i32.const 1000) (i32.const 0x10) (i32.const 1) (i32.const 0x8010)) (i32.const 8) (i32.const 33))
    (call $expect (call $fd_close (i32.const -1)) (i32.const 8) (i32.const 34))
    (call $expect (call $fd_prestat_get (i32.const 0) (i32.const 0x8010)) (i32.const 8) (i32.const 35))
    ;; 36: fd_prestat_dir_name with a buffer too small for the name (fd 3 is "data")
    (call $expect (call $fd_prestat_dir_name (i32.const 3) (i32.const 0x8020) (i32.const 3)) (i32.const 37) (i32.const 36))
    (call $expect (call $fd_prestat_dir_name (i32.const 3) (i32.const 0x8020) (i32.const 4)) (i32.const 0) (i32.const 37))
    (call $expect (i32.load (i32.const 0x8020)) (i32.const 0x61746164) (i32.const 38))

    ;; all checks passed
    (call $iov (i32.const 0x10) (i32.const 0x200) (i32.const 3))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x8010)) (i32.const 0) (i32.const 99))
  )
)
