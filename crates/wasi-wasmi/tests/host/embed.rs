//! Embedding the host without the CLI: build a system from explicit fds,
//! run a module, read its output and exit code back.

use std::io::Read;
use std::time::{Duration, Instant};
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{Exit, Limits, Run, RunError, engine_config, engine_config_for, run_command};
use wasmi::{Engine, Module, Val};

const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "from the guest\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $args_sizes_get (i32.const 8) (i32.const 12)))
    ;; exit with 40 + argc
    (call $proc_exit (i32.add (i32.const 40) (i32.load (i32.const 8))))))
"#;

#[test]
fn exit_code_and_output_come_back() {
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    let system = UnixSystem::builder().args(["guest", "one"]).stdout(writer).build().unwrap();
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wat::parse_str(GUEST).unwrap()[..]).unwrap();
    let finished = run_command(&engine, &module, system).unwrap();
    assert!(matches!(finished.exit, Exit::Code(42)), "{:?}", finished.exit);
    assert_eq!(finished.system.exit_code(), Some(42));
    drop(finished);
    let mut out = String::new();
    std::fs::File::from(reader).read_to_string(&mut out).unwrap();
    assert_eq!(out, "from the guest\n");
}

#[test]
fn a_trap_is_reported_not_raised() {
    let engine = Engine::new(&engine_config());
    let module =
        Module::new(&engine, &wat::parse_str(r#"(module (func (export "_start") unreachable))"#).unwrap()[..]).unwrap();
    let finished = run_command(&engine, &module, UnixSystem::builder().build().unwrap()).unwrap();
    match finished.exit {
        Exit::Trap(e) => assert!(e.to_string().contains("unreachable"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_start_is_a_link_error() {
    let engine = Engine::new(&engine_config());
    let module = Module::new(&engine, &wat::parse_str("(module)").unwrap()[..]).unwrap();
    assert!(run_command(&engine, &module, UnixSystem::builder().build().unwrap()).is_err());
}

const CAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "to stderr\n")
  ;; Copies stdin to stdout until end-of-file, then says so on stderr.
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (block $eof
      (loop $copy
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (i32.store (i32.const 16) (i32.const 1024))
        (i32.store (i32.const 20) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 12)))
        (br $copy)))
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.const 10))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 12)))))
"#;

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, &wat::parse_str(wat).unwrap()[..]).unwrap()
}

/// Input fed from memory, output captured into memory: no host fds involved.
#[test]
fn stdio_in_memory() {
    let engine = Engine::new(&engine_config());
    let input: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let system = UnixSystem::builder()
        .arg("cat")
        .stdin_bytes(input.clone())
        .capture_stdout(1 << 20)
        .capture_stderr(1 << 20)
        .build()
        .unwrap();
    let finished = run_command(&engine, &module(&engine, CAT), system).unwrap();
    assert!(finished.exit.success(), "{:?}", finished.exit);
    let output = finished.system.into_output();
    assert!(output.stdout == input, "stdout differs from the input");
    assert_eq!(output.stderr, b"to stderr\n");
}

const SPIN: &str = r#"(module (func (export "_start") (loop $l (br $l))))"#;

#[test]
fn fuel_runs_out() {
    let limits = Limits { fuel: Some(1_000_000), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let spin = module(&engine, SPIN);
    let run = Run::new(&engine, &spin).limits(limits);
    let finished = run.run(UnixSystem::builder().build().unwrap()).unwrap();
    assert!(matches!(finished.exit, Exit::OutOfFuel), "{:?}", finished.exit);
}

#[test]
fn fuel_limits_need_a_metered_engine() {
    let engine = Engine::new(&engine_config());
    let spin = module(&engine, SPIN);
    let run = Run::new(&engine, &spin).limits(Limits { fuel: Some(5), ..Limits::default() });
    assert!(matches!(run.run(UnixSystem::builder().build().unwrap()), Err(RunError::FuelNotEnabled)));
}

/// The library's time limit (fuel slices, checked against the clock)
/// stops an endless loop soon after the deadline.
#[test]
fn timeout_stops_an_endless_loop() {
    let limits = Limits { timeout: Some(Duration::from_millis(300)), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let spin = module(&engine, SPIN);
    let started = Instant::now();
    let run = Run::new(&engine, &spin).limits(limits);
    let finished = run.run(UnixSystem::builder().build().unwrap()).unwrap();
    assert!(matches!(finished.exit, Exit::Timeout), "{:?}", finished.exit);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "took {took:?}");
}

/// Fuel and time together: a short computation finishes within both.
#[test]
fn limits_let_a_short_guest_finish() {
    let limits = Limits {
        fuel: Some(500_000_000),
        timeout: Some(Duration::from_secs(30)),
        max_memory: Some(1 << 20),
        ..Limits::default()
    };
    let engine = Engine::new(&engine_config_for(&limits));
    let count = r#"(module (func (export "count") (param i32) (result i32) (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
        (local.get $i)))"#;
    let args = [Val::I32(10_000_000)];
    let count = module(&engine, count);
    let run = Run::new(&engine, &count).limits(limits).invoke("count", &args);
    let finished = run.run(UnixSystem::builder().build().unwrap()).unwrap();
    assert!(finished.exit.success(), "{:?}", finished.exit);
    assert_eq!(finished.results[0].i32(), Some(10_000_000));
}

