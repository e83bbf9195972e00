//! Embedding for hosts that own their main loop: host functions, guest
//! memory between calls, calls in slices of fuel or time, and waits that
//! never block the host thread (docs/embedding.md#hosts-that-own-their-loop).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{Exit, Limits, Run, RunError, Slice, Step, engine_config, engine_config_for};
use wasmi::{Engine, FuncType, Module, Val, ValType};

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, &wat::parse_str(wat).unwrap()[..]).unwrap()
}

fn system() -> UnixSystem {
    UnixSystem::builder().capture_stdout(1 << 20).build().unwrap()
}

/// A plugin: logs through the host, adds through the host, sums a buffer
/// the host hands in through its allocator, and traps or exits through
/// the host when asked.
const PLUGIN: &str = r#"
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail (param i32)))
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 1024))
  (data (i32.const 16) "hello from the guest")
  (data (i32.const 48) "second line")
  ;; A bump allocator, as a guest's malloc or cabi_realloc would be used.
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $n)))
    (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.div_u (local.get $n) (i32.const 65536)) (i32.const 1))))))
    (local.get $p))
  ;; The sum of `n` bytes at `p`, each times its index mod 7, plus one:
  ;; a checksum the host can compute too.
  (func (export "checksum") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $sum (i32.add (local.get $sum)
        (i32.mul (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                 (i32.add (i32.rem_u (local.get $i) (i32.const 7)) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $sum))
  (func (export "talk") (result i32)
    (call $log (i32.const 16) (i32.const 20))
    (call $log (i32.const 48) (i32.const 11))
    (call $add (i32.const 2) (i32.const 40)))
  (func (export "fail") (param $how i32) (call $fail (local.get $how))))
"#;

fn checksum(data: &[u8]) -> i32 {
    data.iter().enumerate().fold(0i32, |s, (i, b)| s.wrapping_add(i32::from(*b) * ((i % 7) as i32 + 1)))
}

fn plugin_run<'a>(engine: &'a Engine, module: &'a Module, logged: Arc<Mutex<Vec<String>>>) -> Run<'a> {
    let i32s = |n: usize| vec![ValType::I32; n];
    Run::new(engine, module)
        .func("env", "log", FuncType::new(i32s(2), []), move |call, args, _| {
            let (ptr, len) = (args[0].i32().unwrap() as u32, args[1].i32().unwrap() as u32);
            let text = call.slice(u64::from(ptr), u64::from(len))?;
            logged.lock().unwrap().push(String::from_utf8_lossy(text).into_owned());
            Ok(())
        })
        .func("env", "add", FuncType::new(i32s(2), i32s(1)), |_, args, results| {
            results[0] = Val::I32(args[0].i32().unwrap() + args[1].i32().unwrap());
            Ok(())
        })
        .func("env", "fail", FuncType::new(i32s(1), []), |_, args, _| match args[0].i32() {
            Some(0) => Err(wasmi::Error::new("the host said no")),
            Some(1) => Err(wasmi::Error::i32_exit(7)),
            _ => panic!("a host function that panics"),
        })
}

#[test]
fn host_functions_read_guest_memory_and_return_results() {
    let engine = Engine::new(&engine_config());
    let module = module(&engine, PLUGIN);
    let logged = Arc::new(Mutex::new(Vec::new()));
    let mut guest = plugin_run(&engine, &module, logged.clone()).instantiate(system()).unwrap();
    let talked = guest.call("talk", &[]).unwrap().unwrap();
    assert_eq!(talked[0].i32(), Some(42));
    assert_eq!(*logged.lock().unwrap(), ["hello from the guest", "second line"]);

    // A 1 MiB buffer handed in through the guest's allocator, summed by
    // the guest, the sum read back.
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let p = guest.call("alloc", &[Val::I32(data.len() as i32)]).unwrap().unwrap()[0].i32().unwrap();
    guest.write_memory(p as u64, &data).unwrap();
    let mut back = vec![0u8; 16];
    guest.read_memory(p as u64 + 100, &mut back).unwrap();
    assert_eq!(back, data[100..116]);
    let sum = guest.call("checksum", &[Val::I32(p), Val::I32(data.len() as i32)]).unwrap().unwrap();
    assert_eq!(sum[0].i32(), Some(checksum(&data)));
    // Out of bounds: the error names the range.
    let size = guest.memory_size() as u64;
    let e = guest.write_memory(size - 2, b"four").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("bytes {}..{} are outside the guest's memory of {size} bytes", size - 2, size + 2)
    );
}

#[test]
fn host_functions_trap_exit_and_never_unwind_a_panic() {
    let engine = Engine::new(&engine_config());
    let module = module(&engine, PLUGIN);
    for (how, want) in [(0, "the host said no"), (1, ""), (2, "host function env::fail panicked")] {
        let run = plugin_run(&engine, &module, Arc::default()).invoke("fail", &[]);
        let args = [Val::I32(how)];
        let finished = run.invoke("fail", &args).run(system()).unwrap();
        match (&finished.exit, how) {
            (Exit::Code(7), 1) => {}
            (Exit::Trap(e), 0 | 2) => assert!(e.to_string().contains(want), "{e}"),
            (other, _) => panic!("{how}: {other:?}"),
        }
    }
}

#[test]
fn a_host_function_of_the_wrong_type_fails_instantiation_naming_both() {
    let engine = Engine::new(&engine_config());
    let module = module(&engine, PLUGIN);
    let e = Run::new(&engine, &module)
        .func("env", "log", FuncType::new([ValType::I32], []), |_, _, _| Ok(()))
        .func("env", "add", FuncType::new([ValType::I32; 2], [ValType::I32]), |_, _, _| Ok(()))
        .func("env", "fail", FuncType::new([ValType::I32], []), |_, _, _| Ok(()))
        .instantiate(system())
        .unwrap_err();
    assert!(matches!(e, RunError::Link(_)));
    assert_eq!(
        e.to_string(),
        "import `env::log` is declared (func (param i32 i32)) but the host defines (func (param i32))"
    );
}

/// Computes and sleeps: ten rounds of a checksum over 1.5 million steps
/// (several milliseconds of interpretation), each printed, then a 50 ms
/// `poll_oneoff` sleep.
const SLEEPER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "round ?: ????????\n")
  (func $compute (param $n i32) (result i32)
    (local $x i32)
    (local.set $x (local.get $n))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $x))
  (func $sleep_50ms
    ;; one relative clock subscription at 0, one event at 64
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 50000000))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))))
  (func $print (param $round i32) (param $x i32)
    (local $i i32)
    (i32.store8 (i32.const 206) (i32.add (i32.const 48) (local.get $round)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.const 8)))
      (i32.store8 (i32.add (i32.const 209) (local.get $i))
        (i32.load8_u offset=300 (i32.and (i32.shr_u (local.get $x) (i32.sub (i32.const 28) (i32.mul (local.get $i) (i32.const 4)))) (i32.const 15))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 144) (i32.const 200))
    (i32.store (i32.const 148) (i32.const 18))
    (drop (call $write (i32.const 1) (i32.const 144) (i32.const 1) (i32.const 152))))
  (data (i32.const 300) "0123456789abcdef")
  (func (export "_start")
    (local $round i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $round) (i32.const 10)))
      (call $print (local.get $round) (call $compute (i32.add (i32.const 1500000) (local.get $round))))
      (call $sleep_50ms)
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br $l)))))
"#;

