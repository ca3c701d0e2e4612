"""What a calculation gives back: a relaxation and the forces on one fixed structure.

These records cross every seam: calculators return them, jobs store them (``as_dict``), and
the readers of finished calculations rebuild them (``from_dict``, or from VASP outputs in
``nasx.analysis.vasp_outputs``). Energies are eV per cell, forces eV/Å, stresses GPa.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pymatgen.core import Structure

SUMMARY_KEYS = ("energy_eV", "max_force_eV_per_A", "max_stress_GPa", "steps", "converged")


@dataclass(frozen=True)
class RelaxResult:
    """A relaxed structure and its static energy (eV per cell).

    ``converged`` is the ionic convergence within the step limit; ``scf_converged`` whether the
    electronic SCF of the energy calculation converged (always true for ML models).
    ``corrections`` are what custodian changed on the way (VASP only)."""

    structure: Structure
    energy_eV: float
    max_force_eV_per_A: float
    max_stress_GPa: float
    steps: int
    converged: bool
    scf_converged: bool = True
    corrections: list[dict] = field(default_factory=list)

    def unusable_reason(self) -> str | None:
        """Why this energy must not enter a phase diagram, or None when it may."""
        if not self.converged:
            return (
                f"relaxation not converged after {self.steps} ionic steps "
                f"(residual force {self.max_force_eV_per_A:.3g} eV/Å)"
            )
        if not self.scf_converged:
            return "electronic SCF not converged"
        return None

    def summary(self) -> dict:
        """The relaxation as results.json reports it (no structure)."""
        return {key: getattr(self, key) for key in SUMMARY_KEYS}

    def as_dict(self) -> dict:
        return {
            "structure": self.structure.as_dict(),
            **self.summary(),
            "scf_converged": self.scf_converged,
            "corrections": list(self.corrections),
        }

    @classmethod
    def from_dict(cls, d: dict) -> RelaxResult:
        """From a stored relaxation (relax/result.json, a job's stored data)."""
        return cls(
            structure=Structure.from_dict(d["structure"]),
            energy_eV=float(d["energy_eV"]),
            max_force_eV_per_A=float(d["max_force_eV_per_A"]),
            max_stress_GPa=float(d["max_stress_GPa"]),
            steps=int(d["steps"]),
            converged=bool(d["converged"]),
            scf_converged=bool(d.get("scf_converged", True)),
            corrections=list(d.get("corrections", [])),
        )


@dataclass(frozen=True)
class ForcesResult:
    """Energy (eV per cell) and forces (eV/Å, shape (n_atoms, 3)) of one fixed structure."""

    energy_eV: float
    forces_eV_per_A: np.ndarray
    corrections: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "energy_eV": self.energy_eV,
            "forces_eV_per_A": np.asarray(self.forces_eV_per_A).tolist(),
            "corrections": list(self.corrections),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ForcesResult:
        return cls(
            float(d["energy_eV"]),
            np.asarray(d["forces_eV_per_A"], dtype=float),
            list(d.get("corrections", [])),
        )
