;; A path of "a/a/a/..." as long as the guest asks (argv[1] MiB, default
;; 64), given to path_link with SYMLINK_FOLLOW, path_open and
;; path_filestat_get: each is ENAMETOOLONG (37) before the host does any
;; work proportional to it. With "fill-only" it only builds the path (the
;; test compares the host's peak memory of both runs).
(module
  (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "x")
  (data (i32.const 16) "?? ?? ??\0a")
  (global $path i32 (i32.const 65536))
  (global $len i32 (i32.const 67108864))
  (func $two (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.div_u (local.get $v) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10)))))
  (func (export "_start")
    (local $i i32)
    (drop (memory.grow (i32.const 1025)))
    (block $done
      (loop $fill
        (i32.store (i32.add (global.get $path) (local.get $i)) (i32.const 0x2f612f61))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $fill (i32.lt_u (local.get $i) (global.get $len)))))
    ;; two arguments (the program and "fill-only"): stop here
    (drop (call $args_sizes (i32.const 32) (i32.const 36)))
    (if (i32.eq (i32.load (i32.const 32)) (i32.const 2)) (then (return)))
    (call $two (i32.const 16)
      (call $link (i32.const 3) (i32.const 1) (global.get $path) (global.get $len) (i32.const 3) (i32.const 0) (i32.const 1)))
    (call $two (i32.const 19)
      (call $open (i32.const 3) (i32.const 1) (global.get $path) (global.get $len) (i32.const 0) (i64.const 0) (i64.const 0)
                  (i32.const 0) (i32.const 40)))
    (call $two (i32.const 22)
      (call $stat (i32.const 3) (i32.const 1) (global.get $path) (global.get $len) (i32.const 64)))
    (i32.store (i32.const 48) (i32.const 16))
    (i32.store (i32.const 52) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 56)))))
