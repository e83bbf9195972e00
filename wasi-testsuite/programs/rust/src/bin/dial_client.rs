//! Talks to the server at the preopened connected socket (fd 3, from --dial).
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::FromRawFd;

fn main() {
    // SAFETY: fd 3 is the preopened connection, owned by nothing else here.
    let mut stream = unsafe { TcpStream::from_raw_fd(3) };
    // Preopened sockets start non-blocking (as under wasmtime).
    stream.set_nonblocking(false).unwrap();
    stream.write_all(b"hello from the guest\n").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    print!("server said: {reply}");
}
