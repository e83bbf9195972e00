;; WASIX reuses the name sock_open with four parameters. wasi-run must not
;; bind the WasmEdge function to it: the module fails to link, naming it.
(module
  (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