fn stdout_of(guest: wasi_wasmi::Guest<UnixSystem>) -> Vec<u8> {
    let finished = guest.finish();
    assert!(finished.exit.success(), "{:?}", finished.exit);
    finished.system.into_output().stdout
}

/// The game loop: frames of 16 ms, each giving the guest a 3 ms time
/// slice: its computing yields at the end of a slice. The guest's 50 ms
/// sleeps never block a frame (the frame returns `Waiting` at once), no
/// frame returns much later than its budget, and the output is the
/// uninterrupted run's. How many frames it takes depends on how fast the
/// machine computes (about 100 on 2 cores); the bound of 1,000 only stops
/// a guest that never ends.
#[test]
fn a_sleeping_guest_never_blocks_a_frame() {
    let limits = Limits { metered: true, ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = module(&engine, SLEEPER);
    let whole = Run::new(&engine, &module).limits(limits.clone()).instantiate(system()).unwrap();
    let mut whole = whole;
    assert!(whole.call("_start", &[]).unwrap().is_some());
    let want = stdout_of(whole);
    assert_eq!(want.len(), 180, "{}", String::from_utf8_lossy(&want));

    let budget = Duration::from_millis(3);
    let mut guest = Run::new(&engine, &module).limits(limits).non_blocking(true).instantiate(system()).unwrap();
    let mut took = Vec::new();
    let (mut waits, mut yields, mut done_at) = (0, 0, None);
    let loop_start = Instant::now();
    for frame in 0..1000 {
        let frame_start = Instant::now();
        let step = if frame == 0 {
            guest.start("_start", &[], Slice::time(budget)).unwrap()
        } else {
            guest.resume(Slice::time(budget)).unwrap()
        };
        took.push(frame_start.elapsed());
        match step {
            Step::Returned(_) => {
                done_at = Some(frame);
                break;
            }
            Step::Yielded => yields += 1,
            Step::Waiting(wait) => {
                waits += 1;
                assert!(wait.until.is_some() && wait.read.is_empty(), "{wait:?}");
            }
            Step::Ended => panic!("ended: {:?}", guest.exit()),
        }
        // The rest of the frame is the host's.
        std::thread::sleep((frame_start + Duration::from_millis(16)).saturating_duration_since(Instant::now()));
    }
    let done_at = done_at.expect("the guest did not finish in 1,000 frames");
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{} frames ({waits} waiting, {yields} yielded) in {:.0} ms; frame call time: min {:.3} ms, median {:.3} ms, p90 {:.3} ms, max {:.3} ms (budget {:.0} ms)",
        done_at + 1,
        ms(loop_start.elapsed()),
        ms(took[0]),
        ms(took[took.len() / 2]),
        ms(took[took.len() * 9 / 10]),
        ms(took[took.len() - 1]),
        ms(budget),
    );
    // Ten 50 ms sleeps: a blocked frame would take 50 ms; the bound is
    // generous for a loaded CI machine, and still far below that.
    assert!(took[took.len() - 1] < budget + Duration::from_millis(25), "{took:?}");
    assert!(waits >= 10 && yields >= 10, "{waits} waits, {yields} yields");
    assert_eq!(stdout_of(guest), want);
}

