//! Prints the variables named on the command line, or `(absent)`; then the
//! number of variables it was given.
fn main() {
    for name in std::env::args().skip(1) {
        match std::env::var(&name) {
            Ok(v) => println!("{name}=[{v}]"),
            Err(_) => println!("{name} (absent)"),
        }
    }
    println!("count={}", std::env::vars().count());
}
