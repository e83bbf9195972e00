//! Modules prepared for backtraces (`wasi_wasmi::diagnostics`): accepted
//! exactly when wasmi accepts the original, valid once rewritten, the same
//! to the guest (limits, fuel within the documented tolerance), and the
//! frames on the trap outcome.

use std::path::Path;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::diagnostics::{Detail, Options, Prepared, prepare};
use wasi_wasmi::{Exit, Limits, Proposals, Run, Trap, engine_config, engine_config_for};
use wasmi::{Config, Engine, Module};

/// Every `.wat` conformance program, and modules each proposal setting
/// must refuse or accept.
fn modules() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wasi-testsuite/programs/wat");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .map(|p| (p.display().to_string(), wat::parse_file(&p).unwrap()))
        .collect();
    out.sort();
    for (name, text) in [
        ("type mismatch", "(module (func (result i32) i64.const 1))"),
        ("simd", "(module (func (result v128) v128.const i64x2 1 2))"),
        ("tail call", "(module (func $f return_call $f))"),
        ("two memories", "(module (memory 1) (memory 1) (func (result i32) i32.const 0 i32.load 1))"),
        ("multi-value", "(module (func (result i32 i64) i32.const 1 i64.const 2 return))"),
        ("unreachable tail", "(module (func (result i32) unreachable i32.add))"),
        ("bad local index", "(module (func local.get 0 drop))"),
        // Custom page sizes: the rewrite's own memory uses them, the guest
        // may not (wasmi is configured without them).
        ("custom page sizes", "(module (memory 1 (pagesize 1)))"),
        (
            "br to the function",
            "(module (func (param i32) (result i32) i32.const 5 local.get 0 br_if 0 drop i32.const 6))",
        ),
    ] {
        out.push((name.to_owned(), wat::parse_str(text).unwrap()));
    }
    out
}

fn config_with(p: Proposals) -> Config {
    let mut config = engine_config();
    p.apply(&mut config);
    config
}

#[test]
fn prepared_exactly_when_wasmi_accepts_and_valid_once_rewritten() {
    let off =
        Proposals { simd: false, relaxed_simd: false, tail_call: false, multi_memory: false, ..Proposals::default() };
    for proposals in [Proposals::default(), off] {
        let engine = Engine::new(&config_with(proposals));
        for (name, wasm) in modules() {
            let wasmi_accepts = Module::validate(&engine, &wasm).is_ok();
            for detail in [Detail::Frames, Detail::Lines] {
                let options = Options { detail, core_dump: true, proposals, ..Options::new("m") };
                match prepare(&wasm, &options) {
                    Ok(p) => {
                        assert!(wasmi_accepts, "{name}: prepared, but wasmi refuses it ({proposals:?})");
                        // The rewrite is valid with multi-memory (its own
                        // memory) and compiles.
                        let mut features = wasmparser::WasmFeatures::default();
                        features.set(wasmparser::WasmFeatures::MULTI_MEMORY, true);
                        features.set(wasmparser::WasmFeatures::CUSTOM_PAGE_SIZES, true);
                        wasmparser::Validator::new_with_features(features)
                            .validate_all(&p.wasm)
                            .unwrap_or_else(|e| panic!("{name} ({detail:?}): the rewrite is invalid: {e}"));
                        p.compile(&engine_config()).unwrap_or_else(|e| panic!("{name}: {e}"));
                    }
                    Err(why) => {
                        assert!(why.invalid, "{name}: skipped: {why}");
                        assert!(!wasmi_accepts, "{name}: wasmi accepts it, prepare says {why}");
                    }
                }
            }
        }
    }
}

const FIB: &str = r#"
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (return (local.get 0)))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $depth3 (param i32) (result i32) (if (local.get 0) (then unreachable)) (local.get 0))
  (func $depth2 (param i32) (result i32) (call $depth3 (local.get 0)))
  (func (export "_start")
    (drop (call $fib (i32.const 15)))
    (call $proc_exit (call $depth2 (i32.const 0))))
  (func $trap (export "trap") (drop (call $depth2 (i32.const 1)))))
"#;

/// Whether FIB's `_start` finishes within `fuel`, prepared or not.
fn finishes_within(fuel: u64, prepared: bool) -> bool {
    let wasm = wat::parse_str(FIB).unwrap();
    let limits = Limits { fuel: Some(fuel), ..Limits::default() };
    let config = engine_config_for(&limits);
    let system = UnixSystem::builder().build().unwrap();
    let exit = if prepared {
        let p = prepare(&wasm, &Options::new("fib")).unwrap();
        let (engine, module) = p.compile(&config).unwrap();
        Run::new(&engine, &module).limits(limits).diagnostics(p.map.clone()).run(system).unwrap().exit
    } else {
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &wasm[..]).unwrap();
        Run::new(&engine, &module).limits(limits).run(system).unwrap().exit
    };
    match exit {
        Exit::Code(0) => true,
        Exit::OutOfFuel => false,
        other => panic!("{other:?}"),
    }
}

/// The least fuel FIB's `_start` needs.
fn least_fuel(prepared: bool) -> u64 {
    let (mut lo, mut hi) = (1u64, 1 << 24);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if finishes_within(mid, prepared) { hi = mid } else { lo = mid + 1 }
    }
    lo
}

/// Calls `_start` makes: fib(15)'s 1,973, `depth2` and `depth3`.
const CALLS: u64 = 1_973 + 2;

#[test]
fn fuel_grows_by_at_most_the_documented_units_per_call() {
    let plain = least_fuel(false);
    let prepared = least_fuel(true);
    let per_call = (prepared - plain) as f64 / CALLS as f64;
    println!("fuel: {plain} plain, {prepared} prepared, {per_call:.2} more per call");
    assert!(prepared > plain, "the prologue costs something: {plain} vs {prepared}");
    assert!(per_call <= wasi_wasmi::diagnostics::FUEL_PER_CALL as f64, "{per_call:.2} more fuel per call");
}

