//! A guest of the minimal C host: its arguments, a line read from stdin,
//! a clock, a HashMap (seeded by random_get), a failed open and an exit
//! status.
use std::collections::HashMap;
use std::io::BufRead;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let counts: HashMap<&str, usize> = args.iter().map(|a| (a.as_str(), a.len())).collect();
    let refused = std::fs::File::open("/etc/passwd").is_err();
    println!(
        "rust: args {args:?}, read {:?}, time {}, lengths {}, no files {refused}",
        line.trim(),
        now.as_secs() > 0,
        counts.values().sum::<usize>()
    );
    std::process::exit(args.len() as i32);
}
