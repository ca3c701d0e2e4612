"""Benchmark: the full Na–S study with the default calculator, nasx versus a bare loop.

Prints wall time, peak memory, force evaluations, time inside the model versus everything
else, and nasx's time as a ratio of a bare loop doing the same physics (relax, phonopy
displacements, forces, thermal properties; same calculator, supercells and displacements)
without the workflow engine. Each thread setting runs in its own process.

    python benchmarks/run_study.py                 # OMP_NUM_THREADS = 1 and 2
    python benchmarks/run_study.py --threads 1
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


def measure(threads: int) -> dict:
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    from nasx import phonons
    from nasx.layout import RunDirectory
    from nasx.settings import RelaxSettings, RunSettings
    from nasx.structures import reference_set
    from nasx.symmetry import RELAXED_SYMPREC_A
    from nasx.workflows.calculators import get_calculator
    from nasx.workflows.calculators.chgnet_r2scan import _model
    from nasx.workflows.runner import run_study

    phase_set = reference_set("Na-S").select(None)
    settings = RunSettings()
    _model("r2scan")  # load once, outside both timings

    # bare loop: the same physics, no engine, no files
    calculator = get_calculator("chgnet")
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
            phonons.thermal_properties(
                ph, forces, list(settings.analysis.temperatures_K), settings.phonons
            )
    bare_s = time.perf_counter() - start
    bare_model_s, bare_calls = calculator.clock.seconds, calculator.clock.calls

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        start = time.perf_counter()
        run_study(phase_set, get_calculator("chgnet"), settings, out, progress=False)
        nasx_s = time.perf_counter() - start
        journal = RunDirectory(out).journal_entries()
        results = json.loads((out / "results.json").read_text())
    model_s = sum(e.get("model_seconds", 0) for e in journal)
    calls = sum(e.get("model_calls", 0) for e in journal)
    return {
        "threads": threads,
        "nasx_wall_s": round(nasx_s, 1),
        "nasx_model_s": round(model_s, 1),
        "nasx_other_s": round(nasx_s - model_s, 1),
        "force_evaluations": calls,
        "jobs": len(journal),
        "bare_wall_s": round(bare_s, 1),
        "bare_model_s": round(bare_model_s, 1),
        "bare_force_evaluations": bare_calls,
        "ratio_nasx_over_bare": round(nasx_s / bare_s, 3),
        "peak_memory_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        "ocv_0K_V": [round(p["voltage_V"], 3) for p in results["ocv"]["thermodynamic"]["0"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.threads[0])))
        return
    print(
        f"{'threads':>7} {'nasx s':>7} {'model s':>8} {'other s':>8} {'evals':>6} {'bare s':>7} {'ratio':>6} {'peak GB':>8}  OCV 0 K (V)"
    )
    for threads in args.threads:
        line = (
            subprocess.run(
                [sys.executable, __file__, "--child", "--threads", str(threads)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        r = json.loads(line)
        print(
            f"{r['threads']:>7} {r['nasx_wall_s']:>7} {r['nasx_model_s']:>8} {r['nasx_other_s']:>8} "
            f"{r['force_evaluations']:>6} {r['bare_wall_s']:>7} {r['ratio_nasx_over_bare']:>6} {r['peak_memory_GB']:>8}  {r['ocv_0K_V']}"
        )


if __name__ == "__main__":
    main()
