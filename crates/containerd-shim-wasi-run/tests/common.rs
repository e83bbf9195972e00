//! What the shim's tests (and its overhead measurement) share: the guest,
//! built for wasm32-wasip1, and images of it imported into a containerd.
#![allow(dead_code)] // Each test uses its part.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use oci_spec::image::{self as spec, Arch, Os};
use oci_tar_builder::Builder;
use sha2::{Digest as _, Sha256};

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

/// The containerd namespace the tests use.
pub const NAMESPACE: &str = "wasirun-e2e";
/// The runtime type that selects the shim.
pub const RUNTIME: &str = "io.containerd.wasirun.v1";
/// An image whose root file system holds the probe at /probe.wasm and a
/// directory /data.
pub const ROOTFS_IMAGE: &str = "localhost/wasirun-probe:rootfs";
/// An image that is the wasm module alone (a wasm OCI artifact layer).
pub const WASM_IMAGE: &str = "localhost/wasirun-probe:wasm";

/// The socket of the containerd under test.
pub fn address() -> String {
    std::env::var("WASI_RUN_CONTAINERD").expect("WASI_RUN_CONTAINERD: the socket of the containerd to test with")
}

/// `ctr` for that containerd and namespace.
pub fn ctr() -> Command {
    let mut c = Command::new("ctr");
    c.args(["--address", &address(), "--namespace", NAMESPACE]);
    c
}

/// A temporary directory for this process's files.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Imports the root file system image once.
pub fn images() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = scratch();
        // The root file system's one layer: the probe and /data/hello.txt.
        let layer = dir.join("rootfs.tar");
        let mut tar = tar::Builder::new(std::fs::File::create(&layer).unwrap());
        let mut put = |path: &str, bytes: &[u8], mode: u32, kind: tar::EntryType| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_size(bytes.len() as u64);
            h.set_mode(mode);
            h.set_cksum();
            tar.append_data(&mut h, path, bytes).unwrap();
        };
        put("probe.wasm", probe(), 0o755, tar::EntryType::Regular);
        put("data/", b"", 0o755, tar::EntryType::Directory);
        put("data/hello.txt", b"hello from the image\n", 0o644, tar::EntryType::Regular);
        tar.into_inner().unwrap();
        let diff_id = format!("sha256:{:x}", Sha256::digest(std::fs::read(&layer).unwrap()));
        let arch = if cfg!(target_arch = "aarch64") { Arch::ARM64 } else { Arch::Amd64 };
        let out =
            import(ROOTFS_IMAGE, &[(&layer, "application/vnd.oci.image.layer.v1.tar")], Os::Linux, arch, vec![diff_id]);
        assert!(out.status.success(), "ctr image import: {}", String::from_utf8_lossy(&out.stderr));
    });
}

/// Writes an image archive and imports it: `ctr`'s output.
pub fn import(name: &str, layers: &[(&Path, &str)], os: Os, arch: Arch, diff_ids: Vec<String>) -> Output {
    import_archive(&archive(name, layers, os, arch, diff_ids), &[])
}

/// `ctr image import --all-platforms` of an archive, with `flags`: its output.
pub fn import_archive(archive: &Path, flags: &[&str]) -> Output {
    ctr().args(["image", "import", "--all-platforms"]).args(flags).arg(archive).output().unwrap()
}

/// Writes an image archive of `layers` with a config for `os` and `arch`:
/// its path.
pub fn archive(name: &str, layers: &[(&Path, &str)], os: Os, arch: Arch, diff_ids: Vec<String>) -> PathBuf {
    let mut b = Builder::default();
    for (path, media_type) in layers {
        b.add_layer_with_media_type(path, (*media_type).to_owned());
    }
    let config = spec::ImageConfigurationBuilder::default()
        .config(spec::ConfigBuilder::default().entrypoint(vec!["/probe.wasm".to_owned()]).build().unwrap())
        .os(os)
        .architecture(arch)
        .rootfs(spec::RootFsBuilder::default().diff_ids(diff_ids).build().unwrap())
        .build()
        .unwrap();
    b.add_config(config, name.to_owned(), spec::MediaType::ImageConfig);
    let archive: PathBuf = scratch().join(format!("{}.tar", name.replace([':', '/'], "-")));
    b.build(std::fs::File::create(&archive).unwrap()).unwrap();
    archive
}
