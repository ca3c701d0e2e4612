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
    print(f"{'run':<12} {'wall s':>7} {'model s':>8} {'evals':>6} {'peak GB':>8} {'× bare':>7}")
    reference = None
    for child in ["bare", *map(str, args.workers)]:
        line = subprocess.run(
            [sys.executable, __file__, "--child", child],
            capture_output=True, text=True, check=True, env=env,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        r = json.loads(line)
        reference = reference or r["wall_s"]
        print(
            f"{r['run']:<12} {r['wall_s']:>7} {r['model_s']:>8} {r['evals']:>6} "
            f"{r['peak_GB']:>8} {r['wall_s'] / reference:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
