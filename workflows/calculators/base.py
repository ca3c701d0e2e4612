"""The calculator interface: every backend relaxes a structure and gives forces on a supercell.

The FireWorks tasks only talk to this interface, so the same graph runs CHGNet, the analytic stub
or VASP. Calculators are MSONable: they travel inside Firework specs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from monty.json import MSONable
from pymatgen.core import Structure

from nasx.workflows import defaults
from nasx.workflows.symmetry import INPUT_SYMPREC_A, symmetrized_primitive


@dataclass(frozen=True)
class RelaxSettings:
    """How to relax: cell and positions with the space group held.

    ``fmax_eV_per_A`` bounds the residual force (and, through the cell filter, the stress ×
    volume); ``max_steps`` is the step limit after which the relaxation is reported unconverged.
    """

    fmax_eV_per_A: float = defaults.FMAX_EV_PER_A
    max_steps: int = defaults.MAX_STEPS
    relax_cell: bool = True
    symprec: float = defaults.RELAX_SYMPREC_A

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RelaxResult:
    """A relaxed structure and its static energy (eV per cell)."""

    structure: Structure
    energy_eV: float
    max_force_eV_per_A: float
    max_stress_GPa: float
    steps: int
    converged: bool

    def as_dict(self) -> dict:
        return {
            "structure": self.structure.as_dict(),
            "energy_eV": self.energy_eV,
            "max_force_eV_per_A": self.max_force_eV_per_A,
            "max_stress_GPa": self.max_stress_GPa,
            "steps": self.steps,
            "converged": self.converged,
        }

    @classmethod
    def from_dict(cls, d: dict) -> RelaxResult:
        return cls(**{**d, "structure": Structure.from_dict(d["structure"])})


@dataclass(frozen=True)
class ForcesResult:
    """Energy (eV per cell) and forces (eV/Å, shape (n_atoms, 3)) of one fixed structure."""

    energy_eV: float
    forces_eV_per_A: np.ndarray

    def as_dict(self) -> dict:
        return {
            "energy_eV": self.energy_eV,
            "forces_eV_per_A": np.asarray(self.forces_eV_per_A).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ForcesResult:
        return cls(float(d["energy_eV"]), np.asarray(d["forces_eV_per_A"], dtype=float))


@dataclass
class ModelClock:
    """Calls into the model (energy/force evaluations) and the seconds spent inside it."""

    calls: int = 0
    seconds: float = 0.0


class Calculator(MSONable, ABC):
    """A source of energies and forces. ``workdir`` is where a backend may keep its files."""

    name: str = "calculator"
    translation_invariant: bool = True
    """Energy unchanged when every atom moves together: acoustic modes vanish at Γ."""

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
        """Relax cell and positions with the symmetry held."""

    @abstractmethod
    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        """Energy and forces of a fixed structure (a displaced phonon supercell)."""

    def describe(self) -> str:
        """One line for reports: what model produced the numbers."""
        return self.name

    def use_environment(self, env: dict) -> None:
        """Settings from the FireWorks worker running the job (``env`` of my_fworker.yaml)."""

    def corrections(self) -> list[dict]:
        """Corrections applied to the last calculation (custodian's, for VASP); none here."""
        return []
