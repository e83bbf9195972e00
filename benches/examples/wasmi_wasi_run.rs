//! The comparison's baseline: runs a command module on the same wasmi
//! engine as wasi-run, with `wasmi_wasi` (wasi-common) as the WASI host.
//!
//! `wasmi_wasi_run [--dir HOST::GUEST]... MODULE [ARGS]...`
//!
//! The engine gets wasi-run's configuration, so the two differ only in
//! their WASI layer.

use std::process::ExitCode;
use wasmi::{Engine, Linker, Module, Store};
use wasmi_wasi::WasiCtx;
use wasmi_wasi::wasi_common::sync::{Dir, WasiCtxBuilder, ambient_authority};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    while args.peek().is_some_and(|a| a == "--dir") {
        args.next();
        let spec = args.next().expect("--dir HOST::GUEST");
        let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
        let dir = Dir::open_ambient_dir(host, ambient_authority()).expect("open dir");
        builder.preopened_dir(dir, guest).expect("preopen");
    }
    let module_path = args.next().expect("MODULE");
    builder.arg(&module_path).expect("arg");
    for a in args {
        builder.arg(&a).expect("arg");
    }
    let engine = Engine::new(&wasi_wasmi::engine_config());
    let bytes = std::fs::read(&module_path).expect("read module");
    let module = Module::new(&engine, &bytes[..]).expect("compile");
    let mut linker = Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).expect("link");
    let mut store = Store::new(&engine, builder.build());
    let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiate");
    let start = instance.get_typed_func::<(), ()>(&store, "_start").expect("_start");
    match start.call(&mut store, ()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.i32_exit_status() {
            Some(code) => ExitCode::from(code as u8),
            None => {
                eprintln!("trap: {e}");
                ExitCode::from(134)
            }
        },
    }
}
