//! The smallest real program: one line to stdout.
fn main() {
    println!("Hello, world!");
}
