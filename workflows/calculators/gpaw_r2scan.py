"""GPAW r2SCAN (plane waves, PAW) through ASE: real DFT without a VASP licence.

The optional extra ``gpaw`` installs GPAW (built from source: ``scripts/install_gpaw.sh`` says
what a machine needs) and its PAW setups (``gpaw-data``). The calculation settings are one
`GpawSettings` record, part of the calculator object that run.json and results.json record.

What this module adds to the ASE path that CHGNet takes:
- the cell is Niggli-reduced first (GPAW warns that oblique cells may give wrong results);
  the reduction keeps every atom's Cartesian position, so energies and forces are unchanged;
- each job writes GPAW's own log, ``gpaw.txt``, beside its other files;
- an SCF that does not converge within ``scf_max_iterations`` raises `GpawScfNotConverged`:
  the job fails and records nothing (no energy from it ever enters an analysis);
- a relaxation keeps a checkpoint (``relax/checkpoint.json``, written atomically after every
  step): a relaxation killed midway resumes from its last geometry, not from the start;
- with a ``launcher`` (``"mpiexec -n 8"``, ``"srun"``: ``--gpaw-launcher`` or the worker's
  ``env.gpaw_launcher``) each relaxation and force calculation runs under it in a process of its
  own, on MPI (`gpaw_process`); the launcher is how this machine starts GPAW, not a setting of
  the calculation, so it is not part of the calculation key.
"""

from __future__ import annotations

import importlib.util
import shlex
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from pymatgen.core import Lattice, Structure

from nasx.errors import NasxInputError
from nasx.gpaw_settings import GpawSettings, is_metal
from nasx.layout import read_json, write_json_atomic
from nasx.results import ForcesResult, RelaxResult
from nasx.settings import RelaxSettings
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.base import CalculatorOptions

EXTRA_INSTALL = (
    'scripts/install_gpaw.sh (system packages, GPAW_CONFIG, then pip install "nasx[gpaw]")'
)
LOG_NAME = "gpaw.txt"
CHECKPOINT_NAME = "checkpoint.json"
JOB_NAME = "gpaw-job.json"
"""A launched calculation's input, in its folder (`gpaw_process`)."""
OUTCOME_NAME = "gpaw-outcome.json"
"""What rank 0 of a launched calculation wrote: its result, or its SCF failure."""
SCF_FAILED = "scf_not_converged"


def job_document(task: str, calculator: dict, structure: Structure, settings: dict | None) -> dict:
    """The input of one launch: ``task`` is ``relax`` or ``forces``."""
    return {
        "task": task,
        "calculator": calculator,
        "structure": structure.as_dict(),
        "settings": settings,
    }


LAUNCHER_ENV_KEY = "gpaw_launcher"
"""The worker's ``env`` key (my_fworker.yaml) of the command that starts GPAW under MPI."""


class GpawScfNotConverged(RuntimeError):
    """GPAW's self-consistent field did not converge: there is no energy to record."""


def require_gpaw() -> None:
    """Refuse, in one line naming the install, when GPAW or its setups are missing."""
    missing = [m for m in ("gpaw", "gpaw_data") if importlib.util.find_spec(m) is None]
    if missing:
        raise NasxInputError(
            "--calculator gpaw",
            f"needs the optional package {' and '.join(missing)}, not installed: {EXTRA_INSTALL}",
        )


def niggli_reduced(structure: Structure) -> Structure:
    """The same crystal in its Niggli-reduced cell: same site order and Cartesian positions
    (up to lattice translations), so energies and forces are those of ``structure``.

    pymatgen may return the reduced vectors of a cubic cell as (−a, −b, c); GPAW 26.7's log
    (its ASCII plot of the atoms) then fails with "negative dimensions are not allowed", so two
    vectors pointing backwards are turned round (the same lattice and handedness)."""
    reduced = structure.get_reduced_structure("niggli")
    if [s.species for s in reduced] != [s.species for s in structure]:  # pragma: no cover
        raise ValueError("Niggli reduction reordered the sites")
    signs = np.where(np.diag(reduced.lattice.matrix) < 0, -1.0, 1.0)
    if np.prod(signs) > 0 and (signs < 0).any():
        reduced = Structure(
            Lattice(reduced.lattice.matrix * signs[:, None]),
            reduced.species,
            reduced.cart_coords,
            coords_are_cartesian=True,
            to_unit_cell=True,
        )
    return reduced


