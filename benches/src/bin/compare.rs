//! The side-by-side comparison: the same guest binaries under wasi-run,
//! under the same wasmi engine with `wasmi_wasi` (wasi-common), under
//! Node's `node:wasi` (when `node` is installed), and natively (the same
//! program built for the host).
//!
//! ```text
//! cargo run --release --manifest-path benches/Cargo.toml --target-dir target --bin compare -- [--reps N] [--quick] [--no-write]
//! ```
//!
//! It builds everything it runs, measures each mode with every runtime in
//! alternation (the order rotates each repetition), reports medians and
//! ratios, and writes the tables into `docs/performance.md` between its
//! markers (unless `--no-write`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasi_run_benches::tools::{cargo, machine, median, run_checked, run_measured, write_table};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Runtime {
    WasiRun,
    WasmiWasi,
    Node,
    Native,
}

impl Runtime {
    fn name(self) -> &'static str {
        match self {
            Runtime::WasiRun => "wasi-run",
            Runtime::WasmiWasi => "wasmi + wasmi_wasi",
            Runtime::Node => "Node",
            Runtime::Native => "native",
        }
    }
}

/// What a mode measures, and what the issue's target is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// ns per call, lower is better.
    PerCall,
    /// MB/s, higher is better.
    Bandwidth,
    /// ns per element of pure computation.
    Compute,
    /// ns per sleep; dominated by the kernel's timer slack.
    Timer,
}

struct Mode {
    name: &'static str,
    what: &'static str,
    n: u64,
    kind: Kind,
}

const MODES: &[Mode] = &[
    Mode { name: "write1", what: "1-byte `fd_write` to /dev/null", n: 300_000, kind: Kind::PerCall },
    Mode { name: "clock", what: "`clock_time_get` (monotonic)", n: 2_000_000, kind: Kind::PerCall },
    Mode { name: "openclose", what: "`path_open` + `fd_close` of a file", n: 100_000, kind: Kind::PerCall },
    Mode { name: "stat", what: "`path_filestat_get` of a file", n: 200_000, kind: Kind::PerCall },
    Mode { name: "readdir", what: "list a directory of 2000 entries", n: 300, kind: Kind::PerCall },
    Mode { name: "read1g", what: "read 1 GiB in 64 KiB chunks", n: 1, kind: Kind::Bandwidth },
    Mode { name: "writefile", what: "write 256 MiB in 64 KiB chunks", n: 1, kind: Kind::Bandwidth },
    Mode { name: "poll", what: "`poll_oneoff` 1 µs timer (sleep)", n: 2_000, kind: Kind::Timer },
    Mode { name: "compute", what: "pure compute loop (ns per element)", n: 3_000, kind: Kind::Compute },
];

struct Paths {
    repo: PathBuf,
    wasi_run: PathBuf,
    /// wasi-run built without its `simd` and `memory64` features.
    wasi_run_no_simd: PathBuf,
    wasmi_wasi: PathBuf,
    guest_wasm: PathBuf,
    guest_native: PathBuf,
    go_hello: Option<PathBuf>,
    node_script: PathBuf,
    data: PathBuf,
}

fn build(repo: &Path) -> Paths {
    let target = repo.join("target");
    eprintln!("building wasi-run, the wasmi_wasi runner and the guests…");
    run_checked(cargo().current_dir(repo).args(["build", "--release", "--quiet", "-p", "wasi-run"]), "build wasi-run");
    let no_simd = target.join("no-simd");
    run_checked(
        cargo()
            .current_dir(repo)
            .args(["build", "--release", "--quiet", "-p", "wasi-run", "--no-default-features", "--target-dir"])
            .arg(&no_simd),
        "build wasi-run without SIMD",
    );
    run_checked(
        cargo()
            .current_dir(repo)
            .args(["build", "--release", "--quiet", "--manifest-path", "benches/Cargo.toml", "--target-dir"])
            .arg(&target)
            .args(["--example", "wasmi_wasi_run"]),
        "build the wasmi_wasi runner",
    );
    let guest_dir = repo.join("benches/guest");
    let guest_target = target.join("bench-guest");
    for extra in [&["--target", "wasm32-wasip1"][..], &[][..]] {
        run_checked(
            cargo()
                .current_dir(&guest_dir)
                .args(["build", "--release", "--quiet", "--target-dir"])
                .arg(&guest_target)
                .args(extra),
            "build the guest",
        );
    }
    let go_hello = guest_target.join("go-hello.wasm");
    let go_ok = Command::new("go")
        .current_dir(guest_dir.join("go-hello"))
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .args(["build", "-o"])
        .arg(&go_hello)
        .arg(".")
        .status()
        .is_ok_and(|s| s.success());
    Paths {
        repo: repo.to_path_buf(),
        wasi_run: target.join("release/wasi-run"),
        wasi_run_no_simd: no_simd.join("release/wasi-run"),
        wasmi_wasi: target.join("release/examples/wasmi_wasi_run"),
        guest_wasm: guest_target.join("wasm32-wasip1/release/bench-guest.wasm"),
        guest_native: guest_target.join("release/bench-guest"),
        go_hello: go_ok.then_some(go_hello),
        node_script: repo.join("benches/node-wasi.mjs"),
        data: make_data(&target),
    }
}

