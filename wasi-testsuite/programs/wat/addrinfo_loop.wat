;; sock_getaddrinfo with a result list whose one entry links to itself and
;; a `max` of 0xffffffff: the host must walk a bounded number of entries,
;; answer, and stay small. Prints the errno and the count as "errno N n M".
(module
  (import "wasi_snapshot_preview1" "sock_getaddrinfo"
    (func $getaddrinfo (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "127.0.0.1\00")
  (data (i32.const 16) "80\00")
  ;; hints at 32 (28 bytes, all zero: any family, any type)
  ;; the entry at 64: ai_addr = 128, ai_canonname = 160 (32 bytes), ai_next = 64
  (data (i32.const 76) "\80\00\00\00\a0\00\00\00\20\00\00\00\40\00\00\00")
  ;; its sockaddr at 128: sa_data_len = 26, sa_data = 192
  (data (i32.const 132) "\1a\00\00\00\c0\00\00\00")
  ;; res at 240 points to the entry
  (data (i32.const 240) "\40\00\00\00")
  (data (i32.const 300) "errno ?? n ??\0a")
  (func $two (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.div_u (local.get $v) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10)))))
  (func (export "_start")
    (call $two (i32.const 306)
      (call $getaddrinfo (i32.const 0) (i32.const 10) (i32.const 16) (i32.const 3) (i32.const 32)
                         (i32.const 240) (i32.const -1) (i32.const 248)))
    (call $two (i32.const 311) (i32.load (i32.const 248)))
    (i32.store (i32.const 400) (i32.const 300))
    (i32.store (i32.const 404) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 408)))))
