//! Writes a file in the preopen named by argv[1], reads it back, and lists
//! the preopen with std::fs.
use std::io::{Read, Seek, SeekFrom, Write};
fn main() {
    let dir = std::env::args().nth(1).expect("preopen name");
    let path = format!("{dir}/out.txt");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(b"written by the guest\n").expect("write");
    drop(f);
    let mut f = std::fs::OpenOptions::new().read(true).write(true).open(&path).expect("reopen");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("read");
    print!("{s}");
    f.seek(SeekFrom::Start(8)).unwrap();
    f.write_all(b"BY").unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    s.clear();
    f.read_to_string(&mut s).unwrap();
    print!("{s}");
    let given = std::fs::read_to_string(format!("{dir}/given.txt")).expect("read given.txt");
    print!("{given}");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    println!("{}", names.join(","));
    println!("len={}", std::fs::metadata(&path).unwrap().len());
}
