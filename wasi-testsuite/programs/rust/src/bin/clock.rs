//! The monotonic clock never goes backwards; the realtime clock is after
//! 2020; resolutions are non-zero; an unknown clock is EINVAL.
use wasi_run_guests::{check, ensure, errno, raw};
fn main() {
    let mut last = wasi_run_guests::monotonic();
    for _ in 0..200_000 {
        let now = wasi_run_guests::monotonic();
        ensure("monotonic never goes backwards", now >= last);
        last = now;
    }
    let mut t = 0u64;
    check("realtime", unsafe { raw::clock_time_get(0, 1, &mut t) }, errno::SUCCESS);
    ensure("realtime after 2020", t > 1_577_836_800_000_000_000);
    for id in 0..4 {
        let mut r = 0u64;
        check("clock_res_get", unsafe { raw::clock_res_get(id, &mut r) }, errno::SUCCESS);
        ensure("resolution > 0", r > 0);
        check("clock_time_get", unsafe { raw::clock_time_get(id, 0, &mut t) }, errno::SUCCESS);
    }
    check("unknown clock", unsafe { raw::clock_time_get(4, 0, &mut t) }, errno::INVAL);
    check("unknown clock res", unsafe { raw::clock_res_get(99, &mut t) }, errno::INVAL);
    println!("clock ok");
}
