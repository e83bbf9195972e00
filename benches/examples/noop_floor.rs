//! The floor of a host call on wasmi: an import that does nothing, with
//! and without borrowing linear memory, and one that only makes the
//! 1-byte write(2) to /dev/null (no WASI layer). `cargo run --release
//! --manifest-path benches/Cargo.toml --target-dir target --example noop_floor`
use std::time::Instant;
use wasmi::{Caller, Engine, Linker, Module, Store};

const WAT: &str = r#"(module
  (import "env" "noop" (func $noop (param i32 i32) (result i32)))
  (import "env" "mem" (func $mem (param i32 i32) (result i32)))
  (import "env" "write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "noop_loop") (param $n i32)
    (loop $l (drop (call $noop (i32.const 1) (i32.const 2)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func (export "write_loop") (param $n i32)
    (loop $l (drop (call $write (i32.const 1) (i32.const 2)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func (export "mem_loop") (param $n i32)
    (loop $l (drop (call $mem (i32.const 1) (i32.const 2)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))))"#;

fn main() {
    let engine = Engine::new(&wasi_wasmi::engine_config());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()[..]).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "noop", |_: Caller<'_, ()>, a: u32, b: u32| -> u32 { a ^ b }).unwrap();
    linker
        .func_wrap("env", "mem", |mut c: Caller<'_, ()>, a: u32, b: u32| -> u32 {
            let m = c.get_export("memory").and_then(wasmi::Extern::into_memory).unwrap();
            let (bytes, _) = m.data_and_store_mut(&mut c);
            bytes[a as usize] ^= b as u8;
            0
        })
        .unwrap();
    // The bare system call, with no WASI layer: one byte to /dev/null.
    let null = rustix::fs::open("/dev/null", rustix::fs::OFlags::WRONLY, rustix::fs::Mode::empty()).unwrap();
    linker
        .func_wrap("env", "write", move |_: Caller<'_, ()>, _: u32, _: u32| -> u32 {
            rustix::io::write(&null, b"x").map_or(1, |_| 0)
        })
        .unwrap();
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    for name in ["noop_loop", "mem_loop", "write_loop"] {
        let f = instance.get_typed_func::<u32, ()>(&store, name).unwrap();
        f.call(&mut store, 1000).unwrap();
        let n = 20_000_000;
        let t = Instant::now();
        f.call(&mut store, n).unwrap();
        println!("{name}: {:.1} ns per call", t.elapsed().as_nanos() as f64 / f64::from(n));
    }
}
