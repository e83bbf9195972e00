;; preview0 has no sock_accept: importing it is a link error, not a stub.
(module
  (import "wasi_unstable" "sock_accept" (func (param i32 i32 i32) (result i32)))
  (func (export "_start")))
