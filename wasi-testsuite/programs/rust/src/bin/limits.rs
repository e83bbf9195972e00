//! Uses resources until told to stop, for the limit flags:
//! `alloc MIB` allocates and touches MIB mebibytes; `open N PATH` opens
//! PATH N times, keeping every file open. A refused resource ends the
//! program with a failure.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("alloc") => {
            let mib: usize = args[2].parse().unwrap();
            let mut v = vec![0u8; mib << 20];
            for page in v.chunks_mut(4096) {
                page[0] = 1;
            }
            println!("allocated {mib} MiB, touched {} pages", v.iter().filter(|&&b| b == 1).count());
        }
        Some("open") => {
            let n: usize = args[2].parse().unwrap();
            let mut files = Vec::new();
            for i in 0..n {
                match std::fs::File::open(&args[3]) {
                    Ok(f) => files.push(f),
                    Err(e) => {
                        eprintln!("open #{i}: {e}");
                        std::process::exit(1);
                    }
                }
            }
            println!("opened {} files", files.len());
        }
        _ => {
            eprintln!("usage: limits alloc MIB | limits open N PATH");
            std::process::exit(2);
        }
    }
}
