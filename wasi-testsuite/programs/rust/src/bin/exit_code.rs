//! Exits with the code given as its first argument.
fn main() {
    let code: i32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(99);
    println!("exiting with {code}");
    std::process::exit(code);
}