/// Growing memory past the limit fails as the spec allows (-1), and the
/// refused size is reported.
#[test]
fn memory_growth_is_refused_past_the_limit() {
    let limits = Limits { max_memory: Some(4 << 16), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let grow = r#"(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let module = module(&engine, grow);
    let call = |pages: i32| {
        let args = [Val::I32(pages)];
        let run = Run::new(&engine, &module).limits(limits.clone()).invoke("grow", &args);
        run.run(UnixSystem::builder().build().unwrap()).unwrap()
    };
    let ok = call(3);
    assert_eq!((ok.results[0].i32(), ok.memory_refused), (Some(1), None));
    let refused = call(4);
    assert_eq!((refused.results[0].i32(), refused.memory_refused), (Some(-1), Some(5 << 16)));
}

/// A memory whose initial size is over the limit is refused at
/// instantiation, and reported the same way.
#[test]
fn an_initial_memory_over_the_limit_is_refused() {
    let limits = Limits { max_memory: Some(1 << 16), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let big = r#"(module (memory 2) (func (export "_start")))"#;
    let finished =
        Run::new(&engine, &module(&engine, big)).limits(limits).run(UnixSystem::builder().build().unwrap()).unwrap();
    assert!(!finished.exit.success());
    assert_eq!(finished.memory_refused, Some(2 << 16));
}

/// A reactor: `_initialize` runs once, before the invoked export; without
/// an export to call it is an entry error.
#[test]
fn reactors_initialize_first() {
    let engine = Engine::new(&engine_config());
    let reactor = module(
        &engine,
        r#"(module (global $g (mut i32) (i32.const 0))
            (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 10))))
            (func (export "get") (result i32) (global.get $g)))"#,
    );
    let finished = Run::new(&engine, &reactor).invoke("get", &[]).run(UnixSystem::builder().build().unwrap()).unwrap();
    assert_eq!(finished.results[0].i32(), Some(10));
    let err = Run::new(&engine, &reactor).run(UnixSystem::builder().build().unwrap()).unwrap_err();
    assert!(matches!(&err, RunError::Entry(why) if why.contains("reactor")), "{err}");
    let err = Run::new(&engine, &reactor).invoke("get", &[Val::I32(1)]).run(UnixSystem::builder().build().unwrap());
    assert!(matches!(err, Err(RunError::Entry(_))));
}

/// The peak resident memory of this process so far, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A guest writing 100 MB into a 1 MiB capture: the capture keeps 1 MiB,
/// counts the rest as dropped, and the host's memory stays small.
#[test]
fn capture_keeps_its_capacity() {
    let engine = Engine::new(&engine_config());
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 2)
          (func (export "_start") (local $i i32)
            (i32.store (i32.const 0) (i32.const 1024))
            (i32.store (i32.const 4) (i32.const 65536))
            (memory.fill (i32.const 1024) (i32.const 120) (i32.const 65536))
            (loop $more
              (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $more (i32.lt_u (local.get $i) (i32.const 1526))))))"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm[..]).unwrap();
    let system = UnixSystem::builder().capture_stdout(1 << 20).build().unwrap();
    let finished = run_command(&engine, &module, system).unwrap();
    assert!(finished.exit.success());
    let out = finished.system.into_output();
    assert_eq!(out.stdout.len(), 1 << 20);
    assert_eq!(out.stdout.len() as u64 + out.stdout_dropped, 1526 * 65536);
    assert!(out.stdout.iter().all(|&b| b == b'x'));
    let peak = peak_kib();
    assert!(peak < 32 * 1024, "peak {peak} KiB");
}

