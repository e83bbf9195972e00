//! End to end under a real containerd: images imported with `ctr image
//! import`, containers run with `ctr run --runtime io.containerd.wasirun.v1`
//! (the shim found on containerd's PATH), as a node would run a pod.
//!
//! `.ci/containerd` starts a containerd of its own (its own root, state and
//! socket) with the shim on its PATH, and runs this with
//! `WASI_RUN_CONTAINERD` set to its socket; without it these tests are
//! ignored by a plain `cargo test` (they need root).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use oci_spec::image::{Arch, Os};
use oci_tar_builder::WASM_LAYER_MEDIA_TYPE;

use common::{ROOTFS_IMAGE, RUNTIME, WASM_IMAGE, ctr, images, import_archive, scratch};

/// `ctr run --rm` of `image` as container `id` with `opts` before the
/// image and `args` after the id: its exit status and output.
fn run(image: &str, id: &str, opts: &[&str], args: &[&str]) -> (i32, String, String) {
    images();
    outcome(
        ctr()
            .args(["run", "--rm", "--runtime", RUNTIME])
            .args(opts)
            .args([image, id])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    )
}

/// A `ctr` command's exit status (-1 for none) and output, as text.
fn outcome(out: Output) -> (i32, String, String) {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn hello_from_an_image_root_file_system() {
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "hello", &[], &["/probe.wasm"]);
    assert_eq!((status, stdout.as_str()), (0, "hello from wasi-run\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn args_env_and_exit_status() {
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "args", &[], &["/probe.wasm", "args", "two words", "x"]);
    assert_eq!((status, stdout.as_str()), (0, "[\"/probe.wasm\", \"args\", \"two words\", \"x\"]\n"), "{stderr}");
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "env", &["--env", "GREETING=hi there"], &["/probe.wasm", "env"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.lines().any(|l| l == "GREETING=hi there"), "{stdout}");
    let (status, _, stderr) = run(ROOTFS_IMAGE, "exit", &[], &["/probe.wasm", "exit", "42"]);
    assert_eq!(status, 42, "{stderr}");
    let (status, _, stderr) = run(ROOTFS_IMAGE, "trap", &[], &["/probe.wasm", "trap"]);
    assert_eq!(status, 134, "{stderr}");
    assert!(stderr.contains("wasm backtrace:"), "{stderr}");
}

#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn the_root_file_system_and_mounts() {
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "image-file", &[], &["/probe.wasm", "read", "/data/hello.txt"]);
    assert_eq!((status, stdout.as_str()), (0, "hello from the image\n"), "{stderr}");
    let host = scratch().join("mounted");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("from-host.txt"), "from the host\n").unwrap();
    let rw = format!("type=bind,src={},dst=/host,options=rbind:rw", host.display());
    let ro = format!("type=bind,src={},dst=/host,options=rbind:ro", host.display());
    let (status, stdout, stderr) =
        run(ROOTFS_IMAGE, "mount-read", &["--mount", &ro], &["/probe.wasm", "read", "/host/from-host.txt"]);
    assert_eq!((status, stdout.as_str()), (0, "from the host\n"), "{stderr}");
    // A read-only mount is read-only to the guest.
    let (status, stdout, stderr) =
        run(ROOTFS_IMAGE, "mount-ro", &["--mount", &ro], &["/probe.wasm", "write", "/host/new.txt"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.starts_with("cannot write /host/new.txt"), "{stdout}");
    assert!(!host.join("new.txt").exists());
    // A writable one takes the write.
    let (status, stdout, stderr) =
        run(ROOTFS_IMAGE, "mount-rw", &["--mount", &rw], &["/probe.wasm", "write", "/host/new.txt"]);
    assert_eq!((status, stdout.as_str()), (0, "wrote /host/new.txt\n"), "{stderr}");
    assert_eq!(std::fs::read_to_string(host.join("new.txt")).unwrap(), "written by the guest\n");
    // The container's own root takes writes too (ctr's is writable).
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "root-write", &[], &["/probe.wasm", "write", "/data/new.txt"]);
    assert_eq!((status, stdout.as_str()), (0, "wrote /data/new.txt\n"), "{stderr}");
}

#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn the_memory_limit_is_the_guests() {
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "grow", &[], &["/probe.wasm", "grow", "64"]);
    assert_eq!((status, stdout.as_str()), (0, "got 64 MiB\n"), "{stderr}");
    // `ctr run` mounts no cgroup file system in the container (Kubernetes
    // mounts the container's own): the host's, read-only, shows the shim
    // the container's cgroup, as /proc/self/cgroup names it.
    let limit = (32u64 << 20).to_string();
    let cgroups = "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,options=rbind:ro";
    let opts = ["--memory-limit", &limit, "--mount", cgroups];
    let (status, stdout, stderr) = run(ROOTFS_IMAGE, "grow-limited", &opts, &["/probe.wasm", "grow", "64"]);
    assert_eq!((status, stdout.as_str()), (0, "refused 64 MiB\n"), "{stderr}");
}

