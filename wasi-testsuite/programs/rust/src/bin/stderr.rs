//! Writes to stdout and stderr separately.
fn main() {
    println!("to stdout");
    eprintln!("to stderr");
}
