//! What backtraces cost (docs/diagnostics.md): the same runs with
//! wasi-run's default (backtraces on), with `--no-backtraces` (the module
//! as it is), with `-D debug-info` (source lines) and with
//! `--profile=guest` (sampling at the default interval).
//!
//! ```text
//! cargo run --release --manifest-path benches/Cargo.toml --target-dir target --bin diagnostics -- [--reps N] [--no-write] [--coremark PATH]
//! ```
//!
//! Workloads: the bench guest's compute mode (a loop without calls) and
//! fib mode (a call per step, the worst case); the Go compiler (cmd/compile
//! built from the Go toolchain for wasip1) compiling the `unicode` package,
//! a real program; start-up of that 50 MB module (`compile -V`), on every
//! core and on one; and CoreMark when given its `.wasm` (`--coremark`,
//! which this repository does not ship), scored by CoreMark itself. Each
//! variant runs in alternation; medians are reported, and the table is
//! written into docs/diagnostics.md between its markers (unless
//! `--no-write`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use wasi_run_benches::tools::{cargo, machine, median, run_checked, write_table};

/// The ways wasi-run runs each workload.
const VARIANTS: &[(&str, &[&str])] = &[
    ("--no-backtraces", &["--no-backtraces"]),
    ("default", &[]),
    ("-D debug-info", &["-D", "debug-info"]),
    ("--profile=guest", &["--profile=guest,PROFILE"]),
];

/// One workload: how to run it and what to read from it.
struct Workload {
    name: String,
    /// Arguments after wasi-run's own (and before the module).
    pre: Vec<String>,
    module: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    /// `taskset -c 0`: one core.
    one_core: bool,
    measure: Measure,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// Wall time of the whole run, in ms.
    Wall,
    /// The number after a stderr line starting with this word.
    Reported(&'static str),
    /// CoreMark's score (iterations per second, higher is better).
    CoreMark,
}

fn go() -> Command {
    let mut cmd = Command::new(std::env::var("GO").unwrap_or_else(|_| "go".into()));
    cmd.env("GOOS", "wasip1").env("GOARCH", "wasm");
    cmd
}

/// Builds the Go compiler for wasip1 and the `unicode` package's sources
/// for it to compile; `None` without Go.
fn go_compiler(target: &Path) -> Option<(PathBuf, PathBuf)> {
    let dir = target.join("diagnostics-go");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).ok()?;
    let wasm = dir.join("compile.wasm");
    let built = go().args(["build", "-ldflags=-s -w", "-o"]).arg(&wasm).arg("cmd/compile").status().ok()?;
    if !built.success() {
        return None;
    }
    let goroot =
        Command::new(std::env::var("GO").unwrap_or_else(|_| "go".into())).args(["env", "GOROOT"]).output().ok()?;
    let unicode = PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim()).join("src/unicode");
    for entry in std::fs::read_dir(unicode).ok()? {
        let path = entry.ok()?.path();
        let name = path.file_name()?.to_string_lossy().into_owned();
        if name.ends_with(".go") && !name.ends_with("_test.go") {
            std::fs::copy(&path, src.join(&name)).ok()?;
        }
    }
    Some((wasm, dir))
}