/// Runs the export `name` of a prepared module with its frame map: the
/// trap it must end in.
fn trap_of(p: &Prepared, name: &str) -> Box<Trap> {
    let (engine, module) = p.compile(&engine_config()).unwrap();
    let finished = Run::new(&engine, &module)
        .invoke(name, &[])
        .diagnostics(p.map.clone())
        .run(UnixSystem::builder().build().unwrap())
        .unwrap();
    let Exit::Trap(trap) = finished.exit else { panic!("{:?}", finished.exit) };
    trap
}

#[test]
fn a_trap_outcome_carries_the_frames_innermost_first() {
    let wasm = wat::parse_str(FIB).unwrap();
    let p = prepare(&wasm, &Options::new("fib.wat")).unwrap();
    let trap = trap_of(&p, "trap");
    let bt = trap.backtrace.expect("frames");
    let names: Vec<_> = bt.frames.iter().map(|f| f.name.as_deref().unwrap_or("?")).collect();
    assert_eq!(names, ["depth3", "depth2", "trap"]);
    assert_eq!(bt.frames[0].func_index, 2);
    assert_eq!(bt.frames[0].module, "fib.wat");
    assert_eq!(bt.to_string(), "wasm backtrace:\n    0: fib.wat!depth3\n    1: fib.wat!depth2\n    2: fib.wat!trap");
    assert_eq!(trap.error.to_string(), "wasm `unreachable` instruction executed");
}

#[test]
fn a_small_module_keeps_two_byte_records_in_a_32_kib_ring() {
    let wasm = wat::parse_str(FIB).unwrap();
    let p = prepare(&wasm, &Options::new("fib.wat")).unwrap();
    assert_eq!(p.map.host_memory(), 32 << 10);
    let lines = prepare(&wasm, &Options { detail: Detail::Lines, ..Options::new("fib.wat") }).unwrap();
    assert_eq!(lines.map.host_memory(), 64 << 10);
}

/// A function index past 65,534 does not fit a 2-byte record: such a
/// module keeps 4-byte records (in a 64 KiB ring), and its frames are
/// named right.
#[test]
fn a_module_of_more_than_65534_functions_keeps_four_byte_records() {
    let mut text = String::from("(module\n");
    for _ in 0..65_536 {
        text.push_str("(func)\n");
    }
    text.push_str(
        r#"(func $deep unreachable)
           (func $middle call $deep)
           (func (export "trap") call $middle))"#,
    );
    let wasm = wat::parse_str(&text).unwrap();
    let p = prepare(&wasm, &Options::new("many.wat")).unwrap();
    assert_eq!(p.map.host_memory(), 64 << 10);
    let trap = trap_of(&p, "trap");
    let bt = trap.backtrace.expect("frames");
    let indices: Vec<u32> = bt.frames.iter().map(|f| f.func_index).collect();
    assert_eq!(indices, [65_536, 65_537, 65_538]);
    let names: Vec<_> = bt.frames.iter().map(|f| f.name.as_deref().unwrap_or("?")).collect();
    assert_eq!(names, ["deep", "middle", "?"]);
}

#[test]
fn the_shadow_stack_is_not_counted_against_the_memory_limit() {
    // The guest's one page is exactly the limit: it runs as it does
    // unprepared, and growing past it is refused the same way.
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "_start") (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))))"#,
    )
    .unwrap();
    let p = prepare(&wasm, &Options::new("m")).unwrap();
    let (engine, module) = p.compile(&engine_config()).unwrap();
    let limits = Limits { max_memory: Some(1 << 16), ..Limits::default() };
    let finished = Run::new(&engine, &module)
        .limits(limits)
        .diagnostics(p.map.clone())
        .run(UnixSystem::builder().build().unwrap())
        .unwrap();
    assert!(matches!(finished.exit, Exit::Code(0)), "{:?}", finished.exit);
    assert_eq!(finished.memory_refused, Some(2 << 16));
}

/// Every way out of a function pops its frame: `return`, a branch to the
/// function's label (`br`, `br_if`, `br_table`), a `return_call`, falling
/// off the end; the frames at a later trap are only the live ones.
#[test]
fn every_way_out_pops_its_frame() {
    let wasm = wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (func $by_return (param i32) (result i32) (if (local.get 0) (then (return (i32.const 1)))) (i32.const 2))
          (func $by_br (param i32) (result i32) (i32.const 3) (br 0))
          (func $by_br_if (param i32) (result i32) (i32.const 4) (local.get 0) (br_if 0) (drop) (i32.const 5))
          (func $by_br_table (param i32) (result i32)
            (block (result i32) (i32.const 6) (local.get 0) (br_table 1 0)) (drop) (i32.const 7))
          (func $by_end (param i32) (result i32) (local.get 0))
          (func $by_return_call (param i32) (result i32) (return_call $by_end (local.get 0)))
          (func $trap (param i32) (result i32) unreachable)
          (func $main (export "main") (result i32)
            (i32.add (call $by_return (i32.const 1)) (call $by_br (i32.const 1)))
            (i32.add (call $by_br_if (i32.const 1)) (call $by_br_table (i32.const 0)))
            (i32.add (call $by_end (i32.const 1)) (call $by_return_call (i32.const 1)))
            (i32.add) (i32.add)
            (call $trap)))"#,
    )
    .unwrap();
    let p = prepare(&wasm, &Options::new("ways")).unwrap();
    let trap = trap_of(&p, "main");
    let names: Vec<_> = trap.backtrace.unwrap().frames.iter().map(|f| f.name.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["trap", "main"]);
}