/// An image that is the module alone, in runwasi's wasm layer (a wasm OCI
/// artifact), runs from that layer: the shim reads it from containerd's
/// content store and the container's root file system has no module.
///
/// containerd unpacks an image's layers into a snapshot before `ctr run`
/// (and the CRI plugin) run it, and before 1.7.7 it refuses an image whose
/// layers are not file system diffs (a wasm layer has none). On such a
/// containerd (Debian 12 has 1.6.20) this checks that refusal, the
/// documented obstacle (docs/kubernetes.md), then imports the image
/// without unpacking it and makes the container through containerd's API
/// with no snapshot, as a client that does not unpack would, and starts
/// it with `ctr task start`: containerd, the shim binary and the layer are
/// all the real ones. On a newer containerd `ctr run` runs it.
#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn a_wasm_oci_artifact() {
    images();
    let wasm = scratch().join("probe.wasm");
    std::fs::write(&wasm, common::probe()).unwrap();
    let layers = [(wasm.as_path(), WASM_LAYER_MEDIA_TYPE)];
    let archive = common::archive(WASM_IMAGE, &layers, Os::Other("wasip1".into()), Arch::Wasm, vec![]);
    let out = import_archive(&archive, &[]);
    let args = ["probe.wasm", "args", "a"];
    let want = "[\"probe.wasm\", \"args\", \"a\"]\n";
    if containerd_at_least(1, 7, 7) {
        assert!(out.status.success(), "ctr image import: {}", String::from_utf8_lossy(&out.stderr));
        let (status, stdout, stderr) = run(WASM_IMAGE, "artifact", &["--platform", "wasip1/wasm"], &args);
        assert_eq!((status, stdout.as_str()), (0, want), "{stderr}");
        return;
    }
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mismatched image rootfs and manifest layers"), "{err}");

    let out = import_archive(&archive, &["--no-unpack"]);
    assert!(out.status.success(), "ctr image import --no-unpack: {}", String::from_utf8_lossy(&out.stderr));
    create_container("artifact", WASM_IMAGE, &args);
    let started = ctr().args(["task", "start", "artifact"]).stdin(Stdio::null()).output().unwrap();
    let _ = ctr().args(["task", "delete", "artifact"]).output();
    let _ = ctr().args(["container", "delete", "artifact"]).output();
    let (status, stdout, stderr) = outcome(started);
    assert_eq!((status, stdout.as_str()), (0, want), "{stderr}");
}

/// Makes container `id` of `image` with `args` through containerd's API,
/// as `ctr container create` would but with no snapshot (its root file
/// system an empty directory): containerd then never unpacks the image.
fn create_container(id: &str, image: &str, args: &[&str]) {
    use containerd_client::services::v1::container::Runtime;
    use containerd_client::services::v1::containers_client::ContainersClient;
    use containerd_client::services::v1::{Container, CreateContainerRequest};
    use containerd_client::tonic::Request;
    use containerd_client::with_namespace;
    use oci_spec::runtime::{RootBuilder, Spec};

    let root = scratch().join(format!("{id}-rootfs"));
    std::fs::create_dir_all(&root).unwrap();
    let mut spec = Spec::default();
    spec.set_root(Some(RootBuilder::default().path(&root).readonly(false).build().unwrap()));
    let mut process = spec.process().clone().unwrap();
    process.set_args(Some(args.iter().map(|a| a.to_string()).collect()));
    process.set_terminal(Some(false));
    spec.set_process(Some(process));
    let spec = prost_types::Any {
        type_url: "types.containerd.io/opencontainers/runtime-spec/1/Spec".to_owned(),
        value: serde_json::to_vec(&spec).unwrap(),
    };
    let container = Container {
        id: id.to_owned(),
        image: image.to_owned(),
        runtime: Some(Runtime { name: RUNTIME.to_owned(), options: None }),
        spec: Some(spec),
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    runtime.block_on(async {
        let channel = containerd_client::connect(common::address()).await.unwrap();
        let request = with_namespace!(CreateContainerRequest { container: Some(container) }, common::NAMESPACE);
        ContainersClient::new(channel).create(request).await.unwrap();
    });
}

/// Whether the containerd under test is at least `major.minor.patch`.
fn containerd_at_least(major: u32, minor: u32, patch: u32) -> bool {
    let out = ctr().args(["version"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The server's is the second "Version:" line ("1.6.20~ds1", "v1.7.7").
    let Some(v) = text.lines().filter_map(|l| l.trim().strip_prefix("Version:")).nth(1) else { return false };
    let nums: Vec<u32> = v
        .trim()
        .trim_start_matches('v')
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    nums.as_slice() >= [major, minor, patch].as_slice()
}

/// `ctr task kill` (SIGTERM) ends a guest asleep in `poll_oneoff` within a
/// second; the status is 143, as for a native process.
#[test]
#[ignore = "needs root and a containerd: .ci/containerd runs it"]
fn a_sleeping_guest_is_killed_within_a_second() {
    images();
    let mut child = ctr()
        .args(["run", "--rm", "--runtime", RUNTIME, ROOTFS_IMAGE, "sleeper", "/probe.wasm", "sleep"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "sleeping\n");
    let sent = Instant::now();
    let kill = ctr().args(["task", "kill", "sleeper"]).output().unwrap();
    assert!(kill.status.success(), "{}", String::from_utf8_lossy(&kill.stderr));
    let status = child.wait().unwrap();
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(143));
    assert!(took < Duration::from_secs(1), "the kill took {took:?}");
}