fn run_once(w: &Workload, wasi_run: &Path, variant: &[&str], profile: &Path) -> f64 {
    let mut cmd = if w.one_core {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(wasi_run);
        c
    } else {
        Command::new(wasi_run)
    };
    for v in variant {
        cmd.arg(v.replace("PROFILE", &profile.display().to_string()));
    }
    cmd.args(&w.pre).arg(&w.module).args(&w.args).current_dir(&w.cwd);
    cmd.stdin(Stdio::null()).stderr(Stdio::piped()).stdout(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output().expect("spawn wasi-run");
    let wall = start.elapsed().as_secs_f64() * 1e3;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} {variant:?} failed: {text}", w.name);
    match w.measure {
        Measure::Wall => wall,
        Measure::Reported(word) => {
            let line = text.lines().find(|l| l.starts_with(word)).unwrap_or_else(|| panic!("{word}: {text}"));
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        }
        Measure::CoreMark => {
            let line = text.lines().find(|l| l.starts_with("Iterations/Sec")).unwrap_or_else(|| panic!("{text}"));
            line.split(':').nth(1).unwrap().trim().parse().unwrap()
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = !args.iter().any(|a| a == "--no-write");
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let reps: usize = arg("--reps").and_then(|s| s.parse().ok()).unwrap_or(5);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let target = repo.join("target");
    eprintln!("building wasi-run, the bench guest and the Go compiler…");
    run_checked(cargo().current_dir(&repo).args(["build", "--release", "--quiet", "-p", "wasi-run"]), "build wasi-run");
    let guest_target = target.join("bench-guest");
    run_checked(
        cargo()
            .current_dir(repo.join("benches/guest"))
            .args(["build", "--release", "--quiet", "--target", "wasm32-wasip1", "--target-dir"])
            .arg(&guest_target),
        "build the guest",
    );
    let wasi_run = target.join("release/wasi-run");
    let guest = guest_target.join("wasm32-wasip1/release/bench-guest.wasm");
    let scratch = std::env::temp_dir().join(format!("wasi-run-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let profile = scratch.join("profile.json");

    let plain = |name: &str, module: &Path, args: &[&str], measure| Workload {
        name: name.to_owned(),
        pre: Vec::new(),
        module: module.to_path_buf(),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        cwd: scratch.clone(),
        one_core: false,
        measure,
    };
    let mut workloads = vec![
        plain("compute (ns per element)", &guest, &["compute", "3000"], Measure::Reported("compute")),
        plain("fib, a call per step (ns per call)", &guest, &["fib", "30"], Measure::Reported("fib")),
    ];
    if let Some(path) = arg("--coremark") {
        workloads.push(plain("CoreMark (iterations/s)", Path::new(&path), &[], Measure::CoreMark));
    }
    match go_compiler(&target) {
        Some((compile, dir)) => {
            let mut sources: Vec<String> = std::fs::read_dir(dir.join("src"))
                .unwrap()
                .map(|e| format!("/w/src/{}", e.unwrap().file_name().to_string_lossy()))
                .collect();
            sources.sort();
            let mut args = vec!["-p", "unicode", "-std", "-o", "/w/unicode.o"];
            args.extend(sources.iter().map(String::as_str));
            let mut build = plain("Go compiler building `unicode` (ms)", &compile, &args, Measure::Wall);
            build.pre = vec!["--dir".into(), format!("{}::/w", dir.display())];
            workloads.push(build);
            let size = std::fs::metadata(&compile).map_or(0, |m| m.len()) >> 20;
            workloads.push(plain(
                &format!("start-up of the {size} MB Go compiler (ms)"),
                &compile,
                &["-V"],
                Measure::Wall,
            ));
            let mut one = plain("the same on one core (ms)", &compile, &["-V"], Measure::Wall);
            one.one_core = true;
            workloads.push(one);
        }
        None => eprintln!("no Go: the Go compiler's rows are left out"),
    }

    let mut table = String::new();
    writeln!(table, "Measured on {}; median of {reps} runs of each, in alternation.\n", machine()).unwrap();
    write!(table, "| workload |").unwrap();
    for (name, _) in VARIANTS {
        write!(table, " {name} |").unwrap();
    }
    writeln!(table).unwrap();
    writeln!(table, "|---|{}", "---|".repeat(VARIANTS.len())).unwrap();
    for w in &workloads {
        // The profile and source lines matter for run time, not start-up.
        let variants: Vec<_> = VARIANTS
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 2 || !w.name.contains("start-up") && !w.name.contains("one core"))
            .collect();
        run_once(w, &wasi_run, &[], &profile);
        let mut samples = vec![Vec::new(); VARIANTS.len()];
        for rep in 0..reps {
            for k in 0..variants.len() {
                let (i, (_, flags)) = variants[(k + rep) % variants.len()];
                samples[i].push(run_once(w, &wasi_run, flags, &profile));
            }
        }
        let medians: Vec<Option<f64>> = samples.iter_mut().map(|s| (!s.is_empty()).then(|| median(s))).collect();
        let base = medians[0].unwrap_or(f64::NAN);
        write!(table, "| {} |", w.name).unwrap();
        for m in &medians {
            match m {
                Some(v) if w.measure == Measure::CoreMark => {
                    write!(table, " {v:.0} ({:+.1}%) |", (base / v - 1.0) * 100.0)
                }
                Some(v) => write!(table, " {v:.2} ({:+.1}%) |", (v / base - 1.0) * 100.0),
                None => write!(table, " – |"),
            }
            .unwrap();
        }
        writeln!(table).unwrap();
        eprintln!("{}: {medians:?}", w.name);
    }
    writeln!(
        table,
        "\nEach cell is the median and, in brackets, the time it costs over `--no-backtraces` (CoreMark: the score's loss)."
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    println!("{table}");
    if write {
        let doc = repo.join("docs/diagnostics.md");
        write_table(&doc, "diagnostics", &table);
    }
}
