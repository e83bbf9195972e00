//! Prints each argument on its own line, quoted, so spaces and UTF-8 show.
fn main() {
    for (i, a) in std::env::args().enumerate().skip(1) {
        println!("{i}: [{a}]");
    }
    println!("argc={}", std::env::args().count());
}
