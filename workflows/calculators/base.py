"""The calculator interface: every backend relaxes a structure and gives forces on a supercell.

The FireWorks tasks only talk to this interface, so the same graph runs CHGNet, the analytic stub
or VASP. Calculators are MSONable: they travel inside Firework specs. A worker's settings give a
configured copy (``configured``); results carry their own corrections (``RelaxResult``,
``ForcesResult``); every evaluation of the model goes through ``clock.timing()``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from monty.json import MSONable
from pymatgen.core import Structure

from nasx.gpaw_settings import GpawSettings
from nasx.results import ForcesResult, RelaxResult
from nasx.run_document import CalculatorInfo
from nasx.settings import RelaxSettings
from nasx.structures import PhaseSet
from nasx.symmetry import INPUT_SYMPREC_A, symmetrized_primitive
from nasx.vasp_settings import VaspSettings
from nasx.versions import package_versions


@dataclass(frozen=True)
class CalculatorOptions:
    """What the command line knows that a calculator may need.

    ``structures_dir`` is the user's phase set (None: built-in Na–S), ``phase_set`` the phases
    of the run; ``gpaw`` the GPAW settings (None: the defaults); the rest is for VASP
    (``vasp``: its relaxation tolerances and Born-charge job, None: the defaults);
    ``dispersion``: the correction added to the model (``"d4"``; None: none).
    ``for_workers``: the calculator is only added to a LaunchPad here (``nasx submit``); the
    cluster workers that run it need its program, this machine need not have it."""

    structures_dir: str | None = None
    phase_set: PhaseSet | None = None
    vasp_cmd: str | None = None
    auto_kspacing: bool = False
    polling_seconds: float = 10.0
    gpaw: GpawSettings | None = None
    vasp: VaspSettings | None = None
    gpaw_launcher: str | None = None
    dispersion: str | None = None
    for_workers: bool = False


@dataclass
class ModelClock:
    """Calls into the model (energy/force evaluations) and the seconds spent inside it."""

    calls: int = 0
    seconds: float = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Count one model evaluation and the time spent in the ``with`` block."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


class Calculator(MSONable, ABC):
    """A source of energies and forces. ``workdir`` is where a backend may keep its files."""

    name: str = "calculator"
    category: str = ""
    """FireWorks category of its jobs: workers that declare it run them ("" runs anywhere)."""
    translation_invariant: bool = True
    """Energy unchanged when every atom moves together: acoustic modes vanish at Γ."""
    packages: tuple[str, ...] = ()
    """Distributions whose versions fix this backend's numbers (recorded in run.json)."""

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> Calculator:
        """The calculator for a run with these command-line options."""
        return cls()

    @property
    def clock(self) -> ModelClock:
        """Model time and evaluations of this calculator object so far."""
        if "_clock" not in self.__dict__:
            self.__dict__["_clock"] = ModelClock()
        return self.__dict__["_clock"]

    def relaxation_cell(self, structure: Structure) -> Structure:
        """The cell this backend relaxes: the symmetrised primitive cell (VASP keeps the
        given cell, which the paper's k-grids refer to)."""
        return symmetrized_primitive(structure, INPUT_SYMPREC_A)

    @abstractmethod
    def relax(self, structure: Structure, settings: RelaxSettings, workdir: Path) -> RelaxResult:
        """Relax cell and positions with the symmetry held (``settings.constant_volume``: the
        cell's shape only, at the volume of ``structure``)."""

    @abstractmethod
    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        """Energy and forces of a fixed structure (a displaced phonon supercell)."""

    def wants_born_charges(self, structure: Structure) -> bool:
        """Whether the phonons of ``structure`` get a Born-charge job (`born_charges`)."""
        return False

    def born_charges(self, structure: Structure, workdir: Path) -> list[dict]:
        """Compute the Born charges and dielectric tensor of ``structure`` (the phonon unit
        cell) into ``workdir`` (a vasprun.xml that `nasx.born.read_nac_params` reads); the
        corrections made on the way. Only calculators whose `wants_born_charges` can be true."""
        raise NotImplementedError(f"{self.name} gives no Born charges")

    def describe(self) -> str:
        """One line for reports: what model produced the numbers."""
        return self.name

    def configured(self, env: dict) -> Calculator:
        """This calculator as the FireWorks worker running the job sets it up (``env`` of
        my_fworker.yaml); the same one where the worker has nothing to say."""
        return self

    def identity(self) -> dict:
        """What makes two calculators give the same numbers (not how or where they run)."""
        return self.as_dict()

    def software(self) -> dict[str, str]:
        """Versions of nasx, its core packages and this backend's ``packages``, installed here."""
        return package_versions(self.packages)

    def info(self) -> CalculatorInfo:
        """Name, description and the object itself, for the run document."""
        return CalculatorInfo(self.name, self.describe(), self.as_dict())