/// The data directory every runtime works in.
fn make_data(target: &Path) -> PathBuf {
    let data = target.join("bench-data");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(data.join("dir2000")).unwrap();
    std::fs::write(data.join("file"), b"hello\n").unwrap();
    for i in 0..2000 {
        std::fs::write(data.join(format!("dir2000/entry-{i:04}")), b"").unwrap();
    }
    // 1 GiB, sparse: reading it measures the path, not the disk.
    std::fs::File::create(data.join("big")).unwrap().set_len(1 << 30).unwrap();
    data
}

/// How a runtime runs `module` with `args`.
fn command(p: &Paths, rt: Runtime, module: &Path, args: &[String]) -> Option<Command> {
    let mut cmd = match rt {
        Runtime::WasiRun => {
            let mut c = Command::new(&p.wasi_run);
            c.args(["--dir", ".::."]).arg(module);
            c
        }
        Runtime::WasmiWasi => {
            let mut c = Command::new(&p.wasmi_wasi);
            c.args(["--dir", ".::."]).arg(module);
            c
        }
        Runtime::Node => {
            let mut c = Command::new("node");
            c.arg("--no-warnings").arg(&p.node_script).arg(module);
            c
        }
        Runtime::Native => {
            if module != p.guest_wasm {
                return None;
            }
            Command::new(&p.guest_native)
        }
    };
    cmd.args(args).current_dir(&p.data);
    Some(cmd)
}

