//! Go's own `os` package tests (`os.Root` among them: create, write,
//! truncate, rename, remove, links, and every escape Go knows) built for
//! wasip1 and run under wasi-run as an unprivileged user. They were written
//! for wasmtime's behaviour, so they check ours against it where Go cares.

mod common;

use common::{copy_tree, give_to_test_user, go, scratch, wasi_run_unprivileged};
use std::path::Path;

#[test]
fn go_os_package_tests_pass() {
    let work = scratch("go-os");
    let wasm = work.join("os.test.wasm");
    let built = go().args(["test", "-c", "-o"]).arg(&wasm).arg("os").output().expect("go");
    assert!(built.status.success(), "go test -c os: {}", String::from_utf8_lossy(&built.stderr));
    let goroot = go().args(["env", "GOROOT"]).output().expect("go env");
    let goroot = Path::new(String::from_utf8_lossy(&goroot.stdout).trim()).to_path_buf();

    // The tests read their package's testdata and three files at GOROOT
    // (the Go installation may not be readable by the test user): copy
    // what they need where it is.
    let root = work.join("goroot");
    let pkg = root.join("src/os");
    copy_tree(&goroot.join("src/os"), &pkg);
    std::fs::copy(goroot.join("go.env"), root.join("go.env")).unwrap();
    for name in ["LICENSE", "CONTRIBUTING.md"] {
        std::fs::write(root.join(name), "").unwrap();
    }
    let tmp = work.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    give_to_test_user(&work);

    let out = wasi_run_unprivileged()
        .current_dir(&pkg)
        .args(["--dir", "/::/", "--env"])
        .arg(format!("PWD={}", pkg.display()))
        .arg("--env")
        .arg(format!("TMPDIR={}", tmp.display()))
        .arg("--env")
        .arg(format!("GOROOT={}", root.display()))
        .arg(&wasm)
        .arg("-test.short")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.trim_start().starts_with("--- FAIL")).collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "Go's os tests failed ({}):\n{}\n{stdout}{}",
        out.status,
        failed.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().any(|l| l == "PASS"), "{stdout}");
    let _ = std::fs::remove_dir_all(&work);
}
