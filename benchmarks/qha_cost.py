"""Benchmark: what ``--qha`` costs. The default study (CHGNet) harmonic and with ``--qha``, each
``nasx run`` its own process (one thread each, separate ``--out``), with wall time, jobs and
model evaluations (from each run directory's journal.jsonl: one line per job, ``model_calls``
per computing job), the analysis job's own time, and the ratios QHA / harmonic.

    OMP_NUM_THREADS=1 python benchmarks/qha_cost.py                       # six default phases
    python benchmarks/qha_cost.py --phases Na S Na2S                      # a subset (α-S8 too)
    python benchmarks/qha_cost.py --structures DIR                        # another set of CIFs
    python benchmarks/qha_cost.py --qha-volumes=-4:4:5 --workers 2 --keep OUT

Both elemental references are needed, so ``--phases`` alone cannot skip α-S8 (the expensive
phase: 32 atoms in its primitive cell); ``--structures`` with a cheap sulfur stand-in can (e.g.
the test suite's one-atom simple cubic S, tests/small_set.py). The QHA adds, per phase and
volume, a fixed-volume relaxation and a phonon set: about (volumes + 1) × the harmonic
phonons' evaluations, plus the relaxations.

What it found on 2026-12-07 (CHGNet, ``--structures`` Na, Na2S and the one-atom S of
tests/small_set.py, ``--workers 2``, default volumes, a 2-core machine shared with other jobs):

    run          wall s   jobs    evals  model s  analysis s
    harmonic       38.7     14       19      5.1         4.8
    --qha         105.4     94       75     28.1        39.5
    ratio          2.72   6.71     3.95     5.56        8.29

The analysis job's 35 s more are the 24 volumes' phonopy loads and symmetrised force constants
(≈ 1.4 s a volume, serially); docs/qha.md says why every phase's QHA was refused there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nasx.layout import RunDirectory


def run(out: Path, workers: int, extra: list[str]) -> dict:
    """``nasx run`` in its own process; wall time and the journal's counts."""
    argv = [sys.executable, "-m", "nasx", "run", "--out", str(out), "--quiet"]
    argv += ["--workers", str(workers), *extra]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    journal = RunDirectory(out).journal_entries()
    computed = [e for e in journal if e.get("computed")]
    analysis = [e["seconds"] for e in computed if e["job"] == "analysis"]
    return {
        "wall_s": wall,
        "jobs": len(computed),
        "evals": sum(e.get("model_calls", 0) for e in journal),
        "model_s": sum(e.get("model_seconds", 0) for e in journal),
        "analysis_s": analysis[-1] if analysis else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phases", nargs="+", help="nasx run --phases (default: the set's)")
    parser.add_argument("--structures", help="nasx run --structures DIR")
    parser.add_argument("--calculator", default="chgnet")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--qha-volumes", help="nasx run --qha-volumes (default: --qha's)")
    parser.add_argument("--keep", help="write the two runs here (default: a temporary folder)")
    args = parser.parse_args()
    common = ["--calculator", args.calculator]
    common += ["--phases", *args.phases] if args.phases else []
    common += ["--structures", args.structures] if args.structures else []
    qha = [f"--qha-volumes={args.qha_volumes}"] if args.qha_volumes else ["--qha"]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep) if args.keep else Path(scratch)
        rows = {
            "harmonic": run(root / "harmonic", args.workers, common),
            "--qha": run(root / "qha", args.workers, [*common, *qha]),
        }
    print(f"nasx run {' '.join(common)} --workers {args.workers}; QHA: {' '.join(qha)}")
    print(f"{'run':<10} {'wall s':>8} {'jobs':>6} {'evals':>8} {'model s':>8} {'analysis s':>11}")
    for name, r in rows.items():
        print(
            f"{name:<10} {r['wall_s']:8.1f} {r['jobs']:6d} {r['evals']:8d} "
            f"{r['model_s']:8.1f} {r['analysis_s']:11.1f}"
        )
    h, q = rows["harmonic"], rows["--qha"]
    keys = ("wall_s", "jobs", "evals", "model_s", "analysis_s")
    ratios = [q[k] / h[k] if h[k] else float("nan") for k in keys]
    print(
        f"{'ratio':<10} "
        + " ".join(f"{r:>{w}.2f}" for r, w in zip(ratios, (8, 6, 8, 8, 11), strict=True))
    )


if __name__ == "__main__":
    main()