fn fmt_value(v: f64, kind: Kind) -> String {
    match kind {
        Kind::Bandwidth => format!("{v:.0} MB/s"),
        Kind::Compute => format!("{v:.2} ns"),
        _ if v >= 1e6 => format!("{:.2} ms", v / 1e6),
        _ if v >= 1e3 => format!("{:.2} µs", v / 1e3),
        _ => format!("{v:.0} ns"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let write = !args.iter().any(|a| a == "--no-write");
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 3 } else { 7 });
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let p = build(&repo);
    let has_node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut runtimes = vec![Runtime::WasiRun, Runtime::WasmiWasi];
    if has_node {
        runtimes.push(Runtime::Node);
    }
    runtimes.push(Runtime::Native);

    // Warm up the page cache and every binary once.
    for rt in &runtimes {
        for mode in ["read1g", "clock"] {
            if let Some(cmd) = command(&p, *rt, &p.guest_wasm.clone(), &[mode.into(), "1000".into()]) {
                run_measured(cmd);
            }
        }
    }

    let mut results: BTreeMap<(&str, Runtime), f64> = BTreeMap::new();
    let mut rss: BTreeMap<(&str, Runtime), f64> = BTreeMap::new();
    for mode in MODES {
        let n = if quick { (mode.n / 5).max(1) } else { mode.n };
        let mut samples: BTreeMap<Runtime, Vec<f64>> = BTreeMap::new();
        // A bandwidth run is short and the noisiest: three times the runs.
        let mode_reps = if mode.kind == Kind::Bandwidth { 3 * reps } else { reps };
        for rep in 0..mode_reps {
            for k in 0..runtimes.len() {
                let rt = runtimes[(k + rep) % runtimes.len()];
                let Some(cmd) = command(&p, rt, &p.guest_wasm.clone(), &[mode.name.into(), n.to_string()]) else {
                    continue;
                };
                let (err, _, maxrss) = run_measured(cmd);
                let line =
                    err.lines().find(|l| l.starts_with(mode.name)).unwrap_or_else(|| panic!("{}: {err}", rt.name()));
                let value: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
                samples.entry(rt).or_default().push(value);
                rss.insert((mode.name, rt), maxrss as f64);
            }
        }
        for (rt, mut v) in samples {
            let m = median(&mut v);
            eprintln!("{:>10} {:>20}: {}", mode.name, rt.name(), fmt_value(m, mode.kind));
            results.insert((mode.name, rt), m);
        }
    }

    // What enabling SIMD costs code that does not use it: the compute mode
    // under the default build and under one without the `simd` feature.
    let n = if quick { 600 } else { 3_000 }.to_string();
    let mut simd_cost: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for rep in 0..reps {
        for k in 0..2 {
            let which = (k + rep) % 2;
            let bin = if which == 0 { &p.wasi_run } else { &p.wasi_run_no_simd };
            let mut cmd = Command::new(bin);
            cmd.args(["--dir", ".::."]).arg(&p.guest_wasm).args(["compute", &n]).current_dir(&p.data);
            let (err, _, _) = run_measured(cmd);
            let line = err.lines().find(|l| l.starts_with("compute")).expect("compute line");
            simd_cost[which].push(line.split_whitespace().nth(1).unwrap().parse().unwrap());
        }
    }
    let simd_cost = (median(&mut simd_cost[0]), median(&mut simd_cost[1]));
    eprintln!("   compute   with SIMD {:.2} ns, build without SIMD {:.2} ns", simd_cost.0, simd_cost.1);

    // Start-up: hello world, wall time and peak memory.
    let rust_hello = (p.guest_wasm.clone(), vec!["hello".to_owned()]);
    let mut startups: Vec<(&str, (PathBuf, Vec<String>))> = vec![("Rust hello world", rust_hello)];
    if let Some(go) = &p.go_hello {
        startups.push(("Go hello world", (go.clone(), vec![])));
    }
    let mut startup: BTreeMap<(&str, Runtime), (f64, f64)> = BTreeMap::new();
    for (label, (module, margs)) in &startups {
        let mut walls: BTreeMap<Runtime, Vec<f64>> = BTreeMap::new();
        let mut mems: BTreeMap<Runtime, Vec<f64>> = BTreeMap::new();
        // Start-up is short and noisy: many more runs.
        for rep in 0..reps * 5 {
            for k in 0..runtimes.len() {
                let rt = runtimes[(k + rep) % runtimes.len()];
                if rt == Runtime::Native {
                    continue;
                }
                let cmd = command(&p, rt, module, margs).unwrap();
                let (_, wall, maxrss) = run_measured(cmd);
                walls.entry(rt).or_default().push(wall * 1e3);
                mems.entry(rt).or_default().push(maxrss as f64);
            }
        }
        for (rt, mut w) in walls {
            let m = mems.get_mut(&rt).unwrap();
            startup.insert((label, rt), (median(&mut w), median(m)));
        }
    }

    let mut table =
        render(&p, &runtimes, &results, &rss, &startup, &startups.iter().map(|s| s.0).collect::<Vec<_>>(), reps);
    let (with, without) = simd_cost;
    writeln!(
        table,
        "\nSIMD's cost to code that does not use it (compute mode): {with:.2} ns per element with SIMD and memory64 enabled, {without:.2} ns in a build without them ({:+.1}%).",
        (with / without - 1.0) * 100.0
    )
    .unwrap();
    println!("{table}");
    if write {
        let doc = p.repo.join("docs/performance.md");
        write_table(&doc, "compare", &table);
    }
}

