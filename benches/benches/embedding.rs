//! What embedding for a host that owns its loop costs (docs/embedding.md,
//! docs/c-api.md):
//!
//! - `slices/N`: a compute-bound guest run to the end in N fuel slices
//!   (1, 10, 1,000), on the same metered engine: what pausing and resuming
//!   costs;
//! - `call/*`: one call from wasm per iteration (1,000 per sample) of a
//!   host function defined in Rust (`Run::func`), of the same function
//!   defined through the C API (`wasirun_config_define_func`, a C-ABI
//!   callback), and of a preview1 call that makes no system call
//!   (`args_sizes_get`), for comparison.

// criterion_group! defines an undocumented `pub fn`; the C API is called
// through its C functions, which are unsafe.
#![allow(missing_docs, unsafe_code)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::ffi::c_void;
use wasi_preview1::unix::UnixSystem;
use wasi_run as c;
use wasi_wasmi::{Limits, Run, Slice, Step, engine_config, engine_config_for};
use wasmi::{Engine, FuncType, Module, Val, ValType};

/// `_start` runs xorshift32 for 20 million steps.
const COMPUTE: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $x i32) (local $n i32)
    (local.set $x (i32.const 1)) (local.set $n (i32.const 20000000))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 0) (local.get $x))))
"#;

/// Each export calls its import `n` times.
const CALLS: &str = r#"
(module
  (import "env" "nop" (func $nop (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "host") (param $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (drop (call $nop (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l))))
  (func (export "preview1") (param $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (drop (call $sizes (i32.const 0) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))))
"#;

const N: i32 = 1000;

fn slices(cr: &mut Criterion) {
    let limits = Limits { metered: true, ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = Module::new(&engine, &wat::parse_str(COMPUTE).unwrap()[..]).unwrap();
    // The whole run's fuel, measured once, split into equal slices.
    let mut probe =
        Run::new(&engine, &module).limits(limits.clone()).instantiate(UnixSystem::builder().build().unwrap()).unwrap();
    let total = {
        let mut used = 0u64;
        let mut step = probe.start("_start", &[], Slice::fuel(1_000_000)).unwrap();
        used += 1_000_000;
        while let Step::Yielded = step {
            step = probe.resume(Slice::fuel(1_000_000)).unwrap();
            used += 1_000_000;
        }
        used
    };
    let mut g = cr.benchmark_group("slices");
    g.sample_size(20);
    for n in [1u64, 10, 1000] {
        let slice = Slice::fuel(total / n + 1);
        g.bench_function(n.to_string(), |b| {
            b.iter(|| {
                let system = UnixSystem::builder().build().unwrap();
                let mut guest = Run::new(&engine, &module).limits(limits.clone()).instantiate(system).unwrap();
                let mut step = guest.start("_start", &[], slice).unwrap();
                while let Step::Yielded = step {
                    step = guest.resume(slice).unwrap();
                }
                assert!(matches!(step, Step::Returned(_)));
            });
        });
    }
    g.finish();
}

extern "C" fn c_nop(
    _userdata: *mut c_void,
    _caller: *mut c::wasirun_caller,
    args: *const c::wasirun_val,
    _nargs: usize,
    results: *mut c::wasirun_val,
    _nresults: usize,
) -> i32 {
    // SAFETY: the library passes one i32 argument and room for one result.
    unsafe { (*results).of.i32 = (*args).of.i32 };
    0
}

fn calls(cr: &mut Criterion) {
    let wasm = wat::parse_str(CALLS).unwrap();
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wasm[..]).unwrap();
    let i32s = FuncType::new([ValType::I32], [ValType::I32]);
    let mut rust = Run::new(&engine, &module)
        .func("env", "nop", i32s, |_, args, results| {
            results[0] = args[0].clone();
            Ok(())
        })
        .instantiate(UnixSystem::builder().arg("bench").build().unwrap())
        .unwrap();

    // The same through the C API.
    // SAFETY: every pointer passed is live and every handle is freed once.
    let instance = unsafe {
        let m = c::wasirun_module_new(wasm.as_ptr(), wasm.len(), std::ptr::null_mut());
        let config = c::wasirun_config_new();
        c::wasirun_config_arg(config, c"bench".as_ptr());
        let kinds = [c::wasirun_valkind::WASIRUN_I32];
        assert!(c::wasirun_config_define_func(
            config,
            c"env".as_ptr(),
            c"nop".as_ptr(),
            kinds.as_ptr(),
            1,
            kinds.as_ptr(),
            1,
            c_nop,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
        ));
        let instance = c::wasirun_instance_new(m, config, std::ptr::null_mut());
        c::wasirun_config_delete(config);
        c::wasirun_module_delete(m);
        assert!(!instance.is_null());
        instance
    };
    let c_call = |export: &std::ffi::CStr| {
        let n = c::wasirun_val { kind: c::wasirun_valkind::WASIRUN_I32, of: c::wasirun_valunion { i32: N } };
        // SAFETY: the instance is live; the result is freed.
        unsafe {
            let r = c::wasirun_instance_call(instance, export.as_ptr(), &n, 1);
            assert_eq!(c::wasirun_result_outcome(r), c::wasirun_outcome::WASIRUN_EXITED);
            c::wasirun_result_delete(r);
        }
    };

    let mut g = cr.benchmark_group("call");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("host_function_rust", |b| b.iter(|| rust.call("host", &[Val::I32(N)]).unwrap().unwrap()));
    g.bench_function("host_function_c", |b| b.iter(|| c_call(c"host")));
    g.bench_function("preview1_args_sizes_get", |b| b.iter(|| rust.call("preview1", &[Val::I32(N)]).unwrap().unwrap()));
    g.finish();
    // SAFETY: live, and not used again.
    unsafe { c::wasirun_instance_delete(instance) };
}

criterion_group!(benches, slices, calls);
criterion_main!(benches);
