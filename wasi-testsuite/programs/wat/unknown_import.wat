;; Imports a function preview1 does not have: the module cannot be linked.
(module
  (import "wasi_snapshot_preview1" "no_such_call" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
