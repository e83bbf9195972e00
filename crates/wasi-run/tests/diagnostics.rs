//! Backtraces, source lines, core dumps and guest profiles, through the
//! CLI, with real Rust, C and Go guests (tests/diagnostics/*).

mod common;

use common::{c_program, go_program, rust_program, scratch, wasi_run};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;

fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics").join(name)
}

/// `trap.rs` built optimised, with names and no DWARF.
fn trap_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| rust_program(&source("trap.rs"), "", &["-C", "opt-level=2"]).unwrap())
}

/// `trap.rs` built with DWARF (`-g`).
fn trap_g_wasm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| rust_program(&source("trap.rs"), "-g", &["-C", "opt-level=1", "-g"]).unwrap())
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = wasi_run();
    for a in args {
        cmd.arg(a);
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The function of each frame line of a backtrace (`N: [0xOFF - ]module!name`),
/// innermost first.
fn frames(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .skip_while(|l| *l != "wasm backtrace:")
        .skip(1)
        .filter_map(|l| {
            let (index, rest) = l.trim_start().split_once(": ")?;
            index.parse::<usize>().ok()?;
            let name = rest.rsplit_once(" - ").map_or(rest, |(_, n)| n);
            Some(name.split_once('!').map_or(name, |(_, f)| f).to_owned())
        })
        .collect()
}

/// A trap's report: the one-line error first (exit status 134), then the
/// backtrace; returns the frames.
fn trapped(out: &Output, error: &str) -> Vec<String> {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    let first =
        err.lines().find(|l| l.starts_with("wasi-run: ") && !l.starts_with("wasi-run: note:")).unwrap_or_default();
    assert_eq!(first, format!("wasi-run: trap: {error}"), "{err}");
    frames(&err)
}

/// `names` appear in `frames` one after another, the first at `at`.
fn assert_run(frames: &[String], at: usize, names: &[&str]) {
    let got: Vec<&str> = frames.iter().skip(at).take(names.len()).map(String::as_str).collect();
    assert_eq!(got, names, "frames: {frames:#?}");
}

#[test]
fn rust_abort_shows_its_frames_innermost_first() {
    let out = run(&[&trap_wasm(), &"abort"]);
    let frames = trapped(&out, "wasm `unreachable` instruction executed");
    let at = frames.iter().position(|f| f == "std::process::abort").expect("std::process::abort");
    assert_run(&frames, at, &["std::process::abort", "trap::level3", "trap::level2", "trap::level1", "trap::main"]);
    assert_eq!(frames.last().map(String::as_str), Some("_start"));
    assert!(stderr(&out).contains("trap.wasm!trap::level3"), "{}", stderr(&out));
    assert!(stderr(&out).contains("note: run with -D debug-info"), "{}", stderr(&out));
}

#[test]
fn rust_panic_shows_the_panicking_frames() {
    let out = run(&[&trap_wasm(), &"panic"]);
    assert!(stderr(&out).contains("the guest gave up at depth 2"), "{}", stderr(&out));
    let frames = trapped(&out, "wasm `unreachable` instruction executed");
    let at = frames.iter().position(|f| f == "trap::level3").expect("trap::level3");
    assert_run(&frames, at, &["trap::level3", "trap::level2", "trap::level1"]);
    assert_eq!(frames.get(at - 1).map(String::as_str), Some("core::panicking::panic_fmt"), "{frames:#?}");
}

#[test]
fn out_of_bounds_load_is_the_innermost_frame() {
    let out = run(&[&trap_wasm(), &"oob"]);
    let frames = trapped(&out, "out of bounds memory access");
    assert_run(&frames, 0, &["trap::level3", "trap::level2", "trap::level1", "trap::main"]);
}

#[test]
fn stack_overflow_shows_both_ends() {
    let out = run(&[&trap_wasm(), &"recurse"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert!(err.contains(" frames omitted ..."), "{err}");
    let frames = frames(&err);
    assert_eq!(frames.first().map(String::as_str), Some("trap::recurse"));
    let at = frames.iter().position(|f| f == "trap::level3").expect("trap::level3 among the outermost frames");
    assert_run(&frames, at, &["trap::level3", "trap::level2", "trap::level1", "trap::main"]);
    assert_eq!(frames.last().map(String::as_str), Some("_start"));
    assert!(err.lines().count() < 90, "the backtrace is elided: {} lines", err.lines().count());
}

#[test]
fn c_abort_shows_its_frames() {
    let wasm = c_program(&source("abort.c"), &[]).unwrap();
    let frames = trapped(&run(&[&wasm]), "wasm `unreachable` instruction executed");
    assert_run(&frames, 0, &["abort", "level3", "level2", "level1", "main"]);
}

#[test]
fn go_out_of_bounds_load_shows_its_frames() {
    let wasm = go_program(&source("oob.go")).unwrap();
    let frames = trapped(&run(&[&wasm]), "out of bounds memory access");
    assert_run(&frames, 0, &["main.level3", "main.level2", "main.level1", "main.main", "runtime.main"]);
}

#[test]
fn a_module_without_names_shows_indices() {
    let dir = scratch("diag-nameless");
    let wat = dir.join("nameless.wat");
    // No identifiers, so no name section: import 0, functions 1 to 3.
    std::fs::write(
        &wat,
        r#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (memory 1)
            (export "memory" (memory 0))
            (func unreachable)
            (func call 1)
            (export "_start" (func 3))
            (func call 2))"#,
    )
    .unwrap();
    let frames = trapped(&run(&[&wat]), "wasm `unreachable` instruction executed");
    assert_eq!(frames, ["<wasm function 1>", "<wasm function 2>", "<wasm function 3>"]);
    assert!(stderr(&run(&[&wat])).contains("    0: nameless.wat!<wasm function 1>"));
}

/// The line of `trap.rs` that ends with `// LINE: {tag}`.
fn line_of(tag: &str) -> usize {
    let text = std::fs::read_to_string(source("trap.rs")).unwrap();
    text.lines().position(|l| l.ends_with(&format!("// LINE: {tag}"))).unwrap() + 1
}

#[test]
fn debug_info_shows_source_lines() {
    let wasm = trap_g_wasm();
    let abort_line = format!("trap.rs:{}:", line_of("abort"));
    for env in [false, true] {
        let mut cmd = wasi_run();
        if env {
            cmd.env("WASMTIME_BACKTRACE_DETAILS", "1");
        } else {
            cmd.args(["-D", "debug-info"]);
        }
        let out = cmd.arg(wasm).arg("abort").stdin(Stdio::null()).output().unwrap();
        let err = stderr(&out);
        let frames = trapped(&out, "wasm `unreachable` instruction executed");
        let at = frames.iter().position(|f| f == "trap::level3").expect("trap::level3");
        // Each frame line has its offset; the one after level3's names
        // the line of the abort() call.
        let lines: Vec<&str> = err.lines().collect();
        let frame_line = lines.iter().position(|l| l.ends_with("trap-g.wasm!trap::level3")).expect("level3's line");
        assert!(lines[frame_line].trim_start().starts_with(&format!("{at}:")), "{err}");
        assert!(lines[frame_line].contains(" 0x"), "{err}");
        let at_line = lines[frame_line + 1].trim();
        assert!(at_line.starts_with("at ") && at_line.contains(&abort_line), "wanted {abort_line}: {err}");
        assert!(!err.contains("note: run with -D debug-info"), "{err}");
    }
}

/// The core dump's custom sections, and the function index of each frame
/// of its stack, innermost first.
fn read_core_dump(bytes: &[u8]) -> (Vec<String>, Vec<u32>) {
    let mut names = Vec::new();
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CustomSection(c) = payload.unwrap() {
            names.push(c.name().to_owned());
            if c.name() == "corestack" {
                let mut r = wasmparser::BinaryReader::new(c.data(), 0);
                assert_eq!(r.read_u8().unwrap(), 0, "thread-info");
                r.read_string().unwrap();
                for _ in 0..r.read_var_u32().unwrap() {
                    assert_eq!(r.read_u8().unwrap(), 0, "frame");
                    let _instance = r.read_var_u32().unwrap();
                    funcs.push(r.read_var_u32().unwrap());
                    let _offset = r.read_var_u32().unwrap();
                    assert_eq!(r.read_var_u32().unwrap(), 0, "no locals");
                    assert_eq!(r.read_var_u32().unwrap(), 0, "no operand stack");
                }
            }
        }
    }
    (names, funcs)
}

/// The index the module's name section gives `name`.
fn index_of(wasm: &Path, name: &str) -> u32 {
    let bytes = std::fs::read(wasm).unwrap();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::CustomSection(c) = payload.unwrap()
            && let wasmparser::KnownCustom::Name(reader) = c.as_known()
        {
            for sub in reader {
                if let wasmparser::Name::Function(map) = sub.unwrap() {
                    for naming in map {
                        let naming = naming.unwrap();
                        if rustc_demangle::demangle(naming.name).to_string().starts_with(name) {
                            return naming.index;
                        }
                    }
                }
            }
        }
    }
    panic!("{name} is not named in {}", wasm.display());
}