/// Fuel slices: the same output in 1,000 small slices as in one, and the
/// fuel limit counts them all.
#[test]
fn fuel_slices_give_the_same_output() {
    let limits = Limits { metered: true, ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = module(&engine, SLEEPER);
    let whole = Run::new(&engine, &module).limits(limits.clone()).instantiate(system()).unwrap();
    let mut whole = whole;
    assert!(whole.call("_start", &[]).unwrap().is_some());
    let want = stdout_of(whole);

    let mut guest = Run::new(&engine, &module).limits(limits).instantiate(system()).unwrap();
    let mut step = guest.start("_start", &[], Slice::fuel(20_000)).unwrap();
    let mut slices = 1;
    while let Step::Yielded = step {
        step = guest.resume(Slice::fuel(20_000)).unwrap();
        slices += 1;
    }
    assert!(matches!(step, Step::Returned(_)), "{step:?}");
    assert!(slices > 100, "{slices} slices");
    assert_eq!(stdout_of(guest), want);

    // A fuel limit holds across slices.
    let limits = Limits { fuel: Some(100_000), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = self::module(&engine, SLEEPER);
    let mut guest = Run::new(&engine, &module).limits(limits).instantiate(system()).unwrap();
    let mut step = guest.start("_start", &[], Slice::fuel(10_000)).unwrap();
    while let Step::Yielded = step {
        step = guest.resume(Slice::fuel(10_000)).unwrap();
    }
    assert!(matches!(step, Step::Ended) && matches!(guest.exit(), Some(Exit::OutOfFuel)), "{step:?}");
}

/// A time limit ends a guest that keeps yielding or waiting; slices need a
/// metered engine; a second call waits for the first; abandoning ends it.
#[test]
fn limits_and_misuse_across_slices() {
    let limits = Limits { timeout: Some(Duration::from_millis(200)), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = module(&engine, SLEEPER);
    let mut guest = Run::new(&engine, &module).limits(limits).non_blocking(true).instantiate(system()).unwrap();
    let mut step = guest.start("_start", &[], Slice::fuel(50_000)).unwrap();
    let start = Instant::now();
    while !matches!(step, Step::Ended) {
        assert!(start.elapsed() < Duration::from_secs(5), "the time limit did not end it");
        assert!(matches!(guest.start("_start", &[], Slice::UNLIMITED), Err(RunError::Entry(_))));
        std::thread::sleep(Duration::from_millis(2));
        step = guest.resume(Slice::fuel(50_000)).unwrap();
    }
    assert!(matches!(guest.exit(), Some(Exit::Timeout)), "{:?}", guest.exit());

    let engine = Engine::new(&engine_config());
    let module = self::module(&engine, SLEEPER);
    let mut guest = Run::new(&engine, &module).non_blocking(true).instantiate(system()).unwrap();
    assert!(matches!(guest.start("_start", &[], Slice::fuel(10)), Err(RunError::FuelNotEnabled)));
    // Unmetered, unlimited slices still wait without blocking.
    let step = guest.start("_start", &[], Slice::UNLIMITED).unwrap();
    assert!(matches!(step, Step::Waiting(_)), "{step:?}");
    assert!(guest.in_call());
    guest.abandon();
    assert!(matches!(guest.exit(), Some(Exit::Abandoned)));
    assert!(matches!(guest.resume(Slice::UNLIMITED), Err(RunError::Entry(_))));
}

fn assert_send<T: Send>(_: &T) {}

/// A call started on one thread is resumed on another: a guest is `Send`.
#[test]
fn a_yielded_guest_resumes_on_another_thread() {
    let limits = Limits { metered: true, ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = module(&engine, SLEEPER);
    let mut guest = Run::new(&engine, &module).limits(limits).non_blocking(true).instantiate(system()).unwrap();
    assert_send(&guest);
    let step = guest.start("_start", &[], Slice::fuel(1_000)).unwrap();
    assert!(matches!(step, Step::Yielded));
    let out = std::thread::spawn(move || {
        let mut step = guest.resume(Slice::fuel(1_000)).unwrap();
        while !matches!(step, Step::Returned(_)) {
            assert!(!matches!(step, Step::Ended), "{:?}", guest.exit());
            if let Step::Waiting(w) = &step {
                std::thread::sleep(w.until.map_or(Duration::ZERO, |u| u.saturating_duration_since(Instant::now())));
            }
            step = guest.resume(Slice::fuel(100_000)).unwrap();
        }
        stdout_of(guest)
    })
    .join()
    .unwrap();
    assert_eq!(out.len(), 180);
}

/// One module compiled once serves many instances, each on a thread of
/// its own, at once.
#[test]
fn one_module_many_instances_on_many_threads() {
    let engine = Engine::new(&engine_config());
    let module = module(&engine, PLUGIN);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (engine, module) = (engine.clone(), module.clone());
            std::thread::spawn(move || {
                let mut guest = plugin_run(&engine, &module, Arc::default()).instantiate(system()).unwrap();
                let data = vec![t as u8 + 1; 100_000];
                let p = guest.call("alloc", &[Val::I32(data.len() as i32)]).unwrap().unwrap()[0].i32().unwrap();
                guest.write_memory(p as u64, &data).unwrap();
                let sum = guest.call("checksum", &[Val::I32(p), Val::I32(data.len() as i32)]).unwrap().unwrap();
                (sum[0].i32().unwrap(), checksum(&data))
            })
        })
        .collect();
    for t in threads {
        let (got, want) = t.join().unwrap();
        assert_eq!(got, want);
    }
}
