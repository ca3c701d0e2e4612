"""Benchmark: `nasx analyze` on about 100 vasprun.xml files (target: ≤ 10 s).

Without --tree, it first makes the calculations once with the offline fake VASP (the full Na–S
study, ~110 vasprun.xml files, a few minutes) in --work, then times, each in a fresh process:

- the run directory (nasx layout; VASP outputs re-parsed),
- the same folders as a bare tree (no run.json, no JSON records, every vasprun.xml gzipped).

Prints files, wall time, peak memory and whether results.json is byte-identical over two runs.

    python benchmarks/analyze_tree.py
    python benchmarks/analyze_tree.py --tree my_calculations/
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def fake_vasp_run(work: Path) -> Path:
    run = work / "fake-vasp-run"
    if not (run / "results.json").exists():
        print(f"making the calculations once with the fake VASP in {run} ...", flush=True)
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        command = [str(BIN / "nasx"), "run", "--calculator", "vasp", "--vasp-cmd"]
        command += ["nasx-fake-vasp", "--polling-seconds", "0.2", "--out", str(run), "--quiet"]
        subprocess.run(command, check=True, env=env)
    return run


def bare_tree(run: Path, target: Path) -> Path:
    if target.exists():
        return target
    shutil.copytree(run / "phases", target, ignore=shutil.ignore_patterns("*.json", "phonopy.yaml"))
    for path in target.rglob("vasprun.xml"):
        with open(path, "rb") as src, gzip.open(f"{path}.gz", "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst)
        path.unlink()
    return target


def time_analysis(source: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds, peak memory (GB) and exit status of one `nasx analyze` process."""
    script = (
        "import resource, sys; from nasx.cli import main; code = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
        "raise SystemExit(code)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, "analyze", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    seconds = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024**2, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, help="time this tree instead of the fake-VASP one")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "nasx-bench-analyze"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.tree:
        sources = {"your tree": args.tree}
    else:
        run = fake_vasp_run(args.work)
        sources = {"run directory": run, "bare gzipped tree": bare_tree(run, args.work / "tree")}
    print(
        f"{'source':<20} {'vasprun files':>13} {'seconds':>8} {'peak GB':>8} {'exit':>5} {'identical':>9}"
    )
    for name, source in sources.items():
        files = sum(1 for p in source.rglob("vasprun.xml*"))
        outs = [args.work / f"out-{name.replace(' ', '-')}-{i}" for i in (1, 2)]
        first = time_analysis(source, outs[0])
        time_analysis(source, outs[1])
        same = (outs[0] / "results.json").read_bytes() == (outs[1] / "results.json").read_bytes()
        print(f"{name:<20} {files:>13} {first[0]:>8.1f} {first[1]:>8.2f} {first[2]:>5} {same!s:>9}")


if __name__ == "__main__":
    main()