#[test]
fn core_dump_names_the_trapping_function() {
    let dir = scratch("diag-core");
    let core = dir.join("trap.core");
    let out = run(&[&"-D", &format!("coredump={}", core.display()), &trap_wasm(), &"oob"]);
    let frames = trapped(&out, "out of bounds memory access");
    let last = stderr(&out).lines().last().unwrap_or_default().to_owned();
    assert_eq!(last, format!("core dump written to {}", core.display()));
    let bytes = std::fs::read(&core).unwrap();
    wasmparser::Validator::new().validate_all(&bytes).expect("the core dump is a valid module");
    let (sections, funcs) = read_core_dump(&bytes);
    for s in ["core", "coremodules", "coreinstances", "corestack"] {
        assert!(sections.iter().any(|n| n == s), "{s} in {sections:?}");
    }
    assert_eq!(funcs.len(), frames.len());
    assert_eq!(funcs[0], index_of(trap_wasm(), "trap::level3"));
    assert_eq!(funcs[1], index_of(trap_wasm(), "trap::level2"));
}

#[test]
fn profile_is_dominated_by_the_hot_function() {
    let wasm = rust_program(&source("hot.rs"), "", &["-C", "opt-level=2"]).unwrap();
    let dir = scratch("diag-profile");
    let path = dir.join("out.json");
    let out = run(&[&format!("--profile=guest,{}", path.display()), &wasm]);
    assert!(out.status.success(), "{}", stderr(&out));
    let profile: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let thread = &profile["threads"][0];
    let strings = &thread["stringArray"];
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let stacks = thread["samples"]["stack"].as_array().unwrap();
    for stack in stacks.iter().filter_map(serde_json::Value::as_u64) {
        let frame = thread["stackTable"]["frame"][stack as usize].as_u64().unwrap();
        let func = thread["frameTable"]["func"][frame as usize].as_u64().unwrap();
        let name = strings[thread["funcTable"]["name"][func as usize].as_u64().unwrap() as usize].as_str().unwrap();
        *counts.entry(name.to_owned()).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let hot = counts.get("hot::hot_loop").copied().unwrap_or(0);
    assert!(total >= 10, "{counts:?}");
    assert!(hot * 10 >= total * 8, "hot::hot_loop is most samples: {counts:?}");
}

#[test]
fn a_module_that_cannot_be_instrumented_runs_with_a_note() {
    let dir = scratch("diag-skip");
    let wat = dir.join("taken.wat");
    // It exports a name the rewrite would add: it runs as it is.
    std::fs::write(
        &wat,
        r#"(module (memory (export "memory") 1) (global (export "wasi-run:shadow-sp") i32 (i32.const 7))
            (func (export "_start") unreachable))"#,
    )
    .unwrap();
    let out = run(&[&wat]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "wasi-run: note: backtraces are off for taken.wat: it already exports \"wasi-run:shadow-sp\"",
            "wasi-run: trap: wasm `unreachable` instruction executed"
        ]
    );
}

#[test]
fn no_backtraces_runs_the_module_as_it_is() {
    let out = run(&[&"--no-backtraces", &trap_wasm(), &"oob"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(134), "{err}");
    assert_eq!(err.trim_end(), "wasi-run: trap: out of bounds memory access");
    let out = run(&[&"--no-backtraces", &"-D", &"coredump=x", &trap_wasm()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim_end(), "wasi-run: -D coredump needs backtraces, which --no-backtraces turns off");
}
