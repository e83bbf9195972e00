//! The attack suite's guest: performs each operation named on the command
//! line against the preopen named by the first argument, and prints one
//! line per operation: `OP -> ok DETAIL` or `OP -> err ERRNO`.
//!
//! Operations: `open:P` `open_nofollow:P` `stat:P` `lstat:P` `create:P`
//! `mkdir:P` `rmdir:P` `unlink:P` `rename:A:B` `link:A:B` `linkf:A:B`
//! `symlink:T:P` `times:P` `ltimes:P` `readdir:P` `readlink:P`
//! `race:P:N` (open and read P N times, counting what was seen).
use wasi_run_guests::fs::*;
use wasi_run_guests::rights::*;
use wasi_run_guests::{preopen, read_to_end};

fn show(r: R<String>) -> String {
    match r {
        Ok(detail) => format!("ok {detail}"),
        Err(e) => format!("err {e}"),
    }
}

fn read_file(d: u32, lookup: u32, p: &str) -> R<String> {
    let fd = open_with(d, lookup, p, 0, FD_READ | FD_READDIR, 0, 0)?;
    let st = fdstat(fd)?;
    let data = if st.filetype == FT_DIRECTORY { b"<dir>".to_vec() } else { read_to_end(fd)? };
    close(fd)?;
    Ok(String::from_utf8_lossy(&data[..data.len().min(60)]).replace('\n', "\\n"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let d = preopen(&args.next().expect("preopen name"));
    for op in args {
        let parts: Vec<&str> = op.splitn(3, ':').collect();
        let (kind, a, b) = (parts[0], parts.get(1).copied().unwrap_or(""), parts.get(2).copied().unwrap_or(""));
        let result = match kind {
            "open" => read_file(d, LOOKUP_FOLLOW, a),
            "open_nofollow" => read_file(d, 0, a),
            "stat" => stat(d, LOOKUP_FOLLOW, a).map(|s| format!("type={} size={}", s.filetype, s.size)),
            "lstat" => stat(d, 0, a).map(|s| format!("type={} size={}", s.filetype, s.size)),
            "create" => open_with(d, LOOKUP_FOLLOW, a, O_CREAT, FD_WRITE, 0, 0).and_then(|fd| {
                write(fd, b"pwned")?;
                close(fd).map(|()| String::new())
            }),
            "mkdir" => mkdir(d, a).map(|()| String::new()),
            "rmdir" => rmdir(d, a).map(|()| String::new()),
            "unlink" => unlink(d, a).map(|()| String::new()),
            "rename" => rename(d, a, d, b).map(|()| String::new()),
            "link" => link(d, 0, a, d, b).map(|()| String::new()),
            "linkf" => link(d, LOOKUP_FOLLOW, a, d, b).map(|()| String::new()),
            "symlink" => symlink(a, d, b).map(|()| String::new()),
            "times" => set_times(d, LOOKUP_FOLLOW, a, 0, 1_000_000_000, 4).map(|()| String::new()),
            "ltimes" => set_times(d, 0, a, 0, 1_000_000_000, 4).map(|()| String::new()),
            "readdir" => open_dir(d, a).and_then(|fd| {
                let mut names: Vec<String> = readdir_all(fd, 4096)?.into_iter().map(|e| e.name).collect();
                names.sort();
                close(fd)?;
                Ok(names.join(","))
            }),
            "readlink" => readlink(d, a, 256).map(|t| String::from_utf8_lossy(&t).into_owned()),
            "race" => {
                let n: usize = b.parse().unwrap();
                let (mut inside, mut errors, mut other) = (0, 0, 0);
                let mut seen = std::collections::BTreeMap::new();
                for _ in 0..n {
                    match read_file(d, LOOKUP_FOLLOW, a) {
                        Ok(s) if s == "inside-race" => inside += 1,
                        Ok(s) => {
                            other += 1;
                            println!("race read {s:?}");
                        }
                        Err(e) => {
                            errors += 1;
                            *seen.entry(e).or_insert(0) += 1;
                        }
                    }
                    // A tree-changing call through the racing directory too.
                    let made = format!("{}/made-in-race", a.rsplit_once('/').map_or(".", |x| x.0));
                    if mkdir(d, &made).is_ok() {
                        let _ = rmdir(d, &made);
                    }
                }
                let by_errno: String = seen.iter().map(|(e, n)| format!(" errno{e}={n}")).collect();
                Ok(format!("inside={inside} errors={errors} other={other}{by_errno}"))
            }
            _ => panic!("unknown operation {kind}"),
        };
        println!("{op} -> {}", show(result));
    }
}