class GpawCalculator(AseBackedCalculator):
    """r2SCAN DFT with GPAW's plane-wave PAW code, settings ``settings``: in this process, or
    under ``launcher`` (an MPI launcher command) in a process of its own per calculation."""

    name = "gpaw"
    category = "gpaw"
    packages = ("ase", "gpaw", "gpaw-data")

    def __init__(
        self, settings: GpawSettings | dict | None = None, launcher: str | None = None
    ) -> None:
        if not isinstance(settings, GpawSettings):
            settings = GpawSettings.from_document(settings or {})
        self.settings = settings
        self.launcher = launcher or None

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> GpawCalculator:
        if not options.for_workers:
            require_gpaw()
        return cls(options.gpaw, options.gpaw_launcher)

    def as_dict(self) -> dict:
        return {
            "@module": type(self).__module__,
            "@class": type(self).__name__,
            "settings": self.settings.to_document(),
            **({"launcher": self.launcher} if self.launcher else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> GpawCalculator:
        return cls(d.get("settings"), d.get("launcher"))

    def identity(self) -> dict:
        """The calculator without how GPAW is started on this machine."""
        return {k: v for k, v in self.as_dict().items() if k != "launcher"}

    def configured(self, env: dict) -> GpawCalculator:
        """As the worker sets it up: its launcher (``env.gpaw_launcher``) where none was given."""
        if self.launcher or not env.get(LAUNCHER_ENV_KEY):
            return self
        return type(self)(self.settings, str(env[LAUNCHER_ENV_KEY]))

    def command(self, workdir: Path) -> list[str]:
        """The command line of one launched calculation in ``workdir``."""
        module = "nasx.workflows.calculators.gpaw_process"
        return [*shlex.split(self.launcher or ""), sys.executable, "-m", module, str(workdir)]

    def describe(self) -> str:
        try:
            from gpaw import __version__ as version
        except ImportError:  # added to a LaunchPad (nasx submit) where GPAW is not installed
            version = "(the workers')"
        return f"GPAW {version} r2SCAN DFT ({self.settings.describe()}, PAW setups)"

    def ase_calculator(self) -> AseCalculator:
        raise NotImplementedError("GPAW's calculator depends on the cell: use calculator_for")

    def relaxation_cell(self, structure: Structure) -> Structure:
        return niggli_reduced(super().relaxation_cell(structure))

    def calculator_for(self, structure: Structure, workdir: Path):
        """A GPAW calculator for this cell, logging to ``workdir/gpaw.txt``; each SCF counts
        as one model call, and the time inside GPAW as model time."""
        from gpaw import GPAW

        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        log = workdir / LOG_NAME
        if log.exists():  # an interrupted job's log: kept beside the new one
            log.rename(_free_name(workdir, "gpaw-interrupted", ".txt"))
        metal = is_metal(structure.composition.elements)
        calc = GPAW(txt=str(log), **self.settings.gpaw_parameters(structure.lattice.matrix, metal))
        inner, clock = calc.calculate_property, self.clock

        def calculate_property(atoms, prop):
            start = time.perf_counter()
            try:
                return inner(atoms, prop)
            finally:
                clock.seconds += time.perf_counter() - start

        calc.calculate_property = calculate_property
        calc.hooks["converged"] = lambda: setattr(clock, "calls", clock.calls + 1)
        return calc

    def relaxation_step(self, atoms, steps: int, workdir: Path) -> None:
        """Checkpoint the geometry after each step (steps counted across interruptions)."""
        done = steps + self.__dict__.get("_steps_before", 0)
        structure = Structure(
            atoms.cell[:], atoms.get_chemical_symbols(), atoms.positions, coords_are_cartesian=True
        )
        write_json_atomic(
            workdir / CHECKPOINT_NAME, {"structure": structure.as_dict(), "steps": done}
        )

    def relax(self, structure: Structure, settings: RelaxSettings, workdir: Path) -> RelaxResult:
        """Relax from ``structure``, or from the checkpoint an interrupted relaxation left."""
        workdir = Path(workdir)
        if self.launcher:
            return RelaxResult.from_dict(
                self._launch(workdir, "relax", structure, settings.to_document())
            )
        start, steps_before = self._checkpoint(workdir) or (structure, 0)
        self.__dict__["_steps_before"] = steps_before
        remaining = replace(settings, max_steps=max(settings.max_steps - steps_before, 0))
        parent = super()
        result = self._converged(lambda: parent.relax(start, remaining, workdir), workdir)
        return replace(result, steps=result.steps + steps_before)

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        if self.launcher:
            return ForcesResult.from_dict(self._launch(Path(workdir), "forces", structure, None))
        reduced, parent = niggli_reduced(structure), super()
        return self._converged(lambda: parent.forces(reduced, workdir), workdir)

    def _launch(
        self, workdir: Path, task: str, structure: Structure, settings: dict | None
    ) -> dict:
        """Run one calculation under the launcher; its result document (model calls and time
        added to this calculator's clock)."""
        workdir.mkdir(parents=True, exist_ok=True)
        outcome_file = workdir / OUTCOME_NAME
        outcome_file.unlink(missing_ok=True)  # a previous launch's: never taken as this one's
        local = type(self)(self.settings).as_dict()
        job = job_document(task, local, structure, settings)
        write_json_atomic(workdir / JOB_NAME, job)
        command = self.command(workdir)
        with open(workdir / "launch.log", "a") as log:
            log.write(f"$ {shlex.join(command)}\n")
            log.flush()
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
        outcome = read_json(outcome_file)
        if outcome is None:
            raise RuntimeError(
                f"{workdir}: '{shlex.join(command)}' ended with exit status {code.returncode} "
                f"and wrote no {OUTCOME_NAME} (see {workdir / 'launch.log'})"
            )
        if outcome.get("failure") == SCF_FAILED:
            raise GpawScfNotConverged(outcome["message"])
        self.clock.calls += int(outcome["calls"])
        self.clock.seconds += float(outcome["model_seconds"])
        return outcome["result"]

    def _converged(self, compute, workdir: Path):
        from gpaw import ConvergenceError

        try:
            return compute()
        except ConvergenceError as exc:
            raise GpawScfNotConverged(
                f"{workdir}: GPAW's SCF did not converge within "
                f"{self.settings.scf_max_iterations} iterations ({type(exc).__name__}; see "
                f"{LOG_NAME}); no energy recorded"
            ) from None

    @staticmethod
    def _checkpoint(workdir: Path) -> tuple[Structure, int] | None:
        """The last geometry and step count of an interrupted relaxation, if one is readable."""
        document = read_json(Path(workdir) / CHECKPOINT_NAME)
        try:
            return Structure.from_dict(document["structure"]), int(document["steps"])
        except Exception:  # missing or unreadable: start from the input
            return None


def _free_name(directory: Path, stem: str, suffix: str) -> Path:
    n = 1
    while (directory / f"{stem}-{n}{suffix}").exists():
        n += 1
    return directory / f"{stem}-{n}{suffix}"
