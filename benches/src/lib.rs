//! Shared by the benches and the comparison: a store running a `.wat`
//! fixture on a [`UnixSystem`] with the host calls registered.

use std::os::fd::OwnedFd;
use wasi_preview1::unix::UnixSystem;
use wasi_wasmi::{WasiCtx, add_to_linker, engine_config};
use wasmi::{Engine, Instance, Linker, Module, Store};

/// An instantiated fixture.
#[derive(Debug)]
pub struct Fixture {
    /// The store, holding the host context.
    pub store: Store<WasiCtx<UnixSystem>>,
    /// The instantiated fixture module.
    pub instance: Instance,
}

fn open(path: &str, flags: rustix::fs::OFlags) -> OwnedFd {
    rustix::fs::open(path, flags | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty()).expect(path)
}

impl Fixture {
    /// Instantiates `wat` with stdin `/dev/zero`, stdout `/dev/null`, and
    /// `dir` preopened as fd 3.
    pub fn new(wat: &str, dir: &std::path::Path) -> Fixture {
        let engine = Engine::new(&engine_config());
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()[..]).unwrap();
        let system = UnixSystem::builder()
            .stdin(open("/dev/zero", rustix::fs::OFlags::RDONLY))
            .stdout(open("/dev/null", rustix::fs::OFlags::WRONLY))
            .preopen_dir(open(dir.to_str().unwrap(), rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY), "dir")
            .build()
            .unwrap();
        let mut store = Store::new(&engine, WasiCtx::new(system));
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |ctx| ctx).unwrap();
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        Fixture { store, instance }
    }

    /// Calls export `name` with `args`.
    pub fn call(&mut self, name: &str, args: &[wasmi::Val]) {
        let f = self.instance.get_func(&self.store, name).unwrap();
        f.call(&mut self.store, args, &mut []).unwrap();
    }
}

/// The host-call fixture.
pub const HOST_CALLS_WAT: &str = include_str!("../fixtures/host_calls.wat");

/// A directory of `n` empty files, made fresh.
pub fn dir_with_entries(name: &str, n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-run-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(format!("entry-{i:05}")), b"").unwrap();
    }
    dir
}
