//! Memory per idle guest: instantiates one module `N` times in this
//! process and keeps every instance, then prints the growth of the
//! process's resident memory divided by `N` (docs/footprint.md).
//!
//! `idle_instances MODULE N wasi-run|engine`
//!
//! - `wasi-run`: each guest as an embedder gets it, `Run::instantiate` on
//!   its own `UnixSystem` (its fd table, arguments, stdio that reads
//!   nothing and drops what is written), on one shared engine and module.
//! - `engine`: wasmi alone: a `Store` and an instance per guest, every
//!   import a host function that does nothing: the engine's own share.
//!
//! One mode per process, so that memory freed by one cannot be reused by
//! the other.

use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::Run;
use wasmi::{Engine, Linker, Module, Store, Val};

/// This process's resident memory, in bytes.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("statm's resident pages");
    pages * 4096
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, module, n, mode] = &args[..] else {
        eprintln!("usage: idle_instances MODULE N wasi-run|engine");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let engine = Engine::new(&wasi_wasmi::engine_config());
    let module = Module::new(&engine, &std::fs::read(module).expect("read the module")[..]).expect("compile");
    let before = resident();
    match mode.as_str() {
        "wasi-run" => {
            let mut guests = Vec::with_capacity(n);
            for _ in 0..n {
                let system = UnixSystem::builder().arg("guest").build().expect("a system");
                guests.push(Run::new(&engine, &module).instantiate(system).expect("instantiate"));
            }
            report(n, before, guests.len());
        }
        "engine" => {
            let mut linker = Linker::<()>::new(&engine);
            for import in module.imports() {
                let wasmi::ExternType::Func(ty) = import.ty() else { continue };
                let results: Vec<Val> = ty.results().iter().map(|t| Val::default_for_ty(*t)).collect();
                linker
                    .func_new(import.module(), import.name(), ty.clone(), move |_, _, out| {
                        out.clone_from_slice(&results);
                        Ok(())
                    })
                    .expect("define");
            }
            let mut guests = Vec::with_capacity(n);
            for _ in 0..n {
                let mut store = Store::new(&engine, ());
                let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiate");
                guests.push((store, instance));
            }
            report(n, before, guests.len());
        }
        other => panic!("unknown mode {other}"),
    }
}

fn report(n: usize, before: u64, kept: usize) {
    assert_eq!(kept, n);
    let grown = resident().saturating_sub(before);
    println!("{}", grown / n as u64);
}
