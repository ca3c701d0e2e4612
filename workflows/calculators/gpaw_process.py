"""One GPAW relaxation or force calculation in a process of its own, for MPI.

A job whose GPAW calculator has a ``launcher`` (``"mpiexec -n 8"``, ``"srun"``; from
``--gpaw-launcher`` or the worker's ``env.gpaw_launcher``) writes its input, ``gpaw-job.json``,
into its folder and starts

    <launcher> <python> -m nasx.workflows.calculators.gpaw_process <folder>

Every rank computes (GPAW splits the work over MPI by itself); rank 0 writes the outcome,
``gpaw-outcome.json``, atomically: the result with the model calls and seconds, or the SCF
failure. A killed launch leaves no outcome, so the job runs again; a stale outcome is removed
before each launch.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pymatgen.core import Structure

from nasx.layout import read_json, write_json_atomic
from nasx.settings import RelaxSettings
from nasx.workflows.calculators.gpaw_r2scan import (
    JOB_NAME,
    OUTCOME_NAME,
    SCF_FAILED,
    GpawCalculator,
    GpawScfNotConverged,
)


def compute(folder: Path) -> dict:
    """Run the job of ``folder`` here (on every rank) and return its outcome."""
    job = read_json(folder / JOB_NAME)
    calculator = GpawCalculator.from_dict(job["calculator"])  # no launcher: compute here
    structure = Structure.from_dict(job["structure"])
    try:
        if job["task"] == "relax":
            result = calculator.relax(
                structure, RelaxSettings.from_document(job["settings"]), folder
            )
        else:
            result = calculator.forces(structure, folder)
    except GpawScfNotConverged as exc:
        return {"failure": SCF_FAILED, "message": str(exc)}
    clock = calculator.clock
    return {"result": result.as_dict(), "calls": clock.calls, "model_seconds": clock.seconds}


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:])[0])
    outcome = compute(folder)
    from gpaw.mpi import world

    if world.rank == 0:
        write_json_atomic(folder / OUTCOME_NAME, outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
