//! The engine alone: loads a command module, gives it `fd_write` (to the
//! host's stdout and stderr) and `proc_exit`, and runs `_start`. What
//! every WASI host built on wasmi carries at least; docs/footprint.md
//! compares wasi-run's minimal C host with it.

use std::io::Write;
use std::process::ExitCode;
use wasmi::{Caller, Engine, Extern, Linker, Module, Store};

/// `proc_exit`'s status, carried out of the guest as a host error.
#[derive(Debug)]
struct Exit(i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl wasmi::errors::HostError for Exit {}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: engine-only MODULE.wasm");
        return ExitCode::from(2);
    };
    let bytes = std::fs::read(&path).expect("read the module");
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes[..]).expect("a valid module");
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "wasi_snapshot_preview1",
            "fd_write",
            |mut caller: Caller<'_, ()>, fd: i32, iovs: i32, n: i32, written: i32| -> i32 {
                let Some(Extern::Memory(mem)) = caller.get_export("memory") else { return 8 };
                let data = mem.data_mut(&mut caller);
                let word = |d: &[u8], at: usize| u32::from_le_bytes(d[at..at + 4].try_into().unwrap()) as usize;
                let mut total = 0;
                for i in 0..n as usize {
                    let (ptr, len) = (word(data, iovs as usize + 8 * i), word(data, iovs as usize + 8 * i + 4));
                    let chunk = &data[ptr..ptr + len];
                    let _ = if fd == 2 { std::io::stderr().write_all(chunk) } else { std::io::stdout().write_all(chunk) };
                    total += len;
                }
                data[written as usize..written as usize + 4].copy_from_slice(&(total as u32).to_le_bytes());
                0
            },
        )
        .unwrap();
    linker
        .func_wrap("wasi_snapshot_preview1", "proc_exit", |code: i32| -> Result<(), wasmi::Error> {
            Err(wasmi::Error::host(Exit(code)))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiate");
    let start = instance.get_typed_func::<(), ()>(&store, "_start").expect("_start");
    match start.call(&mut store, ()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => ExitCode::from(*code as u8),
            None => {
                eprintln!("trap: {e}");
                ExitCode::from(134)
            }
        },
    }
}
