//! One preview1 call through the wasmi host, per iteration: the cost of the
//! call (and the empty loop around it, measured separately).

// criterion_group! defines an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wasi_run_benches::{Fixture, HOST_CALLS_WAT, dir_with_entries};
use wasmi::Val;

const N: i32 = 1000;

fn host_calls(c: &mut Criterion) {
    let dir = dir_with_entries("host-calls", 100);
    let mut fx = Fixture::new(HOST_CALLS_WAT, &dir);
    let mut g = c.benchmark_group("host_call");
    g.throughput(Throughput::Elements(N as u64));
    for export in ["empty_loop", "refused_loop", "write_loop", "read_loop", "clock_loop", "random_loop", "poll_loop"] {
        fx.call(export, &[Val::I32(1)]);
        g.bench_function(export.trim_end_matches("_loop"), |b| b.iter(|| fx.call(export, &[Val::I32(N)])));
    }
    fx.call("readdir_loop", &[Val::I32(1), Val::I32(3)]);
    g.throughput(Throughput::Elements(10));
    g.bench_function("readdir_100_entries", |b| b.iter(|| fx.call("readdir_loop", &[Val::I32(10), Val::I32(3)])));
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, host_calls);
criterion_main!(benches);
