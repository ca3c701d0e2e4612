"""Benchmark: the full Na–S study with the default calculator, a bare serial loop versus
``nasx run --workers N`` for N = 1 … the usable cores.

Each run is its own process (one thread each) and prints wall time, time inside the model,
force evaluations, peak memory (per process: the largest of the owner and its workers) and the
ratio of its wall time to the bare loop's. The bare loop does the same physics (relax, phonopy
displacements, forces, force constants symmetrised as nasx does them, thermal properties,
sum rule and imaginary modes; same calculator, supercells and displacements) without the
workflow engine, files or figures.

    python benchmarks/run_study.py                  # bare, then --workers 1 … cores
    python benchmarks/run_study.py --workers 2      # bare, then --workers 2
    python benchmarks/run_study.py --concurrent 1   # without the N-bare-loops-at-once row

The row "N bare at once" runs N bare loops at the same time: how much slower each gets when
all cores are busy (memory bandwidth, shared caches, the clock) bounds what any N-process run
can reach: ``× bare`` of a perfect split is at best that row's wall time / N / the bare loop's.

The bare loop's wall time starts after its imports and the model load (≈ 4 s), which nasx's
includes; ``process s`` is each run's whole process, start to exit, and ``× script`` the ratio
to the bare loop's process: the comparison with a serial script as a user runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_GB() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024**2, 2)


def bare() -> dict:
    import warnings

    warnings.filterwarnings("ignore")  # CHGNet's and ASE's notes, as nasx's jobs.log takes them
    from nasx import phonons
    from nasx.settings import RelaxSettings, RunSettings
    from nasx.structures import reference_set
    from nasx.symmetry import RELAXED_SYMPREC_A
    from nasx.workflows.calculators import get_calculator
    from nasx.workflows.calculators.chgnet_r2scan import _model

    phase_set = reference_set("Na-S").select(None)
    _model("r2scan")  # loaded outside the timing
    calculator = get_calculator("chgnet")
    settings = RunSettings().for_calculator(calculator.translation_invariant)  # as nasx run
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        for phase in phase_set:
            cell = calculator.relaxation_cell(phase.structure)
            relaxed = calculator.relax(cell, RelaxSettings(), Path(scratch)).structure
            unitcell = phonons.conventional_cell(
                relaxed, phonons.conventional_matrix(phase.structure, cell), RELAXED_SYMPREC_A
            )
            ph = phonons.displacements(
                unitcell,
                settings.phonons.supercell_for(phase.id, unitcell.lattice.matrix),
                settings.phonons,
            )
            forces = [
                calculator.forces(s, Path(scratch)).forces_eV_per_A
                for s in phonons.displaced_supercells(ph)
            ]
            phonons.thermal_properties(  # fitted and symmetrised as nasx does
                ph,
                forces,
                list(settings.analysis.temperatures_K),
                settings.phonons,
                symmetrize_fc=settings.phonons.symmetrize_fc,
            )
    return {
        "run": "bare loop",
        "wall_s": round(time.perf_counter() - start, 1),
        "model_s": round(calculator.clock.seconds, 1),
        "evals": calculator.clock.calls,
        "peak_GB": _peak_GB(),
    }


def nasx(workers: int) -> dict:
    """``nasx run --workers N`` as a user runs it (its own process, model load included)."""
    from nasx.layout import RunDirectory

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nasx",
                "run",
                "--out",
                str(out),
                "--quiet",
                "--workers",
                str(workers),
            ],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - start
        journal = RunDirectory(out).journal_entries()
    return {
        "run": f"--workers {workers}",
        "wall_s": round(wall, 1),
        "model_s": round(sum(e.get("model_seconds", 0) for e in journal), 1),
        "evals": sum(e.get("model_calls", 0) for e in journal),
        "peak_GB": _peak_GB(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cores = len(os.sched_getaffinity(0))
    parser.add_argument("--workers", type=int, nargs="+", default=list(range(1, cores + 1)))
    parser.add_argument(
        "--concurrent",
        type=int,
        default=cores,
        help="also run this many bare loops at once, the machine's own limit on a parallel "
        "speed-up (default: the usable cores; 1: skip)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = bare() if args.child == "bare" else nasx(int(args.child))
        print(json.dumps(result))
        return
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    print(
        f"{'run':<16} {'wall s':>7} {'model s':>8} {'evals':>6} {'peak GB':>8} {'× bare':>7}"
        f" {'process s':>10} {'× script':>9}"
    )

    def child(name: str) -> tuple[subprocess.Popen, float]:
        command = [sys.executable, __file__, "--child", name]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        return process, time.perf_counter()

    def result(started: tuple[subprocess.Popen, float]) -> dict:
        process, start = started
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"benchmark child failed with exit status {process.returncode}")
        found = json.loads(out.strip().splitlines()[-1])
        # nasx's wall time is its process already; the bare loop's is the loop alone
        found["process_s"] = round(time.perf_counter() - start, 1)
        return found

    def show(r: dict) -> None:
        process = r["process_s"] if "bare" in r["run"] else r["wall_s"]
        print(
            f"{r['run']:<16} {r['wall_s']:>7} {r['model_s']:>8} {r['evals']:>6} "
            f"{r['peak_GB']:>8} {r['wall_s'] / reference:>7.2f} {process:>10} "
            f"{process / script:>9.2f}",
            flush=True,
        )

    r = result(child("bare"))
    reference, script = r["wall_s"], r["process_s"]
    show(r)
    if args.concurrent > 1:  # what the machine allows: the same loop in N processes at once
        loops = [result(p) for p in [child("bare") for _ in range(args.concurrent)]]
        slowest = max(loops, key=lambda r: r["wall_s"])
        slowest["run"] = f"{args.concurrent} bare at once"
        slowest["model_s"] = round(sum(r["model_s"] for r in loops) / len(loops), 1)
        show(slowest)
    for n in args.workers:
        show(result(child(str(n))))
    if args.concurrent > 1:
        ceiling = slowest["wall_s"] / args.concurrent / reference
        print(
            f"\n{args.concurrent} bare loops at once each take {slowest['wall_s'] / reference:.2f}× "
            f"the lone loop's wall time (model s: each loop's mean): splitting one study "
            f"perfectly over {args.concurrent} processes can at best take {ceiling:.2f}× the bare loop "
            "on this machine."
        )


if __name__ == "__main__":
    main()
