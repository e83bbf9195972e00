;; A reactor: _initialize sets a base, add returns base + a + b, bump
;; counts the calls made to it on one instance.
(module
  (global $base (mut i32) (i32.const 1000))
  (global $count (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $base (i32.const 0)))
  (func (export "add") (param i32 i64) (result i64)
    (i64.extend_i32_s (i32.add (global.get $base) (local.get 0)))
    (local.get 1)
    (i64.add))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count)))