/// `Limits::timeout` stops a guest sleeping in `poll_oneoff` (10 s) and
/// one blocked reading a pipe that never gets data, at the deadline.
#[test]
fn timeout_interrupts_a_blocked_guest() {
    let limits = Limits { timeout: Some(Duration::from_millis(300)), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let sleeper = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            ;; one relative monotonic clock subscription of 10 s at 0
            (i32.store8 (i32.const 8) (i32.const 0))
            (i32.store (i32.const 16) (i32.const 1))
            (i64.store (i32.const 24) (i64.const 10000000000))
            (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#,
    )
    .unwrap();
    let reader = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 64))
            (i32.store (i32.const 4) (i32.const 16))
            (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .unwrap();
    for (what, wasm) in [("sleep", sleeper), ("read", reader)] {
        let module = Module::new(&engine, &wasm[..]).unwrap();
        let (r, _w) = rustix::pipe::pipe().unwrap();
        let system = UnixSystem::builder().stdin(r).build().unwrap();
        let start = Instant::now();
        let finished = Run::new(&engine, &module).limits(limits.clone()).run(system).unwrap();
        let took = start.elapsed();
        assert!(matches!(finished.exit, Exit::Timeout), "{what}: {:?}", finished.exit);
        assert!(took < Duration::from_secs(1), "{what}: took {took:?}");
    }
}

/// `inherit_stdio` gives the guest this process's own stdio, and
/// `inherit_env` its environment.
#[test]
fn inherited_stdio_and_environment() {
    use wasi_preview1::System;
    let mut sys = UnixSystem::builder().inherit_stdio().inherit_env().env("EXTRA", "1").build().unwrap();
    for fd in 0..3 {
        let ours = rustix::fs::fstat(own_stdio(fd)).unwrap();
        let theirs = sys.fd_filestat_get(fd).unwrap();
        #[allow(clippy::unnecessary_cast)] // st_dev is 32 bits on some systems
        let ours = (ours.st_dev as u64, ours.st_ino as u64);
        assert_eq!((theirs.dev, theirs.ino), ours, "fd {fd}");
    }
    let env: Vec<Vec<u8>> = sys.environ_get().unwrap().iter().map(<[u8]>::to_vec).collect();
    let path = std::env::var("PATH").unwrap();
    assert!(env.contains(&format!("PATH={path}").into_bytes()));
    assert!(env.contains(&b"EXTRA=1".to_vec()));
}

/// This process's stdio fd `fd`, borrowed through std.
fn own_stdio(fd: u32) -> std::os::fd::OwnedFd {
    use std::os::fd::AsFd;
    match fd {
        0 => std::io::stdin().as_fd().try_clone_to_owned().unwrap(),
        1 => std::io::stdout().as_fd().try_clone_to_owned().unwrap(),
        _ => std::io::stderr().as_fd().try_clone_to_owned().unwrap(),
    }
}

const COUNTER: &str = r#"
(module
  (global $n (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $n (i32.const 10)))
  (func (export "bump") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n))
  (func (export "spin") (loop $l (br $l)))
  (func (export "boom") unreachable))
"#;

/// A guest instantiated once keeps its state across calls; an ended guest
/// takes no more calls.
#[test]
fn an_instantiated_guest_keeps_its_state_across_calls() {
    let engine = Engine::new(&engine_config());
    let counter = module(&engine, COUNTER);
    let mut guest = Run::new(&engine, &counter).instantiate(UnixSystem::builder().build().unwrap()).unwrap();
    let bump = |g: &mut wasi_wasmi::Guest<UnixSystem>| g.call("bump", &[]).unwrap().unwrap()[0].i32();
    assert_eq!(bump(&mut guest), Some(11));
    assert_eq!(bump(&mut guest), Some(12));
    assert!(guest.call("bump", &[Val::I32(1)]).is_err(), "wrong arguments are refused");
    assert!(guest.exit().is_none());
    assert!(guest.call("boom", &[]).unwrap().is_none());
    assert!(matches!(guest.exit(), Some(Exit::Trap(_))));
    assert!(guest.call("bump", &[]).is_err(), "an ended guest takes no calls");
    assert!(matches!(guest.finish().exit, Exit::Trap(_)));

    // Fuel is spent across calls.
    let limits = Limits { fuel: Some(50_000), ..Limits::default() };
    let engine = Engine::new(&engine_config_for(&limits));
    let module = module(&engine, COUNTER);
    let mut guest =
        Run::new(&engine, &module).limits(limits).instantiate(UnixSystem::builder().build().unwrap()).unwrap();
    assert_eq!(guest.call("bump", &[]).unwrap().unwrap()[0].i32(), Some(11));
    assert!(guest.call("spin", &[]).unwrap().is_none());
    assert!(matches!(guest.exit(), Some(Exit::OutOfFuel)));
}
