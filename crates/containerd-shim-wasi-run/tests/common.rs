//! What the shim's tests share: the guest, built for wasm32-wasip1.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The probe guest (tests/guests/probe.rs), built once per test binary.
pub fn probe() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let out: PathBuf = dir.join(format!("probe-{}.wasm", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/probe.rs");
        let status = Command::new("rustc")
            .args(["--target", "wasm32-wasip1", "-O", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .expect("rustc");
        assert!(status.success(), "building the probe guest (rustup target add wasm32-wasip1)");
        let bytes = std::fs::read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        bytes
    })
}
