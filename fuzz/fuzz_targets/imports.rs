//! The whole import layer: a module that imports every preview1 function
//! and exports a trampoline for each is run with arbitrary memory and a
//! sequence of arbitrary calls with arbitrary arguments, on a real
//! UnixSystem rooted in a fresh temporary directory, plain or wrapped in
//! the Tracer, the Deterministic wrapper, or both. Nothing may panic, and
//! nothing may be created outside the directory.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasi_abi::{Errno, Event, Fd, Filesize, Subscription, SubscriptionU};
use wasi_preview1::unix::UnixSystem;
use wasi_preview1::{Deterministic, Result, System, Tracer};
use wasi_wasmi::{SIGNATURES, WasiCtx, WasmType, add_to_linker};
use wasmi::{Engine, Linker, Module, Store, Val};

/// The trampoline module: `(export "cN")` calls import N with its own
/// parameters.
fn module() -> &'static (Engine, Module) {
    static M: OnceLock<(Engine, Module)> = OnceLock::new();
    M.get_or_init(|| {
        let mut wat = String::from("(module\n");
        let ty = |t: &WasmType| if *t == WasmType::I64 { "i64" } else { "i32" };
        for (i, s) in SIGNATURES.iter().enumerate() {
            let params: Vec<&str> = s.params.iter().map(ty).collect();
            let result = if s.returns_errno { "(result i32)" } else { "" };
            wat += &format!(
                "(import \"wasi_snapshot_preview1\" \"{}\" (func $f{i} (param {}) {result}))\n",
                s.name,
                params.join(" ")
            );
        }
        wat += "(memory (export \"memory\") 1 2)\n";
        for (i, s) in SIGNATURES.iter().enumerate() {
            let params: Vec<&str> = s.params.iter().map(ty).collect();
            let gets: String = (0..params.len()).map(|p| format!("(local.get {p})")).collect();
            let result = if s.returns_errno { "(result i32)" } else { "" };
            wat += &format!("(func (export \"c{i}\") (param {}) {result} (call $f{i} {gets}))\n", params.join(" "));
        }
        wat += ")";
        let engine = Engine::new(&wasi_wasmi::engine_config());
        let module = Module::new(&engine, &wat::parse_str(&wat).unwrap()[..]).unwrap();
        (engine, module)
    })
}

/// Keeps a fuzzed run short and the disk unharmed: clock waits are cut to
/// 1 ms and allocations to 1 MiB. Everything else goes through unchanged.
struct Clamp<S>(S);

impl<S: System> wasi_preview1::Wrapper for Clamp<S> {
    type Inner = S;
    fn inner_system(&mut self) -> &mut S {
        &mut self.0
    }
    fn poll_oneoff(&mut self, subscriptions: &[Subscription], events: &mut [Event]) -> Result<u32> {
        let mut subs: Vec<Subscription> = subscriptions.to_vec();
        for s in &mut subs {
            if let SubscriptionU::Clock(c) = &mut s.u {
                c.timeout = c.timeout.min(1_000_000);
                c.flags = wasi_abi::Subclockflags::empty();
            }
        }
        self.0.poll_oneoff(&subs, events)
    }
    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Result<()> {
        if offset.saturating_add(len) > 1 << 20 {
            return Err(Errno::FBIG);
        }
        self.0.fd_allocate(fd, offset, len)
    }
}

#[derive(Arbitrary, Debug)]
struct Call {
    import: u8,
    args: [u64; 9],
}

#[derive(Arbitrary, Debug)]
struct Input {
    wrapper: u8,
    memory: Vec<u8>,
    calls: Vec<Call>,
}

fn devnull() -> OwnedFd {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").unwrap().into()
}

/// A fresh, empty directory for one run.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wasi-run-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(dir.join("inside")).unwrap();
    dir
}

fn run<S: System + 'static>(system: S, input: &Input) {
    let (engine, module) = module();
    let mut store = Store::new(engine, WasiCtx::new(system));
    let mut linker = Linker::new(engine);
    add_to_linker(&mut linker, |c: &mut WasiCtx<S>| c).unwrap();
    let instance = linker.instantiate_and_start(&mut store, module).unwrap();
    let memory = instance.get_memory(&store, "memory").unwrap();
    let n = input.memory.len().min(memory.data(&store).len());
    memory.data_mut(&mut store)[..n].copy_from_slice(&input.memory[..n]);
    for call in input.calls.iter().take(32) {
        let i = usize::from(call.import) % SIGNATURES.len();
        let sig = &SIGNATURES[i];
        let args: Vec<Val> = sig
            .params
            .iter()
            .zip(call.args)
            .map(|(t, a)| if *t == WasmType::I64 { Val::I64(a as i64) } else { Val::I32(a as i32) })
            .collect();
        let mut results = [Val::I32(0)];
        let results = if sig.returns_errno { &mut results[..] } else { &mut results[..0] };
        let f = instance.get_func(&store, &format!("c{i}")).unwrap();
        if f.call(&mut store, &args, results).is_err() {
            // proc_exit, proc_raise or a trap: the guest is over.
            break;
        }
    }
    drop(store);
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary(&mut Unstructured::new(data)) else { return };
    let dir = scratch();
    let inside = dir.join("inside");
    let pre = std::fs::File::open(&inside).unwrap();
    let ro = std::fs::File::open(&inside).unwrap();
    let system = UnixSystem::builder()
        .args(["fuzz", "arg"])
        .env("K", "v")
        .stdin_bytes(&b"some input"[..])
        .stdout(devnull())
        .stderr(devnull())
        .preopen_dir(pre.into(), "/")
        .preopen_dir_readonly(ro.into(), "ro")
        .max_open_files(64)
        .build()
        .unwrap();
    let system = Clamp(system);
    match input.wrapper % 4 {
        0 => run(system, &input),
        1 => run(Tracer::new(system, std::io::sink()).string_size(16), &input),
        2 => run(Deterministic::new(system, 7), &input),
        _ => run(Tracer::new(Deterministic::new(system, 7), std::io::sink()), &input),
    }
    // Nothing was made beside the preopened directory.
    let beside: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(beside, ["inside"], "something was created outside the preopen");
    let _ = std::fs::remove_dir_all(&dir);
});