fn render(
    _p: &Paths,
    runtimes: &[Runtime],
    results: &BTreeMap<(&str, Runtime), f64>,
    rss: &BTreeMap<(&str, Runtime), f64>,
    startup: &BTreeMap<(&str, Runtime), (f64, f64)>,
    startup_labels: &[&str],
    reps: usize,
) -> String {
    let mut t = String::new();
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    writeln!(
        t,
        "Measured {date} on {}; median of {reps} runs per cell ({} for the bandwidth modes), runtimes in rotating alternation.\n",
        machine(),
        3 * reps
    )
    .unwrap();
    write!(t, "| mode |").unwrap();
    for rt in runtimes {
        write!(t, " {} |", rt.name()).unwrap();
    }
    writeln!(t, " wasi-run vs wasmi_wasi | vs Node | vs native | target |").unwrap();
    write!(t, "| --- |").unwrap();
    for _ in runtimes {
        write!(t, " ---: |").unwrap();
    }
    writeln!(t, " ---: | ---: | ---: | --- |").unwrap();
    for mode in MODES {
        let get = |rt| results.get(&(mode.name, rt)).copied();
        write!(t, "| {} |", mode.what).unwrap();
        for rt in runtimes {
            write!(t, " {} |", get(*rt).map_or("–".into(), |v| fmt_value(v, mode.kind))).unwrap();
        }
        let ours = get(Runtime::WasiRun).unwrap_or(f64::NAN);
        let faster = |other: Option<f64>| match (other, mode.kind) {
            (Some(o), Kind::Bandwidth) => format!("{:.2}×", ours / o),
            (Some(o), _) => format!("{:.2}×", o / ours),
            (None, _) => "–".into(),
        };
        let vs_wasi = faster(get(Runtime::WasmiWasi));
        let vs_node = faster(get(Runtime::Node));
        let vs_native = match (get(Runtime::Native), mode.kind) {
            (Some(n), Kind::Bandwidth) => format!("{:.0}%", ours / n * 100.0),
            (Some(n), _) => format!("{:.2}× its time", ours / n),
            (None, _) => "–".into(),
        };
        let target = target_met(mode, results);
        writeln!(t, " {vs_wasi} | {vs_node} | {vs_native} | {target} |").unwrap();
    }
    writeln!(t, "\n\"×\" columns: how many times faster wasi-run is (above 1 is faster). Native: wasi-run's time as a multiple of the native build's, or its bandwidth as a share of native.\n").unwrap();
    writeln!(t, "| start-up and memory | wasi-run | wasmi + wasmi_wasi | Node | target |").unwrap();
    writeln!(t, "| --- | ---: | ---: | ---: | --- |").unwrap();
    for label in startup_labels {
        let cell = |rt| startup.get(&(*label, rt)).copied();
        let (ours, base, node) = (cell(Runtime::WasiRun), cell(Runtime::WasmiWasi), cell(Runtime::Node));
        let show = |c: Option<(f64, f64)>, f: fn((f64, f64)) -> String| c.map_or("–".into(), f);
        let time_ok = matches!((ours, base), (Some(o), Some(b)) if o.0 <= b.0 * 1.02);
        let mem_ok = matches!((ours, base), (Some(o), Some(b)) if o.1 <= b.1 * 1.02);
        writeln!(
            t,
            "| {label}: wall time | {} | {} | {} | {} |",
            show(ours, |c| format!("{:.1} ms", c.0)),
            show(base, |c| format!("{:.1} ms", c.0)),
            show(node, |c| format!("{:.1} ms", c.0)),
            if time_ok { "✓ no worse than wasmi_wasi" } else { "✗ slower than wasmi_wasi" }
        )
        .unwrap();
        writeln!(
            t,
            "| {label}: peak memory | {} | {} | {} | {} |",
            show(ours, |c| format!("{:.1} MiB", c.1 / 1024.0)),
            show(base, |c| format!("{:.1} MiB", c.1 / 1024.0)),
            show(node, |c| format!("{:.1} MiB", c.1 / 1024.0)),
            if mem_ok { "✓ no worse than wasmi_wasi" } else { "✗ more than wasmi_wasi" }
        )
        .unwrap();
    }
    let peak = |rt| rss.iter().filter(|((_, r), _)| *r == rt).map(|(_, v)| *v).fold(0.0, f64::max) / 1024.0;
    writeln!(
        t,
        "\nLargest peak memory over all modes: wasi-run {:.1} MiB, wasmi + wasmi_wasi {:.1} MiB.",
        peak(Runtime::WasiRun),
        peak(Runtime::WasmiWasi)
    )
    .unwrap();
    t
}

/// The issue's target for a mode, checked against the medians.
fn target_met(mode: &Mode, r: &BTreeMap<(&str, Runtime), f64>) -> String {
    let get = |rt| r.get(&(mode.name, rt)).copied();
    let (Some(ours), Some(base)) = (get(Runtime::WasiRun), get(Runtime::WasmiWasi)) else { return "–".into() };
    let mark = |ok: bool, text: String| format!("{} {text}", if ok { "✓" } else { "✗" });
    match mode.kind {
        Kind::PerCall => {
            let mut parts = vec![mark(base / ours >= 2.5, "≥2.5× wasmi_wasi".into())];
            if let Some(node) = get(Runtime::Node) {
                parts.push(mark(ours < node, "ahead of Node".into()));
            }
            if mode.name == "write1" {
                if let Some(native) = get(Runtime::Native) {
                    parts.push(mark(ours <= 2.0 * native, "≤2× native".into()));
                }
            }
            parts.join(", ")
        }
        Kind::Bandwidth => match get(Runtime::Native) {
            Some(native) => [
                mark(ours >= 0.95 * native, "within 5% of native".into()),
                mark(ours >= base, "ahead of wasmi_wasi".into()),
            ]
            .join(", "),
            None => "–".into(),
        },
        Kind::Compute => mark(ours <= 1.05 * base, "within 5% of wasmi_wasi".into()),
        Kind::Timer => "(no target)".into(),
    }
}
