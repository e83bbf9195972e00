//! Every wasi-abi decoder and encoder over arbitrary memory and arbitrary
//! pointers: each must answer an errno or a value, never panic, and never
//! touch a byte outside what it was given.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasi_abi::wasmedge::{AddrinfoList, AddrinfoResult, AiFlags, Protocol, SockType, decode_ip, encode_ip_raw};
use wasi_abi::{
    Dirent, DirentWriter, Event, Fdstat, Filestat, GuestMemory, IovecList, Layout, Prestat, StringList, Subscription,
    decode_flags, preview0,
};

#[derive(Arbitrary, Debug)]
enum Op {
    Iovecs { ptr: u32, count: u32, carve: bool },
    Subscriptions { ptr: u32, count: u8, preview0: bool },
    Write { ptr: u32, which: u8 },
    Dirents { buf_len: u16, names: Vec<Vec<u8>> },
    Strings { strings: Vec<Vec<u8>>, ptrs: u32, buf: u32 },
    Path { ptr: u32, len: u32 },
    Addrinfo { res: u32, max: u32, fill: bool },
    Ip { at: u32, len: u8 },
    Flags { raw: u64 },
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(size) = u.int_in_range(0..=4096usize) else { return };
    let Ok(init) = u.bytes(size.min(u.len())) else { return };
    let mut bytes = init.to_vec();
    bytes.resize(size, 0);
    let mut mem = GuestMemory::new(&mut bytes);
    let Ok(ops) = Vec::<Op>::arbitrary(&mut u) else { return };
    for op in ops.into_iter().take(64) {
        run(&mut mem, op);
    }
});

fn run(mem: &mut GuestMemory<'_>, op: Op) {
    match op {
        Op::Iovecs { ptr, count, carve } => {
            if let Ok(list) = IovecList::<8>::decode(mem, ptr, count) {
                if carve {
                    let mut out: [&mut [u8]; 8] = Default::default();
                    let n = list.carve(mem.bytes_mut(), &mut out);
                    assert!(n <= list.as_slice().len());
                } else {
                    let total: usize = list.shared(mem.bytes()).map(<[u8]>::len).sum();
                    assert!(total as u64 <= list.total_len());
                }
            }
        }
        Op::Subscriptions { ptr, count, preview0: p0 } => {
            let size = if p0 { preview0::Subscription0::SIZE } else { Subscription::SIZE };
            for i in 0..u32::from(count) {
                let at = ptr.wrapping_add(i.wrapping_mul(size));
                let _ = if p0 {
                    mem.read::<preview0::Subscription0>(at).map(|s| s.0)
                } else {
                    mem.read::<Subscription>(at)
                };
            }
        }
        Op::Write { ptr, which } => {
            let fdstat = Fdstat::decode(&[0; 24]).unwrap();
            let filestat = Filestat::decode(&[0; 64]).unwrap();
            let _ = match which % 5 {
                0 => mem.write(ptr, &fdstat),
                1 => mem.write(ptr, &filestat),
                2 => mem.write(ptr, &preview0::Filestat0(filestat)),
                3 => mem.write(ptr, &Prestat::Dir { pr_name_len: ptr }),
                _ => mem.write(ptr, &Event::default()),
            };
        }
        Op::Dirents { buf_len, names } => {
            let mut buf = vec![0u8; usize::from(buf_len)];
            let mut w = DirentWriter::new(&mut buf);
            for (i, name) in names.iter().enumerate() {
                let header = Dirent {
                    d_next: i as u64 + 1,
                    d_ino: 1,
                    d_namlen: name.len() as u32,
                    d_type: wasi_abi::Filetype::Unknown,
                };
                w.push(&header, name);
                assert!(w.used() <= usize::from(buf_len));
                if w.is_full() {
                    break;
                }
            }
        }
        Op::Strings { strings, ptrs, buf } => {
            // As a host builds them: each string without NULs, then a NUL.
            let mut packed = Vec::new();
            for s in &strings {
                packed.extend(s.iter().filter(|&&b| b != 0));
                packed.push(0);
            }
            let _ = StringList::new(&packed, strings.len() as u32).encode(mem, ptrs, buf);
        }
        Op::Path { ptr, len } => {
            if let Ok(p) = mem.path(ptr, len) {
                assert!(p.len() <= wasi_abi::MAX_PATH);
            }
        }
        Op::Addrinfo { res, max, fill } => {
            if let Ok(list) = AddrinfoList::decode(mem, res, max) {
                assert!(list.slots().len() <= wasi_abi::wasmedge::MAX_ADDRINFO);
                if fill {
                    let r = AddrinfoResult {
                        flags: AiFlags::empty(),
                        socktype: SockType::Stream,
                        protocol: Protocol::Tcp,
                        addr: "[::1]:80".parse().unwrap(),
                        canonname: Some("localhost"),
                    };
                    for slot in list.slots() {
                        let _ = slot.write(mem, &r);
                    }
                }
            }
        }
        Op::Ip { at, len } => {
            if let Ok(b) = mem.slice(at, u32::from(len)) {
                if let Ok(ip) = decode_ip(b) {
                    let mut out = [0u8; 16];
                    let _ = encode_ip_raw(ip, &mut out);
                }
            }
        }
        Op::Flags { raw } => {
            let _ = decode_flags::<wasi_abi::Rights>(raw);
            let _ = decode_flags::<wasi_abi::Oflags>(raw);
            let _ = decode_flags::<wasi_abi::Fdflags>(raw);
            let _ = preview0::whence(raw as u32);
        }
    }
}
