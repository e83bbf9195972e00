"""wasi-testsuite runtime adapter for wasi-run.

Loaded as a module by the official runner (wasi_test_runner). The binary is
`$WASI_RUN` (a command line, split like a shell would) or `wasi-run` on PATH.
The test's `root` directory is preopened as the guest's `/`; with
`$WASI_RUN_MOUNT` set to `mem` or `overlay` it is mounted instead, as an
in-memory copy (`--mount mem:ROOT::/`) or an overlay of it
(`--mount overlay:ROOT::/`).
"""
import os
import shlex
import subprocess
from typing import Dict, List, Optional, Tuple

WASI_RUN = shlex.split(os.getenv("WASI_RUN", "wasi-run"))
MOUNT = os.getenv("WASI_RUN_MOUNT", "")
if MOUNT not in ("", "mem", "overlay"):
    raise ValueError(f"WASI_RUN_MOUNT={MOUNT!r}: expected mem or overlay")


def get_name() -> str:
    return "wasi-run"


def get_version() -> str:
    out = subprocess.run(WASI_RUN[:1] + ["--version"], encoding="UTF-8",
                         capture_output=True, check=True)
    # "wasi-run 0.1.0"
    return out.stdout.split()[1]


def get_wasi_versions() -> List[str]:
    return ["wasm32-wasip1"]


def get_wasi_worlds() -> List[str]:
    return ["wasi:cli/command"]


def compute_argv(test_path: str,
                 args_env_root: Tuple[List[str], Dict[str, str], Optional[str]],
                 proposals: List[str],
                 wasi_world: str,
                 wasi_version: str) -> List[str]:
    args, env, root = args_env_root
    argv = list(WASI_RUN)
    for key, value in env.items():
        argv += ["--env", f"{key}={value}"]
    if root and MOUNT:
        argv += ["--mount", f"{MOUNT}:{root}::/"]
    elif root:
        argv += ["--dir", f"{root}::/"]
    argv += ["--", test_path]
    argv += args
    return argv
