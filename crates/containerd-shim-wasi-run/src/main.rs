//! `containerd-shim-wasi-run-v1`: containerd starts it for a container
//! whose runtime is `io.containerd.wasirun.v1` (docs/kubernetes.md).

use containerd_shim_wasi_run::WasiRunShim;
use containerd_shim_wasm::shim::Cli;

fn main() {
    WasiRunShim::run(None);
}
