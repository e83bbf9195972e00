#!/usr/bin/env python3
"""Writes crates/wasi-run/startup.ld: the functions the CLI runs to start a
small guest, placed together at the front of its code (docs/footprint.md).

Why: the kernel maps a program's code 64 KiB around each page it runs, so
the few hundred functions a run needs, spread over 4 MiB of code, make
most of the binary resident. Grouped, they take a few hundred KiB.

How: builds the CLI with symbols, runs it under callgrind on small Rust
guests (with and without backtraces), takes every function of the binary
that ran, and writes a GNU ld / lld script that puts their sections
(rustc emits one section per function) in an output section of its own
before .text. Names are written as patterns without what changes from build
to build (legacy mangling's hash, v0 mangling's crate disambiguators), so
the script stays right across small changes and toolchain updates; a
function it no longer names is simply placed as the linker would anyway.

Needs valgrind and the wasm32-wasip1 target. Run it from the repository
root after changes to what starting a guest runs:

    python3 benches/footprint/startup-order.py
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "wasi-run", "startup.ld")
TARGET = os.path.join(ROOT, "target", "startup-order")

GUESTS = {
    "hello.rs": 'fn main() { println!("hello"); }\n',
    "files.rs": 'fn main() {\n'
    '    let args: Vec<String> = std::env::args().collect();\n'
    '    std::fs::write("/d/f", args.join(" ")).unwrap();\n'
    '    let s = std::fs::read_to_string("/d/f").unwrap();\n'
    '    for e in std::fs::read_dir("/d").unwrap() { println!("{:?}", e.unwrap().file_name()); }\n'
    '    eprintln!("{} {:?}", s.len(), std::time::SystemTime::now());\n'
    '}\n',
}


def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def main():
    env = dict(os.environ, CARGO_PROFILE_RELEASE_STRIP="false", WASI_RUN_NO_STARTUP_ORDER="1")
    run(["cargo", "build", "--release", "-p", "wasi-run", "--target-dir", TARGET], cwd=ROOT, env=env)
    exe = os.path.join(TARGET, "release", "wasi-run")
    names = set()
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for src, text in GUESTS.items():
            path = os.path.join(tmp, src)
            with open(path, "w") as f:
                f.write(text)
            wasm = path[:-3] + ".wasm"
            run(["rustc", "--target", "wasm32-wasip1", "-O", "-C", "strip=debuginfo", path, "-o", wasm])
            runs.append([exe, wasm])
            runs.append([exe, "--no-backtraces", wasm])
        # A C guest (wasi-libc's start-up asks other calls than Rust's),
        # when Debian's clang and wasi-libc are there.
        # Two, as the interpreter's handlers each runs depend on the guest's
        # code: printf formatting, and printf of a plain string (which the
        # compiler makes puts, as in benches' footprint measurement).
        for name, body in (("argc", 'printf("%d\\n", argc);'), ("hello", 'printf("hello\\n");')):
            c = os.path.join(tmp, name + ".c")
            with open(c, "w") as f:
                f.write("#include <stdio.h>\nint main(int argc, char **argv) { " + body + " return 0; }\n")
            built = subprocess.run(["clang", "--target=wasm32-wasi", "-O2", c, "-o", c[:-2] + ".wasm"],
                                   stderr=subprocess.DEVNULL, check=False)
            if built.returncode == 0:
                runs.append([exe, c[:-2] + ".wasm"])
        d = os.path.join(tmp, "d")
        os.mkdir(d)
        runs = [r[:-1] + ["--dir", d + "::/d", r[-1], "a", "b"] for r in runs]
        for i, cmd in enumerate(runs):
            out = os.path.join(tmp, f"cg.{i}")
            # (valgrind warns of openat2, which it does not know: the CLI
            # falls back to openat, which is what runs here.)
            run(["valgrind", "-q", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}"] + cmd,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            names |= functions_of(out, exe)
    # Functions the compiler merged share one body under several names
    # (aliases); the profile names one of them, the section may be named
    # after another: take every name at each address that ran.
    at, addr_of = {}, {}
    for line in subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            addr = int(fields[0], 16)
            at.setdefault(addr, []).append(fields[2])
            addr_of[fields[2]] = addr
    names = {alias for n in names for alias in at.get(addr_of.get(n), [n])}
    # In the order the compiler laid them out: the interpreter's handlers
    # keep their neighbours (alphabetical order cost CoreMark 3%).
    first = {}
    for n in names:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.$]*", n):
            p = pattern(n)
            first[p] = min(first.get(p, addr_of.get(n, 0)), addr_of.get(n, 0))
    patterns = sorted(first, key=lambda p: (first[p], p))
    with open(OUT, "w") as f:
        f.write("/* The functions `wasi-run` runs to start a small guest, together before\n"
                " * the rest of its code, so that starting maps few pages\n"
                " * (docs/footprint.md). Generated by benches/footprint/startup-order.py:\n"
                " * do not edit; a name that no longer matches anything is harmless. */\n")
        f.write("SECTIONS\n{\n  .text.startup_order :\n  {\n")
        for p in patterns:
            # LLVM puts a function it deems cold in .text.unlikely.NAME.
            f.write(f"    *(.text.{p} .text.unlikely.{p})\n")
        f.write("  }\n}\nINSERT BEFORE .text;\n")
    print(f"{len(patterns)} functions written to {os.path.relpath(OUT, ROOT)}")


def functions_of(profile, exe):
    """The mangled names of the functions of `exe` that ran in `profile`."""
    objects, fns, names, current = {}, {}, set(), None
    for line in open(profile):
        m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                objects[m.group(2)] = m.group(3).strip()
            if m.group(1) == "ob":
                current = objects.get(m.group(2))
            continue
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                fns[m.group(2)] = m.group(3).strip()
            if m.group(1) == "fn" and current == exe:
                names.add(fns[m.group(2)])
    # Recursion shows as NAME'2; addresses and "(below main)" name no section.
    names = {re.sub(r"'\d+$", "", n) for n in names}
    return {n for n in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.$]*", n)}


def pattern(name):
    """A section-name pattern for `name` without its build-specific parts."""
    name = re.sub(r"\.llvm\.\d+$", "", name)
    # A local symbol's copy numbered by LLVM (`write_str.3386`): the number
    # changes whenever the code before it does.
    name = re.sub(r"\.\d+$", "", name)
    if name.startswith("_ZN"):
        # Legacy mangling: the trailing hash changes from build to build
        # (with the profile's settings, among others).
        name = re.sub(r"17h[0-9a-f]{16}E$", "", name) + "*"
    elif name.startswith("_R"):
        # v0 mangling: crate disambiguators change with every toolchain.
        name = re.sub(r"Cs[0-9A-Za-z]+_(?=\d)", "C*", name) + "*"
    return name


if __name__ == "__main__":
    sys.exit(main())
