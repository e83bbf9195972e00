//! `--version`'s build details: the wasmi version (from Cargo.lock), the
//! target and profile, and the git commit when built from a checkout; and,
//! on Linux, the link order that keeps start-up's code together
//! (startup.ld) and packed relocations (docs/footprint.md).

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
    startup_order(&manifest);
    packed_relocations();
}

/// Links with packed relative relocations (`-z pack-relative-relocs`,
/// RELR) when building on and for Linux with glibc and the toolchain and
/// the C library here support them (glibc 2.36, binutils 2.38 or lld 15):
/// the dynamic loader then reads a table of 1 KiB instead of 150 KiB at
/// every start (docs/footprint.md). Checked by linking and running a
/// probe, so a build never makes a binary this machine cannot start; such
/// a binary needs glibc 2.36 or later where it is copied to.
/// WASI_RUN_NO_RELR=1 turns it off.
fn packed_relocations() {
    println!("cargo:rerun-if-env-changed=WASI_RUN_NO_RELR");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    if !native || var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    if std::env::var_os("WASI_RUN_NO_RELR").is_some() {
        return;
    }
    let out = std::path::PathBuf::from(var("OUT_DIR"));
    let (source, probe) = (out.join("relr-probe.c"), out.join("relr-probe"));
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let linked = Command::new(cc)
        .arg(&source)
        .arg("-o")
        .arg(&probe)
        .arg("-Wl,-z,pack-relative-relocs")
        .output()
        .is_ok_and(|o| o.status.success() && o.stderr.is_empty());
    if linked && Command::new(&probe).status().is_ok_and(|s| s.success()) {
        println!("cargo:rustc-link-arg-bin=wasi-run=-Wl,-z,pack-relative-relocs");
    }
}

/// Links the functions start-up runs together at the front of the code
/// (a GNU ld / lld script that adds one output section before `.text`),
/// so a run maps a few hundred KiB of code instead of most of the binary.
/// ELF targets with GNU ld or lld only; WASI_RUN_NO_STARTUP_ORDER=1 turns
/// it off (benches/footprint/startup-order.py, which writes the script).
fn startup_order(manifest: &str) {
    println!("cargo:rerun-if-env-changed=WASI_RUN_NO_STARTUP_ORDER");
    let script = Path::new(manifest).join("startup.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let elf_linker = matches!(os.as_str(), "linux" | "android" | "freebsd") && env != "musl";
    if elf_linker && script.exists() && std::env::var_os("WASI_RUN_NO_STARTUP_ORDER").is_none() {
        println!("cargo:rustc-link-arg-bin=wasi-run=-Wl,-T,{}", script.display());
    }
}
