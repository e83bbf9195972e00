//! Module loading: arbitrary bytes, and modules wasm-smith makes from the
//! input, are validated, instantiated with every wasi-run import, and the
//! first exported function is run within a fuel and memory budget.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{Limits, Run, engine_config_for};
use wasmi::{Engine, ExternType, Module, Val};

fn limits() -> Limits {
    Limits { fuel: Some(200_000), max_memory: Some(16 << 20), ..Limits::default() }
}

fn try_module(bytes: &[u8]) {
    let engine = Engine::new(&engine_config_for(&limits()));
    let Ok(module) = Module::new(&engine, bytes) else { return };
    let export = module.exports().find_map(|e| match e.ty() {
        ExternType::Func(f) => Some((e.name().to_owned(), f.params().to_vec())),
        _ => None,
    });
    let args: Vec<Val> =
        export.as_ref().map(|(_, p)| p.iter().map(|t| Val::default_for_ty(*t)).collect()).unwrap_or_default();
    let system = UnixSystem::builder().arg("m").build().unwrap();
    let run = Run::new(&engine, &module).limits(limits());
    let _ = match &export {
        Some((name, _)) => run.invoke(name, &args).run(system),
        None => run.run(system),
    };
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        try_module(rest);
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(mut config) = wasm_smith::Config::arbitrary(&mut u) else { return };
    config.max_memories = config.max_memories.min(4);
    config.max_tables = config.max_tables.min(4);
    config.threads_enabled = false;
    config.exceptions_enabled = false;
    config.gc_enabled = false;
    if let Ok(m) = wasm_smith::Module::new(config, &mut u) {
        try_module(&m.to_bytes());
    }
});
