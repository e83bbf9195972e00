//! The `wasi-abi` codecs on their own: decoding iovec arrays and
//! subscriptions from guest memory, encoding events and dirents into it.

// criterion_group! defines an undocumented `pub fn`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wasi_abi::{
    Dirent, DirentWriter, Event, Filetype, GuestMemory, IovecList, Layout, MAX_IOVS, Subscription, SubscriptionClock,
    SubscriptionU,
};

fn memory_with_iovecs(count: usize) -> Vec<u8> {
    let mut mem = vec![0u8; 64 * 1024];
    for i in 0..count {
        let (buf, len) = (4096 + 64 * i as u32, 32u32);
        mem[i * 8..i * 8 + 4].copy_from_slice(&buf.to_le_bytes());
        mem[i * 8 + 4..i * 8 + 8].copy_from_slice(&len.to_le_bytes());
    }
    mem
}

fn iovecs(c: &mut Criterion) {
    let mut g = c.benchmark_group("iovec");
    for count in [1usize, 4, 16, 64] {
        let mut bytes = memory_with_iovecs(count);
        g.throughput(Throughput::Elements(count as u64));
        g.bench_function(format!("decode_{count}"), |b| {
            b.iter(|| {
                let mem = GuestMemory::new(&mut bytes);
                black_box(IovecList::<MAX_IOVS>::decode(&mem, 0, count as u32).unwrap().total_len())
            });
        });
        g.bench_function(format!("carve_{count}"), |b| {
            let list = IovecList::<MAX_IOVS>::decode(&GuestMemory::new(&mut bytes), 0, count as u32).unwrap();
            b.iter(|| {
                let mut slots: [&mut [u8]; MAX_IOVS] = std::array::from_fn(|_| &mut [][..]);
                black_box(list.carve(&mut bytes, &mut slots))
            });
        });
    }
    g.finish();
}

fn subscriptions(c: &mut Criterion) {
    let sub = Subscription {
        userdata: 7,
        u: SubscriptionU::Clock(SubscriptionClock {
            id: wasi_abi::Clockid::Monotonic,
            timeout: 1000,
            precision: 0,
            flags: wasi_abi::Subclockflags::empty(),
        }),
    };
    let mut raw = [0u8; 48];
    sub.encode(&mut raw);
    let mut g = c.benchmark_group("poll");
    g.bench_function("decode_subscription", |b| b.iter(|| black_box(Subscription::decode(black_box(&raw)).unwrap())));
    let ev = Event::for_subscription(&sub, wasi_abi::Errno::SUCCESS);
    let mut out = [0u8; 32];
    g.bench_function("encode_event", |b| b.iter(|| black_box(&ev).encode(black_box(&mut out))));
    g.finish();
}

fn dirents(c: &mut Criterion) {
    let names: Vec<String> = (0..100).map(|i| format!("entry-with-a-name-{i:04}")).collect();
    let mut buf = vec![0u8; 32 * 1024];
    let mut g = c.benchmark_group("dirent");
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("encode_100", |b| {
        b.iter(|| {
            let mut w = DirentWriter::new(&mut buf);
            for (i, name) in names.iter().enumerate() {
                let d = Dirent {
                    d_next: i as u64 + 1,
                    d_ino: i as u64,
                    d_namlen: name.len() as u32,
                    d_type: Filetype::RegularFile,
                };
                w.push(&d, name.as_bytes());
            }
            black_box(w.used())
        });
    });
    g.finish();
}

criterion_group!(benches, iovecs, subscriptions, dirents);
criterion_main!(benches);
