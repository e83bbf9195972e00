//! `--version`'s build details: the wasmi version (from Cargo.lock), the
//! target and profile, and the git commit when built from a checkout.

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock = Path::new(&manifest).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let wasmi = std::fs::read_to_string(&lock)
        .ok()
        .and_then(|text| {
            let at = text.find("name = \"wasmi\"\nversion = \"")? + "name = \"wasmi\"\nversion = \"".len();
            text[at..].split('"').next().map(str::to_owned)
        })
        .unwrap_or_else(|| "2".into());
    let git = Path::new(&manifest).join("../../.git");
    if git.exists() {
        println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
        println!("cargo:rerun-if-changed={}", git.join("refs").display());
    }
    let commit = Command::new("git")
        .args(["-C", &manifest, "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|c| !c.is_empty());
    let mut features = Vec::new();
    if std::env::var_os("CARGO_FEATURE_SIMD").is_some() {
        features.push("simd, relaxed-simd");
    }
    if std::env::var_os("CARGO_FEATURE_MEMORY64").is_some() {
        features.push("memory64");
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let mut built = format!("built for {target} ({profile})");
    if let Some(c) = commit {
        built += &format!(", commit {c}");
    }
    // One variable per line of `--version`: a value cannot hold a newline.
    println!("cargo:rustc-env=WASI_RUN_ENGINE=engine: wasmi {wasmi} (an interpreter, no JIT)");
    println!(
        "cargo:rustc-env=WASI_RUN_FEATURES=wasm: WebAssembly 2.0, tail-call, multi-memory, extended-const, {}",
        features.join(", ")
    );
    println!("cargo:rustc-env=WASI_RUN_BUILT={built}");
}
