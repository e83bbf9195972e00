//! Copies stdin to stdout, byte for byte, in 64 KiB reads.
use std::io::{Read, Write};
fn main() {
    let mut buf = vec![0u8; 64 * 1024];
    let (mut stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut total = 0u64;
    loop {
        let n = stdin.read(&mut buf).expect("read stdin");
        if n == 0 {
            break;
        }
        stdout.write_all(&buf[..n]).expect("write stdout");
        total += n as u64;
    }
    stdout.flush().unwrap();
    eprintln!("copied {total} bytes");
}
