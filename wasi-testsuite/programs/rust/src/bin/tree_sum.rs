//! Walks the directory `argv[1]` with std::fs (sorted by name) and prints
//! every entry: its path, type, size and an FNV-1a hash of a file's
//! contents, or a symlink's target. Driven by tests/mounts.rs, which
//! compares a .tar mount with the same tree on the host.
use std::path::Path;

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn walk(dir: &Path, rel: &str) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read_dir").map(|e| e.expect("entry")).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().into_string().expect("utf-8 name");
        let p = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let ty = e.file_type().expect("file type");
        if ty.is_symlink() {
            println!("{p} -> {:?}", std::fs::read_link(e.path()).expect("readlink"));
        } else if ty.is_dir() {
            println!("{p}/");
            walk(&e.path(), &p);
        } else {
            let data = std::fs::read(e.path()).expect("read");
            let meta = e.metadata().expect("metadata");
            println!("{p} {} {:016x}", meta.len(), fnv(&data));
        }
    }
}

fn main() {
    let root = std::env::args().nth(1).expect("usage: tree_sum DIR");
    walk(Path::new(&root), "");
}
