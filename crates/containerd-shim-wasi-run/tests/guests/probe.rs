//! The shim tests' guest (wasm32-wasip1). What it does is its first
//! argument; when it has none (runwasi's harness runs `/hello.wasm`
//! without arguments), the words of the file `/mode` stand for them. Each
//! mode prints what the test checks.

use std::io::Read;

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if args.len() == 1 {
        // The words of /mode stand for the arguments.
        args.extend(std::fs::read_to_string("/mode").unwrap_or_default().split_whitespace().map(String::from));
    }
    let mode = args.get(1).cloned().unwrap_or_default();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match mode.as_str() {
        "args" => println!("{args:?}"),
        "env" => {
            let mut vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
            vars.sort();
            println!("{}", vars.join("\n"));
        }
        "stdin" => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).unwrap();
            print!("{}", s.to_uppercase());
        }
        "read" => match std::fs::read_to_string(arg(2)) {
            Ok(text) => print!("{text}"),
            Err(e) => println!("cannot read {}: {e}", arg(2)),
        },
        "ls" => match std::fs::read_dir(arg(2)) {
            Ok(entries) => {
                let mut names: Vec<String> = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
                names.sort();
                println!("{}", names.join(" "));
            }
            Err(e) => println!("cannot list {}: {e}", arg(2)),
        },
        "write" => match std::fs::write(arg(2), "written by the guest\n") {
            Ok(()) => println!("wrote {}", arg(2)),
            Err(e) => println!("cannot write {}: {:?} ({e})", arg(2), e.kind()),
        },
        "exit" => std::process::exit(arg(2).parse().unwrap_or(1)),
        "sleep" => {
            println!("sleeping");
            std::thread::sleep(std::time::Duration::from_secs(600));
            println!("woke up");
        }
        "grow" => {
            // Asks for MiB of memory at once: a guest limited below it sees
            // the allocation fail (memory.grow returns -1).
            let mib: usize = arg(2).parse().unwrap_or(64);
            let mut v: Vec<u8> = Vec::new();
            match v.try_reserve_exact(mib << 20) {
                Ok(()) => println!("got {mib} MiB"),
                Err(_) => println!("refused {mib} MiB"),
            }
        }
        "trap" => {
            eprintln!("the guest traps");
            std::process::abort()
        }
        _ => println!("hello from wasi-run"),
    }
}
