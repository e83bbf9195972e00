//! Serves three clients in turn on the preopened listening socket (fd 3,
//! from --listen): reads a line, answers `echo: LINE`.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::FromRawFd;

fn main() {
    // SAFETY: fd 3 is the preopened listener, owned by nothing else here.
    let listener = unsafe { TcpListener::from_raw_fd(3) };
    // Preopened sockets start non-blocking (as under wasmtime); this
    // program wants blocking accepts.
    listener.set_nonblocking(false).unwrap();
    for i in 0..3 {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while line.last() != Some(&b'\n') && stream.read(&mut byte).expect("read") == 1 {
            line.push(byte[0]);
        }
        stream.write_all(b"echo: ").unwrap();
        stream.write_all(&line).unwrap();
        println!("served client {i}");
    }
}
