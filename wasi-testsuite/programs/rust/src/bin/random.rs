//! random_get fills 64 KiB; two fills differ; every byte value shows up.
use wasi_run_guests::{check, ensure, errno, raw};
fn main() {
    let mut a = vec![0u8; 64 * 1024];
    let mut b = vec![0u8; 64 * 1024];
    check("random_get a", unsafe { raw::random_get(a.as_mut_ptr(), a.len() as u32) }, errno::SUCCESS);
    check("random_get b", unsafe { raw::random_get(b.as_mut_ptr(), b.len() as u32) }, errno::SUCCESS);
    ensure("two fills differ", a != b);
    let mut seen = [0u32; 256];
    for &x in &a {
        seen[x as usize] += 1;
    }
    // 65536 bytes over 256 values: about 256 each; all must appear and the
    // last KiB (the end of the buffer) must have been written too.
    ensure("every byte value appears", seen.iter().all(|&n| n > 100 && n < 450));
    ensure("tail written", a[a.len() - 1024..].iter().any(|&x| x != 0));
    check("zero length", unsafe { raw::random_get(a.as_mut_ptr(), 0) }, errno::SUCCESS);
    println!("random ok");
}
