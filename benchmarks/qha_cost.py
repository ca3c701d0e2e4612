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

What it found on the default study (six phases, default volumes −6 … +8 % × 8, ``--workers 2``,
2026-12-08, the 2-core machine running short tests beside CHGNet and a GPAW job at nice 10 and
two re-analyses beside SevenNet):

    nasx run --calculator chgnet --workers 2; QHA: --qha
    run          wall s   jobs    evals  model s  analysis s
    harmonic       54.0     92      439     67.0         1.4
    --qha         421.5    772     2661    490.5        49.5
    ratio          7.80   8.39     6.06     7.32       36.35

(before the store was written less often, the same run took 457.9 s: ratio 8.28)

    nasx run --calculator sevennet --workers 2; QHA: --qha
    harmonic      161.0     92      347    247.9         1.9
    --qha        1206.7    772     2430   1871.4        59.5
    ratio          7.50   8.39     7.00     7.55       31.94

    nasx run --calculator chgnet+d4 --workers 2; QHA: --qha
    harmonic      136.3     92      378    229.7         1.5
    --qha        1232.2    772     2750   2104.0        41.9
    ratio          9.04   8.39     7.28     9.16       28.66

Per phase and volume the QHA adds a fixed-volume relaxation (48 in all, 3.7 s each with CHGNet)
and a phonon set; the analysis job fits 48 volumes serially (≈ 1.1 s each). In the CHGNet run
the jobs' own time was 615 s on two workers against 458 s of wall: the rest was the analysis
alone at the end, and the owner serialising its 17.5 MB store (0.44 s, under the lock the workers
need) every 2 s, which the store now does at most 5 % of the time (workflows/launchpad.py:
457.9 → 421.5 s).
docs/qha.md says what the guards made of each model's QHA.
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
