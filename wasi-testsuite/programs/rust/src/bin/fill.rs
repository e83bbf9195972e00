//! Writes `argv[1]/fill.bin` in 64 KiB chunks until a write fails, then
//! prints how many bytes were written and the error: a mount's byte
//! budget must stop it with ENOSPC ("No space left on device"). Then
//! removes the file and writes one chunk again, which must fit.
use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fill DIR");
    let path = format!("{dir}/fill.bin");
    let mut f = std::fs::File::create(&path).expect("create");
    let chunk = vec![7u8; 64 * 1024];
    let mut total = 0usize;
    let err = loop {
        match f.write(&chunk) {
            Ok(n) => total += n,
            Err(e) => break e,
        }
        if total > 1 << 30 {
            panic!("no limit after 1 GiB");
        }
    };
    println!("wrote {total} then {:?}", err.kind());
    drop(f);
    std::fs::remove_file(&path).expect("remove");
    std::fs::write(&path, &chunk).expect("write after remove");
    println!("after remove: ok");
}
