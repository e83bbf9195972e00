//! Embedding the host without the CLI: build a system from explicit fds,
//! run a module, read its output and exit code back.

use std::io::Read;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{Exit, engine_config, run_command};
use wasmi::{Engine, Module};

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
